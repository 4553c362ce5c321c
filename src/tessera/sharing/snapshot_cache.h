#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "tessera/common/result.h"
#include "tessera/delta/checkpoint_reader.h"
#include "tessera/delta/snapshot.h"
#include "tessera/storage/storage.h"

namespace tessera::sharing {

/// Loaded snapshots by (table root, version), so that a busy share does not replay a table's
/// log (and read its checkpoint) on every request. Snapshots are immutable, so a cached one is
/// always right for its version; "latest" costs one listing of `_delta_log` from the newest
/// cached version on, to notice new commits. Bounded (least recently used go first).
/// Thread-safe.
class SnapshotCache {
 public:
  /// `checkpoint_reader` may be null (tables without Parquet checkpoints only); both it and
  /// `storage` must outlive the cache.
  SnapshotCache(storage::Storage& storage, delta::CheckpointReader* checkpoint_reader,
                size_t capacity = 64);

  /// The table at `version`, or the latest when nullopt. Errors: those of
  /// delta::Snapshot::Load.
  Result<std::shared_ptr<const delta::Snapshot>> Get(const std::string& table_root,
                                                     std::optional<int64_t> version);

 private:
  using Key = std::pair<std::string, int64_t>;
  Result<std::shared_ptr<const delta::Snapshot>> Load(const std::string& table_root,
                                                      std::optional<int64_t> version);
  /// Whether `_delta_log` has a commit newer than `version`.
  Result<bool> HasNewerCommit(const std::string& table_root, int64_t version);
  void Remember(const std::shared_ptr<const delta::Snapshot>& snapshot);

  storage::Storage& storage_;
  delta::CheckpointReader* checkpoint_reader_;
  size_t capacity_;
  std::mutex mutex_;
  std::list<Key> recency_;  // most recent first
  std::map<Key, std::pair<std::shared_ptr<const delta::Snapshot>, std::list<Key>::iterator>>
      entries_;
  std::map<std::string, int64_t> newest_;  // newest cached version per table root
};

}  // namespace tessera::sharing
