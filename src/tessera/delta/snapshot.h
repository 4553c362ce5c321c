#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/delta/actions.h"
#include "tessera/delta/checkpoint_reader.h"
#include "tessera/delta/log_segment.h"
#include "tessera/delta/schema.h"
#include "tessera/delta/table_features.h"
#include "tessera/storage/storage.h"

namespace tessera::delta {

/// The state of a Delta table at one version: protocol, metadata, schema and the live files.
/// Immutable once loaded, so it is safe to share between threads.
class Snapshot {
 public:
  /// Load the table at `table_root` as of `version` (latest when nullopt) by replaying its log
  /// newest-first (PROTOCOL.md "Action Reconciliation"). `checkpoint_reader` reads Parquet
  /// checkpoints and may be null for tables without them. Errors: kNotFound (no table, version too
  /// new), kInvalidArgument (negative version), kCorruption (gaps, malformed actions, no protocol
  /// or metadata), kUnsupported (reader version or features tessera cannot read).
  static Result<std::shared_ptr<const Snapshot>> Load(storage::Storage& storage,
                                                      CheckpointReader* checkpoint_reader,
                                                      std::string_view table_root,
                                                      std::optional<int64_t> version);

  const std::string& table_root() const { return segment_.table_root; }
  int64_t version() const { return segment_.version; }
  /// The newest version in the log when this snapshot was loaded.
  int64_t latest_version() const { return segment_.latest_version; }
  const LogSegment& segment() const { return segment_; }
  const Protocol& protocol() const { return protocol_; }
  const Metadata& metadata() const { return metadata_; }
  const Schema& schema() const { return schema_; }
  ColumnMappingMode column_mapping_mode() const { return column_mapping_mode_; }
  /// Live data files, sorted by path.
  const std::vector<AddFile>& files() const { return files_; }
  /// Removed files still in the log (tombstones), sorted by path.
  const std::vector<RemoveFile>& tombstones() const { return tombstones_; }
  /// Latest `txn` per application id.
  const std::map<std::string, SetTransaction>& transactions() const { return transactions_; }
  /// Live domain metadata per domain (tombstoned domains dropped).
  const std::map<std::string, DomainMetadata>& domains() const { return domains_; }
  /// The commitInfo of this version, if its commit file is in the segment and has one.
  const std::optional<CommitInfo>& commit_info() const { return commit_info_; }
  /// The partition columns as schema fields, in `partitionColumns` order.
  std::vector<const Field*> PartitionFields() const;
  /// Sum of live file sizes and, where stats say, row counts (nullopt if any file lacks stats).
  int64_t TotalBytes() const;

 private:
  Snapshot() = default;
  Status Replay(storage::Storage& storage, CheckpointReader* checkpoint_reader);

  LogSegment segment_;
  Protocol protocol_;
  Metadata metadata_;
  Schema schema_;
  ColumnMappingMode column_mapping_mode_ = ColumnMappingMode::kNone;
  std::vector<AddFile> files_;
  std::vector<RemoveFile> tombstones_;
  std::map<std::string, SetTransaction> transactions_;
  std::map<std::string, DomainMetadata> domains_;
  std::optional<CommitInfo> commit_info_;
};

/// Read the actions of the checkpoint in a segment (classic, multi-part or V2 with sidecars).
Result<std::vector<Action>> ReadCheckpointActions(storage::Storage& storage,
                                                  CheckpointReader* checkpoint_reader,
                                                  const LogSegment& segment);

}  // namespace tessera::delta
