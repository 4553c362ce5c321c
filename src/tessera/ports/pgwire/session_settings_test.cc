#include "tessera/ports/pgwire/session_settings.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::ports::pgwire {
namespace {

SessionSettings Make(const std::map<std::string, std::string>& startup) {
  return SessionSettings(startup, "15.0", "alice", false);
}

TEST(SessionSettingsTest, TimeZoneTakesAnyZoneSpelledCanonically) {
  SessionSettings settings = Make({});
  EXPECT_EQ(settings.Show("timezone").value(), "UTC");
  ASSERT_OK(settings.Set("TimeZone", "'america/new_york'"));
  EXPECT_EQ(settings.Show("TimeZone").value(), "America/New_York");
  ASSERT_OK(settings.Set("timezone", "+00:00"));
  EXPECT_EQ(settings.Show("TimeZone").value(), "UTC");
  Status bad = settings.Set("timezone", "Nowhere/Land");
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(settings.Show("TimeZone").value(), "UTC");
  ASSERT_OK(settings.Set("timezone", "Europe/Paris"));
  ASSERT_OK(settings.Set("timezone", "LOCAL"));
  EXPECT_EQ(settings.Show("TimeZone").value(), "UTC");
}

TEST(SessionSettingsTest, StartupParametersAndOptions) {
  SessionSettings settings = Make({{"TimeZone", "Europe/Berlin"},
                                   {"options", "-c statement_timeout=2s -c TimeZone=Asia/Tokyo"},
                                   {"application_name", "psql"}});
  EXPECT_EQ(settings.statement_timeout_ms(), 2000);
  EXPECT_EQ(settings.Show("application_name").value(), "psql");
  // The parameters are taken in name order, so options (lower case) come after TimeZone.
  EXPECT_EQ(settings.Show("TimeZone").value(), "Asia/Tokyo");
  // A startup value that cannot be honoured keeps the default instead of failing the login.
  SessionSettings lenient = Make({{"TimeZone", "Nowhere/Land"}, {"client_encoding", "LATIN1"}});
  EXPECT_EQ(lenient.Show("TimeZone").value(), "UTC");
  EXPECT_EQ(lenient.Show("client_encoding").value(), "UTF8");
}

}  // namespace
}  // namespace tessera::ports::pgwire
