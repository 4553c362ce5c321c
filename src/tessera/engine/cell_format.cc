#include "tessera/engine/cell_format.h"

#include <charconv>
#include <string>

namespace tessera::engine {
namespace {

template <typename T>
std::string Integer(const DataChunk& chunk, int64_t column, int64_t row) {
  return std::to_string(static_cast<const T*>(duckdb_vector_get_data(chunk.vector(column)))[row]);
}

template <typename T>
std::string Floating(const DataChunk& chunk, int64_t column, int64_t row) {
  T value = static_cast<const T*>(duckdb_vector_get_data(chunk.vector(column)))[row];
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string text(buffer, ec == std::errc() ? end : buffer);
  // DuckDB prints integral values with ".0" (3.0, not 3); "nan", "inf" and exponents stay.
  if (text.find_first_of(".en") == std::string::npos)
    text += ".0";
  return text;
}

}  // namespace

bool IsPrimitiveType(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BOOLEAN:
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
      return true;
    default:
      return false;
  }
}

Result<std::optional<std::string>> FormatPrimitiveCell(const DataChunk& chunk, int64_t column,
                                                       int64_t row, const ColumnType& type) {
  if (chunk.IsNull(column, row))
    return std::optional<std::string>();
  switch (type.id) {
    case DUCKDB_TYPE_VARCHAR:
      return std::optional<std::string>(chunk.GetString(column, row));
    case DUCKDB_TYPE_BOOLEAN: {
      bool value = static_cast<const bool*>(duckdb_vector_get_data(chunk.vector(column)))[row];
      return std::optional<std::string>(value ? "true" : "false");
    }
    case DUCKDB_TYPE_TINYINT:
      return std::optional<std::string>(Integer<int8_t>(chunk, column, row));
    case DUCKDB_TYPE_SMALLINT:
      return std::optional<std::string>(Integer<int16_t>(chunk, column, row));
    case DUCKDB_TYPE_INTEGER:
      return std::optional<std::string>(Integer<int32_t>(chunk, column, row));
    case DUCKDB_TYPE_BIGINT:
      return std::optional<std::string>(Integer<int64_t>(chunk, column, row));
    case DUCKDB_TYPE_UTINYINT:
      return std::optional<std::string>(Integer<uint8_t>(chunk, column, row));
    case DUCKDB_TYPE_USMALLINT:
      return std::optional<std::string>(Integer<uint16_t>(chunk, column, row));
    case DUCKDB_TYPE_UINTEGER:
      return std::optional<std::string>(Integer<uint32_t>(chunk, column, row));
    case DUCKDB_TYPE_UBIGINT:
      return std::optional<std::string>(Integer<uint64_t>(chunk, column, row));
    case DUCKDB_TYPE_FLOAT:
      return std::optional<std::string>(Floating<float>(chunk, column, row));
    case DUCKDB_TYPE_DOUBLE:
      return std::optional<std::string>(Floating<double>(chunk, column, row));
    default:
      return Status::Unsupported("cannot render a " + type.name +
                                 " value as text here; cast it to VARCHAR in SQL");
  }
}

}  // namespace tessera::engine
