#include "tessera/delta/z85.h"

#include <array>
#include <cstdint>

namespace tessera::delta {
namespace {

// ZeroMQ RFC 32: digit values 0..84 in this order.
constexpr std::string_view kAlphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
constexpr char kTailMark = '#';

constexpr std::array<int8_t, 256> MakeDigitTable() {
  std::array<int8_t, 256> table{};
  for (auto& v : table)
    v = -1;
  for (size_t i = 0; i < kAlphabet.size(); ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}
constexpr std::array<int8_t, 256> kDigits = MakeDigitTable();

void AppendGroup(std::string& out, uint32_t value, int marks) {
  char group[5];
  for (int i = 4; i >= 0; --i) {
    group[i] = kAlphabet[value % 85];
    value /= 85;
  }
  for (int i = 0; i < marks; ++i)
    group[i] = kTailMark;
  out.append(group, 5);
}

std::string Position(size_t pos) { return " at position " + std::to_string(pos); }

std::string HexByte(unsigned char c) {
  constexpr std::string_view kHex = "0123456789abcdef";
  return {'0', 'x', kHex[c >> 4], kHex[c & 0xF]};
}

// Read 5 digits at `pos`, the first `marks` of which are tail marks standing for 0.
Result<uint64_t> ReadGroup(std::string_view text, size_t pos, int marks) {
  uint64_t value = 0;
  for (size_t i = 0; i < 5; ++i) {
    auto c = static_cast<unsigned char>(text[pos + i]);
    int digit = static_cast<int>(i) < marks ? 0 : kDigits[c];
    if (digit < 0) {
      return Status::Corruption("invalid Z85 character " + HexByte(c) + Position(pos + i));
    }
    value = value * 85 + static_cast<uint64_t>(digit);
  }
  return value;
}

bool HasMarkedTail(std::string_view text) {
  return text.size() >= 5 && text[text.size() - 5] == kTailMark;
}

}  // namespace

std::string Z85Encode(std::string_view data, Z85Tail tail) {
  std::string out;
  out.reserve((data.size() + 3) / 4 * 5);
  size_t full = data.size() / 4 * 4;
  for (size_t i = 0; i < full; i += 4) {
    uint32_t value = 0;
    for (size_t j = 0; j < 4; ++j)
      value = (value << 8) | static_cast<unsigned char>(data[i + j]);
    AppendGroup(out, value, 0);
  }
  size_t rest = data.size() - full;
  if (rest == 0)
    return out;
  uint32_t value = 0;
  for (size_t j = 0; j < rest; ++j)
    value = (value << 8) | static_cast<unsigned char>(data[full + j]);
  if (tail == Z85Tail::kZeroPadded) {
    value <<= 8 * (4 - rest);
    AppendGroup(out, value, 0);
  } else {
    AppendGroup(out, value, static_cast<int>(4 - rest));
  }
  return out;
}

Result<std::string> Z85Decode(std::string_view text) {
  if (text.size() % 5 != 0) {
    return Status::Corruption("Z85 text has " + std::to_string(text.size()) +
                              " characters, not a multiple of 5");
  }
  std::string out;
  out.reserve(text.size() / 5 * 4);
  size_t groups = text.size() / 5;
  for (size_t g = 0; g < groups; ++g) {
    size_t pos = g * 5;
    int marks = 0;
    if (g + 1 == groups) {
      while (marks < 5 && text[pos + static_cast<size_t>(marks)] == kTailMark)
        ++marks;
    }
    if (marks > 3)
      return Status::Corruption("malformed Z85 tail group" + Position(pos));
    TESSERA_ASSIGN_OR_RETURN(uint64_t value, ReadGroup(text, pos, marks));
    // Rust z85 tail: 4 - marks bytes of big-endian value, so the value must fit in them.
    int bytes = 4 - marks;
    if (value >> (8 * bytes) != 0) {
      return Status::Corruption("Z85 group" + Position(pos) + " overflows " +
                                std::to_string(bytes) + " bytes");
    }
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8)
      out += static_cast<char>((value >> shift) & 0xFF);
  }
  return out;
}

Result<std::string> Z85DecodeToSize(std::string_view text, size_t size) {
  TESSERA_ASSIGN_OR_RETURN(std::string bytes, Z85Decode(text));
  // Zero-padded text decodes to `size` rounded up to a multiple of 4.
  bool ok =
      HasMarkedTail(text) ? bytes.size() == size : bytes.size() >= size && bytes.size() - size < 4;
  if (!ok) {
    return Status::Corruption("Z85 text decodes to " + std::to_string(bytes.size()) +
                              " bytes; expected " + std::to_string(size));
  }
  bytes.resize(size);
  return bytes;
}

}  // namespace tessera::delta
