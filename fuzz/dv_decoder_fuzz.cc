// libFuzzer target for the deletion vector decoders: arbitrary bytes go to the RoaringBitmapArray
// decoder and to Z85 decode (whose output goes to the bitmap decoder too, as for inline vectors).
// Besides "never crash", it checks what must hold for every input the decoders accept.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/logging.h"
#include "tessera/delta/roaring_bitmap.h"
#include "tessera/delta/z85.h"

namespace tessera::delta {
namespace {

// Materialising every row of a set made of full run containers would dominate the run time.
constexpr uint64_t kMaxRowsToCheck = uint64_t{1} << 17;

void CheckBitmap(std::string_view bytes) {
  Result<RowIndexSet> set = DecodeRoaringBitmapArray(bytes);
  if (!set.ok())
    return;
  Result<RowIndexSet> again = DecodeRoaringBitmapArray(EncodeRoaringBitmapArray(*set));
  TESSERA_CHECK(again.ok());
  TESSERA_CHECK(again->Cardinality() == set->Cardinality());
  TESSERA_CHECK(RowIndexSet::Difference(*set, *set).empty());
  TESSERA_CHECK(RowIndexSet::Difference(*set, RowIndexSet()).Cardinality() == set->Cardinality());
  if (set->Cardinality() > kMaxRowsToCheck)
    return;
  std::vector<uint64_t> rows = set->ToVector();
  TESSERA_CHECK(rows.size() == set->Cardinality());
  TESSERA_CHECK(std::adjacent_find(rows.begin(), rows.end(), std::greater_equal<>()) == rows.end());
  TESSERA_CHECK(again->ToVector() == rows);
  for (uint64_t row : rows) {
    TESSERA_CHECK(set->Contains(row));
    TESSERA_CHECK(row == UINT64_MAX ||
                  set->Contains(row + 1) == std::binary_search(rows.begin(), rows.end(), row + 1));
  }
}

void CheckZ85(std::string_view text) {
  Result<std::string> bytes = Z85Decode(text);
  if (!bytes.ok())
    return;
  // Z85 is canonical: decoding and encoding in the same dialect gives the text back.
  bool marked = text.size() >= 5 && text[text.size() - 5] == '#';
  TESSERA_CHECK(Z85Encode(*bytes, marked ? Z85Tail::kHashMarked : Z85Tail::kZeroPadded) == text);
  Result<std::string> sized = Z85DecodeToSize(text, bytes->size());
  TESSERA_CHECK(sized.ok() && *sized == *bytes);
  CheckBitmap(*bytes);
}

}  // namespace
}  // namespace tessera::delta

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  tessera::delta::CheckBitmap(input);
  tessera::delta::CheckZ85(input);
  return 0;
}
