#include "tessera/common/time.h"

#include <array>
#include <ctime>
#include <string>

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(TimeTest, FormatsIso8601) {
  EXPECT_EQ(FormatIso8601Millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(1587968586154), "2020-04-27T06:23:06.154Z");
}

TEST(TimeTest, FormatsLikeStrftimeAcrossYearsAndLeapDays) {
  for (int64_t seconds : {int64_t{0}, int64_t{784111777}, int64_t{951782400}, int64_t{1709164800},
                          int64_t{1764000000}, int64_t{4102444799}, int64_t{-86401}}) {
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char http[64];
    std::strftime(http, sizeof http, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    EXPECT_EQ(FormatHttpDate(seconds), http) << seconds;
    char iso[64];
    std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &utc);
    EXPECT_EQ(FormatIso8601Millis(seconds * 1000 + 7), std::string(iso) + ".007Z") << seconds;
  }
  EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
}

TEST(TimeTest, FormatsIntoBuffers) {
  std::string line = "at ";
  AppendIso8601Millis(line, 1587968586154);
  AppendIso8601Millis(line, -1);
  EXPECT_EQ(line, "at 2020-04-27T06:23:06.154Z1969-12-31T23:59:59.999Z");
  std::string far;
  AppendIso8601Millis(far, int64_t{253402300800000});  // year 10000: the slow path
  EXPECT_EQ(far, FormatIso8601Millis(253402300800000));
  std::array<char, kHttpDateLength + 1> http{};
  http.back() = '#';
  FormatHttpDate(784111777, http.data());
  EXPECT_EQ(std::string_view(http.data(), http.size()), "Sun, 06 Nov 1994 08:49:37 GMT#");
}

TEST(TimeTest, ParsesTimestamps) {
  EXPECT_EQ(*ParseTimestampMicros("1970-01-01"), 0);
  EXPECT_EQ(*ParseTimestampMicros("2020-04-27T06:23:06.154Z"), 1587968586154000);
  EXPECT_EQ(*ParseTimestampMicros("2020-04-27 06:23:06.154"), 1587968586154000);
  EXPECT_EQ(*ParseTimestampMicros("2020-04-27T08:23:06.154+02:00"), 1587968586154000);
  EXPECT_EQ(*ParseTimestampMicros("1971-07-22T03:06:40.000000Z"), 49000000000000);
  EXPECT_FALSE(ParseTimestampMicros("2020-13-01").ok());
  EXPECT_FALSE(ParseTimestampMicros("yesterday").ok());
  EXPECT_FALSE(ParseTimestampMicros("2020-01-01T10").ok());
}

TEST(TimeTest, ParsesDates) {
  EXPECT_EQ(*ParseDate("1970-01-02"), 1);
  EXPECT_EQ(*ParseDate("1969-12-31"), -1);
  EXPECT_FALSE(ParseDate("1970-1-2").ok());
}

}  // namespace
}  // namespace tessera
