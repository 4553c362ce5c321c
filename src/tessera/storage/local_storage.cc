#include "tessera/storage/local_storage.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <sys/stat.h>

#include "tessera/common/random.h"

namespace tessera::storage {
namespace fs = std::filesystem;

namespace {

Status ErrnoStatus(std::string_view what, std::string_view path, int err) {
  std::string msg = std::string(what) + " '" + std::string(path) + "': " + std::strerror(err);
  if (err == ENOENT)
    return Status::NotFound(std::move(msg));
  if (err == EEXIST)
    return Status::AlreadyExists(std::move(msg));
  if (err == EACCES || err == EPERM)
    return Status::PermissionDenied(std::move(msg));
  return Status::IoError(std::move(msg));
}

int64_t MtimeMillis(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view data, std::string_view path) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return ErrnoStatus("writing", path, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Status::OK();
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return ErrnoStatus("opening directory", dir, errno);
  FileDescriptor guard(fd);
  if (::fsync(fd) != 0)
    return ErrnoStatus("syncing directory", dir, errno);
  return Status::OK();
}

// Write data to a fresh temporary file beside `path` and sync it; return the temporary path.
Result<std::string> WriteTemp(std::string_view path, std::string_view data) {
  fs::path target(path);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec)
    return ErrnoStatus("creating directory", target.parent_path().string(), ec.value());
  std::string tmp =
      (target.parent_path() / ("." + target.filename().string() + "." + RandomUuid() + ".tmp"))
          .string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return ErrnoStatus("creating", tmp, errno);
  FileDescriptor guard(fd);
  Status st = WriteAll(fd, data, tmp);
  if (st.ok() && ::fsync(fd) != 0)
    st = ErrnoStatus("syncing", tmp, errno);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return tmp;
}

}  // namespace

std::string JoinPath(std::string_view base, std::string_view child) {
  std::string out(base);
  while (!out.empty() && out.back() == '/')
    out.pop_back();
  while (!child.empty() && child.front() == '/')
    child.remove_prefix(1);
  out += '/';
  out += child;
  return out;
}

Result<std::vector<FileInfo>> LocalStorage::List(std::string_view dir) { return ListFrom(dir, ""); }

Result<std::vector<FileInfo>> LocalStorage::ListFrom(std::string_view dir,
                                                     std::string_view start_name) {
  std::vector<FileInfo> out;
  std::error_code ec;
  fs::directory_iterator it(fs::path(dir), ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory)
      return out;
    return ErrnoStatus("listing", dir, ec.value());
  }
  for (const auto& entry : it) {
    // Filter by name before stat(): a 100k-entry log costs one readdir, not 100k stats.
    if (entry.path().filename().native() < start_name)
      continue;
    struct stat st {};
    std::string p = entry.path().string();
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    out.push_back({std::move(p), static_cast<int64_t>(st.st_size), MtimeMillis(st)});
  }
  std::sort(out.begin(), out.end(),
            [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return out;
}

Result<std::vector<FileInfo>> LocalStorage::ListRecursive(std::string_view dir) {
  std::vector<FileInfo> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(fs::path(dir), ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory)
      return out;
    return ErrnoStatus("listing", dir, ec.value());
  }
  for (auto end = fs::recursive_directory_iterator(); it != end; it.increment(ec)) {
    if (ec)
      return ErrnoStatus("listing", dir, ec.value());
    struct stat st {};
    std::string p = it->path().string();
    if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    out.push_back({std::move(p), static_cast<int64_t>(st.st_size), MtimeMillis(st)});
  }
  std::sort(out.begin(), out.end(),
            [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return out;
}

Result<FileInfo> LocalStorage::Stat(std::string_view path) {
  struct stat st {};
  std::string p(path);
  if (::stat(p.c_str(), &st) != 0)
    return ErrnoStatus("stat", path, errno);
  if (!S_ISREG(st.st_mode))
    return Status::NotFound("not a file: '" + p + "'");
  return FileInfo{p, static_cast<int64_t>(st.st_size), MtimeMillis(st)};
}

Result<std::string> LocalStorage::Read(std::string_view path) {
  TESSERA_ASSIGN_OR_RETURN(FileInfo info, Stat(path));
  return ReadRange(path, 0, info.size);
}

Result<std::string> LocalStorage::ReadRange(std::string_view path, int64_t offset, int64_t length) {
  if (offset < 0 || length < 0) {
    return Status::InvalidArgument("negative offset or length reading '" + std::string(path) + "'");
  }
  std::string p(path);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ErrnoStatus("opening", path, errno);
  FileDescriptor guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return ErrnoStatus("stat", path, errno);
  if (offset > st.st_size || length > st.st_size - offset) {
    return Status::Corruption("'" + p + "' has " + std::to_string(st.st_size) +
                              " bytes; cannot read " + std::to_string(length) + " at offset " +
                              std::to_string(offset));
  }
  std::string out(static_cast<size_t>(length), '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n =
        ::pread(fd, out.data() + done, out.size() - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return ErrnoStatus("reading", path, errno);
    }
    if (n == 0)
      return Status::Corruption("'" + p + "' shrank while reading");
    done += static_cast<size_t>(n);
  }
  return out;
}

Status LocalStorage::PutIfAbsent(std::string_view path, std::string_view data) {
  TESSERA_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(path, data));
  std::string target(path);
  // link() is atomic and fails with EEXIST: the one POSIX put-if-absent that never shows readers a
  // partial file (open(O_EXCL)+write would).
  int rc = ::link(tmp.c_str(), target.c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (rc != 0)
    return ErrnoStatus("creating", path, err);
  return FsyncDir(fs::path(target).parent_path().string());
}

Status LocalStorage::Put(std::string_view path, std::string_view data) {
  TESSERA_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(path, data));
  std::string target(path);
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus("replacing", path, err);
  }
  return FsyncDir(fs::path(target).parent_path().string());
}

Status LocalStorage::Delete(std::string_view path) {
  std::string p(path);
  if (::unlink(p.c_str()) != 0 && errno != ENOENT)
    return ErrnoStatus("deleting", path, errno);
  return Status::OK();
}

LocalStorage& LocalStorage::Instance() {
  static LocalStorage storage;
  return storage;
}

}  // namespace tessera::storage
