#include "tessera/delta/retention.h"

#include <string>
#include <vector>

#include "tessera/common/strings.h"

namespace tessera::delta {
namespace {

// Spark's IntervalUtils unit names; months and years are left out on purpose (Delta's
// DeltaConfigs.isValidIntervalConfigValue rejects them).
std::optional<int64_t> UnitMicros(std::string_view unit) {
  if (EndsWith(unit, "s") && unit.size() > 1)
    unit.remove_suffix(1);
  constexpr int64_t kMilli = 1000;
  constexpr int64_t kSecond = 1000 * kMilli;
  if (unit == "microsecond")
    return 1;
  if (unit == "millisecond")
    return kMilli;
  if (unit == "second")
    return kSecond;
  constexpr int64_t kHour = 3600 * kSecond;
  if (unit == "minute")
    return 60 * kSecond;
  if (unit == "hour")
    return kHour;
  constexpr int64_t kDay = 24 * kHour;
  if (unit == "day")
    return kDay;
  if (unit == "week")
    return 7 * kDay;
  return std::nullopt;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!word.empty())
        words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty())
    words.push_back(std::move(word));
  return words;
}

Result<int64_t> PropertyMillis(const Metadata& metadata, const std::string& key, int64_t fallback) {
  auto it = metadata.configuration.find(key);
  if (it == metadata.configuration.end())
    return fallback;
  auto millis = ParseIntervalMillis(it->second);
  if (!millis.ok())
    return millis.status().WithContext("table property " + key);
  return *millis;
}

}  // namespace

Result<int64_t> ParseIntervalMillis(std::string_view text) {
  std::vector<std::string> words = Words(ToLower(text));
  size_t i = 0;
  if (!words.empty() && words[0] == "interval")
    i = 1;
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument("invalid interval '" + std::string(text) + "': " + why);
  };
  if (i == words.size())
    return invalid("expected '<number> <unit>' pairs");
  if ((words.size() - i) % 2 != 0)
    return invalid("every number needs a unit");
  int64_t total_micros = 0;
  for (; i < words.size(); i += 2) {
    auto count = ParseInt64(words[i]);
    if (!count.ok())
      return invalid("'" + words[i] + "' is not a whole number");
    if (*count < 0)
      return invalid("negative durations are not allowed");
    std::optional<int64_t> unit = UnitMicros(words[i + 1]);
    if (!unit) {
      return invalid("unknown unit '" + words[i + 1] +
                     "' (use weeks, days, hours, minutes, seconds or milliseconds)");
    }
    int64_t micros = 0;
    if (__builtin_mul_overflow(*count, *unit, &micros) ||
        __builtin_add_overflow(total_micros, micros, &total_micros)) {
      return invalid("too large");
    }
  }
  return total_micros / 1000;
}

Result<int64_t> DeletedFileRetentionMillis(const Metadata& metadata) {
  return PropertyMillis(metadata, "delta.deletedFileRetentionDuration",
                        kDefaultDeletedFileRetentionMillis);
}

Result<std::optional<int64_t>> SetTransactionRetentionMillis(const Metadata& metadata) {
  const std::string key = "delta.setTransactionRetentionDuration";
  if (metadata.configuration.count(key) == 0)
    return std::optional<int64_t>();
  TESSERA_ASSIGN_OR_RETURN(int64_t millis, PropertyMillis(metadata, key, 0));
  return std::optional<int64_t>(millis);
}

}  // namespace tessera::delta
