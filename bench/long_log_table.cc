#include "bench/long_log_table.h"

#include <cstdio>
#include <filesystem>

#include "tessera/common/json.h"
#include "tessera/common/random.h"
#include "tessera/common/strings.h"
#include "tessera/delta/actions.h"
#include "tessera/delta/log_path.h"
#include "tessera/delta/schema.h"
#include "tessera/storage/local_storage.h"

namespace tessera::bench {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kFirstCommitMs = 1700000000000;  // 2023-11-14T22:13:20Z

// A plain write, no fsync: the generator builds a fixture, it is not what is measured.
Status WriteFile(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr)
    return Status::IoError("creating '" + path + "'");
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok)
    return Status::IoError("writing '" + path + "'");
  return Status::OK();
}

std::string Line(const delta::Action& action) {
  return DumpJson(delta::ActionToJson(action)) + "\n";
}

delta::CommitInfo Info(int64_t version) {
  delta::CommitInfo info;
  info.value = {{"timestamp", kFirstCommitMs + version * 1000},
                {"operation", version == 0 ? "CREATE TABLE" : "WRITE"},
                {"operationParameters", {{"mode", "Append"}}},
                {"isBlindAppend", true},
                {"engineInfo", "tessera-bench"}};
  return info;
}

}  // namespace

Status WriteLongLogTable(engine::Connection& connection, const std::string& table_root,
                         int64_t commits) {
  std::string log_dir = storage::JoinPath(table_root, "_delta_log");
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  if (ec)
    return Status::IoError("creating '" + log_dir + "': " + ec.message());
  std::string data_file = storage::JoinPath(table_root, kSharedDataFile);
  TESSERA_RETURN_NOT_OK(connection.Execute("COPY (SELECT 1::BIGINT AS id) TO " +
                                           QuoteLiteral(data_file) +
                                           " (FORMAT parquet, COMPRESSION zstd)"));
  TESSERA_ASSIGN_OR_RETURN(auto info, storage::LocalStorage::Instance().Stat(data_file));

  delta::AddFile add;
  add.path = kSharedDataFile;
  add.size = info.size;
  add.modification_time = info.modification_time_ms;
  add.data_change = true;
  add.stats = R"({"numRecords":1,"minValues":{"id":1},"maxValues":{"id":1},"nullCount":{"id":0}})";
  std::string add_line = Line(add);

  delta::Schema schema;
  TESSERA_ASSIGN_OR_RETURN(auto long_type, delta::PrimitiveType("long"));
  schema.fields.push_back(delta::Field{"id", long_type, true, Json::object()});
  delta::Metadata metadata;
  metadata.id = RandomUuid();
  metadata.schema_string = delta::SchemaToString(schema);
  metadata.created_time = kFirstCommitMs;

  for (int64_t version = 0; version < commits; ++version) {
    std::string text = Line(Info(version));
    if (version == 0)
      text += Line(delta::Protocol{1, 2, std::nullopt, std::nullopt}) + Line(metadata);
    text += add_line;
    TESSERA_RETURN_NOT_OK(
        WriteFile(storage::JoinPath(log_dir, delta::CommitFileName(version)), text));
  }
  return Status::OK();
}

Status LinkCommitsOnly(const std::string& table_root, const std::string& twin_root) {
  std::string log_dir = storage::JoinPath(table_root, "_delta_log");
  std::string twin_log = storage::JoinPath(twin_root, "_delta_log");
  std::error_code ec;
  fs::create_directories(twin_log, ec);
  if (ec)
    return Status::IoError("creating '" + twin_log + "': " + ec.message());
  fs::create_hard_link(storage::JoinPath(table_root, kSharedDataFile),
                       storage::JoinPath(twin_root, kSharedDataFile), ec);
  if (ec)
    return Status::IoError("linking the data file: " + ec.message());
  fs::directory_iterator it(log_dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    auto parsed = delta::ParseLogFileName(name);
    if (!parsed || parsed->type != delta::LogFileType::kCommit)
      continue;
    std::error_code link_ec;
    fs::create_hard_link(it->path(), storage::JoinPath(twin_log, name), link_ec);
    if (link_ec)
      return Status::IoError("linking '" + name + "': " + link_ec.message());
  }
  if (ec)
    return Status::IoError("listing '" + log_dir + "': " + ec.message());
  return Status::OK();
}

}  // namespace tessera::bench
