// Feeds arbitrary bytes to the jsonPredicateHints parser and, when they parse, binds the
// predicate to a table with columns of every comparable type and evaluates it against files
// whose partition values and statistics also come from the input. Nothing may crash, hang, or
// recurse without bound (hostile hints nest deeply).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "tessera/delta/snapshot.h"
#include "tessera/sharing/predicate_hints.h"
#include "tessera/storage/local_storage.h"

namespace sharing = tessera::sharing;

namespace {

std::shared_ptr<const tessera::delta::Snapshot> g_snapshot;

// A one-commit Delta table, written once per process: the fuzzer needs a schema to bind to.
void MakeTable() {
  std::string dir = std::filesystem::temp_directory_path() /
                    ("tessera-predicate-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir + "/_delta_log");
  std::string schema =
      R"({\"type\":\"struct\",\"fields\":[)"
      R"({\"name\":\"i\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}},)"
      R"({\"name\":\"l\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},)"
      R"({\"name\":\"d\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}},)"
      R"({\"name\":\"s\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}},)"
      R"({\"name\":\"day\",\"type\":\"date\",\"nullable\":true,\"metadata\":{}},)"
      R"({\"name\":\"ts\",\"type\":\"timestamp\",\"nullable\":true,\"metadata\":{}},)"
      R"({\"name\":\"b\",\"type\":\"boolean\",\"nullable\":true,\"metadata\":{}},)"
      R"({\"name\":\"p\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]})";
  std::ofstream out(dir + "/_delta_log/00000000000000000000.json");
  out << R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
      << "\n"
      << R"({"metaData":{"id":"fuzz","format":{"provider":"parquet","options":{}},)"
      << R"("schemaString":")" << schema << R"(","partitionColumns":["p"],"configuration":{}}})"
      << "\n";
  out.close();
  auto snapshot = tessera::delta::Snapshot::Load(tessera::storage::LocalStorage::Instance(),
                                                 nullptr, dir, std::nullopt);
  if (!snapshot.ok())
    std::abort();
  g_snapshot = *snapshot;
  std::filesystem::remove_all(dir);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!g_snapshot)
    MakeTable();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The predicate first, then (after a NUL) stats JSON, then a partition value.
  size_t cut = input.find('\0');
  std::string_view predicate_text = input.substr(0, cut);
  auto predicate = sharing::ParseJsonPredicate(predicate_text);
  if (!predicate.ok())
    return 0;
  sharing::FileFilter filter = sharing::FileFilter::Bind(*predicate, *g_snapshot);
  std::string rest = cut == std::string_view::npos ? "" : std::string(input.substr(cut + 1));
  size_t second = rest.find('\0');
  tessera::delta::AddFile file;
  file.stats = rest.substr(0, second);
  if (second != std::string::npos)
    file.partition_values["p"] = rest.substr(second + 1);
  else
    file.partition_values["p"] = std::nullopt;
  (void)filter.MayMatch(file);
  file.stats.reset();
  (void)filter.MayMatch(file);
  return 0;
}
