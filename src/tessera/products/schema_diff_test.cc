#include "tessera/products/schema_diff.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::products {
namespace {

catalog::CatalogTable Table(const std::string& name,
                            std::vector<std::pair<std::string, std::string>> columns) {
  catalog::CatalogTable t;
  t.name = name;
  for (auto& [column, type] : columns)
    t.columns.push_back({column, type, "", true, "", false});
  return t;
}

Semver V(const char* text) { return ParseSemver(text).ValueOr(Semver{}); }

TEST(SchemaDiffTest, FindsEveryKindOfChange) {
  auto changes =
      DiffSchemas({Table("a", {{"id", "INTEGER"}, {"name", "VARCHAR"}, {"score", "DOUBLE"}}),
                   Table("gone", {{"x", "INTEGER"}})},
                  {Table("a", {{"id", "BIGINT"}, {"score", "FLOAT"}, {"extra", "DATE"}}),
                   Table("new", {{"y", "INTEGER"}})});
  std::vector<std::string> text;
  for (const auto& c : changes)
    text.push_back(c.ToString() + (c.Breaking() ? " !" : ""));
  EXPECT_EQ(text, (std::vector<std::string>{
                      "- column a.name VARCHAR !",
                      "~ column a.id INTEGER -> BIGINT (widened)",
                      "~ column a.score DOUBLE -> FLOAT !",
                      "+ column a.extra DATE",
                      "+ table new",
                      "- table gone !",
                  }));
}

TEST(SchemaDiffTest, VersionBumpsFollowSemanticVersioning) {
  std::vector<SchemaChange> none;
  std::vector<SchemaChange> added = {{ChangeKind::kColumnAdded, "t", "c", "", "INTEGER"}};
  std::vector<SchemaChange> dropped = {{ChangeKind::kColumnRemoved, "t", "c", "INTEGER", ""}};
  // Same schema: any version not older, including the same one (new data).
  EXPECT_OK(CheckVersionBump(V("1.2.0"), V("1.2.0"), none));
  EXPECT_OK(CheckVersionBump(V("1.2.0"), V("1.2.1"), none));
  Status older = CheckVersionBump(V("1.2.0"), V("1.1.9"), none);
  EXPECT_EQ(older.message(), "version 1.1.9 is older than the published 1.2.0");
  // Additive: a minor bump at least.
  EXPECT_EQ(CheckVersionBump(V("1.2.0"), V("1.2.1"), added).message(),
            "schema change '+ column t.c INTEGER' needs at least a new minor version (published "
            "1.2.0, this is 1.2.1; try 1.3.0)");
  EXPECT_OK(CheckVersionBump(V("1.2.0"), V("1.3.0"), added));
  EXPECT_OK(CheckVersionBump(V("1.2.0"), V("2.0.0"), added));
  // Breaking: a major bump.
  EXPECT_EQ(CheckVersionBump(V("1.2.0"), V("1.3.0"), dropped).message(),
            "breaking change '- column t.c INTEGER' needs a new major version (published 1.2.0, "
            "this is 1.3.0; try 2.0.0)");
  EXPECT_OK(CheckVersionBump(V("1.2.0"), V("2.0.0"), dropped));
}

}  // namespace
}  // namespace tessera::products
