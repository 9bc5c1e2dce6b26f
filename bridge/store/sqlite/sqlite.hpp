// Thin RAII wrappers over the SQLite C API: a connection, a prepared
// statement and a write transaction. Every failure becomes sqlite::Error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace iotgw::bridge::store::sqlite {

class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }            // extended result code
  int primary() const { return code_ & 0xff; }  // SQLITE_FULL, SQLITE_CORRUPT, ...

 private:
  int code_;
};

// True for result codes that mean the file is not a readable database.
bool is_corruption(int code);

class Connection {
 public:
  Connection() = default;
  Connection(const std::filesystem::path& path, int flags, const char* vfs);
  ~Connection();
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const char* sql);
  // First column of the first row of `sql` as an integer (PRAGMA reads).
  std::int64_t query_int(const char* sql);
  // First column of the first row of `sql` as text.
  std::string query_text(const char* sql);
  std::int64_t changes() const;
  bool in_transaction() const;
  sqlite3* get() const { return db_; }
  void close();

  // Throws Error for `rc` unless it is SQLITE_OK; `what` names the operation.
  void check(int rc, std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement() = default;
  Statement(Connection& db, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value);
  Statement& bind_text(int index, std::string_view value);
  Statement& bind_blob(int index, std::span<const std::uint8_t> value);
  // Advances; true while a row is available, false when done.
  bool step();
  // Ready for the next execution; bindings are kept.
  void reset();

  std::int64_t column_int(int index) const;
  std::string_view column_text(int index) const;
  std::span<const std::uint8_t> column_blob(int index) const;

 private:
  Connection* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction; rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& db_;
  bool open_ = true;
};

}  // namespace iotgw::bridge::store::sqlite
