#include "tessera/sharing/share_store.h"

#include <utility>

#include "tessera/catalog/db.h"
#include "tessera/common/crypto.h"
#include "tessera/common/random.h"
#include "tessera/common/strings.h"
#include "tessera/engine/data_dir.h"
#include "tessera/sharing/names.h"

namespace tessera::sharing {
namespace {

// Schema component "sharing" in catalog.db; step i is version i + 1. Append, never edit.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kSteps = {
      "CREATE TABLE sharing_shares ("
      " id TEXT PRIMARY KEY,"
      " name TEXT NOT NULL,"
      " name_key TEXT NOT NULL UNIQUE,"
      " comment TEXT NOT NULL,"
      " created_ms INTEGER NOT NULL);"
      "CREATE TABLE sharing_tables ("
      " id TEXT PRIMARY KEY,"
      " share_id TEXT NOT NULL REFERENCES sharing_shares(id) ON DELETE CASCADE,"
      " schema_name TEXT NOT NULL,"
      " schema_key TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " name_key TEXT NOT NULL,"
      " source_kind TEXT NOT NULL CHECK (source_kind IN ('tessera', 'path')),"
      " source TEXT NOT NULL,"
      " history INTEGER NOT NULL,"
      " start_version INTEGER,"
      " comment TEXT NOT NULL,"
      " created_ms INTEGER NOT NULL,"
      " UNIQUE (share_id, schema_key, name_key));"
      "CREATE TABLE sharing_recipients ("
      " id TEXT PRIMARY KEY,"
      " name TEXT NOT NULL,"
      " name_key TEXT NOT NULL UNIQUE,"
      " comment TEXT NOT NULL,"
      " created_ms INTEGER NOT NULL);"
      "CREATE TABLE sharing_tokens ("
      " id TEXT PRIMARY KEY,"
      " recipient_id TEXT NOT NULL REFERENCES sharing_recipients(id) ON DELETE CASCADE,"
      " sha256 TEXT NOT NULL UNIQUE,"
      " created_ms INTEGER NOT NULL,"
      " expires_ms INTEGER,"
      " revoked_ms INTEGER);"
      "CREATE INDEX sharing_tokens_recipient ON sharing_tokens(recipient_id);"
      "CREATE TABLE sharing_grants ("
      " share_id TEXT NOT NULL REFERENCES sharing_shares(id) ON DELETE CASCADE,"
      " recipient_id TEXT NOT NULL REFERENCES sharing_recipients(id) ON DELETE CASCADE,"
      " created_ms INTEGER NOT NULL,"
      " PRIMARY KEY (share_id, recipient_id));",
  };
  return kSteps;
}

constexpr std::string_view kTokenPrefix = "dss_";
constexpr size_t kMaxComment = 1000;
constexpr int64_t kMaxTtlSeconds = int64_t{100} * 366 * 24 * 3600;

constexpr std::string_view kTableColumns =
    "t.id, s.name, t.schema_name, t.name, s.id, t.source_kind, t.source, t.history, "
    "t.start_version, t.comment, t.created_ms";

SharedTable TableFromRow(const catalog::Statement& row) {
  SharedTable table;
  table.id = row.ColumnText(0);
  table.share = row.ColumnText(1);
  table.schema = row.ColumnText(2);
  table.name = row.ColumnText(3);
  table.share_id = row.ColumnText(4);
  table.source_kind =
      row.ColumnText(5) == "tessera" ? TableSourceKind::kTessera : TableSourceKind::kPath;
  table.source = row.ColumnText(6);
  table.history_shared = row.ColumnInt64(7) != 0;
  table.start_version = row.ColumnOptInt64(8);
  table.comment = row.ColumnText(9);
  table.created_ms = row.ColumnInt64(10);
  return table;
}

Status NoShare(std::string_view name) {
  return Status::NotFound("share '" + std::string(name) + "' not found");
}
Status NoRecipient(std::string_view name) {
  return Status::NotFound("recipient '" + std::string(name) + "' not found");
}

Status CheckComment(std::string_view comment) {
  if (comment.size() > kMaxComment)
    return Status::InvalidArgument("comment must be at most 1000 bytes");
  return Status::OK();
}

Status CheckTtl(std::optional<std::chrono::seconds> ttl) {
  if (ttl && ttl->count() <= 0)
    return Status::InvalidArgument("token lifetime must be positive");
  if (ttl && ttl->count() > kMaxTtlSeconds)
    return Status::InvalidArgument("token lifetime must be at most 100 years");
  return Status::OK();
}

Status CheckSource(TableSourceKind kind, std::string_view source) {
  if (kind == TableSourceKind::kTessera)
    return engine::ParseTableName(source).status();
  if (source.empty() || source.front() != '/')
    return Status::InvalidArgument("a shared table's path must be absolute: '" +
                                   std::string(source) + "'");
  for (const std::string& segment : Split(source.substr(1), '/')) {
    if (segment.empty() || segment == "." || segment == "..") {
      return Status::InvalidArgument(
          "a shared table's path must be normalized (no '.', '..' "
          "or '//'): '" +
          std::string(source) + "'");
    }
  }
  if (source.find('\0') != std::string_view::npos)
    return Status::InvalidArgument("a shared table's path may not contain NUL");
  return Status::OK();
}

bool IsUniqueViolation(const Status& status) {
  return status.code() == StatusCode::kAlreadyExists ||
         status.message().find("UNIQUE constraint failed") != std::string::npos;
}

}  // namespace

std::string SharedTableRoot(const std::string& data_dir, const SharedTable& table) {
  if (table.source_kind == TableSourceKind::kTessera) {
    auto name = engine::ParseTableName(table.source);
    if (name.ok())
      return engine::TableRoot(data_dir, *name);
  }
  return table.source;
}

Result<std::unique_ptr<ShareStore>> ShareStore::Open(const std::string& data_dir,
                                                     const Clock* clock) {
  TESSERA_ASSIGN_OR_RETURN(auto db, catalog::Db::Open(data_dir + "/catalog.db"));
  TESSERA_RETURN_NOT_OK(catalog::Migrate(*db, "sharing", Migrations()));
  return std::unique_ptr<ShareStore>(new ShareStore(std::move(db), clock));
}

ShareStore::ShareStore(std::unique_ptr<catalog::Db> db, const Clock* clock)
    : db_(std::move(db)), clock_(clock) {}

ShareStore::~ShareStore() = default;

// ---- shares ------------------------------------------------------------------------------------

Result<Share> ShareStore::CreateShare(std::string_view name, std::string_view comment) {
  TESSERA_RETURN_NOT_OK(CheckName(NameKind::kShare, name));
  TESSERA_RETURN_NOT_OK(CheckComment(comment));
  Share share{std::string(name), RandomUuid(), std::string(comment), clock_->NowMillis()};
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("INSERT INTO sharing_shares(id, name, "
                                                   "name_key, comment, created_ms) "
                                                   "VALUES (?, ?, ?, ?, ?)"));
  stmt.Bind(1, share.id).Bind(2, share.name).Bind(3, FoldName(name)).Bind(4, share.comment);
  stmt.Bind(5, share.created_ms);
  Status status = stmt.Run();
  if (!status.ok() && IsUniqueViolation(status))
    return Status::AlreadyExists("share '" + std::string(name) + "' already exists");
  TESSERA_RETURN_NOT_OK(status);
  return share;
}

Status ShareStore::DropShare(std::string_view name) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("DELETE FROM sharing_shares WHERE name_key = ?"));
  stmt.Bind(1, FoldName(name));
  TESSERA_RETURN_NOT_OK(stmt.Run());
  if (db_->Changes() == 0)
    return NoShare(name);
  return Status::OK();
}

Result<std::vector<Share>> ShareStore::ListShares() {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT name, id, comment, created_ms FROM "
                                                   "sharing_shares ORDER BY name_key"));
  std::vector<Share> shares;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row)
      break;
    shares.push_back(
        {stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnText(2), stmt.ColumnInt64(3)});
  }
  return shares;
}

Result<Share> ShareStore::GetShare(std::string_view name) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT name, id, comment, created_ms FROM "
                                                   "sharing_shares WHERE name_key = ?"));
  stmt.Bind(1, FoldName(name));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return NoShare(name);
  return Share{stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnText(2), stmt.ColumnInt64(3)};
}

Result<std::string> ShareStore::ShareId(std::string_view name) {
  TESSERA_ASSIGN_OR_RETURN(Share share, GetShare(name));
  return share.id;
}

Result<ShareInfo> ShareStore::DescribeShare(std::string_view name) {
  auto lock = db_->Lock();
  ShareInfo info;
  TESSERA_ASSIGN_OR_RETURN(info.share, GetShare(name));
  TESSERA_ASSIGN_OR_RETURN(info.tables, ListTables(name, std::nullopt));
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("SELECT r.name FROM sharing_grants g JOIN "
                                        "sharing_recipients r ON r.id = g.recipient_id WHERE "
                                        "g.share_id = ? ORDER BY r.name_key"));
  stmt.Bind(1, info.share.id);
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row)
      break;
    info.recipients.push_back(stmt.ColumnText(0));
  }
  return info;
}

// ---- tables ------------------------------------------------------------------------------------

Result<SharedTable> ShareStore::AddTable(std::string_view share, std::string_view schema,
                                         std::string_view table, TableSourceKind kind,
                                         std::string_view source, bool history_shared,
                                         std::optional<int64_t> start_version,
                                         std::string_view comment) {
  TESSERA_RETURN_NOT_OK(CheckName(NameKind::kSchema, schema));
  TESSERA_RETURN_NOT_OK(CheckName(NameKind::kTable, table));
  TESSERA_RETURN_NOT_OK(CheckComment(comment));
  TESSERA_RETURN_NOT_OK(CheckSource(kind, source));
  if (start_version && *start_version < 0)
    return Status::InvalidArgument("start version cannot be negative");
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(Share found, GetShare(share));
  SharedTable added;
  added.share = found.name;
  added.schema = std::string(schema);
  added.name = std::string(table);
  added.id = RandomUuid();
  added.share_id = found.id;
  added.source_kind = kind;
  added.source = std::string(source);
  added.history_shared = history_shared;
  added.start_version = start_version;
  added.comment = std::string(comment);
  added.created_ms = clock_->NowMillis();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("INSERT INTO sharing_tables(id, share_id, schema_name, schema_key, name, "
                   "name_key, source_kind, source, history, start_version, comment, created_ms) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  stmt.Bind(1, added.id)
      .Bind(2, added.share_id)
      .Bind(3, added.schema)
      .Bind(4, FoldName(schema))
      .Bind(5, added.name)
      .Bind(6, FoldName(table))
      .Bind(7, kind == TableSourceKind::kTessera ? "tessera" : "path")
      .Bind(8, added.source)
      .Bind(9, int64_t{history_shared ? 1 : 0})
      .BindOpt(10, start_version)
      .Bind(11, added.comment)
      .Bind(12, added.created_ms);
  Status status = stmt.Run();
  if (!status.ok() && IsUniqueViolation(status)) {
    return Status::AlreadyExists("share '" + found.name + "' already has a table " +
                                 std::string(schema) + "." + std::string(table));
  }
  TESSERA_RETURN_NOT_OK(status);
  return added;
}

Status ShareStore::RemoveTable(std::string_view share, std::string_view schema,
                               std::string_view table) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(std::string share_id, ShareId(share));
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("DELETE FROM sharing_tables WHERE share_id = "
                                                   "? AND schema_key = ? AND name_key = ?"));
  stmt.Bind(1, share_id).Bind(2, FoldName(schema)).Bind(3, FoldName(table));
  TESSERA_RETURN_NOT_OK(stmt.Run());
  if (db_->Changes() == 0) {
    return Status::NotFound("share '" + std::string(share) + "' has no table " +
                            std::string(schema) + "." + std::string(table));
  }
  return Status::OK();
}

Result<std::vector<std::string>> ShareStore::ListSchemas(std::string_view share) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(std::string share_id, ShareId(share));
  // The first-created spelling of a schema names it (SQLite takes bare columns from the row
  // that gives min()).
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("SELECT schema_name, min(created_ms) FROM sharing_tables "
                                        "WHERE share_id = ? GROUP BY schema_key ORDER BY "
                                        "schema_key"));
  stmt.Bind(1, share_id);
  std::vector<std::string> schemas;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row)
      break;
    schemas.push_back(stmt.ColumnText(0));
  }
  return schemas;
}

Result<std::vector<SharedTable>> ShareStore::ListTables(std::string_view share,
                                                        std::optional<std::string_view> schema) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(std::string share_id, ShareId(share));
  std::string sql = "SELECT " + std::string(kTableColumns) +
                    " FROM sharing_tables t JOIN sharing_shares s ON s.id = t.share_id "
                    "WHERE t.share_id = ?";
  if (schema)
    sql += " AND t.schema_key = ?";
  sql += " ORDER BY t.schema_key, t.name_key";
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare(sql));
  stmt.Bind(1, share_id);
  if (schema)
    stmt.Bind(2, FoldName(*schema));
  std::vector<SharedTable> tables;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row)
      break;
    tables.push_back(TableFromRow(stmt));
  }
  if (schema && tables.empty())
    return Status::NotFound("schema '" + std::string(*schema) + "' not found");
  return tables;
}

Result<SharedTable> ShareStore::GetTable(std::string_view share, std::string_view schema,
                                         std::string_view table) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(std::string share_id, ShareId(share));
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt, db_->Prepare("SELECT " + std::string(kTableColumns) +
                              " FROM sharing_tables t JOIN sharing_shares s ON s.id = t.share_id "
                              "WHERE t.share_id = ? AND t.schema_key = ? AND t.name_key = ?"));
  stmt.Bind(1, share_id).Bind(2, FoldName(schema)).Bind(3, FoldName(table));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) {
    return Status::NotFound("table '" + std::string(share) + "." + std::string(schema) + "." +
                            std::string(table) + "' not found");
  }
  return TableFromRow(stmt);
}

Result<SharedTable> ShareStore::GetTableById(std::string_view table_id) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt, db_->Prepare("SELECT " + std::string(kTableColumns) +
                              " FROM sharing_tables t JOIN sharing_shares s ON s.id = t.share_id "
                              "WHERE t.id = ?"));
  stmt.Bind(1, table_id);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return Status::NotFound("no shared table with id '" + std::string(table_id) + "'");
  return TableFromRow(stmt);
}

// ---- recipients and tokens ---------------------------------------------------------------------

Result<IssuedRecipientToken> ShareStore::InsertToken(const std::string& recipient_id,
                                                     std::optional<std::chrono::seconds> ttl) {
  TESSERA_RETURN_NOT_OK(CheckTtl(ttl));
  IssuedRecipientToken issued;
  issued.token = std::string(kTokenPrefix) + Base64UrlEncode(RandomBytes(32));
  issued.info.id = "rtk_" + HexEncode(RandomBytes(8));
  issued.info.created_ms = clock_->NowMillis();
  if (ttl)
    issued.info.expires_ms = issued.info.created_ms + ttl->count() * 1000;
  issued.info.active = true;
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("INSERT INTO sharing_tokens(id, recipient_id, sha256, "
                                        "created_ms, expires_ms) VALUES (?, ?, ?, ?, ?)"));
  stmt.Bind(1, issued.info.id)
      .Bind(2, recipient_id)
      .Bind(3, HexEncode(Sha256(issued.token)))
      .Bind(4, issued.info.created_ms)
      .BindOpt(5, issued.info.expires_ms);
  TESSERA_RETURN_NOT_OK(stmt.Run());
  return issued;
}

Result<std::string> ShareStore::RecipientId(std::string_view name) {
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("SELECT id FROM sharing_recipients WHERE name_key = ?"));
  stmt.Bind(1, FoldName(name));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return NoRecipient(name);
  return stmt.ColumnText(0);
}

Result<IssuedRecipientToken> ShareStore::CreateRecipient(std::string_view name,
                                                         std::string_view comment,
                                                         std::optional<std::chrono::seconds> ttl) {
  TESSERA_RETURN_NOT_OK(CheckName(NameKind::kRecipient, name));
  TESSERA_RETURN_NOT_OK(CheckComment(comment));
  TESSERA_RETURN_NOT_OK(CheckTtl(ttl));
  TESSERA_ASSIGN_OR_RETURN(auto transaction, catalog::Transaction::Begin(*db_));
  std::string id = RandomUuid();
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("INSERT INTO sharing_recipients(id, name, name_key, "
                                        "comment, created_ms) VALUES (?, ?, ?, ?, ?)"));
  stmt.Bind(1, id).Bind(2, name).Bind(3, FoldName(name)).Bind(4, comment);
  stmt.Bind(5, clock_->NowMillis());
  Status status = stmt.Run();
  if (!status.ok() && IsUniqueViolation(status))
    return Status::AlreadyExists("recipient '" + std::string(name) + "' already exists");
  TESSERA_RETURN_NOT_OK(status);
  TESSERA_ASSIGN_OR_RETURN(auto issued, InsertToken(id, ttl));
  TESSERA_RETURN_NOT_OK(transaction.Commit());
  return issued;
}

Result<IssuedRecipientToken> ShareStore::IssueToken(std::string_view recipient,
                                                    std::optional<std::chrono::seconds> ttl) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(std::string id, RecipientId(recipient));
  return InsertToken(id, ttl);
}

Result<IssuedRecipientToken> ShareStore::RotateToken(std::string_view recipient,
                                                     std::optional<std::chrono::seconds> ttl,
                                                     std::chrono::seconds grace) {
  if (grace.count() < 0)
    return Status::InvalidArgument("grace period cannot be negative");
  TESSERA_RETURN_NOT_OK(CheckTtl(ttl));
  TESSERA_ASSIGN_OR_RETURN(auto transaction, catalog::Transaction::Begin(*db_));
  TESSERA_ASSIGN_OR_RETURN(std::string id, RecipientId(recipient));
  int64_t until = clock_->NowMillis() + grace.count() * 1000;
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt, db_->Prepare("UPDATE sharing_tokens SET expires_ms = ? WHERE recipient_id = ? AND "
                              "revoked_ms IS NULL AND (expires_ms IS NULL OR expires_ms > ?)"));
  stmt.Bind(1, until).Bind(2, id).Bind(3, until);
  TESSERA_RETURN_NOT_OK(stmt.Run());
  TESSERA_ASSIGN_OR_RETURN(auto issued, InsertToken(id, ttl));
  TESSERA_RETURN_NOT_OK(transaction.Commit());
  return issued;
}

Status ShareStore::RevokeRecipient(std::string_view recipient) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(std::string id, RecipientId(recipient));
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("UPDATE sharing_tokens SET revoked_ms = ? "
                                                   "WHERE recipient_id = ? AND revoked_ms IS "
                                                   "NULL"));
  stmt.Bind(1, clock_->NowMillis()).Bind(2, id);
  return stmt.Run();
}

Status ShareStore::DropRecipient(std::string_view recipient) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("DELETE FROM sharing_recipients WHERE name_key = ?"));
  stmt.Bind(1, FoldName(recipient));
  TESSERA_RETURN_NOT_OK(stmt.Run());
  if (db_->Changes() == 0)
    return NoRecipient(recipient);
  return Status::OK();
}

Result<std::vector<RecipientTokenInfo>> ShareStore::Tokens(const std::string& recipient_id) {
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("SELECT id, created_ms, expires_ms, revoked_ms FROM "
                                        "sharing_tokens WHERE recipient_id = ? ORDER BY "
                                        "created_ms, id"));
  stmt.Bind(1, recipient_id);
  int64_t now = clock_->NowMillis();
  std::vector<RecipientTokenInfo> tokens;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row)
      break;
    RecipientTokenInfo info;
    info.id = stmt.ColumnText(0);
    info.created_ms = stmt.ColumnInt64(1);
    info.expires_ms = stmt.ColumnOptInt64(2);
    info.revoked_ms = stmt.ColumnOptInt64(3);
    info.active = !info.revoked_ms && (!info.expires_ms || *info.expires_ms > now);
    tokens.push_back(info);
  }
  return tokens;
}

Result<RecipientInfo> ShareStore::DescribeRecipient(std::string_view recipient) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT name, id, comment, created_ms FROM "
                                                   "sharing_recipients WHERE name_key = ?"));
  stmt.Bind(1, FoldName(recipient));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return NoRecipient(recipient);
  RecipientInfo info;
  info.recipient = {stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnText(2),
                    stmt.ColumnInt64(3)};
  TESSERA_ASSIGN_OR_RETURN(info.tokens, Tokens(info.recipient.id));
  TESSERA_ASSIGN_OR_RETURN(auto shares, SharesFor(info.recipient.id));
  for (const Share& share : shares)
    info.shares.push_back(share.name);
  return info;
}

Result<std::vector<RecipientInfo>> ShareStore::ListRecipients() {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("SELECT name FROM sharing_recipients ORDER BY name_key"));
  std::vector<std::string> names;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row)
      break;
    names.push_back(stmt.ColumnText(0));
  }
  std::vector<RecipientInfo> recipients;
  for (const std::string& name : names) {
    TESSERA_ASSIGN_OR_RETURN(auto info, DescribeRecipient(name));
    recipients.push_back(std::move(info));
  }
  return recipients;
}

Result<Recipient> ShareStore::AuthenticateRecipient(std::string_view token) {
  Status invalid = Status::Unauthenticated("invalid or expired token");
  // Real tokens are 47 bytes; do not hash megabytes of hostile input.
  if (!StartsWith(token, kTokenPrefix) || token.size() > 256)
    return invalid;
  auto lock = db_->Lock();
  // The lookup is by the SHA-256 of the token, so comparing secrets never happens byte by byte
  // on attacker-chosen input.
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("SELECT r.name, r.id, r.comment, r.created_ms, t.expires_ms, t.revoked_ms "
                   "FROM sharing_tokens t JOIN sharing_recipients r ON r.id = t.recipient_id "
                   "WHERE t.sha256 = ?"));
  stmt.Bind(1, HexEncode(Sha256(token)));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return invalid;
  auto expires = stmt.ColumnOptInt64(4);
  if (!stmt.ColumnIsNull(5) || (expires && *expires <= clock_->NowMillis()))
    return invalid;
  return Recipient{stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnText(2), stmt.ColumnInt64(3)};
}

// ---- grants ------------------------------------------------------------------------------------

Status ShareStore::GrantShare(std::string_view share, std::string_view recipient) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(std::string share_id, ShareId(share));
  TESSERA_ASSIGN_OR_RETURN(std::string recipient_id, RecipientId(recipient));
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("INSERT INTO sharing_grants(share_id, recipient_id, "
                                        "created_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"));
  stmt.Bind(1, share_id).Bind(2, recipient_id).Bind(3, clock_->NowMillis());
  return stmt.Run();
}

Status ShareStore::RevokeShare(std::string_view share, std::string_view recipient) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(std::string share_id, ShareId(share));
  TESSERA_ASSIGN_OR_RETURN(std::string recipient_id, RecipientId(recipient));
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("DELETE FROM sharing_grants WHERE share_id = "
                                                   "? AND recipient_id = ?"));
  stmt.Bind(1, share_id).Bind(2, recipient_id);
  TESSERA_RETURN_NOT_OK(stmt.Run());
  if (db_->Changes() == 0) {
    return Status::NotFound("share '" + std::string(share) + "' is not granted to '" +
                            std::string(recipient) + "'");
  }
  return Status::OK();
}

Result<std::vector<Share>> ShareStore::SharesFor(std::string_view recipient_id) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt, db_->Prepare("SELECT s.name, s.id, s.comment, s.created_ms FROM sharing_grants "
                              "g JOIN sharing_shares s ON s.id = g.share_id WHERE "
                              "g.recipient_id = ? ORDER BY s.name_key"));
  stmt.Bind(1, recipient_id);
  std::vector<Share> shares;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row)
      break;
    shares.push_back(
        {stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnText(2), stmt.ColumnInt64(3)});
  }
  return shares;
}

Result<std::pair<SharedTable, std::string>> ShareStore::TableForRecipient(
    std::string_view table_id, std::string_view recipient_id) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("SELECT " + std::string(kTableColumns) +
                   ", r.name FROM sharing_tables t JOIN sharing_shares s ON s.id = t.share_id "
                   "JOIN sharing_grants g ON g.share_id = s.id JOIN sharing_recipients r ON "
                   "r.id = g.recipient_id WHERE t.id = ? AND g.recipient_id = ?"));
  stmt.Bind(1, table_id).Bind(2, recipient_id);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return Status::NotFound("no such shared table for this recipient");
  return std::make_pair(TableFromRow(stmt), stmt.ColumnText(11));
}

Result<bool> ShareStore::IsGranted(std::string_view share, std::string_view recipient_id) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt, db_->Prepare("SELECT 1 FROM sharing_grants g JOIN "
                                                   "sharing_shares s ON s.id = g.share_id WHERE "
                                                   "s.name_key = ? AND g.recipient_id = ?"));
  stmt.Bind(1, FoldName(share)).Bind(2, recipient_id);
  return stmt.Step();
}

}  // namespace tessera::sharing
