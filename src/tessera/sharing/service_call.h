#pragma once

// Internal to sharing_service*.cc: the state of one request while it is answered.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/access/audit_log.h"
#include "tessera/common/json.h"
#include "tessera/delta/history.h"
#include "tessera/delta/snapshot.h"
#include "tessera/sharing/protocol_request.h"
#include "tessera/sharing/response_cache.h"
#include "tessera/sharing/response_lines.h"
#include "tessera/sharing/share_store.h"
#include "tessera/sharing/sharing_service.h"

namespace tessera::sharing {

/// A shared table a recipient asked for, resolved to where it lives.
struct ResolvedTable {
  SharedTable table;
  std::string root;
  std::string display;  // "share.schema.table", for messages and the audit
  /// A data product's table: the version its product published. Later versions do not exist
  /// for recipients.
  std::optional<int64_t> published_version;
};

/// A startingVersion query or a changes request, resolved to a version range.
struct RangeRequest {
  bool changes = false;
  int64_t start = 0;
  int64_t end = 0;
  size_t index = 0;  // the first entry of this page
  bool historical_metadata = false;
  bool historical_protocol = false;
  std::optional<int32_t> max_files;
  std::string fingerprint;
  std::string mode;  // page-token mode: "range" or "changes"
  bool end_stream = false;
};

/// One request: authenticates, routes, answers and audits. Every endpoint returns a Status; an
/// error before the response started becomes the protocol's JSON error.
class SharingService::Call {
 public:
  Call(SharingService& service, const SharingRequest& request, ResponseSink& sink);
  void Run();

 private:
  Status Route();
  Status Authenticate();

  // Listing endpoints (sharing_service.cc).
  Status ListShares();
  Status GetShare(std::string_view share);
  Status ListSchemas(std::string_view share);
  Status ListTables(std::string_view share, std::optional<std::string_view> schema);
  Result<Share> GrantedShare(std::string_view share);
  Result<ResolvedTable> GrantedTable(std::string_view share, std::string_view schema,
                                     std::string_view table);

  // Table endpoints (table_endpoints.cc).
  Status TableVersion(const ResolvedTable& table);
  Status TableMetadata(const ResolvedTable& table);
  Status TableQuery(const ResolvedTable& table);
  Status TableChanges(const ResolvedTable& table);
  Status StreamRange(const ResolvedTable& table, const RangeRequest& range);

  // Shared by the table endpoints (table_endpoints.cc).
  Result<std::shared_ptr<const delta::Snapshot>> LoadSnapshot(const ResolvedTable& table,
                                                              std::optional<int64_t> version);
  Result<int64_t> VersionAtTimestamp(const ResolvedTable& table, std::string_view timestamp,
                                     std::string_view parameter);
  Status RequireHistory(const ResolvedTable& table);
  /// The table's commits a recipient may see (up to its published version), oldest first.
  Result<std::vector<delta::CommitRecord>> History(const ResolvedTable& table);
  /// The newest version a recipient may see.
  Result<int64_t> LatestVersion(const ResolvedTable& table);
  Status CheckStartVersion(const ResolvedTable& table, int64_t version, bool changes);
  Result<ResponseFormat> ChooseFormat(const ResolvedTable& table, const delta::Protocol& protocol,
                                      const delta::Metadata& metadata);
  Result<FileIdScheme> ChooseFileIdScheme(ResponseFormat format);
  Result<SignedFile> SignDataFile(const ResolvedTable& table, std::string_view log_path);
  Result<FileLineExtras> FileExtras(const ResolvedTable& table, const delta::Action& action,
                                    FileIdScheme scheme, std::optional<int64_t> version,
                                    std::optional<int64_t> timestamp);
  Result<FileLineExtras> FileExtrasFor(const ResolvedTable& table, std::string_view path,
                                       const std::optional<delta::DeletionVectorDescriptor>& dv,
                                       FileIdScheme scheme, std::optional<int64_t> version,
                                       std::optional<int64_t> timestamp);
  Result<bool> ChangeDataFeedShared(const ResolvedTable& table, const delta::Metadata& metadata);
  void StartNdjson(int64_t table_version, ResponseFormat format, bool end_stream);
  /// Send a snapshot answer (after StartNdjson) and finish: gzip-compressed when the client
  /// accepts it and the answer is big enough to gain from it.
  Status SendSnapshotBody(const CachedResponse& response);

  // Responses.
  Status SendJson(const Json& body);
  Status WriteLine(const Json& line);
  Status RecordAudit();
  void SendError(const Status& error);
  std::string BaseUrl() const;

  SharingService& service_;
  const SharingRequest& request_;
  ResponseSink& sink_;
  Capabilities capabilities_;
  std::optional<Recipient> recipient_;
  access::AuditEvent audit_;
  bool audited_ = false;
  bool started_ = false;
  std::string buffer_;
  std::chrono::steady_clock::time_point begin_;
};

/// Map an error to its HTTP status and protocol errorCode.
std::pair<int, std::string_view> HttpErrorFor(StatusCode code);

}  // namespace tessera::sharing
