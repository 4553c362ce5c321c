#include "tessera/access/catalog_tables.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::access {
namespace {

catalog::ProductVersion Product(const std::string& domain, const std::string& name) {
  catalog::ProductVersion v;
  v.domain = domain;
  v.name = name;
  v.version = "1.0.0";
  v.owner_team = "team";
  v.tags = {"t"};
  catalog::CatalogTable table;
  table.name = "rows";
  table.columns = {{"id", "BIGINT", "key", false, "pii", true}};
  v.tables = {table};
  v.lineage = {{"rows", "files", "/data/x.csv", ""}};
  v.column_lineage = {{"rows", "id", "/data/x.csv", "id"}};
  v.quality_json = R"([{"name":"r","table":"rows","type":"not_null","severity":"error",)"
                   R"("passed":true,"violations":0}])";
  return v;
}

class CatalogTablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, catalog::ProductStore::Open(dir_.path()));
    ASSERT_OK(store_->Publish(Product("sales", "orders"), std::nullopt).status());
    ASSERT_OK(store_->Publish(Product("hr", "salaries"), std::nullopt).status());
    ASSERT_OK_AND_ASSIGN(database_, engine::Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, engine::Connection::Open(*database_));
  }

  std::string Query(const std::string& sql) {
    auto value = connection_->QueryScalarString(sql);
    return value.ok() ? value->value_or("NULL") : "error: " + value.status().message();
  }

  testing::TempDir dir_;
  std::unique_ptr<catalog::ProductStore> store_;
  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::Connection> connection_;
};

TEST_F(CatalogTablesTest, ViewsShowOnlyVisibleProductsWithTheirDetails) {
  ASSERT_OK(RegisterCatalogTables(
      *connection_, *store_,
      [](const std::string& domain, const std::string&) { return domain == "sales"; }));
  EXPECT_EQ(Query("SELECT string_agg(domain || '.' || name, ',') FROM tessera.products"),
            "sales.orders");
  EXPECT_EQ(Query("SELECT column_name || ' ' || type || ' ' || classification || ' ' || "
                  "primary_key FROM tessera.columns"),
            "id BIGINT pii true");
  EXPECT_EQ(Query("SELECT input FROM tessera.lineage"), "/data/x.csv");
  EXPECT_EQ(Query("SELECT input_column FROM tessera.column_lineage"), "id");
  EXPECT_EQ(Query("SELECT rule || ' ' || passed FROM tessera.quality_runs"), "r true");
  // Each query reads the catalog as it is then.
  ASSERT_OK(store_->Publish(Product("sales", "returns"), std::nullopt).status());
  EXPECT_EQ(Query("SELECT count(*) FROM tessera.products"), "2");
}

TEST_F(CatalogTablesTest, UnknownTableIsAnError) {
  auto json = CatalogTableJson(
      *store_, [](const std::string&, const std::string&) { return true; }, "secrets");
  EXPECT_EQ(json.status().code(), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(
      std::string none,
      CatalogTableJson(
          *store_, [](const std::string&, const std::string&) { return false; }, "products"));
  EXPECT_EQ(none, "[]");
}

}  // namespace
}  // namespace tessera::access
