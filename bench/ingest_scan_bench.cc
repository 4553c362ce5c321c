#include "bench/ingest_scan_bench.h"

#include <cstdio>

#include "tessera/common/strings.h"
#include "tessera/delta/snapshot.h"
#include "tessera/engine/delta_writer.h"
#include "tessera/storage/local_storage.h"

namespace tessera::bench {
namespace {

constexpr double kIngestTarget = 1.15;
constexpr double kScanTarget = 1.05;

std::string TargetText(double target) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "<= %.2fx", target);
  return buf;
}

ResultRow RatioRow(const std::string& name, const PairTiming& t, double target) {
  double ratio = t.ours_ms / t.peer_ms;
  return {name,  FormatMs(t.ours_ms), FormatMs(t.peer_ms),
          ratio, TargetText(target),  ratio <= target};
}

Result<PairTiming> MeasureIngest(const BenchConfig& config, BenchDatabase& db,
                                 const std::string& table_root) {
  std::string source = "SELECT * FROM read_parquet(" + QuoteLiteral(config.flights_parquet) + ")";
  std::string peer_file = storage::JoinPath(config.work_dir, "peer-flights.parquet");
  TimedRun ours = [&]() -> Result<double> {
    TESSERA_RETURN_NOT_OK(RemoveAll(table_root));
    engine::WriteRequest request;
    request.table_root = table_root;
    request.query = source;
    request.mode = engine::WriteMode::kCreate;
    return TimeMs([&]() -> Status {
      TESSERA_ASSIGN_OR_RETURN(
          auto written, engine::WriteQuery(db.connection(), storage::LocalStorage::Instance(),
                                           db.reader(), request));
      if (written.rows != 3000000)
        return Status::Internal("ingest wrote " + std::to_string(written.rows) + " rows");
      return Status::OK();
    });
  };
  TimedRun peer = [&]() -> Result<double> {
    TESSERA_RETURN_NOT_OK(RemoveAll(peer_file));
    return TimeMs([&]() {
      return db.connection().Execute("COPY (" + source + ") TO " + QuoteLiteral(peer_file) +
                                     " (FORMAT parquet, COMPRESSION zstd)");
    });
  };
  // The table the last run of ours wrote stays for the scan benchmark.
  return MeasurePair(config.runs, ours, peer);
}

// The table's data files as a DuckDB list literal, for the peer to read the very same files.
Result<std::string> DataFileList(BenchDatabase& db, const std::string& table_root) {
  TESSERA_ASSIGN_OR_RETURN(auto snapshot,
                           delta::Snapshot::Load(storage::LocalStorage::Instance(), &db.reader(),
                                                 table_root, std::nullopt));
  std::string list = "[";
  for (const delta::AddFile& file : snapshot->files()) {
    TESSERA_ASSIGN_OR_RETURN(std::string path, delta::ResolveDataPath(table_root, file.path));
    list += (list.size() > 1 ? ", " : "") + QuoteLiteral(engine::EscapeGlob(path));
  }
  return list + "]";
}

struct ScanTimings {
  PairTiming query;
  PairTiming plan_only;  // the same query with LIMIT 0: bind and plan, no scan
};

Result<ScanTimings> MeasureScan(const BenchConfig& config, BenchDatabase& db,
                                const std::string& table_root) {
  TESSERA_ASSIGN_OR_RETURN(std::string files, DataFileList(db, table_root));
  const std::string aggregate = "SELECT origin, count(*), avg(delay) FROM ";
  std::string ours_sql = aggregate + "delta_scan(" + QuoteLiteral(table_root) + ") GROUP BY origin";
  std::string peer_sql = aggregate + "read_parquet(" + files + ") GROUP BY origin";
  // Both sides must answer the same question before their times mean anything.
  std::string check =
      "WITH a AS (SELECT origin, count(*) AS n, avg(delay) AS d FROM delta_scan(" +
      QuoteLiteral(table_root) +
      ") GROUP BY origin), b AS (SELECT origin, count(*) AS n, avg(delay) AS d FROM read_parquet(" +
      files +
      ") GROUP BY origin) SELECT count(*) FROM a FULL OUTER JOIN b USING (origin) "
      "WHERE a.n IS DISTINCT FROM b.n OR abs(a.d - b.d) > 1e-6";
  TESSERA_ASSIGN_OR_RETURN(auto differing, db.connection().QueryScalarString(check));
  if (differing.value_or("") != "0")
    return Status::Internal("delta_scan and read_parquet disagree on " + differing.value_or("?") +
                            " groups");
  auto run = [&db](const std::string& sql) -> TimedRun {
    return [&db, sql]() {
      return TimeMs([&]() { return DrainQuery(db.connection(), sql).status(); });
    };
  };
  ScanTimings timings;
  TESSERA_ASSIGN_OR_RETURN(timings.query,
                           MeasurePair(config.fast_runs, run(ours_sql), run(peer_sql)));
  TESSERA_ASSIGN_OR_RETURN(
      timings.plan_only,
      MeasurePair(config.fast_runs, run(ours_sql + " LIMIT 0"), run(peer_sql + " LIMIT 0")));
  return timings;
}

}  // namespace

void RunIngestAndScan(const BenchConfig& config, BenchDatabase& db, ResultTable& table) {
  std::string table_root = storage::JoinPath(config.work_dir, "flights");
  const std::string ingest_name = "ingest 3M rows (WriteQuery vs COPY zstd)";
  auto ingest = MeasureIngest(config, db, table_root);
  if (!ingest.ok()) {
    table.AddError(ingest_name, ingest.status());
    return;
  }
  LogSamples(ingest_name, *ingest);
  table.Add(RatioRow(ingest_name, *ingest, kIngestTarget));
  const std::string scan_name = "GROUP BY origin (delta_scan vs read_parquet)";
  auto scan = MeasureScan(config, db, table_root);
  if (!scan.ok()) {
    table.AddError(scan_name, scan.status());
    return;
  }
  LogSamples(scan_name, scan->query);
  table.Add(RatioRow(scan_name, scan->query, kScanTarget));
  const std::string plan_name = "  of which: bind + plan (same query, LIMIT 0)";
  LogSamples(plan_name, scan->plan_only);
  table.Add({plan_name, FormatMs(scan->plan_only.ours_ms), FormatMs(scan->plan_only.peer_ms),
             scan->plan_only.ours_ms / scan->plan_only.peer_ms, "-", std::nullopt});
}

}  // namespace tessera::bench
