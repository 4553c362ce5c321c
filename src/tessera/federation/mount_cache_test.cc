#include "tessera/federation/mount_cache.h"

#include <fcntl.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tessera/testing/test_util.h"

namespace tessera::federation {
namespace {

namespace fs = std::filesystem;

// A cached file of `size` bytes last used `age` seconds ago.
std::string Put(const std::string& dir, const std::string& name, size_t size, int64_t age) {
  fs::create_directories(dir);
  std::string path = dir + "/" + name;
  std::ofstream(path) << std::string(size, 'x');
  timespec times[2];
  times[0].tv_sec = times[1].tv_sec = std::time(nullptr) - age;
  times[0].tv_nsec = times[1].tv_nsec = 0;
  ::utimensat(AT_FDCWD, path.c_str(), times, 0);
  return path;
}

TEST(MountCacheTest, RemovesLeastRecentlyUsedFilesDownToTheBound) {
  testing::TempDir dir;
  std::string root = dir.path().string() + "/cache/shares";
  std::string oldest = Put(root + "/a/files", "1.parquet", 100, 5000);
  std::string kept = Put(root + "/a/files", "2.parquet", 100, 4000);  // in use by this query
  std::string older = Put(root + "/b/files", "3.parquet", 100, 3000);
  std::string recent = Put(root + "/b/files", "4.parquet", 100, 10);  // within min_idle
  CacheLimits limits;
  limits.max_bytes = 150;
  limits.min_idle = std::chrono::seconds(60);
  EXPECT_EQ(TrimCache(root, limits, {kept}), 200);
  EXPECT_FALSE(fs::exists(oldest));
  EXPECT_FALSE(fs::exists(older));
  EXPECT_TRUE(fs::exists(kept));
  EXPECT_TRUE(fs::exists(recent));  // over the bound, but a query may be reading it
  limits.max_bytes = 1000;
  EXPECT_EQ(TrimCache(root, limits, {}), 0);
}

TEST(MountCacheTest, OldSnapshotLogsGoAndUseRefreshesTheClock) {
  testing::TempDir dir;
  std::string root = dir.path().string() + "/cache/shares";
  std::string stale = root + "/a/snapshots/old";
  std::string current = root + "/a/snapshots/current";
  fs::create_directories(stale + "/_delta_log");
  fs::create_directories(current + "/_delta_log");
  timespec times[2];
  times[0].tv_sec = times[1].tv_sec = std::time(nullptr) - 5000;
  times[0].tv_nsec = times[1].tv_nsec = 0;
  ::utimensat(AT_FDCWD, stale.c_str(), times, 0);
  ::utimensat(AT_FDCWD, current.c_str(), times, 0);
  CacheLimits limits;
  limits.min_idle = std::chrono::seconds(60);
  TrimCache(root, limits, {current});
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(current));

  std::string file = Put(root + "/a/files", "1.parquet", 10, 5000);
  EXPECT_EQ(UseCachedFile(file), 10);
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_GT(info.st_mtim.tv_sec, std::time(nullptr) - 60);
  EXPECT_EQ(UseCachedFile(root + "/a/files/none.parquet"), -1);
}

TEST(MountCacheTest, ParsesSizes) {
  EXPECT_EQ(*ParseByteSize("4096"), 4096);
  EXPECT_EQ(*ParseByteSize("10GB"), int64_t{10} << 30);
  EXPECT_EQ(*ParseByteSize("512 MiB"), int64_t{512} << 20);
  EXPECT_EQ(*ParseByteSize("1.5kb"), 1536);
  for (std::string_view bad : {"", "GB", "-1GB", "10XB", "1e400", "1.2.3MB", "99999999TB"})
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
}

}  // namespace
}  // namespace tessera::federation
