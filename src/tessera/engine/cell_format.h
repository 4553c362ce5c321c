#pragma once

#include <duckdb.h>

#include <cstdint>
#include <optional>
#include <string>

#include "tessera/common/result.h"
#include "tessera/engine/query_result.h"

namespace tessera::engine {

/// Render one cell of a BOOLEAN, integer (8 to 64 bits), FLOAT, DOUBLE or VARCHAR column as
/// DuckDB's cast to VARCHAR does (`true`, `3.0`, `nan`). Return nullopt for SQL NULL and
/// kUnsupported for other types (cast those in SQL instead).
/// Whether FormatPrimitiveCell renders values of this type.
bool IsPrimitiveType(duckdb_type type);

Result<std::optional<std::string>> FormatPrimitiveCell(const DataChunk& chunk, int64_t column,
                                                       int64_t row, const ColumnType& type);

}  // namespace tessera::engine
