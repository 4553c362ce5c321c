#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/common/tls_context.h"
#include "tessera/ports/http/cancel_watcher.h"
#include "tessera/ports/http/router.h"

namespace tessera::ports::http {

class Connection;

/// Where and how the HTTP port listens. Plain value.
struct HttpOptions {
  /// IP address or host name to bind.
  std::string host = "127.0.0.1";
  /// TCP port; 0 picks a free one (HttpServer::port() tells which).
  int port = 8080;
  /// Connections served at once (one thread each); more are answered 503 and closed.
  int64_t max_connections = 256;
  /// Request line plus header fields, excluding the target (431 beyond).
  size_t max_header_bytes = size_t{16} * 1024;
  /// Request target (414 beyond).
  size_t max_url_bytes = size_t{8} * 1024;
  /// Request body, after chunked decoding (413 beyond).
  size_t max_body_bytes = size_t{16} * 1024 * 1024;
  /// A keep-alive connection waiting for its next request is closed after this.
  std::chrono::milliseconds idle_timeout{60'000};
  /// The whole request header must arrive within this from its first byte (408 after).
  std::chrono::milliseconds header_timeout{10'000};
  /// The whole request body must arrive within this after the header (408 after).
  std::chrono::milliseconds body_timeout{60'000};
  /// A response write that makes no progress for this long drops the connection.
  std::chrono::milliseconds write_timeout{60'000};
  /// Stop() lets in-flight requests finish for this long, then cuts them.
  std::chrono::milliseconds stop_timeout{10'000};
  /// PEM certificate chain and private key: with both, the port speaks only HTTPS (TLS 1.2+);
  /// the handshake must finish within header_timeout.
  std::string tls_cert_file;
  std::string tls_key_file;
};

/// The node's HTTP/1.0 and 1.1 listener (Boost.Asio binds, Beast parses requests).
///
/// One thread accepts; a pool of worker threads serves connections that have input, found
/// through one epoll set (a connection belongs to one worker at a time; events for it while it
/// is served are remembered and checked before it is parked again).
/// A worker reads and answers requests synchronously with deadlines, running the router's
/// handlers on its own thread, so handlers may block (queries) and stream (writes block while
/// the client does not read); when the connection has nothing more buffered it goes back to
/// the epoll set. The pool keeps two workers per core available: a worker busy for more than a
/// few milliseconds is replaced by a new one (up to one per connection), so a blocked handler
/// delays other connections by at most that, and extra workers leave when no longer needed.
/// Few waiting workers means that under load a worker finds the next ready connection without
/// sleeping, as an event loop does, instead of a context switch per request; two per core
/// keep connections served while a worker waits in the kernel or is preempted.
/// Keep-alive and pipelining are supported; a malformed request is answered 400 and its
/// connection closed. Thread-safe; Stop (and the destructor) must not be called from a handler.
class HttpServer {
 public:
  /// Bind host:port and start serving `router`. Return kInvalidArgument for a host that does
  /// not resolve, a port outside [0, 65535], or a TLS certificate or key that cannot be loaded
  /// (or only one of them), kIoError if binding or listening fails (e.g. the port is taken).
  static Result<std::unique_ptr<HttpServer>> Start(const HttpOptions& options, Router router);
  /// Stop (see Stop).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The bound port (the chosen one when the options said 0).
  int port() const { return port_; }
  /// Connections open right now (being served or waiting for their next request).
  int64_t active_connections() const;

  /// Stop gracefully: stop accepting, close idle keep-alive connections, let in-flight requests
  /// finish for options.stop_timeout, then cut the rest (their writes fail with kCancelled and
  /// their WatchCancel callbacks fire with kStopping), and join every thread. Idempotent.
  void Stop();

 private:
  friend class Connection;
  HttpServer(const HttpOptions& options, Router router);
  void AcceptLoop();
  void Reject(int fd);
  void Admit(int fd, std::string peer);
  void WorkerLoop(int64_t worker_id);
  void StartWorker();
  int64_t AvailableWorkers(std::chrono::steady_clock::time_point now) const;
  void KeepWorkersAvailable();
  void CloseIdleConnections(bool all);
  void ReapFinishedWorkers();

  HttpOptions options_;
  Router router_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int port_ = 0;
  // eventfds that stay readable once written: stop accepting / cut in-flight connections.
  int stopping_fd_ = -1;
  int cut_fd_ = -1;
  std::unique_ptr<CancelWatcher> watcher_;
  TlsContext tls_context_;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;
  bool stopped_ = false;

  mutable std::mutex mutex_;
  std::condition_variable idle_;
  // Open connections by id (the epoll event's data); a worker owns one while it is not parked.
  std::map<int64_t, std::shared_ptr<Connection>> connections_;
  int64_t next_connection_id_ = 1;
  struct Worker {
    std::thread thread;
    // When it took the connection it serves; max() while it waits for one.
    std::chrono::steady_clock::time_point busy_since = std::chrono::steady_clock::time_point::max();
    bool finished = false;
  };
  std::map<int64_t, Worker> workers_;
  int64_t next_worker_id_ = 1;
  int64_t live_workers_ = 0;
  // Workers waiting for connections (or busy only briefly) that the pool keeps: two per core.
  int64_t resting_workers_ = 4;
};

}  // namespace tessera::ports::http
