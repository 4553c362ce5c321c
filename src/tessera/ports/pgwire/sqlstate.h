#pragma once

#include "tessera/common/status.h"
#include "tessera/ports/pgwire/protocol.h"

namespace tessera::ports::pgwire {

/// The one place that turns a tessera Status (and the DuckDB error text inside it) into what a
/// PostgreSQL client expects: a SQLSTATE and a message in PostgreSQL's words where one exists
/// (`relation "x" does not exist`, 42P01). Messages lose DuckDB's "Catalog Error: " prefix.
ErrorFields ErrorFromStatus(const Status& status);

}  // namespace tessera::ports::pgwire
