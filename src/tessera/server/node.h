#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tessera/access/access_store.h"
#include "tessera/access/audit_log.h"
#include "tessera/access/query_gateway.h"
#include "tessera/catalog/product_store.h"
#include "tessera/common/result.h"
#include "tessera/federation/file_mounts.h"
#include "tessera/federation/mount_store.h"
#include "tessera/federation/postgres_mounts.h"
#include "tessera/federation/share_mounts.h"
#include "tessera/ports/pgwire/server.h"
#include "tessera/products/refresher.h"

namespace tessera::ports::http {
class Router;
}

namespace tessera::server {

/// Where a node listens and how it limits sessions. Plain value.
struct NodeOptions {
  std::string data_dir = "./tessera-data";
  /// host:port of the PostgreSQL wire port; port 0 picks a free one; nullopt turns it off.
  std::optional<std::string> pg_address = "127.0.0.1:5433";
  /// host:port of the HTTP port; port 0 picks a free one; nullopt turns it off.
  std::optional<std::string> http_address = "127.0.0.1:8080";
  access::SessionLimits session_limits;
  int32_t max_connections = 256;
  /// PEM certificate chain and private key for TLS on the PostgreSQL port and HTTPS on the HTTP
  /// port: both or neither.
  std::string pg_tls_cert;
  std::string pg_tls_key;
  /// Refuse unencrypted PostgreSQL connections; needs pg_tls_cert and pg_tls_key.
  bool pg_require_tls = false;
  /// Cleartext password authentication instead of SCRAM on the PostgreSQL port, TLS only.
  bool pg_password_auth = false;
  /// Base URL of the data-file links in Delta Sharing responses ("https://data.example.com"),
  /// for nodes behind a proxy or TLS terminator; empty: http:// + the request's Host.
  std::string public_url;
  /// How long a data-file link stays valid.
  std::chrono::seconds file_url_ttl{3600};
  /// Bound of the files downloaded for mounted remote shares (all mounts together).
  federation::CacheLimits mount_cache;
  /// How often the node checks for products due for a refresh (their `refresh` interval).
  std::chrono::milliseconds refresh_tick{1000};
};

/// One running node: the data directory's stores and every listener wired to them. Start it,
/// read the bound ports, Stop it (or destroy it). Thread-safe.
class Node {
 public:
  /// Open the stores and start the listeners. Return kInvalidArgument for a malformed address
  /// or a TLS certificate or key that cannot be loaded (or only one of them), kIoError when a port
  /// cannot be bound or the data directory cannot be opened.
  static Result<std::unique_ptr<Node>> Start(const NodeOptions& options);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// The PostgreSQL port actually bound (0 if off).
  uint16_t pg_port() const;
  /// The HTTP port actually bound (0 if off).
  uint16_t http_port() const;
  /// Stop every listener and close every connection.
  void Stop();

 private:
  struct Ports;
  struct Sharing;
  Node() = default;
  Status StartSharing(ports::http::Router& router);

  NodeOptions options_;
  std::unique_ptr<access::AccessStore> store_;
  std::unique_ptr<access::AuditLog> audit_;
  std::unique_ptr<catalog::ProductStore> products_;
  std::unique_ptr<federation::MountStore> mounts_;
  // Before the gateway that uses them.
  std::unique_ptr<federation::ShareMounts> share_mounts_;
  std::unique_ptr<federation::FileMounts> file_mounts_;
  std::unique_ptr<federation::PostgresMounts> postgres_mounts_;
  std::unique_ptr<access::QueryGateway> gateway_;
  std::unique_ptr<Sharing> sharing_;
  std::unique_ptr<Ports> ports_;
  // Last: destroyed first, so its thread stops before the stores it uses close.
  std::unique_ptr<products::ProductRefresher> refresher_;
};

/// Split "host:port" (port 0..65535). Return kInvalidArgument otherwise.
Result<std::pair<std::string, uint16_t>> ParseAddress(const std::string& address);

}  // namespace tessera::server
