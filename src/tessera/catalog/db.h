#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tessera::catalog {

class Db;

/// Options for Db::Open.
struct DbOptions {
  /// How long a statement waits for another connection's (or process's) write lock before it
  /// fails with kConflict.
  std::chrono::milliseconds busy_timeout{5000};
};

/// A prepared SQLite statement. Bind errors are remembered and returned by the next Step, so
/// binds chain: `stmt.Bind(1, name).Bind(2, id)`. Belongs to one thread at a time; must not
/// outlive its Db. Finalized on destruction.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  /// Bind parameter `index` (1-based) to an integer, a text value or NULL.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view value);
  Statement& BindNull(int index);
  /// Bind an optional value: NULL when empty.
  Statement& BindOpt(int index, const std::optional<int64_t>& value);
  Statement& BindOpt(int index, const std::optional<std::string>& value);

  /// Advance to the next row. Return true when a row is available, false when the statement is
  /// done. Return the first bind error, or the SQLite error mapped as in Db (kConflict when the
  /// database stays locked, kAlreadyExists for a uniqueness violation, kCorruption, kIoError).
  Result<bool> Step();
  /// Step until done, for statements without results. Same errors as Step.
  Status Run();

  /// Column accessors for the current row; `index` is 0-based. NULL reads as 0 or "".
  int64_t ColumnInt64(int index) const;
  double ColumnDouble(int index) const;
  std::string ColumnText(int index) const;
  bool ColumnIsNull(int index) const;
  std::optional<int64_t> ColumnOptInt64(int index) const;
  std::optional<std::string> ColumnOptText(int index) const;

  /// Reset to run again, clearing bindings and any remembered bind error.
  void Reset();

 private:
  friend class Db;
  Statement(Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  Db* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  Status bind_status_;
};

/// One connection to a SQLite database file (the node's `<data-dir>/catalog.db`), in WAL mode
/// with foreign keys on. Several processes may open the same file at once (the node and CLI
/// commands): writers wait up to `busy_timeout` for each other.
///
/// Thread-safe: one Db may be shared by several threads. Every SQLite call is serialized by an
/// internal recursive mutex, and a Transaction holds that mutex from BEGIN to its end, so other
/// threads' statements wait rather than run inside someone else's transaction.
class Db {
 public:
  /// Open (creating if needed, with its parent directory) the database at `path`. Return
  /// kIoError if the file or directory cannot be created or opened, kCorruption if it is not a
  /// SQLite database, kConflict if another process keeps it locked past the busy timeout.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, DbOptions options = {});
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  /// Run one or more statements without results. Return kInvalidArgument for SQL errors, and
  /// the other codes as Statement::Step.
  Status Exec(std::string_view sql);
  /// Prepare one statement. Return kInvalidArgument for SQL errors.
  Result<Statement> Prepare(std::string_view sql);

  /// The rowid of the last successful INSERT on this connection (hold Lock() around both).
  int64_t LastInsertRowId();
  /// Rows changed by the last INSERT/UPDATE/DELETE on this connection (hold Lock() around both).
  int64_t Changes();

  /// Hold the connection for a sequence of statements that must not interleave with other
  /// threads' (e.g. a read followed by Changes()). Transaction takes it too.
  std::unique_lock<std::recursive_mutex> Lock() {
    return std::unique_lock<std::recursive_mutex>(mutex_);
  }

  const std::string& path() const { return path_; }
  /// The SQLite connection, to register functions on it (e.g. an FTS5 ranking function). Hold
  /// Lock() while using it.
  sqlite3* handle() { return handle_; }

 private:
  friend class Statement;
  Db(sqlite3* handle, std::string path) : handle_(handle), path_(std::move(path)) {}
  /// Map the connection's current error (after `rc`) to a Status.
  Status Error(int rc, std::string_view context) const;

  sqlite3* handle_;
  std::string path_;
  std::recursive_mutex mutex_;
};

/// An immediate write transaction (BEGIN IMMEDIATE): the write lock is taken at the start, so a
/// transaction never fails halfway for lock upgrade reasons. Rolled back on destruction unless
/// committed. Holds the Db's mutex for its lifetime; belongs to one thread. Must not outlive its
/// Db.
class Transaction {
 public:
  /// Begin. Return kConflict if another connection keeps the write lock past the busy timeout.
  static Result<Transaction> Begin(Db& db);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  /// Commit. Return the SQLite error mapped as in Db; the transaction is rolled back then.
  Status Commit();

 private:
  Transaction(Db* db, std::unique_lock<std::recursive_mutex> lock)
      : db_(db), lock_(std::move(lock)) {}

  Db* db_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool open_ = true;
};

/// Bring `component`'s schema up to date: apply `steps[i]` as schema version i + 1, for every
/// version not yet recorded in the `schema_versions(component, version)` table, all in one
/// transaction (either every pending step applies or none). Safe to run from several processes
/// at once. Return kUnsupported if the file holds a newer version than `steps` knows (written by
/// a newer tessera), or the error of the failing step with its version as context.
Status Migrate(Db& db, std::string_view component, const std::vector<std::string>& steps);

}  // namespace tessera::catalog
