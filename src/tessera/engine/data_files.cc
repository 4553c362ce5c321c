#include "tessera/engine/data_files.h"

#include <cstdio>
#include <filesystem>

#include "tessera/common/random.h"
#include "tessera/common/strings.h"
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
    // Nested columns get no statistics (Delta keeps them per leaf, nested; none is valid).
    bool nested = f.type.kind == delta::DataType::Kind::kStruct ||
                  f.type.kind == delta::DataType::Kind::kArray ||
                  f.type.kind == delta::DataType::Kind::kMap;
    if (nested)
      continue;
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

}  // namespace

std::string PartitionValueExpr(const delta::Field& f) {
  std::string col = QuoteIdentifier(f.name);
  if (f.type.IsPrimitive("timestamp")) {
    return "strftime(" + col + " AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ')";
  }
  if (f.type.IsPrimitive("binary"))
    return "decode(" + col + ")";
  return "CAST(" + col + " AS VARCHAR)";
}

Result<std::vector<delta::AddFile>> WriteDataFiles(Connection& connection,
                                                   storage::Storage& storage,
                                                   const std::string& root,
                                                   const std::string& select,
                                                   const TableLayout& layout,
                                                   const DataFileOptions& options, int64_t* rows) {
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
  if (data_cols.empty()) {
    return Status::InvalidArgument("a table needs at least one non-partition column");
  }
  for (const std::string& extra : options.extra_columns)
    data_cols += ", " + QuoteIdentifier(extra);

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
    std::string relative =
        options.dir_prefix + PartitionDir(layout.partition_columns, ordered) + NewDataFileName();
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
    int64_t file_rows = parsed.value("numRecords", int64_t{0});
    if (file_rows == 0) {
      // An empty result (e.g. a table created from a schema) needs no data file.
      TESSERA_RETURN_NOT_OK(storage.Delete(path));
      continue;
    }
    *rows += file_rows;
    TESSERA_ASSIGN_OR_RETURN(auto info, storage.Stat(path));
    delta::AddFile add;
    add.path = PercentEncodePath(relative);
    add.partition_values = values;
    add.size = info.size;
    add.modification_time = info.modification_time_ms;
    add.data_change = true;
    if (options.collect_stats)
      add.stats = std::move(stats);
    adds.push_back(std::move(add));
  }
  if (!partition_fields.empty())
    TESSERA_RETURN_NOT_OK(connection.Execute("DROP TABLE IF EXISTS __tessera_stage"));
  return adds;
}

}  // namespace tessera::engine
