#include "tessera/sharing/profile.h"

#include "tessera/common/time.h"

namespace tessera::sharing {

Json ProfileJson(std::string_view endpoint, const IssuedRecipientToken& issued) {
  Json profile = {{"shareCredentialsVersion", 1},
                  {"endpoint", std::string(endpoint)},
                  {"bearerToken", issued.token}};
  if (issued.info.expires_ms)
    profile["expirationTime"] = FormatIso8601Millis(*issued.info.expires_ms);
  return profile;
}

}  // namespace tessera::sharing
