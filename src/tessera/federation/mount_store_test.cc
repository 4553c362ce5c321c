#include "tessera/federation/mount_store.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::federation {
namespace {

TEST(MountStoreTest, AddsListsRefreshesAndRemovesMounts) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, MountStore::Open(dir.path()));
  Mount mount{"east",
              "sharing",
              R"({"bearerToken":"secret"})",
              "http://east/delta-sharing",
              0,
              0,
              {{"flights", "h1", "f"}, {"flights", "h1", "g"}},
              "/etc/ssl/private-ca.pem",
              7};
  ASSERT_OK(store->Add(mount));
  EXPECT_EQ(store->Add(mount).code(), StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(Mount read, store->Get("east"));
  EXPECT_EQ(read.endpoint, "http://east/delta-sharing");
  EXPECT_EQ(read.ca_file, "/etc/ssl/private-ca.pem");
  EXPECT_EQ(read.timeout_seconds, 7);
  ASSERT_EQ(read.tables.size(), 2u);
  EXPECT_EQ(read.tables[1].name, "g");
  ASSERT_OK(store->SetTables("east", {{"flights", "h1", "z"}}));
  ASSERT_OK_AND_ASSIGN(read, store->Get("east"));
  ASSERT_EQ(read.tables.size(), 1u);
  EXPECT_EQ(read.tables[0].name, "z");
  // A second handle (another process: the CLI while the node runs) sees the same state.
  ASSERT_OK_AND_ASSIGN(auto other, MountStore::Open(dir.path()));
  ASSERT_OK_AND_ASSIGN(auto all, other->List());
  ASSERT_EQ(all.size(), 1u);
  ASSERT_OK(other->Remove("east"));
  EXPECT_EQ(store->Get("east").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Remove("east").code(), StatusCode::kNotFound);
  EXPECT_EQ(store->SetTables("east", {}).code(), StatusCode::kNotFound);
}

TEST(MountStoreTest, NamesAreLowerCaseIdentifiers) {
  for (std::string_view bad : {"", "East", "1x", "a-b", "a.b", "a b", "x'; DROP"})
    EXPECT_EQ(CheckMountName(bad).code(), StatusCode::kInvalidArgument) << bad;
  EXPECT_OK(CheckMountName("east_2"));
  EXPECT_EQ(CheckMountName(std::string(64, 'a')).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::federation
