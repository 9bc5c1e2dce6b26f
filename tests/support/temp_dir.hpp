// A private temporary folder for a test or a benchmark.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace iotgw::test {

// A fresh folder under the system's temporary folder (TMPDIR), removed with
// everything in it when this goes.
class TempDir {
 public:
  // The folder's name starts with `prefix`, so a leftover says who made it.
  explicit TempDir(std::string_view prefix = "iotgw-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` to the file `name` in the folder; the file's full path.
  std::filesystem::path write(const std::string& name, std::string_view content) const;

  // Leaves the folder in place: what it holds explains a failure.
  void keep() { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace iotgw::test
