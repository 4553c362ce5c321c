#include "tessera/common/sealed_bytes.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include <sys/mman.h>

namespace tessera {
namespace {

std::atomic<int> open_files{0};

// The file holding `data`, sealed so that nobody (this process included) can change the bytes
// a reader maps or a sendfile reads; -1 if any step fails.
int SealedFile(std::string_view data) {
  int fd = ::memfd_create("tessera-sealed-bytes", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return -1;
  const char* at = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, at, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::close(fd);
      return -1;
    }
    at += n;
    left -= static_cast<size_t>(n);
  }
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::shared_ptr<const SealedBytes> SealedBytes::Create(std::string data) {
  std::shared_ptr<SealedBytes> bytes(new SealedBytes());
  if (data.size() >= kMinFileBytes && open_files.fetch_add(1) < kMaxFiles) {
    int fd = SealedFile(data);
    void* mapping =
        fd < 0 ? MAP_FAILED : ::mmap(nullptr, data.size(), PROT_READ, MAP_SHARED, fd, 0);
    if (mapping != MAP_FAILED) {
      bytes->fd_ = fd;
      bytes->mapping_ = mapping;
      bytes->view_ = std::string_view(static_cast<const char*>(mapping), data.size());
      return bytes;
    }
    if (fd >= 0)
      ::close(fd);
    open_files.fetch_sub(1);
  } else if (data.size() >= kMinFileBytes) {
    open_files.fetch_sub(1);
  }
  bytes->memory_ = std::move(data);
  bytes->view_ = bytes->memory_;
  return bytes;
}

SealedBytes::~SealedBytes() {
  if (fd_ < 0)
    return;
  ::munmap(mapping_, view_.size());
  ::close(fd_);
  open_files.fetch_sub(1);
}

}  // namespace tessera
