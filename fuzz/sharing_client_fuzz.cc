// Feeds arbitrary bytes to what the Delta Sharing client reads from servers it does not trust:
// `.share` profiles and query answers (NDJSON). Both must answer every input with a value or
// an error, never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tessera/sharing/profile.h"
#include "tessera/sharing/sharing_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)tessera::sharing::ParseProfile(input);
  auto snapshot = tessera::sharing::ParseQueryAnswer(input, "fuzz");
  if (snapshot.ok()) {
    // A parsed answer holds only what was asked for: one snapshot's files with sizes >= 0.
    for (const auto& file : snapshot->files) {
      if (file.size < 0 || file.id.empty())
        __builtin_trap();
    }
  }
  return 0;
}
