#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tessera/common/result.h"

namespace tessera::delta {

/// How Z85 text encodes data whose length is not a multiple of 4. Z85 proper (ZeroMQ RFC 32)
/// only encodes whole 4-byte groups; Delta writers disagree on the tail.
enum class Z85Tail {
  /// Spark (Delta's Base85Codec): pad the data with zero bytes to a multiple of 4. The reader
  /// needs the true length from elsewhere (`sizeInBytes`) to drop the padding.
  kZeroPadded,
  /// Rust `z85` crate: a k-byte tail (k = 1..3) is the 5-digit encoding of its big-endian value,
  /// with the first 4 - k digits replaced by '#'. A full group never starts with '#', so the text
  /// carries the exact length.
  kHashMarked,
};

/// Encode bytes as Z85 text (5 characters per 4 bytes, the last group per `tail`).
std::string Z85Encode(std::string_view data, Z85Tail tail = Z85Tail::kZeroPadded);

/// Decode Z85 text whose length is a multiple of 5. A final group starting with '#' is read as a
/// kHashMarked tail; every other group gives 4 bytes. Return kCorruption for a length that is not
/// a multiple of 5, a character outside the Z85 alphabet, a group above 2^32 - 1, or a malformed
/// tail.
Result<std::string> Z85Decode(std::string_view text);

/// Decode Z85 text in either tail dialect into exactly `size` bytes: a kHashMarked tail must give
/// exactly `size` bytes; zero-padded text must give `size` rounded up to a multiple of 4, and the
/// padding is dropped. Return kCorruption as Z85Decode does, or when the lengths disagree.
Result<std::string> Z85DecodeToSize(std::string_view text, size_t size);

}  // namespace tessera::delta
