#include "tessera/federation/postgres_mounts.h"

#include <filesystem>
#include <set>

#include "tessera/common/random.h"
#include "tessera/common/strings.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/scalar_function.h"
#include "tessera/engine/scan_hints.h"
#include "tessera/federation/postgres_client.h"

namespace tessera::federation {
namespace {

constexpr std::string_view kKind = "postgres";
// Result files older than this are removed when the mount reads again.
constexpr std::chrono::minutes kResultFileAge{10};

std::vector<MountedTable> ToMounted(const std::vector<PgTable>& tables) {
  std::vector<MountedTable> out;
  out.reserve(tables.size());
  for (const PgTable& t : tables)
    out.push_back({"", t.schema, t.name});
  return out;
}

Result<Mount> GetPostgresMount(MountStore& store, std::string_view name) {
  TESSERA_ASSIGN_OR_RETURN(Mount mount, store.Get(name));
  if (mount.kind != kKind)
    return Status::InvalidArgument("mount '" + mount.name + "' is not a PostgreSQL mount");
  return mount;
}

// The query's simple filters as a PostgreSQL WHERE clause over the table's real column names.
std::string WhereClause(const std::vector<engine::ColumnPredicate>* predicates,
                        const std::vector<PgColumn>& columns) {
  if (predicates == nullptr)
    return "";
  std::string where;
  for (const engine::ColumnPredicate& p : *predicates) {
    const PgColumn* column = nullptr;
    for (const PgColumn& c : columns) {
      if (ToLower(c.name) == p.column)
        column = &c;
    }
    if (column == nullptr || !(p.value.is_number() || p.value.is_string()))
      continue;
    static const char* const kOps[] = {" = ", " < ", " <= ", " > ", " >= "};
    std::string value =
        p.value.is_string() ? PgLiteral(p.value.get<std::string>()) : p.value.dump();
    where += (where.empty() ? " WHERE " : " AND ") + PgIdentifier(column->name) +
             kOps[static_cast<int>(p.op)] + value;
  }
  return where;
}

// How PostgreSQL renders a column for DuckDB to parse it back as its type.
std::string PgSelect(const PgColumn& c) {
  std::string name = PgIdentifier(c.name);
  if (c.duckdb_type == "BLOB")
    return "encode(" + name + ", 'hex')";
  if (c.duckdb_type == "BOOLEAN")
    return "CASE WHEN " + name + " THEN 'true' WHEN NOT " + name + " THEN 'false' END";
  if (c.duckdb_type == "VARCHAR")
    return name + "::text";
  return name;
}

void RemoveOldResults(const std::string& dir) {
  std::error_code error;
  auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (now - entry.last_write_time(error) > kResultFileAge)
      std::filesystem::remove(entry.path(), error);
  }
}

}  // namespace

std::string PostgresCacheDir(const std::string& data_dir, std::string_view mount) {
  return (std::filesystem::absolute(data_dir) / "cache" / "postgres" / std::string(mount))
      .lexically_normal()
      .string();
}

Result<Mount> AddPostgresMount(MountStore& store, std::string_view name, std::string_view conninfo,
                               std::chrono::seconds timeout, int64_t timeout_seconds) {
  TESSERA_RETURN_NOT_OK(CheckMountName(name));
  TESSERA_ASSIGN_OR_RETURN(std::string endpoint, RedactConninfo(conninfo));
  TESSERA_ASSIGN_OR_RETURN(auto connection, PgConnection::Open(conninfo, timeout));
  TESSERA_ASSIGN_OR_RETURN(auto tables, connection->ListTables());
  Mount mount;
  mount.name = std::string(name);
  mount.kind = std::string(kKind);
  mount.profile = std::string(conninfo);
  mount.endpoint = "postgres: " + endpoint;
  mount.tables = ToMounted(tables);
  mount.timeout_seconds = timeout_seconds;
  TESSERA_RETURN_NOT_OK(store.Add(mount));
  return store.Get(name);
}

Result<Mount> RefreshPostgresMount(MountStore& store, std::string_view name,
                                   std::chrono::seconds timeout) {
  TESSERA_ASSIGN_OR_RETURN(Mount mount, GetPostgresMount(store, name));
  TESSERA_ASSIGN_OR_RETURN(auto connection, PgConnection::Open(mount.profile, timeout));
  TESSERA_ASSIGN_OR_RETURN(auto tables, connection->ListTables());
  TESSERA_RETURN_NOT_OK(store.SetTables(name, ToMounted(tables)));
  return store.Get(name);
}

Result<std::vector<access::ExtensionTable>> PostgresMounts::Tables() {
  TESSERA_ASSIGN_OR_RETURN(auto mounts, store_.List());
  std::vector<access::ExtensionTable> tables;
  for (const Mount& mount : mounts) {
    if (mount.kind != kKind)
      continue;
    for (const MountedTable& t : mount.tables) {
      // Names that are not identifiers cannot be queried by three-part name: left out.
      auto name = engine::ParseTableName(mount.name + "." + t.schema + "." + t.name);
      if (!name.ok())
        continue;
      access::ExtensionTable table;
      table.name = *name;
      table.view_sql = "FROM memory.main.pg_scan(" + QuoteLiteral(mount.name) + ", " +
                       QuoteLiteral(t.schema) + ", " + QuoteLiteral(t.name) + ")";
      table.read_root = PostgresCacheDir(data_dir_, mount.name);
      tables.push_back(std::move(table));
    }
  }
  return tables;
}

Status PostgresMounts::Register(engine::Connection& connection) {
  return RegisterScanMacro(
      connection, "pg_scan", "tessera_pg_sql",
      [this](std::string_view mount, std::string_view schema, std::string_view table) {
        return ScanSql(mount, schema, table);
      });
}

Result<std::string> PostgresMounts::ScanSql(std::string_view mount_name, std::string_view schema,
                                            std::string_view table) {
  const std::vector<engine::ColumnPredicate>* predicates = nullptr;
  const std::set<std::string>* used = nullptr;  // the columns the query uses; null: all
  if (auto name = engine::ParseTableName(std::string(mount_name) + "." + std::string(schema) + "." +
                                         std::string(table));
      name.ok()) {
    predicates = engine::ScopedScanHints::For(engine::TableRoot(data_dir_, *name));
    used = engine::ScopedScanHints::ColumnsFor(engine::TableRoot(data_dir_, *name));
  }
  bool columns_only = engine::ScopedViewDefinition::Active();
  std::string key =
      ScanMemo::Key(mount_name, schema, table, columns_only, columns_only ? nullptr : predicates);
  if (used != nullptr && !columns_only) {
    key += "\ncolumns";
    for (const std::string& c : *used)
      key += " " + c;
  }
  if (std::optional<std::string> remembered = memo_.Get(key))
    return *remembered;

  TESSERA_ASSIGN_OR_RETURN(Mount mount, GetPostgresMount(store_, mount_name));
  auto timeout = mount.timeout_seconds > 0 ? std::chrono::seconds(mount.timeout_seconds) : timeout_;
  TESSERA_ASSIGN_OR_RETURN(auto connection, PgConnection::Open(mount.profile, timeout));
  TESSERA_ASSIGN_OR_RETURN(
      auto found, connection->ListTables(std::make_pair(std::string(schema), std::string(table))));
  if (found.empty()) {
    return Status::NotFound("table " + std::string(schema) + "." + std::string(table) +
                            " no longer exists in the database of mount " + mount.name +
                            " (tessera mount refresh " + mount.name + ")");
  }
  const std::vector<PgColumn>& columns = found[0].columns;
  std::string sql;
  if (columns_only) {
    for (const PgColumn& c : columns) {
      sql += std::string(sql.empty() ? "SELECT " : ", ") + "CAST(NULL AS " + c.duckdb_type +
             ") AS " + QuoteIdentifier(c.name);
    }
    sql += " WHERE false";
  } else {
    // Only the columns the query uses cross the wire; the others stay NULL (the view keeps
    // every column, so the query binds the same).
    std::string select;
    for (const PgColumn& c : columns) {
      bool wanted = used == nullptr || used->count(ToLower(c.name)) != 0;
      select += (select.empty() ? "" : ", ") + (wanted ? PgSelect(c) : std::string("NULL"));
    }
    const std::string dir = PostgresCacheDir(data_dir_, mount.name);
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error)
      return Status::IoError("cannot create " + dir + ": " + error.message());
    RemoveOldResults(dir);
    const std::string file = dir + "/" + RandomUuid() + ".csv";
    TESSERA_RETURN_NOT_OK(connection
                              ->CopyToFile("SELECT " + select + " FROM " + PgIdentifier(schema) +
                                               "." + PgIdentifier(table) +
                                               WhereClause(predicates, columns),
                                           file)
                              .status());
    // Columns by position as c0, c1, ... (names from the database may be anything), typed.
    std::string types;
    std::string renamed;
    for (size_t i = 0; i < columns.size(); ++i) {
      const PgColumn& c = columns[i];
      std::string position = "c" + std::to_string(i);
      bool blob = c.duckdb_type == "BLOB";
      types += (types.empty() ? "" : ", ") + QuoteLiteral(position) + ": " +
               QuoteLiteral(blob ? "VARCHAR" : c.duckdb_type);
      renamed += (renamed.empty() ? "" : ", ") + (blob ? "unhex(" + position + ")" : position) +
                 " AS " + QuoteIdentifier(c.name);
    }
    // PostgreSQL's CSV writes NULL as nothing and an empty string as "": keep them apart.
    sql = "SELECT " + renamed + " FROM read_csv(" + QuoteLiteral(file) +
          ", header = false, auto_detect = false, quote = '\"', escape = '\"', "
          "allow_quoted_nulls = false, columns = {" +
          types + "})";
  }
  memo_.Put(key, sql);
  return sql;
}

}  // namespace tessera::federation
