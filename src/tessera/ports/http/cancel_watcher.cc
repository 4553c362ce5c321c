#include "tessera/ports/http/cancel_watcher.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include <sys/eventfd.h>

namespace tessera::ports::http {

using Clock = std::chrono::steady_clock;

CancelWatch& CancelWatch::operator=(CancelWatch&& other) noexcept {
  if (this != &other) {
    Reset();
    watcher_ = std::exchange(other.watcher_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

void CancelWatch::Reset() {
  if (watcher_ != nullptr)
    std::exchange(watcher_, nullptr)->Remove(id_);
}

Result<std::unique_ptr<CancelWatcher>> CancelWatcher::Start() {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0)
    return Status::IoError(std::string("eventfd: ") + std::strerror(errno));
  std::unique_ptr<CancelWatcher> watcher(new CancelWatcher(fd));
  watcher->thread_ = std::thread([w = watcher.get()] { w->Run(); });
  return watcher;
}

CancelWatcher::CancelWatcher(int wake_fd) : wake_fd_(wake_fd) {}

CancelWatcher::~CancelWatcher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  Wake();
  thread_.join();
  ::close(wake_fd_);
}

void CancelWatcher::Wake() {
  uint64_t one = 1;
  // The counter only saturates after 2^64 - 2 wake-ups; a failed write means it is set anyway.
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

CancelWatch CancelWatcher::Watch(int fd, std::function<void(CancelReason)> callback,
                                 std::optional<Clock::time_point> deadline) {
  int64_t id;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    entries_.emplace(id, Entry{fd, std::move(callback), deadline});
  }
  Wake();
  return CancelWatch(this, id);
}

void CancelWatcher::Remove(int64_t id) {
  {
    std::lock_guard lock(mutex_);
    entries_.erase(id);
  }
  // If the watcher thread collected this entry before the erase, it is calling the callback
  // now, holding callback_mutex_: wait for it, so the callback never outlives its watch.
  std::lock_guard wait(callback_mutex_);
}

void CancelWatcher::CancelAll(CancelReason reason) {
  std::lock_guard callbacks(callback_mutex_);
  std::vector<std::function<void(CancelReason)>> due;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, entry] : entries_) {
      if (!entry.fired) {
        entry.fired = true;
        due.push_back(entry.callback);
      }
    }
  }
  for (auto& callback : due)
    callback(reason);
}

void CancelWatcher::Run() {
  std::vector<pollfd> fds;
  std::vector<int64_t> ids;
  while (true) {
    fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
    ids.assign(1, 0);
    int timeout_ms = 1000;
    {
      std::lock_guard lock(mutex_);
      if (stop_)
        return;
      Clock::time_point now = Clock::now();
      for (const auto& [id, entry] : entries_) {
        if (entry.fired)
          continue;
        fds.push_back(pollfd{entry.fd, POLLRDHUP, 0});
        ids.push_back(id);
        if (entry.deadline) {
          auto left = std::chrono::ceil<std::chrono::milliseconds>(*entry.deadline - now).count();
          timeout_ms = std::min<int>(timeout_ms, left < 0 ? 0 : static_cast<int>(left));
        }
      }
    }
    int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR)
      return;
    if (fds[0].revents != 0) {
      uint64_t value;
      [[maybe_unused]] ssize_t r = ::read(wake_fd_, &value, sizeof value);
    }
    std::lock_guard callbacks(callback_mutex_);
    std::vector<std::pair<std::function<void(CancelReason)>, CancelReason>> due;
    {
      std::lock_guard lock(mutex_);
      Clock::time_point now = Clock::now();
      for (size_t i = 1; i < fds.size(); ++i) {
        auto it = entries_.find(ids[i]);
        if (it == entries_.end() || it->second.fired)
          continue;
        if ((fds[i].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) {
          it->second.fired = true;
          due.emplace_back(it->second.callback, CancelReason::kClientGone);
        }
      }
      for (auto& [id, entry] : entries_) {
        if (!entry.fired && entry.deadline && *entry.deadline <= now) {
          entry.fired = true;
          due.emplace_back(entry.callback, CancelReason::kDeadline);
        }
      }
    }
    for (auto& [callback, reason] : due)
      callback(reason);
  }
}

}  // namespace tessera::ports::http
