#include "tessera/sharing/profile.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::sharing {
namespace {

TEST(ParseProfileTest, ReadsBearerTokenProfiles) {
  ASSERT_OK_AND_ASSIGN(SharingProfile profile, ParseProfile(R"({
    "shareCredentialsVersion": 1, "endpoint": "https://node.example.com/delta-sharing/",
    "bearerToken": "dss_abc", "expirationTime": "2026-12-31T00:00:00.000Z"})"));
  EXPECT_EQ(profile.endpoint, "https://node.example.com/delta-sharing");
  EXPECT_EQ(profile.bearer_token, "dss_abc");
  EXPECT_EQ(profile.expiration_ms, int64_t{1798675200000});
  ASSERT_OK_AND_ASSIGN(profile, ParseProfile(R"({"shareCredentialsVersion": 1,
    "endpoint": "http://127.0.0.1:8080/delta-sharing", "bearerToken": "t"})"));
  EXPECT_FALSE(profile.expiration_ms);
}

TEST(ParseProfileTest, SaysWhatIsWrong) {
  auto message = [](std::string_view text) { return ParseProfile(text).status().ToString(); };
  EXPECT_NE(message("not json").find("not a JSON object"), std::string::npos);
  EXPECT_NE(message("[1]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(
      message(R"({"endpoint": "http://x", "bearerToken": "t"})").find("shareCredentialsVersion"),
      std::string::npos);
  EXPECT_EQ(ParseProfile(R"({"shareCredentialsVersion": 2, "type": "oauth_client_credentials"})")
                .status()
                .code(),
            StatusCode::kUnsupported);
  EXPECT_NE(message(R"({"shareCredentialsVersion": 1, "bearerToken": "t"})").find("endpoint"),
            std::string::npos);
  EXPECT_NE(message(R"({"shareCredentialsVersion": 1, "endpoint": "file:///etc/passwd",
                        "bearerToken": "t"})")
                .find("not an http(s) URL"),
            std::string::npos);
  EXPECT_NE(
      message(R"({"shareCredentialsVersion": 1, "endpoint": "http://x"})").find("bearerToken"),
      std::string::npos);
  EXPECT_NE(message(R"({"shareCredentialsVersion": 1, "endpoint": "http://x",
                        "bearerToken": "a\r\nX-Injected: 1"})")
                .find("header"),
            std::string::npos);
  EXPECT_NE(message(R"({"shareCredentialsVersion": 1, "endpoint": "http://x", "bearerToken": "t",
                        "expirationTime": "soon"})")
                .find("expirationTime"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera::sharing
