#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tessera/access/query_gateway.h"
#include "tessera/common/result.h"
#include "tessera/ports/http/request.h"
#include "tessera/ports/http/router.h"

namespace tessera::ports::http {

/// Output formats of `POST /api/v1/sql`.
enum class SqlFormat { kJson, kNdjson, kCsv, kParquet };

/// One SQL API call, parsed. Plain value.
struct SqlRequest {
  std::string sql;
  SqlFormat format = SqlFormat::kJson;
  /// Rows to return at most; nullopt for all.
  std::optional<int64_t> limit;
  /// Interrupt the query after this long; nullopt for the server's default.
  std::optional<int64_t> timeout_ms;
};

/// Limits of the SQL API. Plain value.
struct SqlApiOptions {
  /// Cap on the rows of one response (a client's `limit` cannot go above it); 0 for none.
  int64_t max_rows = 0;
  /// Timeout when the client gives none; 0 for none.
  int64_t default_timeout_ms = 0;
  /// Cap on a client's `timeout_ms`; 0 for none.
  int64_t max_timeout_ms = 0;
  /// Where Parquet results are written before they are sent; empty for the system temp dir.
  std::string scratch_dir;
};

/// Parse a SQL API request: a JSON body {"sql", "format", "limit", "timeout_ms"} or, with
/// `Content-Type: application/sql`, the SQL text itself. The format is the body's "format",
/// else `?format=`, else the Accept header (application/json, application/x-ndjson, text/csv,
/// application/vnd.apache.parquet, application/octet-stream), else JSON. Return
/// kInvalidArgument for malformed JSON, a missing or empty "sql", an unknown format, a negative
/// limit or a non-positive timeout.
Result<SqlRequest> ParseSqlRequest(const Request& request);

/// The SQLSTATE reported for an error (the one place the HTTP SQL API maps codes):
/// kNotFound 42P01, kPermissionDenied 42501, kInvalidArgument 42601, kCancelled 57014,
/// kUnauthenticated 28000, kUnsupported 0A000, kAlreadyExists 42P07, kConflict 40001,
/// kIoError 58030, kCorruption XX001, kInternal and anything else XX000.
std::string_view SqlStateFor(StatusCode code);

/// Register `POST /api/v1/sql` on `router`: authenticate the bearer token with the gateway's
/// AccessStore, open a QuerySession on port "http", run the SQL and stream its result (see
/// README.md for the formats and what a client sees on errors). Every call that authenticates is
/// audited. `gateway` must outlive the server.
void AddSqlApi(Router& router, access::QueryGateway& gateway, SqlApiOptions options = {});

}  // namespace tessera::ports::http
