#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/engine/database.h"

namespace tessera::engine {

/// The argument types a scalar function registered here may take.
enum class ScalarArgType { kVarchar, kBigint };

/// One non-NULL argument value: std::string_view for kVarchar (valid during the call only),
/// int64_t for kBigint.
using ScalarArg = std::variant<std::string_view, int64_t>;

/// Compute one row's result from its arguments: a string, nullopt for SQL NULL, or an error
/// Status whose message fails the query ("Invalid Input Error: <message>"). DuckDB calls it from
/// its worker threads, possibly at once on several: it must be thread-safe.
using ScalarCallback =
    std::function<Result<std::optional<std::string>>(const std::vector<ScalarArg>& arguments)>;

/// Register `name(arguments...) -> VARCHAR` in the database of `connection`: every connection of
/// that Database can call it, and it lives as long as the Database. A row with a NULL argument
/// gives NULL without calling `callback`. Unless `is_volatile`, DuckDB may evaluate a call with
/// constant arguments once, when it plans the query. Return kAlreadyExists if DuckDB refuses the
/// registration (the name is taken by a function with the same arguments).
Status RegisterScalarFunction(Connection& connection, const std::string& name,
                              const std::vector<ScalarArgType>& argument_types,
                              ScalarCallback callback, bool is_volatile = false);

}  // namespace tessera::engine
