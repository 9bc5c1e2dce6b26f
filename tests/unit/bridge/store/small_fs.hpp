// A real, small file system for the store tests: a tmpfs of a given size
// mounted on a fresh directory. The mount lives in a mount namespace of the
// test process's own (entered once, as root or through a user namespace), so
// nothing is left mounted when the process ends, however it ends.
#pragma once

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sched.h>
#include <string>
#include <sys/mount.h>
#include <unistd.h>

#include "tests/unit/bridge/store/store_test_support.hpp"

namespace iotgw::bridge::store::test {

class SmallFileSystem {
 public:
  // `size` as tmpfs takes it: "2m", "512k".
  explicit SmallFileSystem(const char* size) {
    if (const std::string entered = enter_private_mounts(); !entered.empty()) {
      why_not_ = entered;
      return;
    }
    const std::string options = std::string("size=") + size + ",mode=0700";
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) !=
        0) {
      why_not_ = std::string("mount tmpfs: ") + std::strerror(errno);
      return;
    }
    mounted_ = true;
  }
  ~SmallFileSystem() {
    if (mounted_) {
      ::umount2(dir_.path().c_str(), MNT_DETACH);
    }
  }
  SmallFileSystem(const SmallFileSystem&) = delete;
  SmallFileSystem& operator=(const SmallFileSystem&) = delete;

  explicit operator bool() const { return mounted_; }
  const std::string& why_not() const { return why_not_; }
  const std::filesystem::path& path() const { return dir_.path(); }

 private:
  static bool write_text(const char* file, const std::string& text) {
    const int fd = ::open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      return false;
    }
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
  }

  // Empty when this process may mount in a namespace of its own, else why not.
  static std::string enter_private_mounts() {
    static const std::string result = [] {
      const uid_t uid = ::geteuid();
      const gid_t gid = ::getegid();
      if (::unshare(CLONE_NEWNS) != 0) {
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
          return std::string("unshare: ") + std::strerror(errno);
        }
        write_text("/proc/self/setgroups", "deny");
        if (!write_text("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
            !write_text("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
          return std::string("cannot map the user into its namespace");
        }
      }
      // Mounts made from here on stay in this namespace.
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        return std::string("make / private: ") + std::strerror(errno);
      }
      return std::string();
    }();
    return result;
  }

  TempDir dir_;
  bool mounted_ = false;
  std::string why_not_;
};

}  // namespace iotgw::bridge::store::test
