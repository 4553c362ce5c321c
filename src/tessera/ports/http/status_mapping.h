#pragma once

#include <string>
#include <string_view>

#include "tessera/common/status.h"

namespace tessera::ports::http {

/// The HTTP status answering an error of `code`. The one place the HTTP port maps tessera's
/// codes: kInvalidArgument and kUnsupported 400, kUnauthenticated 401, kPermissionDenied 403,
/// kNotFound 404, kAlreadyExists and kConflict 409, kCancelled 504 (a request is cancelled by
/// its deadline; a client that went away reads nothing), everything else 500 (kOk 200).
int HttpStatusFor(StatusCode code);

/// The JSON error body every HTTP error carries: {"error":{"code":"...","message":"..."}}.
std::string ErrorBody(std::string_view code, std::string_view message);

}  // namespace tessera::ports::http
