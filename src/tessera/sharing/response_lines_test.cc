#include "tessera/sharing/response_lines.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::sharing {
namespace {

delta::AddFile SampleAdd() {
  delta::AddFile add;
  add.path = "part=a%20b/file.parquet";
  add.partition_values = {{"part", "a b"}, {"other", std::nullopt}};
  add.size = 123;
  add.stats = R"({"numRecords":2})";
  return add;
}

TEST(FileIdTest, MatchesTheReferenceSchemes) {
  EXPECT_EQ(FileId(FileIdScheme::kParquet, "abc", std::nullopt),
            "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(FileId(FileIdScheme::kDelta, "abc", std::nullopt),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  delta::DeletionVectorDescriptor dv;
  dv.storage_type = "u";
  dv.path_or_inline_dv = "ab^-aqEH.-t@S}K{vb[*k^";
  EXPECT_NE(FileId(FileIdScheme::kDelta, "abc", dv), FileId(FileIdScheme::kDelta, "abc", {}));
}

TEST(ResponseLinesTest, ParquetLinesHaveTheFieldsClientsRequire) {
  delta::Protocol protocol{3, 7, std::vector<std::string>{"deletionVectors"},
                           std::vector<std::string>{"deletionVectors"}};
  EXPECT_EQ(DumpJson(ProtocolLine(ResponseFormat::kParquet, protocol, std::nullopt)),
            R"({"protocol":{"minReaderVersion":1}})");
  delta::Metadata metadata;
  metadata.id = "id-1";
  metadata.schema_string =
      R"({"type":"struct","fields":[{"name":"a","type":"long","nullable":true,)"
      R"("metadata":{"comment":"c","delta.columnMapping.id":1}}]})";
  metadata.partition_columns = {"a"};
  metadata.configuration = {{"delta.enableChangeDataFeed", "true"}, {"x", "y"}};
  MetadataExtras extras;
  extras.size = 10;
  extras.num_files = 1;
  Json line = MetadataLine(ResponseFormat::kParquet, metadata, extras);
  EXPECT_EQ(line["metaData"]["id"], "id-1");
  EXPECT_EQ(line["metaData"]["format"]["provider"], "parquet");
  EXPECT_EQ(line["metaData"]["schemaString"],
            R"({"fields":[{"metadata":{"comment":"c"},"name":"a","nullable":true,"type":"long"}],)"
            R"("type":"struct"})");
  EXPECT_EQ(line["metaData"]["partitionColumns"], Json::array({"a"}));
  EXPECT_EQ(line["metaData"]["configuration"], Json::object());
  EXPECT_FALSE(line["metaData"].contains("version"));
  extras.change_data_feed = true;
  extras.version = 4;
  line = MetadataLine(ResponseFormat::kParquet, metadata, extras);
  EXPECT_EQ(line["metaData"]["configuration"], (Json{{"enableChangeDataFeed", "true"}}));
  EXPECT_EQ(line["metaData"]["version"], 4);

  FileLineExtras file_extras;
  file_extras.id = "f";
  file_extras.data = {"http://h/files/x", 99};
  Json file = FileLine(ResponseFormat::kParquet, FileLineKind::kFile, SampleAdd(), file_extras);
  EXPECT_EQ(DumpJson(file),
            R"({"file":{"expirationTimestamp":99,"id":"f","partitionValues":{"other":null,)"
            R"("part":"a b"},"size":123,"stats":"{\"numRecords\":2}","url":"http://h/files/x"}})");
  file_extras.version = 3;
  file_extras.timestamp = 1000;
  delta::RemoveFile remove;
  remove.path = "x";
  Json removed = FileLine(ResponseFormat::kParquet, FileLineKind::kRemove, remove, file_extras);
  EXPECT_EQ(removed["remove"]["partitionValues"], Json::object());
  EXPECT_EQ(removed["remove"]["version"], 3);
  EXPECT_EQ(removed["remove"]["timestamp"], 1000);
  EXPECT_FALSE(removed["remove"].contains("stats"));
}

TEST(ResponseLinesTest, DeltaLinesCarryTheActionsVerbatimWithSignedPaths) {
  delta::Protocol protocol{3, 7, std::vector<std::string>{"deletionVectors"},
                           std::vector<std::string>{"deletionVectors"}};
  Json line = ProtocolLine(ResponseFormat::kDelta, protocol, 5);
  EXPECT_EQ(line["protocol"]["deltaProtocol"]["minReaderVersion"], 3);
  EXPECT_EQ(line["protocol"]["deltaProtocol"]["minWriterVersion"], 7);
  EXPECT_EQ(line["protocol"]["deltaProtocol"]["readerFeatures"], Json::array({"deletionVectors"}));
  EXPECT_EQ(line["protocol"]["version"], 5);

  delta::AddFile add = SampleAdd();
  add.deletion_vector = delta::DeletionVectorDescriptor{"u", "ab^-aqEH.-t@S}K{vb[*k^", 1, 36, 2};
  FileLineExtras extras;
  extras.id = "f";
  extras.data = {"http://h/files/data", 200};
  extras.deletion_vector = SignedFile{"http://h/files/dv", 100};
  Json file = FileLine(ResponseFormat::kDelta, FileLineKind::kFile, add, extras);
  const Json& action = file["file"]["deltaSingleAction"]["add"];
  EXPECT_EQ(action["path"], "http://h/files/data");
  EXPECT_EQ(action["size"], 123);
  EXPECT_EQ(action["deletionVector"]["storageType"], "p");
  EXPECT_EQ(action["deletionVector"]["pathOrInlineDv"], "http://h/files/dv");
  EXPECT_EQ(action["deletionVector"]["cardinality"], 2);
  EXPECT_EQ(file["file"]["expirationTimestamp"], 100);
  EXPECT_EQ(file["file"]["id"], "f");
}

TEST(ResponseLinesTest, FastParquetFileLinesEqualTheJsonLibrarysBytes) {
  std::vector<delta::AddFile> files;
  files.push_back(SampleAdd());
  delta::AddFile odd = SampleAdd();
  odd.partition_values = {{"q\"uote", "tab\there\nline"}, {"ü", "ñ\x01"}, {"z", ""}};
  odd.stats = "{\"numRecords\":1,\"minValues\":{\"s\":\"\\\"x\\u0001\"}}";
  files.push_back(odd);
  delta::AddFile parsed = SampleAdd();
  parsed.stats.reset();
  parsed.stats_parsed = Json{{"numRecords", 3}};
  files.push_back(parsed);
  delta::AddFile bare = SampleAdd();
  bare.stats.reset();
  bare.partition_values.clear();
  files.push_back(bare);
  for (const delta::AddFile& file : files) {
    for (bool versioned : {false, true}) {
      FileLineExtras extras;
      extras.id = "abc";
      extras.data = {"http://h/files/t/p%20q?e=1&r=2&s=x_y-z", 1234};
      if (versioned) {
        extras.version = 7;
        extras.timestamp = 99;
      }
      std::string fast;
      AppendParquetFileLine(fast, file, extras);
      EXPECT_EQ(
          fast,
          DumpJson(FileLine(ResponseFormat::kParquet, FileLineKind::kFile, file, extras)) + "\n");
    }
  }
}

TEST(ResponseLinesTest, EndStreamCarriesOnlyWhatIsSet) {
  EXPECT_EQ(DumpJson(EndStreamLine(std::nullopt, std::nullopt, 5)),
            R"({"endStreamAction":{"minUrlExpirationTimestamp":5}})");
  EXPECT_EQ(DumpJson(EndStreamLine("r", "n", std::nullopt)),
            R"({"endStreamAction":{"nextPageToken":"n","refreshToken":"r"}})");
}

TEST(StripSchemaMetadataTest, KeepsOnlyCommentsAtEveryDepth) {
  std::string schema =
      R"({"type":"struct","fields":[{"name":"s","nullable":true,"metadata":{"x":1},"type":)"
      R"({"type":"struct","fields":[{"name":"i","type":"long","nullable":true,)"
      R"("metadata":{"comment":"inner","y":2}}]}}]})";
  EXPECT_EQ(StripSchemaMetadata(schema),
            R"({"fields":[{"metadata":{},"name":"s","nullable":true,"type":{"fields":)"
            R"([{"metadata":{"comment":"inner"},"name":"i","nullable":true,"type":"long"}],)"
            R"("type":"struct"}}],"type":"struct"})");
}

}  // namespace
}  // namespace tessera::sharing
