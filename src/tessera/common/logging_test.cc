#include "tessera/common/logging.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(LoggingTest, WritesOnlyEnabledLevels) {
  SetLogLevel(LogLevel::kWarn);
  ::testing::internal::CaptureStderr();
  Log(LogLevel::kInfo, "hidden");
  Log(LogLevel::kError, "shown");
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "tessera error: shown\n");
  SetLogLevel(LogLevel::kDebug);
  ::testing::internal::CaptureStderr();
  Log(LogLevel::kDebug, "now visible");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "tessera debug: now visible\n");
  SetLogLevel(LogLevel::kWarn);
}

TEST(LoggingDeathTest, CheckAbortsWithTheCondition) {
  EXPECT_DEATH(TESSERA_CHECK(1 + 1 == 3), "check failed: 1 \\+ 1 == 3");
}

}  // namespace
}  // namespace tessera
