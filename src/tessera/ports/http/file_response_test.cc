#include "tessera/ports/http/file_response.h"

#include <gtest/gtest.h>

namespace tessera::ports::http {
namespace {

using Range = std::optional<std::pair<int64_t, int64_t>>;

TEST(ParseByteRangeTest, ReadsTheThreeFormsOfOneRange) {
  EXPECT_EQ(ParseByteRange("bytes=0-3", 10), Range({0, 3}));
  EXPECT_EQ(ParseByteRange("bytes=5-", 10), Range({5, 9}));
  EXPECT_EQ(ParseByteRange("bytes=-4", 10), Range({6, 9}));
  EXPECT_EQ(ParseByteRange("bytes=-40", 10), Range({0, 9}));
  EXPECT_EQ(ParseByteRange("bytes=8-100", 10), Range({8, 9}));
  EXPECT_EQ(ParseByteRange(" bytes= 2 - 3 ", 10), Range({2, 3}));
}

TEST(ParseByteRangeTest, UnsatisfiableAndIgnoredRanges) {
  Range unsatisfiable = std::make_pair(int64_t{-1}, int64_t{-1});
  EXPECT_EQ(ParseByteRange("bytes=10-", 10), unsatisfiable);
  EXPECT_EQ(ParseByteRange("bytes=-0", 10), unsatisfiable);
  EXPECT_EQ(ParseByteRange("bytes=0-0", 0), unsatisfiable);
  // Malformed or several ranges: answered with the whole file.
  for (std::string_view ignored :
       {"", "bytes", "items=0-1", "bytes=3-1", "bytes=a-b", "bytes=0-1,3-4", "bytes=-", "bytes=--1",
        "bytes=99999999999999999999-"}) {
    EXPECT_EQ(ParseByteRange(ignored, 10), std::nullopt) << ignored;
  }
}

}  // namespace
}  // namespace tessera::ports::http
