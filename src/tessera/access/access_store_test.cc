#include "tessera/access/access_store.h"

#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tessera/access/scram.h"
#include "tessera/catalog/db.h"
#include "tessera/common/strings.h"
#include "tessera/testing/test_util.h"

namespace tessera::access {
namespace {

using tessera::testing::TempDir;

class FakeClock : public Clock {
 public:
  int64_t NowMillis() const override { return now_.load(); }
  void Advance(int64_t ms) { now_ += ms; }

 private:
  std::atomic<int64_t> now_{1'700'000'000'000};
};

class AccessStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = AccessStore::Open(dir_.path().string(), &clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<AccessStore> store_;
};

TEST(PrincipalNameTest, AcceptsOnlyLowerCaseIdentifiers) {
  for (const char* good : {"a", "_", "alice", "svc_etl_2", "_x9"})
    EXPECT_TRUE(IsValidPrincipalName(good)) << good;
  EXPECT_TRUE(IsValidPrincipalName(std::string(63, 'a')));
  EXPECT_FALSE(IsValidPrincipalName(std::string(64, 'a')));
  for (const char* bad : {"", "Alice", "9lives", "a-b", "a b", "a.b", "a;drop", "é", "a\n"})
    EXPECT_FALSE(IsValidPrincipalName(bad)) << bad;
}

TEST(GrantObjectTest, Validation) {
  for (const char* good : {"*", "sales", "sales.orders", "sales.orders.lines", "Sales.Q1._x"})
    EXPECT_TRUE(IsValidGrantObject(good)) << good;
  for (const char* bad :
       {"", ".", "a.", ".a", "a..b", "a.b.c.d", "a.*", "*.a", "a-b", "1a", "a b", "a/b", "../x"})
    EXPECT_FALSE(IsValidGrantObject(bad)) << bad;
}

TEST(GrantCoversTest, HierarchyAndExactNames) {
  EXPECT_TRUE(GrantCovers({"*"}, "a", "b", "c"));
  EXPECT_TRUE(GrantCovers({"a"}, "a", "b", "c"));
  EXPECT_TRUE(GrantCovers({"x", "a.b"}, "a", "b", "c"));
  EXPECT_TRUE(GrantCovers({"a.b.c"}, "a", "b", "c"));
  EXPECT_FALSE(GrantCovers({}, "a", "b", "c"));
  EXPECT_FALSE(GrantCovers({"a.b.d", "a.c", "b"}, "a", "b", "c"));
  EXPECT_FALSE(GrantCovers({"ab"}, "a", "b", "c"));
  EXPECT_FALSE(GrantCovers({"a.b"}, "a", "bc", "d"));
  EXPECT_FALSE(GrantCovers({"A"}, "a", "b", "c"));
}

TEST_F(AccessStoreTest, CreateGetAndDuplicate) {
  ASSERT_OK_AND_ASSIGN(Principal alice,
                       store_->CreatePrincipal("alice", PrincipalKind::kUser, true));
  EXPECT_EQ(alice.name, "alice");
  EXPECT_TRUE(alice.admin);
  ASSERT_OK_AND_ASSIGN(Principal got, store_->GetPrincipal("alice"));
  EXPECT_EQ(got.name, "alice");
  EXPECT_TRUE(got.admin);
  auto dup = store_->CreatePrincipal("alice", PrincipalKind::kService, false);
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "principal 'alice' already exists");
  EXPECT_EQ(store_->CreatePrincipal("Bob", PrincipalKind::kUser, false).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->CreatePrincipal("x'; DROP TABLE access_principals; --", PrincipalKind::kUser, false)
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  auto missing = store_->GetPrincipal("nobody");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "no principal 'nobody'");
}

TEST_F(AccessStoreTest, PasswordsAreStoredAsScramVerifiers) {
  ASSERT_OK(store_->CreatePrincipal("alice", PrincipalKind::kUser, false).status());
  EXPECT_EQ(store_->ScramVerifier("alice").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->SetPassword("alice", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SetPassword("nobody", "pw").code(), StatusCode::kNotFound);
  ASSERT_OK(store_->SetPassword("alice", "correct horse"));
  ASSERT_OK_AND_ASSIGN(std::string verifier, store_->ScramVerifier("alice"));
  ASSERT_OK_AND_ASSIGN(ScramSecret secret, ParseScramVerifier(verifier));
  // The verifier matches the password: recompute it with the stored salt.
  ASSERT_OK_AND_ASSIGN(std::string expected,
                       MakeScramVerifier("correct horse", secret.salt, secret.iterations));
  EXPECT_EQ(verifier, expected);
  // Nothing in the database file holds the password.
  ASSERT_OK_AND_ASSIGN(auto db, catalog::Db::Open(dir_.Sub("catalog.db")));
  ASSERT_OK_AND_ASSIGN(auto stmt, db->Prepare("SELECT count(*) FROM access_principals WHERE "
                                              "instr(scram_verifier, 'correct horse') > 0"));
  ASSERT_OK_AND_ASSIGN(bool row, stmt.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(stmt.ColumnInt64(0), 0);
  // A disabled principal has no usable verifier.
  ASSERT_OK(store_->SetDisabled("alice", true));
  EXPECT_EQ(store_->ScramVerifier("alice").status().code(), StatusCode::kNotFound);
  ASSERT_OK(store_->SetDisabled("alice", false));
  EXPECT_OK(store_->ScramVerifier("alice").status());
  EXPECT_EQ(store_->SetDisabled("nobody", true).code(), StatusCode::kNotFound);
}

TEST_F(AccessStoreTest, TokensAuthenticateUntilRevokedOrExpired) {
  ASSERT_OK(store_->CreatePrincipal("etl", PrincipalKind::kService, false).status());
  ASSERT_OK_AND_ASSIGN(IssuedToken forever, store_->CreateToken("etl", std::nullopt, "ci"));
  EXPECT_TRUE(StartsWith(forever.token, "tsr_"));
  EXPECT_EQ(forever.token.size(), 4u + 43u);
  EXPECT_EQ(forever.token.find_first_not_of(
                "tsr_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_TRUE(StartsWith(forever.info.id, "tok_"));
  EXPECT_EQ(forever.info.id.size(), 20u);
  EXPECT_EQ(forever.info.label, "ci");
  EXPECT_EQ(forever.info.expires_ms, std::nullopt);
  ASSERT_OK_AND_ASSIGN(IssuedToken hour,
                       store_->CreateToken("etl", std::chrono::seconds(3600), "short"));
  EXPECT_EQ(hour.info.expires_ms, std::optional<int64_t>(clock_.NowMillis() + 3'600'000));

  ASSERT_OK_AND_ASSIGN(Principal who, store_->AuthenticateToken(forever.token));
  EXPECT_EQ(who.name, "etl");
  EXPECT_FALSE(who.admin);
  ASSERT_OK(store_->AuthenticateToken(hour.token).status());

  clock_.Advance(3'600'000);
  auto expired = store_->AuthenticateToken(hour.token);
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(expired.status().message(), "invalid or expired token");
  ASSERT_OK(store_->AuthenticateToken(forever.token).status());

  ASSERT_OK_AND_ASSIGN(auto tokens, store_->ListTokens("etl"));
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].id, forever.info.id);
  EXPECT_TRUE(tokens[0].active);
  EXPECT_EQ(tokens[1].id, hour.info.id);
  EXPECT_FALSE(tokens[1].active);
  EXPECT_EQ(tokens[1].revoked_ms, std::nullopt);

  ASSERT_OK(store_->RevokeToken("etl", forever.info.id));
  ASSERT_OK(store_->RevokeToken("etl", forever.info.id));  // twice is fine
  auto revoked = store_->AuthenticateToken(forever.token);
  EXPECT_EQ(revoked.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(revoked.status().message(), "invalid or expired token");
  ASSERT_OK_AND_ASSIGN(tokens, store_->ListTokens("etl"));
  EXPECT_EQ(tokens[0].revoked_ms, std::optional<int64_t>(clock_.NowMillis()));
  EXPECT_FALSE(tokens[0].active);

  EXPECT_EQ(store_->RevokeToken("etl", "tok_0000000000000000").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListTokens("nobody").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->CreateToken("nobody", std::nullopt, "").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->CreateToken("etl", std::chrono::seconds(0), "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateToken("etl", std::nullopt, std::string(201, 'x')).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(AccessStoreTest, TokenOfAnotherPrincipalCannotBeRevokedByName) {
  ASSERT_OK(store_->CreatePrincipal("a", PrincipalKind::kUser, false).status());
  ASSERT_OK(store_->CreatePrincipal("b", PrincipalKind::kUser, false).status());
  ASSERT_OK_AND_ASSIGN(IssuedToken t, store_->CreateToken("a", std::nullopt, ""));
  EXPECT_EQ(store_->RevokeToken("b", t.info.id).code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(Principal who, store_->AuthenticateToken(t.token));
  EXPECT_EQ(who.name, "a");
}

TEST_F(AccessStoreTest, HostileTokensAreUnauthenticated) {
  ASSERT_OK(store_->CreatePrincipal("a", PrincipalKind::kUser, false).status());
  ASSERT_OK_AND_ASSIGN(IssuedToken t, store_->CreateToken("a", std::nullopt, ""));
  std::string almost = t.token;
  almost.back() = almost.back() == 'A' ? 'B' : 'A';
  for (std::string bad :
       {std::string(""), std::string("tsr_"), almost, t.token + "x", t.token.substr(4),
        std::string("tsr_' OR 1=1 --"), std::string(1 << 20, 'a'),
        "tsr_" + std::string(1 << 20, 'a'), std::string("tsr_\0", 5)}) {
    auto result = store_->AuthenticateToken(bad);
    EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated) << bad.substr(0, 40);
    EXPECT_EQ(result.status().message(), "invalid or expired token");
  }
}

TEST_F(AccessStoreTest, DisabledPrincipalsTokensFail) {
  ASSERT_OK(store_->CreatePrincipal("a", PrincipalKind::kUser, true).status());
  ASSERT_OK_AND_ASSIGN(IssuedToken t, store_->CreateToken("a", std::nullopt, ""));
  ASSERT_OK(store_->SetDisabled("a", true));
  auto result = store_->AuthenticateToken(t.token);
  EXPECT_EQ(result.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(result.status().message(), "invalid or expired token");
  ASSERT_OK(store_->SetDisabled("a", false));
  ASSERT_OK_AND_ASSIGN(Principal who, store_->AuthenticateToken(t.token));
  EXPECT_TRUE(who.admin);
}

TEST_F(AccessStoreTest, GrantsAndRevokes) {
  ASSERT_OK(store_->CreatePrincipal("ana", PrincipalKind::kUser, false).status());
  ASSERT_OK(store_->Grant("ana", "sales.orders"));
  ASSERT_OK(store_->Grant("ana", "sales.orders"));  // idempotent
  ASSERT_OK(store_->Grant("ana", "hr.people.salaries"));
  ASSERT_OK(store_->Grant("ana", "*"));
  ASSERT_OK_AND_ASSIGN(auto grants, store_->Grants("ana"));
  EXPECT_EQ(grants, (std::vector<std::string>{"*", "hr.people.salaries", "sales.orders"}));
  ASSERT_OK(store_->Revoke("ana", "*"));
  ASSERT_OK_AND_ASSIGN(grants, store_->Grants("ana"));
  EXPECT_TRUE(GrantCovers(grants, "sales", "orders", "lines"));
  EXPECT_FALSE(GrantCovers(grants, "hr", "people", "names"));
  Status missing = store_->Revoke("ana", "*");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "principal 'ana' has no grant on '*'");
  EXPECT_EQ(store_->Revoke("ana", "sales").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Grant("ana", "a.b.c.d").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Grant("ana", "a;drop").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Revoke("ana", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Grant("nobody", "sales").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Revoke("nobody", "sales").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Grants("nobody").status().code(), StatusCode::kNotFound);
}

TEST_F(AccessStoreTest, ListAndDropPrincipals) {
  ASSERT_OK(store_->CreatePrincipal("zed", PrincipalKind::kService, false).status());
  ASSERT_OK(store_->CreatePrincipal("amy", PrincipalKind::kUser, true).status());
  ASSERT_OK(store_->SetPassword("amy", "pw"));
  ASSERT_OK(store_->Grant("zed", "b"));
  ASSERT_OK(store_->Grant("zed", "a.x"));
  ASSERT_OK_AND_ASSIGN(IssuedToken t1, store_->CreateToken("zed", std::nullopt, ""));
  ASSERT_OK_AND_ASSIGN(IssuedToken t2, store_->CreateToken("zed", std::chrono::seconds(1), ""));
  ASSERT_OK_AND_ASSIGN(IssuedToken t3, store_->CreateToken("zed", std::nullopt, ""));
  ASSERT_OK(store_->RevokeToken("zed", t3.info.id));
  clock_.Advance(1000);  // t2 expires
  ASSERT_OK_AND_ASSIGN(auto list, store_->ListPrincipals());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "amy");
  EXPECT_EQ(list[0].kind, PrincipalKind::kUser);
  EXPECT_TRUE(list[0].admin);
  EXPECT_TRUE(list[0].has_password);
  EXPECT_EQ(list[0].active_tokens, 0);
  EXPECT_TRUE(list[0].grants.empty());
  EXPECT_EQ(list[1].name, "zed");
  EXPECT_EQ(list[1].kind, PrincipalKind::kService);
  EXPECT_FALSE(list[1].admin);
  EXPECT_FALSE(list[1].has_password);
  EXPECT_FALSE(list[1].disabled);
  EXPECT_EQ(list[1].active_tokens, 1);
  EXPECT_EQ(list[1].grants, (std::vector<std::string>{"a.x", "b"}));

  ASSERT_OK(store_->DropPrincipal("zed"));
  EXPECT_EQ(store_->DropPrincipal("zed").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->AuthenticateToken(t1.token).status().code(), StatusCode::kUnauthenticated);
  // Recreating the name does not resurrect the old tokens or grants.
  ASSERT_OK(store_->CreatePrincipal("zed", PrincipalKind::kService, false).status());
  EXPECT_EQ(store_->AuthenticateToken(t1.token).status().code(), StatusCode::kUnauthenticated);
  ASSERT_OK_AND_ASSIGN(auto grants, store_->Grants("zed"));
  EXPECT_TRUE(grants.empty());
  ASSERT_OK_AND_ASSIGN(auto tokens, store_->ListTokens("zed"));
  EXPECT_TRUE(tokens.empty());
}

TEST_F(AccessStoreTest, NodeSecretIsCreatedOnceAndShared) {
  ASSERT_OK_AND_ASSIGN(std::string secret, store_->NodeSecret());
  EXPECT_EQ(secret.size(), 32u);
  ASSERT_OK_AND_ASSIGN(std::string again, store_->NodeSecret());
  EXPECT_EQ(again, secret);
  ASSERT_OK_AND_ASSIGN(auto other, AccessStore::Open(dir_.path().string(), &clock_));
  ASSERT_OK_AND_ASSIGN(std::string from_other, other->NodeSecret());
  EXPECT_EQ(from_other, secret);
}

// The CLI changes the store while the node runs: a second store on the same file sees every
// change on its next call.
TEST_F(AccessStoreTest, ChangesFromAnotherConnectionTakeEffectAtOnce) {
  ASSERT_OK_AND_ASSIGN(auto cli, AccessStore::Open(dir_.path().string(), &clock_));
  ASSERT_OK(cli->CreatePrincipal("bob", PrincipalKind::kUser, false).status());
  ASSERT_OK_AND_ASSIGN(IssuedToken t, cli->CreateToken("bob", std::nullopt, ""));
  ASSERT_OK(store_->AuthenticateToken(t.token).status());
  ASSERT_OK(cli->Grant("bob", "sales"));
  ASSERT_OK_AND_ASSIGN(auto grants, store_->Grants("bob"));
  EXPECT_EQ(grants, std::vector<std::string>{"sales"});
  ASSERT_OK(cli->Revoke("bob", "sales"));
  ASSERT_OK_AND_ASSIGN(grants, store_->Grants("bob"));
  EXPECT_TRUE(grants.empty());
  ASSERT_OK(cli->RevokeToken("bob", t.info.id));
  EXPECT_EQ(store_->AuthenticateToken(t.token).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccessStoreTest, ConcurrentUseFromThreadsAndTwoConnections) {
  ASSERT_OK_AND_ASSIGN(auto second, AccessStore::Open(dir_.path().string(), &clock_));
  constexpr int kPerThread = 40;
  std::vector<std::vector<std::string>> tokens(4);
  std::vector<Status> failures(4);
  auto work = [&](AccessStore* store, int t) {
    for (int i = 0; i < kPerThread; ++i) {
      std::string name = "p" + std::to_string(t) + "_" + std::to_string(i);
      Status s = store->CreatePrincipal(name, PrincipalKind::kService, false).status();
      if (s.ok())
        s = store->Grant(name, "d" + std::to_string(i));
      if (s.ok()) {
        auto token = store->CreateToken(name, std::nullopt, name);
        if (token.ok()) {
          tokens[t].push_back(token->token);
          auto who = store->AuthenticateToken(token->token);
          if (!who.ok() || who->name != name)
            s = Status::Internal("token of " + name + " did not authenticate");
        } else {
          s = token.status();
        }
      }
      // Every thread also tries to create one shared name: exactly one wins.
      auto shared =
          store->CreatePrincipal("shared_" + std::to_string(i), PrincipalKind::kUser, false);
      if (!shared.ok() && !shared.status().IsAlreadyExists())
        s = shared.status();
      if (!s.ok()) {
        failures[t] = s;
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(work, store_.get(), 0);
  threads.emplace_back(work, store_.get(), 1);
  threads.emplace_back(work, second.get(), 2);
  threads.emplace_back(work, second.get(), 3);
  for (auto& t : threads)
    t.join();
  for (const Status& s : failures)
    EXPECT_OK(s);
  ASSERT_OK_AND_ASSIGN(auto list, store_->ListPrincipals());
  EXPECT_EQ(list.size(), 4u * kPerThread + kPerThread);
  std::set<std::string> all;
  for (const auto& per_thread : tokens) {
    for (const std::string& token : per_thread) {
      all.insert(token);
      ASSERT_OK(second->AuthenticateToken(token).status());
    }
  }
  EXPECT_EQ(all.size(), 4u * kPerThread);
}

}  // namespace
}  // namespace tessera::access
