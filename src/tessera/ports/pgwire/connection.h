#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openssl/types.h>

#include "tessera/access/query_gateway.h"
#include "tessera/engine/statement.h"
#include "tessera/ports/pgwire/commands.h"
#include "tessera/ports/pgwire/pg_types.h"
#include "tessera/ports/pgwire/protocol.h"
#include "tessera/ports/pgwire/row_encoder.h"
#include "tessera/ports/pgwire/session_settings.h"
#include "tessera/ports/pgwire/session_zone.h"
#include "tessera/ports/pgwire/transport.h"

namespace tessera::ports::pgwire {

class CancelRegistry;

/// Limits and identity of the PostgreSQL port. Plain value.
struct PgOptions {
  std::string host = "127.0.0.1";
  /// 0 picks a free port.
  uint16_t port = 5433;
  /// Connections served at once; more are answered with SQLSTATE 53300 and closed.
  int32_t max_connections = 256;
  /// Largest message accepted from a client (Bind with big parameters, long queries).
  int64_t max_message_bytes = 64 << 20;
  /// Time a client has to finish startup and authentication.
  std::chrono::milliseconds auth_timeout{30000};
  /// What server_version says: psql and pgjdbc pick their catalog queries by it.
  std::string server_version = "15.0";
  /// PEM certificate chain and private key for TLS; both empty turns TLS off (SSLRequest is
  /// answered 'N'), both set turns it on ('S' and a handshake).
  std::string tls_cert_file;
  std::string tls_key_file;
  /// Refuse StartupMessages that arrive unencrypted (SQLSTATE 28000). Needs the files above.
  bool require_tls = false;
  /// Ask for the password in cleartext (AuthenticationCleartextPassword, PostgreSQL's `password`
  /// method) instead of SCRAM, for clients without SCRAM. Only ever over TLS: with it,
  /// unencrypted connections are refused as with require_tls. Needs the files above.
  bool password_auth = false;
};

/// One client connection: startup (with TLS when the listener has a context), SCRAM-SHA-256
/// authentication, then the simple and extended
/// query protocols over a QuerySession, until Terminate or a broken socket. Runs on its own
/// thread (Serve blocks); Cancel may be called from any thread.
class Connection {
 public:
  /// `tls_context` (nullable, not owned) must outlive the connection; with it SSLRequest starts
  /// TLS.
  Connection(std::unique_ptr<Transport> transport, access::QueryGateway& gateway,
             CancelRegistry& cancels, const PgOptions& options, SSL_CTX* tls_context);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Serve the connection to its end. Never throws; errors go to the client.
  void Serve();

  /// Interrupt the running statement (CancelRequest): it fails with SQLSTATE 57014. Thread-safe.
  void Cancel();
  /// Close the socket so Serve returns (node shutdown). Thread-safe.
  void Shutdown();

 private:
  struct Prepared;
  struct Portal;

  Status Startup();
  Status Authenticate(const std::string& user);
  /// Flush the authentication request, then read the client's 'p' message into `body`;
  /// anything else is a protocol violation (08P01, naming `what` was expected).
  Status AwaitAuthenticationResponse(const char* what, std::string& body);
  /// The `password` method: the client sends its password in cleartext (over TLS only).
  Status AuthenticateCleartext(const std::string& user, const std::string& verifier,
                               bool user_has_password);
  Status OpenSession(const access::Principal& principal,
                     const std::map<std::string, std::string>& parameters);
  Status ReadMessage(char& type, std::string& body, std::chrono::milliseconds timeout);
  Status Flush();
  void SendError(const Status& status);
  void SendFatal(const std::string& sqlstate, const std::string& message);

  // Simple query protocol.
  void HandleQuery(const std::string& sql);
  Status RunSimpleStatement(std::string_view statement);
  Status RunCommand(const Command& command, bool extended, std::string& tag);
  // Extended query protocol.
  void HandleParse(const std::string& body);
  void HandleBind(const std::string& body);
  void HandleDescribe(const std::string& body);
  void HandleExecute(const std::string& body);
  void HandleClose(const std::string& body);
  void HandleSync();

  Result<std::shared_ptr<Prepared>> PrepareStatement(std::string_view sql,
                                                     std::vector<uint32_t> parameter_types);
  Status StartPortal(Portal& portal);
  /// Send up to `max_rows` (0 = all) rows of the portal; set `suspended` when rows remain.
  Status SendRows(Portal& portal, int64_t max_rows, bool& suspended);
  void DescribeRows(const Portal& portal);
  /// COPY (query) TO STDOUT: CopyOutResponse, one CopyData per row, CopyDone.
  Status RunCopyOut(const Command& command, std::string& tag);

  Status RunTransactionVerb(const char* sql);
  /// Follow the TimeZone setting: the zone timestamptz text is printed in, DuckDB's own
  /// TimeZone, and (when `report`) a ParameterStatus as PostgreSQL sends on a change.
  Status ApplyTimeZone(bool report);
  /// Rewrite the session's pg_settings table (read by current_setting() too) from settings_,
  /// when it is stale and `sql` reads it.
  Status RefreshSettingsCatalog(std::string_view sql);
  void ArmTimeout();
  void DisarmTimeout();
  void Audit(std::string_view sql, int64_t rows, std::chrono::steady_clock::time_point start,
             const Status& status);

  std::unique_ptr<Transport> transport_;
  access::QueryGateway& gateway_;
  CancelRegistry& cancels_;
  PgOptions options_;
  SSL_CTX* tls_context_;
  std::string out_;

  int32_t process_id_ = 0;
  int32_t secret_key_ = 0;
  std::unique_ptr<access::QuerySession> session_;
  std::unique_ptr<SessionSettings> settings_;
  // The TimeZone setting's zone; encoders of open portals share it.
  std::shared_ptr<SessionZone> zone_;
  // settings_->version() that pg_settings shows; -1 when it must be rewritten.
  int64_t catalog_settings_version_ = -1;
  char transaction_status_ = 'I';
  // BEGIN seen, DuckDB's transaction not yet started: it starts after the next statement is
  // prepared, because preparing creates the views of the tables it names, one write per
  // domain's catalog, and a DuckDB transaction may write to one attached database only.
  bool begin_pending_ = false;
  bool skip_until_sync_ = false;

  std::map<std::string, std::shared_ptr<Prepared>> statements_;
  std::map<std::string, std::unique_ptr<Portal>> portals_;
  std::map<std::string, std::unique_ptr<Portal>> cursors_;

  // What Cancel interrupts: set once the session is open, cleared before it closes.
  std::atomic<engine::Connection*> interruptible_{nullptr};
  std::atomic<bool> cancel_requested_{false};
  std::atomic<bool> timed_out_{false};
  struct Watchdog;
  std::unique_ptr<Watchdog> watchdog_;
};

}  // namespace tessera::ports::pgwire
