#include "tessera/delta/log_path.h"

#include <cstdio>

namespace tessera::delta {
namespace {

constexpr size_t kVersionDigits = 20;

bool AllDigits(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
  }
  return true;
}

// Parse a fixed-width run of digits; reject versions that overflow int64.
std::optional<int64_t> ParseDigits(std::string_view s, size_t width) {
  if (s.size() != width || !AllDigits(s))
    return std::nullopt;
  int64_t value = 0;
  for (char c : s) {
    int digit = c - '0';
    if (value > (INT64_MAX - digit) / 10)
      return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36)
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-'
             : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<LogPath> ParseLogFileName(std::string_view name) {
  if (name.size() < kVersionDigits + 1 || name[kVersionDigits] != '.')
    return std::nullopt;
  auto version = ParseDigits(name.substr(0, kVersionDigits), kVersionDigits);
  if (!version)
    return std::nullopt;
  std::string_view rest = name.substr(kVersionDigits + 1);
  LogPath out;
  out.version = *version;
  if (rest == "json") {
    out.type = LogFileType::kCommit;
    return out;
  }
  if (rest == "crc") {
    out.type = LogFileType::kChecksum;
    return out;
  }
  if (rest == "checkpoint.parquet") {
    out.type = LogFileType::kCheckpoint;
    return out;
  }
  constexpr std::string_view kCheckpointPrefix = "checkpoint.";
  if (rest.substr(0, kCheckpointPrefix.size()) == kCheckpointPrefix) {
    std::string_view tail = rest.substr(kCheckpointPrefix.size());
    // part.num_parts.parquet with 10-digit fields
    if (tail.size() == 10 + 1 + 10 + 8 && tail.substr(21) == ".parquet" && tail[10] == '.') {
      auto part = ParseDigits(tail.substr(0, 10), 10);
      auto parts = ParseDigits(tail.substr(11, 10), 10);
      if (!part || !parts || *part < 1 || *part > *parts || *parts > INT32_MAX)
        return std::nullopt;
      out.type = LogFileType::kMultiPartCheckpoint;
      out.part = static_cast<int32_t>(*part);
      out.num_parts = static_cast<int32_t>(*parts);
      return out;
    }
    if (tail.size() > 37 && IsUuid(tail.substr(0, 36)) && tail[36] == '.') {
      std::string_view ext = tail.substr(37);
      if (ext == "json") {
        out.type = LogFileType::kUuidCheckpointJson;
        return out;
      }
      if (ext == "parquet") {
        out.type = LogFileType::kUuidCheckpointParquet;
        return out;
      }
    }
    return std::nullopt;
  }
  // <start>.<end>.compacted.json
  if (rest.size() == kVersionDigits + 15 && rest.substr(kVersionDigits) == ".compacted.json") {
    auto end = ParseDigits(rest.substr(0, kVersionDigits), kVersionDigits);
    if (!end || *end < out.version)
      return std::nullopt;
    out.type = LogFileType::kCompaction;
    out.end_version = *end;
    return out;
  }
  return std::nullopt;
}

std::string CommitFileName(int64_t version) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020lld.json", static_cast<long long>(version));  // NOLINT
  return buf;
}

std::string CheckpointFileName(int64_t version) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%020lld.checkpoint.parquet",  // NOLINT
                static_cast<long long>(version));                // NOLINT
  return buf;
}

}  // namespace tessera::delta
