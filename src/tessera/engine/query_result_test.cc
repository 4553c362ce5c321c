#include "tessera/engine/query_result.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/engine/database.h"
#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

class EngineQueryResultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open(DatabaseOptions{}));
    ASSERT_OK_AND_ASSIGN(connection_, Connection::Open(*database_));
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(EngineQueryResultTest, StreamsTenMillionRowsChunkByChunk) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<QueryResult> result,
                       connection_->Query("SELECT range AS i FROM range(10000000)"));
  EXPECT_TRUE(result->is_streaming());
  int64_t rows = 0;
  int64_t chunks = 0;
  int64_t sum = 0;
  while (true) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<DataChunk> chunk, result->Fetch());
    if (chunk == nullptr)
      break;
    ASSERT_LE(chunk->row_count(), static_cast<int64_t>(duckdb_vector_size()));
    ASSERT_EQ(chunk->column_count(), 1);
    for (int64_t r = 0; r < chunk->row_count(); ++r)
      sum += chunk->GetInt64(0, r);
    rows += chunk->row_count();
    ++chunks;
  }
  EXPECT_EQ(rows, 10000000);
  EXPECT_EQ(result->rows_fetched(), 10000000);
  EXPECT_EQ(sum, 49999995000000);
  // Chunk by chunk: 10,000,000 / 2,048 rounded up.
  EXPECT_EQ(chunks, 4883);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DataChunk> after_end, result->Fetch());
  EXPECT_EQ(after_end, nullptr);
}

TEST_F(EngineQueryResultTest, DescribesColumnTypesAsDuckdbSpellsThem) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<QueryResult> result,
      connection_->Query(
          "SELECT 1.5::DECIMAL(12,2) AS d, {'a': 1, 'B c': 'x', 'order': [1.0::DOUBLE]} AS s, "
          "MAP {'k': [1]} AS m, [1, 2, 3]::INTEGER[3] AS arr, '{}'::JSON AS j, "
          "'a'::ENUM('a', 'it''s') AS e, union_value(k := 1) AS u, now() AS ts, NULL AS n, "
          "uuid() AS id, INTERVAL 1 DAY AS iv, 'x'::BLOB AS b, [[true]] AS nested"));
  std::vector<std::string> names;
  std::vector<std::string> types;
  for (const Column& column : result->columns()) {
    names.push_back(column.name);
    types.push_back(column.type.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"d", "s", "m", "arr", "j", "e", "u", "ts", "n", "id",
                                             "iv", "b", "nested"}));
  EXPECT_EQ(types, (std::vector<std::string>{
                       "DECIMAL(12,2)", "STRUCT(a INTEGER, \"B c\" VARCHAR, \"order\" DOUBLE[])",
                       "MAP(VARCHAR, INTEGER[])", "INTEGER[3]", "JSON", "ENUM('a', 'it''s')",
                       "UNION(k INTEGER)", "TIMESTAMP WITH TIME ZONE", "INTEGER", "UUID",
                       "INTERVAL", "BLOB", "BOOLEAN[][]"}));
  EXPECT_EQ(result->column_type(0).id, DUCKDB_TYPE_DECIMAL);
  EXPECT_TRUE(result->column_type(0).IsNumeric());
  EXPECT_TRUE(result->column_type(1).IsNested());
  EXPECT_FALSE(result->column_type(4).IsNested());
  EXPECT_EQ(duckdb_get_type_id(result->logical_type(2)), DUCKDB_TYPE_MAP);
}

TEST_F(EngineQueryResultTest, TypeNamesMatchTypeof) {
  const char* expressions[] = {
      "{'select': 1, 'name': 2, 'Upper': 3, '1x': 4, 'a\"b': 5}",
      "[['a'], ['b']]::VARCHAR[1][2]",
      "MAP {1: {'x': 2}}",
      "'01:00:00+01'::TIMETZ",
      "1::UHUGEINT",
      "'2020-01-01'::TIMESTAMP_NS",
  };
  for (const char* expression : expressions) {
    std::string sql = std::string("SELECT ") + expression + " AS v, typeof(v)";
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<QueryResult> result, connection_->Query(sql));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<DataChunk> chunk, result->Fetch());
    ASSERT_NE(chunk, nullptr);
    EXPECT_EQ(result->column_type(0).name, chunk->GetString(1, 0)) << expression;
  }
}

TEST_F(EngineQueryResultTest, ReadsStringsNullsAndIntegers) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<QueryResult> result,
      connection_->Query("SELECT * FROM (VALUES ('short', 1::BIGINT), (NULL, NULL), "
                         "('a string longer than twelve bytes', -7)) t(s, i)"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DataChunk> chunk, result->Fetch());
  ASSERT_NE(chunk, nullptr);
  ASSERT_EQ(chunk->row_count(), 3);
  EXPECT_EQ(chunk->GetString(0, 0), "short");
  EXPECT_EQ(chunk->GetInt64(1, 0), 1);
  EXPECT_TRUE(chunk->IsNull(0, 1));
  EXPECT_TRUE(chunk->IsNull(1, 1));
  EXPECT_FALSE(chunk->IsNull(0, 2));
  EXPECT_EQ(chunk->GetString(0, 2), "a string longer than twelve bytes");
  EXPECT_EQ(chunk->GetInt64(1, 2), -7);
}

TEST_F(EngineQueryResultTest, ErrorDuringStreamingIsReportedAndRepeated) {
  // DuckDB runs a streaming query only a few chunks ahead of Fetch: the error at row 5,000,000
  // comes after good chunks.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<QueryResult> result,
                       connection_->Query("SELECT CASE WHEN i < 5000000 THEN i ELSE error('boom') "
                                          "END FROM range(10000000) t(i)"));
  Status status;
  while (status.ok()) {
    Result<std::unique_ptr<DataChunk>> chunk = result->Fetch();
    ASSERT_TRUE(!chunk.ok() || *chunk != nullptr) << "ended without the error";
    status = chunk.status();
  }
  EXPECT_GT(result->rows_fetched(), 0);
  EXPECT_LE(result->rows_fetched(), 5000000);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "Invalid Input Error: boom");
  EXPECT_EQ(result->Fetch().status().message(), "Invalid Input Error: boom");
}

// Sums column 0 of the remaining chunks; counts rows.
Status DrainSum(QueryResult& result, int64_t& rows, int64_t& sum) {
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<DataChunk> chunk, result.Fetch());
    if (chunk == nullptr)
      return Status::OK();
    for (int64_t r = 0; r < chunk->row_count(); ++r)
      sum += chunk->GetInt64(0, r);
    rows += chunk->row_count();
  }
}

TEST_F(EngineQueryResultTest, KeptResultSurvivesAnotherStatementWithEveryRowInOrder) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<QueryResult> cursor,
                       connection_->Query("SELECT range AS i FROM range(100000)"));
  cursor->KeepAcrossStatements(1000000);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DataChunk> first, cursor->Fetch());
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->GetInt64(0, 0), 0);
  int64_t first_rows = first->row_count();

  // Another statement, and another streaming query, on the same connection.
  ASSERT_OK(connection_->Execute("CREATE TABLE t AS SELECT 1 AS x"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<QueryResult> other,
                       connection_->Query("SELECT range AS i FROM range(10)"));
  int64_t other_rows = 0;
  int64_t other_sum = 0;
  ASSERT_OK(DrainSum(*other, other_rows, other_sum));
  EXPECT_EQ(other_rows, 10);

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DataChunk> second, cursor->Fetch());
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->GetInt64(0, 0), first_rows);
  int64_t rows = first_rows + second->row_count();
  int64_t sum = 0;
  for (int64_t r = 0; r < second->row_count(); ++r)
    sum += second->GetInt64(0, r);
  for (int64_t r = 0; r < first_rows; ++r)
    sum += first->GetInt64(0, r);
  ASSERT_OK(DrainSum(*cursor, rows, sum));
  EXPECT_EQ(rows, 100000);
  EXPECT_EQ(cursor->rows_fetched(), 100000);
  EXPECT_EQ(sum, int64_t{100000} * 99999 / 2);
}

TEST_F(EngineQueryResultTest, KeptResultTooLargeToHoldFailsWithOutOfMemory) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<QueryResult> cursor,
                       connection_->Query("SELECT range AS i, range AS j FROM range(100000)"));
  cursor->KeepAcrossStatements(50000);
  ASSERT_OK(connection_->Execute("SELECT 1"));
  Result<std::unique_ptr<DataChunk>> chunk = cursor->Fetch();
  ASSERT_FALSE(chunk.ok());
  EXPECT_TRUE(chunk.status().message().rfind("Out of Memory Error: the rest of this result", 0) ==
              0)
      << chunk.status().message();
  // The statement that ran meanwhile is unaffected, and the connection stays usable.
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> two, connection_->QueryScalarString("SELECT 2"));
  EXPECT_EQ(two, "2");
}

TEST_F(EngineQueryResultTest, ErrorInTheHeldRestComesAfterItsRows) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<QueryResult> cursor,
                       connection_->Query("SELECT CASE WHEN i < 5000000 THEN i ELSE error('late') "
                                          "END FROM range(10000000) t(i)"));
  cursor->KeepAcrossStatements(100000000);
  ASSERT_OK(connection_->Execute("SELECT 1"));
  int64_t rows = 0;
  int64_t sum = 0;
  Status status = DrainSum(*cursor, rows, sum);
  EXPECT_EQ(status.message(), "Invalid Input Error: late");
  EXPECT_GT(rows, 0);
  EXPECT_LE(rows, 5000000);
}

TEST_F(EngineQueryResultTest, AKeptResultClosedEarlyIsNotComputed) {
  // Ten billion rows: computing them would never finish. A cursor closed after one chunk
  // leaves nothing for the next statement to hold.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<QueryResult> cursor,
                       connection_->Query("SELECT range AS i FROM range(10000000000)"));
  cursor->KeepAcrossStatements(int64_t{1} << 40);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DataChunk> first, cursor->Fetch());
  ASSERT_NE(first, nullptr);
  cursor.reset();
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> one, connection_->QueryScalarString("SELECT 1"));
  EXPECT_EQ(one, "1");
}

TEST_F(EngineQueryResultTest, ResultNotKeptIsClosedByAnotherStatement) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<QueryResult> result,
                       connection_->Query("SELECT range AS i FROM range(100000)"));
  ASSERT_OK(connection_->Execute("SELECT 1"));
  EXPECT_EQ(result->Fetch().status().message(),
            "the query result was closed because another statement ran on its connection");
}

}  // namespace
}  // namespace tessera::engine
