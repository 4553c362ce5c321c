#include "tessera/federation/file_mounts.h"

#include <glob.h>

#include <filesystem>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"

namespace tessera::federation {
namespace {

constexpr std::string_view kKind = "files";

Result<std::string> FormatOf(std::string_view path) {
  std::string lower = ToLower(path);
  if (EndsWith(lower, ".parquet"))
    return std::string("parquet");
  if (EndsWith(lower, ".csv") || EndsWith(lower, ".csv.gz") || EndsWith(lower, ".tsv"))
    return std::string("csv");
  if (EndsWith(lower, ".json") || EndsWith(lower, ".ndjson") || EndsWith(lower, ".jsonl"))
    return std::string("json");
  return Status::InvalidArgument("cannot tell the format of '" + std::string(path) +
                                 "': give --format parquet|csv|json");
}

std::string Extension(std::string_view format) {
  return format == "csv" ? "csv" : format == "json" ? "json" : "parquet";
}

size_t Matches(const std::string& pattern) {
  // DuckDB's "**" (any depth) is not glob(3)'s; a single level shows the files exist.
  std::string probe = pattern;
  for (size_t at = probe.find("**"); at != std::string::npos; at = probe.find("**"))
    probe.replace(at, 2, "*");
  glob_t found{};
  int rc = ::glob(probe.c_str(), GLOB_NOSORT, nullptr, &found);
  size_t count = rc == 0 ? found.gl_pathc : 0;
  globfree(&found);
  if (count == 0 && probe != pattern) {
    // "dir/**/*.x" also matches "dir/*/*.x" and deeper; try one more level.
    std::string deeper = probe;
    deeper.insert(deeper.rfind('/'), "/*");
    rc = ::glob(deeper.c_str(), GLOB_NOSORT, nullptr, &found);
    count = rc == 0 ? found.gl_pathc : 0;
    globfree(&found);
  }
  return count;
}

}  // namespace

Result<FileSource> ResolveFileSource(std::string_view path, std::string_view format) {
  if (path.empty())
    return Status::InvalidArgument("--files needs a file, a directory or a glob");
  for (char c : path) {
    if (c == '\0' || c == '\n' || c == '\r')
      return Status::InvalidArgument("the files path has control characters");
  }
  std::filesystem::path absolute = std::filesystem::absolute(std::string(path)).lexically_normal();
  std::string text = absolute.string();
  FileSource source;
  std::error_code error;
  bool directory = std::filesystem::is_directory(absolute, error);
  if (!format.empty()) {
    if (format != "parquet" && format != "csv" && format != "json")
      return Status::InvalidArgument("unknown format '" + std::string(format) +
                                     "' (parquet, csv or json)");
    source.format = std::string(format);
  } else if (directory) {
    source.format = "parquet";
  } else {
    TESSERA_ASSIGN_OR_RETURN(source.format, FormatOf(text));
  }
  if (directory) {
    while (text.size() > 1 && text.back() == '/')
      text.pop_back();
    source.root = text;
    source.pattern = text + "/**/*." + Extension(source.format);
  } else {
    size_t wildcard = text.find_first_of("*?[");
    size_t slash = text.rfind('/', wildcard == std::string::npos ? text.size() : wildcard);
    source.root = slash == 0 ? std::string("/") : text.substr(0, slash);
    source.pattern = text;
  }
  // Granted principals may read everything below the root (the session sandbox allows it):
  // never the whole file system.
  if (source.root == "/" || source.root.empty())
    return Status::InvalidArgument("a files mount must lie in a folder below /, not at the root");
  if (Matches(source.pattern) == 0)
    return Status::InvalidArgument("no " + source.format + " files match " + source.pattern);
  return source;
}

Result<Mount> AddFileMount(MountStore& store, std::string_view name, const FileSource& source,
                           std::string_view table) {
  TESSERA_RETURN_NOT_OK(CheckMountName(name));
  TESSERA_RETURN_NOT_OK(CheckMountName(table).WithContext("table name"));
  Mount mount;
  mount.name = std::string(name);
  mount.kind = std::string(kKind);
  mount.profile =
      DumpJson(Json{{"pattern", source.pattern}, {"format", source.format}, {"root", source.root}});
  mount.endpoint = source.pattern;
  mount.tables = {{"", "files", std::string(table)}};
  TESSERA_RETURN_NOT_OK(store.Add(mount));
  return store.Get(name);
}

Result<std::vector<access::ExtensionTable>> FileMounts::Tables() {
  TESSERA_ASSIGN_OR_RETURN(std::vector<Mount> mounts, store_.List());
  std::vector<access::ExtensionTable> tables;
  for (const Mount& mount : mounts) {
    if (mount.kind != kKind)
      continue;
    auto config = ParseJson(mount.profile);
    if (!config.ok())
      return Status::Corruption("files mount " + mount.name + " has a broken configuration");
    auto pattern = JsonOptString(*config, "pattern");
    auto format = JsonOptString(*config, "format");
    auto root = JsonOptString(*config, "root");
    if (!pattern.ok() || !*pattern || !format.ok() || !*format || !root.ok() || !*root)
      return Status::Corruption("files mount " + mount.name + " has a broken configuration");
    std::string reader = **format == "csv"    ? "read_csv"
                         : **format == "json" ? "read_json"
                                              : "read_parquet";
    for (const MountedTable& t : mount.tables) {
      access::ExtensionTable table;
      table.name = {mount.name, t.schema, t.name};
      table.view_sql = "FROM " + reader + "(" + QuoteLiteral(**pattern) + ")";
      table.read_root = **root;
      tables.push_back(std::move(table));
    }
  }
  return tables;
}

}  // namespace tessera::federation
