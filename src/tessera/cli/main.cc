#include <cstdio>

#include "tessera/cli/commands.h"
#include "tessera/common/status.h"

namespace tessera::cli {
namespace {

constexpr const char* kUsage = R"(tessera: a data mesh node (Delta Lake tables, SQL over them)

Usage: tessera <command> [options]

Commands:
  apply      publish a data product from its descriptor (product.yaml): build, check, publish
  plan       what `apply` would do: schema diff, contract results, data volume; publishes nothing
  product    data products: init, list, show, history, lineage, quality, deprecate, delete
  search     find data products by words in their names, descriptions, columns, tags, owners
  sql        run SQL over the data directory's tables and any Delta table path
  table      create, append to, and inspect Delta tables (history, describe, changes)
  principal  manage users and services that call the ports: passwords, API tokens, grants
  serve      start the node: the PostgreSQL wire port and the HTTP port
  share      share tables over Delta Sharing: shares, their tables, grants to recipients
  recipient  who reads shares: bearer tokens, .share profiles, rotation, revocation
  mount      query another node's share (any Delta Sharing server) as <mount>.<schema>.<table>
  audit      list the audit log: every query, sharing request and file download

Options (every command):
  --data-dir DIR   the node's data directory (default ./tessera-data)
  --help           explain a command, e.g. `tessera table --help`
  --version        print the version

Exit codes: 0 ok, 1 runtime error, 2 usage error.
)";

}  // namespace

int Fail(const std::string& context, const Status& status, bool usage) {
  std::fprintf(stderr, "tessera: %s%s%s\n", context.c_str(), context.empty() ? "" : ": ",
               status.message().c_str());
  return usage && status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

int Main(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::puts("tessera 0.1.0");
    return 0;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "sql")
    return SqlCommand(rest);
  if (args[0] == "table")
    return TableCommand(rest);
  if (args[0] == "serve")
    return ServeCommand(rest);
  if (args[0] == "principal")
    return PrincipalCommand(rest);
  if (args[0] == "audit")
    return AuditCommand(rest);
  if (args[0] == "share")
    return ShareCommand(rest);
  if (args[0] == "recipient")
    return RecipientCommand(rest);
  if (args[0] == "mount")
    return MountCommand(rest);
  if (args[0] == "product")
    return ProductCommand(rest);
  if (args[0] == "search")
    return SearchCommand(rest);
  if (args[0] == "apply" || args[0] == "plan")
    return ApplyCommand(rest, args[0] == "plan");
  std::fprintf(stderr, "tessera: unknown command '%s' (see tessera --help)\n", args[0].c_str());
  return 2;
}

}  // namespace tessera::cli
