#include "tessera/sharing/protocol_request.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::sharing {
namespace {

void ExpectInvalid(std::string_view body, std::string_view message) {
  auto parsed = ParseQueryRequest(body);
  ASSERT_FALSE(parsed.ok()) << body;
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << body;
  EXPECT_NE(parsed.status().message().find(message), std::string::npos)
      << body << " -> " << parsed.status().message();
}

TEST(ParseQueryRequestTest, EmptyBodyIsAnEmptyObject) {
  for (std::string_view body : {"", " \n", "{}"}) {
    ASSERT_OK_AND_ASSIGN(QueryRequest request, ParseQueryRequest(body));
    EXPECT_FALSE(request.version);
    EXPECT_TRUE(request.predicate_hints.empty());
  }
}

TEST(ParseQueryRequestTest, ReadsEveryFieldAndNumericStrings) {
  ASSERT_OK_AND_ASSIGN(
      QueryRequest request,
      ParseQueryRequest(R"({"predicateHints":["a = 1"],"jsonPredicateHints":"{\"op\":\"and\"}",)"
                        R"("limitHint":"100","version":3,"maxFiles":"2","unknown":{"x":1},)"
                        R"("pageToken":null})"));
  EXPECT_EQ(request.predicate_hints, std::vector<std::string>{"a = 1"});
  EXPECT_EQ(request.json_predicate_hints, R"({"op":"and"})");
  EXPECT_EQ(request.limit_hint, 100);
  EXPECT_EQ(request.version, 3);
  EXPECT_EQ(request.max_files, 2);
  EXPECT_FALSE(request.page_token);
  ASSERT_OK_AND_ASSIGN(request, ParseQueryRequest(R"({"startingVersion":"1","endingVersion":4,)"
                                                  R"("includeHistoricalProtocol":"True"})"));
  EXPECT_EQ(request.starting_version, 1);
  EXPECT_EQ(request.ending_version, 4);
  EXPECT_TRUE(request.include_historical_protocol);
  ASSERT_OK_AND_ASSIGN(request, ParseQueryRequest(R"({"includeRefreshToken":true,)"
                                                  R"("idempotency_key":"k"})"));
  EXPECT_TRUE(request.include_refresh_token);
}

TEST(ParseQueryRequestTest, RefusesWhatTheReferenceServerRefuses) {
  ExpectInvalid("{", "malformed request body");
  ExpectInvalid("[]", "must be a JSON object");
  ExpectInvalid(R"({"predicateHints":{}})", "Expected an array for repeated field predicateHints");
  ExpectInvalid(R"({"version":"x3"})", "Not a numeric value: x3");
  ExpectInvalid(R"({"version":1.5})", "must be a number");
  ExpectInvalid(R"({"version":1,"timestamp":"2024-01-01T00:00:00Z"})",
                "Please only provide one of");
  ExpectInvalid(R"({"version":-1})", "table version cannot be negative.");
  ExpectInvalid(R"({"startingVersion":-1})", "startingVersion cannot be negative.");
  ExpectInvalid(R"({"maxFiles":0})", "maxFiles must be positive.");
  ExpectInvalid(R"({"maxFiles":99999999999})", "Not an int32 value");
  ExpectInvalid(R"({"startingVersion":3,"endingVersion":2})",
                "startingVersion(3) must be smaller than or equal to endingVersion(2).");
  ExpectInvalid(R"({"version":1,"includeRefreshToken":true})",
                "cannot be used when querying a specific version.");
  ExpectInvalid(R"({"pageToken":"p","refreshToken":"r"})",
                "must be used in the first page request.");
  ExpectInvalid(R"({"version":18446744073709551615})", "out of range");
}

TEST(ParseQueryRequestTest, FingerprintIgnoresPagingFields) {
  ASSERT_OK_AND_ASSIGN(QueryRequest first, ParseQueryRequest(R"({"version":1,"maxFiles":2})"));
  ASSERT_OK_AND_ASSIGN(QueryRequest next,
                       ParseQueryRequest(R"({"version":1,"maxFiles":5,"pageToken":"t"})"));
  ASSERT_OK_AND_ASSIGN(QueryRequest other, ParseQueryRequest(R"({"version":2,"maxFiles":2})"));
  EXPECT_EQ(first.PagingFingerprint(), next.PagingFingerprint());
  EXPECT_NE(first.PagingFingerprint(), other.PagingFingerprint());
}

TEST(ParseChangesRequestTest, ReadsTheRangeAndItsFlags) {
  ASSERT_OK_AND_ASSIGN(ChangesRequest request,
                       ParseChangesRequest({{"startingVersion", "1"},
                                            {"endingTimestamp", "2024-01-01T00:00:00Z"},
                                            {"includeHistoricalMetadata", "True"},
                                            {"maxFiles", "10"}}));
  EXPECT_EQ(request.starting_version, 1);
  EXPECT_EQ(request.ending_timestamp, "2024-01-01T00:00:00Z");
  EXPECT_TRUE(request.include_historical_metadata);
  EXPECT_EQ(request.max_files, 10);
}

TEST(ParseChangesRequestTest, RefusesBadRanges) {
  auto message = [](const QueryParams& params) {
    auto parsed = ParseChangesRequest(params);
    return parsed.ok() ? std::string("ok") : parsed.status().message();
  };
  EXPECT_EQ(message({}), "No startingVersion or startingTimestamp provided for CDF read.");
  EXPECT_NE(message({{"startingVersion", "1"}, {"startingTimestamp", "x"}})
                .find("Multiple starting arguments provided for CDF read."),
            std::string::npos);
  EXPECT_NE(message({{"startingVersion", "1"}, {"endingVersion", "2"}, {"endingTimestamp", "x"}})
                .find("Multiple ending arguments"),
            std::string::npos);
  EXPECT_EQ(message({{"startingVersion", "2"}, {"endingVersion", "1"}}),
            "CDF range from start 2 to end 1 was invalid. End cannot be before start.");
  EXPECT_NE(message({{"startingVersion", "abc"}}).find("expected a number"), std::string::npos);
  EXPECT_EQ(message({{"startingVersion", "-1"}}), "startingVersion cannot be negative.");
  EXPECT_NE(message({{"startingVersion", "1"}, {"includeHistoricalMetadata", "yes"}})
                .find("must be true or false"),
            std::string::npos);
}

TEST(ParseListRequestTest, BoundsMaxResults) {
  ASSERT_OK_AND_ASSIGN(ListRequest request, ParseListRequest({}));
  EXPECT_EQ(request.max_results, 500);
  ASSERT_OK_AND_ASSIGN(request, ParseListRequest({{"maxResults", "0"}, {"pageToken", "t"}}));
  EXPECT_EQ(request.max_results, 0);
  EXPECT_EQ(request.page_token, "t");
  EXPECT_FALSE(ParseListRequest({{"maxResults", "501"}}).ok());
  EXPECT_FALSE(ParseListRequest({{"maxResults", "-1"}}).ok());
  auto bad = ParseListRequest({{"maxResults", "ten"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("expected a number"), std::string::npos);
}

TEST(ParseCapabilitiesTest, ReadsFormatsFeaturesAndEndStream) {
  Capabilities none = ParseCapabilities(std::nullopt);
  EXPECT_TRUE(none.response_formats.empty());
  Capabilities caps = ParseCapabilities(
      "responseformat=Delta,parquet; readerfeatures=deletionVectors,columnMapping;"
      "includeendstreamaction=TRUE;junk;asyncquery=true");
  EXPECT_EQ(caps.response_formats, (std::set<std::string>{"delta", "parquet"}));
  EXPECT_EQ(caps.reader_features, (std::set<std::string>{"deletionvectors", "columnmapping"}));
  EXPECT_TRUE(caps.include_end_stream_action);
}

TEST(ParseProtocolTimestampTest, AcceptsOffsetsAndRefusesGarbage) {
  ASSERT_OK_AND_ASSIGN(int64_t ms, ParseProtocolTimestamp("2022-01-01T00:00:00Z", "timestamp"));
  EXPECT_EQ(ms, 1640995200000);
  ASSERT_OK_AND_ASSIGN(ms, ParseProtocolTimestamp("2021-12-31T16:00:00.5-08:00", "timestamp"));
  EXPECT_EQ(ms, 1640995200500);
  auto bad = ParseProtocolTimestamp("yesterday", "startingTimestamp");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "Invalid startingTimestamp: yesterday");
  EXPECT_FALSE(ParseProtocolTimestamp("2022-01-01", "timestamp").ok());
}

}  // namespace
}  // namespace tessera::sharing
