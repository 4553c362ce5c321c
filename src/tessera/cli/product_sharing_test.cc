#include "tessera/cli/product_sharing.h"

#include <gtest/gtest.h>

#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/delta_writer.h"
#include "tessera/sharing/share_store.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::cli {
namespace {

TEST(ProductSharingTest, ShareFollowsTablesAndRecipients) {
  testing::TempDir dir;
  // Two tables of the product on disk.
  ASSERT_OK_AND_ASSIGN(auto database, engine::Database::Open({}));
  ASSERT_OK_AND_ASSIGN(auto connection, engine::Connection::Open(*database));
  engine::DuckdbCheckpointReader reader(*database);
  for (const char* table : {"a", "b"}) {
    engine::WriteRequest request;
    request.table_root = engine::TableRoot(dir.path(), {"geo", "ap", table});
    request.query = "SELECT 1 AS x";
    request.mode = engine::WriteMode::kCreate;
    ASSERT_OK(engine::WriteQuery(*connection, storage::LocalStorage::Instance(), reader, request)
                  .status());
  }
  ASSERT_OK_AND_ASSIGN(auto shares, sharing::ShareStore::Open(dir.path()));
  ASSERT_OK(shares->CreateRecipient("partner", "", std::nullopt).status());

  products::ProductDescriptor d;
  d.domain = "geo";
  d.name = "ap";
  for (const char* table : {"a", "b"}) {
    products::TableSpec spec;
    spec.name = table;
    d.tables.push_back(spec);
  }
  ASSERT_OK_AND_ASSIGN(SharingChanges off, ShareProduct(dir.path(), d));
  EXPECT_TRUE(off.share.empty());  // ports.sharing off: nothing happens

  d.ports.sharing = true;
  d.ports.sharing_recipients = {"partner", "ghost"};
  ASSERT_OK_AND_ASSIGN(SharingChanges first, ShareProduct(dir.path(), d));
  EXPECT_EQ(first.share, "geo_ap");
  EXPECT_EQ(first.added_tables, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(first.granted, std::vector<std::string>{"partner"});
  EXPECT_EQ(first.missing_recipients, std::vector<std::string>{"ghost"});
  ASSERT_OK_AND_ASSIGN(auto table, shares->GetTable("geo_ap", "ap", "a"));
  EXPECT_EQ(table.source, "geo.ap.a");

  // A table dropped from the product leaves the share; applying again adds nothing twice.
  d.tables.pop_back();
  ASSERT_OK_AND_ASSIGN(SharingChanges second, ShareProduct(dir.path(), d));
  EXPECT_TRUE(second.added_tables.empty());
  EXPECT_EQ(second.removed_tables, std::vector<std::string>{"b"});
  EXPECT_EQ(shares->GetTable("geo_ap", "ap", "b").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace tessera::cli
