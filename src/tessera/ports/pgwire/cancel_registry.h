#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

namespace tessera::ports::pgwire {

class Connection;

/// Live connections by BackendKeyData (process id, secret key), so a CancelRequest arriving on
/// another socket can interrupt the right statement. Thread-safe.
class CancelRegistry {
 public:
  /// Register `connection` and return its (process id, secret key): a fresh id and a random key.
  std::pair<int32_t, int32_t> Register(Connection* connection);
  /// Forget a connection; after this returns, Cancel never touches it again.
  void Unregister(int32_t process_id);
  /// Cancel the statement of the connection with this id if the key matches; ignore otherwise
  /// (PostgreSQL answers nothing either way).
  void Cancel(int32_t process_id, int32_t secret_key);
  /// Shut every connection down (node stop).
  void ShutdownAll();
  int64_t size();

 private:
  std::mutex mutex_;
  int32_t next_id_ = 1000;
  std::map<int32_t, std::pair<int32_t, Connection*>> connections_;
};

}  // namespace tessera::ports::pgwire
