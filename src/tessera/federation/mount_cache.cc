#include "tessera/federation/mount_cache.h"

#include <fcntl.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <string_view>
#include <vector>

#include <sys/stat.h>

#include "tessera/common/strings.h"

namespace tessera::federation {
namespace {

namespace fs = std::filesystem;

struct Entry {
  std::string path;
  int64_t size;
  int64_t mtime;
};

}  // namespace

int64_t UseCachedFile(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
    return -1;
  if (std::time(nullptr) - info.st_mtim.tv_sec > 60)
    ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
  return static_cast<int64_t>(info.st_size);
}

int64_t TrimCache(const std::string& cache_root, const CacheLimits& limits,
                  const std::set<std::string>& keep) {
  std::error_code error;
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  int64_t idle = limits.min_idle.count();
  std::vector<Entry> files;
  int64_t total = 0;
  for (const auto& mount : fs::directory_iterator(cache_root, error)) {
    std::error_code inner;
    for (const auto& file : fs::directory_iterator(mount.path() / "files", inner)) {
      struct stat info {};
      std::string path = file.path().string();
      if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
        continue;
      total += info.st_size;
      files.push_back({path, static_cast<int64_t>(info.st_size), info.st_mtim.tv_sec});
    }
    // Snapshot logs are small, but one is written per table version read: old ones go.
    for (const auto& snapshot : fs::directory_iterator(mount.path() / "snapshots", inner)) {
      std::string root = snapshot.path().string();
      struct stat info {};
      if (keep.count(root) != 0 || ::stat(root.c_str(), &info) != 0)
        continue;
      if (now - info.st_mtim.tv_sec > idle)
        fs::remove_all(snapshot.path(), inner);
    }
  }
  if (total <= limits.max_bytes)
    return 0;
  std::sort(files.begin(), files.end(),
            [](const Entry& a, const Entry& b) { return a.mtime < b.mtime; });
  int64_t removed = 0;
  for (const Entry& file : files) {
    if (total <= limits.max_bytes)
      break;
    if (keep.count(file.path) != 0 || now - file.mtime <= idle)
      continue;
    std::error_code ignored;
    if (fs::remove(file.path, ignored)) {
      total -= file.size;
      removed += file.size;
    }
  }
  return removed;
}

Result<int64_t> ParseByteSize(std::string_view text) {
  std::string_view trimmed = Trim(text);
  size_t digits = 0;
  while (digits < trimmed.size() &&
         ((trimmed[digits] >= '0' && trimmed[digits] <= '9') || trimmed[digits] == '.'))
    ++digits;
  std::string number(trimmed.substr(0, digits));
  std::string unit = ToLower(Trim(trimmed.substr(digits)));
  char* end = nullptr;
  double value = number.empty() ? -1 : std::strtod(number.c_str(), &end);
  double scale = -1;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "kb" || unit == "kib")
    scale = 1024.0;
  else if (unit == "mb" || unit == "mib")
    scale = 1024.0 * 1024;
  else if (unit == "gb" || unit == "gib")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "tb" || unit == "tib")
    scale = 1024.0 * 1024 * 1024 * 1024;
  if (value < 0 || scale < 0 || end == nullptr || *end != '\0' || !std::isfinite(value * scale) ||
      value * scale > 9.0e18)
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a size (e.g. 10GB, 512MB, 4096)");
  return static_cast<int64_t>(value * scale);
}

}  // namespace tessera::federation
