#include "tessera/products/semver.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::products {
namespace {

TEST(SemverTest, ParsesAndPrints) {
  ASSERT_OK_AND_ASSIGN(Semver v, ParseSemver("1.22.3"));
  EXPECT_EQ(v.major, 1);
  EXPECT_EQ(v.minor, 22);
  EXPECT_EQ(v.patch, 3);
  EXPECT_EQ(v.ToString(), "1.22.3");
  ASSERT_OK_AND_ASSIGN(v, ParseSemver("2.0.0-rc.1"));
  EXPECT_EQ(v.prerelease, "rc.1");
  EXPECT_EQ(v.ToString(), "2.0.0-rc.1");
}

TEST(SemverTest, RejectsWhatIsNotAVersion) {
  for (const char* bad : {"", "1", "1.0", "1.0.0.0", "01.0.0", "1.0.x", "v1.0.0", "1.0.0-",
                          "1.0.0-a..b", "1.0.0+build", "-1.0.0", "1.0.0-01"}) {
    EXPECT_EQ(ParseSemver(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(SemverTest, OrdersByPrecedence) {
  // semver.org §11's own example chain.
  const char* chain[] = {"1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                         "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
                         "1.0.1",        "1.2.0",         "1.10.0",           "2.0.0"};
  for (size_t i = 0; i + 1 < std::size(chain); ++i) {
    ASSERT_OK_AND_ASSIGN(Semver a, ParseSemver(chain[i]));
    ASSERT_OK_AND_ASSIGN(Semver b, ParseSemver(chain[i + 1]));
    EXPECT_TRUE(a < b) << chain[i] << " < " << chain[i + 1];
    EXPECT_FALSE(b < a) << chain[i + 1] << " < " << chain[i];
  }
}

}  // namespace
}  // namespace tessera::products
