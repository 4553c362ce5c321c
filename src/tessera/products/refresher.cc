#include "tessera/products/refresher.h"

#include "tessera/common/logging.h"
#include "tessera/common/time.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/delta_functions.h"
#include "tessera/products/apply.h"
#include "tessera/storage/local_storage.h"

namespace tessera::products {

std::unique_ptr<ProductRefresher> ProductRefresher::Start(
    std::string data_dir, catalog::ProductStore& store, access::AccessStore& access,
    std::chrono::milliseconds tick, ConnectionExtender extend, RemoteVersionLookup remote_version) {
  std::unique_ptr<ProductRefresher> refresher(
      new ProductRefresher(std::move(data_dir), store, access));
  refresher->extend_ = std::move(extend);
  refresher->remote_version_ = std::move(remote_version);
  refresher->thread_ = std::thread([r = refresher.get(), tick] { r->Loop(tick); });
  return refresher;
}

ProductRefresher::~ProductRefresher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void ProductRefresher::Loop(std::chrono::milliseconds tick) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, tick, [this] { return stopping_; });
    if (stopping_)
      break;
    lock.unlock();
    RefreshDue();
    lock.lock();
  }
}

int ProductRefresher::RefreshDue() {
  auto candidates = store_.RefreshCandidates();
  if (!candidates.ok()) {
    Log(LogLevel::kWarn, "refresh: cannot read the catalog: " + candidates.status().ToString());
    return 0;
  }
  int published = 0;
  int64_t now = SystemClock::Instance().NowMillis();
  for (const catalog::ProductVersion& current : *candidates) {
    const std::string name = current.domain + "." + current.name;
    int64_t interval_ms = current.refresh_seconds * 1000;
    int64_t last = std::max(current.published_ms, last_attempt_[name]);
    if (now - last < interval_ms)
      continue;
    last_attempt_[name] = now;
    Status status = Refresh(current);
    if (status.ok()) {
      ++published;
    } else {
      Log(LogLevel::kWarn, "refresh of " + name + " failed (next try in " +
                               std::to_string(current.refresh_seconds) +
                               " s): " + status.ToString());
    }
  }
  return published;
}

Status ProductRefresher::Refresh(const catalog::ProductVersion& current) {
  if (current.descriptor_path.empty())
    return Status::NotFound("no descriptor path recorded; apply it once with tessera apply");
  TESSERA_ASSIGN_OR_RETURN(ProductDescriptor descriptor, LoadDescriptor(current.descriptor_path));
  if (descriptor.FullName() != current.domain + "." + current.name) {
    return Status::InvalidArgument(current.descriptor_path + " now describes " +
                                   descriptor.FullName());
  }
  // A session of its own, like `tessera apply`'s: Delta functions, the node's tables at their
  // published versions.
  TESSERA_ASSIGN_OR_RETURN(auto database, engine::Database::Open({}));
  TESSERA_ASSIGN_OR_RETURN(auto connection, engine::Connection::Open(*database));
  engine::DuckdbCheckpointReader reader(*database);
  storage::Storage& storage = storage::LocalStorage::Instance();
  TESSERA_RETURN_NOT_OK(connection->Execute("SET TimeZone = 'UTC'"));
  TESSERA_RETURN_NOT_OK(engine::RegisterDeltaFunctions(connection->handle(), storage, reader));
  std::vector<engine::TableName> mounted;
  if (extend_) {
    std::string sql;
    for (const TableSpec& t : descriptor.tables)
      sql += t.source.sql + "\n";
    for (const RuleSpec& r : descriptor.rules)
      sql += r.sql + "\n" + r.references + "\n";
    TESSERA_ASSIGN_OR_RETURN(mounted, extend_(*connection, sql));
  }
  TESSERA_ASSIGN_OR_RETURN(engine::TablePins pins, store_.Pins());
  TESSERA_RETURN_NOT_OK(engine::AttachDataDir(*connection, data_dir_, std::nullopt, &pins));
  ApplyContext context;
  context.connection = connection.get();
  context.storage = &storage;
  context.reader = &reader;
  context.store = &store_;
  context.access = &access_;
  context.data_dir = data_dir_;
  context.mounted_tables = std::move(mounted);
  context.remote_version = remote_version_;
  TESSERA_ASSIGN_OR_RETURN(ApplyReport report, Apply(descriptor, context));
  connection.reset();
  if (!report.published)
    return Status::Conflict("not published: " + report.blocked_by);
  std::string rows;
  for (const TableBuild& t : report.tables) {
    rows += (rows.empty() ? "" : ", ") + t.name + " " + std::to_string(t.rows) + " rows";
    if (t.mode == "append")
      rows += " (+" + std::to_string(t.added_rows) + ": " + t.read_changes + ")";
    else if (t.mode == "unchanged")
      rows += " (nothing new)";
  }
  Log(LogLevel::kInfo, "refreshed " + report.product + " " + report.version + " as revision " +
                           std::to_string(report.revision) + " (" + rows + ")");
  return Status::OK();
}

}  // namespace tessera::products
