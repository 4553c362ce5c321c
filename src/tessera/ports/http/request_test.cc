#include "tessera/ports/http/request.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::ports::http {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(ParseTargetTest, DecodesPathAndQuery) {
  ASSERT_OK_AND_ASSIGN(Target target, ParseTarget("/a%20b/c%2Fd?x=1&y=a+b%26c&flag&=v&&z="));
  EXPECT_EQ(target.path, "/a b/c/d");
  EXPECT_EQ(target.query, (Pairs{{"x", "1"}, {"y", "a b&c"}, {"flag", ""}, {"", "v"}, {"z", ""}}));
}

TEST(ParseTargetTest, PlusStaysPlusInPath) {
  ASSERT_OK_AND_ASSIGN(Target target, ParseTarget("/a+b"));
  EXPECT_EQ(target.path, "/a+b");
  EXPECT_TRUE(target.query.empty());
}

TEST(ParseTargetTest, AcceptsAbsoluteForm) {
  ASSERT_OK_AND_ASSIGN(Target target, ParseTarget("http://example.com:8080/x/y?q=1"));
  EXPECT_EQ(target.path, "/x/y");
  EXPECT_EQ(target.query, (Pairs{{"q", "1"}}));
  Result<Target> bare = ParseTarget("http://example.com");
  ASSERT_OK(bare.status());
  EXPECT_EQ(bare->path, "/");
}

TEST(ParseTargetTest, RejectsHostileTargets) {
  for (std::string_view bad :
       {"", "*", "relative/path", "/a%zz", "/a%2", "/a%00b", "/x?a=%00", "/../etc/passwd", "/a/./b",
        "/a/%2e%2e/b", "/a/%2E%2E", "/a/..", "http://host?x=1"}) {
    Result<Target> target = ParseTarget(bad);
    ASSERT_FALSE(target.ok()) << bad;
    EXPECT_EQ(target.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseTargetTest, AllowsDotsInsideSegments) {
  ASSERT_OK_AND_ASSIGN(Target target, ParseTarget("/files/a..b/.hidden/v1.2"));
  EXPECT_EQ(target.path, "/files/a..b/.hidden/v1.2");
}

TEST(ParseTargetTest, ReusedStorageHoldsOnlyTheNewTarget) {
  std::string path = "/left/over/from/before";
  Pairs query = {{"old", "1"}, {"older", "2"}, {"oldest", "3"}};
  ASSERT_OK(ParseTarget("/files/t/a.parquet?e=1&s=x+y", path, query));
  EXPECT_EQ(path, "/files/t/a.parquet");
  EXPECT_EQ(query, (Pairs{{"e", "1"}, {"s", "x y"}}));
  ASSERT_OK(ParseTarget("/healthz", path, query));
  EXPECT_EQ(path, "/healthz");
  EXPECT_TRUE(query.empty());
  ASSERT_OK(ParseTarget("/q?a=1&b=2&c=3&d", path, query));
  EXPECT_EQ(query, (Pairs{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", ""}}));
  EXPECT_FALSE(ParseTarget("/a/%2e%2e?x=1", path, query).ok());
}

TEST(HeadersTest, LooksUpCaseInsensitivelyFirstWins) {
  Headers headers;
  headers.Add("Content-Type", "text/csv");
  headers.Add("X-Many", "1");
  headers.Add("x-many", "2");
  EXPECT_EQ(headers.Get("content-type"), "text/csv");
  EXPECT_EQ(headers.Get("CONTENT-TYPE"), "text/csv");
  EXPECT_EQ(headers.Get("X-MANY"), "1");
  EXPECT_EQ(headers.Get("Accept"), std::nullopt);
  headers.Clear();  // as for the connection's next request: the old fields are gone
  EXPECT_EQ(headers.Get("content-type"), std::nullopt);
  EXPECT_TRUE(headers.fields().empty());
  headers.Add("Range", "bytes=0-1");
  EXPECT_EQ(headers.Get("range"), "bytes=0-1");
  EXPECT_EQ(headers.fields().size(), 1u);
  Request request;
  request.query = {{"a", "1"}, {"A", "2"}};
  EXPECT_EQ(request.QueryParam("A"), "2");
  EXPECT_EQ(request.QueryParam("b"), std::nullopt);
}

TEST(AcceptsEncodingTest, ReadsCodingsAndWeights) {
  EXPECT_TRUE(AcceptsEncoding("gzip, deflate", "gzip"));  // python-requests
  EXPECT_TRUE(AcceptsEncoding("deflate, GZip;q=0.5", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("*", "gzip"));
  EXPECT_TRUE(AcceptsEncoding("br; q=1.0, *;q=0.1", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("identity", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("gzip;q=0", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("*, gzip;q=0", "gzip"));  // named beats the wildcard
  EXPECT_FALSE(AcceptsEncoding("gzip;q=zero", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("gzipx, xgzip", "gzip"));
}

}  // namespace
}  // namespace tessera::ports::http
