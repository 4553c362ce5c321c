#include "tessera/products/source_state.h"

#include <sys/stat.h>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"

namespace tessera::products {

std::string SourceState::ToJson() const {
  Json files_json = Json::object();
  for (const auto& [path, stamp] : files)
    files_json[path] = Json{{"size", stamp.size}, {"modified_ms", stamp.modified_ms}};
  Json versions = Json::object();
  for (const auto& [table, version] : remote_versions)
    versions[table] = version;
  return DumpJson(Json{{"files", files_json}, {"remote_versions", versions}});
}

SourceState SourceState::Parse(std::string_view json) {
  SourceState state;
  auto parsed = ParseJson(json);
  if (!parsed.ok() || !parsed->is_object())
    return state;
  if (const Json* files = JsonFind(*parsed, "files"); files != nullptr && files->is_object()) {
    for (const auto& [path, stamp] : files->items()) {
      auto size = JsonOptInt(stamp, "size");
      auto modified = JsonOptInt(stamp, "modified_ms");
      if (!size.ok() || !*size || !modified.ok() || !*modified)
        return {};
      state.files[path] = {**size, **modified};
    }
  }
  if (const Json* versions = JsonFind(*parsed, "remote_versions");
      versions != nullptr && versions->is_object()) {
    for (const auto& [table, version] : versions->items()) {
      if (!version.is_number_integer())
        return {};
      state.remote_versions[table] = version.get<int64_t>();
    }
  }
  return state;
}

Result<std::map<std::string, FileStamp>> StampFiles(engine::Connection& connection,
                                                    const std::string& pattern) {
  TESSERA_ASSIGN_OR_RETURN(
      auto listed,
      connection.QueryScalarString("SELECT string_agg(file, chr(10) ORDER BY file) FROM glob(" +
                                   QuoteLiteral(pattern) + ")"));
  std::map<std::string, FileStamp> files;
  std::string all = listed.value_or("");
  for (size_t start = 0; start < all.size();) {
    size_t end = all.find('\n', start);
    if (end == std::string::npos)
      end = all.size();
    std::string path = all.substr(start, end - start);
    start = end + 1;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
      return Status::IoError("cannot stat " + path + " (it went away while listed?)");
    files[path] = {static_cast<int64_t>(info.st_size),
                   static_cast<int64_t>(info.st_mtim.tv_sec) * 1000 +
                       static_cast<int64_t>(info.st_mtim.tv_nsec) / 1'000'000};
  }
  return files;
}

}  // namespace tessera::products
