#include "tessera/delta/table_properties.h"

#include <algorithm>

#include "tessera/common/strings.h"

namespace tessera::delta {
namespace {

constexpr std::string_view kBooleanProperties[] = {"delta.enableChangeDataFeed", "delta.appendOnly",
                                                   "delta.checkpoint.writeStatsAsJson",
                                                   "delta.checkpoint.writeStatsAsStruct"};

// Properties that switch on a feature whose bookkeeping tessera does not do yet.
constexpr std::string_view kRefused[] = {"delta.enableInCommitTimestamps",
                                         "delta.enableRowTracking", "delta.enableDeletionVectors",
                                         "delta.columnMapping.mode", "delta.enableTypeWidening"};

}  // namespace

Result<CommitResult> SetTableProperties(storage::Storage& storage,
                                        const std::shared_ptr<const Snapshot>& snapshot,
                                        const std::map<std::string, std::string>& set,
                                        const std::vector<std::string>& unset) {
  Metadata metadata = snapshot->metadata();
  for (const auto& [key, value] : set) {
    if (std::find(std::begin(kRefused), std::end(kRefused), key) != std::end(kRefused) &&
        ToLower(value) != "false" && value != "none") {
      return Status::Unsupported("tessera cannot maintain '" + key + "' yet");
    }
    bool boolean = std::find(std::begin(kBooleanProperties), std::end(kBooleanProperties), key) !=
                   std::end(kBooleanProperties);
    if (boolean && ToLower(value) != "true" && ToLower(value) != "false") {
      return Status::InvalidArgument("'" + key + "' must be true or false, got '" + value + "'");
    }
    if (key == "delta.checkpointInterval") {
      auto n = ParseInt64(value);
      if (!n.ok() || *n < 1)
        return Status::InvalidArgument("delta.checkpointInterval must be a positive integer");
    }
    metadata.configuration[key] = value;
  }
  for (const std::string& key : unset)
    metadata.configuration.erase(key);

  Transaction txn(snapshot->table_root(), snapshot);
  Protocol protocol = snapshot->protocol();
  bool upgrade = false;
  if (TablePropertyBool(metadata, "delta.enableChangeDataFeed", false) &&
      !HasWriterFeature(protocol, "changeDataFeed")) {
    if (protocol.min_writer_version < 7) {
      protocol.min_writer_version = std::max(protocol.min_writer_version, 4);
    } else {
      if (!protocol.writer_features)
        protocol.writer_features.emplace();
      protocol.writer_features->push_back("changeDataFeed");
    }
    upgrade = true;
  }
  if (upgrade)
    txn.SetProtocol(protocol);
  Json properties = Json::object();
  for (const auto& [key, value] : set)
    properties[key] = value;
  txn.SetMetadata(std::move(metadata));
  txn.SetOperation("SET TBLPROPERTIES", {{"properties", DumpJson(properties)}});
  return txn.Commit(storage);
}

}  // namespace tessera::delta
