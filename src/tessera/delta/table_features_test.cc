#include "tessera/delta/table_features.h"

#include <gtest/gtest.h>

namespace tessera::delta {
namespace {

Metadata WithSchema(const std::string& fields) {
  Metadata m;
  m.schema_string = R"({"type":"struct","fields":[)" + fields + "]}";
  return m;
}

TEST(TableFeaturesTest, ReadGating) {
  EXPECT_TRUE(CheckReadSupported({1, 2, std::nullopt, std::nullopt}).ok());
  EXPECT_TRUE(CheckReadSupported(
                  {3, 7,
                   std::vector<std::string>{"deletionVectors", "columnMapping", "timestampNtz",
                                            "v2Checkpoint", "vacuumProtocolCheck", "typeWidening"},
                   std::nullopt})
                  .ok());
  Status unknown =
      CheckReadSupported({3, 7, std::vector<std::string>{"variantType"}, std::nullopt});
  EXPECT_EQ(unknown.code(), StatusCode::kUnsupported);
  EXPECT_EQ(unknown.message(),
            "table uses reader feature 'variantType', which tessera does not support");
  EXPECT_EQ(CheckReadSupported({4, 7, std::nullopt, std::nullopt}).code(),
            StatusCode::kUnsupported);
  EXPECT_EQ(CheckReadSupported({0, 2, std::nullopt, std::nullopt}).code(),
            StatusCode::kUnsupported);
}

TEST(TableFeaturesTest, WriteGatingRefusesFeaturesInUse) {
  std::string plain = R"({"name":"a","type":"long","nullable":true,"metadata":{}})";
  EXPECT_TRUE(CheckWriteSupported({1, 2, std::nullopt, std::nullopt}, WithSchema(plain)).ok());
  std::string invariant =
      R"({"name":"a","type":"long","nullable":true,"metadata":{"delta.invariants":"{\"expression\":{\"expression\":\"a > 0\"}}"}})";
  EXPECT_EQ(CheckWriteSupported({1, 2, std::nullopt, std::nullopt}, WithSchema(invariant)).code(),
            StatusCode::kUnsupported);
  Metadata constrained = WithSchema(plain);
  constrained.configuration["delta.constraints.positive"] = "a > 0";
  EXPECT_EQ(CheckWriteSupported({1, 3, std::nullopt, std::nullopt}, constrained).message(),
            "table has CHECK constraint 'positive', which tessera cannot enforce");
  EXPECT_EQ(CheckWriteSupported({3, 7, std::nullopt, std::vector<std::string>{"catalogManaged"}},
                                WithSchema(plain))
                .code(),
            StatusCode::kUnsupported);
}

TEST(TableFeaturesTest, ColumnMappingNeedsProtocolSupport) {
  Metadata m = WithSchema(R"({"name":"a","type":"long","nullable":true,"metadata":{}})");
  m.configuration["delta.columnMapping.mode"] = "name";
  EXPECT_EQ(*GetColumnMappingMode({1, 2, std::nullopt, std::nullopt}, m), ColumnMappingMode::kNone);
  EXPECT_EQ(*GetColumnMappingMode({2, 5, std::nullopt, std::nullopt}, m), ColumnMappingMode::kName);
  EXPECT_EQ(
      *GetColumnMappingMode({3, 7, std::vector<std::string>{"columnMapping"}, std::nullopt}, m),
      ColumnMappingMode::kName);
  m.configuration["delta.columnMapping.mode"] = "weird";
  EXPECT_EQ(GetColumnMappingMode({2, 5, std::nullopt, std::nullopt}, m).status().code(),
            StatusCode::kUnsupported);
  EXPECT_TRUE(HasWriterFeature({1, 4, std::nullopt, std::nullopt}, "changeDataFeed"));
  EXPECT_FALSE(HasWriterFeature({1, 3, std::nullopt, std::nullopt}, "changeDataFeed"));
}

}  // namespace
}  // namespace tessera::delta
