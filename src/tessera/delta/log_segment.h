#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/delta/log_path.h"
#include "tessera/storage/storage.h"

namespace tessera::delta {

/// The files of one complete checkpoint: one file, or every part of a multi-part checkpoint.
struct CheckpointFiles {
  int64_t version = 0;
  LogFileType type = LogFileType::kCheckpoint;
  std::vector<storage::FileInfo> files;  // parts in order
};

/// The log files that reconstruct one table version (PROTOCOL.md "Log Segment"): the newest
/// complete checkpoint at or before it, plus the contiguous commits after the checkpoint.
struct LogSegment {
  std::string table_root;
  std::string log_dir;
  int64_t version = 0;         // the version this segment reconstructs
  int64_t latest_version = 0;  // the newest version seen while listing
  std::optional<CheckpointFiles> checkpoint;
  std::vector<storage::FileInfo> commits;  // ascending: (checkpoint.version, version]
};

/// List `_delta_log` and build the segment for `version` (the latest when nullopt).
/// `_last_checkpoint` is only a hint: a missing, stale, corrupt or dangling hint falls back to
/// listing. Incomplete multi-part checkpoints are ignored. Errors: kNotFound if there is no
/// Delta log or the version is newer than the latest; kInvalidArgument for a negative version;
/// kCorruption if commits are missing (a gap, or logs cleaned before the oldest checkpoint).
Result<LogSegment> BuildLogSegment(storage::Storage& storage, std::string_view table_root,
                                   std::optional<int64_t> version);

/// The version in `_last_checkpoint`, or nullopt if the file is missing or unreadable.
std::optional<int64_t> ReadLastCheckpointHint(storage::Storage& storage, std::string_view log_dir);

/// File name of a log path ("00000000000000000010.json" from ".../_delta_log/0000...10.json").
std::string_view BaseName(std::string_view path);

}  // namespace tessera::delta
