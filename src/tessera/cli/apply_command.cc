// `tessera apply FILE` and `tessera plan FILE`: build, check and publish a data product.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "tessera/access/access_store.h"
#include "tessera/catalog/product_store.h"
#include "tessera/cli/args.h"
#include "tessera/cli/commands.h"
#include "tessera/cli/product_sharing.h"
#include "tessera/cli/progress.h"
#include "tessera/cli/session.h"
#include "tessera/common/strings.h"
#include "tessera/products/apply.h"
#include "tessera/products/descriptor.h"
#include "tessera/products/openlineage.h"
#include "tessera/storage/local_storage.h"

namespace tessera::cli {
namespace {

constexpr const char* kApplyUsage =
    R"(Usage: tessera apply FILE [--json] [--full] [--data-dir DIR]
       tessera plan FILE [--json] [--full] [--data-dir DIR]

Publish a data product from its descriptor (product.yaml; `tessera product init` writes one).
apply loads every table's source (files, or SQL over the node's products and mounts), checks
the schema change against the version bump (breaking changes need a new major version, added
tables or columns a new minor one), runs the contract's rules on the new data, and only when no
rule of severity `error` fails writes the tables and switches the catalog to the new version,
all tables together. A failing rule publishes nothing, prints the rule and sample rows, and
exits 1. plan does all of that but publish: it shows the schema diff, the rule results and the
data volume against the published version.

Every apply emits OpenLineage 2-0-2 run events (START, then COMPLETE or FAIL) with the
outputs' schema, column lineage, row counts and the contract's results: appended to
<data-dir>/lineage/openlineage.ndjson, and POSTed to an OpenLineage endpoint such as Marquez
when one is given. A failed POST is a warning; it never fails the apply.

Re-applying adds only what is new where it can, and says so per table ("append: 1 new file"):
a files source whose earlier files are unchanged gains just its new files; a SQL source that
maps rows one to one (SELECT ... FROM one table WHERE ..., UNION ALL of such) over tables
mounted from Delta Sharing servers reads only the rows appended since the versions the
published build read, through the servers' change feed. A source with nothing new writes
nothing. Anything else (an aggregate or join, a rewritten file, a remote table with deleted or
updated rows, a changed definition) is rebuilt in full, and the report says why.

Options:
  --json                 print the report as JSON (progress goes to stderr on a terminal)
  --full                 rebuild every table from all of its source (no incremental build)
  --data-dir DIR         the node's data directory (default ./tessera-data)
  --lineage-url URL      POST events there (default: $OPENLINEAGE_URL, if set), e.g.
                         http://localhost:5000/api/v1/lineage
  --lineage-namespace N  the events' job and dataset namespace (default tessera)

Exit codes: 0 published (or planned), 1 a rule failed or the apply failed, 2 the descriptor or
the command line is wrong.
Example:
  tessera product init product.yaml && $EDITOR product.yaml
  tessera plan product.yaml
  tessera apply product.yaml
)";

std::string Bytes(int64_t bytes) {
  char text[32];
  if (bytes >= (int64_t{1} << 20))
    std::snprintf(text, sizeof(text), "%.1f MB", static_cast<double>(bytes) / (1 << 20));
  else
    std::snprintf(text, sizeof(text), "%.1f KB", static_cast<double>(bytes) / 1024);
  return text;
}

void PrintReport(const products::ApplyReport& report, bool dry_run) {
  std::printf("product   %s %s (published: %s)\n", report.product.c_str(), report.version.c_str(),
              report.previous_version.value_or("none").c_str());
  if (!report.previous_version) {
    std::printf("schema    new product\n");
  } else if (report.changes.empty()) {
    std::printf("schema    unchanged\n");
  } else {
    const char* label = "schema";
    for (const products::SchemaChange& change : report.changes) {
      std::printf("%-9s %s%s\n", label, change.ToString().c_str(),
                  change.Breaking() ? "  (breaking)" : "");
      label = "";
    }
  }
  const char* label = "tables";
  for (const products::TableBuild& t : report.tables) {
    std::string was = t.previous_rows ? " (was " + std::to_string(*t.previous_rows) + ")" : "";
    std::string written = t.delta_version >= 0
                              ? "  delta version " + std::to_string(t.delta_version) + ", " +
                                    std::to_string(t.files) + " files, " + Bytes(t.bytes)
                              : "";
    std::printf("%-9s %-24s %10lld rows%s%s\n", label, t.name.c_str(),
                static_cast<long long>(t.rows), was.c_str(), written.c_str());
    if (t.mode == "append")
      std::printf("%-9s %-24s %10s +%lld rows read incrementally: %s\n", "", "", "",
                  static_cast<long long>(t.added_rows), t.read_changes.c_str());
    else if (t.mode == "unchanged")
      std::printf("%-9s %-24s %10s nothing new (%s): nothing written\n", "", "", "",
                  t.read_changes.c_str());
    else if (!t.full_because.empty())
      std::printf("%-9s %-24s %10s rebuilt in full: %s\n", "", "", "", t.full_because.c_str());
    label = "";
  }
  label = "rules";
  for (const products::RuleResult& r : report.rules) {
    const char* verdict =
        r.passed ? "ok  " : (r.severity == products::Severity::kError ? "FAIL" : "warn");
    std::printf("%-9s %s  %-40s %8lld violations  %6lld ms\n", label, verdict, r.name.c_str(),
                static_cast<long long>(r.violations), static_cast<long long>(r.duration_us / 1000));
    if (!r.error.empty())
      std::printf("%-9s       could not run: %s\n", "", r.error.c_str());
    for (const std::string& row : r.sample)
      std::printf("%-9s       %s\n", "", row.c_str());
    label = "";
  }
  if (report.rules.empty())
    std::printf("rules     none\n");
  std::printf(
      "timings   load %lld ms, checks %lld ms, write %lld ms, catalog %lld ms, total %lld ms\n",
      static_cast<long long>(report.load_ms), static_cast<long long>(report.checks_ms),
      static_cast<long long>(report.commit_ms), static_cast<long long>(report.catalog_ms),
      static_cast<long long>(report.total_ms));
  if (!report.blocked_by.empty()) {
    std::printf("NOT PUBLISHED: %s\n", report.blocked_by.c_str());
  } else if (dry_run) {
    std::printf("plan only: nothing was published\n");
  } else {
    std::printf("published %s %s as revision %lld\n", report.product.c_str(),
                report.version.c_str(), static_cast<long long>(report.revision));
    for (const std::string& reader : report.granted)
      std::printf("granted   %s may read %s\n", reader.c_str(), report.product.c_str());
    for (const std::string& reader : report.revoked)
      std::printf("revoked   %s no longer reads %s (not in access.readers)\n", reader.c_str(),
                  report.product.c_str());
  }
}

// The SQL texts the build reads, so the session attaches just the tables they name.
std::string SqlTexts(const products::ProductDescriptor& d) {
  std::string text;
  for (const products::TableSpec& t : d.tables) {
    if (t.source.kind == products::SourceKind::kSql)
      text += t.source.sql + "\n";
  }
  for (const products::RuleSpec& r : d.rules) {
    text += r.sql + "\n" + r.references + "\n";
  }
  return text;
}

}  // namespace

int ApplyCommand(const std::vector<std::string>& argv, bool dry_run) {
  const std::string name = dry_run ? "plan" : "apply";
  auto args =
      ParseArgs(argv, {"data-dir", "lineage-url", "lineage-namespace"}, {"help", "json", "full"});
  if (!args.ok())
    return Fail(name, args.status(), true);
  if (args->Flag("help") || args->positional.size() != 1) {
    std::fputs(kApplyUsage, args->Flag("help") ? stdout : stderr);
    return args->Flag("help") ? 0 : 2;
  }
  auto descriptor = products::LoadDescriptor(args->positional[0]);
  if (!descriptor.ok())
    return Fail("", descriptor.status(), true);

  std::string data_dir = args->Option("data-dir").value_or("./tessera-data");
  auto store = catalog::ProductStore::Open(data_dir);
  if (!store.ok())
    return Fail("opening the catalog", store.status());
  auto access = access::AccessStore::Open(data_dir);
  if (!access.ok())
    return Fail("opening the catalog", access.status());
  auto session = Session::Open(data_dir, SqlTexts(*descriptor));
  if (!session.ok())
    return Fail(name, session.status());

  products::ApplyContext context;
  context.connection = &(*session)->connection();
  context.storage = &storage::LocalStorage::Instance();
  context.reader = &(*session)->reader();
  context.store = store->get();
  context.access = access->get();
  context.data_dir = data_dir;
  auto mounted = (*session)->MountedTables();
  if (!mounted.ok())
    return Fail(name, mounted.status());
  context.mounted_tables = std::move(*mounted);
  context.remote_version = [&session](const engine::TableName& table) {
    return (*session)->RemoteVersion(table);
  };
  context.full_rebuild = args->Flag("full");
  context.dry_run = dry_run;
  // On a terminal: each step on its own line, and while a long one runs, its percentage.
  std::unique_ptr<ProgressLine> running;
  if (::isatty(STDERR_FILENO) != 0) {
    engine::Connection& connection = (*session)->connection();
    context.progress = [&running, &connection](const std::string& line) {
      running.reset();
      std::fprintf(stderr, "%s\n", line.c_str());
      if (!StartsWith(line, " "))
        running = std::make_unique<ProgressLine>(connection, " ");
    };
  }
  products::LineageSink sink;
  sink.file = data_dir + "/lineage/openlineage.ndjson";
  const char* env_url = std::getenv("OPENLINEAGE_URL");
  sink.url = args->Option("lineage-url").value_or(env_url != nullptr ? env_url : "");
  sink.job_namespace = args->Option("lineage-namespace").value_or("tessera");
  products::LineageRun lineage(*descriptor, sink);
  auto emit = [&](const Json& event) {
    Status emitted = lineage.Emit(event);
    if (!emitted.ok())
      std::fprintf(stderr, "tessera: warning: lineage event not delivered: %s\n",
                   emitted.message().c_str());
  };
  emit(lineage.Start());
  auto report = products::Apply(*descriptor, context);
  running.reset();
  if (!report.ok()) {
    emit(lineage.Fail(report.status()));
    return Fail(name + " " + descriptor->FullName(), report.status());
  }
  emit(lineage.Finish(*report));
  // ports.sharing: the product's Delta share follows its tables and recipients.
  SharingChanges shared;
  if (report->published) {
    auto changed = ShareProduct(data_dir, *descriptor);
    if (!changed.ok()) {
      return Fail("apply " + descriptor->FullName() + ": published, but sharing it failed",
                  changed.status());
    }
    shared = std::move(*changed);
  }
  if (args->Flag("json")) {
    Json out = report->ToJson();
    if (!shared.share.empty()) {
      out["sharing"] = {{"share", shared.share},
                        {"added_tables", shared.added_tables},
                        {"removed_tables", shared.removed_tables},
                        {"granted", shared.granted},
                        {"missing_recipients", shared.missing_recipients}};
    }
    std::puts(out.dump(1).c_str());
  } else {
    PrintReport(*report, dry_run);
    if (!shared.share.empty()) {
      std::printf("shared    as Delta share %s%s%s\n", shared.share.c_str(),
                  shared.granted.empty() ? "" : ", granted to ",
                  Join(shared.granted, ", ").c_str());
    }
  }
  for (const std::string& missing : shared.missing_recipients) {
    std::fprintf(stderr,
                 "tessera: warning: recipient '%s' does not exist; create it (tessera recipient "
                 "create %s), then apply again\n",
                 missing.c_str(), missing.c_str());
  }
  return report->blocked_by.empty() ? 0 : 1;
}

}  // namespace tessera::cli
