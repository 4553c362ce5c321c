#include "tessera/engine/checkpoint_reader.h"

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/common/strings.h"
#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

using delta::Action;
using delta::AddFile;

// The expected numbers were computed independently with DuckDB over the fixture files
// (SELECT count(*) FILTER (add IS NOT NULL), ... FROM read_parquet(...)) and agree with each
// table's _last_checkpoint "size" and expected.json.
class DuckdbCheckpointReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open(DatabaseOptions{}));
    reader_ = std::make_unique<DuckdbCheckpointReader>(*database_);
  }

  static std::string Fixture(const std::string& relative) {
    return (testing::DeltaFixturesDir() / relative).string();
  }

  template <typename T>
  static std::vector<const T*> All(const std::vector<Action>& actions) {
    std::vector<const T*> out;
    for (const Action& action : actions) {
      if (const T* value = std::get_if<T>(&action))
        out.push_back(value);
    }
    return out;
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<DuckdbCheckpointReader> reader_;
};

TEST_F(DuckdbCheckpointReaderTest, ReadsClassicCheckpoint) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<Action> actions,
      reader_->ReadActions(Fixture("deltars-simple-table-with-checkpoint/_delta_log/"
                                   "00000000000000000010.checkpoint.parquet")));
  ASSERT_EQ(actions.size(), 13u);  // _last_checkpoint: {"version":10,"size":13}
  std::vector<const AddFile*> adds = All<AddFile>(actions);
  ASSERT_EQ(adds.size(), 11u);  // expected.json: live_files 11
  EXPECT_EQ(adds[0]->path, "part-00000-9afd9224-729f-4420-a05e-8032113a6568-c000.snappy.parquet");
  EXPECT_EQ(adds[0]->size, 442);
  EXPECT_EQ(adds[0]->modification_time, 1615751706698);
  EXPECT_FALSE(adds[0]->data_change);
  EXPECT_TRUE(adds[0]->partition_values.empty());
  EXPECT_FALSE(adds[0]->stats.has_value());
  EXPECT_TRUE(adds[0]->tags.empty());
  ASSERT_EQ(All<delta::Protocol>(actions).size(), 1u);
  EXPECT_EQ(All<delta::Protocol>(actions)[0]->min_reader_version, 1);
  EXPECT_EQ(All<delta::Protocol>(actions)[0]->min_writer_version, 2);
  ASSERT_EQ(All<delta::Metadata>(actions).size(), 1u);
  const delta::Metadata& metadata = *All<delta::Metadata>(actions)[0];
  EXPECT_EQ(metadata.id, "cf3741a3-5f93-434f-99ac-9a4bebcdf06c");
  EXPECT_EQ(metadata.schema_string,
            "{\"type\":\"struct\",\"fields\":[{\"name\":\"version\",\"type\":\"integer\","
            "\"nullable\":true,\"metadata\":{}}]}");
  EXPECT_EQ(metadata.created_time, 1615751699422);
  EXPECT_FALSE(metadata.name.has_value());
}

TEST_F(DuckdbCheckpointReaderTest, ReadsMultiPartCheckpointWithStructStatsOnly) {
  std::vector<Action> all;
  std::vector<size_t> sizes;
  for (int part = 1; part <= 3; ++part) {
    ASSERT_OK_AND_ASSIGN(std::vector<Action> actions,
                         reader_->ReadActions(Fixture(
                             "kernel-v1-multi-part-partitioned-struct-stats-only/_delta_log/"
                             "00000000000000000005.checkpoint.000000000" +
                             std::to_string(part) + ".0000000003.parquet")));
    sizes.push_back(actions.size());
    all.insert(all.end(), actions.begin(), actions.end());
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 2, 2}));  // _last_checkpoint: "size":7, "parts":3
  std::vector<const AddFile*> adds = All<AddFile>(all);
  ASSERT_EQ(adds.size(), 5u);  // numOfAddFiles 5
  const AddFile& first = *adds[0];
  EXPECT_EQ(
      first.path,
      "part=0/test%25file%25prefix-part-00000-dea8716a-0901-4b81-a9c9-fa6d76ea5ea9.c000.snappy."
      "parquet");
  EXPECT_EQ(first.partition_values, (delta::PartitionValues{{"part", "0"}}));
  EXPECT_EQ(first.size, 985);
  EXPECT_EQ(first.tags.size(), 4u);
  EXPECT_EQ(first.tags.at("OPTIMIZE_TARGET_SIZE"), "268435456");
  EXPECT_FALSE(first.stats.has_value());
  ASSERT_TRUE(first.stats_parsed.has_value());
  EXPECT_EQ(DumpJson(*first.stats_parsed),
            "{\"maxValues\":{\"id\":3,\"value\":\"value_3\"},\"minValues\":{\"id\":3,\"value\":"
            "\"value_3\"},\"nullCount\":{\"id\":0,\"value\":0},\"numRecords\":1,\"tightBounds\":"
            "true}");
  EXPECT_EQ(adds[4]->partition_values, (delta::PartitionValues{{"part", "2"}}));
  const delta::Protocol& protocol = *All<delta::Protocol>(all).at(0);
  EXPECT_EQ(protocol.min_reader_version, 3);
  EXPECT_EQ(protocol.reader_features, (std::vector<std::string>{"deletionVectors"}));
  EXPECT_EQ(protocol.writer_features,
            (std::vector<std::string>{"deletionVectors", "appendOnly", "invariants"}));
  const delta::Metadata& metadata = *All<delta::Metadata>(all).at(0);
  EXPECT_EQ(metadata.partition_columns, (std::vector<std::string>{"part"}));
  EXPECT_EQ(metadata.configuration.size(), 4u);
  EXPECT_EQ(metadata.configuration.at("delta.checkpoint.writeStatsAsStruct"), "true");
  EXPECT_TRUE(metadata.format_options.empty());
}

TEST_F(DuckdbCheckpointReaderTest, ReadsV2CheckpointAndItsSidecar) {
  const std::string log = "kernel-v2-parquet-sidecars-struct-stats-only/_delta_log/";
  ASSERT_OK_AND_ASSIGN(
      std::vector<Action> top,
      reader_->ReadActions(Fixture(
          log + "00000000000000000005.checkpoint.f376503f-80c5-44c4-a353-a741181e8197.parquet")));
  ASSERT_EQ(top.size(), 4u);
  ASSERT_EQ(All<delta::CheckpointMetadata>(top).size(), 1u);
  EXPECT_EQ(All<delta::CheckpointMetadata>(top)[0]->version, 5);
  ASSERT_EQ(All<delta::Sidecar>(top).size(), 1u);
  const delta::Sidecar& sidecar = *All<delta::Sidecar>(top)[0];
  EXPECT_EQ(sidecar.path,
            "00000000000000000005.checkpoint.0000000001.0000000001.014cb627-30e0-46dd-a539-"
            "09d3247e9b7d.parquet");
  EXPECT_EQ(sidecar.size_in_bytes, 12588);
  EXPECT_EQ(sidecar.modification_time, 1774385163552);
  EXPECT_EQ(All<delta::Protocol>(top).at(0)->reader_features,
            (std::vector<std::string>{"deletionVectors", "v2Checkpoint"}));

  ASSERT_OK_AND_ASSIGN(std::vector<Action> side,
                       reader_->ReadActions(Fixture(log + "_sidecars/" + sidecar.path)));
  std::vector<const AddFile*> adds = All<AddFile>(side);
  ASSERT_EQ(side.size(), 5u);
  ASSERT_EQ(adds.size(), 5u);
  int64_t records = 0;
  int64_t bytes = 0;
  for (const AddFile* add : adds) {
    ASSERT_TRUE(add->stats_parsed.has_value());
    records += (*add->stats_parsed)["numRecords"].get<int64_t>();
    bytes += add->size;
  }
  EXPECT_EQ(records, 5);
  EXPECT_EQ(bytes, 3804);
  EXPECT_EQ(adds[0]->path,
            "test%25file%25prefix-part-00000-7268d56a-7420-4691-8062-5b0c3dbdd803-c000.snappy."
            "parquet");
}

TEST_F(DuckdbCheckpointReaderTest, ReadsDeletionVectorDescriptors) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<Action> actions,
      reader_->ReadActions(Fixture(
          "delta-basic-dv-with-checkpoint/_delta_log/00000000000000000040.checkpoint.parquet")));
  ASSERT_EQ(actions.size(), 44u);  // _last_checkpoint: "size":44
  EXPECT_TRUE(std::holds_alternative<delta::Protocol>(actions[0]));
  EXPECT_TRUE(std::holds_alternative<delta::Metadata>(actions[1]));
  std::vector<const AddFile*> adds = All<AddFile>(actions);
  ASSERT_EQ(adds.size(), 2u);  // numOfAddFiles 2, live_files_with_dv 2
  ASSERT_TRUE(adds[0]->deletion_vector.has_value());
  const delta::DeletionVectorDescriptor& dv = *adds[0]->deletion_vector;
  EXPECT_EQ(dv.storage_type, "u");
  EXPECT_EQ(dv.path_or_inline_dv, "rJ(BUnm+lwX)CTfMh^Q:");
  EXPECT_EQ(dv.offset, 1);
  EXPECT_EQ(dv.size_in_bytes, 78);
  EXPECT_EQ(dv.cardinality, 23);
  EXPECT_EQ(adds[0]->stats,
            "{\"numRecords\":250,\"minValues\":{\"id\":0},\"maxValues\":{\"id\":249},"
            "\"nullCount\":{\"id\":0},\"tightBounds\":false}");
  // 500 rows written, 23 + 17 deleted: the 460 rows of expected.v40.csv.
  EXPECT_EQ(adds[0]->deletion_vector->cardinality + adds[1]->deletion_vector->cardinality, 40);
  std::vector<const delta::RemoveFile*> removes = All<delta::RemoveFile>(actions);
  ASSERT_EQ(removes.size(), 40u);
  int64_t removed_cardinality = 0;
  int64_t with_dv = 0;
  for (const delta::RemoveFile* remove : removes) {
    if (remove->deletion_vector) {
      ++with_dv;
      removed_cardinality += remove->deletion_vector->cardinality;
    }
  }
  EXPECT_EQ(with_dv, 38);
  EXPECT_EQ(removed_cardinality, 389);
  EXPECT_EQ(removes[0]->extended_file_metadata, true);
}

TEST_F(DuckdbCheckpointReaderTest, MissingFileIsNotFound) {
  Result<std::vector<Action>> actions = reader_->ReadActions("/nonexistent/x.checkpoint.parquet");
  EXPECT_EQ(actions.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(actions.status().message(),
            "checkpoint file not found: /nonexistent/x.checkpoint.parquet");
}

TEST_F(DuckdbCheckpointReaderTest, NonParquetFileIsCorruption) {
  testing::TempDir dir;
  std::string path = dir.Sub("00000000000000000001.checkpoint.parquet");
  testing::WriteFile(path, "{\"add\": {}}\n");
  Result<std::vector<Action>> actions = reader_->ReadActions(path);
  EXPECT_EQ(actions.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(StartsWith(actions.status().message(),
                         "reading checkpoint " + path +
                             ": Invalid Input Error: No magic bytes found at end of file '" + path +
                             "'"))
      << actions.status().message();
  EXPECT_EQ(reader_->ReadActions(dir.path().string()).status().message(),
            "checkpoint path is not a regular file: " + dir.path().string());
}

TEST_F(DuckdbCheckpointReaderTest, ParquetWithoutActionsOrWithBadActionsIsCorruption) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Connection> connection, Connection::Open(*database_));
  ASSERT_OK(
      connection->Execute("COPY (SELECT 1 AS x) TO " + QuoteLiteral(dir.Sub("plain.parquet")) +
                          "; COPY (SELECT {'size': 5} AS \"add\", NULL::INTEGER AS remove) TO " +
                          QuoteLiteral(dir.Sub("bad.parquet"))));
  EXPECT_EQ(reader_->ReadActions(dir.Sub("plain.parquet")).status().message(),
            "checkpoint " + dir.Sub("plain.parquet") + " has no Delta action columns");
  Result<std::vector<Action>> bad = reader_->ReadActions(dir.Sub("bad.parquet"));
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(StartsWith(bad.status().message(),
                         "reading checkpoint " + dir.Sub("bad.parquet") + ": row 0, column add: "))
      << bad.status().message();
}

TEST_F(DuckdbCheckpointReaderTest, ReadsExactlyThePathGivenDespiteGlobCharacters) {
  testing::TempDir dir;
  std::filesystem::path source = testing::DeltaFixturesDir() /
                                 "deltars-simple-table-with-checkpoint/_delta_log/"
                                 "00000000000000000010.checkpoint.parquet";
  std::filesystem::create_directories(dir.path() / "d[x]");
  std::filesystem::copy_file(source, dir.path() / "d[x]" / "a[1]*?.parquet");
  // A decoy that the unescaped pattern d[x]/a[1]*?.parquet would match instead.
  std::filesystem::create_directories(dir.path() / "dx");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Connection> connection, Connection::Open(*database_));
  ASSERT_OK(
      connection->Execute("COPY (SELECT {'minReaderVersion': 9, 'minWriterVersion': 9} AS "
                          "protocol) TO " +
                          QuoteLiteral((dir.path() / "dx" / "a1zz.parquet").string())));
  ASSERT_OK_AND_ASSIGN(std::vector<Action> actions,
                       reader_->ReadActions((dir.path() / "d[x]" / "a[1]*?.parquet").string()));
  EXPECT_EQ(actions.size(), 13u);
  EXPECT_EQ(EscapeGlob("/a[1]/*?.parquet"), "/a[[]1]/[*][?].parquet");
}

TEST_F(DuckdbCheckpointReaderTest, ConcurrentReadsAreIndependent) {
  const std::string path =
      Fixture("delta-basic-dv-with-checkpoint/_delta_log/00000000000000000040.checkpoint.parquet");
  std::vector<size_t> counts(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < counts.size(); ++i) {
    threads.emplace_back([&, i] {
      Result<std::vector<Action>> actions = reader_->ReadActions(path);
      counts[i] = actions.ok() ? actions->size() : 0;
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(counts, (std::vector<size_t>{44, 44, 44, 44}));
}

}  // namespace
}  // namespace tessera::engine
