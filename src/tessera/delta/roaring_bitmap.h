#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"

namespace tessera::delta {

/// PROTOCOL.md "Deletion Vector Format": the little-endian magic that starts a bitmap in Delta's
/// portable RoaringBitmapArray format.
inline constexpr uint32_t kPortableRoaringMagic = 1681511377;
/// The magic of Delta's "native" RoaringBitmapArray format, which tessera does not read.
inline constexpr uint32_t kNativeRoaringMagic = 1681511376;

namespace internal {
class RoaringCodec;
}  // namespace internal

/// A set of 64-bit row indices (positions in a physical Parquet file), stored the way a Roaring
/// bitmap stores them: one container per 2^16 rows, each a sorted array (up to 4096 rows), a
/// bitset or a list of runs. Memory stays within a small multiple of the serialized size.
/// A value type; immutable once built, so concurrent const use is safe.
class RowIndexSet {
 public:
  RowIndexSet() = default;

  /// Build a set from strictly increasing row indices. Return kInvalidArgument otherwise.
  static Result<RowIndexSet> FromSortedRows(std::span<const uint64_t> rows);

  /// Return the rows of `a` that are not in `b`. Change data feed uses it for the rows a new
  /// deletion vector deletes (new minus old) and the rows it restores (old minus new).
  static RowIndexSet Difference(const RowIndexSet& a, const RowIndexSet& b);

  /// Return whether `row` is in the set: two binary searches, O(log n).
  bool Contains(uint64_t row) const;
  uint64_t Cardinality() const { return cardinality_; }
  bool empty() const { return cardinality_ == 0; }

  /// Call `fn(uint64_t row)` for every row, in increasing order.
  template <typename Fn>
  void ForEach(Fn&& fn) const;
  /// Return every row, in increasing order.
  std::vector<uint64_t> ToVector() const;

 private:
  friend class internal::RoaringCodec;

  enum class Kind : uint8_t { kArray, kBitmap, kRun };
  static constexpr size_t kBitmapWords = 4096;  // 2^16 bits as 16-bit words
  static constexpr size_t kMaxArraySize = 4096;

  struct Container {
    uint64_t key = 0;          // row >> 16
    uint32_t cardinality = 0;  // 1 .. 65536
    Kind kind = Kind::kArray;
    size_t offset = 0;  // first word in data_
    size_t length = 0;  // words: array = cardinality, bitmap = 4096, runs = 2 per (first, last)
  };

  // Append a container for rows (key << 16) | lows[i]; `lows` is strictly increasing, n >= 1.
  void AppendChunk(uint64_t key, const uint16_t* lows, size_t n);
  // Append a copy of a container of `other`.
  void AppendCopy(const RowIndexSet& other, const Container& c);
  // Write the low 16 bits of every row of `c` into `out` (replacing its contents).
  void ChunkValues(const Container& c, std::vector<uint16_t>& out) const;
  bool ChunkContains(const Container& c, uint16_t low) const;

  std::vector<Container> containers_;  // sorted by key, keys unique
  std::vector<uint16_t> data_;
  uint64_t cardinality_ = 0;
};

/// Decode a bitmap in Delta's portable RoaringBitmapArray format: LE u32 magic
/// kPortableRoaringMagic, LE u64 bucket count, then per bucket a LE u32 high key and a standard
/// portable 32-bit Roaring bitmap (RoaringFormatSpec); row = (high << 32) | low. The whole input
/// must be consumed. Return kUnsupported for the native format (kNativeRoaringMagic, either byte
/// order) and kCorruption for anything malformed: truncation, unknown magic or cookie, keys out of
/// order, counts the input cannot hold, or containers whose cardinality disagrees with their
/// contents. Allocates no more than a small multiple of the input size.
Result<RowIndexSet> DecodeRoaringBitmapArray(std::string_view bytes);

/// Encode a set in the portable RoaringBitmapArray format (array and bitset containers, no runs),
/// as Spark and delta-rs write it. DecodeRoaringBitmapArray reads it back unchanged.
std::string EncodeRoaringBitmapArray(const RowIndexSet& set);

template <typename Fn>
void RowIndexSet::ForEach(Fn&& fn) const {
  for (const Container& c : containers_) {
    const uint16_t* d = data_.data() + c.offset;
    const uint64_t base = c.key << 16;
    switch (c.kind) {
      case Kind::kArray:
        for (size_t i = 0; i < c.length; ++i)
          fn(base | d[i]);
        break;
      case Kind::kBitmap:
        for (size_t w = 0; w < c.length; ++w) {
          for (uint32_t bits = d[w]; bits != 0; bits &= bits - 1)
            fn(base | (w * 16 + static_cast<uint64_t>(std::countr_zero(bits))));
        }
        break;
      case Kind::kRun:
        for (size_t i = 0; i < c.length; i += 2) {
          for (uint64_t v = d[i]; v <= d[i + 1]; ++v)
            fn(base | v);
        }
        break;
    }
  }
}

}  // namespace tessera::delta
