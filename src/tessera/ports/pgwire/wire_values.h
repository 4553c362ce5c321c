#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace tessera::ports::pgwire {

// 128-bit integers for HUGEINT and DECIMAL(>18) values; __extension__ keeps -Wpedantic quiet.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

/// Days from 1970-01-01 (DuckDB's epoch) to 2000-01-01 (PostgreSQL's epoch).
inline constexpr int64_t kPgEpochDays = 10957;
/// Microseconds from 1970-01-01 to 2000-01-01.
inline constexpr int64_t kPgEpochMicros = kPgEpochDays * 86400 * int64_t{1000000};

/// Append an integer in network byte order.
template <typename T>
void AppendBigEndian(std::string& out, T value) {
  static_assert(std::is_integral_v<T>);
  using U = std::make_unsigned_t<T>;
  auto bits = static_cast<U>(value);
  char bytes[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i)
    bytes[i] = static_cast<char>(bits >> (8 * (sizeof(T) - 1 - i)));
  out.append(bytes, sizeof(T));
}

/// Read an integer in network byte order from `bytes` (at least sizeof(T) of them).
template <typename T>
T ReadBigEndian(const char* bytes) {
  static_assert(std::is_integral_v<T>);
  using U = std::make_unsigned_t<T>;
  U bits = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    bits = static_cast<U>((bits << 8) | static_cast<unsigned char>(bytes[i]));
  return static_cast<T>(bits);
}

/// Append an integer in decimal.
void AppendInteger(std::string& out, int64_t value);
void AppendInteger(std::string& out, uint64_t value);
inline void AppendInteger(std::string& out, int32_t value) { AppendInteger(out, int64_t{value}); }
inline void AppendInteger(std::string& out, int16_t value) { AppendInteger(out, int64_t{value}); }
inline void AppendInteger(std::string& out, int8_t value) { AppendInteger(out, int64_t{value}); }
inline void AppendInteger(std::string& out, uint32_t value) { AppendInteger(out, uint64_t{value}); }
inline void AppendInteger(std::string& out, uint16_t value) { AppendInteger(out, uint64_t{value}); }
inline void AppendInteger(std::string& out, uint8_t value) { AppendInteger(out, uint64_t{value}); }

/// Append float4/float8 text as PostgreSQL 12+ prints it with extra_float_digits >= 1: the
/// shortest digits that round-trip, fixed notation for decimal exponents in [-4, 6) (float) or
/// [-4, 15) (double) and `1e+20` style otherwise; `NaN`, `Infinity`, `-Infinity`.
void AppendFloatText(std::string& out, float value);
void AppendFloatText(std::string& out, double value);
/// Append the IEEE 754 bits in network byte order.
void AppendFloatBinary(std::string& out, float value);
void AppendFloatBinary(std::string& out, double value);

/// Write the decimal digits of `value` (no sign, no leading zeros, "0" for zero) into `digits`
/// (at least 40 bytes) and return how many there are.
size_t UnsignedDigits(UInt128 value, char* digits);
/// Append (negative ? "-" : "") magnitude / 10^scale with exactly `scale` fraction digits.
void AppendScaledText(std::string& out, bool negative, UInt128 magnitude, int scale);
/// Append numeric_send's layout for (negative ? -1 : 1) * digits / 10^scale, where `digits` are
/// ASCII decimal digits (leading zeros allowed): ndigits, weight, sign, dscale = scale, then the
/// base-10000 digits without leading or trailing zero groups.
void AppendNumericBinary(std::string& out, bool negative, std::string_view digits, int scale);
/// Append varbit_send's layout for a string of '0'/'1': bit count, then the bits MSB first.
void AppendVarbitBinary(std::string& out, std::string_view bits);
/// Append bytea's hex text form: `\x` and two lowercase hex digits per byte.
void AppendByteaHex(std::string& out, std::string_view bytes);
/// Append the canonical lowercase text of 16 UUID bytes.
void AppendUuidText(std::string& out, const char bytes[16]);

/// Append a DuckDB date (days since 1970-01-01) as `2024-02-29`, `0044-03-15 BC`, `infinity`.
void AppendDateText(std::string& out, int32_t days);
/// Convert DuckDB date days to date_send's days since 2000-01-01 (±infinity to INT32_MAX/MIN).
int32_t DateToPg(int32_t days);
/// Append a time of day in microseconds as `13:45:30.123456`, fraction trailing zeros trimmed.
void AppendTimeText(std::string& out, int64_t micros);
/// Append a UTC offset in seconds east as timetz prints it: `+02`, `-08:30`, `+05:30:15`.
void AppendZoneOffset(std::string& out, int32_t seconds_east);
/// Append a timestamp (microseconds since 1970) as `2024-02-29 13:45:30.5`, with `+00` when
/// `with_zone` (session TimeZone UTC), ` BC` last, or `infinity` / `-infinity`.
void AppendTimestampText(std::string& out, int64_t micros, bool with_zone);
/// Append a timestamptz (UTC microseconds since 1970) as local time at `offset_seconds` east
/// and that offset: `2024-02-29 14:45:30.5+01`, `1850-01-01 00:53:28+00:53:28`.
void AppendTimestampTzText(std::string& out, int64_t utc_micros, int32_t offset_seconds);
/// Convert DuckDB microseconds since 1970 to timestamp_send's microseconds since 2000
/// (±infinity to INT64_MAX/MIN).
int64_t TimestampToPg(int64_t micros);
/// Append an interval as IntervalStyle postgres prints it: `1 year 2 mons 3 days 04:05:06.789`.
void AppendIntervalText(std::string& out, int32_t months, int32_t days, int64_t micros);
/// Append one array element's text, double-quoted and escaped where array_out would.
void AppendArrayElementText(std::string& out, std::string_view element);

}  // namespace tessera::ports::pgwire
