#pragma once

#include <string_view>
#include <vector>

namespace tessera::engine {

/// Split SQL text into statements at top-level ';', skipping over what DuckDB's (PostgreSQL's)
/// lexer skips: '…' strings ('' and, after E, backslash escapes), "…" identifiers, $tag$…$tag$
/// strings, -- line comments and nested /* */ comments. Pieces exclude the ';' and surrounding
/// whitespace; pieces holding only whitespace and comments are dropped. Unterminated quotes or
/// comments run to the end (DuckDB then reports the syntax error). Views into `sql`.
std::vector<std::string_view> SplitStatements(std::string_view sql);

}  // namespace tessera::engine
