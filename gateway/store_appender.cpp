#include "gateway/store_appender.hpp"

#include <utility>

namespace iotgw::gateway {

StoreAppender::StoreAppender(boost::asio::any_io_executor executor, bridge::store::Store& store,
                             Done done)
    : store_(store), done_(std::move(done)), turn_end_(std::move(executor), [this] { flush(); }) {}

void StoreAppender::append(bridge::store::Message message) {
  if (batch_.empty()) {
    batch_started_ = std::chrono::steady_clock::now();
  }
  batch_.push_back(std::move(message));
  turn_end_.request();
}

void StoreAppender::flush() {
  if (batch_.empty()) {
    return;
  }
  waiting_.push_back(batch_started_);
  store_.async_append(std::exchange(batch_, {}), [this](bridge::store::error_code error,
                                                        std::vector<bridge::store::Seq> seqs) {
    waiting_.pop_front();
    done_(error, seqs);
  });
}

std::optional<std::chrono::steady_clock::time_point> StoreAppender::oldest_waiting() const {
  if (!waiting_.empty()) {
    return waiting_.front();
  }
  if (!batch_.empty()) {
    return batch_started_;
  }
  return std::nullopt;
}

}  // namespace iotgw::gateway
