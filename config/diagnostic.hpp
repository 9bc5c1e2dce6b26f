// Problems found in a configuration file, each with the place it was found.
#pragma once

#include <string>
#include <vector>

namespace iotgw::config {

struct Diagnostic {
  enum class Severity { error, warning };

  Severity severity = Severity::error;
  std::string file;
  int line = 1;
  int column = 1;
  std::string message;

  // "file:line:column: error: message", the form editors and compilers use.
  std::string to_string() const;
};

// Collects diagnostics in the order of their place in the file.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void error(int line, int column, std::string message);
  void warning(int line, int column, std::string message);

  bool has_errors() const;
  const std::string& file() const { return file_; }
  // The diagnostics sorted by position; errors before warnings at the same place.
  std::vector<Diagnostic> sorted() const;

 private:
  void add(Diagnostic::Severity severity, int line, int column, std::string message);

  std::string file_;
  std::vector<Diagnostic> items_;
};

}  // namespace iotgw::config
