#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "tessera/common/status.h"

namespace tessera::ports::pgwire {

/// A connected socket read and written with blocking calls and optional deadlines (poll(2)), so
/// a slow client stalls only its own thread and a silent one cannot hold it forever. After
/// StartTls every read and write goes through TLS. Owns the file descriptor and the TLS session.
/// Not thread-safe, except Shutdown().
class Transport {
 public:
  explicit Transport(int fd) : fd_(fd) {}
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  /// Run the server side of a TLS handshake on the socket with `context`, within `timeout` (if
  /// positive); from then on reads and writes are encrypted. Return kCancelled when the timeout
  /// passed first, kIoError when the peer went away or the handshake failed (not TLS, no common
  /// protocol version or cipher), kInternal if OpenSSL cannot allocate the session, and
  /// kInvalidArgument if TLS is already running.
  Status StartTls(SSL_CTX* context, std::chrono::milliseconds timeout);
  /// Whether StartTls succeeded.
  bool tls() const { return tls_ready_; }

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
  Status ReadTls(size_t count, std::string& out, std::chrono::milliseconds timeout);
  Status WriteTls(std::string_view bytes);
  // After an OpenSSL call returned `rc`: wait for the readiness it asks for (until `deadline`
  // when `timeout` is positive), or turn its error into kIoError prefixed with `action`.
  Status AwaitTls(int rc, std::chrono::milliseconds timeout,
                  std::chrono::steady_clock::time_point deadline, const char* action);

  int fd_;
  SSL* ssl_ = nullptr;
  bool tls_ready_ = false;
  // After a fatal TLS error OpenSSL forbids SSL_shutdown, so no close_notify is sent.
  bool tls_failed_ = false;
};

}  // namespace tessera::ports::pgwire
