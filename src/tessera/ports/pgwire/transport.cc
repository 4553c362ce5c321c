#include "tessera/ports/pgwire/transport.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <sys/socket.h>

namespace tessera::ports::pgwire {

Transport::~Transport() {
  if (fd_ >= 0)
    ::close(fd_);
}

Status Transport::ReadExact(size_t count, std::string& out, std::chrono::milliseconds timeout) {
  out.resize(count);
  size_t done = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (done < count) {
    if (timeout.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
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

Status Transport::WriteAll(std::string_view bytes) {
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

bool Transport::PeerClosedOrReadable() const {
  pollfd pfd{fd_, POLLIN, 0};
  return ::poll(&pfd, 1, 0) > 0;
}

void Transport::Shutdown() { ::shutdown(fd_, SHUT_RDWR); }

}  // namespace tessera::ports::pgwire
