#include "tessera/sharing/signed_token.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::sharing {
namespace {

TEST(SignedTokenTest, RoundTripsItsPayload) {
  Json payload = {{"t", "table"}, {"i", 42}};
  std::string token = EncodeSignedToken("key", "page token", payload);
  ASSERT_OK_AND_ASSIGN(Json decoded, DecodeSignedToken("key", "page token", token));
  EXPECT_EQ(decoded, payload);
  // URL-safe: it travels in query strings.
  EXPECT_EQ(token.find_first_of("+/= "), std::string::npos);
}

TEST(SignedTokenTest, RefusesOtherKeysKindsAndEdits) {
  std::string token = EncodeSignedToken("key", "page token", Json{{"i", 1}});
  EXPECT_FALSE(DecodeSignedToken("other", "page token", token).ok());
  auto kind = DecodeSignedToken("key", "refresh token", token);
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(kind.status().message(), "Error decoding the refresh token");
  std::string edited = EncodeSignedToken("key", "page token", Json{{"i", 2}});
  std::string forged = edited.substr(0, edited.find('.')) + token.substr(token.find('.'));
  EXPECT_FALSE(DecodeSignedToken("key", "page token", forged).ok());
  for (std::string_view junk : {"", ".", "abc", "abc.def", "!!!.???"})
    EXPECT_FALSE(DecodeSignedToken("key", "page token", junk).ok()) << junk;
  EXPECT_FALSE(DecodeSignedToken("key", "page token", std::string(10000, 'a')).ok());
}

}  // namespace
}  // namespace tessera::sharing
