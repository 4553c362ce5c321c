#include "tessera/engine/delta_writer.h"

#include <cstdio>
#include <filesystem>

#include "tessera/common/random.h"
#include "tessera/common/strings.h"
#include "tessera/delta/schema.h"
#include "tessera/delta/snapshot.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/delta_sql.h"

namespace tessera::engine {
namespace {

constexpr int kStatsColumns = 32;  // delta.dataSkippingNumIndexedCols default

std::string NewDataFileName() { return "part-00000-" + RandomUuid() + "-c000.zstd.parquet"; }

bool StatsEligible(const delta::DataType& type) {
  // Timestamps are left out: their stats strings have writer-specific zone forms; missing stats
  // only mean a file is never skipped.
  if (type.kind == delta::DataType::Kind::kDecimal)
    return true;
  if (type.kind != delta::DataType::Kind::kPrimitive)
    return false;
  for (const char* name :
       {"long", "integer", "short", "byte", "float", "double", "date", "string"}) {
    if (type.name == name)
      return true;
  }
  return false;
}

// Collect add.stats for one written file from its Parquet footer.
Result<std::string> FileStats(Connection& connection, const std::string& file,
                              const std::vector<delta::Field>& data_fields) {
  std::string q = QuoteLiteral(EscapeGlob(file));
  std::string mins;
  std::string maxs;
  std::string nulls;
  int indexed = 0;
  for (const delta::Field& f : data_fields) {
    if (indexed++ >= kStatsColumns)
      break;
    std::string where = "FROM pm WHERE path_in_schema = " + QuoteLiteral(f.name);
    if (!nulls.empty())
      nulls += ", ";
    nulls += QuoteIdentifier(f.name) + ": (SELECT sum(stats_null_count)::BIGINT " + where + ")";
    if (!StatsEligible(f.type))
      continue;
    TESSERA_ASSIGN_OR_RETURN(std::string type, DuckDbType(f.type));
    std::string min_expr = "min(TRY_CAST(stats_min_value AS " + type + "))";
    std::string max_expr = "max(TRY_CAST(stats_max_value AS " + type + "))";
    if (f.type.IsPrimitive("string")) {
      // Spark keeps 32-character prefixes: a prefix is still a valid minimum; a maximum is only
      // kept when it is not truncated.
      min_expr = "left(" + min_expr + ", 32)";
      max_expr = "CASE WHEN length(" + max_expr + ") <= 32 THEN " + max_expr + " END";
    }
    if (!mins.empty())
      mins += ", ";
    if (!maxs.empty())
      maxs += ", ";
    mins += QuoteIdentifier(f.name) + ": (SELECT " + min_expr + " " + where + ")";
    maxs += QuoteIdentifier(f.name) + ": (SELECT " + max_expr + " " + where + ")";
  }
  std::string sql = "WITH pm AS (SELECT * FROM parquet_metadata(" + q +
                    ")) SELECT to_json({numRecords: (SELECT num_rows FROM parquet_file_metadata(" +
                    q + "))" + (mins.empty() ? "" : ", minValues: {" + mins + "}") +
                    (maxs.empty() ? "" : ", maxValues: {" + maxs + "}") +
                    (nulls.empty() ? "" : ", nullCount: {" + nulls + "}") + "})::VARCHAR";
  TESSERA_ASSIGN_OR_RETURN(auto stats, connection.QueryScalarString(sql));
  if (!stats)
    return Status::Internal("no statistics for '" + file + "'");
  // to_json drops nothing, but null min/max entries (all-null columns) are noise: remove them.
  TESSERA_ASSIGN_OR_RETURN(Json json, ParseJson(*stats));
  for (const char* key : {"minValues", "maxValues"}) {
    if (!json.contains(key))
      continue;
    Json cleaned = Json::object();
    for (const auto& [k, v] : json[key].items()) {
      if (!v.is_null())
        cleaned[k] = v;
    }
    json[key] = cleaned;
  }
  return DumpJson(json);
}

std::string PartitionDir(const std::vector<std::string>& columns,
                         const std::vector<std::optional<std::string>>& values) {
  std::string dir;
  for (size_t i = 0; i < columns.size(); ++i) {
    dir += HiveEscape(columns[i]) + "=" +
           (values[i] ? HiveEscape(*values[i]) : std::string("__HIVE_DEFAULT_PARTITION__")) + "/";
  }
  return dir;
}

// The serialized partition value of a column, as Delta writes it.
std::string PartitionValueExpr(const delta::Field& f) {
  std::string col = QuoteIdentifier(f.name);
  if (f.type.IsPrimitive("timestamp")) {
    return "strftime(" + col + " AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ')";
  }
  if (f.type.IsPrimitive("binary"))
    return "decode(" + col + ")";
  return "CAST(" + col + " AS VARCHAR)";
}

struct Layout {
  delta::Schema schema;
  std::vector<std::string> partition_columns;
};

Result<std::vector<delta::AddFile>> WriteFiles(Connection& connection, storage::Storage& storage,
                                               const std::string& root, const std::string& select,
                                               const Layout& layout, int64_t* rows) {
  (void)storage;
  std::vector<delta::Field> data_fields;
  std::vector<const delta::Field*> partition_fields;
  for (const delta::Field& f : layout.schema.fields) {
    bool is_partition = false;
    for (const auto& p : layout.partition_columns)
      is_partition |= p == f.name;
    if (is_partition) {
      partition_fields.push_back(&f);
    } else {
      data_fields.push_back(f);
    }
  }
  std::string data_cols;
  for (const delta::Field& f : data_fields) {
    if (!data_cols.empty())
      data_cols += ", ";
    data_cols += QuoteIdentifier(f.name);
  }
  if (data_cols.empty())
    return Status::InvalidArgument("a table needs at least one non-partition column");

  std::vector<std::pair<std::string, delta::PartitionValues>> targets;  // (where clause, values)
  std::string source = "(" + select + ")";
  if (!partition_fields.empty()) {
    // Stage once so the query runs once, then write one file per partition value.
    TESSERA_RETURN_NOT_OK(
        connection.Execute("CREATE OR REPLACE TEMP TABLE __tessera_stage AS " + select));
    source = "__tessera_stage";
    std::string exprs;
    for (const delta::Field* f : partition_fields) {
      if (!exprs.empty())
        exprs += ", ";
      exprs += PartitionValueExpr(*f);
    }
    TESSERA_ASSIGN_OR_RETURN(auto distinct,
                             connection.QueryScalarString("SELECT to_json(list(DISTINCT [" + exprs +
                                                          "]))::VARCHAR FROM __tessera_stage"));
    Json tuples_json = Json::array();
    if (distinct) {
      TESSERA_ASSIGN_OR_RETURN(tuples_json, ParseJson(*distinct));
    }
    std::vector<Json> tuples(tuples_json.begin(), tuples_json.end());
    for (const Json& values : tuples) {
      delta::PartitionValues pv;
      std::string where;
      for (size_t i = 0; i < partition_fields.size(); ++i) {
        const delta::Field* f = partition_fields[i];
        std::optional<std::string> value;
        if (!values[i].is_null())
          value = values[i].get<std::string>();
        pv[f->name] = value;
        if (!where.empty())
          where += " AND ";
        where += value ? PartitionValueExpr(*f) + " = " + QuoteLiteral(*value)
                       : QuoteIdentifier(f->name) + " IS NULL";
      }
      targets.emplace_back(where, std::move(pv));
    }
  } else {
    targets.emplace_back("", delta::PartitionValues{});
  }

  std::vector<delta::AddFile> adds;
  for (const auto& [where, values] : targets) {
    std::vector<std::optional<std::string>> ordered;
    for (const delta::Field* f : partition_fields)
      ordered.push_back(values.at(f->name));
    std::string relative = PartitionDir(layout.partition_columns, ordered) + NewDataFileName();
    std::string path = storage::JoinPath(root, relative);
    std::string dir = path.substr(0, path.rfind('/'));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
      return Status::IoError("creating '" + dir + "': " + ec.message());
    std::string copy = "COPY (SELECT " + data_cols + " FROM " + source +
                       (where.empty() ? "" : " WHERE " + where) + ") TO " + QuoteLiteral(path) +
                       " (FORMAT parquet, COMPRESSION zstd)";
    TESSERA_RETURN_NOT_OK(connection.Execute(copy));
    TESSERA_ASSIGN_OR_RETURN(std::string stats, FileStats(connection, path, data_fields));
    TESSERA_ASSIGN_OR_RETURN(Json parsed, ParseJson(stats));
    *rows += parsed.value("numRecords", int64_t{0});
    TESSERA_ASSIGN_OR_RETURN(auto info, storage.Stat(path));
    delta::AddFile add;
    add.path = PercentEncodePath(relative);
    add.partition_values = values;
    add.size = info.size;
    add.modification_time = info.modification_time_ms;
    add.data_change = true;
    add.stats = std::move(stats);
    adds.push_back(std::move(add));
  }
  if (!partition_fields.empty())
    TESSERA_RETURN_NOT_OK(connection.Execute("DROP TABLE IF EXISTS __tessera_stage"));
  return adds;
}

}  // namespace

Result<delta::DataType> DeltaTypeFor(const ColumnType& type) {
  switch (type.id) {
    case DUCKDB_TYPE_BOOLEAN:
      return delta::PrimitiveType("boolean");
    case DUCKDB_TYPE_TINYINT:
      return delta::PrimitiveType("byte");
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_UTINYINT:
      return delta::PrimitiveType("short");
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_USMALLINT:
      return delta::PrimitiveType("integer");
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UINTEGER:
      return delta::PrimitiveType("long");
    case DUCKDB_TYPE_FLOAT:
      return delta::PrimitiveType("float");
    case DUCKDB_TYPE_DOUBLE:
      return delta::PrimitiveType("double");
    case DUCKDB_TYPE_VARCHAR:
      return delta::PrimitiveType("string");
    case DUCKDB_TYPE_BLOB:
      return delta::PrimitiveType("binary");
    case DUCKDB_TYPE_DATE:
      return delta::PrimitiveType("date");
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return delta::PrimitiveType("timestamp");
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return delta::PrimitiveType("timestamp_ntz");
    case DUCKDB_TYPE_DECIMAL:
      return delta::PrimitiveType(ToLower(type.name));
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UBIGINT:
      return delta::PrimitiveType("decimal(38,0)");
    default:
      return Status::InvalidArgument(
          "column type " + type.name +
          " cannot be stored in a Delta table yet (cast it in the query)");
  }
}

Result<WriteResult> WriteQuery(Connection& connection, storage::Storage& storage,
                               delta::CheckpointReader& reader, const WriteRequest& request) {
  std::shared_ptr<const delta::Snapshot> snapshot;
  if (request.mode != WriteMode::kCreate) {
    TESSERA_ASSIGN_OR_RETURN(
        snapshot, delta::Snapshot::Load(storage, &reader, request.table_root, std::nullopt));
  } else if (storage.List(storage::JoinPath(request.table_root, "_delta_log")).ValueOr({}).size() >
             0) {
    return Status::AlreadyExists("a Delta table already exists at '" + request.table_root + "'");
  }
  TESSERA_ASSIGN_OR_RETURN(StatementInfo info, connection.Describe(request.query));
  Layout layout;
  std::string select;
  if (snapshot) {
    layout.schema = snapshot->schema();
    layout.partition_columns = snapshot->metadata().partition_columns;
    if (info.columns.size() != layout.schema.fields.size()) {
      return Status::InvalidArgument("the query has " + std::to_string(info.columns.size()) +
                                     " columns; the table has " +
                                     std::to_string(layout.schema.fields.size()));
    }
    for (size_t i = 0; i < info.columns.size(); ++i) {
      const delta::Field& f = layout.schema.fields[i];
      if (ToLower(info.columns[i].name) != ToLower(f.name)) {
        return Status::InvalidArgument("column " + std::to_string(i + 1) + " of the query is '" +
                                       info.columns[i].name + "'; the table has '" + f.name + "'");
      }
      TESSERA_ASSIGN_OR_RETURN(std::string type, DuckDbType(f.type));
      if (!select.empty())
        select += ", ";
      select += "CAST(" + QuoteIdentifier(info.columns[i].name) + " AS " + type + ") AS " +
                QuoteIdentifier(f.name);
    }
  } else {
    for (const Column& column : info.columns) {
      auto type = DeltaTypeFor(column.type);
      if (!type.ok())
        return type.status().WithContext("column '" + column.name + "'");
      layout.schema.fields.push_back(delta::Field{column.name, *type, true, Json::object()});
      if (!select.empty())
        select += ", ";
      select += QuoteIdentifier(column.name);
    }
    for (const std::string& p : request.partition_columns) {
      const delta::Field* f = layout.schema.Find(p);
      if (f == nullptr)
        return Status::InvalidArgument("partition column '" + p + "' is not a column of the query");
      layout.partition_columns.push_back(f->name);
    }
  }
  select = "SELECT " + select + " FROM (" + request.query + ")";

  int64_t rows = 0;
  TESSERA_ASSIGN_OR_RETURN(
      auto adds, WriteFiles(connection, storage, request.table_root, select, layout, &rows));
  delta::Transaction txn(request.table_root, snapshot);
  WriteResult result;
  result.rows = rows;
  if (!snapshot) {
    bool ntz = false;
    for (const delta::Field& f : layout.schema.fields)
      ntz |= f.type.IsPrimitive("timestamp_ntz");
    // Minimal protocol (PROTOCOL.md "Table Features"): features only when a reader needs them.
    delta::Protocol protocol{1, 2, std::nullopt, std::nullopt};
    if (ntz)
      protocol = {3, 7, std::vector<std::string>{"timestampNtz"},
                  std::vector<std::string>{"timestampNtz"}};
    if (request.properties.count("delta.enableChangeDataFeed") != 0 &&
        protocol.min_writer_version < 4) {
      protocol.min_writer_version = 4;
    }
    if (protocol.min_writer_version == 7 &&
        request.properties.count("delta.enableChangeDataFeed") != 0) {
      protocol.writer_features->push_back("changeDataFeed");
    }
    delta::Metadata metadata;
    metadata.id = RandomUuid();
    metadata.description = request.description;
    metadata.schema_string = delta::SchemaToString(layout.schema);
    metadata.partition_columns = layout.partition_columns;
    metadata.configuration = request.properties;
    metadata.created_time = SystemClock::Instance().NowMillis();
    txn.SetProtocol(std::move(protocol));
    txn.SetMetadata(std::move(metadata));
    txn.SetOperation("CREATE TABLE AS SELECT",
                     {{"partitionBy", DumpJson(Json(layout.partition_columns))}});
  } else if (request.mode == WriteMode::kOverwrite) {
    txn.MarkDataRead();
    int64_t now = SystemClock::Instance().NowMillis();
    for (const delta::AddFile& live : snapshot->files()) {
      delta::RemoveFile remove;
      remove.path = live.path;
      remove.deletion_timestamp = now;
      remove.data_change = true;
      remove.extended_file_metadata = true;
      remove.partition_values = live.partition_values;
      remove.size = live.size;
      remove.deletion_vector = live.deletion_vector;
      txn.Remove(std::move(remove));
    }
    txn.SetOperation("WRITE", {{"mode", "Overwrite"}});
  } else {
    txn.SetOperation("WRITE", {{"mode", "Append"}});
  }
  for (const delta::AddFile& add : adds) {
    result.bytes += add.size;
    txn.Add(add);
  }
  result.files = static_cast<int64_t>(adds.size());
  txn.SetMetrics({{"numFiles", std::to_string(result.files)},
                  {"numOutputRows", std::to_string(result.rows)},
                  {"numOutputBytes", std::to_string(result.bytes)}});
  TESSERA_ASSIGN_OR_RETURN(auto commit, txn.Commit(storage));
  result.version = commit.version;
  return result;
}

}  // namespace tessera::engine
