#include "bench/bench_harness.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "tessera/engine/delta_functions.h"
#include "tessera/storage/local_storage.h"

namespace tessera::bench {

Result<double> TimeMs(const std::function<Status()>& body) {
  auto start = std::chrono::steady_clock::now();
  Status st = body();
  auto end = std::chrono::steady_clock::now();
  if (!st.ok())
    return st;
  return std::chrono::duration<double, std::milli>(end - start).count();
}

double Median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  size_t n = samples.size();
  return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

double Best(const std::vector<double>& samples) {
  return *std::min_element(samples.begin(), samples.end());
}

Result<std::vector<std::vector<double>>> MeasureRoundRobin(int runs,
                                                           const std::vector<TimedRun>& ops,
                                                           bool warm_up) {
  size_t n = ops.size();
  if (warm_up) {
    for (size_t op = 0; op < n; ++op)
      TESSERA_RETURN_NOT_OK(ops[op]().status().WithContext("warm-up"));
  }
  std::vector<std::vector<double>> samples(n);
  for (int round = 0; round < runs; ++round) {
    // Rotate the order: an operation that always ran last would always find the caches warm.
    for (size_t k = 0; k < n; ++k) {
      size_t op = (static_cast<size_t>(round) + k) % n;
      TESSERA_ASSIGN_OR_RETURN(double ms, ops[op]());
      samples[op].push_back(ms);
    }
  }
  return samples;
}

Result<PairTiming> MeasurePair(int runs, const TimedRun& ours, const TimedRun& peer) {
  auto wrap = [](const TimedRun& run, const char* side) -> TimedRun {
    return [&run, side]() -> Result<double> {
      auto ms = run();
      if (!ms.ok())
        return ms.status().WithContext(side);
      return ms;
    };
  };
  TESSERA_ASSIGN_OR_RETURN(auto samples,
                           MeasureRoundRobin(runs, {wrap(peer, "peer"), wrap(ours, "ours")}, true));
  PairTiming timing;
  timing.peer_samples = std::move(samples[0]);
  timing.ours_samples = std::move(samples[1]);
  timing.ours_ms = Best(timing.ours_samples);
  timing.peer_ms = Best(timing.peer_samples);
  return timing;
}

std::string FormatMs(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), ms < 1000 ? "%.1f ms" : "%.0f ms", ms);
  return buf;
}

std::string FormatRatio(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2fx", ratio);
  return buf;
}

void LogSamples(const std::string& name, const std::vector<std::string>& labels,
                const std::vector<std::vector<double>>& samples) {
  std::string line = "bench: " + name + ":";
  for (size_t i = 0; i < labels.size() && i < samples.size(); ++i) {
    line += (i == 0 ? " " : " | ") + labels[i];
    for (double ms : samples[i]) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), " %.1f", ms);
      line += buf;
    }
    if (!samples[i].empty()) {
      char buf[48];
      std::snprintf(buf, sizeof(buf), " ms (median %.1f)", Median(samples[i]));
      line += buf;
    }
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

void LogSamples(const std::string& name, const PairTiming& timing) {
  LogSamples(name, {"ours", "peer"}, {timing.ours_samples, timing.peer_samples});
}

void ResultTable::AddError(const std::string& name, const Status& status) {
  ++errors_;
  rows_.push_back({name, "error", "-", std::nullopt, "-", false});
  std::fprintf(stderr, "bench: %s: %s\n", name.c_str(), status.ToString().c_str());
}

int64_t ResultTable::failures() const {
  return std::count_if(rows_.begin(), rows_.end(),
                       [](const ResultRow& r) { return r.pass.has_value() && !*r.pass; });
}

void ResultTable::Print() const {
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"benchmark", "ours", "peer", "ratio", "target", "result"});
  for (const ResultRow& r : rows_) {
    cells.push_back({r.name, r.ours, r.peer, r.ratio ? FormatRatio(*r.ratio) : "-", r.target,
                     r.pass ? (*r.pass ? "PASS" : "FAIL") : "info"});
  }
  std::vector<size_t> width(cells[0].size(), 0);
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c)
      width[c] = std::max(width[c], line[c].size());
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    std::string out = "|";
    for (size_t c = 0; c < line.size(); ++c) {
      std::string cell = line[c];
      cell.resize(width[c], ' ');
      out += " " + cell + " |";
    }
    std::printf("%s\n", out.c_str());
  };
  print_line(cells[0]);
  std::string rule = "|";
  for (size_t w : width)
    rule += std::string(w + 2, '-') + "|";
  std::printf("%s\n", rule.c_str());
  for (size_t i = 1; i < cells.size(); ++i)
    print_line(cells[i]);
  std::fflush(stdout);
}

Result<std::unique_ptr<BenchDatabase>> BenchDatabase::Open() {
  auto db = std::make_unique<BenchDatabase>();
  engine::DatabaseOptions options;
  options.threads = kThreads;
  TESSERA_ASSIGN_OR_RETURN(db->database_, engine::Database::Open(options));
  TESSERA_ASSIGN_OR_RETURN(db->connection_, engine::Connection::Open(*db->database_));
  db->reader_ = std::make_unique<engine::DuckdbCheckpointReader>(*db->database_);
  TESSERA_RETURN_NOT_OK(db->connection_->Execute("SET threads = " + std::to_string(kThreads) +
                                                 "; SET TimeZone = 'UTC'"));
  TESSERA_RETURN_NOT_OK(engine::RegisterDeltaFunctions(
      db->connection_->handle(), storage::LocalStorage::Instance(), *db->reader_));
  return db;
}

Result<int64_t> DrainQuery(engine::Connection& connection, const std::string& sql) {
  TESSERA_ASSIGN_OR_RETURN(auto result, connection.Query(sql));
  int64_t rows = 0;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(auto chunk, result->Fetch());
    if (!chunk)
      break;
    rows += chunk->row_count();
  }
  return rows;
}

Status RemoveAll(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec)
    return Status::IoError("removing '" + path + "': " + ec.message());
  return Status::OK();
}

}  // namespace tessera::bench
