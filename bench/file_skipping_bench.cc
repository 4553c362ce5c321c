#include "bench/file_skipping_bench.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/delta/schema.h"
#include "tessera/delta/transaction.h"
#include "tessera/storage/local_storage.h"

namespace tessera::bench {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kRowsPerFile = 1000;

std::string FileName(int64_t file_no) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "part-%05lld.zstd.parquet", static_cast<long long>(file_no));
  return buf;
}

std::string FileStats(int64_t file_no) {
  int64_t lo = file_no * kRowsPerFile;
  int64_t hi = lo + kRowsPerFile - 1;
  Json stats = {{"numRecords", kRowsPerFile},
                {"minValues", {{"id", lo}, {"payload", lo * 2}}},
                {"maxValues", {{"id", hi}, {"payload", hi * 2}}},
                {"nullCount", {{"id", 0}, {"payload", 0}}}};
  return DumpJson(stats);
}

// The table: file k holds ids [k * kRowsPerFile, (k + 1) * kRowsPerFile) and payload = 2 * id.
// DuckDB writes every file in one partitioned COPY; one commit adds them all with min/max stats.
Status WriteSkippingTable(engine::Connection& connection, const std::string& root, int64_t files) {
  std::string staging = root + "-staging";
  TESSERA_RETURN_NOT_OK(connection.Execute(
      "COPY (SELECT i AS id, i * 2 AS payload, i // " + std::to_string(kRowsPerFile) +
      " AS file_no FROM range(" + std::to_string(files * kRowsPerFile) + ") t(i)) TO " +
      QuoteLiteral(staging) + " (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (file_no))"));
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec)
    return Status::IoError("creating '" + root + "': " + ec.message());
  auto& storage = storage::LocalStorage::Instance();
  delta::Transaction txn(root, nullptr);
  for (int64_t k = 0; k < files; ++k) {
    std::string dir = storage::JoinPath(staging, "file_no=" + std::to_string(k));
    TESSERA_ASSIGN_OR_RETURN(auto written, storage.List(dir));
    if (written.size() != 1)
      return Status::Internal("expected one file in '" + dir + "'");
    std::string path = storage::JoinPath(root, FileName(k));
    fs::rename(written[0].path, path, ec);
    if (ec)
      return Status::IoError("moving '" + written[0].path + "': " + ec.message());
    TESSERA_ASSIGN_OR_RETURN(auto info, storage.Stat(path));
    delta::AddFile add;
    add.path = FileName(k);
    add.size = info.size;
    add.modification_time = info.modification_time_ms;
    add.stats = FileStats(k);
    txn.Add(std::move(add));
  }
  TESSERA_RETURN_NOT_OK(RemoveAll(staging));
  TESSERA_ASSIGN_OR_RETURN(auto long_type, delta::PrimitiveType("long"));
  delta::Schema schema;
  schema.fields.push_back(delta::Field{"id", long_type, true, Json::object()});
  schema.fields.push_back(delta::Field{"payload", long_type, true, Json::object()});
  delta::Metadata metadata;
  metadata.id = "00000000-0000-4000-8000-000000000bec";
  metadata.schema_string = delta::SchemaToString(schema);
  txn.SetProtocol(delta::Protocol{1, 2, std::nullopt, std::nullopt});
  txn.SetMetadata(std::move(metadata));
  txn.SetOperation("CREATE TABLE AS SELECT", Json::object());
  return txn.Commit(storage).status();
}

// The query matches exactly the middle file, with `id >= a AND id <= b` or `id BETWEEN a AND b`.
std::string SelectiveSql(const std::string& source, int64_t files, bool between = false) {
  std::string lo = std::to_string(files / 2 * kRowsPerFile);
  std::string hi = std::to_string(files / 2 * kRowsPerFile + kRowsPerFile - 1);
  return "SELECT count(*), sum(payload) FROM " + source + " WHERE " +
         (between ? "id BETWEEN " + lo + " AND " + hi : "id >= " + lo + " AND id <= " + hi);
}

std::string Source(const std::string& side, const std::string& root) {
  if (side == "ours")
    return "delta_scan(" + QuoteLiteral(root) + ")";
  return "read_parquet(" + QuoteLiteral(storage::JoinPath(root, "part-*.parquet")) + ")";
}

std::string ShellQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct OpenCount {
  int64_t distinct_files = 0;
  int64_t opens = 0;      // openat calls on data files, repeats included
  int64_t log_reads = 0;  // openat calls on _delta_log JSON commits
};

// Run `command` (shell words, already quoted) under strace and count its successful opens of the
// table's Parquet files (the _delta_log JSON files are not data files).
Result<OpenCount> CountOpens(const std::string& command, const std::string& root,
                             const std::string& label) {
  std::string log = root + "-" + label + ".strace";
  std::string cmd =
      "strace -f -qq -e trace=openat -o " + ShellQuote(log) + " " + command + " >/dev/null";
  int rc = std::system(cmd.c_str());
  if (rc != 0)
    return Status::Internal("'" + cmd + "' exited with " + std::to_string(rc));
  std::ifstream in(log);
  if (!in)
    return Status::IoError("reading '" + log + "'");
  OpenCount count;
  std::set<std::string> files;
  std::string prefix = "\"" + root + "/";
  for (std::string line; std::getline(in, line);) {
    size_t start = line.find(prefix);
    if (line.find("openat(") == std::string::npos || start == std::string::npos ||
        line.find(" = -1 ") != std::string::npos) {
      continue;
    }
    size_t end = line.find('"', start + 1);
    std::string path = line.substr(start + 1, end - start - 1);
    if (path.find("/_delta_log/") != std::string::npos) {
      count.log_reads += EndsWith(path, ".json") ? 1 : 0;
      continue;
    }
    if (!EndsWith(path, ".parquet"))
      continue;
    ++count.opens;
    files.insert(path);
  }
  count.distinct_files = static_cast<int64_t>(files.size());
  return count;
}

// The sum of DuckDB's "Total Files Read" over the scans of the query's EXPLAIN ANALYZE.
Result<int64_t> FilesReadByDuckdb(engine::Connection& connection, const std::string& sql) {
  TESSERA_ASSIGN_OR_RETURN(auto result, connection.Query("EXPLAIN ANALYZE " + sql));
  std::string plan;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(auto chunk, result->Fetch());
    if (!chunk)
      break;
    for (int64_t row = 0; row < chunk->row_count(); ++row) {
      for (int64_t col = 0; col < chunk->column_count(); ++col) {
        if (!chunk->IsNull(col, row))
          plan += std::string(chunk->GetString(col, row)) + "\n";
      }
    }
  }
  const std::string key = "Total Files Read";
  int64_t total = 0;
  bool found = false;
  for (size_t at = plan.find(key); at != std::string::npos; at = plan.find(key, at + 1)) {
    size_t digit = plan.find_first_of("0123456789", at + key.size());
    if (digit == std::string::npos)
      break;
    found = true;
    total += std::strtoll(plan.c_str() + digit, nullptr, 10);
  }
  if (!found)
    return Status::NotFound("no \"Total Files Read\" in EXPLAIN ANALYZE");
  return total;
}

std::string FilesText(int64_t n) { return std::to_string(n) + (n == 1 ? " file" : " files"); }

}  // namespace

void RunFileSkipping(const BenchConfig& config, BenchDatabase& db, ResultTable& table) {
  std::string root =
      storage::JoinPath(config.work_dir, "files-" + std::to_string(config.skip_files));
  std::string of = "1 of " + std::to_string(config.skip_files) + " files: ";
  Status written = WriteSkippingTable(db.connection(), root, config.skip_files);
  if (!written.ok()) {
    table.AddError("selective query: build table", written);
    return;
  }
  std::string ours_sql = SelectiveSql(Source("ours", root), config.skip_files);
  std::string peer_sql = SelectiveSql(Source("peer", root), config.skip_files);
  auto answer = db.connection().QueryScalarString(ours_sql);
  if (!answer.ok() || answer->value_or("") != std::to_string(kRowsPerFile)) {
    table.AddError("selective query: check answer",
                   answer.ok() ? Status::Internal("wrong count " + answer->value_or("NULL"))
                               : answer.status());
    return;
  }

  auto child = [&](const std::string& side) {
    return ShellQuote(config.self_exe) + " --file-skipping-child " + side + " " + ShellQuote(root);
  };
  auto peer_opens = CountOpens(child("peer"), root, "peer");
  if (!peer_opens.ok()) {
    table.AddError(of + "files opened (strace)", peer_opens.status());
  } else {
    auto add_opens = [&](const std::string& name, const std::string& command,
                         const std::string& label, bool has_target) {
      auto opens = CountOpens(command, root, label);
      if (!opens.ok()) {
        table.AddError(name, opens.status());
        return;
      }
      std::fprintf(stderr,
                   "bench: %s: openat calls on data files %lld (peer %lld), on _delta_log "
                   "commits %lld (one per Snapshot::Load of this one-commit table)\n",
                   name.c_str(), static_cast<long long>(opens->opens),
                   static_cast<long long>(peer_opens->opens),
                   static_cast<long long>(opens->log_reads));
      table.Add({name, FilesText(opens->distinct_files), FilesText(peer_opens->distinct_files),
                 static_cast<double>(opens->distinct_files) /
                     static_cast<double>(std::max<int64_t>(peer_opens->distinct_files, 1)),
                 has_target ? "ours <= 1 file" : "-",
                 has_target ? std::optional<bool>(opens->distinct_files <= 1) : std::nullopt});
    };
    // As a user runs it: `tessera sql`, which passes the query's predicates to delta_scan.
    if (config.tessera_exe.empty()) {
      table.AddError(of + "opened, `tessera sql`",
                     Status::InvalidArgument("no --tessera binary given"));
    } else {
      std::string data_dir = root + "-empty-data-dir";
      std::error_code ec;
      fs::create_directories(data_dir, ec);
      std::string cli = ShellQuote(config.tessera_exe) + " sql --data-dir " + ShellQuote(data_dir);
      add_opens(of + "opened, `tessera sql` id >= AND <=", cli + " " + ShellQuote(ours_sql), "cli",
                true);
      add_opens(of + "opened, `tessera sql` id BETWEEN",
                cli + " " + ShellQuote(SelectiveSql(Source("ours", root), config.skip_files, true)),
                "cli-between", true);
    }
    // Through engine::Connection directly, as any caller that passes no scan hints: no skipping
    // is expected here, so the row has no target.
    add_opens(of + "opened, bare engine Connection", child("ours"), "ours", false);
  }

  const std::string explain_name = of + "DuckDB Total Files Read, bare";
  auto ours_read = FilesReadByDuckdb(db.connection(), ours_sql);
  auto peer_read = FilesReadByDuckdb(db.connection(), peer_sql);
  if (!ours_read.ok() || !peer_read.ok()) {
    table.AddError(explain_name, ours_read.ok() ? peer_read.status() : ours_read.status());
  } else {
    table.Add(
        {explain_name, FilesText(*ours_read), FilesText(*peer_read),
         static_cast<double>(*ours_read) / static_cast<double>(std::max<int64_t>(*peer_read, 1)),
         "-", std::nullopt});
  }

  const std::string time_name = of + "query time, bare Connection";
  auto timing = MeasurePair(
      config.fast_runs,
      [&]() { return TimeMs([&]() { return DrainQuery(db.connection(), ours_sql).status(); }); },
      [&]() { return TimeMs([&]() { return DrainQuery(db.connection(), peer_sql).status(); }); });
  if (!timing.ok()) {
    table.AddError(time_name, timing.status());
    return;
  }
  LogSamples(time_name, *timing);
  table.Add({time_name, FormatMs(timing->ours_ms), FormatMs(timing->peer_ms),
             timing->ours_ms / timing->peer_ms, "-", std::nullopt});
}

int RunFileSkippingChild(const std::vector<std::string>& args) {
  if (args.size() != 2 || (args[0] != "ours" && args[0] != "peer")) {
    std::fprintf(stderr, "usage: delta_bench --file-skipping-child ours|peer <table_root>\n");
    return 2;
  }
  auto db = BenchDatabase::Open();
  if (!db.ok()) {
    std::fprintf(stderr, "bench child: %s\n", db.status().ToString().c_str());
    return 1;
  }
  // The table's file count, from its directory as the parent wrote it.
  auto snapshot_files = storage::LocalStorage::Instance().List(args[1]);
  int64_t files = 0;
  for (const auto& file : snapshot_files.ValueOr({}))
    files += EndsWith(file.path, ".parquet") ? 1 : 0;
  auto answer =
      (*db)->connection().QueryScalarString(SelectiveSql(Source(args[0], args[1]), files));
  if (!answer.ok()) {
    std::fprintf(stderr, "bench child: %s\n", answer.status().ToString().c_str());
    return 1;
  }
  std::printf("%s\n", answer->value_or("NULL").c_str());
  return 0;
}

}  // namespace tessera::bench
