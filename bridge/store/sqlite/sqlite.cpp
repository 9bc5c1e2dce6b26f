#include "bridge/store/sqlite/sqlite.hpp"

#include <utility>

#include <sqlite3.h>

namespace iotgw::bridge::store::sqlite {

bool is_corruption(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB || primary == SQLITE_FORMAT;
}

Connection::Connection(const std::filesystem::path& path, int flags, const char* vfs) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, vfs);
  if (rc != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(rc, "open " + path.string() + ": " + message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() {
  close();
}

Connection::Connection(Connection&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

void Connection::close() {
  if (db_ != nullptr) {
    // close_v2 defers the real close until statements are finalized, so the
    // order in which owners are destroyed does not matter.
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
}

void Connection::check(int rc, std::string_view what) const {
  if (rc != SQLITE_OK) {
    throw Error(
        rc, std::string(what) + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)));
  }
}

void Connection::exec(const char* sql) {
  check(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), sql);
}

std::int64_t Connection::query_int(const char* sql) {
  Statement statement(*this, sql);
  return statement.step() ? statement.column_int(0) : 0;
}

std::string Connection::query_text(const char* sql) {
  Statement statement(*this, sql);
  return statement.step() ? std::string(statement.column_text(0)) : std::string();
}

std::int64_t Connection::changes() const {
  return sqlite3_changes64(db_);
}

bool Connection::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

Statement::Statement(Connection& db, std::string_view sql) : db_(&db) {
  db.check(sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr),
           sql);
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  db_->check(sqlite3_bind_int64(stmt_, index, value), "bind");
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
  db_->check(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8),
      "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> value) {
  // An empty payload must still be a zero-length blob, not NULL.
  static const std::uint8_t empty = 0;
  db_->check(sqlite3_bind_blob64(stmt_, index, value.empty() ? &empty : value.data(), value.size(),
                                 SQLITE_STATIC),
             "bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  // The statement must be reset before it can be used again.
  sqlite3_reset(stmt_);
  throw Error(rc, std::string(sqlite3_sql(stmt_)) + ": " + sqlite3_errmsg(db_->get()));
}

void Statement::reset() {
  sqlite3_reset(stmt_);
}

std::int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string_view Statement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  return text != nullptr ? std::string_view(text, sqlite3_column_bytes(stmt_, index))
                         : std::string_view();
}

std::span<const std::uint8_t> Statement::column_blob(int index) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
  return data != nullptr
             ? std::span(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)))
             : std::span<const std::uint8_t>();
}

Transaction::Transaction(Connection& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  // After a failed statement SQLite may already have rolled back by itself
  // (SQLITE_FULL, SQLITE_IOERR); only roll back what is still open.
  if (open_ && db_.in_transaction()) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace iotgw::bridge::store::sqlite
