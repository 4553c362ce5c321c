#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/database.h"

namespace tessera::bench {

/// Worker threads for every DuckDB database of the benchmarks, ours and the peer's alike.
inline constexpr int32_t kThreads = 2;

/// One timed operation: untimed setup, then the timed body. Returns the body's milliseconds.
using TimedRun = std::function<Result<double>()>;

/// Milliseconds taken by `body`, on std::chrono::steady_clock.
Result<double> TimeMs(const std::function<Status()>& body);

/// The best (fastest) of several alternating runs of ours and the peer's. The best, not the mean
/// or median: other work on a shared machine only ever adds time, so the fastest run is the
/// steadiest estimate of what an operation costs.
struct PairTiming {
  double ours_ms = 0;
  double peer_ms = 0;
  std::vector<double> ours_samples;
  std::vector<double> peer_samples;
};

/// Run one untimed warm-up of each side, then `runs` measured pairs, alternating which side goes
/// first so that neither always runs on the other's warm caches.
Result<PairTiming> MeasurePair(int runs, const TimedRun& ours, const TimedRun& peer);

/// The general form: optionally one untimed warm-up of each operation, then `runs` rounds that
/// each run every operation once, the first one rotating from round to round. Return each
/// operation's samples, in the order of `ops`.
Result<std::vector<std::vector<double>>> MeasureRoundRobin(int runs,
                                                           const std::vector<TimedRun>& ops,
                                                           bool warm_up);

/// The median of a non-empty list.
double Median(std::vector<double> samples);
/// The minimum of a non-empty list.
double Best(const std::vector<double>& samples);

/// One line of the results table. `ours`/`peer` are already formatted ("123.4 ms", "1000 files").
struct ResultRow {
  std::string name;
  std::string ours;
  std::string peer;
  std::optional<double> ratio;  // ours / peer; nullopt prints "-"
  std::string target;           // "<= 1.15", "< 50 ms", "-" for information only
  std::optional<bool> pass;     // nullopt prints "info"
};

/// Collects rows and prints them as a Markdown table (readable in a terminal, pastable into
/// RESULTS.md). Not thread-safe.
class ResultTable {
 public:
  void Add(ResultRow row) { rows_.push_back(std::move(row)); }
  /// Add a row that records a benchmark that could not run.
  void AddError(const std::string& name, const Status& status);
  void Print() const;
  /// Rows with a target that missed it.
  int64_t failures() const;
  /// Rows that could not be measured.
  int64_t errors() const { return errors_; }

 private:
  std::vector<ResultRow> rows_;
  int64_t errors_ = 0;
};

/// "123.4 ms" (one decimal below 1000 ms, none above).
std::string FormatMs(double ms);
/// "1.07x"
std::string FormatRatio(double ratio);
/// Print every sample of a measurement and its median to stderr ("bench: <name>: ours 12.0
/// 13.1 12.2 ms (median 12.2) | peer ..."), so that the spread behind the best stays visible.
void LogSamples(const std::string& name, const PairTiming& timing);
void LogSamples(const std::string& name, const std::vector<std::string>& labels,
                const std::vector<std::vector<double>>& samples);

/// A DuckDB database set up the same way for both sides: kThreads workers, UTC, and tessera's
/// delta_scan/delta_changes registered. Owns its database, connection and checkpoint reader.
class BenchDatabase {
 public:
  static Result<std::unique_ptr<BenchDatabase>> Open();
  engine::Database& database() { return *database_; }
  engine::Connection& connection() { return *connection_; }
  engine::DuckdbCheckpointReader& reader() { return *reader_; }

 private:
  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::DuckdbCheckpointReader> reader_;
  std::unique_ptr<engine::Connection> connection_;
};

/// Run `sql` and read every row of its result. Return the number of rows.
Result<int64_t> DrainQuery(engine::Connection& connection, const std::string& sql);

/// Remove a file or directory tree if it exists.
Status RemoveAll(const std::string& path);

}  // namespace tessera::bench
