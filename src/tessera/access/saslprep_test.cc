#include "tessera/access/saslprep.h"

#include <gtest/gtest.h>

#include "tessera/access/scram.h"
#include "tessera/testing/test_util.h"

namespace tessera::access {
namespace {

// The examples of RFC 4013 §3.
TEST(SaslPrepTest, Rfc4013Examples) {
  EXPECT_EQ(SaslPrep("I\u00ADX"), "IX");              // soft hyphen mapped to nothing
  EXPECT_EQ(SaslPrep("user"), "user");                // no transformation
  EXPECT_EQ(SaslPrep("USER"), "USER");                // case preserved
  EXPECT_EQ(SaslPrep("\u00AA"), "a");                 // NFKC
  EXPECT_EQ(SaslPrep("\u2168"), "IX");                // NFKC
  EXPECT_EQ(SaslPrep("\u0007"), std::nullopt);        // prohibited
  EXPECT_EQ(SaslPrep("\u0627\u0031"), std::nullopt);  // bidirectional check
}

TEST(SaslPrepTest, SpacesInvalidUtf8AndEmptyResults) {
  EXPECT_EQ(SaslPrep("a\u00A0b"), "a b");  // non-ASCII space to U+0020
  EXPECT_EQ(SaslPrep("pass word"), "pass word");
  EXPECT_EQ(SaslPrep("\xff\xfe"), std::nullopt);
  EXPECT_EQ(SaslPrep("\u00AD"), std::nullopt);  // maps to nothing
  EXPECT_EQ(SaslPrep(""), std::nullopt);
}

TEST(SaslPrepTest, VerifierOfEquivalentPasswordsIsTheSame) {
  std::string salt = "0123456789abcdef";
  ASSERT_OK_AND_ASSIGN(std::string roman, MakeScramVerifier("\u2168", salt, 4096));
  ASSERT_OK_AND_ASSIGN(std::string ascii, MakeScramVerifier("IX", salt, 4096));
  ASSERT_OK_AND_ASSIGN(std::string hyphen, MakeScramVerifier("I\u00ADX", salt, 4096));
  EXPECT_EQ(roman, ascii);
  EXPECT_EQ(hyphen, ascii);
  // A password SASLprep refuses is used as its raw bytes, as PostgreSQL does.
  ASSERT_OK_AND_ASSIGN(std::string bell, MakeScramVerifier("a\u0007b", salt, 4096));
  ASSERT_OK_AND_ASSIGN(std::string plain, MakeScramVerifier("ab", salt, 4096));
  EXPECT_NE(bell, plain);
}

}  // namespace
}  // namespace tessera::access
