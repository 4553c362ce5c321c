#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "tessera/common/result.h"

struct evp_md_ctx_st;

namespace tessera {

// Hashing, MACs and encodings over OpenSSL 3. Byte strings are std::string / std::string_view
// holding raw bytes. Every function here is thread-safe.

/// Return the 32-byte SHA-256 digest of `bytes`.
std::string Sha256(std::string_view bytes);

/// Return the 16-byte MD5 digest of `bytes`. Not for security: Delta Sharing file ids in the
/// `parquet` scheme are MD5 hex of the file's log path, and clients cache by them.
std::string Md5(std::string_view bytes);

/// MD5 over bytes that arrive in pieces (a download checked against an object store's ETag,
/// which is the MD5 of the content for single-part objects). Not for security.
class Md5Stream {
 public:
  Md5Stream();
  ~Md5Stream();
  Md5Stream(const Md5Stream&) = delete;
  Md5Stream& operator=(const Md5Stream&) = delete;

  void Update(std::string_view bytes);
  /// The 16-byte digest of everything given to Update(); call once.
  std::string Finish();

 private:
  evp_md_ctx_st* ctx_;
};

/// Return the 32-byte HMAC-SHA-256 of `bytes` under `key` (RFC 2104).
std::string HmacSha256(std::string_view key, std::string_view bytes);

/// An HMAC-SHA-256 key prepared once: its inner and outer hash states are kept, so each MAC
/// costs two hash finalisations and no key setup or algorithm lookup (OpenSSL 3's one-shot
/// HMAC() looks the algorithm up, under a lock, on every call). Mac() equals HmacSha256().
/// Thread-safe after construction.
class HmacSha256Key {
 public:
  using Digest = std::array<unsigned char, 32>;

  explicit HmacSha256Key(std::string_view key);
  ~HmacSha256Key();
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;

  /// The 32-byte HMAC-SHA-256 of `bytes` under this key.
  std::string Mac(std::string_view bytes) const;
  /// The HMAC-SHA-256 of the concatenation of `parts`, into `out`. Allocates nothing, for
  /// checks made on every request.
  void Mac(std::initializer_list<std::string_view> parts, Digest& out) const;

 private:
  struct States;
  std::unique_ptr<States> states_;
};

/// Derive 32 bytes with PBKDF2-HMAC-SHA-256 (RFC 8018), which SCRAM-SHA-256 calls Hi().
/// Return kInvalidArgument if `iterations` is below 1.
Result<std::string> Pbkdf2HmacSha256(std::string_view password, std::string_view salt,
                                     int iterations);

/// Encode as RFC 4648 base64, standard alphabet, with '=' padding.
std::string Base64Encode(std::string_view bytes);

/// Decode RFC 4648 base64 (standard alphabet, padding required, no whitespace). Return
/// kInvalidArgument on any other character, a bad length, misplaced padding or non-zero
/// trailing bits.
Result<std::string> Base64Decode(std::string_view text);

/// Encode as RFC 4648 base64url ('-' and '_'), without padding.
std::string Base64UrlEncode(std::string_view bytes);
/// The same into `out`, which has room for (bytes.size() + 2) / 3 * 4 characters; return the
/// number written.
size_t Base64UrlEncodeTo(std::string_view bytes, char* out);

/// Decode unpadded RFC 4648 base64url. Return kInvalidArgument as Base64Decode does (padding,
/// '+' and '/' are refused too).
Result<std::string> Base64UrlDecode(std::string_view text);

/// Return `n` cryptographically strong random bytes from OpenSSL's RAND_bytes. Aborts if the
/// generator fails, which means the process cannot run safely anyway.
std::string RandomBytes(size_t n);

/// Compare two byte strings in time that depends only on their lengths (CRYPTO_memcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

/// Encode as lowercase hexadecimal.
std::string HexEncode(std::string_view bytes);

}  // namespace tessera
