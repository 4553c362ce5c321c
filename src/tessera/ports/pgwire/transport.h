#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tessera/common/status.h"

namespace tessera::ports::pgwire {

/// A connected socket read and written with blocking calls and optional deadlines (poll(2)), so
/// a slow client stalls only its own thread and a silent one cannot hold it forever. Owns the
/// file descriptor. Not thread-safe, except Shutdown().
class Transport {
 public:
  explicit Transport(int fd) : fd_(fd) {}
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  /// Read exactly `count` bytes into `out` (replacing it). Return kIoError when the peer closed
  /// or the socket failed, kCancelled when `timeout` (if positive) passed first.
  Status ReadExact(size_t count, std::string& out, std::chrono::milliseconds timeout);
  /// Write all of `bytes`; kIoError if the peer went away.
  Status WriteAll(std::string_view bytes);
  /// Whether the peer has closed its side or sent bytes we have not read, without blocking.
  bool PeerClosedOrReadable() const;
  /// Wake any blocked call (it then fails with kIoError). Thread-safe.
  void Shutdown();

 private:
  int fd_;
};

}  // namespace tessera::ports::pgwire
