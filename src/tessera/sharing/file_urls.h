#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/common/crypto.h"
#include "tessera/common/result.h"
#include "tessera/common/time.h"

namespace tessera::sharing {

/// Signs and verifies the `/files/...` URLs through which recipients download data files and
/// deletion vectors, so that no storage credential is ever handed out. A URL names the shared
/// table by id and the file by its path below the table root, and carries its expiry, the
/// recipient and an HMAC-SHA256 over all four (its first 128 bits). Immutable; thread-safe.
class FileUrlSigner {
 public:
  /// `secret`: the node secret. The signing key is derived from it, so the secret itself signs
  /// nothing else.
  explicit FileUrlSigner(std::string_view secret, const Clock* clock = &SystemClock::Instance());

  struct SignedUrl {
    std::string url;
    int64_t expiration_ms = 0;
  };
  /// `<base_url>/files/<table_id>/<relative_path>?e=<expiry ms>&r=<recipient_id>&s=<signature>`,
  /// each path segment percent-encoded. `relative_path` is decoded and '/'-separated.
  SignedUrl Sign(std::string_view base_url, std::string_view table_id,
                 std::string_view relative_path, std::string_view recipient_id,
                 std::chrono::seconds ttl) const;

  /// Views into the `path` and `query` given to Verify: valid while they are.
  struct VerifiedFile {
    std::string_view table_id;
    std::string_view relative_path;
    std::string_view recipient_id;
    int64_t expiration_ms = 0;
  };
  /// Check a request for a signed URL: `path` is the decoded request path after "/files/",
  /// `query` its decoded parameters. Return kPermissionDenied "invalid or expired file URL" for
  /// a missing, altered or expired signature (one message for all, so that probing learns
  /// nothing), kInvalidArgument for a path without a table id and a file.
  Result<VerifiedFile> Verify(std::string_view path,
                              const std::vector<std::pair<std::string, std::string>>& query) const;

 private:
  /// The whole HMAC-SHA256 (32 bytes) over the fields a URL names.
  HmacSha256Key::Digest Mac(std::string_view table_id, std::string_view relative_path,
                            std::string_view recipient_id, int64_t expiration_ms) const;

  HmacSha256Key key_;
  const Clock* clock_;
};

/// The path below `table_root` of a file named in the log (`add.path`: relative and
/// URI-encoded, or an absolute `file:` URI inside the root), decoded. Return kUnsupported for a
/// file outside the table root (an absolute URI elsewhere, a shallow clone): the node cannot
/// serve it. Return kInvalidArgument for a malformed path.
Result<std::string> RelativeDataPath(std::string_view table_root, std::string_view log_path);

/// A file opened for serving; closes it on destruction. Move-only.
class OpenedFile {
 public:
  OpenedFile(int fd, int64_t size, int64_t mtime_ns, uint64_t inode)
      : fd_(fd), size_(size), mtime_ns_(mtime_ns), inode_(inode) {}
  ~OpenedFile();
  OpenedFile(OpenedFile&& other) noexcept;
  OpenedFile& operator=(OpenedFile&& other) noexcept;
  OpenedFile(const OpenedFile&) = delete;
  OpenedFile& operator=(const OpenedFile&) = delete;

  int fd() const { return fd_; }
  int64_t size() const { return size_; }
  int64_t mtime_ns() const { return mtime_ns_; }
  uint64_t inode() const { return inode_; }

 private:
  int fd_;
  int64_t size_;
  int64_t mtime_ns_;
  uint64_t inode_;
};

/// A shared table's directory, held open (O_PATH) so that serving a file resolves only the
/// file's own path below it. The descriptor closes with the last reference.
class TableDirectory {
 public:
  /// Return kNotFound if `root` is not a directory that can be opened.
  static Result<std::shared_ptr<const TableDirectory>> Open(std::string root);
  ~TableDirectory();
  TableDirectory(const TableDirectory&) = delete;
  TableDirectory& operator=(const TableDirectory&) = delete;

  const std::string& root() const { return root_; }
  int fd() const { return fd_; }

 private:
  TableDirectory(std::string root, int fd) : root_(std::move(root)), fd_(fd) {}
  std::string root_;
  int fd_;
};

/// Open `relative_path` below `table_root` for reading. Return kPermissionDenied for a path that
/// is empty, absolute, has "", "." or ".." segments, lies in `_delta_log/` (the log is never
/// served), or whose real path (symlinks resolved) is not inside the real table root; kNotFound
/// if there is no such regular file.
Result<OpenedFile> OpenTableFile(std::string_view table_root, std::string_view relative_path);
/// The same, below an open table directory.
Result<OpenedFile> OpenTableFile(const TableDirectory& table, std::string_view relative_path);

}  // namespace tessera::sharing
