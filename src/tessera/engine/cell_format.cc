#include "tessera/engine/cell_format.h"

#include <charconv>
#include <limits>
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
  if (IsIntegerType(type))
    return true;
  switch (type) {
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BOOLEAN:
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

namespace {

constexpr int64_t kMicrosPerDay = int64_t{86'400'000'000};

void AppendPadded(std::string& out, int64_t value, int width) {
  if (width == 2 && value >= 0 && value < 100) {  // months, days, hours, minutes, seconds
    const char two[2] = {static_cast<char>('0' + value / 10), static_cast<char>('0' + value % 10)};
    out.append(two, 2);
    return;
  }
  char digits[24];
  auto printed = std::to_chars(digits, digits + sizeof digits, value);
  for (int n = static_cast<int>(printed.ptr - digits); n < width; ++n)
    out += '0';
  out.append(digits, printed.ptr);
}

// The proleptic Gregorian date of a day count (H. Hinnant's civil_from_days).
void CivilFromDays(int64_t days, int64_t* year, int64_t* month, int64_t* day) {
  days += 719'468;
  int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
  int64_t doe = days - era * 146'097;
  int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

// The date part; returns whether it is before the common era (DuckDB then writes " (BC)").
bool AppendCivilDate(std::string& out, int64_t days) {
  int64_t year = 0;
  int64_t month = 0;
  int64_t day = 0;
  CivilFromDays(days, &year, &month, &day);
  bool bc = year <= 0;
  AppendPadded(out, bc ? 1 - year : year, 4);
  out += '-';
  AppendPadded(out, month, 2);
  out += '-';
  AppendPadded(out, day, 2);
  return bc;
}

}  // namespace

void AppendDateText(std::string& out, int32_t days) {
  if (days == std::numeric_limits<int32_t>::max()) {
    out += "infinity";
    return;
  }
  if (days == -std::numeric_limits<int32_t>::max()) {
    out += "-infinity";
    return;
  }
  if (AppendCivilDate(out, days))
    out += " (BC)";
}

void AppendTimeOfDayText(std::string& out, int64_t micros) {
  int64_t seconds = micros / 1'000'000;
  int64_t fraction = micros % 1'000'000;
  AppendPadded(out, seconds / 3600, 2);
  out += ':';
  AppendPadded(out, seconds / 60 % 60, 2);
  out += ':';
  AppendPadded(out, seconds % 60, 2);
  if (fraction != 0) {
    int width = 6;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --width;
    }
    out += '.';
    AppendPadded(out, fraction, width);
  }
}

bool SplitTimestamp(int64_t micros, int32_t* days, int64_t* time_of_day) {
  if (micros == std::numeric_limits<int64_t>::max() ||
      micros == -std::numeric_limits<int64_t>::max())
    return false;
  int64_t whole_days = micros / kMicrosPerDay;
  int64_t time = micros % kMicrosPerDay;
  if (time < 0) {
    time += kMicrosPerDay;
    --whole_days;
  }
  *days = static_cast<int32_t>(whole_days);
  *time_of_day = time;
  return true;
}

void AppendTimestampText(std::string& out, int64_t micros) {
  int32_t days = 0;
  int64_t time = 0;
  if (!SplitTimestamp(micros, &days, &time)) {
    out += micros > 0 ? "infinity" : "-infinity";
    return;
  }
  AppendDateText(out, days);  // "(BC)" comes after the date, before the time
  out += ' ';
  AppendTimeOfDayText(out, time);
}

}  // namespace tessera::engine
