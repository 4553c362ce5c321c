#include <cstdio>

#include "tessera/cli/args.h"
#include "tessera/cli/commands.h"
#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/sharing/share_store.h"
#include "tessera/sharing/table_source.h"
#include "tessera/storage/local_storage.h"

namespace tessera::cli {
namespace {

constexpr const char* kShareUsage =
    R"(Usage: tessera share <subcommand> [arguments] [options]

Shares publish tables over the Delta Sharing protocol (`tessera serve`, /delta-sharing) to
recipients (`tessera recipient`). A share holds schemas; a schema holds tables; a table is a
tessera table or any Delta table on disk. Changes apply at once, also while the node runs.

Subcommands:
  create NAME [--comment C]        a new, empty share
  drop NAME                        delete a share (its tables stay where they are)
  list [--json]                    every share
  show NAME [--json]               a share's tables and recipients
  add-table SHARE SOURCE [--schema S] [--as NAME] [--history] [--start-version N] [--comment C]
                                   share SOURCE: domain.product.table, or the path of a Delta
                                   table (written by tessera, Spark, Databricks, delta-rs, ...).
                                   Default schema: the product (or "default" for paths); default
                                   name: the table's. --history lets recipients read older
                                   versions and the change feed; --start-version hides versions
                                   before N
  remove-table SHARE SCHEMA.TABLE  stop sharing a table
  grant SHARE RECIPIENT            let a recipient read a share
  revoke SHARE RECIPIENT           take it back (at once)

Options: --data-dir DIR (default ./tessera-data), --help.
Example:
  tessera share create sales
  tessera share add-table sales demo.sales.orders --history
  tessera share add-table sales /lake/events --schema raw --as events
  tessera share grant sales partner
)";

Json TableJson(const sharing::SharedTable& table) {
  Json json = {
      {"schema", table.schema},
      {"name", table.name},
      {"id", table.id},
      {"source", table.source},
      {"source_kind", table.source_kind == sharing::TableSourceKind::kTessera ? "tessera" : "path"},
      {"history", table.history_shared},
      {"comment", table.comment}};
  json["start_version"] = table.start_version ? Json(*table.start_version) : Json(nullptr);
  return json;
}

int List(sharing::ShareStore& store, const Args& args) {
  auto shares = store.ListShares();
  if (!shares.ok())
    return Fail("share list", shares.status());
  if (args.Flag("json")) {
    Json out = Json::array();
    for (const auto& share : *shares) {
      out.push_back({{"name", share.name},
                     {"id", share.id},
                     {"comment", share.comment},
                     {"created", FormatIso8601Millis(share.created_ms)}});
    }
    std::puts(out.dump(1).c_str());
    return 0;
  }
  std::printf("%-32s  %-24s  %s\n", "name", "created", "comment");
  for (const auto& share : *shares) {
    std::printf("%-32s  %-24s  %s\n", share.name.c_str(),
                FormatIso8601Millis(share.created_ms).c_str(), share.comment.c_str());
  }
  return 0;
}

int Show(sharing::ShareStore& store, const std::string& name, const Args& args) {
  auto info = store.DescribeShare(name);
  if (!info.ok())
    return Fail("share show", info.status());
  if (args.Flag("json")) {
    Json tables = Json::array();
    for (const auto& table : info->tables)
      tables.push_back(TableJson(table));
    Json out = {{"name", info->share.name},
                {"id", info->share.id},
                {"comment", info->share.comment},
                {"created", FormatIso8601Millis(info->share.created_ms)},
                {"tables", tables},
                {"recipients", info->recipients}};
    std::puts(out.dump(1).c_str());
    return 0;
  }
  std::printf("share %s%s%s\n", info->share.name.c_str(), info->share.comment.empty() ? "" : ": ",
              info->share.comment.c_str());
  std::printf("recipients: %s\n",
              info->recipients.empty() ? "(none)" : Join(info->recipients, ", ").c_str());
  std::printf("%-40s  %-7s  %-6s  %s\n", "table", "history", "from", "source");
  for (const auto& table : info->tables) {
    std::string from = table.start_version ? std::to_string(*table.start_version) : "-";
    std::printf("%-40s  %-7s  %-6s  %s\n", (table.schema + "." + table.name).c_str(),
                table.history_shared ? "yes" : "no", from.c_str(), table.source.c_str());
  }
  return 0;
}

int AddTable(sharing::ShareStore& store, const std::string& data_dir, const Args& args) {
  sharing::AddTableRequest request;
  request.share = args.positional[1];
  request.source = args.positional[2];
  request.schema = args.Option("schema");
  request.name = args.Option("as");
  request.history_shared = args.Flag("history");
  request.comment = args.Option("comment").value_or("");
  if (auto start = args.Option("start-version")) {
    auto parsed = ParseInt64(*start);
    if (!parsed.ok() || *parsed < 0) {
      return Fail("share add-table",
                  Status::InvalidArgument("--start-version takes a version number (0 or more)"),
                  true);
    }
    request.start_version = *parsed;
  }
  auto added = sharing::AddSharedTable(store, storage::LocalStorage::Instance(), data_dir, request);
  if (!added.ok())
    return Fail("share add-table", added.status(), true);
  std::printf("shared %s as %s.%s.%s%s\n", added->source.c_str(), added->share.c_str(),
              added->schema.c_str(), added->name.c_str(),
              added->history_shared ? " (with history)" : "");
  return 0;
}

int ExpectedArgs(const std::string& sub) {
  if (sub == "list")
    return 0;
  if (sub == "create" || sub == "drop" || sub == "show")
    return 1;
  if (sub == "add-table" || sub == "remove-table" || sub == "grant" || sub == "revoke")
    return 2;
  return -1;
}

}  // namespace

int ShareCommand(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {"data-dir", "comment", "schema", "as", "start-version"},
                        {"help", "json", "history"});
  if (!args.ok())
    return Fail("share", args.status(), true);
  if (args->Flag("help") || args->positional.empty()) {
    std::fputs(kShareUsage, args->Flag("help") ? stdout : stderr);
    return args->Flag("help") ? 0 : 2;
  }
  const std::string sub = args->positional[0];
  int expected = ExpectedArgs(sub);
  if (expected < 0) {
    return Fail(
        "share",
        Status::InvalidArgument("unknown subcommand '" + sub + "' (see tessera share --help)"),
        true);
  }
  if (static_cast<int>(args->positional.size()) != expected + 1) {
    return Fail("share " + sub,
                Status::InvalidArgument("expected " + std::to_string(expected) +
                                        " argument(s), see tessera share --help"),
                true);
  }
  std::string data_dir = args->Option("data-dir").value_or("./tessera-data");
  auto store = sharing::ShareStore::Open(data_dir);
  if (!store.ok())
    return Fail("opening the share store", store.status());
  sharing::ShareStore& shares = **store;
  if (sub == "list")
    return List(shares, *args);
  const std::string& name = args->positional[1];
  if (sub == "show")
    return Show(shares, name, *args);
  if (sub == "add-table")
    return AddTable(shares, data_dir, *args);
  Status status;
  std::string done;
  if (sub == "create") {
    auto created = shares.CreateShare(name, args->Option("comment").value_or(""));
    status = created.status();
    done = "created share " + name;
  } else if (sub == "drop") {
    status = shares.DropShare(name);
    done = "dropped share " + name;
  } else if (sub == "remove-table") {
    const std::string& qualified = args->positional[2];
    size_t dot = qualified.find('.');
    if (dot == std::string::npos) {
      return Fail("share remove-table", Status::InvalidArgument("expected SCHEMA.TABLE"), true);
    }
    status = shares.RemoveTable(name, qualified.substr(0, dot), qualified.substr(dot + 1));
    done = "removed " + qualified + " from share " + name;
  } else if (sub == "grant") {
    status = shares.GrantShare(name, args->positional[2]);
    done = "granted share " + name + " to " + args->positional[2];
  } else {
    status = shares.RevokeShare(name, args->positional[2]);
    done = "revoked share " + name + " from " + args->positional[2];
  }
  if (!status.ok())
    return Fail("share " + sub, status, true);
  std::printf("%s\n", done.c_str());
  return 0;
}

}  // namespace tessera::cli
