#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tessera/cli/args.h"
#include "tessera/cli/commands.h"
#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/engine/data_dir.h"
#include "tessera/federation/file_mounts.h"
#include "tessera/federation/mount_store.h"
#include "tessera/federation/postgres_mounts.h"
#include "tessera/federation/share_mounts.h"

namespace tessera::cli {
namespace {

constexpr const char* kMountUsage =
    R"(Usage: tessera mount <subcommand> [arguments] [options]

A mount makes data from elsewhere queryable on this node, on every SQL port, joinable with
local tables. A Delta Sharing mount (another node's share, or any Delta Sharing server's) shows
every table the profile's recipient can read as <mount>.<schema>.<table>; queries fetch the
table's current files from the server and cache them under <data-dir>/cache/shares/<mount>/
(by file id; a file is fetched once). A files mount shows Parquet, CSV or JSON files where they
lie as <mount>.files.<table>. Principals other than admins need a grant:
tessera principal grant NAME <mount>[.<schema>[.<table>]].

Subcommands:
  add NAME --profile FILE.share [--ca-file CA.pem]
                                   check the profile, list its tables, and mount them;
                                   --ca-file verifies a server whose certificate a private CA
                                   signed (kept with the mount)
  add NAME --postgres CONNINFO    a PostgreSQL database: every table and view outside the
                                   system schemas as <mount>.<schema>.<table>, read when
                                   queried (the query's simple filters run in PostgreSQL).
                                   CONNINFO is libpq's: "host=db port=5432 dbname=app
                                   user=reader password=..." or a postgresql:// URL; it is
                                   kept in the catalog, listings never show the password
  add NAME --files PATH [--format parquet|csv|json] [--table T]
                                   a file, a directory (every file of the format below it) or a
                                   glob ("/data/*.csv"); the table is T (default "data")
  list [--json]                    every mount (endpoints; tokens are never shown)
  show NAME [--json]               a mount's tables
  refresh NAME                     list the server's tables again
  remove NAME                      forget a mount (and its cached files)

Options: --data-dir DIR (default ./tessera-data), --timeout SECONDS (server requests, default
60; given to add, it is kept with the mount and bounds its queries too, so a hung server fails
within it), --ca-file CA.pem (add, refresh), --help.
Example:
  tessera mount add east --profile east.share
  tessera mount add landing --files '/data/landing/*.csv' --table orders
  tessera sql "SELECT count(*) FROM east.flights.h1"   # or over psql, POST /api/v1/sql
)";

Json MountJson(const federation::Mount& mount, bool with_tables) {
  Json json = {{"name", mount.name},
               {"kind", mount.kind},
               {"endpoint", mount.endpoint},
               {"tables", static_cast<int64_t>(mount.tables.size())},
               {"created", FormatIso8601Millis(mount.created_ms)},
               {"refreshed", FormatIso8601Millis(mount.refreshed_ms)}};
  if (mount.timeout_seconds > 0)
    json["timeout_seconds"] = mount.timeout_seconds;
  if (with_tables) {
    Json tables = Json::array();
    for (const auto& t : mount.tables) {
      Json table = {{"name", mount.name + "." + t.schema + "." + t.name}};
      if (mount.kind == "sharing")
        table["remote"] = t.share + "." + t.schema + "." + t.name;
      else if (mount.kind == "postgres")
        table["remote"] = t.schema + "." + t.name;
      else
        table["files"] = mount.endpoint;
      tables.push_back(table);
    }
    json["tables"] = tables;
  }
  return json;
}

void PrintTables(const federation::Mount& mount) {
  bool shared = mount.kind == "sharing";
  bool postgres = mount.kind == "postgres";
  std::printf(
      "%-48s  %s\n", "table",
      shared ? "remote (share.schema.table)" : (postgres ? "remote (schema.table)" : "files"));
  for (const auto& t : mount.tables) {
    std::string remote = shared     ? t.share + "." + t.schema + "." + t.name
                         : postgres ? t.schema + "." + t.name
                                    : mount.endpoint;
    std::printf("%-48s  %s\n", (mount.name + "." + t.schema + "." + t.name).c_str(),
                remote.c_str());
  }
}

// Report the outcome of `mount add`: the mount and its tables, or the error (a usage error, exit
// 2, when the input was malformed).
int ReportAdded(const std::string& name, const Result<federation::Mount>& added,
                const std::string& what) {
  if (!added.ok())
    return Fail("mount add " + name, added.status(),
                added.status().code() == StatusCode::kInvalidArgument);
  std::printf("mounted %s: %s\n", name.c_str(), what.c_str());
  PrintTables(*added);
  return 0;
}

std::string TablesFrom(const Result<federation::Mount>& added) {
  return added.ok() ? std::to_string(added->tables.size()) + " table(s) from " + added->endpoint
                    : "";
}

int ExpectedArgs(const std::string& sub) {
  if (sub == "list")
    return 0;
  if (sub == "add" || sub == "show" || sub == "refresh" || sub == "remove")
    return 1;
  return -1;
}

}  // namespace

int MountCommand(const std::vector<std::string>& argv) {
  auto args = ParseArgs(
      argv, {"data-dir", "profile", "timeout", "files", "format", "table", "ca-file", "postgres"},
      {"help", "json"});
  if (!args.ok())
    return Fail("mount", args.status(), true);
  if (args->Flag("help") || args->positional.empty()) {
    std::fputs(kMountUsage, args->Flag("help") ? stdout : stderr);
    return args->Flag("help") ? 0 : 2;
  }
  const std::string sub = args->positional[0];
  int expected = ExpectedArgs(sub);
  if (expected < 0) {
    return Fail(
        "mount",
        Status::InvalidArgument("unknown subcommand '" + sub + "' (see tessera mount --help)"),
        true);
  }
  if (static_cast<int>(args->positional.size()) != expected + 1) {
    return Fail("mount " + sub,
                Status::InvalidArgument("expected " + std::to_string(expected) +
                                        " argument(s), see tessera mount --help"),
                true);
  }
  sharing::SharingClientOptions options;
  int64_t timeout_seconds = 0;  // kept with a new mount: its queries' bound too
  if (auto timeout = args->Option("timeout")) {
    auto seconds = ParseInt64(*timeout);
    if (!seconds.ok() || *seconds <= 0 || *seconds > 86400)
      return Fail("mount", Status::InvalidArgument("--timeout takes seconds (1..86400)"), true);
    options.request_timeout = std::chrono::seconds(*seconds);
    timeout_seconds = *seconds;
  }
  if (auto ca = args->Option("ca-file")) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(*ca, error))
      return Fail("mount", Status::InvalidArgument("--ca-file: no such file " + *ca), true);
    // Kept with the mount and read by the node later: an absolute path.
    options.ca_file = std::filesystem::absolute(*ca).string();
  }
  std::string data_dir = args->Option("data-dir").value_or("./tessera-data");
  auto store = federation::MountStore::Open(data_dir);
  if (!store.ok())
    return Fail("opening the mount store", store.status());
  federation::MountStore& mounts = **store;
  bool json = args->Flag("json");

  if (sub == "list") {
    auto all = mounts.List();
    if (!all.ok())
      return Fail("mount list", all.status());
    if (json) {
      Json out = Json::array();
      for (const auto& mount : *all)
        out.push_back(MountJson(mount, false));
      std::puts(out.dump(1).c_str());
      return 0;
    }
    std::printf("%-24s  %-8s  %6s  %s\n", "name", "kind", "tables", "endpoint");
    for (const auto& mount : *all) {
      std::printf("%-24s  %-8s  %6zu  %s\n", mount.name.c_str(), mount.kind.c_str(),
                  mount.tables.size(), mount.endpoint.c_str());
    }
    return 0;
  }
  const std::string& name = args->positional[1];
  if (sub == "add") {
    // A local domain of the same name would hide the mount's tables.
    if (auto local = engine::ListTables(data_dir); local.ok()) {
      for (const auto& t : *local) {
        if (t.domain == name)
          return Fail("mount add " + name, Status::AlreadyExists("a local domain is named " + name +
                                                                 ": choose another mount name"));
      }
    }
    auto profile_path = args->Option("profile");
    auto files = args->Option("files");
    auto postgres = args->Option("postgres");
    if (static_cast<int>(profile_path.has_value()) + static_cast<int>(files.has_value()) +
            static_cast<int>(postgres.has_value()) !=
        1) {
      return Fail("mount add",
                  Status::InvalidArgument("give exactly one of --profile FILE.share, --postgres "
                                          "CONNINFO or --files PATH"),
                  true);
    }
    if (postgres) {
      auto added = federation::AddPostgresMount(
          mounts, name, *postgres,
          std::chrono::duration_cast<std::chrono::seconds>(options.request_timeout),
          timeout_seconds);
      return ReportAdded(name, added, TablesFrom(added));
    }
    if (files) {
      auto source = federation::ResolveFileSource(*files, args->Option("format").value_or(""));
      if (!source.ok())
        return Fail("mount add " + name, source.status(), true);
      return ReportAdded(
          name,
          federation::AddFileMount(mounts, name, *source, args->Option("table").value_or("data")),
          source->format + " files " + source->pattern);
    }
    std::ifstream in(*profile_path, std::ios::binary);
    if (!in)
      return Fail("mount add", Status::InvalidArgument("cannot read profile " + *profile_path),
                  true);
    std::stringstream text;
    text << in.rdbuf();
    auto added = federation::AddShareMount(mounts, name, text.str(), options, timeout_seconds);
    return ReportAdded(name, added, TablesFrom(added));
  }
  if (sub == "refresh") {
    auto existing = mounts.Get(name);
    auto refreshed =
        existing.ok() && existing->kind == "postgres"
            ? federation::RefreshPostgresMount(
                  mounts, name,
                  std::chrono::duration_cast<std::chrono::seconds>(options.request_timeout))
            : federation::RefreshShareMount(mounts, name, options);
    if (!refreshed.ok())
      return Fail("mount refresh " + name, refreshed.status());
    std::printf("refreshed %s: %zu table(s)\n", name.c_str(), refreshed->tables.size());
    return 0;
  }
  if (sub == "show") {
    auto mount = mounts.Get(name);
    if (!mount.ok())
      return Fail("mount show", mount.status());
    if (json) {
      std::puts(MountJson(*mount, true).dump(1).c_str());
      return 0;
    }
    std::printf("mount %s (%s) at %s, tables listed %s\n", mount->name.c_str(), mount->kind.c_str(),
                mount->endpoint.c_str(), FormatIso8601Millis(mount->refreshed_ms).c_str());
    PrintTables(*mount);
    return 0;
  }
  // remove
  Status removed = mounts.Remove(name);
  if (!removed.ok())
    return Fail("mount remove", removed);
  std::error_code ignored;
  std::filesystem::remove_all(federation::MountCacheDir(data_dir, name), ignored);
  std::filesystem::remove_all(federation::PostgresCacheDir(data_dir, name), ignored);
  std::printf("removed mount %s\n", name.c_str());
  return 0;
}

}  // namespace tessera::cli
