#pragma once

#include <duckdb.h>

#include <string_view>

#include "tessera/common/status.h"

namespace tessera::engine {

/// Convert a DuckDB error into a Status, keeping DuckDB's message text intact (it is what users
/// read). Mapping: INTERRUPT -> kCancelled; IO, HTTP, network -> kIoError; constraint and
/// transaction conflicts -> kConflict; permission -> kPermissionDenied; not implemented ->
/// kUnsupported; fatal, internal, out of memory -> kInternal; everything else (parser, binder,
/// catalog, conversion, ...) -> kInvalidArgument. A null or empty message becomes "unknown
/// DuckDB error".
Status StatusFromDuckdb(duckdb_error_type type, const char* message);

/// Like StatusFromDuckdb, for the APIs that give only a message (prepare, extract statements,
/// open): the type is read from the message's "<Type> Error: " prefix.
Status StatusFromDuckdbMessage(const char* message);

}  // namespace tessera::engine
