#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tessera/common/result.h"
#include "tessera/ports/http/router.h"
#include "tessera/sharing/file_urls.h"

namespace tessera::ports::http {

/// Where a verified file URL leads. Plain value.
struct FileTarget {
  std::string table_root;  // the shared table's Delta table directory
  /// The same directory held open (optional: without it each download opens table_root).
  std::shared_ptr<const sharing::TableDirectory> directory;
  std::string recipient;  // the recipient's name
  std::string table;      // "share.schema.table"
};

/// One request to `/files/...`, as the audit hook sees it: views into the request and its
/// resolved target, valid during the hook's call.
struct FileAccess {
  std::string_view recipient;  // name; the id when unresolved, empty when the URL did not verify
  std::string_view table;      // "share.schema.table", or the table id when unresolved
  std::string_view relative_path;
  int64_t bytes = 0;
  int status = 0;
  std::string_view error;
};

/// What the `/files/` route needs. The functions are called on connection threads.
struct FileRouteDeps {
  const sharing::FileUrlSigner* signer = nullptr;
  /// Where a verified URL leads; kNotFound once the table left its share or the share is no
  /// longer granted to the recipient.
  /// Shared, so that a cache can hand out the same answer to every download without copies.
  std::function<Result<std::shared_ptr<const FileTarget>>(
      const sharing::FileUrlSigner::VerifiedFile&)>
      resolve;
  /// Record a download before its body is sent (`bytes` = what will be sent) and again if it
  /// fails; an error stops the download (nothing a recipient does goes unrecorded).
  std::function<Status(const FileAccess&)> audit;
};

/// Serve signed data-file URLs (sharing::FileUrlSigner) at `GET /files/...` (HEAD too): a bad,
/// altered or expired signature is 403, a path outside the table 403, a missing file or table
/// 404; errors are Delta Sharing's `{"errorCode", "message"}` and never name server paths.
void RegisterFileRoutes(Router& router, FileRouteDeps deps);

}  // namespace tessera::ports::http
