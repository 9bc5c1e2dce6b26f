#include "bridge/store/end_of_turn.hpp"

#include <utility>

#include <boost/asio/post.hpp>

namespace iotgw::bridge::store {

EndOfTurn::EndOfTurn(boost::asio::any_io_executor executor, std::function<void()> action)
    : executor_(std::move(executor)),
      state_(std::make_shared<State>(State{.action = std::move(action)})) {}

EndOfTurn::~EndOfTurn() {
  state_->alive = false;
}

void EndOfTurn::request() {
  if (state_->requested) {
    return;
  }
  state_->requested = true;
  boost::asio::post(executor_, [state = state_] {
    if (state->alive) {
      state->requested = false;
      state->action();
    }
  });
}

}  // namespace iotgw::bridge::store
