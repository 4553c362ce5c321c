#include "tessera/federation/share_mounts.h"

#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <sys/stat.h>

#include "tessera/common/crypto.h"
#include "tessera/common/json.h"
#include "tessera/common/logging.h"
#include "tessera/common/random.h"
#include "tessera/common/strings.h"
#include "tessera/delta/schema.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/scalar_function.h"
#include "tessera/engine/scan_hints.h"
#include "tessera/sharing/profile.h"

namespace tessera::federation {
namespace {

constexpr std::string_view kKind = "sharing";

std::vector<MountedTable> ToMounted(const std::vector<sharing::RemoteTable>& remote) {
  std::vector<MountedTable> tables;
  tables.reserve(remote.size());
  for (const sharing::RemoteTable& t : remote)
    tables.push_back({t.share, t.schema, t.name});
  return tables;
}

// A file id names the cached file: ids that are not plain tokens (a hostile server could send
// "../x") are hashed. A download of unknown size is a deletion vector file (.bin).
std::string CacheFileName(const sharing::RemoteFile& file) {
  const std::string& id = file.id;
  bool plain = !id.empty() && id.size() <= 128;
  for (char c : id) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_');
  }
  return (plain ? id : HexEncode(Sha256(id))) + (file.size < 0 ? ".bin" : ".parquet");
}

// The deletion vector file a delta-format file line keeps at a pre-signed URL, as a download
// of unknown size named after its data file's id (which changes when the vector does), or
// nullopt when the file has no vector or has it inline.
std::optional<sharing::RemoteFile> DeletionVectorFile(const sharing::RemoteFile& file) {
  if (!file.delta_action.is_object())
    return std::nullopt;
  const Json* dv = JsonFind(file.delta_action, "deletionVector");
  if (dv == nullptr || !dv->is_object() || dv->value("storageType", "") != "p")
    return std::nullopt;
  sharing::RemoteFile download;
  download.url = dv->value("pathOrInlineDv", "");
  download.id = file.id + "-dv";
  download.size = -1;
  download.expiration_ms = file.expiration_ms;
  return download;
}

// Every download a snapshot needs: its data files, then their deletion vector files.
std::vector<sharing::RemoteFile> Downloads(const sharing::RemoteSnapshot& snapshot) {
  std::vector<sharing::RemoteFile> all = snapshot.files;
  for (const sharing::RemoteFile& file : snapshot.files) {
    if (std::optional<sharing::RemoteFile> dv = DeletionVectorFile(file))
      all.push_back(std::move(*dv));
  }
  return all;
}

int64_t FileSize(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
    return -1;
  return static_cast<int64_t>(info.st_size);
}

// A delta-format snapshot as a one-commit Delta log: the table's own protocol, metadata and
// add actions, pointing at the cached data and deletion vector files.
Result<std::string> LocalDeltaCommit(const sharing::RemoteSnapshot& snapshot,
                                     const std::string& files_dir) {
  if (!snapshot.protocol.is_object() || !snapshot.metadata.is_object() ||
      JsonFind(snapshot.metadata, "schemaString") == nullptr)
    return Status::Corruption("the remote table's delta-format protocol or metadata is incomplete");
  std::string commit = DumpJson(Json{{"protocol", snapshot.protocol}});
  commit += '\n';
  commit += DumpJson(Json{{"metaData", snapshot.metadata}});
  commit += '\n';
  for (const sharing::RemoteFile& file : snapshot.files) {
    Json add = file.delta_action;
    add["path"] = PercentEncodePath(files_dir + "/" + CacheFileName(file));
    if (std::optional<sharing::RemoteFile> dv = DeletionVectorFile(file))
      add["deletionVector"]["pathOrInlineDv"] =
          PercentEncodePath(files_dir + "/" + CacheFileName(*dv));
    add["dataChange"] = true;
    commit += DumpJson(Json{{"add", add}});
    commit += '\n';
  }
  return commit;
}

// The remote snapshot as a one-commit Delta log naming the cached files by absolute path.
Result<std::string> LocalCommit(const sharing::RemoteSnapshot& snapshot,
                                const std::string& files_dir) {
  if (snapshot.format == "delta")
    return LocalDeltaCommit(snapshot, files_dir);
  const Json& remote = snapshot.metadata;
  auto schema = JsonOptString(remote, "schemaString");
  if (!schema.ok() || !*schema)
    return Status::Corruption("the remote table's metadata has no schemaString");
  std::string id = RandomUuid();
  if (auto remote_id = JsonOptString(remote, "id"); remote_id.ok() && *remote_id)
    id = **remote_id;
  Json metadata = {{"id", id},
                   {"format", {{"provider", "parquet"}, {"options", Json::object()}}},
                   {"schemaString", **schema},
                   {"partitionColumns", Json::array()},
                   {"configuration", Json::object()},
                   {"createdTime", 0}};
  if (const Json* partitions = JsonFind(remote, "partitionColumns");
      partitions != nullptr && partitions->is_array())
    metadata["partitionColumns"] = *partitions;
  std::string commit =
      DumpJson(Json{{"protocol", {{"minReaderVersion", 1}, {"minWriterVersion", 2}}}});
  commit += '\n';
  commit += DumpJson(Json{{"metaData", metadata}});
  commit += '\n';
  for (size_t i = 0; i < snapshot.files.size(); ++i) {
    const sharing::RemoteFile& file = snapshot.files[i];
    Json partition_values = Json::object();
    for (const auto& [column, value] : file.partition_values)
      partition_values[column] = value ? Json(*value) : Json(nullptr);
    commit += DumpJson(Json{{"add",
                             {{"path", PercentEncodePath(files_dir + "/" + CacheFileName(file))},
                              {"partitionValues", partition_values},
                              {"size", file.size},
                              {"modificationTime", 0},
                              {"dataChange", true}}}});
    commit += '\n';
  }
  return commit;
}

// Write `commit` as version 0 of a table at `root`, atomically: a reader sees the whole
// snapshot or none (the folder is renamed into place).
Status WriteSnapshotTable(const std::string& root, const std::string& commit) {
  std::string log = root + "/_delta_log/00000000000000000000.json";
  if (FileSize(log) >= 0) {
    ::utimensat(AT_FDCWD, root.c_str(), nullptr, 0);  // in use: not for TrimCache
    return Status::OK();                              // the same snapshot was written before
  }
  std::string temp = root + ".tmp-" + RandomUuid();
  std::error_code error;
  std::filesystem::create_directories(temp + "/_delta_log", error);
  if (error)
    return Status::IoError("cannot create " + temp + ": " + error.message());
  {
    std::ofstream out(temp + "/_delta_log/00000000000000000000.json", std::ios::binary);
    out << commit;
    out.flush();
    if (!out)
      return Status::IoError("cannot write the snapshot log under " + temp);
  }
  std::filesystem::rename(temp, root, error);
  if (error) {
    std::filesystem::remove_all(temp, error);
    if (FileSize(log) < 0)
      return Status::IoError("cannot move the snapshot into " + root);
  }
  return Status::OK();
}

// The query's simple filters as jsonPredicateHints (PROTOCOL.md) over the remote schema, or
// nullopt when none can be expressed. Only comparisons whose constant fits the column's type
// exactly go out; the others are left to the local scan (hints only let the server skip files;
// the query still filters every row).
std::optional<Json> PredicateHints(const std::vector<engine::ColumnPredicate>& predicates,
                                   const delta::Schema& schema) {
  using Op = engine::ColumnPredicate::Op;
  Json children = Json::array();
  for (const engine::ColumnPredicate& p : predicates) {
    const delta::Field* field = schema.Find(p.column);
    if (field == nullptr || field->type.kind != delta::DataType::Kind::kPrimitive)
      continue;
    const std::string& type = field->type.name;
    std::string value_type;
    std::string value;
    if ((type == "byte" || type == "short" || type == "integer" || type == "long") &&
        p.value.is_number_integer()) {
      value_type = type == "long" ? "long" : "int";
      value = p.value.dump();
    } else if ((type == "string" || type == "date") && p.value.is_string()) {
      value_type = type;
      value = p.value.get<std::string>();
    } else {
      continue;
    }
    std::string op = p.op == Op::kEq   ? "equal"
                     : p.op == Op::kLt ? "lessThan"
                     : p.op == Op::kLe ? "lessThanOrEqual"
                     : p.op == Op::kGt ? "greaterThan"
                                       : "greaterThanOrEqual";
    children.push_back({{"op", op},
                        {"children",
                         {{{"op", "column"}, {"name", field->name}, {"valueType", value_type}},
                          {{"op", "literal"}, {"value", value}, {"valueType", value_type}}}}});
  }
  if (children.empty())
    return std::nullopt;
  if (children.size() == 1)
    return children[0];
  return Json{{"op", "and"}, {"children", children}};
}

// Download `files` into `cache`/files, a few at a time (each download thread keeps its
// connections). URLs the server refuses (expired pre-signed URLs) are asked for again once, by
// file id: with the answer's refresh token when it has one (the same snapshot at new URLs),
// else with the same query. Return the bytes fetched.
Result<int64_t> FetchFiles(sharing::SharingClient& client, const sharing::RemoteTable& table,
                           const sharing::RemoteQuery& query,
                           const std::optional<std::string>& refresh_token,
                           const std::vector<const sharing::RemoteFile*>& files,
                           const std::string& cache) {
  constexpr size_t kParallelDownloads = 4;
  std::vector<sharing::RemoteFile> refreshed;
  std::vector<const sharing::RemoteFile*> pending = files;
  int64_t fetched = 0;
  for (int attempt = 0; !pending.empty(); ++attempt) {
    std::mutex mutex;
    size_t next = 0;
    Status failure;
    std::vector<const sharing::RemoteFile*> refused;
    auto work = [&] {
      while (true) {
        const sharing::RemoteFile* file = nullptr;
        {
          std::lock_guard lock(mutex);
          if (next >= pending.size() || !failure.ok())
            return;
          file = pending[next++];
        }
        auto bytes = client.DownloadFile(*file, cache + "/files/" + CacheFileName(*file));
        std::lock_guard lock(mutex);
        if (bytes.ok()) {
          fetched += *bytes;
        } else if (bytes.status().code() == StatusCode::kPermissionDenied && attempt == 0) {
          refused.push_back(file);
        } else if (failure.ok()) {
          failure = bytes.status();
        }
      }
    };
    std::vector<std::thread> threads;
    for (size_t i = 1; i < std::min(kParallelDownloads, pending.size()); ++i)
      threads.emplace_back(work);
    work();
    for (std::thread& thread : threads)
      thread.join();
    TESSERA_RETURN_NOT_OK(failure);
    if (refused.empty())
      break;
    // Pre-signed URLs expire: a fresh answer names the same files (ids are stable) anew.
    sharing::RemoteQuery refresh = query;
    refresh.include_refresh_token = false;
    refresh.refresh_token = refresh_token;
    TESSERA_ASSIGN_OR_RETURN(sharing::RemoteSnapshot again, client.QueryTable(table, refresh));
    refreshed = Downloads(again);
    pending.clear();
    for (const sharing::RemoteFile* file : refused) {
      auto match = std::find_if(refreshed.begin(), refreshed.end(),
                                [&](const sharing::RemoteFile& f) { return f.id == file->id; });
      if (match == refreshed.end())
        return Status::Conflict("file " + file->id +
                                " left the table while it was read: run the query again");
      pending.push_back(&*match);
    }
  }
  return fetched;
}

// The rows appended to `table` after version `after` up to `version`, as a snapshot of just
// the added files: kConflict if a commit in between did anything but add rows (a change-feed
// cdf or remove line: rows deleted or rewritten), which an append cannot follow.
Result<sharing::RemoteSnapshot> AppendedSince(sharing::SharingClient& client,
                                              const sharing::RemoteTable& table, int64_t after,
                                              int64_t version) {
  if (after >= version) {
    TESSERA_ASSIGN_OR_RETURN(sharing::RemoteSnapshot none, client.MetadataSnapshot(table));
    none.version = version;
    return none;
  }
  TESSERA_ASSIGN_OR_RETURN(sharing::RemoteSnapshot changes,
                           client.TableChanges(table, after + 1, version));
  for (const sharing::RemoteFile& file : changes.files) {
    if (file.action != "add") {
      return Status::Conflict("version " + std::to_string(file.version) + " " +
                              std::string(engine::kNotAppendOnly) + " (its change feed has " +
                              file.action + " lines)");
    }
  }
  return changes;
}

}  // namespace

// How long a table's scan (its file list) is reused: a mounted table is at most this far
// behind its server.

std::string MountCacheDir(const std::string& data_dir, std::string_view mount) {
  return data_dir + "/cache/shares/" + std::string(mount);
}

namespace {
// A mount's own timeout bounds every phase of a request, so a hung server fails within it.
sharing::SharingClientOptions ForMount(sharing::SharingClientOptions options, const Mount& mount) {
  if (options.ca_file.empty())
    options.ca_file = mount.ca_file;
  if (mount.timeout_seconds > 0) {
    auto bound = std::chrono::milliseconds(mount.timeout_seconds * 1000);
    options.request_timeout = bound;
    options.stall_timeout = std::min(options.stall_timeout, bound);
    options.connect_timeout = std::min(options.connect_timeout, bound);
  }
  return options;
}
}  // namespace

Result<Mount> AddShareMount(MountStore& store, std::string_view name, std::string_view profile,
                            const sharing::SharingClientOptions& options, int64_t timeout_seconds) {
  TESSERA_RETURN_NOT_OK(CheckMountName(name));
  TESSERA_ASSIGN_OR_RETURN(sharing::SharingProfile parsed, sharing::ParseProfile(profile));
  sharing::SharingClient client(parsed, options);
  TESSERA_ASSIGN_OR_RETURN(auto remote, client.ListAllTables());
  Mount mount;
  mount.name = std::string(name);
  mount.kind = std::string(kKind);
  mount.profile = std::string(profile);
  mount.endpoint = parsed.endpoint;
  mount.tables = ToMounted(remote);
  mount.ca_file = options.ca_file;
  mount.timeout_seconds = timeout_seconds;
  TESSERA_RETURN_NOT_OK(store.Add(mount));
  return store.Get(name);
}

Result<Mount> RefreshShareMount(MountStore& store, std::string_view name,
                                const sharing::SharingClientOptions& options) {
  TESSERA_ASSIGN_OR_RETURN(Mount mount, store.Get(name));
  if (mount.kind != kKind)
    return mount;  // a files mount reads its pattern anew on every query
  TESSERA_ASSIGN_OR_RETURN(sharing::SharingProfile parsed, sharing::ParseProfile(mount.profile));
  sharing::SharingClient client(parsed, ForMount(options, mount));
  TESSERA_ASSIGN_OR_RETURN(auto remote, client.ListAllTables());
  TESSERA_RETURN_NOT_OK(store.SetTables(name, ToMounted(remote)));
  return store.Get(name);
}

ShareMounts::ShareMounts(MountStore& store, const std::string& data_dir,
                         sharing::SharingClientOptions options, CacheLimits cache_limits)
    : store_(store),
      // Absolute: the snapshot logs name cached files by absolute path (a relative one would be
      // read relative to the snapshot's folder).
      data_dir_(std::filesystem::absolute(data_dir).lexically_normal().string()),
      options_(std::move(options)),
      cache_limits_(cache_limits) {}

Result<std::vector<access::ExtensionTable>> ShareMounts::Tables() {
  TESSERA_ASSIGN_OR_RETURN(std::vector<Mount> mounts, store_.List());
  std::vector<access::ExtensionTable> tables;
  for (const Mount& mount : mounts) {
    if (mount.kind != kKind)
      continue;
    for (const MountedTable& t : mount.tables) {
      access::ExtensionTable table;
      table.name = {mount.name, t.schema, t.name};
      table.view_sql = "FROM memory.main.share_scan(" + QuoteLiteral(mount.name) + ", " +
                       QuoteLiteral(t.schema) + ", " + QuoteLiteral(t.name) + ")";
      table.read_root = MountCacheDir(data_dir_, mount.name);
      tables.push_back(std::move(table));
    }
  }
  return tables;
}

Status ShareMounts::Register(engine::Connection& connection) {
  return RegisterScanMacro(
      connection, "share_scan", "tessera_share_sql",
      [this](std::string_view mount, std::string_view schema, std::string_view table) {
        return ScanSql(mount, schema, table);
      });
}

Result<std::string> ShareMounts::ScanSql(std::string_view mount_name, std::string_view schema,
                                         std::string_view table) {
  // The statement being bound may carry simple filters for this table (engine/scan_hints.h):
  // they are keyed by the table's data-directory path, as ExtractScanHints names tables.
  const std::vector<engine::ColumnPredicate>* predicates = nullptr;
  std::optional<int64_t> limit;  // a LIMIT over the plain table: sent as limitHint
  if (auto name = engine::ParseTableName(std::string(mount_name) + "." + std::string(schema) + "." +
                                         std::string(table));
      name.ok()) {
    predicates = engine::ScopedScanHints::For(engine::TableRoot(data_dir_, *name));
    limit = engine::ScopedScanHints::LimitFor(engine::TableRoot(data_dir_, *name));
  }
  // Defining a view only needs the columns: the metadata, not the files.
  bool columns_only = engine::ScopedViewDefinition::Active();
  // The caller may pin the version read (tessera apply): part of the memo key.
  std::string display =
      std::string(mount_name) + "." + std::string(schema) + "." + std::string(table);
  const engine::RemoteRead* pinned =
      columns_only ? nullptr : engine::ScopedRemoteReads::For(display);
  if (columns_only || pinned != nullptr)
    limit.reset();
  // A query asks the server once, though DuckDB binds the view twice (scan_memo.h).
  std::string key = ScanMemo::Key(mount_name, schema, table, columns_only, predicates);
  if (pinned != nullptr) {
    key += "\npinned " + std::to_string(pinned->version) + " after " +
           (pinned->appended_after ? std::to_string(*pinned->appended_after) : "-");
  }
  if (limit)
    key += "\nlimit " + std::to_string(*limit);
  if (std::optional<std::string> remembered = memo_.Get(key))
    return *remembered;
  TESSERA_ASSIGN_OR_RETURN(
      std::string sql, FreshScanSql(mount_name, schema, table, columns_only ? nullptr : predicates,
                                    columns_only, pinned, limit));
  memo_.Put(key, sql);
  return sql;
}

Result<ShareMounts::Remote> ShareMounts::Connect(std::string_view mount_name,
                                                 std::string_view schema, std::string_view table) {
  TESSERA_ASSIGN_OR_RETURN(Mount mount, store_.Get(mount_name));
  if (mount.kind != kKind)
    return Status::InvalidArgument("mount " + mount.name + " is not a Delta Sharing mount");
  std::string display = mount.name + "." + std::string(schema) + "." + std::string(table);
  const MountedTable* found = nullptr;
  for (const MountedTable& t : mount.tables) {
    if (t.schema == schema && t.name == table)
      found = &t;
  }
  if (found == nullptr)
    return Status::NotFound("table " + display + " is not in mount " + mount.name +
                            " (tessera mount refresh " + mount.name + " lists its tables again)");
  TESSERA_ASSIGN_OR_RETURN(sharing::SharingProfile profile, sharing::ParseProfile(mount.profile));
  sharing::SharingClientOptions options = options_;
  options.ca_file.clear();
  Remote remote;
  remote.table = {found->share, found->schema, found->name};
  remote.client = std::make_unique<sharing::SharingClient>(profile, ForMount(options, mount));
  remote.mount = std::move(mount);
  return remote;
}

Result<int64_t> ShareMounts::RemoteVersion(const std::string& mounted_table) {
  TESSERA_ASSIGN_OR_RETURN(engine::TableName name, engine::ParseTableName(mounted_table));
  TESSERA_ASSIGN_OR_RETURN(Remote remote, Connect(name.domain, name.product, name.table));
  auto version = remote.client->TableVersion(remote.table);
  if (!version.ok())
    return version.status().WithContext("reading " + mounted_table);
  return version;
}

Result<std::optional<int64_t>> ShareMounts::VersionIfShared(const engine::TableName& table) {
  auto mount = store_.Get(table.domain);
  if (!mount.ok() || mount->kind != kKind)
    return std::optional<int64_t>();
  TESSERA_ASSIGN_OR_RETURN(int64_t version, RemoteVersion(table.ToString()));
  return std::optional<int64_t>(version);
}

Result<std::string> ShareMounts::FreshScanSql(
    std::string_view mount_name, std::string_view schema, std::string_view table,
    const std::vector<engine::ColumnPredicate>* predicates, bool columns_only,
    const engine::RemoteRead* pinned, std::optional<int64_t> limit) {
  TESSERA_ASSIGN_OR_RETURN(Remote connected, Connect(mount_name, schema, table));
  const Mount& mount = connected.mount;
  sharing::SharingClient& client = *connected.client;
  const sharing::RemoteTable& remote = connected.table;
  std::string display = mount.name + "." + std::string(schema) + "." + std::string(table);
  std::string cache = MountCacheDir(data_dir_, mount.name);
  if (columns_only) {
    // An empty table with the remote schema: its log has the metadata and no files.
    auto empty = client.MetadataSnapshot(remote);
    if (!empty.ok())
      return empty.status().WithContext("reading " + display);
    TESSERA_ASSIGN_OR_RETURN(std::string commit, LocalCommit(*empty, cache + "/files"));
    std::string root =
        cache + "/snapshots/columns-" + HexEncode(Sha256(display + "\n" + commit)).substr(0, 24);
    std::error_code error;
    std::filesystem::create_directories(cache + "/snapshots", error);
    TESSERA_RETURN_NOT_OK(WriteSnapshotTable(root, commit));
    return "SELECT * FROM memory.main.delta_scan(" + QuoteLiteral(root) + ")";
  }
  sharing::RemoteQuery query;
  if (predicates != nullptr && !predicates->empty()) {
    // Hints need the remote column types: the table's metadata (one small request).
    auto metadata = client.TableMetadata(remote);
    if (!metadata.ok())
      return metadata.status().WithContext("reading " + display);
    auto schema_string = JsonOptString(*metadata, "schemaString");
    if (schema_string.ok() && *schema_string) {
      if (auto parsed = delta::ParseSchema(**schema_string); parsed.ok())
        query.json_predicate_hints = PredicateHints(*predicates, *parsed);
    }
  }
  if (pinned != nullptr)
    query.version = pinned->version;
  query.limit_hint = limit;
  // A token to renew expired URLs with (servers give them for the latest snapshot only).
  query.include_refresh_token = pinned == nullptr;
  auto snapshot = pinned != nullptr && pinned->appended_after
                      ? AppendedSince(client, remote, *pinned->appended_after, pinned->version)
                      : client.QueryTable(remote, query);
  if (!snapshot.ok())
    return snapshot.status().WithContext("reading " + display);

  std::error_code error;
  std::filesystem::create_directories(cache + "/files", error);
  std::filesystem::create_directories(cache + "/snapshots", error);
  if (error)
    return Status::IoError("cannot create " + cache + ": " + error.message());
  std::vector<std::string> paths;
  std::string fingerprint = display + "\n" + std::to_string(snapshot->version) + "\n" +
                            snapshot->format + "\n" + DumpJson(snapshot->protocol) + "\n" +
                            DumpJson(snapshot->metadata) + "\n";
  for (const sharing::RemoteFile& file : snapshot->files) {
    fingerprint += file.id + "\n";
    for (const auto& [column, value] : file.partition_values)
      fingerprint += column + "=" + value.value_or("\x01null") + "\n";
  }
  std::vector<sharing::RemoteFile> downloads = Downloads(*snapshot);
  std::vector<const sharing::RemoteFile*> missing;
  for (const sharing::RemoteFile& file : downloads) {
    std::string path = cache + "/files/" + CacheFileName(file);
    // Cached files are complete (downloads are renamed into place after their size checked).
    int64_t cached = UseCachedFile(path);
    if (file.size >= 0 ? cached != file.size : cached < 0)
      missing.push_back(&file);
    paths.push_back(path);
  }
  auto fetched = FetchFiles(client, remote, query, snapshot->refresh_token, missing, cache);
  if (!fetched.ok())
    return fetched.status().WithContext("reading " + display);
  if (*fetched > 0)
    Log(LogLevel::kInfo,
        "mount " + mount.name + ": fetched " + std::to_string(*fetched) + " bytes for " + display);
  TESSERA_ASSIGN_OR_RETURN(std::string commit, LocalCommit(*snapshot, cache + "/files"));
  std::string root = cache + "/snapshots/" + HexEncode(Sha256(fingerprint)).substr(0, 32);
  TESSERA_RETURN_NOT_OK(WriteSnapshotTable(root, commit));
  std::set<std::string> keep(paths.begin(), paths.end());
  keep.insert(root);
  int64_t trimmed = TrimCache(data_dir_ + "/cache/shares", cache_limits_, keep);
  if (trimmed > 0)
    Log(LogLevel::kInfo,
        "mount cache: removed " + std::to_string(trimmed) + " bytes of least recently used files");
  return "SELECT * FROM memory.main.delta_scan(" + QuoteLiteral(root) + ")";
}

}  // namespace tessera::federation
