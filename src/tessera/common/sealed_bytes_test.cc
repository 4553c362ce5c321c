#include "tessera/common/sealed_bytes.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/common/random.h"

namespace tessera {
namespace {

std::string Noise(size_t size) {
  std::string data(size, '\0');
  RandomBytes(data.data(), data.size());
  return data;
}

std::string ReadAll(int fd, size_t size) {
  std::string out(size + 1, '\0');
  ssize_t n = ::pread(fd, out.data(), out.size(), 0);
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

TEST(SealedBytesTest, KeepsSmallBytesInMemory) {
  for (const std::string& data : {std::string(), std::string("x"), Noise(1000)}) {
    auto bytes = SealedBytes::Create(data);
    EXPECT_EQ(bytes->view(), data);
    EXPECT_EQ(bytes->size(), data.size());
    EXPECT_EQ(bytes->fd(), -1);
  }
}

TEST(SealedBytesTest, PutsBigBytesInASealedFile) {
  std::string data = Noise(SealedBytes::kMinFileBytes * 3 + 17);
  auto bytes = SealedBytes::Create(data);
  EXPECT_EQ(bytes->view(), data);
  ASSERT_GE(bytes->fd(), 0);
  EXPECT_EQ(ReadAll(bytes->fd(), data.size()), data);
  // Nobody may change what readers map and sockets send.
  EXPECT_LT(::pwrite(bytes->fd(), "y", 1, 0), 0);
  EXPECT_LT(::ftruncate(bytes->fd(), 1), 0);
  EXPECT_LT(::pwrite(bytes->fd(), "y", 1, static_cast<off_t>(data.size())), 0);
  EXPECT_EQ(bytes->view(), data);
}

TEST(SealedBytesTest, FallsBackToMemoryBeyondTheFileLimit) {
  std::string data = Noise(SealedBytes::kMinFileBytes);
  std::vector<std::shared_ptr<const SealedBytes>> held;
  for (int i = 0; i < SealedBytes::kMaxFiles; ++i)
    held.push_back(SealedBytes::Create(data));
  auto extra = SealedBytes::Create(data);
  EXPECT_EQ(extra->fd(), -1);
  EXPECT_EQ(extra->view(), data);
  // Files come back as their holders go.
  held.clear();
  auto again = SealedBytes::Create(data);
  EXPECT_GE(again->fd(), 0);
  EXPECT_EQ(again->view(), data);
}

}  // namespace
}  // namespace tessera
