#include "tessera/engine/delta_writer.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tessera/delta/snapshot.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/delta_functions.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

std::string Delta(duckdb_type id, const std::string& name) {
  auto type = DeltaTypeFor(ColumnType{id, name});
  return type.ok() ? DumpJson(delta::DataTypeToJson(*type)) : "error: " + type.status().message();
}

TEST(DeltaTypeForTest, NestedTypesBecomeDeltaStructsArraysAndMaps) {
  EXPECT_EQ(Delta(DUCKDB_TYPE_LIST, "INTEGER[]"),
            R"({"containsNull":true,"elementType":"integer","type":"array"})");
  EXPECT_EQ(Delta(DUCKDB_TYPE_ARRAY, "DOUBLE[3]"),
            R"({"containsNull":true,"elementType":"double","type":"array"})");
  EXPECT_EQ(
      Delta(DUCKDB_TYPE_STRUCT, R"(STRUCT(a BIGINT, "select" VARCHAR[], "x""y" DECIMAL(10,2)))"),
      R"j({"fields":[{"metadata":{},"name":"a","nullable":true,"type":"long"},)j"
      R"j({"metadata":{},"name":"select","nullable":true,"type":{"containsNull":true,)j"
      R"j("elementType":"string","type":"array"}},)j"
      R"j({"metadata":{},"name":"x\"y","nullable":true,"type":"decimal(10,2)"}],"type":"struct"})j");
  EXPECT_EQ(Delta(DUCKDB_TYPE_MAP, "MAP(VARCHAR, STRUCT(t TIMESTAMP WITH TIME ZONE, d DATE)[])"),
            R"({"keyType":"string","type":"map","valueContainsNull":true,"valueType":)"
            R"({"containsNull":true,"elementType":{"fields":[)"
            R"({"metadata":{},"name":"t","nullable":true,"type":"timestamp"},)"
            R"({"metadata":{},"name":"d","nullable":true,"type":"date"}],"type":"struct"},)"
            R"("type":"array"}})");
  auto ntz = DeltaTypeFor(ColumnType{DUCKDB_TYPE_STRUCT, "STRUCT(s STRUCT(t TIMESTAMP))"});
  ASSERT_OK(ntz.status());
  EXPECT_TRUE(ContainsTimestampNtz(*ntz));
  auto tz = DeltaTypeFor(ColumnType{DUCKDB_TYPE_LIST, "TIMESTAMP WITH TIME ZONE[]"});
  ASSERT_OK(tz.status());
  EXPECT_FALSE(ContainsTimestampNtz(*tz));
}

TEST(DeltaTypeForTest, TypesWithoutAnExactDeltaCounterpartAreRefused) {
  for (const char* name : {"STRUCT(u UINTEGER)", "STRUCT(j JSON)", "STRUCT(t TIME)",
                           "STRUCT(a INTEGER", "STRUCT(a INTEGER) trailing", "STRUCT()",
                           "MAP(VARCHAR)", "INTEGER[x]", "INTEGER[", "STRUCT(a TIMESTAMPX)"}) {
    auto type = DeltaTypeFor(ColumnType{DUCKDB_TYPE_STRUCT, name});
    EXPECT_EQ(type.status().code(), StatusCode::kInvalidArgument) << name;
  }
  EXPECT_EQ(DeltaTypeFor(ColumnType{DUCKDB_TYPE_UNION, "UNION(a INTEGER)"}).status().code(),
            StatusCode::kInvalidArgument);
  std::string deep;
  for (int i = 0; i < 100; ++i)
    deep += "STRUCT(a ";
  deep += "INTEGER";
  for (int i = 0; i < 100; ++i)
    deep += ")";
  EXPECT_EQ(DeltaTypeFor(ColumnType{DUCKDB_TYPE_STRUCT, deep}).status().code(),
            StatusCode::kInvalidArgument);
}

class NestedWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open(DatabaseOptions{}));
    ASSERT_OK_AND_ASSIGN(connection_, Connection::Open(*database_));
    reader_ = std::make_unique<DuckdbCheckpointReader>(*database_);
    ASSERT_OK(RegisterDeltaFunctions(connection_->handle(), fs_, *reader_));
  }

  std::string Scalar(const std::string& sql) {
    auto value = connection_->QueryScalarString(sql);
    return value.ok() ? value->value_or("NULL") : "error: " + value.status().message();
  }

  testing::TempDir dir_;
  storage::LocalStorage& fs_ = storage::LocalStorage::Instance();
  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<DuckdbCheckpointReader> reader_;
};

TEST_F(NestedWriteTest, StructsListsAndMapsRoundTrip) {
  const std::string source =
      "SELECT range AS id, {'name': 'n' || range, 'tags': ['a', NULL, 'c'][1:range % 4]} AS s, "
      "CASE WHEN range % 5 = 0 THEN NULL ELSE [range, range * 2] END AS l, "
      "MAP {'k' || range: {'x': range * 1.5, 'd': DATE '2024-01-01' + range::INTEGER}} AS m, "
      "[TIMESTAMP '2024-01-01 00:00:00' + to_seconds(range)] AS ts "
      "FROM range(100)";
  WriteRequest request;
  request.table_root = dir_.Sub("nested");
  request.query = source;
  request.mode = WriteMode::kCreate;
  ASSERT_OK(WriteQuery(*connection_, fs_, *reader_, request).status());
  // Appending more rows of the same shape works too.
  request.mode = WriteMode::kAppend;
  request.query = source + " OFFSET 50";
  ASSERT_OK(WriteQuery(*connection_, fs_, *reader_, request).status());

  std::string table = "delta_scan('" + dir_.Sub("nested") + "')";
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + table), "150");
  // Every value equal to the source's, both ways.
  std::string both = "(" + source + " UNION ALL " + source + " OFFSET 50)";
  EXPECT_EQ(Scalar("SELECT count(*) FROM (SELECT * FROM " + table + " EXCEPT ALL SELECT * FROM " +
                   both + ") UNION ALL SELECT count(*) FROM (SELECT * FROM " + both +
                   " EXCEPT ALL SELECT * FROM " + table + ") ORDER BY 1 DESC LIMIT 1"),
            "0");
  EXPECT_EQ(Scalar("SELECT typeof(m) FROM " + table + " LIMIT 1"),
            "MAP(VARCHAR, STRUCT(x DECIMAL(21,1), d DATE))");
  ASSERT_OK_AND_ASSIGN(auto snapshot,
                       delta::Snapshot::Load(fs_, reader_.get(), dir_.Sub("nested"), std::nullopt));
  // A timestamp without zone inside a list needs the timestampNtz feature.
  ASSERT_TRUE(snapshot->protocol().reader_features.has_value());
  EXPECT_EQ(*snapshot->protocol().reader_features, std::vector<std::string>{"timestampNtz"});
  EXPECT_EQ(snapshot->schema().fields[1].type.kind, delta::DataType::Kind::kStruct);
  EXPECT_EQ(snapshot->schema().fields[3].type.kind, delta::DataType::Kind::kMap);
  // Statistics cover the flat column only (engine/data_files.cc): none for nested columns.
  ASSERT_FALSE(snapshot->files().empty());
  ASSERT_TRUE(snapshot->files()[0].stats.has_value());
  ASSERT_OK_AND_ASSIGN(Json stats, ParseJson(*snapshot->files()[0].stats));
  EXPECT_TRUE(stats["minValues"].contains("id"));
  EXPECT_TRUE(stats["nullCount"].contains("id"));
  for (const char* nested : {"s", "l", "m", "ts"}) {
    EXPECT_FALSE(stats["minValues"].contains(nested)) << nested;
    EXPECT_FALSE(stats["nullCount"].contains(nested)) << nested;
  }
}

}  // namespace
}  // namespace tessera::engine
