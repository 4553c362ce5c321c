#include "tessera/engine/column_type.h"

#include <gtest/gtest.h>

namespace tessera::engine {
namespace {

ColumnType Of(duckdb_type id) {
  ColumnType type;
  type.id = id;
  return type;
}

TEST(ColumnTypeTest, IntegerTypesAreTheFixedWidthIntegers) {
  for (duckdb_type id :
       {DUCKDB_TYPE_TINYINT, DUCKDB_TYPE_SMALLINT, DUCKDB_TYPE_INTEGER, DUCKDB_TYPE_BIGINT,
        DUCKDB_TYPE_UTINYINT, DUCKDB_TYPE_USMALLINT, DUCKDB_TYPE_UINTEGER, DUCKDB_TYPE_UBIGINT}) {
    EXPECT_TRUE(IsIntegerType(id)) << id;
    EXPECT_TRUE(Of(id).IsNumeric()) << id;
  }
  // 128-bit integers, floats and decimals are numeric but not printed as 64-bit integers.
  for (duckdb_type id :
       {DUCKDB_TYPE_HUGEINT, DUCKDB_TYPE_UHUGEINT, DUCKDB_TYPE_DOUBLE, DUCKDB_TYPE_DECIMAL}) {
    EXPECT_FALSE(IsIntegerType(id)) << id;
    EXPECT_TRUE(Of(id).IsNumeric()) << id;
  }
  for (duckdb_type id : {DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_BOOLEAN, DUCKDB_TYPE_DATE}) {
    EXPECT_FALSE(IsIntegerType(id)) << id;
    EXPECT_FALSE(Of(id).IsNumeric()) << id;
  }
}

TEST(ColumnTypeTest, NestedTypes) {
  EXPECT_TRUE(Of(DUCKDB_TYPE_STRUCT).IsNested());
  EXPECT_TRUE(Of(DUCKDB_TYPE_LIST).IsNested());
  EXPECT_FALSE(Of(DUCKDB_TYPE_BIGINT).IsNested());
}

}  // namespace
}  // namespace tessera::engine
