#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "tessera/common/status.h"
#include "tessera/ports/http/request.h"
#include "tessera/ports/http/response_writer.h"

namespace tessera::ports::http {

/// A regular file to answer a GET or HEAD with. Plain value; does not own `fd`.
struct FileToServe {
  int fd = -1;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
};

/// The byte range a `Range` header asks of a file of `size` bytes: nullopt for no header, a
/// malformed one, or several ranges (RFC 9110 lets a server answer those with the whole file);
/// {-1, -1} when the range cannot be satisfied. Otherwise the first and last byte (inclusive).
std::optional<std::pair<int64_t, int64_t>> ParseByteRange(std::string_view header, int64_t size);

/// Answer `request` with `file` (Content-Type `content_type`): `Accept-Ranges: bytes`, a strong
/// `ETag` and `Last-Modified`; a single `Range` gives 206 with `Content-Range`, an unsatisfiable
/// one 416; `If-None-Match` with the ETag gives 304; an `If-Range` that does not match sends the
/// whole file. The body goes out with sendfile. Return the number of body bytes sent (0 for HEAD
/// and 304/416) or the writer's error.
Result<int64_t> ServeFile(const Request& request, ResponseWriter& writer, const FileToServe& file,
                          std::string_view content_type);

}  // namespace tessera::ports::http
