#include "tessera/catalog/product_store.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

// Designated initializers name only the fields a case needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace tessera::catalog {
namespace {

ProductVersion Version(const std::string& semver, int64_t delta_version) {
  ProductVersion v;
  v.domain = "flights";
  v.name = "monthly";
  v.version = semver;
  v.description = "flights by month";
  v.owner_team = "ops";
  v.tags = {"flights", "delays"};
  v.descriptor = "domain: flights\n";
  CatalogTable table;
  table.name = "flights";
  table.delta_version = delta_version;
  table.rows = 10;
  table.columns = {{"month", "INTEGER", "month of year", false, "public", true},
                   {"delay", "DOUBLE", "", true, "", false}};
  v.tables = {table};
  v.lineage = {{"flights", "files", "/data/flights.parquet", ""}};
  v.quality_json = R"([{"name":"not_null_flights_month","passed":true}])";
  return v;
}

TEST(ProductStoreTest, PublishesVersionsAndPinsTheirTables) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, ProductStore::Open(dir.path()));
  EXPECT_EQ(store->Current("flights", "monthly").status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(int64_t first, store->Publish(Version("1.0.0", 0), std::nullopt));
  // A second publish must name the revision it built on.
  EXPECT_EQ(store->Publish(Version("1.0.1", 1), std::nullopt).status().code(),
            StatusCode::kConflict);
  EXPECT_EQ(store->Publish(Version("1.0.1", 1), first + 7).status().code(), StatusCode::kConflict);
  ASSERT_OK_AND_ASSIGN(int64_t second, store->Publish(Version("1.0.1", 1), first));
  EXPECT_GT(second, first);

  ASSERT_OK_AND_ASSIGN(ProductVersion current, store->Current("flights", "monthly"));
  EXPECT_EQ(current.version, "1.0.1");
  EXPECT_EQ(current.revision, second);
  ASSERT_EQ(current.tables.size(), 1u);
  EXPECT_EQ(current.tables[0].delta_version, 1);
  ASSERT_EQ(current.tables[0].columns.size(), 2u);
  EXPECT_EQ(current.tables[0].columns[0].name, "month");
  EXPECT_TRUE(current.tables[0].columns[0].primary_key);
  EXPECT_FALSE(current.tables[0].columns[0].nullable);
  EXPECT_EQ(current.tags, (std::vector<std::string>{"flights", "delays"}));
  ASSERT_EQ(current.lineage.size(), 1u);
  EXPECT_EQ(current.lineage[0].input_name, "/data/flights.parquet");

  ASSERT_OK_AND_ASSIGN(ProductVersion old, store->Revision("flights", "monthly", first));
  EXPECT_EQ(old.version, "1.0.0");
  EXPECT_EQ(old.tables[0].delta_version, 0);
  EXPECT_EQ(store->Revision("flights", "monthly", 999).status().code(), StatusCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(auto history, store->History("flights", "monthly"));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].revision, second);
  ASSERT_OK_AND_ASSIGN(auto list, store->List());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].version, "1.0.1");
  EXPECT_EQ(list[0].tables, 1);

  // Pins: the current revision's table at its version; other tables of the product hidden.
  ASSERT_OK_AND_ASSIGN(engine::TablePins pins, store->Pins());
  EXPECT_EQ(pins.VersionOf({"flights", "monthly", "flights"}), std::optional<int64_t>(1));
  EXPECT_FALSE(pins.Visible({"flights", "monthly", "dropped"}));
  EXPECT_TRUE(pins.Visible({"other", "product", "table"}));
  EXPECT_EQ(pins.VersionOf({"other", "product", "table"}), std::nullopt);
}

TEST(ProductStoreTest, SearchRanksFiltersAndIgnoresQuerySyntax) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, ProductStore::Open(dir.path()));
  ProductVersion flights = Version("1.0.0", 0);  // flights.monthly, "flights by month"
  ASSERT_OK(store->Publish(flights, std::nullopt).status());
  ProductVersion airports;
  airports.domain = "reference";
  airports.name = "airports";
  airports.version = "2.0.0";
  airports.description = "Airports and the delays reported at each";
  airports.owner_team = "geo";
  airports.tags = {"reference"};
  CatalogTable table;
  table.name = "airports";
  table.columns = {{"iata", "VARCHAR", "airport code", false, "public", true},
                   {"manager_email", "VARCHAR", "who runs it", true, "pii", false}};
  airports.tables = {table};
  ASSERT_OK(store->Publish(airports, std::nullopt).status());

  auto names = [&](SearchQuery query) {
    std::vector<std::string> out;
    auto hits = store->Search(query);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    for (const SearchHit& h : hits.ValueOr({}))
      out.push_back(h.domain + "." + h.name + (h.deprecated ? " (deprecated)" : ""));
    return out;
  };
  // Stemmed words ("delays" finds "delay"), the last one a prefix; names outrank descriptions.
  EXPECT_EQ(names({.text = "airp"}), (std::vector<std::string>{"reference.airports"}));
  EXPECT_TRUE(names({.text = "airp delays"}).empty());  // only the last word is a prefix
  EXPECT_EQ(names({.text = "delays airp"}), (std::vector<std::string>{"reference.airports"}));
  EXPECT_EQ(names({.text = "airport"}), (std::vector<std::string>{"reference.airports"}));
  EXPECT_EQ(names({.text = "month"}), (std::vector<std::string>{"flights.monthly"}));
  EXPECT_EQ(names({.text = "delays"}).size(), 2u);
  EXPECT_EQ(names({.text = "delay airport"}), (std::vector<std::string>{"reference.airports"}));
  // Columns, owners and tags are searched; filters narrow.
  EXPECT_EQ(names({.text = "iata"}), (std::vector<std::string>{"reference.airports"}));
  EXPECT_EQ(names({.classification = "pii"}), (std::vector<std::string>{"reference.airports"}));
  EXPECT_EQ(names({.tag = "flights"}), (std::vector<std::string>{"flights.monthly"}));
  EXPECT_EQ(names({.owner = "geo"}), (std::vector<std::string>{"reference.airports"}));
  EXPECT_EQ(names({.text = "delay", .domain = "flights"}),
            (std::vector<std::string>{"flights.monthly"}));
  EXPECT_TRUE(names({.text = "nothing-like-this"}).empty());
  // FTS5 syntax in the text is just words.
  EXPECT_TRUE(names({.text = "\"unbalanced OR NEAR( *"}).empty());
  EXPECT_EQ(names({.text = "airports\" OR \"x"}), (std::vector<std::string>{}));
  // Deprecated products still show, last.
  ASSERT_OK(store->SetDeprecated("reference", "airports", true, "use geo.airports"));
  EXPECT_EQ(names({.text = "delay"}),
            (std::vector<std::string>{"flights.monthly", "reference.airports (deprecated)"}));
  EXPECT_EQ(store->Search({.limit = 0}).status().code(), StatusCode::kInvalidArgument);
  // Deleted products are gone from search.
  ASSERT_OK(store->Delete("reference", "airports"));
  EXPECT_TRUE(names({.text = "iata"}).empty());
  EXPECT_EQ(store->Delete("reference", "airports").code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace tessera::catalog
