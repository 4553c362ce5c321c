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

TEST(JsonTest, MalformedIsCorruption) {
  for (const char* bad : {"{", "{\"a\":}", "", "nul", "[1,]"}) {
    auto r = ParseJson(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  }
}

TEST(JsonTest, DumpReplacesInvalidUtf8) {
  Json j = std::string("a\xff");
  EXPECT_EQ(DumpJson(j), "\"a\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace tessera
