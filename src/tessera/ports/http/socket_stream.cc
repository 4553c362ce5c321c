#include "tessera/ports/http/socket_stream.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <boost/asio/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "tessera/common/logging.h"
#include "tessera/common/tls_context.h"

namespace tessera::ports::http::internal {
namespace {

int PollTimeoutMs(Clock::time_point deadline) {
  if (deadline == Clock::time_point::max())
    return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0)
    return 0;
  return left > 60'000 ? 60'000 : static_cast<int>(left);
}

}  // namespace

SocketStream::SocketStream(int fd, int cut_fd, int stopping_fd,
                           std::chrono::milliseconds write_stall)
    : fd_(fd), cut_fd_(cut_fd), stopping_fd_(stopping_fd), write_stall_(write_stall) {
  // Every operation waits in poll() with a deadline, and sendfile and OpenSSL have no
  // per-call "don't block" flag: the descriptor itself must not block.
  int flags = ::fcntl(fd_, F_GETFL, 0);
  if (flags >= 0 && (flags & O_NONBLOCK) == 0)
    ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

SocketStream::~SocketStream() {
  if (ssl_ != nullptr)
    SSL_free(ssl_);
  ::close(fd_);
}

void SocketStream::ShutdownWrite() {
  // close_notify first, so a TLS client sees a clean end rather than a truncation attack.
  if (ssl_ != nullptr)
    SSL_shutdown(ssl_);
  ::shutdown(fd_, SHUT_WR);
}

Status SocketStream::StartTls(SSL_CTX* context, Clock::time_point deadline) {
  ssl_ = SSL_new(context);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1)
    return Status::IoError("TLS setup failed: " + TakeOpenSslErrors());
  while (true) {
    int rc = SSL_accept(ssl_);
    if (rc == 1)
      return Status::OK();
    boost::system::error_code ec;
    if (!AwaitTls(rc, deadline, ec)) {
      std::string reason = TakeOpenSslErrors();
      return Status::IoError("TLS handshake failed: " + (ec ? ec.message() : std::string("")) +
                             " " + reason);
    }
  }
}

bool SocketStream::AwaitTls(int rc, Clock::time_point deadline, boost::system::error_code& ec) {
  int error = SSL_get_error(ssl_, rc);
  decltype(pollfd{}.events) events = 0;
  if (error == SSL_ERROR_WANT_READ) {
    events = POLLIN | POLLRDHUP;
  } else if (error == SSL_ERROR_WANT_WRITE) {
    events = POLLOUT;
  } else if (error == SSL_ERROR_ZERO_RETURN) {
    ec = boost::asio::error::eof;
    return false;
  } else {
    ec = boost::asio::error::connection_reset;
    return false;
  }
  switch (Wait(events, deadline, false)) {
    case WaitResult::kReady:
      return true;
    case WaitResult::kTimeout:
      ec = boost::asio::error::timed_out;
      return false;
    case WaitResult::kStopping:
    case WaitResult::kCut:
      ec = boost::asio::error::operation_aborted;
      return false;
  }
  return false;
}

size_t SocketStream::ReadTls(void* data, size_t size, boost::system::error_code& ec) {
  int chunk = static_cast<int>(std::min<size_t>(size, 1 << 30));
  while (true) {
    ERR_clear_error();
    int n = SSL_read(ssl_, data, chunk);
    if (n > 0)
      return static_cast<size_t>(n);
    if (!AwaitTls(n, read_deadline_, ec))
      return 0;
  }
}

size_t SocketStream::WriteTls(const void* data, size_t size, boost::system::error_code& ec) {
  int chunk = static_cast<int>(std::min<size_t>(size, 1 << 30));
  while (true) {
    ERR_clear_error();
    int n = SSL_write(ssl_, data, chunk);
    if (n > 0)
      return static_cast<size_t>(n);
    if (!AwaitTls(n, Clock::now() + write_stall_, ec))
      return 0;
  }
}

void SocketStream::AbortOnError(const boost::system::error_code& ec) {
  TESSERA_CHECK(!ec && "SocketStream's throwing operations are not used by tessera");
}

WaitResult SocketStream::Wait(short events, Clock::time_point deadline, bool stop_on_stopping) {
  while (true) {
    pollfd fds[3] = {{fd_, events, 0}, {cut_fd_, POLLIN, 0}, {stopping_fd_, POLLIN, 0}};
    int timeout = PollTimeoutMs(deadline);
    int n = ::poll(fds, stop_on_stopping ? 3 : 2, timeout);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return WaitResult::kCut;
    }
    if (fds[1].revents != 0)
      return WaitResult::kCut;
    if (fds[0].revents != 0)
      return WaitResult::kReady;
    if (stop_on_stopping && fds[2].revents != 0)
      return WaitResult::kStopping;
    // poll's timeout is capped (and rounded), so only the clock says the deadline passed.
    if (n == 0 && Clock::now() >= deadline)
      return WaitResult::kTimeout;
  }
}

bool SocketStream::HasDecryptedInput() const { return ssl_ != nullptr && SSL_pending(ssl_) > 0; }

WaitResult SocketStream::WaitReadable(Clock::time_point deadline, bool stop_on_stopping) {
  // Bytes OpenSSL already decrypted do not make the socket readable.
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0)
    return WaitResult::kReady;
  return Wait(POLLIN | POLLRDHUP, deadline, stop_on_stopping);
}

size_t SocketStream::ReadSome(const Iov& iov, boost::system::error_code& ec) {
  ec = {};
  if (iov.count == 0)
    return 0;
  if (ssl_ != nullptr)
    return ReadTls(iov.parts[0].data, iov.parts[0].size, ec);
  iovec vec[kMaxIov];
  for (int i = 0; i < iov.count; ++i)
    vec[i] = {iov.parts[i].data, iov.parts[i].size};
  while (true) {
    msghdr msg{};
    msg.msg_iov = vec;
    msg.msg_iovlen = static_cast<size_t>(iov.count);
    ssize_t n = ::recvmsg(fd_, &msg, MSG_DONTWAIT);
    if (n > 0) {
      size_t asked = 0;
      for (int i = 0; i < iov.count; ++i)
        asked += iov.parts[i].size;
      drained_ = static_cast<size_t>(n) < asked;
      return static_cast<size_t>(n);
    }
    if (n == 0) {
      ec = boost::asio::error::eof;
      return 0;
    }
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ec = boost::system::error_code(errno, boost::system::system_category());
      return 0;
    }
    switch (Wait(POLLIN | POLLRDHUP, read_deadline_, false)) {
      case WaitResult::kReady:
        break;
      case WaitResult::kTimeout:
        ec = boost::asio::error::timed_out;
        return 0;
      case WaitResult::kStopping:
      case WaitResult::kCut:
        ec = boost::asio::error::operation_aborted;
        return 0;
    }
  }
}

size_t SocketStream::WriteSome(const Iov& iov, boost::system::error_code& ec) {
  ec = {};
  if (iov.count == 0)
    return 0;
  if (ssl_ != nullptr)
    return WriteTls(iov.parts[0].data, iov.parts[0].size, ec);
  iovec vec[kMaxIov];
  for (int i = 0; i < iov.count; ++i)
    vec[i] = {iov.parts[i].data, iov.parts[i].size};
  while (true) {
    msghdr msg{};
    msg.msg_iov = vec;
    msg.msg_iovlen = static_cast<size_t>(iov.count);
    // MSG_NOSIGNAL: a peer that went away gives EPIPE here instead of killing the process.
    ssize_t n = ::sendmsg(fd_, &msg, MSG_DONTWAIT | MSG_NOSIGNAL | send_flags_);
    if (n >= 0)
      return static_cast<size_t>(n);
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ec = boost::system::error_code(errno, boost::system::system_category());
      return 0;
    }
    switch (Wait(POLLOUT, Clock::now() + write_stall_, false)) {
      case WaitResult::kReady:
        break;
      case WaitResult::kTimeout:
        ec = boost::asio::error::timed_out;
        return 0;
      case WaitResult::kStopping:
      case WaitResult::kCut:
        ec = boost::asio::error::operation_aborted;
        return 0;
    }
  }
}

boost::system::error_code SocketStream::SendFile(int file_fd, int64_t offset, int64_t length) {
  if (ssl_ != nullptr) {
    // TLS encrypts in user space, so the file passes through a buffer.
    std::vector<char> buffer(size_t{256} * 1024);
    while (length > 0) {
      size_t want = static_cast<size_t>(std::min<int64_t>(length, buffer.size()));
      ssize_t n = ::pread(file_fd, buffer.data(), want, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return n == 0 ? boost::asio::error::eof
                      : boost::system::error_code(errno, boost::system::system_category());
      if (auto ec = WriteAll(buffer.data(), static_cast<size_t>(n)))
        return ec;
      offset += n;
      length -= n;
    }
    return {};
  }
  // The socket does not block (see the constructor): a stalled client is noticed by the poll
  // below instead of hanging the thread.
  off_t position = static_cast<off_t>(offset);
  int64_t remaining = length;
  while (remaining > 0) {
    size_t chunk = static_cast<size_t>(std::min<int64_t>(remaining, int64_t{1} << 30));
    ssize_t n = ::sendfile(fd_, file_fd, &position, chunk);
    if (n > 0) {
      remaining -= n;
      continue;
    }
    if (n == 0)
      return boost::asio::error::eof;
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return boost::system::error_code(errno, boost::system::system_category());
    switch (Wait(POLLOUT, Clock::now() + write_stall_, false)) {
      case WaitResult::kReady:
        break;
      case WaitResult::kTimeout:
        return boost::asio::error::timed_out;
      case WaitResult::kStopping:
      case WaitResult::kCut:
        return boost::asio::error::operation_aborted;
    }
  }
  return {};
}

boost::system::error_code SocketStream::WriteAll(const void* data, size_t size, bool more) {
  send_flags_ = more && ssl_ == nullptr ? MSG_MORE : 0;
  struct Reset {
    int& flags;
    ~Reset() { flags = 0; }
  } reset{send_flags_};
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    boost::system::error_code ec;
    size_t n = write_some(boost::asio::const_buffer(p, size), ec);
    if (ec)
      return ec;
    p += n;
    size -= n;
  }
  return {};
}

}  // namespace tessera::ports::http::internal
