#include "tessera/ports/pgwire/cancel_registry.h"

#include <cstring>
#include <string>

#include "tessera/common/crypto.h"
#include "tessera/ports/pgwire/connection.h"

namespace tessera::ports::pgwire {

std::pair<int32_t, int32_t> CancelRegistry::Register(Connection* connection) {
  std::string bytes = RandomBytes(4);
  int32_t key = 0;
  std::memcpy(&key, bytes.data(), sizeof(key));
  std::lock_guard<std::mutex> lock(mutex_);
  int32_t id = next_id_++;
  if (next_id_ == INT32_MAX)
    next_id_ = 1000;
  connections_[id] = {key, connection};
  return {id, key};
}

void CancelRegistry::Unregister(int32_t process_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  connections_.erase(process_id);
}

void CancelRegistry::Cancel(int32_t process_id, int32_t secret_key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = connections_.find(process_id);
  if (it != connections_.end() && it->second.first == secret_key)
    it->second.second->Cancel();
}

void CancelRegistry::ShutdownAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [id, entry] : connections_) {
    entry.second->Cancel();
    entry.second->Shutdown();
  }
}

int64_t CancelRegistry::size() {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int64_t>(connections_.size());
}

}  // namespace tessera::ports::pgwire
