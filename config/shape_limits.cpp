#include "config/shape_limits.hpp"

namespace iotgw::config {
namespace {

// Walks the text as TOML's lexer would, far enough to tell strings and
// comments from keys, and counts what the limits bound. It does not validate:
// whatever it misreads, the parser after it rejects.
class ShapeScanner {
 public:
  explicit ShapeScanner(std::string_view text) : text_(text) {}

  std::optional<ShapeProblem> scan() {
    while (at_ < text_.size()) {
      const char c = text_[at_];
      if (c == '\n') {
        advance(1);
        continue;
      }
      switch (state_) {
        case State::normal:
          if (auto problem = normal(c)) {
            return problem;
          }
          break;
        case State::comment:
          advance(1);
          break;
        case State::basic:
          string_char(c, '"', false);
          break;
        case State::literal:
          string_char(c, '\'', false);
          break;
        case State::multiline_basic:
          string_char(c, '"', true);
          break;
        case State::multiline_literal:
          string_char(c, '\'', true);
          break;
      }
    }
    return std::nullopt;
  }

 private:
  enum class State { normal, comment, basic, literal, multiline_basic, multiline_literal };

  std::optional<ShapeProblem> normal(char c) {
    if (c == '#') {
      state_ = State::comment;
    } else if (c == '"' || c == '\'') {
      const bool multiline = text_.substr(at_, 3) == std::string(3, c);
      if (multiline) {
        state_ = c == '"' ? State::multiline_basic : State::multiline_literal;
        line_start_ = false;
        advance(3);
        return std::nullopt;
      }
      state_ = c == '"' ? State::basic : State::literal;
    } else if (c == '.') {
      if (++dots_ > max_dots_per_line) {
        return problem("more than " + std::to_string(max_dots_per_line) +
                       " dots on one line outside strings: keys nested this deep are refused; "
                       "a configuration needs a few levels at most");
      }
    } else if (c == '=' || (c == '[' && line_start_)) {
      if (++entries_ > max_entries) {
        return problem("more than " + std::to_string(max_entries) +
                       " keys and tables: far more than any configuration needs; is this the "
                       "right file?");
      }
    }
    if (c != ' ' && c != '\t') {
      line_start_ = false;
    }
    advance(1);
    return std::nullopt;
  }

  // One character inside a string that ends at quote (three of them when multiline).
  void string_char(char c, char quote, bool multiline) {
    if (c == '\\' && quote == '"') {
      // An escaped character, or a line-ending backslash whose newline advance() counts.
      advance(at_ + 1 < text_.size() && text_[at_ + 1] != '\n' ? 2 : 1);
      return;
    }
    if (c == quote && (!multiline || text_.substr(at_, 3) == std::string(3, quote))) {
      state_ = State::normal;
      advance(multiline ? 3 : 1);
      return;
    }
    advance(1);
  }

  void advance(std::size_t count) {
    for (std::size_t i = 0; i < count && at_ < text_.size(); ++i, ++at_) {
      const char c = text_[at_];
      if (c == '\n') {
        ++line_;
        column_ = 1;
        dots_ = 0;
        line_start_ = true;
        // Comments and single-line strings end at the line's end.
        if (state_ != State::multiline_basic && state_ != State::multiline_literal) {
          state_ = State::normal;
        }
      } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
        // Columns count characters, not the continuation bytes of UTF-8.
        ++column_;
      }
    }
  }

  ShapeProblem problem(std::string message) const { return {line_, column_, std::move(message)}; }

  std::string_view text_;
  std::size_t at_ = 0;
  State state_ = State::normal;
  int line_ = 1;
  int column_ = 1;
  std::size_t dots_ = 0;
  std::size_t entries_ = 0;
  bool line_start_ = true;
};

}  // namespace

std::optional<ShapeProblem> shape_problem(std::string_view text) {
  if (text.size() > max_file_size) {
    return ShapeProblem{1, 1,
                        "the file holds more than the " +
                            std::to_string(max_file_size / (1024 * 1024)) +
                            " MiB a configuration may be; is this the right file?"};
  }
  return ShapeScanner(text).scan();
}

}  // namespace iotgw::config
