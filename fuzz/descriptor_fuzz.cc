// Feeds arbitrary bytes to the product descriptor parser (yaml-cpp underneath): every input must
// give a descriptor or a kInvalidArgument with a position, never a crash, an uncaught exception
// or unbounded recursion (hostile YAML nests deeply and aliases itself).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tessera/products/descriptor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = tessera::products::ParseDescriptor(text, "fuzz.yaml", "/base");
  if (!parsed.ok()) {
    if (parsed.status().code() != tessera::StatusCode::kInvalidArgument ||
        parsed.status().message().rfind("fuzz.yaml:", 0) != 0) {
      std::abort();  // every refusal is a positioned descriptor error
    }
    return 0;
  }
  // What parsed must hold what the parser promises: identifiers and known types.
  if (parsed->tables.empty() || parsed->domain.empty() || parsed->name.empty())
    std::abort();
  return 0;
}
