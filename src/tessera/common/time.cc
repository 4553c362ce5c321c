#include "tessera/common/time.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string_view>

namespace tessera {
namespace {

// Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool Done() const { return pos_ >= text_.size(); }
  char Peek() const { return Done() ? '\0' : text_[pos_]; }
  void Skip() { ++pos_; }
  bool Digits(int count, int64_t* out) {
    int64_t value = 0;
    for (int i = 0; i < count; ++i) {
      if (Done() || text_[pos_] < '0' || text_[pos_] > '9')
        return false;
      value = value * 10 + (text_[pos_++] - '0');
    }
    *out = value;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// Write `value` as `width` decimal digits ending at out[end] (the templates hold the zeros).
// Write `value`'s last `width` digits so that the last lands at out[end].
void PutDigits(char* out, size_t end, int64_t value, int width) {
  for (int i = 0; i < width; ++i, value /= 10)
    out[end - static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
}

bool ValidDate(int64_t month, int64_t day) {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

}  // namespace

int64_t SystemClock::NowMillis() const {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock kClock;
  return kClock;
}

std::string FormatIso8601Millis(int64_t epoch_millis) {
  std::string out;
  AppendIso8601Millis(out, epoch_millis);
  return out;
}

void AppendIso8601Millis(std::string& out, int64_t epoch_millis) {
  int64_t days = epoch_millis / 86400000;
  int64_t rem = epoch_millis % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  CivilFromDays(days, &y, &m, &d);
  if (y < 0 || y > 9999) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600000),  // NOLINT
                  static_cast<long long>(rem / 60000 % 60),                                // NOLINT
                  static_cast<long long>(rem / 1000 % 60),                                 // NOLINT
                  static_cast<long long>(rem % 1000));                                     // NOLINT
    out += buf;
    return;
  }
  // Digits by hand: audit lines format a time per request, and snprintf is slow.
  size_t at = out.size();
  out += "0000-00-00T00:00:00.000Z";
  auto put = [&out, at](size_t end, int64_t value, int width) {
    PutDigits(out.data(), at + end, value, width);
  };
  put(3, y, 4);
  put(6, m, 2);
  put(9, d, 2);
  put(12, rem / 3600000, 2);
  put(15, rem / 60000 % 60, 2);
  put(18, rem / 1000 % 60, 2);
  put(22, rem % 1000, 3);
}

std::string FormatHttpDate(int64_t epoch_seconds) {
  std::string out(kHttpDateLength, ' ');
  FormatHttpDate(epoch_seconds, out.data());
  return out;
}

void FormatHttpDate(int64_t epoch_seconds, char* out) {
  static constexpr std::string_view kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t days = epoch_seconds / 86400;
  int64_t rem = epoch_seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  CivilFromDays(days, &y, &m, &d);
  y = std::clamp<int64_t>(y, 0, 9999);
  std::string_view day_name = kDays[((days % 7) + 7) % 7];  // 1970-01-01 was a Thursday
  std::string_view month = kMonths[m - 1];
  std::string_view pattern = "Ddd, 00 Mmm 0000 00:00:00 GMT";
  std::copy(pattern.begin(), pattern.end(), out);
  std::copy(day_name.begin(), day_name.end(), out);
  std::copy(month.begin(), month.end(), out + 8);
  auto put = [out](size_t end, int64_t value, int width) { PutDigits(out, end, value, width); };
  put(6, d, 2);
  put(15, y, 4);
  put(18, rem / 3600, 2);
  put(21, rem / 60 % 60, 2);
  put(24, rem % 60, 2);
}

Result<int32_t> ParseDate(std::string_view text) {
  Cursor c(text);
  int64_t y = 0;
  int64_t mo = 0;
  int64_t d = 0;
  if (!c.Digits(4, &y) || c.Peek() != '-')
    goto bad;
  c.Skip();
  if (!c.Digits(2, &mo) || c.Peek() != '-')
    goto bad;
  c.Skip();
  if (!c.Digits(2, &d) || !c.Done() || !ValidDate(mo, d))
    goto bad;
  return static_cast<int32_t>(
      DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)));
bad:
  return Status::InvalidArgument("not a date (YYYY-MM-DD): '" + std::string(text) + "'");
}

Result<int64_t> ParseTimestampMicros(std::string_view text) {
  Cursor c(text);
  int64_t y = 0;
  int64_t mo = 0;
  int64_t d = 0;
  int64_t h = 0;
  int64_t mi = 0;
  int64_t s = 0;
  int64_t micros = 0;
  int64_t offset_minutes = 0;
  if (!c.Digits(4, &y) || c.Peek() != '-')
    goto bad;
  c.Skip();
  if (!c.Digits(2, &mo) || c.Peek() != '-')
    goto bad;
  c.Skip();
  if (!c.Digits(2, &d) || !ValidDate(mo, d))
    goto bad;
  if (c.Peek() == 'T' || c.Peek() == ' ') {
    c.Skip();
    if (!c.Digits(2, &h) || c.Peek() != ':')
      goto bad;
    c.Skip();
    if (!c.Digits(2, &mi))
      goto bad;
    if (c.Peek() == ':') {
      c.Skip();
      if (!c.Digits(2, &s))
        goto bad;
      if (c.Peek() == '.') {
        c.Skip();
        int digits = 0;
        while (c.Peek() >= '0' && c.Peek() <= '9') {
          int64_t digit = 0;
          (void)c.Digits(1, &digit);
          if (digits < 6)
            micros = micros * 10 + digit;
          ++digits;
        }
        if (digits == 0)
          goto bad;
        for (int i = digits; i < 6; ++i)
          micros *= 10;
      }
    }
    if (h > 23 || mi > 59 || s > 60)
      goto bad;
  }
  if (c.Peek() == 'Z') {
    c.Skip();
  } else if (c.Peek() == '+' || c.Peek() == '-') {
    int sign = c.Peek() == '-' ? -1 : 1;
    c.Skip();
    int64_t oh = 0;
    int64_t om = 0;
    if (!c.Digits(2, &oh))
      goto bad;
    if (c.Peek() == ':')
      c.Skip();
    if (!c.Done() && !c.Digits(2, &om))
      goto bad;
    offset_minutes = sign * (oh * 60 + om);
  }
  if (!c.Done())
    goto bad;
  {
    int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    int64_t seconds = days * 86400 + h * 3600 + mi * 60 + s - offset_minutes * 60;
    return seconds * 1000000 + micros;
  }
bad:
  return Status::InvalidArgument("not a timestamp (ISO-8601): '" + std::string(text) + "'");
}

}  // namespace tessera
