#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/access/principal.h"
#include "tessera/common/result.h"
#include "tessera/common/time.h"

namespace tessera::catalog {
class Db;
}

namespace tessera::access {

/// A person (signs in with a password or a token) or a service (usually a token).
enum class PrincipalKind { kUser, kService };

/// "user" or "service".
std::string_view PrincipalKindName(PrincipalKind kind);

/// An API token's metadata (never the token itself). Plain value.
struct TokenInfo {
  std::string id;  // "tok_" + 16 hex digits: names the token in lists and revocations
  std::string label;
  int64_t created_ms = 0;             // epoch milliseconds
  std::optional<int64_t> expires_ms;  // none: never expires
  std::optional<int64_t> revoked_ms;  // set once revoked
  /// Usable now: neither revoked nor expired (as of the call that returned it).
  bool active = false;
};

/// A newly created token: `token` is shown once and stored only as its SHA-256. Plain value.
struct IssuedToken {
  std::string token;  // "tsr_" + base64url of 32 random bytes
  TokenInfo info;
};

/// A principal as listed by admins. Plain value.
struct PrincipalInfo {
  std::string name;
  PrincipalKind kind = PrincipalKind::kUser;
  bool admin = false;
  bool disabled = false;
  bool has_password = false;
  int64_t active_tokens = 0;
  std::vector<std::string> grants;  // sorted
};

/// Return true if `name` is a valid principal name: [a-z_][a-z0-9_]{0,62}, like a PostgreSQL
/// role, so it is safe in SQL text and logs.
bool IsValidPrincipalName(std::string_view name);

/// Return true if `object` is a valid grant object: "*", "domain", "domain.product" or
/// "domain.product.table", each part an identifier ([A-Za-z_][A-Za-z0-9_]{0,62}).
bool IsValidGrantObject(std::string_view object);

/// Return true if one of `grants` (as stored by AccessStore::Grant) covers the table
/// `domain.product.table`: "*", the domain, the product or the table itself. Names compare
/// exactly (table directories are case-sensitive).
bool GrantCovers(const std::vector<std::string>& grants, std::string_view domain,
                 std::string_view product, std::string_view table);

/// Principals, their passwords (as SCRAM-SHA-256 verifiers only), API tokens (as SHA-256 hashes
/// only) and grants, kept in `<data-dir>/catalog.db` (schema component "access").
///
/// Thread-safe. Every call reads the current state from SQLite, never a cache, so a change made
/// by another process (a CLI command while the node runs) takes effect on the next call: a
/// revoked token or grant stops working at once.
class AccessStore {
 public:
  /// Open (creating and migrating if needed) `<data_dir>/catalog.db`. `clock` (for token
  /// creation and expiry) must outlive the store. Return the errors of catalog::Db::Open and
  /// catalog::Migrate (kIoError, kCorruption, kConflict, kUnsupported).
  static Result<std::unique_ptr<AccessStore>> Open(const std::string& data_dir,
                                                   const Clock* clock = &SystemClock::Instance());
  ~AccessStore();
  AccessStore(const AccessStore&) = delete;
  AccessStore& operator=(const AccessStore&) = delete;

  /// Create a principal without password, tokens or grants. Return kInvalidArgument for a name
  /// that is not [a-z_][a-z0-9_]{0,62}, kAlreadyExists if it exists.
  Result<Principal> CreatePrincipal(std::string_view name, PrincipalKind kind, bool admin);
  /// Return the principal (also when disabled). Return kNotFound if it does not exist.
  Result<Principal> GetPrincipal(std::string_view name);
  /// Every principal, sorted by name.
  Result<std::vector<PrincipalInfo>> ListPrincipals();
  /// Delete a principal with its tokens and grants. Return kNotFound if it does not exist.
  Status DropPrincipal(std::string_view name);
  /// Disable (or enable again) a principal: a disabled one cannot sign in with a password or a
  /// token. Return kNotFound if it does not exist.
  Status SetDisabled(std::string_view name, bool disabled);

  /// Set (or replace) the password, storing only its SCRAM-SHA-256 verifier. Return
  /// kInvalidArgument for an empty password, kNotFound if the principal does not exist.
  Status SetPassword(std::string_view name, std::string_view password);
  /// Return the stored verifier. Return kNotFound if the principal does not exist, is disabled
  /// or has no password (a port answers all three alike, with MockScramVerifier).
  Result<std::string> ScramVerifier(std::string_view name);

  /// Create an API token that expires after `ttl` (never without one). Return kInvalidArgument
  /// for a ttl that is not positive or a label over 200 bytes, kNotFound if the principal does
  /// not exist.
  Result<IssuedToken> CreateToken(std::string_view name, std::optional<std::chrono::seconds> ttl,
                                  std::string_view label);
  /// Revoke one of the principal's tokens (revoking twice is fine). Return kNotFound if the
  /// principal has no token with this id.
  Status RevokeToken(std::string_view name, std::string_view token_id);
  /// The principal's tokens, revoked and expired ones included, oldest first. Return kNotFound
  /// if the principal does not exist.
  Result<std::vector<TokenInfo>> ListTokens(std::string_view name);
  /// Return the principal a token belongs to. Return kUnauthenticated ("invalid or expired
  /// token", the same for every reason) if the token is unknown, malformed, expired or revoked,
  /// or its principal is disabled.
  Result<Principal> AuthenticateToken(std::string_view token);

  /// Grant read access to `object` ("*", "domain", "domain.product", "domain.product.table").
  /// Granting twice is fine. Return kInvalidArgument for a malformed object, kNotFound if the
  /// principal does not exist.
  Status Grant(std::string_view name, std::string_view object);
  /// Remove a grant. Return kInvalidArgument for a malformed object, kNotFound if the principal
  /// does not exist or does not have exactly this grant.
  Status Revoke(std::string_view name, std::string_view object);
  /// The principal's grants, sorted. Return kNotFound if the principal does not exist.
  Result<std::vector<std::string>> Grants(std::string_view name);

  /// Return the node's 32-byte secret (for MockScramVerifier), created at random on first use
  /// and stored in the catalog, so every process of the node agrees on it.
  Result<std::string> NodeSecret();

 private:
  AccessStore(std::unique_ptr<catalog::Db> db, const Clock* clock);
  /// Return the principal's row id. Return kNotFound if it does not exist.
  Result<int64_t> PrincipalId(std::string_view name);

  std::unique_ptr<catalog::Db> db_;
  const Clock* clock_;
};

}  // namespace tessera::access
