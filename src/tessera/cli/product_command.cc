// `tessera product init|list|show|history`: write a descriptor, read the product catalog.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "tessera/catalog/product_store.h"
#include "tessera/cli/args.h"
#include "tessera/cli/commands.h"
#include "tessera/cli/product_usage.h"
#include "tessera/common/json.h"
#include "tessera/common/random.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/products/catalog_json.h"
#include "tessera/products/lineage_graph.h"

namespace tessera::cli {
namespace {

constexpr const char* kProductUsage =
    R"(Usage: tessera product <subcommand> [arguments] [options]

A data product is a versioned set of tables with an owner, a contract and ports, described in
one YAML file and published with `tessera apply FILE`.

Subcommands:
  init [FILE]                  write a commented starting descriptor (default product.yaml;
                               never overwrites a file)
  list [--json]                every product: version, owner, tables
  show DOMAIN.NAME [--json] [--revision N]
                               a product's current version (or revision N): tables, columns,
                               contract results, lineage
  history DOMAIN.NAME [--json] every published revision, newest first
  lineage DOMAIN.NAME [--format tree|dot|mermaid|json]
                               what the product reads and what reads it, transitively:
                               products, files, mounted tables (default tree)
  quality DOMAIN.NAME [--json] the contract's results for every published revision
  deprecate DOMAIN.NAME [--note TEXT] [--undo]
                               mark it deprecated: still readable, flagged in listings
  delete DOMAIN.NAME           remove the product, its revisions and its tables' data;
                               refused while another product reads it (names them)

Options: --data-dir DIR (default ./tessera-data), --help.
Example:
  tessera product init flights.yaml
  tessera apply flights.yaml
  tessera product show flights.monthly
)";

constexpr const char* kTemplate =
    R"(# A tessera data product. Publish it with `tessera apply product.yaml`;
# `tessera plan product.yaml` shows what would change without publishing.
# Reference: docs/products.md; JSON Schema for editors: docs/product.schema.json

domain: sales                 # the owning team's namespace (lower-case identifier)
name: orders                  # product name; tables are queried as sales.orders.<table>
version: 1.0.0                # semantic version: breaking schema changes need a new major,
                              # added tables or columns a new minor
description: Orders as the sales team records them, one row per order.
owner:
  team: sales-data
  contact: sales-data@example.com
tags: [sales, orders]

tables:
  - name: orders
    description: One row per order.
    source:
      # files: a path or glob of Parquet, CSV or JSON, relative to this file
      # sql: a query over other products and mounts of the node, e.g.
      #   SELECT * FROM finance.invoices.invoices WHERE paid
      sql: |
        SELECT * FROM (VALUES (1, 'EU', 120.0), (2, 'US', 80.5)) AS t(order_id, region, amount)
    # Leave columns out to keep the source's names and types.
    columns:
      - name: order_id
        type: bigint
        description: Order number.
        primary_key: true     # implies not_null and unique rules
      - name: region
        type: varchar
        classification: public    # public, internal, confidential or pii
      - name: amount
        type: decimal(12,2)
        nullable: false
    # partition_by: [region]

contract:
  rules:
    # not_null, unique, accepted_values, range, regex, row_count, references, freshness, sql.
    # severity: error (the default) blocks publishing; warn only records.
    - type: accepted_values
      column: region
      values: [EU, US, APAC]
    - type: range
      column: amount
      min: 0
    - type: row_count
      min: 1
      severity: warn

ports:
  sql: true                   # psql, JDBC, POST /api/v1/sql
  sharing: false              # or {recipients: [partner]} for Delta Sharing

access:
  readers: []                 # principals that may read (admins always may)

refresh: manual               # or an interval such as 1h for `tessera serve` to re-apply
)";

Result<std::pair<std::string, std::string>> ProductName(const std::string& text) {
  std::vector<std::string> parts = Split(text, '.');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty())
    return Status::InvalidArgument("name the product as DOMAIN.NAME, e.g. flights.monthly");
  return std::make_pair(parts[0], parts[1]);
}

void PrintVersion(const catalog::ProductVersion& v) {
  std::printf("%s.%s %s (revision %lld, published %s)\n", v.domain.c_str(), v.name.c_str(),
              v.version.c_str(), static_cast<long long>(v.revision),
              FormatIso8601Millis(v.published_ms).c_str());
  if (!v.description.empty())
    std::printf("  %s\n", v.description.c_str());
  std::printf("owner: %s%s%s\n", v.owner_team.c_str(), v.owner_contact.empty() ? "" : " <",
              v.owner_contact.empty() ? "" : (v.owner_contact + ">").c_str());
  if (!v.tags.empty())
    std::printf("tags: %s\n", Join(v.tags, ", ").c_str());
  for (const catalog::CatalogTable& t : v.tables) {
    std::printf("\ntable %s.%s.%s  (%lld rows, Delta version %lld)\n", v.domain.c_str(),
                v.name.c_str(), t.name.c_str(), static_cast<long long>(t.rows),
                static_cast<long long>(t.delta_version));
    for (const catalog::CatalogColumn& c : t.columns) {
      std::string notes;
      if (c.primary_key)
        notes += " primary key";
      if (!c.nullable)
        notes += " not null";
      if (!c.classification.empty())
        notes += " [" + c.classification + "]";
      std::printf("  %-24s %-16s%s%s%s\n", c.name.c_str(), c.type.c_str(), notes.c_str(),
                  c.description.empty() ? "" : "  -- ", c.description.c_str());
    }
  }
  auto rules = ParseJson(v.quality_json);
  if (rules.ok() && rules->is_array() && !rules->empty()) {
    std::printf("\ncontract (%s)\n", v.quality_passed ? "all rules passed" : "some rules failed");
    for (const Json& r : *rules) {
      std::printf("  %-5s %-40s %lld violations\n", r.value("passed", false) ? "ok" : "FAIL",
                  r.value("name", "").c_str(), static_cast<long long>(r.value("violations", 0)));
    }
  }
  if (!v.lineage.empty()) {
    std::printf("\nlineage\n");
    for (const catalog::LineageEdge& e : v.lineage) {
      std::printf("  %s <- %s %s%s\n", e.output_table.c_str(), e.input_kind.c_str(),
                  e.input_name.c_str(),
                  e.input_version.empty() ? "" : (" @ version " + e.input_version).c_str());
    }
  }
}

int Lineage(catalog::ProductStore& store, const std::string& product, const std::string& format) {
  auto all = store.List();
  if (!all.ok())
    return Fail("product lineage", all.status());
  std::set<std::string> names;
  for (const catalog::ProductSummary& p : *all)
    names.insert(p.domain + "." + p.name);
  if (names.count(product) == 0)
    return Fail("product lineage", Status::NotFound("product '" + product + "' does not exist"));
  auto links = store.CurrentLineage();
  if (!links.ok())
    return Fail("product lineage", links.status());
  products::LineageGraph graph = products::BuildLineageGraph(*links, names, product);
  if (format == "tree")
    std::fputs(graph.ToTree().c_str(), stdout);
  else if (format == "dot")
    std::fputs(graph.ToDot().c_str(), stdout);
  else if (format == "mermaid")
    std::fputs(graph.ToMermaid().c_str(), stdout);
  else if (format == "json")
    std::puts(graph.ToJson().dump(1).c_str());
  else
    return Fail("product lineage",
                Status::InvalidArgument("--format is tree, dot, mermaid or json"), true);
  return 0;
}

int Quality(catalog::ProductStore& store, const std::string& domain, const std::string& name,
            bool json) {
  auto history = store.History(domain, name);
  if (!history.ok())
    return Fail("product quality", history.status());
  Json out = Json::array();
  for (const catalog::ProductVersion& v : *history) {
    Json rules = ParseJson(v.quality_json).ValueOr(Json::array());
    if (json) {
      out.push_back(products::QualityJson(v));
      continue;
    }
    std::printf("revision %lld (%s, %s): %s\n", static_cast<long long>(v.revision),
                v.version.c_str(), FormatIso8601Millis(v.published_ms).c_str(),
                v.quality_passed ? "all rules passed" : "warnings");
    for (const Json& r : rules) {
      std::printf("  %-5s %-40s %-6s %8lld violations\n", r.value("passed", false) ? "ok" : "FAIL",
                  r.value("name", "").c_str(), r.value("severity", "").c_str(),
                  static_cast<long long>(r.value("violations", 0)));
    }
  }
  if (json)
    std::puts(out.dump(1).c_str());
  return 0;
}

int Delete(catalog::ProductStore& store, const std::string& data_dir, const std::string& domain,
           const std::string& name) {
  const std::string product = domain + "." + name;
  auto current = store.Current(domain, name);
  if (!current.ok())
    return Fail("product delete", current.status());
  auto links = store.CurrentLineage();
  if (!links.ok())
    return Fail("product delete", links.status());
  std::vector<std::string> dependents = products::Dependents(*links, product);
  if (!dependents.empty()) {
    return Fail("product delete",
                Status::Conflict(product + " is read by " + Join(dependents, ", ") +
                                 ": delete or change those first (or deprecate " + product + ")"));
  }
  // Tables out of sight first (one rename), then the catalog: a crash in between leaves a
  // product whose tables are gone, which a second delete finishes, never tables that come
  // back as unmanaged ones.
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path tables = fs::path(data_dir) / "tables" / domain / name;
  fs::path trash = fs::path(data_dir) / "trash" / (product + "-" + RandomUuid());
  if (fs::exists(tables, error)) {
    fs::create_directories(trash.parent_path(), error);
    fs::rename(tables, trash, error);
    if (error)
      return Fail("product delete",
                  Status::IoError("cannot move " + tables.string() + ": " + error.message()));
  }
  Status deleted = store.Delete(domain, name);
  if (!deleted.ok())
    return Fail("product delete", deleted);
  fs::remove_all(trash, error);
  std::printf("deleted %s (%zu table(s))\n", product.c_str(), current->tables.size());
  return 0;
}

int Init(const Args& args) {
  std::string file = args.positional.size() > 1 ? args.positional[1] : "product.yaml";
  std::error_code error;
  if (std::filesystem::exists(file, error))
    return Fail("product init", Status::AlreadyExists(file + " exists; not overwriting it"));
  std::ofstream out(file, std::ios::binary);
  out << kTemplate;
  out.close();
  if (!out)
    return Fail("product init", Status::IoError("cannot write " + file));
  std::printf("wrote %s: edit it, then `tessera plan %s` and `tessera apply %s`\n", file.c_str(),
              file.c_str(), file.c_str());
  return 0;
}

}  // namespace

int ProductCommand(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {"data-dir", "revision", "format", "note"}, {"help", "json", "undo"});
  if (!args.ok())
    return Fail("product", args.status(), true);
  if (args->Flag("help") || args->positional.empty()) {
    std::fputs(kProductUsage, args->Flag("help") ? stdout : stderr);
    return args->Flag("help") ? 0 : 2;
  }
  const std::string sub = args->positional[0];
  if (sub == "init") {
    if (args->positional.size() > 2)
      return Fail("product init", Status::InvalidArgument("expected at most one FILE"), true);
    return Init(*args);
  }
  size_t expected = sub == "list" ? 1 : 2;
  static const std::set<std::string> kSubcommands = {"list",    "show",   "history",  "lineage",
                                                     "quality", "delete", "deprecate"};
  if (kSubcommands.count(sub) == 0) {
    return Fail(
        "product",
        Status::InvalidArgument("unknown subcommand '" + sub + "' (see tessera product --help)"),
        true);
  }
  if (args->positional.size() != expected) {
    return Fail(
        "product " + sub,
        Status::InvalidArgument(sub == "list" ? "takes no arguments" : "expected DOMAIN.NAME"),
        true);
  }
  std::string data_dir = args->Option("data-dir").value_or("./tessera-data");
  auto opened = catalog::ProductStore::Open(data_dir);
  if (!opened.ok())
    return Fail("opening the catalog", opened.status());
  catalog::ProductStore& store = **opened;
  bool json = args->Flag("json");

  if (sub == "list") {
    auto all = store.List();
    if (!all.ok())
      return Fail("product list", all.status());
    if (json) {
      Json out = Json::array();
      for (const catalog::ProductSummary& p : *all) {
        out.push_back(products::ProductSummaryJson(p));
      }
      std::puts(out.dump(1).c_str());
      return 0;
    }
    std::printf("%-32s  %-10s  %-20s  %6s  %s\n", "product", "version", "owner", "tables",
                "description");
    for (const catalog::ProductSummary& p : *all) {
      std::string description = p.description;
      if (p.deprecated) {
        description = "[deprecated" +
                      (p.deprecation_note.empty() ? "" : ": " + p.deprecation_note) + "] " +
                      description;
      }
      std::printf("%-32s  %-10s  %-20s  %6lld  %s\n", (p.domain + "." + p.name).c_str(),
                  p.version.c_str(), p.owner_team.c_str(), static_cast<long long>(p.tables),
                  description.c_str());
    }
    return 0;
  }
  auto name = ProductName(args->positional[1]);
  if (!name.ok())
    return Fail("product " + sub, name.status(), true);
  if (sub == "lineage")
    return Lineage(store, name->first + "." + name->second,
                   args->Option("format").value_or(json ? "json" : "tree"));
  if (sub == "quality")
    return Quality(store, name->first, name->second, json);
  if (sub == "deprecate") {
    Status marked = store.SetDeprecated(name->first, name->second, !args->Flag("undo"),
                                        args->Option("note").value_or(""));
    if (!marked.ok())
      return Fail("product deprecate", marked);
    std::printf("%s %s\n", args->Flag("undo") ? "no longer deprecated:" : "deprecated:",
                args->positional[1].c_str());
    return 0;
  }
  if (sub == "delete")
    return Delete(store, data_dir, name->first, name->second);
  if (sub == "show") {
    std::optional<int64_t> revision;
    if (auto text = args->Option("revision")) {
      auto number = ParseInt64(*text);
      if (!number.ok())
        return Fail("product show", Status::InvalidArgument("--revision takes a number"), true);
      revision = *number;
    }
    auto version = revision ? store.Revision(name->first, name->second, *revision)
                            : store.Current(name->first, name->second);
    if (!version.ok())
      return Fail("product show", version.status());
    // The last 30 days of the audit log.
    int64_t since = SystemClock::Instance().NowMillis() - int64_t{30} * 86400 * 1000;
    auto usage = ReadProductUsage(data_dir, since);
    if (!usage.ok())
      return Fail("product show: reading the audit log", usage.status());
    const ProductUsage& used = (*usage)[args->positional[1]];
    if (json) {
      Json out = products::ProductVersionJson(*version, true);
      out["usage_30d"] = used.ToJson();
      std::puts(out.dump(1).c_str());
      return 0;
    }
    PrintVersion(*version);
    std::printf(
        "\nusage (30 days): %lld queries, %lld sharing requests, %lld file downloads "
        "(%lld bytes), %zu principals%s\n",
        static_cast<long long>(used.queries), static_cast<long long>(used.sharing_requests),
        static_cast<long long>(used.file_downloads), static_cast<long long>(used.bytes_shared),
        used.by_principal.size(),
        used.last_used_ms > 0 ? (", last " + FormatIso8601Millis(used.last_used_ms)).c_str() : "");
    return 0;
  }
  auto history = store.History(name->first, name->second);
  if (!history.ok())
    return Fail("product history", history.status());
  if (json) {
    Json out = Json::array();
    for (const catalog::ProductVersion& v : *history)
      out.push_back(products::ProductVersionJson(v, false));
    std::puts(out.dump(1).c_str());
    return 0;
  }
  std::printf("%8s  %-10s  %-24s  %-8s  %s\n", "revision", "version", "published", "contract",
              "tables (rows @ Delta version)");
  for (const catalog::ProductVersion& v : *history) {
    std::string tables;
    for (const catalog::CatalogTable& t : v.tables) {
      tables += (tables.empty() ? "" : ", ") + t.name + " (" + std::to_string(t.rows) + " @ " +
                std::to_string(t.delta_version) + ")";
    }
    std::printf("%8lld  %-10s  %-24s  %-8s  %s\n", static_cast<long long>(v.revision),
                v.version.c_str(), FormatIso8601Millis(v.published_ms).c_str(),
                v.quality_passed ? "passed" : "warned", tables.c_str());
  }
  return 0;
}

}  // namespace tessera::cli
