#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace tessera::sharing {

/// A query response body as it was sent, with what its headers need.
struct CachedResponse {
  std::string body;
  /// `body` gzip-compressed, made on first use (thread-safe), for clients that accept gzip.
  const std::string& Gzipped() const;
  int64_t table_version = 0;
  std::string capabilities;  // the delta-sharing-capabilities response header
  int64_t files = 0;
  std::chrono::steady_clock::time_point created;

 private:
  mutable std::once_flag gzip_once_;
  mutable std::string gzipped_;
};

/// Recent snapshot-query responses, so that many recipients polling a big table do not each
/// pay for thousands of signed URLs. A key names everything a response depends on (table,
/// version, recipient, format, request); an entry is served for `ttl` only, so its URLs keep
/// nearly all of their lifetime. Bounded by total bytes (oldest first out). Thread-safe.
class ResponseCache {
 public:
  ResponseCache(std::chrono::seconds ttl, size_t max_bytes) : ttl_(ttl), max_bytes_(max_bytes) {}

  std::shared_ptr<const CachedResponse> Find(const std::string& key);
  void Put(const std::string& key, std::shared_ptr<const CachedResponse> response);

 private:
  std::chrono::seconds ttl_;
  size_t max_bytes_;
  std::mutex mutex_;
  size_t bytes_ = 0;
  std::list<std::string> order_;  // oldest first
  std::map<std::string,
           std::pair<std::shared_ptr<const CachedResponse>, std::list<std::string>::iterator>>
      entries_;
};

}  // namespace tessera::sharing
