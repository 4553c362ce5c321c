#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::delta {

enum class LogFileType {
  kCommit,                 // 00000000000000000010.json
  kCheckpoint,             // 00000000000000000010.checkpoint.parquet
  kMultiPartCheckpoint,    // 00000000000000000010.checkpoint.0000000001.0000000003.parquet
  kUuidCheckpointJson,     // 00000000000000000010.checkpoint.<uuid>.json  (V2)
  kUuidCheckpointParquet,  // 00000000000000000010.checkpoint.<uuid>.parquet (V2)
  kCompaction,             // 00000000000000000010.00000000000000000020.compacted.json
  kChecksum,               // 00000000000000000010.crc
};

/// A parsed `_delta_log` file name. Plain value type.
struct LogPath {
  LogFileType type = LogFileType::kCommit;
  int64_t version = 0;
  int32_t part = 0;         // multi-part checkpoints: 1-based part number
  int32_t num_parts = 0;    // multi-part checkpoints: total parts
  int64_t end_version = 0;  // compactions: last version covered

  bool IsCheckpoint() const {
    return type == LogFileType::kCheckpoint || type == LogFileType::kMultiPartCheckpoint ||
           type == LogFileType::kUuidCheckpointJson || type == LogFileType::kUuidCheckpointParquet;
  }
};

/// Parse a log file name (not a path). Return nullopt for anything that is not a Delta log file
/// (Hadoop `.crc` side files, temp files, `_last_checkpoint`): the protocol says to ignore them.
std::optional<LogPath> ParseLogFileName(std::string_view name);

/// "00000000000000000010.json" for version 10.
std::string CommitFileName(int64_t version);
/// "00000000000000000010.checkpoint.parquet" for version 10.
std::string CheckpointFileName(int64_t version);

}  // namespace tessera::delta
