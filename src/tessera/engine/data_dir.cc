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

std::string LowerWithoutQuotes(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != '"')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}
}  // namespace

std::vector<TableName> TablesMentioned(std::string_view sql, const std::vector<TableName>& tables) {
  std::string lower = LowerWithoutQuotes(sql);
  std::vector<TableName> out;
  for (const TableName& t : tables) {
    if (Mentions(lower, t))
      out.push_back(t);
  }
  return out;
}

bool TablePins::Visible(const TableName& table) const {
  return managed_products.count(table.domain + "." + table.product) == 0 ||
         versions.count(table.ToString()) != 0;
}

std::optional<int64_t> TablePins::VersionOf(const TableName& table) const {
  auto it = versions.find(table.ToString());
  if (it == versions.end())
    return std::nullopt;
  return it->second;
}

void KeepVisible(const TablePins& pins, std::vector<TableName>& tables) {
  tables.erase(std::remove_if(tables.begin(), tables.end(),
                              [&](const TableName& t) { return !pins.Visible(t); }),
               tables.end());
}

std::string DeltaScanCall(const std::string& data_dir, const TableName& table,
                          const TablePins* pins) {
  std::string call = "delta_scan(" + QuoteLiteral(TableRoot(data_dir, table));
  if (pins != nullptr) {
    if (std::optional<int64_t> version = pins->VersionOf(table))
      call += ", version := " + std::to_string(*version);
  }
  return call + ")";
}

Status AttachDataDir(Connection& connection, const std::string& data_dir,
                     std::optional<std::string_view> only_mentioned_in, const TablePins* pins) {
  TESSERA_ASSIGN_OR_RETURN(auto tables, ListTables(data_dir));
  if (pins != nullptr)
    KeepVisible(*pins, tables);
  if (only_mentioned_in) {
    std::string sql = LowerWithoutQuotes(*only_mentioned_in);
    bool catalog_query =
        sql.find("information_schema") != std::string::npos ||
        sql.find("duckdb_") != std::string::npos || sql.find("show") != std::string::npos ||
        sql.find("describe") != std::string::npos || sql.find("pg_catalog") != std::string::npos;
    if (!catalog_query)
      tables = TablesMentioned(sql, tables);
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
    sql += "CREATE OR REPLACE VIEW " + product + "." + QuoteIdentifier(t.table) + " AS FROM " +
           DeltaScanCall(data_dir, t, pins) + ";\n";
  }
  if (sql.empty())
    return Status::OK();
  return connection.Execute(sql);
}

}  // namespace tessera::engine
