#include "tessera/sharing/protocol_request.h"

#include <limits>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"

namespace tessera::sharing {
namespace {

// The reference server parses bodies as protobuf JSON, where 64-bit integers may be numbers or
// numeric strings; Spark and Python clients rely on both, so accept both.
Result<std::optional<int64_t>> OptionalLong(const Json& body, const char* key) {
  const Json* value = JsonFind(body, key);
  if (value == nullptr)
    return std::optional<int64_t>();
  // nlohmann counts unsigned numbers as integers too; those above INT64_MAX are out of range.
  if (value->is_number_unsigned() &&
      value->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Status::InvalidArgument(std::string(key) + " is out of range");
  }
  if (value->is_number_integer())
    return std::optional<int64_t>(value->get<int64_t>());
  if (value->is_string()) {
    auto parsed = ParseInt64(value->get<std::string>());
    if (!parsed.ok())
      return Status::InvalidArgument("Not a numeric value: " + value->get<std::string>());
    return std::optional<int64_t>(*parsed);
  }
  return Status::InvalidArgument(std::string(key) + " must be a number, not " + value->type_name());
}

Result<std::optional<std::string>> OptionalString(const Json& body, const char* key) {
  const Json* value = JsonFind(body, key);
  if (value == nullptr)
    return std::optional<std::string>();
  if (!value->is_string())
    return Status::InvalidArgument(std::string(key) + " must be a string, not " +
                                   value->type_name());
  return std::optional<std::string>(value->get<std::string>());
}

Result<bool> OptionalBool(const Json& body, const char* key) {
  const Json* value = JsonFind(body, key);
  if (value == nullptr)
    return false;
  if (value->is_boolean())
    return value->get<bool>();
  if (value->is_string())
    return ParseQueryBool(value->get<std::string>(), key);
  return Status::InvalidArgument(std::string(key) + " must be a boolean, not " +
                                 value->type_name());
}

Result<std::optional<int32_t>> MaxFiles(std::optional<int64_t> value) {
  if (!value)
    return std::optional<int32_t>();
  if (*value > std::numeric_limits<int32_t>::max() || *value < std::numeric_limits<int32_t>::min())
    return Status::InvalidArgument("Not an int32 value: " + std::to_string(*value));
  if (*value <= 0)
    return Status::InvalidArgument("maxFiles must be positive.");
  return std::optional<int32_t>(static_cast<int32_t>(*value));
}

Result<std::optional<int64_t>> ParamLong(const QueryParams& params, std::string_view name) {
  auto text = FindParam(params, name);
  if (!text)
    return std::optional<int64_t>();
  auto parsed = ParseInt64(*text);
  if (!parsed.ok()) {
    return Status::InvalidArgument(std::string(name) +
                                   ": expected a number but the string didn't have the "
                                   "appropriate format: '" +
                                   std::string(*text) + "'");
  }
  return std::optional<int64_t>(*parsed);
}

std::string OptText(const std::optional<std::string>& value) { return value ? "s" + *value : "-"; }
std::string OptText(const std::optional<int64_t>& value) {
  return value ? std::to_string(*value) : "-";
}

}  // namespace

std::string QueryRequest::PagingFingerprint() const {
  Json json = {{"p", predicate_hints},         {"j", OptText(json_predicate_hints)},
               {"l", OptText(limit_hint)},     {"v", OptText(version)},
               {"t", OptText(timestamp)},      {"s", OptText(starting_version)},
               {"e", OptText(ending_version)}, {"h", include_historical_protocol}};
  return DumpJson(json);
}

Result<QueryRequest> ParseQueryRequest(std::string_view body) {
  Json json = Json::object();
  bool blank = body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (!blank) {
    auto parsed = ParseJson(body);
    if (!parsed.ok())
      return Status::InvalidArgument("malformed request body: " + parsed.status().message());
    json = std::move(*parsed);
  }
  if (!json.is_object())
    return Status::InvalidArgument("the request body must be a JSON object");
  QueryRequest request;
  if (const Json* hints = JsonFind(json, "predicateHints")) {
    if (!hints->is_array()) {
      return Status::InvalidArgument(
          "Expected an array for repeated field predicateHints of message QueryTableRequest");
    }
    for (const Json& hint : *hints) {
      if (!hint.is_string())
        return Status::InvalidArgument("predicateHints must hold strings");
      request.predicate_hints.push_back(hint.get<std::string>());
    }
  }
  TESSERA_ASSIGN_OR_RETURN(request.json_predicate_hints,
                           OptionalString(json, "jsonPredicateHints"));
  TESSERA_ASSIGN_OR_RETURN(request.limit_hint, OptionalLong(json, "limitHint"));
  TESSERA_ASSIGN_OR_RETURN(request.version, OptionalLong(json, "version"));
  TESSERA_ASSIGN_OR_RETURN(request.timestamp, OptionalString(json, "timestamp"));
  TESSERA_ASSIGN_OR_RETURN(request.starting_version, OptionalLong(json, "startingVersion"));
  TESSERA_ASSIGN_OR_RETURN(request.ending_version, OptionalLong(json, "endingVersion"));
  TESSERA_ASSIGN_OR_RETURN(request.include_historical_protocol,
                           OptionalBool(json, "includeHistoricalProtocol"));
  TESSERA_ASSIGN_OR_RETURN(auto max_files, OptionalLong(json, "maxFiles"));
  TESSERA_ASSIGN_OR_RETURN(request.max_files, MaxFiles(max_files));
  TESSERA_ASSIGN_OR_RETURN(request.page_token, OptionalString(json, "pageToken"));
  TESSERA_ASSIGN_OR_RETURN(request.include_refresh_token,
                           OptionalBool(json, "includeRefreshToken"));
  TESSERA_ASSIGN_OR_RETURN(request.refresh_token, OptionalString(json, "refreshToken"));
  if (request.page_token && request.page_token->empty())
    request.page_token.reset();

  int versions =
      (request.version ? 1 : 0) + (request.timestamp ? 1 : 0) + (request.starting_version ? 1 : 0);
  if (versions > 1)
    return Status::InvalidArgument("Please only provide one of: version,timestamp,startingVersion");
  if (request.version && *request.version < 0)
    return Status::InvalidArgument("table version cannot be negative.");
  if (request.starting_version && *request.starting_version < 0)
    return Status::InvalidArgument("startingVersion cannot be negative.");
  if (request.ending_version && *request.ending_version < 0)
    return Status::InvalidArgument("endingVersion cannot be negative.");
  if (request.ending_version && !request.starting_version)
    return Status::InvalidArgument("endingVersion is only allowed with startingVersion.");
  if (request.starting_version && request.ending_version &&
      *request.starting_version > *request.ending_version) {
    return Status::InvalidArgument("startingVersion(" + std::to_string(*request.starting_version) +
                                   ") must be smaller than or equal to endingVersion(" +
                                   std::to_string(*request.ending_version) + ").");
  }
  if (request.limit_hint && *request.limit_hint < 0)
    return Status::InvalidArgument("limitHint cannot be negative.");
  bool refresh = request.include_refresh_token || request.refresh_token;
  if (refresh && (versions > 0)) {
    return Status::InvalidArgument(
        "includeRefreshToken and refreshToken cannot be used when querying a specific version.");
  }
  if (refresh && request.page_token) {
    return Status::InvalidArgument(
        "includeRefreshToken and refreshToken must be used in the first page request.");
  }
  if (request.include_refresh_token && request.refresh_token)
    return Status::InvalidArgument("Please only provide one of: includeRefreshToken,refreshToken");
  return request;
}

std::string ChangesRequest::PagingFingerprint() const {
  Json json = {{"sv", OptText(starting_version)},   {"st", OptText(starting_timestamp)},
               {"ev", OptText(ending_version)},     {"et", OptText(ending_timestamp)},
               {"hm", include_historical_metadata}, {"hp", include_historical_protocol}};
  return DumpJson(json);
}

Result<ChangesRequest> ParseChangesRequest(const QueryParams& params) {
  ChangesRequest request;
  TESSERA_ASSIGN_OR_RETURN(request.starting_version, ParamLong(params, "startingVersion"));
  TESSERA_ASSIGN_OR_RETURN(request.ending_version, ParamLong(params, "endingVersion"));
  if (auto text = FindParam(params, "startingTimestamp"))
    request.starting_timestamp = std::string(*text);
  if (auto text = FindParam(params, "endingTimestamp"))
    request.ending_timestamp = std::string(*text);
  if (auto text = FindParam(params, "includeHistoricalMetadata")) {
    TESSERA_ASSIGN_OR_RETURN(request.include_historical_metadata,
                             ParseQueryBool(*text, "includeHistoricalMetadata"));
  }
  if (auto text = FindParam(params, "includeHistoricalProtocol")) {
    TESSERA_ASSIGN_OR_RETURN(request.include_historical_protocol,
                             ParseQueryBool(*text, "includeHistoricalProtocol"));
  }
  TESSERA_ASSIGN_OR_RETURN(auto max_files, ParamLong(params, "maxFiles"));
  TESSERA_ASSIGN_OR_RETURN(request.max_files, MaxFiles(max_files));
  if (auto text = FindParam(params, "pageToken"); text && !text->empty())
    request.page_token = std::string(*text);

  if (!request.starting_version && !request.starting_timestamp)
    return Status::InvalidArgument(
        "No startingVersion or startingTimestamp provided for CDF read.");
  if (request.starting_version && request.starting_timestamp) {
    return Status::InvalidArgument(
        "Multiple starting arguments provided for CDF read. Please provide one of either "
        "startingTimestamp or startingVersion.");
  }
  if (request.ending_version && request.ending_timestamp) {
    return Status::InvalidArgument(
        "Multiple ending arguments provided for CDF read. Please provide one of either "
        "endingTimestamp or endingVersion.");
  }
  if (request.starting_version && *request.starting_version < 0)
    return Status::InvalidArgument("startingVersion cannot be negative.");
  if (request.ending_version && *request.ending_version < 0)
    return Status::InvalidArgument("endingVersion cannot be negative.");
  if (request.starting_version && request.ending_version &&
      *request.ending_version < *request.starting_version) {
    return Status::InvalidArgument(
        "CDF range from start " + std::to_string(*request.starting_version) + " to end " +
        std::to_string(*request.ending_version) + " was invalid. End cannot be before start.");
  }
  return request;
}

Result<ListRequest> ParseListRequest(const QueryParams& params) {
  ListRequest request;
  if (auto text = FindParam(params, "maxResults")) {
    auto parsed = ParseInt64(*text);
    if (!parsed.ok()) {
      return Status::InvalidArgument(
          "maxResults: expected a number but the string didn't have the appropriate format: '" +
          std::string(*text) + "'");
    }
    if (*parsed < 0 || *parsed > 500) {
      return Status::InvalidArgument(
          "Acceptable values of 'maxResults' are 0 to 500, inclusive. (Default: 500)");
    }
    request.max_results = static_cast<int32_t>(*parsed);
  }
  if (auto text = FindParam(params, "pageToken"); text && !text->empty())
    request.page_token = std::string(*text);
  return request;
}

Capabilities ParseCapabilities(std::optional<std::string_view> header) {
  Capabilities capabilities;
  if (!header)
    return capabilities;
  for (const std::string& pair : Split(*header, ';')) {
    auto equals = pair.find('=');
    if (equals == std::string::npos)
      continue;
    std::string key = ToLower(Trim(pair.substr(0, equals)));
    std::vector<std::string> values;
    for (const std::string& value : Split(pair.substr(equals + 1), ',')) {
      std::string trimmed = ToLower(Trim(value));
      if (!trimmed.empty())
        values.push_back(trimmed);
    }
    if (key == "responseformat") {
      capabilities.response_formats.insert(values.begin(), values.end());
    } else if (key == "readerfeatures") {
      capabilities.reader_features.insert(values.begin(), values.end());
    } else if (key == "includeendstreamaction") {
      capabilities.include_end_stream_action = !values.empty() && values.front() == "true";
    }
  }
  return capabilities;
}

Result<int64_t> ParseProtocolTimestamp(std::string_view text, std::string_view parameter) {
  auto micros = ParseTimestampMicros(text);
  // A bare date is a valid SQL timestamp but not a protocol one.
  if (!micros.ok() || text.size() <= 10)
    return Status::InvalidArgument("Invalid " + std::string(parameter) + ": " + std::string(text));
  int64_t value = *micros;
  // Floor division: a timestamp before 1970 still rounds down to its millisecond.
  return value >= 0 ? value / 1000 : -((-value + 999) / 1000);
}

Result<bool> ParseQueryBool(std::string_view text, std::string_view parameter) {
  std::string lower = ToLower(text);
  if (lower == "true")
    return true;
  if (lower == "false")
    return false;
  return Status::InvalidArgument(std::string(parameter) + " must be true or false, not '" +
                                 std::string(text) + "'");
}

std::optional<std::string_view> FindParam(const QueryParams& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name)
      return value;
  }
  return std::nullopt;
}

}  // namespace tessera::sharing
