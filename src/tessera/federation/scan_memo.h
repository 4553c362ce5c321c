#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace tessera::federation
