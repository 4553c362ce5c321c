#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/common/time.h"

namespace tessera::catalog {
class Db;
}

namespace tessera::sharing {

/// A share: a named set of tables granted to recipients. Plain value.
struct Share {
  std::string name;
  std::string id;  // random UUID
  std::string comment;
  int64_t created_ms = 0;
};

/// Where a shared table's data lives.
enum class TableSourceKind { kTessera, kPath };

/// A table in a share. Names keep the case they were created with and match case-insensitively.
/// Plain value.
struct SharedTable {
  std::string share;
  std::string schema;
  std::string name;
  std::string id;  // random UUID, stable while the table is in the share
  std::string share_id;
  TableSourceKind source_kind = TableSourceKind::kPath;
  /// "domain.product.table" (a table of this node) or the absolute path of any Delta table.
  std::string source;
  /// Whether recipients may read older versions: time travel, startingVersion and /changes.
  bool history_shared = false;
  /// The oldest version recipients may read.
  std::optional<int64_t> start_version;
  std::string comment;
  int64_t created_ms = 0;
};

/// Someone a share is granted to, identified by bearer tokens. Plain value.
struct Recipient {
  std::string name;
  std::string id;  // random UUID
  std::string comment;
  int64_t created_ms = 0;
};

/// A recipient token's metadata (never the token). Plain value.
struct RecipientTokenInfo {
  std::string id;  // "rtk_" + 16 hex digits
  int64_t created_ms = 0;
  std::optional<int64_t> expires_ms;
  std::optional<int64_t> revoked_ms;
  bool active = false;  // neither revoked nor expired, as of the call
};

/// A new token: `token` is shown once and stored only as its SHA-256. Plain value.
struct IssuedRecipientToken {
  std::string token;  // "dss_" + base64url of 32 random bytes
  RecipientTokenInfo info;
};

struct RecipientInfo {
  Recipient recipient;
  std::vector<RecipientTokenInfo> tokens;  // oldest first
  std::vector<std::string> shares;         // granted, sorted
};

struct ShareInfo {
  Share share;
  std::vector<SharedTable> tables;      // sorted by (schema, name)
  std::vector<std::string> recipients;  // granted, sorted
};

/// The directory of a shared table's Delta table: `<data_dir>/tables/<domain>/<product>/<table>`
/// for a tessera table, the path itself otherwise.
std::string SharedTableRoot(const std::string& data_dir, const SharedTable& table);

/// Shares, their tables, recipients, recipient tokens (SHA-256 only) and grants, in
/// `<data-dir>/catalog.db` (schema component "sharing"). Thread-safe. Every call reads SQLite,
/// never a cache, so a change made by another process (a CLI command while the node runs) takes
/// effect on the next call: a revoked token or grant stops working at once.
class ShareStore {
 public:
  /// Open (creating and migrating if needed) `<data_dir>/catalog.db`. `clock` must outlive the
  /// store. Errors: those of catalog::Db::Open and catalog::Migrate.
  static Result<std::unique_ptr<ShareStore>> Open(const std::string& data_dir,
                                                  const Clock* clock = &SystemClock::Instance());
  ~ShareStore();
  ShareStore(const ShareStore&) = delete;
  ShareStore& operator=(const ShareStore&) = delete;

  /// kInvalidArgument for a bad name or a comment over 1000 bytes, kAlreadyExists if a share of
  /// that name (any case) exists.
  Result<Share> CreateShare(std::string_view name, std::string_view comment);
  /// Delete a share with its tables and grants. kNotFound if it does not exist.
  Status DropShare(std::string_view name);
  /// Every share, sorted by name (case-insensitively).
  Result<std::vector<Share>> ListShares();
  /// kNotFound "share '<name>' not found".
  Result<Share> GetShare(std::string_view name);
  /// The share with its tables and recipients. kNotFound as GetShare.
  Result<ShareInfo> DescribeShare(std::string_view name);

  /// Add a table. kInvalidArgument for bad names, a negative start version, or a source that is
  /// not "domain.product.table" (for kTessera) or an absolute normalized path (for kPath);
  /// kAlreadyExists if the share has a table of that schema and name; kNotFound for the share.
  /// Whether the source really is a Delta table is for the caller to check (see
  /// CheckSharedTableSource).
  Result<SharedTable> AddTable(std::string_view share, std::string_view schema,
                               std::string_view table, TableSourceKind kind,
                               std::string_view source, bool history_shared,
                               std::optional<int64_t> start_version, std::string_view comment);
  /// kNotFound naming what is missing.
  Status RemoveTable(std::string_view share, std::string_view schema, std::string_view table);
  /// The distinct schemas of a share's tables, sorted. kNotFound for the share.
  Result<std::vector<std::string>> ListSchemas(std::string_view share);
  /// A share's tables (of one schema, or all), sorted by (schema, name). kNotFound for an
  /// unknown share, or a schema with no table.
  Result<std::vector<SharedTable>> ListTables(std::string_view share,
                                              std::optional<std::string_view> schema);
  /// kNotFound naming the missing share, schema or table.
  Result<SharedTable> GetTable(std::string_view share, std::string_view schema,
                               std::string_view table);
  /// kNotFound if no share has a table with this id.
  Result<SharedTable> GetTableById(std::string_view table_id);

  /// Create a recipient with its first token (expiring after `ttl`, or never). kInvalidArgument
  /// for a bad name or ttl, kAlreadyExists.
  Result<IssuedRecipientToken> CreateRecipient(std::string_view name, std::string_view comment,
                                               std::optional<std::chrono::seconds> ttl);
  /// An additional token; the others stay valid. kNotFound for the recipient.
  Result<IssuedRecipientToken> IssueToken(std::string_view recipient,
                                          std::optional<std::chrono::seconds> ttl);
  /// A new token; every other active token now expires at the earlier of its expiry and
  /// now + `grace` (0: at once). kNotFound, kInvalidArgument for a negative grace.
  Result<IssuedRecipientToken> RotateToken(std::string_view recipient,
                                           std::optional<std::chrono::seconds> ttl,
                                           std::chrono::seconds grace);
  /// Revoke every token of the recipient at once (grants stay). kNotFound.
  Status RevokeRecipient(std::string_view recipient);
  /// Delete a recipient with its tokens and grants. kNotFound.
  Status DropRecipient(std::string_view recipient);
  Result<std::vector<RecipientInfo>> ListRecipients();
  Result<RecipientInfo> DescribeRecipient(std::string_view recipient);
  /// The recipient a bearer token belongs to. kUnauthenticated "invalid or expired token" for
  /// every failure (unknown, malformed, expired, revoked).
  Result<Recipient> AuthenticateRecipient(std::string_view token);

  /// Grant a share to a recipient (granting twice is fine). kNotFound for either.
  Status GrantShare(std::string_view share, std::string_view recipient);
  /// kNotFound if either is missing or the share is not granted to the recipient.
  Status RevokeShare(std::string_view share, std::string_view recipient);
  /// The shares granted to a recipient (by id), sorted by name.
  Result<std::vector<Share>> SharesFor(std::string_view recipient_id);
  /// The table with this id and the recipient's name, if the table is still shared and its
  /// share still granted to the recipient; kNotFound otherwise (one query: the file port asks
  /// on every download, so a revoked grant or removed table stops downloads at once).
  Result<std::pair<SharedTable, std::string>> TableForRecipient(std::string_view table_id,
                                                                std::string_view recipient_id);
  /// Whether `share` (any case) exists and is granted to the recipient. A missing share is
  /// simply false, so callers answer both alike.
  Result<bool> IsGranted(std::string_view share, std::string_view recipient_id);

 private:
  ShareStore(std::unique_ptr<catalog::Db> db, const Clock* clock);
  Result<IssuedRecipientToken> InsertToken(const std::string& recipient_id,
                                           std::optional<std::chrono::seconds> ttl);
  Result<std::string> RecipientId(std::string_view name);
  Result<std::string> ShareId(std::string_view name);
  Result<std::vector<RecipientTokenInfo>> Tokens(const std::string& recipient_id);

  std::unique_ptr<catalog::Db> db_;
  const Clock* clock_;
};

}  // namespace tessera::sharing
