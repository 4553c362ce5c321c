#pragma once

#include <string>
#include <string_view>

#include "tessera/common/result.h"
#include "tessera/engine/database.h"

namespace tessera::engine {

/// Whether `sql` computes each output row from one input row alone: SELECTs of one table each
/// (no joins, subqueries or table functions), combined only by UNION ALL, with no aggregate or
/// window function, GROUP BY, HAVING, QUALIFY, DISTINCT, ORDER BY, LIMIT, SAMPLE, CTE or time
/// travel. Such a query over tables that only grew gives, over the new rows alone, exactly the
/// rows its full answer gained: what an incremental build appends. Return "" when it is
/// row-wise, or why not (for the user). kInvalidArgument if DuckDB cannot parse it.
Result<std::string> WhyNotRowWise(Connection& connection, std::string_view sql);

}  // namespace tessera::engine
