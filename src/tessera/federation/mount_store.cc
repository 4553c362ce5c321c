#include "tessera/federation/mount_store.h"

#include "tessera/catalog/db.h"

namespace tessera::federation {
namespace {

// Schema component "federation" in catalog.db; step i is version i + 1. Append, never edit.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kSteps = {
      "CREATE TABLE federation_mounts ("
      " name TEXT PRIMARY KEY,"
      " kind TEXT NOT NULL,"
      " profile TEXT NOT NULL,"
      " endpoint TEXT NOT NULL,"
      " created_ms INTEGER NOT NULL,"
      " refreshed_ms INTEGER NOT NULL);"
      "CREATE TABLE federation_tables ("
      " mount TEXT NOT NULL REFERENCES federation_mounts(name) ON DELETE CASCADE,"
      " share TEXT NOT NULL,"
      " schema_name TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " PRIMARY KEY (mount, schema_name, name));",
      // Client settings of a mount (e.g. a CA bundle), kept apart from the profile.
      "ALTER TABLE federation_mounts ADD COLUMN ca_file TEXT NOT NULL DEFAULT '';",
      "ALTER TABLE federation_mounts ADD COLUMN timeout_seconds INTEGER NOT NULL DEFAULT 0;",
  };
  return kSteps;
}

Status NoMount(std::string_view name) {
  return Status::NotFound("mount '" + std::string(name) + "' does not exist");
}

}  // namespace

Status CheckMountName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 63 && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok)
    return Status::InvalidArgument("mount name '" + std::string(name) +
                                   "' must be a lower-case identifier (a-z, 0-9, _; at most 63 "
                                   "characters, not starting with a digit)");
  return Status::OK();
}

Result<std::unique_ptr<MountStore>> MountStore::Open(const std::string& data_dir,
                                                     const Clock* clock) {
  TESSERA_ASSIGN_OR_RETURN(auto db, catalog::Db::Open(data_dir + "/catalog.db"));
  TESSERA_RETURN_NOT_OK(catalog::Migrate(*db, "federation", Migrations()));
  return std::unique_ptr<MountStore>(new MountStore(std::move(db), clock));
}

Status MountStore::Add(const Mount& mount) {
  TESSERA_RETURN_NOT_OK(CheckMountName(mount.name));
  TESSERA_ASSIGN_OR_RETURN(auto transaction, catalog::Transaction::Begin(*db_));
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("INSERT INTO federation_mounts(name, kind, "
                                                   "profile, endpoint, created_ms, refreshed_ms, "
                                                   "ca_file, timeout_seconds) VALUES "
                                                   "(?, ?, ?, ?, ?, ?, ?, ?)"));
  int64_t now = clock_->NowMillis();
  stmt.Bind(1, mount.name).Bind(2, mount.kind).Bind(3, mount.profile).Bind(4, mount.endpoint);
  stmt.Bind(5, now).Bind(6, now).Bind(7, mount.ca_file).Bind(8, mount.timeout_seconds);
  Status status = stmt.Run();
  if (status.code() == StatusCode::kAlreadyExists)
    return Status::AlreadyExists("mount '" + mount.name + "' already exists");
  TESSERA_RETURN_NOT_OK(status);
  TESSERA_RETURN_NOT_OK(WriteTables(mount.name, mount.tables));
  return transaction.Commit();
}

Status MountStore::WriteTables(std::string_view name, const std::vector<MountedTable>& tables) {
  TESSERA_ASSIGN_OR_RETURN(auto clear,
                           db_->Prepare("DELETE FROM federation_tables WHERE mount = ?"));
  clear.Bind(1, name);
  TESSERA_RETURN_NOT_OK(clear.Run());
  TESSERA_ASSIGN_OR_RETURN(auto insert,
                           db_->Prepare("INSERT OR IGNORE INTO federation_tables(mount, share, "
                                        "schema_name, name) VALUES (?, ?, ?, ?)"));
  for (const MountedTable& table : tables) {
    insert.Reset();
    insert.Bind(1, name).Bind(2, table.share).Bind(3, table.schema).Bind(4, table.name);
    TESSERA_RETURN_NOT_OK(insert.Run());
  }
  return Status::OK();
}

Status MountStore::SetTables(std::string_view name, const std::vector<MountedTable>& tables) {
  TESSERA_ASSIGN_OR_RETURN(auto transaction, catalog::Transaction::Begin(*db_));
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("UPDATE federation_mounts SET refreshed_ms = ? "
                                                   "WHERE name = ?"));
  stmt.Bind(1, clock_->NowMillis()).Bind(2, name);
  TESSERA_RETURN_NOT_OK(stmt.Run());
  if (db_->Changes() == 0)
    return NoMount(name);
  TESSERA_RETURN_NOT_OK(WriteTables(name, tables));
  return transaction.Commit();
}

Status MountStore::Remove(std::string_view name) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("DELETE FROM federation_mounts WHERE name = ?"));
  stmt.Bind(1, name);
  TESSERA_RETURN_NOT_OK(stmt.Run());
  if (db_->Changes() == 0)
    return NoMount(name);
  return Status::OK();
}

Result<std::vector<MountedTable>> MountStore::ReadTables(std::string_view name) {
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("SELECT share, schema_name, name FROM federation_tables "
                                        "WHERE mount = ? ORDER BY schema_name, name"));
  stmt.Bind(1, name);
  std::vector<MountedTable> tables;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row)
      break;
    tables.push_back({stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnText(2)});
  }
  return tables;
}

Result<Mount> MountStore::Get(std::string_view name) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("SELECT name, kind, profile, endpoint, created_ms, "
                                        "refreshed_ms, ca_file, timeout_seconds FROM "
                                        "federation_mounts WHERE name = ?"));
  stmt.Bind(1, name);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return NoMount(name);
  Mount mount;
  mount.name = stmt.ColumnText(0);
  mount.kind = stmt.ColumnText(1);
  mount.profile = stmt.ColumnText(2);
  mount.endpoint = stmt.ColumnText(3);
  mount.created_ms = stmt.ColumnInt64(4);
  mount.refreshed_ms = stmt.ColumnInt64(5);
  mount.ca_file = stmt.ColumnText(6);
  mount.timeout_seconds = stmt.ColumnInt64(7);
  TESSERA_ASSIGN_OR_RETURN(mount.tables, ReadTables(mount.name));
  return mount;
}

Result<std::vector<Mount>> MountStore::List() {
  auto lock = db_->Lock();
  std::vector<std::string> names;
  {
    TESSERA_ASSIGN_OR_RETURN(auto stmt,
                             db_->Prepare("SELECT name FROM federation_mounts ORDER BY name"));
    while (true) {
      TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row)
        break;
      names.push_back(stmt.ColumnText(0));
    }
  }
  std::vector<Mount> mounts;
  for (const std::string& name : names) {
    TESSERA_ASSIGN_OR_RETURN(Mount mount, Get(name));
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

}  // namespace tessera::federation
