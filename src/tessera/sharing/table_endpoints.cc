// The table endpoints of SharingService: version, metadata, query and changes.

#include <algorithm>
#include <map>
#include <set>
#include <variant>

#include "tessera/common/crypto.h"
#include "tessera/common/strings.h"
#include "tessera/delta/deletion_vector.h"
#include "tessera/delta/history.h"
#include "tessera/delta/log_path.h"
#include "tessera/delta/log_segment.h"
#include "tessera/delta/table_features.h"
#include "tessera/sharing/file_urls.h"
#include "tessera/sharing/predicate_hints.h"
#include "tessera/sharing/response_cache.h"
#include "tessera/sharing/service_call.h"
#include "tessera/sharing/signed_token.h"
#include "tessera/sharing/snapshot_cache.h"

namespace tessera::sharing {
namespace {

constexpr std::string_view kNdjsonType = "application/x-ndjson; charset=utf-8";
constexpr std::string_view kPageTokenKind = "page token";
constexpr std::string_view kRefreshTokenKind = "refresh token";

// Reader features a delta-format client must understand to read the files it is sent; the
// others (checkpoint and log features) only concern whoever replays the log, which is us.
const std::set<std::string>& ClientReaderFeatures() {
  static const std::set<std::string> kFeatures = {
      "deletionvectors",      "columnmapping", "timestampntz",       "typewidening",
      "typewidening-preview", "varianttype",   "varianttype-preview"};
  return kFeatures;
}

// Errors from the Delta layer name the table's directory; a recipient must not learn the
// server's filesystem layout, so the directory is replaced by the shared table's name.
Status Sanitize(const Status& status, const ResolvedTable& table) {
  if (status.ok())
    return status;
  std::string message = status.message();
  for (size_t at = message.find(table.root); at != std::string::npos;
       at = message.find(table.root, at)) {
    message.replace(at, table.root.size(), "table " + table.display);
  }
  return Status(status.code(), message);
}

std::optional<int64_t> NumRecords(const delta::AddFile& file) {
  std::optional<Json> parsed;
  if (file.stats) {
    auto json = ParseJson(*file.stats);
    if (json.ok())
      parsed = std::move(*json);
  } else if (file.stats_parsed) {
    parsed = file.stats_parsed;
  }
  if (!parsed || !parsed->is_object())
    return std::nullopt;
  auto records = JsonOptInt(*parsed, "numRecords");
  if (!records.ok() || !*records)
    return std::nullopt;
  int64_t live = **records;
  if (file.deletion_vector)
    live -= file.deletion_vector->cardinality;
  return live;
}

std::string Iso(int64_t ms) { return FormatIso8601Millis(ms); }

// A MERGE that changed nothing still rewrites files; its actions are not changes.
bool IsNoOpMerge(const std::optional<delta::CommitInfo>& info) {
  if (!info || info->Operation() != "MERGE")
    return false;
  const Json* metrics = JsonFind(info->value, "operationMetrics");
  if (metrics == nullptr || !metrics->is_object())
    return false;
  for (const char* key :
       {"numTargetRowsInserted", "numTargetRowsUpdated", "numTargetRowsDeleted"}) {
    const Json* value = JsonFind(*metrics, key);
    if (value == nullptr)
      return false;
    std::string text = value->is_string() ? value->get<std::string>() : DumpJson(*value);
    if (text != "0")
      return false;
  }
  return true;
}

bool ChangeFeedEnabled(const delta::Metadata& metadata) {
  auto found = metadata.configuration.find("delta.enableChangeDataFeed");
  return found != metadata.configuration.end() && ToLower(found->second) == "true";
}

/// One line of a startingVersion query or a changes response, before URLs are signed.
struct RangeEntry {
  enum class Kind { kMetadata, kProtocol, kFile } kind = Kind::kFile;
  FileLineKind line_kind = FileLineKind::kAdd;
  delta::Action action;
  int64_t version = 0;
  int64_t timestamp = 0;
};

}  // namespace

// ---- shared helpers --------------------------------------------------------------------------

Result<std::shared_ptr<const delta::Snapshot>> SharingService::Call::LoadSnapshot(
    const ResolvedTable& table, std::optional<int64_t> version) {
  if (table.published_version) {
    if (!version)
      version = table.published_version;
    else if (*version > *table.published_version)
      return Status::InvalidArgument("Cannot load table version " + std::to_string(*version) +
                                     " of " + table.display + ": the latest version is " +
                                     std::to_string(*table.published_version));
  }
  auto snapshot = service_.snapshots_->Get(table.root, version);
  if (snapshot.ok())
    return snapshot;
  Status error = Sanitize(snapshot.status(), table);
  if (version &&
      (error.code() == StatusCode::kNotFound || error.code() == StatusCode::kCorruption)) {
    return Status::InvalidArgument("Cannot load table version " + std::to_string(*version) +
                                   " of " + table.display + ": " + error.message());
  }
  if (error.code() == StatusCode::kNotFound) {
    return Status::NotFound("the data of table " + table.display +
                            " is missing on the server; please contact your share provider");
  }
  return error;
}

Result<std::vector<delta::CommitRecord>> SharingService::Call::History(const ResolvedTable& table) {
  auto history = delta::ReadHistory(service_.storage_, table.root);
  if (!history.ok())
    return Sanitize(history.status(), table);
  if (table.published_version) {
    int64_t last = *table.published_version;
    history->erase(
        std::remove_if(history->begin(), history->end(),
                       [last](const delta::CommitRecord& r) { return r.version > last; }),
        history->end());
  }
  if (history->empty())
    return Status::NotFound("the data of table " + table.display +
                            " is missing on the server; please contact your share provider");
  return std::move(*history);
}

Result<int64_t> SharingService::Call::LatestVersion(const ResolvedTable& table) {
  auto segment = delta::BuildLogSegment(service_.storage_, table.root, std::nullopt);
  if (!segment.ok()) {
    if (segment.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("the data of table " + table.display +
                              " is missing on the server; please contact your share provider");
    }
    return Sanitize(segment.status(), table);
  }
  if (table.published_version)
    return std::min(segment->latest_version, *table.published_version);
  return segment->latest_version;
}

Status SharingService::Call::RequireHistory(const ResolvedTable& table) {
  if (table.table.history_shared)
    return Status::OK();
  return Status::InvalidArgument(
      "Reading table by version or timestamp is not supported because history sharing is not "
      "enabled on table: " +
      table.display);
}

Status SharingService::Call::CheckStartVersion(const ResolvedTable& table, int64_t version,
                                               bool changes) {
  if (table.table.start_version && version < *table.table.start_version) {
    return Status::InvalidArgument(std::string("You can only query table ") +
                                   (changes ? "changes" : "data") + " since version " +
                                   std::to_string(*table.table.start_version) + ".");
  }
  return Status::OK();
}

Result<int64_t> SharingService::Call::VersionAtTimestamp(const ResolvedTable& table,
                                                         std::string_view timestamp,
                                                         std::string_view parameter) {
  TESSERA_ASSIGN_OR_RETURN(int64_t ms, ParseProtocolTimestamp(timestamp, parameter));
  auto history = History(table);
  if (!history.ok())
    return history.status();
  const delta::CommitRecord& first = history->front();
  const delta::CommitRecord& last = history->back();
  if (ms < first.timestamp_ms) {
    return Status::InvalidArgument("The provided timestamp (" + std::string(timestamp) +
                                   ") is before the earliest available "
                                   "version " +
                                   std::to_string(first.version) +
                                   ". Please use a timestamp greater than or "
                                   "equal to " +
                                   Iso(first.timestamp_ms) + ".");
  }
  if (ms > last.timestamp_ms) {
    return Status::InvalidArgument("The provided timestamp (" + std::string(timestamp) +
                                   ") is after the latest available "
                                   "version " +
                                   std::to_string(last.version) +
                                   ". Please use a timestamp less than or equal "
                                   "to " +
                                   Iso(last.timestamp_ms) + ".");
  }
  return delta::VersionAsOf(*history, ms);
}

Result<ResponseFormat> SharingService::Call::ChooseFormat(const ResolvedTable& table,
                                                          const delta::Protocol& protocol,
                                                          const delta::Metadata& metadata) {
  std::vector<std::string> needs;
  auto mapping = delta::GetColumnMappingMode(protocol, metadata);
  if (mapping.ok() && *mapping != delta::ColumnMappingMode::kNone)
    needs.emplace_back("column mapping");
  auto dv = metadata.configuration.find("delta.enableDeletionVectors");
  if (dv != metadata.configuration.end() && ToLower(dv->second) == "true")
    needs.emplace_back("deletion vectors");
  std::set<std::string> formats = capabilities_.response_formats;
  if (formats.empty())
    formats.insert("parquet");
  bool parquet = formats.count("parquet") > 0;
  bool delta_ok = formats.count("delta") > 0;
  if (!parquet && !delta_ok) {
    return Status::InvalidArgument(
        "Unsupported responseformat in the delta-sharing-capabilities header. Supported: "
        "parquet, delta");
  }
  if (needs.empty() && parquet)
    return ResponseFormat::kParquet;
  if (!delta_ok) {
    return Status::Unsupported("Unsupported Delta Table Properties: table " + table.display +
                               " uses " + Join(needs, " and ") +
                               ", which parquet-format clients cannot read; ask for "
                               "'delta-sharing-capabilities: responseformat=delta'");
  }
  if (!capabilities_.reader_features.empty() && protocol.reader_features) {
    for (const std::string& feature : *protocol.reader_features) {
      std::string lower = ToLower(feature);
      if (ClientReaderFeatures().count(lower) > 0 &&
          capabilities_.reader_features.count(lower) == 0) {
        return Status::Unsupported("table " + table.display + " needs the reader feature '" +
                                   feature + "', which the client did not list in readerfeatures");
      }
    }
  }
  return ResponseFormat::kDelta;
}

Result<FileIdScheme> SharingService::Call::ChooseFileIdScheme(ResponseFormat format) {
  if (!request_.file_id_hash)
    return format == ResponseFormat::kDelta ? FileIdScheme::kDelta : FileIdScheme::kParquet;
  std::string value = ToLower(Trim(*request_.file_id_hash));
  if (value == "parquet")
    return FileIdScheme::kParquet;
  if (value == "delta")
    return FileIdScheme::kDelta;
  return Status::InvalidArgument("Unsupported fileidhash: '" + *request_.file_id_hash +
                                 "'. Supported: parquet, delta");
}

Result<SignedFile> SharingService::Call::SignDataFile(const ResolvedTable& table,
                                                      std::string_view log_path) {
  auto relative = RelativeDataPath(table.root, log_path);
  if (!relative.ok()) {
    return Status::Unsupported("table " + table.display +
                               " has a file outside its directory, which this server cannot "
                               "serve; please contact your share provider");
  }
  auto signed_url = service_.signer_.Sign(BaseUrl(), table.table.id, *relative, recipient_->id,
                                          service_.options_.url_ttl);
  return SignedFile{signed_url.url, signed_url.expiration_ms};
}

Result<FileLineExtras> SharingService::Call::FileExtras(const ResolvedTable& table,
                                                        const delta::Action& action,
                                                        FileIdScheme scheme,
                                                        std::optional<int64_t> version,
                                                        std::optional<int64_t> timestamp) {
  std::string_view path;
  const std::optional<delta::DeletionVectorDescriptor>* dv = nullptr;
  if (const auto* add = std::get_if<delta::AddFile>(&action)) {
    path = add->path;
    dv = &add->deletion_vector;
  } else if (const auto* remove = std::get_if<delta::RemoveFile>(&action)) {
    path = remove->path;
    dv = &remove->deletion_vector;
  } else if (const auto* cdc = std::get_if<delta::AddCdcFile>(&action)) {
    path = cdc->path;
  }
  static const std::optional<delta::DeletionVectorDescriptor> kNoDv;
  return FileExtrasFor(table, path, dv != nullptr ? *dv : kNoDv, scheme, version, timestamp);
}

Result<FileLineExtras> SharingService::Call::FileExtrasFor(
    const ResolvedTable& table, std::string_view path,
    const std::optional<delta::DeletionVectorDescriptor>& dv_or_none, FileIdScheme scheme,
    std::optional<int64_t> version, std::optional<int64_t> timestamp) {
  const std::optional<delta::DeletionVectorDescriptor>* dv = &dv_or_none;
  FileLineExtras extras;
  extras.id = FileId(scheme, path, *dv);
  TESSERA_ASSIGN_OR_RETURN(extras.data, SignDataFile(table, path));
  if (*dv && (*dv)->storage_type != "i") {
    auto dv_path = delta::DeletionVectorFilePath(table.root, **dv);
    std::string prefix = table.root + "/";
    if (!dv_path.ok() || !StartsWith(*dv_path, prefix)) {
      return Status::Unsupported("table " + table.display +
                                 " has a deletion vector this server cannot serve; please "
                                 "contact your share provider");
    }
    auto signed_url =
        service_.signer_.Sign(BaseUrl(), table.table.id, dv_path->substr(prefix.size()),
                              recipient_->id, service_.options_.url_ttl);
    extras.deletion_vector = SignedFile{signed_url.url, signed_url.expiration_ms};
  }
  extras.version = version;
  extras.timestamp = timestamp;
  return extras;
}

Result<bool> SharingService::Call::ChangeDataFeedShared(const ResolvedTable& table,
                                                        const delta::Metadata& metadata) {
  return table.table.history_shared && ChangeFeedEnabled(metadata);
}

void SharingService::Call::StartNdjson(int64_t table_version, ResponseFormat format,
                                       bool end_stream) {
  sink_.SetStatus(200);
  sink_.SetHeader("Content-Type", kNdjsonType);
  sink_.SetHeader("Delta-Table-Version", std::to_string(table_version));
  std::string capabilities = "responseformat=" + std::string(ResponseFormatName(format));
  if (end_stream && capabilities_.include_end_stream_action)
    capabilities += ";includeendstreamaction=true";
  sink_.SetHeader("delta-sharing-capabilities", capabilities);
  if (request_.file_id_hash)
    sink_.SetHeader("fileidhash", ToLower(Trim(*request_.file_id_hash)));
  started_ = true;
}

Status SharingService::Call::SendSnapshotBody(const CachedResponse& response) {
  // Small answers gain nothing from compression; big ones (thousands of signed URLs) shrink
  // about 6x, and the compressed form is kept with the cached answer.
  constexpr size_t kGzipMinBytes = size_t{8} * 1024;
  sink_.SetHeader("Vary", "Accept-Encoding");
  if (request_.accepts_gzip && response.body.size() >= kGzipMinBytes) {
    sink_.SetHeader("Content-Encoding", "gzip");
    TESSERA_RETURN_NOT_OK(sink_.Write(response.Gzipped()));
  } else {
    TESSERA_RETURN_NOT_OK(sink_.Write(response.body));
  }
  return sink_.Finish();
}

// ---- /version ----------------------------------------------------------------------------------

Status SharingService::Call::TableVersion(const ResolvedTable& table) {
  int64_t version = 0;
  if (auto timestamp = FindParam(request_.query, "startingTimestamp")) {
    TESSERA_RETURN_NOT_OK(RequireHistory(table));
    TESSERA_ASSIGN_OR_RETURN(int64_t ms, ParseProtocolTimestamp(*timestamp, "startingTimestamp"));
    auto history = History(table);
    if (!history.ok())
      return history.status();
    const delta::CommitRecord& last = history->back();
    if (ms > last.timestamp_ms) {
      return Status::InvalidArgument("The provided timestamp (" + std::string(*timestamp) +
                                     ") is after the latest "
                                     "available version " +
                                     std::to_string(last.version) +
                                     ". Please use a timestamp less "
                                     "than or equal to " +
                                     Iso(last.timestamp_ms) + ".");
    }
    TESSERA_ASSIGN_OR_RETURN(version, delta::VersionAtOrAfter(*history, ms));
    // Versions before the share's start version do not exist for the recipient.
    if (table.table.start_version)
      version = std::max(version, *table.table.start_version);
  } else {
    TESSERA_ASSIGN_OR_RETURN(version, LatestVersion(table));
  }
  audit_.version = version;
  TESSERA_RETURN_NOT_OK(RecordAudit());
  sink_.SetStatus(200);
  sink_.SetHeader("Delta-Table-Version", std::to_string(version));
  started_ = true;
  return sink_.Finish();
}

// ---- /metadata ---------------------------------------------------------------------------------

Status SharingService::Call::TableMetadata(const ResolvedTable& table) {
  auto version_text = FindParam(request_.query, "version");
  auto timestamp = FindParam(request_.query, "timestamp");
  if (version_text && timestamp)
    return Status::InvalidArgument("Please only provide one of: version,timestamp");
  std::optional<int64_t> version;
  if (version_text) {
    auto parsed = ParseInt64(*version_text);
    if (!parsed.ok()) {
      return Status::InvalidArgument(
          "version: expected a number but the string didn't have the appropriate format: '" +
          std::string(*version_text) + "'");
    }
    if (*parsed < 0)
      return Status::InvalidArgument("version cannot be negative.");
    TESSERA_RETURN_NOT_OK(RequireHistory(table));
    version = *parsed;
  } else if (timestamp) {
    TESSERA_RETURN_NOT_OK(RequireHistory(table));
    TESSERA_ASSIGN_OR_RETURN(version, VersionAtTimestamp(table, *timestamp, "timestamp"));
  }
  if (version)
    TESSERA_RETURN_NOT_OK(CheckStartVersion(table, *version, false));
  TESSERA_ASSIGN_OR_RETURN(auto snapshot, LoadSnapshot(table, version));
  TESSERA_ASSIGN_OR_RETURN(ResponseFormat format,
                           ChooseFormat(table, snapshot->protocol(), snapshot->metadata()));
  TESSERA_RETURN_NOT_OK(ChooseFileIdScheme(format).status());
  TESSERA_ASSIGN_OR_RETURN(bool cdf, ChangeDataFeedShared(table, snapshot->metadata()));
  audit_.version = snapshot->version();
  TESSERA_RETURN_NOT_OK(RecordAudit());
  StartNdjson(snapshot->version(), format, false);
  MetadataExtras extras;
  extras.size = snapshot->TotalBytes();
  extras.num_files = static_cast<int64_t>(snapshot->files().size());
  extras.change_data_feed = cdf;
  TESSERA_RETURN_NOT_OK(WriteLine(ProtocolLine(format, snapshot->protocol(), std::nullopt)));
  TESSERA_RETURN_NOT_OK(WriteLine(MetadataLine(format, snapshot->metadata(), extras)));
  TESSERA_RETURN_NOT_OK(sink_.Write(buffer_));
  buffer_.clear();
  return sink_.Finish();
}

// ---- page and refresh tokens -------------------------------------------------------------------

namespace {

/// Where a paged response goes on from, as pinned by the first page.
struct PagePosition {
  size_t index = 0;
  std::optional<int64_t> version;  // snapshot queries
  int64_t start = 0;               // range queries and changes
  int64_t end = 0;
};

std::string FingerprintHash(const std::string& fingerprint) {
  return HexEncode(Sha256(fingerprint)).substr(0, 32);
}

Result<PagePosition> DecodePageToken(std::string_view key, std::string_view token,
                                     std::string_view mode, const std::string& table_id,
                                     const std::string& recipient_id,
                                     const std::string& fingerprint, int64_t now_ms) {
  TESSERA_ASSIGN_OR_RETURN(Json payload, DecodeSignedToken(key, kPageTokenKind, token));
  auto text = [&](const char* name) -> std::string {
    const Json* value = JsonFind(payload, name);
    return value != nullptr && value->is_string() ? value->get<std::string>() : "";
  };
  auto number = [&](const char* name) -> std::optional<int64_t> {
    const Json* value = JsonFind(payload, name);
    if (value == nullptr || !value->is_number_integer())
      return std::nullopt;
    return value->get<int64_t>();
  };
  if (text("t") != table_id || text("r") != recipient_id)
    return Status::InvalidArgument(
        "The table specified in the page token does not match the table being queried");
  if (text("m") != mode || text("f") != FingerprintHash(fingerprint))
    return Status::InvalidArgument("Query parameter mismatch detected for the next page query");
  auto expiry = number("x");
  if (!expiry || *expiry < now_ms)
    return Status::InvalidArgument("The page token has expired");
  auto index = number("i");
  if (!index || *index < 0)
    return Status::InvalidArgument("Error decoding the page token");
  PagePosition position;
  position.index = static_cast<size_t>(*index);
  position.version = number("v");
  position.start = number("s").value_or(0);
  position.end = number("e").value_or(0);
  return position;
}

std::string EncodePageToken(std::string_view key, std::string_view mode,
                            const std::string& table_id, const std::string& recipient_id,
                            const std::string& fingerprint, int64_t expiry_ms,
                            const PagePosition& position) {
  Json payload = {{"t", table_id},       {"r", recipient_id},
                  {"m", mode},           {"f", FingerprintHash(fingerprint)},
                  {"x", expiry_ms},      {"i", position.index},
                  {"s", position.start}, {"e", position.end}};
  if (position.version)
    payload["v"] = *position.version;
  return EncodeSignedToken(key, kPageTokenKind, payload);
}

FileFilter BuildFilter(const QueryRequest& query, const delta::Snapshot& snapshot) {
  if (query.json_predicate_hints) {
    auto predicate = ParseJsonPredicate(*query.json_predicate_hints);
    // Hints are best effort: one that cannot be used means no skipping, never an error.
    if (predicate.ok())
      return FileFilter::Bind(*predicate, snapshot);
    return FileFilter();
  }
  if (!query.predicate_hints.empty()) {
    auto predicate = ParseSqlPredicateHints(query.predicate_hints, snapshot);
    if (predicate)
      return FileFilter::Bind(*predicate, snapshot);
  }
  return FileFilter();
}

}  // namespace

// ---- /query ------------------------------------------------------------------------------------

Status SharingService::Call::TableQuery(const ResolvedTable& table) {
  TESSERA_ASSIGN_OR_RETURN(QueryRequest query, ParseQueryRequest(request_.body));
  const SharingOptions& options = service_.options_;
  int64_t now = service_.clock_->NowMillis();
  std::string fingerprint = query.PagingFingerprint();
  bool range = query.starting_version.has_value();
  std::string mode = range ? "range" : "snapshot";

  PagePosition position;
  if (query.page_token) {
    TESSERA_ASSIGN_OR_RETURN(
        position, DecodePageToken(service_.token_key_, *query.page_token, mode, table.table.id,
                                  recipient_->id, fingerprint, now));
  }

  if (range) {
    TESSERA_RETURN_NOT_OK(RequireHistory(table));
    TESSERA_RETURN_NOT_OK(CheckStartVersion(table, *query.starting_version, false));
    if (!query.page_token) {
      TESSERA_ASSIGN_OR_RETURN(int64_t latest, LatestVersion(table));
      if (*query.starting_version > latest) {
        return Status::InvalidArgument(
            "Provided startingVersion(" + std::to_string(*query.starting_version) +
            ") is invalid. It cannot be greater than the latest version of the table(" +
            std::to_string(latest) + ").");
      }
      position.start = *query.starting_version;
      // endingVersion is a hint; a client that asks past the end gets what exists.
      position.end = std::min(query.ending_version.value_or(latest), latest);
    }
    RangeRequest request;
    request.start = position.start;
    request.end = position.end;
    request.index = position.index;
    request.historical_protocol = query.include_historical_protocol;
    request.max_files = query.max_files;
    request.fingerprint = fingerprint;
    request.mode = mode;
    request.end_stream =
        capabilities_.include_end_stream_action || query.max_files || query.page_token;
    return StreamRange(table, request);
  }

  // Snapshot queries: latest, time travel, refresh of an earlier latest.
  std::optional<int64_t> version;
  bool latest = !query.time_travel();
  if (query.refresh_token) {
    auto payload = DecodeSignedToken(service_.token_key_, kRefreshTokenKind, *query.refresh_token);
    if (!payload.ok())
      return Status::InvalidArgument("Error decoding refresh token");
    const Json* table_id = JsonFind(*payload, "t");
    const Json* recipient = JsonFind(*payload, "r");
    if (table_id == nullptr || *table_id != table.table.id || recipient == nullptr ||
        *recipient != recipient_->id) {
      return Status::InvalidArgument(
          "The table specified in the refresh token does not match the table being queried.");
    }
    const Json* expiry = JsonFind(*payload, "x");
    if (expiry == nullptr || !expiry->is_number_integer() || expiry->get<int64_t>() < now)
      return Status::InvalidArgument("The refresh token has expired. Please restart the query.");
    const Json* pinned = JsonFind(*payload, "v");
    if (pinned == nullptr || !pinned->is_number_integer())
      return Status::InvalidArgument("Error decoding refresh token");
    version = pinned->get<int64_t>();
  } else if (query.version) {
    TESSERA_RETURN_NOT_OK(RequireHistory(table));
    version = *query.version;
  } else if (query.timestamp) {
    TESSERA_RETURN_NOT_OK(RequireHistory(table));
    TESSERA_ASSIGN_OR_RETURN(version, VersionAtTimestamp(table, *query.timestamp, "timestamp"));
  }
  if (query.page_token)
    version = position.version;
  if (version && !query.refresh_token && !query.page_token)
    TESSERA_RETURN_NOT_OK(CheckStartVersion(table, *version, false));
  TESSERA_ASSIGN_OR_RETURN(auto snapshot, LoadSnapshot(table, version));
  TESSERA_ASSIGN_OR_RETURN(ResponseFormat format,
                           ChooseFormat(table, snapshot->protocol(), snapshot->metadata()));
  TESSERA_ASSIGN_OR_RETURN(FileIdScheme scheme, ChooseFileIdScheme(format));
  TESSERA_ASSIGN_OR_RETURN(bool cdf, ChangeDataFeedShared(table, snapshot->metadata()));

  // A plain snapshot query's answer depends only on what the key names; many recipients
  // polling a big table then share the cost of signing its URLs (for a short while, so that
  // the URLs keep nearly all their lifetime).
  bool cacheable =
      !query.page_token && !query.max_files && !query.include_refresh_token && !query.refresh_token;
  std::string cache_key;
  if (cacheable) {
    cache_key = table.table.id + "\n" + std::to_string(snapshot->version()) + "\n" +
                recipient_->id + "\n" + std::string(ResponseFormatName(format)) +
                (scheme == FileIdScheme::kDelta ? "/d" : "/p") + "\n" + BaseUrl() + "\n" +
                request_.capabilities.value_or("") + "\n" + request_.body;
    if (auto cached = service_.responses_->Find(cache_key)) {
      audit_.version = cached->table_version;
      audit_.files = cached->files;
      TESSERA_RETURN_NOT_OK(RecordAudit());
      bool end_stream = capabilities_.include_end_stream_action;
      StartNdjson(cached->table_version, format, end_stream);
      return SendSnapshotBody(*cached);
    }
  }

  // Predicates first, then the limit (PROTOCOL.md); both are hints the client re-applies.
  FileFilter filter = BuildFilter(query, *snapshot);
  std::vector<const delta::AddFile*> files;
  int64_t rows = 0;
  for (const delta::AddFile& file : snapshot->files()) {
    if (query.limit_hint && rows >= *query.limit_hint)
      break;
    if (!filter.MayMatch(file))
      continue;
    files.push_back(&file);
    if (query.limit_hint)
      rows += NumRecords(file).value_or(0);
  }

  size_t begin = std::min(position.index, files.size());
  size_t end = files.size();
  std::optional<std::string> next_page;
  if (query.max_files) {
    size_t page = static_cast<size_t>(std::min(*query.max_files, options.max_page_files));
    end = std::min(files.size(), begin + page);
    if (end < files.size()) {
      PagePosition next;
      next.index = end;
      next.version = snapshot->version();
      next_page = EncodePageToken(service_.token_key_, mode, table.table.id, recipient_->id,
                                  fingerprint, now + options.page_token_ttl.count() * 1000, next);
    }
  }
  std::optional<std::string> refresh;
  if ((query.include_refresh_token || query.refresh_token) && (latest || query.refresh_token)) {
    refresh = EncodeSignedToken(service_.token_key_, kRefreshTokenKind,
                                Json{{"t", table.table.id},
                                     {"r", recipient_->id},
                                     {"v", snapshot->version()},
                                     {"x", now + options.refresh_token_ttl.count() * 1000}});
  }
  bool end_stream = capabilities_.include_end_stream_action || query.max_files ||
                    query.include_refresh_token || query.refresh_token || query.page_token;

  // Sign every URL before answering, so that a file the server cannot serve is a clean error.
  std::optional<int64_t> line_version;
  if (query.time_travel())
    line_version = snapshot->version();
  // File lines are built as text: a big table's response has tens of thousands of them.
  std::string file_lines;
  std::optional<int64_t> min_expiration;
  for (size_t i = begin; i < end; ++i) {
    const delta::AddFile& file = *files[i];
    TESSERA_ASSIGN_OR_RETURN(
        FileLineExtras extras,
        FileExtrasFor(table, file.path, file.deletion_vector, scheme, line_version, std::nullopt));
    int64_t expiration = extras.data.expiration_ms;
    if (extras.deletion_vector)
      expiration = std::min(expiration, extras.deletion_vector->expiration_ms);
    min_expiration = std::min(min_expiration.value_or(expiration), expiration);
    if (format == ResponseFormat::kParquet) {
      AppendParquetFileLine(file_lines, file, extras);
    } else {
      file_lines += DumpJson(FileLine(format, FileLineKind::kFile, delta::Action(file), extras));
      file_lines += '\n';
    }
  }
  int64_t file_count = static_cast<int64_t>(end - begin);

  audit_.version = snapshot->version();
  audit_.files = file_count;
  TESSERA_RETURN_NOT_OK(RecordAudit());
  StartNdjson(snapshot->version(), format, end_stream);
  MetadataExtras extras;
  extras.size = snapshot->TotalBytes();
  extras.num_files = static_cast<int64_t>(snapshot->files().size());
  extras.change_data_feed = cdf;
  if (line_version)
    extras.version = line_version;
  std::string body = DumpJson(ProtocolLine(format, snapshot->protocol(), std::nullopt)) + "\n";
  body += DumpJson(MetadataLine(format, snapshot->metadata(), extras));
  body += '\n';
  body += file_lines;
  if (end_stream) {
    body += DumpJson(EndStreamLine(refresh, next_page,
                                   min_expiration.value_or(now + options.url_ttl.count() * 1000)));
    body += '\n';
  }
  if (cacheable) {
    auto cached = std::make_shared<CachedResponse>();
    cached->body = std::move(body);
    cached->table_version = snapshot->version();
    cached->files = file_count;
    cached->created = std::chrono::steady_clock::now();
    service_.responses_->Put(cache_key, cached);
    return SendSnapshotBody(*cached);
  }
  TESSERA_RETURN_NOT_OK(sink_.Write(body));
  return sink_.Finish();
}

// ---- /changes ----------------------------------------------------------------------------------

Status SharingService::Call::TableChanges(const ResolvedTable& table) {
  TESSERA_ASSIGN_OR_RETURN(ChangesRequest changes, ParseChangesRequest(request_.query));
  if (!table.table.history_shared)
    return Status::InvalidArgument("cdf is not enabled on table " + table.display);
  int64_t now = service_.clock_->NowMillis();
  std::string fingerprint = changes.PagingFingerprint();
  RangeRequest range;
  range.changes = true;
  range.mode = "changes";
  range.fingerprint = fingerprint;
  range.historical_metadata = changes.include_historical_metadata;
  range.historical_protocol = changes.include_historical_protocol;
  range.max_files = changes.max_files;
  range.end_stream =
      capabilities_.include_end_stream_action || changes.max_files || changes.page_token;
  if (changes.page_token) {
    TESSERA_ASSIGN_OR_RETURN(PagePosition position,
                             DecodePageToken(service_.token_key_, *changes.page_token, range.mode,
                                             table.table.id, recipient_->id, fingerprint, now));
    range.start = position.start;
    range.end = position.end;
    range.index = position.index;
    return StreamRange(table, range);
  }
  auto history = History(table);
  if (!history.ok())
    return history.status();
  const delta::CommitRecord& first = history->front();
  const delta::CommitRecord& last = history->back();
  int64_t latest = last.version;
  if (changes.starting_version) {
    range.start = *changes.starting_version;
  } else {
    TESSERA_ASSIGN_OR_RETURN(
        int64_t ms, ParseProtocolTimestamp(*changes.starting_timestamp, "startingTimestamp"));
    if (ms > last.timestamp_ms) {
      return Status::InvalidArgument("The provided timestamp (" + *changes.starting_timestamp +
                                     ") is after the latest "
                                     "available version " +
                                     std::to_string(latest) +
                                     ". Please use a timestamp less than "
                                     "or equal to " +
                                     Iso(last.timestamp_ms) + ".");
    }
    TESSERA_ASSIGN_OR_RETURN(range.start, delta::VersionAtOrAfter(*history, ms));
  }
  if (changes.ending_version) {
    range.end = *changes.ending_version;
  } else if (changes.ending_timestamp) {
    TESSERA_ASSIGN_OR_RETURN(int64_t ms,
                             ParseProtocolTimestamp(*changes.ending_timestamp, "endingTimestamp"));
    if (ms < first.timestamp_ms) {
      return Status::InvalidArgument("The provided timestamp (" + *changes.ending_timestamp +
                                     ") is before the earliest "
                                     "available version " +
                                     std::to_string(first.version) +
                                     ". Please use a timestamp "
                                     "greater than or equal to " +
                                     Iso(first.timestamp_ms) + ".");
    }
    TESSERA_ASSIGN_OR_RETURN(range.end, delta::VersionAsOf(*history, ms));
  } else {
    range.end = latest;
  }
  if (range.start > latest) {
    return Status::InvalidArgument(
        "Provided Start version(" + std::to_string(range.start) +
        ") for reading change data is "
        "invalid. Start version cannot be greater than the latest version of the table(" +
        std::to_string(latest) + ").");
  }
  if (range.end > latest) {
    return Status::InvalidArgument("Provided end version(" + std::to_string(range.end) +
                                   ") is invalid. End version cannot "
                                   "be greater than the latest version of the table(" +
                                   std::to_string(latest) + ").");
  }
  if (range.end < range.start) {
    return Status::InvalidArgument("CDF range from start " + std::to_string(range.start) +
                                   " to end " + std::to_string(range.end) +
                                   " was invalid. End cannot be before start.");
  }
  TESSERA_RETURN_NOT_OK(CheckStartVersion(table, range.start, true));
  if (range.start < first.version) {
    return Status::InvalidArgument("version " + std::to_string(range.start) + " of table " +
                                   table.display + " is no longer in its log; the earliest is " +
                                   std::to_string(first.version));
  }
  return StreamRange(table, range);
}

// ---- ranges: startingVersion queries and changes ------------------------------------------------

Status SharingService::Call::StreamRange(const ResolvedTable& table, const RangeRequest& range) {
  const SharingOptions& options = service_.options_;
  int64_t now = service_.clock_->NowMillis();
  auto history = History(table);
  if (!history.ok())
    return history.status();
  std::map<int64_t, const delta::CommitRecord*> commits;
  for (const delta::CommitRecord& record : *history)
    commits[record.version] = &record;

  TESSERA_ASSIGN_OR_RETURN(auto head, LoadSnapshot(table, range.start));
  std::string not_recorded = "Error getting change data for range [" + std::to_string(range.start) +
                             ", " + std::to_string(range.end) +
                             "] as change data was not recorded for version [";
  if (range.changes && !ChangeFeedEnabled(head->metadata()))
    return Status::InvalidArgument(not_recorded + std::to_string(range.start) + "]");
  TESSERA_ASSIGN_OR_RETURN(ResponseFormat format,
                           ChooseFormat(table, head->protocol(), head->metadata()));

  std::vector<RangeEntry> entries;
  delta::Protocol protocol = head->protocol();
  for (int64_t version = range.start; version <= range.end; ++version) {
    auto commit = commits.find(version);
    if (commit == commits.end()) {
      return Status::InvalidArgument("version " + std::to_string(version) + " of table " +
                                     table.display + " is no longer in its log");
    }
    std::string path = storage::JoinPath(storage::JoinPath(table.root, "_delta_log"),
                                         delta::CommitFileName(version));
    auto text = service_.storage_.Read(path);
    if (!text.ok())
      return Sanitize(text.status(), table);
    auto actions = delta::ParseCommit(*text);
    if (!actions.ok())
      return Sanitize(actions.status(), table);
    int64_t timestamp = commit->second->timestamp_ms;
    bool has_cdc = false;
    for (const delta::Action& action : *actions)
      has_cdc = has_cdc || std::holds_alternative<delta::AddCdcFile>(action);
    bool no_op = range.changes && IsNoOpMerge(commit->second->info);
    for (delta::Action& action : *actions) {
      if (auto* metadata = std::get_if<delta::Metadata>(&action)) {
        if (range.changes && !ChangeFeedEnabled(*metadata))
          return Status::InvalidArgument(not_recorded + std::to_string(version) + "]");
        TESSERA_ASSIGN_OR_RETURN(ResponseFormat needed, ChooseFormat(table, protocol, *metadata));
        if (needed == ResponseFormat::kDelta)
          format = needed;
        if (version > range.start && (!range.changes || range.historical_metadata))
          entries.push_back({RangeEntry::Kind::kMetadata, FileLineKind::kAdd, std::move(action),
                             version, timestamp});
      } else if (auto* changed = std::get_if<delta::Protocol>(&action)) {
        protocol = *changed;
        if (version > range.start && range.historical_protocol)
          entries.push_back({RangeEntry::Kind::kProtocol, FileLineKind::kAdd, std::move(action),
                             version, timestamp});
      } else if (auto* add = std::get_if<delta::AddFile>(&action)) {
        if (add->data_change && !has_cdc && !no_op)
          entries.push_back(
              {RangeEntry::Kind::kFile, FileLineKind::kAdd, std::move(action), version, timestamp});
      } else if (auto* remove = std::get_if<delta::RemoveFile>(&action)) {
        if (remove->data_change && !has_cdc && !no_op)
          entries.push_back({RangeEntry::Kind::kFile, FileLineKind::kRemove, std::move(action),
                             version, timestamp});
      } else if (std::holds_alternative<delta::AddCdcFile>(action)) {
        if (range.changes)
          entries.push_back(
              {RangeEntry::Kind::kFile, FileLineKind::kCdf, std::move(action), version, timestamp});
      }
    }
  }
  TESSERA_ASSIGN_OR_RETURN(FileIdScheme scheme, ChooseFileIdScheme(format));

  // The head metaData: the start's for ranges (and for changes with historical metadata, where
  // later changes follow as lines), the latest's otherwise.
  std::shared_ptr<const delta::Snapshot> described = head;
  if (range.changes && !range.historical_metadata) {
    TESSERA_ASSIGN_OR_RETURN(described, LoadSnapshot(table, std::nullopt));
  }

  size_t begin = std::min(range.index, entries.size());
  size_t end = entries.size();
  std::optional<std::string> next_page;
  if (range.max_files) {
    int32_t page = std::min(*range.max_files, options.max_page_files);
    int32_t files = 0;
    end = begin;
    while (end < entries.size() && (entries[end].kind != RangeEntry::Kind::kFile || files < page)) {
      if (entries[end].kind == RangeEntry::Kind::kFile)
        ++files;
      ++end;
    }
    if (end < entries.size()) {
      PagePosition next;
      next.index = end;
      next.start = range.start;
      next.end = range.end;
      next_page =
          EncodePageToken(service_.token_key_, range.mode, table.table.id, recipient_->id,
                          range.fingerprint, now + options.page_token_ttl.count() * 1000, next);
    }
  }

  std::vector<Json> lines;
  std::optional<int64_t> min_expiration;
  int64_t files = 0;
  for (size_t i = begin; i < end; ++i) {
    const RangeEntry& entry = entries[i];
    switch (entry.kind) {
      case RangeEntry::Kind::kMetadata: {
        MetadataExtras extras;
        extras.version = entry.version;
        extras.change_data_feed = table.table.history_shared &&
                                  ChangeFeedEnabled(std::get<delta::Metadata>(entry.action));
        lines.push_back(MetadataLine(format, std::get<delta::Metadata>(entry.action), extras));
        break;
      }
      case RangeEntry::Kind::kProtocol:
        if (format == ResponseFormat::kDelta) {
          lines.push_back(
              ProtocolLine(format, std::get<delta::Protocol>(entry.action), entry.version));
        }
        break;
      case RangeEntry::Kind::kFile: {
        TESSERA_ASSIGN_OR_RETURN(FileLineExtras extras, FileExtras(table, entry.action, scheme,
                                                                   entry.version, entry.timestamp));
        int64_t expiration = extras.data.expiration_ms;
        if (extras.deletion_vector)
          expiration = std::min(expiration, extras.deletion_vector->expiration_ms);
        min_expiration = std::min(min_expiration.value_or(expiration), expiration);
        lines.push_back(FileLine(format, entry.line_kind, entry.action, extras));
        ++files;
        break;
      }
    }
  }

  audit_.version = range.start;
  audit_.files = files;
  TESSERA_RETURN_NOT_OK(RecordAudit());
  StartNdjson(range.start, format, range.end_stream);
  MetadataExtras head_extras;
  head_extras.version = described->version();
  head_extras.change_data_feed =
      table.table.history_shared && ChangeFeedEnabled(described->metadata());
  std::optional<int64_t> protocol_version;
  if (range.historical_protocol && format == ResponseFormat::kDelta)
    protocol_version = described->version();
  TESSERA_RETURN_NOT_OK(WriteLine(ProtocolLine(format, described->protocol(), protocol_version)));
  TESSERA_RETURN_NOT_OK(WriteLine(MetadataLine(format, described->metadata(), head_extras)));
  for (const Json& line : lines)
    TESSERA_RETURN_NOT_OK(WriteLine(line));
  if (range.end_stream) {
    TESSERA_RETURN_NOT_OK(WriteLine(EndStreamLine(
        std::nullopt, next_page, min_expiration.value_or(now + options.url_ttl.count() * 1000))));
  }
  TESSERA_RETURN_NOT_OK(sink_.Write(buffer_));
  buffer_.clear();
  return sink_.Finish();
}

}  // namespace tessera::sharing
