#include "tessera/engine/sql_text.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace tessera::engine {
namespace {

std::vector<std::string> Split(std::string_view sql) {
  std::vector<std::string> out;
  for (std::string_view statement : SplitStatements(sql))
    out.emplace_back(statement);
  return out;
}

using Strings = std::vector<std::string>;

TEST(EngineSqlTextTest, SplitsAtTopLevelSemicolons) {
  EXPECT_EQ(Split("SELECT 1; SELECT 2"), (Strings{"SELECT 1", "SELECT 2"}));
  EXPECT_EQ(Split("  SELECT 1 ;\n"), (Strings{"SELECT 1"}));
  EXPECT_EQ(Split(""), Strings{});
  EXPECT_EQ(Split(" ;; ; "), Strings{});
}

TEST(EngineSqlTextTest, IgnoresSemicolonsInStringsIdentifiersAndComments) {
  EXPECT_EQ(Split("SELECT 'a;b', 'it''s;'; SELECT 2"),
            (Strings{"SELECT 'a;b', 'it''s;'", "SELECT 2"}));
  EXPECT_EQ(Split("SELECT 1 AS \"x;\"\"y\"; SELECT 2"),
            (Strings{"SELECT 1 AS \"x;\"\"y\"", "SELECT 2"}));
  EXPECT_EQ(Split("SELECT E'a\\';b'; SELECT 2"), (Strings{"SELECT E'a\\';b'", "SELECT 2"}));
  EXPECT_EQ(Split("SELECT $$a;b$$, $tag$ ; $$ $tag$; SELECT $1"),
            (Strings{"SELECT $$a;b$$, $tag$ ; $$ $tag$", "SELECT $1"}));
  EXPECT_EQ(Split("SELECT 1 -- one; two\n; SELECT /* a /* nested; */ ; */ 2"),
            (Strings{"SELECT 1 -- one; two", "SELECT /* a /* nested; */ ; */ 2"}));
}

TEST(EngineSqlTextTest, DropsCommentOnlyPieces) {
  EXPECT_EQ(Split("SELECT 1; -- done"), (Strings{"SELECT 1"}));
  EXPECT_EQ(Split("/* a */ ; SELECT 1"), (Strings{"SELECT 1"}));
}

TEST(EngineSqlTextTest, UnterminatedQuoteRunsToTheEnd) {
  EXPECT_EQ(Split("SELECT 'abc; SELECT 2"), (Strings{"SELECT 'abc; SELECT 2"}));
  EXPECT_EQ(Split("SELECT 1 /* open; "), (Strings{"SELECT 1 /* open;"}));
}

}  // namespace
}  // namespace tessera::engine
