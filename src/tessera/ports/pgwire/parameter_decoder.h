#pragma once

#include <duckdb.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "tessera/common/status.h"

namespace tessera::ports::pgwire {

/// Bind one parameter of a pgwire Bind message to `statement` at DuckDB's 1-based `index`
/// ($1 is 1). `type_oid` is the type the client gave in Parse (0 = unspecified), `format` its
/// format code (0 text, 1 binary), `value` its bytes or nullopt for NULL.
///
/// NULL binds NULL. Text binds VARCHAR and lets DuckDB cast it to the parameter's type, except
/// bytea (`\x0102` hex or PostgreSQL's escape form, decoded to a BLOB). Binary is decoded by OID:
/// bool, int2, int4, int8, float4, float8, text/varchar/name/bpchar/unknown, bytea, date, time,
/// timestamp, timestamptz, interval, numeric, uuid, json and jsonb (version byte 1), then bound
/// with the matching typed call. `value` is untrusted network input; nothing outside it is read.
///
/// Return kInvalidArgument for a binary value of the wrong length or with invalid contents
/// (SQLSTATE 22P03), a binary parameter of unspecified or unsupported type, a format code other
/// than 0 and 1, or an index or value DuckDB refuses to bind.
Status BindParameter(duckdb_prepared_statement statement, idx_t index, uint32_t type_oid,
                     int16_t format, std::optional<std::string_view> value);

}  // namespace tessera::ports::pgwire
