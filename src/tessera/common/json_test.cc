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

TEST(JsonTest, AppendJsonStringWritesWhatTheLibraryWrites) {
  std::vector<std::string> texts = {"",
                                    "plain",
                                    "a\"b\\c",
                                    "tab\tnl\ncr\rbs\bff\f",
                                    std::string("nul\0x\x01\x1f\x7f", 9),
                                    "caf\xc3\xa9",
                                    "bad \xff",
                                    "\"\"\\\\"};
  uint32_t state = 12345;
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    for (int j = 0; j < i % 40; ++j) {
      state = state * 1103515245 + 12345;
      text += static_cast<char>((state >> 16) & (i % 3 == 0 ? 0xFF : 0x7F));
    }
    texts.push_back(text);
  }
  for (const std::string& text : texts) {
    std::string out = "prefix:";
    AppendJsonString(out, text);
    EXPECT_EQ(out, "prefix:" + DumpJson(Json(text))) << text;
  }
}

}  // namespace
}  // namespace tessera
