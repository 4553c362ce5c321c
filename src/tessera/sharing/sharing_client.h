#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/json.h"
#include "tessera/common/result.h"
#include "tessera/sharing/profile.h"

namespace tessera::sharing {

/// Limits of a SharingClient. Plain value.
struct SharingClientOptions {
  /// Connecting (TCP and TLS) must finish within this.
  std::chrono::milliseconds connect_timeout{10'000};
  /// A whole API request (not a file download) must finish within this.
  std::chrono::milliseconds request_timeout{60'000};
  /// A transfer slower than 1 KB/s for this long is abandoned (dead or stalled server).
  std::chrono::milliseconds stall_timeout{30'000};
  /// The largest API answer read (a hostile server cannot exhaust memory).
  size_t max_response_bytes = size_t{512} << 20;
  /// PEM bundle to verify the server's certificate with; empty = the system's.
  std::string ca_file;
};

/// A table a recipient can read, as the server names it. Plain value.
struct RemoteTable {
  std::string share;
  std::string schema;
  std::string name;
};

/// One data file of a query answer (parquet response format). Plain value.
struct RemoteFile {
  std::string url;  // pre-signed: fetched without the bearer token
  std::string id;   // stable across requests: the cache key
  int64_t size = 0;
  std::map<std::string, std::optional<std::string>> partition_values;
  std::optional<int64_t> expiration_ms;
  /// The line it came in: "file" (a snapshot), or "add", "cdf", "remove" (changes).
  std::string action = "file";
  int64_t version = -1;  // the commit of a change line
  /// Delta response format: the verbatim Delta action (add, remove or cdc object) whose `path`
  /// is `url`; it may carry a deletion vector at a pre-signed URL. Null in parquet format.
  Json delta_action;
};

/// A table's answer to a query (its version, protocol and metadata lines, and its files), or
/// to a change-feed request (`files` are the change lines).
struct RemoteSnapshot {
  /// "parquet", or "delta" when the server answered in the Delta format (tables with deletion
  /// vectors, column mapping or other reader features): `protocol` and `metadata` are then the
  /// table's own Delta actions, and files carry their Delta actions.
  std::string format = "parquet";
  int64_t version = 0;
  /// The answer's refresh token (asked for with RemoteQuery::include_refresh_token): a later
  /// query with it gets the same snapshot's files at new URLs.
  std::optional<std::string> refresh_token;
  Json protocol;  // the `protocol` object
  Json metadata;  // the `metaData` object (schemaString, partitionColumns, ...)
  std::vector<RemoteFile> files;
};

/// Hints sent with a query; the server may ignore them (the client re-applies the filters).
struct RemoteQuery {
  std::optional<Json> json_predicate_hints;
  std::optional<int64_t> limit_hint;
  std::optional<int64_t> version;      // time travel (needs the table shared with history)
  bool include_refresh_token = false;  // latest snapshot only
  std::optional<std::string> refresh_token;
};

/// Read a query answer (NDJSON: protocol, metaData, file lines; endStreamAction errors), in the
/// parquet or the delta response format (told apart by the lines' keys).
/// Return kCorruption naming the line for anything that breaks the protocol, with `context`
/// (who answered) at the front of the message.
Result<RemoteSnapshot> ParseQueryAnswer(std::string_view body, const std::string& context);

/// A Delta Sharing client (PROTOCOL.md) over libcurl, for one profile: lists what the
/// recipient can read, queries a table's files and downloads them. The server's own error
/// message is reported (kPermissionDenied for 401/403, kNotFound for 404, kInvalidArgument for
/// other 4xx, kIoError for 5xx, network errors and timeouts); an answer that breaks the
/// protocol is kCorruption. Thread-safe; API calls reuse one connection.
class SharingClient {
 public:
  explicit SharingClient(SharingProfile profile, SharingClientOptions options = {});
  ~SharingClient();
  SharingClient(const SharingClient&) = delete;
  SharingClient& operator=(const SharingClient&) = delete;

  const SharingProfile& profile() const { return profile_; }

  /// Every table of every share the recipient can see (following pagination).
  Result<std::vector<RemoteTable>> ListAllTables();

  /// The latest snapshot's files. Requests accept both response formats (with the reader
  /// features tessera reads: deletion vectors, column mapping, timestampNtz, type widening), so
  /// the server answers in parquet format for plain tables and in delta format for the others.
  Result<RemoteSnapshot> QueryTable(const RemoteTable& table, const RemoteQuery& query);

  /// The table's current version (GET .../version).
  Result<int64_t> TableVersion(const RemoteTable& table);

  /// The change feed of versions starting_version..ending_version (GET .../changes, parquet
  /// format): `files` are its add, cdf and remove lines, each with its commit version. The
  /// table must be shared with history and have its change data feed on (else the server's
  /// 400).
  Result<RemoteSnapshot> TableChanges(const RemoteTable& table, int64_t starting_version,
                                      int64_t ending_version);

  /// The latest snapshot's protocol and metadata, without files (GET .../metadata).
  Result<RemoteSnapshot> MetadataSnapshot(const RemoteTable& table);

  /// The latest snapshot's metadata (GET .../metadata), e.g. for the schema.
  Result<Json> TableMetadata(const RemoteTable& table);

  /// Download `file` to `path` (written under a temporary name, then renamed): kCorruption if
  /// the server sends another number of bytes than the file's size (a negative size: any size
  /// up to the largest answer, for deletion vector files), kPermissionDenied if the URL has
  /// expired or is refused. Return the bytes written.
  Result<int64_t> DownloadFile(const RemoteFile& file, const std::string& path);

 private:
  struct Answer {
    long status = 0;  // NOLINT(google-runtime-int): libcurl's type
    std::string body;
    std::optional<int64_t> table_version;  // the Delta-Table-Version header
  };
  Result<Answer> Call(const std::string& method, const std::string& path, const std::string& body);
  /// `/shares/<share>/schemas/<schema>/tables/<table>/<endpoint>`, each name percent-encoded.
  static std::string TablePath(const RemoteTable& table, std::string_view endpoint);
  /// Call, then the server's error (naming `what`) or the parsed NDJSON answer, its version
  /// taken from the Delta-Table-Version header when there is one.
  Result<RemoteSnapshot> TableAnswer(const std::string& method, const std::string& path,
                                     const std::string& body, const std::string& what);
  Result<Json> GetJson(const std::string& path);
  Status ErrorFor(const Answer& answer, const std::string& what) const;

  SharingProfile profile_;
  SharingClientOptions options_;
  std::mutex mutex_;  // guards the reused API handle
  void* handle_ = nullptr;
};

}  // namespace tessera::sharing
