#include "tessera/catalog/search_rank.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

namespace tessera::catalog {
namespace {

// The constants of FTS5's bm25 (ext/fts5/fts5_aux.c, fts5Bm25Function).
constexpr double kK1 = 1.2;
constexpr double kB = 0.75;
// A matching row further ahead in the lengths table than this is sought, not stepped to: one
// step of a scan costs about a tenth of a seek (measured: 10,000 lengths scanned in 0.5 ms,
// 8,600 looked up one by one in 4.6 ms).
constexpr int kMaxSteps = 8;

// One search's statistics, computed on its first row as fts5Bm25GetData computes them, and a
// cursor over the lengths of the rows.
struct RankState {
  RankState() = default;
  RankState(const RankState&) = delete;
  RankState& operator=(const RankState&) = delete;
  ~RankState() { sqlite3_finalize(lengths); }

  double avgdl = 0;
  std::vector<double> idf;   // per phrase
  std::vector<double> freq;  // per phrase, for the current row
  sqlite3_stmt* lengths = nullptr;
  bool positioned = false;  // `lengths` has been stepped since its last reset
  bool done = false;        // ... and is past its last row
};

void DeleteState(void* state) { delete static_cast<RankState*>(state); }

int CountRow(const Fts5ExtensionApi* /*api*/, Fts5Context* /*fts*/, void* count) {
  ++*static_cast<sqlite3_int64*>(count);
  return SQLITE_OK;
}

int GetState(const Fts5ExtensionApi* api, Fts5Context* fts, RankState** out) {
  *out = static_cast<RankState*>(api->xGetAuxdata(fts, 0));
  if (*out != nullptr)
    return SQLITE_OK;
  auto state = std::make_unique<RankState>();
  int phrases = api->xPhraseCount(fts);
  state->idf.assign(static_cast<size_t>(phrases), 0.0);
  state->freq.assign(static_cast<size_t>(phrases), 0.0);
  sqlite3_int64 rows = 0;
  sqlite3_int64 tokens = 0;
  int rc = api->xRowCount(fts, &rows);
  if (rc == SQLITE_OK)
    rc = api->xColumnTotalSize(fts, -1, &tokens);
  if (rc == SQLITE_OK)
    state->avgdl = static_cast<double>(tokens) / static_cast<double>(rows);
  for (int i = 0; rc == SQLITE_OK && i < phrases; ++i) {
    sqlite3_int64 hits = 0;
    rc = api->xQueryPhrase(fts, i, &hits, CountRow);
    if (rc == SQLITE_OK) {
      double idf = std::log((rows - hits + 0.5) / (hits + 0.5));
      state->idf[static_cast<size_t>(i)] = idf <= 0.0 ? 1e-6 : idf;
    }
  }
  if (rc != SQLITE_OK)
    return rc;
  // FTS5 keeps each row's length per column in <table>_docsize (a blob of varints). Should a
  // later SQLite not have it, every row asks FTS5 as bm25 does.
  auto* db = static_cast<sqlite3*>(api->xUserData(fts));
  if (sqlite3_prepare_v2(db, "SELECT id, sz FROM product_search_docsize WHERE id >= ?1 ORDER BY id",
                         -1, &state->lengths, nullptr) != SQLITE_OK) {
    sqlite3_finalize(state->lengths);
    state->lengths = nullptr;
  }
  RankState* raw = state.release();
  rc = api->xSetAuxdata(fts, raw, DeleteState);  // deletes `raw` itself on failure
  if (rc == SQLITE_OK)
    *out = raw;
  return rc;
}

// Sum the SQLite varints of `blob` into `*sum`; false if one runs past the end.
bool SumVarints(const unsigned char* blob, int size, int64_t* sum) {
  const unsigned char* end = blob + size;
  *sum = 0;
  while (blob < end) {
    uint64_t value = 0;
    int i = 0;
    for (; i < 9; ++i) {
      if (blob == end)
        return false;
      unsigned char byte = *blob++;
      if (i == 8) {
        value = (value << 8) | byte;
        break;
      }
      value = (value << 7) | (byte & 0x7f);
      if ((byte & 0x80) == 0)
        break;
    }
    *sum += static_cast<int64_t>(value);
  }
  return true;
}

// The current row's length in tokens, all columns, as xColumnSize(-1) gives it.
int RowLength(const Fts5ExtensionApi* api, Fts5Context* fts, RankState& state, int* tokens) {
  if (state.lengths != nullptr) {
    sqlite3_int64 rowid = api->xRowid(fts);
    auto at = [&] { return sqlite3_column_int64(state.lengths, 0); };
    for (int steps = 0; state.positioned && !state.done && at() < rowid && steps < kMaxSteps;
         ++steps) {
      int rc = sqlite3_step(state.lengths);
      if (rc == SQLITE_DONE)
        state.done = true;
      else if (rc != SQLITE_ROW)
        return rc;
    }
    if (!state.positioned || state.done || at() != rowid) {
      sqlite3_reset(state.lengths);
      sqlite3_bind_int64(state.lengths, 1, rowid);
      int rc = sqlite3_step(state.lengths);
      state.positioned = true;
      state.done = rc == SQLITE_DONE;
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rc;
    }
    int64_t sum = 0;
    if (!state.done && at() == rowid &&
        SumVarints(static_cast<const unsigned char*>(sqlite3_column_blob(state.lengths, 1)),
                   sqlite3_column_bytes(state.lengths, 1), &sum)) {
      *tokens = static_cast<int>(sum);
      return SQLITE_OK;
    }
  }
  return api->xColumnSize(fts, -1, tokens);
}

// fts5Bm25Function with RowLength for xColumnSize; the same operations in the same order, so
// the same doubles.
void ProductSearchBm25(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* result,
                       int weights, sqlite3_value** weight) {
  RankState* state = nullptr;
  int rc = GetState(api, fts, &state);
  int instances = 0;
  if (rc == SQLITE_OK) {
    std::fill(state->freq.begin(), state->freq.end(), 0.0);
    rc = api->xInstCount(fts, &instances);
  }
  for (int i = 0; rc == SQLITE_OK && i < instances; ++i) {
    int phrase = 0;
    int column = 0;
    int offset = 0;
    rc = api->xInst(fts, i, &phrase, &column, &offset);
    if (rc == SQLITE_OK) {
      double w = weights > column ? sqlite3_value_double(weight[column]) : 1.0;
      state->freq[static_cast<size_t>(phrase)] += w;
    }
  }
  double length = 0.0;
  if (rc == SQLITE_OK) {
    int tokens = 0;
    rc = RowLength(api, fts, *state, &tokens);
    length = static_cast<double>(tokens);
  }
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(result, rc);
    return;
  }
  double score = 0.0;
  for (size_t i = 0; i < state->freq.size(); ++i) {
    const double f = state->freq[i];
    score +=
        state->idf[i] * ((f * (kK1 + 1.0)) / (f + kK1 * (1 - kB + kB * length / state->avgdl)));
  }
  sqlite3_result_double(result, -1.0 * score);
}

}  // namespace

Status RegisterProductSearchRank(Db& db) {
  auto lock = db.Lock();
  sqlite3* handle = db.handle();
  fts5_api* api = nullptr;
  sqlite3_stmt* get = nullptr;
  if (sqlite3_prepare_v2(handle, "SELECT fts5(?1)", -1, &get, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(get, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(get);
  }
  sqlite3_finalize(get);
  if (api == nullptr || api->iVersion < 2)
    return Status::Internal("registering product_search_bm25: this SQLite has no FTS5");
  int rc = api->xCreateFunction(api, "product_search_bm25", handle, ProductSearchBm25, nullptr);
  if (rc != SQLITE_OK) {
    return Status::Internal(std::string("registering product_search_bm25: ") + sqlite3_errstr(rc));
  }
  return Status::OK();
}

}  // namespace tessera::catalog
