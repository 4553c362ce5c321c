#include "tessera/ports/pgwire/commands.h"

#include <gtest/gtest.h>

namespace tessera::ports::pgwire {
namespace {

TEST(ClassifyCommandTest, TransactionVerbsWithTheirSpellings) {
  EXPECT_EQ(ClassifyCommand("BEGIN").kind, CommandKind::kBegin);
  EXPECT_EQ(ClassifyCommand("start transaction isolation level repeatable read").kind,
            CommandKind::kBegin);
  EXPECT_EQ(ClassifyCommand("END").kind, CommandKind::kCommit);
  EXPECT_EQ(ClassifyCommand("abort").kind, CommandKind::kRollback);
  EXPECT_EQ(ClassifyCommand("  -- nothing\n ").kind, CommandKind::kEmpty);
}

TEST(ClassifyCommandTest, SetTakesEveryFormPsqlAndDriversSend) {
  Command set = ClassifyCommand("SET SESSION extra_float_digits = 3");
  EXPECT_EQ(set.kind, CommandKind::kSet);
  EXPECT_EQ(set.name, "extra_float_digits");
  EXPECT_EQ(set.value, "3");
  Command zone = ClassifyCommand("SET TIME ZONE 'Europe/Berlin'");
  EXPECT_EQ(zone.name, "timezone");
  EXPECT_EQ(zone.value, "Europe/Berlin");
  Command path = ClassifyCommand("set search_path to public, \"Sales\"");
  EXPECT_EQ(path.name, "search_path");
  EXPECT_EQ(path.value, "public,Sales");
  EXPECT_EQ(ClassifyCommand("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY").kind,
            CommandKind::kDiscard);
}

TEST(ClassifyCommandTest, ShowOfOursAndShowOfDuckdb) {
  Command show = ClassifyCommand("SHOW TRANSACTION ISOLATION LEVEL");
  EXPECT_EQ(show.kind, CommandKind::kShow);
  EXPECT_EQ(show.name, "transaction_isolation");
  EXPECT_EQ(ClassifyCommand("show time zone").name, "timezone");
  EXPECT_EQ(ClassifyCommand("SHOW TABLES").kind, CommandKind::kSql);
}

TEST(ClassifyCommandTest, DeclareKeepsItsQueryVerbatimAndKnowsHold) {
  Command plain = ClassifyCommand(
      "DECLARE \"C1\" NO SCROLL CURSOR WITHOUT HOLD FOR SELECT 'with hold' AS x FROM t");
  EXPECT_EQ(plain.kind, CommandKind::kDeclare);
  EXPECT_EQ(plain.name, "C1");
  EXPECT_FALSE(plain.hold);
  EXPECT_EQ(plain.value, "SELECT 'with hold' AS x FROM t");
  Command held = ClassifyCommand("declare Big cursor with hold for select 1");
  EXPECT_EQ(held.name, "big");
  EXPECT_TRUE(held.hold);
  EXPECT_EQ(held.value, "select 1");
  // No FOR: DuckDB reports the syntax error.
  EXPECT_EQ(ClassifyCommand("DECLARE c CURSOR WITH HOLD").kind, CommandKind::kSql);
}

TEST(ClassifyCommandTest, FetchMoveAndClose) {
  Command fetch = ClassifyCommand("FETCH FORWARD 2000 FROM \"c_1\"");
  EXPECT_EQ(fetch.kind, CommandKind::kFetch);
  EXPECT_EQ(fetch.count, 2000);
  EXPECT_EQ(fetch.name, "c_1");
  EXPECT_FALSE(fetch.move);
  Command all = ClassifyCommand("fetch all in C");
  EXPECT_EQ(all.count, std::nullopt);
  EXPECT_EQ(all.name, "c");
  EXPECT_EQ(ClassifyCommand("FETCH c").count, 1);
  EXPECT_TRUE(ClassifyCommand("MOVE 5 IN c").move);
  EXPECT_EQ(ClassifyCommand("FETCH 99999999999999999999 FROM c").kind, CommandKind::kSql);
  EXPECT_EQ(ClassifyCommand("FETCH").kind, CommandKind::kSql);
  EXPECT_EQ(ClassifyCommand("CLOSE ALL").name, "");
  EXPECT_EQ(ClassifyCommand("CLOSE c").name, "c");
}

TEST(ClassifyCommandTest, CopyToStdoutOnly) {
  Command table = ClassifyCommand("COPY sales.orders TO STDOUT WITH (FORMAT csv, HEADER)");
  EXPECT_EQ(table.kind, CommandKind::kCopyOut);
  EXPECT_EQ(table.value, "SELECT * FROM sales.orders");
  EXPECT_TRUE(table.csv);
  EXPECT_TRUE(table.header);
  EXPECT_EQ(table.delimiter, ',');
  Command query = ClassifyCommand("COPY (SELECT 1 AS \"to\") TO STDOUT DELIMITER '|' CSV");
  EXPECT_EQ(query.value, "SELECT 1 AS \"to\"");
  EXPECT_EQ(query.delimiter, '|');
  Command text = ClassifyCommand("copy t to stdout");
  EXPECT_FALSE(text.csv);
  EXPECT_EQ(text.delimiter, '\t');
  EXPECT_EQ(ClassifyCommand("COPY t TO '/tmp/x.csv'").kind, CommandKind::kSql);
}

TEST(CommandTagForTest, TagsAsPostgresSendsThem) {
  EXPECT_EQ(CommandTagFor("select 1", 1), "SELECT 1");
  EXPECT_EQ(CommandTagFor("WITH x AS (SELECT 1) SELECT * FROM x", 3), "SELECT 3");
  EXPECT_EQ(CommandTagFor("INSERT INTO t VALUES (1)", 1), "INSERT 0 1");
  EXPECT_EQ(CommandTagFor("delete from t", 4), "DELETE 4");
  EXPECT_EQ(CommandTagFor("CREATE OR REPLACE VIEW v AS SELECT 1", 0), "CREATE");
  EXPECT_EQ(CommandTagFor("create table t (x int)", 0), "CREATE TABLE");
  EXPECT_EQ(CommandTagFor("VACUUM", 0), "VACUUM");
  EXPECT_EQ(CommandTagFor("", 0), "OK");
}

}  // namespace
}  // namespace tessera::ports::pgwire
