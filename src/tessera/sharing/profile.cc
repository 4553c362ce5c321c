#include "tessera/sharing/profile.h"

#include "tessera/common/strings.h"
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

Result<SharingProfile> ParseProfile(std::string_view text) {
  auto parsed = ParseJson(text);
  if (!parsed.ok() || !parsed->is_object())
    return Status::InvalidArgument("the profile is not a JSON object");
  const Json& json = *parsed;
  auto version = JsonOptInt(json, "shareCredentialsVersion");
  if (!version.ok() || !*version)
    return Status::InvalidArgument("the profile has no integer shareCredentialsVersion");
  if (**version != 1) {
    return Status::Unsupported("profile shareCredentialsVersion " + std::to_string(**version) +
                               " is not supported (OAuth profiles are not yet): use a bearer "
                               "token profile (version 1)");
  }
  SharingProfile profile;
  auto endpoint = JsonOptString(json, "endpoint");
  if (!endpoint.ok() || !*endpoint || (*endpoint)->empty())
    return Status::InvalidArgument("the profile has no endpoint");
  profile.endpoint = **endpoint;
  if (!StartsWith(profile.endpoint, "http://") && !StartsWith(profile.endpoint, "https://"))
    return Status::InvalidArgument("the profile's endpoint is not an http(s) URL: " +
                                   profile.endpoint);
  while (!profile.endpoint.empty() && profile.endpoint.back() == '/')
    profile.endpoint.pop_back();
  auto token = JsonOptString(json, "bearerToken");
  if (!token.ok() || !*token || (*token)->empty())
    return Status::InvalidArgument("the profile has no bearerToken");
  profile.bearer_token = **token;
  for (char c : profile.bearer_token) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
      return Status::InvalidArgument(
          "the profile's bearerToken has characters a header cannot hold");
  }
  auto expiration = JsonOptString(json, "expirationTime");
  if (!expiration.ok())
    return Status::InvalidArgument("the profile's expirationTime is not a string");
  if (*expiration) {
    auto micros = ParseTimestampMicros(**expiration);
    if (!micros.ok())
      return Status::InvalidArgument("the profile's expirationTime is not a timestamp: " +
                                     **expiration);
    profile.expiration_ms = *micros / 1000;
  }
  return profile;
}

}  // namespace tessera::sharing
