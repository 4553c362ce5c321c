#include "tessera/sharing/signed_token.h"

#include "tessera/common/crypto.h"

namespace tessera::sharing {
namespace {

constexpr size_t kMaxTokenBytes = size_t{8} * 1024;

std::string Signature(std::string_view key, std::string_view kind, std::string_view payload) {
  std::string message(kind);
  message += '\n';
  message += payload;
  return Base64UrlEncode(HmacSha256(key, message));
}

}  // namespace

std::string EncodeSignedToken(std::string_view key, std::string_view kind, const Json& payload) {
  std::string text = DumpJson(payload);
  std::string encoded = Base64UrlEncode(text);
  return encoded + "." + Signature(key, kind, text);
}

Result<Json> DecodeSignedToken(std::string_view key, std::string_view kind,
                               std::string_view token) {
  Status bad = Status::InvalidArgument("Error decoding the " + std::string(kind));
  if (token.size() > kMaxTokenBytes)
    return bad;
  auto dot = token.find('.');
  if (dot == std::string_view::npos)
    return bad;
  auto payload = Base64UrlDecode(token.substr(0, dot));
  if (!payload.ok())
    return bad;
  if (!ConstantTimeEquals(Signature(key, kind, *payload), token.substr(dot + 1)))
    return bad;
  auto json = ParseJson(*payload);
  if (!json.ok() || !json->is_object())
    return bad;
  return std::move(*json);
}

}  // namespace tessera::sharing
