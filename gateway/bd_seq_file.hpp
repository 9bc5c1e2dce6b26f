// The Sparkplug bdSeq (birth/death sequence, 0-255): one more at every MQTT
// CONNECT, and kept in a file under gateway.state_dir so that it goes on
// across restarts, as Sparkplug 3.0 asks
// (tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq).
// The value is written durably (a new file, synced, renamed over the old one)
// before the CONNECT that carries it in its will.
#pragma once

#include <cstdint>
#include <filesystem>

namespace iotgw::gateway {

class BdSeqFile {
 public:
  explicit BdSeqFile(std::filesystem::path path);

  struct Next {
    std::uint8_t value;
    bool kept;  // written durably; when not, the value is used all the same
  };

  // The bdSeq of the connection about to be made: 0 the first time (or after
  // a file that cannot be read), else the last one plus one, wrapping after 255.
  Next next();

 private:
  std::filesystem::path path_;
};

}  // namespace iotgw::gateway
