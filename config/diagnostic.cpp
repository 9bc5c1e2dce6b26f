#include "config/diagnostic.hpp"

#include <algorithm>
#include <tuple>

namespace iotgw::config {

std::string Diagnostic::to_string() const {
  const char* kind = severity == Severity::error ? "error" : "warning";
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + kind + ": " +
         message;
}

void Diagnostics::error(int line, int column, std::string message) {
  add(Diagnostic::Severity::error, line, column, std::move(message));
}

void Diagnostics::warning(int line, int column, std::string message) {
  add(Diagnostic::Severity::warning, line, column, std::move(message));
}

bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(), [](const Diagnostic& item) {
    return item.severity == Diagnostic::Severity::error;
  });
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> result = items_;
  std::stable_sort(result.begin(), result.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column, a.severity) < std::tie(b.line, b.column, b.severity);
  });
  return result;
}

void Diagnostics::add(Diagnostic::Severity severity, int line, int column, std::string message) {
  // Positions are 1-based; toml++ reports 0 for nodes made up rather than read.
  items_.push_back({severity, file_, std::max(line, 1), std::max(column, 1), std::move(message)});
}

}  // namespace iotgw::config
