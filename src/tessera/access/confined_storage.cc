#include "tessera/access/confined_storage.h"

#include <filesystem>

namespace tessera::access {
namespace {

std::string Normalize(std::string_view path) {
  std::error_code ignored;
  std::filesystem::path absolute = std::filesystem::absolute(std::filesystem::path(path), ignored);
  std::string text = absolute.lexically_normal().string();
  while (text.size() > 1 && text.back() == '/')
    text.pop_back();
  return text;
}

}  // namespace

ConfinedStorage::ConfinedStorage(storage::Storage& inner, std::vector<std::string> roots)
    : inner_(inner) {
  for (const std::string& root : roots)
    roots_.push_back(Normalize(root));
}

bool ConfinedStorage::Allows(std::string_view path) const {
  std::string normalized = Normalize(path);
  for (const std::string& root : roots_) {
    if (normalized == root ||
        (normalized.size() > root.size() && normalized.compare(0, root.size(), root) == 0 &&
         normalized[root.size()] == '/')) {
      return true;
    }
  }
  return false;
}

Status ConfinedStorage::Check(std::string_view path) const {
  if (Allows(path))
    return Status::OK();
  return Status::PermissionDenied("permission denied: '" + std::string(path) +
                                  "' is not a table this principal may read");
}

Result<std::vector<storage::FileInfo>> ConfinedStorage::List(std::string_view dir) {
  TESSERA_RETURN_NOT_OK(Check(dir));
  return inner_.List(dir);
}

Result<std::vector<storage::FileInfo>> ConfinedStorage::ListFrom(std::string_view dir,
                                                                 std::string_view start_name) {
  TESSERA_RETURN_NOT_OK(Check(dir));
  return inner_.ListFrom(dir, start_name);
}

Result<std::vector<storage::FileInfo>> ConfinedStorage::ListRecursive(std::string_view dir) {
  TESSERA_RETURN_NOT_OK(Check(dir));
  return inner_.ListRecursive(dir);
}

Result<storage::FileInfo> ConfinedStorage::Stat(std::string_view path) {
  TESSERA_RETURN_NOT_OK(Check(path));
  return inner_.Stat(path);
}

Result<std::string> ConfinedStorage::Read(std::string_view path) {
  TESSERA_RETURN_NOT_OK(Check(path));
  return inner_.Read(path);
}

Result<std::string> ConfinedStorage::ReadRange(std::string_view path, int64_t offset,
                                               int64_t length) {
  TESSERA_RETURN_NOT_OK(Check(path));
  return inner_.ReadRange(path, offset, length);
}

Status ConfinedStorage::PutIfAbsent(std::string_view path, std::string_view) {
  return Status::PermissionDenied("permission denied: cannot write '" + std::string(path) + "'");
}

Status ConfinedStorage::Put(std::string_view path, std::string_view) {
  return Status::PermissionDenied("permission denied: cannot write '" + std::string(path) + "'");
}

Status ConfinedStorage::Delete(std::string_view path) {
  return Status::PermissionDenied("permission denied: cannot delete '" + std::string(path) + "'");
}

}  // namespace tessera::access
