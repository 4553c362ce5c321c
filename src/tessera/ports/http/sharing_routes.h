#pragma once

#include <string>

#include "tessera/ports/http/router.h"
#include "tessera/sharing/sharing_service.h"

namespace tessera::ports::http {

/// The Delta Sharing endpoint prefix (profiles' `endpoint` ends with it).
inline constexpr std::string_view kDeltaSharingPrefix = "/delta-sharing";

/// Serve `service` under `/delta-sharing/` (GET, HEAD and POST). The service must outlive the
/// router's server.
void RegisterSharingRoutes(Router& router, sharing::SharingService& service);

/// Turn an HTTP request below the prefix into the service's request (exposed for tests).
sharing::SharingRequest ToSharingRequest(const Request& request);

}  // namespace tessera::ports::http
