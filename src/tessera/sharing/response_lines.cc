#include "tessera/sharing/response_lines.h"

#include <variant>

#include "tessera/common/crypto.h"

namespace tessera::sharing {
namespace {

Json PartitionValuesJson(const delta::PartitionValues& values) {
  Json json = Json::object();
  for (const auto& [name, value] : values) {
    if (value)
      json[name] = *value;
    else
      json[name] = nullptr;
  }
  return json;
}

// Field metadata such as column-mapping ids or generation expressions means nothing to a
// parquet-format client; the reference server keeps only comments, and so do we.
void StripType(Json& type);

void StripFields(Json& type) {
  Json* fields = type.is_object() && type.contains("fields") ? &type["fields"] : nullptr;
  if (fields == nullptr || !fields->is_array())
    return;
  for (Json& field : *fields) {
    if (!field.is_object())
      continue;
    Json kept = Json::object();
    if (field.contains("metadata") && field["metadata"].is_object() &&
        field["metadata"].contains("comment")) {
      kept["comment"] = field["metadata"]["comment"];
    }
    field["metadata"] = kept;
    if (field.contains("type"))
      StripType(field["type"]);
  }
}

void StripType(Json& type) {
  if (!type.is_object())
    return;
  StripFields(type);
  for (const char* child : {"elementType", "keyType", "valueType"}) {
    if (type.contains(child))
      StripType(type[child]);
  }
}

const delta::PartitionValues* PartitionValuesOf(const delta::Action& action) {
  if (const auto* add = std::get_if<delta::AddFile>(&action))
    return &add->partition_values;
  if (const auto* remove = std::get_if<delta::RemoveFile>(&action))
    return remove->partition_values ? &*remove->partition_values : nullptr;
  if (const auto* cdc = std::get_if<delta::AddCdcFile>(&action))
    return &cdc->partition_values;
  return nullptr;
}

int64_t SizeOf(const delta::Action& action) {
  if (const auto* add = std::get_if<delta::AddFile>(&action))
    return add->size;
  if (const auto* remove = std::get_if<delta::RemoveFile>(&action))
    return remove->size.value_or(0);
  if (const auto* cdc = std::get_if<delta::AddCdcFile>(&action))
    return cdc->size;
  return 0;
}

std::optional<std::string> StatsOf(const delta::Action& action) {
  if (const auto* add = std::get_if<delta::AddFile>(&action)) {
    if (add->stats)
      return add->stats;
    if (add->stats_parsed)
      return DumpJson(*add->stats_parsed);
  }
  return std::nullopt;
}

Json ParquetFileLine(FileLineKind kind, const delta::Action& action, const FileLineExtras& extras) {
  Json file = {{"url", extras.data.url}, {"id", extras.id}};
  const delta::PartitionValues* values = PartitionValuesOf(action);
  file["partitionValues"] = values != nullptr ? PartitionValuesJson(*values) : Json::object();
  file["size"] = SizeOf(action);
  if (kind != FileLineKind::kRemove && kind != FileLineKind::kCdf) {
    if (auto stats = StatsOf(action))
      file["stats"] = *stats;
  }
  if (extras.version)
    file["version"] = *extras.version;
  if (extras.timestamp)
    file["timestamp"] = *extras.timestamp;
  file["expirationTimestamp"] = extras.data.expiration_ms;
  switch (kind) {
    case FileLineKind::kFile:
      return {{"file", std::move(file)}};
    case FileLineKind::kAdd:
      return {{"add", std::move(file)}};
    case FileLineKind::kRemove:
      return {{"remove", std::move(file)}};
    case FileLineKind::kCdf:
      return {{"cdf", std::move(file)}};
  }
  return {{"file", std::move(file)}};
}

Json DeltaFileLine(const delta::Action& action, const FileLineExtras& extras) {
  Json single = delta::ActionToJson(action);
  // The Delta action stays verbatim except where it points at storage: the data file and an
  // on-disk deletion vector become signed URLs the recipient can fetch.
  for (auto& [key, value] : single.items()) {
    value["path"] = extras.data.url;
    if (extras.deletion_vector && value.contains("deletionVector")) {
      value["deletionVector"]["storageType"] = "p";
      value["deletionVector"]["pathOrInlineDv"] = extras.deletion_vector->url;
    }
  }
  Json file = {{"id", extras.id}, {"deltaSingleAction", std::move(single)}};
  if (extras.version)
    file["version"] = *extras.version;
  if (extras.timestamp)
    file["timestamp"] = *extras.timestamp;
  int64_t expiration = extras.data.expiration_ms;
  if (extras.deletion_vector && extras.deletion_vector->expiration_ms < expiration)
    expiration = extras.deletion_vector->expiration_ms;
  file["expirationTimestamp"] = expiration;
  return {{"file", std::move(file)}};
}

}  // namespace

void AppendParquetFileLine(std::string& out, const delta::AddFile& add,
                           const FileLineExtras& extras) {
  // Keys in the order the JSON library sorts them, so both paths give identical bytes.
  out += R"({"file":{"expirationTimestamp":)";
  out += std::to_string(extras.data.expiration_ms);
  out += R"(,"id":)";
  AppendJsonString(out, extras.id);
  out += R"(,"partitionValues":{)";
  bool first = true;
  for (const auto& [name, value] : add.partition_values) {
    if (!first)
      out += ',';
    first = false;
    AppendJsonString(out, name);
    out += ':';
    if (value)
      AppendJsonString(out, *value);
    else
      out += "null";
  }
  out += R"(},"size":)";
  out += std::to_string(add.size);
  if (add.stats) {
    out += R"(,"stats":)";
    AppendJsonString(out, *add.stats);
  } else if (add.stats_parsed) {
    out += R"(,"stats":)";
    AppendJsonString(out, DumpJson(*add.stats_parsed));
  }
  if (extras.timestamp) {
    out += R"(,"timestamp":)";
    out += std::to_string(*extras.timestamp);
  }
  out += R"(,"url":)";
  AppendJsonString(out, extras.data.url);
  if (extras.version) {
    out += R"(,"version":)";
    out += std::to_string(*extras.version);
  }
  out += "}}\n";
}

std::string_view ResponseFormatName(ResponseFormat format) {
  return format == ResponseFormat::kDelta ? "delta" : "parquet";
}

std::string FileId(FileIdScheme scheme, std::string_view log_path,
                   const std::optional<delta::DeletionVectorDescriptor>& dv) {
  std::string key(log_path);
  if (dv)
    key += "\n" + dv->UniqueId();
  return scheme == FileIdScheme::kParquet ? HexEncode(Md5(key)) : HexEncode(Sha256(key));
}

Json ProtocolLine(ResponseFormat format, const delta::Protocol& protocol,
                  std::optional<int64_t> version) {
  if (format == ResponseFormat::kParquet)
    return {{"protocol", {{"minReaderVersion", 1}}}};
  Json delta_protocol = {{"minReaderVersion", protocol.min_reader_version},
                         {"minWriterVersion", protocol.min_writer_version}};
  if (protocol.reader_features)
    delta_protocol["readerFeatures"] = *protocol.reader_features;
  if (protocol.writer_features)
    delta_protocol["writerFeatures"] = *protocol.writer_features;
  Json line = {{"deltaProtocol", std::move(delta_protocol)}};
  if (version)
    line["version"] = *version;
  return {{"protocol", std::move(line)}};
}

Json MetadataLine(ResponseFormat format, const delta::Metadata& metadata,
                  const MetadataExtras& extras) {
  Json line = Json::object();
  if (format == ResponseFormat::kParquet) {
    line["id"] = metadata.id;
    if (metadata.name)
      line["name"] = *metadata.name;
    if (metadata.description)
      line["description"] = *metadata.description;
    line["format"] = {{"provider", "parquet"}};
    line["schemaString"] = StripSchemaMetadata(metadata.schema_string);
    line["partitionColumns"] = metadata.partition_columns;
    Json configuration = Json::object();
    if (extras.change_data_feed)
      configuration["enableChangeDataFeed"] = "true";
    line["configuration"] = std::move(configuration);
  } else {
    Json action = delta::ActionToJson(delta::Action(metadata));
    line["deltaMetadata"] = std::move(action["metaData"]);
  }
  if (extras.version)
    line["version"] = *extras.version;
  if (extras.size)
    line["size"] = *extras.size;
  if (extras.num_files)
    line["numFiles"] = *extras.num_files;
  return {{"metaData", std::move(line)}};
}

Json FileLine(ResponseFormat format, FileLineKind kind, const delta::Action& action,
              const FileLineExtras& extras) {
  if (format == ResponseFormat::kDelta)
    return DeltaFileLine(action, extras);
  return ParquetFileLine(kind, action, extras);
}

Json EndStreamLine(const std::optional<std::string>& refresh_token,
                   const std::optional<std::string>& next_page_token,
                   std::optional<int64_t> min_url_expiration_ms) {
  Json line = Json::object();
  if (refresh_token)
    line["refreshToken"] = *refresh_token;
  if (next_page_token)
    line["nextPageToken"] = *next_page_token;
  if (min_url_expiration_ms)
    line["minUrlExpirationTimestamp"] = *min_url_expiration_ms;
  return {{"endStreamAction", std::move(line)}};
}

std::string StripSchemaMetadata(std::string_view schema_string) {
  auto schema = ParseJson(schema_string);
  if (!schema.ok())
    return std::string(schema_string);
  StripType(*schema);
  return DumpJson(*schema);
}

}  // namespace tessera::sharing
