#include "tessera/delta/retention.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

TEST(ParseIntervalMillisTest, AcceptsDeltaIntervalStrings) {
  constexpr int64_t kWeek = 604800000;
  ASSERT_OK_AND_ASSIGN(int64_t week, ParseIntervalMillis("interval 1 week"));
  EXPECT_EQ(week, kWeek);
  ASSERT_OK_AND_ASSIGN(int64_t days, ParseIntervalMillis("interval 7 days"));
  EXPECT_EQ(days, kWeek);
  ASSERT_OK_AND_ASSIGN(int64_t hours, ParseIntervalMillis("interval 168 hours"));
  EXPECT_EQ(hours, kWeek);
  ASSERT_OK_AND_ASSIGN(int64_t bare, ParseIntervalMillis("  2 HOURS 30 Minutes "));
  EXPECT_EQ(bare, 9000000);
  ASSERT_OK_AND_ASSIGN(int64_t fine, ParseIntervalMillis("interval 1 second 5 milliseconds"));
  EXPECT_EQ(fine, 1005);
  ASSERT_OK_AND_ASSIGN(int64_t micros, ParseIntervalMillis("interval 2500 microseconds"));
  EXPECT_EQ(micros, 2);
  ASSERT_OK_AND_ASSIGN(int64_t zero, ParseIntervalMillis("interval 0 hours"));
  EXPECT_EQ(zero, 0);
}

TEST(ParseIntervalMillisTest, RejectsMalformedIntervals) {
  for (const char* bad : {"", "interval", "interval 7", "interval days 7", "interval 1 month",
                          "interval 1 year", "interval -1 days", "interval 1.5 days",
                          "interval 7 fortnights", "7days", "interval 9223372036854775807 weeks"}) {
    auto parsed = ParseIntervalMillis(bad);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseIntervalMillis("interval 1 month").status().message(),
            "invalid interval 'interval 1 month': unknown unit 'month' (use weeks, days, hours, "
            "minutes, seconds or milliseconds)");
}

TEST(RetentionPropertiesTest, DefaultsAndOverrides) {
  Metadata metadata;
  ASSERT_OK_AND_ASSIGN(int64_t files, DeletedFileRetentionMillis(metadata));
  EXPECT_EQ(files, kDefaultDeletedFileRetentionMillis);
  ASSERT_OK_AND_ASSIGN(auto txns, SetTransactionRetentionMillis(metadata));
  EXPECT_FALSE(txns.has_value());

  metadata.configuration["delta.deletedFileRetentionDuration"] = "interval 2 days";
  metadata.configuration["delta.setTransactionRetentionDuration"] = "interval 3 hours";
  ASSERT_OK_AND_ASSIGN(files, DeletedFileRetentionMillis(metadata));
  EXPECT_EQ(files, 172800000);
  ASSERT_OK_AND_ASSIGN(txns, SetTransactionRetentionMillis(metadata));
  EXPECT_EQ(txns, std::optional<int64_t>(10800000));

  metadata.configuration["delta.deletedFileRetentionDuration"] = "soon";
  auto bad = DeletedFileRetentionMillis(metadata);
  EXPECT_EQ(bad.status().ToString(),
            "InvalidArgument: table property delta.deletedFileRetentionDuration: invalid interval "
            "'soon': every number needs a unit");
}

}  // namespace
}  // namespace tessera::delta
