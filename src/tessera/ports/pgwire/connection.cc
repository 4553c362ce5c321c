#include "tessera/ports/pgwire/connection.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "tessera/access/access_store.h"
#include "tessera/access/scram.h"
#include "tessera/common/logging.h"
#include "tessera/common/strings.h"
#include "tessera/engine/sql_text.h"
#include "tessera/ports/pgwire/cancel_registry.h"
#include "tessera/ports/pgwire/catalog_emulation.h"
#include "tessera/ports/pgwire/connection_internal.h"
#include "tessera/ports/pgwire/parameter_decoder.h"
#include "tessera/ports/pgwire/sqlstate.h"

namespace tessera::ports::pgwire {
namespace {

constexpr std::chrono::milliseconds kNoTimeout{0};
using internal::kFlushBytes;

}  // namespace

Connection::Connection(std::unique_ptr<Transport> transport, access::QueryGateway& gateway,
                       CancelRegistry& cancels, const PgOptions& options, SSL_CTX* tls_context)
    : transport_(std::move(transport)),
      gateway_(gateway),
      cancels_(cancels),
      options_(options),
      tls_context_(tls_context) {
  std::tie(process_id_, secret_key_) = cancels_.Register(this);
}

Connection::~Connection() {
  cancels_.Unregister(process_id_);
  interruptible_ = nullptr;
  if (watchdog_) {
    {
      std::lock_guard<std::mutex> lock(watchdog_->mutex);
      watchdog_->stop = true;
    }
    watchdog_->wake.notify_all();
    watchdog_->thread.join();
  }
  cursors_.clear();
  portals_.clear();
  statements_.clear();
  session_.reset();
}

void Connection::Cancel() {
  cancel_requested_ = true;
  if (engine::Connection* connection = interruptible_.load())
    connection->Interrupt();
}

void Connection::Shutdown() { transport_->Shutdown(); }

Status Connection::Flush() {
  if (out_.empty())
    return Status::OK();
  Status status = transport_->WriteAll(out_);
  out_.clear();
  return status;
}

Status Connection::ReadMessage(char& type, std::string& body, std::chrono::milliseconds timeout) {
  std::string header;
  TESSERA_RETURN_NOT_OK(transport_->ReadExact(5, header, timeout));
  type = header[0];
  MessageReader reader{std::string_view(header).substr(1)};
  TESSERA_ASSIGN_OR_RETURN(int32_t length, reader.ReadInt32());
  if (length < 4 || length - 4 > options_.max_message_bytes) {
    return Status::InvalidArgument("invalid message length " + std::to_string(length));
  }
  return transport_->ReadExact(static_cast<size_t>(length - 4), body, timeout);
}

void Connection::SendFatal(const std::string& sqlstate, const std::string& message) {
  ErrorFields error;
  error.severity = "FATAL";
  error.sqlstate = sqlstate;
  error.message = message;
  AppendError(out_, error);
  (void)Flush();
}

void Connection::SendError(const Status& status) {
  ErrorFields error = ErrorFromStatus(status);
  if (error.sqlstate == "57014") {
    error.message = timed_out_ ? "canceling statement due to statement timeout"
                               : "canceling statement due to user request";
  }
  AppendError(out_, error);
}

void Connection::Serve() {
  Status status = Startup();
  if (!status.ok()) {
    Flush().ok();
    return;
  }
  std::string body;
  char type = 0;
  while (true) {
    Status read = ReadMessage(type, body, kNoTimeout);
    if (!read.ok()) {
      if (read.code() == StatusCode::kInvalidArgument)
        SendFatal("08P01", read.message());
      return;
    }
    cancel_requested_ = false;
    timed_out_ = false;
    if (skip_until_sync_ && type != 'S' && type != 'X')
      continue;
    switch (type) {
      case 'Q': {
        auto sql = ParseQueryMessage(body);
        if (!sql.ok()) {
          SendFatal("08P01", sql.status().message());
          return;
        }
        HandleQuery(*sql);
        break;
      }
      case 'P':
        HandleParse(body);
        break;
      case 'B':
        HandleBind(body);
        break;
      case 'D':
        HandleDescribe(body);
        break;
      case 'E':
        HandleExecute(body);
        break;
      case 'C':
        HandleClose(body);
        break;
      case 'S':
        HandleSync();
        break;
      case 'H':
        break;  // Flush: below
      case 'X':
        return;
      case 'd':
      case 'c':
      case 'f':
        break;  // stray COPY data outside COPY: ignored, as PostgreSQL does
      default:
        SendFatal("08P01", std::string("invalid frontend message type ") +
                               std::to_string(static_cast<unsigned char>(type)));
        return;
    }
    // Pipelined extended-protocol messages wait for Sync or Flush; everything else goes now.
    if (type == 'Q' || type == 'S' || type == 'H' || out_.size() > kFlushBytes) {
      if (!Flush().ok())
        return;
    }
  }
}

Status Connection::Startup() {
  StartupPacket packet;
  while (true) {
    std::string length_bytes;
    TESSERA_RETURN_NOT_OK(transport_->ReadExact(4, length_bytes, options_.auth_timeout));
    MessageReader reader(length_bytes);
    TESSERA_ASSIGN_OR_RETURN(int32_t length, reader.ReadInt32());
    if (length < 8 || length > 10000) {
      SendFatal("08P01", "invalid length of startup packet");
      return Status::InvalidArgument("bad startup length");
    }
    std::string body;
    TESSERA_RETURN_NOT_OK(
        transport_->ReadExact(static_cast<size_t>(length - 4), body, options_.auth_timeout));
    auto parsed = ParseStartupPacket(body);
    if (!parsed.ok()) {
      SendFatal("08P01", parsed.status().message());
      return parsed.status();
    }
    packet = std::move(*parsed);
    if ((packet.code == kSslRequestCode || packet.code == kGssEncRequestCode) &&
        transport_->tls()) {
      // PostgreSQL's ProcessStartupPacket also rejects a second negotiation on an encrypted
      // connection.
      SendFatal("08P01", "encryption requested again on an encrypted connection");
      return Status::InvalidArgument("SSLRequest over TLS");
    }
    if (packet.code == kSslRequestCode && tls_context_ != nullptr) {
      // Protocol "SSL Session Encryption": 'S', then the client's ClientHello. Transport reads
      // nothing ahead, so bytes a client sent before the handshake are TLS input, never
      // plaintext injected into the session (CVE-2021-23214).
      TESSERA_RETURN_NOT_OK(transport_->WriteAll("S"));
      TESSERA_RETURN_NOT_OK(transport_->StartTls(tls_context_, options_.auth_timeout));
      continue;
    }
    if (packet.code == kSslRequestCode || packet.code == kGssEncRequestCode) {
      // No TLS (or no GSS) configured: 'N', and the client goes on in plaintext (or gives up).
      TESSERA_RETURN_NOT_OK(transport_->WriteAll("N"));
      continue;
    }
    if (packet.code == kCancelRequestCode) {
      // Allowed in plaintext even with require_tls, as PostgreSQL does: libpq before 17 always
      // sends cancel requests unencrypted, and the secret key is what authorizes them.
      cancels_.Cancel(packet.process_id, packet.secret_key);
      return Status::Cancelled("cancel request handled");
    }
    break;
  }
  if ((options_.require_tls || options_.password_auth) && !transport_->tls()) {
    SendFatal("28000", "this server accepts only TLS connections (use sslmode=require)");
    return Status::Unauthenticated("TLS required");
  }
  const std::string& user = packet.parameters["user"];
  TESSERA_RETURN_NOT_OK(Authenticate(user));
  auto principal = gateway_.store().GetPrincipal(user);
  if (!principal.ok()) {
    SendFatal("28P01", "password authentication failed for user \"" + user + "\"");
    return principal.status();
  }
  return OpenSession(*principal, packet.parameters);
}

Status Connection::Authenticate(const std::string& user) {
  access::AccessStore& store = gateway_.store();
  // Unknown users and users without a password run the same exchange against a fake verifier
  // and fail at the end, so a client cannot tell which names exist.
  auto verifier = store.ScramVerifier(user);
  std::string secret;
  if (!verifier.ok()) {
    auto node_secret = store.NodeSecret();
    secret = node_secret.ok() ? *node_secret : std::string("tessera");
  }
  std::string verifier_text = verifier.ok() ? *verifier : access::MockScramVerifier(user, secret);
  if (options_.password_auth)
    return AuthenticateCleartext(user, verifier_text, verifier.ok());

  AppendAuthenticationSasl(out_, {"SCRAM-SHA-256"});
  std::string body;
  TESSERA_RETURN_NOT_OK(AwaitAuthenticationResponse("SASL", body));
  auto initial = ParseSaslInitialResponse(body);
  if (!initial.ok() || initial->mechanism != "SCRAM-SHA-256") {
    SendFatal("28000", "client selected an invalid SASL authentication mechanism");
    return Status::Unauthenticated("bad SASL mechanism");
  }
  auto scram = access::ScramServer::Start(initial->data, verifier_text);
  if (!scram.ok()) {
    SendFatal("08P01", "malformed SCRAM message: " + scram.status().message());
    return scram.status();
  }
  AppendAuthentication(out_, 11, scram->server_first_message());
  TESSERA_RETURN_NOT_OK(AwaitAuthenticationResponse("SASL", body));
  auto final_message = scram->Finish(body);
  if (!final_message.ok() || !verifier.ok()) {
    SendFatal("28P01", "password authentication failed for user \"" + user + "\"");
    return Status::Unauthenticated("authentication failed");
  }
  AppendAuthentication(out_, 12, *final_message);
  AppendAuthentication(out_, 0);
  return Status::OK();
}

Status Connection::AwaitAuthenticationResponse(const char* what, std::string& body) {
  TESSERA_RETURN_NOT_OK(Flush());
  char type = 0;
  TESSERA_RETURN_NOT_OK(ReadMessage(type, body, options_.auth_timeout));
  if (type != 'p') {
    std::string message = std::string("expected ") + what + " response";
    SendFatal("08P01", message);
    return Status::InvalidArgument(message);
  }
  return Status::OK();
}

Status Connection::AuthenticateCleartext(const std::string& user, const std::string& verifier,
                                         bool user_has_password) {
  // Startup refused unencrypted connections already; keep the invariant local too.
  if (!transport_->tls()) {
    SendFatal("28000", "password authentication requires an encrypted connection");
    return Status::Unauthenticated("cleartext password over plaintext");
  }
  AppendAuthentication(out_, 3);
  std::string body;
  TESSERA_RETURN_NOT_OK(AwaitAuthenticationResponse("password", body));
  auto password = ParsePasswordMessage(body);
  if (!password.ok()) {
    SendFatal("08P01", "invalid password packet");
    return password.status();
  }
  // Unknown users are checked against the fake verifier too: the same work, the same answer.
  auto matches = access::VerifyPlainPassword(*password, verifier);
  if (!matches.ok() || !*matches || !user_has_password) {
    SendFatal("28P01", "password authentication failed for user \"" + user + "\"");
    return Status::Unauthenticated("authentication failed");
  }
  AppendAuthentication(out_, 0);
  return Status::OK();
}

Status Connection::OpenSession(const access::Principal& principal,
                               const std::map<std::string, std::string>& parameters) {
  auto session = gateway_.Open(principal, "pgwire");
  if (!session.ok()) {
    SendFatal("XX000", "could not open a session: " + session.status().message());
    return session.status();
  }
  session_ = std::move(*session);
  engine::Connection& connection = session_->connection();
  interruptible_ = &connection;
  Status status = connection.Execute(
      CatalogEmulationSql(principal.name, principal.admin, options_.server_version));
  if (!status.ok()) {
    SendFatal("XX000", "could not set up the catalog: " + status.message());
    return status;
  }
  // A database named after a visible domain becomes the current catalog, so `product.table`
  // resolves there and psql's \dt lists its products, as with a PostgreSQL database.
  auto database = parameters.find("database");
  if (database != parameters.end()) {
    for (const std::string& domain : session_->visible_domains()) {
      if (domain == database->second) {
        // The Delta macros live in the in-memory catalog: keep it on the search path.
        TESSERA_RETURN_NOT_OK(connection.Execute(
            "USE " + QuoteIdentifier(domain) +
            "; SET search_path = " + QuoteLiteral(QuoteIdentifier(domain) + ".main,memory.main")));
        break;
      }
    }
  }
  settings_ = std::make_unique<SessionSettings>(parameters, options_.server_version, principal.name,
                                                principal.admin);
  status = ApplyTimeZone(/*report=*/false);
  if (!status.ok()) {
    SendFatal("XX000", "could not set the time zone: " + status.message());
    return status;
  }
  for (const auto& [name, value] : settings_->Reported())
    AppendParameterStatus(out_, name, value);
  AppendBackendKeyData(out_, process_id_, secret_key_);
  AppendReadyForQuery(out_, transaction_status_);
  return Flush();
}

void Connection::ArmTimeout() {
  int64_t ms = settings_ ? settings_->statement_timeout_ms() : 0;
  if (ms <= 0)
    return;
  if (!watchdog_) {
    watchdog_ = std::make_unique<Watchdog>();
    Watchdog* dog = watchdog_.get();
    watchdog_->thread = std::thread([this, dog] {
      std::unique_lock<std::mutex> lock(dog->mutex);
      while (!dog->stop) {
        if (!dog->deadline) {
          dog->wake.wait(lock);
          continue;
        }
        if (dog->wake.wait_until(lock, *dog->deadline) == std::cv_status::timeout &&
            dog->deadline && std::chrono::steady_clock::now() >= *dog->deadline) {
          dog->deadline.reset();
          timed_out_ = true;
          session_->connection().Interrupt();
        }
      }
    });
  }
  {
    std::lock_guard<std::mutex> lock(watchdog_->mutex);
    watchdog_->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  }
  watchdog_->wake.notify_all();
}

void Connection::DisarmTimeout() {
  if (!watchdog_)
    return;
  std::lock_guard<std::mutex> lock(watchdog_->mutex);
  watchdog_->deadline.reset();
}

void Connection::Audit(std::string_view sql, int64_t rows,
                       std::chrono::steady_clock::time_point start, const Status& status) {
  if (!session_)
    return;
  access::QueryOutcome outcome;
  outcome.rows = rows;
  outcome.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  outcome.status = status;
  session_->Audit(sql, outcome);
}

}  // namespace tessera::ports::pgwire
