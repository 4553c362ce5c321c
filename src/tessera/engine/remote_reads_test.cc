#include "tessera/engine/remote_reads.h"

#include <thread>

#include <gtest/gtest.h>

namespace tessera::engine {
namespace {

TEST(ScopedRemoteReadsTest, PinsApplyToTheirTablesOnThisThreadAndNest) {
  EXPECT_EQ(ScopedRemoteReads::For("east.h1.flights"), nullptr);
  {
    ScopedRemoteReads outer({{"east.h1.flights", RemoteRead{4, std::nullopt}}});
    ASSERT_NE(ScopedRemoteReads::For("east.h1.flights"), nullptr);
    EXPECT_EQ(ScopedRemoteReads::For("east.h1.flights")->version, 4);
    EXPECT_EQ(ScopedRemoteReads::For("west.h2.flights"), nullptr);
    // Another thread sees none of them.
    bool seen = true;
    std::thread([&seen] { seen = ScopedRemoteReads::For("east.h1.flights") != nullptr; }).join();
    EXPECT_FALSE(seen);
    {
      ScopedRemoteReads inner({{"east.h1.flights", RemoteRead{6, 4}}});
      EXPECT_EQ(ScopedRemoteReads::For("east.h1.flights")->version, 6);
      EXPECT_EQ(ScopedRemoteReads::For("east.h1.flights")->appended_after, 4);
    }
    EXPECT_EQ(ScopedRemoteReads::For("east.h1.flights")->version, 4);
    EXPECT_FALSE(ScopedRemoteReads::For("east.h1.flights")->appended_after.has_value());
  }
  EXPECT_EQ(ScopedRemoteReads::For("east.h1.flights"), nullptr);
}

}  // namespace
}  // namespace tessera::engine
