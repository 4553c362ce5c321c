#include "tessera/common/gzip.h"

#include <zlib.h>

#include <algorithm>

#include "tessera/common/logging.h"

namespace tessera {

std::string GzipCompress(std::string_view data, int level) {
  z_stream stream{};
  // windowBits 15 + 16 asks zlib for a gzip header and trailer instead of zlib's own.
  TESSERA_CHECK(deflateInit2(&stream, std::clamp(level, 1, 9), Z_DEFLATED, 15 + 16, 8,
                             Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  // deflateBound guarantees one call finishes (inputs here are far below 4 GB).
  int rc = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  TESSERA_CHECK(rc == Z_STREAM_END);
  out.resize(stream.total_out);
  return out;
}

}  // namespace tessera
