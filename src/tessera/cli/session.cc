#include "tessera/cli/session.h"

#include <filesystem>

#include "tessera/engine/data_dir.h"
#include "tessera/engine/delta_functions.h"
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
  if (sql) {
    session->hints_ = std::make_unique<engine::ScopedScanHints>(
        engine::ExtractScanHints(*session->connection_, *sql, data_dir));
  }
  TESSERA_RETURN_NOT_OK(engine::AttachDataDir(*session->connection_, data_dir, sql));
  return session;
}

Result<std::string> Session::ResolveTable(const std::string& argument) const {
  if (argument.find('/') != std::string::npos) {
    return std::filesystem::absolute(argument).lexically_normal().string();
  }
  TESSERA_ASSIGN_OR_RETURN(engine::TableName name, engine::ParseTableName(argument));
  return engine::TableRoot(data_dir_, name);
}

}  // namespace tessera::cli
