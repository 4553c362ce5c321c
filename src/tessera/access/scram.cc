#include "tessera/access/scram.h"

#include <vector>

#include "tessera/access/saslprep.h"
#include "tessera/common/crypto.h"
#include "tessera/common/strings.h"

namespace tessera::access {
namespace {

constexpr std::string_view kPrefix = "SCRAM-SHA-256$";
constexpr int kMaxIterations = 10'000'000;
// Real messages are ~100 bytes; anything this long is an attack or a bug.
constexpr size_t kMaxMessageSize = 2048;

// RFC 5802 §7: printable = %x21-2B / %x2D-7E (printable ASCII except ",").
bool IsValidNonce(std::string_view nonce) {
  if (nonce.empty())
    return false;
  for (char c : nonce) {
    if (c < 0x21 || c > 0x7E || c == ',')
      return false;
  }
  return true;
}

// "r=value" -> value for attribute letter 'r'; nullopt if the part is another attribute.
std::optional<std::string_view> Attribute(std::string_view part, char name) {
  if (part.size() < 2 || part[0] != name || part[1] != '=')
    return std::nullopt;
  return part.substr(2);
}

Status Malformed(std::string_view what) {
  return Status::InvalidArgument("malformed SCRAM message: " + std::string(what));
}

std::string Xor(std::string_view a, std::string_view b) {
  std::string out(a.size(), '\0');
  for (size_t i = 0; i < a.size(); ++i)
    out[i] = static_cast<char>(a[i] ^ b[i]);
  return out;
}

}  // namespace

namespace {

// RFC 5802 §3: SaltedPassword = Hi(Normalize(password), salt, i), the salted password the
// stored and server keys derive from. Normalize is SASLprep, or the raw bytes where it fails,
// as in PostgreSQL and libpq.
Result<std::string> SaltedPassword(std::string_view password, std::string_view salt,
                                   int iterations) {
  std::string normalized = SaslPrep(password).value_or(std::string(password));
  return Pbkdf2HmacSha256(normalized, salt, iterations);
}

std::string StoredKey(const std::string& salted) {
  return Sha256(HmacSha256(salted, "Client Key"));
}

}  // namespace

Result<std::string> MakeScramVerifier(std::string_view password, std::string_view salt,
                                      int iterations) {
  if (password.empty())
    return Status::InvalidArgument("empty password");
  if (salt.empty())
    return Status::InvalidArgument("empty SCRAM salt");
  if (iterations < 1 || iterations > kMaxIterations)
    return Status::InvalidArgument("SCRAM iteration count must be between 1 and 10000000");
  TESSERA_ASSIGN_OR_RETURN(std::string salted, SaltedPassword(password, salt, iterations));
  std::string server_key = HmacSha256(salted, "Server Key");
  return std::string(kPrefix) + std::to_string(iterations) + ":" + Base64Encode(salt) + "$" +
         Base64Encode(StoredKey(salted)) + ":" + Base64Encode(server_key);
}

Result<std::string> MakeScramVerifier(std::string_view password, int iterations) {
  return MakeScramVerifier(password, RandomBytes(16), iterations);
}

Result<bool> VerifyPlainPassword(std::string_view password, std::string_view verifier) {
  TESSERA_ASSIGN_OR_RETURN(ScramSecret secret, ParseScramVerifier(verifier));
  if (password.empty())
    return false;
  TESSERA_ASSIGN_OR_RETURN(std::string salted,
                           SaltedPassword(password, secret.salt, secret.iterations));
  return ConstantTimeEquals(StoredKey(salted), secret.stored_key);
}

Result<ScramSecret> ParseScramVerifier(std::string_view verifier) {
  auto bad = [] { return Status::Corruption("stored password is not a SCRAM-SHA-256 verifier"); };
  if (!StartsWith(verifier, kPrefix))
    return bad();
  std::vector<std::string> halves = Split(verifier.substr(kPrefix.size()), '$');
  if (halves.size() != 2)
    return bad();
  std::vector<std::string> head = Split(halves[0], ':');
  std::vector<std::string> keys = Split(halves[1], ':');
  if (head.size() != 2 || keys.size() != 2)
    return bad();
  auto iterations = ParseInt64(head[0]);
  auto salt = Base64Decode(head[1]);
  auto stored_key = Base64Decode(keys[0]);
  auto server_key = Base64Decode(keys[1]);
  if (!iterations.ok() || *iterations < 1 || *iterations > kMaxIterations || !salt.ok() ||
      salt->empty() || !stored_key.ok() || stored_key->size() != 32 || !server_key.ok() ||
      server_key->size() != 32) {
    return bad();
  }
  return ScramSecret{static_cast<int>(*iterations), *salt, *stored_key, *server_key};
}

std::string MockScramVerifier(std::string_view user, std::string_view node_secret) {
  // Like PostgreSQL's scram_mock_salt: the same user always gets the same salt, and nobody can
  // know a password for these keys.
  std::string name(user);
  std::string salt = HmacSha256(node_secret, "tessera mock salt\n" + name).substr(0, 16);
  std::string stored_key = HmacSha256(node_secret, "tessera mock stored key\n" + name);
  std::string server_key = HmacSha256(node_secret, "tessera mock server key\n" + name);
  return std::string(kPrefix) + std::to_string(kDefaultScramIterations) + ":" + Base64Encode(salt) +
         "$" + Base64Encode(stored_key) + ":" + Base64Encode(server_key);
}

Result<ScramServer> ScramServer::Start(std::string_view client_first_message,
                                       std::string_view verifier) {
  return Start(client_first_message, verifier, Base64Encode(RandomBytes(18)));
}

Result<ScramServer> ScramServer::Start(std::string_view client_first_message,
                                       std::string_view verifier, std::string_view server_nonce) {
  if (!IsValidNonce(server_nonce))
    return Status::InvalidArgument("server nonce must be printable ASCII without ','");
  std::string_view msg = client_first_message;
  if (msg.size() > kMaxMessageSize)
    return Malformed("client-first message too long");
  // RFC 5802 §7: gs2-header = gs2-cbind-flag "," [authzid] ","
  if (StartsWith(msg, "p="))
    return Status::Unsupported("SCRAM channel binding is not supported (no SCRAM-SHA-256-PLUS)");
  if (msg.size() < 2 || (msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',')
    return Malformed("expected gs2 header 'n,,' or 'y,,'");
  size_t second_comma = msg.find(',', 2);
  if (second_comma == std::string_view::npos)
    return Malformed("truncated gs2 header");
  std::string_view authzid = msg.substr(2, second_comma - 2);
  if (!authzid.empty()) {
    if (Attribute(authzid, 'a'))
      return Status::Unsupported("SCRAM authorization identity (a=) is not supported");
    return Malformed("bad gs2 header");
  }
  ScramServer server;
  server.gs2_header_ = std::string(msg.substr(0, second_comma + 1));
  server.client_first_bare_ = std::string(msg.substr(second_comma + 1));
  std::vector<std::string> parts = Split(server.client_first_bare_, ',');
  if (!parts.empty() && Attribute(parts[0], 'm'))
    return Status::Unsupported("SCRAM mandatory extensions (m=) are not supported");
  if (parts.size() < 2 || !Attribute(parts[0], 'n'))
    return Malformed("expected n=<user>,r=<nonce>");
  auto client_nonce = Attribute(parts[1], 'r');
  if (!client_nonce || !IsValidNonce(*client_nonce))
    return Malformed("missing or invalid client nonce");
  TESSERA_ASSIGN_OR_RETURN(server.secret_, ParseScramVerifier(verifier));
  server.nonce_ = std::string(*client_nonce) + std::string(server_nonce);
  server.server_first_ = "r=" + server.nonce_ + ",s=" + Base64Encode(server.secret_.salt) +
                         ",i=" + std::to_string(server.secret_.iterations);
  return server;
}

Result<std::string> ScramServer::Finish(std::string_view client_final_message) {
  if (finished_)
    return Status::InvalidArgument("SCRAM exchange already finished");
  finished_ = true;
  std::string_view msg = client_final_message;
  if (msg.size() > kMaxMessageSize)
    return Malformed("client-final message too long");
  // client-final-message = client-final-message-without-proof "," proof; proof is last.
  size_t proof_at = msg.rfind(",p=");
  if (proof_at == std::string_view::npos)
    return Malformed("missing proof");
  std::string_view without_proof = msg.substr(0, proof_at);
  std::vector<std::string> parts = Split(without_proof, ',');
  if (parts.size() < 2)
    return Malformed("expected c=<binding>,r=<nonce>");
  auto binding = Attribute(parts[0], 'c');
  if (!binding)
    return Malformed("missing channel binding attribute");
  // Without channel binding, c= is just base64 of the gs2 header: "biws" for "n,,".
  if (*binding != Base64Encode(gs2_header_))
    return Malformed("channel binding does not match the gs2 header");
  auto nonce = Attribute(parts[1], 'r');
  if (!nonce || *nonce != nonce_)
    return Malformed("nonce does not match");
  auto proof = Base64Decode(msg.substr(proof_at + 3));
  if (!proof.ok() || proof->size() != 32)
    return Malformed("invalid proof");

  // RFC 5802 §3: ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) must
  // equal StoredKey.
  std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  std::string client_signature = HmacSha256(secret_.stored_key, auth_message);
  std::string client_key = Xor(*proof, client_signature);
  if (!ConstantTimeEquals(Sha256(client_key), secret_.stored_key))
    return Status::Unauthenticated("SCRAM proof does not match");
  return "v=" + Base64Encode(HmacSha256(secret_.server_key, auth_message));
}

}  // namespace tessera::access
