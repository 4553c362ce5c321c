#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"

namespace tessera::storage {

/// One object (file) in a store.
struct FileInfo {
  std::string path;                  // full path, as given to the store
  int64_t size = 0;                  // bytes
  int64_t modification_time_ms = 0;  // milliseconds since the epoch
};

/// An object store: the only way `delta` touches bytes. Paths are absolute and '/'-separated.
/// Implementations are thread-safe. Every write is atomic: a reader sees the whole object or none.
class Storage {
 public:
  virtual ~Storage() = default;

  /// List the objects directly under a directory (not recursive, no subdirectories), sorted by
  /// path. A missing directory gives an empty list.
  virtual Result<std::vector<FileInfo>> List(std::string_view dir) = 0;
  /// Like List, but only objects whose file name is >= `start_name` (S3 StartAfter-style), so a
  /// long Delta log is listed from a checkpoint on without touching older entries.
  virtual Result<std::vector<FileInfo>> ListFrom(std::string_view dir,
                                                 std::string_view start_name) = 0;
  /// List every object under a directory, recursively, sorted by path.
  virtual Result<std::vector<FileInfo>> ListRecursive(std::string_view dir) = 0;
  /// Return an object's size and modification time, or kNotFound.
  virtual Result<FileInfo> Stat(std::string_view path) = 0;
  /// Read a whole object. Return kNotFound if it does not exist.
  virtual Result<std::string> Read(std::string_view path) = 0;
  /// Read `length` bytes at `offset`. Return kCorruption if the object is shorter.
  virtual Result<std::string> ReadRange(std::string_view path, int64_t offset, int64_t length) = 0;
  /// Create an object only if none exists at that path (the Delta commit primitive). Return
  /// kAlreadyExists if one does; the existing object is never touched.
  virtual Status PutIfAbsent(std::string_view path, std::string_view data) = 0;
  /// Create or replace an object atomically.
  virtual Status Put(std::string_view path, std::string_view data) = 0;
  /// Delete an object; deleting a missing object is OK.
  virtual Status Delete(std::string_view path) = 0;
};

/// Join two path pieces with exactly one '/'.
std::string JoinPath(std::string_view base, std::string_view child);

}  // namespace tessera::storage
