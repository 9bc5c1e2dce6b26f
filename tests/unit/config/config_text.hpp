// Configuration text shared by the config tests.
#pragma once

#include <string>

namespace iotgw::config::test {

// Four lines that make a valid start; a case's own lines begin on line 5, still
// inside [mqtt], so a case can add mqtt keys without a table header.
inline constexpr const char* header =
    "[gateway]\n"
    "id = \"gw\"\n"
    "[mqtt]\n"
    "url = \"mqtts://broker.example.com\"\n";

// `text` with every `from` replaced by `to`: a case's "{dir}" by its folder.
inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace iotgw::config::test
