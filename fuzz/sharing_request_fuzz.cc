// Feeds arbitrary bytes to every parser of Delta Sharing client input: the query body, the
// changes and list query strings, the capabilities header, protocol timestamps and signed
// page/refresh tokens. None may crash, hang or read out of bounds, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tessera/common/strings.h"
#include "tessera/sharing/protocol_request.h"
#include "tessera/sharing/signed_token.h"

namespace sharing = tessera::sharing;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      (void)sharing::ParseQueryRequest(input);
      break;
    case 1: {
      // A query string: name=value pairs separated by '&'.
      sharing::QueryParams params;
      for (const std::string& pair : tessera::Split(input, '&')) {
        size_t equals = pair.find('=');
        if (equals == std::string::npos)
          params.emplace_back(pair, "");
        else
          params.emplace_back(pair.substr(0, equals), pair.substr(equals + 1));
      }
      (void)sharing::ParseChangesRequest(params);
      (void)sharing::ParseListRequest(params);
      break;
    }
    case 2:
      (void)sharing::ParseCapabilities(input);
      break;
    case 3:
      (void)sharing::ParseProtocolTimestamp(input, "timestamp");
      break;
    case 4:
      (void)sharing::DecodeSignedToken("key", "page token", input);
      break;
  }
  return 0;
}
