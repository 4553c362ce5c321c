#include "tessera/sharing/file_urls.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <memory>
#include <optional>

#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "tessera/common/crypto.h"
#include "tessera/common/strings.h"
#include "tessera/delta/actions.h"

namespace tessera::sharing {
namespace {

constexpr std::string_view kDenied = "invalid or expired file URL";

// URLs carry 128 bits of the HMAC-SHA256 (RFC 2104 section 5 allows truncating to half the
// hash): 22 characters instead of 43 in each of the thousands of URLs of a big table's answer,
// still far out of reach of guessing.
constexpr size_t kSignatureBytes = 16;
// URLs signed before the truncation carry the whole HMAC, 43 characters; they stay valid
// until they expire.
constexpr size_t kFullSignatureChars = 43;

// The "<length>:" before each signed field (see FileUrlSigner::Mac).
class LengthPrefix {
 public:
  explicit LengthPrefix(size_t length) {
    char* end = std::to_chars(text_.data(), text_.data() + text_.size() - 1, length).ptr;
    *end++ = ':';
    size_ = static_cast<size_t>(end - text_.data());
  }
  std::string_view view() const { return {text_.data(), size_}; }

 private:
  std::array<char, 24> text_{};
  size_t size_ = 0;
};

std::string PercentEncodeSegment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : segment) {
    auto byte = static_cast<unsigned char>(c);
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

std::optional<std::string_view> Param(const std::vector<std::pair<std::string, std::string>>& query,
                                      std::string_view name) {
  for (const auto& [key, value] : query) {
    if (key == name)
      return value;
  }
  return std::nullopt;
}

// Checked on every download, so it looks at the path in place instead of splitting it.
bool SafeRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string_view::npos)
    return false;
  for (size_t start = 0; start <= path.size();) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string_view segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..")
      return false;
    start = end + 1;
  }
  return !StartsWith(path, "_delta_log/");
}

Result<std::string> RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> resolved(realpath(path.c_str(), nullptr), &std::free);
  if (!resolved) {
    if (errno == ENOENT || errno == ENOTDIR)
      return Status::NotFound("no such file");
    return Status::IoError("cannot resolve a served file");
  }
  return std::string(resolved.get());
}

}  // namespace

FileUrlSigner::FileUrlSigner(std::string_view secret, const Clock* clock)
    : key_(HmacSha256(secret, "tessera file urls v1")), clock_(clock) {}

HmacSha256Key::Digest FileUrlSigner::Mac(std::string_view table_id, std::string_view relative_path,
                                         std::string_view recipient_id,
                                         int64_t expiration_ms) const {
  // Length-prefixed fields, so that no two different (table, path, recipient, expiry) tuples
  // sign the same bytes.
  std::array<char, 24> expiry_text{};
  char* expiry_end =
      std::to_chars(expiry_text.data(), expiry_text.data() + expiry_text.size(), expiration_ms).ptr;
  std::string_view expiry(expiry_text.data(), static_cast<size_t>(expiry_end - expiry_text.data()));
  LengthPrefix table_length(table_id.size());
  LengthPrefix path_length(relative_path.size());
  LengthPrefix recipient_length(recipient_id.size());
  LengthPrefix expiry_length(expiry.size());
  HmacSha256Key::Digest mac;
  key_.Mac({table_length.view(), table_id, path_length.view(), relative_path,
            recipient_length.view(), recipient_id, expiry_length.view(), expiry},
           mac);
  return mac;
}

FileUrlSigner::SignedUrl FileUrlSigner::Sign(std::string_view base_url, std::string_view table_id,
                                             std::string_view relative_path,
                                             std::string_view recipient_id,
                                             std::chrono::seconds ttl) const {
  int64_t expiration = clock_->NowMillis() + ttl.count() * 1000;
  std::string url(base_url);
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  url += "/files/";
  url += PercentEncodeSegment(table_id);
  for (const std::string& segment : Split(relative_path, '/')) {
    url += '/';
    url += PercentEncodeSegment(segment);
  }
  url += "?e=" + std::to_string(expiration);
  url += "&r=" + PercentEncodeSegment(recipient_id);
  HmacSha256Key::Digest mac = Mac(table_id, relative_path, recipient_id, expiration);
  url += "&s=" + Base64UrlEncode(
                     std::string_view(reinterpret_cast<const char*>(mac.data()), kSignatureBytes));
  return {url, expiration};
}

Result<FileUrlSigner::VerifiedFile> FileUrlSigner::Verify(
    std::string_view path, const std::vector<std::pair<std::string, std::string>>& query) const {
  size_t slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == path.size())
    return Status::InvalidArgument("a file URL names a table and a file");
  VerifiedFile file;
  file.table_id = path.substr(0, slash);
  file.relative_path = path.substr(slash + 1);
  auto expiry = Param(query, "e");
  auto recipient = Param(query, "r");
  auto signature = Param(query, "s");
  if (!expiry || !recipient || !signature)
    return Status::PermissionDenied(std::string(kDenied));
  auto expiration = ParseInt64(*expiry);
  if (!expiration.ok())
    return Status::PermissionDenied(std::string(kDenied));
  HmacSha256Key::Digest mac = Mac(file.table_id, file.relative_path, *recipient, *expiration);
  size_t signed_bytes = signature->size() == kFullSignatureChars ? mac.size() : kSignatureBytes;
  std::array<char, 44> expected{};
  size_t expected_size = Base64UrlEncodeTo(
      std::string_view(reinterpret_cast<const char*>(mac.data()), signed_bytes), expected.data());
  if (!ConstantTimeEquals(std::string_view(expected.data(), expected_size), *signature) ||
      *expiration < clock_->NowMillis())
    return Status::PermissionDenied(std::string(kDenied));
  file.recipient_id = *recipient;
  file.expiration_ms = *expiration;
  return file;
}

Result<std::string> RelativeDataPath(std::string_view table_root, std::string_view log_path) {
  TESSERA_ASSIGN_OR_RETURN(std::string absolute, delta::ResolveDataPath(table_root, log_path));
  std::string root(table_root);
  while (root.size() > 1 && root.back() == '/')
    root.pop_back();
  if (!StartsWith(absolute, root + "/"))
    return Status::Unsupported("the file is outside the table's directory");
  std::string relative = absolute.substr(root.size() + 1);
  if (!SafeRelativePath(relative))
    return Status::Unsupported("the file is outside the table's directory");
  return relative;
}

OpenedFile::~OpenedFile() {
  if (fd_ >= 0)
    ::close(fd_);
}

OpenedFile::OpenedFile(OpenedFile&& other) noexcept
    : fd_(other.fd_), size_(other.size_), mtime_ns_(other.mtime_ns_), inode_(other.inode_) {
  other.fd_ = -1;
}

OpenedFile& OpenedFile::operator=(OpenedFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.fd_;
    size_ = other.size_;
    mtime_ns_ = other.mtime_ns_;
    inode_ = other.inode_;
    other.fd_ = -1;
  }
  return *this;
}

namespace {

// openat2(RESOLVE_BENEATH) makes the kernel refuse any path (symlinks included) that leaves the
// table directory, in one call. nullopt when the kernel lacks it.
std::optional<Result<int>> OpenBeneath(int dir, std::string_view relative) {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  // The path needs a terminating NUL; a download's fits on the stack.
  std::array<char, 512> short_path{};
  std::string long_path;
  const char* path = nullptr;
  if (relative.size() < short_path.size()) {
    std::copy(relative.begin(), relative.end(), short_path.begin());
    path = short_path.data();
  } else {
    long_path.assign(relative);
    path = long_path.c_str();
  }
  auto fd = ::syscall(SYS_openat2, dir, path, &how, sizeof how);
  int error = errno;
  if (fd >= 0)
    return Result<int>(static_cast<int>(fd));
  if (error == ENOSYS || error == EPERM)
    return std::nullopt;  // no openat2 here (or a seccomp filter forbids it)
  if (error == EXDEV || error == ELOOP)
    return Result<int>(Status::PermissionDenied(std::string(kDenied)));
  if (error == ENOENT || error == ENOTDIR)
    return Result<int>(Status::NotFound("no such file"));
  return Result<int>(Status::IoError("cannot open a served file"));
}

// Without openat2: resolve both paths and compare.
Result<int> OpenByRealPath(const std::string& table_root, std::string_view relative) {
  TESSERA_ASSIGN_OR_RETURN(std::string root, RealPath(table_root));
  TESSERA_ASSIGN_OR_RETURN(std::string real, RealPath(root + "/" + std::string(relative)));
  // Symlinks inside a table could point anywhere; only what really lies inside is served.
  if (!StartsWith(real, root + "/") || StartsWith(real, root + "/_delta_log/"))
    return Status::PermissionDenied(std::string(kDenied));
  int fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT ? Status::NotFound("no such file") : Status::IoError("cannot open");
  return fd;
}

}  // namespace

Result<std::shared_ptr<const TableDirectory>> TableDirectory::Open(std::string root) {
  int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return Status::NotFound("no such table directory");
  return std::shared_ptr<const TableDirectory>(new TableDirectory(std::move(root), fd));
}

TableDirectory::~TableDirectory() { ::close(fd_); }

Result<OpenedFile> OpenTableFile(std::string_view table_root, std::string_view relative_path) {
  TESSERA_ASSIGN_OR_RETURN(auto table, TableDirectory::Open(std::string(table_root)));
  return OpenTableFile(*table, relative_path);
}

Result<OpenedFile> OpenTableFile(const TableDirectory& table, std::string_view relative_path) {
  if (!SafeRelativePath(relative_path))
    return Status::PermissionDenied(std::string(kDenied));
  std::optional<Result<int>> opened = OpenBeneath(table.fd(), relative_path);
  if (!opened)
    opened = OpenByRealPath(table.root(), relative_path);
  TESSERA_ASSIGN_OR_RETURN(int fd, std::move(*opened));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return Status::NotFound("no such file");
  }
  int64_t mtime_ns =
      static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  return OpenedFile(fd, info.st_size, mtime_ns, info.st_ino);
}

}  // namespace tessera::sharing
