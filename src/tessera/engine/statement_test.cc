#include "tessera/engine/statement.h"

#include <gtest/gtest.h>

#include "tessera/engine/database.h"
#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

class StatementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, Connection::Open(*database_));
  }
  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(StatementTest, DescribesAndRunsWithNewParametersEachTime) {
  ASSERT_OK_AND_ASSIGN(auto statement,
                       Statement::Prepare(*connection_, "SELECT $1::BIGINT * 2 AS doubled"));
  EXPECT_EQ(statement->type(), DUCKDB_STATEMENT_TYPE_SELECT);
  EXPECT_EQ(statement->parameter_count(), 1);
  ASSERT_EQ(statement->columns().size(), 1u);
  EXPECT_EQ(statement->columns()[0].name, "doubled");
  EXPECT_EQ(statement->columns()[0].type.name, "BIGINT");
  for (int64_t value : {3, 21}) {
    ASSERT_EQ(duckdb_bind_int64(statement->handle(), 1, value), DuckDBSuccess);
    ASSERT_OK_AND_ASSIGN(auto result, statement->Execute());
    ASSERT_OK_AND_ASSIGN(auto chunk, result->Fetch());
    ASSERT_NE(chunk, nullptr);
    EXPECT_EQ(chunk->GetInt64(0, 0), value * 2);
  }
}

TEST_F(StatementTest, ResultIsClosedWhenAnotherStatementRuns) {
  ASSERT_OK_AND_ASSIGN(auto statement, Statement::Prepare(*connection_, "SELECT 1"));
  ASSERT_OK_AND_ASSIGN(auto result, statement->Execute());
  ASSERT_OK(connection_->Execute("SELECT 2"));
  EXPECT_EQ(result->Fetch().status().code(), StatusCode::kInvalidArgument);
}

TEST_F(StatementTest, RefusesEmptyMultipleAndInvalidStatements) {
  EXPECT_EQ(Statement::Prepare(*connection_, "  ").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Statement::Prepare(*connection_, "SELECT 1; SELECT 2").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(Statement::Prepare(*connection_, "SELEC 1").ok());
  // DuckDB's catalog error, as StatusFromDuckdb maps it (the access layer turns it into
  // "relation does not exist").
  auto missing = Statement::Prepare(*connection_, "SELECT * FROM missing_table");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("Table with name missing_table does not exist"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera::engine
