#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/engine/database.h"
#include "tessera/engine/scan_hints.h"

namespace tessera::federation {

/// The SQL a mounted table's scan function answered, kept for a moment: DuckDB binds a view's
/// body when the view is created and again when a query reads it, and one read of the remote
/// side must serve both. Keyed by mount, schema, table, whether only the columns were asked
/// for, and the query's filters. Thread-safe.
class ScanMemo {
 public:
  explicit ScanMemo(std::chrono::seconds ttl = std::chrono::seconds(2)) : ttl_(ttl) {}

  static std::string Key(std::string_view mount, std::string_view schema, std::string_view table,
                         bool columns_only, const std::vector<engine::ColumnPredicate>* predicates);
  /// The SQL remembered for `key`, if it is younger than the ttl.
  std::optional<std::string> Get(const std::string& key);
  void Put(const std::string& key, std::string sql);

 private:
  std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> entries_;
};

/// Answers a mounted table's scan: the SQL that reads (mount, schema, table) now.
using ScanSqlFunction =
    std::function<Result<std::string>(std::string_view, std::string_view, std::string_view)>;

/// Register the table macro `<macro>(m, s, t)` on `connection`: a volatile scalar `<function>`
/// returns `scan`'s SQL, which the macro runs with query(). The views of mounted tables select
/// from the macro, so each query asks the mount afresh (through its ScanMemo).
Status RegisterScanMacro(engine::Connection& connection, const std::string& macro,
                         const std::string& function, ScanSqlFunction scan);

}  // namespace tessera::federation
