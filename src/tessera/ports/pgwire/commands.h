#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::ports::pgwire {

/// What a client statement asks of the session, decided from its text before DuckDB sees it:
/// DuckDB rejects much of what PostgreSQL clients send (SET of PostgreSQL settings, isolation
/// clauses, cursors), so the port answers those itself.
enum class CommandKind {
  kEmpty,     ///< only whitespace and comments
  kBegin,     ///< BEGIN / START TRANSACTION [isolation ...]
  kCommit,    ///< COMMIT / END
  kRollback,  ///< ROLLBACK / ABORT
  kSet,       ///< SET [SESSION | LOCAL] name {= | TO} value, SET TIME ZONE value
  kReset,     ///< RESET name | RESET ALL
  kShow,      ///< SHOW name | SHOW ALL
  kDeclare,   ///< DECLARE name [BINARY] ... CURSOR [WITH[OUT] HOLD] FOR query
  kFetch,     ///< FETCH [FORWARD] [n | ALL | NEXT] {FROM | IN} name; MOVE likewise
  kClose,     ///< CLOSE name | CLOSE ALL
  kDiscard,   ///< DISCARD ALL, DEALLOCATE ...: session resets that need no engine work
  kCopyOut,   ///< COPY {table | (query)} TO STDOUT [WITH] [(FORMAT csv, HEADER, DELIMITER 'x')]
  kSql,       ///< anything else: run by DuckDB
};

/// One classified statement. Plain value.
struct Command {
  CommandKind kind = CommandKind::kSql;
  /// kSet/kReset/kShow: the setting name, lower case ("all" for RESET ALL / SHOW ALL).
  /// kDeclare/kFetch/kClose: the cursor name ("" for CLOSE ALL).
  std::string name;
  /// kSet: the value, unquoted ("DEFAULT" resets). kDeclare, kCopyOut: the query. kDiscard: the
  /// second word, lower case ("all" for DISCARD ALL).
  std::string value;
  /// kCopyOut: CSV instead of PostgreSQL's text format, a header line, the delimiter.
  bool csv = false;
  bool header = false;
  char delimiter = '\t';
  /// kFetch: rows to fetch; nullopt for ALL.
  std::optional<int64_t> count = 1;
  /// kFetch: MOVE skips rows instead of returning them.
  bool move = false;
  /// kDeclare: WITH HOLD (the cursor outlives the transaction's COMMIT).
  bool hold = false;
};

/// Classify one statement (no trailing ';'). Never fails: what it does not recognise is kSql,
/// and DuckDB reports the error.
Command ClassifyCommand(std::string_view statement);

/// The command tag PostgreSQL sends in CommandComplete for a kSql statement of the given first
/// keyword and row count ("SELECT 3", "INSERT 0 1", "CREATE TABLE", ...).
std::string CommandTagFor(std::string_view statement, int64_t rows);

}  // namespace tessera::ports::pgwire
