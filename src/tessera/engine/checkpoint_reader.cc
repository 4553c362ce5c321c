#include "tessera/engine/checkpoint_reader.h"

#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"

namespace tessera::engine {
namespace {

// PROTOCOL.md "Checkpoint Schema" and "V2 Spec": the action columns, in the order each row's
// actions are emitted. `cdc` and `commitInfo` never appear in checkpoints (delta-rs writes an
// always-null `cdc` column).
constexpr std::string_view kActionColumns[] = {
    "protocol", "metaData",           "txn",     "domainMetadata", "add",
    "remove",   "checkpointMetadata", "sidecar",
};

Status CheckFile(const std::string& path) {
  std::error_code ec;
  std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found)
    return Status::NotFound("checkpoint file not found: " + path);
  if (ec)
    return Status::IoError("cannot inspect checkpoint file " + path + ": " + ec.message());
  if (!std::filesystem::is_regular_file(status))
    return Status::Corruption("checkpoint path is not a regular file: " + path);
  return Status::OK();
}

// DuckDB's errors on a checkpoint are the file's fault ("No magic bytes found at end of file"),
// except an interrupt and a file removed while reading.
Status AsCorruption(const Status& status, const std::string& path) {
  if (status.code() == StatusCode::kCancelled)
    return status;
  if (status.message().find("No files found that match the pattern") != std::string::npos)
    return Status::NotFound("checkpoint file not found: " + path);
  return Status::Corruption("reading checkpoint " + path + ": " + status.message());
}

}  // namespace

std::string EscapeGlob(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    // A one-character class matches exactly that character: "[[]" is a literal '['.
    if (c == '*' || c == '?' || c == '[') {
      out += '[';
      out += c;
      out += ']';
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::vector<delta::Action>> DuckdbCheckpointReader::ReadActions(const std::string& path) {
  TESSERA_RETURN_NOT_OK(CheckFile(path));
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(database_));
  std::string source = "read_parquet(" + QuoteLiteral(EscapeGlob(path)) + ")";

  Result<StatementInfo> info = connection->Describe("SELECT * FROM " + source);
  if (!info.ok())
    return AsCorruption(info.status(), path);
  std::vector<std::string_view> columns;
  std::string select;
  for (std::string_view name : kActionColumns) {
    for (const Column& column : info->columns) {
      if (column.name == name) {
        columns.push_back(name);
        select += (select.empty() ? "SELECT " : ", ");
        select += "to_json(" + QuoteIdentifier(name) + ")";
        break;
      }
    }
  }
  if (columns.empty())
    return Status::Corruption("checkpoint " + path + " has no Delta action columns");

  Result<std::unique_ptr<QueryResult>> result = connection->Query(select + " FROM " + source);
  if (!result.ok())
    return AsCorruption(result.status(), path);
  std::vector<delta::Action> actions;
  int64_t row_number = 0;
  while (true) {
    Result<std::unique_ptr<DataChunk>> chunk = (*result)->Fetch();
    if (!chunk.ok())
      return AsCorruption(chunk.status(), path);
    if (*chunk == nullptr)
      break;
    const DataChunk& rows = **chunk;
    for (int64_t row = 0; row < rows.row_count(); ++row, ++row_number) {
      for (size_t k = 0; k < columns.size(); ++k) {
        if (rows.IsNull(static_cast<int64_t>(k), row))
          continue;
        Result<Json> value = ParseJson(rows.GetString(static_cast<int64_t>(k), row));
        Json line = Json::object();
        if (value.ok())
          line[std::string(columns[k])] = std::move(*value);
        Result<std::optional<delta::Action>> action =
            value.ok() ? delta::ParseAction(line)
                       : Result<std::optional<delta::Action>>(value.status());
        if (!action.ok()) {
          return Status::Corruption("reading checkpoint " + path + ": row " +
                                    std::to_string(row_number) + ", column " +
                                    std::string(columns[k]) + ": " + action.status().message());
        }
        if (action->has_value())
          actions.push_back(std::move(**action));
      }
    }
  }
  return actions;
}

}  // namespace tessera::engine
