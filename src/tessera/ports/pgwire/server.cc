#include "tessera/ports/pgwire/server.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "tessera/common/logging.h"

namespace tessera::ports::pgwire {

Result<std::unique_ptr<PgServer>> PgServer::Start(const PgOptions& options,
                                                  access::QueryGateway& gateway) {
  std::unique_ptr<PgServer> server(new PgServer(options, gateway));
  if (options.tls_cert_file.empty() != options.tls_key_file.empty())
    return Status::InvalidArgument("TLS needs both a certificate file and a private key file");
  if (options.require_tls && options.tls_cert_file.empty())
    return Status::InvalidArgument("require_tls needs a TLS certificate file and key file");
  if (options.password_auth && options.tls_cert_file.empty())
    return Status::InvalidArgument("password_auth needs a TLS certificate file and key file");
  if (!options.tls_cert_file.empty()) {
    TESSERA_ASSIGN_OR_RETURN(server->tls_context_,
                             MakeServerTlsContext(options.tls_cert_file, options.tls_key_file));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(options.port);
  if (inet_pton(AF_INET, options.host.c_str(), &address.sin_addr) != 1)
    return Status::InvalidArgument("not an IPv4 address: " + options.host);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return Status::IoError(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, 512) != 0) {
    std::string error = std::strerror(errno);
    ::close(fd);
    return Status::IoError("cannot listen on " + options.host + ":" + std::to_string(options.port) +
                           ": " + error);
  }
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  server->listen_fd_ = fd;
  server->port_ = ntohs(address.sin_port);
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

PgServer::~PgServer() { Stop(); }

void PgServer::AcceptLoop() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    int ready = ::poll(&pfd, 1, 200);
    if (ready <= 0)
      continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (active_.load() >= options_.max_connections) {
      // Answer like PostgreSQL does when full, without reading the startup packet.
      std::string out;
      ErrorFields error = MakeError("FATAL", "53300", "sorry, too many clients already");
      AppendError(out, error);
      (void)::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      ::close(fd);
      continue;
    }
    active_++;
    std::thread([this, fd] { Serve(fd); }).detach();
  }
}

void PgServer::Serve(int fd) {
  {
    Connection connection(std::make_unique<Transport>(fd), gateway_, cancels_, options_,
                          tls_context_.get());
    connection.Serve();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (--active_ == 0)
    idle_.notify_all();
}

void PgServer::Stop() {
  if (stopping_.exchange(true))
    return;
  if (acceptor_.joinable())
    acceptor_.join();
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
  cancels_.ShutdownAll();
  std::unique_lock<std::mutex> lock(mutex_);
  while (active_.load() > 0) {
    idle_.wait_for(lock, std::chrono::milliseconds(100));
    cancels_.ShutdownAll();
  }
}

}  // namespace tessera::ports::pgwire
