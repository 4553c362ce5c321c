#include "tessera/engine/query_result.h"

#include "tessera/common/logging.h"
#include "tessera/engine/database.h"
#include "tessera/engine/error.h"

// This file holds the one use of DuckDB's deprecated streaming calls (duckdb_execute_prepared_
// streaming): in 1.4 they are the only way to get a result that is not materialized. CMake
// compiles it with -Wno-deprecated-declarations.

namespace tessera::engine {

DataChunk::DataChunk(duckdb_data_chunk chunk) : chunk_(chunk) { TESSERA_CHECK(chunk != nullptr); }

DataChunk::~DataChunk() { duckdb_destroy_data_chunk(&chunk_); }

int64_t DataChunk::row_count() const {
  return static_cast<int64_t>(duckdb_data_chunk_get_size(chunk_));
}

int64_t DataChunk::column_count() const {
  return static_cast<int64_t>(duckdb_data_chunk_get_column_count(chunk_));
}

duckdb_vector DataChunk::vector(int64_t column) const {
  TESSERA_DCHECK(column >= 0 && column < column_count());
  return duckdb_data_chunk_get_vector(chunk_, static_cast<idx_t>(column));
}

bool DataChunk::IsNull(int64_t column, int64_t row) const {
  TESSERA_DCHECK(row >= 0 && row < row_count());
  uint64_t* validity = duckdb_vector_get_validity(vector(column));
  // A null validity mask means every row is valid.
  return validity != nullptr && !duckdb_validity_row_is_valid(validity, static_cast<idx_t>(row));
}

std::string_view DataChunk::GetString(int64_t column, int64_t row) const {
  TESSERA_DCHECK(row >= 0 && row < row_count());
  auto* strings = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector(column)));
  // Short strings are inlined in the duckdb_string_t itself: take the address in the vector.
  duckdb_string_t* cell = &strings[row];
  return {duckdb_string_t_data(cell), duckdb_string_t_length(*cell)};
}

int64_t DataChunk::GetInt64(int64_t column, int64_t row) const {
  TESSERA_DCHECK(row >= 0 && row < row_count());
  return static_cast<const int64_t*>(duckdb_vector_get_data(vector(column)))[row];
}

QueryResult::QueryResult(duckdb_result result, const KeywordSet& keywords) : result_(result) {
  idx_t count = duckdb_column_count(&result_);
  columns_.reserve(count);
  logical_types_.reserve(count);
  for (idx_t i = 0; i < count; ++i) {
    duckdb_logical_type type = duckdb_column_logical_type(&result_, i);
    logical_types_.push_back(type);
    const char* name = duckdb_column_name(&result_, i);
    columns_.push_back(Column{name != nullptr ? name : "", DescribeLogicalType(type, keywords)});
  }
}

QueryResult::~QueryResult() {
  if (connection_ != nullptr)
    connection_->ForgetResult(this);
  for (duckdb_logical_type& type : logical_types_)
    duckdb_destroy_logical_type(&type);
  duckdb_destroy_result(&result_);
}

bool QueryResult::is_streaming() const { return duckdb_result_is_streaming(result_); }

Result<std::unique_ptr<QueryResult>> QueryResult::ExecuteStreaming(
    duckdb_prepared_statement statement, const KeywordSet& keywords) {
  duckdb_result result;
  if (duckdb_execute_prepared_streaming(statement, &result) != DuckDBSuccess) {
    Status status =
        StatusFromDuckdb(duckdb_result_error_type(&result), duckdb_result_error(&result));
    duckdb_destroy_result(&result);
    return status;
  }
  return std::unique_ptr<QueryResult>(new QueryResult(result, keywords));
}

Result<std::unique_ptr<DataChunk>> QueryResult::Fetch() {
  if (!buffered_.empty()) {
    std::unique_ptr<DataChunk> chunk = std::move(buffered_.front());
    buffered_.pop_front();
    rows_fetched_ += chunk->row_count();
    return chunk;
  }
  if (closed_ && !finished_) {
    return Status::InvalidArgument(
        "the query result was closed because another statement ran on its connection");
  }
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<DataChunk> chunk, FetchFromDuckdb());
  if (chunk != nullptr)
    rows_fetched_ += chunk->row_count();
  return chunk;
}

Result<std::unique_ptr<DataChunk>> QueryResult::FetchFromDuckdb() {
  if (!error_.ok())
    return error_;
  if (finished_)
    return std::unique_ptr<DataChunk>();
  duckdb_data_chunk chunk = duckdb_fetch_chunk(result_);
  if (chunk == nullptr) {
    finished_ = true;
    if (const char* error = duckdb_result_error(&result_)) {
      error_ = StatusFromDuckdb(duckdb_result_error_type(&result_), error);
      return error_;
    }
    return std::unique_ptr<DataChunk>();
  }
  auto out = std::make_unique<DataChunk>(chunk);
  if (out->row_count() == 0) {
    finished_ = true;
    return std::unique_ptr<DataChunk>();
  }
  return out;
}

void QueryResult::BufferRemaining() {
  int64_t values = 0;
  while (true) {
    // An error met here (a failing cast further down the result) is kept in error_ and
    // returned by Fetch after the buffered rows, where the client would have met it.
    auto chunk = FetchFromDuckdb();
    if (!chunk.ok() || *chunk == nullptr)
      return;
    values += (*chunk)->row_count() * (*chunk)->column_count();
    if (values > keep_max_values_) {
      buffered_.clear();
      finished_ = true;
      error_ = Status(StatusCode::kInvalidArgument,
                      "Out of Memory Error: the rest of this result (over " +
                          std::to_string(keep_max_values_) +
                          " values) is too large to hold while another statement runs; fetch it "
                          "to the end or close it first");
      return;
    }
    buffered_.push_back(std::move(*chunk));
  }
}

}  // namespace tessera::engine
