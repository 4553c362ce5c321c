#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "tessera/access/query_gateway.h"
#include "tessera/common/result.h"
#include "tessera/common/tls_context.h"
#include "tessera/ports/pgwire/cancel_registry.h"
#include "tessera/ports/pgwire/connection.h"

namespace tessera::ports::pgwire {

/// The PostgreSQL wire protocol listener: accepts on its own thread and serves each connection
/// on a thread of its own (statements block in DuckDB; a slow client then stalls only itself,
/// and its socket's send buffer is the backpressure). Thread-safe; Stop is idempotent.
class PgServer {
 public:
  /// Load the TLS certificate and key if configured, bind and start accepting. Return
  /// kInvalidArgument for a bad host, for only one of tls_cert_file and tls_key_file, for
  /// require_tls without them, or for a certificate or key that cannot be loaded or do not match;
  /// kIoError if the address cannot be bound.
  static Result<std::unique_ptr<PgServer>> Start(const PgOptions& options,
                                                 access::QueryGateway& gateway);
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  /// The bound port (the chosen one when options.port was 0).
  uint16_t port() const { return port_; }
  /// Connections being served right now.
  int64_t active_connections() const { return active_.load(); }
  /// Stop accepting, close every connection, and wait for their threads to finish.
  void Stop();

 private:
  PgServer(const PgOptions& options, access::QueryGateway& gateway)
      : options_(options), gateway_(gateway) {}
  void AcceptLoop();
  void Serve(int fd);

  PgOptions options_;
  access::QueryGateway& gateway_;
  CancelRegistry cancels_;
  // Shared by every connection; outlives them (Stop waits for them).
  TlsContext tls_context_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> active_{0};
  std::mutex mutex_;
  std::condition_variable idle_;
  std::thread acceptor_;
};

}  // namespace tessera::ports::pgwire
