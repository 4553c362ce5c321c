#include "tessera/federation/scan_memo.h"

#include "tessera/engine/scalar_function.h"

namespace tessera::federation {

std::string ScanMemo::Key(std::string_view mount, std::string_view schema, std::string_view table,
                          bool columns_only,
                          const std::vector<engine::ColumnPredicate>* predicates) {
  std::string key = std::string(columns_only ? "columns\n" : "scan\n") + std::string(mount) + "\n" +
                    std::string(schema) + "\n" + std::string(table) + "\n";
  if (predicates != nullptr) {
    for (const engine::ColumnPredicate& p : *predicates)
      key += p.column + " " + std::to_string(static_cast<int>(p.op)) + " " + p.value.dump() + "\n";
  }
  return key;
}

std::optional<std::string> ScanMemo::Get(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found == entries_.end() || std::chrono::steady_clock::now() - found->second.second >= ttl_)
    return std::nullopt;
  return found->second.first;
}

void ScanMemo::Put(const std::string& key, std::string sql) {
  std::lock_guard lock(mutex_);
  // Expired entries go as new ones arrive, so the memo stays as small as the traffic.
  auto now = std::chrono::steady_clock::now();
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = now - it->second.second >= ttl_ ? entries_.erase(it) : std::next(it);
  }
  entries_[key] = {std::move(sql), now};
}

Status RegisterScanMacro(engine::Connection& connection, const std::string& macro,
                         const std::string& function, ScanSqlFunction scan) {
  using engine::ScalarArg;
  using engine::ScalarArgType;
  TESSERA_RETURN_NOT_OK(engine::RegisterScalarFunction(
      connection, function,
      {ScalarArgType::kVarchar, ScalarArgType::kVarchar, ScalarArgType::kVarchar},
      [scan = std::move(scan)](
          const std::vector<ScalarArg>& args) -> Result<std::optional<std::string>> {
        TESSERA_ASSIGN_OR_RETURN(std::string sql, scan(std::get<std::string_view>(args[0]),
                                                       std::get<std::string_view>(args[1]),
                                                       std::get<std::string_view>(args[2])));
        return std::optional<std::string>(std::move(sql));
      },
      /*is_volatile=*/true));
  return connection.Execute("CREATE OR REPLACE MACRO " + macro + "(m, s, t) AS TABLE FROM query(" +
                            function + "(m, s, t))");
}

}  // namespace tessera::federation
