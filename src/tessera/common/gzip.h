#pragma once

#include <string>
#include <string_view>

namespace tessera {

/// Compress `data` into the gzip format (RFC 1952), as HTTP's `Content-Encoding: gzip` sends it.
/// `level` is zlib's: 1 is fastest, 9 smallest. Thread-safe.
std::string GzipCompress(std::string_view data, int level = 1);

}  // namespace tessera
