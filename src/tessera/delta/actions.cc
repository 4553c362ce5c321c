#include "tessera/delta/actions.h"

#include <string>

#include "tessera/common/strings.h"
#include "tessera/storage/storage.h"

namespace tessera::delta {
namespace {

Result<std::map<std::string, std::string>> ParseStringMap(const Json& object,
                                                          std::string_view key) {
  std::map<std::string, std::string> out;
  const Json* v = JsonFind(object, key);
  if (v == nullptr)
    return out;
  if (!v->is_object())
    return Status::Corruption("field '" + std::string(key) + "' is not an object");
  for (const auto& [k, value] : v->items()) {
    if (value.is_null())
      continue;
    if (!value.is_string()) {
      return Status::Corruption("field '" + std::string(key) + "." + k + "' is not a string");
    }
    out[k] = value.get<std::string>();
  }
  return out;
}

Result<PartitionValues> ParsePartitionValues(const Json& object) {
  PartitionValues out;
  const Json* v = JsonFind(object, "partitionValues");
  if (v == nullptr)
    return out;
  if (!v->is_object())
    return Status::Corruption("field 'partitionValues' is not an object");
  for (const auto& [k, value] : v->items()) {
    if (value.is_null()) {
      out[k] = std::nullopt;
    } else if (value.is_string()) {
      out[k] = value.get<std::string>();
    } else {
      return Status::Corruption("partition value '" + k + "' is not a string");
    }
  }
  return out;
}

Result<std::optional<std::vector<std::string>>> ParseStringList(const Json& object,
                                                                std::string_view key) {
  const Json* v = JsonFind(object, key);
  if (v == nullptr)
    return std::optional<std::vector<std::string>>();
  if (!v->is_array())
    return Status::Corruption("field '" + std::string(key) + "' is not a list");
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) {
      return Status::Corruption("field '" + std::string(key) + "' has a non-string element");
    }
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<int32_t> ToInt32(int64_t value, std::string_view field) {
  if (value < INT32_MIN || value > INT32_MAX) {
    return Status::Corruption("field '" + std::string(field) + "' is out of range");
  }
  return static_cast<int32_t>(value);
}

Result<std::optional<DeletionVectorDescriptor>> ParseDeletionVector(const Json& object) {
  const Json* v = JsonFind(object, "deletionVector");
  if (v == nullptr)
    return std::optional<DeletionVectorDescriptor>();
  if (!v->is_object())
    return Status::Corruption("field 'deletionVector' is not an object");
  DeletionVectorDescriptor dv;
  TESSERA_ASSIGN_OR_RETURN(dv.storage_type, JsonString(*v, "storageType"));
  TESSERA_ASSIGN_OR_RETURN(dv.path_or_inline_dv, JsonString(*v, "pathOrInlineDv"));
  TESSERA_ASSIGN_OR_RETURN(auto offset, JsonOptInt(*v, "offset"));
  if (offset) {
    TESSERA_ASSIGN_OR_RETURN(int32_t off, ToInt32(*offset, "deletionVector.offset"));
    dv.offset = off;
  }
  TESSERA_ASSIGN_OR_RETURN(int64_t size, JsonInt(*v, "sizeInBytes"));
  TESSERA_ASSIGN_OR_RETURN(dv.size_in_bytes, ToInt32(size, "deletionVector.sizeInBytes"));
  TESSERA_ASSIGN_OR_RETURN(dv.cardinality, JsonInt(*v, "cardinality"));
  if (dv.storage_type != "u" && dv.storage_type != "i" && dv.storage_type != "p") {
    return Status::Corruption("unknown deletion vector storageType '" + dv.storage_type + "'");
  }
  if (dv.size_in_bytes < 0 || dv.cardinality < 0 || (dv.offset && *dv.offset < 0)) {
    return Status::Corruption("negative size, offset or cardinality in deletion vector");
  }
  return std::optional<DeletionVectorDescriptor>(std::move(dv));
}

// Stats may be a JSON string (commits) or, from some checkpoint readers, an embedded object.
Result<std::optional<std::string>> ParseStatsField(const Json& object) {
  const Json* v = JsonFind(object, "stats");
  if (v == nullptr)
    return std::optional<std::string>();
  if (v->is_string())
    return std::optional<std::string>(v->get<std::string>());
  if (v->is_object())
    return std::optional<std::string>(DumpJson(*v));
  return Status::Corruption("field 'stats' is not a string");
}

Result<Action> ParseProtocol(const Json& v) {
  Protocol p;
  TESSERA_ASSIGN_OR_RETURN(int64_t reader, JsonInt(v, "minReaderVersion"));
  TESSERA_ASSIGN_OR_RETURN(int64_t writer, JsonInt(v, "minWriterVersion"));
  TESSERA_ASSIGN_OR_RETURN(p.min_reader_version, ToInt32(reader, "minReaderVersion"));
  TESSERA_ASSIGN_OR_RETURN(p.min_writer_version, ToInt32(writer, "minWriterVersion"));
  TESSERA_ASSIGN_OR_RETURN(p.reader_features, ParseStringList(v, "readerFeatures"));
  TESSERA_ASSIGN_OR_RETURN(p.writer_features, ParseStringList(v, "writerFeatures"));
  return p;
}

Result<Action> ParseMetadata(const Json& v) {
  Metadata m;
  TESSERA_ASSIGN_OR_RETURN(m.id, JsonString(v, "id"));
  TESSERA_ASSIGN_OR_RETURN(m.name, JsonOptString(v, "name"));
  TESSERA_ASSIGN_OR_RETURN(m.description, JsonOptString(v, "description"));
  if (const Json* format = JsonFind(v, "format")) {
    TESSERA_ASSIGN_OR_RETURN(auto provider, JsonOptString(*format, "provider"));
    if (provider)
      m.format_provider = *provider;
    TESSERA_ASSIGN_OR_RETURN(m.format_options, ParseStringMap(*format, "options"));
  }
  TESSERA_ASSIGN_OR_RETURN(auto schema, JsonOptString(v, "schemaString"));
  if (!schema)
    return Status::Corruption("metaData has no schemaString");
  m.schema_string = std::move(*schema);
  TESSERA_ASSIGN_OR_RETURN(auto partitions, ParseStringList(v, "partitionColumns"));
  if (partitions)
    m.partition_columns = std::move(*partitions);
  TESSERA_ASSIGN_OR_RETURN(m.configuration, ParseStringMap(v, "configuration"));
  TESSERA_ASSIGN_OR_RETURN(m.created_time, JsonOptInt(v, "createdTime"));
  return m;
}

Result<Action> ParseAdd(const Json& v) {
  AddFile a;
  TESSERA_ASSIGN_OR_RETURN(a.path, JsonString(v, "path"));
  TESSERA_ASSIGN_OR_RETURN(a.partition_values, ParsePartitionValues(v));
  TESSERA_ASSIGN_OR_RETURN(a.size, JsonInt(v, "size"));
  TESSERA_ASSIGN_OR_RETURN(auto mtime, JsonOptInt(v, "modificationTime"));
  a.modification_time = mtime.value_or(0);
  TESSERA_ASSIGN_OR_RETURN(auto data_change, JsonOptBool(v, "dataChange"));
  a.data_change = data_change.value_or(true);
  TESSERA_ASSIGN_OR_RETURN(a.stats, ParseStatsField(v));
  if (const Json* parsed = JsonFind(v, "stats_parsed"))
    a.stats_parsed = *parsed;
  TESSERA_ASSIGN_OR_RETURN(a.tags, ParseStringMap(v, "tags"));
  TESSERA_ASSIGN_OR_RETURN(a.deletion_vector, ParseDeletionVector(v));
  TESSERA_ASSIGN_OR_RETURN(a.base_row_id, JsonOptInt(v, "baseRowId"));
  TESSERA_ASSIGN_OR_RETURN(a.default_row_commit_version, JsonOptInt(v, "defaultRowCommitVersion"));
  TESSERA_ASSIGN_OR_RETURN(a.clustering_provider, JsonOptString(v, "clusteringProvider"));
  if (a.size < 0)
    return Status::Corruption("add '" + a.path + "' has a negative size");
  return a;
}

Result<Action> ParseRemove(const Json& v) {
  RemoveFile r;
  TESSERA_ASSIGN_OR_RETURN(r.path, JsonString(v, "path"));
  TESSERA_ASSIGN_OR_RETURN(r.deletion_timestamp, JsonOptInt(v, "deletionTimestamp"));
  TESSERA_ASSIGN_OR_RETURN(auto data_change, JsonOptBool(v, "dataChange"));
  r.data_change = data_change.value_or(true);
  TESSERA_ASSIGN_OR_RETURN(r.extended_file_metadata, JsonOptBool(v, "extendedFileMetadata"));
  if (JsonFind(v, "partitionValues") != nullptr) {
    TESSERA_ASSIGN_OR_RETURN(auto pv, ParsePartitionValues(v));
    r.partition_values = std::move(pv);
  }
  TESSERA_ASSIGN_OR_RETURN(r.size, JsonOptInt(v, "size"));
  TESSERA_ASSIGN_OR_RETURN(r.stats, ParseStatsField(v));
  TESSERA_ASSIGN_OR_RETURN(r.tags, ParseStringMap(v, "tags"));
  TESSERA_ASSIGN_OR_RETURN(r.deletion_vector, ParseDeletionVector(v));
  TESSERA_ASSIGN_OR_RETURN(r.base_row_id, JsonOptInt(v, "baseRowId"));
  TESSERA_ASSIGN_OR_RETURN(r.default_row_commit_version, JsonOptInt(v, "defaultRowCommitVersion"));
  return r;
}

Result<Action> ParseCdc(const Json& v) {
  AddCdcFile c;
  TESSERA_ASSIGN_OR_RETURN(c.path, JsonString(v, "path"));
  TESSERA_ASSIGN_OR_RETURN(c.partition_values, ParsePartitionValues(v));
  TESSERA_ASSIGN_OR_RETURN(auto size, JsonOptInt(v, "size"));
  c.size = size.value_or(0);
  TESSERA_ASSIGN_OR_RETURN(auto data_change, JsonOptBool(v, "dataChange"));
  c.data_change = data_change.value_or(false);
  TESSERA_ASSIGN_OR_RETURN(c.tags, ParseStringMap(v, "tags"));
  return c;
}

Result<Action> ParseTxn(const Json& v) {
  SetTransaction t;
  TESSERA_ASSIGN_OR_RETURN(t.app_id, JsonString(v, "appId"));
  TESSERA_ASSIGN_OR_RETURN(t.version, JsonInt(v, "version"));
  TESSERA_ASSIGN_OR_RETURN(t.last_updated, JsonOptInt(v, "lastUpdated"));
  return t;
}

Result<Action> ParseDomainMetadata(const Json& v) {
  DomainMetadata d;
  TESSERA_ASSIGN_OR_RETURN(d.domain, JsonString(v, "domain"));
  TESSERA_ASSIGN_OR_RETURN(auto config, JsonOptString(v, "configuration"));
  d.configuration = config.value_or("");
  TESSERA_ASSIGN_OR_RETURN(auto removed, JsonOptBool(v, "removed"));
  d.removed = removed.value_or(false);
  return d;
}

Result<Action> ParseSidecar(const Json& v) {
  Sidecar s;
  TESSERA_ASSIGN_OR_RETURN(s.path, JsonString(v, "path"));
  TESSERA_ASSIGN_OR_RETURN(auto size, JsonOptInt(v, "sizeInBytes"));
  s.size_in_bytes = size.value_or(0);
  TESSERA_ASSIGN_OR_RETURN(auto mtime, JsonOptInt(v, "modificationTime"));
  s.modification_time = mtime.value_or(0);
  return s;
}

Result<Action> ParseCheckpointMetadata(const Json& v) {
  CheckpointMetadata c;
  TESSERA_ASSIGN_OR_RETURN(c.version, JsonInt(v, "version"));
  return c;
}

void PutIfSet(Json& out, const char* key, const std::optional<int64_t>& value) {
  if (value)
    out[key] = *value;
}

Json PartitionValuesToJson(const PartitionValues& values) {
  Json out = Json::object();
  for (const auto& [k, v] : values)
    out[k] = v ? Json(*v) : Json(nullptr);
  return out;
}

Json StringMapToJson(const std::map<std::string, std::string>& values) {
  Json out = Json::object();
  for (const auto& [k, v] : values)
    out[k] = v;
  return out;
}

Json DvToJson(const DeletionVectorDescriptor& dv) {
  Json out = {{"storageType", dv.storage_type},
              {"pathOrInlineDv", dv.path_or_inline_dv},
              {"sizeInBytes", dv.size_in_bytes},
              {"cardinality", dv.cardinality}};
  if (dv.offset)
    out["offset"] = *dv.offset;
  return out;
}

struct ToJsonVisitor {
  Json operator()(const Protocol& p) const {
    Json v = {{"minReaderVersion", p.min_reader_version},
              {"minWriterVersion", p.min_writer_version}};
    if (p.reader_features)
      v["readerFeatures"] = *p.reader_features;
    if (p.writer_features)
      v["writerFeatures"] = *p.writer_features;
    return {{"protocol", v}};
  }
  Json operator()(const Metadata& m) const {
    Json v = {{"id", m.id},
              {"format",
               {{"provider", m.format_provider}, {"options", StringMapToJson(m.format_options)}}},
              {"schemaString", m.schema_string},
              {"partitionColumns", m.partition_columns},
              {"configuration", StringMapToJson(m.configuration)}};
    if (m.name)
      v["name"] = *m.name;
    if (m.description)
      v["description"] = *m.description;
    PutIfSet(v, "createdTime", m.created_time);
    return {{"metaData", v}};
  }
  Json operator()(const AddFile& a) const {
    Json v = {{"path", a.path},
              {"partitionValues", PartitionValuesToJson(a.partition_values)},
              {"size", a.size},
              {"modificationTime", a.modification_time},
              {"dataChange", a.data_change}};
    if (a.stats)
      v["stats"] = *a.stats;
    if (!a.tags.empty())
      v["tags"] = StringMapToJson(a.tags);
    if (a.deletion_vector)
      v["deletionVector"] = DvToJson(*a.deletion_vector);
    PutIfSet(v, "baseRowId", a.base_row_id);
    PutIfSet(v, "defaultRowCommitVersion", a.default_row_commit_version);
    if (a.clustering_provider)
      v["clusteringProvider"] = *a.clustering_provider;
    return {{"add", v}};
  }
  Json operator()(const RemoveFile& r) const {
    Json v = {{"path", r.path}, {"dataChange", r.data_change}};
    PutIfSet(v, "deletionTimestamp", r.deletion_timestamp);
    if (r.extended_file_metadata)
      v["extendedFileMetadata"] = *r.extended_file_metadata;
    if (r.partition_values)
      v["partitionValues"] = PartitionValuesToJson(*r.partition_values);
    PutIfSet(v, "size", r.size);
    if (r.stats)
      v["stats"] = *r.stats;
    if (!r.tags.empty())
      v["tags"] = StringMapToJson(r.tags);
    if (r.deletion_vector)
      v["deletionVector"] = DvToJson(*r.deletion_vector);
    PutIfSet(v, "baseRowId", r.base_row_id);
    PutIfSet(v, "defaultRowCommitVersion", r.default_row_commit_version);
    return {{"remove", v}};
  }
  Json operator()(const AddCdcFile& c) const {
    Json v = {{"path", c.path},
              {"partitionValues", PartitionValuesToJson(c.partition_values)},
              {"size", c.size},
              {"dataChange", c.data_change}};
    if (!c.tags.empty())
      v["tags"] = StringMapToJson(c.tags);
    return {{"cdc", v}};
  }
  Json operator()(const SetTransaction& t) const {
    Json v = {{"appId", t.app_id}, {"version", t.version}};
    PutIfSet(v, "lastUpdated", t.last_updated);
    return {{"txn", v}};
  }
  Json operator()(const DomainMetadata& d) const {
    return {{"domainMetadata",
             {{"domain", d.domain}, {"configuration", d.configuration}, {"removed", d.removed}}}};
  }
  Json operator()(const CommitInfo& c) const { return {{"commitInfo", c.value}}; }
  Json operator()(const Sidecar& s) const {
    return {{"sidecar",
             {{"path", s.path},
              {"sizeInBytes", s.size_in_bytes},
              {"modificationTime", s.modification_time}}}};
  }
  Json operator()(const CheckpointMetadata& c) const {
    return {{"checkpointMetadata", {{"version", c.version}}}};
  }
};

}  // namespace

RemoveFile RemoveFileFor(const AddFile& live, int64_t deletion_timestamp_ms) {
  RemoveFile remove;
  remove.path = live.path;
  remove.deletion_timestamp = deletion_timestamp_ms;
  remove.data_change = true;
  remove.extended_file_metadata = true;
  remove.partition_values = live.partition_values;
  remove.size = live.size;
  remove.deletion_vector = live.deletion_vector;
  remove.base_row_id = live.base_row_id;
  remove.default_row_commit_version = live.default_row_commit_version;
  return remove;
}

std::string DeletionVectorDescriptor::UniqueId() const {
  std::string id = storage_type + path_or_inline_dv;
  if (offset)
    id += "@" + std::to_string(*offset);
  return id;
}

std::optional<int64_t> CommitInfo::InCommitTimestamp() const {
  auto r = JsonOptInt(value, "inCommitTimestamp");
  return r.ok() ? *r : std::nullopt;
}

std::optional<int64_t> CommitInfo::Timestamp() const {
  auto r = JsonOptInt(value, "timestamp");
  return r.ok() ? *r : std::nullopt;
}

std::string CommitInfo::Operation() const {
  auto r = JsonOptString(value, "operation");
  return r.ok() && r->has_value() ? **r : std::string();
}

Result<std::optional<Action>> ParseAction(const Json& line) {
  if (!line.is_object())
    return Status::Corruption("log line is not a JSON object");
  for (const auto& [key, body] : line.items()) {
    if (body.is_null())
      continue;
    Result<Action> parsed = Status::Internal("unreachable");
    if (key == "commitInfo") {
      if (!body.is_object())
        return Status::Corruption("commitInfo is not an object");
      return std::optional<Action>(CommitInfo{body});
    }
    if (!body.is_object())
      return Status::Corruption("action '" + key + "' is not an object");
    if (key == "add") {
      parsed = ParseAdd(body);
    } else if (key == "remove") {
      parsed = ParseRemove(body);
    } else if (key == "metaData") {
      parsed = ParseMetadata(body);
    } else if (key == "protocol") {
      parsed = ParseProtocol(body);
    } else if (key == "cdc") {
      parsed = ParseCdc(body);
    } else if (key == "txn") {
      parsed = ParseTxn(body);
    } else if (key == "domainMetadata") {
      parsed = ParseDomainMetadata(body);
    } else if (key == "sidecar") {
      parsed = ParseSidecar(body);
    } else if (key == "checkpointMetadata") {
      parsed = ParseCheckpointMetadata(body);
    } else {
      continue;  // PROTOCOL.md: readers ignore unknown actions.
    }
    if (!parsed.ok())
      return parsed.status().WithContext("in '" + key + "' action");
    return std::optional<Action>(std::move(parsed).value());
  }
  return std::optional<Action>();
}

Result<std::vector<Action>> ParseCommit(std::string_view text) {
  std::vector<Action> actions;
  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    auto json = ParseJson(line);
    Result<std::optional<Action>> action =
        json.ok() ? ParseAction(*json) : Result<std::optional<Action>>(json.status());
    if (!action.ok())
      return action.status().WithContext("line " + std::to_string(line_number));
    if (action->has_value())
      actions.push_back(std::move(**action));
  }
  return actions;
}

Json ActionToJson(const Action& action) { return std::visit(ToJsonVisitor{}, action); }

Result<std::string> ResolveDataPath(std::string_view table_root, std::string_view log_path) {
  std::string_view p = log_path;
  bool absolute = false;
  if (StartsWith(p, "file:")) {
    p.remove_prefix(5);
    // file:///a, file://localhost/a and file:/a all name /a (Spark canonicalises them alike).
    if (StartsWith(p, "//")) {
      p.remove_prefix(2);
      size_t slash = p.find('/');
      if (slash == std::string_view::npos)
        return Status::Corruption("bad file URI '" + std::string(log_path) + "'");
      p.remove_prefix(slash);
    }
    absolute = true;
  } else if (p.find("://") != std::string_view::npos) {
    return Status::Unsupported("data file on an unsupported store: '" + std::string(log_path) +
                               "'");
  } else if (StartsWith(p, "/")) {
    absolute = true;
  }
  TESSERA_ASSIGN_OR_RETURN(std::string decoded, PercentDecode(p));
  // The operating system would end the path at a NUL, after the checks below: "..%00" is "..".
  if (decoded.find('\0') != std::string::npos)
    return Status::Corruption("data path contains a NUL byte: '" + std::string(log_path) + "'");
  if (absolute)
    return decoded;
  // A relative path must stay inside the table: reject parent references from a hostile log.
  for (const std::string& part : Split(decoded, '/')) {
    if (part == "..")
      return Status::Corruption("data path escapes the table: '" + decoded + "'");
  }
  return storage::JoinPath(table_root, decoded);
}

std::string FileActionKey(std::string_view decoded_path,
                          const std::optional<DeletionVectorDescriptor>& dv) {
  std::string key(decoded_path);
  key += '\n';
  if (dv)
    key += dv->UniqueId();
  return key;
}

}  // namespace tessera::delta
