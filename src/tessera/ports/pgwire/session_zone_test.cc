#include "tessera/ports/pgwire/session_zone.h"

#include <string>

#include <gtest/gtest.h>

#include "tessera/ports/pgwire/wire_values.h"
#include "tessera/testing/test_util.h"

namespace tessera::ports::pgwire {
namespace {

constexpr int64_t kSecond = 1000000;

TEST(CanonicalZoneNameTest, MatchesCaseInsensitivelyAndRefusesUnknownNames) {
  EXPECT_EQ(CanonicalZoneName("europe/berlin").value(), "Europe/Berlin");
  EXPECT_EQ(CanonicalZoneName("UTC").value(), "UTC");
  EXPECT_EQ(CanonicalZoneName("america/NEW_YORK").value(), "America/New_York");
  Result<std::string> unknown = CanonicalZoneName("Mars/Olympus_Mons");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("\"Mars/Olympus_Mons\""), std::string::npos);
  EXPECT_FALSE(CanonicalZoneName("").ok());
}

TEST(SessionZoneTest, OffsetsFollowDaylightSavingAndHistory) {
  ASSERT_OK_AND_ASSIGN(auto berlin, SessionZone::Open("Europe/Berlin"));
  EXPECT_FALSE(berlin->is_utc());
  // 2024-01-15 12:00 UTC: CET; 2024-07-15 12:00 UTC: CEST.
  EXPECT_EQ(berlin->OffsetSecondsAt(1705320000 * kSecond), 3600);
  EXPECT_EQ(berlin->OffsetSecondsAt(1721044800 * kSecond), 7200);
  // The switch on 2024-03-31 01:00 UTC, one microsecond either side.
  EXPECT_EQ(berlin->OffsetSecondsAt(1711846800 * kSecond - 1), 3600);
  EXPECT_EQ(berlin->OffsetSecondsAt(1711846800 * kSecond), 7200);
  // Before standard time (1893): local mean time, +00:53:28.
  EXPECT_EQ(berlin->OffsetSecondsAt(-3786825600 * kSecond), 3208);
  ASSERT_OK_AND_ASSIGN(auto kolkata, SessionZone::Open("Asia/Kolkata"));
  EXPECT_EQ(kolkata->OffsetSecondsAt(0), 19800);
  ASSERT_OK_AND_ASSIGN(auto utc, SessionZone::Open("Etc/UTC"));
  EXPECT_TRUE(utc->is_utc());
  EXPECT_EQ(utc->OffsetSecondsAt(1721044800 * kSecond), 0);
}

TEST(SessionZoneTest, TimestamptzTextCarriesTheOffsetBeforeBc) {
  std::string out;
  AppendTimestampTzText(out, 1709214330 * kSecond + 500000, 3600);
  EXPECT_EQ(out, "2024-02-29 14:45:30.5+01");
  out.clear();
  AppendTimestampTzText(out, -3786825600 * kSecond, 3208);
  EXPECT_EQ(out, "1850-01-01 00:53:28+00:53:28");
  out.clear();
  AppendTimestampTzText(out, 0, -34200);
  EXPECT_EQ(out, "1969-12-31 14:30:00-09:30");
  out.clear();
  // 0044-03-15 12:00 BC UTC (proleptic Gregorian), at +01.
  AppendTimestampTzText(out, -63517780800 * kSecond, 3600);
  EXPECT_EQ(out, "0044-03-15 13:00:00+01 BC");
  out.clear();
  AppendTimestampTzText(out, std::numeric_limits<int64_t>::max(), 3600);
  EXPECT_EQ(out, "infinity");
}

}  // namespace
}  // namespace tessera::ports::pgwire
