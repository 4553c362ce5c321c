#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tessera/common/json.h"
#include "tessera/common/result.h"

namespace tessera::delta {

/// PROTOCOL.md "Deletion Vector Descriptor". Plain value type.
struct DeletionVectorDescriptor {
  std::string storage_type;       // "u" (relative UUID file), "i" (inline), "p" (absolute path)
  std::string path_or_inline_dv;  // Z85 UUID (with optional prefix), Z85 bitmap, or a URI
  std::optional<int32_t> offset;  // byte offset in the DV file; absent for inline
  int32_t size_in_bytes = 0;
  int64_t cardinality = 0;

  /// storageType + pathOrInlineDv [+ "@" + offset]: part of the key that identifies a file action.
  std::string UniqueId() const;
};

/// Partition values keyed by physical column name; nullopt is SQL NULL.
using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct Protocol {
  int32_t min_reader_version = 1;
  int32_t min_writer_version = 2;
  std::optional<std::vector<std::string>> reader_features;
  std::optional<std::vector<std::string>> writer_features;
  bool operator==(const Protocol&) const = default;
};

struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string format_provider = "parquet";
  std::map<std::string, std::string> format_options;
  std::string schema_string;
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;
};

/// A data file that is part of the table. `path` is as written in the log (a URI-encoded path
/// relative to the table root, or an absolute URI); use DecodedPath() to reach the file.
struct AddFile {
  std::string path;
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = true;
  std::optional<std::string> stats;  // JSON text
  std::optional<Json> stats_parsed;  // from checkpoints written with writeStatsAsStruct
  std::map<std::string, std::string> tags;
  std::optional<DeletionVectorDescriptor> deletion_vector;
  std::optional<int64_t> base_row_id;
  std::optional<int64_t> default_row_commit_version;
  std::optional<std::string> clustering_provider;
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;
  bool data_change = true;
  std::optional<bool> extended_file_metadata;
  std::optional<PartitionValues> partition_values;
  std::optional<int64_t> size;
  std::optional<std::string> stats;
  std::map<std::string, std::string> tags;
  std::optional<DeletionVectorDescriptor> deletion_vector;
  std::optional<int64_t> base_row_id;
  std::optional<int64_t> default_row_commit_version;
};

/// A change data file (`cdc` action) under `_change_data/`.
struct AddCdcFile {
  std::string path;
  PartitionValues partition_values;
  int64_t size = 0;
  bool data_change = false;
  std::map<std::string, std::string> tags;
};

/// `txn`: the latest version an application committed, for idempotent writes.
struct SetTransaction {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
};

struct DomainMetadata {
  std::string domain;
  std::string configuration;
  bool removed = false;
};

/// Free-form; kept as JSON. `inCommitTimestamp`, `timestamp` and `operation` have accessors.
struct CommitInfo {
  Json value = Json::object();
  std::optional<int64_t> InCommitTimestamp() const;
  std::optional<int64_t> Timestamp() const;
  std::string Operation() const;
};

struct Sidecar {
  std::string path;  // file name under _delta_log/_sidecars/, URI-encoded
  int64_t size_in_bytes = 0;
  int64_t modification_time = 0;
};

struct CheckpointMetadata {
  int64_t version = 0;
};

using Action = std::variant<Protocol, Metadata, AddFile, RemoveFile, AddCdcFile, SetTransaction,
                            DomainMetadata, CommitInfo, Sidecar, CheckpointMetadata>;

/// The `remove` that retires a live file with data change at `deletion_timestamp_ms`, carrying
/// what PROTOCOL.md asks writers to keep (extendedFileMetadata, partition values, size, DV, row
/// ids).
RemoveFile RemoveFileFor(const AddFile& live, int64_t deletion_timestamp_ms);

/// Parse one action: a JSON object with exactly one known action key (`add`, `remove`, ...).
/// Return nullopt for unknown actions (the protocol says to ignore them), kCorruption for a known
/// action with missing or mistyped required fields.
Result<std::optional<Action>> ParseAction(const Json& line);

/// Parse a newline-delimited commit file into actions, skipping blank lines and unknown actions.
/// Errors name the 1-based line.
Result<std::vector<Action>> ParseCommit(std::string_view text);

/// Serialize an action as one log line's JSON object ({"add": {...}}).
Json ActionToJson(const Action& action);

/// Decode an `add`/`remove` path into a filesystem path: relative paths are joined to the table
/// root, `file:` URIs are stripped of their scheme; both are URI-decoded exactly once.
Result<std::string> ResolveDataPath(std::string_view table_root, std::string_view log_path);

/// The reconciliation key of a file action: decoded path + DV unique id.
std::string FileActionKey(std::string_view decoded_path,
                          const std::optional<DeletionVectorDescriptor>& dv);

}  // namespace tessera::delta
