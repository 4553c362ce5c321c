#include "tessera/cli/table_maintenance.h"

#include <cstdio>

#include "tessera/cli/commands.h"
#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/delta/checkpoint.h"
#include "tessera/delta/log_path.h"
#include "tessera/delta/retention.h"
#include "tessera/delta/snapshot.h"
#include "tessera/delta/vacuum.h"
#include "tessera/engine/checkpoint_writer.h"
#include "tessera/storage/local_storage.h"

namespace tessera::cli {
namespace {

constexpr int64_t kMillisPerHour = 3600000;

std::string RelativeTo(const std::string& root, const std::string& path) {
  return StartsWith(path, root + "/") ? path.substr(root.size() + 1) : path;
}

}  // namespace

int CheckpointSubcommand(Session& session, const std::string& root, const Args& args) {
  auto& storage = storage::LocalStorage::Instance();
  auto snapshot = delta::Snapshot::Load(storage, &session.reader(), root, std::nullopt);
  if (!snapshot.ok())
    return Fail("checkpoint of " + root, snapshot.status());
  engine::DuckdbCheckpointWriter writer(session.connection().database());
  auto last = delta::WriteCheckpoint(storage, writer, **snapshot, SystemClock::Instance());
  if (!last.ok())
    return Fail("checkpoint of " + root, last.status());
  if (args.Flag("json")) {
    std::puts(last->ToJson().dump(1).c_str());
    return 0;
  }
  std::printf("checkpoint of version %lld: %lld actions, %lld live files, %lld bytes (%s)\n",
              static_cast<long long>(last->version),           // NOLINT
              static_cast<long long>(last->size),              // NOLINT
              static_cast<long long>(last->num_of_add_files),  // NOLINT
              static_cast<long long>(last->size_in_bytes),     // NOLINT
              ("_delta_log/" + delta::CheckpointFileName(last->version)).c_str());
  return 0;
}

int VacuumSubcommand(Session& session, const std::string& root, const Args& args) {
  auto& storage = storage::LocalStorage::Instance();
  std::optional<int64_t> retention_ms;
  if (auto hours = args.Option("retention-hours")) {
    auto parsed = ParseInt64(*hours);
    if (!parsed.ok() || *parsed < 0 || *parsed > INT64_MAX / kMillisPerHour) {
      return Fail("vacuum",
                  Status::InvalidArgument("--retention-hours takes a whole number of hours >= 0, "
                                          "got '" +
                                          *hours + "'"),
                  true);
    }
    retention_ms = *parsed * kMillisPerHour;
  }
  auto snapshot = delta::Snapshot::Load(storage, &session.reader(), root, std::nullopt);
  if (!snapshot.ok())
    return Fail("vacuum of " + root, snapshot.status());
  if (!retention_ms) {
    auto table_retention = delta::DeletedFileRetentionMillis((*snapshot)->metadata());
    if (!table_retention.ok())
      return Fail("vacuum of " + root, table_retention.status());
    retention_ms = *table_retention;
  }
  const bool dry_run = args.Flag("dry-run");
  auto result = delta::Vacuum(storage, **snapshot, *retention_ms, dry_run, SystemClock::Instance(),
                              args.Flag("force"));
  if (!result.ok()) {
    int code = Fail("vacuum of " + root, result.status());
    if (result.status().code() == StatusCode::kInvalidArgument && !args.Flag("force") &&
        args.Option("retention-hours")) {
      std::fputs("tessera: add --force to vacuum with a shorter retention anyway\n", stderr);
    }
    return code;
  }
  const std::string& table_root = (*snapshot)->table_root();
  if (args.Flag("json")) {
    Json files = Json::array();
    for (const auto& f : result->files)
      files.push_back({{"path", RelativeTo(table_root, f.path)}, {"size", f.size}});
    Json out = {{"dry_run", dry_run},
                {"retention_hours", *retention_ms / kMillisPerHour},
                {"files_scanned", result->files_scanned},
                {"bytes", result->bytes},
                {"files", files}};
    std::puts(out.dump(1).c_str());
    return 0;
  }
  std::printf("%s %zu files (%lld bytes) of %lld, keeping what the last %lld hours need\n",
              dry_run ? "would delete" : "deleted", result->files.size(),
              static_cast<long long>(result->bytes),                    // NOLINT
              static_cast<long long>(result->files_scanned),            // NOLINT
              static_cast<long long>(*retention_ms / kMillisPerHour));  // NOLINT
  for (const auto& f : result->files)
    std::printf("  %s\n", RelativeTo(table_root, f.path).c_str());
  return 0;
}

}  // namespace tessera::cli
