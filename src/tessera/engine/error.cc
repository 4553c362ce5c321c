#include "tessera/engine/error.h"

#include <string>

#include "tessera/common/strings.h"

namespace tessera::engine {
namespace {

struct ErrorPrefix {
  std::string_view name;
  duckdb_error_type type;
};

// DuckDB's Exception::ExceptionTypeToString names: every message starts "<name> Error: ".
constexpr ErrorPrefix kPrefixes[] = {
    {"INTERRUPT", DUCKDB_ERROR_INTERRUPT},
    {"IO", DUCKDB_ERROR_IO},
    {"HTTP", DUCKDB_ERROR_HTTP},
    {"Connection", DUCKDB_ERROR_CONNECTION},
    {"Constraint", DUCKDB_ERROR_CONSTRAINT},
    {"TransactionContext", DUCKDB_ERROR_TRANSACTION},
    {"Permission", DUCKDB_ERROR_PERMISSION},
    {"Not implemented", DUCKDB_ERROR_NOT_IMPLEMENTED},
    {"FATAL", DUCKDB_ERROR_FATAL},
    {"INTERNAL", DUCKDB_ERROR_INTERNAL},
    {"Out of Memory", DUCKDB_ERROR_OUT_OF_MEMORY},
    {"Parser", DUCKDB_ERROR_PARSER},
    {"Catalog", DUCKDB_ERROR_CATALOG},
    {"Binder", DUCKDB_ERROR_BINDER},
    {"Invalid Input", DUCKDB_ERROR_INVALID_INPUT},
};

}  // namespace

Status StatusFromDuckdb(duckdb_error_type type, const char* message) {
  std::string text = message != nullptr && *message != '\0' ? message : "unknown DuckDB error";
  switch (type) {
    case DUCKDB_ERROR_INTERRUPT:
      return Status::Cancelled(std::move(text));
    case DUCKDB_ERROR_IO:
    case DUCKDB_ERROR_HTTP:
    case DUCKDB_ERROR_NETWORK:
    case DUCKDB_ERROR_CONNECTION:
      return Status::IoError(std::move(text));
    case DUCKDB_ERROR_CONSTRAINT:
    case DUCKDB_ERROR_TRANSACTION:
      return Status::Conflict(std::move(text));
    case DUCKDB_ERROR_PERMISSION:
      return Status::PermissionDenied(std::move(text));
    case DUCKDB_ERROR_NOT_IMPLEMENTED:
      return Status::Unsupported(std::move(text));
    case DUCKDB_ERROR_FATAL:
    case DUCKDB_ERROR_INTERNAL:
    case DUCKDB_ERROR_OUT_OF_MEMORY:
      return Status::Internal(std::move(text));
    default:
      return Status::InvalidArgument(std::move(text));
  }
}

Status StatusFromDuckdbMessage(const char* message) {
  std::string_view text = message != nullptr ? message : "";
  for (const ErrorPrefix& prefix : kPrefixes) {
    if (StartsWith(text, prefix.name) && StartsWith(text.substr(prefix.name.size()), " Error: "))
      return StatusFromDuckdb(prefix.type, message);
  }
  return StatusFromDuckdb(DUCKDB_ERROR_INVALID, message);
}

}  // namespace tessera::engine
