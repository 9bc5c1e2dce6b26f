// A line-sensor bus against a real pseudo-terminal pair (socat): lines written
// by the simulated sensor become Readings; noise and overlong lines are counted;
// a port that vanishes reports port_down and is reopened when it comes back.
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "drivers/line/io/line_bus.hpp"
#include "tests/support/pty_pair.hpp"
#include "tests/support/run_until.hpp"

namespace iotgw::drivers::line::io {
namespace {

using namespace std::chrono_literals;

config::Bus weather_bus(const std::string& port) {
  config::Bus bus;
  bus.name = "weather";
  bus.protocol = config::Protocol::line;
  bus.port = port;
  bus.baud = 4800;
  bus.max_line = 64;
  config::Device station;
  station.name = "station";
  station.pattern = "T=(-?[0-9.]+);H=([0-9.]+)";
  for (const char* name : {"temperature", "humidity"}) {
    config::Point point;
    point.name = name;
    point.type = config::ValueType::float64;
    station.points.push_back(point);
  }
  bus.devices.push_back(station);
  return bus;
}

class LineBusTest : public testing::Test {
 protected:
  LineBusTest()
      : pty_(std::filesystem::temp_directory_path() / ("iotgw-line-" + std::to_string(::getpid()))),
        bus_config_(weather_bus(pty_.gateway_side())),
        bus_(
            io_.get_executor(), bus_config_,
            [this](const Reading& reading) {
              readings_.push_back(reading);
              events_.push_back(reading.point->name);
            },
            [this](const config::Device& device) { events_.push_back("end " + device.name); }) {}

  ~LineBusTest() override {
    bus_.stop();
    io_.run_for(100ms);
  }

  // Writes to the sensor's end of the line, opening it on first use.
  void sensor_writes(const std::string& text) {
    if (sensor_fd_ < 0) {
      sensor_fd_ = ::open(pty_.device_side().c_str(), O_RDWR | O_NOCTTY);
      ASSERT_GE(sensor_fd_, 0);
    }
    ASSERT_EQ(::write(sensor_fd_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }

  void sensor_unplugged() {
    ::close(sensor_fd_);
    sensor_fd_ = -1;
    pty_.stop();
  }

  // Runs the io_context until condition holds, failing after the timeout.
  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
    return iotgw::test::run_until(io_, condition, timeout);
  }

  std::vector<double> good_values(std::string_view point) const {
    std::vector<double> values;
    for (const Reading& reading : readings_) {
      if (reading.point->name == point && reading.quality.is_good()) {
        values.push_back(std::get<double>(*reading.value));
      }
    }
    return values;
  }

  int port_down_readings() const {
    int count = 0;
    for (const Reading& reading : readings_) {
      count += reading.quality.kind == Quality::Kind::port_down ? 1 : 0;
    }
    return count;
  }

  test::PtyPair pty_;
  config::Bus bus_config_;
  boost::asio::io_context io_;
  std::vector<Reading> readings_;
  std::vector<std::string> events_;  // point names of readings, "end DEVICE" at poll ends
  LineBus bus_;
  int sensor_fd_ = -1;
};

TEST_F(LineBusTest, TurnsLinesIntoReadings) {
  pty_.start();
  bus_.start();
  ASSERT_TRUE(run_until([&] { return bus_.port_open(); }));
  sensor_writes("T=21.5;H=40\nT=-2");
  sensor_writes(".25;H=99.5\n");
  ASSERT_TRUE(run_until([&] { return good_values("humidity").size() == 2; }));
  EXPECT_EQ(good_values("temperature"), (std::vector<double>{21.5, -2.25}));
  EXPECT_EQ(good_values("humidity"), (std::vector<double>{40, 99.5}));
  EXPECT_EQ(readings_[0].device->name, "station");
  EXPECT_EQ(bus_.counters().lines, 2U);
  // Each line is one poll of the device that recognised it.
  EXPECT_EQ(events_, (std::vector<std::string>{"temperature", "humidity", "end station",
                                               "temperature", "humidity", "end station"}));
}

TEST_F(LineBusTest, TellsWhenItHasStopped) {
  pty_.start();
  bus_.start();
  ASSERT_TRUE(run_until([&] { return bus_.port_open(); }));
  bool stopped = false;
  bus_.stop([&] { stopped = true; });
  EXPECT_FALSE(stopped);  // never from within stop()
  ASSERT_TRUE(run_until([&] { return stopped; }));
}

TEST_F(LineBusTest, CountsNoiseAndOverlongLinesAndCarriesOn) {
  pty_.start();
  bus_.start();
  ASSERT_TRUE(run_until([&] { return bus_.port_open(); }));
  sensor_writes(std::string("\x00\xff\x13garbage\n", 11) + std::string(500, 'x') + "\nT=1;H=2\n");
  ASSERT_TRUE(run_until([&] { return good_values("humidity").size() == 1; }));
  EXPECT_EQ(bus_.counters().unmatched, 1U);
  EXPECT_EQ(bus_.counters().dropped_overlong, 1U);
  EXPECT_EQ(good_values("temperature"), std::vector<double>{1});
}

TEST_F(LineBusTest, ReportsAVanishedPortAndReopensIt) {
  pty_.start();
  bus_.start();
  ASSERT_TRUE(run_until([&] { return bus_.port_open(); }));
  sensor_writes("T=1;H=1\n");
  ASSERT_TRUE(run_until([&] { return good_values("humidity").size() == 1; }));

  sensor_unplugged();
  ASSERT_TRUE(run_until([&] { return port_down_readings() == 2; }));
  EXPECT_FALSE(bus_.port_open());

  pty_.start();
  ASSERT_TRUE(run_until([&] { return bus_.port_open(); }));
  sensor_writes("T=2;H=2\n");
  ASSERT_TRUE(run_until([&] { return good_values("humidity").size() == 2; }));
  EXPECT_EQ(good_values("temperature"), (std::vector<double>{1, 2}));
  EXPECT_EQ(port_down_readings(), 2);
}

TEST_F(LineBusTest, KeepsTryingAPortThatIsNotThereYet) {
  bus_.start();
  ASSERT_TRUE(run_until([&] { return port_down_readings() == 2; }));
  pty_.start();
  ASSERT_TRUE(run_until([&] { return bus_.port_open(); }));
  sensor_writes("T=5;H=6\n");
  ASSERT_TRUE(run_until([&] { return good_values("temperature").size() == 1; }));
  EXPECT_GE(bus_.counters().port_failures, 1U);
}

}  // namespace
}  // namespace iotgw::drivers::line::io
