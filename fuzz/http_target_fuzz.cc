// Feeds arbitrary request targets to the HTTP port's target parser, twice into the same storage
// as a connection does request after request, and the `/files/` ones to the signed URL check.
// None may crash, read out of bounds or leave the first target's fields in the second's.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/ports/http/request.h"
#include "tessera/sharing/file_urls.h"

namespace http = tessera::ports::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const tessera::sharing::FileUrlSigner signer("fuzz secret");
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view first = input.substr(0, newline);
  std::string_view second = newline == std::string_view::npos ? "" : input.substr(newline + 1);
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  for (std::string_view target : {first, second}) {
    tessera::Status parsed = http::ParseTarget(target, path, query);
    tessera::Result<http::Target> fresh = http::ParseTarget(target);
    // Reused storage must give what a fresh parse gives.
    if (parsed.ok() != fresh.ok() ||
        (parsed.ok() && (path != fresh->path || query != fresh->query)))
      std::abort();
    if (parsed.ok() && path.rfind("/files/", 0) == 0)
      (void)signer.Verify(std::string_view(path).substr(7), query);
  }
  return 0;
}
