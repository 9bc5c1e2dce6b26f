#include "bridge/store/counting_vfs.hpp"

#include <stdexcept>

namespace iotgw::bridge::store {

// Our file object; the base VFS's file object follows it in the same block,
// so szOsFile is the sum of both sizes.
struct CountingVfs::File {
  sqlite3_file base;  // must be first: SQLite sees this
  CountingVfs* owner;
  sqlite3_file* real;
};

namespace {

std::atomic<unsigned> next_vfs_id{0};

sqlite3_file* real_of(sqlite3_file* file) {
  return reinterpret_cast<CountingVfs::File*>(file)->real;
}

// Closes the base VFS's file object and marks ours closed.
int file_close(sqlite3_file* file) {
  sqlite3_file* real = real_of(file);
  const int rc = real->pMethods->xClose(real);
  file->pMethods = nullptr;
  return rc;
}

// Forwards one method of the file object to the base VFS's unchanged.
template <auto method>
struct Forward;

template <typename R, typename... Args, R (*sqlite3_io_methods::*method)(sqlite3_file*, Args...)>
struct Forward<method> {
  static R call(sqlite3_file* file, Args... args) {
    sqlite3_file* real = real_of(file);
    return (real->pMethods->*method)(real, args...);
  }
};

// The wrapped methods for a version 1 and a version 3 base file (the unix VFS
// gives version 3; a version 1 file has no shared memory and no mmap).
sqlite3_io_methods make_methods(int version, decltype(sqlite3_io_methods::xWrite) write,
                                decltype(sqlite3_io_methods::xSync) sync) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  m.xClose = file_close;
  m.xRead = Forward<&sqlite3_io_methods::xRead>::call;
  m.xWrite = write;
  m.xTruncate = Forward<&sqlite3_io_methods::xTruncate>::call;
  m.xSync = sync;
  m.xFileSize = Forward<&sqlite3_io_methods::xFileSize>::call;
  m.xLock = Forward<&sqlite3_io_methods::xLock>::call;
  m.xUnlock = Forward<&sqlite3_io_methods::xUnlock>::call;
  m.xCheckReservedLock = Forward<&sqlite3_io_methods::xCheckReservedLock>::call;
  m.xFileControl = Forward<&sqlite3_io_methods::xFileControl>::call;
  m.xSectorSize = Forward<&sqlite3_io_methods::xSectorSize>::call;
  m.xDeviceCharacteristics = Forward<&sqlite3_io_methods::xDeviceCharacteristics>::call;
  if (version >= 2) {
    m.xShmMap = Forward<&sqlite3_io_methods::xShmMap>::call;
    m.xShmLock = Forward<&sqlite3_io_methods::xShmLock>::call;
    m.xShmBarrier = Forward<&sqlite3_io_methods::xShmBarrier>::call;
    m.xShmUnmap = Forward<&sqlite3_io_methods::xShmUnmap>::call;
  }
  if (version >= 3) {
    m.xFetch = Forward<&sqlite3_io_methods::xFetch>::call;
    m.xUnfetch = Forward<&sqlite3_io_methods::xUnfetch>::call;
  }
  return m;
}

// Each VFS-level method forwards to the base VFS (pAppData is the CountingVfs).
sqlite3_vfs* base_of(sqlite3_vfs* vfs) {
  return static_cast<CountingVfs*>(vfs->pAppData)->base();
}
int vfs_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return base_of(vfs)->xDelete(base_of(vfs), name, sync_dir);
}
int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return base_of(vfs)->xAccess(base_of(vfs), name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return base_of(vfs)->xFullPathname(base_of(vfs), name, size, out);
}
void* vfs_dl_open(sqlite3_vfs* vfs, const char* name) {
  return base_of(vfs)->xDlOpen(base_of(vfs), name);
}
void vfs_dl_error(sqlite3_vfs* vfs, int size, char* out) {
  base_of(vfs)->xDlError(base_of(vfs), size, out);
}
void (*vfs_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return base_of(vfs)->xDlSym(base_of(vfs), handle, symbol);
}
void vfs_dl_close(sqlite3_vfs* vfs, void* handle) {
  base_of(vfs)->xDlClose(base_of(vfs), handle);
}
int vfs_randomness(sqlite3_vfs* vfs, int size, char* out) {
  return base_of(vfs)->xRandomness(base_of(vfs), size, out);
}
int vfs_sleep(sqlite3_vfs* vfs, int micros) {
  return base_of(vfs)->xSleep(base_of(vfs), micros);
}
int vfs_current_time(sqlite3_vfs* vfs, double* out) {
  return base_of(vfs)->xCurrentTime(base_of(vfs), out);
}
int vfs_get_last_error(sqlite3_vfs* vfs, int size, char* out) {
  return base_of(vfs)->xGetLastError(base_of(vfs), size, out);
}
int vfs_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return base_of(vfs)->xCurrentTimeInt64(base_of(vfs), out);
}

}  // namespace

// Opens the file with the base VFS and puts the counting methods in front.
int CountingVfs::open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags,
                      int* out_flags) {
  auto* self = static_cast<CountingVfs*>(vfs->pAppData);
  auto* wrapper = reinterpret_cast<File*>(file);
  wrapper->base.pMethods = nullptr;
  wrapper->owner = self;
  wrapper->real = reinterpret_cast<sqlite3_file*>(wrapper + 1);
  const int rc = self->base_->xOpen(self->base_, name, wrapper->real, flags, out_flags);
  if (wrapper->real->pMethods == nullptr) {
    return rc;
  }
  static const sqlite3_io_methods v1 = make_methods(1, &CountingVfs::write, &CountingVfs::sync);
  static const sqlite3_io_methods v3 = make_methods(3, &CountingVfs::write, &CountingVfs::sync);
  wrapper->base.pMethods = wrapper->real->pMethods->iVersion >= 3 ? &v3 : &v1;
  return rc;
}

int CountingVfs::write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  auto* wrapper = reinterpret_cast<File*>(file);
  CountingVfs& owner = *wrapper->owner;
  const std::int64_t left = owner.fault_countdown_.load(std::memory_order_relaxed);
  if (left == 0) {
    if (!owner.fault_persistent_.load(std::memory_order_relaxed)) {
      owner.fault_countdown_.store(-1, std::memory_order_relaxed);
    }
    owner.faults_injected_.fetch_add(1, std::memory_order_relaxed);
    return owner.fault_code_.load(std::memory_order_relaxed);
  }
  if (left > 0) {
    owner.fault_countdown_.store(left - 1, std::memory_order_relaxed);
  }
  const int rc = wrapper->real->pMethods->xWrite(wrapper->real, data, amount, offset);
  if (rc == SQLITE_OK) {
    wrapper->owner->bytes_written_.fetch_add(static_cast<std::uint64_t>(amount),
                                             std::memory_order_relaxed);
  }
  return rc;
}

int CountingVfs::sync(sqlite3_file* file, int flags) {
  auto* wrapper = reinterpret_cast<File*>(file);
  wrapper->owner->syncs_.fetch_add(1, std::memory_order_relaxed);
  return wrapper->real->pMethods->xSync(wrapper->real, flags);
}

CountingVfs::CountingVfs()
    : base_(sqlite3_vfs_find(nullptr)),
      name_("iotgw-counting-" + std::to_string(next_vfs_id.fetch_add(1))) {
  if (base_ == nullptr) {
    throw std::runtime_error("SQLite has no default VFS");
  }
  vfs_.iVersion = 2;
  vfs_.szOsFile = static_cast<int>(sizeof(File)) + base_->szOsFile;
  vfs_.mxPathname = base_->mxPathname;
  vfs_.zName = name_.c_str();
  vfs_.pAppData = this;
  vfs_.xOpen = &CountingVfs::open;
  vfs_.xDelete = vfs_delete;
  vfs_.xAccess = vfs_access;
  vfs_.xFullPathname = vfs_full_pathname;
  vfs_.xDlOpen = vfs_dl_open;
  vfs_.xDlError = vfs_dl_error;
  vfs_.xDlSym = vfs_dl_sym;
  vfs_.xDlClose = vfs_dl_close;
  vfs_.xRandomness = vfs_randomness;
  vfs_.xSleep = vfs_sleep;
  vfs_.xCurrentTime = vfs_current_time;
  vfs_.xGetLastError = vfs_get_last_error;
  vfs_.xCurrentTimeInt64 = vfs_current_time_int64;
  const int rc = sqlite3_vfs_register(&vfs_, 0);
  if (rc != SQLITE_OK) {
    throw std::runtime_error(std::string("sqlite3_vfs_register: ") + sqlite3_errstr(rc));
  }
}

void CountingVfs::inject_write_fault(std::int64_t writes, int code, bool persistent) {
  fault_code_.store(code);
  fault_persistent_.store(persistent);
  fault_countdown_.store(writes);
}

CountingVfs::~CountingVfs() {
  sqlite3_vfs_unregister(&vfs_);
}

}  // namespace iotgw::bridge::store
