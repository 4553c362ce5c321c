#pragma once

#include <duckdb.h>

#include <functional>
#include <memory>
#include <string>

#include "tessera/common/result.h"
#include "tessera/common/status.h"
#include "tessera/delta/actions.h"
#include "tessera/delta/checkpoint_reader.h"
#include "tessera/storage/storage.h"

namespace tessera::engine {

/// Make Delta tables queryable in a DuckDB database:
///   delta_scan('<path>' [, version := N] [, "timestamp" := '<ISO-8601>'])
///   delta_changes('<path>', <from_version> [, <to_version>])
/// Both are table macros over `query(<generated SQL>)`, so DuckDB plans a native Parquet scan and
/// pushes filters into it. The generated SQL calls `tessera_dv_keep(key, file_row_number)` for
/// files with deletion vectors. Call once per database, on any connection; the functions then
/// serve every connection. `storage` and `reader` must outlive the database.
Status RegisterDeltaFunctions(duckdb_connection connection, storage::Storage& storage,
                              delta::CheckpointReader& reader);

/// The registrar SnapshotSql needs: loads a deletion vector into the process-wide registry that
/// `tessera_dv_keep` reads, and returns its key.
std::function<Result<std::string>(const std::string&, const delta::DeletionVectorDescriptor&)>
DvRegistrarFor(storage::Storage& storage);

/// Rewrite `name = value` named arguments of delta_scan/delta_changes calls into DuckDB's macro
/// syntax `name := value`, leaving everything else (strings, comments, other calls) untouched.
std::string NormalizeDeltaCalls(std::string_view sql);

}  // namespace tessera::engine
