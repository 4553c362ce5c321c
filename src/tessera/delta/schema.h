#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/common/json.h"
#include "tessera/common/result.h"

namespace tessera::delta {

struct Field;

/// A Delta data type (PROTOCOL.md "Schema Serialization Format"). Plain value type.
struct DataType {
  enum class Kind { kPrimitive, kDecimal, kStruct, kArray, kMap };
  Kind kind = Kind::kPrimitive;
  std::string name;       // primitives: "string", "long", ..., "timestamp_ntz", "void", "variant"
  int32_t precision = 0;  // decimals
  int32_t scale = 0;
  std::vector<Field> fields;          // structs
  std::shared_ptr<DataType> element;  // arrays (element), maps (key)
  std::shared_ptr<DataType> value;    // maps
  bool contains_null = true;          // arrays: containsNull; maps: valueContainsNull

  bool IsPrimitive(std::string_view n) const { return kind == Kind::kPrimitive && name == n; }
  /// The Delta type name, e.g. "long", "decimal(10,2)", "struct", "array", "map".
  std::string ToString() const;
};

/// A struct field: logical name, type, nullability and free-form metadata (column mapping,
/// comments, invariants, generation expressions).
struct Field {
  std::string name;
  DataType type;
  bool nullable = true;
  Json metadata = Json::object();

  /// The column-mapping physical name (`delta.columnMapping.physicalName`), or the logical name.
  std::string PhysicalName() const;
  /// The column-mapping field id (`delta.columnMapping.id`), if set.
  std::optional<int64_t> FieldId() const;
  /// The column comment (`comment` metadata), if set.
  std::optional<std::string> Comment() const;
};

/// The table schema: the top-level struct's fields.
struct Schema {
  std::vector<Field> fields;
  /// Return the field with this logical name (case-insensitive, as Delta names are), or nullptr.
  const Field* Find(std::string_view name) const;
};

/// Parse a `schemaString`. Return kCorruption for malformed JSON or types, kUnsupported for
/// duplicate (case-insensitive) names.
Result<Schema> ParseSchema(std::string_view schema_string);
/// Serialize a schema back into a `schemaString`.
std::string SchemaToString(const Schema& schema);
Json DataTypeToJson(const DataType& type);

/// Build a primitive or decimal type from its Delta name ("long", "decimal(10,2)").
Result<DataType> PrimitiveType(std::string_view name);

}  // namespace tessera::delta
