#pragma once

#include <string>
#include <vector>

#include "bench/bench_config.h"
#include "bench/bench_harness.h"

namespace tessera::bench {

/// A selective query over a table of `config.skip_files` files, each holding its own range of
/// `id`, whose predicate matches one file: the data files opened (counted by running the query
/// in a child process under `strace -f -e trace=openat`, and as DuckDB's EXPLAIN ANALYZE "Total
/// Files Read") and the query time, for delta_scan against read_parquet over the same files.
/// Adds rows to `table`.
void RunFileSkipping(const BenchConfig& config, BenchDatabase& db, ResultTable& table);

/// The child side: `args` = {"ours"|"peer", table_root}. Run the selective query once in a fresh
/// database and return the process exit code.
int RunFileSkippingChild(const std::vector<std::string>& args);

}  // namespace tessera::bench
