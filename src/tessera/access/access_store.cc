#include "tessera/access/access_store.h"

#include <algorithm>

#include "tessera/access/scram.h"
#include "tessera/catalog/db.h"
#include "tessera/common/crypto.h"
#include "tessera/common/strings.h"

namespace tessera::access {
namespace {

// Schema component "access" in catalog.db; step i is version i + 1. Append, never edit.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> steps = {
      "CREATE TABLE access_principals ("
      " id INTEGER PRIMARY KEY,"
      " name TEXT NOT NULL UNIQUE,"
      " kind TEXT NOT NULL CHECK (kind IN ('user', 'service')),"
      " admin INTEGER NOT NULL DEFAULT 0,"
      " disabled INTEGER NOT NULL DEFAULT 0,"
      " scram_verifier TEXT,"
      " created_ms INTEGER NOT NULL);"
      "CREATE TABLE access_tokens ("
      " id TEXT PRIMARY KEY,"
      " principal_id INTEGER NOT NULL REFERENCES access_principals(id) ON DELETE CASCADE,"
      " sha256 TEXT NOT NULL UNIQUE,"
      " label TEXT NOT NULL,"
      " created_ms INTEGER NOT NULL,"
      " expires_ms INTEGER,"
      " revoked_ms INTEGER);"
      "CREATE INDEX access_tokens_principal ON access_tokens(principal_id);"
      "CREATE TABLE access_grants ("
      " principal_id INTEGER NOT NULL REFERENCES access_principals(id) ON DELETE CASCADE,"
      " object TEXT NOT NULL,"
      " created_ms INTEGER NOT NULL,"
      " PRIMARY KEY (principal_id, object));"
      "CREATE TABLE access_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
  };
  return steps;
}

constexpr std::string_view kTokenPrefix = "tsr_";
constexpr size_t kMaxLabelSize = 200;

bool IsIdentifier(std::string_view s, bool lower_only) {
  if (s.empty() || s.size() > 63)
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = c == '_' || (c >= 'a' && c <= 'z') || (!lower_only && c >= 'A' && c <= 'Z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok)
      return false;
  }
  return true;
}

Status NoPrincipal(std::string_view name) {
  return Status::NotFound("no principal '" + std::string(name) + "'");
}

Status CheckName(std::string_view name) {
  if (IsValidPrincipalName(name))
    return Status::OK();
  // The name may be hostile: do not echo it unbounded.
  return Status::InvalidArgument(
      "principal name '" + std::string(name.substr(0, 64)) + (name.size() > 64 ? "..." : "") +
      "' is invalid: use 1-63 lower-case letters, digits and _, not starting with a digit");
}

TokenInfo ReadToken(const catalog::Statement& stmt, int64_t now_ms) {
  TokenInfo info;
  info.id = stmt.ColumnText(0);
  info.label = stmt.ColumnText(1);
  info.created_ms = stmt.ColumnInt64(2);
  info.expires_ms = stmt.ColumnOptInt64(3);
  info.revoked_ms = stmt.ColumnOptInt64(4);
  info.active = !info.revoked_ms && (!info.expires_ms || *info.expires_ms > now_ms);
  return info;
}

}  // namespace

std::string_view PrincipalKindName(PrincipalKind kind) {
  return kind == PrincipalKind::kService ? "service" : "user";
}

bool IsValidPrincipalName(std::string_view name) { return IsIdentifier(name, true); }

bool IsValidGrantObject(std::string_view object) {
  if (object == "*")
    return true;
  std::vector<std::string> parts = Split(object, '.');
  if (parts.empty() || parts.size() > 3)
    return false;
  return std::all_of(parts.begin(), parts.end(),
                     [](const std::string& p) { return IsIdentifier(p, false); });
}

bool GrantCovers(const std::vector<std::string>& grants, std::string_view domain,
                 std::string_view product, std::string_view table) {
  std::string d(domain);
  std::string dp = d + "." + std::string(product);
  std::string dpt = dp + "." + std::string(table);
  return std::any_of(grants.begin(), grants.end(), [&](const std::string& g) {
    return g == "*" || g == d || g == dp || g == dpt;
  });
}

// Each method holds the connection (db_->Lock()) until its statements are finalized: another
// thread's statement never runs while one of ours is mid-step, so each autocommit statement
// commits as soon as it finishes.
AccessStore::AccessStore(std::unique_ptr<catalog::Db> db, const Clock* clock)
    : db_(std::move(db)), clock_(clock) {}

AccessStore::~AccessStore() = default;

Result<std::unique_ptr<AccessStore>> AccessStore::Open(const std::string& data_dir,
                                                       const Clock* clock) {
  TESSERA_ASSIGN_OR_RETURN(auto db, catalog::Db::Open(data_dir + "/catalog.db"));
  TESSERA_RETURN_NOT_OK(catalog::Migrate(*db, "access", Migrations()));
  return std::unique_ptr<AccessStore>(new AccessStore(std::move(db), clock));
}

Result<int64_t> AccessStore::PrincipalId(std::string_view name) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("SELECT id FROM access_principals WHERE name = ?"));
  stmt.Bind(1, name);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return NoPrincipal(name);
  return stmt.ColumnInt64(0);
}

Result<Principal> AccessStore::CreatePrincipal(std::string_view name, PrincipalKind kind,
                                               bool admin) {
  TESSERA_RETURN_NOT_OK(CheckName(name));
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt, db_->Prepare("INSERT INTO access_principals(name, kind, admin, created_ms) "
                              "VALUES (?, ?, ?, ?)"));
  stmt.Bind(1, name)
      .Bind(2, PrincipalKindName(kind))
      .Bind(3, int64_t{admin})
      .Bind(4, clock_->NowMillis());
  Status status = stmt.Run();
  if (status.IsAlreadyExists())
    return Status::AlreadyExists("principal '" + std::string(name) + "' already exists");
  TESSERA_RETURN_NOT_OK(status);
  return Principal{std::string(name), admin};
}

Result<Principal> AccessStore::GetPrincipal(std::string_view name) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto stmt,
                           db_->Prepare("SELECT admin FROM access_principals WHERE name = ?"));
  stmt.Bind(1, name);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return NoPrincipal(name);
  return Principal{std::string(name), stmt.ColumnInt64(0) != 0};
}

Result<std::vector<PrincipalInfo>> AccessStore::ListPrincipals() {
  int64_t now = clock_->NowMillis();
  // One statement, so one consistent snapshot. Grant objects never contain a newline.
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("SELECT p.name, p.kind, p.admin, p.disabled, p.scram_verifier IS NOT NULL,"
                   " (SELECT count(*) FROM access_tokens t WHERE t.principal_id = p.id"
                   "   AND t.revoked_ms IS NULL AND (t.expires_ms IS NULL OR t.expires_ms > ?)),"
                   " (SELECT group_concat(object, char(10)) FROM"
                   "   (SELECT object FROM access_grants g WHERE g.principal_id = p.id"
                   "    ORDER BY object))"
                   " FROM access_principals p ORDER BY p.name"));
  stmt.Bind(1, now);
  std::vector<PrincipalInfo> out;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row)
      break;
    PrincipalInfo info;
    info.name = stmt.ColumnText(0);
    info.kind = stmt.ColumnText(1) == "service" ? PrincipalKind::kService : PrincipalKind::kUser;
    info.admin = stmt.ColumnInt64(2) != 0;
    info.disabled = stmt.ColumnInt64(3) != 0;
    info.has_password = stmt.ColumnInt64(4) != 0;
    info.active_tokens = stmt.ColumnInt64(5);
    if (auto grants = stmt.ColumnOptText(6))
      info.grants = Split(*grants, '\n');
    out.push_back(std::move(info));
  }
  return out;
}

Status AccessStore::DropPrincipal(std::string_view name) {
  // ON DELETE CASCADE removes the tokens and grants in the same statement.
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt, db_->Prepare("DELETE FROM access_principals WHERE name = ? RETURNING id"));
  stmt.Bind(1, name);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return NoPrincipal(name);
  return stmt.Run();
}

Status AccessStore::SetDisabled(std::string_view name, bool disabled) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("UPDATE access_principals SET disabled = ? WHERE name = ? RETURNING id"));
  stmt.Bind(1, int64_t{disabled}).Bind(2, name);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return NoPrincipal(name);
  return stmt.Run();
}

Status AccessStore::SetPassword(std::string_view name, std::string_view password) {
  if (password.empty())
    return Status::InvalidArgument("empty password");
  // PBKDF2 runs before touching the database, so it never holds the connection.
  TESSERA_ASSIGN_OR_RETURN(std::string verifier, MakeScramVerifier(password));
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("UPDATE access_principals SET scram_verifier = ? WHERE name = ? RETURNING id"));
  stmt.Bind(1, verifier).Bind(2, name);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return NoPrincipal(name);
  return stmt.Run();
}

Result<std::string> AccessStore::ScramVerifier(std::string_view name) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("SELECT scram_verifier, disabled FROM access_principals WHERE name = ?"));
  stmt.Bind(1, name);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return NoPrincipal(name);
  if (stmt.ColumnInt64(1) != 0)
    return Status::NotFound("principal '" + std::string(name) + "' is disabled");
  auto verifier = stmt.ColumnOptText(0);
  if (!verifier)
    return Status::NotFound("principal '" + std::string(name) + "' has no password");
  return *verifier;
}

Result<IssuedToken> AccessStore::CreateToken(std::string_view name,
                                             std::optional<std::chrono::seconds> ttl,
                                             std::string_view label) {
  if (ttl && ttl->count() <= 0)
    return Status::InvalidArgument("token lifetime must be positive");
  if (ttl && ttl->count() > int64_t{100} * 366 * 24 * 3600)
    return Status::InvalidArgument("token lifetime must be at most 100 years");
  if (label.size() > kMaxLabelSize)
    return Status::InvalidArgument("token label must be at most 200 bytes");
  IssuedToken issued;
  issued.token = std::string(kTokenPrefix) + Base64UrlEncode(RandomBytes(32));
  issued.info.id = "tok_" + HexEncode(RandomBytes(8));
  issued.info.label = std::string(label);
  issued.info.created_ms = clock_->NowMillis();
  if (ttl)
    issued.info.expires_ms = issued.info.created_ms + ttl->count() * 1000;
  issued.info.active = true;
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("INSERT INTO access_tokens(id, principal_id, sha256, label, created_ms, "
                   "expires_ms) SELECT ?, id, ?, ?, ?, ? FROM access_principals WHERE name = ? "
                   "RETURNING id"));
  stmt.Bind(1, issued.info.id)
      .Bind(2, HexEncode(Sha256(issued.token)))
      .Bind(3, issued.info.label)
      .Bind(4, issued.info.created_ms)
      .BindOpt(5, issued.info.expires_ms)
      .Bind(6, name);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return NoPrincipal(name);
  TESSERA_RETURN_NOT_OK(stmt.Run());
  return issued;
}

Status AccessStore::RevokeToken(std::string_view name, std::string_view token_id) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("UPDATE access_tokens SET revoked_ms = coalesce(revoked_ms, ?) WHERE id = ? "
                   "AND principal_id = (SELECT id FROM access_principals WHERE name = ?) "
                   "RETURNING id"));
  stmt.Bind(1, clock_->NowMillis()).Bind(2, token_id).Bind(3, name);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) {
    return Status::NotFound("principal '" + std::string(name) + "' has no token '" +
                            std::string(token_id.substr(0, 64)) + "'");
  }
  return stmt.Run();
}

Result<std::vector<TokenInfo>> AccessStore::ListTokens(std::string_view name) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(int64_t id, PrincipalId(name));
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("SELECT id, label, created_ms, expires_ms, revoked_ms FROM access_tokens "
                   "WHERE principal_id = ? ORDER BY created_ms, rowid"));
  stmt.Bind(1, id);
  int64_t now = clock_->NowMillis();
  std::vector<TokenInfo> out;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row)
      break;
    out.push_back(ReadToken(stmt, now));
  }
  return out;
}

Result<Principal> AccessStore::AuthenticateToken(std::string_view token) {
  Status invalid = Status::Unauthenticated("invalid or expired token");
  // Real tokens are 47 bytes; do not hash megabytes of hostile input.
  if (!StartsWith(token, kTokenPrefix) || token.size() > 256)
    return invalid;
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("SELECT p.name, p.admin, p.disabled, t.expires_ms, t.revoked_ms "
                   "FROM access_tokens t JOIN access_principals p ON p.id = t.principal_id "
                   "WHERE t.sha256 = ?"));
  stmt.Bind(1, HexEncode(Sha256(token)));
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row)
    return invalid;
  auto expires = stmt.ColumnOptInt64(3);
  if (stmt.ColumnInt64(2) != 0 || !stmt.ColumnIsNull(4) ||
      (expires && *expires <= clock_->NowMillis())) {
    return invalid;
  }
  return Principal{stmt.ColumnText(0), stmt.ColumnInt64(1) != 0};
}

Status AccessStore::Grant(std::string_view name, std::string_view object) {
  if (!IsValidGrantObject(object)) {
    return Status::InvalidArgument("grant object '" + std::string(object.substr(0, 200)) +
                                   "' is invalid: use *, domain, domain.product or "
                                   "domain.product.table");
  }
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt, db_->Prepare("INSERT INTO access_grants(principal_id, object, created_ms) "
                              "SELECT id, ?, ? FROM access_principals WHERE name = ? "
                              "ON CONFLICT DO NOTHING"));
  stmt.Bind(1, object).Bind(2, clock_->NowMillis()).Bind(3, name);
  // The insert selects nothing for an unknown principal; Changes() tells, under the lock.
  TESSERA_RETURN_NOT_OK(stmt.Run());
  if (db_->Changes() == 0)
    return PrincipalId(name).status();
  return Status::OK();
}

Status AccessStore::Revoke(std::string_view name, std::string_view object) {
  if (!IsValidGrantObject(object)) {
    return Status::InvalidArgument("grant object '" + std::string(object.substr(0, 200)) +
                                   "' is invalid: use *, domain, domain.product or "
                                   "domain.product.table");
  }
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(int64_t id, PrincipalId(name));
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt, db_->Prepare("DELETE FROM access_grants WHERE principal_id = ? AND object = ? "
                              "RETURNING object"));
  stmt.Bind(1, id).Bind(2, object);
  TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) {
    return Status::NotFound("principal '" + std::string(name) + "' has no grant on '" +
                            std::string(object) + "'");
  }
  return stmt.Run();
}

Result<std::vector<std::string>> AccessStore::Grants(std::string_view name) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(int64_t id, PrincipalId(name));
  TESSERA_ASSIGN_OR_RETURN(
      auto stmt,
      db_->Prepare("SELECT object FROM access_grants WHERE principal_id = ? ORDER BY object"));
  stmt.Bind(1, id);
  std::vector<std::string> out;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row)
      break;
    out.push_back(stmt.ColumnText(0));
  }
  return out;
}

Result<std::string> AccessStore::NodeSecret() {
  // Whichever process inserts first wins; everyone then reads that one.
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto insert,
                           db_->Prepare("INSERT INTO access_settings(key, value) VALUES "
                                        "('node_secret', ?) ON CONFLICT DO NOTHING"));
  insert.Bind(1, Base64Encode(RandomBytes(32)));
  TESSERA_RETURN_NOT_OK(insert.Run());
  TESSERA_ASSIGN_OR_RETURN(
      auto select, db_->Prepare("SELECT value FROM access_settings WHERE key = 'node_secret'"));
  TESSERA_ASSIGN_OR_RETURN(bool row, select.Step());
  if (!row)
    return Status::Internal("node secret vanished");
  auto secret = Base64Decode(select.ColumnText(0));
  if (!secret.ok() || secret->size() != 32)
    return Status::Corruption("catalog.db: the node secret is not 32 base64 bytes");
  return *secret;
}

}  // namespace tessera::access
