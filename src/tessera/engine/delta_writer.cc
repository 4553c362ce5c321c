#include "tessera/engine/delta_writer.h"

#include <cstdio>
#include <filesystem>
#include <map>

#include "tessera/common/random.h"
#include "tessera/common/strings.h"
#include "tessera/delta/log_segment.h"
#include "tessera/delta/schema.h"
#include "tessera/delta/snapshot.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/checkpoint_writer.h"
#include "tessera/engine/data_files.h"
#include "tessera/engine/delta_sql.h"

namespace tessera::engine {

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
  if (request.mode == WriteMode::kReplace) {
    auto existing = delta::Snapshot::Load(storage, &reader, request.table_root, std::nullopt);
    if (existing.ok())
      snapshot = *existing;
    else if (existing.status().code() != StatusCode::kNotFound)
      return existing.status();
  } else if (request.mode != WriteMode::kCreate) {
    TESSERA_ASSIGN_OR_RETURN(
        snapshot, delta::Snapshot::Load(storage, &reader, request.table_root, std::nullopt));
  } else {
    // Only real log entries count: a create killed mid-commit leaves a temporary file behind,
    // which must not block the next attempt.
    for (const auto& file :
         storage.List(storage::JoinPath(request.table_root, "_delta_log")).ValueOr({})) {
      if (delta::ParseLogFileName(delta::BaseName(file.path))) {
        return Status::AlreadyExists("a Delta table already exists at '" + request.table_root +
                                     "'");
      }
    }
  }
  TESSERA_ASSIGN_OR_RETURN(StatementInfo info, connection.Describe(request.query));
  TableLayout layout;
  std::string select;
  bool replace = snapshot && request.mode == WriteMode::kReplace;
  if (snapshot && !replace) {
    layout.schema = snapshot->schema();
    layout.partition_columns = snapshot->metadata().partition_columns;
    if (info.columns.size() != layout.schema.fields.size()) {
      return Status::InvalidArgument("the query has " + std::to_string(info.columns.size()) +
                                     " columns; the table has " +
                                     std::to_string(layout.schema.fields.size()));
    }
    // By name when the query has exactly the table's column names (any order, like a DataFrame
    // append); otherwise by position, like INSERT INTO ... SELECT.
    std::map<std::string, std::string> query_names;
    for (const Column& c : info.columns)
      query_names[ToLower(c.name)] = c.name;
    bool by_name = query_names.size() == info.columns.size();
    for (const delta::Field& f : layout.schema.fields)
      by_name &= query_names.count(ToLower(f.name)) != 0;
    for (size_t i = 0; i < layout.schema.fields.size(); ++i) {
      const delta::Field& f = layout.schema.fields[i];
      std::string source =
          by_name ? QuoteIdentifier(query_names[ToLower(f.name)]) : "#" + std::to_string(i + 1);
      TESSERA_ASSIGN_OR_RETURN(std::string type, DuckDbType(f.type));
      if (!select.empty())
        select += ", ";
      select += "CAST(" + source + " AS " + type + ") AS " + QuoteIdentifier(f.name);
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
  TESSERA_ASSIGN_OR_RETURN(auto adds, WriteDataFiles(connection, storage, request.table_root,
                                                     select, layout, DataFileOptions{}, &rows));
  delta::Transaction txn(request.table_root, snapshot);
  WriteResult result;
  result.rows = rows;
  std::optional<delta::Metadata> new_metadata;
  if (!snapshot || replace) {
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
    if (replace) {
      // The same table with a new shape: its id and creation time stay, and the protocol only
      // ever grows (a reader that could read it still can, or is refused by name).
      metadata.id = snapshot->metadata().id;
      metadata.created_time = snapshot->metadata().created_time;
      const delta::Protocol& old = snapshot->protocol();
      if (old.min_reader_version >= protocol.min_reader_version &&
          old.min_writer_version >= protocol.min_writer_version) {
        protocol = old;
      }
      bool same_shape = metadata.schema_string == snapshot->metadata().schema_string &&
                        metadata.partition_columns == snapshot->metadata().partition_columns &&
                        metadata.description == snapshot->metadata().description &&
                        metadata.configuration == snapshot->metadata().configuration;
      if (!(protocol == old))
        txn.SetProtocol(std::move(protocol));
      if (!same_shape) {
        new_metadata = metadata;
        txn.SetMetadata(std::move(metadata));
      }
      txn.MarkDataRead();
      int64_t now = SystemClock::Instance().NowMillis();
      for (const delta::AddFile& live : snapshot->files())
        txn.Remove(delta::RemoveFileFor(live, now));
      txn.SetOperation("REPLACE TABLE AS SELECT",
                       {{"partitionBy", DumpJson(Json(layout.partition_columns))}});
    } else {
      txn.SetProtocol(std::move(protocol));
      txn.SetMetadata(std::move(metadata));
      txn.SetOperation("CREATE TABLE AS SELECT",
                       {{"partitionBy", DumpJson(Json(layout.partition_columns))}});
    }
  } else if (request.mode == WriteMode::kOverwrite) {
    txn.MarkDataRead();
    int64_t now = SystemClock::Instance().NowMillis();
    for (const delta::AddFile& live : snapshot->files()) {
      txn.Remove(delta::RemoveFileFor(live, now));
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
  // Checkpoint on the table's cadence; a failure is logged and never fails the commit. Writes
  // here change metadata only when replacing; a create is v0.
  if (snapshot) {
    CheckpointAfterCommit(connection, storage, reader, request.table_root,
                          new_metadata ? *new_metadata : snapshot->metadata(), result.version);
  }
  return result;
}

}  // namespace tessera::engine
