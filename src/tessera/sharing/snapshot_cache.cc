#include "tessera/sharing/snapshot_cache.h"

#include "tessera/delta/log_path.h"
#include "tessera/delta/log_segment.h"

namespace tessera::sharing {

SnapshotCache::SnapshotCache(storage::Storage& storage, delta::CheckpointReader* checkpoint_reader,
                             size_t capacity)
    : storage_(storage), checkpoint_reader_(checkpoint_reader), capacity_(capacity) {}

Result<std::shared_ptr<const delta::Snapshot>> SnapshotCache::Get(const std::string& table_root,
                                                                  std::optional<int64_t> version) {
  std::optional<int64_t> wanted = version;
  if (!wanted) {
    std::optional<int64_t> newest;
    {
      std::lock_guard lock(mutex_);
      auto found = newest_.find(table_root);
      if (found != newest_.end())
        newest = found->second;
    }
    if (!newest)
      return Load(table_root, std::nullopt);
    TESSERA_ASSIGN_OR_RETURN(bool newer, HasNewerCommit(table_root, *newest));
    if (newer)
      return Load(table_root, std::nullopt);
    wanted = newest;
  }
  {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(Key(table_root, *wanted));
    if (found != entries_.end()) {
      recency_.splice(recency_.begin(), recency_, found->second.second);
      return found->second.first;
    }
  }
  return Load(table_root, wanted);
}

Result<std::shared_ptr<const delta::Snapshot>> SnapshotCache::Load(const std::string& table_root,
                                                                   std::optional<int64_t> version) {
  TESSERA_ASSIGN_OR_RETURN(
      auto snapshot, delta::Snapshot::Load(storage_, checkpoint_reader_, table_root, version));
  Remember(snapshot);
  return snapshot;
}

Result<bool> SnapshotCache::HasNewerCommit(const std::string& table_root, int64_t version) {
  std::string log_dir = storage::JoinPath(table_root, "_delta_log");
  TESSERA_ASSIGN_OR_RETURN(auto files,
                           storage_.ListFrom(log_dir, delta::CommitFileName(version + 1)));
  for (const storage::FileInfo& file : files) {
    auto parsed = delta::ParseLogFileName(delta::BaseName(file.path));
    if (parsed && parsed->version > version)
      return true;
  }
  return false;
}

void SnapshotCache::Remember(const std::shared_ptr<const delta::Snapshot>& snapshot) {
  std::lock_guard lock(mutex_);
  Key key(snapshot->table_root(), snapshot->version());
  // Only a snapshot of the newest version known can answer "latest" later.
  if (snapshot->version() == snapshot->latest_version()) {
    auto [it, inserted] = newest_.emplace(key.first, key.second);
    if (!inserted && it->second < key.second)
      it->second = key.second;
  }
  auto found = entries_.find(key);
  if (found != entries_.end()) {
    recency_.splice(recency_.begin(), recency_, found->second.second);
    return;
  }
  recency_.push_front(key);
  entries_.emplace(key, std::make_pair(snapshot, recency_.begin()));
  while (entries_.size() > capacity_) {
    const Key& oldest = recency_.back();
    entries_.erase(oldest);
    recency_.pop_back();
  }
}

}  // namespace tessera::sharing
