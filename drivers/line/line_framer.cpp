#include "drivers/line/line_framer.hpp"

namespace iotgw::drivers::line {

LineFramer::LineFramer(std::string delimiter, std::size_t max_line)
    : delimiter_(std::move(delimiter)), max_line_(max_line) {
  partial_.reserve(max_line_ + delimiter_.size());
}

std::vector<std::string> LineFramer::feed(std::string_view bytes) {
  std::vector<std::string> lines;
  while (!bytes.empty()) {
    // Never hold more than a maximal line plus a delimiter split across reads.
    const std::size_t room = max_line_ + delimiter_.size() - partial_.size();
    const std::size_t take = std::min(room, bytes.size());
    // A delimiter may straddle the previous chunk, so search a little before it.
    const std::size_t search_from =
        partial_.size() >= delimiter_.size() ? partial_.size() - delimiter_.size() + 1 : 0;
    partial_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);

    std::size_t start = 0;
    for (std::size_t end = partial_.find(delimiter_, search_from); end != std::string::npos;
         end = partial_.find(delimiter_, start)) {
      const std::size_t length = end - start;
      if (discarding_) {
        discarding_ = false;
      } else if (length > max_line_) {
        ++dropped_overlong_;
      } else {
        lines.emplace_back(partial_, start, length);
      }
      start = end + delimiter_.size();
    }
    partial_.erase(0, start);

    if (partial_.size() > max_line_ + delimiter_.size() - 1) {
      // Too long even if its tail starts a delimiter: drop the line, keeping
      // only a tail that could be the start of the delimiter.
      if (!discarding_) {
        ++dropped_overlong_;
        discarding_ = true;
      }
      partial_.erase(0, partial_.size() - (delimiter_.size() - 1));
    }
  }
  return lines;
}

void LineFramer::reset() {
  partial_.clear();
  discarding_ = false;
}

}  // namespace iotgw::drivers::line
