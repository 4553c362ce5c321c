#include "tessera/delta/z85.h"

#include <string>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

std::string Bytes(std::initializer_list<unsigned char> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

TEST(Z85Test, MatchesRfcExample) {
  // ZeroMQ RFC 32's test vector.
  std::string data = Bytes({0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B});
  EXPECT_EQ(Z85Encode(data), "HelloWorld");
  ASSERT_OK_AND_ASSIGN(std::string decoded, Z85Decode("HelloWorld"));
  EXPECT_EQ(decoded, data);
  ASSERT_OK_AND_ASSIGN(std::string empty, Z85Decode(""));
  EXPECT_EQ(empty, "");
}

TEST(Z85Test, DecodesDeltaUuid) {
  // delta-basic-dv-with-checkpoint v1: "2FtLtJDE!.VZ.+udLGa0" names
  // deletion_vector_07bc7f84-8d75-48f2-b39c-15632a2fcf2c.bin.
  ASSERT_OK_AND_ASSIGN(std::string uuid, Z85Decode("2FtLtJDE!.VZ.+udLGa0"));
  EXPECT_EQ(uuid, Bytes({0x07, 0xbc, 0x7f, 0x84, 0x8d, 0x75, 0x48, 0xf2, 0xb3, 0x9c, 0x15, 0x63,
                         0x2a, 0x2f, 0xcf, 0x2c}));
  EXPECT_EQ(Z85Encode(uuid), "2FtLtJDE!.VZ.+udLGa0");
}

TEST(Z85Test, ZeroPaddedTailNeedsTheSize) {
  std::string data = Bytes({0x86, 0x4F, 0xD2, 0x6F, 0xB5});
  std::string text = Z85Encode(data, Z85Tail::kZeroPadded);
  ASSERT_EQ(text.size(), 10u);
  EXPECT_EQ(text.substr(0, 5), "Hello");
  ASSERT_OK_AND_ASSIGN(std::string padded, Z85Decode(text));
  EXPECT_EQ(padded, data + std::string(3, '\0'));
  ASSERT_OK_AND_ASSIGN(std::string exact, Z85DecodeToSize(text, 5));
  EXPECT_EQ(exact, data);
}

TEST(Z85Test, HashMarkedTailMatchesRustCrate) {
  // Rust z85 crate: a k-byte tail is its big-endian value in 5 digits, the first 4 - k as '#'.
  EXPECT_EQ(Z85Encode(Bytes({0x86}), Z85Tail::kHashMarked), "###1N");
  EXPECT_EQ(Z85Encode(Bytes({0x86, 0x42}), Z85Tail::kHashMarked), "##4:u");
  EXPECT_EQ(Z85Encode(Bytes({0x86, 0x4F, 0xD2}), Z85Tail::kHashMarked), "#esp$");
  EXPECT_EQ(Z85Encode(Bytes({0x86, 0x4F, 0xD2, 0x6F, 0xB5}), Z85Tail::kHashMarked), "Hello###2b");
  ASSERT_OK_AND_ASSIGN(std::string one, Z85Decode("###1N"));
  EXPECT_EQ(one, Bytes({0x86}));
  ASSERT_OK_AND_ASSIGN(std::string three, Z85Decode("Hello#esp$"));
  EXPECT_EQ(three, Bytes({0x86, 0x4F, 0xD2, 0x6F, 0x86, 0x4F, 0xD2}));
}

TEST(Z85Test, BothDialectsRoundTripEveryLength) {
  std::string data;
  for (int len = 0; len <= 13; ++len) {
    for (Z85Tail tail : {Z85Tail::kZeroPadded, Z85Tail::kHashMarked}) {
      std::string text = Z85Encode(data, tail);
      EXPECT_EQ(text.size(), (data.size() + 3) / 4 * 5);
      ASSERT_OK_AND_ASSIGN(std::string back, Z85DecodeToSize(text, data.size()));
      EXPECT_EQ(back, data) << "length " << len;
    }
    data += static_cast<char>(0xF7 - len * 19);
  }
}

TEST(Z85Test, LargestGroupIsTwoToThe32MinusOne) {
  ASSERT_OK_AND_ASSIGN(std::string max, Z85Decode("%nSc0"));
  EXPECT_EQ(max, std::string(4, '\xFF'));
  Result<std::string> over = Z85Decode("%nSc1");
  EXPECT_EQ(over.status().code(), StatusCode::kCorruption);
  EXPECT_NE(over.status().message().find("overflows 4 bytes"), std::string::npos);
}

TEST(Z85Test, RejectsMalformedText) {
  struct Case {
    std::string text;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"Hello1", "not a multiple of 5"},
           {"Hel\"o", "invalid Z85 character 0x22 at position 3"},
           {"Hel o", "invalid Z85 character 0x20"},
           {std::string("Hel\x80o"), "invalid Z85 character 0x80"},
           {std::string("He\0lo", 5), "invalid Z85 character 0x00"},
           {"#0000HelloWorld", "overflows 4 bytes"},  // '#' leads only a final group
           {"Hello####0", "malformed Z85 tail"},
           {"#####", "malformed Z85 tail"},
           {"##zzz", "overflows 2 bytes"},
           {"###1N#esp$", "overflows 4 bytes"},
       }) {
    Result<std::string> r = Z85Decode(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << c.text;
    EXPECT_NE(r.status().message().find(c.error), std::string::npos) << r.status().ToString();
  }
}

TEST(Z85Test, DecodeToSizeRejectsLengthMismatch) {
  // "HelloWorld" is 8 bytes: zero-padded text may stand for 5..8 bytes, no fewer or more.
  for (size_t size : {5u, 6u, 7u, 8u})
    EXPECT_TRUE(Z85DecodeToSize("HelloWorld", size).ok()) << size;
  for (size_t size : {0u, 4u, 9u}) {
    Result<std::string> r = Z85DecodeToSize("HelloWorld", size);
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << size;
    EXPECT_NE(r.status().message().find("decodes to 8 bytes"), std::string::npos);
  }
  // A '#'-marked tail states its length exactly.
  EXPECT_TRUE(Z85DecodeToSize("Hello#esp$", 7).ok());
  EXPECT_EQ(Z85DecodeToSize("Hello#esp$", 8).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Z85DecodeToSize("Hello#esp$", 6).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace tessera::delta
