#pragma once

#include <string>

#include "tessera/access/access_store.h"
#include "tessera/ports/http/router.h"
#include "tessera/sharing/share_store.h"
#include "tessera/storage/storage.h"

namespace tessera::ports::http {

/// What the admin API works on. Every pointer must outlive the server.
struct SharingAdminDeps {
  access::AccessStore* access = nullptr;  // authenticates admin principals
  sharing::ShareStore* shares = nullptr;
  storage::Storage* storage = nullptr;  // checks that a table source is a Delta table
  std::string data_dir;
  /// The `endpoint` written into profiles when the request names none.
  std::string default_endpoint;
};

/// The admin HTTP API for Delta Sharing objects, the same operations as `tessera share` and
/// `tessera recipient`, so that nothing needs a restart:
///   GET/POST /api/v1/shares, GET/DELETE /api/v1/shares/{share},
///   POST /api/v1/shares/{share}/tables, DELETE /api/v1/shares/{share}/tables/{schema}/{table},
///   PUT/DELETE /api/v1/shares/{share}/recipients/{recipient} (grant, revoke),
///   GET/POST /api/v1/recipients, GET/DELETE /api/v1/recipients/{name},
///   POST /api/v1/recipients/{name}/rotate | revoke | profile.
/// Only admin principals may call it (bearer token: 401 without a valid one, 403 for others).
/// JSON in and out; errors are {"error":{"code","message"}} with 400, 404, 409 as fits.
void AddSharingAdminApi(Router& router, SharingAdminDeps deps);

}  // namespace tessera::ports::http
