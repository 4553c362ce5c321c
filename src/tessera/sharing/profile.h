#pragma once

#include <string_view>

#include "tessera/common/json.h"
#include "tessera/sharing/share_store.h"

namespace tessera::sharing {

/// A Delta Sharing profile (`.share` file, shareCredentialsVersion 1) for a freshly issued
/// token: endpoint, bearerToken and, when the token expires, expirationTime (ISO-8601, UTC).
Json ProfileJson(std::string_view endpoint, const IssuedRecipientToken& issued);

}  // namespace tessera::sharing
