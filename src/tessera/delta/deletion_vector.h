#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/delta/actions.h"
#include "tessera/delta/roaring_bitmap.h"
#include "tessera/storage/storage.h"

namespace tessera::delta {

/// PROTOCOL.md "Deletion Vector Format": the largest row index Delta's RoaringBitmapArray can
/// hold (high 32 bits below 2^31 - 1), so the largest one a writer may store.
inline constexpr uint64_t kMaxDeletionVectorRow = (uint64_t{0x7FFFFFFE} << 32) | 0xFFFFFFFF;

/// Return the file that holds a deletion vector stored on disk: for storage type `u`,
/// `<table_root>/<prefix>/deletion_vector_<uuid>.bin` (the UUID is the Z85 of the last 20
/// characters of `pathOrInlineDv`, the prefix whatever precedes them); for `p`, the absolute URI
/// decoded once with its `file:` scheme removed. Return kInvalidArgument for inline (`i`) vectors,
/// kUnsupported for a URI on another store, and kCorruption for a malformed path, a prefix that is
/// not alphanumeric (Spark writes random alphanumeric prefixes; anything else could leave the
/// table), or an unknown storage type.
Result<std::string> DeletionVectorFilePath(std::string_view table_root,
                                           const DeletionVectorDescriptor& dv);

/// Load the set of deleted row indices a descriptor names: inline (`i`, Z85 in either padding
/// dialect), or from a file (`u`, `p`): byte 0 is format version 1; at `offset` (default 1) come
/// a big-endian int32 size equal to `sizeInBytes`, the bitmap, and the big-endian CRC-32 of the
/// bitmap. Checks the CRC and that the bitmap holds exactly `cardinality` rows. Return kNotFound
/// if the file is missing, kUnsupported for the native bitmap format or another store, and
/// kCorruption (naming the file) for a bad version, size, checksum, bitmap or cardinality.
Result<RowIndexSet> LoadDeletionVector(storage::Storage& storage, std::string_view table_root,
                                       const DeletionVectorDescriptor& dv);

/// Write `sorted_rows` as a new `<table_root>/deletion_vector_<random uuid>.bin` (one vector at
/// offset 1) with Storage::PutIfAbsent, and return its descriptor (storage type `u`, no prefix).
/// Return kInvalidArgument if the rows are empty, not strictly increasing or above
/// kMaxDeletionVectorRow, and the storage error if the write fails.
Result<DeletionVectorDescriptor> WriteDeletionVector(storage::Storage& storage,
                                                     std::string_view table_root,
                                                     const std::vector<uint64_t>& sorted_rows);

}  // namespace tessera::delta
