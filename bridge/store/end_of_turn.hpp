// Runs an action once the handlers queued on an executor now have run,
// however often it is asked for before that: what one turn of the io_context
// gathers (the PUBACKs of one read, the readings of one poll) goes on as one
// request. A post costs no system call on the executor's own thread, where a
// zero-delay timer re-arms the timerfd twice.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

namespace iotgw::bridge::store {

class EndOfTurn {
 public:
  EndOfTurn(boost::asio::any_io_executor executor, std::function<void()> action);
  // A request not carried out yet is dropped: the action never runs after.
  ~EndOfTurn();
  EndOfTurn(const EndOfTurn&) = delete;
  EndOfTurn& operator=(const EndOfTurn&) = delete;

  void request();

 private:
  struct State {
    std::function<void()> action;
    bool requested = false;
    bool alive = true;
  };

  boost::asio::any_io_executor executor_;
  std::shared_ptr<State> state_;
};

}  // namespace iotgw::bridge::store
