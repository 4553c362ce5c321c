#include "bench/snapshot_bench.h"

#include <cstdio>
#include <set>
#include <vector>

#include "bench/long_log_table.h"

#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/delta/checkpoint.h"
#include "tessera/delta/log_segment.h"
#include "tessera/delta/snapshot.h"
#include "tessera/engine/checkpoint_writer.h"
#include "tessera/storage/local_storage.h"

namespace tessera::bench {
namespace {

constexpr double kLatestTargetMs = 50;
constexpr int64_t kOldVersion = 500;
constexpr int64_t kNearLatestDistance = 50;

TimedRun LoadRun(BenchDatabase& db, const std::string& root, std::optional<int64_t> version,
                 int64_t expected_version) {
  return [&db, root, version, expected_version]() -> Result<double> {
    return TimeMs([&]() -> Status {
      TESSERA_ASSIGN_OR_RETURN(
          auto snapshot,
          delta::Snapshot::Load(storage::LocalStorage::Instance(), &db.reader(), root, version));
      if (snapshot->version() != expected_version || snapshot->files().size() != 1) {
        return Status::Internal("loaded version " + std::to_string(snapshot->version()) + " with " +
                                std::to_string(snapshot->files().size()) + " files");
      }
      return Status::OK();
    });
  };
}

// The checkpoints that a delta.checkpointInterval of 100 would have written and that the loads
// below start from (the newest, the one at or before v500), plus a few in between, in ascending
// order so that writing each one loads from the previous. All 1,000 would take minutes to write
// and the loads would read none of the others.
std::vector<int64_t> CheckpointVersions(int64_t commits) {
  const int64_t interval = delta::kDefaultCheckpointInterval;
  int64_t newest = (commits - 1) / interval * interval;
  std::set<int64_t> versions = {interval, kOldVersion / interval * interval,
                                newest / 2 / interval * interval, newest - interval, newest};
  std::vector<int64_t> out;
  for (int64_t v : versions) {
    if (v > 0)
      out.push_back(v);
  }
  return out;
}

Status WriteCheckpoints(BenchDatabase& db, const std::string& root,
                        const std::vector<int64_t>& versions) {
  engine::DuckdbCheckpointWriter writer(db.database());
  for (int64_t version : versions) {
    TESSERA_ASSIGN_OR_RETURN(auto snapshot, delta::Snapshot::Load(storage::LocalStorage::Instance(),
                                                                  &db.reader(), root, version));
    auto written = delta::WriteCheckpoint(storage::LocalStorage::Instance(), writer, *snapshot,
                                          SystemClock::Instance());
    if (!written.ok())
      return written.status().WithContext("checkpoint at v" + std::to_string(version));
  }
  return Status::OK();
}

// How a version is reconstructed: " (checkpoint v99900 + 99 commits)".
std::string SegmentText(const std::string& root, int64_t version) {
  auto segment = delta::BuildLogSegment(storage::LocalStorage::Instance(), root, version);
  if (!segment.ok())
    return "";
  auto commits = std::to_string(segment->commits.size()) + " commits";
  if (!segment->checkpoint)
    return " (no checkpoint: " + commits + ")";
  return " (checkpoint v" + std::to_string(segment->checkpoint->version) + " + " + commits + ")";
}

}  // namespace

void RunSnapshotLoad(const BenchConfig& config, BenchDatabase& db, ResultTable& table) {
  std::string root = storage::JoinPath(config.work_dir, "long-log");
  const std::string gen_name = "snapshot: generate " + std::to_string(config.commits) + " commits";
  auto generated =
      TimeMs([&]() { return WriteLongLogTable(db.connection(), root, config.commits); });
  if (!generated.ok()) {
    table.AddError(gen_name, generated.status());
    return;
  }
  std::fprintf(stderr, "bench: wrote %lld commits in %s\n", static_cast<long long>(config.commits),
               FormatMs(*generated).c_str());
  std::vector<int64_t> versions = CheckpointVersions(config.commits);
  auto checkpointed = TimeMs([&]() { return WriteCheckpoints(db, root, versions); });
  if (!checkpointed.ok()) {
    table.AddError(gen_name, checkpointed.status());
    return;
  }
  std::string written;
  for (int64_t v : versions)
    written += " v" + std::to_string(v);
  std::fprintf(stderr, "bench: wrote checkpoints at%s in %s\n", written.c_str(),
               FormatMs(*checkpointed).c_str());
  // The peer replays every JSON commit: a twin of the log with the commits only.
  std::string replay_root = root + "-json-only";
  Status linked = LinkCommitsOnly(root, replay_root);
  if (!linked.ok()) {
    table.AddError(gen_name, linked);
    return;
  }

  int64_t latest = config.commits - 1;
  int64_t near = latest - kNearLatestDistance;
  std::vector<TimedRun> ops = {
      LoadRun(db, replay_root, std::nullopt, latest),  // the peer: every JSON commit
      LoadRun(db, root, std::nullopt, latest),
      LoadRun(db, root, kOldVersion, kOldVersion),
      LoadRun(db, root, near, near),
      [&]() -> Result<double> {
        return TimeMs([&]() {
          return delta::BuildLogSegment(storage::LocalStorage::Instance(), root, std::nullopt)
              .status();
        });
      },
      // A query reads the one-row table: its cost is the snapshot loads of binding delta_scan.
      [&]() -> Result<double> {
        return TimeMs([&]() {
          return DrainQuery(db.connection(),
                            "SELECT count(*) FROM delta_scan(" + QuoteLiteral(root) + ")")
              .status();
        });
      },
  };
  // No warm-up: the generator has just written every file, so the page cache is already warm,
  // and a warm-up round would cost three more full replays.
  auto samples = MeasureRoundRobin(config.slow_runs, ops, /*warm_up=*/false);
  if (!samples.ok()) {
    table.AddError("snapshot load", samples.status());
    return;
  }
  LogSamples("snapshot load",
             {"replay", "latest", "v" + std::to_string(kOldVersion), "v" + std::to_string(near),
              "listing", "delta_scan"},
             *samples);
  double replay = Best((*samples)[0]);
  std::string replay_text = FormatMs(replay);
  auto row = [&](const std::string& name, size_t op, std::string target, std::optional<bool> pass) {
    double ms = Best((*samples)[op]);
    table.Add({name, FormatMs(ms), replay_text, ms / replay, std::move(target), pass});
  };
  double latest_ms = Best((*samples)[1]);
  // The peer column of every row is the same full replay of all the JSON commits.
  row("snapshot latest v" + std::to_string(latest) + SegmentText(root, latest), 1, "< 50 ms",
      latest_ms < kLatestTargetMs);
  row("time travel v" + std::to_string(kOldVersion) + SegmentText(root, kOldVersion), 2, "-",
      std::nullopt);
  row("time travel v" + std::to_string(near) + SegmentText(root, near), 3, "-", std::nullopt);
  row("  of which: log listing (BuildLogSegment, latest)", 4, "-", std::nullopt);
  row("SELECT count(*) FROM delta_scan(<this table>)", 5, "-", std::nullopt);
}

}  // namespace tessera::bench
