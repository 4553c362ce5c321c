#include <algorithm>

#include "tessera/engine/sql_text.h"
#include "tessera/ports/pgwire/catalog_emulation.h"
#include "tessera/ports/pgwire/connection_internal.h"
#include "tessera/ports/pgwire/parameter_decoder.h"
#include "tessera/ports/pgwire/sqlstate.h"

// The simple and extended query protocols: statements, portals, streaming rows.

namespace tessera::ports::pgwire {

namespace internal {

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

}  // namespace internal

using internal::CountsRows;
using internal::kFlushBytes;
using internal::OidForParameter;
using internal::ReturnsRows;

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
    TESSERA_RETURN_NOT_OK(RunCommand(command, false, tag));
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
    if (prepared->command.kind == CommandKind::kShow) {
      // SHOW returns rows of text on the extended protocol too (pgjdbc's executeQuery).
      prepared->names = prepared->command.name == "all"
                            ? std::vector<std::string>{"name", "setting", "description"}
                            : std::vector<std::string>{prepared->command.name};
      prepared->columns.assign(prepared->names.size(), WireColumn{});
      prepared->returns_rows = true;
    }
    return prepared;
  }
  TESSERA_RETURN_NOT_OK(RefreshSettingsCatalog(sql));
  std::string text = IsCatalogQuery(sql) ? RewriteCatalogQuery(sql) : std::string(sql);
  TESSERA_ASSIGN_OR_RETURN(prepared->statement, session_->PrepareStatement(text));
  engine::Statement& statement = *prepared->statement;
  prepared->returns_rows = ReturnsRows(statement.type()) && !statement.columns().empty();
  if (prepared->returns_rows) {
    std::vector<duckdb_logical_type> types;
    for (int64_t i = 0; i < static_cast<int64_t>(statement.columns().size()); ++i) {
      types.push_back(statement.column_logical_type(i));
      prepared->names.push_back(PostgresColumnName(statement.columns()[i].name));
      TESSERA_ASSIGN_OR_RETURN(WireColumn column, WireColumnFor(types.back()));
      prepared->columns.push_back(column);
    }
    if (statement.type() == DUCKDB_STATEMENT_TYPE_SELECT) {
      std::string projected = ProjectForWire(text, types);
      if (projected != text) {
        TESSERA_ASSIGN_OR_RETURN(prepared->statement, session_->PrepareStatement(projected, text));
      }
    }
  }
  if (begin_pending_) {
    // The views this statement needs exist now (created outside any transaction): the
    // client's transaction starts here, before the statement runs.
    TESSERA_RETURN_NOT_OK(RunTransactionVerb("BEGIN TRANSACTION"));
    begin_pending_ = false;
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
    return RunCommand(prepared.command, true, portal.tag);
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
                             RowEncoder::Make(prepared.columns, types, portal.formats, zone_));
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
    if (out_.size() > kFlushBytes) {
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
  const Prepared& described = *it->second->prepared;
  if (described.returns_rows && described.command.kind != CommandKind::kSql) {
    AppendRowDescription(described.names, described.columns, it->second->formats, out_);
  } else if (described.returns_rows) {
    DescribeRows(*it->second);
  } else {
    AppendEmpty(out_, 'n');
  }
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
  if (!portal.prepared->returns_rows || portal.prepared->command.kind != CommandKind::kSql) {
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
    // pgjdbc with a fetch size reads a portal in pieces and may run other statements between
    // them: hold the rest then, up to a bound.
    if (portal.result)
      portal.result->KeepAcrossStatements(internal::kMaxHeldValues);
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

}  // namespace tessera::ports::pgwire
