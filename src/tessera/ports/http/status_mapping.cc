#include "tessera/ports/http/status_mapping.h"

#include "tessera/common/json.h"

namespace tessera::ports::http {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    // DuckDB's "Not implemented" and our own unsupported options are about what the request
    // asks for, not a missing server feature (501 is for unknown methods).
    case StatusCode::kUnsupported:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kCancelled:
      return 504;
    case StatusCode::kIoError:
    case StatusCode::kCorruption:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

std::string ErrorBody(std::string_view code, std::string_view message) {
  Json body = {{"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
  return DumpJson(body);
}

}  // namespace tessera::ports::http
