#include "tessera/common/strings.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(PercentDecodeTest, DecodesOnce) {
  std::string appended = "kept:";
  EXPECT_TRUE(PercentDecodeAppend("a%2Fb", appended).ok());
  EXPECT_EQ(appended, "kept:a/b");
  EXPECT_FALSE(PercentDecodeAppend("%zz", appended).ok());
  EXPECT_EQ(*PercentDecode("a%20b%252F"), "a b%2F");
  EXPECT_EQ(*PercentDecode("plain"), "plain");
  EXPECT_FALSE(PercentDecode("bad%2").ok());
  EXPECT_FALSE(PercentDecode("bad%zz").ok());
  EXPECT_FALSE(PercentDecode("%").ok());
}

TEST(PercentEncodePathTest, KeepsSlashesAndRoundTrips) {
  std::string raw = "x=A%2FA/part 1#+:.parquet";
  std::string enc = PercentEncodePath(raw);
  EXPECT_EQ(enc, "x%3DA%252FA/part%201%23%2B%3A.parquet");
  EXPECT_EQ(*PercentDecode(enc), raw);
}

TEST(HiveEscapeTest, EscapesLikeSpark) {
  EXPECT_EQ(HiveEscape("A/A"), "A%2FA");
  EXPECT_EQ(HiveEscape("B B"), "B B");
  EXPECT_EQ(HiveEscape("bar+%21"), "bar+%2521");
}

TEST(QuoteTest, EscapesQuotes) {
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
}

TEST(ParseInt64Test, StrictWholeNumbers) {
  EXPECT_EQ(*ParseInt64("-12"), -12);
  EXPECT_EQ(*ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_FALSE(ParseInt64("9223372036854775808").ok());
  EXPECT_FALSE(ParseInt64("12a").ok());
  EXPECT_FALSE(ParseInt64("").ok());
}

TEST(ToUpperTest, AsciiOnly) { EXPECT_EQ(ToUpper("discard all é"), "DISCARD ALL é"); }

TEST(ContainsNoCaseTest, IgnoresAsciiCase) {
  EXPECT_TRUE(ContainsNoCase("SELECT * FROM PG_Settings", "pg_settings"));
  EXPECT_TRUE(ContainsNoCase("abc", ""));
  EXPECT_FALSE(ContainsNoCase("pg_setting", "pg_settings"));
  EXPECT_FALSE(ContainsNoCase("", "x"));
}

}  // namespace
}  // namespace tessera
