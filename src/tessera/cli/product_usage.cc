#include "tessera/cli/product_usage.h"

#include <cctype>
#include <filesystem>

#include "tessera/access/audit_log.h"
#include "tessera/catalog/product_store.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/sharing/share_store.h"

namespace tessera::cli {
namespace {

// Whether lower-case `sql` names something inside "domain.name." as a whole word.
bool NamesProduct(const std::string& sql, const std::string& product) {
  const std::string prefix = product + ".";
  for (size_t at = sql.find(prefix); at != std::string::npos; at = sql.find(prefix, at + 1)) {
    if (at == 0 || !(std::isalnum(static_cast<unsigned char>(sql[at - 1])) || sql[at - 1] == '_' ||
                     sql[at - 1] == '.'))
      return true;
  }
  return false;
}

std::string WithoutQuotes(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != '"')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

Json ProductUsage::ToJson() const {
  return {{"queries", queries},
          {"sharing_requests", sharing_requests},
          {"file_downloads", file_downloads},
          {"bytes_shared", bytes_shared},
          {"last_used", last_used_ms > 0 ? Json(FormatIso8601Millis(last_used_ms)) : Json()},
          {"by_principal", by_principal}};
}

Result<std::map<std::string, ProductUsage>> ReadProductUsage(const std::string& data_dir,
                                                             int64_t since_ms) {
  TESSERA_ASSIGN_OR_RETURN(auto products, catalog::ProductStore::Open(data_dir));
  TESSERA_ASSIGN_OR_RETURN(auto all, products->List());
  std::map<std::string, ProductUsage> usage;
  for (const catalog::ProductSummary& p : all)
    usage[p.domain + "." + p.name];
  // Share tables backed by a product table: "share.schema.table" -> "domain.name".
  std::map<std::string, std::string> shared;
  TESSERA_ASSIGN_OR_RETURN(auto shares, sharing::ShareStore::Open(data_dir));
  TESSERA_ASSIGN_OR_RETURN(auto share_list, shares->ListShares());
  for (const auto& share : share_list) {
    TESSERA_ASSIGN_OR_RETURN(auto tables, shares->ListTables(share.name, std::nullopt));
    for (const sharing::SharedTable& t : tables) {
      if (t.source_kind != sharing::TableSourceKind::kTessera)
        continue;
      std::string product = t.source.substr(0, t.source.rfind('.'));
      if (usage.count(product) != 0)
        shared[ToLower(t.share + "." + t.schema + "." + t.name)] = product;
    }
  }
  TESSERA_ASSIGN_OR_RETURN(auto events, access::ReadAuditLog(data_dir, 1000000));
  for (const access::AuditEvent& e : events) {
    if (e.time_ms < since_ms || e.status != "ok")
      continue;  // a refused or failed call is not a use
    auto count = [&](const std::string& product) -> ProductUsage& {
      ProductUsage& u = usage[product];
      u.last_used_ms = std::max(u.last_used_ms, e.time_ms);
      ++u.by_principal[e.principal];
      return u;
    };
    if (!e.sql.empty()) {
      std::string sql = WithoutQuotes(e.sql);
      for (auto& [product, u] : usage) {
        if (NamesProduct(sql, product))
          ++count(product).queries;
      }
      continue;
    }
    std::string object = ToLower(e.object);
    if (e.port == "files") {
      auto found = shared.find(object.substr(0, object.find('/')));
      if (found != shared.end()) {
        ProductUsage& u = count(found->second);
        ++u.file_downloads;
        u.bytes_shared += e.bytes;
      }
    } else if (e.port == "sharing") {
      auto found = shared.find(object);
      if (found != shared.end())
        ++count(found->second).sharing_requests;
    }
  }
  return usage;
}

}  // namespace tessera::cli
