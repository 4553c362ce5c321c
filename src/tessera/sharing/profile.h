#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tessera/common/json.h"
#include "tessera/sharing/share_store.h"

namespace tessera::sharing {

/// A Delta Sharing profile (`.share` file, shareCredentialsVersion 1) for a freshly issued
/// token: endpoint, bearerToken and, when the token expires, expirationTime (ISO-8601, UTC).
Json ProfileJson(std::string_view endpoint, const IssuedRecipientToken& issued);

/// What a profile says: where a sharing server is and the bearer token for it. Plain value.
struct SharingProfile {
  std::string endpoint;  // http(s) URL without a trailing '/'
  std::string bearer_token;
  std::optional<int64_t> expiration_ms;
};

/// Read a `.share` file. Return kInvalidArgument naming what is wrong (not a JSON object, a
/// missing or empty endpoint or bearerToken, an endpoint that is not http(s), an unreadable
/// expirationTime), kUnsupported for shareCredentialsVersion 2 (OAuth) or newer.
Result<SharingProfile> ParseProfile(std::string_view text);

}  // namespace tessera::sharing
