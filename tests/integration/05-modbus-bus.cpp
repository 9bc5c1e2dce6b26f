// The Modbus bus against an independent device: the pymodbus simulator on a
// socat pty pair (RTU) and on TCP. Reads of all four register kinds, writes of
// registers and coils, refused writes with no traffic, exception responses, a
// silent slave, and a port that disappears and comes back.
#include <algorithm>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "drivers/modbus/io/modbus_bus.hpp"
#include "tests/support/peer_process.hpp"
#include "tests/support/pty_pair.hpp"
#include "tests/support/run_until.hpp"

namespace iotgw::drivers::modbus::io {
namespace {

using namespace std::chrono_literals;
using config::RegisterKind;
using config::ValueType;

config::Point point(std::string name, RegisterKind kind, std::uint16_t address, ValueType type) {
  config::Point p;
  p.name = std::move(name);
  p.register_kind = kind;
  p.address = address;
  p.type = type;
  return p;
}

config::Point writable(config::Point p, std::optional<double> min = {},
                       std::optional<double> max = {}) {
  p.writable = true;
  p.min = min;
  p.max = max;
  return p;
}

// The simulator's registers (tests/sim/modbus_sim.py) and some writable points.
config::Device boiler(int unit_id) {
  config::Device device;
  device.name = unit_id == 1 ? "boiler" : "absent";
  device.unit_id = unit_id;
  device.poll_interval = 200ms;
  device.points = {
      point("flow_temp", RegisterKind::holding, 0, ValueType::float32),
      point("offset", RegisterKind::holding, 2, ValueType::int16),
      point("pressure", RegisterKind::input, 0, ValueType::uint16),
      point("pump_on", RegisterKind::coil, 0, ValueType::boolean),
      point("alarm", RegisterKind::discrete, 1, ValueType::boolean),
      writable(point("setpoint", RegisterKind::holding, 10, ValueType::int16), 5, 80),
      writable(point("target", RegisterKind::holding, 20, ValueType::float32)),
      writable(point("valve", RegisterKind::coil, 5, ValueType::boolean)),
  };
  device.points[5].scale = 0.1;
  return device;
}

enum Index : std::size_t { flow_temp, offset, pressure, pump_on, alarm, setpoint, target, valve };

class ModbusBusTest : public testing::Test {
 protected:
  ModbusBusTest()
      : pty_(std::filesystem::temp_directory_path() /
             ("iotgw-modbus-" + std::to_string(::getpid()))) {}

  ~ModbusBusTest() override {
    if (bus_) {
      bus_->stop();
      io_.run_for(100ms);
    }
  }

  void start_rtu_bus(std::vector<config::Device> devices) {
    pty_.start();
    simulator_.start(test::modbus_simulator({"--rtu", pty_.device_side(), "--baud", "38400"}));
    config_.name = "rs485";
    config_.protocol = config::Protocol::modbus_rtu;
    config_.port = pty_.gateway_side();
    config_.baud = 38400;
    start_bus(std::move(devices));
  }

  void start_bus(std::vector<config::Device> devices) {
    config_.timeout = 300ms;
    config_.retries = 1;
    config_.devices = std::move(devices);
    bus_.emplace(
        io_.get_executor(), config_,
        [this](const Reading& r) {
          readings_.push_back(r);
          polling_[r.device->name].push_back(r.point->name);
        },
        [this](const config::Device& device) {
          polls_.emplace_back(device.name, std::exchange(polling_[device.name], {}));
        });
    bus_->start();
  }

  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 15s) {
    return iotgw::test::run_until(io_, condition, timeout);
  }

  // The latest reading of a point of the first device.
  const Reading* latest(std::size_t point, std::size_t device = 0) const {
    for (auto it = readings_.rbegin(); it != readings_.rend(); ++it) {
      if (it->point == &config_.devices[device].points[point]) {
        return &*it;
      }
    }
    return nullptr;
  }

  bool has_good(std::size_t point) const {
    const Reading* reading = latest(point);
    return reading != nullptr && reading->quality.is_good();
  }

  // Writes and waits for the result: success, or failure with the error's message.
  ::testing::AssertionResult write(std::size_t point, Value value) {
    std::optional<modbus::Result<>> outcome;
    bus_->write(0, point, value, [&](const modbus::Result<>& written) { outcome = written; });
    EXPECT_TRUE(run_until([&] { return outcome.has_value(); }));
    if (!outcome) {
      return ::testing::AssertionFailure() << "no answer";
    }
    if (!*outcome) {
      return ::testing::AssertionFailure() << outcome->error().message();
    }
    return ::testing::AssertionSuccess();
  }

  bool simulator_saw(const std::string& line) {
    return run_until([&] {
      const auto lines = simulator_.lines();
      return std::find(lines.begin(), lines.end(), line) != lines.end();
    });
  }

  test::PtyPair pty_;
  test::PeerProcess simulator_;
  boost::asio::io_context io_;
  config::Bus config_;
  std::optional<ModbusBus> bus_;
  std::vector<Reading> readings_;
  // Per device, the points read since its last poll end; and each ended poll.
  std::map<std::string, std::vector<std::string>> polling_;
  std::vector<std::pair<std::string, std::vector<std::string>>> polls_;
};

TEST_F(ModbusBusTest, ReadsAllFourRegisterKindsOverRtu) {
  start_rtu_bus({boiler(1)});
  ASSERT_TRUE(run_until([&] { return has_good(flow_temp) && has_good(alarm); }));
  EXPECT_EQ(latest(flow_temp)->value, Value(21.5));
  EXPECT_EQ(latest(offset)->value, Value(std::int64_t{-123}));
  EXPECT_EQ(latest(pressure)->value, Value(std::uint64_t{1234}));
  EXPECT_EQ(latest(pump_on)->value, Value(true));
  EXPECT_EQ(latest(alarm)->value, Value(true));
  EXPECT_EQ(latest(valve)->value, Value(false));
  EXPECT_EQ(latest(setpoint)->value, Value(0.0));
}

TEST_F(ModbusBusTest, EndsEachPollAfterItsLastRequest) {
  start_rtu_bus({boiler(1)});
  ASSERT_TRUE(run_until([&] { return polls_.size() >= 2; }));
  // Several requests (four register kinds), one poll: every point, then the end.
  const std::vector<std::string> all{"flow_temp", "offset",  "setpoint", "target",
                                     "pressure",  "pump_on", "valve",    "alarm"};
  for (auto& [device, points] : polls_) {
    EXPECT_EQ(device, "boiler");
    std::sort(points.begin(), points.end());
    std::vector<std::string> expected = all;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(points, expected);
  }
}

TEST_F(ModbusBusTest, WritesRegistersAndCoils) {
  start_rtu_bus({boiler(1)});
  ASSERT_TRUE(run_until([&] { return bus_->connected(); }));
  EXPECT_TRUE(write(setpoint, 25.0));
  EXPECT_TRUE(simulator_saw("write holding 10 [250]"));
  EXPECT_TRUE(write(target, 1.5));  // 0x3FC00000: function 16, two registers
  EXPECT_TRUE(simulator_saw("write holding 20 [16320, 0]"));
  EXPECT_TRUE(write(valve, true));
  EXPECT_TRUE(simulator_saw("write coil 5 [1]"));
  // The next poll reads back what was written.
  const std::size_t before = readings_.size();
  ASSERT_TRUE(run_until([&] {
    const Reading* reading = latest(setpoint);
    return readings_.size() > before && reading->value == Value(25.0);
  }));
}

TEST_F(ModbusBusTest, RefusesBadWritesWithoutTouchingTheLine) {
  start_rtu_bus({boiler(1)});
  ASSERT_TRUE(run_until([&] { return has_good(flow_temp); }));
  EXPECT_FALSE(write(setpoint, 80.5));   // above max
  EXPECT_FALSE(write(flow_temp, 30.0));  // not writable
  EXPECT_FALSE(write(setpoint, std::string("warm")));
  EXPECT_TRUE(write(valve, false));
  EXPECT_TRUE(simulator_saw("write coil 5 [0]"));
  EXPECT_EQ(simulator_.lines(), std::vector<std::string>{"write coil 5 [0]"});
}

TEST_F(ModbusBusTest, ReportsExceptionResponses) {
  config::Device device = boiler(1);
  device.points = {point("beyond", RegisterKind::holding, 300, ValueType::uint16)};
  start_rtu_bus({device});
  ASSERT_TRUE(run_until([&] { return latest(0) != nullptr; }));
  EXPECT_EQ(to_string(latest(0)->quality), "exception:illegal_data_address");
  EXPECT_FALSE(latest(0)->value.has_value());
}

TEST_F(ModbusBusTest, ASilentSlaveTimesOutWithoutStarvingTheOther) {
  start_rtu_bus({boiler(1), boiler(7)});
  ASSERT_TRUE(run_until([&] {
    const Reading* absent = latest(flow_temp, 1);
    return absent != nullptr && bus_->status(1).consecutive_failures >= 2;
  }));
  EXPECT_EQ(to_string(latest(flow_temp, 1)->quality), "timeout");
  EXPECT_TRUE(bus_->status(1).backing_off);
  // Meanwhile the live device kept being polled.
  EXPECT_GE(bus_->status(0).polls_started, 3U);
  EXPECT_TRUE(latest(flow_temp, 0)->quality.is_good());
  EXPECT_GE(bus_->counters(1).timeouts, 4U);  // two polls, each tried twice
  // The silent device's polls end after their first request, whose points timed out.
  for (const auto& [device, points] : polls_) {
    if (device == "absent") {
      EXPECT_EQ(points, (std::vector<std::string>{"flow_temp", "offset", "setpoint"}));
    }
  }
}

TEST_F(ModbusBusTest, ReportsAVanishedPortAndRecovers) {
  start_rtu_bus({boiler(1)});
  ASSERT_TRUE(run_until([&] { return has_good(flow_temp); }));
  simulator_.stop();
  pty_.stop();
  ASSERT_TRUE(run_until([&] {
    const Reading* reading = latest(flow_temp);
    return reading->quality.kind == Quality::Kind::port_down;
  }));
  EXPECT_FALSE(bus_->connected());
  EXPECT_FALSE(write(setpoint, 20.0));

  pty_.start();
  simulator_.start(test::modbus_simulator({"--rtu", pty_.device_side(), "--baud", "38400"}));
  ASSERT_TRUE(run_until([&] { return has_good(flow_temp); }, 30s));
  EXPECT_EQ(latest(flow_temp)->value, Value(21.5));
}

TEST_F(ModbusBusTest, ReadsAndWritesOverTcp) {
  // Port 0 is not possible for pymodbus here; derive one from the pid.
  const int port = 20000 + ::getpid() % 20000;
  simulator_.start(test::modbus_simulator({"--tcp", "127.0.0.1:" + std::to_string(port)}));
  config_.name = "plc";
  config_.protocol = config::Protocol::modbus_tcp;
  config_.host = "127.0.0.1";
  config_.tcp_port = static_cast<std::uint16_t>(port);
  start_bus({boiler(1)});
  ASSERT_TRUE(run_until([&] { return has_good(flow_temp) && has_good(alarm); }));
  EXPECT_EQ(latest(flow_temp)->value, Value(21.5));
  EXPECT_EQ(latest(pressure)->value, Value(std::uint64_t{1234}));
  EXPECT_TRUE(write(setpoint, 42.0));
  EXPECT_TRUE(simulator_saw("write holding 10 [420]"));
}

}  // namespace
}  // namespace iotgw::drivers::modbus::io
