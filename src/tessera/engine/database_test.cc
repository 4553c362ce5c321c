#include "tessera/engine/database.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

std::unique_ptr<Database> OpenMemory() {
  Result<std::unique_ptr<Database>> database = Database::Open(DatabaseOptions{});
  TESSERA_CHECK(database.ok());
  return std::move(database).value();
}

std::unique_ptr<Connection> Connect(Database& database) {
  Result<std::unique_ptr<Connection>> connection = Connection::Open(database);
  TESSERA_CHECK(connection.ok());
  return std::move(connection).value();
}

std::optional<std::string> Scalar(Connection& connection, std::string_view sql) {
  Result<std::optional<std::string>> value = connection.QueryScalarString(sql);
  EXPECT_TRUE(value.ok()) << sql << ": " << value.status().ToString();
  return value.ok() ? *value : std::optional<std::string>("<error>");
}

TEST(DatabaseTest, AppliesOptions) {
  testing::TempDir dir;
  DatabaseOptions options;
  options.threads = 1;
  options.memory_limit = "300MB";
  options.temp_directory = dir.Sub("spill");
  options.settings["default_order"] = "DESC";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> database, Database::Open(options));
  std::unique_ptr<Connection> connection = Connect(*database);
  EXPECT_EQ(Scalar(*connection, "SELECT current_setting('threads')"), "1");
  EXPECT_EQ(Scalar(*connection, "SELECT current_setting('memory_limit')"), "286.1 MiB");
  EXPECT_EQ(Scalar(*connection, "SELECT current_setting('temp_directory')"), dir.Sub("spill"));
  EXPECT_EQ(Scalar(*connection, "SELECT string_agg(i::VARCHAR, ',' ORDER BY i) FROM range(3) t(i)"),
            "2,1,0");
}

TEST(DatabaseTest, RejectsUnknownSettingBeforeOpening) {
  DatabaseOptions options;
  options.settings["no_such_option"] = "1";
  Result<std::unique_ptr<Database>> database = Database::Open(options);
  ASSERT_FALSE(database.ok());
  EXPECT_EQ(database.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(database.status().message(), "unknown DuckDB setting 'no_such_option'");
}

TEST(DatabaseTest, RejectsBadValues) {
  DatabaseOptions options;
  options.threads = -1;
  EXPECT_EQ(Database::Open(options).status().message(), "threads must be >= 0");
  options.threads = 0;
  options.memory_limit = "lots";
  Result<std::unique_ptr<Database>> database = Database::Open(options);
  ASSERT_FALSE(database.ok());
  EXPECT_EQ(database.status().code(), StatusCode::kInvalidArgument);
  // duckdb_set_config rejects the value without saying why.
  EXPECT_EQ(database.status().message(), "invalid DuckDB setting memory_limit=lots");
}

TEST(DatabaseTest, FileDatabaseKeepsDataAndHonoursReadOnly) {
  testing::TempDir dir;
  DatabaseOptions options;
  options.path = dir.Sub("node.duckdb");
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> database, Database::Open(options));
    std::unique_ptr<Connection> connection = Connect(*database);
    ASSERT_OK(connection->Execute("CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (7)"));
  }
  options.settings["access_mode"] = "READ_ONLY";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> database, Database::Open(options));
  std::unique_ptr<Connection> connection = Connect(*database);
  EXPECT_EQ(Scalar(*connection, "SELECT a FROM t"), "7");
  Status status = connection->Execute("INSERT INTO t VALUES (8)");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "Invalid Input Error: Cannot execute statement of type \"INSERT\" on database \"node\" "
            "which is attached in read-only mode!");
}

TEST(ConnectionTest, ExecuteRunsEveryStatementInOrder) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  ASSERT_OK(connection->Execute(
      "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1), (2);\n-- comment\nINSERT INTO t "
      "VALUES (3);"));
  EXPECT_EQ(Scalar(*connection, "SELECT sum(a) FROM t"), "6");
  EXPECT_OK(connection->Execute(""));
  EXPECT_OK(connection->Execute(" ; -- nothing"));
}

TEST(ConnectionTest, SyntaxErrorAnywhereRunsNothing) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  Status status = connection->Execute("CREATE TABLE t(a INTEGER); SELEC 1");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "Parser Error: syntax error at or near \"SELEC\"\n\nLINE 1: CREATE TABLE t(a INTEGER); "
            "SELEC 1\n                                   ^");
  EXPECT_EQ(Scalar(*connection, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'"),
            "0");
}

TEST(ConnectionTest, QueryStreamsTheLastOfSeveralStatements) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<QueryResult> result,
      connection->Query("CREATE TABLE t AS SELECT 1 AS a; INSERT INTO t VALUES (2);\nSELECT a * 10 "
                        "AS b FROM t ORDER BY a -- last"));
  ASSERT_EQ(result->column_count(), 1);
  EXPECT_EQ(result->column_name(0), "b");
  EXPECT_EQ(result->column_type(0).name, "INTEGER");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DataChunk> chunk, result->Fetch());
  ASSERT_NE(chunk, nullptr);
  ASSERT_EQ(chunk->row_count(), 2);
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> b, connection->QueryScalarString("SELECT 1"));
  EXPECT_EQ(b, "1");
}

TEST(ConnectionTest, EmptyQueryIsInvalid) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  Result<std::unique_ptr<QueryResult>> result = connection->Query("  ; -- nothing\n");
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "no SQL statement to run");
}

TEST(ConnectionTest, ErrorsKeepDuckdbMessagesAndMapCodes) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  ASSERT_OK(connection->Execute("CREATE TABLE p(a INTEGER PRIMARY KEY); INSERT INTO p VALUES (1)"));
  struct Case {
    const char* sql;
    StatusCode code;
    const char* message;
  };
  const Case cases[] = {
      {"SELECT nope FROM range(1)", StatusCode::kInvalidArgument,
       "Binder Error: Referenced column \"nope\" not found in FROM clause!\nCandidate bindings: "
       "\"range\"\n\nLINE 1: SELECT nope FROM range(1)\n               ^"},
      {"SELECT 'abc'::INTEGER", StatusCode::kInvalidArgument,
       "Conversion Error: Could not convert string 'abc' to INT32\n\nLINE 1: SELECT "
       "'abc'::INTEGER\n                    ^"},
      {"INSERT INTO p VALUES (1)", StatusCode::kConflict,
       "Constraint Error: Duplicate key \"a: 1\" violates primary key constraint."},
      {"SELECT * FROM read_csv('/nonexistent/x.csv')", StatusCode::kIoError,
       "IO Error: No files found that match the pattern \"/nonexistent/x.csv\"\n\nLINE 1: SELECT * "
       "FROM read_csv('/nonexistent/x.csv')\n                      ^"},
      {"SET temp_directory = '/tmp'; SELECT 1", StatusCode::kOk, ""},
  };
  for (const Case& c : cases) {
    Result<std::unique_ptr<QueryResult>> result = connection->Query(c.sql);
    EXPECT_EQ(result.status().code(), c.code) << c.sql;
    if (!result.ok()) {
      EXPECT_EQ(result.status().message(), c.message) << c.sql;
    }
  }
}

TEST(ConnectionTest, WriteWriteConflictIsConflict) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> first = Connect(*database);
  std::unique_ptr<Connection> second = Connect(*database);
  ASSERT_OK(first->Execute("CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1)"));
  ASSERT_OK(first->Execute("BEGIN; UPDATE t SET a = 2"));
  ASSERT_OK(second->Execute("BEGIN"));
  Status status = second->Execute("UPDATE t SET a = 3");
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(status.message(), "TransactionContext Error: Conflict on update!");
  ASSERT_OK(first->Execute("COMMIT"));
  EXPECT_EQ(Scalar(*first, "SELECT a FROM t"), "2");
}

TEST(ConnectionTest, InterruptCancelsARunningQueryAndTheConnectionStaysUsable) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  std::atomic<bool> done{false};
  Status status;
  std::thread worker([&] {
    // Blocks in execution: the aggregate must finish before the first chunk exists.
    status = connection->Query("SELECT count(*) FROM range(1000000000000)").status();
    done = true;
  });
  // An interrupt that lands before the query starts is lost, so repeat it until it ends.
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    connection->Interrupt();
  }
  worker.join();
  EXPECT_EQ(status.code(), StatusCode::kCancelled);
  EXPECT_EQ(status.message(), "INTERRUPT Error: Interrupted!");
  EXPECT_EQ(Scalar(*connection, "SELECT 42"), "42");
}

TEST(ConnectionTest, InterruptStopsAStreamingFetch) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<QueryResult> result,
                       connection->Query("SELECT md5(i::VARCHAR) FROM range(1000000000000) t(i)"));
  std::atomic<bool> done{false};
  Status status;
  std::thread worker([&] {
    while (true) {
      Result<std::unique_ptr<DataChunk>> chunk = result->Fetch();
      if (!chunk.ok() || *chunk == nullptr) {
        status = chunk.status();
        break;
      }
    }
    done = true;
  });
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    connection->Interrupt();
  }
  worker.join();
  EXPECT_EQ(status.code(), StatusCode::kCancelled);
  EXPECT_GT(result->rows_fetched(), 0);
  EXPECT_EQ(Scalar(*connection, "SELECT 'still usable'"), "still usable");
}

TEST(ConnectionTest, InterruptWhileIdleDoesNotCancelTheNextQuery) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  connection->Interrupt();
  EXPECT_EQ(Scalar(*connection, "SELECT 1"), "1");
}

TEST(ConnectionTest, ProgressIsTrackedButNotPrinted) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  EXPECT_EQ(connection->Progress(), -1);
  EXPECT_EQ(Scalar(*connection, "SELECT current_setting('enable_progress_bar')"), "true");
  EXPECT_EQ(Scalar(*connection, "SELECT current_setting('enable_progress_bar_print')"), "false");
}

TEST(ConnectionTest, ProgressRisesDuringATableScan) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  ASSERT_OK(connection->Execute("CREATE TABLE big AS SELECT i FROM range(500000) t(i)"));
  std::atomic<bool> done{false};
  Status status;
  std::thread worker([&] {
    status =
        connection->QueryScalarString("SELECT count(DISTINCT md5(i::VARCHAR)) FROM big").status();
    done = true;
  });
  double highest = -1;
  while (!done) {
    highest = std::max(highest, connection->Progress());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  worker.join();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_GT(highest, 0);
  EXPECT_LE(highest, 100);
}

TEST(ConnectionTest, AnotherStatementClosesTheActiveResult) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<QueryResult> result,
                       connection->Query("SELECT * FROM range(100000)"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DataChunk> chunk, result->Fetch());
  ASSERT_NE(chunk, nullptr);
  ASSERT_OK(connection->Execute("SELECT 1"));
  Result<std::unique_ptr<DataChunk>> next = result->Fetch();
  EXPECT_EQ(next.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(next.status().message(),
            "the query result was closed because another statement ran on its connection");
}

TEST(ConnectionTest, DescribePreparesWithoutRunning) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  ASSERT_OK(connection->Execute("CREATE TABLE t(a INTEGER)"));
  ASSERT_OK_AND_ASSIGN(StatementInfo insert, connection->Describe("INSERT INTO t VALUES ($1)"));
  EXPECT_EQ(insert.type, DUCKDB_STATEMENT_TYPE_INSERT);
  EXPECT_EQ(insert.parameter_count, 1);
  ASSERT_EQ(insert.columns.size(), 1u);
  EXPECT_EQ(insert.columns[0].name, "Count");
  EXPECT_EQ(Scalar(*connection, "SELECT count(*) FROM t"), "0");
  ASSERT_OK_AND_ASSIGN(StatementInfo select,
                       connection->Describe("SELECT 1.5::DECIMAL(12,2) AS d, 'x' AS s"));
  EXPECT_EQ(select.type, DUCKDB_STATEMENT_TYPE_SELECT);
  ASSERT_EQ(select.columns.size(), 2u);
  EXPECT_EQ(select.columns[0].name, "d");
  EXPECT_EQ(select.columns[0].type.name, "DECIMAL(12,2)");
  EXPECT_EQ(select.columns[1].type.id, DUCKDB_TYPE_VARCHAR);
  EXPECT_EQ(connection->Describe("SELECT 1; SELECT 2").status().message(),
            "expected one SQL statement, got 2");
}

TEST(ConnectionTest, QueryScalarStringRendersPrimitiveValues) {
  std::unique_ptr<Database> database = OpenMemory();
  std::unique_ptr<Connection> connection = Connect(*database);
  EXPECT_EQ(Scalar(*connection, "SELECT 'text'"), "text");
  EXPECT_EQ(Scalar(*connection, "SELECT -5::TINYINT"), "-5");
  EXPECT_EQ(Scalar(*connection, "SELECT 18446744073709551615::UBIGINT"), "18446744073709551615");
  EXPECT_EQ(Scalar(*connection, "SELECT 3::DOUBLE"), "3.0");
  EXPECT_EQ(Scalar(*connection, "SELECT 0.1::DOUBLE"), "0.1");
  EXPECT_EQ(Scalar(*connection, "SELECT 'nan'::DOUBLE"), "nan");
  EXPECT_EQ(Scalar(*connection, "SELECT 1.5::FLOAT"), "1.5");
  EXPECT_EQ(Scalar(*connection, "SELECT true"), "true");
  EXPECT_EQ(Scalar(*connection, "SELECT NULL::VARCHAR"), std::nullopt);
  EXPECT_EQ(Scalar(*connection, "SELECT 1 WHERE false"), std::nullopt);
  EXPECT_EQ(Scalar(*connection, "SELECT sum(i) FROM range(4) t(i)"), "6");  // HUGEINT
  EXPECT_EQ(Scalar(*connection, "SELECT DATE '2024-01-02'"), "2024-01-02");
  EXPECT_EQ(Scalar(*connection, "SELECT [1, 2]"), "[1, 2]");
  Result<std::optional<std::string>> date =
      connection->QueryScalarString("SELECT 1; SELECT DATE '2024-01-02'");
  EXPECT_EQ(date.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(date.status().message(),
            "cannot render a DATE value as text here; cast it to VARCHAR in SQL");
}

}  // namespace
}  // namespace tessera::engine
