#include "tessera/engine/delta_dml.h"

#include <set>

#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/delta/snapshot.h"
#include "tessera/delta/table_features.h"
#include "tessera/delta/transaction.h"
#include "tessera/engine/checkpoint_writer.h"
#include "tessera/engine/data_files.h"
#include "tessera/engine/delta_functions.h"
#include "tessera/engine/delta_sql.h"

namespace tessera::engine {
namespace {

// The table read for a row-level write, with the rows of each file tagged by its add.path.
struct DmlContext {
  std::shared_ptr<const delta::Snapshot> snapshot;
  TableLayout layout;
  std::string tagged_sql;  // every live file, with __tessera_file
  bool change_feed = false;
};

Result<DmlContext> Prepare(storage::Storage& storage, delta::CheckpointReader& reader,
                           const std::string& table_root) {
  DmlContext ctx;
  TESSERA_ASSIGN_OR_RETURN(ctx.snapshot,
                           delta::Snapshot::Load(storage, &reader, table_root, std::nullopt));
  TESSERA_RETURN_NOT_OK(
      delta::CheckWriteSupported(ctx.snapshot->protocol(), ctx.snapshot->metadata()));
  if (ctx.snapshot->column_mapping_mode() != delta::ColumnMappingMode::kNone) {
    return Status::Unsupported("row-level writes to column-mapped tables are not supported yet");
  }
  ctx.layout.schema = ctx.snapshot->schema();
  ctx.layout.partition_columns = ctx.snapshot->metadata().partition_columns;
  ctx.change_feed =
      delta::TablePropertyBool(ctx.snapshot->metadata(), "delta.enableChangeDataFeed", false);
  SnapshotSqlOptions options;
  options.file_column = true;
  TESSERA_ASSIGN_OR_RETURN(ctx.tagged_sql,
                           SnapshotSql(*ctx.snapshot, DvRegistrarFor(storage), options));
  return ctx;
}

std::string ColumnList(const delta::Schema& schema, const std::string& qualifier = "") {
  std::string out;
  for (const delta::Field& f : schema.fields) {
    if (!out.empty())
      out += ", ";
    out += qualifier + QuoteIdentifier(f.name);
  }
  return out;
}

// The add.paths of the files that hold at least one row of `rows_sql` (tagged rows).
Result<std::set<std::string>> AffectedFiles(Connection& connection, const std::string& rows_sql) {
  TESSERA_ASSIGN_OR_RETURN(
      auto list,
      connection.QueryScalarString("SELECT to_json(list(DISTINCT __tessera_file))::VARCHAR FROM (" +
                                   rows_sql + ")"));
  std::set<std::string> files;
  if (!list)
    return files;
  TESSERA_ASSIGN_OR_RETURN(Json json, ParseJson(*list));
  for (const Json& f : json) {
    if (f.is_string())
      files.insert(f.get<std::string>());
  }
  return files;
}

Result<int64_t> Count(Connection& connection, const std::string& sql) {
  TESSERA_ASSIGN_OR_RETURN(auto n,
                           connection.QueryScalarString("SELECT count(*) FROM (" + sql + ")"));
  return n ? ParseInt64(*n) : Result<int64_t>(int64_t{0});
}

// Rewrite the affected files as `new_rows_sql` and, with the change feed on, write
// `changes_sql` (the table's columns + _change_type) to _change_data/; then commit.
Result<int64_t> Rewrite(Connection& connection, storage::Storage& storage,
                        delta::CheckpointReader& reader, const DmlContext& ctx,
                        const std::set<std::string>& affected, const std::string& new_rows_sql,
                        const std::string& changes_sql, const std::string& operation,
                        const Json& parameters, Json metrics, DmlResult* result) {
  const std::string& root = ctx.snapshot->table_root();
  int64_t rows = 0;
  TESSERA_ASSIGN_OR_RETURN(auto adds, WriteDataFiles(connection, storage, root, new_rows_sql,
                                                     ctx.layout, DataFileOptions{}, &rows));
  delta::Transaction txn(root, ctx.snapshot);
  txn.MarkDataRead();
  int64_t now = SystemClock::Instance().NowMillis();
  for (const delta::AddFile& live : ctx.snapshot->files()) {
    if (affected.count(live.path) == 0)
      continue;
    txn.Remove(delta::RemoveFileFor(live, now));
  }
  for (delta::AddFile& add : adds)
    txn.Add(std::move(add));
  if (ctx.change_feed && !changes_sql.empty()) {
    // PROTOCOL.md "Change Data Files": rewrites must record what changed, in _change_data/.
    DataFileOptions cdc_options;
    cdc_options.dir_prefix = "_change_data/";
    cdc_options.collect_stats = false;
    cdc_options.extra_columns = {"_change_type"};
    int64_t cdc_rows = 0;
    TESSERA_ASSIGN_OR_RETURN(auto cdc_files, WriteDataFiles(connection, storage, root, changes_sql,
                                                            ctx.layout, cdc_options, &cdc_rows));
    for (const delta::AddFile& f : cdc_files) {
      txn.AddChangeData(delta::AddCdcFile{f.path, f.partition_values, f.size, false, {}});
    }
  }
  result->files_removed = static_cast<int64_t>(affected.size());
  result->files_added = static_cast<int64_t>(adds.size());
  metrics["numRemovedFiles"] = std::to_string(result->files_removed);
  metrics["numAddedFiles"] = std::to_string(result->files_added);
  txn.SetOperation(operation, parameters);
  txn.SetMetrics(std::move(metrics));
  TESSERA_ASSIGN_OR_RETURN(auto commit, txn.Commit(storage));
  // Row-level writes never change metadata: the read snapshot's is the committed one.
  CheckpointAfterCommit(connection, storage, reader, root, ctx.snapshot->metadata(),
                        commit.version);
  return commit.version;
}

}  // namespace

Result<DmlResult> DeleteRows(Connection& connection, storage::Storage& storage,
                             delta::CheckpointReader& reader, const std::string& table_root,
                             const std::string& predicate) {
  TESSERA_ASSIGN_OR_RETURN(DmlContext ctx, Prepare(storage, reader, table_root));
  std::string matches = "(" + predicate + ") IS TRUE";
  std::string tagged = "(" + ctx.tagged_sql + ")";
  TESSERA_ASSIGN_OR_RETURN(
      auto affected, AffectedFiles(connection, "SELECT * FROM " + tagged + " WHERE " + matches));
  DmlResult result;
  if (affected.empty())
    return result;
  SnapshotSqlOptions only;
  only.only_files = &affected;
  TESSERA_ASSIGN_OR_RETURN(std::string rows,
                           SnapshotSql(*ctx.snapshot, DvRegistrarFor(storage), only));
  std::string columns = ColumnList(ctx.layout.schema);
  std::string kept = "SELECT " + columns + " FROM (" + rows + ") WHERE NOT (" + matches + ")";
  std::string deleted =
      "SELECT " + columns + ", 'delete' AS _change_type FROM (" + rows + ") WHERE " + matches;
  TESSERA_ASSIGN_OR_RETURN(result.rows_deleted, Count(connection, deleted));
  TESSERA_ASSIGN_OR_RETURN(result.rows_copied, Count(connection, kept));
  TESSERA_ASSIGN_OR_RETURN(
      result.version, Rewrite(connection, storage, reader, ctx, affected, kept, deleted, "DELETE",
                              {{"predicate", predicate}},
                              {{"numDeletedRows", std::to_string(result.rows_deleted)},
                               {"numCopiedRows", std::to_string(result.rows_copied)}},
                              &result));
  return result;
}

Result<DmlResult> UpdateRows(Connection& connection, storage::Storage& storage,
                             delta::CheckpointReader& reader, const std::string& table_root,
                             const std::vector<std::pair<std::string, std::string>>& assignments,
                             const std::string& predicate) {
  TESSERA_ASSIGN_OR_RETURN(DmlContext ctx, Prepare(storage, reader, table_root));
  if (assignments.empty())
    return Status::InvalidArgument("an update needs at least one column = expression");
  std::map<std::string, std::string> by_column;
  for (const auto& [column, expr] : assignments) {
    const delta::Field* f = ctx.layout.schema.Find(column);
    if (f == nullptr)
      return Status::InvalidArgument("the table has no column '" + column + "'");
    by_column[f->name] = expr;
  }
  std::string matches = "(" + predicate + ") IS TRUE";
  TESSERA_ASSIGN_OR_RETURN(
      auto affected,
      AffectedFiles(connection, "SELECT * FROM (" + ctx.tagged_sql + ") WHERE " + matches));
  DmlResult result;
  if (affected.empty())
    return result;
  SnapshotSqlOptions only;
  only.only_files = &affected;
  TESSERA_ASSIGN_OR_RETURN(std::string rows,
                           SnapshotSql(*ctx.snapshot, DvRegistrarFor(storage), only));
  std::string new_values;
  for (const delta::Field& f : ctx.layout.schema.fields) {
    TESSERA_ASSIGN_OR_RETURN(std::string type, DuckDbType(f.type));
    if (!new_values.empty())
      new_values += ", ";
    auto it = by_column.find(f.name);
    std::string value = it == by_column.end()
                            ? QuoteIdentifier(f.name)
                            : "CASE WHEN " + matches + " THEN CAST((" + it->second + ") AS " +
                                  type + ") ELSE " + QuoteIdentifier(f.name) + " END";
    new_values += value + " AS " + QuoteIdentifier(f.name);
  }
  std::string columns = ColumnList(ctx.layout.schema);
  std::string rewritten = "SELECT " + new_values + " FROM (" + rows + ")";
  std::string changes = "SELECT " + columns + ", 'update_preimage' AS _change_type FROM (" + rows +
                        ") WHERE " + matches + " UNION ALL SELECT " + new_values +
                        ", 'update_postimage' AS _change_type FROM (" + rows + ") WHERE " + matches;
  TESSERA_ASSIGN_OR_RETURN(result.rows_updated,
                           Count(connection, "SELECT 1 FROM (" + rows + ") WHERE " + matches));
  TESSERA_ASSIGN_OR_RETURN(int64_t total, Count(connection, rows));
  result.rows_copied = total - result.rows_updated;
  Json set = Json::object();
  for (const auto& [column, expr] : assignments)
    set[column] = expr;
  TESSERA_ASSIGN_OR_RETURN(result.version,
                           Rewrite(connection, storage, reader, ctx, affected, rewritten, changes,
                                   "UPDATE", {{"predicate", predicate}, {"set", DumpJson(set)}},
                                   {{"numUpdatedRows", std::to_string(result.rows_updated)},
                                    {"numCopiedRows", std::to_string(result.rows_copied)}},
                                   &result));
  return result;
}

Result<DmlResult> MergeRows(Connection& connection, storage::Storage& storage,
                            delta::CheckpointReader& reader, const std::string& table_root,
                            const std::string& source_query, const std::vector<std::string>& keys) {
  TESSERA_ASSIGN_OR_RETURN(DmlContext ctx, Prepare(storage, reader, table_root));
  if (keys.empty())
    return Status::InvalidArgument("a merge needs at least one key column");
  TESSERA_ASSIGN_OR_RETURN(StatementInfo info, connection.Describe(source_query));
  std::set<std::string> source_columns;
  for (const Column& c : info.columns)
    source_columns.insert(ToLower(c.name));
  std::string typed_source;
  for (const delta::Field& f : ctx.layout.schema.fields) {
    if (source_columns.count(ToLower(f.name)) == 0) {
      return Status::InvalidArgument("the source has no column '" + f.name + "'");
    }
    TESSERA_ASSIGN_OR_RETURN(std::string type, DuckDbType(f.type));
    if (!typed_source.empty())
      typed_source += ", ";
    typed_source +=
        "CAST(" + QuoteIdentifier(f.name) + " AS " + type + ") AS " + QuoteIdentifier(f.name);
  }
  if (source_columns.size() != ctx.layout.schema.fields.size()) {
    return Status::InvalidArgument("the source has " + std::to_string(source_columns.size()) +
                                   " columns; the table has " +
                                   std::to_string(ctx.layout.schema.fields.size()));
  }
  std::string on;
  std::string key_list;
  for (const std::string& key : keys) {
    const delta::Field* f = ctx.layout.schema.Find(key);
    if (f == nullptr)
      return Status::InvalidArgument("the table has no key column '" + key + "'");
    if (!on.empty())
      on += " AND ";
    if (!key_list.empty())
      key_list += ", ";
    on += "t." + QuoteIdentifier(f->name) + " = s." + QuoteIdentifier(f->name);
    key_list += QuoteIdentifier(f->name);
  }
  // Materialise the source once: it is read several times and must not change in between.
  TESSERA_RETURN_NOT_OK(
      connection.Execute("CREATE OR REPLACE TEMP TABLE __tessera_merge_source AS SELECT " +
                         typed_source + " FROM (" + source_query + ")"));
  TESSERA_ASSIGN_OR_RETURN(auto dup,
                           connection.QueryScalarString(
                               "SELECT count(*) FROM (SELECT " + key_list +
                               " FROM __tessera_merge_source GROUP BY ALL HAVING count(*) > 1)"));
  if (dup && *dup != "0") {
    return Status::InvalidArgument("several source rows have the same key (" + key_list +
                                   "); a merge needs unique keys");
  }
  std::string source = "__tessera_merge_source";
  TESSERA_ASSIGN_OR_RETURN(
      auto affected, AffectedFiles(connection, "SELECT t.* FROM (" + ctx.tagged_sql +
                                                   ") t SEMI JOIN " + source + " s ON " + on));
  DmlResult result;
  std::string columns = ColumnList(ctx.layout.schema);
  std::string rows = "SELECT " + typed_source + " FROM " + source + " WHERE false";  // typed, empty
  if (!affected.empty()) {
    SnapshotSqlOptions only;
    only.only_files = &affected;
    TESSERA_ASSIGN_OR_RETURN(rows, SnapshotSql(*ctx.snapshot, DvRegistrarFor(storage), only));
  }
  std::string target = "(" + rows + ")";
  std::string new_rows = "SELECT t.* FROM " + target + " t ANTI JOIN " + source + " s ON " + on +
                         " UNION ALL SELECT * FROM " + source;
  std::string changes = "SELECT t.*, 'update_preimage' AS _change_type FROM " + target +
                        " t SEMI JOIN " + source + " s ON " + on +
                        " UNION ALL SELECT s.*, 'update_postimage' AS _change_type FROM " + source +
                        " s SEMI JOIN " + target + " t ON " + on +
                        " UNION ALL SELECT s.*, 'insert' AS _change_type FROM " + source +
                        " s ANTI JOIN " + target + " t ON " + on;
  TESSERA_ASSIGN_OR_RETURN(
      result.rows_updated,
      Count(connection, "SELECT 1 FROM " + target + " t SEMI JOIN " + source + " s ON " + on));
  TESSERA_ASSIGN_OR_RETURN(int64_t source_rows, Count(connection, "SELECT * FROM " + source));
  TESSERA_ASSIGN_OR_RETURN(int64_t target_rows, Count(connection, rows));
  result.rows_inserted = source_rows - result.rows_updated;
  result.rows_copied = target_rows - result.rows_updated;
  if (source_rows == 0) {
    TESSERA_RETURN_NOT_OK(connection.Execute("DROP TABLE IF EXISTS __tessera_merge_source"));
    return result;
  }
  auto version = Rewrite(connection, storage, reader, ctx, affected, new_rows, changes, "MERGE",
                         {{"predicate", on}, {"keys", DumpJson(Json(keys))}},
                         {{"numTargetRowsUpdated", std::to_string(result.rows_updated)},
                          {"numTargetRowsInserted", std::to_string(result.rows_inserted)},
                          {"numTargetRowsCopied", std::to_string(result.rows_copied)}},
                         &result);
  Status dropped = connection.Execute("DROP TABLE IF EXISTS __tessera_merge_source");
  if (!version.ok())
    return version.status();
  TESSERA_RETURN_NOT_OK(dropped);
  result.version = *version;
  return result;
}

}  // namespace tessera::engine
