#include "tessera/common/random.h"

#include <set>

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(RandomUuidTest, IsCanonicalVersion4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string uuid = RandomUuid();
    ASSERT_EQ(uuid.size(), 36u);
    EXPECT_EQ(uuid[8], '-');
    EXPECT_EQ(uuid[13], '-');
    EXPECT_EQ(uuid[14], '4');                                          // version 4
    EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos);  // RFC 4122 variant
    for (char c : uuid)
      EXPECT_TRUE(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << uuid;
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RandomBytesTest, FillsTheWholeBuffer) {
  // 4096 zero bytes surviving a fill has probability 2^-32768: a failure means a real bug.
  std::string buffer(4096, '\0');
  RandomBytes(buffer.data(), buffer.size());
  EXPECT_NE(buffer.find_first_not_of('\0', 4000), std::string::npos);
  EXPECT_NE(buffer.find_first_not_of('\0'), std::string::npos);
}

}  // namespace
}  // namespace tessera
