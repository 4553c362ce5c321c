#include "tessera/catalog/search_rank.h"

#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::catalog {
namespace {

using Scores = std::vector<std::pair<int64_t, double>>;

Scores Rank(Db& db, const std::string& function, const std::string& match,
            const std::string& order) {
  Scores out;
  auto row = db.Prepare("SELECT rowid, " + function +
                        "(product_search, 10.0, 4.0, 2.0, 5.0, 3.0) AS score FROM product_search "
                        "WHERE product_search MATCH ?1 " +
                        order);
  EXPECT_TRUE(row.ok()) << row.status().ToString();
  if (!row.ok())
    return out;
  row->Bind(1, match);
  while (true) {
    auto more = row->Step();
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more)
      break;
    out.emplace_back(row->ColumnInt64(0), row->ColumnDouble(1));
  }
  return out;
}

// product_search_bm25 must be bm25 to the last bit, on dense and sparse matches, in rowid order
// either way (the lengths cursor steps forward, seeks backward) and ranked.
TEST(ProductSearchRankTest, ScoresExactlyAsBm25) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto db, Db::Open(dir.Sub("catalog.db")));
  ASSERT_OK(db->Exec(
      "CREATE VIRTUAL TABLE product_search USING fts5(names, description, columns, tags, owner, "
      "domain UNINDEXED, tokenize = 'porter unicode61')"));
  ASSERT_OK(RegisterProductSearchRank(*db));
  const std::vector<std::string> words = {"flights",  "delay",   "airport", "revenue", "orders",
                                          "customer", "invoice", "weather", "sensor",  "rare"};
  std::mt19937 rng(7);
  std::discrete_distribution<size_t> pick({40, 20, 10, 8, 6, 5, 4, 3, 2, 1});
  auto text = [&](int n) {
    std::string out;
    for (int i = 0; i < n; ++i)
      out += words[pick(rng)] + " ";
    return out;
  };
  ASSERT_OK_AND_ASSIGN(auto insert, db->Prepare("INSERT INTO product_search(rowid, names, "
                                                "description, columns, tags, owner, domain) "
                                                "VALUES (?, ?, ?, ?, ?, ?, 'd')"));
  for (int64_t id = 1; id <= 3000; ++id) {
    insert.Reset();
    insert.Bind(1, id * (id % 7 == 0 ? 5 : 1)).Bind(2, text(2)).Bind(3, text(1 + id % 9));
    insert.Bind(4, text(static_cast<int>(id % 17))).Bind(5, text(2)).Bind(6, text(1));
    ASSERT_OK(insert.Run());
  }
  ASSERT_OK(db->Exec("DELETE FROM product_search WHERE rowid % 11 = 3"));
  for (const char* match : {"\"flights\"", "\"flights\" \"delay\"*", "\"rare\"", "\"sens\"*",
                            "\"weather\" \"rare\"", "\"nothing\""}) {
    for (const char* order : {"", "ORDER BY rowid DESC", "ORDER BY score LIMIT 20"}) {
      Scores expected = Rank(*db, "bm25", match, order);
      Scores actual = Rank(*db, "product_search_bm25", match, order);
      EXPECT_EQ(actual, expected) << match << " " << order;
      if (std::string(match) == "\"flights\"" && std::string(order).empty()) {
        EXPECT_GT(expected.size(), 1000u);
      }
    }
  }
}

}  // namespace
}  // namespace tessera::catalog
