#include "tessera/access/confined_storage.h"

#include <gtest/gtest.h>

#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::access {
namespace {

TEST(ConfinedStorageTest, ServesOnlyPathsInsideItsRoots) {
  testing::TempDir dir;
  std::string root = dir.Sub("tables/d/p/t");
  std::string sibling = dir.Sub("tables/d/p/tt");
  storage::Storage& local = storage::LocalStorage::Instance();
  ASSERT_OK(local.Put(root + "/_delta_log/00000000000000000000.json", "{}"));
  ASSERT_OK(local.Put(sibling + "/_delta_log/00000000000000000000.json", "{}"));
  ConfinedStorage confined(local, {root + "/"});

  ASSERT_OK_AND_ASSIGN(std::string text,
                       confined.Read(root + "/_delta_log/00000000000000000000.json"));
  EXPECT_EQ(text, "{}");
  ASSERT_OK_AND_ASSIGN(auto files, confined.List(root + "/_delta_log"));
  EXPECT_EQ(files.size(), 1u);
  EXPECT_TRUE(confined.Allows(root));

  // A shared name prefix is not a parent folder, and `..` cannot climb out.
  EXPECT_EQ(confined.Read(sibling + "/_delta_log/00000000000000000000.json").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(confined.List(root + "/../tt/_delta_log").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(confined.Stat("/etc/passwd").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(confined.ListRecursive(dir.path().string()).status().code(),
            StatusCode::kPermissionDenied);

  // Reads only: a session never writes through it, even inside its tables.
  EXPECT_EQ(confined.Put(root + "/x", "y").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(confined.PutIfAbsent(root + "/x", "y").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(confined.Delete(root + "/_delta_log/00000000000000000000.json").code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(local.Stat(root + "/_delta_log/00000000000000000000.json").ok());
}

}  // namespace
}  // namespace tessera::access
