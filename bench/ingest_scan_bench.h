#pragma once

#include "bench/bench_config.h"
#include "bench/bench_harness.h"

namespace tessera::bench {

/// Ingest the flights Parquet into a new Delta table (engine::WriteQuery, kCreate) against
/// DuckDB's COPY of the same rows to one zstd Parquet file; then the GROUP BY origin aggregate
/// over delta_scan against read_parquet over the table's data files. Adds two rows to `table`;
/// leaves the Delta table in `config.work_dir`/flights.
void RunIngestAndScan(const BenchConfig& config, BenchDatabase& db, ResultTable& table);

}  // namespace tessera::bench
