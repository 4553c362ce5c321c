#include "tessera/common/json.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(JsonTest, ParsesAndReadsTypedFields) {
  auto r = ParseJson(R"({"a":"x","n":5,"b":true,"z":null})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**JsonOptString(*r, "a"), "x");
  EXPECT_EQ(**JsonOptInt(*r, "n"), 5);
  EXPECT_EQ(**JsonOptBool(*r, "b"), true);
  EXPECT_FALSE(JsonOptString(*r, "z")->has_value());
  EXPECT_FALSE(JsonOptString(*r, "missing")->has_value());
}

TEST(JsonTest, WrongTypeIsCorruption) {
  auto r = ParseJson(R"({"a":1})");
  ASSERT_TRUE(r.ok());
  auto s = JsonOptString(*r, "a");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(JsonInt(*r, "missing").status().code(), StatusCode::kCorruption);
}

TEST(JsonTest, IntegersBeyondInt64AreErrors) {
  auto r = ParseJson(R"({"big":18446744073709551615,"max":9223372036854775807,"neg":-5})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(JsonOptInt(*r, "big").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(**JsonOptInt(*r, "max"), INT64_MAX);
  EXPECT_EQ(**JsonOptInt(*r, "neg"), -5);
}

TEST(JsonTest, MalformedIsCorruption) {
  for (const char* bad : {"{", "{\"a\":}", "", "nul", "[1,]"}) {
    auto r = ParseJson(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  }
}

TEST(JsonTest, DeepNestingIsCorruptionNotAStackOverflow) {
  auto nested = [](int depth) {
    return "{\"a\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  };
  ASSERT_TRUE(ParseJson(nested(999)).ok());
  for (int depth : {1000, 100000}) {
    auto r = ParseJson(nested(depth));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_NE(r.status().message().find("nests deeper than 1000 levels"), std::string::npos);
  }
  // Brackets inside strings are not nesting.
  ASSERT_TRUE(ParseJson("{\"a\":\"" + std::string(5000, '[') + "\\\"\"}").ok());
}

TEST(JsonTest, DumpReplacesInvalidUtf8) {
  Json j = std::string("a\xff");
  EXPECT_EQ(DumpJson(j), "\"a\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace tessera
