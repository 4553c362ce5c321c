// delta_bench: tessera's Delta operations side by side with DuckDB doing the same work in the same
// process and run, printed as one table of ratios. bench/run builds and runs it; see README.md.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "bench/bench_config.h"
#include "bench/bench_harness.h"
#include "bench/file_skipping_bench.h"
#include "bench/ingest_scan_bench.h"
#include "bench/products_bench.h"
#include "bench/snapshot_bench.h"

#include "tessera/common/strings.h"

namespace tessera::bench {
namespace {

constexpr const char* kUsage =
    "usage: delta_bench --flights <flights-3m.parquet> --work-dir <dir> [--tessera <binary>]\n"
    "                   [--runs N] [--fast-runs N] [--slow-runs N] [--commits N] [--files N]\n"
    "                   [--only ingest,snapshot,skipping,products]\n";

bool ParseArgs(const std::vector<std::string>& args, BenchConfig& config,
               std::set<std::string>& only) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (i + 1 >= args.size())
      return false;
    const std::string& flag = args[i];
    const std::string& value = args[++i];
    if (flag == "--flights") {
      config.flights_parquet = value;
    } else if (flag == "--work-dir") {
      config.work_dir = value;
    } else if (flag == "--tessera") {
      config.tessera_exe = value;
    } else if (flag == "--only") {
      for (const std::string& name : Split(value, ','))
        only.insert(name);
    } else {
      auto n = ParseInt64(value);
      if (!n.ok() || *n <= 0)
        return false;
      if (flag == "--runs") {
        config.runs = static_cast<int>(*n);
      } else if (flag == "--fast-runs") {
        config.fast_runs = static_cast<int>(*n);
      } else if (flag == "--slow-runs") {
        config.slow_runs = static_cast<int>(*n);
      } else if (flag == "--commits") {
        config.commits = std::max<int64_t>(*n, 1000);
      } else if (flag == "--files") {
        config.skip_files = std::max<int64_t>(*n, 2);
      } else {
        return false;
      }
    }
  }
  return !config.flights_parquet.empty() && !config.work_dir.empty();
}

int Run(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "--file-skipping-child")
    return RunFileSkippingChild({args.begin() + 1, args.end()});
  BenchConfig config;
  std::set<std::string> only;
  if (!ParseArgs(args, config, only)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::error_code ec;
  config.work_dir = std::filesystem::absolute(config.work_dir, ec).lexically_normal().string();
  config.flights_parquet = std::filesystem::absolute(config.flights_parquet, ec).string();
  if (!config.tessera_exe.empty())
    config.tessera_exe = std::filesystem::absolute(config.tessera_exe, ec).string();
  config.self_exe = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (!std::filesystem::exists(config.flights_parquet, ec)) {
    std::fprintf(stderr, "delta_bench: %s not found (run scripts/bootstrap)\n",
                 config.flights_parquet.c_str());
    return 2;
  }
  Status st = RemoveAll(config.work_dir);
  if (st.ok())
    std::filesystem::create_directories(config.work_dir, ec);
  if (!st.ok() || ec) {
    std::fprintf(stderr, "delta_bench: cannot prepare %s\n", config.work_dir.c_str());
    return 1;
  }
  auto db = BenchDatabase::Open();
  if (!db.ok()) {
    std::fprintf(stderr, "delta_bench: %s\n", db.status().ToString().c_str());
    return 1;
  }
  auto version = (*db)->connection().QueryScalarString("SELECT version()");
  std::fprintf(
      stderr,
      "bench: DuckDB %s, threads=%d, best of %d runs (%d for fast queries, %d for snapshot "
      "loads)\n",
      version.ok() ? version->value_or("?").c_str() : "?", kThreads, config.runs, config.fast_runs,
      config.slow_runs);

  ResultTable table;
  using Section = void (*)(const BenchConfig&, BenchDatabase&, ResultTable&);
  const std::vector<std::pair<const char*, Section>> sections = {{"ingest", RunIngestAndScan},
                                                                 {"snapshot", RunSnapshotLoad},
                                                                 {"skipping", RunFileSkipping},
                                                                 {"products", RunProducts}};
  for (const auto& [name, section] : sections) {
    if (!only.empty() && only.count(name) == 0)
      continue;
    Section run = section;  // clang 14 cannot capture a structured binding
    auto ms = TimeMs([&]() {
      run(config, **db, table);
      return Status::OK();
    });
    std::fprintf(stderr, "bench: section %s took %s\n", name, FormatMs(ms.ValueOr(0)).c_str());
  }
  std::printf("\n");
  table.Print();
  std::printf("\n%lld target(s) missed, %lld benchmark(s) could not run\n",
              static_cast<long long>(table.failures()), static_cast<long long>(table.errors()));
  // Missed targets are results, not failures of the program; only a benchmark that could not run
  // makes it fail.
  return table.errors() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) {
  return tessera::bench::Run(std::vector<std::string>(argv + 1, argv + argc));
}
