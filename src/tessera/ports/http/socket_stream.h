#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>
#include <openssl/types.h>

#include "tessera/common/status.h"

namespace tessera::ports::http::internal {

using Clock = std::chrono::steady_clock;

/// How a wait for the socket ended.
enum class WaitResult { kReady, kTimeout, kStopping, kCut };

/// One accepted TCP socket, read and written through poll() with deadlines, in the shape of
/// Beast's SyncReadStream and SyncWriteStream (so http::read/http::write run on it). Owns and
/// closes the descriptor. Every wait also watches the server's `cut_fd` (an eventfd that stays
/// readable once the server cuts connections): a cut ends the operation with
/// operation_aborted. Reads end with timed_out at the read deadline; a write that makes no
/// progress for `write_stall` ends with timed_out. Used by one thread at a time.
class SocketStream {
 public:
  SocketStream(int fd, int cut_fd, int stopping_fd, std::chrono::milliseconds write_stall);
  ~SocketStream();
  SocketStream(const SocketStream&) = delete;
  SocketStream& operator=(const SocketStream&) = delete;

  int fd() const { return fd_; }

  /// Run the TLS server handshake with `context` (by `deadline`); afterwards every read and
  /// write goes through TLS (SendFile then copies through user space). Return kIoError naming
  /// what failed (a client speaking plain HTTP to a TLS port fails here).
  Status StartTls(SSL_CTX* context, Clock::time_point deadline);
  bool tls() const { return ssl_ != nullptr; }
  /// Whether OpenSSL holds decrypted bytes not yet read: the socket does not show them as
  /// readable, so the connection must not wait for the socket then.
  bool HasDecryptedInput() const;
  /// Whether the last read took less than it asked for (so the socket held no more input at
  /// that moment), or found nothing. Always false with TLS, whose reads take one record.
  bool drained() const { return drained_; }
  /// The deadline of the following reads (Clock::time_point::max() for none).
  void set_read_deadline(Clock::time_point deadline) { read_deadline_ = deadline; }

  /// Wait until the socket is readable (data, EOF or error) or `deadline`; when
  /// `stop_on_stopping`, also return kStopping once the server stops accepting.
  WaitResult WaitReadable(Clock::time_point deadline, bool stop_on_stopping);

  /// Send FIN (the peer reads EOF after what was sent) without closing the descriptor.
  void ShutdownWrite();

  template <typename MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    Iov iov;
    Gather(buffers, iov);
    return ReadSome(iov, ec);
  }
  template <typename ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec) {
    Iov iov;
    Gather(buffers, iov);
    return WriteSome(iov, ec);
  }
  // The throwing forms complete Beast's stream concepts; tessera calls only the error_code
  // forms, so these abort instead of throwing.
  template <typename MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    size_t n = read_some(buffers, ec);
    AbortOnError(ec);
    return n;
  }
  template <typename ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers) {
    boost::system::error_code ec;
    size_t n = write_some(buffers, ec);
    AbortOnError(ec);
    return n;
  }

  /// Write all of `data` (repeating write_some). Return the first error. With `more`, the
  /// kernel may hold the bytes back to send them with what follows (MSG_MORE), so a header
  /// and a small sendfile body leave in one packet.
  boost::system::error_code WriteAll(const void* data, size_t size, bool more = false);
  /// Send `length` bytes of `file_fd` from `offset` with sendfile(2): the kernel copies from the
  /// page cache to the socket, the bytes never pass through user space. Same stall and cut
  /// rules as writes. Return the first error (eof if the file is shorter than promised).
  boost::system::error_code SendFile(int file_fd, int64_t offset, int64_t length);

 private:
  static constexpr int kMaxIov = 16;
  struct Iov {
    struct Part {
      void* data;
      size_t size;
    };
    Part parts[kMaxIov];
    int count = 0;
  };
  template <typename Buffers>
  static void Gather(const Buffers& buffers, Iov& iov) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && iov.count < kMaxIov; ++it) {
      auto buffer = *it;
      if (buffer.size() == 0)
        continue;
      iov.parts[iov.count++] = {const_cast<void*>(static_cast<const void*>(buffer.data())),
                                buffer.size()};
    }
  }
  size_t ReadSome(const Iov& iov, boost::system::error_code& ec);
  size_t ReadTls(void* data, size_t size, boost::system::error_code& ec);
  size_t WriteTls(const void* data, size_t size, boost::system::error_code& ec);
  /// Wait as SSL_get_error(`rc`) asks; false (with `ec` set) when the operation must end.
  bool AwaitTls(int rc, Clock::time_point deadline, boost::system::error_code& ec);
  size_t WriteSome(const Iov& iov, boost::system::error_code& ec);
  WaitResult Wait(short events, Clock::time_point deadline, bool stop_on_stopping);
  static void AbortOnError(const boost::system::error_code& ec);

  int fd_;
  SSL* ssl_ = nullptr;
  int cut_fd_;
  int stopping_fd_;
  std::chrono::milliseconds write_stall_;
  Clock::time_point read_deadline_ = Clock::time_point::max();
  int send_flags_ = 0;
  bool drained_ = false;  // MSG_MORE while WriteAll(..., more = true) runs
};

}  // namespace tessera::ports::http::internal
