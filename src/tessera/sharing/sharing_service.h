#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tessera/catalog/product_store.h"
#include "tessera/common/result.h"
#include "tessera/common/time.h"
#include "tessera/sharing/protocol_request.h"

namespace tessera::access {
class AuditLog;
}
namespace tessera::delta {
class CheckpointReader;
}
namespace tessera::storage {
class Storage;
}

namespace tessera::sharing {

class FileUrlSigner;
class ShareStore;
class ResponseCache;
class SnapshotCache;

/// One Delta Sharing request as the transport hands it over. Plain value.
struct SharingRequest {
  std::string method;  // "GET", "HEAD", "POST"
  /// Percent-decoded path below the endpoint prefix, e.g. "/shares/s/schemas".
  std::string path;
  QueryParams query;
  std::optional<std::string> authorization;  // the Authorization header
  std::optional<std::string> capabilities;   // delta-sharing-capabilities
  std::optional<std::string> file_id_hash;   // fileidhash
  std::optional<std::string> host;           // Host, for file URLs without a public_url
  /// Accept-Encoding allows gzip: big snapshot answers may then be sent compressed (once
  /// compressed, the cached answer is reused), with `Content-Encoding: gzip`.
  bool accepts_gzip = false;
  std::string body;
};

/// Where the service writes its answer; the transport implements it. The status and headers
/// must be set before the first Write.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void SetStatus(int status) = 0;
  virtual void SetHeader(std::string_view name, std::string_view value) = 0;
  /// Append to the body, sending the status line and headers first. Return an error when the
  /// client is gone: stop writing then.
  virtual Status Write(std::string_view data) = 0;
  /// End the response.
  virtual Status Finish() = 0;
  /// End a started response as failed (the client sees a truncated body).
  virtual void Abort() = 0;
};

/// Settings of the sharing endpoints. Plain value.
struct SharingOptions {
  std::string data_dir;
  /// Base of file URLs ("https://data.example.com"), for nodes behind a proxy or TLS
  /// terminator. Empty: "http://" (or "https://" when `https`) + the request's Host header.
  std::string public_url;
  /// The port that answers speaks HTTPS: file URLs without a public_url use https://.
  bool https = false;
  std::chrono::seconds url_ttl{3600};
  std::chrono::seconds refresh_token_ttl{3600};
  std::chrono::seconds page_token_ttl{std::chrono::hours(72)};
  /// The largest page a client may ask for with maxFiles (larger asks get this many).
  int32_t max_page_files = 10000;
  /// How long a snapshot query's response may be served again to the same recipient (its
  /// URLs then have at least url_ttl minus this left), and the memory for such responses.
  std::chrono::seconds response_cache_ttl{30};
  size_t response_cache_bytes = size_t{256} << 20;
  /// Tables of data products read at the version their product's catalog revision published
  /// (newer commits, an apply in progress or one that died, do not exist for recipients);
  /// nullptr: every table at its latest version. Must outlive the service.
  catalog::ProductStore* products = nullptr;
};

/// The Delta Sharing protocol endpoints (PROTOCOL.md of delta-io/delta-sharing): list shares,
/// schemas and tables, table version, metadata, query and changes, for recipients holding a
/// bearer token, over the shares granted to them. Every request is audited; errors are the
/// protocol's `{"errorCode", "message"}` with 4xx for anything the client can fix, and a
/// recipient never learns that an ungranted share exists. Thread-safe; every dependency must
/// outlive the service.
class SharingService {
 public:
  SharingService(ShareStore& store, const FileUrlSigner& signer, std::string token_key,
                 access::AuditLog* audit, storage::Storage& storage,
                 delta::CheckpointReader* checkpoint_reader, SharingOptions options,
                 const Clock* clock = &SystemClock::Instance());
  ~SharingService();
  SharingService(const SharingService&) = delete;
  SharingService& operator=(const SharingService&) = delete;

  /// Answer one request completely (errors included) through `sink`.
  void Handle(const SharingRequest& request, ResponseSink& sink);

 private:
  class Call;
  friend class Call;

  ShareStore& store_;
  const FileUrlSigner& signer_;
  std::string token_key_;
  access::AuditLog* audit_;
  storage::Storage& storage_;
  std::unique_ptr<SnapshotCache> snapshots_;
  std::unique_ptr<ResponseCache> responses_;
  SharingOptions options_;
  const Clock* clock_;
};

}  // namespace tessera::sharing
