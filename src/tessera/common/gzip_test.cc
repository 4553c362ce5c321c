#include "tessera/common/gzip.h"

#include <zlib.h>

#include <string>

#include <gtest/gtest.h>

#include "tessera/common/random.h"

namespace tessera {
namespace {

std::string Gunzip(const std::string& compressed) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

TEST(GzipTest, RoundTripsThroughZlibsGzipReader) {
  std::string lines;
  for (int i = 0; i < 5000; ++i)
    lines += R"({"file":{"id":")" + std::to_string(i * 7919) + R"(","size":1048576}})" + "\n";
  std::string noise(70000, '\0');
  RandomBytes(noise.data(), noise.size());
  for (const std::string& data : {std::string(), std::string("x"), lines, noise}) {
    for (int level : {1, 6, 9}) {
      std::string compressed = GzipCompress(data, level);
      ASSERT_GE(compressed.size(), 18u);  // header and trailer
      EXPECT_EQ(static_cast<unsigned char>(compressed[0]), 0x1f);
      EXPECT_EQ(static_cast<unsigned char>(compressed[1]), 0x8b);
      EXPECT_EQ(Gunzip(compressed), data);
    }
  }
  EXPECT_LT(GzipCompress(lines).size(), lines.size() / 4);
}

}  // namespace
}  // namespace tessera
