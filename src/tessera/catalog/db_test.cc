#include "tessera/catalog/db.h"

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::catalog {
namespace {

using tessera::testing::TempDir;

Result<int64_t> QueryInt(Db& db, const std::string& sql) {
  TESSERA_ASSIGN_OR_RETURN(Statement stmt, db.Prepare(sql));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return Status::NotFound("no row");
  return stmt.ColumnInt64(0);
}

TEST(DbTest, OpenCreatesParentDirectoryInWalModeWithForeignKeys) {
  TempDir dir;
  std::string path = dir.Sub("a/b/catalog.db");
  ASSERT_OK_AND_ASSIGN(auto db, Db::Open(path));
  EXPECT_TRUE(std::filesystem::exists(path));
  ASSERT_OK_AND_ASSIGN(Statement mode, db->Prepare("PRAGMA journal_mode"));
  ASSERT_OK_AND_ASSIGN(bool row, mode.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(mode.ColumnText(0), "wal");
  ASSERT_OK_AND_ASSIGN(int64_t fk, QueryInt(*db, "PRAGMA foreign_keys"));
  EXPECT_EQ(fk, 1);
  ASSERT_OK_AND_ASSIGN(int64_t sync, QueryInt(*db, "PRAGMA synchronous"));
  EXPECT_EQ(sync, 1);  // NORMAL
}

TEST(DbTest, StatementBindStepColumns) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto db, Db::Open(dir.Sub("c.db")));
  ASSERT_OK(db->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, note TEXT)"));
  ASSERT_OK_AND_ASSIGN(Statement insert, db->Prepare("INSERT INTO t VALUES (?, ?, ?)"));
  insert.Bind(1, int64_t{7}).Bind(2, "seven").BindNull(3);
  ASSERT_OK(insert.Run());
  EXPECT_EQ(db->Changes(), 1);
  EXPECT_EQ(db->LastInsertRowId(), 7);
  insert.Reset();
  std::string with_nul("a\0b", 3);
  insert.Bind(1, int64_t{-9000000000})
      .Bind(2, std::string_view(with_nul))
      .BindOpt(3, std::optional<std::string>("n"));
  ASSERT_OK(insert.Run());

  ASSERT_OK_AND_ASSIGN(Statement select, db->Prepare("SELECT id, name, note FROM t ORDER BY id"));
  ASSERT_OK_AND_ASSIGN(bool row, select.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(select.ColumnInt64(0), -9000000000);
  EXPECT_EQ(select.ColumnText(1), with_nul);
  EXPECT_EQ(select.ColumnOptText(2), std::optional<std::string>("n"));
  ASSERT_OK_AND_ASSIGN(row, select.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(select.ColumnInt64(0), 7);
  EXPECT_EQ(select.ColumnText(1), "seven");
  EXPECT_TRUE(select.ColumnIsNull(2));
  EXPECT_EQ(select.ColumnOptText(2), std::nullopt);
  EXPECT_EQ(select.ColumnOptInt64(2), std::nullopt);
  ASSERT_OK_AND_ASSIGN(row, select.Step());
  EXPECT_FALSE(row);
}

TEST(DbTest, ErrorsMapToStatusCodes) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto db, Db::Open(dir.Sub("c.db")));
  ASSERT_OK(
      db->Exec("CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER CHECK (n > 0));"
               "CREATE TABLE c (p INTEGER REFERENCES p(id))"));
  ASSERT_OK(db->Exec("INSERT INTO p VALUES (1, 'a', 1)"));
  Status dup = db->Exec("INSERT INTO p VALUES (2, 'a', 1)");
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists) << dup.ToString();
  EXPECT_NE(dup.message().find("UNIQUE constraint failed: p.name"), std::string::npos);
  EXPECT_EQ(db->Exec("INSERT INTO p VALUES (1, 'b', 1)").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(db->Exec("INSERT INTO p VALUES (3, 'c', 0)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Exec("INSERT INTO c VALUES (99)").code(), StatusCode::kConflict);
  EXPECT_EQ(db->Exec("SELEC 1").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Prepare("SELECT * FROM missing").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Prepare("").status().code(), StatusCode::kInvalidArgument);
  // A bind error surfaces at Step.
  ASSERT_OK_AND_ASSIGN(Statement stmt, db->Prepare("SELECT ?"));
  stmt.Bind(5, int64_t{1});
  EXPECT_EQ(stmt.Step().status().code(), StatusCode::kInvalidArgument);
  stmt.Reset();
  stmt.Bind(1, int64_t{1});
  ASSERT_OK_AND_ASSIGN(bool row, stmt.Step());
  EXPECT_TRUE(row);
}

TEST(DbTest, NotADatabaseIsCorruption) {
  TempDir dir;
  tessera::testing::WriteFile(dir.path() / "c.db", std::string(4096, 'x'));
  auto db = Db::Open(dir.Sub("c.db"));
  EXPECT_EQ(db.status().code(), StatusCode::kCorruption) << db.status().ToString();
}

TEST(DbTest, UnopenablePathIsIoError) {
  TempDir dir;
  tessera::testing::WriteFile(dir.path() / "file", "x");
  // The parent "directory" is a regular file.
  auto db = Db::Open(dir.Sub("file/c.db"));
  EXPECT_EQ(db.status().code(), StatusCode::kIoError) << db.status().ToString();
}

TEST(TransactionTest, RollsBackUnlessCommitted) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto db, Db::Open(dir.Sub("c.db")));
  ASSERT_OK(db->Exec("CREATE TABLE t (x INTEGER)"));
  {
    ASSERT_OK_AND_ASSIGN(Transaction txn, Transaction::Begin(*db));
    ASSERT_OK(db->Exec("INSERT INTO t VALUES (1)"));
  }
  ASSERT_OK_AND_ASSIGN(int64_t n, QueryInt(*db, "SELECT count(*) FROM t"));
  EXPECT_EQ(n, 0);
  {
    ASSERT_OK_AND_ASSIGN(Transaction txn, Transaction::Begin(*db));
    ASSERT_OK(db->Exec("INSERT INTO t VALUES (2)"));
    Transaction moved = std::move(txn);
    ASSERT_OK(moved.Commit());
  }
  ASSERT_OK_AND_ASSIGN(n, QueryInt(*db, "SELECT sum(x) FROM t"));
  EXPECT_EQ(n, 2);
}

TEST(TransactionTest, SecondConnectionWaitsThenConflicts) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto a, Db::Open(dir.Sub("c.db")));
  ASSERT_OK_AND_ASSIGN(auto b,
                       Db::Open(dir.Sub("c.db"), DbOptions{std::chrono::milliseconds(100)}));
  ASSERT_OK(a->Exec("CREATE TABLE t (x INTEGER)"));
  ASSERT_OK_AND_ASSIGN(Transaction txn, Transaction::Begin(*a));
  ASSERT_OK(a->Exec("INSERT INTO t VALUES (1)"));
  auto start = std::chrono::steady_clock::now();
  auto blocked = Transaction::Begin(*b);
  EXPECT_EQ(blocked.status().code(), StatusCode::kConflict) << blocked.status().ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(90));
  // WAL: the reader sees the last committed state while the writer is busy.
  ASSERT_OK_AND_ASSIGN(int64_t n, QueryInt(*b, "SELECT count(*) FROM t"));
  EXPECT_EQ(n, 0);
  ASSERT_OK(txn.Commit());
  ASSERT_OK_AND_ASSIGN(n, QueryInt(*b, "SELECT count(*) FROM t"));
  EXPECT_EQ(n, 1);
}

// Two threads on one Db and two more on a second Db over the same file: every increment
// lands exactly once.
TEST(TransactionTest, ConcurrentIncrementsFromThreadsAndConnections) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto a, Db::Open(dir.Sub("c.db")));
  ASSERT_OK_AND_ASSIGN(auto b, Db::Open(dir.Sub("c.db")));
  ASSERT_OK(a->Exec("CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)"));
  constexpr int kPerThread = 100;
  auto work = [&](Db* db) {
    for (int i = 0; i < kPerThread; ++i) {
      auto txn = Transaction::Begin(*db);
      ASSERT_TRUE(txn.ok()) << txn.status().ToString();
      auto read = QueryInt(*db, "SELECT n FROM counter");
      ASSERT_TRUE(read.ok()) << read.status().ToString();
      auto update = db->Prepare("UPDATE counter SET n = ?");
      ASSERT_TRUE(update.ok());
      update->Bind(1, *read + 1);
      ASSERT_TRUE(update->Run().ok());
      ASSERT_TRUE(txn->Commit().ok());
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(work, a.get());
  threads.emplace_back(work, a.get());
  threads.emplace_back(work, b.get());
  threads.emplace_back(work, b.get());
  for (auto& t : threads)
    t.join();
  ASSERT_OK_AND_ASSIGN(int64_t n, QueryInt(*a, "SELECT n FROM counter"));
  EXPECT_EQ(n, 4 * kPerThread);
}

TEST(MigrateTest, AppliesEachStepOnce) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto db, Db::Open(dir.Sub("c.db")));
  std::vector<std::string> steps = {"CREATE TABLE a (x INTEGER)", "INSERT INTO a VALUES (1)"};
  ASSERT_OK(Migrate(*db, "demo", steps));
  ASSERT_OK(Migrate(*db, "demo", steps));
  ASSERT_OK_AND_ASSIGN(int64_t n, QueryInt(*db, "SELECT count(*) FROM a"));
  EXPECT_EQ(n, 1);
  steps.push_back("INSERT INTO a VALUES (2)");
  ASSERT_OK(Migrate(*db, "demo", steps));
  ASSERT_OK_AND_ASSIGN(n, QueryInt(*db, "SELECT sum(x) FROM a"));
  EXPECT_EQ(n, 3);
  ASSERT_OK_AND_ASSIGN(
      n, QueryInt(*db, "SELECT max(version) FROM schema_versions WHERE component = 'demo'"));
  EXPECT_EQ(n, 3);
  // Components are independent.
  ASSERT_OK(Migrate(*db, "other", {"CREATE TABLE b (y INTEGER)"}));
  ASSERT_OK_AND_ASSIGN(n, QueryInt(*db, "SELECT count(*) FROM schema_versions"));
  EXPECT_EQ(n, 4);
}

TEST(MigrateTest, FailingStepRollsBackAllPendingSteps) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto db, Db::Open(dir.Sub("c.db")));
  ASSERT_OK(Migrate(*db, "other", {"CREATE TABLE b (y INTEGER)"}));
  Status status =
      Migrate(*db, "demo", {"CREATE TABLE a (x INTEGER)", "CREATE TABLE a (x INTEGER)"});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("migrating the demo schema to version 2"), std::string::npos)
      << status.ToString();
  EXPECT_EQ(db->Prepare("SELECT * FROM a").status().code(), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(int64_t n, QueryInt(*db, "SELECT count(*) FROM schema_versions"));
  EXPECT_EQ(n, 1);
}

TEST(MigrateTest, RefusesNewerSchema) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto db, Db::Open(dir.Sub("c.db")));
  ASSERT_OK(Migrate(*db, "demo", {"SELECT 1", "SELECT 2"}));
  Status status = Migrate(*db, "demo", {"SELECT 1"});
  EXPECT_EQ(status.code(), StatusCode::kUnsupported);
  EXPECT_NE(status.message().find("schema version 2"), std::string::npos) << status.ToString();
}

TEST(MigrateTest, ConcurrentProcessesMigrateOnce) {
  TempDir dir;
  std::vector<std::string> steps = {"CREATE TABLE a (x INTEGER)", "INSERT INTO a VALUES (1)"};
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto db = Db::Open(dir.Sub("c.db"));
      results[i] = db.ok() ? Migrate(**db, "demo", steps) : db.status();
    });
  }
  for (auto& t : threads)
    t.join();
  for (const Status& s : results)
    EXPECT_OK(s);
  ASSERT_OK_AND_ASSIGN(auto db, Db::Open(dir.Sub("c.db")));
  ASSERT_OK_AND_ASSIGN(int64_t n, QueryInt(*db, "SELECT count(*) FROM a"));
  EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace tessera::catalog
