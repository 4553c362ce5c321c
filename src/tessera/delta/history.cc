#include "tessera/delta/history.h"

#include <algorithm>

#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/delta/log_segment.h"

namespace tessera::delta {

Result<std::vector<CommitRecord>> ReadHistory(storage::Storage& storage,
                                              std::string_view table_root) {
  std::string log_dir = storage::JoinPath(table_root, "_delta_log");
  TESSERA_ASSIGN_OR_RETURN(auto files, storage.List(log_dir));
  std::vector<CommitRecord> history;
  std::vector<int64_t> mtimes;
  std::optional<Metadata> latest_metadata;
  for (const storage::FileInfo& file : files) {
    auto parsed = ParseLogFileName(BaseName(file.path));
    if (!parsed || parsed->type != LogFileType::kCommit)
      continue;
    TESSERA_ASSIGN_OR_RETURN(std::string text, storage.Read(file.path));
    auto actions = ParseCommit(text);
    if (!actions.ok())
      return actions.status().WithContext("_delta_log/" + std::string(BaseName(file.path)));
    CommitRecord record;
    record.version = parsed->version;
    for (Action& action : *actions) {
      if (auto* info = std::get_if<CommitInfo>(&action))
        record.info = std::move(*info);
      if (auto* metadata = std::get_if<Metadata>(&action))
        latest_metadata = std::move(*metadata);
    }
    history.push_back(std::move(record));
    mtimes.push_back(file.modification_time_ms);
  }
  if (history.empty()) {
    return Status::NotFound("no Delta table at '" + std::string(table_root) + "'");
  }
  int64_t ict_from = INT64_MAX;
  if (latest_metadata) {
    const auto& config = latest_metadata->configuration;
    auto enabled = config.find("delta.enableInCommitTimestamps");
    if (enabled != config.end() && ToLower(enabled->second) == "true") {
      ict_from = 0;
      auto from = config.find("delta.inCommitTimestampEnablementVersion");
      if (from != config.end())
        ict_from = ParseInt64(from->second).ValueOr(0);
    }
  }
  int64_t previous = INT64_MIN;
  for (size_t i = 0; i < history.size(); ++i) {
    CommitRecord& record = history[i];
    std::optional<int64_t> ict;
    if (record.version >= ict_from && record.info)
      ict = record.info->InCommitTimestamp();
    int64_t ts = ict ? *ict : mtimes[i];
    if (!ict && previous != INT64_MIN && ts <= previous)
      ts = previous + 1;
    record.timestamp_ms = ts;
    previous = ts;
  }
  return history;
}

Result<int64_t> VersionAsOf(const std::vector<CommitRecord>& history, int64_t timestamp_ms) {
  if (history.empty())
    return Status::NotFound("the table has no commits");
  const CommitRecord& first = history.front();
  const CommitRecord& last = history.back();
  auto range = [&] {
    return " (commits range from " + FormatIso8601Millis(first.timestamp_ms) + " at version " +
           std::to_string(first.version) + " to " + FormatIso8601Millis(last.timestamp_ms) +
           " at version " + std::to_string(last.version) + ")";
  };
  if (timestamp_ms < first.timestamp_ms) {
    return Status::NotFound("timestamp " + FormatIso8601Millis(timestamp_ms) +
                            " is before the earliest available version" + range());
  }
  if (timestamp_ms > last.timestamp_ms) {
    return Status::NotFound("timestamp " + FormatIso8601Millis(timestamp_ms) +
                            " is after the latest version" + range());
  }
  auto it = std::upper_bound(history.begin(), history.end(), timestamp_ms,
                             [](int64_t ts, const CommitRecord& r) { return ts < r.timestamp_ms; });
  return std::prev(it)->version;
}

Result<int64_t> VersionAtOrAfter(const std::vector<CommitRecord>& history, int64_t timestamp_ms) {
  auto it = std::lower_bound(history.begin(), history.end(), timestamp_ms,
                             [](const CommitRecord& r, int64_t ts) { return r.timestamp_ms < ts; });
  if (it == history.end()) {
    return Status::NotFound("timestamp " + FormatIso8601Millis(timestamp_ms) +
                            " is after the latest commit");
  }
  return it->version;
}

}  // namespace tessera::delta
