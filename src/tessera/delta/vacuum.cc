#include "tessera/delta/vacuum.h"

#include <string_view>
#include <unordered_set>

#include "tessera/common/strings.h"
#include "tessera/delta/deletion_vector.h"
#include "tessera/delta/retention.h"
#include "tessera/delta/table_features.h"

namespace tessera::delta {
namespace {

// Spark's DeltaTableUtils.isHiddenDirectory, applied to every path component.
bool IsHidden(std::string_view name, const std::vector<std::string>& partition_columns) {
  if (!StartsWith(name, ".") && !StartsWith(name, "_"))
    return false;
  if (StartsWith(name, "_change_data"))
    return false;
  for (const std::string& column : partition_columns) {
    if (StartsWith(name, HiveEscape(column) + "="))
      return false;
  }
  return true;
}

bool IsHiddenPath(std::string_view relative, const std::vector<std::string>& partition_columns) {
  for (const std::string& part : Split(relative, '/')) {
    if (IsHidden(part, partition_columns))
      return true;
  }
  return false;
}

// The files a file action keeps alive: its data file and its deletion vector's file.
Status Reference(std::string_view root, const std::string& path,
                 const std::optional<DeletionVectorDescriptor>& dv,
                 std::unordered_set<std::string>& referenced) {
  TESSERA_ASSIGN_OR_RETURN(std::string data, ResolveDataPath(root, path));
  referenced.insert(std::move(data));
  if (dv && dv->storage_type != "i") {
    TESSERA_ASSIGN_OR_RETURN(std::string dv_file, DeletionVectorFilePath(root, *dv));
    referenced.insert(std::move(dv_file));
  }
  return Status::OK();
}

std::string Hours(int64_t ms) { return std::to_string(ms / 3600000) + " hours"; }

}  // namespace

Result<VacuumResult> Vacuum(storage::Storage& storage, const Snapshot& snapshot,
                            int64_t retention_ms, bool dry_run, const Clock& clock, bool force) {
  const std::string& root = snapshot.table_root();
  TESSERA_RETURN_NOT_OK(CheckWriteSupported(snapshot.protocol(), snapshot.metadata())
                            .WithContext("cannot vacuum table '" + root + "'"));
  if (retention_ms < 0)
    return Status::InvalidArgument("the retention period must not be negative");
  TESSERA_ASSIGN_OR_RETURN(int64_t table_retention,
                           DeletedFileRetentionMillis(snapshot.metadata()));
  if (retention_ms < table_retention && !force) {
    return Status::InvalidArgument(
        "a retention of " + Hours(retention_ms) + " is shorter than the table's " +
        Hours(table_retention) +
        " (delta.deletedFileRetentionDuration): it can delete files that time travel or "
        "concurrent writers still need; use force to do it anyway");
  }
  if (snapshot.version() != snapshot.latest_version()) {
    return Status::Conflict("vacuum needs the latest version of '" + root + "' (" +
                            std::to_string(snapshot.latest_version()) + "), not version " +
                            std::to_string(snapshot.version()));
  }
  const int64_t cutoff = clock.NowMillis() - retention_ms;

  std::unordered_set<std::string> referenced;
  for (const AddFile& add : snapshot.files())
    TESSERA_RETURN_NOT_OK(Reference(root, add.path, add.deletion_vector, referenced));
  for (const RemoveFile& remove : snapshot.tombstones()) {
    if (remove.deletion_timestamp.value_or(0) >= cutoff)
      TESSERA_RETURN_NOT_OK(Reference(root, remove.path, remove.deletion_vector, referenced));
  }

  TESSERA_ASSIGN_OR_RETURN(std::vector<storage::FileInfo> listed, storage.ListRecursive(root));
  VacuumResult result;
  result.retention_ms = retention_ms;
  result.files_scanned = static_cast<int64_t>(listed.size());
  const std::string prefix = root + "/";
  for (storage::FileInfo& file : listed) {
    if (!StartsWith(file.path, prefix))
      continue;
    std::string_view relative = file.path;
    relative.remove_prefix(prefix.size());
    if (IsHiddenPath(relative, snapshot.metadata().partition_columns))
      continue;
    if (file.modification_time_ms >= cutoff || referenced.count(file.path) != 0)
      continue;
    result.bytes += file.size;
    result.files.push_back(std::move(file));
  }
  if (dry_run)
    return result;
  for (size_t i = 0; i < result.files.size(); ++i) {
    Status deleted = storage.Delete(result.files[i].path);
    if (!deleted.ok()) {
      return deleted.WithContext("vacuum deleted " + std::to_string(i) + " of " +
                                 std::to_string(result.files.size()) + " files, then");
    }
  }
  return result;
}

}  // namespace tessera::delta
