#include "tessera/sharing/sharing_client.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include <curl/curl.h>

#include "tessera/common/crypto.h"
#include "tessera/common/random.h"
#include "tessera/common/strings.h"

namespace tessera::sharing {
namespace {

constexpr std::string_view kUserAgent = "tessera-delta-sharing-client/1";

// libcurl's global setup is not thread-safe; do it once, before any handle exists.
void InitCurlOnce() {
  static const bool kInitialized = [] {
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  }();
  (void)kInitialized;
}

std::string Segment(std::string_view name) {
  std::string out;
  for (char c : PercentEncodePath(name)) {
    if (c == '/')
      out += "%2F";
    else
      out += c;
  }
  return out;
}

struct BodySink {
  std::string* body;
  size_t limit;
  bool overflow = false;
};

// The table version a server names in its `Delta-Table-Version` header (any case).
size_t ReadVersionHeader(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  constexpr std::string_view kName = "delta-table-version:";
  if (line.size() > kName.size() && ToLower(line.substr(0, kName.size())) == kName) {
    auto version = ParseInt64(Trim(line.substr(kName.size())));
    if (version.ok() && *version >= 0)
      *static_cast<std::optional<int64_t>*>(user) = *version;
  }
  return size * count;
}

size_t AppendToBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  size_t bytes = size * count;
  if (sink->body->size() + bytes > sink->limit) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->body->append(data, bytes);
  return bytes;
}

struct FileSink {
  int fd;
  int64_t expected;
  int64_t written = 0;
  bool too_long = false;
  int error = 0;
  std::string etag{};              // the response's ETag header, as sent
  std::optional<Md5Stream> md5{};  // when the ETag is a content MD5 (object stores)
};

// An ETag that is the MD5 of the content: a strong tag of 32 hex digits (S3 and GCS single-part
// objects). Multipart tags ("...-3"), weak tags and other servers' tags (ours: inode, size and
// time) are not.
std::optional<std::string> ContentMd5(std::string_view etag) {
  etag = Trim(etag);
  if (etag.size() != 34 || etag.front() != '"' || etag.back() != '"')
    return std::nullopt;
  std::string hex(etag.substr(1, 32));
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
  }
  return ToLower(hex);
}

size_t ReadEtagHeader(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  constexpr std::string_view kName = "etag:";
  if (line.size() > kName.size() && ToLower(line.substr(0, kName.size())) == kName)
    static_cast<FileSink*>(user)->etag = std::string(Trim(line.substr(kName.size())));
  return size * count;
}

size_t WriteToFile(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<FileSink*>(user);
  size_t bytes = size * count;
  if (sink->written + static_cast<int64_t>(bytes) > sink->expected) {
    sink->too_long = true;
    return 0;
  }
  if (sink->written == 0 && !sink->md5 && ContentMd5(sink->etag))
    sink->md5.emplace();
  if (sink->md5)
    sink->md5->Update(std::string_view(data, bytes));
  size_t done = 0;
  while (done < bytes) {
    ssize_t n = ::write(sink->fd, data + done, bytes - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      sink->error = errno;
      return 0;
    }
    done += static_cast<size_t>(n);
  }
  sink->written += static_cast<int64_t>(bytes);
  return bytes;
}

void ApplyTimeouts(CURL* curl, const SharingClientOptions& options) {
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));  // NOLINT
  // A transfer slower than 1 KB/s for the stall timeout is given up.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(
      curl, CURLOPT_LOW_SPEED_TIME,
      static_cast<long>(std::max<int64_t>(1, options.stall_timeout.count() / 1000)));  // NOLINT
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, kUserAgent.data());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!options.ca_file.empty())
    curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
}

Status CurlError(CURLcode code, const char* detail, const std::string& endpoint) {
  std::string message = detail[0] != '\0' ? detail : curl_easy_strerror(code);
  if (code == CURLE_OPERATION_TIMEDOUT)
    return Status::IoError("sharing server " + endpoint + " did not answer in time: " + message);
  return Status::IoError("cannot reach sharing server " + endpoint + ": " + message);
}

}  // namespace

Result<RemoteSnapshot> ParseQueryAnswer(std::string_view body, const std::string& context) {
  auto corrupt = [&](size_t line, const std::string& why) {
    return Status::Corruption(context + " answered malformed NDJSON (line " + std::to_string(line) +
                              "): " + why);
  };
  RemoteSnapshot snapshot;
  bool have_protocol = false;
  bool have_metadata = false;
  size_t number = 0;
  for (std::string_view rest = body; !rest.empty();) {
    size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    ++number;
    if (Trim(line).empty())
      continue;
    auto parsed = ParseJson(line);
    if (!parsed.ok() || !parsed->is_object() || parsed->size() != 1)
      return corrupt(number, "not a JSON object with one action");
    auto first = parsed->begin();
    const std::string& kind = first.key();
    const Json& value = first.value();
    if (!value.is_object())
      return corrupt(number, kind + " is not an object");
    if (kind == "protocol") {
      snapshot.protocol = value;
      if (const Json* delta_protocol = JsonFind(value, "deltaProtocol")) {
        if (!delta_protocol->is_object())
          return corrupt(number, "deltaProtocol is not an object");
        snapshot.format = "delta";
        snapshot.protocol = *delta_protocol;
      }
      have_protocol = true;
    } else if (kind == "metaData") {
      snapshot.metadata = value;
      if (const Json* delta_metadata = JsonFind(value, "deltaMetadata")) {
        if (!delta_metadata->is_object())
          return corrupt(number, "deltaMetadata is not an object");
        snapshot.format = "delta";
        snapshot.metadata = *delta_metadata;
      }
      have_metadata = true;
      if (auto version = JsonOptInt(value, "version"); version.ok() && *version)
        snapshot.version = **version;
    } else if (kind == "file" && JsonFind(value, "deltaSingleAction") != nullptr) {
      const Json& single = *JsonFind(value, "deltaSingleAction");
      if (!single.is_object() || single.size() != 1 || !single.begin().value().is_object())
        return corrupt(number, "deltaSingleAction is not one Delta action");
      const std::string& type = single.begin().key();
      if (type != "add" && type != "remove" && type != "cdc")
        return corrupt(number, "deltaSingleAction holds '" + type + "', not add, remove or cdc");
      const Json& action = single.begin().value();
      RemoteFile file;
      file.action = type == "cdc" ? "cdf" : type;
      file.delta_action = action;
      auto id = JsonOptString(value, "id");
      auto path = JsonOptString(action, "path");
      auto size = JsonOptInt(action, "size");
      if (!id.ok() || !*id || (*id)->empty() || !path.ok() || !*path || !size.ok() || !*size ||
          **size < 0)
        return corrupt(number, "a delta file needs an id, and its action a path and a size");
      file.id = **id;
      file.url = **path;
      file.size = **size;
      if (auto version = JsonOptInt(value, "version"); version.ok() && *version)
        file.version = **version;
      if (auto expiration = JsonOptInt(value, "expirationTimestamp"); expiration.ok())
        file.expiration_ms = *expiration;
      if (const Json* partitions = JsonFind(action, "partitionValues");
          partitions != nullptr && partitions->is_object()) {
        for (const auto& [column, v] : partitions->items())
          file.partition_values[column] =
              v.is_string() ? std::optional<std::string>(v.get<std::string>()) : std::nullopt;
      }
      snapshot.files.push_back(std::move(file));
    } else if (kind == "file" || kind == "add" || kind == "cdf" || kind == "remove") {
      RemoteFile file;
      file.action = kind;
      if (auto version = JsonOptInt(value, "version"); version.ok() && *version)
        file.version = **version;
      auto url = JsonOptString(value, "url");
      auto id = JsonOptString(value, "id");
      auto size = JsonOptInt(value, "size");
      if (!url.ok() || !*url || !id.ok() || !*id || (*id)->empty() || !size.ok() || !*size ||
          **size < 0)
        return corrupt(number, "a file needs url, id and size");
      file.url = **url;
      file.id = **id;
      file.size = **size;
      if (auto expiration = JsonOptInt(value, "expirationTimestamp"); expiration.ok())
        file.expiration_ms = *expiration;
      if (const Json* partitions = JsonFind(value, "partitionValues")) {
        if (!partitions->is_object())
          return corrupt(number, "partitionValues is not an object");
        for (const auto& [column, v] : partitions->items()) {
          if (v.is_null())
            file.partition_values[column] = std::nullopt;
          else if (v.is_string())
            file.partition_values[column] = v.get<std::string>();
          else
            return corrupt(number, "partition value of " + column + " is not a string");
        }
      }
      snapshot.files.push_back(std::move(file));
    } else if (kind == "endStreamAction") {
      if (auto error = JsonOptString(value, "errorMessage"); error.ok() && *error)
        return Status::IoError(context + " failed mid-answer: " + **error);
      if (auto token = JsonOptString(value, "refreshToken"); token.ok() && *token)
        snapshot.refresh_token = **token;
    }
    // Other actions (e.g. future ones) are ignored, as the reference clients do.
  }
  if (!have_protocol || !have_metadata)
    return corrupt(number, "the answer lacks its protocol or metaData line");
  return snapshot;
}

SharingClient::SharingClient(SharingProfile profile, SharingClientOptions options)
    : profile_(std::move(profile)), options_(std::move(options)) {
  InitCurlOnce();
  handle_ = curl_easy_init();
}

SharingClient::~SharingClient() {
  if (handle_ != nullptr)
    curl_easy_cleanup(static_cast<CURL*>(handle_));
}

Status SharingClient::ErrorFor(const Answer& answer, const std::string& what) const {
  // The protocol's error body is {"errorCode": ..., "message": ...}; report its message.
  std::string message;
  std::string code;
  if (auto json = ParseJson(answer.body); json.ok() && json->is_object()) {
    if (auto m = JsonOptString(*json, "message"); m.ok() && *m)
      message = **m;
    if (auto c = JsonOptString(*json, "errorCode"); c.ok() && *c)
      code = **c;
  }
  if (message.empty())
    message = Trim(answer.body.substr(0, 200));
  std::string text = what + ": sharing server " + profile_.endpoint + " answered " +
                     std::to_string(answer.status) + (code.empty() ? "" : " " + code) +
                     (message.empty() ? "" : ": " + message);
  if (answer.status == 401 || answer.status == 403)
    return Status::PermissionDenied(text);
  if (answer.status == 404)
    return Status::NotFound(text);
  if (answer.status >= 400 && answer.status < 500)
    return Status::InvalidArgument(text);
  return Status::IoError(text);
}

Result<SharingClient::Answer> SharingClient::Call(const std::string& method,
                                                  const std::string& path,
                                                  const std::string& body) {
  std::lock_guard lock(mutex_);
  auto* curl = static_cast<CURL*>(handle_);
  if (curl == nullptr)
    return Status::Internal("libcurl could not create a handle");
  curl_easy_reset(curl);
  ApplyTimeouts(curl, options_);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(options_.request_timeout.count()));  // NOLINT
  std::string url = profile_.endpoint + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip and deflate, decoded here
  std::string authorization = "Authorization: Bearer " + profile_.bearer_token;
  curl_slist* headers = curl_slist_append(nullptr, authorization.c_str());
  // Either format: parquet for plain tables (the server's choice), delta for tables with the
  // reader features listed, which the local Delta reader then reads (mounts write the answer
  // as a local Delta log).
  headers = curl_slist_append(
      headers,
      "delta-sharing-capabilities: responseformat=parquet,delta;readerfeatures=deletionvectors,"
      "columnmapping,timestampntz,typewidening,typewidening-preview,vacuumprotocolcheck");
  if (method == "POST") {
    headers = curl_slist_append(headers, "Content-Type: application/json; charset=utf-8");
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));  // NOLINT
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> owned(headers, curl_slist_free_all);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  Answer answer;
  BodySink sink{&answer.body, options_.max_response_bytes};
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendToBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadVersionHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer.table_version);
  char detail[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
  CURLcode code = curl_easy_perform(curl);
  if (sink.overflow) {
    return Status::Corruption("sharing server " + profile_.endpoint +
                              " sent an answer larger than " +
                              std::to_string(options_.max_response_bytes) + " bytes");
  }
  if (code != CURLE_OK)
    return CurlError(code, detail, profile_.endpoint);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

Result<Json> SharingClient::GetJson(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(Answer answer, Call("GET", path, ""));
  if (answer.status != 200)
    return ErrorFor(answer, "GET " + path);
  auto json = ParseJson(answer.body);
  if (!json.ok() || !json->is_object())
    return Status::Corruption("sharing server " + profile_.endpoint + ": GET " + path +
                              " did not answer a JSON object");
  return std::move(*json);
}

Result<std::vector<RemoteTable>> SharingClient::ListAllTables() {
  auto page_suffix = [](const std::optional<std::string>& token) {
    return token ? "?pageToken=" + Segment(*token) : std::string();
  };
  auto next_token = [](const Json& page) -> std::optional<std::string> {
    auto token = JsonOptString(page, "nextPageToken");
    if (!token.ok() || !*token || (*token)->empty())
      return std::nullopt;
    return **token;
  };
  std::vector<std::string> shares;
  std::optional<std::string> token;
  for (int pages = 0;; ++pages) {
    if (pages > 10'000)
      return Status::Corruption("sharing server " + profile_.endpoint + " pages without end");
    TESSERA_ASSIGN_OR_RETURN(Json page, GetJson("/shares" + page_suffix(token)));
    if (const Json* items = JsonFind(page, "items"); items != nullptr && items->is_array()) {
      for (const Json& item : *items) {
        auto name = JsonOptString(item, "name");
        if (!name.ok() || !*name)
          return Status::Corruption("sharing server " + profile_.endpoint +
                                    ": a share without a name");
        shares.push_back(**name);
      }
    }
    token = next_token(page);
    if (!token)
      break;
  }
  std::vector<RemoteTable> tables;
  for (const std::string& share : shares) {
    token.reset();
    for (int pages = 0;; ++pages) {
      if (pages > 10'000)
        return Status::Corruption("sharing server " + profile_.endpoint + " pages without end");
      TESSERA_ASSIGN_OR_RETURN(
          Json page, GetJson("/shares/" + Segment(share) + "/all-tables" + page_suffix(token)));
      if (const Json* items = JsonFind(page, "items"); items != nullptr && items->is_array()) {
        for (const Json& item : *items) {
          auto schema = JsonOptString(item, "schema");
          auto name = JsonOptString(item, "name");
          if (!schema.ok() || !*schema || !name.ok() || !*name)
            return Status::Corruption("sharing server " + profile_.endpoint +
                                      ": a table without a schema or name in share " + share);
          tables.push_back({share, **schema, **name});
        }
      }
      token = next_token(page);
      if (!token)
        break;
    }
  }
  return tables;
}

std::string SharingClient::TablePath(const RemoteTable& table, std::string_view endpoint) {
  return "/shares/" + Segment(table.share) + "/schemas/" + Segment(table.schema) + "/tables/" +
         Segment(table.name) + "/" + std::string(endpoint);
}

Result<RemoteSnapshot> SharingClient::TableAnswer(const std::string& method,
                                                  const std::string& path, const std::string& body,
                                                  const std::string& what) {
  TESSERA_ASSIGN_OR_RETURN(Answer answer, Call(method, path, body));
  if (answer.status != 200)
    return ErrorFor(answer, what);
  TESSERA_ASSIGN_OR_RETURN(
      RemoteSnapshot snapshot,
      ParseQueryAnswer(answer.body, what + ": sharing server " + profile_.endpoint));
  if (answer.table_version)
    snapshot.version = *answer.table_version;
  return snapshot;
}

Result<RemoteSnapshot> SharingClient::QueryTable(const RemoteTable& table,
                                                 const RemoteQuery& query) {
  Json request = Json::object();
  if (query.json_predicate_hints)
    request["jsonPredicateHints"] = DumpJson(*query.json_predicate_hints);
  if (query.limit_hint)
    request["limitHint"] = *query.limit_hint;
  if (query.version)
    request["version"] = *query.version;
  if (query.refresh_token)
    request["refreshToken"] = *query.refresh_token;
  else if (query.include_refresh_token)
    request["includeRefreshToken"] = true;
  return TableAnswer("POST", TablePath(table, "query"), DumpJson(request),
                     "querying " + table.share + "." + table.schema + "." + table.name);
}

Result<int64_t> SharingClient::TableVersion(const RemoteTable& table) {
  TESSERA_ASSIGN_OR_RETURN(Answer answer, Call("GET", TablePath(table, "version"), ""));
  std::string what = "version of " + table.share + "." + table.schema + "." + table.name;
  if (answer.status != 200)
    return ErrorFor(answer, what);
  if (!answer.table_version)
    return Status::Corruption(what + ": sharing server " + profile_.endpoint +
                              " answered without a Delta-Table-Version header");
  return *answer.table_version;
}

Result<RemoteSnapshot> SharingClient::TableChanges(const RemoteTable& table,
                                                   int64_t starting_version,
                                                   int64_t ending_version) {
  std::string what = "changes of " + table.share + "." + table.schema + "." + table.name;
  TESSERA_ASSIGN_OR_RETURN(
      RemoteSnapshot changes,
      TableAnswer("GET",
                  TablePath(table, "changes?startingVersion=" + std::to_string(starting_version) +
                                       "&endingVersion=" + std::to_string(ending_version)),
                  "", what));
  changes.version = ending_version;
  for (const RemoteFile& file : changes.files) {
    if (file.action == "file")
      return Status::Corruption(what + ": sharing server " + profile_.endpoint +
                                " answered snapshot files, not changes");
  }
  return changes;
}

Result<RemoteSnapshot> SharingClient::MetadataSnapshot(const RemoteTable& table) {
  return TableAnswer("GET", TablePath(table, "metadata"), "",
                     "metadata of " + table.share + "." + table.schema + "." + table.name);
}

Result<Json> SharingClient::TableMetadata(const RemoteTable& table) {
  TESSERA_ASSIGN_OR_RETURN(RemoteSnapshot snapshot, MetadataSnapshot(table));
  return std::move(snapshot.metadata);
}

Result<int64_t> SharingClient::DownloadFile(const RemoteFile& file, const std::string& path) {
  InitCurlOnce();
  // One handle per thread, kept: downloads on a thread reuse its connections to the server.
  struct ThreadHandle {
    CURL* curl = curl_easy_init();
    ~ThreadHandle() {
      if (curl != nullptr)
        curl_easy_cleanup(curl);
    }
  };
  thread_local ThreadHandle handle;
  if (handle.curl == nullptr)
    return Status::Internal("libcurl could not create a handle");
  curl_easy_reset(handle.curl);
  struct Borrowed {
    CURL* curl;
    CURL* get() const { return curl; }
  } curl{handle.curl};
  std::string temp = path + ".part-" + RandomUuid();
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::IoError("cannot create " + temp + ": " + std::strerror(errno));
  auto discard = [&](Status status) {
    ::close(fd);
    ::unlink(temp.c_str());
    return status;
  };
  ApplyTimeouts(curl.get(), options_);
  curl_easy_setopt(curl.get(), CURLOPT_URL, file.url.c_str());
  // Pre-signed URLs may point anywhere (object stores): the bearer token is not sent.
  // A file of unknown size (a deletion vector file) may be at most as large as an API answer.
  FileSink sink{fd, file.size >= 0 ? file.size : static_cast<int64_t>(options_.max_response_bytes)};
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, WriteToFile);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, ReadEtagHeader);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &sink);
  char detail[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, detail);
  CURLcode code = curl_easy_perform(curl.get());
  long status = 0;  // NOLINT(google-runtime-int)
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  std::string what = "downloading file " + file.id;
  if (status >= 400) {
    std::string reason =
        status == 403 ? "the URL was refused or has expired" : "HTTP " + std::to_string(status);
    return discard(status == 403 || status == 401 ? Status::PermissionDenied(what + ": " + reason)
                                                  : Status::IoError(what + ": " + reason));
  }
  if (sink.too_long)
    return discard(Status::Corruption(what + ": the server sent more than the file's " +
                                      std::to_string(file.size) + " bytes"));
  if (sink.error != 0)
    return discard(Status::IoError(what + ": writing " + temp + ": " + std::strerror(sink.error)));
  if (code != CURLE_OK) {
    // Pre-signed URLs may point elsewhere than the sharing server (object stores): name where.
    size_t host_end = file.url.find(
        '/', file.url.find("://") == std::string::npos ? 0 : file.url.find("://") + 3);
    std::string origin = file.url.substr(0, std::min(host_end, size_t{200}));
    std::string message = detail[0] != '\0' ? detail : curl_easy_strerror(code);
    return discard(Status::IoError(what + ": cannot fetch it from " + origin + ": " + message));
  }
  if (file.size >= 0 && sink.written != file.size)
    return discard(Status::Corruption(what + ": the server sent " + std::to_string(sink.written) +
                                      " bytes, the file has " + std::to_string(file.size)));
  if (std::optional<std::string> expected = ContentMd5(sink.etag)) {
    std::string got = sink.md5 ? HexEncode(sink.md5->Finish()) : HexEncode(Md5(""));
    if (got != *expected)
      return discard(Status::Corruption(what + ": its content (MD5 " + got +
                                        ") does not match its ETag " + sink.etag));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temp.c_str());
    return Status::IoError(what + ": writing " + temp + ": " + std::strerror(errno));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    return Status::IoError(what + ": renaming to " + path + ": " + std::strerror(error));
  }
  return sink.written;
}

}  // namespace tessera::sharing
