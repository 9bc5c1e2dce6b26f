#include <CLI/CLI.hpp>

#include "gateway/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"iotgw: an edge gateway from serial sensors to MQTT"};
  app.set_version_flag("--version", std::string{"iotgw "} + iotgw::version);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
