#include "tessera/delta/deletion_vector.h"

#include <zlib.h>

#include <cctype>
#include <limits>

#include "tessera/common/logging.h"
#include "tessera/common/random.h"
#include "tessera/common/strings.h"
#include "tessera/delta/z85.h"

namespace tessera::delta {
namespace {

constexpr size_t kUuidZ85Length = 20;
constexpr char kFormatVersion = 1;
// Read the version byte and the vector in one request when they are this close.
constexpr int64_t kCoalesceBytes = int64_t{64} * 1024;

uint32_t Crc32(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(data.data()), data.size());
  return static_cast<uint32_t>(crc);
}

uint32_t ReadBigEndian32(std::string_view bytes) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

void AppendBigEndian32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((v >> shift) & 0xFF);
}

std::string FormatUuid(std::string_view bytes) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out += '-';
    auto b = static_cast<unsigned char>(bytes[i]);
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

// `uuid` comes from RandomUuid(), so it is canonical.
std::string UuidBytes(std::string_view uuid) {
  std::string out;
  int high = -1;
  for (char c : uuid) {
    if (c == '-')
      continue;
    int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'a' + 10;
    if (high < 0) {
      high = v;
    } else {
      out += static_cast<char>(high * 16 + v);
      high = -1;
    }
  }
  TESSERA_CHECK(out.size() == 16);
  return out;
}

Result<RowIndexSet> DecodeAndCheck(std::string_view bitmap, const DeletionVectorDescriptor& dv) {
  TESSERA_ASSIGN_OR_RETURN(RowIndexSet set, DecodeRoaringBitmapArray(bitmap));
  if (set.Cardinality() != static_cast<uint64_t>(dv.cardinality)) {
    return Status::Corruption("bitmap holds " + std::to_string(set.Cardinality()) +
                              " rows but the descriptor's cardinality is " +
                              std::to_string(dv.cardinality));
  }
  return set;
}

Result<RowIndexSet> LoadFromFile(storage::Storage& storage, const std::string& path,
                                 const DeletionVectorDescriptor& dv) {
  int64_t offset = dv.offset.value_or(1);
  if (offset < 1)
    return Status::Corruption("offset " + std::to_string(offset) + " is before the data");
  int64_t size = dv.size_in_bytes;
  int64_t end = offset + 4 + size + 4;
  TESSERA_ASSIGN_OR_RETURN(storage::FileInfo info, storage.Stat(path));
  if (info.size < end) {
    return Status::Corruption("file has " + std::to_string(info.size) + " bytes but offset " +
                              std::to_string(offset) + " and sizeInBytes " + std::to_string(size) +
                              " need " + std::to_string(end));
  }
  std::string head;
  std::string block;
  if (offset <= kCoalesceBytes) {
    TESSERA_ASSIGN_OR_RETURN(std::string all, storage.ReadRange(path, 0, end));
    head = all.substr(0, 1);
    block = all.substr(static_cast<size_t>(offset));
  } else {
    TESSERA_ASSIGN_OR_RETURN(head, storage.ReadRange(path, 0, 1));
    TESSERA_ASSIGN_OR_RETURN(block, storage.ReadRange(path, offset, end - offset));
  }
  if (head[0] != kFormatVersion) {
    return Status::Corruption("format version " +
                              std::to_string(static_cast<unsigned char>(head[0])) + ", expected 1");
  }
  uint32_t stored_size = ReadBigEndian32(block);
  if (stored_size != static_cast<uint32_t>(size)) {
    return Status::Corruption("stored size " + std::to_string(static_cast<int32_t>(stored_size)) +
                              " != sizeInBytes " + std::to_string(size));
  }
  std::string_view view = block;
  std::string_view bitmap = view.substr(4, static_cast<size_t>(size));
  uint32_t stored_crc = ReadBigEndian32(view.substr(4 + bitmap.size()));
  uint32_t crc = Crc32(bitmap);
  if (stored_crc != crc) {
    return Status::Corruption("CRC-32 mismatch: stored " + std::to_string(stored_crc) +
                              ", computed " + std::to_string(crc));
  }
  return DecodeAndCheck(bitmap, dv);
}

}  // namespace

Result<std::string> DeletionVectorFilePath(std::string_view table_root,
                                           const DeletionVectorDescriptor& dv) {
  std::string_view path = dv.path_or_inline_dv;
  if (dv.storage_type == "u") {
    if (path.size() < kUuidZ85Length) {
      return Status::Corruption("deletion vector path '" + std::string(path) +
                                "' is shorter than a 20-character Z85 UUID");
    }
    std::string_view prefix = path.substr(0, path.size() - kUuidZ85Length);
    for (char c : prefix) {
      if (!std::isalnum(static_cast<unsigned char>(c))) {
        return Status::Corruption("deletion vector path prefix '" + std::string(prefix) +
                                  "' is not alphanumeric");
      }
    }
    Result<std::string> uuid = Z85Decode(path.substr(prefix.size()));
    if (uuid.ok() && uuid->size() != 16)
      uuid = Status::Corruption("decodes to " + std::to_string(uuid->size()) + " bytes, not 16");
    if (!uuid.ok())
      return uuid.status().WithContext("deletion vector UUID '" + std::string(path) + "'");
    std::string name = "deletion_vector_" + FormatUuid(*uuid) + ".bin";
    std::string dir =
        prefix.empty() ? std::string(table_root) : storage::JoinPath(table_root, prefix);
    return storage::JoinPath(dir, name);
  }
  if (dv.storage_type == "p") {
    bool absolute = StartsWith(path, "file:") || StartsWith(path, "/") ||
                    path.find("://") != std::string_view::npos;
    if (!absolute) {
      return Status::Corruption("deletion vector path '" + std::string(path) +
                                "' is not an absolute URI");
    }
    Result<std::string> resolved = ResolveDataPath(table_root, path);
    if (!resolved.ok())
      return resolved.status().WithContext("deletion vector path '" + std::string(path) + "'");
    return resolved;
  }
  if (dv.storage_type == "i")
    return Status::InvalidArgument("an inline deletion vector has no file");
  return Status::Corruption("unknown deletion vector storage type '" + dv.storage_type + "'");
}

Result<RowIndexSet> LoadDeletionVector(storage::Storage& storage, std::string_view table_root,
                                       const DeletionVectorDescriptor& dv) {
  if (dv.size_in_bytes < 0 || dv.cardinality < 0) {
    return Status::Corruption("deletion vector '" + dv.UniqueId() +
                              "' has a negative sizeInBytes or cardinality");
  }
  if (dv.storage_type == "i") {
    std::string context = "inline deletion vector '" + dv.path_or_inline_dv + "'";
    Result<std::string> bitmap =
        Z85DecodeToSize(dv.path_or_inline_dv, static_cast<size_t>(dv.size_in_bytes));
    if (!bitmap.ok())
      return bitmap.status().WithContext(context);
    Result<RowIndexSet> set = DecodeAndCheck(*bitmap, dv);
    if (!set.ok())
      return set.status().WithContext(context);
    return set;
  }
  TESSERA_ASSIGN_OR_RETURN(std::string path, DeletionVectorFilePath(table_root, dv));
  Result<RowIndexSet> set = LoadFromFile(storage, path, dv);
  if (!set.ok())
    return set.status().WithContext("deletion vector file '" + path + "'");
  return set;
}

Result<DeletionVectorDescriptor> WriteDeletionVector(storage::Storage& storage,
                                                     std::string_view table_root,
                                                     const std::vector<uint64_t>& sorted_rows) {
  if (sorted_rows.empty())
    return Status::InvalidArgument("a deletion vector needs at least one row");
  if (sorted_rows.back() > kMaxDeletionVectorRow) {
    return Status::InvalidArgument("row index " + std::to_string(sorted_rows.back()) +
                                   " is too large for a deletion vector");
  }
  TESSERA_ASSIGN_OR_RETURN(RowIndexSet set, RowIndexSet::FromSortedRows(sorted_rows));
  std::string bitmap = EncodeRoaringBitmapArray(set);
  if (bitmap.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::InvalidArgument("deletion vector of " + std::to_string(bitmap.size()) +
                                   " bytes exceeds 2 GiB");
  }
  std::string file(1, kFormatVersion);
  AppendBigEndian32(file, static_cast<uint32_t>(bitmap.size()));
  file += bitmap;
  AppendBigEndian32(file, Crc32(bitmap));

  std::string uuid = RandomUuid();
  std::string path = storage::JoinPath(table_root, "deletion_vector_" + uuid + ".bin");
  TESSERA_RETURN_NOT_OK_CTX(storage.PutIfAbsent(path, file), "writing deletion vector");

  DeletionVectorDescriptor dv;
  dv.storage_type = "u";
  dv.path_or_inline_dv = Z85Encode(UuidBytes(uuid));
  dv.offset = 1;
  dv.size_in_bytes = static_cast<int32_t>(bitmap.size());
  dv.cardinality = static_cast<int64_t>(set.Cardinality());
  return dv;
}

}  // namespace tessera::delta
