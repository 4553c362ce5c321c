#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"

namespace tessera {

/// Decode RFC 3986 percent-escapes once ("%2F" -> "/"). Return kInvalidArgument on a truncated or
/// non-hex escape.
Result<std::string> PercentDecode(std::string_view text);
/// The same, appended to `out` (which keeps what was decoded before an error).
Status PercentDecodeAppend(std::string_view text, std::string& out);
/// Percent-encode every byte outside [A-Za-z0-9-._~/] (so paths keep their slashes).
std::string PercentEncodePath(std::string_view text);
/// Escape a partition value for a Hive-style directory name, as Spark does ("/" -> "%2F").
std::string HiveEscape(std::string_view value);

/// Quote an SQL identifier: "a""b". Safe for any input.
std::string QuoteIdentifier(std::string_view name);
/// Quote an SQL string literal: 'it''s'. Safe for any input.
std::string QuoteLiteral(std::string_view value);

/// Parse a whole decimal int64 ("-12"); return kInvalidArgument on anything else or overflow.
Result<int64_t> ParseInt64(std::string_view text);

bool StartsWith(std::string_view text, std::string_view prefix);
bool EndsWith(std::string_view text, std::string_view suffix);
std::vector<std::string> Split(std::string_view text, char separator);
std::string Join(const std::vector<std::string>& parts, std::string_view separator);
std::string ToLower(std::string_view text);
std::string ToUpper(std::string_view text);
/// Whether `text` contains `lower_needle` (given in lower case), ignoring ASCII case; allocates
/// nothing.
bool ContainsNoCase(std::string_view text, std::string_view lower_needle);
/// `text` without leading and trailing ASCII whitespace.
std::string_view Trim(std::string_view text);

}  // namespace tessera
