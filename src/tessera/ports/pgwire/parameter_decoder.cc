#include "tessera/ports/pgwire/parameter_decoder.h"

#include <cctype>
#include <cstring>
#include <limits>
#include <string>

#include "tessera/ports/pgwire/pg_types.h"
#include "tessera/ports/pgwire/wire_values.h"

namespace tessera::ports::pgwire {
namespace {

// PostgreSQL's timestamp range (4714-11-24 BC to 294277-01-01), in µs since 2000-01-01.
constexpr int64_t kPgMinTimestamp = -211813488000000000;
constexpr int64_t kPgEndTimestamp = 9223371331200000000;

std::string Where(idx_t index, uint32_t type_oid) {
  return "parameter $" + std::to_string(index) + " (" + FormatPgType(type_oid, -1) + ")";
}

Status Invalid(idx_t index, uint32_t type_oid, const std::string& why) {
  return Status::InvalidArgument("invalid binary representation for " + Where(index, type_oid) +
                                 ": " + why);
}

Status CheckLength(idx_t index, uint32_t type_oid, std::string_view value, size_t expected) {
  if (value.size() == expected)
    return Status::OK();
  return Invalid(
      index, type_oid,
      "expected " + std::to_string(expected) + " bytes, got " + std::to_string(value.size()));
}

Status Bound(duckdb_state state, idx_t index, uint32_t type_oid) {
  if (state == DuckDBSuccess)
    return Status::OK();
  return Status::InvalidArgument("could not bind " + Where(index, type_oid));
}

// PostgreSQL's boolin: trimmed, case-insensitive prefixes of true/false/yes/no, on/off (at
// least two letters), 1/0.
std::optional<bool> ParseBoolText(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text.empty())
    return std::nullopt;
  std::string lower;
  for (char c : text)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  auto prefix_of = [&lower](std::string_view word, size_t min_length) {
    return lower.size() >= min_length && lower.size() <= word.size() &&
           word.substr(0, lower.size()) == lower;
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || lower == "1")
    return true;
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || lower == "0")
    return false;
  return std::nullopt;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// PostgreSQL's byteain: `\x` hex (whitespace allowed between byte pairs) or the escape form
// (`\\`, `\ooo` octal, other bytes as themselves).
std::optional<std::string> ParseByteaText(std::string_view text) {
  std::string bytes;
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    for (size_t i = 2; i < text.size();) {
      if (std::isspace(static_cast<unsigned char>(text[i]))) {
        ++i;
        continue;
      }
      if (i + 1 >= text.size())
        return std::nullopt;
      int high = HexValue(text[i]);
      int low = HexValue(text[i + 1]);
      if (high < 0 || low < 0)
        return std::nullopt;
      bytes.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    }
    return bytes;
  }
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '\\') {
      bytes.push_back(text[i++]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      bytes.push_back('\\');
      i += 2;
      continue;
    }
    if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' && text[i + 2] >= '0' &&
        text[i + 2] <= '7' && text[i + 3] >= '0' && text[i + 3] <= '7') {
      bytes.push_back(static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                        (text[i + 3] - '0')));
      i += 4;
      continue;
    }
    return std::nullopt;
  }
  return bytes;
}

Status BindText(duckdb_prepared_statement statement, idx_t index, uint32_t type_oid,
                std::string_view value) {
  if (type_oid == oid::kBytea) {
    std::optional<std::string> bytes = ParseByteaText(value);
    if (!bytes)
      return Status::InvalidArgument("invalid input syntax for type bytea in " +
                                     Where(index, type_oid));
    return Bound(duckdb_bind_blob(statement, index, bytes->data(), bytes->size()), index, type_oid);
  }
  if (type_oid == oid::kBool) {
    // DuckDB's cast does not take all of PostgreSQL's spellings (`yes`, `on`).
    std::optional<bool> flag = ParseBoolText(value);
    if (!flag)
      return Status::InvalidArgument("invalid input syntax for type boolean in " +
                                     Where(index, type_oid));
    return Bound(duckdb_bind_boolean(statement, index, *flag), index, type_oid);
  }
  return Bound(duckdb_bind_varchar_length(statement, index, value.data(), value.size()), index,
               type_oid);
}

// numeric_recv: ndigits, weight, sign, dscale, then ndigits base-10000 digits.
Status BindNumeric(duckdb_prepared_statement statement, idx_t index, std::string_view value) {
  const uint32_t type_oid = oid::kNumeric;
  if (value.size() < 8)
    return Invalid(index, type_oid,
                   "expected at least 8 bytes, got " + std::to_string(value.size()));
  auto ndigits = ReadBigEndian<int16_t>(value.data());
  auto weight = ReadBigEndian<int16_t>(value.data() + 2);
  auto sign = ReadBigEndian<uint16_t>(value.data() + 4);
  auto dscale = ReadBigEndian<uint16_t>(value.data() + 6);
  if (ndigits < 0 || value.size() != 8 + 2 * static_cast<size_t>(ndigits))
    return Invalid(index, type_oid, "digit count does not match the length");
  switch (sign) {
    case 0x0000:
    case 0x4000:
      break;
    case 0xC000:
      return Bound(duckdb_bind_double(statement, index, std::numeric_limits<double>::quiet_NaN()),
                   index, type_oid);
    case 0xD000:
      return Bound(duckdb_bind_double(statement, index, std::numeric_limits<double>::infinity()),
                   index, type_oid);
    case 0xF000:
      return Bound(duckdb_bind_double(statement, index, -std::numeric_limits<double>::infinity()),
                   index, type_oid);
    default:
      return Invalid(index, type_oid, "invalid sign");
  }
  if (dscale > 0x3FFF)
    return Invalid(index, type_oid, "invalid scale");
  auto digit = [&](int64_t i) -> int {
    return i >= 0 && i < ndigits ? ReadBigEndian<int16_t>(value.data() + 8 + 2 * i) : 0;
  };
  for (int64_t i = 0; i < ndigits; ++i) {
    if (digit(i) < 0 || digit(i) > 9999)
      return Invalid(index, type_oid, "invalid digit");
  }
  // Integer part: base-10000 positions weight..0; fraction: -1..-ceil(dscale/4), cut at dscale
  // (numeric_recv truncates digits that dscale hides).
  std::string integer;
  for (int64_t p = weight; p >= 0; --p) {
    int group = digit(weight - p);
    char chunk[4] = {static_cast<char>('0' + group / 1000),
                     static_cast<char>('0' + group / 100 % 10),
                     static_cast<char>('0' + group / 10 % 10), static_cast<char>('0' + group % 10)};
    integer.append(chunk, 4);
  }
  size_t first = integer.find_first_not_of('0');
  integer = first == std::string::npos ? "0" : integer.substr(first);
  std::string fraction;
  for (int64_t p = -1; static_cast<int64_t>(fraction.size()) < dscale; --p) {
    int group = digit(weight - p);
    char chunk[4] = {static_cast<char>('0' + group / 1000),
                     static_cast<char>('0' + group / 100 % 10),
                     static_cast<char>('0' + group / 10 % 10), static_cast<char>('0' + group % 10)};
    fraction.append(chunk, 4);
  }
  fraction.resize(dscale);
  bool negative = sign == 0x4000;
  // At least one integer digit: DuckDB prints DECIMAL(4,4) as "-.0010".
  size_t width = integer.size() + fraction.size();
  if (width <= 38) {
    // Exact: DECIMAL(width, dscale), which DuckDB casts to the parameter's type.
    UInt128 magnitude = 0;
    for (char c : integer + fraction)
      magnitude = magnitude * 10 + static_cast<unsigned>(c - '0');
    Int128 signed_value =
        negative ? -static_cast<Int128>(magnitude) : static_cast<Int128>(magnitude);
    duckdb_decimal decimal;
    decimal.width = static_cast<uint8_t>(width);
    decimal.scale = static_cast<uint8_t>(dscale);
    decimal.value.lower = static_cast<uint64_t>(static_cast<UInt128>(signed_value));
    decimal.value.upper = static_cast<int64_t>(static_cast<UInt128>(signed_value) >> 64);
    return Bound(duckdb_bind_decimal(statement, index, decimal), index, type_oid);
  }
  std::string text = (negative ? "-" : "") + integer;
  if (!fraction.empty())
    text += "." + fraction;
  return Bound(duckdb_bind_varchar_length(statement, index, text.data(), text.size()), index,
               type_oid);
}

Status BindBinary(duckdb_prepared_statement statement, idx_t index, uint32_t type_oid,
                  std::string_view value) {
  const char* data = value.data();
  switch (type_oid) {
    case oid::kBool:
      TESSERA_RETURN_NOT_OK(CheckLength(index, type_oid, value, 1));
      return Bound(duckdb_bind_boolean(statement, index, data[0] != 0), index, type_oid);
    case oid::kInt2:
      TESSERA_RETURN_NOT_OK(CheckLength(index, type_oid, value, 2));
      return Bound(duckdb_bind_int16(statement, index, ReadBigEndian<int16_t>(data)), index,
                   type_oid);
    case oid::kInt4:
      TESSERA_RETURN_NOT_OK(CheckLength(index, type_oid, value, 4));
      return Bound(duckdb_bind_int32(statement, index, ReadBigEndian<int32_t>(data)), index,
                   type_oid);
    case oid::kInt8:
      TESSERA_RETURN_NOT_OK(CheckLength(index, type_oid, value, 8));
      return Bound(duckdb_bind_int64(statement, index, ReadBigEndian<int64_t>(data)), index,
                   type_oid);
    case oid::kFloat4: {
      TESSERA_RETURN_NOT_OK(CheckLength(index, type_oid, value, 4));
      auto bits = ReadBigEndian<uint32_t>(data);
      float number;
      std::memcpy(&number, &bits, sizeof(number));
      return Bound(duckdb_bind_float(statement, index, number), index, type_oid);
    }
    case oid::kFloat8: {
      TESSERA_RETURN_NOT_OK(CheckLength(index, type_oid, value, 8));
      auto bits = ReadBigEndian<uint64_t>(data);
      double number;
      std::memcpy(&number, &bits, sizeof(number));
      return Bound(duckdb_bind_double(statement, index, number), index, type_oid);
    }
    case oid::kText:
    case oid::kVarchar:
    case oid::kName:
    case oid::kBpchar:
    case oid::kUnknown:
    case oid::kJson:
      return Bound(duckdb_bind_varchar_length(statement, index, data, value.size()), index,
                   type_oid);
    case oid::kJsonb:
      if (value.empty() || value[0] != 1)
        return Invalid(index, type_oid, "unsupported jsonb version number");
      return Bound(duckdb_bind_varchar_length(statement, index, data + 1, value.size() - 1), index,
                   type_oid);
    case oid::kBytea:
      return Bound(duckdb_bind_blob(statement, index, data, value.size()), index, type_oid);
    case oid::kDate: {
      TESSERA_RETURN_NOT_OK(CheckLength(index, type_oid, value, 4));
      auto days = ReadBigEndian<int32_t>(data);
      int64_t duck_days;
      if (days == std::numeric_limits<int32_t>::max()) {
        duck_days = days;
      } else if (days == std::numeric_limits<int32_t>::min()) {
        duck_days = -std::numeric_limits<int32_t>::max();
      } else {
        duck_days = int64_t{days} + kPgEpochDays;
        if (duck_days >= std::numeric_limits<int32_t>::max() ||
            duck_days <= -std::numeric_limits<int32_t>::max())
          return Invalid(index, type_oid, "date out of range");
      }
      return Bound(duckdb_bind_date(statement, index, duckdb_date{static_cast<int32_t>(duck_days)}),
                   index, type_oid);
    }
    case oid::kTime: {
      TESSERA_RETURN_NOT_OK(CheckLength(index, type_oid, value, 8));
      auto micros = ReadBigEndian<int64_t>(data);
      if (micros < 0 || micros > 86400 * int64_t{1000000})
        return Invalid(index, type_oid, "time out of range");
      return Bound(duckdb_bind_time(statement, index, duckdb_time{micros}), index, type_oid);
    }
    case oid::kTimestamp:
    case oid::kTimestamptz: {
      TESSERA_RETURN_NOT_OK(CheckLength(index, type_oid, value, 8));
      auto micros = ReadBigEndian<int64_t>(data);
      int64_t duck_micros;
      if (micros == std::numeric_limits<int64_t>::max()) {
        duck_micros = micros;
      } else if (micros == std::numeric_limits<int64_t>::min()) {
        duck_micros = -std::numeric_limits<int64_t>::max();
      } else if (micros < kPgMinTimestamp || micros >= kPgEndTimestamp ||
                 __builtin_add_overflow(micros, kPgEpochMicros, &duck_micros) ||
                 duck_micros == std::numeric_limits<int64_t>::max()) {
        return Invalid(index, type_oid, "timestamp out of range");
      }
      duckdb_timestamp timestamp{duck_micros};
      return Bound(type_oid == oid::kTimestamp
                       ? duckdb_bind_timestamp(statement, index, timestamp)
                       : duckdb_bind_timestamp_tz(statement, index, timestamp),
                   index, type_oid);
    }
    case oid::kInterval: {
      TESSERA_RETURN_NOT_OK(CheckLength(index, type_oid, value, 16));
      duckdb_interval interval;
      interval.micros = ReadBigEndian<int64_t>(data);
      interval.days = ReadBigEndian<int32_t>(data + 8);
      interval.months = ReadBigEndian<int32_t>(data + 12);
      return Bound(duckdb_bind_interval(statement, index, interval), index, type_oid);
    }
    case oid::kNumeric:
      return BindNumeric(statement, index, value);
    case oid::kUuid: {
      TESSERA_RETURN_NOT_OK(CheckLength(index, type_oid, value, 16));
      duckdb_uhugeint bits;
      bits.upper = ReadBigEndian<uint64_t>(data);
      bits.lower = ReadBigEndian<uint64_t>(data + 8);
      duckdb_value parameter = duckdb_create_uuid(bits);
      duckdb_state state = duckdb_bind_value(statement, index, parameter);
      duckdb_destroy_value(&parameter);
      return Bound(state, index, type_oid);
    }
    case oid::kUnspecified:
      return Status::InvalidArgument("binary format needs a parameter type for parameter $" +
                                     std::to_string(index));
    default:
      return Status::InvalidArgument("binary format is not supported for " +
                                     Where(index, type_oid));
  }
}

}  // namespace

Status BindParameter(duckdb_prepared_statement statement, idx_t index, uint32_t type_oid,
                     int16_t format, std::optional<std::string_view> value) {
  if (format != 0 && format != 1)
    return Status::InvalidArgument("unsupported format code " + std::to_string(format) +
                                   " for parameter $" + std::to_string(index));
  if (!value)
    return Bound(duckdb_bind_null(statement, index), index, type_oid);
  if (format == 0)
    return BindText(statement, index, type_oid, *value);
  return BindBinary(statement, index, type_oid, *value);
}

}  // namespace tessera::ports::pgwire
