#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tessera/access/session_extension.h"
#include "tessera/federation/mount_store.h"

namespace tessera::federation {

/// Where a files mount reads: a directory or a glob, and the files' format. Plain value.
struct FileSource {
  std::string pattern;  // absolute glob, e.g. "/data/sales/*.csv" or "/data/sales/**/*.parquet"
  std::string format;   // "parquet", "csv" or "json"
  std::string root;     // the fixed directory the pattern lies under (the sandbox's read root)
};

/// Resolve `path` (a file, a directory or a glob; relative to the working directory) with an
/// optional `format` ("parquet", "csv", "json"; else taken from the file extension in `path`,
/// or "parquet" for a directory). A directory reads every file of the format below it.
/// kInvalidArgument when nothing matches now, the format is unknown, the files lie directly
/// in / (a granted principal may read the whole folder), or the path has control characters.
Result<FileSource> ResolveFileSource(std::string_view path, std::string_view format);

/// Store a files mount: one table `<name>.files.<table>` over the source's files.
Result<Mount> AddFileMount(MountStore& store, std::string_view name, const FileSource& source,
                           std::string_view table);

/// Files mounts in query sessions: `<mount>.files.<table>` is a view over DuckDB's
/// read_parquet/read_csv/read_json of the mount's files, read where they lie (nothing is
/// copied); the session sandbox lets a granted principal read that folder only. Thread-safe.
class FileMounts : public access::SessionExtension {
 public:
  explicit FileMounts(MountStore& store) : store_(store) {}
  Result<std::vector<access::ExtensionTable>> Tables() override;
  Status Register(engine::Connection& /*connection*/) override { return Status::OK(); }

 private:
  MountStore& store_;
};

}  // namespace tessera::federation
