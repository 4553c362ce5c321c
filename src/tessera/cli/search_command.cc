// `tessera search WORDS`: find data products in the catalog.

#include <cstdio>

#include "tessera/catalog/product_store.h"
#include "tessera/cli/args.h"
#include "tessera/cli/commands.h"
#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/products/catalog_json.h"

namespace tessera::cli {
namespace {

constexpr const char* kSearchUsage =
    R"(Usage: tessera search [WORDS] [--domain D] [--tag T] [--classification C] [--owner TEAM]
                      [--limit N] [--json] [--data-dir DIR]

Find data products by their names, descriptions, tables, columns, tags and owners. Every word
must match (as a word prefix, so "delay" also finds "delays"); names weigh most. Deprecated
products come last and say so. With filters only, lists the products that pass them.

Options:
  --domain D           only products of domain D
  --tag T              only products tagged T
  --classification C   only products with a column classified C (pii, confidential, ...)
  --owner TEAM         only products the team owns
  --limit N            at most N results (default 20, at most 1000)
  --json               print JSON
Example:
  tessera search "delay airport"
  tessera search --classification pii
)";

}  // namespace

int SearchCommand(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {"data-dir", "domain", "tag", "classification", "owner", "limit"},
                        {"help", "json"});
  if (!args.ok())
    return Fail("search", args.status(), true);
  if (args->Flag("help")) {
    std::fputs(kSearchUsage, stdout);
    return 0;
  }
  catalog::SearchQuery query;
  query.text = Join(args->positional, " ");
  query.domain = args->Option("domain").value_or("");
  query.tag = args->Option("tag").value_or("");
  query.classification = args->Option("classification").value_or("");
  query.owner = args->Option("owner").value_or("");
  if (auto limit = args->Option("limit")) {
    auto n = ParseInt64(*limit);
    if (!n.ok() || *n < 1 || *n > 1000)
      return Fail("search", Status::InvalidArgument("--limit takes 1 to 1000"), true);
    query.limit = *n;
  }
  std::string data_dir = args->Option("data-dir").value_or("./tessera-data");
  auto store = catalog::ProductStore::Open(data_dir);
  if (!store.ok())
    return Fail("opening the catalog", store.status());
  auto hits = (*store)->Search(query);
  if (!hits.ok())
    return Fail("search", hits.status(), true);
  if (args->Flag("json")) {
    Json out = Json::array();
    for (const catalog::SearchHit& h : *hits) {
      out.push_back(products::SearchHitJson(h));
    }
    std::puts(out.dump(1).c_str());
    return 0;
  }
  if (hits->empty()) {
    std::puts("no products match");
    return 0;
  }
  for (const catalog::SearchHit& h : *hits) {
    std::printf("%s.%s %s%s  (owner %s)\n", h.domain.c_str(), h.name.c_str(), h.version.c_str(),
                h.deprecated ? " [deprecated]" : "", h.owner_team.c_str());
    if (!h.description.empty())
      std::printf("    %s\n", h.description.c_str());
    if (!h.snippet.empty())
      std::printf("    matched: %s\n", h.snippet.c_str());
  }
  return 0;
}

}  // namespace tessera::cli
