#include "tessera/cli/session.h"

#include <filesystem>
#include <set>

#include "tessera/access/catalog_tables.h"
#include "tessera/catalog/product_store.h"
#include "tessera/common/strings.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/delta_functions.h"
#include "tessera/engine/sql_text.h"
#include "tessera/storage/local_storage.h"

namespace tessera::cli {

Result<std::unique_ptr<Session>> Session::Open(const std::string& data_dir,
                                               std::optional<std::string_view> sql) {
  auto session = std::make_unique<Session>();
  session->data_dir_ = data_dir;
  TESSERA_ASSIGN_OR_RETURN(session->database_, engine::Database::Open({}));
  TESSERA_ASSIGN_OR_RETURN(session->connection_, engine::Connection::Open(*session->database_));
  session->reader_ = std::make_unique<engine::DuckdbCheckpointReader>(*session->database_);
  TESSERA_RETURN_NOT_OK(session->connection_->Execute("SET TimeZone = 'UTC'"));
  TESSERA_RETURN_NOT_OK(engine::RegisterDeltaFunctions(
      session->connection_->handle(), storage::LocalStorage::Instance(), *session->reader_));
  // Mount functions first: a scalar function registered after ExtractScanHints's query silently
  // does not exist (seen with DuckDB 1.4.4; cause not yet found).
  TESSERA_RETURN_NOT_OK(session->RegisterMounts());
  if (sql) {
    session->hints_ = std::make_unique<engine::ScopedScanHints>(
        engine::ExtractScanHints(*session->connection_, *sql, data_dir));
  }
  // Views after the hints: creating a mount's view asks its server, with the query's filters.
  TESSERA_RETURN_NOT_OK(session->AttachMountViews(sql));
  // Product tables at the versions their catalog revision published (engine::TablePins).
  std::optional<engine::TablePins> pins;
  if (session->products_) {
    TESSERA_ASSIGN_OR_RETURN(pins, session->products_->Pins());
  }
  TESSERA_RETURN_NOT_OK(
      engine::AttachDataDir(*session->connection_, data_dir, sql, pins ? &*pins : nullptr));

  return session;
}

Status Session::RegisterMounts() {
  // No catalog, no mounts: a plain `tessera sql` must not create one.
  std::error_code ignored;
  if (!std::filesystem::exists(data_dir_ + "/catalog.db", ignored))
    return Status::OK();
  TESSERA_ASSIGN_OR_RETURN(mounts_, federation::MountStore::Open(data_dir_));
  share_mounts_ = std::make_unique<federation::ShareMounts>(*mounts_, data_dir_);
  file_mounts_ = std::make_unique<federation::FileMounts>(*mounts_);
  TESSERA_RETURN_NOT_OK(share_mounts_->Register(*connection_));
  TESSERA_RETURN_NOT_OK(file_mounts_->Register(*connection_));
  postgres_mounts_ = std::make_unique<federation::PostgresMounts>(*mounts_, data_dir_);
  TESSERA_RETURN_NOT_OK(postgres_mounts_->Register(*connection_));
  // The catalog's own tables; the CLI works on the data directory itself: every product.
  TESSERA_ASSIGN_OR_RETURN(products_, catalog::ProductStore::Open(data_dir_));
  return access::RegisterCatalogTables(*connection_, *products_,
                                       [](const std::string&, const std::string&) { return true; });
}

Status Session::AttachMountViews(std::optional<std::string_view> sql) {
  if (!mounts_)
    return Status::OK();
  TESSERA_ASSIGN_OR_RETURN(auto local, engine::ListTables(data_dir_));
  std::set<std::string> local_domains;
  for (const auto& t : local)
    local_domains.insert(t.domain);
  return access::AttachExtensionViews(*connection_, Extensions(), sql, local_domains).status();
}

std::vector<access::SessionExtension*> Session::Extensions() {
  return {share_mounts_.get(), file_mounts_.get(), postgres_mounts_.get()};
}

Result<std::vector<engine::TableName>> Session::MountedTables() {
  std::vector<engine::TableName> out;
  if (!mounts_)
    return out;
  for (access::SessionExtension* extension : Extensions()) {
    TESSERA_ASSIGN_OR_RETURN(auto tables, extension->Tables());
    for (access::ExtensionTable& t : tables)
      out.push_back(std::move(t.name));
  }
  return out;
}

Result<std::optional<int64_t>> Session::RemoteVersion(const engine::TableName& table) {
  if (!share_mounts_)
    return std::optional<int64_t>();
  return share_mounts_->VersionIfShared(table);
}

Result<std::string> Session::ResolveTable(const std::string& argument) const {
  if (argument.find('/') != std::string::npos) {
    return std::filesystem::absolute(argument).lexically_normal().string();
  }
  TESSERA_ASSIGN_OR_RETURN(engine::TableName name, engine::ParseTableName(argument));
  return engine::TableRoot(data_dir_, name);
}

}  // namespace tessera::cli
