#include "tessera/delta/checkpoint.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "tessera/delta/log_path.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

constexpr int64_t kNow = 1700000000000;
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

// Stand-ins for the engine's Parquet writer and reader: the "checkpoint" holds NDJSON, which is
// enough to test what goes into it, how it is published and how snapshots use it.
class NdjsonCheckpointWriter : public CheckpointWriter {
 public:
  Status WriteCheckpoint(const std::string& path, const std::vector<Action>& actions,
                         const Snapshot& /*snapshot*/) override {
    ++calls;
    if (fail)
      return Status::IoError("disk full");
    return storage::LocalStorage::Instance().Put(path, ToLines(actions));
  }
  int calls = 0;
  bool fail = false;
};

class NdjsonCheckpointReader : public CheckpointReader {
 public:
  Result<std::vector<Action>> ReadActions(const std::string& path) override {
    TESSERA_ASSIGN_OR_RETURN(std::string text, storage::LocalStorage::Instance().Read(path));
    return ParseCommit(text);
  }
};

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = dir_.Sub("table"); }

  std::string LogFile(const std::string& name) const { return root_ + "/_delta_log/" + name; }

  void Commit(int64_t version, const std::vector<Action>& actions) {
    testing::WriteFile(LogFile(CommitFileName(version)), ToLines(actions));
  }

  static Metadata TableMetadata(std::map<std::string, std::string> configuration = {}) {
    Metadata m;
    m.id = "table-id";
    m.schema_string =
        R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}}]})";
    m.configuration = std::move(configuration);
    m.created_time = 1;
    return m;
  }

  static AddFile Add(const std::string& path) {
    AddFile a;
    a.path = path;
    a.size = 10;
    a.modification_time = 5;
    a.stats = R"({"numRecords":3})";
    return a;
  }

  static RemoveFile Remove(const std::string& path, std::optional<int64_t> deleted_at) {
    RemoveFile r;
    r.path = path;
    r.deletion_timestamp = deleted_at;
    r.extended_file_metadata = true;
    r.partition_values = PartitionValues{};
    r.size = 10;
    return r;
  }

  // v0 creates; v1 adds a, b, c with three txns and two domains; v2 removes a (expired), b
  // (recent, with stats and tags) and tombstones domain y; v3 adds d with a deletion vector.
  void WriteHistory() {
    Commit(0, {Protocol{1, 2, std::nullopt, std::nullopt},
               TableMetadata({{"delta.setTransactionRetentionDuration", "interval 1 day"}})});
    Commit(1, {CommitInfo{}, Add("a.parquet"), Add("b.parquet"), Add("c.parquet"),
               SetTransaction{"app-old", 4, kNow - 2 * kDay},
               SetTransaction{"app-new", 7, kNow - kHour}, SetTransaction{"app-none", 1, {}},
               DomainMetadata{"x", "{\"a\":1}", false}, DomainMetadata{"y", "{}", false}});
    RemoveFile b = Remove("b.parquet", kNow - kDay);
    b.stats = R"({"numRecords":3})";
    b.tags = {{"k", "v"}};
    Commit(2, {CommitInfo{}, Remove("a.parquet", kNow - 8 * kDay), b, Remove("z.parquet", {}),
               DomainMetadata{"y", "{}", true}});
    AddFile d = Add("d.parquet");
    d.deletion_vector =
        DeletionVectorDescriptor{"i", "wi5b=000010000siXQKl0rr91000f55c8Xg0@", {}, 40, 6};
    d.tags = {{"INSERTION_TIME", "1"}};
    d.base_row_id = 10;
    d.default_row_commit_version = 3;
    Commit(3, {CommitInfo{}, d});
  }

  std::shared_ptr<const Snapshot> Load(std::optional<int64_t> version = std::nullopt) {
    auto snapshot = Snapshot::Load(fs_, &reader_, root_, version);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    return snapshot.ok() ? *snapshot : nullptr;
  }

  std::vector<std::string> LogNames() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(root_ + "/_delta_log"))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  testing::TempDir dir_;
  std::string root_;
  storage::LocalStorage& fs_ = storage::LocalStorage::Instance();
  NdjsonCheckpointWriter writer_;
  NdjsonCheckpointReader reader_;
  FixedClock clock_{kNow};
};

TEST_F(CheckpointTest, ActionsKeepLiveStateAndUnexpiredTombstones) {
  WriteHistory();
  auto snapshot = Load();
  ASSERT_NE(snapshot, nullptr);
  ASSERT_OK_AND_ASSIGN(std::vector<Action> actions, CheckpointActions(*snapshot, kNow));
  EXPECT_EQ(ToLines(actions),
            R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}}
{"metaData":{"configuration":{"delta.setTransactionRetentionDuration":"interval 1 day"},"createdTime":1,"format":{"options":{},"provider":"parquet"},"id":"table-id","partitionColumns":[],"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}"}}
{"txn":{"appId":"app-new","lastUpdated":1699996400000,"version":7}}
{"txn":{"appId":"app-none","version":1}}
{"domainMetadata":{"configuration":"{\"a\":1}","domain":"x","removed":false}}
{"add":{"dataChange":true,"modificationTime":5,"partitionValues":{},"path":"c.parquet","size":10,"stats":"{\"numRecords\":3}"}}
{"add":{"baseRowId":10,"dataChange":true,"defaultRowCommitVersion":3,"deletionVector":{"cardinality":6,"pathOrInlineDv":"wi5b=000010000siXQKl0rr91000f55c8Xg0@","sizeInBytes":40,"storageType":"i"},"modificationTime":5,"partitionValues":{},"path":"d.parquet","size":10,"stats":"{\"numRecords\":3}","tags":{"INSERTION_TIME":"1"}}}
{"remove":{"dataChange":true,"deletionTimestamp":1699913600000,"extendedFileMetadata":true,"partitionValues":{},"path":"b.parquet","size":10}}
)");
}

TEST_F(CheckpointTest, TransactionsAreKeptWithoutRetentionProperty) {
  Commit(0, {Protocol{1, 2, std::nullopt, std::nullopt}, TableMetadata()});
  Commit(1, {SetTransaction{"ancient", 1, 0}});
  auto snapshot = Load();
  ASSERT_NE(snapshot, nullptr);
  ASSERT_OK_AND_ASSIGN(std::vector<Action> actions, CheckpointActions(*snapshot, kNow));
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(std::get<SetTransaction>(actions[2]).app_id, "ancient");
}

TEST_F(CheckpointTest, FeatureProtocolGetsNonNullFeatureLists) {
  Commit(0, {Protocol{3, 7, std::nullopt, std::vector<std::string>{"deletionVectors"}},
             TableMetadata()});
  auto snapshot = Load();
  ASSERT_NE(snapshot, nullptr);
  ASSERT_OK_AND_ASSIGN(std::vector<Action> actions, CheckpointActions(*snapshot, kNow));
  EXPECT_EQ(DumpJson(ActionToJson(actions[0])),
            R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":[],)"
            R"("writerFeatures":["deletionVectors"]}})");
}

TEST_F(CheckpointTest, StructOnlyStatsKeepTheRowCount) {
  // stats_parsed only comes from checkpoints (writeStatsAsStruct), so start from one.
  testing::WriteFile(
      LogFile(CheckpointFileName(1)),
      ToLines({Protocol{1, 2, std::nullopt, std::nullopt}, TableMetadata()}) +
          R"({"add":{"path":"a.parquet","partitionValues":{},"size":1,"modificationTime":1,)"
          R"("dataChange":false,"stats_parsed":{"numRecords":42,"minValues":{"id":1}}}})"
          "\n");
  auto snapshot = Load();
  ASSERT_NE(snapshot, nullptr);
  ASSERT_OK_AND_ASSIGN(std::vector<Action> actions, CheckpointActions(*snapshot, kNow));
  const auto& add = std::get<AddFile>(actions.at(2));
  EXPECT_EQ(add.stats, std::optional<std::string>(R"({"numRecords":42})"));
  EXPECT_FALSE(add.stats_parsed.has_value());
}

TEST_F(CheckpointTest, BadRetentionPropertyIsInvalidArgument) {
  Commit(0, {Protocol{1, 2, std::nullopt, std::nullopt},
             TableMetadata({{"delta.deletedFileRetentionDuration", "interval 1 month"}})});
  auto snapshot = Load();
  ASSERT_NE(snapshot, nullptr);
  EXPECT_EQ(CheckpointActions(*snapshot, kNow).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteCheckpoint(fs_, writer_, *snapshot, clock_).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(writer_.calls, 0);
}

TEST_F(CheckpointTest, WritesCheckpointAndHintThatReplaceTheLog) {
  WriteHistory();
  auto before = Load();
  ASSERT_NE(before, nullptr);
  ASSERT_OK_AND_ASSIGN(LastCheckpoint last, WriteCheckpoint(fs_, writer_, *before, clock_));
  ASSERT_OK_AND_ASSIGN(std::vector<Action> expected, CheckpointActions(*before, kNow));
  const std::string body = ToLines(expected);
  EXPECT_EQ(last.version, 3);
  EXPECT_EQ(last.size, 8);
  EXPECT_EQ(last.num_of_add_files, 2);
  EXPECT_EQ(last.size_in_bytes, static_cast<int64_t>(body.size()));
  ASSERT_OK_AND_ASSIGN(std::string written, fs_.Read(LogFile(CheckpointFileName(3))));
  EXPECT_EQ(written, body);
  ASSERT_OK_AND_ASSIGN(std::string hint, fs_.Read(LogFile("_last_checkpoint")));
  EXPECT_EQ(hint, R"({"numOfAddFiles":2,"size":8,"sizeInBytes":)" + std::to_string(body.size()) +
                      R"(,"version":3})");
  // The temporary file is gone: only the commits, the checkpoint and the hint remain.
  EXPECT_EQ(LogNames(), (std::vector<std::string>{
                            "00000000000000000000.json", "00000000000000000001.json",
                            "00000000000000000002.json", "00000000000000000003.checkpoint.parquet",
                            "00000000000000000003.json", "_last_checkpoint"}));

  // Without the commits before it, the checkpoint alone rebuilds the same state.
  for (int v = 0; v < 3; ++v)
    std::filesystem::remove(LogFile(CommitFileName(v)));
  auto after = Load();
  ASSERT_NE(after, nullptr);
  ASSERT_TRUE(after->segment().checkpoint.has_value());
  EXPECT_EQ(after->version(), 3);
  EXPECT_EQ(ToLines(std::vector<Action>(after->files().begin(), after->files().end())),
            ToLines(std::vector<Action>(before->files().begin(), before->files().end())));
  EXPECT_EQ(after->transactions().size(), 2u);  // app-old expired
  EXPECT_EQ(after->domains().size(), 1u);
  ASSERT_EQ(after->tombstones().size(), 1u);
  EXPECT_EQ(after->tombstones()[0].path, "b.parquet");
  EXPECT_EQ(after->schema().fields.size(), 1u);
  EXPECT_EQ(DumpJson(ActionToJson(after->metadata())), DumpJson(ActionToJson(before->metadata())));
}

TEST_F(CheckpointTest, ExistingCheckpointIsKeptAndHintNeverMovesBack) {
  WriteHistory();
  auto v2 = Load(2);
  ASSERT_NE(v2, nullptr);

  // Checkpoint v3 twice: the second finds the first in place and leaves it alone.
  auto v3 = Load(3);
  ASSERT_NE(v3, nullptr);
  ASSERT_OK_AND_ASSIGN(LastCheckpoint first, WriteCheckpoint(fs_, writer_, *v3, clock_));
  ASSERT_OK_AND_ASSIGN(std::string original, fs_.Read(LogFile(CheckpointFileName(3))));
  FixedClock later(kNow + 10 * kDay);  // every tombstone expired: a different body
  ASSERT_OK_AND_ASSIGN(LastCheckpoint again, WriteCheckpoint(fs_, writer_, *v3, later));
  ASSERT_OK_AND_ASSIGN(std::string kept, fs_.Read(LogFile(CheckpointFileName(3))));
  EXPECT_EQ(kept, original);
  EXPECT_EQ(again.size_in_bytes, first.size_in_bytes);
  EXPECT_EQ(again.version, 3);

  // An older checkpoint is written but the hint keeps pointing at version 3.
  ASSERT_OK_AND_ASSIGN(LastCheckpoint older, WriteCheckpoint(fs_, writer_, *v2, clock_));
  EXPECT_EQ(older.version, 2);
  EXPECT_TRUE(fs_.Stat(LogFile(CheckpointFileName(2))).ok());
  EXPECT_EQ(ReadLastCheckpointHint(fs_, root_ + "/_delta_log"), std::optional<int64_t>(3));
}

TEST_F(CheckpointTest, FailedWriteLeavesNothingBehind) {
  WriteHistory();
  auto snapshot = Load();
  ASSERT_NE(snapshot, nullptr);
  writer_.fail = true;
  auto result = WriteCheckpoint(fs_, writer_, *snapshot, clock_);
  EXPECT_EQ(result.status().ToString(),
            "IoError: writing _delta_log/00000000000000000003.checkpoint.parquet: disk full");
  EXPECT_EQ(LogNames(),
            (std::vector<std::string>{"00000000000000000000.json", "00000000000000000001.json",
                                      "00000000000000000002.json", "00000000000000000003.json"}));
}

TEST_F(CheckpointTest, RefusesProtocolsTesseraCannotWrite) {
  Commit(0, {Protocol{1, 7, std::nullopt, std::vector<std::string>{"someFutureFeature"}},
             TableMetadata()});
  auto snapshot = Load();
  ASSERT_NE(snapshot, nullptr);
  EXPECT_EQ(WriteCheckpoint(fs_, writer_, *snapshot, clock_).status().code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(writer_.calls, 0);
}

TEST_F(CheckpointTest, IntervalPropertyAndCadence) {
  EXPECT_EQ(CheckpointInterval(TableMetadata()), 100);
  EXPECT_EQ(CheckpointInterval(TableMetadata({{"delta.checkpointInterval", "3"}})), 3);
  EXPECT_EQ(CheckpointInterval(TableMetadata({{"delta.checkpointInterval", "0"}})), 100);
  EXPECT_EQ(CheckpointInterval(TableMetadata({{"delta.checkpointInterval", "ten"}})), 100);

  const Metadata every_two = TableMetadata({{"delta.checkpointInterval", "2"}});
  Commit(0, {Protocol{1, 2, std::nullopt, std::nullopt}, every_two});
  for (int64_t v = 1; v <= 3; ++v)
    Commit(v, {Add("f" + std::to_string(v) + ".parquet")});
  for (int64_t v = 0; v <= 3; ++v) {
    ASSERT_OK(MaybeCheckpointAfterCommit(fs_, &reader_, writer_, root_, every_two, v, clock_));
  }
  EXPECT_EQ(writer_.calls, 1);
  EXPECT_TRUE(fs_.Stat(LogFile(CheckpointFileName(2))).ok());
  EXPECT_EQ(ReadLastCheckpointHint(fs_, root_ + "/_delta_log"), std::optional<int64_t>(2));
  EXPECT_EQ(MaybeCheckpointAfterCommit(fs_, &reader_, writer_, root_, every_two, 4, clock_).code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace tessera::delta
