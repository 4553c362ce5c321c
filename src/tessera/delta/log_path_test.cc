#include "tessera/delta/log_path.h"

#include <gtest/gtest.h>

namespace tessera::delta {
namespace {

TEST(ParseLogFileNameTest, RecognisesEveryKind) {
  auto commit = ParseLogFileName("00000000000000000010.json");
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->type, LogFileType::kCommit);
  EXPECT_EQ(commit->version, 10);
  EXPECT_EQ(ParseLogFileName("00000000000000000010.checkpoint.parquet")->type,
            LogFileType::kCheckpoint);
  auto part = ParseLogFileName("00000000000000000005.checkpoint.0000000002.0000000003.parquet");
  ASSERT_TRUE(part);
  EXPECT_EQ(part->type, LogFileType::kMultiPartCheckpoint);
  EXPECT_EQ(part->part, 2);
  EXPECT_EQ(part->num_parts, 3);
  EXPECT_EQ(
      ParseLogFileName("00000000000000000006.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json")
          ->type,
      LogFileType::kUuidCheckpointJson);
  EXPECT_EQ(ParseLogFileName(
                "00000000000000000006.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.parquet")
                ->type,
            LogFileType::kUuidCheckpointParquet);
  auto compaction = ParseLogFileName("00000000000000000001.00000000000000000004.compacted.json");
  ASSERT_TRUE(compaction);
  EXPECT_EQ(compaction->end_version, 4);
  EXPECT_EQ(ParseLogFileName("00000000000000000001.crc")->type, LogFileType::kChecksum);
}

TEST(ParseLogFileNameTest, IgnoresEverythingElse) {
  for (const char* name :
       {"_last_checkpoint", ".00000000000000000000.json.crc", "0000000000000000001.json",
        "00000000000000000001.json.tmp", "0000000000000000000a.json",
        "00000000000000000005.checkpoint.0000000004.0000000003.parquet",
        "00000000000000000005.checkpoint.0000000000.0000000003.parquet",
        "99999999999999999999.json", "00000000000000000006.checkpoint.not-a-uuid.json",
        "00000000000000000004.00000000000000000001.compacted.json"}) {
    EXPECT_FALSE(ParseLogFileName(name)) << name;
  }
}

TEST(LogFileNameTest, FormatsNames) {
  EXPECT_EQ(CommitFileName(7), "00000000000000000007.json");
  EXPECT_EQ(CheckpointFileName(100), "00000000000000000100.checkpoint.parquet");
}

}  // namespace
}  // namespace tessera::delta
