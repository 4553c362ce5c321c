#include "tessera/engine/cell_format.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/engine/database.h"
#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

class DateTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, Connection::Open(*database_));
  }

  // DuckDB's own text for each value, one query for all of them.
  std::vector<std::string> DuckDbTexts(const std::string& cast,
                                       const std::vector<int64_t>& values) {
    std::string list;
    for (int64_t v : values)
      list += (list.empty() ? "" : ",") + std::to_string(v);
    auto joined = connection_->QueryScalarString(
        "SELECT string_agg(" + cast + ", chr(10) ORDER BY i) FROM (SELECT unnest([" + list +
        "]::BIGINT[]) AS v, generate_subscripts([" + list + "]::BIGINT[], 1) AS i)");
    EXPECT_TRUE(joined.ok()) << joined.status().message();
    std::vector<std::string> out;
    std::string all = joined.ok() ? joined->value_or("") : "";
    size_t start = 0;
    while (start <= all.size()) {
      size_t end = all.find('\n', start);
      if (end == std::string::npos)
        end = all.size();
      out.push_back(all.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(DateTextTest, TimestampsReadExactlyAsDuckDbCastsThem) {
  std::vector<int64_t> values = {0,
                                 -1,
                                 1,
                                 500'000,
                                 123,
                                 978'307'260'000'000,      // 2001-01-01 00:01:00
                                 -62'135'596'800'000'000,  // 0001-01-01
                                 -62'135'596'800'000'001,  // the last microsecond BC
                                 -63'524'476'800'000'000,  // 0045 BC
                                 253'402'300'799'999'999,  // 9999-12-31 23:59:59.999999
                                 327'679'800'000'000'000,  // year 12353
                                 951'782'400'000'000};     // 2000-02-29
  std::mt19937_64 random(42);
  std::uniform_int_distribution<int64_t> any(-300'000'000'000'000'000, 300'000'000'000'000'000);
  for (int i = 0; i < 3000; ++i) {
    int64_t v = any(random);
    values.push_back(v);
    values.push_back(v - v % 1'000'000);  // whole seconds
    values.push_back(v - v % 1000);       // milliseconds
  }
  std::vector<std::string> expected = DuckDbTexts("CAST(make_timestamp(v) AS VARCHAR)", values);
  ASSERT_EQ(expected.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    std::string ours;
    AppendTimestampText(ours, values[i]);
    ASSERT_EQ(ours, expected[i]) << "micros " << values[i];
  }
  // DuckDB keeps the infinities as the extreme values, and prints them as words.
  std::string infinite;
  AppendTimestampText(infinite, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(infinite, "infinity");
  infinite.clear();
  AppendTimestampText(infinite, -std::numeric_limits<int64_t>::max());
  EXPECT_EQ(infinite, "-infinity");
}

TEST_F(DateTextTest, DatesReadExactlyAsDuckDbCastsThem) {
  std::vector<int64_t> values = {0,        -1,       1,         11'016,   -719'162,
                                 -719'163, -735'000, 2'932'896, 3'000'000};
  std::mt19937 random(7);
  std::uniform_int_distribution<int32_t> any(-3'000'000, 3'000'000);
  for (int i = 0; i < 5000; ++i)
    values.push_back(any(random));
  std::vector<std::string> expected =
      DuckDbTexts("CAST(DATE '1970-01-01' + CAST(v AS INTEGER) AS VARCHAR)", values);
  ASSERT_EQ(expected.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    std::string ours;
    AppendDateText(ours, static_cast<int32_t>(values[i]));
    ASSERT_EQ(ours, expected[i]) << "days " << values[i];
  }
  std::string infinite;
  AppendDateText(infinite, std::numeric_limits<int32_t>::max());
  EXPECT_EQ(infinite, "infinity");
  infinite.clear();
  AppendDateText(infinite, -std::numeric_limits<int32_t>::max());
  EXPECT_EQ(infinite, "-infinity");
}

}  // namespace
}  // namespace tessera::engine
