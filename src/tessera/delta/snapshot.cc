#include "tessera/delta/snapshot.h"

#include <algorithm>
#include <unordered_set>

#include "tessera/common/strings.h"

namespace tessera::delta {
namespace {

// Newest-first replay with "first seen wins" (delta-kernel-rs FileActionDeduplicator): commit
// actions add their key to the seen-set; checkpoint actions only fill in what no commit decided.
class Reconciler {
 public:
  explicit Reconciler(const std::string& table_root) : table_root_(table_root) {}

  Status Apply(Action& action) {
    if (auto* add = std::get_if<AddFile>(&action)) {
      TESSERA_ASSIGN_OR_RETURN(std::string key, Key(add->path, add->deletion_vector));
      if (seen_.insert(std::move(key)).second)
        files.push_back(std::move(*add));
    } else if (auto* remove = std::get_if<RemoveFile>(&action)) {
      TESSERA_ASSIGN_OR_RETURN(std::string key, Key(remove->path, remove->deletion_vector));
      if (seen_.insert(std::move(key)).second)
        tombstones.push_back(std::move(*remove));
    } else if (auto* protocol_action = std::get_if<Protocol>(&action)) {
      if (!protocol)
        protocol = std::move(*protocol_action);
    } else if (auto* metadata_action = std::get_if<Metadata>(&action)) {
      if (!metadata)
        metadata = std::move(*metadata_action);
    } else if (auto* txn = std::get_if<SetTransaction>(&action)) {
      transactions.try_emplace(txn->app_id, *txn);
    } else if (auto* domain = std::get_if<DomainMetadata>(&action)) {
      domains.try_emplace(domain->domain, *domain);
    }
    return Status::OK();
  }

  std::vector<AddFile> files;
  std::vector<RemoveFile> tombstones;
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::map<std::string, SetTransaction> transactions;
  std::map<std::string, DomainMetadata> domains;

 private:
  Result<std::string> Key(const std::string& path,
                          const std::optional<DeletionVectorDescriptor>& dv) {
    // Compare decoded, canonical paths: Spark writes the same file as file:/a, file:///a and /a.
    auto resolved = ResolveDataPath(table_root_, path);
    if (!resolved.ok())
      return resolved.status().WithContext("file action '" + path + "'");
    return FileActionKey(*resolved, dv);
  }

  const std::string& table_root_;
  std::unordered_set<std::string> seen_;
};

Result<std::vector<Action>> ReadCheckpointFile(storage::Storage& storage, CheckpointReader* reader,
                                               const storage::FileInfo& file, bool is_json) {
  if (is_json) {
    TESSERA_ASSIGN_OR_RETURN(std::string text, storage.Read(file.path));
    return ParseCommit(text);
  }
  if (reader == nullptr) {
    return Status::Unsupported("reading Parquet checkpoint '" + file.path +
                               "' needs a checkpoint reader");
  }
  return reader->ReadActions(file.path);
}

}  // namespace

Result<std::vector<Action>> ReadCheckpointActions(storage::Storage& storage,
                                                  CheckpointReader* checkpoint_reader,
                                                  const LogSegment& segment) {
  std::vector<Action> actions;
  if (!segment.checkpoint)
    return actions;
  const CheckpointFiles& cp = *segment.checkpoint;
  for (const storage::FileInfo& file : cp.files) {
    auto part = ReadCheckpointFile(storage, checkpoint_reader, file,
                                   cp.type == LogFileType::kUuidCheckpointJson);
    if (!part.ok())
      return part.status().WithContext("reading checkpoint " + std::string(BaseName(file.path)));
    for (Action& a : *part)
      actions.push_back(std::move(a));
  }
  // V2 checkpoints keep their file actions in sidecars (PROTOCOL.md "V2 Spec").
  std::vector<std::string> sidecars;
  for (const Action& a : actions) {
    if (const auto* s = std::get_if<Sidecar>(&a))
      sidecars.push_back(s->path);
  }
  for (const std::string& sidecar : sidecars) {
    TESSERA_ASSIGN_OR_RETURN(std::string name, PercentDecode(sidecar));
    if (name.find('/') != std::string::npos) {
      return Status::Corruption("sidecar path '" + sidecar + "' is not a file name");
    }
    storage::FileInfo file{storage::JoinPath(segment.log_dir, "_sidecars/" + name), 0, 0};
    auto part = ReadCheckpointFile(storage, checkpoint_reader, file, EndsWith(name, ".json"));
    if (!part.ok())
      return part.status().WithContext("reading sidecar " + name);
    for (Action& a : *part)
      actions.push_back(std::move(a));
  }
  return actions;
}

Result<std::shared_ptr<const Snapshot>> Snapshot::Load(storage::Storage& storage,
                                                       CheckpointReader* checkpoint_reader,
                                                       std::string_view table_root,
                                                       std::optional<int64_t> version) {
  std::string root(table_root);
  while (root.size() > 1 && root.back() == '/')
    root.pop_back();
  std::shared_ptr<Snapshot> snapshot(new Snapshot());
  TESSERA_ASSIGN_OR_RETURN(snapshot->segment_, BuildLogSegment(storage, root, version));
  TESSERA_RETURN_NOT_OK(snapshot->Replay(storage, checkpoint_reader));
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

Status Snapshot::Replay(storage::Storage& storage, CheckpointReader* checkpoint_reader) {
  Reconciler reconciler(segment_.table_root);
  for (auto it = segment_.commits.rbegin(); it != segment_.commits.rend(); ++it) {
    std::string name(BaseName(it->path));
    auto text = storage.Read(it->path);
    if (!text.ok())
      return text.status().WithContext("reading _delta_log/" + name);
    auto actions = ParseCommit(*text);
    if (!actions.ok())
      return actions.status().WithContext("_delta_log/" + name);
    for (Action& action : *actions) {
      if (it == segment_.commits.rbegin() && std::holds_alternative<CommitInfo>(action)) {
        commit_info_ = std::get<CommitInfo>(action);
      }
      TESSERA_RETURN_NOT_OK(reconciler.Apply(action).WithContext("_delta_log/" + name));
    }
  }
  if (segment_.checkpoint) {
    TESSERA_ASSIGN_OR_RETURN(auto actions,
                             ReadCheckpointActions(storage, checkpoint_reader, segment_));
    for (Action& action : actions)
      TESSERA_RETURN_NOT_OK(reconciler.Apply(action));
  }
  std::string at =
      " (table '" + segment_.table_root + "', version " + std::to_string(segment_.version) + ")";
  if (!reconciler.protocol)
    return Status::Corruption("the Delta log has no protocol action" + at);
  if (!reconciler.metadata)
    return Status::Corruption("the Delta log has no metaData action" + at);
  protocol_ = std::move(*reconciler.protocol);
  metadata_ = std::move(*reconciler.metadata);
  TESSERA_RETURN_NOT_OK(CheckReadSupported(protocol_).WithContext("cannot read table" + at));
  if (metadata_.format_provider != "parquet") {
    return Status::Unsupported("table data format '" + metadata_.format_provider +
                               "' is not parquet");
  }
  TESSERA_ASSIGN_OR_RETURN(schema_, ParseSchema(metadata_.schema_string));
  TESSERA_ASSIGN_OR_RETURN(column_mapping_mode_, GetColumnMappingMode(protocol_, metadata_));
  for (const std::string& column : metadata_.partition_columns) {
    if (schema_.Find(column) == nullptr) {
      return Status::Corruption("partition column '" + column + "' is not in the schema" + at);
    }
  }
  files_ = std::move(reconciler.files);
  tombstones_ = std::move(reconciler.tombstones);
  std::sort(files_.begin(), files_.end(),
            [](const AddFile& a, const AddFile& b) { return a.path < b.path; });
  std::sort(tombstones_.begin(), tombstones_.end(),
            [](const RemoveFile& a, const RemoveFile& b) { return a.path < b.path; });
  transactions_ = std::move(reconciler.transactions);
  for (auto& [name, domain] : reconciler.domains) {
    if (!domain.removed)
      domains_.emplace(name, std::move(domain));
  }
  return Status::OK();
}

std::vector<const Field*> Snapshot::PartitionFields() const {
  std::vector<const Field*> out;
  for (const std::string& column : metadata_.partition_columns)
    out.push_back(schema_.Find(column));
  return out;
}

int64_t Snapshot::TotalBytes() const {
  int64_t total = 0;
  for (const AddFile& f : files_)
    total += f.size;
  return total;
}

}  // namespace tessera::delta
