#include "tessera/delta/table_properties.h"

#include <gtest/gtest.h>

#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

TEST(SetTablePropertiesTest, EnablingChangeFeedUpgradesTheProtocolMinimally) {
  testing::TempDir dir;
  auto& fs = storage::LocalStorage::Instance();
  std::string root = dir.Sub("t");
  Transaction create(root, nullptr);
  create.SetProtocol(Protocol{1, 2, std::nullopt, std::nullopt});
  Metadata m;
  m.id = "x";
  m.schema_string =
      R"({"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}}]})";
  create.SetMetadata(m);
  ASSERT_OK(create.Commit(fs).status());
  ASSERT_OK_AND_ASSIGN(auto v0, Snapshot::Load(fs, nullptr, root, std::nullopt));
  ASSERT_OK(
      SetTableProperties(fs, v0, {{"delta.enableChangeDataFeed", "true"}, {"owner", "team-a"}}, {})
          .status());
  ASSERT_OK_AND_ASSIGN(auto v1, Snapshot::Load(fs, nullptr, root, std::nullopt));
  EXPECT_EQ(v1->protocol().min_reader_version, 1);
  EXPECT_EQ(v1->protocol().min_writer_version, 4);
  EXPECT_EQ(v1->metadata().configuration.at("owner"), "team-a");
  EXPECT_EQ(v1->metadata().id, "x");
  ASSERT_OK(SetTableProperties(fs, v1, {}, {"owner"}).status());
  ASSERT_OK_AND_ASSIGN(auto v2, Snapshot::Load(fs, nullptr, root, std::nullopt));
  EXPECT_EQ(v2->metadata().configuration.count("owner"), 0u);
  EXPECT_EQ(v2->protocol().min_writer_version, 4);

  EXPECT_EQ(SetTableProperties(fs, v2, {{"delta.enableChangeDataFeed", "yes"}}, {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SetTableProperties(fs, v2, {{"delta.enableRowTracking", "true"}}, {}).status().code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(SetTableProperties(fs, v2, {{"delta.checkpointInterval", "0"}}, {}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::delta
