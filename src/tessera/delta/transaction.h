#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/common/json.h"
#include "tessera/common/result.h"
#include "tessera/common/time.h"
#include "tessera/delta/actions.h"
#include "tessera/delta/snapshot.h"
#include "tessera/storage/storage.h"

namespace tessera::delta {

/// How a transaction commits.
struct CommitOptions {
  int max_attempts = 16;  // delta-rs retries 15 times after the first attempt
  const Clock* clock = &SystemClock::Instance();
  std::string engine_info = "tessera/0.1.0";
};

/// The result of a successful commit.
struct CommitResult {
  int64_t version = 0;
  int attempts = 1;  // > 1 when concurrent writers forced a rebase
};

/// One write to a Delta table: the actions to commit on top of the snapshot it read. Commits are
/// an atomic put-if-absent of the next `_delta_log/N.json` (storage::Storage::PutIfAbsent). When
/// another writer wins that version, a blind append (adds only, nothing read) rebases onto the
/// new version and retries; any other transaction fails with kConflict if the winner changed
/// data, metadata or protocol, so no write is ever lost. Not thread-safe; use one per writer.
class Transaction {
 public:
  /// Begin a write on top of `read_snapshot`, or a table creation when it is null.
  Transaction(std::string table_root, std::shared_ptr<const Snapshot> read_snapshot);

  void SetProtocol(Protocol protocol) { protocol_ = std::move(protocol); }
  void SetMetadata(Metadata metadata) { metadata_ = std::move(metadata); }
  void Add(AddFile file) { adds_.push_back(std::move(file)); }
  void Remove(RemoveFile file) { removes_.push_back(std::move(file)); }
  void AddChangeData(AddCdcFile file) { cdc_.push_back(std::move(file)); }
  void SetAppTransaction(SetTransaction txn) { txn_ = std::move(txn); }
  /// Record the operation name and parameters for commitInfo (e.g. "WRITE", {"mode":"Append"}).
  void SetOperation(std::string operation, Json parameters) {
    operation_ = std::move(operation);
    operation_parameters_ = std::move(parameters);
  }
  void SetMetrics(Json metrics) { metrics_ = std::move(metrics); }
  /// Mark that the transaction read table data (deletes, updates, merges, overwrites do).
  void MarkDataRead() { read_data_ = true; }

  /// True if the transaction only adds files and read nothing: it commutes with every append.
  bool IsBlindAppend() const;

  /// Commit. Return the new version; kConflict when a concurrent commit makes this one invalid;
  /// kAlreadyExists when creating a table that exists; kUnsupported when the table has features
  /// tessera cannot write; kInvalidArgument for removes on an append-only table.
  Result<CommitResult> Commit(storage::Storage& storage, const CommitOptions& options = {});

  /// The commit file body for a version (exposed for tests).
  std::string Serialize(int64_t now_ms, const std::string& engine_info) const;

 private:
  Status Validate() const;
  Status CheckConflicts(storage::Storage& storage, int64_t from_version, int64_t to_version) const;

  std::string table_root_;
  std::shared_ptr<const Snapshot> read_snapshot_;
  std::optional<Protocol> protocol_;
  std::optional<Metadata> metadata_;
  std::vector<AddFile> adds_;
  std::vector<RemoveFile> removes_;
  std::vector<AddCdcFile> cdc_;
  std::optional<SetTransaction> txn_;
  std::string operation_ = "WRITE";
  Json operation_parameters_ = Json::object();
  Json metrics_ = Json::object();
  bool read_data_ = false;
  std::string txn_id_;
};

}  // namespace tessera::delta
