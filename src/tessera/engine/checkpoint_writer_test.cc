#include "tessera/engine/checkpoint_writer.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/common/strings.h"
#include "tessera/delta/log_path.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/delta_functions.h"
#include "tessera/engine/delta_writer.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

namespace fs = std::filesystem;
using delta::Action;

std::string ToLines(const std::vector<Action>& actions) {
  std::string text;
  for (const Action& action : actions)
    text += DumpJson(delta::ActionToJson(action)) + "\n";
  return text;
}

std::string LogFile(const std::string& root, const std::string& name) {
  return root + "/_delta_log/" + name;
}

class DuckdbCheckpointWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open(DatabaseOptions{}));
    ASSERT_OK_AND_ASSIGN(connection_, Connection::Open(*database_));
    reader_ = std::make_unique<DuckdbCheckpointReader>(*database_);
    writer_ = std::make_unique<DuckdbCheckpointWriter>(*database_);
    ASSERT_OK(RegisterDeltaFunctions(connection_->handle(), fs_, *reader_));
  }

  std::shared_ptr<const delta::Snapshot> Load(const std::string& root,
                                              std::optional<int64_t> version = std::nullopt) {
    auto snapshot = delta::Snapshot::Load(fs_, reader_.get(), root, version);
    EXPECT_TRUE(snapshot.ok()) << root << ": " << snapshot.status().ToString();
    return snapshot.ok() ? *snapshot : nullptr;
  }

  // Every row of the table as text, sorted: equal strings mean equal multisets of rows.
  std::string Rows(const std::string& root, std::optional<int64_t> version = std::nullopt) {
    std::string args = QuoteLiteral(root);
    if (version)
      args += ", version := " + std::to_string(*version);
    auto rows = connection_->QueryScalarString(
        "SELECT string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR)) FROM delta_scan(" +
        args + ") AS t");
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->value_or("<no rows>") : "<error>";
  }

  int64_t Write(const std::string& root, WriteMode mode, const std::string& query,
                std::map<std::string, std::string> properties = {}) {
    WriteRequest request;
    request.table_root = root;
    request.query = query;
    request.mode = mode;
    if (mode == WriteMode::kCreate || mode == WriteMode::kReplace)
      request.partition_columns = {"p"};
    request.properties = std::move(properties);
    auto result = WriteQuery(*connection_, fs_, *reader_, request);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->version : -1;
  }

  testing::TempDir dir_;
  storage::LocalStorage& fs_ = storage::LocalStorage::Instance();
  // The reader outlives the database, whose Delta functions use it.
  std::unique_ptr<DuckdbCheckpointReader> reader_;
  std::unique_ptr<DuckdbCheckpointWriter> writer_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
};

// Every fixture table that loads (DVs, column mapping, null and special partition values, tags,
// struct-only stats, feature protocols, tombstones): its checkpoint actions survive
// DuckdbCheckpointWriter + DuckdbCheckpointReader unchanged.
TEST_F(DuckdbCheckpointWriterTest, FixtureCheckpointsRoundTripThroughParquet) {
  int tables = 0;
  int64_t tombstones = 0;
  int64_t dvs = 0;
  for (const auto& entry : fs::directory_iterator(testing::DeltaFixturesDir())) {
    if (!entry.is_directory())
      continue;
    const std::string name = entry.path().filename().string();
    auto snapshot = delta::Snapshot::Load(fs_, reader_.get(), entry.path().string(), std::nullopt);
    if (!snapshot.ok())
      continue;  // the negative tables
    SCOPED_TRACE(name);
    // now = 0 keeps every tombstone that has a timestamp, so removes are exercised too.
    ASSERT_OK_AND_ASSIGN(std::vector<Action> actions, delta::CheckpointActions(**snapshot, 0));
    const std::string out = dir_.Sub(name + ".checkpoint.parquet");
    ASSERT_OK(writer_->WriteCheckpoint(out, actions, **snapshot));
    ASSERT_OK_AND_ASSIGN(std::vector<Action> read, reader_->ReadActions(out));
    EXPECT_EQ(ToLines(read), ToLines(actions));
    EXPECT_FALSE(fs::exists(out + ".ndjson"));
    ++tables;
    for (const Action& a : actions) {
      tombstones += std::holds_alternative<delta::RemoveFile>(a) ? 1 : 0;
      const auto* add = std::get_if<delta::AddFile>(&a);
      dvs += add != nullptr && add->deletion_vector ? 1 : 0;
    }
  }
  EXPECT_EQ(tables, 27);
  EXPECT_EQ(tombstones, 101);
  EXPECT_EQ(dvs, 3);
}

TEST_F(DuckdbCheckpointWriterTest, WritesTheCheckpointSchema) {
  delta::Metadata metadata;
  metadata.id = "id";
  metadata.schema_string = R"({"type":"struct","fields":[]})";
  std::vector<Action> actions = {
      delta::Protocol{3, 7, std::vector<std::string>{}, std::vector<std::string>{"appendOnly"}},
      metadata, delta::SetTransaction{"app", 1, 2}, delta::DomainMetadata{"d", "{}", false}};
  std::string root = dir_.Sub("t");
  ASSERT_GE(Write(root, WriteMode::kCreate, "SELECT 1 AS id, 'a' AS p"), 0);
  auto snapshot = Load(root);
  ASSERT_NE(snapshot, nullptr);
  const std::string out = dir_.Sub("schema.parquet");
  ASSERT_OK(writer_->WriteCheckpoint(out, actions, *snapshot));
  ASSERT_OK_AND_ASSIGN(
      auto types,
      connection_->QueryScalarString(
          "SELECT string_agg(column_name || ' ' || column_type, '\n') FROM (DESCRIBE SELECT * "
          "FROM read_parquet(" +
          QuoteLiteral(out) + "))"));
  EXPECT_EQ(
      types.value_or(""),
      "txn STRUCT(appId VARCHAR, \"version\" BIGINT, lastUpdated BIGINT)\n"
      "add STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, "
      "modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR), "
      "deletionVector STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, \"offset\" INTEGER, "
      "sizeInBytes INTEGER, cardinality BIGINT), baseRowId BIGINT, defaultRowCommitVersion "
      "BIGINT, clusteringProvider VARCHAR)\n"
      "remove STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, "
      "extendedFileMetadata BOOLEAN, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, "
      "deletionVector STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, \"offset\" INTEGER, "
      "sizeInBytes INTEGER, cardinality BIGINT), baseRowId BIGINT, defaultRowCommitVersion "
      "BIGINT)\n"
      "metaData STRUCT(id VARCHAR, \"name\" VARCHAR, description VARCHAR, format "
      "STRUCT(provider VARCHAR, \"options\" MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, "
      "partitionColumns VARCHAR[], \"configuration\" MAP(VARCHAR, VARCHAR), createdTime BIGINT)\n"
      "protocol STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures "
      "VARCHAR[], writerFeatures VARCHAR[])\n"
      "domainMetadata STRUCT(\"domain\" VARCHAR, \"configuration\" VARCHAR, removed BOOLEAN)");
  // One non-null action column per row; a feature protocol has non-null (if empty) lists.
  ASSERT_OK_AND_ASSIGN(
      auto shape,
      connection_->QueryScalarString(
          "SELECT string_agg((txn IS NOT NULL)::INT + (add IS NOT NULL)::INT + (remove IS NOT "
          "NULL)::INT + (metaData IS NOT NULL)::INT + (protocol IS NOT NULL)::INT + "
          "(domainMetadata IS NOT NULL)::INT, ',') || ' ' || "
          "max(to_json(protocol.readerFeatures)) || ' ' || max(to_json(protocol.writerFeatures)) "
          "FROM read_parquet(" +
          QuoteLiteral(out) + ")"));
  EXPECT_EQ(shape.value_or(""), "1,1,1,1 [] [\"appendOnly\"]");
}

TEST_F(DuckdbCheckpointWriterTest, RefusesActionsACheckpointCannotHold) {
  std::string root = dir_.Sub("t");
  ASSERT_GE(Write(root, WriteMode::kCreate, "SELECT 1 AS id, 'a' AS p"), 0);
  auto snapshot = Load(root);
  ASSERT_NE(snapshot, nullptr);
  const std::string out = dir_.Sub("bad.parquet");
  Status status = writer_->WriteCheckpoint(out, {delta::CommitInfo{}}, *snapshot);
  EXPECT_EQ(status.ToString(),
            "InvalidArgument: a checkpoint cannot hold the action {\"commitInfo\":{}}");
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".ndjson"));
}

// delta.checkpointInterval=2: WriteQuery checkpoints at versions 2 and 4; the table then reads the
// same with every JSON commit before the checkpoint deleted, including time travel to version 2.
TEST_F(DuckdbCheckpointWriterTest, AutoCheckpointReplacesTheLog) {
  std::string root = dir_.Sub("auto");
  EXPECT_EQ(
      Write(root, WriteMode::kCreate, "SELECT range AS id, 'p' || (range % 2) AS p FROM range(4)",
            {{"delta.checkpointInterval", "2"}}),
      0);
  EXPECT_EQ(Write(root, WriteMode::kAppend, "SELECT 10 AS id, 'p1' AS p"), 1);
  EXPECT_FALSE(fs::exists(LogFile(root, delta::CheckpointFileName(1))));
  EXPECT_EQ(Write(root, WriteMode::kAppend, "SELECT 11 AS id, NULL AS p"), 2);
  EXPECT_TRUE(fs::exists(LogFile(root, delta::CheckpointFileName(2))));
  EXPECT_EQ(Write(root, WriteMode::kOverwrite, "SELECT 20 AS id, 'p9' AS p"), 3);
  EXPECT_EQ(Write(root, WriteMode::kAppend, "SELECT 21 AS id, 'p9' AS p"), 4);
  EXPECT_TRUE(fs::exists(LogFile(root, delta::CheckpointFileName(4))));
  ASSERT_OK_AND_ASSIGN(std::string hint, fs_.Read(LogFile(root, "_last_checkpoint")));
  ASSERT_OK_AND_ASSIGN(Json hint_json, ParseJson(hint));
  EXPECT_EQ(hint_json["version"], 4);
  EXPECT_EQ(hint_json["numOfAddFiles"], 2);
  EXPECT_EQ(hint_json["size"], 2 + 2 + 4);  // protocol, metaData, 2 adds, 4 tombstones
  EXPECT_EQ(hint_json["sizeInBytes"],
            static_cast<int64_t>(fs::file_size(LogFile(root, delta::CheckpointFileName(4)))));

  auto before = Load(root);
  ASSERT_NE(before, nullptr);
  const std::string rows_v2 = Rows(root, 2);
  const std::string rows_v4 = Rows(root);
  EXPECT_EQ(rows_v4, "{'id': 20, 'p': p9}|{'id': 21, 'p': p9}");
  EXPECT_EQ(rows_v2,
            "{'id': 0, 'p': p0}|{'id': 1, 'p': p1}|{'id': 10, 'p': p1}|{'id': 11, 'p': NULL}|"
            "{'id': 2, 'p': p0}|{'id': 3, 'p': p1}");
  for (int64_t v = 0; v < 4; ++v)
    ASSERT_TRUE(fs::remove(LogFile(root, delta::CommitFileName(v))));

  auto after = Load(root);
  ASSERT_NE(after, nullptr);
  ASSERT_TRUE(after->segment().checkpoint.has_value());
  EXPECT_EQ(after->segment().checkpoint->version, 4);
  EXPECT_EQ(ToLines({after->files().begin(), after->files().end()}),
            ToLines({before->files().begin(), before->files().end()}));
  EXPECT_EQ(ToLines({after->tombstones().begin(), after->tombstones().end()}),
            ToLines({before->tombstones().begin(), before->tombstones().end()}));
  EXPECT_EQ(after->schema().fields.size(), 2u);
  EXPECT_EQ(DumpJson(delta::ActionToJson(after->metadata())),
            DumpJson(delta::ActionToJson(before->metadata())));
  EXPECT_EQ(Rows(root), rows_v4);
  EXPECT_EQ(Rows(root, 2), rows_v2);  // from the version 2 checkpoint alone
  EXPECT_EQ(Write(root, WriteMode::kAppend, "SELECT 22 AS id, 'p9' AS p"), 5);
  EXPECT_EQ(Rows(root), rows_v4 + "|{'id': 22, 'p': p9}");
}

// A Spark-written table with deletion vectors: our checkpoint of its latest version, with every
// other log file deleted, gives the same rows (so DV descriptors survive the Parquet round trip).
TEST_F(DuckdbCheckpointWriterTest, SparkTableWithDeletionVectorsReadsTheSameFromOurCheckpoint) {
  const std::string root = dir_.Sub("dv");
  fs::copy(testing::DeltaFixturesDir() / "delta-basic-dv-with-checkpoint", root,
           fs::copy_options::recursive);
  auto latest = Load(root);
  ASSERT_NE(latest, nullptr);
  ASSERT_EQ(latest->version(), 46);
  const std::string expected = Rows(root);
  ASSERT_OK_AND_ASSIGN(delta::LastCheckpoint last,
                       delta::WriteCheckpoint(fs_, *writer_, *latest, SystemClock::Instance()));
  EXPECT_EQ(last.version, 46);
  EXPECT_EQ(last.num_of_add_files, static_cast<int64_t>(latest->files().size()));
  for (const auto& entry : fs::directory_iterator(root + "/_delta_log")) {
    std::string name = entry.path().filename().string();
    if (name != delta::CheckpointFileName(46) && name != "_last_checkpoint")
      fs::remove(entry.path());
  }
  auto after = Load(root);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->version(), 46);
  EXPECT_EQ(ToLines({after->files().begin(), after->files().end()}),
            ToLines({latest->files().begin(), latest->files().end()}));
  EXPECT_EQ(Rows(root), expected);
}

// kReplace creates a missing table, then swaps in a new schema and partitioning in one commit;
// the table keeps its id, and the old version still reads with its old shape.
TEST_F(DuckdbCheckpointWriterTest, ReplaceChangesSchemaInOneCommit) {
  const std::string root = dir_.Sub("replaced");
  EXPECT_EQ(Write(root, WriteMode::kReplace, "SELECT 1 AS id, 'a' AS p"), 0);
  auto first = Load(root);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(Write(root, WriteMode::kReplace, "SELECT 2 AS id, 'b' AS p, 2.5 AS score"), 1);
  auto second = Load(root);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->metadata().id, first->metadata().id);
  EXPECT_EQ(second->schema().fields.size(), 3U);
  EXPECT_EQ(second->metadata().partition_columns, std::vector<std::string>{"p"});
  EXPECT_EQ(Rows(root), "{'id': 2, 'p': b, 'score': 2.5}");
  EXPECT_EQ(Rows(root, 0), "{'id': 1, 'p': a}");
  // The same shape again writes no metadata action.
  EXPECT_EQ(Write(root, WriteMode::kReplace, "SELECT 3 AS id, 'c' AS p, 1.5 AS score"), 2);
  std::string log;
  ASSERT_OK_AND_ASSIGN(log, fs_.Read(LogFile(root, delta::CommitFileName(2))));
  EXPECT_EQ(log.find("metaData"), std::string::npos);
  EXPECT_EQ(Rows(root), "{'id': 3, 'p': c, 'score': 1.5}");
}

}  // namespace
}  // namespace tessera::engine
