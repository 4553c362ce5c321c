#pragma once

#include <string>
#include <string_view>

#include "tessera/common/result.h"

namespace tessera::access {

/// The iteration count PostgreSQL uses by default (scram_iterations).
inline constexpr int kDefaultScramIterations = 4096;

/// A parsed SCRAM-SHA-256 verifier: what the node stores instead of a password. Plain value.
struct ScramSecret {
  int iterations = 0;
  std::string salt;        // raw bytes
  std::string stored_key;  // raw 32 bytes: H(ClientKey)
  std::string server_key;  // raw 32 bytes: HMAC(SaltedPassword, "Server Key")
};

/// Make a verifier in PostgreSQL's pg_authid format,
/// `SCRAM-SHA-256$<iterations>:<salt b64>$<StoredKey b64>:<ServerKey b64>`, with a 16-byte random
/// salt. The password is normalized with SASLprep first (saslprep.h), as PostgreSQL does.
/// Return kInvalidArgument for an empty password or iterations outside [1, 10000000].
Result<std::string> MakeScramVerifier(std::string_view password,
                                      int iterations = kDefaultScramIterations);
/// As above with a given salt (for tests and known vectors). Same errors, and kInvalidArgument
/// for an empty salt.
Result<std::string> MakeScramVerifier(std::string_view password, std::string_view salt,
                                      int iterations);

/// Parse a verifier made by MakeScramVerifier (or PostgreSQL). Return kCorruption when it is not
/// one.
Result<ScramSecret> ParseScramVerifier(std::string_view verifier);

/// Whether `password` (as a client sent it in cleartext, over TLS) is the one `verifier` was made
/// from: SASLprep, PBKDF2 with the verifier's salt and iterations, and a constant-time compare of
/// the stored key, as PostgreSQL's scram_verify_plain_password. Return kCorruption for a
/// malformed verifier.
Result<bool> VerifyPlainPassword(std::string_view password, std::string_view verifier);

/// Derive a deterministic fake verifier for a user that does not exist, from the node's secret,
/// so a port can run a full exchange that fails only at the end, with the same salt on every
/// attempt: no user enumeration from the server-first message or from timing.
std::string MockScramVerifier(std::string_view user, std::string_view node_secret);

/// The server side of one SCRAM-SHA-256 exchange (RFC 5802, RFC 7677) as PostgreSQL runs it:
/// no channel binding (SCRAM-SHA-256-PLUS is not offered), and the user name in client-first is
/// ignored (PostgreSQL clients send it empty; the user comes from the startup packet). Every
/// message is hostile network input: malformed ones are kInvalidArgument, never a crash.
/// Movable value; not thread-safe.
class ScramServer {
 public:
  /// Parse the client-first message and answer with server-first (random 18-byte nonce).
  /// Return kInvalidArgument for a malformed message, kUnsupported for channel binding (`p=`),
  /// an authorization identity (`a=`) or a mandatory extension (`m=`), kCorruption for a
  /// malformed verifier.
  static Result<ScramServer> Start(std::string_view client_first_message,
                                   std::string_view verifier);
  /// As above with a given server nonce (printable ASCII without ','), for tests.
  static Result<ScramServer> Start(std::string_view client_first_message, std::string_view verifier,
                                   std::string_view server_nonce);

  const std::string& server_first_message() const { return server_first_; }

  /// Check the client-final message and return server-final (`v=<ServerSignature b64>`).
  /// Return kUnauthenticated when the proof is wrong, kInvalidArgument for a malformed message,
  /// a wrong channel-binding attribute, a nonce that does not echo ours, or a second call.
  Result<std::string> Finish(std::string_view client_final_message);

 private:
  ScramServer() = default;

  ScramSecret secret_;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string nonce_;  // client nonce + server nonce
  std::string server_first_;
  bool finished_ = false;
};

}  // namespace tessera::access
