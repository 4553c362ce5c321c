#include "tessera/federation/scan_memo.h"

#include <thread>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::federation {
namespace {

using Op = engine::ColumnPredicate::Op;

TEST(ScanMemoTest, KeysSeparateTablesColumnsOnlyAndFilters) {
  std::vector<engine::ColumnPredicate> month2 = {{"month", Op::kEq, 2}};
  std::vector<engine::ColumnPredicate> month3 = {{"month", Op::kEq, 3}};
  std::string plain = ScanMemo::Key("east", "h1", "flights", false, nullptr);
  EXPECT_NE(plain, ScanMemo::Key("east", "h1", "other", false, nullptr));
  EXPECT_NE(plain, ScanMemo::Key("east", "h1", "flights", true, nullptr));
  EXPECT_NE(ScanMemo::Key("east", "h1", "flights", false, &month2),
            ScanMemo::Key("east", "h1", "flights", false, &month3));
  EXPECT_EQ(ScanMemo::Key("east", "h1", "flights", false, &month2),
            ScanMemo::Key("east", "h1", "flights", false, &month2));
  // Names cannot run into each other.
  EXPECT_NE(ScanMemo::Key("a", "bc", "d", false, nullptr),
            ScanMemo::Key("ab", "c", "d", false, nullptr));
}

TEST(ScanMemoTest, AnswersAreKeptForTheTtlOnly) {
  ScanMemo memo(std::chrono::seconds(1));
  EXPECT_FALSE(memo.Get("k").has_value());
  memo.Put("k", "SELECT 1");
  EXPECT_EQ(memo.Get("k"), std::optional<std::string>("SELECT 1"));
  memo.Put("k", "SELECT 2");
  EXPECT_EQ(memo.Get("k"), std::optional<std::string>("SELECT 2"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_FALSE(memo.Get("k").has_value());
}

TEST(ScanMemoTest, TheScanMacroRunsTheSqlTheFunctionAnswers) {
  ASSERT_OK_AND_ASSIGN(auto database, engine::Database::Open({}));
  ASSERT_OK_AND_ASSIGN(auto connection, engine::Connection::Open(*database));
  int calls = 0;
  ASSERT_OK(RegisterScanMacro(*connection, "demo_scan", "tessera_demo_sql",
                              [&calls](std::string_view mount, std::string_view schema,
                                       std::string_view table) -> Result<std::string> {
                                ++calls;
                                if (table == "missing")
                                  return Status::NotFound("no table " + std::string(table));
                                return "SELECT '" + std::string(mount) + "." + std::string(schema) +
                                       "." + std::string(table) + "' AS name";
                              }));
  ASSERT_OK_AND_ASSIGN(auto name,
                       connection->QueryScalarString("SELECT name FROM demo_scan('m', 's', 't')"));
  EXPECT_EQ(name, std::optional<std::string>("m.s.t"));
  EXPECT_GE(calls, 1);
  auto missing = connection->QueryScalarString("SELECT * FROM demo_scan('m', 's', 'missing')");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no table missing"), std::string::npos)
      << missing.status().message();
}

}  // namespace
}  // namespace tessera::federation
