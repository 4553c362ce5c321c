#include "tessera/delta/vacuum.h"

#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>

#include "tessera/delta/deletion_vector.h"
#include "tessera/delta/log_path.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

constexpr int64_t kHour = 3600000;
constexpr int64_t kDay = 24 * kHour;

class FixedClock : public Clock {
 public:
  explicit FixedClock(int64_t now) : now_(now) {}
  int64_t NowMillis() const override { return now_; }

 private:
  int64_t now_;
};

std::string ToLines(const std::vector<Action>& actions) {
  std::string text;
  for (const Action& action : actions)
    text += DumpJson(ActionToJson(action)) + "\n";
  return text;
}

// A table whose files were all written "now"; the clock runs 8 days ahead, so with the default
// 7-day retention every file is old enough and only the references decide.
class VacuumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.Sub("table");
    written_at_ = SystemClock::Instance().NowMillis();
    clock_ = std::make_unique<FixedClock>(written_at_ + 8 * kDay);
  }

  void Commit(int64_t version, const std::vector<Action>& actions) {
    testing::WriteFile(root_ + "/_delta_log/" + CommitFileName(version), ToLines(actions));
  }

  void File(const std::string& relative, int64_t size) {
    testing::WriteFile(root_ + "/" + relative, std::string(static_cast<size_t>(size), 'x'));
  }

  static Metadata TableMetadata(std::map<std::string, std::string> configuration = {}) {
    Metadata m;
    m.id = "table-id";
    m.schema_string =
        R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
        R"({"name":"_p","type":"string","nullable":true,"metadata":{}}]})";
    m.partition_columns = {"_p"};
    m.configuration = std::move(configuration);
    return m;
  }

  static AddFile Add(const std::string& path) {
    AddFile a;
    a.path = path;
    a.size = 1;
    return a;
  }

  static RemoveFile Remove(const std::string& path, int64_t deleted_at) {
    RemoveFile r;
    r.path = path;
    r.deletion_timestamp = deleted_at;
    return r;
  }

  void WriteTable() {
    auto& fs = storage::LocalStorage::Instance();
    Commit(0, {Protocol{1, 2, std::nullopt, std::nullopt}, TableMetadata()});
    ASSERT_OK_AND_ASSIGN(DeletionVectorDescriptor live_dv, WriteDeletionVector(fs, root_, {1, 2}));
    ASSERT_OK_AND_ASSIGN(DeletionVectorDescriptor dead_dv, WriteDeletionVector(fs, root_, {3}));
    ASSERT_OK_AND_ASSIGN(live_dv_file_, DeletionVectorFilePath(root_, live_dv));
    ASSERT_OK_AND_ASSIGN(dead_dv_file_, DeletionVectorFilePath(root_, dead_dv));
    ASSERT_OK_AND_ASSIGN(auto dead_dv_info, fs.Stat(dead_dv_file_));
    dead_dv_size_ = dead_dv_info.size;
    AddFile live = Add("live%20file.parquet");
    live.deletion_vector = live_dv;
    AddFile old_with_dead_dv = Add("expired.parquet");
    old_with_dead_dv.deletion_vector = dead_dv;
    Commit(1, {live, Add("_p=1/live2.parquet"), Add("recent.parquet"), old_with_dead_dv});
    const int64_t now = clock_->NowMillis();
    RemoveFile expired = Remove("expired.parquet", now - 10 * kDay);
    expired.deletion_vector = dead_dv;  // the same (path, DV) key as the add
    Commit(2, {Remove("recent.parquet", now - kDay), expired});
    File("live file.parquet", 10);
    File("_p=1/live2.parquet", 11);
    File("_p=1/old.parquet", 12);
    File("recent.parquet", 13);
    File("expired.parquet", 14);
    File("orphan.parquet", 15);
    File("_change_data/cdc-1.parquet", 16);
    File(".hidden/a.parquet", 17);
    File("_tmp/b.parquet", 18);
    File("_SUCCESS", 19);
    File(".orphan.parquet.crc", 20);
    File("fresh.parquet", 21);
    // Written "just now" as far as the clock is concerned: too young to delete.
    std::filesystem::last_write_time(
        root_ + "/fresh.parquet",
        std::filesystem::file_time_type::clock::now() + std::chrono::hours(8 * 24));
  }

  std::shared_ptr<const Snapshot> Load(std::optional<int64_t> version = std::nullopt) {
    auto snapshot = Snapshot::Load(storage::LocalStorage::Instance(), nullptr, root_, version);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    return snapshot.ok() ? *snapshot : nullptr;
  }

  std::vector<std::string> Relative(const VacuumResult& result) const {
    std::vector<std::string> out;
    for (const auto& f : result.files)
      out.push_back(f.path.substr(root_.size() + 1));
    return out;
  }

  testing::TempDir dir_;
  std::string root_;
  int64_t written_at_ = 0;
  std::unique_ptr<FixedClock> clock_;
  std::string live_dv_file_;
  std::string dead_dv_file_;
  int64_t dead_dv_size_ = 0;
};

TEST_F(VacuumTest, DeletesOnlyUnreferencedOldVisibleFiles) {
  WriteTable();
  auto& fs = storage::LocalStorage::Instance();
  auto snapshot = Load();
  ASSERT_NE(snapshot, nullptr);
  const std::vector<std::string> expected = {"_change_data/cdc-1.parquet", "_p=1/old.parquet",
                                             dead_dv_file_.substr(root_.size() + 1),
                                             "expired.parquet", "orphan.parquet"};

  ASSERT_OK_AND_ASSIGN(VacuumResult dry,
                       Vacuum(fs, *snapshot, 7 * kDay, /*dry_run=*/true, *clock_));
  std::vector<std::string> sorted_expected = expected;
  std::sort(sorted_expected.begin(), sorted_expected.end());
  EXPECT_EQ(Relative(dry), sorted_expected);
  EXPECT_EQ(dry.bytes, 16 + 12 + dead_dv_size_ + 14 + 15);
  EXPECT_EQ(dry.files_scanned, 17);  // 12 files, 2 DV files, 3 commits
  EXPECT_EQ(dry.retention_ms, 7 * kDay);
  for (const auto& f : dry.files)
    EXPECT_TRUE(fs.Stat(f.path).ok()) << f.path;

  ASSERT_OK_AND_ASSIGN(VacuumResult done, Vacuum(fs, *snapshot, 7 * kDay, false, *clock_));
  EXPECT_EQ(Relative(done), sorted_expected);
  for (const auto& f : done.files)
    EXPECT_EQ(fs.Stat(f.path).status().code(), StatusCode::kNotFound) << f.path;
  for (const char* kept : {"live file.parquet", "_p=1/live2.parquet", "recent.parquet",
                           ".hidden/a.parquet", "_tmp/b.parquet", "_SUCCESS", ".orphan.parquet.crc",
                           "fresh.parquet", "_delta_log/00000000000000000002.json"}) {
    EXPECT_TRUE(fs.Stat(root_ + "/" + kept).ok()) << kept;
  }
  EXPECT_TRUE(fs.Stat(live_dv_file_).ok());
  ASSERT_NE(Load(), nullptr);

  // Nothing is left to delete.
  ASSERT_OK_AND_ASSIGN(VacuumResult again, Vacuum(fs, *snapshot, 7 * kDay, false, *clock_));
  EXPECT_TRUE(again.files.empty());
  EXPECT_EQ(again.bytes, 0);
}

TEST_F(VacuumTest, ShortRetentionNeedsForceAndKeepsRecentTombstonesOut) {
  WriteTable();
  auto& fs = storage::LocalStorage::Instance();
  auto snapshot = Load();
  ASSERT_NE(snapshot, nullptr);
  auto refused = Vacuum(fs, *snapshot, 0, true, *clock_);
  EXPECT_EQ(refused.status().ToString(),
            "InvalidArgument: a retention of 0 hours is shorter than the table's 168 hours "
            "(delta.deletedFileRetentionDuration): it can delete files that time travel or "
            "concurrent writers still need; use force to do it anyway");
  // With force and no retention, the recent tombstone no longer protects its file.
  ASSERT_OK_AND_ASSIGN(VacuumResult forced, Vacuum(fs, *snapshot, 0, true, *clock_, true));
  std::vector<std::string> names = Relative(forced);
  EXPECT_EQ(std::count(names.begin(), names.end(), "recent.parquet"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "fresh.parquet"), 0);
  EXPECT_EQ(names.size(), 6u);
  EXPECT_EQ(Vacuum(fs, *snapshot, -1, true, *clock_, true).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(VacuumTest, TablePropertyShortensTheMinimumRetention) {
  auto& fs = storage::LocalStorage::Instance();
  Commit(0, {Protocol{1, 2, std::nullopt, std::nullopt},
             TableMetadata({{"delta.deletedFileRetentionDuration", "interval 1 hour"}})});
  File("orphan.parquet", 5);
  auto snapshot = Load();
  ASSERT_NE(snapshot, nullptr);
  FixedClock two_hours_later(written_at_ + 2 * kHour);
  ASSERT_OK_AND_ASSIGN(VacuumResult result, Vacuum(fs, *snapshot, kHour, false, two_hours_later));
  EXPECT_EQ(Relative(result), (std::vector<std::string>{"orphan.parquet"}));
  EXPECT_EQ(Vacuum(fs, *snapshot, kHour - 1, false, two_hours_later).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(VacuumTest, RefusesOldSnapshotsAndUnwritableProtocols) {
  WriteTable();
  auto& fs = storage::LocalStorage::Instance();
  auto v1 = Load(1);
  ASSERT_NE(v1, nullptr);
  auto stale = Vacuum(fs, *v1, 7 * kDay, true, *clock_);
  EXPECT_EQ(stale.status().code(), StatusCode::kConflict);

  Commit(3, {Protocol{1, 7, std::nullopt, std::vector<std::string>{"someFutureFeature"}}});
  auto v3 = Load();
  ASSERT_NE(v3, nullptr);
  auto refused = Vacuum(fs, *v3, 7 * kDay, true, *clock_);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnsupported);
  EXPECT_TRUE(fs.Stat(root_ + "/orphan.parquet").ok());
}

}  // namespace
}  // namespace tessera::delta
