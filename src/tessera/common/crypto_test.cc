#include "tessera/common/crypto.h"

#include <array>
#include <set>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera {
namespace {

TEST(Sha256Test, KnownDigests) {
  // FIPS 180-2 appendix B.1 and the empty string.
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Base64UrlTest, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    bytes += static_cast<char>(0xF0 + (i % 16));
    ASSERT_OK_AND_ASSIGN(std::string decoded, Base64UrlDecode(Base64UrlEncode(bytes)));
    EXPECT_EQ(decoded, bytes);
  }
  EXPECT_FALSE(Base64UrlDecode("ab+c").ok());
  EXPECT_FALSE(Base64UrlDecode("abc=").ok());
  EXPECT_FALSE(Base64UrlDecode("a").ok());
}

TEST(Base64UrlTest, EncodeToWritesWhatEncodeReturns) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    bytes += static_cast<char>(i * 37);
    std::array<char, 64> out{};
    size_t size = Base64UrlEncodeTo(bytes, out.data());
    EXPECT_EQ(std::string_view(out.data(), size), Base64UrlEncode(bytes)) << i;
    EXPECT_LE(size, (bytes.size() + 2) / 3 * 4);
  }
}

TEST(Md5Test, StreamEqualsOneShot) {
  Md5Stream stream;
  stream.Update("message ");
  stream.Update("");
  stream.Update("digest");
  EXPECT_EQ(HexEncode(stream.Finish()), "f96b697d7cb7938d525a2f31aaf161d0");
}

TEST(Md5Test, Rfc1321Vectors) {
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(HmacSha256Test, Rfc4231Vectors) {
  // Test case 1.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the output.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block size is hashed first.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256KeyTest, EqualsTheOneShotMacForEveryKeyLength) {
  HmacSha256Key rfc(std::string(131, '\xaa'));
  EXPECT_EQ(HexEncode(rfc.Mac("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  std::string message = "tessera file urls";
  for (size_t length : {0, 1, 32, 63, 64, 65, 200}) {
    std::string key(length, '\0');
    for (size_t i = 0; i < length; ++i)
      key[i] = static_cast<char>(i * 7 + 1);
    HmacSha256Key prepared(key);
    for (int i = 0; i < 3; ++i) {  // the prepared state is reused, not consumed
      EXPECT_EQ(prepared.Mac(message), HmacSha256(key, message)) << length;
      message += "!";
    }
  }
}

TEST(HmacSha256KeyTest, MacOverPartsEqualsMacOfTheirConcatenation) {
  HmacSha256Key key("node secret");
  HmacSha256Key::Digest parts;
  key.Mac({"3:", "abc", "", "12:", "part-0.parquet"}, parts);
  std::string joined = key.Mac("3:abc12:part-0.parquet");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(parts.data()), parts.size()), joined);
  HmacSha256Key::Digest empty;
  key.Mac({}, empty);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(empty.data()), empty.size()), key.Mac(""));
}

TEST(Pbkdf2HmacSha256Test, KnownVectors) {
  // RFC 7914 §11, first 32 bytes of the 64-byte output (PBKDF2 blocks are independent).
  ASSERT_OK_AND_ASSIGN(std::string dk, Pbkdf2HmacSha256("passwd", "salt", 1));
  EXPECT_EQ(HexEncode(dk), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
  // The RFC 6070 inputs with SHA-256 instead of SHA-1.
  ASSERT_OK_AND_ASSIGN(dk, Pbkdf2HmacSha256("password", "salt", 4096));
  EXPECT_EQ(HexEncode(dk), "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
}

TEST(Pbkdf2HmacSha256Test, RejectsZeroIterations) {
  EXPECT_EQ(Pbkdf2HmacSha256("p", "s", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Pbkdf2HmacSha256("p", "s", -5).status().code(), StatusCode::kInvalidArgument);
}

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    ASSERT_OK_AND_ASSIGN(std::string decoded, Base64Decode(encoded));
    EXPECT_EQ(decoded, plain);
  }
}

TEST(Base64Test, UsesStandardAlphabetAndRoundTripsEveryByte) {
  EXPECT_EQ(Base64Encode("\xfb\xff\xbf"), "+/+/");
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  ASSERT_OK_AND_ASSIGN(std::string back, Base64Decode(Base64Encode(all)));
  EXPECT_EQ(back, all);
}

TEST(Base64Test, DecodeRejectsBadInput) {
  for (const char* bad : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm9v\n", "Zm-v", "Zm_v",
                          "Zh==", "Zm9=", "Z=g=", " Zg="}) {
    auto decoded = Base64Decode(bad);
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(Base64UrlTest, UsesUrlAlphabetWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode(std::string(32, '\0')).size(), 43u);
}

TEST(RandomBytesTest, ReturnsRequestedLengthAndDiffers) {
  EXPECT_EQ(RandomBytes(0), "");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string b = RandomBytes(32);
    ASSERT_EQ(b.size(), 32u);
    seen.insert(b);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(HexEncodeTest, LowercasePairs) {
  EXPECT_EQ(HexEncode(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
  EXPECT_EQ(HexEncode(""), "");
}

}  // namespace
}  // namespace tessera
