#include <cstdio>

#include "tessera/access/audit_log.h"
#include "tessera/cli/args.h"
#include "tessera/cli/commands.h"
#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"

namespace tessera::cli {
namespace {

constexpr const char* kAuditUsage =
    R"(Usage: tessera audit [--limit N] [--port P] [--principal NAME] [--json]

Lists the newest entries of the node's append-only audit log (<data-dir>/audit/), oldest first:
every SQL statement on the PostgreSQL and HTTP ports and every Delta Sharing request and file
download, with who made it, what it touched, and how it ended.

Options:
  --limit N          how many entries to show (default 100)
  --port P           only entries of one port: pgwire, http, sharing, files
  --principal NAME   only entries of one principal or recipient
  --json             print a JSON array of the entries
  --data-dir DIR     the data directory (default ./tessera-data)
Example:
  tessera audit --port sharing --limit 20
)";

Json EventJson(const access::AuditEvent& event) {
  auto parsed = ParseJson(access::AuditEventToJson(event));
  return parsed.ok() ? *parsed : Json::object();
}

std::string What(const access::AuditEvent& event) {
  if (!event.action.empty()) {
    std::string what = event.action + " " + event.object;
    if (event.version)
      what += " @v" + std::to_string(*event.version);
    if (event.files > 0)
      what += " files=" + std::to_string(event.files);
    if (event.bytes > 0)
      what += " bytes=" + std::to_string(event.bytes);
    return what;
  }
  std::string sql = event.sql;
  for (char& c : sql) {
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
  }
  return sql.size() > 80 ? sql.substr(0, 77) + "..." : sql;
}

}  // namespace

int AuditCommand(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {"data-dir", "limit", "port", "principal"}, {"help", "json"});
  if (!args.ok())
    return Fail("audit", args.status(), true);
  if (args->Flag("help")) {
    std::fputs(kAuditUsage, stdout);
    return 0;
  }
  if (!args->positional.empty()) {
    return Fail("audit",
                Status::InvalidArgument("unexpected argument '" + args->positional[0] +
                                        "' (see tessera audit --help)"),
                true);
  }
  int64_t limit = 100;
  if (auto text = args->Option("limit")) {
    auto parsed = ParseInt64(*text);
    if (!parsed.ok() || *parsed < 1)
      return Fail("audit", Status::InvalidArgument("--limit must be a positive number"), true);
    limit = *parsed;
  }
  auto port = args->Option("port");
  auto principal = args->Option("principal");
  std::string data_dir = args->Option("data-dir").value_or("./tessera-data");
  // Filters apply after reading, so read generously when filtering.
  size_t read_limit = static_cast<size_t>(port || principal ? limit * 100 : limit);
  auto events = access::ReadAuditLog(data_dir, read_limit);
  if (!events.ok())
    return Fail("reading the audit log", events.status());
  std::vector<const access::AuditEvent*> shown;
  for (const access::AuditEvent& event : *events) {
    if ((port && event.port != *port) || (principal && event.principal != *principal))
      continue;
    shown.push_back(&event);
  }
  if (shown.size() > static_cast<size_t>(limit))
    shown.erase(shown.begin(), shown.end() - limit);
  if (args->Flag("json")) {
    Json out = Json::array();
    for (const access::AuditEvent* event : shown)
      out.push_back(EventJson(*event));
    std::puts(out.dump(1).c_str());
    return 0;
  }
  std::printf("%-24s  %-16s  %-8s  %-6s  %10s  %s\n", "time", "principal", "port", "status",
              "duration", "what");
  for (const access::AuditEvent* event : shown) {
    std::string duration = std::to_string(event->duration_us / 1000) + "ms";
    std::printf("%-24s  %-16s  %-8s  %-6s  %10s  %s%s\n",
                FormatIso8601Millis(event->time_ms).c_str(), event->principal.c_str(),
                event->port.c_str(), event->status.c_str(), duration.c_str(), What(*event).c_str(),
                event->error.empty() ? "" : ("  (" + event->error + ")").c_str());
  }
  return 0;
}

}  // namespace tessera::cli
