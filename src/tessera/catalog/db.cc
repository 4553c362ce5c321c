#include "tessera/catalog/db.h"

#include <sqlite3.h>

#include <filesystem>

namespace tessera::catalog {
namespace {

Status MapError(int rc, const char* message, std::string_view context) {
  std::string text = std::string(context) + (context.empty() ? "" : ": ") + message;
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Conflict(text + " (another connection or process holds the write lock)");
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return Status::AlreadyExists(text);
      // A referenced row deleted by a concurrent writer.
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return Status::Conflict(text);
      return Status::InvalidArgument(text);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(text);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
      return Status::IoError(text);
    case SQLITE_INTERRUPT:
      return Status::Cancelled(text);
    case SQLITE_ERROR:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
      return Status::InvalidArgument(text);
    default:
      return Status::Internal(text);
  }
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_status_(std::move(other.bind_status_)) {
  other.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) {
      auto lock = db_->Lock();
      sqlite3_finalize(stmt_);
    }
    db_ = other.db_;
    stmt_ = other.stmt_;
    bind_status_ = std::move(other.bind_status_);
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    auto lock = db_->Lock();
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  auto lock = db_->Lock();
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->Error(rc, "binding parameter " + std::to_string(index));
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  auto lock = db_->Lock();
  // SQLITE_TRANSIENT: SQLite copies the bytes, so `value` need not outlive the statement.
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->Error(rc, "binding parameter " + std::to_string(index));
  return *this;
}

Statement& Statement::BindNull(int index) {
  auto lock = db_->Lock();
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->Error(rc, "binding parameter " + std::to_string(index));
  return *this;
}

Statement& Statement::BindOpt(int index, const std::optional<int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindOpt(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : BindNull(index);
}

Result<bool> Statement::Step() {
  if (!bind_status_.ok())
    return bind_status_;
  auto lock = db_->Lock();
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  Status error = db_->Error(rc, "");
  // Leave the statement ready to run again; the error is already captured.
  sqlite3_reset(stmt_);
  return error;
}

Status Statement::Run() {
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, Step());
    if (!row)
      return Status::OK();
  }
}

int64_t Statement::ColumnInt64(int index) const { return sqlite3_column_int64(stmt_, index); }

double Statement::ColumnDouble(int index) const { return sqlite3_column_double(stmt_, index); }

std::string Statement::ColumnText(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  int size = sqlite3_column_bytes(stmt_, index);
  if (text == nullptr)
    return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::optional<int64_t> Statement::ColumnOptInt64(int index) const {
  if (ColumnIsNull(index))
    return std::nullopt;
  return ColumnInt64(index);
}

std::optional<std::string> Statement::ColumnOptText(int index) const {
  if (ColumnIsNull(index))
    return std::nullopt;
  return ColumnText(index);
}

void Statement::Reset() {
  auto lock = db_->Lock();
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = Status::OK();
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, DbOptions options) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec)
      return Status::IoError("creating " + parent.string() + ": " + ec.message());
  }
  sqlite3* handle = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status =
        MapError(rc, handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc), "opening " + path);
    sqlite3_close_v2(handle);
    return status;
  }
  std::unique_ptr<Db> db(new Db(handle, path));
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, static_cast<int>(options.busy_timeout.count()));
  // WAL lets the node read while a CLI command writes; NORMAL sync is durable at checkpoints
  // and never corrupts in WAL mode.
  TESSERA_RETURN_NOT_OK_CTX(db->Exec("PRAGMA journal_mode=WAL"), "opening " + path);
  TESSERA_RETURN_NOT_OK_CTX(db->Exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL"),
                            "opening " + path);
  TESSERA_ASSIGN_OR_RETURN(Statement mode, db->Prepare("PRAGMA journal_mode"));
  TESSERA_ASSIGN_OR_RETURN(bool row, mode.Step());
  if (!row || mode.ColumnText(0) != "wal")
    return Status::IoError("opening " + path + ": cannot switch to WAL mode");
  return db;
}

Db::~Db() { sqlite3_close_v2(handle_); }

Status Db::Error(int rc, std::string_view context) const {
  return MapError(rc, sqlite3_errmsg(handle_), context);
}

Status Db::Exec(std::string_view sql) {
  auto lock = Lock();
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(handle_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK)
    return Status::OK();
  Status status = MapError(rc, message ? message : sqlite3_errstr(rc), "");
  sqlite3_free(message);
  return status;
}

Result<Statement> Db::Prepare(std::string_view sql) {
  auto lock = Lock();
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(handle_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK)
    return Error(rc, "preparing statement");
  if (stmt == nullptr)
    return Status::InvalidArgument("preparing statement: empty SQL");
  return Statement(this, stmt);
}

int64_t Db::LastInsertRowId() {
  auto lock = Lock();
  return sqlite3_last_insert_rowid(handle_);
}

int64_t Db::Changes() {
  auto lock = Lock();
  return sqlite3_changes64(handle_);
}

Result<Transaction> Transaction::Begin(Db& db) {
  auto lock = db.Lock();
  TESSERA_RETURN_NOT_OK_CTX(db.Exec("BEGIN IMMEDIATE"), "beginning a transaction");
  return Transaction(&db, std::move(lock));
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(other.db_), lock_(std::move(other.lock_)), open_(other.open_) {
  other.open_ = false;
}

Transaction::~Transaction() {
  if (open_)
    (void)db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  open_ = false;
  Status status = db_->Exec("COMMIT");
  if (!status.ok()) {
    // A failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open: end it.
    (void)db_->Exec("ROLLBACK");
    return status.WithContext("committing");
  }
  lock_.unlock();
  return Status::OK();
}

Status Migrate(Db& db, std::string_view component, const std::vector<std::string>& steps) {
  std::string where = "migrating the " + std::string(component) + " schema";
  TESSERA_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  TESSERA_RETURN_NOT_OK_CTX(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_versions ("
              " component TEXT NOT NULL,"
              " version INTEGER NOT NULL,"
              " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')),"
              " PRIMARY KEY (component, version))"),
      where);
  TESSERA_ASSIGN_OR_RETURN(
      Statement current,
      db.Prepare("SELECT coalesce(max(version), 0) FROM schema_versions WHERE component = ?"));
  current.Bind(1, component);
  TESSERA_ASSIGN_OR_RETURN(bool row, current.Step());
  int64_t version = row ? current.ColumnInt64(0) : 0;
  current.Reset();
  if (version > static_cast<int64_t>(steps.size())) {
    return Status::Unsupported(where + ": " + db.path() + " has schema version " +
                               std::to_string(version) + ", this tessera knows up to " +
                               std::to_string(steps.size()) + " (written by a newer tessera?)");
  }
  TESSERA_ASSIGN_OR_RETURN(
      Statement record,
      db.Prepare("INSERT INTO schema_versions(component, version) VALUES (?, ?)"));
  for (size_t i = static_cast<size_t>(version); i < steps.size(); ++i) {
    std::string step_context = where + " to version " + std::to_string(i + 1);
    TESSERA_RETURN_NOT_OK_CTX(db.Exec(steps[i]), step_context);
    record.Reset();
    record.Bind(1, component).Bind(2, static_cast<int64_t>(i + 1));
    TESSERA_RETURN_NOT_OK_CTX(record.Run(), step_context);
  }
  return txn.Commit();
}

}  // namespace tessera::catalog
