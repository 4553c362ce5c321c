#include "tessera/engine/data_dir.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "tessera/common/strings.h"

namespace tessera::engine {
namespace fs = std::filesystem;

namespace {
bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 63)
    return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_'))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}
}  // namespace

Result<TableName> ParseTableName(std::string_view text) {
  std::vector<std::string> parts = Split(text, '.');
  if (parts.size() != 3) {
    return Status::InvalidArgument("table names have three parts, domain.product.table: '" +
                                   std::string(text) + "'");
  }
  for (const std::string& part : parts) {
    if (!IsIdentifier(part)) {
      return Status::InvalidArgument(
          "'" + part + "' in '" + std::string(text) +
          "' is not an identifier (letters, digits, _; not starting with a digit)");
    }
  }
  return TableName{ToLower(parts[0]), ToLower(parts[1]), ToLower(parts[2])};
}

std::string TableRoot(const std::string& data_dir, const TableName& name) {
  return (fs::absolute(data_dir) / "tables" / name.domain / name.product / name.table)
      .lexically_normal()
      .string();
}

Result<std::vector<TableName>> ListTables(const std::string& data_dir) {
  std::vector<TableName> out;
  fs::path root = fs::path(data_dir) / "tables";
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return out;
  for (const auto& domain : fs::directory_iterator(root, ec)) {
    if (!domain.is_directory() || !IsIdentifier(domain.path().filename().string()))
      continue;
    for (const auto& product : fs::directory_iterator(domain.path(), ec)) {
      if (!product.is_directory() || !IsIdentifier(product.path().filename().string()))
        continue;
      for (const auto& table : fs::directory_iterator(product.path(), ec)) {
        if (!IsIdentifier(table.path().filename().string()))
          continue;
        if (!fs::is_directory(table.path() / "_delta_log", ec))
          continue;
        out.push_back({domain.path().filename().string(), product.path().filename().string(),
                       table.path().filename().string()});
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const TableName& a, const TableName& b) { return a.ToString() < b.ToString(); });
  return out;
}

namespace {
// True if `sql` (lower-cased, quotes removed) names the table.
bool Mentions(const std::string& sql, const TableName& t) {
  std::string name = t.ToString();
  for (size_t pos = sql.find(name); pos != std::string::npos; pos = sql.find(name, pos + 1)) {
    bool starts = pos == 0 ||
                  !(std::isalnum(static_cast<unsigned char>(sql[pos - 1])) || sql[pos - 1] == '_');
    size_t end = pos + name.size();
    bool ends = end >= sql.size() ||
                !(std::isalnum(static_cast<unsigned char>(sql[end])) || sql[end] == '_');
    if (starts && ends)
      return true;
  }
  return false;
}
}  // namespace

Status AttachDataDir(Connection& connection, const std::string& data_dir,
                     std::optional<std::string_view> only_mentioned_in) {
  TESSERA_ASSIGN_OR_RETURN(auto tables, ListTables(data_dir));
  if (only_mentioned_in) {
    std::string sql;
    for (char c : *only_mentioned_in) {
      if (c != '"')
        sql += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    bool catalog_query =
        sql.find("information_schema") != std::string::npos ||
        sql.find("duckdb_") != std::string::npos || sql.find("show") != std::string::npos ||
        sql.find("describe") != std::string::npos || sql.find("pg_catalog") != std::string::npos;
    if (!catalog_query) {
      std::vector<TableName> mentioned;
      for (const TableName& t : tables) {
        if (Mentions(sql, t))
          mentioned.push_back(t);
      }
      tables = std::move(mentioned);
    }
  }
  std::set<std::string> domains;
  std::set<std::string> schemas;
  std::string sql;
  for (const TableName& t : tables) {
    std::string domain = QuoteIdentifier(t.domain);
    std::string product = domain + "." + QuoteIdentifier(t.product);
    if (domains.insert(t.domain).second)
      sql += "ATTACH IF NOT EXISTS ':memory:' AS " + domain + ";\n";
    if (schemas.insert(t.domain + "." + t.product).second)
      sql += "CREATE SCHEMA IF NOT EXISTS " + product + ";\n";
    sql += "CREATE OR REPLACE VIEW " + product + "." + QuoteIdentifier(t.table) +
           " AS FROM delta_scan(" + QuoteLiteral(TableRoot(data_dir, t)) + ");\n";
  }
  if (sql.empty())
    return Status::OK();
  return connection.Execute(sql);
}

}  // namespace tessera::engine
