#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace tessera {

/// Bytes that never change, made to be sent many times: big ones live in a sealed anonymous
/// memory file (memfd_create, sealed against writes and resizing), so that a server can hand
/// them to a socket with sendfile(2), whose pages the kernel passes on by reference instead of
/// copying them out of user memory on every send. Small ones, and any once the process holds
/// kMaxFiles such files (each costs a descriptor), stay in ordinary memory: fd() is then -1.
/// view() reads either kind. Immutable and thread-safe; share it with std::shared_ptr.
class SealedBytes {
 public:
  /// Bytes below this stay in memory: one copy of a small answer costs less than the calls.
  static constexpr size_t kMinFileBytes = size_t{64} * 1024;
  /// The most memory files alive at once in the process.
  static constexpr int kMaxFiles = 128;

  /// Copy `data`. Never fails: without memfd (or when sealing or mapping it fails) the bytes
  /// stay in memory.
  static std::shared_ptr<const SealedBytes> Create(std::string data);
  ~SealedBytes();
  SealedBytes(const SealedBytes&) = delete;
  SealedBytes& operator=(const SealedBytes&) = delete;

  std::string_view view() const { return view_; }
  size_t size() const { return view_.size(); }
  /// The sealed memory file holding exactly view()'s bytes from offset 0, or -1.
  int fd() const { return fd_; }

 private:
  SealedBytes() = default;

  std::string memory_;  // used when there is no file
  int fd_ = -1;
  void* mapping_ = nullptr;
  std::string_view view_;
};

}  // namespace tessera
