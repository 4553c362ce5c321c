#include "tessera/delta/roaring_bitmap.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::delta {
namespace {

// Little-endian bytes, built by hand so the decoder is tested independently of the encoder.
class Bytes {
 public:
  Bytes& U8(uint64_t v) { return Put(v, 1); }
  Bytes& U16(uint64_t v) { return Put(v, 2); }
  Bytes& U32(uint64_t v) { return Put(v, 4); }
  Bytes& U64(uint64_t v) { return Put(v, 8); }
  Bytes& Raw(const std::string& s) {
    out_ += s;
    return *this;
  }
  const std::string& String() const { return out_; }

 private:
  Bytes& Put(uint64_t v, int width) {
    for (int i = 0; i < width; ++i)
      out_ += static_cast<char>((v >> (8 * i)) & 0xFF);
    return *this;
  }
  std::string out_;
};

using ArrayContainers = std::vector<std::pair<uint16_t, std::vector<uint16_t>>>;

// A portable 32-bit bitmap with cookie 12346 (no runs) holding array containers.
std::string ArrayBitmap32(const ArrayContainers& containers) {
  Bytes b;
  b.U32(12346).U32(containers.size());
  for (const auto& [key, values] : containers)
    b.U16(key).U16(values.size() - 1);
  uint64_t offset = 8 + 8 * containers.size();
  for (const auto& [key, values] : containers) {
    b.U32(offset);
    offset += 2 * values.size();
  }
  for (const auto& [key, values] : containers) {
    for (uint16_t v : values)
      b.U16(v);
  }
  return b.String();
}

Bytes Header(uint64_t buckets) {
  return std::move(Bytes().U32(kPortableRoaringMagic).U64(buckets));
}

// Bucket 0 holds four containers, two of them runs (so the offset header is present):
// 5..7, 65537, 131072..196607 (a full container) and 327679.
std::string RunBitmapWithOffsets() {
  Bytes b = Header(1);
  b.U32(0).U32(12347 | (3 << 16)).U8(0x05);
  b.U16(0).U16(2).U16(1).U16(0).U16(2).U16(65535).U16(4).U16(0);
  b.U32(37).U32(43).U32(45).U32(51);
  b.U16(1).U16(5).U16(2);  // one run: 5, length - 1 = 2
  b.U16(1);
  b.U16(1).U16(0).U16(65535);
  b.U16(65535);
  return b.String();
}

void ExpectCorruption(const std::string& bytes, const std::string& error) {
  Result<RowIndexSet> r = DecodeRoaringBitmapArray(bytes);
  ASSERT_FALSE(r.ok()) << "expected: " << error;
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
  EXPECT_NE(r.status().message().find(error), std::string::npos) << r.status().ToString();
}

std::vector<uint64_t> Minus(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

TEST(RoaringBitmapTest, DecodesAndReproducesSparkBytes) {
  // The bitmap of deltars-table-with-deletion-logs' deletion_vector_a2084964-...bin: rows 2, 79.
  std::string spark = Header(1).U32(0).Raw(ArrayBitmap32({{0, {2, 79}}})).String();
  ASSERT_EQ(spark.size(), 36u);
  ASSERT_OK_AND_ASSIGN(RowIndexSet set, DecodeRoaringBitmapArray(spark));
  EXPECT_EQ(set.ToVector(), (std::vector<uint64_t>{2, 79}));
  EXPECT_EQ(set.Cardinality(), 2u);
  EXPECT_TRUE(set.Contains(79));
  EXPECT_FALSE(set.Contains(3));
  EXPECT_FALSE(set.Contains((uint64_t{1} << 32) | 2));
  EXPECT_EQ(EncodeRoaringBitmapArray(set), spark);
}

TEST(RoaringBitmapTest, DecodesBitsetContainer) {
  Bytes b = Header(1);
  b.U32(0).U32(12346).U32(1).U16(1).U16(4999).U32(16);
  for (int w = 0; w < 4096; ++w)  // even values 0..9998: 0x5555 in the first 625 words
    b.U16(w < 625 ? 0x5555 : 0);
  ASSERT_OK_AND_ASSIGN(RowIndexSet set, DecodeRoaringBitmapArray(b.String()));
  EXPECT_EQ(set.Cardinality(), 5000u);
  EXPECT_TRUE(set.Contains(65536));
  EXPECT_TRUE(set.Contains(65536 + 9998));
  EXPECT_FALSE(set.Contains(65537));
  EXPECT_FALSE(set.Contains(65536 + 10000));
  std::vector<uint64_t> rows = set.ToVector();
  ASSERT_EQ(rows.size(), 5000u);
  EXPECT_EQ(rows[1], 65538u);
  EXPECT_EQ(rows.back(), 65536u + 9998);
}

TEST(RoaringBitmapTest, DecodesRunsWithoutOffsetHeader) {
  // Two containers with runs: fewer than 4, so no offset header.
  Bytes b = Header(1);
  b.U32(0).U32(12347 | (1 << 16)).U8(0x01);
  b.U16(0).U16(5).U16(3).U16(1);
  b.U16(2).U16(10).U16(4).U16(100).U16(0);  // runs 10..14 and 100
  b.U16(7).U16(9);
  ASSERT_OK_AND_ASSIGN(RowIndexSet set, DecodeRoaringBitmapArray(b.String()));
  EXPECT_EQ(set.ToVector(),
            (std::vector<uint64_t>{10, 11, 12, 13, 14, 100, 3 * 65536 + 7, 3 * 65536 + 9}));
  EXPECT_TRUE(set.Contains(14));
  EXPECT_FALSE(set.Contains(15));
  EXPECT_FALSE(set.Contains(9));
  EXPECT_FALSE(set.Contains(99));
}

TEST(RoaringBitmapTest, DecodesRunsWithOffsetHeader) {
  ASSERT_OK_AND_ASSIGN(RowIndexSet set, DecodeRoaringBitmapArray(RunBitmapWithOffsets()));
  EXPECT_EQ(set.Cardinality(), 3u + 1 + 65536 + 1);
  for (uint64_t row : {5u, 7u, 65537u, 131072u, 196607u, 327679u})
    EXPECT_TRUE(set.Contains(row)) << row;
  for (uint64_t row : {4u, 8u, 65536u, 131071u, 196608u, 327678u})
    EXPECT_FALSE(set.Contains(row)) << row;
  std::vector<uint64_t> rows = set.ToVector();
  EXPECT_EQ(rows.size(), set.Cardinality());
  EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end()));
}

TEST(RoaringBitmapTest, DecodesSeveralBucketsIncludingEmptyOnes) {
  // Spark writes an empty bitmap for every high key below the largest one.
  Bytes b = Header(3);
  b.U32(0).U32(12346).U32(0);
  b.U32(1).Raw(ArrayBitmap32({{0, {7}}}));
  b.U32(0xFFFFFFFF).Raw(ArrayBitmap32({{0xFFFF, {0xFFFF}}}));
  ASSERT_OK_AND_ASSIGN(RowIndexSet set, DecodeRoaringBitmapArray(b.String()));
  uint64_t max = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(set.ToVector(), (std::vector<uint64_t>{(uint64_t{1} << 32) | 7, max}));
  EXPECT_TRUE(set.Contains(max));
  EXPECT_FALSE(set.Contains(7));
}

std::vector<uint64_t> MixedRows() {
  std::vector<uint64_t> rows = {0, 1, 5, 65535};
  for (uint64_t i = 0; i < 5000; ++i)  // bitset chunk
    rows.push_back(65536 + 3 * i);
  for (uint64_t i = 0; i < 4096; ++i)  // the largest array chunk
    rows.push_back(2 * uint64_t{65536} + 2 * i);
  for (uint64_t i = 0; i < 4097; ++i)  // the smallest bitset chunk
    rows.push_back(3 * uint64_t{65536} + 2 * i);
  rows.push_back((uint64_t{7} << 32) | 12345);
  rows.push_back((uint64_t{0x7FFFFFFE} << 32) | 0xFFFFFFFF);
  return rows;
}

TEST(RoaringBitmapTest, EncoderRoundTrips) {
  std::vector<uint64_t> rows = MixedRows();
  ASSERT_OK_AND_ASSIGN(RowIndexSet set, RowIndexSet::FromSortedRows(rows));
  EXPECT_EQ(set.Cardinality(), rows.size());
  ASSERT_OK_AND_ASSIGN(RowIndexSet back, DecodeRoaringBitmapArray(EncodeRoaringBitmapArray(set)));
  EXPECT_EQ(back.ToVector(), rows);
  for (uint64_t row : rows)
    ASSERT_TRUE(back.Contains(row)) << row;
  EXPECT_FALSE(back.Contains(2));
  EXPECT_FALSE(back.Contains(65537));
  EXPECT_FALSE(back.Contains(3 * 65536 + 1));

  ASSERT_OK_AND_ASSIGN(RowIndexSet empty, RowIndexSet::FromSortedRows({}));
  EXPECT_EQ(EncodeRoaringBitmapArray(empty), Header(0).String());
}

TEST(RoaringBitmapTest, EncoderWritesRunsAsArraysOrBitsets) {
  ASSERT_OK_AND_ASSIGN(RowIndexSet runs, DecodeRoaringBitmapArray(RunBitmapWithOffsets()));
  std::string encoded = EncodeRoaringBitmapArray(runs);
  EXPECT_EQ(encoded.substr(16, 4), Bytes().U32(12346).String());
  ASSERT_OK_AND_ASSIGN(RowIndexSet back, DecodeRoaringBitmapArray(encoded));
  EXPECT_EQ(back.ToVector(), runs.ToVector());
}

TEST(RoaringBitmapTest, DifferenceKeepsRowsOnlyInTheFirstSet) {
  std::vector<uint64_t> a_rows = MixedRows();
  std::vector<uint64_t> b_rows = {1, 2, 65535, (uint64_t{7} << 32) | 12345};
  for (uint64_t i = 0; i < 4097; ++i)  // empties the 4097-row chunk of `a`
    b_rows.push_back(3 * uint64_t{65536} + 2 * i);
  for (uint64_t i = 0; i < 3000; ++i)  // leaves 2000 rows of a bitset chunk: now an array
    b_rows.push_back(65536 + 3 * i);
  std::sort(b_rows.begin(), b_rows.end());
  ASSERT_OK_AND_ASSIGN(RowIndexSet a, RowIndexSet::FromSortedRows(a_rows));
  ASSERT_OK_AND_ASSIGN(RowIndexSet b, RowIndexSet::FromSortedRows(b_rows));
  RowIndexSet diff = RowIndexSet::Difference(a, b);
  EXPECT_EQ(diff.ToVector(), Minus(a_rows, b_rows));
  EXPECT_EQ(diff.Cardinality(), Minus(a_rows, b_rows).size());
  EXPECT_EQ(RowIndexSet::Difference(b, a).ToVector(), Minus(b_rows, a_rows));
  EXPECT_EQ(RowIndexSet::Difference(a, RowIndexSet()).ToVector(), a_rows);
  EXPECT_TRUE(RowIndexSet::Difference(a, a).empty());

  ASSERT_OK_AND_ASSIGN(RowIndexSet runs, DecodeRoaringBitmapArray(RunBitmapWithOffsets()));
  std::vector<uint64_t> run_rows = runs.ToVector();
  EXPECT_EQ(RowIndexSet::Difference(runs, a).ToVector(), Minus(run_rows, a_rows));
  EXPECT_EQ(RowIndexSet::Difference(a, runs).ToVector(), Minus(a_rows, run_rows));
}

TEST(RoaringBitmapTest, FromSortedRowsRejectsUnsortedRows) {
  for (const std::vector<uint64_t>& rows :
       {std::vector<uint64_t>{1, 1}, {5, 3}, {1, 70000, 65536}, {0, uint64_t{1} << 40, 7}}) {
    EXPECT_EQ(RowIndexSet::FromSortedRows(rows).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(RoaringBitmapTest, RejectsUnknownAndNativeMagic) {
  ExpectCorruption("", "magic needs 4 bytes at offset 0");
  ExpectCorruption(Bytes().U32(12346).U64(0).String(), "unknown magic 12346");
  std::string native_le = Bytes().U32(kNativeRoaringMagic).U64(0).String();
  std::string native_be = "\x64\x39\xd3\xd0";
  for (const std::string& bytes : {native_le, native_be}) {
    Result<RowIndexSet> r = DecodeRoaringBitmapArray(bytes);
    EXPECT_EQ(r.status().code(), StatusCode::kUnsupported) << r.status().ToString();
  }
}

TEST(RoaringBitmapTest, RejectsEveryTruncation) {
  std::vector<std::string> valid = {
      RunBitmapWithOffsets(),
      Header(2)
          .U32(0)
          .Raw(ArrayBitmap32({{0, {1, 2}}, {9, {3}}}))
          .U32(4)
          .Raw(ArrayBitmap32({{1, {4}}}))
          .String(),
  };
  ASSERT_OK_AND_ASSIGN(RowIndexSet mixed, RowIndexSet::FromSortedRows(MixedRows()));
  valid.push_back(EncodeRoaringBitmapArray(mixed));
  for (const std::string& bytes : valid) {
    ASSERT_TRUE(DecodeRoaringBitmapArray(bytes).ok());
    size_t step = bytes.size() > 1000 ? 97 : 1;
    for (size_t len = 0; len < bytes.size(); len += step) {
      Result<RowIndexSet> r = DecodeRoaringBitmapArray(bytes.substr(0, len));
      ASSERT_EQ(r.status().code(), StatusCode::kCorruption) << "prefix of " << len << " bytes";
    }
  }
}

TEST(RoaringBitmapTest, RejectsTrailingBytes) {
  ExpectCorruption(Header(0).U16(0).String(), "2 trailing bytes");
}

TEST(RoaringBitmapTest, RejectsCountsTheInputCannotHold) {
  ExpectCorruption(Header(uint64_t{1} << 63).String(), "cannot fit in 0 bytes");
  ExpectCorruption(Header(2).U32(0).U32(12346).U32(0).String(), "cannot fit");
  ExpectCorruption(Header(1).U32(0).U32(12346).U32(0xFFFFFFFF).String(), "exceeds 65536");
  ExpectCorruption(Header(1).U32(0).U32(12346).U32(60000).U64(0).String(),
                   "descriptive header needs 240000 bytes");
  ExpectCorruption(Header(1).U32(0).U32(12346).U32(1).U16(0).U16(4095).U32(16).String(),
                   "array container needs 8192 bytes");
  ExpectCorruption(Header(1).U32(0).U32(12347 | (1 << 16)).U8(3).U16(0).U16(0).String(),
                   "descriptive header needs 8 bytes");
}

TEST(RoaringBitmapTest, RejectsKeysOutOfOrder) {
  std::string one = ArrayBitmap32({{0, {1}}});
  ExpectCorruption(Header(2).U32(5).Raw(one).U32(5).Raw(one).String(),
                   "bucket keys are not strictly increasing");
  ExpectCorruption(Header(2).U32(5).Raw(one).U32(3).Raw(one).String(),
                   "bucket keys are not strictly increasing");
  ExpectCorruption(Header(1).U32(0).Raw(ArrayBitmap32({{2, {1}}, {1, {2}}})).String(),
                   "container keys are not strictly increasing");
  ExpectCorruption(Header(1).U32(0).Raw(ArrayBitmap32({{2, {1}}, {2, {2}}})).String(),
                   "container keys are not strictly increasing");
}

std::string OneRunContainer(uint32_t card, const std::vector<std::pair<uint16_t, uint16_t>>& runs) {
  Bytes b = Header(1);
  b.U32(0).U32(12347).U8(1).U16(0).U16(card - 1).U16(runs.size());
  for (auto [start, length_minus_one] : runs)
    b.U16(start).U16(length_minus_one);
  return b.String();
}

TEST(RoaringBitmapTest, RejectsContainersThatContradictTheirHeader) {
  ExpectCorruption(Header(1).U32(0).U32(12345).U32(0).String(), "unknown cookie 12345");
  ExpectCorruption(Header(1).U32(0).Raw(ArrayBitmap32({{0, {5, 5}}})).String(),
                   "array container values are not strictly increasing");
  ExpectCorruption(Header(1).U32(0).Raw(ArrayBitmap32({{0, {6, 5}}})).String(),
                   "array container values are not strictly increasing");
  Bytes bitset = Header(1);
  bitset.U32(0).U32(12346).U32(1).U16(0).U16(4999).U32(16).U16(0x5554);
  for (int w = 1; w < 4096; ++w)
    bitset.U16(w < 625 ? 0x5555 : 0);
  ExpectCorruption(bitset.String(), "bitset container holds 4999 values but its header says 5000");
  ExpectCorruption(OneRunContainer(2, {{65535, 1}}), "run ends beyond 65535");
  ExpectCorruption(OneRunContainer(6, {{10, 4}, {12, 0}}), "runs overlap or are out of order");
  ExpectCorruption(OneRunContainer(6, {{10, 4}, {3, 0}}), "runs overlap or are out of order");
  ExpectCorruption(OneRunContainer(10, {{10, 4}, {100, 0}}),
                   "run container holds 6 values but its header says 10");
  ExpectCorruption(OneRunContainer(1, {}), "run container holds 0 values");
  ExpectCorruption(Header(1).U32(0).U32(12347).U8(1).U16(0).U16(0).U16(65535).String(),
                   "run container needs 262140 bytes");
}

}  // namespace
}  // namespace tessera::delta
