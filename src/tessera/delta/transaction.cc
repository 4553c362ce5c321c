#include "tessera/delta/transaction.h"

#include "tessera/common/random.h"
#include "tessera/delta/log_path.h"
#include "tessera/delta/table_features.h"

namespace tessera::delta {

Transaction::Transaction(std::string table_root, std::shared_ptr<const Snapshot> read_snapshot)
    : table_root_(std::move(table_root)),
      read_snapshot_(std::move(read_snapshot)),
      txn_id_(RandomUuid()) {}

bool Transaction::IsBlindAppend() const {
  return !read_data_ && removes_.empty() && !metadata_ && !protocol_ && read_snapshot_ != nullptr;
}

Status Transaction::Validate() const {
  if (!read_snapshot_ && (!protocol_ || !metadata_)) {
    return Status::InvalidArgument("creating a table needs a protocol and metadata");
  }
  const Protocol& protocol = protocol_ ? *protocol_ : read_snapshot_->protocol();
  const Metadata& metadata = metadata_ ? *metadata_ : read_snapshot_->metadata();
  TESSERA_RETURN_NOT_OK(CheckWriteSupported(protocol, metadata));
  if (TablePropertyBool(metadata, "delta.appendOnly", false)) {
    for (const RemoveFile& r : removes_) {
      if (r.data_change) {
        return Status::InvalidArgument(
            "table is append-only (delta.appendOnly = true): cannot remove '" + r.path + "'");
      }
    }
  }
  return Status::OK();
}

std::string Transaction::Serialize(int64_t now_ms, const std::string& engine_info) const {
  // PROTOCOL.md: commitInfo goes first (required when in-commit timestamps are on).
  Json info = {{"timestamp", now_ms},
               {"operation", operation_},
               {"operationParameters", operation_parameters_},
               {"isBlindAppend", IsBlindAppend()},
               {"engineInfo", engine_info},
               {"txnId", txn_id_}};
  if (read_snapshot_)
    info["readVersion"] = read_snapshot_->version();
  if (!metrics_.empty())
    info["operationMetrics"] = metrics_;
  const Metadata* metadata = metadata_        ? &*metadata_
                             : read_snapshot_ ? &read_snapshot_->metadata()
                                              : nullptr;
  if (metadata != nullptr &&
      TablePropertyBool(*metadata, "delta.enableInCommitTimestamps", false)) {
    // Monotonic by spec: at least one ms after the commit we read.
    int64_t ict = now_ms;
    if (read_snapshot_ && read_snapshot_->commit_info()) {
      auto previous = read_snapshot_->commit_info()->InCommitTimestamp();
      if (previous && *previous >= ict)
        ict = *previous + 1;
    }
    info["inCommitTimestamp"] = ict;
  }
  std::string out = DumpJson(Json{{"commitInfo", info}}) + "\n";
  auto line = [&out](const Action& action) { out += DumpJson(ActionToJson(action)) + "\n"; };
  if (protocol_)
    line(*protocol_);
  if (metadata_)
    line(*metadata_);
  if (txn_)
    line(*txn_);
  for (const RemoveFile& r : removes_)
    line(r);
  for (const AddFile& a : adds_)
    line(a);
  for (const AddCdcFile& c : cdc_)
    line(c);
  return out;
}

Status Transaction::CheckConflicts(storage::Storage& storage, int64_t from_version,
                                   int64_t to_version) const {
  std::string log_dir = storage::JoinPath(table_root_, "_delta_log");
  for (int64_t v = from_version; v <= to_version; ++v) {
    TESSERA_ASSIGN_OR_RETURN(std::string text,
                             storage.Read(storage::JoinPath(log_dir, CommitFileName(v))));
    auto actions = ParseCommit(text);
    if (!actions.ok())
      return actions.status().WithContext("reading concurrent commit " + std::to_string(v));
    std::string winner = "concurrent commit " + std::to_string(v);
    for (const Action& action : *actions) {
      if (std::holds_alternative<Protocol>(action)) {
        return Status::Conflict(winner + " changed the table protocol; retry the operation");
      }
      if (std::holds_alternative<Metadata>(action)) {
        return Status::Conflict(winner + " changed the table metadata; retry the operation");
      }
      if (const auto* txn = std::get_if<SetTransaction>(&action)) {
        if (txn_ && txn->app_id == txn_->app_id) {
          return Status::Conflict(winner + " committed for the same application id '" +
                                  txn->app_id + "'");
        }
      }
      if (IsBlindAppend())
        continue;
      // Deletes, updates, merges and overwrites read the table: any concurrent data change may
      // have touched rows they read (ConcurrentAppend / ConcurrentDeleteRead / DeleteDelete).
      if (const auto* add = std::get_if<AddFile>(&action); add && add->data_change) {
        return Status::Conflict(winner +
                                " added data this operation did not read; retry the operation");
      }
      if (const auto* remove = std::get_if<RemoveFile>(&action); remove && remove->data_change) {
        return Status::Conflict(winner + " removed data this operation read; retry the operation");
      }
    }
  }
  return Status::OK();
}

Result<CommitResult> Transaction::Commit(storage::Storage& storage, const CommitOptions& options) {
  TESSERA_RETURN_NOT_OK(Validate());
  std::string log_dir = storage::JoinPath(table_root_, "_delta_log");
  int64_t version = read_snapshot_ ? read_snapshot_->version() + 1 : 0;
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    std::string body = Serialize(options.clock->NowMillis(), options.engine_info);
    Status put = storage.PutIfAbsent(storage::JoinPath(log_dir, CommitFileName(version)), body);
    if (put.ok())
      return CommitResult{version, attempt};
    if (!put.IsAlreadyExists())
      return put.WithContext("committing version " + std::to_string(version));
    if (!read_snapshot_) {
      return Status::AlreadyExists("a Delta table already exists at '" + table_root_ + "'");
    }
    // Another writer won this version: find how far the log got and check what it did.
    TESSERA_ASSIGN_OR_RETURN(auto latest, BuildLogSegment(storage, table_root_, std::nullopt));
    TESSERA_RETURN_NOT_OK(CheckConflicts(storage, version, latest.latest_version));
    version = latest.latest_version + 1;
  }
  return Status::Conflict("gave up after " + std::to_string(options.max_attempts) +
                          " attempts: too many concurrent commits");
}

}  // namespace tessera::delta
