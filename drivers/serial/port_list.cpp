#include "drivers/serial/port_list.hpp"

#include <charconv>
#include <filesystem>
#include <system_error>

#include <libserialport.h>

namespace iotgw::drivers::serial {
namespace {

std::string text_or_empty(const char* text) {
  return text ? text : "";
}

const char* transport_name(sp_transport transport) {
  switch (transport) {
    case SP_TRANSPORT_USB:
      return "usb";
    case SP_TRANSPORT_BLUETOOTH:
      return "bluetooth";
    case SP_TRANSPORT_NATIVE:
      break;
  }
  return "native";
}

// Maps each device under /dev/serial/by-id to the link that names it.
std::string by_id_link(const std::string& device) {
  std::error_code error;
  const std::filesystem::path target = std::filesystem::canonical(device, error);
  if (error) {
    return "";
  }
  for (const auto& entry : std::filesystem::directory_iterator("/dev/serial/by-id", error)) {
    if (std::filesystem::canonical(entry.path(), error) == target) {
      return entry.path().string();
    }
  }
  return "";
}

std::optional<int> parse_hex(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (text.empty() || text.size() > 4 || error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::vector<PortInfo> list_ports() {
  std::vector<PortInfo> result;
  sp_port** ports = nullptr;
  if (sp_list_ports(&ports) != SP_OK) {
    return result;
  }
  for (sp_port** port = ports; *port != nullptr; ++port) {
    PortInfo info;
    info.name = text_or_empty(sp_get_port_name(*port));
    info.description = text_or_empty(sp_get_port_description(*port));
    const sp_transport transport = sp_get_port_transport(*port);
    info.transport = transport_name(transport);
    if (transport == SP_TRANSPORT_USB) {
      sp_get_port_usb_vid_pid(*port, &info.usb_vid, &info.usb_pid);
      info.usb_serial = text_or_empty(sp_get_port_usb_serial(*port));
      info.manufacturer = text_or_empty(sp_get_port_usb_manufacturer(*port));
    }
    info.by_id = by_id_link(info.name);
    result.push_back(std::move(info));
  }
  sp_free_port_list(ports);
  return result;
}

std::string usb_name(const PortInfo& port) {
  char ids[16];
  std::snprintf(ids, sizeof ids, "%04x:%04x", port.usb_vid, port.usb_pid);
  std::string name = std::string("usb:") + ids;
  if (!port.usb_serial.empty()) {
    name += ":" + port.usb_serial;
  }
  return name;
}

std::optional<UsbSelector> parse_usb_name(const std::string& port) {
  std::string_view rest = port;
  if (!rest.starts_with("usb:")) {
    return std::nullopt;
  }
  rest.remove_prefix(4);
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  const std::size_t second = rest.find(':', colon + 1);
  const auto vid = parse_hex(rest.substr(0, colon));
  const auto pid = parse_hex(rest.substr(colon + 1, second - colon - 1));
  if (!vid || !pid) {
    return std::nullopt;
  }
  UsbSelector selector{*vid, *pid, ""};
  if (second != std::string_view::npos) {
    selector.serial = std::string(rest.substr(second + 1));
  }
  return selector;
}

Result<std::string> resolve_port(const std::string& configured,
                                 const std::vector<PortInfo>& ports) {
  if (!configured.starts_with("usb:")) {
    return configured;
  }
  const std::optional<UsbSelector> selector = parse_usb_name(configured);
  if (!selector) {
    return Error{Errc::invalid_usb_name,
                 "\"" + configured + "\" is not usb:VID:PID[:SERIAL] with hexadecimal ids"};
  }
  std::vector<const PortInfo*> matches;
  for (const PortInfo& port : ports) {
    if (port.usb_vid == selector->vid && port.usb_pid == selector->pid &&
        (selector->serial.empty() || port.usb_serial == selector->serial)) {
      matches.push_back(&port);
    }
  }
  if (matches.empty()) {
    return Error{Errc::no_usb_match, "no USB serial port matches " + configured +
                                         " (is it plugged in? see iotgw ports)"};
  }
  if (matches.size() > 1) {
    return Error{Errc::several_usb_matches,
                 std::to_string(matches.size()) + " USB serial ports match " + configured +
                     "; add the serial number: " + usb_name(*matches[0]) + " or " +
                     usb_name(*matches[1])};
  }
  return matches.front()->name;
}

}  // namespace iotgw::drivers::serial
