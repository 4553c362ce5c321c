#include "tessera/access/scram.h"

#include <gtest/gtest.h>

#include "tessera/common/crypto.h"
#include "tessera/common/strings.h"
#include "tessera/testing/test_util.h"

namespace tessera::access {
namespace {

// Captured from psql 15 against PostgreSQL 15, password "secret".
constexpr const char* kVerifier =
    "SCRAM-SHA-256$4096:IP+qxnweNM7NIgtc+Tzk2w==$J8uGSba1yXHNwmL1cE/o7p4I6XSXAv/0SbEgK8jthIo=:"
    "A6k36TWpAtSx4YqbiVcvDghYeuj+1DfJXyCqrMWfe40=";
constexpr const char* kClientFirst = "n,,n=,r=Ie9vb3yiW0o482YETkxd8ETb";
constexpr const char* kServerNonce = "EZhMWUTYQ11L7ZUcGUZDzchI";
constexpr const char* kServerFirst =
    "r=Ie9vb3yiW0o482YETkxd8ETbEZhMWUTYQ11L7ZUcGUZDzchI,s=IP+qxnweNM7NIgtc+Tzk2w==,i=4096";
constexpr const char* kClientFinal =
    "c=biws,r=Ie9vb3yiW0o482YETkxd8ETbEZhMWUTYQ11L7ZUcGUZDzchI,"
    "p=e4hUD2USJQnNV7fOHCYbs45iTPRsTVvgA/+QIzRG054=";
constexpr const char* kServerFinal = "v=WzKU1jK8DqnSaMkhL0pZNWAAEsb5NKLcmaJxMPorDLo=";

// The client side of RFC 5802, for exchanges without a captured vector.
std::string ClientFinal(std::string_view password, std::string_view gs2_header,
                        std::string_view client_first_bare, std::string_view server_first) {
  std::vector<std::string> attrs = Split(server_first, ',');
  std::string nonce = attrs[0].substr(2);
  std::string salt = Base64Decode(attrs[1].substr(2)).value();
  int iterations = static_cast<int>(ParseInt64(attrs[2].substr(2)).value());
  std::string salted = Pbkdf2HmacSha256(password, salt, iterations).value();
  std::string client_key = HmacSha256(salted, "Client Key");
  std::string without_proof = "c=" + Base64Encode(gs2_header) + ",r=" + nonce;
  std::string auth =
      std::string(client_first_bare) + "," + std::string(server_first) + "," + without_proof;
  std::string signature = HmacSha256(Sha256(client_key), auth);
  std::string proof(32, '\0');
  for (size_t i = 0; i < 32; ++i)
    proof[i] = static_cast<char>(client_key[i] ^ signature[i]);
  return without_proof + ",p=" + Base64Encode(proof);
}

StatusCode StartCode(std::string_view client_first) {
  return ScramServer::Start(client_first, kVerifier, kServerNonce).status().code();
}

StatusCode FinishCode(std::string_view client_final) {
  auto server = ScramServer::Start(kClientFirst, kVerifier, kServerNonce);
  EXPECT_TRUE(server.ok());
  return server->Finish(client_final).status().code();
}

TEST(ScramVerifierTest, MatchesPostgres) {
  ASSERT_OK_AND_ASSIGN(std::string salt, Base64Decode("IP+qxnweNM7NIgtc+Tzk2w=="));
  ASSERT_OK_AND_ASSIGN(std::string verifier, MakeScramVerifier("secret", salt, 4096));
  EXPECT_EQ(verifier, kVerifier);
}

TEST(ScramVerifierTest, RandomSaltAndParse) {
  ASSERT_OK_AND_ASSIGN(std::string a, MakeScramVerifier("pw"));
  ASSERT_OK_AND_ASSIGN(std::string b, MakeScramVerifier("pw"));
  EXPECT_NE(a, b);
  ASSERT_OK_AND_ASSIGN(ScramSecret secret, ParseScramVerifier(a));
  EXPECT_EQ(secret.iterations, 4096);
  EXPECT_EQ(secret.salt.size(), 16u);
  EXPECT_EQ(secret.stored_key.size(), 32u);
  EXPECT_EQ(secret.server_key.size(), 32u);
  EXPECT_TRUE(StartsWith(a, "SCRAM-SHA-256$4096:"));
}

TEST(ScramVerifierTest, RejectsBadArguments) {
  EXPECT_EQ(MakeScramVerifier("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeScramVerifier("pw", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeScramVerifier("pw", "", 10).status().code(), StatusCode::kInvalidArgument);
  for (const char* bad :
       {"", "md5abc", "SCRAM-SHA-256$", "SCRAM-SHA-256$4096:c2FsdA==",
        "SCRAM-SHA-256$x:c2FsdA==$a:b", "SCRAM-SHA-256$4096:c2FsdA==$c2FsdA==:c2FsdA==",
        "SCRAM-SHA-256$0:IP+qxnweNM7NIgtc+Tzk2w==$J8uGSba1yXHNwmL1cE/o7p4I6XSXAv/0SbEgK8jthIo=:"
        "A6k36TWpAtSx4YqbiVcvDghYeuj+1DfJXyCqrMWfe40="}) {
    EXPECT_EQ(ParseScramVerifier(bad).status().code(), StatusCode::kCorruption) << bad;
  }
}

TEST(ScramServerTest, ReproducesCapturedPostgresExchange) {
  ASSERT_OK_AND_ASSIGN(ScramServer server,
                       ScramServer::Start(kClientFirst, kVerifier, kServerNonce));
  EXPECT_EQ(server.server_first_message(), kServerFirst);
  ASSERT_OK_AND_ASSIGN(std::string server_final, server.Finish(kClientFinal));
  EXPECT_EQ(server_final, kServerFinal);
  // One exchange, one Finish.
  EXPECT_EQ(server.Finish(kClientFinal).status().code(), StatusCode::kInvalidArgument);
}

TEST(ScramServerTest, WrongPasswordIsUnauthenticated) {
  ASSERT_OK_AND_ASSIGN(std::string salt, Base64Decode("IP+qxnweNM7NIgtc+Tzk2w=="));
  ASSERT_OK_AND_ASSIGN(std::string other, MakeScramVerifier("Secret", salt, 4096));
  ASSERT_OK_AND_ASSIGN(ScramServer server, ScramServer::Start(kClientFirst, other, kServerNonce));
  EXPECT_EQ(server.server_first_message(), kServerFirst);
  auto result = server.Finish(kClientFinal);
  EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(result.status().message(), "SCRAM proof does not match");
}

TEST(ScramServerTest, TamperedProofIsUnauthenticated) {
  std::string tampered = kClientFinal;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(FinishCode(tampered), StatusCode::kUnauthenticated);
}

TEST(ScramServerTest, RandomNonceExchangeWithUserAndYFlag) {
  ASSERT_OK_AND_ASSIGN(std::string verifier, MakeScramVerifier("hunter2", 1000));
  for (std::string gs2 : {"n,,", "y,,"}) {
    std::string bare = "n=alice,r=clientNONCE123";
    ASSERT_OK_AND_ASSIGN(ScramServer server, ScramServer::Start(gs2 + bare, verifier));
    const std::string& first = server.server_first_message();
    ASSERT_TRUE(StartsWith(first, "r=clientNONCE123")) << first;
    EXPECT_EQ(first.find(','), std::string("r=clientNONCE123").size() + 24) << first;
    std::string final_message = ClientFinal("hunter2", gs2, bare, first);
    EXPECT_TRUE(StartsWith(final_message, gs2 == "n,," ? "c=biws," : "c=eSws,"));
    ASSERT_OK_AND_ASSIGN(std::string server_final, server.Finish(final_message));
    EXPECT_TRUE(StartsWith(server_final, "v="));
    // Two exchanges never share a server nonce.
    ASSERT_OK_AND_ASSIGN(ScramServer again, ScramServer::Start(gs2 + bare, verifier));
    EXPECT_NE(again.server_first_message(), first);
  }
}

TEST(ScramServerTest, RefusesChannelBindingAuthzidAndMandatoryExtensions) {
  EXPECT_EQ(StartCode("p=tls-server-end-point,,n=,r=abc"), StatusCode::kUnsupported);
  EXPECT_EQ(StartCode("n,a=bob,n=,r=abc"), StatusCode::kUnsupported);
  EXPECT_EQ(StartCode("n,,m=ext,n=,r=abc"), StatusCode::kUnsupported);
}

TEST(ScramServerTest, MalformedClientFirstIsInvalidArgument) {
  for (std::string bad :
       {std::string(""), std::string("n"), std::string("n,"), std::string("x,,n=,r=abc"),
        std::string("n,,"), std::string("n,,n="), std::string("n,,n=,"), std::string("n,,n=,r="),
        std::string("n,,r=abc"), std::string("n,,n=,x=abc"), std::string("n,,n=,r=a\x01"),
        std::string("n,,n=,r=a\xff"), std::string("n,,n=,r=a b"), std::string("nn,n=,r=abc"),
        std::string("n,x,n=,r=abc"), std::string("n,,n=,r=") + std::string(100000, 'a'),
        std::string("n,,n=,r=abc\0def", 15), std::string(5000, ',')}) {
    EXPECT_EQ(StartCode(bad), StatusCode::kInvalidArgument) << bad.substr(0, 40);
  }
  // Extensions after the nonce are allowed.
  EXPECT_EQ(StartCode("n,,n=,r=abc,x=ext"), StatusCode::kOk);
}

TEST(ScramServerTest, MalformedClientFinalIsInvalidArgument) {
  const std::string nonce = "r=Ie9vb3yiW0o482YETkxd8ETbEZhMWUTYQ11L7ZUcGUZDzchI";
  const std::string proof = "p=e4hUD2USJQnNV7fOHCYbs45iTPRsTVvgA/+QIzRG054=";
  for (std::string bad : {
           std::string(""),
           std::string("c=biws"),
           "c=biws," + nonce,                // no proof
           nonce + "," + proof,              // no binding
           "c=biws," + proof,                // no nonce
           "c=eSws," + nonce + "," + proof,  // binding for y,, not n,,
           "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCws," + nonce + "," + proof,
           "c=biws,r=Ie9vb3yiW0o482YETkxd8ETb," + proof,          // client nonce only
           "c=biws," + nonce + "X," + proof,                      // longer nonce
           "c=biws," + nonce + ",p=",                             // empty proof
           "c=biws," + nonce + ",p=!!!!",                         // bad base64
           "c=biws," + nonce + ",p=c2hvcnQ=",                     // short proof
           "c=biws," + nonce + "," + proof + ",x=1",              // proof not last
           "c=biws," + nonce + ",p=" + std::string(100000, 'A'),  // huge
           std::string(",p=") + proof,
       }) {
    EXPECT_EQ(FinishCode(bad), StatusCode::kInvalidArgument) << bad.substr(0, 60);
  }
  // An extension between nonce and proof is part of the signed message; the proof then fails.
  EXPECT_EQ(FinishCode("c=biws," + nonce + ",x=1," + proof), StatusCode::kUnauthenticated);
}

TEST(ScramServerTest, MalformedVerifierIsCorruption) {
  EXPECT_EQ(ScramServer::Start(kClientFirst, "md5deadbeef").status().code(),
            StatusCode::kCorruption);
}

TEST(ScramServerTest, RejectsBadInjectedNonce) {
  EXPECT_EQ(ScramServer::Start(kClientFirst, kVerifier, "a,b").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ScramServer::Start(kClientFirst, kVerifier, "").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MockScramVerifierTest, DeterministicPerUserAndSecretAndNeverAuthenticates) {
  std::string secret(32, 's');
  std::string a = MockScramVerifier("ghost", secret);
  EXPECT_EQ(a, MockScramVerifier("ghost", secret));
  EXPECT_NE(a, MockScramVerifier("ghost2", secret));
  EXPECT_NE(a, MockScramVerifier("ghost", std::string(32, 't')));
  ASSERT_OK_AND_ASSIGN(ScramSecret parsed, ParseScramVerifier(a));
  EXPECT_EQ(parsed.iterations, 4096);
  EXPECT_EQ(parsed.salt.size(), 16u);
  ASSERT_OK_AND_ASSIGN(ScramServer server, ScramServer::Start("n,,n=,r=nonce", a));
  std::string final_message =
      ClientFinal("any password", "n,,", "n=,r=nonce", server.server_first_message());
  EXPECT_EQ(server.Finish(final_message).status().code(), StatusCode::kUnauthenticated);
}

TEST(VerifyPlainPasswordTest, MatchesOnlyTheSamePasswordAfterSaslprep) {
  ASSERT_OK_AND_ASSIGN(std::string verifier, MakeScramVerifier("IX", "salt-salt-salt!!", 4096));
  EXPECT_EQ(VerifyPlainPassword("IX", verifier).value(), true);
  EXPECT_EQ(VerifyPlainPassword("\u2168", verifier).value(), true);
  EXPECT_EQ(VerifyPlainPassword("ix", verifier).value(), false);
  EXPECT_EQ(VerifyPlainPassword("", verifier).value(), false);
  EXPECT_EQ(VerifyPlainPassword("IX", "not a verifier").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace tessera::access
