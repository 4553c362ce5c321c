#include "tessera/sharing/sharing_client.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::sharing {
namespace {

TEST(ParseQueryAnswerTest, ReadsTheParquetFormat) {
  ASSERT_OK_AND_ASSIGN(RemoteSnapshot snapshot,
                       ParseQueryAnswer(R"({"protocol":{"minReaderVersion":1}}
{"metaData":{"id":"t","format":{"provider":"parquet"},"schemaString":"{}","partitionColumns":["m"]}}
{"file":{"url":"http://x/f","id":"f1","size":10,"partitionValues":{"m":"1"}}}
{"add":{"url":"http://x/g","id":"g1","size":20,"partitionValues":{"m":null},"version":3,"timestamp":1}}
)",
                                        "test"));
  EXPECT_EQ(snapshot.format, "parquet");
  ASSERT_EQ(snapshot.files.size(), 2u);
  EXPECT_EQ(snapshot.files[0].action, "file");
  EXPECT_EQ(snapshot.files[0].partition_values.at("m"), "1");
  EXPECT_EQ(snapshot.files[1].action, "add");
  EXPECT_EQ(snapshot.files[1].version, 3);
  EXPECT_EQ(snapshot.files[1].partition_values.at("m"), std::nullopt);
  EXPECT_TRUE(snapshot.files[1].delta_action.is_null());
}

TEST(ParseQueryAnswerTest, ReadsTheDeltaFormatWithItsActionsVerbatim) {
  ASSERT_OK_AND_ASSIGN(
      RemoteSnapshot snapshot,
      ParseQueryAnswer(
          R"({"protocol":{"deltaProtocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors"]}}}
{"metaData":{"deltaMetadata":{"id":"t","format":{"provider":"parquet"},"schemaString":"{}","partitionColumns":[],"configuration":{"delta.enableDeletionVectors":"true"}},"version":4}}
{"file":{"id":"f1","expirationTimestamp":99,"deltaSingleAction":{"add":{"path":"http://x/f","size":10,"partitionValues":{},"deletionVector":{"storageType":"p","pathOrInlineDv":"http://x/dv","offset":1,"sizeInBytes":34,"cardinality":2}}}}}
{"file":{"id":"f2","version":5,"deltaSingleAction":{"cdc":{"path":"http://x/c","size":7,"partitionValues":{}}}}}
)",
          "test"));
  EXPECT_EQ(snapshot.format, "delta");
  EXPECT_EQ(snapshot.protocol.value("minReaderVersion", 0), 3);
  EXPECT_EQ(snapshot.metadata.value("id", ""), "t");
  EXPECT_EQ(snapshot.version, 4);
  ASSERT_EQ(snapshot.files.size(), 2u);
  EXPECT_EQ(snapshot.files[0].action, "add");
  EXPECT_EQ(snapshot.files[0].url, "http://x/f");
  EXPECT_EQ(snapshot.files[0].size, 10);
  EXPECT_EQ(snapshot.files[0].expiration_ms, 99);
  EXPECT_EQ(snapshot.files[0].delta_action["deletionVector"]["cardinality"], 2);
  EXPECT_EQ(snapshot.files[1].action, "cdf");
  EXPECT_EQ(snapshot.files[1].version, 5);
}

TEST(ParseQueryAnswerTest, MalformedDeltaLinesAreCorruption) {
  const std::string head =
      R"({"protocol":{"deltaProtocol":{"minReaderVersion":1,"minWriterVersion":2}}}
{"metaData":{"deltaMetadata":{"id":"t"}}}
)";
  for (const char* line :
       {R"({"file":{"id":"f","deltaSingleAction":{"add":{"size":1}}}})",
        R"({"file":{"id":"f","deltaSingleAction":{"add":{"path":"u","size":-1}}}})",
        R"({"file":{"deltaSingleAction":{"add":{"path":"u","size":1}}}})",
        R"({"file":{"id":"f","deltaSingleAction":{"metaData":{}}}})",
        R"({"file":{"id":"f","deltaSingleAction":{"add":{},"remove":{}}}})",
        R"({"file":{"id":"f","deltaSingleAction":[]}})"}) {
    auto parsed = ParseQueryAnswer(head + line + "\n", "server");
    EXPECT_EQ(parsed.status().code(), StatusCode::kCorruption) << line;
  }
  auto bad_protocol = ParseQueryAnswer(R"({"protocol":{"deltaProtocol":5}})", "server");
  EXPECT_EQ(bad_protocol.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace tessera::sharing
