// The serial ports of this machine (through libserialport), and the stable
// names operators may write instead of /dev/ttyUSB0: "usb:VID:PID[:SERIAL]".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "drivers/serial/error.hpp"

namespace iotgw::drivers::serial {

struct PortInfo {
  std::string name;  // /dev/ttyUSB0
  std::string description;
  std::string transport;  // native, usb, bluetooth
  int usb_vid = -1;       // -1 unless transport is usb
  int usb_pid = -1;
  std::string usb_serial;
  std::string manufacturer;
  std::string by_id;  // the /dev/serial/by-id/ link to the port, if there is one
};

std::vector<PortInfo> list_ports();

// The stable name of a USB port as config accepts it: "usb:0403:6001:A10K3B".
std::string usb_name(const PortInfo& port);

struct UsbSelector {
  int vid = 0;
  int pid = 0;
  std::string serial;  // empty: any
};

// Parses "usb:VID:PID[:SERIAL]" (hex ids); empty when port is not in that form.
std::optional<UsbSelector> parse_usb_name(const std::string& port);

// The device path for a configured port: the path itself, or the one USB port
// that matches a usb: name; else why there is none (a bad name, no match, or several).
Result<std::string> resolve_port(const std::string& configured, const std::vector<PortInfo>& ports);

}  // namespace iotgw::drivers::serial
