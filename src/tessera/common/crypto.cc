// The SHA-256 state functions (SHA256_Init and friends) are deprecated in OpenSSL 3 in favour of
// EVP, but a SHA256_CTX is a plain struct: HmacSha256Key copies a prepared state by value per
// MAC, where an EVP context copy allocates twice. File downloads check a MAC per request.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "tessera/common/crypto.h"

#include <algorithm>
#include <array>
#include <memory>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "tessera/common/logging.h"

namespace tessera {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Write the encoding to `out`, which has room for it; return its length.
size_t EncodeTo(std::string_view bytes, const char* alphabet, bool pad, char* out) {
  char* at = out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                 (uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                 uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    *at++ = alphabet[(v >> 18) & 63];
    *at++ = alphabet[(v >> 12) & 63];
    *at++ = alphabet[(v >> 6) & 63];
    *at++ = alphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (rest == 2)
      v |= uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    *at++ = alphabet[(v >> 18) & 63];
    *at++ = alphabet[(v >> 12) & 63];
    if (rest == 2)
      *at++ = alphabet[(v >> 6) & 63];
    if (pad) {
      *at++ = '=';
      if (rest == 1)
        *at++ = '=';
    }
  }
  return static_cast<size_t>(at - out);
}

std::string EncodeWith(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out((bytes.size() + 2) / 3 * 4, '\0');
  out.resize(EncodeTo(bytes, alphabet, pad, out.data()));
  return out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

}  // namespace

std::string Sha256(std::string_view bytes) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(Bytes(bytes), bytes.size(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string Md5(std::string_view bytes) {
  std::string out(MD5_DIGEST_LENGTH, '\0');
  unsigned int length = 0;
  TESSERA_CHECK(EVP_Digest(bytes.data(), bytes.size(), reinterpret_cast<unsigned char*>(out.data()),
                           &length, EVP_md5(), nullptr) == 1);
  TESSERA_CHECK(length == MD5_DIGEST_LENGTH);
  return out;
}

Md5Stream::Md5Stream() : ctx_(EVP_MD_CTX_new()) {
  TESSERA_CHECK(ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr) == 1);
}

Md5Stream::~Md5Stream() { EVP_MD_CTX_free(ctx_); }

void Md5Stream::Update(std::string_view bytes) {
  TESSERA_CHECK(EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()) == 1);
}

std::string Md5Stream::Finish() {
  std::string out(MD5_DIGEST_LENGTH, '\0');
  unsigned int length = 0;
  TESSERA_CHECK(EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(out.data()), &length) ==
                1);
  TESSERA_CHECK(length == MD5_DIGEST_LENGTH);
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view bytes) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int length = 0;
  // HMAC() with a non-null output buffer is thread-safe and cannot fail for SHA-256.
  TESSERA_CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), Bytes(bytes),
                     bytes.size(), reinterpret_cast<unsigned char*>(out.data()),
                     &length) != nullptr);
  TESSERA_CHECK(length == SHA256_DIGEST_LENGTH);
  return out;
}

struct HmacSha256Key::States {
  SHA256_CTX inner;  // SHA-256 after absorbing key XOR ipad
  SHA256_CTX outer;  // SHA-256 after absorbing key XOR opad
};

HmacSha256Key::HmacSha256Key(std::string_view key) : states_(std::make_unique<States>()) {
  constexpr size_t kBlock = 64;  // SHA-256's block size
  std::array<unsigned char, kBlock> block{};
  if (key.size() > kBlock) {
    std::string digest = Sha256(key);
    std::copy(digest.begin(), digest.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  std::array<unsigned char, kBlock> pad{};
  for (auto [ctx, mask] : {std::pair{&states_->inner, 0x36}, std::pair{&states_->outer, 0x5c}}) {
    for (size_t i = 0; i < kBlock; ++i)
      pad[i] = static_cast<unsigned char>(block[i] ^ mask);
    TESSERA_CHECK(SHA256_Init(ctx) == 1 && SHA256_Update(ctx, pad.data(), pad.size()) == 1);
  }
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(pad.data(), pad.size());
}

HmacSha256Key::~HmacSha256Key() { OPENSSL_cleanse(states_.get(), sizeof(States)); }

void HmacSha256Key::Mac(std::initializer_list<std::string_view> parts, Digest& out) const {
  SHA256_CTX ctx = states_->inner;
  for (std::string_view part : parts)
    SHA256_Update(&ctx, part.data(), part.size());
  Digest inner;
  SHA256_Final(inner.data(), &ctx);
  ctx = states_->outer;
  SHA256_Update(&ctx, inner.data(), inner.size());
  SHA256_Final(out.data(), &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
}

std::string HmacSha256Key::Mac(std::string_view bytes) const {
  Digest digest;
  Mac({bytes}, digest);
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

Result<std::string> Pbkdf2HmacSha256(std::string_view password, std::string_view salt,
                                     int iterations) {
  if (iterations < 1)
    return Status::InvalidArgument("PBKDF2 iteration count must be at least 1");
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), Bytes(salt),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    return Status::Internal("PKCS5_PBKDF2_HMAC failed");
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  return EncodeWith(bytes, kBase64Alphabet, true);
}

std::string Base64UrlEncode(std::string_view bytes) {
  return EncodeWith(bytes, kBase64UrlAlphabet, false);
}

size_t Base64UrlEncodeTo(std::string_view bytes, char* out) {
  return EncodeTo(bytes, kBase64UrlAlphabet, false, out);
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '+' || c == '/' || c == '=')
      return Status::InvalidArgument("invalid base64url: unexpected character");
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
  }
  if (standard.size() % 4 == 1)
    return Status::InvalidArgument("invalid base64url: bad length");
  standard.append((4 - standard.size() % 4) % 4, '=');
  return Base64Decode(standard);
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return Status::InvalidArgument("invalid base64: length is not a multiple of 4");
  size_t padding = 0;
  if (!text.empty() && text.back() == '=')
    padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    size_t data_chars = last ? 4 - padding : 4;
    std::array<int, 4> v{0, 0, 0, 0};
    for (size_t j = 0; j < data_chars; ++j) {
      v[j] = Base64Value(text[i + j]);
      if (v[j] < 0)
        return Status::InvalidArgument("invalid base64: unexpected character");
    }
    uint32_t n =
        (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out += static_cast<char>((n >> 16) & 0xFF);
    if (data_chars >= 3)
      out += static_cast<char>((n >> 8) & 0xFF);
    if (data_chars == 4)
      out += static_cast<char>(n & 0xFF);
    // RFC 4648 §3.5: the bits beyond the last whole byte must be zero (canonical encoding).
    if ((data_chars == 2 && (n & 0xFFFF) != 0) || (data_chars == 3 && (n & 0xFF) != 0))
      return Status::InvalidArgument("invalid base64: non-zero padding bits");
  }
  return out;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0) {
    TESSERA_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) ==
                  1);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HexEncode(std::string_view bytes) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace tessera
