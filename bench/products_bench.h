#pragma once

#include "bench/bench_config.h"
#include "bench/bench_harness.h"

namespace tessera::bench {

/// Data products (issue 5): the time from `tessera apply` of a 3M-row product with 5 contract
/// rules to the product answering a query, with apply's own breakdown; the contract's checks
/// (products::RunRules) against the same checks written as plain DuckDB SQL on the same staged
/// table; and catalog search latency over 10,000 generated products (FTS5) against a LIKE scan
/// of the same catalog. Adds rows to `table`.
void RunProducts(const BenchConfig& config, BenchDatabase& db, ResultTable& table);

}  // namespace tessera::bench
