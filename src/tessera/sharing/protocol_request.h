#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/common/result.h"

namespace tessera::sharing {

/// Query parameters as the transport decoded them, in order.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// The body of `POST .../query` (PROTOCOL.md "Read Data from a Table"). Plain value.
struct QueryRequest {
  std::vector<std::string> predicate_hints;
  std::optional<std::string> json_predicate_hints;
  std::optional<int64_t> limit_hint;
  std::optional<int64_t> version;
  std::optional<std::string> timestamp;
  std::optional<int64_t> starting_version;
  std::optional<int64_t> ending_version;
  bool include_historical_protocol = false;
  std::optional<int32_t> max_files;
  std::optional<std::string> page_token;
  bool include_refresh_token = false;
  std::optional<std::string> refresh_token;

  /// Whether this reads one snapshot at a chosen version or time.
  bool time_travel() const { return version || timestamp; }
  /// A canonical text of the parameters that must stay the same from page to page (everything
  /// except maxFiles, pageToken and the refresh-token fields).
  std::string PagingFingerprint() const;
};

/// Parse a query body. Unknown fields and nulls are ignored, an empty body is `{}`, and 64-bit
/// fields may be JSON numbers or numeric strings (clients built on protobuf-JSON send both).
/// Return kInvalidArgument with the reference server's messages for malformed JSON, wrong field
/// types, more than one of version/timestamp/startingVersion, negative versions, a non-positive
/// maxFiles, startingVersion after endingVersion, and refresh tokens combined with a version or
/// a page token.
Result<QueryRequest> ParseQueryRequest(std::string_view body);

/// The parameters of `GET .../changes`. Plain value.
struct ChangesRequest {
  std::optional<int64_t> starting_version;
  std::optional<std::string> starting_timestamp;
  std::optional<int64_t> ending_version;
  std::optional<std::string> ending_timestamp;
  bool include_historical_metadata = false;
  bool include_historical_protocol = false;
  std::optional<int32_t> max_files;
  std::optional<std::string> page_token;

  std::string PagingFingerprint() const;
};

/// Parse the query string of a changes request. Return kInvalidArgument for a missing start,
/// both a version and a timestamp for the start or the end, non-numeric or negative versions,
/// booleans other than true/false (any case), and a non-positive maxFiles.
Result<ChangesRequest> ParseChangesRequest(const QueryParams& params);

/// `maxResults` and `pageToken` of the list endpoints.
struct ListRequest {
  int32_t max_results = 500;
  std::optional<std::string> page_token;
};

/// Return kInvalidArgument unless maxResults is an integer in [0, 500].
Result<ListRequest> ParseListRequest(const QueryParams& params);

/// The `delta-sharing-capabilities` header: `key=v1,v2;key2=v`, keys and values lowercased.
struct Capabilities {
  std::set<std::string> response_formats;  // "parquet", "delta"
  std::set<std::string> reader_features;   // lowercased, e.g. "deletionvectors"
  bool include_end_stream_action = false;
};

/// Parse the header (absent: empty capabilities). Unknown keys are ignored; never fails.
Capabilities ParseCapabilities(std::optional<std::string_view> header);

/// Parse a protocol timestamp (ISO-8601 with an offset, e.g. "2022-01-01T00:00:00Z", fractional
/// seconds allowed; a date-time without offset is read as UTC) into epoch milliseconds. Return
/// kInvalidArgument "Invalid <parameter>: <text>" otherwise.
Result<int64_t> ParseProtocolTimestamp(std::string_view text, std::string_view parameter);

/// Parse a query-string boolean ("true"/"false" in any case, as Python sends "True").
Result<bool> ParseQueryBool(std::string_view text, std::string_view parameter);

/// The first value of `name` in `params`, or nullopt.
std::optional<std::string_view> FindParam(const QueryParams& params, std::string_view name);

}  // namespace tessera::sharing
