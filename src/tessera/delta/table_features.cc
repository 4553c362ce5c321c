#include "tessera/delta/table_features.h"

#include <algorithm>

#include "tessera/common/strings.h"
#include "tessera/delta/schema.h"

namespace tessera::delta {
namespace {

// The allow-lists (delta-kernel-rs keeps the same kind of static table). Anything else is refused:
// a permissive reader silently misreads tables it does not understand.
constexpr std::string_view kReaderFeatures[] = {
    "deletionVectors",     "columnMapping", "timestampNtz",        "v2Checkpoint",
    "vacuumProtocolCheck", "typeWidening",  "typeWidening-preview"};

constexpr std::string_view kWriterFeatures[] = {
    "appendOnly",           "invariants",    "checkConstraints",    "changeDataFeed",
    "generatedColumns",     "columnMapping", "identityColumns",     "deletionVectors",
    "timestampNtz",         "v2Checkpoint",  "vacuumProtocolCheck", "inCommitTimestamp",
    "domainMetadata",       "rowTracking",   "allowColumnDefaults", "typeWidening",
    "typeWidening-preview", "clustering"};

bool Contains(const std::optional<std::vector<std::string>>& list, std::string_view name) {
  return list && std::find(list->begin(), list->end(), name) != list->end();
}

template <size_t N>
bool Allowed(const std::string_view (&list)[N], std::string_view name) {
  return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

bool AnyFieldHasMetadata(const std::vector<Field>& fields, std::string_view key) {
  for (const Field& f : fields) {
    if (JsonFind(f.metadata, key) != nullptr)
      return true;
    if (f.type.kind == DataType::Kind::kStruct && AnyFieldHasMetadata(f.type.fields, key))
      return true;
  }
  return false;
}

}  // namespace

bool HasReaderFeature(const Protocol& protocol, std::string_view feature) {
  return protocol.min_reader_version >= 3 && Contains(protocol.reader_features, feature);
}

bool HasWriterFeature(const Protocol& protocol, std::string_view feature) {
  if (protocol.min_writer_version >= 7)
    return Contains(protocol.writer_features, feature);
  // Legacy writer versions imply fixed feature sets (PROTOCOL.md "Table Features").
  static constexpr std::pair<std::string_view, int> kImplied[] = {
      {"appendOnly", 2},       {"invariants", 2},    {"checkConstraints", 3}, {"changeDataFeed", 4},
      {"generatedColumns", 4}, {"columnMapping", 5}, {"identityColumns", 6}};
  for (const auto& [name, version] : kImplied) {
    if (name == feature)
      return protocol.min_writer_version >= version;
  }
  return false;
}

bool TablePropertyBool(const Metadata& metadata, std::string_view key, bool fallback) {
  auto it = metadata.configuration.find(std::string(key));
  if (it == metadata.configuration.end())
    return fallback;
  return ToLower(it->second) == "true";
}

Status CheckReadSupported(const Protocol& protocol) {
  if (protocol.min_reader_version < 1 || protocol.min_reader_version > 3) {
    return Status::Unsupported("table requires reader version " +
                               std::to_string(protocol.min_reader_version) +
                               "; tessera reads versions 1 to 3");
  }
  if (protocol.min_reader_version == 3 && protocol.reader_features) {
    for (const std::string& feature : *protocol.reader_features) {
      if (!Allowed(kReaderFeatures, feature)) {
        return Status::Unsupported("table uses reader feature '" + feature +
                                   "', which tessera does not support");
      }
    }
  }
  return Status::OK();
}

Status CheckWriteSupported(const Protocol& protocol, const Metadata& metadata) {
  TESSERA_RETURN_NOT_OK(CheckReadSupported(protocol));
  if (protocol.min_writer_version < 1 || protocol.min_writer_version > 7) {
    return Status::Unsupported("table requires writer version " +
                               std::to_string(protocol.min_writer_version));
  }
  if (protocol.min_writer_version == 7 && protocol.writer_features) {
    for (const std::string& feature : *protocol.writer_features) {
      if (!Allowed(kWriterFeatures, feature)) {
        return Status::Unsupported("table uses writer feature '" + feature +
                                   "', which tessera cannot write");
      }
    }
  }
  TESSERA_ASSIGN_OR_RETURN(Schema schema, ParseSchema(metadata.schema_string));
  // Features whose rules are Spark SQL expressions or counters: refuse rather than break them.
  if (HasWriterFeature(protocol, "invariants") &&
      AnyFieldHasMetadata(schema.fields, "delta.invariants")) {
    return Status::Unsupported("table has column invariants, which tessera cannot enforce");
  }
  if (HasWriterFeature(protocol, "checkConstraints")) {
    for (const auto& [key, value] : metadata.configuration) {
      if (StartsWith(key, "delta.constraints.")) {
        return Status::Unsupported("table has CHECK constraint '" + key.substr(18) +
                                   "', which tessera cannot enforce");
      }
    }
  }
  if (HasWriterFeature(protocol, "generatedColumns") &&
      AnyFieldHasMetadata(schema.fields, "delta.generationExpression")) {
    return Status::Unsupported("table has generated columns, which tessera cannot compute");
  }
  if (HasWriterFeature(protocol, "identityColumns") &&
      AnyFieldHasMetadata(schema.fields, "delta.identity.start")) {
    return Status::Unsupported("table has identity columns, which tessera cannot assign");
  }
  if (HasWriterFeature(protocol, "rowTracking") &&
      TablePropertyBool(metadata, "delta.enableRowTracking", false)) {
    return Status::Unsupported("table has row tracking enabled, which tessera cannot maintain");
  }
  if (HasWriterFeature(protocol, "typeWidening") ||
      HasWriterFeature(protocol, "typeWidening-preview")) {
    return Status::Unsupported("writing to type-widened tables is not supported yet");
  }
  return Status::OK();
}

Result<ColumnMappingMode> GetColumnMappingMode(const Protocol& protocol, const Metadata& metadata) {
  bool supported = protocol.min_reader_version == 2 || HasReaderFeature(protocol, "columnMapping");
  auto it = metadata.configuration.find("delta.columnMapping.mode");
  if (!supported || it == metadata.configuration.end())
    return ColumnMappingMode::kNone;
  if (it->second == "none")
    return ColumnMappingMode::kNone;
  if (it->second == "name")
    return ColumnMappingMode::kName;
  if (it->second == "id")
    return ColumnMappingMode::kId;
  return Status::Unsupported("unknown column mapping mode '" + it->second + "'");
}

}  // namespace tessera::delta
