#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "tessera/common/json.h"
#include "tessera/common/result.h"

namespace tessera::cli {

/// How much a product was used, from the audit log. Plain value.
struct ProductUsage {
  int64_t queries = 0;           // SQL statements (any SQL port) that named one of its tables
  int64_t sharing_requests = 0;  // Delta Sharing calls on a share table backed by it
  int64_t file_downloads = 0;    // data files of it fetched through signed URLs
  int64_t bytes_shared = 0;
  int64_t last_used_ms = 0;
  std::map<std::string, int64_t> by_principal;  // who: calls per principal or recipient

  Json ToJson() const;
};

/// Usage of every product ("domain.name") since `since_ms`, from the newest audit events
/// (at most a million) that succeeded: SQL statements naming a table of the product, Delta Sharing
/// requests and file downloads of share tables whose source is one of its tables. Errors: the
/// audit log's and the catalog's.
Result<std::map<std::string, ProductUsage>> ReadProductUsage(const std::string& data_dir,
                                                             int64_t since_ms);

}  // namespace tessera::cli
