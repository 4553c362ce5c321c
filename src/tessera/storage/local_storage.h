#pragma once

#include <memory>

#include "tessera/storage/storage.h"

namespace tessera::storage {

/// Storage on a POSIX filesystem. Put and PutIfAbsent write a temporary file in the target
/// directory, fsync it, then rename() (Put) or link() (PutIfAbsent, which fails with EEXIST and so
/// never overwrites), so a crash leaves either the old state or the new, never a partial file.
/// Stateless and thread-safe.
class LocalStorage : public Storage {
 public:
  Result<std::vector<FileInfo>> List(std::string_view dir) override;
  Result<std::vector<FileInfo>> ListFrom(std::string_view dir,
                                         std::string_view start_name) override;
  Result<std::vector<FileInfo>> ListRecursive(std::string_view dir) override;
  Result<FileInfo> Stat(std::string_view path) override;
  Result<std::string> Read(std::string_view path) override;
  Result<std::string> ReadRange(std::string_view path, int64_t offset, int64_t length) override;
  Status PutIfAbsent(std::string_view path, std::string_view data) override;
  Status Put(std::string_view path, std::string_view data) override;
  Status Delete(std::string_view path) override;

  /// The process-wide instance.
  static LocalStorage& Instance();
};

}  // namespace tessera::storage
