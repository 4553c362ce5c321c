#include "tessera/ports/pgwire/pg_types.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/engine/database.h"
#include "tessera/testing/test_util.h"

namespace tessera::ports::pgwire {
namespace {

class WireColumnForTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, engine::Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, engine::Connection::Open(*database_));
  }

  // WireColumnFor the type of `SELECT <expression>`.
  WireColumn For(const std::string& expression) {
    auto result = connection_->Query("SELECT " + expression);
    EXPECT_TRUE(result.ok()) << expression << ": " << result.status().ToString();
    if (!result.ok())
      return {};
    auto column = WireColumnFor((*result)->logical_type(0));
    EXPECT_TRUE(column.ok()) << column.status().ToString();
    return column.ok() ? *column : WireColumn{};
  }

  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::Connection> connection_;
};

TEST_F(WireColumnForTest, EveryDuckdbType) {
  struct Expected {
    const char* expression;
    uint32_t oid;
    int16_t typlen;
    int32_t typmod;
    uint32_t element_oid;
    WireProjection projection;
  };
  const auto kNone = WireProjection::kNone;
  const Expected cases[] = {
      {"true", 16, 1, -1, 0, kNone},
      {"1::TINYINT", 21, 2, -1, 0, kNone},
      {"1::SMALLINT", 21, 2, -1, 0, kNone},
      {"1::UTINYINT", 21, 2, -1, 0, kNone},
      {"1::INTEGER", 23, 4, -1, 0, kNone},
      {"1::USMALLINT", 23, 4, -1, 0, kNone},
      {"1::BIGINT", 20, 8, -1, 0, kNone},
      {"1::UINTEGER", 20, 8, -1, 0, kNone},
      {"1::UBIGINT", 1700, -1, -1, 0, kNone},
      {"1::HUGEINT", 1700, -1, -1, 0, kNone},
      {"1::UHUGEINT", 1700, -1, -1, 0, kNone},
      {"1::BIGNUM", 1700, -1, -1, 0, WireProjection::kToVarchar},
      {"1::DECIMAL(12,2)", 1700, -1, 786438, 0, kNone},
      {"1::DECIMAL(38,10)", 1700, -1, (38 << 16 | 10) + 4, 0, kNone},
      {"1::FLOAT", 700, 4, -1, 0, kNone},
      {"1::DOUBLE", 701, 8, -1, 0, kNone},
      {"'x'", 25, -1, -1, 0, kNone},
      {"'{}'::JSON", 114, -1, -1, 0, kNone},
      {"''::BLOB", 17, -1, -1, 0, kNone},
      {"DATE '2024-01-01'", 1082, 4, -1, 0, kNone},
      {"TIME '01:02:03'", 1083, 8, -1, 0, kNone},
      {"'01:02:03+01'::TIMETZ", 1266, 12, -1, 0, kNone},
      {"TIMESTAMP '2024-01-01'", 1114, 8, -1, 0, kNone},
      {"'2024-01-01'::TIMESTAMP_S", 1114, 8, -1, 0, kNone},
      {"'2024-01-01'::TIMESTAMP_MS", 1114, 8, -1, 0, kNone},
      {"'2024-01-01'::TIMESTAMP_NS", 1114, 8, -1, 0, kNone},
      {"TIMESTAMPTZ '2024-01-01 00:00:00+00'", 1184, 8, -1, 0, kNone},
      {"INTERVAL 1 DAY", 1186, 16, -1, 0, kNone},
      {"uuid()", 2950, 16, -1, 0, kNone},
      {"'a'::ENUM('a', 'b')", 25, -1, -1, 0, kNone},
      {"[true]", 1000, -1, -1, 16, kNone},
      {"[1::SMALLINT]", 1005, -1, -1, 21, kNone},
      {"[1]", 1007, -1, -1, 23, kNone},
      {"[1::BIGINT]", 1016, -1, -1, 20, kNone},
      {"[1::FLOAT]", 1021, -1, -1, 700, kNone},
      {"[1::DOUBLE]", 1022, -1, -1, 701, kNone},
      {"['a']", 1009, -1, -1, 25, kNone},
      {"[1::DECIMAL(12,2)]", 1231, -1, 786438, 1700, kNone},
      {"[DATE '2024-01-01']", 1182, -1, -1, 1082, kNone},
      {"[TIMESTAMP '2024-01-01']", 1115, -1, -1, 1114, kNone},
      {"[TIMESTAMPTZ '2024-01-01 00:00:00+00']", 1185, -1, -1, 1184, kNone},
      {"[uuid()]", 2951, -1, -1, 2950, kNone},
      {"[1, 2]::INTEGER[2]", 1007, -1, -1, 23, kNone},
      {"[[1]]", 114, -1, -1, 0, WireProjection::kToJson},
      {"[{'a': 1}]", 114, -1, -1, 0, WireProjection::kToJson},
      {"[1::BIGNUM]", 114, -1, -1, 0, WireProjection::kToJson},
      {"{'a': 1}", 114, -1, -1, 0, WireProjection::kToJson},
      {"MAP {'k': 1}", 114, -1, -1, 0, WireProjection::kToJson},
      {"union_value(n := 1)", 114, -1, -1, 0, WireProjection::kToJson},
      {"'101'::BIT", 1562, -1, -1, 0, WireProjection::kToVarchar},
  };
  for (const Expected& c : cases) {
    SCOPED_TRACE(c.expression);
    WireColumn column = For(c.expression);
    EXPECT_EQ(column.type.oid, c.oid);
    EXPECT_EQ(column.type.typlen, c.typlen);
    EXPECT_EQ(column.type.typmod, c.typmod);
    EXPECT_EQ(column.element_oid, c.element_oid);
    EXPECT_EQ(column.projection, c.projection);
  }
}

TEST_F(WireColumnForTest, InvalidTypeIsUnsupported) {
  duckdb_logical_type invalid = duckdb_create_logical_type(DUCKDB_TYPE_INVALID);
  EXPECT_EQ(WireColumnFor(invalid).status().code(), StatusCode::kUnsupported);
  duckdb_destroy_logical_type(&invalid);
}

TEST_F(WireColumnForTest, ProjectForWireRewritesOnlyWhenNeeded) {
  const std::string plain = "SELECT 1 AS a, 'x' AS b";
  ASSERT_OK_AND_ASSIGN(auto plain_result, connection_->Query(plain));
  std::vector<duckdb_logical_type> plain_types = {plain_result->logical_type(0),
                                                  plain_result->logical_type(1)};
  EXPECT_EQ(ProjectForWire(plain, plain_types), plain);
  plain_result.reset();

  const std::string nested = "SELECT 1 AS a, {'x': 1} AS s, '101'::BIT AS b, [[1]] AS l;  ";
  ASSERT_OK_AND_ASSIGN(auto nested_result, connection_->Query(nested));
  std::vector<duckdb_logical_type> types;
  for (int64_t k = 0; k < 4; ++k)
    types.push_back(nested_result->logical_type(k));
  std::string projected = ProjectForWire(nested, types);
  EXPECT_EQ(projected,
            "SELECT #1, to_json(#2), #3::VARCHAR, to_json(#4) FROM (SELECT 1 AS a, {'x': 1} AS s, "
            "'101'::BIT AS b, [[1]] AS l\n)");
  nested_result.reset();
  ASSERT_OK_AND_ASSIGN(auto result, connection_->Query(projected));
  ASSERT_OK_AND_ASSIGN(auto chunk, result->Fetch());
  ASSERT_NE(chunk, nullptr);
  EXPECT_EQ(chunk->GetString(1, 0), "{\"x\":1}");
  EXPECT_EQ(chunk->GetString(2, 0), "101");
  EXPECT_EQ(chunk->GetString(3, 0), "[[1]]");
}

TEST(FormatPgTypeTest, AsFormatTypePrints) {
  EXPECT_EQ(FormatPgType(20, -1), "bigint");
  EXPECT_EQ(FormatPgType(21, -1), "smallint");
  EXPECT_EQ(FormatPgType(23, -1), "integer");
  EXPECT_EQ(FormatPgType(16, -1), "boolean");
  EXPECT_EQ(FormatPgType(700, -1), "real");
  EXPECT_EQ(FormatPgType(701, -1), "double precision");
  EXPECT_EQ(FormatPgType(1700, -1), "numeric");
  EXPECT_EQ(FormatPgType(1700, 786438), "numeric(12,2)");
  EXPECT_EQ(FormatPgType(1009, -1), "text[]");
  EXPECT_EQ(FormatPgType(1231, 786438), "numeric(12,2)[]");
  EXPECT_EQ(FormatPgType(1184, -1), "timestamp with time zone");
  EXPECT_EQ(FormatPgType(1114, 3), "timestamp(3) without time zone");
  EXPECT_EQ(FormatPgType(1083, -1), "time without time zone");
  EXPECT_EQ(FormatPgType(1266, -1), "time with time zone");
  EXPECT_EQ(FormatPgType(1043, -1), "character varying");
  EXPECT_EQ(FormatPgType(1043, 14), "character varying(10)");
  EXPECT_EQ(FormatPgType(1042, 5), "character(1)");
  EXPECT_EQ(FormatPgType(1562, -1), "bit varying");
  EXPECT_EQ(FormatPgType(2950, -1), "uuid");
  EXPECT_EQ(FormatPgType(114, -1), "json");
  EXPECT_EQ(FormatPgType(18, -1), "\"char\"");
  EXPECT_EQ(FormatPgType(0, -1), "-");
  EXPECT_EQ(FormatPgType(424242, -1), "???");
}

TEST(PgTypeForDuckdbTypeNameTest, MapsDuckdbColumnsNames) {
  struct Expected {
    const char* name;
    uint32_t oid;
    int32_t typmod;
  };
  const Expected cases[] = {
      {"BOOLEAN", 16, -1},
      {"TINYINT", 21, -1},
      {"UTINYINT", 21, -1},
      {"INTEGER", 23, -1},
      {"USMALLINT", 23, -1},
      {"BIGINT", 20, -1},
      {"UINTEGER", 20, -1},
      {"UBIGINT", 1700, -1},
      {"HUGEINT", 1700, -1},
      {"DECIMAL(12,2)", 1700, 786438},
      {"FLOAT", 700, -1},
      {"DOUBLE", 701, -1},
      {"VARCHAR", 25, -1},
      {"JSON", 114, -1},
      {"BLOB", 17, -1},
      {"DATE", 1082, -1},
      {"TIME", 1083, -1},
      {"TIME WITH TIME ZONE", 1266, -1},
      {"TIMESTAMP", 1114, -1},
      {"TIMESTAMP_NS", 1114, -1},
      {"TIMESTAMP WITH TIME ZONE", 1184, -1},
      {"INTERVAL", 1186, -1},
      {"UUID", 2950, -1},
      {"BIT", 1562, -1},
      {"BIGNUM", 1700, -1},
      {"ENUM('a', 'b')", 25, -1},
      {"VARCHAR[]", 1009, -1},
      {"BIGINT[]", 1016, -1},
      {"INTEGER[3]", 1007, -1},
      {"DECIMAL(12,2)[]", 1231, 786438},
      {"TIMESTAMP WITH TIME ZONE[]", 1185, -1},
      {"INTEGER[][]", 114, -1},
      {"STRUCT(a INTEGER, b VARCHAR[])", 114, -1},
      {"STRUCT(a INTEGER)[]", 114, -1},
      {"MAP(VARCHAR, INTEGER)", 114, -1},
      {"UNION(n INTEGER, s VARCHAR)", 114, -1},
      {"SOMETHING_NEW", 25, -1},
  };
  for (const Expected& c : cases) {
    SCOPED_TRACE(c.name);
    PgType type = PgTypeForDuckdbTypeName(c.name);
    EXPECT_EQ(type.oid, c.oid);
    EXPECT_EQ(type.typmod, c.typmod);
    EXPECT_EQ(PgTypeOidForDuckdbTypeName(c.name), c.oid);
  }
}

TEST(ArrayOidTest, RoundTrips) {
  EXPECT_EQ(ArrayOidFor(23), 1007u);
  EXPECT_EQ(ElementOidFor(1007), 23u);
  EXPECT_EQ(ArrayOidFor(1007), 0u);
  EXPECT_EQ(ElementOidFor(23), 0u);
  EXPECT_EQ(TypLenFor(1266), 12);
  EXPECT_EQ(TypLenFor(2950), 16);
  EXPECT_EQ(TypLenFor(1700), -1);
}

TEST(PostgresColumnNameTest, CallsAreNamedByTheirFunction) {
  EXPECT_EQ(PostgresColumnName("version()"), "version");
  EXPECT_EQ(PostgresColumnName("\"version\"()"), "version");
  EXPECT_EQ(PostgresColumnName("count_star()"), "count");
  EXPECT_EQ(PostgresColumnName("sum(amount)"), "sum");
  EXPECT_EQ(PostgresColumnName("round(sum((x * 2)), 2)"), "round");
  EXPECT_EQ(PostgresColumnName("id"), "id");
  EXPECT_EQ(PostgresColumnName("f(a) + g(b)"), "f(a) + g(b)");
  EXPECT_EQ(PostgresColumnName("(a + b)"), "(a + b)");
  EXPECT_EQ(PostgresColumnName("CAST(x AS INTEGER)"), "x");
  EXPECT_EQ(PostgresColumnName("CAST(sum(x) AS BIGINT)"), "sum");
  EXPECT_EQ(PostgresColumnName("CAST((a + b) AS BIGINT)"), "CAST((a + b) AS BIGINT)");
  EXPECT_EQ(PostgresColumnName("a.b(c)"), "a.b(c)");
}

}  // namespace
}  // namespace tessera::ports::pgwire
