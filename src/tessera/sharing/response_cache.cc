#include "tessera/sharing/response_cache.h"

#include "tessera/common/gzip.h"

namespace tessera::sharing {

const std::string& CachedResponse::Gzipped() const {
  std::call_once(gzip_once_, [this] { gzipped_ = GzipCompress(body); });
  return gzipped_;
}

std::shared_ptr<const CachedResponse> ResponseCache::Find(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found == entries_.end())
    return nullptr;
  if (std::chrono::steady_clock::now() - found->second.first->created > ttl_) {
    bytes_ -= found->second.first->body.size();
    order_.erase(found->second.second);
    entries_.erase(found);
    return nullptr;
  }
  return found->second.first;
}

void ResponseCache::Put(const std::string& key, std::shared_ptr<const CachedResponse> response) {
  if (response->body.size() > max_bytes_ / 4)
    return;
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found != entries_.end()) {
    bytes_ -= found->second.first->body.size();
    order_.erase(found->second.second);
    entries_.erase(found);
  }
  bytes_ += response->body.size();
  order_.push_back(key);
  entries_.emplace(key, std::make_pair(std::move(response), std::prev(order_.end())));
  while (bytes_ > max_bytes_ && !order_.empty()) {
    auto oldest = entries_.find(order_.front());
    bytes_ -= oldest->second.first->body.size();
    entries_.erase(oldest);
    order_.pop_front();
  }
}

}  // namespace tessera::sharing
