#include "tessera/delta/actions.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

TEST(ParseCommitTest, ParsesEveryActionKindAndIgnoresUnknown) {
  std::string commit =
      R"({"commitInfo":{"timestamp":5,"operation":"WRITE","inCommitTimestamp":7}})"
      "\n"
      R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"],"writerFeatures":null}})"
      "\n"
      R"({"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":["p"],"configuration":{"a":"b"}}})"
      "\n"
      R"({"add":{"path":"p=1/f%20a.parquet","partitionValues":{"p":"1","q":null},"size":10,"modificationTime":3,"dataChange":true,"stats":"{\"numRecords\":2}","deletionVector":{"storageType":"u","pathOrInlineDv":"ab","offset":1,"sizeInBytes":34,"cardinality":2}}})"
      "\n\n"
      R"({"remove":{"path":"old.parquet","deletionTimestamp":9,"dataChange":true}})"
      "\n"
      R"({"cdc":{"path":"_change_data/c.parquet","partitionValues":{},"size":4,"dataChange":false}})"
      "\n"
      R"({"txn":{"appId":"app","version":3}})"
      "\n"
      R"({"domainMetadata":{"domain":"d","configuration":"{}","removed":false}})"
      "\n"
      R"({"some_new_action":{"x":1}})"
      "\n";
  ASSERT_OK_AND_ASSIGN(auto actions, ParseCommit(commit));
  ASSERT_EQ(actions.size(), 8u);
  const auto& info = std::get<CommitInfo>(actions[0]);
  EXPECT_EQ(info.InCommitTimestamp(), 7);
  EXPECT_EQ(info.Operation(), "WRITE");
  const auto& protocol = std::get<Protocol>(actions[1]);
  EXPECT_EQ(protocol.min_reader_version, 3);
  EXPECT_FALSE(protocol.writer_features.has_value());
  const auto& metadata = std::get<Metadata>(actions[2]);
  EXPECT_EQ(metadata.partition_columns, std::vector<std::string>{"p"});
  EXPECT_EQ(metadata.configuration.at("a"), "b");
  const auto& add = std::get<AddFile>(actions[3]);
  EXPECT_EQ(add.partition_values.at("p"), "1");
  EXPECT_FALSE(add.partition_values.at("q").has_value());
  ASSERT_TRUE(add.deletion_vector.has_value());
  EXPECT_EQ(add.deletion_vector->UniqueId(), "uab@1");
  EXPECT_EQ(std::get<SetTransaction>(actions[6]).version, 3);
}

TEST(ParseCommitTest, RoundTripsThroughJson) {
  AddFile add;
  add.path = "a%20b.parquet";
  add.partition_values = {{"k", std::nullopt}, {"j", "v"}};
  add.size = 12;
  add.stats = R"({"numRecords":1})";
  Json line = ActionToJson(add);
  ASSERT_OK_AND_ASSIGN(auto parsed, ParseAction(line));
  ASSERT_TRUE(parsed.has_value());
  const auto& back = std::get<AddFile>(*parsed);
  EXPECT_EQ(back.path, add.path);
  EXPECT_EQ(back.partition_values, add.partition_values);
  EXPECT_EQ(back.stats, add.stats);
}

TEST(RemoveFileForTest, KeepsWhatReadersAndVacuumNeed) {
  AddFile live;
  live.path = "p=1/f.parquet";
  live.partition_values = {{"p", "1"}};
  live.size = 42;
  live.base_row_id = 7;
  RemoveFile r = RemoveFileFor(live, 1000);
  EXPECT_EQ(r.path, live.path);
  EXPECT_EQ(r.deletion_timestamp, 1000);
  EXPECT_TRUE(r.data_change);
  EXPECT_EQ(r.extended_file_metadata, true);
  EXPECT_EQ(r.partition_values, live.partition_values);
  EXPECT_EQ(r.size, 42);
  EXPECT_EQ(r.base_row_id, 7);
}

TEST(ParseCommitTest, RejectsMalformedLinesWithLineNumber) {
  auto r = ParseCommit("{\"txn\":{\"appId\":\"a\",\"version\":1}}\n{\"add\":{\"path\":1}}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r.status().message(), "line 2: in 'add' action: field 'path' is not a string");
  EXPECT_FALSE(ParseCommit("{not json").ok());
  EXPECT_FALSE(ParseCommit("[1,2]").ok());
  EXPECT_FALSE(ParseCommit(R"({"add":{"path":"a","size":-1}})").ok());
  EXPECT_FALSE(ParseCommit(R"({"metaData":{"id":"x"}})").ok());
  EXPECT_FALSE(
      ParseCommit(
          R"({"add":{"path":"a","size":1,"deletionVector":{"storageType":"z","pathOrInlineDv":"","sizeInBytes":1,"cardinality":1}}})")
          .ok());
}

TEST(ResolveDataPathTest, DecodesOnceAndCanonicalises) {
  EXPECT_EQ(*ResolveDataPath("/t", "x=A%252F/f%20a.parquet"), "/t/x=A%2F/f a.parquet");
  EXPECT_EQ(*ResolveDataPath("/t", "file:/abs/f.parquet"), "/abs/f.parquet");
  EXPECT_EQ(*ResolveDataPath("/t", "file:///abs/f.parquet"), "/abs/f.parquet");
  EXPECT_EQ(*ResolveDataPath("/t", "/abs/f.parquet"), "/abs/f.parquet");
  EXPECT_EQ(ResolveDataPath("/t", "../etc/passwd").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ResolveDataPath("/t", "s3://b/f").status().code(), StatusCode::kUnsupported);
}

// fuzz/action_parser_fuzz checks this: the OS ends a path at a NUL, so "..%00" named the parent.
TEST(ResolveDataPathTest, RejectsNulBytes) {
  for (const char* path : {"..%00", "a/..%00/x.parquet", "f.parquet%00.x", "/abs/f%00"}) {
    EXPECT_EQ(ResolveDataPath("/t", path).status().code(), StatusCode::kCorruption) << path;
  }
  EXPECT_EQ(ResolveDataPath("/t", std::string("..\0", 3)).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace tessera::delta
