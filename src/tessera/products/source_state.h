#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "tessera/common/result.h"
#include "tessera/engine/database.h"

namespace tessera::products {

/// A source file as a build saw it. Plain value.
struct FileStamp {
  int64_t size = 0;
  int64_t modified_ms = 0;
  bool operator==(const FileStamp&) const = default;
};

/// What one table's build read, kept in the catalog with the version it published: the files
/// of a files source with their stamps, and the version of each mounted remote table a SQL
/// source read. The next apply compares it with what is there now to add only what is new.
struct SourceState {
  std::map<std::string, FileStamp> files;
  std::map<std::string, int64_t> remote_versions;  // "mount.schema.table" -> version

  bool empty() const { return files.empty() && remote_versions.empty(); }
  std::string ToJson() const;
  /// An unreadable or empty text is an empty state (the next build is then a full one).
  static SourceState Parse(std::string_view json);
};

/// The files a files source's path or glob names now (DuckDB's glob(), as read_parquet and
/// read_csv expand it), with their sizes and modification times.
Result<std::map<std::string, FileStamp>> StampFiles(engine::Connection& connection,
                                                    const std::string& pattern);

}  // namespace tessera::products
