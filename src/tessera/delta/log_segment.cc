#include "tessera/delta/log_segment.h"

#include <cstdio>
#include <map>

#include "tessera/common/json.h"

namespace tessera::delta {
namespace {

std::string VersionPrefix(int64_t version) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%020lld", static_cast<long long>(version));  // NOLINT
  return buf;
}

struct Listing {
  std::map<int64_t, storage::FileInfo> commits;
  // version -> complete checkpoint candidates; multi-part groups keyed by num_parts.
  std::map<int64_t, CheckpointFiles> checkpoints;
  std::map<std::pair<int64_t, int32_t>, std::map<int32_t, storage::FileInfo>> parts;
  int64_t max_version = -1;
};

Result<Listing> ListLog(storage::Storage& storage, const std::string& log_dir, int64_t from) {
  Listing listing;
  TESSERA_ASSIGN_OR_RETURN(auto files,
                           storage.ListFrom(log_dir, from > 0 ? VersionPrefix(from) : ""));
  for (auto& file : files) {
    auto parsed = ParseLogFileName(BaseName(file.path));
    if (!parsed)
      continue;
    switch (parsed->type) {
      case LogFileType::kCommit:
        listing.max_version = std::max(listing.max_version, parsed->version);
        listing.commits.emplace(parsed->version, std::move(file));
        break;
      case LogFileType::kCheckpoint:
      case LogFileType::kUuidCheckpointJson:
      case LogFileType::kUuidCheckpointParquet: {
        listing.max_version = std::max(listing.max_version, parsed->version);
        auto& slot = listing.checkpoints[parsed->version];
        // Prefer a classic checkpoint when a version has several: it needs no sidecars.
        if (slot.files.empty() || parsed->type == LogFileType::kCheckpoint) {
          slot = CheckpointFiles{parsed->version, parsed->type, {std::move(file)}};
        }
        break;
      }
      case LogFileType::kMultiPartCheckpoint:
        listing.parts[{parsed->version, parsed->num_parts}][parsed->part] = std::move(file);
        break;
      case LogFileType::kCompaction:
      case LogFileType::kChecksum:
        break;  // Optional accelerators; plain commits are always present.
    }
  }
  for (auto& [key, parts] : listing.parts) {
    if (static_cast<int32_t>(parts.size()) != key.second)
      continue;  // incomplete: ignore
    if (listing.checkpoints.count(key.first) != 0)
      continue;
    CheckpointFiles cp{key.first, LogFileType::kMultiPartCheckpoint, {}};
    for (auto& [n, file] : parts)
      cp.files.push_back(std::move(file));
    listing.max_version = std::max(listing.max_version, key.first);
    listing.checkpoints.emplace(key.first, std::move(cp));
  }
  return listing;
}

// The fast path for long logs: when `_last_checkpoint` names a classic checkpoint that exists,
// stat commit files upward from it instead of reading the whole directory (a 100k-entry
// `_delta_log` costs ~200 ms to list). A stale hint still gives a correct segment: an older
// checkpoint plus more commits. Return false (use listing) when the checkpoint is not there.
Result<bool> ProbeFromHint(storage::Storage& storage, int64_t checkpoint_version,
                           std::optional<int64_t> version, LogSegment* segment) {
  auto checkpoint =
      storage.Stat(storage::JoinPath(segment->log_dir, CheckpointFileName(checkpoint_version)));
  if (!checkpoint.ok()) {
    if (checkpoint.status().IsNotFound())
      return false;
    return checkpoint.status();
  }
  segment->checkpoint =
      CheckpointFiles{checkpoint_version, LogFileType::kCheckpoint, {*checkpoint}};
  int64_t latest = checkpoint_version;
  for (int64_t v = checkpoint_version + 1;; ++v) {
    auto commit = storage.Stat(storage::JoinPath(segment->log_dir, CommitFileName(v)));
    if (!commit.ok()) {
      if (!commit.status().IsNotFound())
        return commit.status();
      break;
    }
    if (!version || v <= *version)
      segment->commits.push_back(*commit);
    latest = v;
  }
  if (version && latest < *version) {
    // Either the version does not exist or commits are missing: let listing say which.
    segment->checkpoint.reset();
    segment->commits.clear();
    return false;
  }
  segment->version = version.value_or(latest);
  segment->latest_version = latest;
  return true;
}

// Time travel before `_last_checkpoint`, without listing the directory: stat classic checkpoint
// names downward from the version (checkpoints are usually every 100 commits), then the commits
// after the one found, and the commits after the hint for the latest version. Return false (use
// listing) when no classic checkpoint is near or a file is missing.
Result<bool> ProbeBackward(storage::Storage& storage, int64_t hint, int64_t version,
                           LogSegment* segment) {
  constexpr int64_t kMaxStats = 1000;
  auto exists = [&](const std::string& name) -> Result<std::optional<storage::FileInfo>> {
    auto info = storage.Stat(storage::JoinPath(segment->log_dir, name));
    if (info.ok())
      return std::optional<storage::FileInfo>(*info);
    if (info.status().IsNotFound())
      return std::optional<storage::FileInfo>();
    return info.status();
  };
  std::optional<storage::FileInfo> checkpoint;
  int64_t at = version;
  for (; at >= 0 && version - at < kMaxStats; --at) {
    TESSERA_ASSIGN_OR_RETURN(checkpoint, exists(CheckpointFileName(at)));
    if (checkpoint)
      break;
  }
  if (!checkpoint)
    return false;
  std::vector<storage::FileInfo> commits;
  for (int64_t v = at + 1; v <= version; ++v) {
    TESSERA_ASSIGN_OR_RETURN(auto commit, exists(CommitFileName(v)));
    if (!commit)
      return false;
    commits.push_back(std::move(*commit));
  }
  int64_t latest = hint;
  for (int64_t v = hint + 1;; ++v) {
    TESSERA_ASSIGN_OR_RETURN(auto commit, exists(CommitFileName(v)));
    if (!commit)
      break;
    latest = v;
  }
  segment->checkpoint = CheckpointFiles{at, LogFileType::kCheckpoint, {std::move(*checkpoint)}};
  segment->commits = std::move(commits);
  segment->version = version;
  segment->latest_version = latest;
  return true;
}

}  // namespace

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::optional<int64_t> ReadLastCheckpointHint(storage::Storage& storage, std::string_view log_dir) {
  auto text = storage.Read(storage::JoinPath(log_dir, "_last_checkpoint"));
  if (!text.ok())
    return std::nullopt;
  auto json = ParseJson(*text);
  if (!json.ok())
    return std::nullopt;
  auto version = JsonOptInt(*json, "version");
  if (!version.ok() || !version->has_value() || **version < 0)
    return std::nullopt;
  return **version;
}

Result<LogSegment> BuildLogSegment(storage::Storage& storage, std::string_view table_root,
                                   std::optional<int64_t> version) {
  if (version && *version < 0) {
    return Status::InvalidArgument("version must be >= 0, got " + std::to_string(*version));
  }
  LogSegment segment;
  segment.table_root = std::string(table_root);
  segment.log_dir = storage::JoinPath(table_root, "_delta_log");

  std::optional<int64_t> hint = ReadLastCheckpointHint(storage, segment.log_dir);
  if (hint && (!version || *hint <= *version)) {
    TESSERA_ASSIGN_OR_RETURN(bool probed, ProbeFromHint(storage, *hint, version, &segment));
    if (probed)
      return segment;
  }
  if (hint && version && *version < *hint) {
    // The hint's checkpoint must be there: it vouches that the log reaches `hint`.
    auto named = storage.Stat(storage::JoinPath(segment.log_dir, CheckpointFileName(*hint)));
    if (named.ok()) {
      TESSERA_ASSIGN_OR_RETURN(bool probed, ProbeBackward(storage, *hint, *version, &segment));
      if (probed)
        return segment;
    }
  }
  int64_t from = 0;
  if (hint && (!version || *hint <= *version))
    from = *hint;

  TESSERA_ASSIGN_OR_RETURN(Listing listing, ListLog(storage, segment.log_dir, from));
  auto has_usable_checkpoint = [&](const Listing& l) {
    for (const auto& [v, cp] : l.checkpoints) {
      if (!version || v <= *version)
        return true;
    }
    return false;
  };
  // A stale, dangling or future hint: the listing from it has no checkpoint to start from.
  if (from > 0 && !has_usable_checkpoint(listing)) {
    TESSERA_ASSIGN_OR_RETURN(listing, ListLog(storage, segment.log_dir, 0));
  }
  if (listing.max_version < 0) {
    return Status::NotFound("no Delta table at '" + std::string(table_root) +
                            "': _delta_log has no commits");
  }
  segment.latest_version = listing.max_version;
  segment.version = version.value_or(listing.max_version);
  if (segment.version > listing.max_version) {
    return Status::NotFound("version " + std::to_string(segment.version) +
                            " does not exist; the latest version is " +
                            std::to_string(listing.max_version));
  }

  int64_t start = 0;
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    if (it->first <= segment.version) {
      segment.checkpoint = std::move(it->second);
      start = it->first + 1;
      break;
    }
  }
  for (int64_t v = start; v <= segment.version; ++v) {
    auto it = listing.commits.find(v);
    if (it == listing.commits.end()) {
      if (!segment.checkpoint && listing.commits.empty() == false &&
          listing.commits.begin()->first > v && v == start) {
        return Status::Corruption("cannot reconstruct version " + std::to_string(segment.version) +
                                  ": commits before " +
                                  std::to_string(listing.commits.begin()->first) +
                                  " were removed and no checkpoint covers them");
      }
      return Status::Corruption("the Delta log is missing commit " + std::to_string(v) +
                                " (versions must be contiguous)");
    }
    segment.commits.push_back(it->second);
  }
  return segment;
}

}  // namespace tessera::delta
