#pragma once

#include <cstdint>
#include <string>

namespace tessera::bench {

/// What every benchmark needs to know. Plain value.
struct BenchConfig {
  /// The 3M-row flights Parquet file (scripts/bootstrap puts it in .deps/data).
  std::string flights_parquet;
  /// Scratch directory for generated tables; emptied at start.
  std::string work_dir;
  /// This program, re-run as a child under strace to count opened files.
  std::string self_exe;
  /// The tessera binary, run under strace as a user runs `tessera sql`; empty to skip.
  std::string tessera_exe;
  /// Measured pairs per timing (after one warm-up of each side); the best is reported.
  int runs = 5;
  /// Measured pairs for the queries that take well under a second, whose few milliseconds of
  /// difference need more samples to stand out from a shared machine's noise.
  int fast_runs = 15;
  /// Measured rounds of the snapshot loads (each round replays the 100k-commit log 3 times).
  int slow_runs = 3;
  /// Commits in the long-log table of the snapshot benchmark.
  int64_t commits = 100000;
  /// Files in the file-skipping table.
  int64_t skip_files = 1000;
};

}  // namespace tessera::bench
