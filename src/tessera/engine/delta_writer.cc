#include "tessera/engine/delta_writer.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

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

namespace {

Status NotStorable(std::string_view name) {
  return Status::InvalidArgument("column type " + std::string(name) +
                                 " cannot be stored in a Delta table yet (cast it in the query)");
}

// A nested type's DuckDB name, as engine::ColumnType spells it (column_type.cc), read back into
// a Delta type: primitives, DECIMAL(p,s), T[] and T[n] (arrays), STRUCT(name T, ...) and
// MAP(K, V), nested to any depth. Inside nested types only types with an exact Delta
// counterpart are accepted (no unsigned or huge integers, no aliases such as JSON).
class TypeNameReader {
 public:
  explicit TypeNameReader(std::string_view text) : text_(text) {}

  Result<delta::DataType> ReadAll() {
    TESSERA_ASSIGN_OR_RETURN(delta::DataType type, Read(0));
    if (at_ != text_.size())
      return NotStorable(text_);
    return type;
  }

 private:
  static constexpr int kMaxDepth = 64;

  Result<delta::DataType> Read(int depth) {
    if (depth > kMaxDepth)
      return NotStorable(text_);
    delta::DataType type;
    if (Take("STRUCT(")) {
      type.kind = delta::DataType::Kind::kStruct;
      do {
        TESSERA_ASSIGN_OR_RETURN(std::string name, ReadName());
        if (!Take(" "))
          return NotStorable(text_);
        TESSERA_ASSIGN_OR_RETURN(delta::DataType member, Read(depth + 1));
        type.fields.push_back(delta::Field{name, std::move(member), true, Json::object()});
      } while (Take(", "));
      if (!Take(")"))
        return NotStorable(text_);
    } else if (Take("MAP(")) {
      type.kind = delta::DataType::Kind::kMap;
      TESSERA_ASSIGN_OR_RETURN(delta::DataType key, Read(depth + 1));
      if (!Take(", "))
        return NotStorable(text_);
      TESSERA_ASSIGN_OR_RETURN(delta::DataType value, Read(depth + 1));
      if (!Take(")"))
        return NotStorable(text_);
      type.element = std::make_shared<delta::DataType>(std::move(key));
      type.value = std::make_shared<delta::DataType>(std::move(value));
    } else {
      TESSERA_ASSIGN_OR_RETURN(type, ReadPrimitive());
    }
    // Suffixes: T[] is a list, T[3] a fixed-size array; both are Delta arrays.
    while (at_ < text_.size() && text_[at_] == '[') {
      size_t close = text_.find(']', at_);
      if (close == std::string_view::npos)
        return NotStorable(text_);
      for (size_t i = at_ + 1; i < close; ++i) {
        if (text_[i] < '0' || text_[i] > '9')
          return NotStorable(text_);
      }
      at_ = close + 1;
      delta::DataType array;
      array.kind = delta::DataType::Kind::kArray;
      array.element = std::make_shared<delta::DataType>(std::move(type));
      type = std::move(array);
    }
    return type;
  }

  Result<delta::DataType> ReadPrimitive() {
    if (Take("DECIMAL(")) {
      size_t close = text_.find(')', at_);
      if (close == std::string_view::npos)
        return NotStorable(text_);
      std::string spec(text_.substr(at_, close - at_));
      at_ = close + 1;
      return delta::PrimitiveType("decimal(" + spec + ")");
    }
    // Longest names first: "TIMESTAMP WITH TIME ZONE" before "TIMESTAMP".
    static const std::pair<const char*, const char*> kNames[] = {
        {"TIMESTAMP WITH TIME ZONE", "timestamp"},
        {"TIMESTAMP_MS", "timestamp_ntz"},
        {"TIMESTAMP_NS", "timestamp_ntz"},
        {"TIMESTAMP_S", "timestamp_ntz"},
        {"TIMESTAMP", "timestamp_ntz"},
        {"BOOLEAN", "boolean"},
        {"TINYINT", "byte"},
        {"SMALLINT", "short"},
        {"INTEGER", "integer"},
        {"BIGINT", "long"},
        {"FLOAT", "float"},
        {"DOUBLE", "double"},
        {"VARCHAR", "string"},
        {"BLOB", "binary"},
        {"DATE", "date"},
    };
    for (const auto& [duckdb, delta] : kNames) {
      std::string_view name(duckdb);
      if (text_.substr(at_, name.size()) != name)
        continue;
      char next = at_ + name.size() < text_.size() ? text_[at_ + name.size()] : '\0';
      if (next != '\0' && next != ',' && next != ')' && next != '[')
        continue;  // a longer name (e.g. TIMESTAMP_S vs TIMESTAMP) or an unknown one
      at_ += name.size();
      return delta::PrimitiveType(delta);
    }
    return NotStorable(text_);
  }

  // A struct member name: an identifier, or a double-quoted name with "" for a quote.
  Result<std::string> ReadName() {
    std::string name;
    if (Take("\"")) {
      while (at_ < text_.size()) {
        char c = text_[at_++];
        if (c == '"') {
          if (at_ < text_.size() && text_[at_] == '"') {
            name += '"';
            ++at_;
            continue;
          }
          return name;
        }
        name += c;
      }
      return NotStorable(text_);
    }
    while (at_ < text_.size() && text_[at_] != ' ')
      name += text_[at_++];
    if (name.empty())
      return NotStorable(text_);
    return name;
  }

  bool Take(std::string_view token) {
    if (text_.substr(at_, token.size()) != token)
      return false;
    at_ += token.size();
    return true;
  }

  std::string_view text_;
  size_t at_ = 0;
};

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
    case DUCKDB_TYPE_STRUCT:
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY:
    case DUCKDB_TYPE_MAP:
      return TypeNameReader(type.name).ReadAll();
    default:
      return NotStorable(type.name);
  }
}

bool ContainsTimestampNtz(const delta::DataType& type) {
  switch (type.kind) {
    case delta::DataType::Kind::kStruct:
      for (const delta::Field& f : type.fields) {
        if (ContainsTimestampNtz(f.type))
          return true;
      }
      return false;
    case delta::DataType::Kind::kArray:
      return ContainsTimestampNtz(*type.element);
    case delta::DataType::Kind::kMap:
      return ContainsTimestampNtz(*type.element) || ContainsTimestampNtz(*type.value);
    default:
      return type.IsPrimitive("timestamp_ntz");
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
      ntz |= ContainsTimestampNtz(f.type);
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
