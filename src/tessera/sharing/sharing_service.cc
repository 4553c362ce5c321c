#include "tessera/sharing/sharing_service.h"

#include <utility>

#include "tessera/common/strings.h"
#include "tessera/sharing/file_urls.h"
#include "tessera/sharing/names.h"
#include "tessera/sharing/response_cache.h"
#include "tessera/sharing/service_call.h"
#include "tessera/sharing/signed_token.h"
#include "tessera/sharing/snapshot_cache.h"

namespace tessera::sharing {
namespace {

constexpr std::string_view kJsonType = "application/json; charset=utf-8";
constexpr std::string_view kListTokenKind = "list page token";

// A list page token pins the listing it belongs to, so it cannot be replayed on another one.
std::string ListKey(std::string_view what, std::string_view share, std::string_view schema) {
  return std::string(what) + "\n" + FoldName(share) + "\n" + FoldName(schema);
}

}  // namespace

std::pair<int, std::string_view> HttpErrorFor(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return {400, "INVALID_PARAMETER_VALUE"};
    case StatusCode::kUnsupported:
      return {400, "UNSUPPORTED_OPERATION"};
    case StatusCode::kNotFound:
      return {404, "RESOURCE_DOES_NOT_EXIST"};
    case StatusCode::kUnauthenticated:
      return {401, "UNAUTHENTICATED"};
    case StatusCode::kPermissionDenied:
      return {403, "PERMISSION_DENIED"};
    default:
      return {500, "INTERNAL_ERROR"};
  }
}

SharingService::SharingService(ShareStore& store, const FileUrlSigner& signer,
                               std::string token_key, access::AuditLog* audit,
                               storage::Storage& storage,
                               delta::CheckpointReader* checkpoint_reader, SharingOptions options,
                               const Clock* clock)
    : store_(store),
      signer_(signer),
      token_key_(std::move(token_key)),
      audit_(audit),
      storage_(storage),
      snapshots_(std::make_unique<SnapshotCache>(storage, checkpoint_reader)),
      responses_(std::make_unique<ResponseCache>(options.response_cache_ttl,
                                                 options.response_cache_bytes)),
      options_(std::move(options)),
      clock_(clock) {}

SharingService::~SharingService() = default;

void SharingService::Handle(const SharingRequest& request, ResponseSink& sink) {
  Call call(*this, request, sink);
  call.Run();
}

SharingService::Call::Call(SharingService& service, const SharingRequest& request,
                           ResponseSink& sink)
    : service_(service),
      request_(request),
      sink_(sink),
      capabilities_(ParseCapabilities(request.capabilities)),
      begin_(std::chrono::steady_clock::now()) {
  audit_.port = "sharing";
  audit_.action = "request";
  audit_.object = request.path;
}

void SharingService::Call::Run() {
  Status status = Route();
  if (status.ok() && !started_)
    status = SendJson(Json::object());
  if (!status.ok())
    SendError(status);
  audit_.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - begin_)
                           .count();
  if (!audited_ || !status.ok()) {
    audit_.status = status.ok() ? "ok" : "error";
    audit_.error = status.ok() ? "" : status.message();
    // Nothing more can be done for this request if the audit fails now; the error is on record
    // for the requests that follow, which fail before answering.
    (void)RecordAudit();
  }
}

Status SharingService::Call::Route() {
  TESSERA_RETURN_NOT_OK(Authenticate());
  std::vector<std::string> parts;
  for (const std::string& part : Split(request_.path, '/')) {
    if (!part.empty())
      parts.push_back(part);
  }
  const std::string& method = request_.method;
  bool get = method == "GET" || method == "HEAD";
  auto method_not_allowed = [&] {
    return Status::InvalidArgument("method " + method + " is not allowed on " + request_.path);
  };
  if (parts.empty() || parts[0] != "shares")
    return Status::NotFound("no such endpoint: " + request_.path);
  if (parts.size() == 1) {
    audit_.action = "list_shares";
    return get ? ListShares() : method_not_allowed();
  }
  audit_.object = parts[1];
  if (parts.size() == 2) {
    audit_.action = "get_share";
    return get ? GetShare(parts[1]) : method_not_allowed();
  }
  if (parts.size() == 3 && parts[2] == "schemas") {
    audit_.action = "list_schemas";
    return get ? ListSchemas(parts[1]) : method_not_allowed();
  }
  if (parts.size() == 3 && parts[2] == "all-tables") {
    audit_.action = "list_all_tables";
    return get ? ListTables(parts[1], std::nullopt) : method_not_allowed();
  }
  if (parts.size() < 5 || parts[2] != "schemas" || parts[4] != "tables")
    return Status::NotFound("no such endpoint: " + request_.path);
  audit_.object = parts[1] + "." + parts[3];
  if (parts.size() == 5) {
    audit_.action = "list_tables";
    return get ? ListTables(parts[1], parts[3]) : method_not_allowed();
  }
  audit_.object = parts[1] + "." + parts[3] + "." + parts[5];
  if (parts.size() > 7)
    return Status::NotFound("no such endpoint: " + request_.path);
  std::string_view endpoint;
  if (parts.size() == 7)
    endpoint = parts[6];
  if (endpoint.empty()) {
    // The deprecated `HEAD .../tables/{t}` form of the version endpoint.
    audit_.action = "version";
    if (method != "HEAD")
      return Status::NotFound("no such endpoint: " + request_.path);
  } else if (endpoint == "version" || endpoint == "metadata" || endpoint == "query" ||
             endpoint == "changes") {
    audit_.action = std::string(endpoint);
  } else {
    return Status::NotFound("no such endpoint: " + request_.path);
  }
  bool post = method == "POST";
  if ((endpoint == "query") != post)
    return method_not_allowed();
  TESSERA_ASSIGN_OR_RETURN(ResolvedTable table, GrantedTable(parts[1], parts[3], parts[5]));
  audit_.object = table.display;
  if (endpoint.empty() || endpoint == "version")
    return TableVersion(table);
  if (endpoint == "metadata")
    return TableMetadata(table);
  if (endpoint == "query")
    return TableQuery(table);
  return TableChanges(table);
}

Status SharingService::Call::Authenticate() {
  std::string_view header;
  if (request_.authorization)
    header = *request_.authorization;
  std::string_view token;
  if (header.size() > 7 && ToLower(header.substr(0, 7)) == "bearer ")
    token = Trim(header.substr(7));
  if (token.empty()) {
    return Status::Unauthenticated(
        "missing bearer token: send the profile's bearerToken as 'Authorization: Bearer <token>'");
  }
  auto recipient = service_.store_.AuthenticateRecipient(token);
  if (!recipient.ok()) {
    if (recipient.status().code() == StatusCode::kUnauthenticated)
      return Status::Unauthenticated("invalid or expired bearer token");
    return recipient.status();
  }
  recipient_ = std::move(*recipient);
  audit_.principal = recipient_->name;
  return Status::OK();
}

namespace {

// Page through `items` (already in their stable order) and add `nextPageToken` unless this is
// the last page: clients loop while a token is present, so the last page must not carry one.
Result<Json> Page(const std::string& key, const std::vector<Json>& items,
                  const ListRequest& request, std::string_view token_key) {
  size_t offset = 0;
  if (request.page_token) {
    auto payload = DecodeSignedToken(token_key, kListTokenKind, *request.page_token);
    if (!payload.ok() || !payload->contains("k") || (*payload)["k"] != key ||
        !(*payload)["o"].is_number_unsigned()) {
      return Status::InvalidArgument("invalid 'nextPageToken'");
    }
    offset = (*payload)["o"].get<size_t>();
    if (offset > items.size())
      return Status::InvalidArgument("invalid 'nextPageToken'");
  }
  size_t end = std::min(items.size(), offset + static_cast<size_t>(request.max_results));
  Json page = {{"items", Json::array()}};
  for (size_t i = offset; i < end; ++i)
    page["items"].push_back(items[i]);
  if (end < items.size()) {
    page["nextPageToken"] =
        EncodeSignedToken(token_key, kListTokenKind, Json{{"k", key}, {"o", end}});
  }
  return page;
}

}  // namespace

Status SharingService::Call::ListShares() {
  TESSERA_ASSIGN_OR_RETURN(ListRequest list, ParseListRequest(request_.query));
  TESSERA_ASSIGN_OR_RETURN(auto shares, service_.store_.SharesFor(recipient_->id));
  std::vector<Json> items;
  items.reserve(shares.size());
  for (const Share& share : shares)
    items.push_back({{"name", share.name}, {"id", share.id}});
  TESSERA_ASSIGN_OR_RETURN(
      Json page, Page(ListKey("shares", recipient_->id, ""), items, list, service_.token_key_));
  return SendJson(page);
}

Result<Share> SharingService::Call::GrantedShare(std::string_view share) {
  TESSERA_ASSIGN_OR_RETURN(bool granted, service_.store_.IsGranted(share, recipient_->id));
  // An ungranted share answers exactly like a missing one.
  if (!granted)
    return Status::NotFound("share '" + std::string(share) + "' not found");
  auto found = service_.store_.GetShare(share);
  if (!found.ok() && found.status().code() == StatusCode::kNotFound)
    return Status::NotFound("share '" + std::string(share) + "' not found");
  return found;
}

Status SharingService::Call::GetShare(std::string_view share) {
  TESSERA_ASSIGN_OR_RETURN(Share found, GrantedShare(share));
  return SendJson({{"share", {{"name", found.name}, {"id", found.id}}}});
}

Status SharingService::Call::ListSchemas(std::string_view share) {
  TESSERA_ASSIGN_OR_RETURN(ListRequest list, ParseListRequest(request_.query));
  TESSERA_ASSIGN_OR_RETURN(Share found, GrantedShare(share));
  TESSERA_ASSIGN_OR_RETURN(auto schemas, service_.store_.ListSchemas(found.name));
  std::vector<Json> items;
  items.reserve(schemas.size());
  for (const std::string& schema : schemas)
    items.push_back({{"name", schema}, {"share", found.name}});
  TESSERA_ASSIGN_OR_RETURN(
      Json page, Page(ListKey("schemas", found.name, ""), items, list, service_.token_key_));
  return SendJson(page);
}

Status SharingService::Call::ListTables(std::string_view share,
                                        std::optional<std::string_view> schema) {
  TESSERA_ASSIGN_OR_RETURN(ListRequest list, ParseListRequest(request_.query));
  TESSERA_ASSIGN_OR_RETURN(Share found, GrantedShare(share));
  auto tables = service_.store_.ListTables(found.name, schema);
  if (!tables.ok() && tables.status().code() == StatusCode::kNotFound && schema)
    return Status::NotFound("schema '" + std::string(*schema) + "' not found");
  TESSERA_RETURN_NOT_OK(tables.status());
  std::vector<Json> items;
  items.reserve(tables->size());
  for (const SharedTable& table : *tables) {
    items.push_back({{"name", table.name},
                     {"schema", table.schema},
                     {"share", found.name},
                     {"shareId", found.id},
                     {"id", table.id}});
  }
  std::string key = ListKey(schema ? "tables" : "all-tables", found.name, schema.value_or(""));
  TESSERA_ASSIGN_OR_RETURN(Json page, Page(key, items, list, service_.token_key_));
  return SendJson(page);
}

Result<ResolvedTable> SharingService::Call::GrantedTable(std::string_view share,
                                                         std::string_view schema,
                                                         std::string_view table) {
  std::string display = std::string(share) + "." + std::string(schema) + "." + std::string(table);
  TESSERA_ASSIGN_OR_RETURN(bool granted, service_.store_.IsGranted(share, recipient_->id));
  auto found = granted ? service_.store_.GetTable(share, schema, table)
                       : Result<SharedTable>(Status::NotFound(""));
  if (!found.ok()) {
    if (found.status().code() != StatusCode::kNotFound)
      return found.status();
    return Status::NotFound("[Share/Schema/Table] '" + std::string(share) + "/" +
                            std::string(schema) + "/" + std::string(table) +
                            "' does not exist, please contact your share provider for further "
                            "information.");
  }
  ResolvedTable resolved;
  resolved.display = found->share + "." + found->schema + "." + found->name;
  resolved.root = SharedTableRoot(service_.options_.data_dir, *found);
  if (found->source_kind == TableSourceKind::kTessera && service_.options_.products != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(engine::TableName name, engine::ParseTableName(found->source));
    auto published = service_.options_.products->PublishedVersion(name);
    if (!published.ok() && published.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("the data of table " + resolved.display +
                              " is missing on the server; please contact your share provider");
    }
    TESSERA_ASSIGN_OR_RETURN(resolved.published_version, std::move(published));
  }
  resolved.table = std::move(*found);
  return resolved;
}

Status SharingService::Call::SendJson(const Json& body) {
  TESSERA_RETURN_NOT_OK(RecordAudit());
  sink_.SetStatus(200);
  sink_.SetHeader("Content-Type", kJsonType);
  started_ = true;
  TESSERA_RETURN_NOT_OK(sink_.Write(DumpJson(body)));
  return sink_.Finish();
}

Status SharingService::Call::WriteLine(const Json& line) {
  buffer_ += DumpJson(line);
  buffer_ += '\n';
  if (buffer_.size() < size_t{64} * 1024)
    return Status::OK();
  Status status = sink_.Write(buffer_);
  buffer_.clear();
  return status;
}

Status SharingService::Call::RecordAudit() {
  audited_ = true;
  if (audit_.status.empty())
    audit_.status = "ok";
  if (service_.audit_ == nullptr)
    return Status::OK();
  Status status = service_.audit_->Record(audit_);
  if (!status.ok())
    return Status::IoError("the audit log cannot be written, so nothing is served: " +
                           status.message());
  return status;
}

void SharingService::Call::SendError(const Status& error) {
  if (started_) {
    // The status line is gone; a truncated body is the only way left to tell the client.
    sink_.Abort();
    return;
  }
  auto [http_status, code] = HttpErrorFor(error.code());
  std::string message = error.message();
  sink_.SetStatus(http_status);
  sink_.SetHeader("Content-Type", kJsonType);
  started_ = true;
  if (sink_.Write(DumpJson(Json{{"errorCode", code}, {"message", message}})).ok())
    (void)sink_.Finish();
}

std::string SharingService::Call::BaseUrl() const {
  if (!service_.options_.public_url.empty())
    return service_.options_.public_url;
  return std::string(service_.options_.https ? "https://" : "http://") +
         request_.host.value_or("127.0.0.1");
}

}  // namespace tessera::sharing
