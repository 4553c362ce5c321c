#include <cctype>

#include "tessera/common/strings.h"
#include "tessera/ports/pgwire/connection_internal.h"
#include "tessera/ports/pgwire/session_settings.h"

// What the port answers itself: transactions, settings, cursors, COPY TO STDOUT.

namespace tessera::ports::pgwire {

using internal::kFlushBytes;

Status Connection::RunTransactionVerb(const char* sql) {
  return session_->connection().Execute(sql);
}

Status Connection::RefreshSettingsCatalog(std::string_view sql) {
  if (catalog_settings_version_ == settings_->version())
    return Status::OK();
  if (!ContainsNoCase(sql, "pg_settings") && !ContainsNoCase(sql, "current_setting"))
    return Status::OK();
  std::string rows;
  for (const auto& [name, value] : settings_->All()) {
    rows += rows.empty() ? "(" : ", (";
    rows += QuoteLiteral(name) + ", " + QuoteLiteral(value) + ")";
  }
  // PostgreSQL's columns that tools select; what tessera does not know is NULL.
  TESSERA_RETURN_NOT_OK(session_->connection().Execute(
      "CREATE OR REPLACE TEMP TABLE pg_settings AS SELECT name, setting, NULL::VARCHAR AS unit, "
      "'tessera' AS category, NULL::VARCHAR AS short_desc, 'user' AS context, "
      "'string' AS vartype, 'session' AS source, NULL::VARCHAR AS boot_val, "
      "NULL::VARCHAR AS reset_val FROM (VALUES " +
      rows + ") t(name, setting)"));
  catalog_settings_version_ = settings_->version();
  return Status::OK();
}

Status Connection::ApplyTimeZone(bool report) {
  TESSERA_ASSIGN_OR_RETURN(std::string name, settings_->Show("TimeZone"));
  if (zone_ && zone_->name() == name)
    return Status::OK();
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<SessionZone> zone, SessionZone::Open(name));
  // DuckDB computes in it too (casts to date, date_trunc, text parameters without an offset),
  // as PostgreSQL does in the session's zone.
  TESSERA_RETURN_NOT_OK(session_->connection().Execute("SET TimeZone = " + QuoteLiteral(name)));
  zone_ = std::move(zone);
  if (report)
    AppendParameterStatus(out_, "TimeZone", name);
  return Status::OK();
}

Status Connection::RunCommand(const Command& command, bool extended, std::string& tag) {
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
      begin_pending_ = true;  // started by PrepareStatement (connection.h)
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
      // Cursors end with their transaction, except WITH HOLD ones after a COMMIT: those keep
      // their rest, which the COMMIT computes (as PostgreSQL materializes them then). A
      // ROLLBACK removes the held cursors this transaction declared.
      for (auto it = cursors_.begin(); it != cursors_.end();) {
        bool keep = it->second->holdable && (commit || it->second->held_before);
        if (keep)
          it->second->held_before = true;
        it = keep ? std::next(it) : cursors_.erase(it);
      }
      Status status =
          begin_pending_ ? Status::OK() : RunTransactionVerb(commit ? "COMMIT" : "ROLLBACK");
      begin_pending_ = false;
      transaction_status_ = 'I';
      if (!commit || !status.ok()) {
        session_->ForgetAttachedTables();
        catalog_settings_version_ = -1;  // a rewrite inside the transaction is undone
      }
      // DuckDB already rolled back a failed transaction; ROLLBACK then has nothing to undo.
      if (!commit)
        return Status::OK();
      return status;
    }
    case CommandKind::kSet: {
      tag = "SET";
      if (command.name == "timezone") {
        // A zone the settings accept but DuckDB refuses leaves everything as it was.
        TESSERA_ASSIGN_OR_RETURN(std::string before, settings_->Show("TimeZone"));
        TESSERA_RETURN_NOT_OK(settings_->Set(command.name, command.value));
        Status applied = ApplyTimeZone(/*report=*/true);
        if (!applied.ok())
          (void)settings_->Set("TimeZone", before);
        return applied;
      }
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
      TESSERA_RETURN_NOT_OK(settings_->Reset(command.name));
      return ApplyTimeZone(/*report=*/true);
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
      // On the extended protocol Describe sent the RowDescription; Execute sends only rows
      // (text bytes: the same in both formats for a text column).
      if (!extended) {
        WireColumn text_column;
        std::vector<WireColumn> columns(names.size(), text_column);
        std::vector<int16_t> formats(names.size(), kTextFormat);
        AppendRowDescription(names, columns, formats, out_);
      }
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
      if (transaction_status_ == 'I' && !command.hold) {
        return Status(StatusCode::kConflict,
                      "DECLARE CURSOR can only be used in transaction blocks");
      }
      TESSERA_ASSIGN_OR_RETURN(auto prepared, PrepareStatement(command.value, {}));
      if (!prepared->returns_rows)
        return Status::InvalidArgument("cursor can only scan a query that returns rows");
      auto portal = std::make_unique<Portal>();
      portal->prepared = prepared;
      portal->formats.assign(prepared->columns.size(), kTextFormat);
      portal->holdable = command.hold;
      TESSERA_RETURN_NOT_OK(StartPortal(*portal));
      // The client may run other statements between its FETCHes (psycopg2 named cursors beside
      // ordinary ones): the rest is then held in memory, up to a bound.
      if (portal->result)
        portal->result->KeepAcrossStatements(internal::kMaxHeldValues);
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
            : command.name == "discard"  ? "DISCARD " + ToUpper(command.value)
            : command.name == "listen"   ? "LISTEN"
            : command.name == "unlisten" ? "UNLISTEN"
                                         : "SET";
      if (command.name == "discard" && command.value == "all") {
        // What a pooler (PgBouncer's server_reset_query) sends between two clients: the session
        // as new, settings, cursors and prepared statements.
        if (transaction_status_ != 'I') {
          return Status(StatusCode::kConflict, "DISCARD ALL cannot run inside a transaction block");
        }
        TESSERA_RETURN_NOT_OK(settings_->Reset("all"));
        cursors_.clear();
        statements_.clear();
        return ApplyTimeZone(/*report=*/true);
      }
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
  CopyFormat format;
  format.csv = command.csv;
  format.delimiter = command.delimiter;
  std::string lines;
  if (command.header) {
    for (size_t i = 0; i < prepared->names.size(); ++i) {
      if (i > 0)
        lines += command.delimiter;
      lines += prepared->names[i];
    }
    lines += '\n';
  }
  // Rows go out in CopyData messages of about 64 KiB: the protocol lets CopyData split the
  // stream anywhere, and fewer, larger messages cost clients less than one per row.
  auto ship = [&]() -> Status {
    if (!lines.empty()) {
      MessageWriter(out_).Begin('d').AddBytes(lines).End();
      lines.clear();
    }
    return out_.size() > kFlushBytes ? Flush() : Status::OK();
  };
  ArmTimeout();
  Status status = Status::OK();
  while (status.ok()) {
    auto chunk = portal.result->Fetch();
    if (!chunk.ok()) {
      status = chunk.status();
      break;
    }
    if (*chunk == nullptr)
      break;
    status = portal.encoder->AppendCopyLines(**chunk, 0, (*chunk)->row_count(), format, lines);
    portal.rows_sent += (*chunk)->row_count();
    if (status.ok() && lines.size() >= (64 << 10))
      status = ship();
  }
  DisarmTimeout();
  TESSERA_RETURN_NOT_OK(status);
  TESSERA_RETURN_NOT_OK(ship());
  AppendEmpty(out_, 'c');
  tag = "COPY " + std::to_string(portal.rows_sent);
  return Status::OK();
}

}  // namespace tessera::ports::pgwire
