// bdSeq across restarts: one more at each connection, wrapping after 255,
// starting at 0 without a readable file.
#include <fstream>

#include <gtest/gtest.h>

#include "gateway/bd_seq_file.hpp"
#include "tests/support/temp_dir.hpp"

namespace iotgw::gateway {
namespace {

TEST(BdSeqFile, CountsConnectionsAcrossRestarts) {
  test::TempDir dir;
  const auto path = dir.path() / "sparkplug-bdseq";
  const BdSeqFile::Next first = BdSeqFile(path).next();
  EXPECT_EQ(first.value, 0);
  EXPECT_TRUE(first.kept);
  BdSeqFile file(path);
  EXPECT_EQ(file.next().value, 1);
  EXPECT_EQ(file.next().value, 2);
  EXPECT_EQ(BdSeqFile(path).next().value, 3);  // a restart goes on
}

TEST(BdSeqFile, WrapsAfter255) {
  test::TempDir dir;
  const auto path = dir.path() / "sparkplug-bdseq";
  std::ofstream(path) << "254\n";
  BdSeqFile file(path);
  EXPECT_EQ(file.next().value, 255);
  EXPECT_EQ(file.next().value, 0);
}

TEST(BdSeqFile, AnUnreadableFileStartsAtZero) {
  test::TempDir dir;
  const auto path = dir.path() / "sparkplug-bdseq";
  std::ofstream(path) << "garbage";
  EXPECT_EQ(BdSeqFile(path).next().value, 0);
  std::ofstream(path) << "300\n";
  EXPECT_EQ(BdSeqFile(path).next().value, 0);
  EXPECT_EQ(BdSeqFile(path).next().value, 1);
}

TEST(BdSeqFile, AFolderThatCannotBeWrittenStillGivesAValue) {
  const BdSeqFile::Next next = BdSeqFile("/nonexistent-folder/sparkplug-bdseq").next();
  EXPECT_EQ(next.value, 0);
  EXPECT_FALSE(next.kept);
}

}  // namespace
}  // namespace iotgw::gateway
