#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "tessera/common/result.h"

namespace tessera::ports::http {

/// Why a watch fired.
enum class CancelReason {
  kClientGone,  ///< the client closed or reset its connection
  kDeadline,    ///< the watch's deadline passed
  kStopping,    ///< the server is cutting in-flight requests (HttpServer::Stop)
};

class CancelWatcher;

/// A registration with the CancelWatcher; unregisters on destruction (waiting for its callback
/// if it is running right then). Must not outlive the request it watches. Move-only.
class CancelWatch {
 public:
  CancelWatch() = default;
  CancelWatch(CancelWatcher* watcher, int64_t id) : watcher_(watcher), id_(id) {}
  ~CancelWatch() { Reset(); }
  CancelWatch(CancelWatch&& other) noexcept
      : watcher_(std::exchange(other.watcher_, nullptr)), id_(other.id_) {}
  CancelWatch& operator=(CancelWatch&& other) noexcept;
  CancelWatch(const CancelWatch&) = delete;
  CancelWatch& operator=(const CancelWatch&) = delete;

  /// Unregister now.
  void Reset();

 private:
  CancelWatcher* watcher_ = nullptr;
  int64_t id_ = 0;
};

/// One background thread that watches the sockets of requests whose handlers are busy (e.g. a
/// query computing its first row) for EOF, hang-up or error (poll POLLRDHUP/POLLHUP/POLLERR),
/// and their deadlines, and calls each watch's callback at most once, on its own thread.
/// Callbacks must be quick and must not destroy a CancelWatch (they typically call
/// engine::Connection::Interrupt). Thread-safe.
class CancelWatcher {
 public:
  /// Start the thread. Return kIoError if the wake-up eventfd cannot be created.
  static Result<std::unique_ptr<CancelWatcher>> Start();
  /// Stop and join the thread; every watch must be gone by then.
  ~CancelWatcher();
  CancelWatcher(const CancelWatcher&) = delete;
  CancelWatcher& operator=(const CancelWatcher&) = delete;

  /// Watch `fd` (not owned; must stay open while the watch lives) and `deadline`.
  CancelWatch Watch(int fd, std::function<void(CancelReason)> callback,
                    std::optional<std::chrono::steady_clock::time_point> deadline);

  /// Fire every watch that has not fired yet with `reason`, on the calling thread.
  void CancelAll(CancelReason reason);

 private:
  friend class CancelWatch;
  struct Entry {
    int fd;
    std::function<void(CancelReason)> callback;
    std::optional<std::chrono::steady_clock::time_point> deadline;
    bool fired = false;
  };
  explicit CancelWatcher(int wake_fd);
  void Remove(int64_t id);
  void Run();
  void Wake();

  int wake_fd_;
  // Held while callbacks run, so that Remove can wait until its callback has returned. Order:
  // callback_mutex_ before mutex_.
  std::mutex callback_mutex_;
  std::mutex mutex_;
  std::map<int64_t, Entry> entries_;
  int64_t next_id_ = 1;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tessera::ports::http
