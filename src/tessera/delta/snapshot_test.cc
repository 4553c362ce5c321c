#include "tessera/delta/snapshot.h"

#include <gtest/gtest.h>

#include "tessera/delta/history.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

std::string Fixture(const std::string& name) {
  return (testing::DeltaFixturesDir() / name).string();
}

constexpr const char* kMinimalMetadata =
    R"({"metaData":{"id":"t","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":[],"configuration":{}}})";
constexpr const char* kProtocol = R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})";

std::string Add(const std::string& path) {
  return R"({"add":{"path":")" + path +
         R"(","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}})";
}
std::string Remove(const std::string& path) {
  return R"({"remove":{"path":")" + path + R"(","deletionTimestamp":1,"dataChange":true}})";
}

TEST(SnapshotTest, ReplaysSimpleTableAtEveryVersion) {
  auto& fs = storage::LocalStorage::Instance();
  // deltars-simple-table: 5 live files at v4 (expected.json live_files), stray .tmp/ ignored.
  ASSERT_OK_AND_ASSIGN(auto latest,
                       Snapshot::Load(fs, nullptr, Fixture("deltars-simple-table"), std::nullopt));
  EXPECT_EQ(latest->version(), 4);
  EXPECT_EQ(latest->files().size(), 5u);
  EXPECT_EQ(latest->tombstones().size(), 31u);
  EXPECT_EQ(latest->schema().fields.size(), 1u);
  EXPECT_EQ(latest->schema().fields[0].type.name, "long");
  ASSERT_OK_AND_ASSIGN(auto v0, Snapshot::Load(fs, nullptr, Fixture("deltars-simple-table"), 0));
  EXPECT_EQ(v0->version(), 0);
  EXPECT_TRUE(v0->tombstones().empty());
  auto too_new = Snapshot::Load(fs, nullptr, Fixture("deltars-simple-table"), 5);
  EXPECT_EQ(too_new.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(too_new.status().message(), "version 5 does not exist; the latest version is 4");
  EXPECT_EQ(Snapshot::Load(fs, nullptr, Fixture("deltars-simple-table"), -1).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SnapshotTest, RefusesUnknownReaderFeatures) {
  auto r = Snapshot::Load(storage::LocalStorage::Instance(), nullptr,
                          Fixture("deltars-simple-table-features"), std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("reader version 5"), std::string::npos)
      << r.status().message();
}

TEST(SnapshotTest, RefusesLogWithoutMetadata) {
  auto r = Snapshot::Load(storage::LocalStorage::Instance(), nullptr,
                          Fixture("golden-deltalog-state-reconstruction-without-metadata"),
                          std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
}

TEST(SnapshotTest, NewestActionWinsAndGapsAreErrors) {
  testing::TempDir dir;
  auto log = dir.path() / "_delta_log";
  testing::WriteFile(
      log / "00000000000000000000.json",
      std::string(kProtocol) + "\n" + kMinimalMetadata + "\n" + Add("a") + "\n" + Add("b") + "\n");
  testing::WriteFile(log / "00000000000000000001.json", Remove("a") + "\n" + Add("c") + "\n");
  testing::WriteFile(log / "00000000000000000002.json", Add("a") + "\n");
  auto& fs = storage::LocalStorage::Instance();
  ASSERT_OK_AND_ASSIGN(auto s, Snapshot::Load(fs, nullptr, dir.path().string(), std::nullopt));
  ASSERT_EQ(s->files().size(), 3u);
  EXPECT_TRUE(s->tombstones().empty());
  ASSERT_OK_AND_ASSIGN(auto s1, Snapshot::Load(fs, nullptr, dir.path().string(), 1));
  ASSERT_EQ(s1->files().size(), 2u);
  EXPECT_EQ(s1->files()[0].path, "b");
  ASSERT_EQ(s1->tombstones().size(), 1u);

  std::filesystem::remove(log / "00000000000000000001.json");
  auto gap = Snapshot::Load(fs, nullptr, dir.path().string(), std::nullopt);
  EXPECT_EQ(gap.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(gap.status().message(),
            "the Delta log is missing commit 1 (versions must be contiguous)");
}

TEST(SnapshotTest, CorruptCommitIsAnErrorNamingTheFile) {
  testing::TempDir dir;
  auto log = dir.path() / "_delta_log";
  testing::WriteFile(log / "00000000000000000000.json",
                     std::string(kProtocol) + "\n" + kMinimalMetadata + "\n");
  testing::WriteFile(log / "00000000000000000001.json",
                     "{\"add\": {\"path\": \"x\", \"size\": 1\n");
  auto r =
      Snapshot::Load(storage::LocalStorage::Instance(), nullptr, dir.path().string(), std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("00000000000000000001.json: line 1"), std::string::npos)
      << r.status().message();
}

TEST(SnapshotTest, DanglingLastCheckpointFallsBackToListing) {
  testing::TempDir dir;
  auto log = dir.path() / "_delta_log";
  testing::WriteFile(log / "00000000000000000000.json",
                     std::string(kProtocol) + "\n" + kMinimalMetadata + "\n" + Add("a") + "\n");
  testing::WriteFile(log / "_last_checkpoint", R"({"version":0,"size":3})");
  auto& fs = storage::LocalStorage::Instance();
  ASSERT_OK_AND_ASSIGN(auto s, Snapshot::Load(fs, nullptr, dir.path().string(), std::nullopt));
  EXPECT_EQ(s->files().size(), 1u);
  testing::WriteFile(log / "_last_checkpoint", "garbage{");
  ASSERT_OK_AND_ASSIGN(auto s2, Snapshot::Load(fs, nullptr, dir.path().string(), std::nullopt));
  EXPECT_EQ(s2->files().size(), 1u);
}

TEST(SnapshotTest, MissingTableIsNotFound) {
  testing::TempDir dir;
  auto r =
      Snapshot::Load(storage::LocalStorage::Instance(), nullptr, dir.Sub("nope"), std::nullopt);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

TEST(HistoryTest, TimestampsFromCommitInfoMtimes) {
  testing::TempDir dir;
  auto log = dir.path() / "_delta_log";
  testing::WriteFile(log / "00000000000000000000.json",
                     std::string(kProtocol) + "\n" + kMinimalMetadata + "\n");
  testing::WriteFile(log / "00000000000000000001.json", Add("a") + "\n");
  testing::WriteFile(log / "00000000000000000002.json", Add("b") + "\n");
  auto set_mtime = [&](const char* name, int64_t ms) {
    std::filesystem::last_write_time(
        log / name,
        std::filesystem::file_time_type::clock::from_sys(
            std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms))));
  };
  set_mtime("00000000000000000000.json", 1000);
  set_mtime("00000000000000000001.json", 2000);
  set_mtime("00000000000000000002.json", 1500);  // clock went back: monotonized to 2001
  ASSERT_OK_AND_ASSIGN(auto history,
                       ReadHistory(storage::LocalStorage::Instance(), dir.path().string()));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[2].timestamp_ms, 2001);
  EXPECT_EQ(*VersionAsOf(history, 1999), 0);
  EXPECT_EQ(*VersionAsOf(history, 2000), 1);
  EXPECT_EQ(*VersionAsOf(history, 2001), 2);
  EXPECT_EQ(VersionAsOf(history, 999).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(VersionAsOf(history, 3000).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*VersionAtOrAfter(history, 1001), 1);
}

}  // namespace
}  // namespace tessera::delta
