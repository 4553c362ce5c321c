#include "tessera/sharing/share_store.h"

#include <atomic>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::sharing {
namespace {

using tessera::testing::TempDir;

class FakeClock : public Clock {
 public:
  int64_t NowMillis() const override { return now_.load(); }
  void Advance(int64_t ms) { now_ += ms; }

 private:
  std::atomic<int64_t> now_{1'700'000'000'000};
};

class ShareStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, ShareStore::Open(dir_.path().string(), &clock_));
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<ShareStore> store_;
};

TEST_F(ShareStoreTest, SharesAreCaseInsensitiveAndUnique) {
  ASSERT_OK_AND_ASSIGN(Share share, store_->CreateShare("Sales", "for partners"));
  EXPECT_EQ(share.name, "Sales");
  EXPECT_EQ(share.id.size(), 36u);
  EXPECT_EQ(store_->CreateShare("sales", "").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateShare("a b", "").status().code(), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(Share found, store_->GetShare("SALES"));
  EXPECT_EQ(found.id, share.id);
  ASSERT_OK(store_->CreateShare("alpha", "").status());
  ASSERT_OK_AND_ASSIGN(auto shares, store_->ListShares());
  ASSERT_EQ(shares.size(), 2u);
  EXPECT_EQ(shares[0].name, "alpha");
  EXPECT_EQ(store_->GetShare("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(ShareStoreTest, TablesValidateTheirSourceAndNames) {
  ASSERT_OK(store_->CreateShare("s", "").status());
  auto add = [&](std::string_view schema, std::string_view table, TableSourceKind kind,
                 std::string_view source, std::optional<int64_t> start = std::nullopt) {
    return store_->AddTable("s", schema, table, kind, source, true, start, "");
  };
  ASSERT_OK_AND_ASSIGN(SharedTable table, add("sc", "T", TableSourceKind::kPath, "/data/t"));
  EXPECT_EQ(table.share, "s");
  EXPECT_TRUE(table.history_shared);
  EXPECT_EQ(add("SC", "t", TableSourceKind::kPath, "/x").status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(add("sc", "u", TableSourceKind::kPath, "relative/t").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(add("sc", "u", TableSourceKind::kPath, "/a/../b").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(add("sc", "u", TableSourceKind::kTessera, "not-a-name").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(add("s.c", "u", TableSourceKind::kPath, "/x").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(add("sc", "u", TableSourceKind::kPath, "/x", -1).status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(SharedTable product,
                       add("other", "orders", TableSourceKind::kTessera, "demo.sales.orders", 3));
  EXPECT_EQ(SharedTableRoot("/dd", product), "/dd/tables/demo/sales/orders");
  EXPECT_EQ(SharedTableRoot("/dd", table), "/data/t");
  EXPECT_EQ(product.start_version, 3);

  ASSERT_OK_AND_ASSIGN(auto schemas, store_->ListSchemas("S"));
  EXPECT_EQ(schemas, (std::vector<std::string>{"other", "sc"}));
  ASSERT_OK_AND_ASSIGN(auto tables, store_->ListTables("s", "SC"));
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].name, "T");
  EXPECT_EQ(store_->ListTables("s", "none").status().code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(SharedTable by_id, store_->GetTableById(table.id));
  EXPECT_EQ(by_id.source, "/data/t");
  ASSERT_OK(store_->RemoveTable("s", "sc", "t"));
  EXPECT_EQ(store_->GetTable("s", "sc", "t").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RemoveTable("s", "sc", "t").code(), StatusCode::kNotFound);
}

TEST_F(ShareStoreTest, TokensAreHashedExpireRotateAndRevoke) {
  ASSERT_OK_AND_ASSIGN(auto first, store_->CreateRecipient("partner", "", std::nullopt));
  EXPECT_EQ(first.token.rfind("dss_", 0), 0u);
  ASSERT_OK_AND_ASSIGN(Recipient who, store_->AuthenticateRecipient(first.token));
  EXPECT_EQ(who.name, "partner");
  // Only the hash is stored.
  std::ifstream db(dir_.path() / "catalog.db", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(db)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find(first.token), std::string::npos);

  for (const std::string& bad :
       {std::string(), std::string("dss_nope"), std::string("tsr_x"), first.token.substr(1)})
    EXPECT_EQ(store_->AuthenticateRecipient(bad).status().code(), StatusCode::kUnauthenticated);

  ASSERT_OK_AND_ASSIGN(auto second,
                       store_->RotateToken("partner", std::nullopt, std::chrono::seconds(60)));
  ASSERT_OK(store_->AuthenticateRecipient(first.token).status());
  clock_.Advance(61'000);
  EXPECT_FALSE(store_->AuthenticateRecipient(first.token).ok());
  ASSERT_OK(store_->AuthenticateRecipient(second.token).status());

  ASSERT_OK_AND_ASSIGN(auto brief, store_->IssueToken("partner", std::chrono::seconds(10)));
  ASSERT_OK(store_->AuthenticateRecipient(brief.token).status());
  clock_.Advance(10'000);
  EXPECT_FALSE(store_->AuthenticateRecipient(brief.token).ok());

  ASSERT_OK_AND_ASSIGN(auto third,
                       store_->RotateToken("partner", std::nullopt, std::chrono::seconds(0)));
  EXPECT_FALSE(store_->AuthenticateRecipient(second.token).ok());
  ASSERT_OK(store_->RevokeRecipient("PARTNER"));
  EXPECT_FALSE(store_->AuthenticateRecipient(third.token).ok());
  ASSERT_OK_AND_ASSIGN(auto info, store_->DescribeRecipient("partner"));
  EXPECT_EQ(info.tokens.size(), 4u);
  for (const auto& token : info.tokens)
    EXPECT_FALSE(token.active) << token.id;
  EXPECT_EQ(store_->IssueToken("nobody", std::nullopt).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->CreateRecipient("p2", "", std::chrono::seconds(0)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ShareStoreTest, GrantsDecideWhatARecipientSees) {
  ASSERT_OK(store_->CreateShare("s1", "").status());
  ASSERT_OK(store_->CreateShare("s2", "").status());
  ASSERT_OK_AND_ASSIGN(auto table, store_->AddTable("s1", "sc", "t", TableSourceKind::kPath, "/t",
                                                    false, std::nullopt, ""));
  ASSERT_OK(store_->CreateRecipient("r", "", std::nullopt).status());
  ASSERT_OK_AND_ASSIGN(auto info, store_->DescribeRecipient("r"));
  const std::string& id = info.recipient.id;
  EXPECT_FALSE(*store_->IsGranted("s1", id));
  EXPECT_EQ(store_->TableForRecipient(table.id, id).status().code(), StatusCode::kNotFound);
  ASSERT_OK(store_->GrantShare("S1", "r"));
  ASSERT_OK(store_->GrantShare("s1", "r"));  // twice is fine
  EXPECT_TRUE(*store_->IsGranted("s1", id));
  EXPECT_FALSE(*store_->IsGranted("s2", id));
  EXPECT_FALSE(*store_->IsGranted("missing", id));
  ASSERT_OK_AND_ASSIGN(auto found, store_->TableForRecipient(table.id, id));
  EXPECT_EQ(found.second, "r");
  ASSERT_OK_AND_ASSIGN(auto shares, store_->SharesFor(id));
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_EQ(shares[0].name, "s1");
  ASSERT_OK(store_->RevokeShare("s1", "r"));
  EXPECT_EQ(store_->RevokeShare("s1", "r").code(), StatusCode::kNotFound);
  ASSERT_OK(store_->GrantShare("s1", "r"));
  ASSERT_OK(store_->DropShare("s1"));
  EXPECT_TRUE(store_->SharesFor(id)->empty());
  EXPECT_EQ(store_->GetTableById(table.id).status().code(), StatusCode::kNotFound);
  ASSERT_OK(store_->DropRecipient("r"));
  EXPECT_EQ(store_->DescribeRecipient("r").status().code(), StatusCode::kNotFound);
}

TEST_F(ShareStoreTest, ASecondStoreOnTheSameDirectorySeesChangesAtOnce) {
  ASSERT_OK_AND_ASSIGN(auto other, ShareStore::Open(dir_.path().string(), &clock_));
  ASSERT_OK_AND_ASSIGN(auto issued, store_->CreateRecipient("r", "", std::nullopt));
  ASSERT_OK(other->AuthenticateRecipient(issued.token).status());
  ASSERT_OK(other->RevokeRecipient("r"));
  EXPECT_FALSE(store_->AuthenticateRecipient(issued.token).ok());
}

}  // namespace
}  // namespace tessera::sharing
