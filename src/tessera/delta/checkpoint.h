#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/json.h"
#include "tessera/common/result.h"
#include "tessera/common/time.h"
#include "tessera/delta/actions.h"
#include "tessera/delta/checkpoint_reader.h"
#include "tessera/delta/snapshot.h"
#include "tessera/storage/storage.h"

namespace tessera::delta {

/// `delta.checkpointInterval`'s default (PROTOCOL.md "Checkpoints"; Spark and delta-rs use 100).
inline constexpr int64_t kDefaultCheckpointInterval = 100;

/// Writes actions as a classic V1 Parquet checkpoint. `delta` links no Parquet writer: the engine
/// implements this with DuckDB, as it does CheckpointReader. Implementations must be safe to call
/// from several threads.
class CheckpointWriter {
 public:
  virtual ~CheckpointWriter() = default;
  /// Write `actions` (one row each, in order) as a Parquet file at `path`, a new object in the
  /// table's store that the caller then moves into place with Storage::PutIfAbsent and deletes.
  /// `snapshot` is the state the actions come from (for its protocol and schema). Return kIoError
  /// if the file cannot be written, kInvalidArgument for actions a checkpoint cannot hold.
  virtual Status WriteCheckpoint(const std::string& path, const std::vector<Action>& actions,
                                 const Snapshot& snapshot) = 0;
};

/// The contents of `_delta_log/_last_checkpoint` (PROTOCOL.md "Last Checkpoint File"). Plain value.
struct LastCheckpoint {
  int64_t version = 0;
  int64_t size = 0;              // actions in the checkpoint
  int64_t size_in_bytes = 0;     // bytes of the checkpoint file
  int64_t num_of_add_files = 0;  // live files
  /// {"version":..,"size":..,"sizeInBytes":..,"numOfAddFiles":..}
  Json ToJson() const;
};

/// Decide what a classic V1 checkpoint of `snapshot` holds, in this order: protocol, metaData,
/// the latest txn per application (expired ones dropped only when
/// `delta.setTransactionRetentionDuration` is set), live domainMetadata, every live add (with its
/// deletion vector and stats JSON; a file with only struct stats gets {"numRecords":n}), and the
/// remove tombstones deleted less than `delta.deletedFileRetentionDuration` before `now_ms`
/// (without stats and tags, which checkpoints do not keep). Never commitInfo or cdc. A reader 3 /
/// writer 7 protocol gets non-null feature lists. Return kInvalidArgument for an unparseable
/// retention property.
Result<std::vector<Action>> CheckpointActions(const Snapshot& snapshot, int64_t now_ms);

/// Write `_delta_log/<version>.checkpoint.parquet` for `snapshot` and point `_last_checkpoint` at
/// it. `writer` writes a hidden temporary file in `_delta_log` (ignored by every Delta reader);
/// its bytes are published with Storage::PutIfAbsent, so readers never see a partial checkpoint,
/// and the temporary file is deleted. If a checkpoint for that version already exists it is kept
/// as it is and this succeeds, with `size_in_bytes` of the existing file. `_last_checkpoint` is
/// then replaced (Storage::Put), unless it already names a newer version. Errors:
/// kInvalidArgument (bad retention property), kUnsupported (CheckWriteSupported refuses the
/// protocol: tessera would drop what it does not understand), the writer's and the storage's
/// errors.
Result<LastCheckpoint> WriteCheckpoint(storage::Storage& storage, CheckpointWriter& writer,
                                       const Snapshot& snapshot, const Clock& clock);

/// `delta.checkpointInterval`: a positive whole number, else the default 100.
int64_t CheckpointInterval(const Metadata& metadata);

/// After committing `version` to the table at `table_root` whose metadata (after the commit) is
/// `metadata`: if the cadence asks for a checkpoint (version > 0 and version % interval == 0),
/// load that version and write one; otherwise do nothing. A failed checkpoint must never fail the
/// commit: callers log the error and carry on. Errors: Snapshot::Load's and WriteCheckpoint's.
Status MaybeCheckpointAfterCommit(storage::Storage& storage, CheckpointReader* reader,
                                  CheckpointWriter& writer, std::string_view table_root,
                                  const Metadata& metadata, int64_t version, const Clock& clock);

}  // namespace tessera::delta
