#pragma once

#include <string>
#include <string_view>

#include "tessera/common/json.h"
#include "tessera/common/result.h"

namespace tessera::sharing {

/// Opaque tokens the server hands out and gets back (list and query page tokens, refresh
/// tokens): `base64url(payload JSON) "." base64url(HMAC-SHA256(key, kind "\n" payload))`. The
/// signature binds the token to its kind, so a page token cannot pass as a refresh token, and a
/// client cannot forge or edit one.
std::string EncodeSignedToken(std::string_view key, std::string_view kind, const Json& payload);

/// Return the payload of a token made by EncodeSignedToken with the same key and kind. Return
/// kInvalidArgument "Error decoding the <kind>" for anything else (malformed, altered, another
/// kind, oversized).
Result<Json> DecodeSignedToken(std::string_view key, std::string_view kind, std::string_view token);

}  // namespace tessera::sharing
