#include "tessera/products/descriptor.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tessera/common/strings.h"

namespace tessera::products {

const TableSpec* ProductDescriptor::FindTable(std::string_view table) const {
  for (const TableSpec& t : tables) {
    if (t.name == table)
      return &t;
  }
  return nullptr;
}

Result<ProductDescriptor> LoadDescriptor(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Status::NotFound("no descriptor file at '" + path + "'");
  // Descriptors are hand-written: anything this large is a mistake, not a product.
  constexpr uintmax_t kMaxBytes = 4 << 20;
  if (std::filesystem::file_size(path, ec) > kMaxBytes)
    return Status::InvalidArgument("'" + path + "' is larger than 4 MB; not a descriptor");
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof())
    return Status::IoError("cannot read '" + path + "'");
  std::string base = std::filesystem::absolute(path).parent_path().lexically_normal().string();
  return ParseDescriptor(text.str(), path, base);
}

Result<int64_t> ParseDurationSeconds(std::string_view text) {
  std::string_view t = Trim(text);
  auto invalid = [&] {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a duration (a number with s, m, h or d: 30m, 1h, 7d)");
  };
  if (t.size() < 2)
    return invalid();
  int64_t unit = 0;
  switch (t.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return invalid();
  }
  auto number = ParseInt64(t.substr(0, t.size() - 1));
  if (!number.ok() || *number <= 0 || *number > (int64_t{1} << 40))
    return invalid();
  return *number * unit;
}

}  // namespace tessera::products
