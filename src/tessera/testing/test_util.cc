#include "tessera/testing/test_util.h"

#include <cstdlib>
#include <fstream>

#include "tessera/common/logging.h"
#include "tessera/common/random.h"

namespace tessera::testing {

TempDir::TempDir()
    : path_(std::filesystem::temp_directory_path() / ("tessera-test-" + RandomUuid())) {
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path SourceDir() {
  const char* env = std::getenv("TESSERA_SOURCE_DIR");
  TESSERA_CHECK(env != nullptr);
  return env;
}

std::filesystem::path DeltaFixturesDir() {
  const char* env = std::getenv("TESSERA_FIXTURES_DIR");
  if (env != nullptr)
    return env;
  return SourceDir().parent_path() / "shared" / "fixtures" / "delta";
}

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  TESSERA_CHECK(out.good());
}

}  // namespace tessera::testing
