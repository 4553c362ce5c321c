#include "tessera/federation/file_mounts.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::federation {
namespace {

TEST(ResolveFileSourceTest, FilesDirectoriesAndGlobs) {
  testing::TempDir dir;
  std::string root = dir.path().string() + "/landing";
  std::filesystem::create_directories(root + "/2026");
  std::ofstream(root + "/a.csv") << "x\n1\n";
  std::ofstream(root + "/2026/p.parquet") << "PAR1";
  ASSERT_OK_AND_ASSIGN(FileSource glob, ResolveFileSource(root + "/*.csv", ""));
  EXPECT_EQ(glob.format, "csv");
  EXPECT_EQ(glob.root, root);
  EXPECT_EQ(glob.pattern, root + "/*.csv");
  ASSERT_OK_AND_ASSIGN(FileSource directory, ResolveFileSource(root + "/", ""));
  EXPECT_EQ(directory.format, "parquet");
  EXPECT_EQ(directory.pattern, root + "/**/*.parquet");
  ASSERT_OK_AND_ASSIGN(FileSource file, ResolveFileSource(root + "/a.csv", "csv"));
  EXPECT_EQ(file.root, root);
}

TEST(ResolveFileSourceTest, BadInputIsInvalidArgumentWithTheReason) {
  testing::TempDir dir;
  std::string root = dir.path().string();
  std::ofstream(root + "/a.csv") << "x\n";
  auto reason = [](std::string_view path, std::string_view format) {
    auto source = ResolveFileSource(path, format);
    EXPECT_EQ(source.status().code(), StatusCode::kInvalidArgument) << path;
    return source.status().message();
  };
  EXPECT_NE(reason("", "").find("needs a file"), std::string::npos);
  EXPECT_NE(reason(root + "/*.xml", "").find("cannot tell the format"), std::string::npos);
  EXPECT_NE(reason(root + "/none-*.csv", "").find("no csv files match"), std::string::npos);
  EXPECT_NE(reason(root, "avro").find("unknown format"), std::string::npos);
  EXPECT_NE(reason("/*.csv", "").find("below /"), std::string::npos);
  EXPECT_NE(reason(root + "/a\n.csv", "").find("control characters"), std::string::npos);
}

}  // namespace
}  // namespace tessera::federation
