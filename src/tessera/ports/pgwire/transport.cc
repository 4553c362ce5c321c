#include "tessera/ports/pgwire/transport.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "tessera/common/tls_context.h"

namespace tessera::ports::pgwire {
namespace {

using Clock = std::chrono::steady_clock;

// Wait until the socket is ready for `events`: until `deadline` when `timeout` is positive,
// without limit otherwise (Shutdown still wakes the poll). An error or hang-up on the socket
// counts as ready: the next read or write reports it.
Status WaitReady(int fd, decltype(pollfd::events) events, std::chrono::milliseconds timeout,
                 Clock::time_point deadline) {
  while (true) {
    int wait_ms = -1;
    if (timeout.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0)
        return Status::Cancelled("timed out waiting for the client");
      wait_ms = static_cast<int>(left.count());
    }
    pollfd pfd{fd, events, 0};
    int ready = ::poll(&pfd, 1, wait_ms);
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready < 0)
      return Status::IoError(std::string("poll: ") + std::strerror(errno));
    if (ready == 0)
      return Status::Cancelled("timed out waiting for the client");
    return Status::OK();
  }
}

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE when the client has gone. This
// BIO reads with recv(2) and writes with send(MSG_NOSIGNAL), like the plaintext path (libpq's
// fe-secure-openssl.c has its own BIO for the same reason). The BIO's data points to the fd,
// a member of the Transport, which frees the BIO first.
int SocketOf(BIO* bio) { return *static_cast<const int*>(BIO_get_data(bio)); }

int BioWrite(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  ssize_t n = 0;
  do {
    n = ::send(SocketOf(bio), data, static_cast<size_t>(size), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int BioRead(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  ssize_t n = 0;
  do {
    n = ::recv(SocketOf(bio), data, static_cast<size_t>(size), 0);
  } while (n < 0 && errno == EINTR);
  if (n == 0)
    BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    BIO_set_retry_read(bio);
  return static_cast<int>(n);
}

// NOLINTNEXTLINE(google-runtime-int): OpenSSL's BIO ctrl signature.
long BioCtrl(BIO* bio, int command, long /*number*/, void* /*pointer*/) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;  // nothing is buffered here
    case BIO_CTRL_EOF:
      return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    default:
      return 0;
  }
}

int BioCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

// Built once, shared by every connection (a BIO_METHOD is read-only after setup).
BIO_METHOD* SocketMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                 "tessera socket");
    if (m != nullptr) {
      BIO_meth_set_write(m, BioWrite);
      BIO_meth_set_read(m, BioRead);
      BIO_meth_set_ctrl(m, BioCtrl);
      BIO_meth_set_create(m, BioCreate);
    }
    return m;
  }();
  return method;
}

}  // namespace

Transport::~Transport() {
  if (ssl_ != nullptr) {
    // One attempt at close_notify; the socket is non-blocking, so this cannot hang.
    if (tls_ready_ && !tls_failed_) {
      ERR_clear_error();
      (void)SSL_shutdown(ssl_);
    }
    SSL_free(ssl_);
    ERR_clear_error();
  }
  if (fd_ >= 0)
    ::close(fd_);
}

Status Transport::StartTls(SSL_CTX* context, std::chrono::milliseconds timeout) {
  if (ssl_ != nullptr)
    return Status::InvalidArgument("TLS is already running on this connection");
  ERR_clear_error();
  ssl_ = SSL_new(context);
  BIO_METHOD* method = SocketMethod();
  BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
  if (ssl_ == nullptr || bio == nullptr) {
    BIO_free(bio);
    tls_failed_ = true;
    return Status::Internal("cannot create a TLS session: " + TakeOpenSslErrors());
  }
  BIO_set_data(bio, &fd_);
  SSL_set_bio(ssl_, bio, bio);
  // Non-blocking from here on: OpenSSL then returns WANT_READ/WANT_WRITE instead of blocking
  // inside a half-received record, and the deadlines hold.
  int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK) < 0) {
    tls_failed_ = true;
    return Status::IoError(std::string("fcntl: ") + std::strerror(errno));
  }
  auto deadline = Clock::now() + timeout;
  while (true) {
    ERR_clear_error();
    int rc = SSL_accept(ssl_);
    if (rc == 1)
      break;
    Status status = AwaitTls(rc, timeout, deadline, "TLS handshake failed");
    if (!status.ok()) {
      // Half a handshake cannot be closed cleanly.
      tls_failed_ = true;
      return status;
    }
  }
  tls_ready_ = true;
  return Status::OK();
}

Status Transport::AwaitTls(int rc, std::chrono::milliseconds timeout,
                           std::chrono::steady_clock::time_point deadline, const char* action) {
  int saved_errno = errno;
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_WANT_READ:
      return WaitReady(fd_, POLLIN, timeout, deadline);
    case SSL_ERROR_WANT_WRITE:
      return WaitReady(fd_, POLLOUT, timeout, deadline);
    case SSL_ERROR_ZERO_RETURN:
      // close_notify: an orderly end, after which SSL_shutdown may still answer.
      return Status::IoError("client closed the connection");
    case SSL_ERROR_SYSCALL:
      tls_failed_ = true;
      if (ERR_peek_error() == 0) {
        return Status::IoError(
            std::string(action) + ": " +
            (saved_errno != 0 ? std::strerror(saved_errno) : "client closed the connection"));
      }
      return Status::IoError(std::string(action) + ": " + TakeOpenSslErrors());
    default:
      tls_failed_ = true;
      return Status::IoError(std::string(action) + ": " + TakeOpenSslErrors());
  }
}

Status Transport::ReadExact(size_t count, std::string& out, std::chrono::milliseconds timeout) {
  if (ssl_ != nullptr)
    return ReadTls(count, out, timeout);
  out.resize(count);
  size_t done = 0;
  auto deadline = Clock::now() + timeout;
  while (done < count) {
    if (timeout.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0)
        return Status::Cancelled("timed out waiting for the client");
      pollfd pfd{fd_, POLLIN, 0};
      int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready == 0)
        return Status::Cancelled("timed out waiting for the client");
    }
    ssize_t n = ::recv(fd_, out.data() + done, count - done, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return Status::IoError(n == 0 ? "client closed the connection" : std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

Status Transport::ReadTls(size_t count, std::string& out, std::chrono::milliseconds timeout) {
  if (!tls_ready_ || tls_failed_)
    return Status::IoError("the TLS session is not usable");
  out.resize(count);
  size_t done = 0;
  auto deadline = Clock::now() + timeout;
  while (done < count) {
    ERR_clear_error();
    size_t n = 0;
    int rc = SSL_read_ex(ssl_, out.data() + done, count - done, &n);
    if (rc == 1) {
      done += n;
      continue;
    }
    TESSERA_RETURN_NOT_OK(AwaitTls(rc, timeout, deadline, "reading from the client"));
  }
  return Status::OK();
}

Status Transport::WriteAll(std::string_view bytes) {
  if (ssl_ != nullptr)
    return WriteTls(bytes);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return Status::IoError(std::string("writing to the client: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

Status Transport::WriteTls(std::string_view bytes) {
  if (!tls_ready_ || tls_failed_)
    return Status::IoError("the TLS session is not usable");
  size_t done = 0;
  while (done < bytes.size()) {
    ERR_clear_error();
    size_t n = 0;
    // After WANT_WRITE OpenSSL needs the same arguments again, which `done` keeps.
    int rc = SSL_write_ex(ssl_, bytes.data() + done, bytes.size() - done, &n);
    if (rc == 1) {
      done += n;
      continue;
    }
    TESSERA_RETURN_NOT_OK(
        AwaitTls(rc, std::chrono::milliseconds(0), Clock::time_point(), "writing to the client"));
  }
  return Status::OK();
}

bool Transport::PeerClosedOrReadable() const {
  // Decrypted bytes OpenSSL holds are unread input the socket no longer shows.
  if (ssl_ != nullptr && tls_ready_ && SSL_pending(ssl_) > 0)
    return true;
  pollfd pfd{fd_, POLLIN, 0};
  return ::poll(&pfd, 1, 0) > 0;
}

void Transport::Shutdown() { ::shutdown(fd_, SHUT_RDWR); }

}  // namespace tessera::ports::pgwire
