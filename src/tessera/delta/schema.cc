#include "tessera/delta/schema.h"

#include <set>

#include "tessera/common/strings.h"

namespace tessera::delta {
namespace {

constexpr std::string_view kPrimitives[] = {
    "string",  "long",   "integer", "short",     "byte",          "float", "double",
    "boolean", "binary", "date",    "timestamp", "timestamp_ntz", "void",  "variant"};

Result<DataType> ParseType(const Json& json, int depth);

Result<Field> ParseField(const Json& json, int depth) {
  if (!json.is_object())
    return Status::Corruption("schema field is not an object");
  Field field;
  TESSERA_ASSIGN_OR_RETURN(field.name, JsonString(json, "name"));
  auto it = json.find("type");
  if (it == json.end())
    return Status::Corruption("schema field '" + field.name + "' has no type");
  auto type = ParseType(*it, depth + 1);
  if (!type.ok())
    return type.status().WithContext("field '" + field.name + "'");
  field.type = std::move(type).value();
  TESSERA_ASSIGN_OR_RETURN(auto nullable, JsonOptBool(json, "nullable"));
  field.nullable = nullable.value_or(true);
  if (const Json* metadata = JsonFind(json, "metadata")) {
    if (!metadata->is_object())
      return Status::Corruption("metadata of '" + field.name + "' is not an object");
    field.metadata = *metadata;
  }
  return field;
}

Status CheckUniqueNames(const std::vector<Field>& fields) {
  std::set<std::string> seen;
  for (const Field& f : fields) {
    if (!seen.insert(ToLower(f.name)).second) {
      return Status::Unsupported("duplicate column name '" + f.name +
                                 "' (names are case-insensitive)");
    }
  }
  return Status::OK();
}

Result<DataType> ParseType(const Json& json, int depth) {
  // Hostile schemas could nest without bound; real ones stay far below this.
  if (depth > 64)
    return Status::Corruption("schema nests deeper than 64 levels");
  if (json.is_string())
    return PrimitiveType(json.get<std::string>());
  if (!json.is_object())
    return Status::Corruption("schema type is neither a name nor an object");
  TESSERA_ASSIGN_OR_RETURN(std::string type, JsonString(json, "type"));
  DataType out;
  if (type == "struct") {
    out.kind = DataType::Kind::kStruct;
    out.name = "struct";
    const Json* fields = JsonFind(json, "fields");
    if (fields == nullptr || !fields->is_array())
      return Status::Corruption("struct has no fields list");
    for (const Json& f : *fields) {
      TESSERA_ASSIGN_OR_RETURN(Field field, ParseField(f, depth));
      out.fields.push_back(std::move(field));
    }
    TESSERA_RETURN_NOT_OK(CheckUniqueNames(out.fields));
    return out;
  }
  if (type == "array") {
    out.kind = DataType::Kind::kArray;
    out.name = "array";
    auto it = json.find("elementType");
    if (it == json.end())
      return Status::Corruption("array has no elementType");
    TESSERA_ASSIGN_OR_RETURN(DataType element, ParseType(*it, depth + 1));
    out.element = std::make_shared<DataType>(std::move(element));
    TESSERA_ASSIGN_OR_RETURN(auto contains_null, JsonOptBool(json, "containsNull"));
    out.contains_null = contains_null.value_or(true);
    return out;
  }
  if (type == "map") {
    out.kind = DataType::Kind::kMap;
    out.name = "map";
    auto k = json.find("keyType");
    auto v = json.find("valueType");
    if (k == json.end() || v == json.end())
      return Status::Corruption("map lacks keyType or valueType");
    TESSERA_ASSIGN_OR_RETURN(DataType key, ParseType(*k, depth + 1));
    TESSERA_ASSIGN_OR_RETURN(DataType value, ParseType(*v, depth + 1));
    out.element = std::make_shared<DataType>(std::move(key));
    out.value = std::make_shared<DataType>(std::move(value));
    TESSERA_ASSIGN_OR_RETURN(auto contains_null, JsonOptBool(json, "valueContainsNull"));
    out.contains_null = contains_null.value_or(true);
    return out;
  }
  return Status::Corruption("unknown schema type '" + type + "'");
}

Json FieldToJson(const Field& f) {
  return {{"name", f.name},
          {"type", DataTypeToJson(f.type)},
          {"nullable", f.nullable},
          {"metadata", f.metadata}};
}

}  // namespace

std::string DataType::ToString() const {
  if (kind == Kind::kDecimal) {
    return "decimal(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  }
  return name;
}

std::string Field::PhysicalName() const {
  auto r = JsonOptString(metadata, "delta.columnMapping.physicalName");
  return r.ok() && r->has_value() ? **r : name;
}

std::optional<int64_t> Field::FieldId() const {
  auto r = JsonOptInt(metadata, "delta.columnMapping.id");
  return r.ok() ? *r : std::nullopt;
}

std::optional<std::string> Field::Comment() const {
  auto r = JsonOptString(metadata, "comment");
  return r.ok() ? *r : std::nullopt;
}

const Field* Schema::Find(std::string_view name) const {
  std::string lower = ToLower(name);
  for (const Field& f : fields) {
    if (ToLower(f.name) == lower)
      return &f;
  }
  return nullptr;
}

Result<DataType> PrimitiveType(std::string_view name) {
  DataType out;
  if (StartsWith(name, "decimal")) {
    out.kind = DataType::Kind::kDecimal;
    out.name = "decimal";
    if (name == "decimal") {  // Spark's bare "decimal" is decimal(10,0)
      out.precision = 10;
      return out;
    }
    int p = 0;
    int s = 0;
    char close = 0;
    std::string text(name);
    if (std::sscanf(text.c_str(), "decimal(%d,%d%c", &p, &s, &close) != 3 || close != ')' ||
        p < 1 || p > 38 || s < 0 || s > p) {
      return Status::Corruption("invalid decimal type '" + text + "'");
    }
    out.precision = p;
    out.scale = s;
    return out;
  }
  for (std::string_view known : kPrimitives) {
    if (name == known) {
      out.name = std::string(name);
      return out;
    }
  }
  return Status::Corruption("unknown primitive type '" + std::string(name) + "'");
}

Json DataTypeToJson(const DataType& type) {
  switch (type.kind) {
    case DataType::Kind::kPrimitive:
    case DataType::Kind::kDecimal:
      return type.ToString();
    case DataType::Kind::kStruct: {
      Json fields = Json::array();
      for (const Field& f : type.fields)
        fields.push_back(FieldToJson(f));
      return {{"type", "struct"}, {"fields", fields}};
    }
    case DataType::Kind::kArray:
      return {{"type", "array"},
              {"elementType", DataTypeToJson(*type.element)},
              {"containsNull", type.contains_null}};
    case DataType::Kind::kMap:
      return {{"type", "map"},
              {"keyType", DataTypeToJson(*type.element)},
              {"valueType", DataTypeToJson(*type.value)},
              {"valueContainsNull", type.contains_null}};
  }
  return nullptr;
}

Result<Schema> ParseSchema(std::string_view schema_string) {
  auto json = ParseJson(schema_string);
  if (!json.ok())
    return json.status().WithContext("schemaString");
  auto type = ParseType(*json, 0);
  if (!type.ok())
    return type.status().WithContext("schemaString");
  if (type->kind != DataType::Kind::kStruct)
    return Status::Corruption("schemaString is not a struct");
  return Schema{std::move(type->fields)};
}

std::string SchemaToString(const Schema& schema) {
  DataType root;
  root.kind = DataType::Kind::kStruct;
  root.name = "struct";
  root.fields = schema.fields;
  return DumpJson(DataTypeToJson(root));
}

}  // namespace tessera::delta
