#include "tessera/delta/schema.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

TEST(ParseSchemaTest, ParsesEveryKindOfType) {
  ASSERT_OK_AND_ASSIGN(Schema schema, ParseSchema(R"j({"type":"struct","fields":[
        {"name":"a","type":"long","nullable":false,"metadata":{"comment":"the key","delta.columnMapping.id":3,"delta.columnMapping.physicalName":"col-x"}},
        {"name":"d","type":"decimal(38,36)","nullable":true,"metadata":{}},
        {"name":"s","type":{"type":"struct","fields":[{"name":"x","type":"timestamp_ntz","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}},
        {"name":"l","type":{"type":"array","elementType":"string","containsNull":false},"nullable":true,"metadata":{}},
        {"name":"m","type":{"type":"map","keyType":"integer","valueType":{"type":"array","elementType":"double","containsNull":true},"valueContainsNull":true},"nullable":true,"metadata":{}}]})j"));
  ASSERT_EQ(schema.fields.size(), 5u);
  EXPECT_FALSE(schema.fields[0].nullable);
  EXPECT_EQ(schema.fields[0].PhysicalName(), "col-x");
  EXPECT_EQ(schema.fields[0].FieldId(), 3);
  EXPECT_EQ(schema.fields[0].Comment(), "the key");
  EXPECT_EQ(schema.fields[1].type.ToString(), "decimal(38,36)");
  EXPECT_EQ(schema.fields[2].type.fields[0].type.name, "timestamp_ntz");
  EXPECT_FALSE(schema.fields[3].type.contains_null);
  EXPECT_EQ(schema.fields[4].type.value->element->name, "double");
  EXPECT_EQ(schema.Find("M"), &schema.fields[4]);
  // Serialising and parsing again gives the same schema.
  ASSERT_OK_AND_ASSIGN(Schema again, ParseSchema(SchemaToString(schema)));
  EXPECT_EQ(SchemaToString(again), SchemaToString(schema));
}

TEST(ParseSchemaTest, RejectsMalformedSchemas) {
  for (const char* bad :
       {R"j({"type":"struct"})j", R"j({"type":"array"})j", R"("long")",
        R"j({"type":"struct","fields":[{"name":"a"}]})j",
        R"j({"type":"struct","fields":[{"name":"a","type":"decimal(39,0)"}]})j",
        R"j({"type":"struct","fields":[{"name":"a","type":"decimal(5,6)"}]})j",
        R"j({"type":"struct","fields":[{"name":"a","type":"int128"}]})j", "not json"}) {
    EXPECT_EQ(ParseSchema(bad).status().code(), StatusCode::kCorruption) << bad;
  }
  auto dup = ParseSchema(
      R"j({"type":"struct","fields":[{"name":"a","type":"long"},{"name":"A","type":"long"}]})j");
  EXPECT_EQ(dup.status().code(), StatusCode::kUnsupported);
  std::string deep = R"j({"type":"struct","fields":[{"name":"a","type":)j";
  for (int i = 0; i < 70; ++i)
    deep += R"j({"type":"array","elementType":)j";
  deep += "\"long\"";
  for (int i = 0; i < 70; ++i)
    deep += "}";
  deep += "}]}";
  EXPECT_EQ(ParseSchema(deep).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace tessera::delta
