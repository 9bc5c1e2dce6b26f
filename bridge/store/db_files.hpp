// File-level care of the database: it and its WAL are private to the service
// (mode 0600), and a database that cannot be read is moved aside, never deleted.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace iotgw::bridge::store {

// Creates `db` empty with mode 0600 if it does not exist, and takes away any
// group/other permission from it and its -wal/-shm files if they do (SQLite
// gives the -wal and -shm files the mode of the database file).
void make_private(const std::filesystem::path& db);

// False if `db` is not empty and does not start with the SQLite header. Checked
// before SQLite opens the file: SQLite would delete or checkpoint a -wal file
// beside a file it does not recognise, losing evidence.
bool looks_like_sqlite(const std::filesystem::path& db);

// One of the store's files that SQLite must not be given, and why.
struct FileProblem {
  std::filesystem::path file;  // the database or one of its -wal, -shm, -journal
  std::string what;            // "is a directory", "is a symbolic link to /x", ...
};

// Looks at `db` and its companions without following symbolic links: each
// that exists must be a regular file (SQLite would write through a link into
// whatever it names, and fails on a directory), and a -wal that is not empty
// must start with a valid write-ahead log header (SQLite silently discards a
// log whose header is broken, or refuses to open beside one of an unknown
// version). A problem with `db` itself comes first.
std::vector<FileProblem> inspect_files(const std::filesystem::path& db);

// Renames `db` and its -wal, -shm and -journal files to
// "<db>.corrupt-YYYYmmddTHHMMSSZ" (+ the same suffixes, so SQLite can still open
// the moved copy), adding ".N" if that name is taken. Returns the new db path.
std::filesystem::path move_aside(const std::filesystem::path& db,
                                 std::chrono::system_clock::time_point now);

// Renames only `file` (a file, link or directory) the same way.
std::filesystem::path move_one_aside(const std::filesystem::path& file,
                                     std::chrono::system_clock::time_point now);

}  // namespace iotgw::bridge::store
