#include "tessera/delta/log_segment.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

int64_t CheckpointVersion(const LogSegment& segment) {
  return segment.checkpoint ? segment.checkpoint->version : -1;
}

class LogSegmentTest : public ::testing::Test {
 protected:
  void Touch(const std::string& name) {
    testing::WriteFile(dir_.path() / "_delta_log" / name, "x");
  }
  Result<LogSegment> Build(std::optional<int64_t> version) {
    return BuildLogSegment(storage::LocalStorage::Instance(), dir_.path().string(), version);
  }
  testing::TempDir dir_;
};

TEST_F(LogSegmentTest, UsesNewestCompleteCheckpointAndIgnoresIncompleteParts) {
  for (int v = 0; v <= 7; ++v)
    Touch(CommitFileName(v));
  Touch(CheckpointFileName(3));
  Touch("00000000000000000005.checkpoint.0000000001.0000000002.parquet");  // part 2 of 2 missing
  ASSERT_OK_AND_ASSIGN(auto latest, Build(std::nullopt));
  EXPECT_EQ(latest.version, 7);
  EXPECT_EQ(CheckpointVersion(latest), 3);
  EXPECT_EQ(latest.commits.size(), 4u);  // 4..7
  Touch("00000000000000000005.checkpoint.0000000002.0000000002.parquet");
  ASSERT_OK_AND_ASSIGN(auto complete, Build(std::nullopt));
  EXPECT_EQ(CheckpointVersion(complete), 5);
  EXPECT_EQ(complete.checkpoint ? complete.checkpoint->files.size() : 0u, 2u);
  ASSERT_OK_AND_ASSIGN(auto v2, Build(2));
  EXPECT_FALSE(v2.checkpoint.has_value());
  EXPECT_EQ(v2.commits.size(), 3u);
}

TEST_F(LogSegmentTest, HintFastPathAndFallbacks) {
  for (int v = 0; v <= 12; ++v)
    Touch(CommitFileName(v));
  Touch(CheckpointFileName(10));
  testing::WriteFile(dir_.path() / "_delta_log" / "_last_checkpoint", R"({"version":10,"size":1})");
  ASSERT_OK_AND_ASSIGN(auto latest, Build(std::nullopt));
  EXPECT_EQ(CheckpointVersion(latest), 10);
  EXPECT_EQ(latest.version, 12);
  EXPECT_EQ(latest.latest_version, 12);
  ASSERT_OK_AND_ASSIGN(auto v11, Build(11));
  EXPECT_EQ(v11.commits.size(), 1u);
  EXPECT_EQ(v11.latest_version, 12);
  ASSERT_OK_AND_ASSIGN(auto v4, Build(4));  // before the hint, no checkpoint before it
  EXPECT_FALSE(v4.checkpoint.has_value());
  EXPECT_EQ(v4.commits.size(), 5u);
  EXPECT_EQ(Build(13).status().code(), StatusCode::kNotFound);
  // A hint pointing at a checkpoint that is not there: listing finds the real state.
  testing::WriteFile(dir_.path() / "_delta_log" / "_last_checkpoint", R"({"version":11,"size":1})");
  ASSERT_OK_AND_ASSIGN(auto dangling, Build(std::nullopt));
  EXPECT_EQ(CheckpointVersion(dangling), 10);
  EXPECT_EQ(dangling.version, 12);
}

// A storage that refuses to list: the paths that must not list directories are seen to.
class NoListing : public storage::Storage {
 public:
  Result<std::vector<storage::FileInfo>> List(std::string_view) override { return Refused(); }
  Result<std::vector<storage::FileInfo>> ListFrom(std::string_view, std::string_view) override {
    return Refused();
  }
  Result<std::vector<storage::FileInfo>> ListRecursive(std::string_view) override {
    return Refused();
  }
  Result<storage::FileInfo> Stat(std::string_view path) override { return local_.Stat(path); }
  Result<std::string> Read(std::string_view path) override { return local_.Read(path); }
  Result<std::string> ReadRange(std::string_view path, int64_t offset, int64_t length) override {
    return local_.ReadRange(path, offset, length);
  }
  Status PutIfAbsent(std::string_view path, std::string_view data) override {
    return local_.PutIfAbsent(path, data);
  }
  Status Put(std::string_view path, std::string_view data) override {
    return local_.Put(path, data);
  }
  Status Delete(std::string_view path) override { return local_.Delete(path); }

 private:
  static Status Refused() { return Status::Internal("listed a directory"); }
  storage::LocalStorage& local_ = storage::LocalStorage::Instance();
};

TEST_F(LogSegmentTest, TimeTravelBeforeTheHintProbesBackwardWithoutListing) {
  for (int v = 0; v <= 25; ++v)
    Touch(CommitFileName(v));
  Touch(CheckpointFileName(10));
  Touch(CheckpointFileName(20));
  testing::WriteFile(dir_.path() / "_delta_log" / "_last_checkpoint", R"({"version":20,"size":1})");
  NoListing storage;
  ASSERT_OK_AND_ASSIGN(auto v15, BuildLogSegment(storage, dir_.path().string(), 15));
  EXPECT_EQ(CheckpointVersion(v15), 10);
  EXPECT_EQ(v15.commits.size(), 5u);  // 11..15
  EXPECT_EQ(v15.version, 15);
  EXPECT_EQ(v15.latest_version, 25);
  ASSERT_OK_AND_ASSIGN(auto v10, BuildLogSegment(storage, dir_.path().string(), 10));
  EXPECT_EQ(CheckpointVersion(v10), 10);
  EXPECT_TRUE(v10.commits.empty());
  // No checkpoint at or before the version: listing (refused here) is the only way.
  EXPECT_EQ(BuildLogSegment(storage, dir_.path().string(), 5).status().code(),
            StatusCode::kInternal);
  // A missing commit between the checkpoint and the version: listing says what is wrong.
  std::filesystem::remove(dir_.path() / "_delta_log" / CommitFileName(13));
  auto broken = Build(15);
  EXPECT_EQ(broken.status().code(), StatusCode::kCorruption) << broken.status().message();
}

TEST_F(LogSegmentTest, CleanedLogWithoutCheckpointIsCorruption) {
  Touch(CommitFileName(5));
  Touch(CommitFileName(6));
  auto r = Build(std::nullopt);
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("were removed and no checkpoint covers them"),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace tessera::delta
