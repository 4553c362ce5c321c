#include "tessera/engine/scan_hints.h"

#include <gtest/gtest.h>

#include "tessera/delta/transaction.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

using Op = ColumnPredicate::Op;

class ScanHintsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, Connection::Open(*database_));
    // A table with a partition column p and files with known id/s stats.
    auto& fs = storage::LocalStorage::Instance();
    delta::Transaction create(dir_.Sub("t"), nullptr);
    create.SetProtocol(delta::Protocol{1, 2, std::nullopt, std::nullopt});
    delta::Metadata m;
    m.id = "t";
    m.schema_string =
        R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
        R"({"name":"s","type":"string","nullable":true,"metadata":{}},)"
        R"({"name":"ts","type":"timestamp","nullable":true,"metadata":{}},)"
        R"({"name":"p","type":"integer","nullable":true,"metadata":{}}]})";
    m.partition_columns = {"p"};
    create.SetMetadata(m);
    ASSERT_OK(create.Commit(fs).status());
    ASSERT_OK_AND_ASSIGN(auto v0, delta::Snapshot::Load(fs, nullptr, dir_.Sub("t"), std::nullopt));
    delta::Transaction append(dir_.Sub("t"), v0);
    append.Add(File(
        "a", "1",
        R"({"numRecords":10,"minValues":{"id":0,"s":"apple"},"maxValues":{"id":99,"s":"kiwi"},"nullCount":{"id":0}})"));
    append.Add(
        File("b", "2", R"({"numRecords":10,"minValues":{"id":100},"maxValues":{"id":199}})"));
    append.Add(File("c", std::nullopt, std::nullopt));
    ASSERT_OK(append.Commit(fs).status());
    ASSERT_OK_AND_ASSIGN(snapshot_,
                         delta::Snapshot::Load(fs, nullptr, dir_.Sub("t"), std::nullopt));
  }

  static delta::AddFile File(const std::string& path, std::optional<std::string> p,
                             std::optional<std::string> stats) {
    delta::AddFile f;
    f.path = path;
    f.partition_values["p"] = std::move(p);
    f.stats = std::move(stats);
    return f;
  }

  // The files a predicate keeps, as a string like "ac".
  std::string Kept(std::vector<ColumnPredicate> predicates) {
    std::string out;
    for (const auto& f : snapshot_->files()) {
      if (FileMayMatch(*snapshot_, f, predicates))
        out += f.path;
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
  std::shared_ptr<const delta::Snapshot> snapshot_;
};

TEST_F(ScanHintsTest, SkipsOnlyFilesThatCannotMatch) {
  EXPECT_EQ(Kept({{"id", Op::kEq, 150}}), "bc");  // c has no stats: kept
  EXPECT_EQ(Kept({{"id", Op::kEq, 99}}), "ac");
  EXPECT_EQ(Kept({{"id", Op::kLt, 100}}), "ac");
  EXPECT_EQ(Kept({{"id", Op::kLe, 100}}), "abc");
  EXPECT_EQ(Kept({{"id", Op::kGt, 199}}), "c");
  EXPECT_EQ(Kept({{"id", Op::kGe, 199}}), "bc");
  EXPECT_EQ(Kept({{"id", Op::kEq, 1000}}), "c");
  EXPECT_EQ(Kept({{"s", Op::kEq, "banana"}}), "abc");  // b has no stats for s
  EXPECT_EQ(Kept({{"s", Op::kGt, "zebra"}}), "bc");
  EXPECT_EQ(Kept({{"s", Op::kEq, 5}}), "abc");  // not comparable: nothing proved
  EXPECT_EQ(Kept({{"p", Op::kEq, 2}}), "b");    // partition values; c's is NULL
  EXPECT_EQ(Kept({{"p", Op::kGe, 1}, {"id", Op::kGt, 150}}), "b");
  EXPECT_EQ(Kept({{"ts", Op::kEq, "2024-01-01"}}), "abc");  // timestamps are never used
  EXPECT_EQ(Kept({{"nope", Op::kEq, 1}}), "abc");
}

TEST_F(ScanHintsTest, ExtractsOnlyFromSingleTableQueries) {
  std::string root = dir_.Sub("t");
  auto hints = ExtractScanHints(
      *connection_,
      "SELECT count(*) FROM delta_scan('" + root + "') WHERE id = 5 AND 10 < s AND f(x)", "/data");
  ASSERT_TRUE(hints.has_value());
  EXPECT_EQ(hints->table_root, root);
  ASSERT_EQ(hints->predicates.size(), 2u);
  EXPECT_EQ(hints->predicates[0].column, "id");
  EXPECT_EQ(hints->predicates[0].op, Op::kEq);
  EXPECT_EQ(hints->predicates[1].column, "s");
  EXPECT_EQ(hints->predicates[1].op, Op::kGt);  // 10 < s flipped
  auto view =
      ExtractScanHints(*connection_, "SELECT * FROM Shop.Sales.Orders WHERE id <= 3", "/data");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->table_root, "/data/tables/shop/sales/orders");
  for (const std::string sql : {"SELECT * FROM a.b.c t JOIN a.b.d u USING (id) WHERE id = 1",
                                "SELECT * FROM a.b.c WHERE id = 1 AND s IN (SELECT s FROM a.b.c)",
                                "SELECT * FROM a.b.c WHERE id = 1 OR id = 2",
                                "SELECT * FROM delta_scan('/x', version := 1) WHERE id = 1",
                                "SELECT * FROM a.b.c", "SELEC broken", "SELECT 1; SELECT 2"}) {
    EXPECT_FALSE(ExtractScanHints(*connection_, sql, "/data").has_value()) << sql;
  }
}

TEST_F(ScanHintsTest, ALimitOverThePlainTableIsAHintAndNothingElseIs) {
  auto limit = [&](const std::string& sql) -> std::optional<int64_t> {
    auto hints = ExtractScanHints(*connection_, sql, "/data");
    return hints ? hints->limit : std::nullopt;
  };
  EXPECT_EQ(limit("SELECT * FROM a.b.c LIMIT 10"), 10);
  EXPECT_EQ(limit("SELECT id, s FROM a.b.c LIMIT 10 OFFSET 5"), 15);
  EXPECT_EQ(limit("SELECT * FROM delta_scan('/x') LIMIT 3"), 3);
  for (const char* sql :
       {"SELECT * FROM a.b.c WHERE id > 1 LIMIT 10", "SELECT * FROM a.b.c ORDER BY id LIMIT 10",
        "SELECT DISTINCT s FROM a.b.c LIMIT 10", "SELECT count(*) FROM a.b.c LIMIT 10",
        "SELECT s, count(*) FROM a.b.c GROUP BY s LIMIT 10", "SELECT id + 1 FROM a.b.c LIMIT 10",
        "SELECT * FROM a.b.c LIMIT (SELECT 1)", "SELECT * FROM a.b.c LIMIT 10%",
        "SELECT * FROM a.b.c"}) {
    EXPECT_EQ(limit(sql), std::nullopt) << sql;
  }
}

TEST_F(ScanHintsTest, ColumnNamesAreEveryNameTheQueryUsesUnlessItSelectsStar) {
  auto columns = [&](const std::string& sql) -> std::string {
    auto hints = ExtractScanHints(*connection_, sql, "/data");
    if (!hints || !hints->columns)
      return "all";
    std::string text;
    for (const std::string& c : *hints->columns)
      text += c + " ";
    return text;
  };
  EXPECT_EQ(columns("SELECT Name, count(*) FROM a.b.c WHERE id > 1 GROUP BY name ORDER BY 2"),
            "id name ");
  EXPECT_EQ(columns("SELECT t.x AS y FROM a.b.c AS t ORDER BY y"), "t x y ");
  EXPECT_EQ(columns("SELECT count(*) FROM a.b.c"), "");
  EXPECT_EQ(columns("SELECT * FROM a.b.c WHERE id = 1"), "all");
  EXPECT_EQ(columns("SELECT COLUMNS('a.*') FROM a.b.c"), "all");
  EXPECT_EQ(columns("SELECT c.* FROM a.b.c AS c"), "all");
}

TEST_F(ScanHintsTest, HintsAreScopedToTheThreadAndTable) {
  EXPECT_EQ(ScopedScanHints::For("/t"), nullptr);
  {
    ScopedScanHints hints(ScanHints{"/t", {{"id", Op::kEq, 1}}, std::nullopt, std::nullopt});
    ASSERT_NE(ScopedScanHints::For("/t"), nullptr);
    EXPECT_EQ(ScopedScanHints::For("/other"), nullptr);
    EXPECT_EQ(ScopedScanHints::LimitFor("/t"), std::nullopt);
  }
  {
    ScopedScanHints hints(ScanHints{"/t", {}, 25, std::nullopt});
    EXPECT_EQ(ScopedScanHints::For("/t"), nullptr);  // no predicates: nothing to skip by
    EXPECT_EQ(ScopedScanHints::LimitFor("/t"), 25);
    EXPECT_EQ(ScopedScanHints::LimitFor("/other"), std::nullopt);
  }
  EXPECT_EQ(ScopedScanHints::For("/t"), nullptr);
}

}  // namespace
}  // namespace tessera::engine
