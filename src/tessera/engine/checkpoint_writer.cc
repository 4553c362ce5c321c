#include "tessera/engine/checkpoint_writer.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

#include "tessera/common/json.h"
#include "tessera/common/logging.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/engine/checkpoint_reader.h"

namespace tessera::engine {
namespace {

using Fields = std::vector<std::pair<std::string_view, std::string>>;

std::string Struct(const Fields& fields) {
  std::string out = "STRUCT(";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0)
      out += ", ";
    out += QuoteIdentifier(fields[i].first) + " " + fields[i].second;
  }
  return out + ")";
}

// PROTOCOL.md "Checkpoint Schema", with the types of Spark's checkpoints: int for protocol
// versions and DV offset/size, long for sizes, times and versions, map<string,string> for
// partitionValues, tags, format options and configuration.
Fields ColumnTypes() {
  const std::string map = "MAP(VARCHAR, VARCHAR)";
  const std::string dv = Struct({{"storageType", "VARCHAR"},
                                 {"pathOrInlineDv", "VARCHAR"},
                                 {"offset", "INTEGER"},
                                 {"sizeInBytes", "INTEGER"},
                                 {"cardinality", "BIGINT"}});
  return {
      {"txn", Struct({{"appId", "VARCHAR"}, {"version", "BIGINT"}, {"lastUpdated", "BIGINT"}})},
      {"add", Struct({{"path", "VARCHAR"},
                      {"partitionValues", map},
                      {"size", "BIGINT"},
                      {"modificationTime", "BIGINT"},
                      {"dataChange", "BOOLEAN"},
                      {"stats", "VARCHAR"},
                      {"tags", map},
                      {"deletionVector", dv},
                      {"baseRowId", "BIGINT"},
                      {"defaultRowCommitVersion", "BIGINT"},
                      {"clusteringProvider", "VARCHAR"}})},
      {"remove", Struct({{"path", "VARCHAR"},
                         {"deletionTimestamp", "BIGINT"},
                         {"dataChange", "BOOLEAN"},
                         {"extendedFileMetadata", "BOOLEAN"},
                         {"partitionValues", map},
                         {"size", "BIGINT"},
                         {"deletionVector", dv},
                         {"baseRowId", "BIGINT"},
                         {"defaultRowCommitVersion", "BIGINT"}})},
      {"metaData", Struct({{"id", "VARCHAR"},
                           {"name", "VARCHAR"},
                           {"description", "VARCHAR"},
                           {"format", Struct({{"provider", "VARCHAR"}, {"options", map}})},
                           {"schemaString", "VARCHAR"},
                           {"partitionColumns", "VARCHAR[]"},
                           {"configuration", map},
                           {"createdTime", "BIGINT"}})},
      {"protocol", Struct({{"minReaderVersion", "INTEGER"},
                           {"minWriterVersion", "INTEGER"},
                           {"readerFeatures", "VARCHAR[]"},
                           {"writerFeatures", "VARCHAR[]"}})},
      {"domainMetadata",
       Struct({{"domain", "VARCHAR"}, {"configuration", "VARCHAR"}, {"removed", "BOOLEAN"}})},
  };
}

bool Checkpointable(const delta::Action& action) {
  return std::holds_alternative<delta::Protocol>(action) ||
         std::holds_alternative<delta::Metadata>(action) ||
         std::holds_alternative<delta::AddFile>(action) ||
         std::holds_alternative<delta::RemoveFile>(action) ||
         std::holds_alternative<delta::SetTransaction>(action) ||
         std::holds_alternative<delta::DomainMetadata>(action);
}

Status WriteNdjson(const std::string& path, const std::vector<delta::Action>& actions) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const delta::Action& action : actions) {
    if (!Checkpointable(action)) {
      return Status::InvalidArgument("a checkpoint cannot hold the action " +
                                     DumpJson(delta::ActionToJson(action)).substr(0, 80));
    }
    out << DumpJson(delta::ActionToJson(action)) << '\n';
  }
  out.close();
  if (!out)
    return Status::IoError("writing temporary checkpoint input '" + path + "'");
  return Status::OK();
}

}  // namespace

std::string CheckpointColumnTypes() {
  std::string out = "{";
  for (const auto& [name, type] : ColumnTypes()) {
    if (out.size() > 1)
      out += ", ";
    out += QuoteLiteral(name) + ": " + QuoteLiteral(type);
  }
  return out + "}";
}

Status DuckdbCheckpointWriter::WriteCheckpoint(const std::string& path,
                                               const std::vector<delta::Action>& actions,
                                               const delta::Snapshot& /*snapshot*/) {
  const std::string input = path + ".ndjson";
  Status status = WriteNdjson(input, actions);
  if (status.ok()) {
    auto written = [&]() -> Result<std::optional<std::string>> {
      TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(database_));
      std::string columns;
      for (const auto& [name, type] : ColumnTypes())
        columns += (columns.empty() ? "" : ", ") + QuoteIdentifier(name);
      // One line is one action; stats and schemas can be long, so allow big lines.
      return connection->QueryScalarString(
          "COPY (SELECT " + columns + " FROM read_json(" + QuoteLiteral(EscapeGlob(input)) +
          ", format = 'newline_delimited', maximum_object_size = 1073741824, columns = " +
          CheckpointColumnTypes() + ")) TO " + QuoteLiteral(path) + " (FORMAT parquet)");
    }();
    if (!written.ok()) {
      status = written.status().WithContext("writing checkpoint " + path);
    } else if (!*written || *written != std::to_string(actions.size())) {
      status = Status::Internal("checkpoint " + path + " got " + written->value_or("no") +
                                " rows for " + std::to_string(actions.size()) + " actions");
    }
  }
  std::error_code ec;
  std::filesystem::remove(input, ec);  // best effort: a leftover is a hidden, ignored file
  return status;
}

void CheckpointAfterCommit(Connection& connection, storage::Storage& storage,
                           delta::CheckpointReader& reader, const std::string& table_root,
                           const delta::Metadata& metadata, int64_t version) {
  DuckdbCheckpointWriter writer(connection.database());
  Status status = delta::MaybeCheckpointAfterCommit(storage, &reader, writer, table_root, metadata,
                                                    version, SystemClock::Instance());
  if (!status.ok()) {
    Log(LogLevel::kWarn, "checkpoint of '" + table_root + "' at version " +
                             std::to_string(version) +
                             " failed (the commit stands): " + status.ToString());
  }
}

}  // namespace tessera::engine
