#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/storage/storage.h"

namespace tessera::access {

/// A Storage that serves only paths inside a fixed set of folders (a principal's granted
/// tables) and refuses everything else with kPermissionDenied, before touching the disk. The
/// Delta SQL functions of a non-admin session read through one of these, so
/// `delta_scan('<any path>')` cannot reveal an ungranted table's schema, files or partition
/// values: DuckDB's own sandbox covers DuckDB's file access, this covers ours. Paths are
/// compared after lexical normalization (`..` cannot climb out). Writes are always refused.
/// Thread-safe if `inner` is; `inner` must outlive it.
class ConfinedStorage : public storage::Storage {
 public:
  ConfinedStorage(storage::Storage& inner, std::vector<std::string> roots);

  Result<std::vector<storage::FileInfo>> List(std::string_view dir) override;
  Result<std::vector<storage::FileInfo>> ListFrom(std::string_view dir,
                                                  std::string_view start_name) override;
  Result<std::vector<storage::FileInfo>> ListRecursive(std::string_view dir) override;
  Result<storage::FileInfo> Stat(std::string_view path) override;
  Result<std::string> Read(std::string_view path) override;
  Result<std::string> ReadRange(std::string_view path, int64_t offset, int64_t length) override;
  Status PutIfAbsent(std::string_view path, std::string_view data) override;
  Status Put(std::string_view path, std::string_view data) override;
  Status Delete(std::string_view path) override;

  /// Whether `path` lies inside one of the roots.
  bool Allows(std::string_view path) const;

 private:
  Status Check(std::string_view path) const;

  storage::Storage& inner_;
  std::vector<std::string> roots_;  // normalized, without a trailing '/'
};

}  // namespace tessera::access
