#include "tessera/engine/row_wise.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

class RowWiseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, Connection::Open(*database_));
  }

  std::string Why(const std::string& sql) {
    auto why = WhyNotRowWise(*connection_, sql);
    return why.ok() ? *why : "error: " + why.status().message();
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(RowWiseTest, ProjectionsFiltersAndUnionAllAreRowWise) {
  EXPECT_EQ(Why("SELECT * FROM east.h1.flights"), "");
  EXPECT_EQ(Why("SELECT date, delay + 1 AS d, upper(origin) FROM east.h1.flights "
                "WHERE delay > 10 AND origin IN ('SFO', 'LAX')"),
            "");
  EXPECT_EQ(Why("SELECT date, delay FROM east.h1.flights UNION ALL "
                "SELECT date, delay FROM west.h2.flights UNION ALL SELECT date, delay FROM x.y.z"),
            "");
  EXPECT_EQ(Why("SELECT CASE WHEN delay > 0 THEN 'late' ELSE 'early' END FROM t"), "");
}

TEST_F(RowWiseTest, AnythingThatLooksAcrossRowsIsNot) {
  EXPECT_EQ(Why("SELECT origin, count(*) FROM t GROUP BY origin"), "it has GROUP BY");
  EXPECT_EQ(Why("SELECT origin, count(*) FROM t GROUP BY ALL"), "it has GROUP BY ALL");
  EXPECT_EQ(Why("SELECT count(*) FROM t"), "it uses the aggregate function count_star");
  EXPECT_EQ(Why("SELECT avg(delay) FROM t"), "it uses the aggregate function avg");
  EXPECT_EQ(Why("SELECT sum(delay) OVER () FROM t"), "it uses a window function");
  EXPECT_EQ(Why("SELECT DISTINCT origin FROM t"), "it has DISTINCT, ORDER BY or LIMIT");
  EXPECT_EQ(Why("SELECT * FROM t ORDER BY 1"), "it has DISTINCT, ORDER BY or LIMIT");
  EXPECT_EQ(Why("SELECT * FROM t LIMIT 5"), "it has DISTINCT, ORDER BY or LIMIT");
  EXPECT_EQ(Why("SELECT * FROM t UNION SELECT * FROM u"),
            "it combines SELECTs other than by UNION ALL");
  EXPECT_EQ(Why("SELECT * FROM t EXCEPT ALL SELECT * FROM u"),
            "it combines SELECTs other than by UNION ALL");
  EXPECT_NE(Why("SELECT * FROM t JOIN u USING (id)").find("exactly one table"), std::string::npos);
  EXPECT_NE(Why("SELECT * FROM (SELECT * FROM t)").find("exactly one table"), std::string::npos);
  EXPECT_NE(Why("SELECT * FROM read_parquet('x.parquet')").find("exactly one table"),
            std::string::npos);
  EXPECT_EQ(Why("SELECT * FROM t WHERE id IN (SELECT id FROM u)"), "it has a subquery");
  EXPECT_EQ(Why("WITH a AS (SELECT 1) SELECT * FROM t"), "it has a WITH clause");
  EXPECT_EQ(Why("SELECT 1"),
            "it does not read exactly one table per SELECT (a join, subquery or table function)");
  EXPECT_EQ(Why("SELECT * FROM t QUALIFY row_number() OVER () = 1"), "it has QUALIFY");
  EXPECT_EQ(Why("SELECT * FROM t; SELECT * FROM u"), "it is not one statement");
  EXPECT_EQ(Why("SELEC nonsense"), "error: not a query DuckDB parses");
}

}  // namespace
}  // namespace tessera::engine
