#pragma once

#include "bench/bench_config.h"
#include "bench/bench_harness.h"

namespace tessera::bench {

/// Load snapshots of a table with `config.commits` commits (WriteLongLogTable) and checkpoints
/// written by engine::DuckdbCheckpointWriter on the 100-commit cadence: the latest version, time
/// travel to version 500 and to 50 versions before the latest, each against replaying every JSON
/// commit of the log (a twin without the checkpoints). Adds rows to `table`.
void RunSnapshotLoad(const BenchConfig& config, BenchDatabase& db, ResultTable& table);

}  // namespace tessera::bench
