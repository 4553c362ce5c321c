#include "tessera/delta/deletion_vector.h"

#include <zlib.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/common/strings.h"
#include "tessera/delta/z85.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

namespace fs = std::filesystem;

DeletionVectorDescriptor Dv(std::string type, std::string path, std::optional<int32_t> offset,
                            int32_t size, int64_t cardinality) {
  DeletionVectorDescriptor dv;
  dv.storage_type = std::move(type);
  dv.path_or_inline_dv = std::move(path);
  dv.offset = offset;
  dv.size_in_bytes = size;
  dv.cardinality = cardinality;
  return dv;
}

std::string BigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// One vector as stored in a DV file: BE size, bitmap, BE CRC-32 of the bitmap.
std::string Block(const std::string& bitmap) {
  uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bitmap.data()), static_cast<uInt>(bitmap.size())));
  return BigEndian32(static_cast<uint32_t>(bitmap.size())) + bitmap + BigEndian32(crc);
}

std::string Bitmap(const std::vector<uint64_t>& rows) {
  return EncodeRoaringBitmapArray(RowIndexSet::FromSortedRows(rows).value());
}

std::vector<uint64_t> EveryEleventh(uint64_t first, int64_t count) {
  std::vector<uint64_t> rows;
  for (int64_t i = 0; i < count; ++i)
    rows.push_back(first + 11 * static_cast<uint64_t>(i));
  return rows;
}

std::string Table(const std::string& name) { return (testing::DeltaFixturesDir() / name).string(); }

// Rows checked with an independent Python decoder of the .bin files. delta-basic-dv-with-checkpoint
// deletes every 11th id of each data file, so its expected.v1.csv lacks id 0.
TEST(DeletionVectorTest, LoadsSparkAndDatabricksFixtures) {
  struct Case {
    std::string table;
    DeletionVectorDescriptor dv;
    std::vector<uint64_t> rows;
  };
  std::vector<Case> cases = {
      {"delta-basic-dv-with-checkpoint", Dv("u", "2FtLtJDE!.VZ.+udLGa0", 1, 34, 1), {0}},
      {"delta-basic-dv-with-checkpoint", Dv("u", "rJ(BUnm+lwX)CTfMh^Q:", 1, 78, 23),
       EveryEleventh(0, 23)},
      {"delta-basic-dv-with-checkpoint", Dv("u", "<jm>0pRYlnGp#D/X2&/I", 1, 34, 1), {3}},
      {"delta-basic-dv-with-checkpoint", Dv("u", "+Ry*Wio9zqLW9MIvM6Su", 1, 78, 23),
       EveryEleventh(3, 23)},
      {"deltars-table-with-deletion-logs", Dv("u", "J.Dy=B})x<YARTP5LcO1", 1, 34, 1), {2}},
      {"deltars-table-with-deletion-logs", Dv("u", "Q6Kt3y1b)0MgZSWwPunr", 1, 36, 2), {2, 79}},
  };
  storage::LocalStorage fs;
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(RowIndexSet set, LoadDeletionVector(fs, Table(c.table), c.dv));
    EXPECT_EQ(set.ToVector(), c.rows) << c.dv.path_or_inline_dv;
    EXPECT_EQ(set.Cardinality(), static_cast<uint64_t>(c.dv.cardinality));
  }
}

TEST(DeletionVectorTest, LoadsEveryDescriptorInTheFixtureLogs) {
  storage::LocalStorage fs;
  std::set<std::string> seen;
  for (const std::string table :
       {"delta-basic-dv-with-checkpoint", "deltars-table-with-deletion-logs"}) {
    ASSERT_OK_AND_ASSIGN(auto commits, fs.List(Table(table) + "/_delta_log"));
    for (const storage::FileInfo& commit : commits) {
      if (!EndsWith(commit.path, ".json"))
        continue;
      ASSERT_OK_AND_ASSIGN(std::string text, fs.Read(commit.path));
      ASSERT_OK_AND_ASSIGN(std::vector<Action> actions, ParseCommit(text));
      for (const Action& action : actions) {
        const auto* add = std::get_if<AddFile>(&action);
        if (add == nullptr || !add->deletion_vector)
          continue;
        const DeletionVectorDescriptor& dv = *add->deletion_vector;
        seen.insert(table + dv.UniqueId());
        ASSERT_OK_AND_ASSIGN(RowIndexSet set, LoadDeletionVector(fs, Table(table), dv));
        if (table == "delta-basic-dv-with-checkpoint") {
          uint64_t first = StartsWith(add->path, "part-00000") ? 0 : 3;
          EXPECT_EQ(set.ToVector(), EveryEleventh(first, dv.cardinality)) << commit.path;
        } else {
          EXPECT_EQ(set.Cardinality(), static_cast<uint64_t>(dv.cardinality));
        }
      }
    }
  }
  EXPECT_EQ(seen.size(), 46u + 2u);
}

TEST(DeletionVectorTest, ResolvesFilePaths) {
  std::string z85 = "2FtLtJDE!.VZ.+udLGa0";
  std::string file = "deletion_vector_07bc7f84-8d75-48f2-b39c-15632a2fcf2c.bin";
  EXPECT_EQ(*DeletionVectorFilePath("/t", Dv("u", z85, 1, 34, 1)), "/t/" + file);
  EXPECT_EQ(*DeletionVectorFilePath("/t/", Dv("u", "ab" + z85, 1, 34, 1)), "/t/ab/" + file);
  EXPECT_EQ(*DeletionVectorFilePath("/t", Dv("p", "file:///d/my%20dir/x.bin", 1, 34, 1)),
            "/d/my dir/x.bin");
  EXPECT_EQ(*DeletionVectorFilePath("/t", Dv("p", "file:/d/x%2525.bin", 1, 34, 1)), "/d/x%25.bin");
  struct Bad {
    DeletionVectorDescriptor dv;
    StatusCode code;
    std::string error;
  };
  for (const Bad& bad : std::vector<Bad>{
           {Dv("u", "../" + z85, 1, 34, 1), StatusCode::kCorruption, "not alphanumeric"},
           {Dv("u", "/etc" + z85, 1, 34, 1), StatusCode::kCorruption, "not alphanumeric"},
           {Dv("u", "short", 1, 34, 1), StatusCode::kCorruption, "shorter than"},
           {Dv("u", "000000000000000###1N", 1, 34, 1), StatusCode::kCorruption, "not 16"},
           {Dv("u", "2FtLtJDE!.VZ.+udLG\"0", 1, 34, 1), StatusCode::kCorruption, "invalid Z85"},
           {Dv("p", "x/deletion_vector.bin", 1, 34, 1), StatusCode::kCorruption, "not an absolute"},
           {Dv("p", "s3://bucket/dv.bin", 1, 34, 1), StatusCode::kUnsupported, "s3://"},
           {Dv("i", "HelloWorld", std::nullopt, 8, 1), StatusCode::kInvalidArgument, "inline"},
           {Dv("x", z85, 1, 34, 1), StatusCode::kCorruption, "storage type 'x'"},
       }) {
    Result<std::string> r = DeletionVectorFilePath("/t", bad.dv);
    EXPECT_EQ(r.status().code(), bad.code) << bad.dv.path_or_inline_dv;
    EXPECT_NE(r.status().message().find(bad.error), std::string::npos) << r.status().ToString();
  }
}

TEST(DeletionVectorTest, LoadsFromPrefixDirectoryAndAbsoluteUri) {
  testing::TempDir dir;
  storage::LocalStorage fs;
  std::string name = "deletion_vector_a2084964-69d4-4e1e-95f5-9bbd6571d5c3.bin";
  std::string root = dir.Sub("my table");
  fs::create_directories(fs::path(root) / "Xy9");
  fs::copy_file(Table("deltars-table-with-deletion-logs") + "/" + name, root + "/Xy9/" + name);
  ASSERT_OK_AND_ASSIGN(RowIndexSet prefixed,
                       LoadDeletionVector(fs, root, Dv("u", "Xy9Q6Kt3y1b)0MgZSWwPunr", 1, 36, 2)));
  EXPECT_EQ(prefixed.ToVector(), (std::vector<uint64_t>{2, 79}));
  std::string uri = "file://" + PercentEncodePath(root + "/Xy9/" + name);
  ASSERT_NE(uri.find("my%20table"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(RowIndexSet absolute,
                       LoadDeletionVector(fs, "/elsewhere", Dv("p", uri, 1, 36, 2)));
  EXPECT_EQ(absolute.ToVector(), (std::vector<uint64_t>{2, 79}));
}

TEST(DeletionVectorTest, LoadsInlineVectorsInBothZ85Dialects) {
  std::vector<uint64_t> rows = {3, 5, 7, 70000, (uint64_t{1} << 32) | 1};
  std::string bitmap = Bitmap(rows);
  ASSERT_NE(bitmap.size() % 4, 0u);  // so the two dialects differ
  std::string spark = Z85Encode(bitmap, Z85Tail::kZeroPadded);
  std::string rust = Z85Encode(bitmap, Z85Tail::kHashMarked);
  ASSERT_NE(spark, rust);
  storage::LocalStorage fs;
  for (const std::string& text : {spark, rust}) {
    auto size = static_cast<int32_t>(bitmap.size());
    ASSERT_OK_AND_ASSIGN(RowIndexSet set,
                         LoadDeletionVector(fs, "/unused", Dv("i", text, std::nullopt, size, 5)));
    EXPECT_EQ(set.ToVector(), rows);
    Result<RowIndexSet> wrong_size = LoadDeletionVector(fs, "/unused", Dv("i", text, {}, 60, 5));
    EXPECT_EQ(wrong_size.status().code(), StatusCode::kCorruption);
    EXPECT_NE(wrong_size.status().message().find("inline deletion vector"), std::string::npos);
    Result<RowIndexSet> wrong_card = LoadDeletionVector(fs, "/unused", Dv("i", text, {}, size, 4));
    EXPECT_NE(wrong_card.status().message().find("cardinality is 4"), std::string::npos);
  }
}

TEST(DeletionVectorTest, LoadsSeveralVectorsSharingOneFile) {
  testing::TempDir dir;
  storage::LocalStorage fs;
  std::string first = Bitmap({1, 2});
  std::string second = Bitmap({9, uint64_t{65536} * 3});
  std::string uuid = "00112233-4455-6677-8899-aabbccddeeff";
  std::string z85 = Z85Encode(
      std::string("\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16));
  testing::WriteFile(dir.Sub("deletion_vector_" + uuid + ".bin"),
                     std::string(1, '\x01') + Block(first) + Block(second));
  auto offset2 = static_cast<int32_t>(1 + 8 + first.size());
  ASSERT_OK_AND_ASSIGN(
      RowIndexSet a,
      LoadDeletionVector(fs, dir.Sub(""), Dv("u", z85, 1, static_cast<int32_t>(first.size()), 2)));
  ASSERT_OK_AND_ASSIGN(
      RowIndexSet b,
      LoadDeletionVector(fs, dir.Sub(""),
                         Dv("u", z85, offset2, static_cast<int32_t>(second.size()), 2)));
  EXPECT_EQ(a.ToVector(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(b.ToVector(), (std::vector<uint64_t>{9, uint64_t{65536} * 3}));
}

TEST(DeletionVectorTest, WriteThenLoadRoundTrips) {
  testing::TempDir dir;
  storage::LocalStorage fs;
  std::vector<uint64_t> rows = {0, 4, 65535, 65536, uint64_t{5} << 32};
  std::string root = dir.path().string();
  ASSERT_OK_AND_ASSIGN(DeletionVectorDescriptor dv, WriteDeletionVector(fs, root, rows));
  EXPECT_EQ(dv.storage_type, "u");
  EXPECT_EQ(dv.path_or_inline_dv.size(), 20u);
  EXPECT_EQ(dv.offset, 1);
  EXPECT_EQ(dv.size_in_bytes, static_cast<int32_t>(Bitmap(rows).size()));
  EXPECT_EQ(dv.cardinality, 5);
  ASSERT_OK_AND_ASSIGN(std::string path, DeletionVectorFilePath(root, dv));
  ASSERT_OK_AND_ASSIGN(std::string file, fs.Read(path));
  EXPECT_EQ(file, std::string(1, '\x01') + Block(Bitmap(rows)));
  ASSERT_OK_AND_ASSIGN(RowIndexSet set, LoadDeletionVector(fs, root, dv));
  EXPECT_EQ(set.ToVector(), rows);

  ASSERT_OK_AND_ASSIGN(DeletionVectorDescriptor other, WriteDeletionVector(fs, root, rows));
  EXPECT_NE(other.path_or_inline_dv, dv.path_or_inline_dv);
  for (const std::vector<uint64_t>& bad :
       {std::vector<uint64_t>{}, {3, 2}, {1, 1}, {kMaxDeletionVectorRow + 1}}) {
    EXPECT_EQ(WriteDeletionVector(fs, root, bad).status().code(), StatusCode::kInvalidArgument);
  }
  ASSERT_OK_AND_ASSIGN(auto files, fs.List(root));
  EXPECT_EQ(files.size(), 2u);
}

TEST(DeletionVectorTest, RejectsDamagedFiles) {
  std::string bitmap = Bitmap({2, 79});
  auto size = static_cast<int32_t>(bitmap.size());
  std::string good = std::string(1, '\x01') + Block(bitmap);
  std::string bad_crc = good;
  bad_crc.back() = static_cast<char>(bad_crc.back() ^ 1);
  std::string bad_magic = bitmap;
  bad_magic[0] = 'X';
  std::string native = "\x64\x39\xd3\xd0" + bitmap.substr(4);
  std::string resized = "\x01" + BigEndian32(bitmap.size() + 1) + Block(bitmap).substr(4);
  struct Case {
    std::string file;
    DeletionVectorDescriptor dv;
    StatusCode code;
    std::string error;
  };
  std::string z85 = "2FtLtJDE!.VZ.+udLGa0";
  std::vector<Case> cases = {
      {bad_crc, Dv("u", z85, 1, size, 2), StatusCode::kCorruption, "CRC-32 mismatch: stored"},
      {"\x01" + Block(bad_magic), Dv("u", z85, 1, size, 2), StatusCode::kCorruption,
       "unknown magic"},
      {"\x01" + Block(native), Dv("u", z85, 1, size, 2), StatusCode::kUnsupported, "native"},
      {good.substr(0, good.size() - 3), Dv("u", z85, 1, size, 2), StatusCode::kCorruption,
       "file has 42 bytes but offset 1 and sizeInBytes 36 need 45"},
      {resized, Dv("u", z85, 1, size, 2), StatusCode::kCorruption,
       "stored size 37 != sizeInBytes 36"},
      {good, Dv("u", z85, 1, size - 2, 2), StatusCode::kCorruption,
       "stored size 36 != sizeInBytes 34"},
      {good, Dv("u", z85, 1, size, 3), StatusCode::kCorruption,
       "bitmap holds 2 rows but the descriptor's cardinality is 3"},
      {"\x02" + good.substr(1), Dv("u", z85, 1, size, 2), StatusCode::kCorruption,
       "format version 2, expected 1"},
      {good, Dv("u", z85, 0, size, 2), StatusCode::kCorruption, "offset 0 is before the data"},
      {"\x01" + Block(bitmap + "zz"), Dv("u", z85, 1, size + 2, 2), StatusCode::kCorruption,
       "2 trailing bytes"},
  };
  storage::LocalStorage fs;
  for (const Case& c : cases) {
    testing::TempDir dir;
    std::string path = dir.Sub("deletion_vector_07bc7f84-8d75-48f2-b39c-15632a2fcf2c.bin");
    testing::WriteFile(path, c.file);
    Result<RowIndexSet> r = LoadDeletionVector(fs, dir.path().string(), c.dv);
    ASSERT_FALSE(r.ok()) << c.error;
    EXPECT_EQ(r.status().code(), c.code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.error), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find("deletion vector file '" + path + "'"), std::string::npos)
        << r.status().ToString();
  }
}

TEST(DeletionVectorTest, ReportsMissingFileAndBadDescriptor) {
  testing::TempDir dir;
  storage::LocalStorage fs;
  Result<RowIndexSet> missing =
      LoadDeletionVector(fs, dir.path().string(), Dv("u", "2FtLtJDE!.VZ.+udLGa0", 1, 34, 1));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("07bc7f84-8d75-48f2-b39c-15632a2fcf2c"),
            std::string::npos);
  Result<RowIndexSet> negative =
      LoadDeletionVector(fs, dir.path().string(), Dv("u", "2FtLtJDE!.VZ.+udLGa0", 1, -4, 1));
  EXPECT_EQ(negative.status().code(), StatusCode::kCorruption);
  EXPECT_NE(negative.status().message().find("negative"), std::string::npos);
}

}  // namespace
}  // namespace tessera::delta
