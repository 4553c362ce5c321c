#pragma once

#include <string>
#include <vector>

#include "tessera/delta/checkpoint_reader.h"
#include "tessera/engine/database.h"

namespace tessera::engine {

/// Reads Delta Parquet checkpoints, multi-part checkpoint parts and V2 sidecar files with
/// DuckDB's Parquet reader (PROTOCOL.md "Checkpoints"). Only the action columns a file has are
/// read (`add`, `remove`, `metaData`, `protocol`, `txn`, `domainMetadata`, `sidecar`,
/// `checkpointMetadata`); each non-null one becomes an action through DuckDB's to_json and
/// delta::ParseAction, so maps become JSON objects and `add.stats_parsed` stays JSON. Rows are
/// streamed, not loaded whole. Each call opens its own Connection: thread-safe. The Database must
/// outlive the reader.
class DuckdbCheckpointReader : public delta::CheckpointReader {
 public:
  explicit DuckdbCheckpointReader(Database& database) : database_(database) {}

  /// See delta::CheckpointReader. Return kNotFound for a missing file, kCorruption for a file
  /// that is not Parquet, has no action columns or holds malformed actions, kIoError if the file
  /// cannot be inspected.
  Result<std::vector<delta::Action>> ReadActions(const std::string& path) override;

 private:
  Database& database_;
};

/// Escape DuckDB's glob characters (*, ?, [) in a file path, so that read_parquet reads exactly
/// that file.
std::string EscapeGlob(const std::string& path);

}  // namespace tessera::engine
