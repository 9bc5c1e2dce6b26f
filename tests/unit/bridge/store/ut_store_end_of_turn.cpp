// EndOfTurn: one run of the action per turn, however often requested, and
// none after it is destroyed.
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "bridge/store/end_of_turn.hpp"

namespace iotgw::bridge::store::test {
namespace {

TEST(EndOfTurn, RequestsOfOneTurnRunTheActionOnceAfterIt) {
  boost::asio::io_context ctx;
  int runs = 0;
  int seen_by_action = 0;
  int items = 0;
  EndOfTurn flush(ctx.get_executor(), [&] {
    ++runs;
    seen_by_action = items;
  });
  boost::asio::post(ctx, [&] {
    for (int i = 0; i < 3; ++i) {
      ++items;
      flush.request();
    }
  });
  ctx.run();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(seen_by_action, 3);
  ctx.restart();
  flush.request();
  ctx.run();
  EXPECT_EQ(runs, 2) << "a later turn runs it again";
}

TEST(EndOfTurn, TheActionCanAskForTheNextTurn) {
  boost::asio::io_context ctx;
  int runs = 0;
  std::unique_ptr<EndOfTurn> flush;
  flush = std::make_unique<EndOfTurn>(ctx.get_executor(), [&] {
    if (++runs < 3) {
      flush->request();
    }
  });
  flush->request();
  ctx.run();
  EXPECT_EQ(runs, 3);
}

TEST(EndOfTurn, NothingRunsOnceItIsDestroyed) {
  boost::asio::io_context ctx;
  int runs = 0;
  auto flush = std::make_unique<EndOfTurn>(ctx.get_executor(), [&] { ++runs; });
  flush->request();
  flush.reset();
  ctx.run();
  EXPECT_EQ(runs, 0);
}

}  // namespace
}  // namespace iotgw::bridge::store::test
