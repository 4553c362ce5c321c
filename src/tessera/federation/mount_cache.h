#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include "tessera/common/result.h"

namespace tessera::federation {

/// How much the downloaded files of all mounts may hold. Plain value.
struct CacheLimits {
  /// Total bytes of cached files; beyond it, the least recently used files go.
  int64_t max_bytes = int64_t{10} << 30;
  /// A file used this recently stays even over the bound: a query may be reading it.
  std::chrono::seconds min_idle{600};
};

/// The size of a cached file, or -1 if there is none; marks the file used now (its mtime is the
/// LRU clock, refreshed at most once a minute so a big table costs few writes).
int64_t UseCachedFile(const std::string& path);

/// Remove least recently used files from `<cache_root>/*/files/` until their total is at most
/// `limits.max_bytes`, never removing files in `keep` or used within `limits.min_idle`; also
/// remove snapshot logs (`<cache_root>/*/snapshots/*`) unused for that long, except `keep`'s
/// roots. Return the bytes of files removed. Never fails a query: errors are skipped.
int64_t TrimCache(const std::string& cache_root, const CacheLimits& limits,
                  const std::set<std::string>& keep);

/// Parse a size such as "10GB", "512MB", "1.5GiB" or "4096" (bytes). kInvalidArgument otherwise.
Result<int64_t> ParseByteSize(std::string_view text);

}  // namespace tessera::federation
