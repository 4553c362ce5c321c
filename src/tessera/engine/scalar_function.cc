#include "tessera/engine/scalar_function.h"

#include <memory>
#include <utility>

namespace tessera::engine {
namespace {

struct FunctionState {
  std::vector<ScalarArgType> argument_types;
  ScalarCallback callback;
};

void DeleteState(void* state) { delete static_cast<FunctionState*>(state); }

void SetNull(duckdb_vector output, idx_t row) {
  duckdb_vector_ensure_validity_writable(output);
  duckdb_validity_set_row_invalid(duckdb_vector_get_validity(output), row);
}

void Invoke(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  const auto* state =
      static_cast<const FunctionState*>(duckdb_scalar_function_get_extra_info(info));
  size_t arity = state->argument_types.size();
  std::vector<void*> data(arity);
  std::vector<uint64_t*> validity(arity);
  for (size_t k = 0; k < arity; ++k) {
    duckdb_vector vector = duckdb_data_chunk_get_vector(input, k);
    data[k] = duckdb_vector_get_data(vector);
    validity[k] = duckdb_vector_get_validity(vector);
  }
  std::vector<ScalarArg> arguments(arity);
  idx_t rows = duckdb_data_chunk_get_size(input);
  for (idx_t row = 0; row < rows; ++row) {
    bool has_null = false;
    for (size_t k = 0; k < arity && !has_null; ++k) {
      if (validity[k] != nullptr && !duckdb_validity_row_is_valid(validity[k], row)) {
        has_null = true;
      } else if (state->argument_types[k] == ScalarArgType::kBigint) {
        arguments[k] = static_cast<const int64_t*>(data[k])[row];
      } else {
        // Short strings are inlined in the duckdb_string_t: point into the vector, not a copy.
        auto* cell = &static_cast<duckdb_string_t*>(data[k])[row];
        arguments[k] = std::string_view(duckdb_string_t_data(cell), duckdb_string_t_length(*cell));
      }
    }
    if (has_null) {
      SetNull(output, row);
      continue;
    }
    Result<std::optional<std::string>> value = state->callback(arguments);
    if (!value.ok()) {
      duckdb_scalar_function_set_error(info, value.status().message().c_str());
      return;
    }
    if (!value->has_value()) {
      SetNull(output, row);
    } else {
      duckdb_vector_assign_string_element_len(output, row, (*value)->data(), (*value)->size());
    }
  }
}

duckdb_type DuckdbType(ScalarArgType type) {
  return type == ScalarArgType::kBigint ? DUCKDB_TYPE_BIGINT : DUCKDB_TYPE_VARCHAR;
}

void AddParameter(duckdb_scalar_function function, duckdb_type id) {
  duckdb_logical_type type = duckdb_create_logical_type(id);
  duckdb_scalar_function_add_parameter(function, type);
  duckdb_destroy_logical_type(&type);
}

}  // namespace

Status RegisterScalarFunction(Connection& connection, const std::string& name,
                              const std::vector<ScalarArgType>& argument_types,
                              ScalarCallback callback, bool is_volatile) {
  if (name.empty() || !callback)
    return Status::InvalidArgument("a scalar function needs a name and a callback");
  duckdb_scalar_function function = duckdb_create_scalar_function();
  duckdb_scalar_function_set_name(function, name.c_str());
  for (ScalarArgType type : argument_types)
    AddParameter(function, DuckdbType(type));
  duckdb_logical_type varchar = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  duckdb_scalar_function_set_return_type(function, varchar);
  duckdb_destroy_logical_type(&varchar);
  duckdb_scalar_function_set_function(function, Invoke);
  // The function object owns the state from here on, registered or not.
  auto* state = new FunctionState{argument_types, std::move(callback)};
  duckdb_scalar_function_set_extra_info(function, state, DeleteState);
  if (is_volatile)
    duckdb_scalar_function_set_volatile(function);
  connection.CloseActiveResult();
  duckdb_state registered = duckdb_register_scalar_function(connection.handle(), function);
  duckdb_destroy_scalar_function(&function);
  if (registered != DuckDBSuccess)
    return Status::AlreadyExists("cannot register scalar function '" + name + "'");
  return Status::OK();
}

}  // namespace tessera::engine
