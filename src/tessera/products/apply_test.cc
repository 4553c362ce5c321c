#include "tessera/products/apply.h"

#include <gtest/gtest.h>

#include "tessera/delta/snapshot.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/delta_functions.h"
#include "tessera/engine/delta_writer.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::products {
namespace {

constexpr const char* kAirports = R"(domain: ref
name: airports
version: 1.0.0
owner: geo
tables:
  - name: airports
    source:
      files: airports.csv
    columns:
      - name: iata
        type: varchar
        primary_key: true
      - name: state
        type: varchar
contract:
  rules:
    - type: row_count
      min: 2
      severity: warn
)";

class ApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, engine::Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, engine::Connection::Open(*database_));
    reader_ = std::make_unique<engine::DuckdbCheckpointReader>(*database_);
    ASSERT_OK(engine::RegisterDeltaFunctions(connection_->handle(), fs_, *reader_));
    ASSERT_OK_AND_ASSIGN(store_, catalog::ProductStore::Open(dir_.path()));
  }

  Result<ApplyReport> ApplyText(const std::string& yaml, bool dry_run = false,
                                bool full_rebuild = false) {
    TESSERA_ASSIGN_OR_RETURN(ProductDescriptor d,
                             ParseDescriptor(yaml, "product.yaml", dir_.path()));
    // What consumers see, as the CLI session attaches it.
    TESSERA_ASSIGN_OR_RETURN(engine::TablePins pins, store_->Pins());
    TESSERA_RETURN_NOT_OK(engine::AttachDataDir(*connection_, dir_.path(), std::nullopt, &pins));
    ApplyContext context;
    context.connection = connection_.get();
    context.storage = &fs_;
    context.reader = reader_.get();
    context.store = store_.get();
    context.data_dir = dir_.path();
    context.dry_run = dry_run;
    context.full_rebuild = full_rebuild;
    return Apply(d, context);
  }

  int64_t LatestDeltaVersion(const std::string& table) {
    auto snapshot = delta::Snapshot::Load(fs_, reader_.get(),
                                          dir_.Sub("tables/ref/airports/" + table), std::nullopt);
    return snapshot.ok() ? (*snapshot)->version() : -1;
  }

  std::string Query(const std::string& sql) {
    auto pins = store_->Pins();
    EXPECT_TRUE(pins.ok());
    EXPECT_OK(engine::AttachDataDir(*connection_, dir_.path(), std::nullopt, &*pins));
    auto value = connection_->QueryScalarString(sql);
    return value.ok() ? value->value_or("NULL") : "error: " + value.status().message();
  }

  testing::TempDir dir_;
  storage::LocalStorage& fs_ = storage::LocalStorage::Instance();
  std::unique_ptr<engine::DuckdbCheckpointReader> reader_;
  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::Connection> connection_;
  std::unique_ptr<catalog::ProductStore> store_;
};

TEST_F(ApplyTest, PublishesReappliesAndBlocksOnFailedRules) {
  testing::WriteFile(dir_.Sub("airports.csv"), "IATA,state\nSEA,WA\nLAX,CA\n");
  ASSERT_OK_AND_ASSIGN(ApplyReport first, ApplyText(kAirports));
  EXPECT_TRUE(first.published);
  EXPECT_TRUE(first.blocked_by.empty());
  ASSERT_EQ(first.tables.size(), 1u);
  EXPECT_EQ(first.tables[0].rows, 2);
  EXPECT_EQ(first.tables[0].delta_version, 0);
  // Declared: not_null and unique from the primary key, plus the contract's row_count.
  ASSERT_EQ(first.rules.size(), 3u);
  for (const RuleResult& r : first.rules)
    EXPECT_TRUE(r.passed) << r.name << ": " << r.error;
  ASSERT_EQ(first.lineage.size(), 1u);
  EXPECT_EQ(first.lineage[0].input_name, dir_.Sub("airports.csv"));

  // New data, same schema and version: a new revision.
  testing::WriteFile(dir_.Sub("airports.csv"), "IATA,state\nSEA,WA\nLAX,CA\nJFK,NY\n");
  ASSERT_OK_AND_ASSIGN(ApplyReport second, ApplyText(kAirports));
  EXPECT_TRUE(second.published);
  EXPECT_EQ(second.tables[0].previous_rows, std::optional<int64_t>(2));
  EXPECT_EQ(second.tables[0].delta_version, 1);
  EXPECT_GT(second.revision, first.revision);

  // A duplicate key fails the primary key rule: nothing is written, the catalog stays.
  testing::WriteFile(dir_.Sub("airports.csv"), "IATA,state\nSEA,WA\nSEA,XX\n");
  ASSERT_OK_AND_ASSIGN(ApplyReport blocked, ApplyText(kAirports));
  EXPECT_FALSE(blocked.published);
  EXPECT_EQ(blocked.blocked_by, "1 error rule failed: primary_key_airports");
  EXPECT_EQ(LatestDeltaVersion("airports"), 1);
  ASSERT_OK_AND_ASSIGN(catalog::ProductVersion current, store_->Current("ref", "airports"));
  EXPECT_EQ(current.revision, second.revision);
  EXPECT_EQ(Query("SELECT count(*) FROM ref.airports.airports"), "3");
}

TEST_F(ApplyTest, SchemaChangesNeedTheRightVersionBump) {
  testing::WriteFile(dir_.Sub("airports.csv"), "IATA,state,name\nSEA,WA,Seattle\nLAX,CA,LA\n");
  ASSERT_OK(ApplyText(kAirports).status());
  std::string with_name = std::string(kAirports) + "";
  with_name.replace(with_name.find("      - name: state\n        type: varchar\n"),
                    std::string("      - name: state\n        type: varchar\n").size(),
                    "      - name: state\n        type: varchar\n      - name: name\n"
                    "        type: varchar\n");
  auto refused = ApplyText(with_name);
  EXPECT_EQ(refused.status().message(),
            "product.yaml: schema change '+ column airports.name VARCHAR' needs at least a new "
            "minor version (published 1.0.0, this is 1.0.0; try 1.1.0)");
  EXPECT_EQ(LatestDeltaVersion("airports"), 0);
  with_name.replace(with_name.find("1.0.0"), 5, "1.1.0");
  ASSERT_OK_AND_ASSIGN(ApplyReport added, ApplyText(with_name));
  EXPECT_TRUE(added.published);
  ASSERT_EQ(added.changes.size(), 1u);
  EXPECT_EQ(Query("SELECT name FROM delta_scan('" + dir_.Sub("tables/ref/airports/airports") +
                  "') WHERE iata = 'SEA'"),
            "Seattle");
}

TEST_F(ApplyTest, DerivedProductsReadPublishedVersionsAndRecordLineage) {
  testing::WriteFile(dir_.Sub("airports.csv"), "IATA,state\nSEA,WA\nLAX,CA\nSFO,CA\n");
  ASSERT_OK(ApplyText(kAirports).status());
  const std::string derived = R"(domain: geo
name: states
version: 1.0.0
tables:
  - name: by_state
    source:
      sql: SELECT state, count(*) AS airports FROM ref.airports.airports GROUP BY state
contract:
  rules:
    - type: range
      column: airports
      min: 1
)";
  ASSERT_OK_AND_ASSIGN(ApplyReport report, ApplyText(derived));
  EXPECT_TRUE(report.published);
  ASSERT_EQ(report.lineage.size(), 1u);
  EXPECT_EQ(report.lineage[0].input_kind, "table");
  EXPECT_EQ(report.lineage[0].input_name, "ref.airports.airports");
  EXPECT_EQ(report.lineage[0].input_version, "0");
  EXPECT_EQ(Query("SELECT airports FROM geo.states.by_state WHERE state = 'CA'"), "2");
}

TEST_F(ApplyTest, DryRunAndBadSourcesPublishNothing) {
  testing::WriteFile(dir_.Sub("airports.csv"), "IATA,state\nSEA,WA\n");
  ASSERT_OK_AND_ASSIGN(ApplyReport plan, ApplyText(kAirports, true));
  EXPECT_FALSE(plan.published);
  EXPECT_EQ(plan.tables[0].rows, 1);
  EXPECT_EQ(plan.rules.front().name, "row_count_airports");
  EXPECT_FALSE(plan.rules.front().passed);  // a warning: it does not block
  EXPECT_TRUE(plan.blocked_by.empty());
  EXPECT_EQ(store_->Current("ref", "airports").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(LatestDeltaVersion("airports"), -1);

  testing::WriteFile(dir_.Sub("airports.csv"), "code,state\nSEA,WA\n");
  auto missing = ApplyText(kAirports);
  EXPECT_EQ(missing.status().message(),
            "product.yaml:10:9: table 'airports': its source has no column 'iata' (it has: code, "
            "state)");
  std::filesystem::remove(dir_.Sub("airports.csv"));
  auto unreadable = ApplyText(kAirports);
  EXPECT_EQ(unreadable.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unreadable.status().message().find("product.yaml:8:7: table 'airports': cannot read "
                                               "its source: "),
            std::string::npos)
      << unreadable.status().message();
}

TEST_F(ApplyTest, ReapplyingAddsOnlyNewFilesAndRebuildsWhenOldOnesChange) {
  const std::string parts = R"(domain: ref
name: airports
version: 1.0.0
tables:
  - name: airports
    source:
      files: parts/*.csv
    columns:
      - name: iata
        type: varchar
)";
  std::filesystem::create_directories(dir_.Sub("parts"));
  testing::WriteFile(dir_.Sub("parts/a.csv"), "iata\nSEA\nLAX\n");
  ASSERT_OK_AND_ASSIGN(ApplyReport first, ApplyText(parts));
  EXPECT_EQ(first.tables[0].mode, "full");
  EXPECT_EQ(first.tables[0].full_because, "");  // a first build is simply full

  testing::WriteFile(dir_.Sub("parts/b.csv"), "iata\nJFK\n");
  ASSERT_OK_AND_ASSIGN(ApplyReport added, ApplyText(parts));
  EXPECT_EQ(added.tables[0].mode, "append");
  EXPECT_EQ(added.tables[0].added_rows, 1);
  EXPECT_EQ(added.tables[0].read_changes, "1 new file");
  EXPECT_EQ(added.tables[0].rows, 3);
  EXPECT_EQ(added.tables[0].delta_version, 1);
  EXPECT_EQ(Query("SELECT string_agg(iata, ',' ORDER BY iata) FROM ref.airports.airports"),
            "JFK,LAX,SEA");

  // Nothing new: a new revision, no new Delta version.
  ASSERT_OK_AND_ASSIGN(ApplyReport same, ApplyText(parts));
  EXPECT_EQ(same.tables[0].mode, "unchanged");
  EXPECT_EQ(same.tables[0].delta_version, 1);
  EXPECT_EQ(same.tables[0].rows, 3);
  EXPECT_GT(same.revision, added.revision);
  EXPECT_EQ(LatestDeltaVersion("airports"), 1);

  // A file read before changed: everything is read again.
  testing::WriteFile(dir_.Sub("parts/a.csv"), "iata\nSEA\nLAX\nBOS\n");
  ASSERT_OK_AND_ASSIGN(ApplyReport changed, ApplyText(parts));
  EXPECT_EQ(changed.tables[0].mode, "full");
  EXPECT_EQ(changed.tables[0].full_because, dir_.Sub("parts/a.csv") + " changed or went away");
  EXPECT_EQ(Query("SELECT count(*) FROM ref.airports.airports"), "4");

  ASSERT_OK_AND_ASSIGN(ApplyReport forced, ApplyText(parts, false, true));
  EXPECT_EQ(forced.tables[0].full_because, "a full rebuild was asked for");

  // A commit that was never published (an apply killed before its catalog commit) is not
  // appended to: the next build replaces it.
  engine::WriteRequest stray;
  stray.table_root = dir_.Sub("tables/ref/airports/airports");
  stray.query = "SELECT 'XXX' AS iata";
  ASSERT_OK(engine::WriteQuery(*connection_, fs_, *reader_, stray).status());
  testing::WriteFile(dir_.Sub("parts/c.csv"), "iata\nORD\n");
  ASSERT_OK_AND_ASSIGN(ApplyReport after_crash, ApplyText(parts));
  EXPECT_EQ(after_crash.tables[0].mode, "full");
  EXPECT_NE(after_crash.tables[0].full_because.find("never published"), std::string::npos);
  EXPECT_EQ(Query("SELECT count(*) FILTER (iata = 'XXX') || '/' || count(*) FROM "
                  "ref.airports.airports"),
            "0/5");
}

TEST_F(ApplyTest, AggregatesAndChangedDefinitionsAreRebuiltInFullAndSaySo) {
  testing::WriteFile(dir_.Sub("airports.csv"), "IATA,state\nSEA,WA\nLAX,CA\n");
  ASSERT_OK(ApplyText(kAirports).status());
  const std::string derived = R"(domain: geo
name: states
version: 1.0.0
tables:
  - name: by_state
    source:
      sql: SELECT state, count(*) AS airports FROM ref.airports.airports GROUP BY state
)";
  ASSERT_OK(ApplyText(derived).status());
  ASSERT_OK_AND_ASSIGN(ApplyReport again, ApplyText(derived));
  EXPECT_EQ(again.tables[0].mode, "full");
  EXPECT_EQ(again.tables[0].full_because, "its query is not row by row (it has GROUP BY)");
  std::string renamed = derived;
  renamed.replace(renamed.find("AS airports"), 11, "AS n");
  renamed.replace(renamed.find("1.0.0"), 5, "2.0.0");
  ASSERT_OK_AND_ASSIGN(ApplyReport redefined, ApplyText(renamed));
  EXPECT_EQ(redefined.tables[0].full_because, "its definition changed");
}

}  // namespace
}  // namespace tessera::products
