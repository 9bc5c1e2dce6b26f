#include <gtest/gtest.h>

#include "drivers/serial/port_list.hpp"

namespace iotgw::drivers::serial {
namespace {

PortInfo usb_port(std::string name, int vid, int pid, std::string serial) {
  PortInfo port;
  port.name = std::move(name);
  port.transport = "usb";
  port.usb_vid = vid;
  port.usb_pid = pid;
  port.usb_serial = std::move(serial);
  return port;
}

const std::vector<PortInfo> ports = {
    usb_port("/dev/ttyUSB0", 0x0403, 0x6001, "A10K3B"),
    usb_port("/dev/ttyUSB1", 0x0403, 0x6001, "B22X9Q"),
    usb_port("/dev/ttyACM0", 0x2341, 0x0043, ""),
};

TEST(PortList, ParsesUsbNames) {
  const auto selector = parse_usb_name("usb:0403:6001:A10K3B");
  ASSERT_TRUE(selector);
  EXPECT_EQ(selector->vid, 0x0403);
  EXPECT_EQ(selector->pid, 0x6001);
  EXPECT_EQ(selector->serial, "A10K3B");
  EXPECT_EQ(parse_usb_name("usb:2341:43")->serial, "");
  EXPECT_FALSE(parse_usb_name("/dev/ttyUSB0"));
  EXPECT_FALSE(parse_usb_name("usb:0403"));
  EXPECT_FALSE(parse_usb_name("usb:xyz:6001"));
  EXPECT_FALSE(parse_usb_name("usb:04030:6001"));
}

TEST(PortList, SpellsUsbNamesAsConfigTakesThem) {
  EXPECT_EQ(usb_name(ports[0]), "usb:0403:6001:A10K3B");
  EXPECT_EQ(usb_name(ports[2]), "usb:2341:0043");
}

TEST(PortList, ResolvesPathsAndUsbNames) {
  EXPECT_EQ(resolve_port("/dev/serial/by-id/usb-FTDI-if00", ports).value(),
            "/dev/serial/by-id/usb-FTDI-if00");
  EXPECT_EQ(resolve_port("usb:0403:6001:B22X9Q", ports).value(), "/dev/ttyUSB1");
  EXPECT_EQ(resolve_port("usb:2341:0043", ports).value(), "/dev/ttyACM0");
}

TEST(PortList, ExplainsAUsbNameThatMatchesNoneOrSeveral) {
  const Result<std::string> several = resolve_port("usb:0403:6001", ports);
  ASSERT_FALSE(several);
  EXPECT_EQ(several.error().detail,
            "2 USB serial ports match usb:0403:6001; add the serial number: "
            "usb:0403:6001:A10K3B or usb:0403:6001:B22X9Q");
  const Result<std::string> none = resolve_port("usb:1a86:7523", ports);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().detail,
            "no USB serial port matches usb:1a86:7523 (is it plugged in? see iotgw ports)");
}

TEST(PortList, ItsErrorsTravelAsErrorCodesOfTheSerialCategory) {
  const boost::system::error_code code = Errc::no_usb_match;
  EXPECT_STREQ(code.category().name(), "iotgw.serial");
  EXPECT_EQ(code.message(), "no_usb_match");
}

}  // namespace
}  // namespace iotgw::drivers::serial
