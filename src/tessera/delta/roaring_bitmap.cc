#include "tessera/delta/roaring_bitmap.h"

#include <algorithm>
#include <limits>

namespace tessera::delta {
namespace {

// RoaringFormatSpec constants.
constexpr uint32_t kCookieNoRuns = 12346;
constexpr uint32_t kCookieWithRuns = 12347;
constexpr size_t kNoOffsetThreshold = 4;
constexpr size_t kMaxContainers = 65536;
// A bucket holds at least its u32 high key and an empty bitmap's 8-byte cookie header.
constexpr size_t kMinBucketBytes = 12;

uint32_t ByteSwap32(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xFF00) | ((v << 8) & 0xFF0000) | (v << 24);
}

// Bounds-checked little-endian reads; every failure names the byte offset and the field.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  size_t Position() const { return pos_; }
  size_t Remaining() const { return bytes_.size() - pos_; }

  Status Need(size_t n, std::string_view what) const {
    if (n <= Remaining())
      return Status::OK();
    return Status::Corruption("roaring bitmap truncated: " + std::string(what) + " needs " +
                              std::to_string(n) + " bytes at offset " + std::to_string(pos_) +
                              ", " + std::to_string(Remaining()) + " left");
  }
  // Callers check Need() first.
  uint64_t Uint(size_t width) {
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
    pos_ += width;
    return v;
  }
  uint16_t U16() { return static_cast<uint16_t>(Uint(2)); }
  uint32_t U32() { return static_cast<uint32_t>(Uint(4)); }
  std::string_view Take(size_t n) {
    std::string_view out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

Status Corrupt(const Reader& r, const std::string& what) {
  return Status::Corruption("roaring bitmap: " + what + " (at offset " +
                            std::to_string(r.Position()) + ")");
}

void PutLE(std::string& out, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace

namespace internal {

/// Reads and writes RowIndexSet's containers in the portable format.
class RoaringCodec {
 public:
  using Kind = RowIndexSet::Kind;
  using Container = RowIndexSet::Container;

  static Result<RowIndexSet> Decode(std::string_view bytes) {
    Reader r(bytes);
    TESSERA_RETURN_NOT_OK(r.Need(4, "magic"));
    uint32_t magic = r.U32();
    if (magic == kNativeRoaringMagic || ByteSwap32(magic) == kNativeRoaringMagic) {
      return Status::Unsupported("deletion vector uses the native RoaringBitmapArray format");
    }
    if (magic != kPortableRoaringMagic)
      return Corrupt(r, "unknown magic " + std::to_string(magic));
    TESSERA_RETURN_NOT_OK(r.Need(8, "bucket count"));
    uint64_t buckets = r.Uint(8);
    if (buckets > r.Remaining() / kMinBucketBytes) {
      return Corrupt(r, "bucket count " + std::to_string(buckets) + " cannot fit in " +
                            std::to_string(r.Remaining()) + " bytes");
    }
    RowIndexSet set;
    int64_t previous_high = -1;
    for (uint64_t b = 0; b < buckets; ++b) {
      TESSERA_RETURN_NOT_OK(r.Need(4, "bucket key"));
      uint32_t high = r.U32();
      if (static_cast<int64_t>(high) <= previous_high)
        return Corrupt(r, "bucket keys are not strictly increasing");
      previous_high = high;
      TESSERA_RETURN_NOT_OK(DecodeBitmap32(r, high, set));
    }
    if (r.Remaining() != 0)
      return Corrupt(r, std::to_string(r.Remaining()) + " trailing bytes");
    return set;
  }

  static std::string Encode(const RowIndexSet& set) {
    const auto& cs = set.containers_;
    size_t buckets = 0;
    for (size_t i = 0; i < cs.size(); ++i)
      buckets += (i == 0 || (cs[i].key >> 16) != (cs[i - 1].key >> 16)) ? 1 : 0;
    std::string out;
    PutLE(out, kPortableRoaringMagic, 4);
    PutLE(out, buckets, 8);
    std::vector<uint16_t> values;
    for (size_t first = 0; first < cs.size();) {
      size_t end = first;
      while (end < cs.size() && (cs[end].key >> 16) == (cs[first].key >> 16))
        ++end;
      PutLE(out, cs[first].key >> 16, 4);
      PutLE(out, kCookieNoRuns, 4);
      PutLE(out, end - first, 4);
      for (size_t i = first; i < end; ++i) {
        PutLE(out, cs[i].key & 0xFFFF, 2);
        PutLE(out, cs[i].cardinality - 1, 2);
      }
      // Offsets count from this bitmap's cookie: cookie + size + descriptive + offset headers.
      uint64_t offset = 8 + 8 * (end - first);
      for (size_t i = first; i < end; ++i) {
        PutLE(out, offset, 4);
        offset += IsArray(cs[i]) ? 2 * static_cast<uint64_t>(cs[i].cardinality) : 8192;
      }
      for (size_t i = first; i < end; ++i) {
        const Container& c = cs[i];
        if (c.kind == Kind::kBitmap) {
          for (size_t w = 0; w < c.length; ++w)
            PutLE(out, set.data_[c.offset + w], 2);
          continue;
        }
        set.ChunkValues(c, values);
        if (IsArray(c)) {
          for (uint16_t v : values)
            PutLE(out, v, 2);
          continue;
        }
        // A run container too large for an array is written as a bitset.
        std::vector<uint16_t> words(RowIndexSet::kBitmapWords, 0);
        for (uint16_t v : values)
          words[v >> 4] = static_cast<uint16_t>(words[v >> 4] | (1u << (v & 15)));
        for (uint16_t w : words)
          PutLE(out, w, 2);
      }
      first = end;
    }
    return out;
  }

 private:
  static bool IsArray(const Container& c) { return c.cardinality <= RowIndexSet::kMaxArraySize; }

  // RoaringFormatSpec: cookie header, descriptive header, optional offset header, containers.
  static Status DecodeBitmap32(Reader& r, uint32_t high, RowIndexSet& set) {
    TESSERA_RETURN_NOT_OK(r.Need(4, "cookie"));
    uint32_t cookie = r.U32();
    size_t size = 0;
    bool has_runs = false;
    std::string_view run_flags;
    if (cookie == kCookieNoRuns) {
      TESSERA_RETURN_NOT_OK(r.Need(4, "container count"));
      size = r.U32();
      if (size > kMaxContainers)
        return Corrupt(r, "container count " + std::to_string(size) + " exceeds 65536");
    } else if ((cookie & 0xFFFF) == kCookieWithRuns) {
      has_runs = true;
      size = (cookie >> 16) + 1;
      TESSERA_RETURN_NOT_OK(r.Need((size + 7) / 8, "run flags"));
      run_flags = r.Take((size + 7) / 8);
    } else {
      return Corrupt(r, "unknown cookie " + std::to_string(cookie));
    }
    TESSERA_RETURN_NOT_OK(r.Need(4 * size, "descriptive header"));
    std::vector<uint32_t> header(size);  // key << 16 | (cardinality - 1)
    for (size_t i = 0; i < size; ++i) {
      uint32_t key = r.U16();
      header[i] = (key << 16) | r.U16();
      if (i > 0 && (header[i] >> 16) <= (header[i - 1] >> 16))
        return Corrupt(r, "container keys are not strictly increasing");
    }
    // The offset header only speeds up random access; containers are read in order.
    if (!has_runs || size >= kNoOffsetThreshold) {
      TESSERA_RETURN_NOT_OK(r.Need(4 * size, "offset header"));
      r.Take(4 * size);
    }
    for (size_t i = 0; i < size; ++i) {
      uint64_t key = (static_cast<uint64_t>(high) << 16) | (header[i] >> 16);
      uint32_t card = (header[i] & 0xFFFF) + 1;
      bool run = has_runs && ((static_cast<unsigned char>(run_flags[i / 8]) >> (i % 8)) & 1);
      Status st = run                                  ? DecodeRuns(r, key, card, set)
                  : card <= RowIndexSet::kMaxArraySize ? DecodeArray(r, key, card, set)
                                                       : DecodeBitset(r, key, card, set);
      TESSERA_RETURN_NOT_OK(st);
      set.cardinality_ += card;
    }
    return Status::OK();
  }

  static void Push(RowIndexSet& set, uint64_t key, uint32_t card, Kind kind, size_t length) {
    set.containers_.push_back(Container{key, card, kind, set.data_.size() - length, length});
  }

  static Status DecodeArray(Reader& r, uint64_t key, uint32_t card, RowIndexSet& set) {
    TESSERA_RETURN_NOT_OK(r.Need(2 * size_t{card}, "array container"));
    for (uint32_t i = 0; i < card; ++i) {
      uint16_t v = r.U16();
      if (i > 0 && v <= set.data_.back())
        return Corrupt(r, "array container values are not strictly increasing");
      set.data_.push_back(v);
    }
    Push(set, key, card, Kind::kArray, card);
    return Status::OK();
  }

  static Status DecodeBitset(Reader& r, uint64_t key, uint32_t card, RowIndexSet& set) {
    TESSERA_RETURN_NOT_OK(r.Need(2 * RowIndexSet::kBitmapWords, "bitset container"));
    uint32_t count = 0;
    for (size_t w = 0; w < RowIndexSet::kBitmapWords; ++w) {
      uint16_t v = r.U16();
      count += static_cast<uint32_t>(std::popcount(v));
      set.data_.push_back(v);
    }
    if (count != card) {
      return Corrupt(r, "bitset container holds " + std::to_string(count) +
                            " values but its header says " + std::to_string(card));
    }
    Push(set, key, card, Kind::kBitmap, RowIndexSet::kBitmapWords);
    return Status::OK();
  }

  static Status DecodeRuns(Reader& r, uint64_t key, uint32_t card, RowIndexSet& set) {
    TESSERA_RETURN_NOT_OK(r.Need(2, "run count"));
    size_t runs = r.U16();
    TESSERA_RETURN_NOT_OK(r.Need(4 * runs, "run container"));
    uint64_t count = 0;
    for (size_t i = 0; i < runs; ++i) {
      uint32_t start = r.U16();
      uint32_t last = start + r.U16();
      if (last > 0xFFFF)
        return Corrupt(r, "run ends beyond 65535");
      if (i > 0 && start <= set.data_.back())
        return Corrupt(r, "runs overlap or are out of order");
      set.data_.push_back(static_cast<uint16_t>(start));
      set.data_.push_back(static_cast<uint16_t>(last));
      count += last - start + 1;
    }
    if (count != card) {
      return Corrupt(r, "run container holds " + std::to_string(count) +
                            " values but its header says " + std::to_string(card));
    }
    Push(set, key, card, Kind::kRun, 2 * runs);
    return Status::OK();
  }
};

}  // namespace internal

Result<RowIndexSet> RowIndexSet::FromSortedRows(std::span<const uint64_t> rows) {
  RowIndexSet set;
  std::vector<uint16_t> lows;
  for (size_t i = 0; i < rows.size();) {
    uint64_t key = rows[i] >> 16;
    lows.clear();
    for (; i < rows.size() && (rows[i] >> 16) == key; ++i) {
      if (i > 0 && rows[i] <= rows[i - 1]) {
        return Status::InvalidArgument("row indices are not strictly increasing at position " +
                                       std::to_string(i));
      }
      lows.push_back(static_cast<uint16_t>(rows[i] & 0xFFFF));
    }
    set.AppendChunk(key, lows.data(), lows.size());
  }
  return set;
}

RowIndexSet RowIndexSet::Difference(const RowIndexSet& a, const RowIndexSet& b) {
  RowIndexSet out;
  std::vector<uint16_t> values;
  size_t j = 0;
  for (const Container& c : a.containers_) {
    while (j < b.containers_.size() && b.containers_[j].key < c.key)
      ++j;
    if (j == b.containers_.size() || b.containers_[j].key != c.key) {
      out.AppendCopy(a, c);
      continue;
    }
    a.ChunkValues(c, values);
    const Container& other = b.containers_[j];
    auto kept = std::remove_if(values.begin(), values.end(),
                               [&](uint16_t v) { return b.ChunkContains(other, v); });
    values.erase(kept, values.end());
    if (!values.empty())
      out.AppendChunk(c.key, values.data(), values.size());
  }
  return out;
}

bool RowIndexSet::Contains(uint64_t row) const {
  uint64_t key = row >> 16;
  auto it = std::lower_bound(containers_.begin(), containers_.end(), key,
                             [](const Container& c, uint64_t k) { return c.key < k; });
  return it != containers_.end() && it->key == key &&
         ChunkContains(*it, static_cast<uint16_t>(row & 0xFFFF));
}

std::vector<uint64_t> RowIndexSet::ToVector() const {
  std::vector<uint64_t> out;
  out.reserve(cardinality_);
  ForEach([&](uint64_t row) { out.push_back(row); });
  return out;
}

void RowIndexSet::AppendChunk(uint64_t key, const uint16_t* lows, size_t n) {
  size_t offset = data_.size();
  if (n <= kMaxArraySize) {
    data_.insert(data_.end(), lows, lows + n);
    containers_.push_back(Container{key, static_cast<uint32_t>(n), Kind::kArray, offset, n});
  } else {
    data_.resize(offset + kBitmapWords, 0);
    for (size_t i = 0; i < n; ++i) {
      uint16_t& word = data_[offset + (lows[i] >> 4)];
      word = static_cast<uint16_t>(word | (1u << (lows[i] & 15)));
    }
    containers_.push_back(
        Container{key, static_cast<uint32_t>(n), Kind::kBitmap, offset, kBitmapWords});
  }
  cardinality_ += n;
}

void RowIndexSet::AppendCopy(const RowIndexSet& other, const Container& c) {
  Container copy = c;
  copy.offset = data_.size();
  auto first = other.data_.begin() + static_cast<std::ptrdiff_t>(c.offset);
  data_.insert(data_.end(), first, first + static_cast<std::ptrdiff_t>(c.length));
  containers_.push_back(copy);
  cardinality_ += c.cardinality;
}

void RowIndexSet::ChunkValues(const Container& c, std::vector<uint16_t>& out) const {
  out.clear();
  const uint16_t* d = data_.data() + c.offset;
  switch (c.kind) {
    case Kind::kArray:
      out.assign(d, d + c.length);
      break;
    case Kind::kBitmap:
      for (size_t w = 0; w < c.length; ++w) {
        for (uint32_t bits = d[w]; bits != 0; bits &= bits - 1)
          out.push_back(
              static_cast<uint16_t>(w * 16 + static_cast<size_t>(std::countr_zero(bits))));
      }
      break;
    case Kind::kRun:
      for (size_t i = 0; i < c.length; i += 2) {
        for (uint32_t v = d[i]; v <= d[i + 1]; ++v)
          out.push_back(static_cast<uint16_t>(v));
      }
      break;
  }
}

bool RowIndexSet::ChunkContains(const Container& c, uint16_t low) const {
  const uint16_t* d = data_.data() + c.offset;
  switch (c.kind) {
    case Kind::kArray:
      return std::binary_search(d, d + c.length, low);
    case Kind::kBitmap:
      return (d[low >> 4] >> (low & 15)) & 1;
    case Kind::kRun: {
      // Find the last run starting at or before `low`.
      size_t lo = 0;
      size_t hi = c.length / 2;
      while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d[2 * mid] <= low)
          lo = mid + 1;
        else
          hi = mid;
      }
      return lo > 0 && low <= d[2 * (lo - 1) + 1];
    }
  }
  return false;
}

Result<RowIndexSet> DecodeRoaringBitmapArray(std::string_view bytes) {
  return internal::RoaringCodec::Decode(bytes);
}

std::string EncodeRoaringBitmapArray(const RowIndexSet& set) {
  return internal::RoaringCodec::Encode(set);
}

}  // namespace tessera::delta
