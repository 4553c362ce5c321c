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

/// A DATE (days since 1970-01-01) as DuckDB's cast to VARCHAR writes it: `2001-01-31`,
/// `0045-03-15 (BC)`, `12345-01-01`, `infinity`. Appended to `out`.
void AppendDateText(std::string& out, int32_t days);

/// A TIMESTAMP (microseconds since 1970-01-01, no time zone) as DuckDB's cast to VARCHAR writes
/// it: `2001-01-01 00:01:00`, fractions without trailing zeros (`00:00:00.5`), `(BC)` after
/// the date, `infinity`. Appended to `out`.
void AppendTimestampText(std::string& out, int64_t micros);

/// The parts of a finite TIMESTAMP: its day (as a DATE) and microseconds into it. False for
/// infinity and -infinity. AppendTimestampText = AppendDateText(day) ' ' AppendTimeOfDayText.
bool SplitTimestamp(int64_t micros, int32_t* days, int64_t* time_of_day);
/// `HH:MM:SS[.fraction]`, the time part of AppendTimestampText.
void AppendTimeOfDayText(std::string& out, int64_t micros_of_day);

}  // namespace tessera::engine
