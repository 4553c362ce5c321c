#include "tessera/engine/delta_functions.h"

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "tessera/common/logging.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/delta/deletion_vector.h"
#include "tessera/delta/history.h"
#include "tessera/delta/snapshot.h"
#include "tessera/engine/delta_sql.h"
#include "tessera/engine/scan_hints.h"

namespace tessera::engine {
namespace {

// Decoded deletion vectors by key, shared by every connection of the process. DV files are
// immutable, so an entry never goes stale.
class DvRegistry {
 public:
  static DvRegistry& Instance() {
    static DvRegistry registry;
    return registry;
  }

  Result<std::string> Register(storage::Storage& storage, const std::string& table_root,
                               const delta::DeletionVectorDescriptor& dv) {
    std::string key = table_root + "|" + dv.UniqueId();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (sets_.count(key) != 0)
        return key;
    }
    auto set = delta::LoadDeletionVector(storage, table_root, dv);
    if (!set.ok())
      return set.status();
    std::lock_guard<std::mutex> lock(mutex_);
    sets_.try_emplace(key, std::make_shared<delta::RowIndexSet>(std::move(set).value()));
    return key;
  }

  std::shared_ptr<const delta::RowIndexSet> Find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sets_.find(key);
    return it == sets_.end() ? nullptr : it->second;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const delta::RowIndexSet>> sets_;
};

struct Context {
  storage::Storage* storage;
  delta::CheckpointReader* reader;
};

std::string ReadString(duckdb_vector vector, idx_t row) {
  auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector));
  return std::string(duckdb_string_t_data(&data[row]), duckdb_string_t_length(data[row]));
}

bool IsValid(duckdb_vector vector, idx_t row) {
  uint64_t* validity = duckdb_vector_get_validity(vector);
  return validity == nullptr || duckdb_validity_row_is_valid(validity, row);
}

Result<std::string> ScanSql(const Context& ctx, const std::string& path,
                            std::optional<int64_t> version, std::optional<std::string> timestamp) {
  if (version && timestamp) {
    return Status::InvalidArgument("give delta_scan a version or a timestamp, not both");
  }
  if (timestamp) {
    TESSERA_ASSIGN_OR_RETURN(int64_t micros, ParseTimestampMicros(*timestamp));
    TESSERA_ASSIGN_OR_RETURN(auto history, delta::ReadHistory(*ctx.storage, path));
    TESSERA_ASSIGN_OR_RETURN(version, delta::VersionAsOf(history, micros / 1000));
  }
  TESSERA_ASSIGN_OR_RETURN(auto snapshot,
                           delta::Snapshot::Load(*ctx.storage, ctx.reader, path, version));
  SnapshotSqlOptions options;
  // Hints describe the query being bound on this thread; they only hold for the latest version.
  if (!version) {
    options.skip_unless =
        ScopedScanHints::For(std::filesystem::absolute(path).lexically_normal().string());
  }
  return SnapshotSql(*snapshot, DvRegistrarFor(*ctx.storage), options);
}

// tessera_delta_scan_sql(path VARCHAR, version BIGINT, timestamp VARCHAR) -> VARCHAR
void DeltaScanSqlFunction(duckdb_function_info info, duckdb_data_chunk input,
                          duckdb_vector output) {
  const auto* ctx = static_cast<const Context*>(duckdb_scalar_function_get_extra_info(info));
  idx_t rows = duckdb_data_chunk_get_size(input);
  duckdb_vector paths = duckdb_data_chunk_get_vector(input, 0);
  duckdb_vector versions = duckdb_data_chunk_get_vector(input, 1);
  duckdb_vector timestamps = duckdb_data_chunk_get_vector(input, 2);
  auto* version_data = static_cast<int64_t*>(duckdb_vector_get_data(versions));
  for (idx_t row = 0; row < rows; ++row) {
    if (!IsValid(paths, row)) {
      duckdb_scalar_function_set_error(info, "delta_scan: the table path is NULL");
      return;
    }
    std::optional<int64_t> version;
    if (IsValid(versions, row))
      version = version_data[row];
    std::optional<std::string> timestamp;
    if (IsValid(timestamps, row))
      timestamp = ReadString(timestamps, row);
    auto sql = ScanSql(*ctx, ReadString(paths, row), version, timestamp);
    if (!sql.ok()) {
      std::string message = "delta_scan: " + sql.status().message();
      duckdb_scalar_function_set_error(info, message.c_str());
      return;
    }
    duckdb_vector_assign_string_element_len(output, row, sql->data(), sql->size());
  }
}

// tessera_delta_changes_sql(path VARCHAR, from BIGINT, to BIGINT) -> VARCHAR
void DeltaChangesSqlFunction(duckdb_function_info info, duckdb_data_chunk input,
                             duckdb_vector output) {
  const auto* ctx = static_cast<const Context*>(duckdb_scalar_function_get_extra_info(info));
  idx_t rows = duckdb_data_chunk_get_size(input);
  duckdb_vector paths = duckdb_data_chunk_get_vector(input, 0);
  duckdb_vector froms = duckdb_data_chunk_get_vector(input, 1);
  duckdb_vector tos = duckdb_data_chunk_get_vector(input, 2);
  auto* from_data = static_cast<int64_t*>(duckdb_vector_get_data(froms));
  auto* to_data = static_cast<int64_t*>(duckdb_vector_get_data(tos));
  for (idx_t row = 0; row < rows; ++row) {
    if (!IsValid(paths, row) || !IsValid(froms, row)) {
      duckdb_scalar_function_set_error(
          info, "delta_changes: the table path and start version are required");
      return;
    }
    std::optional<int64_t> to;
    if (IsValid(tos, row))
      to = to_data[row];
    auto sql = ChangesSql(*ctx->storage, ctx->reader, ReadString(paths, row), from_data[row], to,
                          DvRegistrarFor(*ctx->storage));
    if (!sql.ok()) {
      std::string message = "delta_changes: " + sql.status().message();
      duckdb_scalar_function_set_error(info, message.c_str());
      return;
    }
    duckdb_vector_assign_string_element_len(output, row, sql->data(), sql->size());
  }
}

// tessera_dv_keep(key VARCHAR, row BIGINT) -> BOOLEAN: false for rows a deletion vector deletes.
void DvKeepFunction(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  idx_t rows = duckdb_data_chunk_get_size(input);
  duckdb_vector keys = duckdb_data_chunk_get_vector(input, 0);
  auto* row_numbers =
      static_cast<int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(input, 1)));
  auto* out = static_cast<bool*>(duckdb_vector_get_data(output));
  std::string last_key;
  std::shared_ptr<const delta::RowIndexSet> set;
  for (idx_t row = 0; row < rows; ++row) {
    std::string key = ReadString(keys, row);
    if (!set || key != last_key) {
      set = DvRegistry::Instance().Find(key);
      last_key = key;
      if (!set) {
        duckdb_scalar_function_set_error(info, "tessera_dv_keep: unknown deletion vector");
        return;
      }
    }
    out[row] = !set->Contains(static_cast<uint64_t>(row_numbers[row]));
  }
}

Status RegisterFunction(duckdb_connection connection, const char* name,
                        std::initializer_list<duckdb_type> params, duckdb_type result,
                        duckdb_scalar_function_t callback, std::unique_ptr<Context> ctx,
                        bool special_nulls) {
  duckdb_scalar_function function = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(function, name);
  for (duckdb_type param : params) {
    duckdb_logical_type type = duckdb_create_logical_type(param);
    duckdb_scalar_function_add_parameter(function, type);
    duckdb_destroy_logical_type(&type);
  }
  duckdb_logical_type result_type = duckdb_create_logical_type(result);
  duckdb_scalar_function_set_return_type(function, result_type);
  duckdb_destroy_logical_type(&result_type);
  duckdb_scalar_function_set_function(function, callback);
  if (special_nulls)
    duckdb_scalar_function_set_special_handling(function);
  if (ctx != nullptr) {
    // DuckDB owns the context from here and deletes it with the function (at database close).
    duckdb_scalar_function_set_extra_info(function, ctx.release(),
                                          [](void* p) { delete static_cast<Context*>(p); });
  }
  duckdb_state state = duckdb_register_scalar_function(connection, function);
  duckdb_destroy_scalar_function(&function);
  if (state != DuckDBSuccess) {
    return Status::Internal(std::string("registering SQL function ") + name + " failed");
  }
  return Status::OK();
}

Status Run(duckdb_connection connection, const std::string& sql) {
  duckdb_result result;
  duckdb_state state = duckdb_query(connection, sql.c_str(), &result);
  std::string error = state == DuckDBSuccess ? "" : duckdb_result_error(&result);
  duckdb_destroy_result(&result);
  if (state != DuckDBSuccess)
    return Status::Internal("defining Delta SQL macros: " + error);
  return Status::OK();
}

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

DvRegistrar DvRegistrarFor(storage::Storage& storage) {
  return [&storage](const std::string& root, const delta::DeletionVectorDescriptor& dv) {
    return DvRegistry::Instance().Register(storage, root, dv);
  };
}

Status RegisterDeltaFunctions(duckdb_connection connection, storage::Storage& storage,
                              delta::CheckpointReader& reader) {
  TESSERA_RETURN_NOT_OK(RegisterFunction(
      connection, "tessera_delta_scan_sql",
      {DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_BIGINT, DUCKDB_TYPE_VARCHAR}, DUCKDB_TYPE_VARCHAR,
      DeltaScanSqlFunction, std::make_unique<Context>(Context{&storage, &reader}), true));
  TESSERA_RETURN_NOT_OK(RegisterFunction(
      connection, "tessera_delta_changes_sql",
      {DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_BIGINT, DUCKDB_TYPE_BIGINT}, DUCKDB_TYPE_VARCHAR,
      DeltaChangesSqlFunction, std::make_unique<Context>(Context{&storage, &reader}), true));
  TESSERA_RETURN_NOT_OK(RegisterFunction(connection, "tessera_dv_keep",
                                         {DUCKDB_TYPE_VARCHAR, DUCKDB_TYPE_BIGINT},
                                         DUCKDB_TYPE_BOOLEAN, DvKeepFunction, nullptr, false));
  TESSERA_RETURN_NOT_OK(
      Run(connection,
          "CREATE OR REPLACE MACRO delta_scan(path, version := NULL, \"timestamp\" := NULL) "
          "AS TABLE FROM query(tessera_delta_scan_sql(path, version, "
          "CAST(\"timestamp\" AS VARCHAR)))"));
  TESSERA_RETURN_NOT_OK(
      Run(connection,
          "CREATE OR REPLACE MACRO delta_changes(path, from_version, to_version := NULL) "
          "AS TABLE FROM query(tessera_delta_changes_sql(path, from_version, to_version))"));
  return Status::OK();
}

std::string NormalizeDeltaCalls(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  // depth_in_call[d] is true when parenthesis level d was opened by delta_scan/delta_changes.
  std::vector<bool> delta_call;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"') {  // copy a quoted string or identifier whole
      size_t end = i + 1;
      while (end < sql.size()) {
        if (sql[end] == c) {
          if (end + 1 < sql.size() && sql[end + 1] == c) {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      out.append(sql.substr(i, end + 1 - i));
      i = end + 1;
      continue;
    }
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      if (end == std::string_view::npos)
        end = sql.size();
      out.append(sql.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      end = end == std::string_view::npos ? sql.size() : end + 2;
      out.append(sql.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '(') {
      size_t k = out.size();
      while (k > 0 && (out[k - 1] == ' ' || out[k - 1] == '\t' || out[k - 1] == '\n'))
        --k;
      size_t start = k;
      while (start > 0 && IsIdentChar(out[start - 1]))
        --start;
      std::string word = ToLower(std::string_view(out).substr(start, k - start));
      delta_call.push_back(word == "delta_scan" || word == "delta_changes");
      out += c;
      ++i;
      continue;
    }
    if (c == ')') {
      if (!delta_call.empty())
        delta_call.pop_back();
      out += c;
      ++i;
      continue;
    }
    // `name =` (not `==`, `=>`, `:=`, `<=`, `>=`, `!=`) directly inside a delta call.
    if (c == '=' && !delta_call.empty() && delta_call.back() &&
        (i + 1 >= sql.size() || (sql[i + 1] != '=' && sql[i + 1] != '>')) && i > 0 &&
        sql[i - 1] != ':' && sql[i - 1] != '<' && sql[i - 1] != '>' && sql[i - 1] != '!') {
      size_t k = out.size();
      while (k > 0 && out[k - 1] == ' ')
        --k;
      size_t start = k;
      while (start > 0 && IsIdentChar(out[start - 1]))
        --start;
      size_t before = start;
      while (before > 0 && out[before - 1] == ' ')
        --before;
      if (start < k && before > 0 && out[before - 1] == ',') {
        out += ":=";
        ++i;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace tessera::engine
