#include "tessera/delta/checkpoint.h"

#include <optional>

#include "tessera/common/random.h"
#include "tessera/common/strings.h"
#include "tessera/delta/log_path.h"
#include "tessera/delta/retention.h"
#include "tessera/delta/table_features.h"

namespace tessera::delta {
namespace {

// A file that had only struct stats keeps its row count (needed with deletion vectors); the rest
// of stats_parsed is typed per column and has no canonical JSON form, and missing min/max only
// means the file is never skipped.
AddFile CheckpointAdd(AddFile add) {
  if (!add.stats && add.stats_parsed && add.stats_parsed->is_object()) {
    const Json* records = JsonFind(*add.stats_parsed, "numRecords");
    if (records != nullptr && records->is_number_integer())
      add.stats = DumpJson(Json{{"numRecords", records->get<int64_t>()}});
  }
  add.stats_parsed.reset();
  return add;
}

Protocol CheckpointProtocol(Protocol protocol) {
  // PROTOCOL.md "Checkpoint Schema": table-feature protocols need non-null feature columns.
  if (protocol.min_reader_version >= 3 && !protocol.reader_features)
    protocol.reader_features.emplace();
  if (protocol.min_writer_version >= 7 && !protocol.writer_features)
    protocol.writer_features.emplace();
  return protocol;
}

}  // namespace

Json LastCheckpoint::ToJson() const {
  return Json{{"version", version},
              {"size", size},
              {"sizeInBytes", size_in_bytes},
              {"numOfAddFiles", num_of_add_files}};
}

Result<std::vector<Action>> CheckpointActions(const Snapshot& snapshot, int64_t now_ms) {
  const Metadata& metadata = snapshot.metadata();
  TESSERA_ASSIGN_OR_RETURN(int64_t file_retention, DeletedFileRetentionMillis(metadata));
  TESSERA_ASSIGN_OR_RETURN(std::optional<int64_t> txn_retention,
                           SetTransactionRetentionMillis(metadata));
  std::vector<Action> actions;
  actions.reserve(2 + snapshot.transactions().size() + snapshot.domains().size() +
                  snapshot.files().size() + snapshot.tombstones().size());
  actions.emplace_back(CheckpointProtocol(snapshot.protocol()));
  actions.emplace_back(metadata);
  for (const auto& [app_id, txn] : snapshot.transactions()) {
    // Spark drops a txn only when it has a lastUpdated older than the retention.
    if (txn_retention && txn.last_updated && *txn.last_updated < now_ms - *txn_retention)
      continue;
    actions.emplace_back(txn);
  }
  for (const auto& [name, domain] : snapshot.domains())
    actions.emplace_back(domain);
  for (const AddFile& add : snapshot.files())
    actions.emplace_back(CheckpointAdd(add));
  const int64_t cutoff = now_ms - file_retention;
  for (const RemoveFile& tombstone : snapshot.tombstones()) {
    // A tombstone without a timestamp counts as deleted at 0, as in Spark and delta-rs.
    if (tombstone.deletion_timestamp.value_or(0) <= cutoff)
      continue;
    RemoveFile remove = tombstone;
    remove.stats.reset();
    remove.tags.clear();
    actions.emplace_back(std::move(remove));
  }
  return actions;
}

Result<LastCheckpoint> WriteCheckpoint(storage::Storage& storage, CheckpointWriter& writer,
                                       const Snapshot& snapshot, const Clock& clock) {
  TESSERA_RETURN_NOT_OK(
      CheckWriteSupported(snapshot.protocol(), snapshot.metadata())
          .WithContext("cannot checkpoint table '" + snapshot.table_root() + "'"));
  TESSERA_ASSIGN_OR_RETURN(std::vector<Action> actions,
                           CheckpointActions(snapshot, clock.NowMillis()));
  LastCheckpoint last;
  last.version = snapshot.version();
  last.size = static_cast<int64_t>(actions.size());
  last.num_of_add_files = static_cast<int64_t>(snapshot.files().size());

  const std::string& log_dir = snapshot.segment().log_dir;
  const std::string name = CheckpointFileName(snapshot.version());
  const std::string final_path = storage::JoinPath(log_dir, name);
  // A hidden name that matches no Delta log file pattern, so a crash leaves only ignored litter.
  const std::string temp_path =
      storage::JoinPath(log_dir, "." + name + "." + RandomUuid() + ".tmp");
  Status written = writer.WriteCheckpoint(temp_path, actions, snapshot);
  Result<std::string> bytes = written.ok() ? storage.Read(temp_path) : Result<std::string>(written);
  Status published = bytes.ok() ? storage.PutIfAbsent(final_path, *bytes) : bytes.status();
  // The temporary file goes whatever happened; failing to delete it loses nothing.
  (void)storage.Delete(temp_path);
  if (published.IsAlreadyExists()) {
    TESSERA_ASSIGN_OR_RETURN(storage::FileInfo existing, storage.Stat(final_path));
    last.size_in_bytes = existing.size;
  } else if (!published.ok()) {
    return published.WithContext("writing _delta_log/" + name);
  } else {
    last.size_in_bytes = static_cast<int64_t>(bytes->size());
  }

  // Never move the hint backwards: it may already name a newer checkpoint.
  std::optional<int64_t> hint = ReadLastCheckpointHint(storage, log_dir);
  if (!hint || *hint < last.version) {
    TESSERA_RETURN_NOT_OK_CTX(
        storage.Put(storage::JoinPath(log_dir, "_last_checkpoint"), DumpJson(last.ToJson())),
        "writing _delta_log/_last_checkpoint");
  }
  return last;
}

int64_t CheckpointInterval(const Metadata& metadata) {
  auto it = metadata.configuration.find("delta.checkpointInterval");
  if (it == metadata.configuration.end())
    return kDefaultCheckpointInterval;
  auto interval = ParseInt64(it->second);
  return interval.ok() && *interval > 0 ? *interval : kDefaultCheckpointInterval;
}

Status MaybeCheckpointAfterCommit(storage::Storage& storage, CheckpointReader* reader,
                                  CheckpointWriter& writer, std::string_view table_root,
                                  const Metadata& metadata, int64_t version, const Clock& clock) {
  if (version <= 0 || version % CheckpointInterval(metadata) != 0)
    return Status::OK();
  TESSERA_ASSIGN_OR_RETURN(auto snapshot, Snapshot::Load(storage, reader, table_root, version));
  return WriteCheckpoint(storage, writer, *snapshot, clock).status();
}

}  // namespace tessera::delta
