#include "tessera/storage/local_storage.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::storage {
namespace {

TEST(LocalStorageTest, PutIfAbsentNeverOverwrites) {
  testing::TempDir dir;
  LocalStorage fs;
  std::string path = dir.Sub("log/00.json");
  ASSERT_OK(fs.PutIfAbsent(path, "first"));
  Status again = fs.PutIfAbsent(path, "second");
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(std::string content, fs.Read(path));
  EXPECT_EQ(content, "first");
  // No temporary files are left behind.
  ASSERT_OK_AND_ASSIGN(auto files, fs.List(dir.Sub("log")));
  ASSERT_EQ(files.size(), 1u);
}

TEST(LocalStorageTest, ExactlyOneConcurrentPutIfAbsentWins) {
  testing::TempDir dir;
  LocalStorage fs;
  std::string path = dir.Sub("race.json");
  std::vector<std::thread> threads;
  std::atomic<int> wins{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (fs.PutIfAbsent(path, std::to_string(i)).ok())
        ++wins;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(wins.load(), 1);
}

TEST(LocalStorageTest, ListIsSortedAndSkipsDirectories) {
  testing::TempDir dir;
  LocalStorage fs;
  ASSERT_OK(fs.Put(dir.Sub("b"), "2"));
  ASSERT_OK(fs.Put(dir.Sub("a"), "1"));
  ASSERT_OK(fs.Put(dir.Sub("sub/c"), "3"));
  ASSERT_OK_AND_ASSIGN(auto files, fs.List(dir.path().string()));
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, dir.Sub("a"));
  EXPECT_EQ(files[1].size, 1);
  ASSERT_OK_AND_ASSIGN(auto all, fs.ListRecursive(dir.path().string()));
  EXPECT_EQ(all.size(), 3u);
  ASSERT_OK_AND_ASSIGN(auto from_b, fs.ListFrom(dir.path().string(), "b"));
  ASSERT_EQ(from_b.size(), 1u);
  EXPECT_EQ(from_b[0].path, dir.Sub("b"));
  ASSERT_OK_AND_ASSIGN(auto none, fs.List(dir.Sub("missing")));
  EXPECT_TRUE(none.empty());
}

TEST(LocalStorageTest, ReadRangeChecksBounds) {
  testing::TempDir dir;
  LocalStorage fs;
  ASSERT_OK(fs.Put(dir.Sub("f"), "hello"));
  ASSERT_OK_AND_ASSIGN(std::string mid, fs.ReadRange(dir.Sub("f"), 1, 3));
  EXPECT_EQ(mid, "ell");
  EXPECT_EQ(fs.ReadRange(dir.Sub("f"), 3, 10).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(fs.ReadRange(dir.Sub("f"), -1, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(fs.Read(dir.Sub("nope")).status().code(), StatusCode::kNotFound);
}

TEST(LocalStorageTest, PutReplacesAndDeleteIsIdempotent) {
  testing::TempDir dir;
  LocalStorage fs;
  ASSERT_OK(fs.Put(dir.Sub("f"), "1"));
  ASSERT_OK(fs.Put(dir.Sub("f"), "22"));
  EXPECT_EQ(*fs.Read(dir.Sub("f")), "22");
  ASSERT_OK(fs.Delete(dir.Sub("f")));
  ASSERT_OK(fs.Delete(dir.Sub("f")));
  EXPECT_EQ(fs.Stat(dir.Sub("f")).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace tessera::storage
