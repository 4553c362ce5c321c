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
#include "tessera/ports/pgwire/parameter_decoder.h"
#include "tessera/ports/pgwire/sqlstate.h"

namespace tessera::ports::pgwire {
namespace {

constexpr size_t kFlushBytes = 256 << 10;
constexpr std::chrono::milliseconds kNoTimeout{0};

bool ReturnsRows(duckdb_statement_type type) {
  return type == DUCKDB_STATEMENT_TYPE_SELECT || type == DUCKDB_STATEMENT_TYPE_EXPLAIN ||
         type == DUCKDB_STATEMENT_TYPE_PRAGMA || type == DUCKDB_STATEMENT_TYPE_CALL;
}

bool CountsRows(duckdb_statement_type type) {
  return type == DUCKDB_STATEMENT_TYPE_INSERT || type == DUCKDB_STATEMENT_TYPE_UPDATE ||
         type == DUCKDB_STATEMENT_TYPE_DELETE;
}

// ParameterDescription for parameters the client left unspecified: what DuckDB inferred.
uint32_t OidForParameter(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN:
      return oid::kBool;
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_UTINYINT:
      return oid::kInt2;
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_USMALLINT:
      return oid::kInt4;
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UINTEGER:
      return oid::kInt8;
    case DUCKDB_TYPE_FLOAT:
      return oid::kFloat4;
    case DUCKDB_TYPE_DOUBLE:
      return oid::kFloat8;
    case DUCKDB_TYPE_DECIMAL:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UBIGINT:
      return oid::kNumeric;
    case DUCKDB_TYPE_DATE:
      return oid::kDate;
    case DUCKDB_TYPE_TIMESTAMP:
      return oid::kTimestamp;
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return oid::kTimestamptz;
    case DUCKDB_TYPE_BLOB:
      return oid::kBytea;
    case DUCKDB_TYPE_UUID:
      return oid::kUuid;
    default:
      return oid::kText;
  }
}

}  // namespace

struct Connection::Prepared {
  std::string sql;
  Command command;
  std::unique_ptr<engine::Statement> statement;
  bool returns_rows = false;
  std::vector<std::string> names;
  std::vector<WireColumn> columns;
  std::vector<uint32_t> parameter_types;
};

struct Connection::Portal {
  std::shared_ptr<Prepared> prepared;
  std::vector<int16_t> formats;
  std::unique_ptr<engine::QueryResult> result;
  std::optional<RowEncoder> encoder;
  std::unique_ptr<engine::DataChunk> chunk;
  int64_t chunk_offset = 0;
  int64_t rows_sent = 0;
  bool started = false;
  bool finished = false;
  std::string tag;
  std::chrono::steady_clock::time_point start;
};

// Interrupts the session's statement when statement_timeout passes.
struct Connection::Watchdog {
  std::mutex mutex;
  std::condition_variable wake;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  bool stop = false;
  std::thread thread;
};

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
  MessageReader reader(std::string_view(header).substr(1));
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
  if (options_.require_tls && !transport_->tls()) {
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

  AppendAuthenticationSasl(out_, {"SCRAM-SHA-256"});
  TESSERA_RETURN_NOT_OK(Flush());
  char type = 0;
  std::string body;
  TESSERA_RETURN_NOT_OK(ReadMessage(type, body, options_.auth_timeout));
  if (type != 'p') {
    SendFatal("08P01", "expected SASL response");
    return Status::InvalidArgument("expected SASL response");
  }
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
  TESSERA_RETURN_NOT_OK(Flush());
  TESSERA_RETURN_NOT_OK(ReadMessage(type, body, options_.auth_timeout));
  if (type != 'p') {
    SendFatal("08P01", "expected SASL response");
    return Status::InvalidArgument("expected SASL response");
  }
  auto final_message = scram->Finish(body);
  if (!final_message.ok() || !verifier.ok()) {
    SendFatal("28P01", "password authentication failed for user \"" + user + "\"");
    return Status::Unauthenticated("authentication failed");
  }
  AppendAuthentication(out_, 12, *final_message);
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
  Status status = connection.Execute(CatalogEmulationSql(principal.name, principal.admin));
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
  for (const auto& [name, value] : settings_->Reported())
    AppendParameterStatus(out_, name, value);
  AppendBackendKeyData(out_, process_id_, secret_key_);
  AppendReadyForQuery(out_, transaction_status_);
  return Flush();
}

void Connection::HandleQuery(const std::string& sql) {
  std::vector<std::string_view> statements = engine::SplitStatements(sql);
  bool any = false;
  for (std::string_view statement : statements) {
    if (ClassifyCommand(statement).kind == CommandKind::kEmpty)
      continue;
    any = true;
    Status status = RunSimpleStatement(statement);
    if (!status.ok()) {
      SendError(status);
      if (transaction_status_ == 'T')
        transaction_status_ = 'E';
      break;
    }
    if (out_.size() > kFlushBytes && !Flush().ok())
      return;
  }
  if (!any)
    AppendEmpty(out_, 'I');
  AppendReadyForQuery(out_, transaction_status_);
}

Status Connection::RunSimpleStatement(std::string_view text) {
  Command command = ClassifyCommand(text);
  if (transaction_status_ == 'E' && command.kind != CommandKind::kRollback &&
      command.kind != CommandKind::kCommit) {
    return Status(
        StatusCode::kConflict,
        "current transaction is aborted, commands ignored until end of transaction block");
  }
  std::string tag;
  if (command.kind != CommandKind::kSql) {
    TESSERA_RETURN_NOT_OK(RunCommand(command, text, false, tag));
    AppendCommandComplete(out_, tag);
    return Status::OK();
  }
  auto start = std::chrono::steady_clock::now();
  auto prepared = PrepareStatement(text, {});
  if (!prepared.ok()) {
    Audit(text, 0, start, prepared.status());
    return prepared.status();
  }
  Portal portal;
  portal.prepared = *prepared;
  portal.formats.assign((*prepared)->columns.size(), kTextFormat);
  Status status = StartPortal(portal);
  if (status.ok() && portal.prepared->returns_rows) {
    DescribeRows(portal);
    bool suspended = false;
    status = SendRows(portal, 0, suspended);
  }
  Audit(text, portal.rows_sent, start, status);
  TESSERA_RETURN_NOT_OK(status);
  AppendCommandComplete(out_, portal.tag);
  return Status::OK();
}

Result<std::shared_ptr<Connection::Prepared>> Connection::PrepareStatement(
    std::string_view sql, std::vector<uint32_t> parameter_types) {
  auto prepared = std::make_shared<Prepared>();
  prepared->sql = std::string(sql);
  prepared->command = ClassifyCommand(sql);
  if (prepared->command.kind != CommandKind::kSql) {
    prepared->parameter_types = std::move(parameter_types);
    return prepared;
  }
  std::string text = IsCatalogQuery(sql) ? RewriteCatalogQuery(sql) : std::string(sql);
  TESSERA_ASSIGN_OR_RETURN(prepared->statement, session_->PrepareStatement(text));
  engine::Statement& statement = *prepared->statement;
  prepared->returns_rows = ReturnsRows(statement.type()) && !statement.columns().empty();
  if (prepared->returns_rows) {
    std::vector<duckdb_logical_type> types;
    for (int64_t i = 0; i < static_cast<int64_t>(statement.columns().size()); ++i) {
      types.push_back(statement.column_logical_type(i));
      prepared->names.push_back(statement.columns()[i].name);
      TESSERA_ASSIGN_OR_RETURN(WireColumn column, WireColumnFor(types.back()));
      prepared->columns.push_back(column);
    }
    if (statement.type() == DUCKDB_STATEMENT_TYPE_SELECT) {
      std::string projected = ProjectForWire(text, types);
      if (projected != text) {
        TESSERA_ASSIGN_OR_RETURN(prepared->statement, session_->PrepareStatement(projected));
      }
    }
  }
  int64_t count = prepared->statement->parameter_count();
  if (static_cast<int64_t>(parameter_types.size()) > count)
    parameter_types.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    if (i >= static_cast<int64_t>(parameter_types.size()))
      parameter_types.push_back(0);
    if (parameter_types[i] == 0)
      parameter_types[i] = OidForParameter(prepared->statement->parameter_type(i));
  }
  prepared->parameter_types = std::move(parameter_types);
  return prepared;
}

Status Connection::StartPortal(Portal& portal) {
  if (portal.started)
    return Status::OK();
  portal.started = true;
  portal.start = std::chrono::steady_clock::now();
  Prepared& prepared = *portal.prepared;
  if (prepared.command.kind != CommandKind::kSql) {
    portal.finished = true;
    return RunCommand(prepared.command, prepared.sql, true, portal.tag);
  }
  ArmTimeout();
  auto result = prepared.statement->Execute();
  DisarmTimeout();
  if (!result.ok())
    return result.status();
  portal.result = std::move(*result);
  if (prepared.returns_rows) {
    std::vector<duckdb_logical_type> types;
    for (int64_t i = 0; i < portal.result->column_count(); ++i)
      types.push_back(portal.result->logical_type(i));
    TESSERA_ASSIGN_OR_RETURN(RowEncoder encoder,
                             RowEncoder::Make(prepared.columns, types, portal.formats));
    portal.encoder.emplace(std::move(encoder));
    return Status::OK();
  }
  int64_t rows = 0;
  if (CountsRows(prepared.statement->type()) && portal.result->column_count() > 0) {
    TESSERA_ASSIGN_OR_RETURN(auto chunk, portal.result->Fetch());
    if (chunk != nullptr && chunk->row_count() > 0 && !chunk->IsNull(0, 0))
      rows = chunk->GetInt64(0, 0);
  }
  portal.result.reset();
  portal.finished = true;
  portal.tag = CommandTagFor(prepared.sql, rows);
  Audit(prepared.sql, rows, portal.start, Status::OK());
  return Status::OK();
}

Status Connection::SendRows(Portal& portal, int64_t max_rows, bool& suspended) {
  suspended = false;
  int64_t sent = 0;
  ArmTimeout();
  while (!portal.finished) {
    if (portal.chunk == nullptr || portal.chunk_offset >= portal.chunk->row_count()) {
      auto chunk = portal.result->Fetch();
      if (!chunk.ok()) {
        DisarmTimeout();
        portal.finished = true;
        return chunk.status();
      }
      portal.chunk = std::move(*chunk);
      portal.chunk_offset = 0;
      if (portal.chunk == nullptr) {
        portal.finished = true;
        break;
      }
    }
    int64_t available = portal.chunk->row_count() - portal.chunk_offset;
    int64_t take = max_rows > 0 ? std::min(available, max_rows - sent) : available;
    portal.encoder->AppendDataRows(*portal.chunk, portal.chunk_offset, portal.chunk_offset + take,
                                   out_);
    portal.chunk_offset += take;
    sent += take;
    portal.rows_sent += take;
    if (out_.size() > kFlushBytes && !hold_output_) {
      Status flushed = Flush();
      if (!flushed.ok()) {
        DisarmTimeout();
        return flushed;
      }
    }
    if (max_rows > 0 && sent >= max_rows) {
      // More rows may remain; the client asks again with another Execute.
      suspended = true;
      break;
    }
  }
  DisarmTimeout();
  if (portal.finished)
    portal.tag = CommandTagFor(portal.prepared->sql, portal.rows_sent);
  return Status::OK();
}

void Connection::DescribeRows(const Portal& portal) {
  AppendRowDescription(portal.prepared->names, portal.prepared->columns, portal.formats, out_);
}

Status Connection::RunTransactionVerb(const char* sql) {
  return session_->connection().Execute(sql);
}

Status Connection::RunCommand(const Command& command, std::string_view text, bool extended,
                              std::string& tag) {
  switch (command.kind) {
    case CommandKind::kEmpty:
      tag = "";
      return Status::OK();
    case CommandKind::kBegin:
      tag = "BEGIN";
      if (transaction_status_ != 'I') {
        ErrorFields warning =
            MakeError("WARNING", "25001", "there is already a transaction in progress");
        AppendError(out_, warning, /*notice=*/true);
        return Status::OK();
      }
      TESSERA_RETURN_NOT_OK(RunTransactionVerb("BEGIN TRANSACTION"));
      transaction_status_ = 'T';
      return Status::OK();
    case CommandKind::kCommit:
    case CommandKind::kRollback: {
      bool commit = command.kind == CommandKind::kCommit && transaction_status_ == 'T';
      tag = commit ? "COMMIT" : "ROLLBACK";
      if (transaction_status_ == 'I') {
        ErrorFields warning = MakeError("WARNING", "25P01", "there is no transaction in progress");
        AppendError(out_, warning, /*notice=*/true);
        return Status::OK();
      }
      cursors_.clear();
      Status status = RunTransactionVerb(commit ? "COMMIT" : "ROLLBACK");
      transaction_status_ = 'I';
      if (!commit || !status.ok())
        session_->ForgetAttachedTables();
      // DuckDB already rolled back a failed transaction; ROLLBACK then has nothing to undo.
      if (!commit)
        return Status::OK();
      return status;
    }
    case CommandKind::kSet: {
      tag = "SET";
      TESSERA_RETURN_NOT_OK(settings_->Set(command.name, command.value));
      if (SessionSettings::IsReported(command.name)) {
        auto value = settings_->Show(command.name);
        if (value.ok()) {
          std::string name = command.name;
          for (const auto& [reported, v] : settings_->Reported()) {
            std::string lower = reported;
            for (char& c : lower)
              c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (lower == name)
              name = reported;
          }
          AppendParameterStatus(out_, name, *value);
        }
      }
      return Status::OK();
    }
    case CommandKind::kReset:
      tag = "RESET";
      return settings_->Reset(command.name);
    case CommandKind::kShow: {
      tag = "SHOW";
      std::vector<std::string> names;
      std::vector<std::pair<std::string, std::string>> rows;
      if (command.name == "all") {
        names = {"name", "setting", "description"};
        rows = settings_->All();
      } else {
        TESSERA_ASSIGN_OR_RETURN(std::string value, settings_->Show(command.name));
        names = {command.name};
        rows.emplace_back(command.name, value);
      }
      if (extended)
        return Status::OK();  // Describe answered NoData; nothing to stream
      WireColumn text_column;
      std::vector<WireColumn> columns(names.size(), text_column);
      std::vector<int16_t> formats(names.size(), kTextFormat);
      AppendRowDescription(names, columns, formats, out_);
      for (const auto& [name, value] : rows) {
        MessageWriter writer(out_);
        writer.Begin('D').AddInt16(static_cast<int16_t>(names.size()));
        if (names.size() == 3) {
          for (const std::string& cell : {name, value, std::string()}) {
            writer.AddInt32(static_cast<int32_t>(cell.size())).AddBytes(cell);
          }
        } else {
          writer.AddInt32(static_cast<int32_t>(value.size())).AddBytes(value);
        }
        writer.End();
      }
      tag = "SHOW";
      return Status::OK();
    }
    case CommandKind::kDeclare: {
      tag = "DECLARE CURSOR";
      if (transaction_status_ == 'I' && text.find("WITH HOLD") == std::string_view::npos &&
          text.find("with hold") == std::string_view::npos) {
        return Status(StatusCode::kConflict,
                      "DECLARE CURSOR can only be used in transaction blocks");
      }
      TESSERA_ASSIGN_OR_RETURN(auto prepared, PrepareStatement(command.value, {}));
      if (!prepared->returns_rows)
        return Status::InvalidArgument("cursor can only scan a query that returns rows");
      auto portal = std::make_unique<Portal>();
      portal->prepared = prepared;
      portal->formats.assign(prepared->columns.size(), kTextFormat);
      TESSERA_RETURN_NOT_OK(StartPortal(*portal));
      cursors_[command.name] = std::move(portal);
      return Status::OK();
    }
    case CommandKind::kFetch: {
      auto it = cursors_.find(command.name);
      if (it == cursors_.end())
        return Status::NotFound("cursor \"" + command.name + "\" does not exist");
      Portal& portal = *it->second;
      int64_t before = portal.rows_sent;
      std::string scratch;
      if (!command.move && !extended)
        DescribeRows(portal);
      bool suspended = false;
      int64_t limit = command.count ? *command.count : 0;
      if (command.count && *command.count == 0) {
        tag = std::string(command.move ? "MOVE " : "FETCH ") + "0";
        return Status::OK();
      }
      if (command.move) {
        std::swap(scratch, out_);
        Status status = SendRows(portal, limit, suspended);
        std::swap(scratch, out_);
        TESSERA_RETURN_NOT_OK(status);
      } else {
        TESSERA_RETURN_NOT_OK(SendRows(portal, limit, suspended));
      }
      tag = std::string(command.move ? "MOVE " : "FETCH ") +
            std::to_string(portal.rows_sent - before);
      return Status::OK();
    }
    case CommandKind::kClose:
      tag = "CLOSE CURSOR";
      if (command.name.empty()) {
        cursors_.clear();
        return Status::OK();
      }
      if (cursors_.erase(command.name) == 0)
        return Status::NotFound("cursor \"" + command.name + "\" does not exist");
      return Status::OK();
    case CommandKind::kDiscard:
      tag = command.name == "deallocate" ? "DEALLOCATE"
            : command.name == "discard"  ? "DISCARD ALL"
            : command.name == "listen"   ? "LISTEN"
            : command.name == "unlisten" ? "UNLISTEN"
                                         : "SET";
      return Status::OK();
    case CommandKind::kCopyOut:
      if (extended)
        return Status::Unsupported("COPY TO STDOUT is only supported in a simple Query");
      return RunCopyOut(command, tag);
    case CommandKind::kSql:
      break;
  }
  return Status::Internal("unhandled command");
}

namespace {

// Turn the DataRow messages RowEncoder wrote (text format) into COPY lines: PostgreSQL's text
// format (\N for NULL, backslash escapes) or CSV (empty for NULL, quotes where needed).
void AppendCopyLines(std::string_view rows, const Command& command, std::string& out) {
  MessageReader reader(rows);
  while (reader.remaining() > 0) {
    auto type = reader.ReadBytes(1);
    auto length = reader.ReadInt32();
    auto count = reader.ReadInt16();
    if (!type.ok() || !length.ok() || !count.ok())
      return;
    std::string line;
    for (int16_t column = 0; column < *count; ++column) {
      if (column > 0)
        line += command.delimiter;
      auto size = reader.ReadInt32();
      if (!size.ok())
        return;
      if (*size < 0) {
        if (!command.csv)
          line += "\\N";
        continue;
      }
      auto value = reader.ReadBytes(*size);
      if (!value.ok())
        return;
      if (command.csv) {
        bool quote = value->empty() || value->find_first_of("\"\r\n") != std::string_view::npos ||
                     value->find(command.delimiter) != std::string_view::npos;
        if (!quote) {
          line += *value;
          continue;
        }
        line += '"';
        for (char c : *value) {
          if (c == '"')
            line += '"';
          line += c;
        }
        line += '"';
        continue;
      }
      for (char c : *value) {
        switch (c) {
          case '\\':
            line += "\\\\";
            break;
          case '\n':
            line += "\\n";
            break;
          case '\r':
            line += "\\r";
            break;
          case '\t':
            line += "\\t";
            break;
          default:
            if (c == command.delimiter) {
              line += '\\';
            }
            line += c;
        }
      }
    }
    line += '\n';
    MessageWriter(out).Begin('d').AddBytes(line).End();
  }
}

}  // namespace

Status Connection::RunCopyOut(const Command& command, std::string& tag) {
  TESSERA_ASSIGN_OR_RETURN(auto prepared, PrepareStatement(command.value, {}));
  if (!prepared->returns_rows)
    return Status::InvalidArgument("COPY TO STDOUT needs a query that returns rows");
  Portal portal;
  portal.prepared = prepared;
  portal.formats.assign(prepared->columns.size(), kTextFormat);
  TESSERA_RETURN_NOT_OK(StartPortal(portal));
  MessageWriter writer(out_);
  writer.Begin('H').AddBytes(std::string_view("\0", 1));
  writer.AddInt16(static_cast<int16_t>(prepared->columns.size()));
  for (size_t i = 0; i < prepared->columns.size(); ++i)
    writer.AddInt16(0);
  writer.End();
  if (command.header) {
    std::string line;
    for (size_t i = 0; i < prepared->names.size(); ++i) {
      if (i > 0)
        line += command.delimiter;
      line += prepared->names[i];
    }
    line += '\n';
    MessageWriter(out_).Begin('d').AddBytes(line).End();
  }
  // Encode a chunk at a time into DataRows, then rewrite them as COPY lines.
  std::string rows;
  std::swap(rows, out_);
  Status status = Status::OK();
  hold_output_ = true;
  while (true) {
    size_t mark = out_.size();
    bool suspended = false;
    status = SendRows(portal, 2048, suspended);
    if (!status.ok())
      break;
    hold_output_ = false;
    std::string encoded = out_.substr(mark);
    out_.resize(mark);
    std::swap(rows, out_);
    AppendCopyLines(encoded, command, out_);
    if (out_.size() > kFlushBytes) {
      status = Flush();
      if (!status.ok())
        return status;
    }
    std::swap(rows, out_);
    hold_output_ = true;
    if (!suspended)
      break;
  }
  hold_output_ = false;
  std::swap(rows, out_);
  TESSERA_RETURN_NOT_OK(status);
  AppendEmpty(out_, 'c');
  tag = "COPY " + std::to_string(portal.rows_sent);
  return Status::OK();
}

void Connection::HandleParse(const std::string& body) {
  auto message = ParseParseMessage(body);
  if (!message.ok()) {
    SendError(message.status());
    skip_until_sync_ = true;
    return;
  }
  if (engine::SplitStatements(message->query).size() > 1) {
    ErrorFields error =
        MakeError("ERROR", "42601", "cannot insert multiple commands into a prepared statement");
    AppendError(out_, error);
    skip_until_sync_ = true;
    return;
  }
  CommandKind kind = ClassifyCommand(message->query).kind;
  if (transaction_status_ == 'E' && kind != CommandKind::kRollback &&
      kind != CommandKind::kCommit) {
    SendError(
        Status(StatusCode::kConflict,
               "current transaction is aborted, commands ignored until end of transaction block"));
    skip_until_sync_ = true;
    return;
  }
  auto prepared = PrepareStatement(message->query, message->parameter_types);
  if (!prepared.ok()) {
    SendError(prepared.status());
    skip_until_sync_ = true;
    if (transaction_status_ == 'T')
      transaction_status_ = 'E';
    return;
  }
  if (!message->statement.empty() && statements_.count(message->statement) != 0) {
    ErrorFields error = MakeError(
        "ERROR", "42P05", "prepared statement \"" + message->statement + "\" already exists");
    AppendError(out_, error);
    skip_until_sync_ = true;
    return;
  }
  statements_[message->statement] = *prepared;
  AppendEmpty(out_, '1');
}

void Connection::HandleBind(const std::string& body) {
  auto message = ParseBindMessage(body);
  if (!message.ok()) {
    SendError(message.status());
    skip_until_sync_ = true;
    return;
  }
  auto it = statements_.find(message->statement);
  if (it == statements_.end()) {
    ErrorFields error = MakeError(
        "ERROR", "26000", "prepared statement \"" + message->statement + "\" does not exist");
    AppendError(out_, error);
    skip_until_sync_ = true;
    return;
  }
  std::shared_ptr<Prepared> prepared = it->second;
  auto fail = [&](const std::string& sqlstate, const std::string& text) {
    ErrorFields error = MakeError("ERROR", sqlstate, text);
    AppendError(out_, error);
    skip_until_sync_ = true;
  };
  size_t count = message->parameters.size();
  if (count != prepared->parameter_types.size()) {
    fail("08P01", "bind message supplies " + std::to_string(count) +
                      " parameters, but prepared statement \"" + message->statement +
                      "\" requires " + std::to_string(prepared->parameter_types.size()));
    return;
  }
  const auto& formats = message->parameter_formats;
  if (formats.size() > 1 && formats.size() != count) {
    fail("08P01", "bind message has " + std::to_string(formats.size()) + " parameter formats but " +
                      std::to_string(count) + " parameters");
    return;
  }
  if (prepared->statement) {
    Status cleared = prepared->statement->ClearBindings();
    for (size_t i = 0; i < count && cleared.ok(); ++i) {
      int16_t format = formats.empty()       ? kTextFormat
                       : formats.size() == 1 ? formats[0]
                                             : formats[i];
      std::optional<std::string_view> value;
      if (message->parameters[i])
        value = *message->parameters[i];
      cleared = BindParameter(prepared->statement->handle(), static_cast<idx_t>(i + 1),
                              prepared->parameter_types[i], format, value);
    }
    if (!cleared.ok()) {
      fail("22P03", cleared.message());
      return;
    }
  }
  auto resolved = ResolveFormats(message->result_formats, prepared->columns.size());
  if (!resolved.ok()) {
    fail("08P01", resolved.status().message());
    return;
  }
  auto portal = std::make_unique<Portal>();
  portal->prepared = prepared;
  portal->formats = std::move(*resolved);
  portals_[message->portal] = std::move(portal);
  AppendEmpty(out_, '2');
}

void Connection::HandleDescribe(const std::string& body) {
  auto message = ParseTargetMessage(body);
  if (!message.ok()) {
    SendError(message.status());
    skip_until_sync_ = true;
    return;
  }
  if (message->kind == 'S') {
    auto it = statements_.find(message->name);
    if (it == statements_.end()) {
      ErrorFields error = MakeError("ERROR", "26000",
                                    "prepared statement \"" + message->name + "\" does not exist");
      AppendError(out_, error);
      skip_until_sync_ = true;
      return;
    }
    AppendParameterDescription(out_, it->second->parameter_types);
    if (it->second->returns_rows) {
      std::vector<int16_t> formats(it->second->columns.size(), kTextFormat);
      AppendRowDescription(it->second->names, it->second->columns, formats, out_);
    } else {
      AppendEmpty(out_, 'n');
    }
    return;
  }
  auto it = portals_.find(message->name);
  if (it == portals_.end()) {
    ErrorFields error =
        MakeError("ERROR", "34000", "portal \"" + message->name + "\" does not exist");
    AppendError(out_, error);
    skip_until_sync_ = true;
    return;
  }
  if (it->second->prepared->returns_rows)
    DescribeRows(*it->second);
  else
    AppendEmpty(out_, 'n');
}

void Connection::HandleExecute(const std::string& body) {
  auto message = ParseExecuteMessage(body);
  if (!message.ok()) {
    SendError(message.status());
    skip_until_sync_ = true;
    return;
  }
  auto it = portals_.find(message->portal);
  if (it == portals_.end()) {
    ErrorFields error =
        MakeError("ERROR", "34000", "portal \"" + message->portal + "\" does not exist");
    AppendError(out_, error);
    skip_until_sync_ = true;
    return;
  }
  Portal& portal = *it->second;
  auto fail = [&](const Status& status) {
    Audit(portal.prepared->sql, portal.rows_sent, portal.start, status);
    SendError(status);
    skip_until_sync_ = true;
    if (transaction_status_ == 'T')
      transaction_status_ = 'E';
  };
  if (transaction_status_ == 'E' && portal.prepared->command.kind != CommandKind::kRollback &&
      portal.prepared->command.kind != CommandKind::kCommit) {
    fail(Status(StatusCode::kConflict,
                "current transaction is aborted, commands ignored until end of transaction block"));
    return;
  }
  bool was_started = portal.started;
  Status status = StartPortal(portal);
  if (!status.ok()) {
    fail(status);
    return;
  }
  if (!portal.prepared->returns_rows) {
    if (was_started && portal.tag.empty())
      portal.tag = "SELECT 0";
    if (portal.prepared->command.kind == CommandKind::kEmpty)
      AppendEmpty(out_, 'I');
    else
      AppendCommandComplete(out_, portal.tag);
    return;
  }
  bool suspended = false;
  status = SendRows(portal, message->max_rows, suspended);
  if (!status.ok()) {
    fail(status);
    return;
  }
  if (suspended) {
    AppendEmpty(out_, 's');
    return;
  }
  Audit(portal.prepared->sql, portal.rows_sent, portal.start, Status::OK());
  AppendCommandComplete(out_, portal.tag);
}

void Connection::HandleClose(const std::string& body) {
  auto message = ParseTargetMessage(body);
  if (!message.ok()) {
    SendError(message.status());
    skip_until_sync_ = true;
    return;
  }
  if (message->kind == 'S')
    statements_.erase(message->name);
  else
    portals_.erase(message->name);
  AppendEmpty(out_, '3');
}

void Connection::HandleSync() {
  skip_until_sync_ = false;
  // The unnamed portal lives until the next Bind or the end of the transaction; named portals
  // until the transaction ends.
  if (transaction_status_ == 'I')
    portals_.clear();
  AppendReadyForQuery(out_, transaction_status_);
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
