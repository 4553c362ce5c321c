#include "tessera/access/query_gateway.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>
#include <set>
#include <tuple>

#include "tessera/access/access_store.h"
#include "tessera/access/audit_log.h"
#include "tessera/access/catalog_tables.h"
#include "tessera/common/logging.h"
#include "tessera/common/random.h"
#include "tessera/common/strings.h"
#include "tessera/engine/delta_functions.h"
#include "tessera/engine/scan_hints.h"
#include "tessera/engine/sql_text.h"
#include "tessera/storage/local_storage.h"

namespace tessera::access {
namespace {

std::string LowerWithoutQuotes(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  for (char c : sql) {
    if (c != '"')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Statements that need the whole visible catalog rather than the tables they name.
bool LooksAtCatalog(const std::string& lower_sql) {
  for (const char* marker :
       {"information_schema", "duckdb_", "pg_", "show", "describe", "summarize", "regclass"}) {
    if (lower_sql.find(marker) != std::string::npos)
      return true;
  }
  return false;
}

// A non-admin principal reads; everything else (writes, DDL, ATTACH, COPY, SET, LOAD, PRAGMA)
// needs an admin. The sandbox keeps files out of reach either way; this keeps the session's
// own database and settings unchanged too.
bool ReadOnlyStatement(duckdb_statement_type type) {
  return type == DUCKDB_STATEMENT_TYPE_SELECT || type == DUCKDB_STATEMENT_TYPE_EXPLAIN;
}

// DuckDB names a missing table, schema or catalog in several ways; to a principal they are all
// one thing, a relation that does not exist (an ungranted table must look exactly like this).
// Refusals by the sandbox become kPermissionDenied.
Status AsMissingRelation(Status status) {
  static const std::regex kMissing(
      R"re((?:Table with name|Catalog|Schema with name|Catalog with name) "?([^"!\s]+)"? does not exist)re");
  std::smatch match;
  const std::string& message = status.message();
  if (status.ok())
    return status;
  // The sandbox (DuckDB's "Permission Error") and ConfinedStorage ("permission denied") refuse
  // inside DuckDB, which reports them as other errors: every port must see kPermissionDenied.
  if (message.find("Permission Error") != std::string::npos ||
      message.find("permission denied") != std::string::npos) {
    return Status::PermissionDenied(message);
  }
  if (!std::regex_search(message, match, kMissing))
    return status;
  return Status::NotFound("relation \"" + match[1].str() + "\" does not exist");
}

}  // namespace

QuerySession::~QuerySession() {
  connection_.reset();
  reader_.reset();
  database_.reset();
  if (!scratch_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(scratch_dir_, ignored);
  }
}

std::vector<std::string> QuerySession::visible_domains() const {
  std::vector<std::string> domains;
  for (const engine::TableName& t : visible_tables_) {
    if (domains.empty() || domains.back() != t.domain)
      domains.push_back(t.domain);
  }
  return domains;
}

Status QuerySession::AttachTablesFor(std::string_view sql) {
  std::string lower = LowerWithoutQuotes(sql);
  bool everything = LooksAtCatalog(lower);
  std::string ddl;
  std::vector<std::string> added;
  for (const engine::TableName& t : visible_tables_) {
    std::string name = t.ToString();
    if (attached_.count(name) != 0)
      continue;
    if (!everything && lower.find(t.table) == std::string::npos)
      continue;
    ddl += "CREATE OR REPLACE VIEW " + QuoteIdentifier(t.domain) + "." +
           QuoteIdentifier(t.product) + "." + QuoteIdentifier(t.table) + " AS ";
    if (auto view = extension_views_.find(name); view != extension_views_.end()) {
      ddl += view->second + ";\n";
    } else {
      ddl += "FROM memory.main." + engine::DeltaScanCall(data_dir_, t, &pins_) + ";\n";
    }
    added.push_back(name);
  }
  if (ddl.empty())
    return Status::OK();
  engine::ScopedViewDefinition defining;
  Status status = connection_->Execute(ddl);
  if (!status.ok())
    return status.WithContext("opening the tables the query names");
  attached_.insert(added.begin(), added.end());
  return Status::OK();
}

Status QuerySession::Prepare(std::string_view sql) {
  // Creating the views binds them (a mounted table asks its server): with the same hints as
  // the statement's own binding, or the server would be asked for every file first.
  engine::ScopedScanHints hints(engine::ExtractScanHints(*connection_, sql, data_dir_));
  TESSERA_RETURN_NOT_OK(AttachTablesFor(sql));
  if (principal_.admin)
    return Status::OK();
  for (std::string_view statement : engine::SplitStatements(sql)) {
    auto prepared = engine::Statement::Prepare(*connection_, statement);
    if (!prepared.ok())
      return AsMissingRelation(prepared.status());
    if (!ReadOnlyStatement((*prepared)->type())) {
      return Status::PermissionDenied("permission denied: principal \"" + principal_.name +
                                      "\" may only run queries (SELECT)");
    }
  }
  return Status::OK();
}

Result<std::unique_ptr<engine::Statement>> QuerySession::PrepareStatement(
    std::string_view statement, std::optional<std::string_view> hints_from) {
  // For exactly this statement's binding (views included) and its executions (DuckDB may bind
  // again then): another statement never sees them.
  std::optional<engine::ScanHints> extracted =
      engine::ExtractScanHints(*connection_, hints_from.value_or(statement), data_dir_);
  engine::ScopedScanHints hints(extracted);
  TESSERA_RETURN_NOT_OK(AttachTablesFor(statement));
  auto prepared_or = engine::Statement::Prepare(*connection_, statement);
  if (!prepared_or.ok())
    return AsMissingRelation(prepared_or.status());
  std::unique_ptr<engine::Statement> prepared = std::move(*prepared_or);
  prepared->set_scan_hints(std::move(extracted));
  if (!principal_.admin && !ReadOnlyStatement(prepared->type())) {
    return Status::PermissionDenied("permission denied: principal \"" + principal_.name +
                                    "\" may only run queries (SELECT)");
  }
  return prepared;
}

Result<std::unique_ptr<engine::QueryResult>> QuerySession::Query(std::string_view sql) {
  std::vector<std::string_view> statements = engine::SplitStatements(sql);
  if (statements.empty())
    return Status::InvalidArgument("no SQL statement to run");
  for (size_t i = 0; i + 1 < statements.size(); ++i) {
    TESSERA_ASSIGN_OR_RETURN(auto prepared, PrepareStatement(statements[i]));
    TESSERA_ASSIGN_OR_RETURN(auto result, prepared->Execute());
    while (true) {
      TESSERA_ASSIGN_OR_RETURN(auto chunk, result->Fetch());
      if (chunk == nullptr)
        break;
    }
  }
  TESSERA_ASSIGN_OR_RETURN(auto prepared, PrepareStatement(statements.back()));
  return prepared->Execute();
}

void QuerySession::Audit(std::string_view sql, const QueryOutcome& outcome) {
  if (audit_ == nullptr)
    return;
  AuditEvent event;
  event.principal = principal_.name;
  event.port = port_;
  event.sql = std::string(sql);
  event.rows = outcome.rows;
  event.duration_us = outcome.duration.count();
  event.status = outcome.status.ok() ? "ok" : "error";
  event.error = outcome.status.ok() ? "" : outcome.status.message();
  Status status = audit_->Record(event);
  if (!status.ok())
    Log(LogLevel::kWarn, "audit log: " + status.message());
}

QueryGateway::QueryGateway(AccessStore& store, AuditLog& audit, std::string data_dir,
                           SessionLimits limits)
    : store_(store), audit_(audit), data_dir_(std::move(data_dir)), limits_(std::move(limits)) {}

Result<std::unique_ptr<QuerySession>> QueryGateway::Open(const Principal& principal,
                                                         std::string port) {
  std::unique_ptr<QuerySession> session(new QuerySession());
  session->principal_ = principal;
  session->port_ = std::move(port);
  session->data_dir_ = data_dir_;
  session->audit_ = &audit_;

  TESSERA_ASSIGN_OR_RETURN(std::vector<engine::TableName> tables, engine::ListTables(data_dir_));
  if (products_ != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(session->pins_, products_->Pins());
    engine::KeepVisible(session->pins_, tables);
  }
  std::vector<std::string> grants;
  if (principal.admin) {
    session->visible_tables_ = std::move(tables);
  } else {
    TESSERA_ASSIGN_OR_RETURN(grants, store_.Grants(principal.name));
    for (engine::TableName& t : tables) {
      if (GrantCovers(grants, t.domain, t.product, t.table))
        session->visible_tables_.push_back(std::move(t));
    }
  }
  // Extension tables (mounts), under the same grants; a name a local table has stays local.
  std::set<std::string> local;
  for (const engine::TableName& t : session->visible_tables_)
    local.insert(t.domain);
  std::vector<std::string> extension_roots;
  for (SessionExtension* extension : extensions_) {
    TESSERA_ASSIGN_OR_RETURN(std::vector<ExtensionTable> offered, extension->Tables());
    for (ExtensionTable& t : offered) {
      if (local.count(t.name.domain) != 0)
        continue;
      if (!principal.admin && !GrantCovers(grants, t.name.domain, t.name.product, t.name.table))
        continue;
      session->extension_views_[t.name.ToString()] = std::move(t.view_sql);
      extension_roots.push_back(std::move(t.read_root));
      session->visible_tables_.push_back(std::move(t.name));
    }
  }
  std::sort(session->visible_tables_.begin(), session->visible_tables_.end(),
            [](const engine::TableName& a, const engine::TableName& b) {
              return std::tie(a.domain, a.product, a.table) <
                     std::tie(b.domain, b.product, b.table);
            });
  std::sort(extension_roots.begin(), extension_roots.end());
  extension_roots.erase(std::unique(extension_roots.begin(), extension_roots.end()),
                        extension_roots.end());

  // The session's own folder: DuckDB spills there when over its memory limit, and ports write
  // result files there; it is removed with the session.
  session->scratch_dir_ = data_dir_ + "/tmp/session-" + RandomUuid();
  std::error_code error;
  std::filesystem::create_directories(session->scratch_dir_, error);
  if (error)
    return Status::IoError("cannot create " + session->scratch_dir_ + ": " + error.message());

  engine::DatabaseOptions options;
  options.threads = limits_.threads;
  options.memory_limit = limits_.memory_limit;
  options.temp_directory =
      limits_.temp_directory.empty() ? session->scratch_dir_ + "/spill" : limits_.temp_directory;
  // Sessions never download extensions: the ones tessera needs are built into DuckDB, and a
  // node without internet would otherwise stall on an unknown function name.
  options.settings["autoinstall_known_extensions"] = "false";
  TESSERA_ASSIGN_OR_RETURN(session->database_, engine::Database::Open(options));
  TESSERA_ASSIGN_OR_RETURN(session->connection_, engine::Connection::Open(*session->database_));
  session->reader_ = std::make_unique<engine::DuckdbCheckpointReader>(*session->database_);
  engine::Connection& connection = *session->connection_;
  TESSERA_RETURN_NOT_OK(connection.Execute("SET TimeZone = 'UTC'"));
  storage::Storage* delta_storage = &storage::LocalStorage::Instance();
  if (!principal.admin) {
    std::vector<std::string> roots = extension_roots;
    for (const engine::TableName& t : session->visible_tables_) {
      if (session->extension_views_.count(t.ToString()) == 0)
        roots.push_back(engine::TableRoot(data_dir_, t));
    }
    session->confined_storage_ =
        std::make_unique<ConfinedStorage>(storage::LocalStorage::Instance(), std::move(roots));
    delta_storage = session->confined_storage_.get();
  }
  TESSERA_RETURN_NOT_OK(
      engine::RegisterDeltaFunctions(connection.handle(), *delta_storage, *session->reader_));
  for (SessionExtension* extension : extensions_)
    TESSERA_RETURN_NOT_OK(extension->Register(connection));
  if (products_ != nullptr) {
    // The catalog's own tables (tessera.products, ...), only the products whose tables the
    // principal may see.
    std::set<std::string> visible;
    for (const engine::TableName& t : session->visible_tables_)
      visible.insert(t.domain + "." + t.product);
    TESSERA_RETURN_NOT_OK(RegisterCatalogTables(
        connection, *products_,
        [visible = std::move(visible)](const std::string& domain, const std::string& name) {
          return visible.count(domain + "." + name) != 0;
        }));
  }

  // Catalogs and schemas up front: ATTACH cannot run inside a client's transaction, views can.
  std::string setup;
  std::string last_domain;
  std::string last_schema;
  for (const engine::TableName& t : session->visible_tables_) {
    if (t.domain != last_domain)
      setup += "ATTACH ':memory:' AS " + QuoteIdentifier(t.domain) + ";\n";
    if (t.domain != last_domain || t.product != last_schema) {
      setup +=
          "CREATE SCHEMA " + QuoteIdentifier(t.domain) + "." + QuoteIdentifier(t.product) + ";\n";
    }
    last_domain = t.domain;
    last_schema = t.product;
  }
  if (!principal.admin) {
    std::string allowed = QuoteLiteral(session->scratch_dir_ + "/");
    for (const engine::TableName& t : session->visible_tables_) {
      if (session->extension_views_.count(t.ToString()) != 0)
        continue;
      allowed += ", ";
      allowed += QuoteLiteral(engine::TableRoot(data_dir_, t) + "/");
    }
    for (const std::string& root : extension_roots) {
      allowed += ", ";
      allowed += QuoteLiteral(root + "/");
    }
    setup += "SET allowed_directories = [" + allowed + "];\n";
    setup += "SET enable_external_access = false;\n";
  }
  if (!setup.empty())
    TESSERA_RETURN_NOT_OK(connection.Execute(setup));
  return session;
}

}  // namespace tessera::access
