#include "tessera/ports/pgwire/wire_values.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace tessera::ports::pgwire {
namespace {

constexpr int64_t kMicrosPerDay = 86400 * int64_t{1000000};
constexpr char kHex[] = "0123456789abcdef";

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void AppendPadded(std::string& out, int64_t value, int width) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  for (int pad = width - static_cast<int>(end - buffer); pad > 0; --pad)
    out.push_back('0');
  out.append(buffer, end);
}

// Howard Hinnant's civil_from_days: proleptic Gregorian (year 0 is 1 BC), as PostgreSQL uses.
void CivilFromDays(int64_t z, int64_t& year, int& month, int& day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = yoe + era * 400 + (month <= 2 ? 1 : 0);
}

// Appends YYYY-MM-DD and returns whether the year is BC (PostgreSQL puts " BC" last).
bool AppendDateParts(std::string& out, int64_t days) {
  int64_t year;
  int month;
  int day;
  CivilFromDays(days, year, month, day);
  bool bc = year <= 0;
  AppendPadded(out, bc ? 1 - year : year, 4);
  out.push_back('-');
  AppendPadded(out, month, 2);
  out.push_back('-');
  AppendPadded(out, day, 2);
  return bc;
}

// PostgreSQL's AppendSeconds: two-digit seconds, then up to six fraction digits, trailing zeros
// trimmed.
void AppendSeconds(std::string& out, int64_t seconds, int64_t fraction_micros) {
  AppendPadded(out, seconds, 2);
  if (fraction_micros == 0)
    return;
  char digits[7] = "000000";
  for (int i = 5; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + fraction_micros % 10);
    fraction_micros /= 10;
  }
  int length = 6;
  while (length > 0 && digits[length - 1] == '0')
    --length;
  out.push_back('.');
  out.append(digits, length);
}

// PostgreSQL's AddPostgresIntPart (IntervalStyle postgres).
void AddIntervalPart(std::string& out, int64_t value, std::string_view unit, bool& is_zero,
                     bool& is_before) {
  if (value == 0)
    return;
  if (!is_zero)
    out.push_back(' ');
  if (is_before && value > 0)
    out.push_back('+');
  AppendInteger(out, value);
  out.push_back(' ');
  out.append(unit);
  if (value != 1)
    out.push_back('s');
  is_before = value < 0;
  is_zero = false;
}

template <typename T>
void AppendFloat(std::string& out, T value, int fixed_limit) {
  if (std::isnan(value)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(value)) {
    out.append(value > 0 ? "Infinity" : "-Infinity");
    return;
  }
  char buffer[64];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  const char* e = buffer;
  while (e < end && *e != 'e')
    ++e;
  int exponent = 0;
  if (e < end) {
    const char* digits = e + 1;
    if (digits < end && *digits == '+')
      ++digits;
    std::from_chars(digits, end, exponent);
  }
  // PostgreSQL's Ryu output (d2s.c, f2s.c) switches to exponent form where printf %g would.
  if (exponent >= -4 && exponent < fixed_limit)
    end = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed).ptr;
  out.append(buffer, end);
}

}  // namespace

void AppendInteger(std::string& out, int64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, end);
}

void AppendInteger(std::string& out, uint64_t value) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, end);
}

void AppendFloatText(std::string& out, float value) { AppendFloat(out, value, 6); }
void AppendFloatText(std::string& out, double value) { AppendFloat(out, value, 15); }

void AppendFloatBinary(std::string& out, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  AppendBigEndian(out, bits);
}

void AppendFloatBinary(std::string& out, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  AppendBigEndian(out, bits);
}

size_t UnsignedDigits(UInt128 value, char* digits) {
  char reversed[40];
  size_t n = 0;
  do {
    reversed[n++] = static_cast<char>('0' + static_cast<int>(value % 10));
    value /= 10;
  } while (value != 0);
  for (size_t i = 0; i < n; ++i)
    digits[i] = reversed[n - 1 - i];
  return n;
}

void AppendScaledText(std::string& out, bool negative, UInt128 magnitude, int scale) {
  char digits[48];
  size_t n = UnsignedDigits(magnitude, digits);
  if (negative && magnitude != 0)
    out.push_back('-');
  if (scale <= 0) {
    out.append(digits, n);
    return;
  }
  auto s = static_cast<size_t>(scale);
  if (n <= s) {
    out.append("0.");
    out.append(s - n, '0');
    out.append(digits, n);
    return;
  }
  out.append(digits, n - s);
  out.push_back('.');
  out.append(digits + (n - s), s);
}

void AppendNumericBinary(std::string& out, bool negative, std::string_view digits, int scale) {
  while (!digits.empty() && digits.front() == '0')
    digits.remove_prefix(1);
  size_t last = digits.find_last_not_of('0');
  if (digits.empty() || last == std::string_view::npos) {
    // Zero: no digits, weight 0, positive, whatever its scale.
    AppendBigEndian<int16_t>(out, 0);
    AppendBigEndian<int16_t>(out, 0);
    AppendBigEndian<uint16_t>(out, 0);
    AppendBigEndian<uint16_t>(out, static_cast<uint16_t>(scale));
    return;
  }
  // Decimal exponent of digit i is int_length - 1 - i; base-10000 group g covers 4g..4g+3.
  auto n = static_cast<int64_t>(digits.size());
  int64_t int_length = n - scale;
  int64_t weight = FloorDiv(int_length - 1, 4);
  int64_t last_group = FloorDiv(int_length - 1 - static_cast<int64_t>(last), 4);
  AppendBigEndian<int16_t>(out, static_cast<int16_t>(weight - last_group + 1));
  AppendBigEndian<int16_t>(out, static_cast<int16_t>(weight));
  AppendBigEndian<uint16_t>(out, negative ? 0x4000 : 0x0000);
  AppendBigEndian<uint16_t>(out, static_cast<uint16_t>(scale));
  for (int64_t g = weight; g >= last_group; --g) {
    int group = 0;
    for (int64_t exponent = 4 * g + 3; exponent >= 4 * g; --exponent) {
      int64_t i = int_length - 1 - exponent;
      group = group * 10 + (i >= 0 && i < n ? digits[i] - '0' : 0);
    }
    AppendBigEndian<int16_t>(out, static_cast<int16_t>(group));
  }
}

void AppendVarbitBinary(std::string& out, std::string_view bits) {
  AppendBigEndian<int32_t>(out, static_cast<int32_t>(bits.size()));
  for (size_t i = 0; i < bits.size(); i += 8) {
    unsigned byte = 0;
    for (size_t j = 0; j < 8; ++j)
      byte = (byte << 1) | (i + j < bits.size() && bits[i + j] == '1' ? 1 : 0);
    out.push_back(static_cast<char>(byte));
  }
}

void AppendByteaHex(std::string& out, std::string_view bytes) {
  out.append("\\x");
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
}

void AppendUuidText(std::string& out, const char bytes[16]) {
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out.push_back('-');
    auto b = static_cast<unsigned char>(bytes[i]);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
}

void AppendDateText(std::string& out, int32_t days) {
  // DuckDB's infinite dates are ±INT32_MAX.
  if (days == std::numeric_limits<int32_t>::max()) {
    out.append("infinity");
    return;
  }
  if (days <= -std::numeric_limits<int32_t>::max()) {
    out.append("-infinity");
    return;
  }
  if (AppendDateParts(out, days))
    out.append(" BC");
}

int32_t DateToPg(int32_t days) {
  if (days == std::numeric_limits<int32_t>::max())
    return days;
  if (days <= -std::numeric_limits<int32_t>::max())
    return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(days - kPgEpochDays);
}

void AppendTimeText(std::string& out, int64_t micros) {
  int64_t seconds = micros / 1000000;
  AppendPadded(out, seconds / 3600, 2);
  out.push_back(':');
  AppendPadded(out, seconds / 60 % 60, 2);
  out.push_back(':');
  AppendSeconds(out, seconds % 60, micros % 1000000);
}

void AppendZoneOffset(std::string& out, int32_t seconds_east) {
  out.push_back(seconds_east >= 0 ? '+' : '-');
  int32_t magnitude = std::abs(seconds_east);
  AppendPadded(out, magnitude / 3600, 2);
  int32_t minutes = magnitude / 60 % 60;
  int32_t seconds = magnitude % 60;
  if (seconds != 0 || minutes != 0) {
    out.push_back(':');
    AppendPadded(out, minutes, 2);
  }
  if (seconds != 0) {
    out.push_back(':');
    AppendPadded(out, seconds, 2);
  }
}

namespace {

// The text of a timestamp, with `zone` (when given) between the time and a BC suffix.
void AppendTimestampWithZone(std::string& out, int64_t micros, const int32_t* offset_seconds) {
  // DuckDB's infinite timestamps are ±INT64_MAX.
  if (micros == std::numeric_limits<int64_t>::max()) {
    out.append("infinity");
    return;
  }
  if (micros <= -std::numeric_limits<int64_t>::max()) {
    out.append("-infinity");
    return;
  }
  int64_t local = micros;
  // A shift past the representable range (hours before DuckDB's largest timestamp) keeps UTC.
  if (offset_seconds != nullptr &&
      __builtin_add_overflow(micros, int64_t{*offset_seconds} * 1000000, &local))
    local = micros;
  int64_t days = FloorDiv(local, kMicrosPerDay);
  bool bc = AppendDateParts(out, days);
  out.push_back(' ');
  AppendTimeText(out, local - days * kMicrosPerDay);
  if (offset_seconds != nullptr)
    AppendZoneOffset(out, *offset_seconds);
  if (bc)
    out.append(" BC");
}

}  // namespace

void AppendTimestampText(std::string& out, int64_t micros, bool with_zone) {
  int32_t utc = 0;
  AppendTimestampWithZone(out, micros, with_zone ? &utc : nullptr);
}

void AppendTimestampTzText(std::string& out, int64_t utc_micros, int32_t offset_seconds) {
  AppendTimestampWithZone(out, utc_micros, &offset_seconds);
}

int64_t TimestampToPg(int64_t micros) {
  if (micros == std::numeric_limits<int64_t>::max())
    return micros;
  if (micros <= -std::numeric_limits<int64_t>::max())
    return std::numeric_limits<int64_t>::min();
  return micros - kPgEpochMicros;
}

void AppendIntervalText(std::string& out, int32_t months, int32_t days, int64_t micros) {
  // PostgreSQL's interval2itm + EncodeInterval, INTSTYLE_POSTGRES.
  bool is_zero = true;
  bool is_before = false;
  AddIntervalPart(out, months / 12, "year", is_zero, is_before);
  AddIntervalPart(out, months % 12, "mon", is_zero, is_before);
  AddIntervalPart(out, days, "day", is_zero, is_before);
  int64_t hour = micros / (3600 * int64_t{1000000});
  micros -= hour * 3600 * int64_t{1000000};
  int64_t minute = micros / 60000000;
  micros -= minute * 60000000;
  int64_t second = micros / 1000000;
  int64_t fraction = micros - second * 1000000;
  if (!is_zero && hour == 0 && minute == 0 && second == 0 && fraction == 0)
    return;
  bool minus = hour < 0 || minute < 0 || second < 0 || fraction < 0;
  if (!is_zero)
    out.push_back(' ');
  if (minus)
    out.push_back('-');
  else if (is_before)
    out.push_back('+');
  // |INT64_MIN| hours cannot occur: micros / 3.6e9 is far from the int64 limits.
  AppendPadded(out, std::abs(hour), 2);
  out.push_back(':');
  AppendPadded(out, std::abs(minute), 2);
  out.push_back(':');
  AppendSeconds(out, std::abs(second), std::abs(fraction));
}

void AppendArrayElementText(std::string& out, std::string_view element) {
  bool quote = element.empty() ||
               (element.size() == 4 && (element[0] | 0x20) == 'n' && (element[1] | 0x20) == 'u' &&
                (element[2] | 0x20) == 'l' && (element[3] | 0x20) == 'l');
  for (size_t i = 0; i < element.size() && !quote; ++i) {
    char c = element[i];
    quote = c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || c == ' ' || c == '\t' ||
            c == '\n' || c == '\r' || c == '\v' || c == '\f';
  }
  if (!quote) {
    out.append(element);
    return;
  }
  out.push_back('"');
  for (char c : element) {
    if (c == '"' || c == '\\')
      out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace tessera::ports::pgwire
