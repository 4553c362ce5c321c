#include "tessera/engine/delta_sql.h"

#include <cstdio>
#include <map>

#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/scan_hints.h"

namespace tessera::engine {
namespace {

using delta::DataType;
using delta::Field;

Result<std::string> StructType(const std::vector<Field>& fields) {
  std::string out = "STRUCT(";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0)
      out += ", ";
    TESSERA_ASSIGN_OR_RETURN(std::string child, DuckDbType(fields[i].type));
    out += QuoteIdentifier(fields[i].name) + " " + child;
  }
  return out + ")";
}

// "2020-01-01 08:09:10.001000+00": an explicit offset, so DuckDB never applies a session zone.
std::string FormatMicrosUtc(int64_t micros) {
  int64_t millis = micros / 1000;
  int64_t sub = micros % 1000;
  if (sub < 0) {
    sub += 1000;
    --millis;
  }
  std::string iso = FormatIso8601Millis(millis);  // 2020-01-01T08:09:10.001Z
  iso[10] = ' ';
  iso.pop_back();
  char tail[8];
  std::snprintf(tail, sizeof(tail), "%03d", static_cast<int>(sub));
  return iso + tail + "+00";
}

bool NeedsRenaming(const DataType& type) {
  switch (type.kind) {
    case DataType::Kind::kStruct:
      for (const Field& f : type.fields) {
        if (f.PhysicalName() != f.name || NeedsRenaming(f.type))
          return true;
      }
      return false;
    case DataType::Kind::kArray:
      return NeedsRenaming(*type.element);
    case DataType::Kind::kMap:
      return NeedsRenaming(*type.element) || NeedsRenaming(*type.value);
    default:
      return false;
  }
}

// An expression turning a value read with physical nested names into the logical shape.
Result<std::string> LogicalExpr(const DataType& type, const std::string& source, int depth) {
  if (!NeedsRenaming(type))
    return source;
  std::string var = "x" + std::to_string(depth);
  switch (type.kind) {
    case DataType::Kind::kStruct: {
      std::string out = "CASE WHEN " + source + " IS NULL THEN NULL ELSE struct_pack(";
      for (size_t i = 0; i < type.fields.size(); ++i) {
        const Field& f = type.fields[i];
        if (i > 0)
          out += ", ";
        TESSERA_ASSIGN_OR_RETURN(
            std::string child,
            LogicalExpr(f.type,
                        "struct_extract(" + source + ", " + QuoteLiteral(f.PhysicalName()) + ")",
                        depth + 1));
        out += QuoteIdentifier(f.name) + " := " + child;
      }
      return out + ") END";
    }
    case DataType::Kind::kArray: {
      TESSERA_ASSIGN_OR_RETURN(std::string element, LogicalExpr(*type.element, var, depth + 1));
      return "list_transform(" + source + ", " + var + " -> " + element + ")";
    }
    case DataType::Kind::kMap: {
      TESSERA_ASSIGN_OR_RETURN(std::string key,
                               LogicalExpr(*type.element, var + ".key", depth + 1));
      TESSERA_ASSIGN_OR_RETURN(std::string value,
                               LogicalExpr(*type.value, var + ".value", depth + 1));
      return "map_from_entries(list_transform(map_entries(" + source + "), " + var +
             " -> {'key': " + key + ", 'value': " + value + "}))";
    }
    default:
      return source;
  }
}

// One group of data files read by a single read_parquet call.
struct FileGroup {
  std::vector<std::string> paths;
  std::string file_key;  // the add.path when the group is one file read for row-level writes
  const delta::PartitionValues* partition_values = nullptr;
  std::string row_filter;  // SQL over file_row_number, empty if no deletion vector
  // Change data files carry an extra _change_type column that no field id names: read them by
  // (physical) column name even under id mapping.
  bool by_name = false;
};

class ScanBuilder {
 public:
  ScanBuilder(const delta::Snapshot& snapshot, const DvRegistrar& register_dv)
      : snapshot_(snapshot), register_dv_(register_dv) {}

  // The SELECT list mapping one group's physical columns to the logical schema.
  Result<std::string> Projection(const FileGroup& group, const std::string& extra) const {
    std::string out;
    const auto& partitions = snapshot_.metadata().partition_columns;
    for (const Field& f : snapshot_.schema().fields) {
      if (!out.empty())
        out += ", ";
      TESSERA_ASSIGN_OR_RETURN(std::string type, DuckDbType(f.type));
      bool is_partition = false;
      for (const auto& p : partitions)
        is_partition |= ToLower(p) == ToLower(f.name);
      if (is_partition) {
        std::optional<std::string> value;
        if (group.partition_values != nullptr) {
          auto it = group.partition_values->find(f.PhysicalName());
          if (it == group.partition_values->end())
            it = group.partition_values->find(f.name);
          if (it != group.partition_values->end())
            value = it->second;
        }
        TESSERA_ASSIGN_OR_RETURN(std::string literal, PartitionLiteral(f.type, value));
        out += literal + " AS " + QuoteIdentifier(f.name);
        continue;
      }
      std::string source =
          UseFieldIds(group) ? QuoteIdentifier(f.name) : QuoteIdentifier(f.PhysicalName());
      TESSERA_ASSIGN_OR_RETURN(std::string logical, LogicalExpr(f.type, source, 0));
      out += "CAST(" + logical + " AS " + type + ") AS " + QuoteIdentifier(f.name);
    }
    return out + extra;
  }

  // The FROM source of a group: every data column exists (NULL when a file lacks it).
  Result<std::string> Source(const FileGroup& group, bool with_row_numbers) const {
    std::string files = "[";
    for (size_t i = 0; i < group.paths.size(); ++i) {
      if (i > 0)
        files += ", ";
      files += QuoteLiteral(EscapeGlob(group.paths[i]));
    }
    files += "]";
    // Paths look Hive-style (x=1/), but partition values come from the log, never from paths.
    std::string options = std::string(", hive_partitioning = false") +
                          (with_row_numbers ? ", file_row_number = true" : "");
    if (UseFieldIds(group)) {
      // Parquet field ids name the columns; DuckDB fills ids a file lacks with the default.
      std::string schema = "MAP {";
      bool first = true;
      for (const Field& f : DataFields()) {
        auto id = f.FieldId();
        if (!id)
          return Status::Corruption("column '" + f.name + "' has no column mapping id");
        TESSERA_ASSIGN_OR_RETURN(std::string type, PhysicalType(f));
        if (!first)
          schema += ", ";
        first = false;
        schema += std::to_string(*id) + ": {name: " + QuoteLiteral(f.name) +
                  ", type: " + QuoteLiteral(type) + ", default_value: NULL}";
      }
      schema += "}";
      if (first)
        return "(SELECT * FROM read_parquet(" + files + options + "))";
      return "(SELECT * FROM read_parquet(" + files + ", schema = " + schema + options + "))";
    }
    // Files written before a column was added lack it: union_by_name plus an empty typed row
    // (UNION ALL BY NAME) makes every column exist, NULL where a file has no data for it.
    std::string typed;
    for (const Field& f : DataFields()) {
      TESSERA_ASSIGN_OR_RETURN(std::string type, PhysicalType(f));
      if (!typed.empty())
        typed += ", ";
      typed += "NULL::" + type + " AS " + QuoteIdentifier(f.PhysicalName());
    }
    std::string scan =
        "SELECT * FROM read_parquet(" + files + ", union_by_name = true" + options + ")";
    if (typed.empty())
      return "(" + scan + ")";
    return "((SELECT " + typed + " WHERE false) UNION ALL BY NAME (" + scan + "))";
  }

  Result<std::vector<FileGroup>> Groups(const SnapshotSqlOptions& options = {}) {
    std::map<std::string, size_t> by_partition;
    std::vector<FileGroup> groups;
    for (const delta::AddFile& file : snapshot_.files()) {
      if (options.only_files != nullptr && options.only_files->count(file.path) == 0) {
        continue;
      }
      if (options.skip_unless != nullptr && !FileMayMatch(snapshot_, file, *options.skip_unless)) {
        continue;
      }
      TESSERA_ASSIGN_OR_RETURN(std::string path,
                               delta::ResolveDataPath(snapshot_.table_root(), file.path));
      if (file.deletion_vector) {
        TESSERA_ASSIGN_OR_RETURN(std::string key,
                                 register_dv_(snapshot_.table_root(), *file.deletion_vector));
        FileGroup group{{path},
                        file.path,
                        &file.partition_values,
                        "tessera_dv_keep(" + QuoteLiteral(key) + ", file_row_number)"};
        groups.push_back(std::move(group));
        continue;
      }
      if (options.file_column) {
        groups.push_back(FileGroup{{path}, file.path, &file.partition_values, ""});
        continue;
      }
      std::string partition_key =
          DumpJson(delta::ActionToJson(delta::AddCdcFile{"", file.partition_values, 0, false, {}}));
      auto [it, inserted] = by_partition.try_emplace(partition_key, groups.size());
      if (inserted)
        groups.push_back(FileGroup{{}, "", &file.partition_values, ""});
      groups[it->second].paths.push_back(std::move(path));
    }
    return groups;
  }

  Result<std::string> EmptyRelation(const std::string& extra) const {
    std::string out;
    for (const Field& f : snapshot_.schema().fields) {
      TESSERA_ASSIGN_OR_RETURN(std::string type, DuckDbType(f.type));
      if (!out.empty())
        out += ", ";
      out += "NULL::" + type + " AS " + QuoteIdentifier(f.name);
    }
    return "SELECT " + out + extra + " WHERE false";
  }

  bool UseFieldIds(const FileGroup& group) const {
    return snapshot_.column_mapping_mode() == delta::ColumnMappingMode::kId && !group.by_name;
  }

  std::vector<Field> DataFields() const {
    std::vector<Field> out;
    for (const Field& f : snapshot_.schema().fields) {
      bool is_partition = false;
      for (const auto& p : snapshot_.metadata().partition_columns)
        is_partition |= ToLower(p) == ToLower(f.name);
      if (!is_partition)
        out.push_back(f);
    }
    return out;
  }

 private:
  // The type as stored in files: nested names are physical under column mapping.
  Result<std::string> PhysicalType(const Field& f) const {
    if (!NeedsRenaming(f.type))
      return DuckDbType(f.type);
    return PhysicalTypeOf(f.type);
  }
  Result<std::string> PhysicalTypeOf(const DataType& type) const {
    switch (type.kind) {
      case DataType::Kind::kStruct: {
        std::string out = "STRUCT(";
        for (size_t i = 0; i < type.fields.size(); ++i) {
          if (i > 0)
            out += ", ";
          TESSERA_ASSIGN_OR_RETURN(std::string child, PhysicalTypeOf(type.fields[i].type));
          out += QuoteIdentifier(type.fields[i].PhysicalName()) + " " + child;
        }
        return out + ")";
      }
      case DataType::Kind::kArray: {
        TESSERA_ASSIGN_OR_RETURN(std::string element, PhysicalTypeOf(*type.element));
        return element + "[]";
      }
      case DataType::Kind::kMap: {
        TESSERA_ASSIGN_OR_RETURN(std::string key, PhysicalTypeOf(*type.element));
        TESSERA_ASSIGN_OR_RETURN(std::string value, PhysicalTypeOf(*type.value));
        return "MAP(" + key + ", " + value + ")";
      }
      default:
        return DuckDbType(type);
    }
  }

  const delta::Snapshot& snapshot_;
  const DvRegistrar& register_dv_;
};

}  // namespace

Result<std::string> DuckDbType(const DataType& type) {
  switch (type.kind) {
    case DataType::Kind::kDecimal:
      return "DECIMAL(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case DataType::Kind::kStruct:
      return StructType(type.fields);
    case DataType::Kind::kArray: {
      TESSERA_ASSIGN_OR_RETURN(std::string element, DuckDbType(*type.element));
      return element + "[]";
    }
    case DataType::Kind::kMap: {
      TESSERA_ASSIGN_OR_RETURN(std::string key, DuckDbType(*type.element));
      TESSERA_ASSIGN_OR_RETURN(std::string value, DuckDbType(*type.value));
      return "MAP(" + key + ", " + value + ")";
    }
    case DataType::Kind::kPrimitive:
      break;
  }
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {"string", "VARCHAR"}, {"long", "BIGINT"},           {"integer", "INTEGER"},
      {"short", "SMALLINT"}, {"byte", "TINYINT"},          {"float", "FLOAT"},
      {"double", "DOUBLE"},  {"boolean", "BOOLEAN"},       {"binary", "BLOB"},
      {"date", "DATE"},      {"timestamp", "TIMESTAMPTZ"}, {"timestamp_ntz", "TIMESTAMP"},
      {"void", "VARCHAR"}};
  auto it = kTypes.find(type.name);
  if (it == kTypes.end())
    return Status::Unsupported("Delta type '" + type.name + "' is not supported");
  return it->second;
}

Result<std::string> PartitionLiteral(const DataType& type,
                                     const std::optional<std::string>& value) {
  TESSERA_ASSIGN_OR_RETURN(std::string duck, DuckDbType(type));
  // PROTOCOL.md "Partition Value Serialization": an empty string is NULL for every type.
  if (!value || value->empty())
    return "NULL::" + duck;
  if (type.IsPrimitive("binary"))
    return "encode(" + QuoteLiteral(*value) + ")";
  if (type.IsPrimitive("timestamp")) {
    // Zone-less values mean UTC (delta-kernel-rs and delta-rs default); parse them ourselves so
    // the session time zone can never shift them.
    TESSERA_ASSIGN_OR_RETURN(int64_t micros, ParseTimestampMicros(*value));
    return "CAST(" + QuoteLiteral(FormatMicrosUtc(micros)) + " AS TIMESTAMPTZ)";
  }
  return "CAST(" + QuoteLiteral(*value) + " AS " + duck + ")";
}

Result<std::string> SnapshotSql(const delta::Snapshot& snapshot, const DvRegistrar& register_dv) {
  return SnapshotSql(snapshot, register_dv, SnapshotSqlOptions{});
}

Result<std::string> SnapshotSql(const delta::Snapshot& snapshot, const DvRegistrar& register_dv,
                                const SnapshotSqlOptions& options) {
  ScanBuilder builder(snapshot, register_dv);
  TESSERA_ASSIGN_OR_RETURN(auto groups, builder.Groups(options));
  if (groups.empty()) {
    return builder.EmptyRelation(options.file_column ? ", NULL::VARCHAR AS __tessera_file" : "");
  }
  std::string sql;
  for (const FileGroup& group : groups) {
    if (!sql.empty()) {
      sql += "\nUNION ALL\n";
    }
    std::string extra =
        options.file_column ? ", " + QuoteLiteral(group.file_key) + " AS __tessera_file" : "";
    TESSERA_ASSIGN_OR_RETURN(std::string projection, builder.Projection(group, extra));
    TESSERA_ASSIGN_OR_RETURN(std::string source, builder.Source(group, !group.row_filter.empty()));
    sql += "SELECT " + projection + " FROM " + source + " AS t";
    if (!group.row_filter.empty()) {
      sql += " WHERE " + group.row_filter;
    }
  }
  return sql;
}

}  // namespace tessera::engine

namespace tessera::engine {
namespace {

// The actions of one commit that the change feed reads.
struct CommitChanges {
  int64_t version = 0;
  int64_t timestamp_ms = 0;
  std::vector<delta::AddCdcFile> cdc;
  std::vector<delta::AddFile> adds;
  std::vector<delta::RemoveFile> removes;
  std::optional<delta::Metadata> metadata;
};

Result<CommitChanges> ReadCommitChanges(storage::Storage& storage, const std::string& log_dir,
                                        const delta::CommitRecord& record) {
  CommitChanges out;
  out.version = record.version;
  out.timestamp_ms = record.timestamp_ms;
  std::string path = storage::JoinPath(log_dir, delta::CommitFileName(record.version));
  TESSERA_ASSIGN_OR_RETURN(std::string text, storage.Read(path));
  auto actions = delta::ParseCommit(text);
  if (!actions.ok())
    return actions.status().WithContext("_delta_log/" + delta::CommitFileName(record.version));
  for (delta::Action& action : *actions) {
    if (auto* cdc = std::get_if<delta::AddCdcFile>(&action))
      out.cdc.push_back(std::move(*cdc));
    if (auto* add = std::get_if<delta::AddFile>(&action)) {
      if (add->data_change)
        out.adds.push_back(std::move(*add));
    }
    if (auto* remove = std::get_if<delta::RemoveFile>(&action)) {
      if (remove->data_change)
        out.removes.push_back(std::move(*remove));
    }
    if (auto* metadata = std::get_if<delta::Metadata>(&action))
      out.metadata = std::move(*metadata);
  }
  return out;
}

std::string Extra(const std::string& change_type_expr, const CommitChanges& commit) {
  return ", " + change_type_expr + " AS _change_type, " + std::to_string(commit.version) +
         "::BIGINT AS _commit_version, CAST(" +
         QuoteLiteral(FormatMicrosUtc(commit.timestamp_ms * 1000)) +
         " AS TIMESTAMPTZ) AS _commit_timestamp";
}

}  // namespace

Result<std::string> ChangesSql(storage::Storage& storage, delta::CheckpointReader* reader,
                               std::string_view table_root, int64_t from_version,
                               std::optional<int64_t> to_version, const DvRegistrar& register_dv) {
  if (from_version < 0) {
    return Status::InvalidArgument("change feed start version must be >= 0");
  }
  TESSERA_ASSIGN_OR_RETURN(auto end,
                           delta::Snapshot::Load(storage, reader, table_root, to_version));
  int64_t to = end->version();
  if (from_version > to) {
    return Status::InvalidArgument("change feed start version " + std::to_string(from_version) +
                                   " is after the end version " + std::to_string(to));
  }
  TESSERA_ASSIGN_OR_RETURN(auto start,
                           delta::Snapshot::Load(storage, reader, table_root, from_version));
  if (!delta::TablePropertyBool(start->metadata(), "delta.enableChangeDataFeed", false)) {
    return Status::Unsupported("the change data feed is not enabled at version " +
                               std::to_string(from_version) +
                               " (set delta.enableChangeDataFeed = true)");
  }
  if (start->metadata().schema_string != end->metadata().schema_string) {
    return Status::Unsupported("the schema changes between versions " +
                               std::to_string(from_version) + " and " + std::to_string(to) +
                               "; read the change feed in ranges with one schema");
  }
  TESSERA_ASSIGN_OR_RETURN(auto history, delta::ReadHistory(storage, table_root));
  ScanBuilder builder(*end, register_dv);
  std::string log_dir = storage::JoinPath(end->table_root(), "_delta_log");
  std::string sql;
  auto append = [&](const FileGroup& group, const std::string& extra, bool row_numbers) -> Status {
    TESSERA_ASSIGN_OR_RETURN(std::string projection, builder.Projection(group, extra));
    TESSERA_ASSIGN_OR_RETURN(std::string source, builder.Source(group, row_numbers));
    if (!sql.empty())
      sql += "\nUNION ALL\n";
    sql += "SELECT " + projection + " FROM " + source + " AS t";
    if (!group.row_filter.empty())
      sql += " WHERE " + group.row_filter;
    return Status::OK();
  };
  auto keep = [&](const std::optional<delta::DeletionVectorDescriptor>& dv) -> Result<std::string> {
    if (!dv)
      return std::string("true");
    TESSERA_ASSIGN_OR_RETURN(std::string key, register_dv(end->table_root(), *dv));
    return "tessera_dv_keep(" + QuoteLiteral(key) + ", file_row_number)";
  };
  for (const delta::CommitRecord& record : history) {
    if (record.version < from_version || record.version > to)
      continue;
    TESSERA_ASSIGN_OR_RETURN(CommitChanges commit, ReadCommitChanges(storage, log_dir, record));
    if (commit.metadata && record.version > from_version) {
      if (!delta::TablePropertyBool(*commit.metadata, "delta.enableChangeDataFeed", false)) {
        return Status::Unsupported("the change data feed is disabled at version " +
                                   std::to_string(record.version));
      }
      if (commit.metadata->schema_string != end->metadata().schema_string) {
        return Status::Unsupported("the schema changes at version " +
                                   std::to_string(record.version) +
                                   "; read the change feed in ranges with one schema");
      }
    }
    if (!commit.cdc.empty()) {
      // PROTOCOL.md "Change Data Files": when a commit has cdc files, read only those; their
      // `_change_type` column says what each row is.
      for (const delta::AddCdcFile& cdc : commit.cdc) {
        TESSERA_ASSIGN_OR_RETURN(std::string path,
                                 delta::ResolveDataPath(end->table_root(), cdc.path));
        FileGroup group{{path}, "", &cdc.partition_values, "", true};
        TESSERA_RETURN_NOT_OK(
            append(group, Extra("CAST(t._change_type AS VARCHAR)", commit), false));
      }
      continue;
    }
    std::map<std::string, const delta::AddFile*> added_by_path;
    for (const delta::AddFile& add : commit.adds)
      added_by_path[add.path] = &add;
    std::map<std::string, const delta::RemoveFile*> removed_by_path;
    for (const delta::RemoveFile& remove : commit.removes)
      removed_by_path[remove.path] = &remove;
    for (const delta::AddFile& add : commit.adds) {
      TESSERA_ASSIGN_OR_RETURN(std::string path,
                               delta::ResolveDataPath(end->table_root(), add.path));
      TESSERA_ASSIGN_OR_RETURN(std::string keep_new, keep(add.deletion_vector));
      auto removed = removed_by_path.find(add.path);
      if (removed != removed_by_path.end()) {
        // The same file re-added with a new deletion vector: rows only the new DV deletes are
        // deletes; rows only the old DV deleted are restored inserts (delta-kernel-rs resolve_dvs).
        TESSERA_ASSIGN_OR_RETURN(std::string keep_old, keep(removed->second->deletion_vector));
        FileGroup deleted{
            {path}, "", &add.partition_values, "NOT " + keep_new + " AND " + keep_old};
        TESSERA_RETURN_NOT_OK(append(deleted, Extra("'delete'", commit), true));
        FileGroup restored{{path}, "", &add.partition_values, keep_new + " AND NOT " + keep_old};
        TESSERA_RETURN_NOT_OK(append(restored, Extra("'insert'", commit), true));
        continue;
      }
      FileGroup inserted{{path}, "", &add.partition_values, add.deletion_vector ? keep_new : ""};
      TESSERA_RETURN_NOT_OK(
          append(inserted, Extra("'insert'", commit), add.deletion_vector.has_value()));
    }
    for (const delta::RemoveFile& remove : commit.removes) {
      if (added_by_path.count(remove.path) != 0)
        continue;
      TESSERA_ASSIGN_OR_RETURN(std::string path,
                               delta::ResolveDataPath(end->table_root(), remove.path));
      const delta::PartitionValues* partition_values =
          remove.partition_values ? &*remove.partition_values : nullptr;
      if (partition_values == nullptr && !end->metadata().partition_columns.empty()) {
        return Status::Unsupported("remove of '" + remove.path + "' at version " +
                                   std::to_string(commit.version) +
                                   " has no partitionValues; cannot build its change rows");
      }
      TESSERA_ASSIGN_OR_RETURN(std::string keep_old, keep(remove.deletion_vector));
      FileGroup deleted{{path}, "", partition_values, remove.deletion_vector ? keep_old : ""};
      TESSERA_RETURN_NOT_OK(
          append(deleted, Extra("'delete'", commit), remove.deletion_vector.has_value()));
    }
  }
  if (sql.empty()) {
    return builder.EmptyRelation(
        ", NULL::VARCHAR AS _change_type, NULL::BIGINT AS _commit_version, NULL::TIMESTAMPTZ AS "
        "_commit_timestamp");
  }
  return sql;
}

}  // namespace tessera::engine
