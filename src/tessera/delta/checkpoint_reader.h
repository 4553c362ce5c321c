#pragma once

#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/delta/actions.h"

namespace tessera::delta {

/// Reads Parquet checkpoint and sidecar files into actions. `delta` links no Parquet reader: the
/// engine implements this with DuckDB (delta-kernel-rs: kernel vs default-engine). Implementations
/// must be safe to call from several threads.
class CheckpointReader {
 public:
  virtual ~CheckpointReader() = default;
  /// Read every action row of one Parquet checkpoint, checkpoint part or sidecar file, in file
  /// order. Rows whose action columns are all null are skipped. Return kNotFound if the file is
  /// missing, kCorruption if it is not readable Parquet or its action columns are malformed.
  virtual Result<std::vector<Action>> ReadActions(const std::string& path) = 0;
};

}  // namespace tessera::delta
