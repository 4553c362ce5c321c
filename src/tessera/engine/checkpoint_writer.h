#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/delta/checkpoint.h"
#include "tessera/delta/checkpoint_reader.h"
#include "tessera/engine/database.h"
#include "tessera/storage/storage.h"

namespace tessera::engine {

/// Writes classic V1 Delta checkpoints as Parquet with DuckDB (PROTOCOL.md "Checkpoint Schema"):
/// nullable struct columns `txn`, `add`, `remove`, `metaData`, `protocol` and `domainMetadata`,
/// one non-null per row, with the field names and types Spark, delta-rs and delta-kernel-rs read
/// (maps as Parquet MAP, lists as 3-level LIST). The actions go through a temporary NDJSON file
/// next to the output, which DuckDB's read_json loads with explicit types and COPY writes as
/// Parquet. DuckdbCheckpointReader reads the result back into the same actions. Each call opens
/// its own Connection: thread-safe. The Database must outlive the writer.
class DuckdbCheckpointWriter : public delta::CheckpointWriter {
 public:
  explicit DuckdbCheckpointWriter(Database& database) : database_(database) {}

  /// See delta::CheckpointWriter. `path` is a local file path. Return kInvalidArgument for an
  /// action a checkpoint cannot hold (commitInfo, cdc, sidecar, checkpointMetadata), kIoError if
  /// the temporary file cannot be written, kInternal if DuckDB wrote a different number of rows,
  /// else StatusFromDuckdb's mapping of DuckDB's error.
  Status WriteCheckpoint(const std::string& path, const std::vector<delta::Action>& actions,
                         const delta::Snapshot& snapshot) override;

 private:
  Database& database_;
};

/// The read_json `columns` argument (and Parquet schema) of a V1 checkpoint, for tests and tools.
std::string CheckpointColumnTypes();

/// After a commit of `version`: write a checkpoint if `delta.checkpointInterval` asks for one
/// (delta::MaybeCheckpointAfterCommit) with a DuckdbCheckpointWriter on `connection`'s database.
/// A failure is logged as a warning and otherwise ignored: the commit stands and the log alone
/// is complete.
void CheckpointAfterCommit(Connection& connection, storage::Storage& storage,
                           delta::CheckpointReader& reader, const std::string& table_root,
                           const delta::Metadata& metadata, int64_t version);

}  // namespace tessera::engine
