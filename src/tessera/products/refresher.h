#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "tessera/access/access_store.h"
#include "tessera/catalog/product_store.h"
#include "tessera/common/result.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/database.h"

namespace tessera::products {

/// Adds what the node offers besides its own tables (mounts) to a refresh's connection, before
/// it runs anything: registers their functions, creates the views `sql` names, and returns
/// every table they offer (for lineage).
using ConnectionExtender =
    std::function<Result<std::vector<engine::TableName>>(engine::Connection&, std::string_view)>;

/// The current version of a mounted table on its server, or nullopt for mounts without one
/// (ApplyContext::remote_version): lets refreshes add only what remote tables appended.
using RemoteVersionLookup = std::function<Result<std::optional<int64_t>>(const engine::TableName&)>;

/// Re-applies the products whose descriptor asks for it (`refresh: {interval: 1h}`), from the
/// descriptor file they were last applied from, while `tessera serve` runs: the same pipeline as
/// `tessera apply` (contract, version check, all-or-nothing publish). A failed or blocked
/// refresh is logged and tried again after the next interval; it never stops the node.
/// Owns one background thread; thread-safe.
class ProductRefresher {
 public:
  /// Start checking every `tick` which products are due. The stores must outlive the refresher.
  static std::unique_ptr<ProductRefresher> Start(std::string data_dir, catalog::ProductStore& store,
                                                 access::AccessStore& access,
                                                 std::chrono::milliseconds tick,
                                                 ConnectionExtender extend = nullptr,
                                                 RemoteVersionLookup remote_version = nullptr);
  ~ProductRefresher();
  ProductRefresher(const ProductRefresher&) = delete;
  ProductRefresher& operator=(const ProductRefresher&) = delete;

  /// Refresh every product that is due now, on the caller's thread; return how many were
  /// published. Errors of single products are logged, not returned.
  int RefreshDue();

 private:
  ProductRefresher(std::string data_dir, catalog::ProductStore& store, access::AccessStore& access)
      : data_dir_(std::move(data_dir)), store_(store), access_(access) {}
  void Loop(std::chrono::milliseconds tick);
  Status Refresh(const catalog::ProductVersion& current);

  std::string data_dir_;
  catalog::ProductStore& store_;
  access::AccessStore& access_;
  ConnectionExtender extend_;
  RemoteVersionLookup remote_version_;
  // When each product was last tried ("domain.name" -> ms), so a failing one waits an interval.
  std::map<std::string, int64_t> last_attempt_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tessera::products
