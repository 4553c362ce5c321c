#include "tessera/engine/column_lineage.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

class ColumnLineageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, Connection::Open(*database_));
    ASSERT_OK(connection_->Execute(
        "ATTACH ':memory:' AS fl; CREATE SCHEMA fl.m;"
        "CREATE TABLE fl.m.flights (origin VARCHAR, delay INTEGER, dist INTEGER);"
        "CREATE TABLE airports (iata VARCHAR, state VARCHAR, name VARCHAR);"));
  }

  std::string Sources(const std::string& sql) {
    auto sources = ColumnSources(*connection_, sql);
    if (!sources.ok())
      return "error: " + sources.status().message();
    std::string text;
    for (const auto& column : *sources) {
      text += "[";
      for (const ColumnSource& s : column)
        text += s.table + "." + s.column + ";";
      text += "]";
    }
    return text;
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(ColumnLineageTest, ResolvesAliasesJoinsAndExpressions) {
  EXPECT_EQ(Sources("SELECT f.origin AS iata, a.name, count(*) AS n, "
                    "round(avg(f.delay) / max(dist), 2) AS x, upper(state) AS s "
                    "FROM fl.m.flights AS f JOIN airports a ON a.iata = f.origin GROUP BY ALL"),
            "[fl.m.flights.origin;][airports.name;][][fl.m.flights.delay;fl.m.flights.dist;]"
            "[airports.state;]");
}

TEST_F(ColumnLineageTest, StarOfOneTableAndUnqualifiedNames) {
  EXPECT_EQ(Sources("SELECT * FROM airports"), "[airports.iata;][airports.state;][airports.name;]");
  EXPECT_EQ(Sources("SELECT origin, 1 AS one FROM fl.m.flights"), "[fl.m.flights.origin;][]");
  EXPECT_EQ(Sources("SELECT fl.m.flights.delay FROM fl.m.flights"), "[fl.m.flights.delay;]");
}

TEST_F(ColumnLineageTest, ClaimsNothingItCannotResolve) {
  // Table functions are not tables of the node; a star among columns does not line up.
  EXPECT_EQ(Sources("SELECT range AS r FROM range(3)"), "[]");
  EXPECT_EQ(Sources("SELECT 1 AS a, * FROM airports"), "[][][][]");
  // An ambiguous unqualified name (both tables would need it) is left out, not guessed.
  ASSERT_OK(connection_->Execute("CREATE TABLE other (state VARCHAR, k INTEGER)"));
  EXPECT_EQ(Sources("SELECT k, upper(o.state) AS s FROM other o, airports"),
            "[other.k;][other.state;]");
  EXPECT_EQ(Sources("WITH c AS (SELECT iata FROM airports) SELECT c.iata FROM c"), "[]");
  EXPECT_EQ(Sources("this is not sql").substr(0, 7), "error: ");
  EXPECT_EQ(Sources("SELECT 1; SELECT 2").substr(0, 7), "error: ");
}

}  // namespace
}  // namespace tessera::engine
