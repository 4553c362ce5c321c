#include "tessera/ports/http/server.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

#include <arpa/inet.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "tessera/common/json.h"
#include "tessera/common/logging.h"
#include "tessera/common/strings.h"
#include "tessera/ports/http/socket_stream.h"
#include "tessera/ports/http/status_mapping.h"

namespace tessera::ports::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using internal::Clock;
using internal::SocketStream;
using internal::WaitResult;

std::string_view View(beast::string_view text) { return {text.data(), text.size()}; }

std::string ErrnoText(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

void Signal(int eventfd) {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(eventfd, &one, sizeof one);
}

std::string PeerAddress(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  return "unknown";
}

// Close after an error answer without losing it: closing a socket with unread input makes the
// kernel send RST, which can destroy the answer before the client reads it. So send FIN first
// and read (and drop) what the client still sends, for a short while.
void LingeringClose(SocketStream& stream) {
  stream.ShutdownWrite();
  Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(500);
  stream.set_read_deadline(deadline);
  char scratch[16 * 1024];
  size_t drained = 0;
  while (drained < size_t{1} << 20) {
    boost::system::error_code ec;
    size_t n = stream.read_some(asio::buffer(scratch), ec);
    if (ec)
      return;
    drained += n;
  }
}

constexpr uint64_t kStoppingEvent = 0;  // connection ids start at 1
// Edge-triggered, so parking a drained connection costs no system call.
constexpr uint32_t kConnectionEvents = EPOLLIN | EPOLLRDHUP | EPOLLET;
constexpr int64_t kAcceptWakeMs = 1000;
constexpr int64_t kWorkerRestMs = 10'000;  // an extra worker idle this long exits
// A worker serving one connection for longer than this is replaced in the waiting pool.
constexpr std::chrono::milliseconds kStuckAfter{5};

}  // namespace

/// One client connection. A worker serves it while it has input; between requests it is
/// parked in the server's epoll set.
class Connection {
 public:
  Connection(HttpServer& server, int fd, std::string peer)
      : server_(server),
        options_(server.options_),
        stream_(fd, server.cut_fd_, server.stopping_fd_, server.options_.write_timeout),
        peer_(std::move(peer)) {}

  int fd() const { return stream_.fd(); }

  /// Serve the requests that have arrived (blocking within the request deadlines). Return true
  /// to park the connection until more input arrives, false when it is done.
  bool ServeReady() {
    try {
      if (server_.tls_context_ && !stream_.tls()) {
        Status handshake =
            stream_.StartTls(server_.tls_context_.get(), Clock::now() + options_.header_timeout);
        if (!handshake.ok()) {
          Log(LogLevel::kDebug, "http: " + peer_ + ": " + handshake.message());
          return false;
        }
        if (!stream_.HasDecryptedInput())
          return true;
      }
      return ServeRequests();
    } catch (const std::exception& e) {
      Log(LogLevel::kError, std::string("http: connection from ") + peer_ + " failed: " + e.what());
    } catch (...) {
      Log(LogLevel::kError, "http: connection from " + peer_ + " failed");
    }
    return false;
  }

  /// Whether the last read found the socket empty (see SocketStream::drained).
  bool drained() const { return stream_.drained(); }

  // Guarded by the server's mutex.
  bool parked = true;
  bool missed_event = false;  // input was signalled while a worker served the connection
  Clock::time_point idle_deadline;

 private:
  // Answer an error that ends the connection (the request was not fully read).
  void RejectRequest(int status, std::string_view code, std::string_view message) {
    ResponseWriter writer(stream_, *server_.watcher_, 11, false, false, nullptr);
    if (SendTransportError(writer, status, code, message).ok())
      LingeringClose(stream_);
  }

  // An error found before any handler ran, in the shape the path's clients read: Delta Sharing
  // clients expect {"errorCode", "message"} on every answer of the protocol.
  Status SendTransportError(ResponseWriter& writer, int status, std::string_view code,
                            std::string_view message) {
    if (!SpeaksDeltaSharing(target_))
      return writer.SendError(status, code, message);
    return writer.Send(
        status, "application/json; charset=utf-8",
        DumpJson(Json{{"errorCode", "MALFORMED_REQUEST"}, {"message", std::string(message)}}) +
            "\n");
  }

  static bool SpeaksDeltaSharing(std::string_view target) {
    return StartsWith(target, "/delta-sharing/") || StartsWith(target, "/files/");
  }

  bool ServeRequests() {
    while (true) {
      if (server_.stopping_)
        return false;
      beast::http::request_parser<beast::http::string_body> parser;
      parser.header_limit(
          static_cast<uint32_t>(options_.max_header_bytes + options_.max_url_bytes));
      parser.body_limit(options_.max_body_bytes);
      stream_.set_read_deadline(Clock::now() + options_.header_timeout);
      boost::system::error_code ec;
      beast::http::read_header(stream_, buffer_, parser, ec);
      // The target (once its line is parsed) decides the shape of error answers.
      target_.assign(View(parser.get().target().substr(0, 64)));
      if (ec) {
        HandleReadError(ec, true);
        return false;
      }
      const auto& header = parser.get();
      if (header.target().size() > options_.max_url_bytes) {
        RejectRequest(414, "UriTooLong",
                      "the request target is longer than " +
                          std::to_string(options_.max_url_bytes) + " bytes");
        return false;
      }
      size_t header_bytes = header.method_string().size() + 16;
      for (const auto& field : header)
        header_bytes += field.name_string().size() + field.value().size() + 4;
      if (header_bytes > options_.max_header_bytes) {
        RejectRequest(431, "HeaderTooLarge",
                      "the request header is larger than " +
                          std::to_string(options_.max_header_bytes) + " bytes");
        return false;
      }
      if (!parser.is_done()) {
        auto expect = header[beast::http::field::expect];
        if (header.version() >= 11 && beast::iequals(expect, "100-continue")) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          if (stream_.WriteAll(kContinue.data(), kContinue.size()))
            return false;
        }
        stream_.set_read_deadline(Clock::now() + options_.body_timeout);
        beast::http::read(stream_, buffer_, parser, ec);
        if (ec) {
          HandleReadError(ec, false);
          return false;
        }
      }
      if (!ServeOne(parser.release()))
        return false;
      // Pipelined requests already read are served now; otherwise wait in the epoll set.
      if (buffer_.size() == 0 && !stream_.HasDecryptedInput())
        return true;
    }
  }

  void HandleReadError(const boost::system::error_code& ec, bool in_header) {
    using error = beast::http::error;
    if (ec == error::end_of_stream || ec == asio::error::eof || ec == error::partial_message ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset)
      return;
    if (ec == asio::error::timed_out) {
      RejectRequest(408, "RequestTimeout",
                    in_header ? "the request header did not arrive in time"
                              : "the request body did not arrive in time");
    } else if (ec == error::header_limit) {
      RejectRequest(431, "HeaderTooLarge", "the request header is too large");
    } else if (ec == error::body_limit) {
      RejectRequest(
          413, "PayloadTooLarge",
          "the request body is larger than " + std::to_string(options_.max_body_bytes) + " bytes");
    } else if (ec.category() == beast::http::make_error_code(error::bad_target).category()) {
      RejectRequest(400, "BadRequest", "malformed request: " + ec.message());
    } else {
      Log(LogLevel::kDebug, "http: reading from " + peer_ + ": " + ec.message());
    }
  }

  // Serve one complete request; return whether the connection stays open.
  bool ServeOne(beast::http::request<beast::http::string_body> message) {
    // request_ is filled anew for each request; its strings keep their storage, so a
    // request like the last one allocates nothing.
    Request& request = request_;
    request.method.assign(View(message.method_string()));
    request.target.assign(View(message.target()));
    request.version = static_cast<int>(message.version());
    request.peer.assign(peer_);
    request.headers.Clear();
    bool keep_alive = message.keep_alive() && !server_.stopping_;
    ResponseWriter writer(stream_, *server_.watcher_, request.version, keep_alive,
                          request.method == "HEAD", &server_.stopping_);
    Status target = ParseTarget(request.target, request.path, request.query);
    if (!target.ok()) {
      writer.CloseAfterResponse();
      (void)SendTransportError(writer, 400, "BadRequest", target.message());
      return false;
    }
    for (const auto& field : message)
      request.headers.Add(View(field.name_string()), View(field.value()));
    request.body = std::move(message.body());
    try {
      server_.router_.Dispatch(request, writer);
    } catch (const std::exception& e) {
      Log(LogLevel::kError,
          "http: " + request.method + " " + request.path + " threw: " + std::string(e.what()));
      if (!writer.started()) {
        (void)writer.SendError(500, "Internal", "internal error");
      } else {
        writer.Abort();
      }
    }
    // A body is not kept for the connection's lifetime.
    std::string().swap(request.body);
    return writer.keep_alive() && writer.finished();
  }

  HttpServer& server_;
  const HttpOptions& options_;
  SocketStream stream_;
  std::string peer_;
  beast::flat_buffer buffer_;  // read but not yet parsed (pipelined requests)
  std::string target_;         // the current request's target (its start), for error answers
  Request request_;            // the request being served (reused, see ServeOne)
};

HttpServer::HttpServer(const HttpOptions& options, Router router)
    : options_(options), router_(std::move(router)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpOptions& options, Router router) {
  if (options.port < 0 || options.port > 65535)
    return Status::InvalidArgument("HTTP port out of range: " + std::to_string(options.port));
  asio::io_context io;
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                    asio::ip::tcp::resolver::passive, ec);
  if (ec || endpoints.empty())
    return Status::InvalidArgument("cannot resolve HTTP host '" + options.host +
                                   "': " + ec.message());
  asio::ip::tcp::endpoint endpoint = endpoints.begin()->endpoint();
  asio::ip::tcp::acceptor acceptor(io);
  std::string where = options.host + ":" + std::to_string(options.port);
  if (acceptor.open(endpoint.protocol(), ec))
    return Status::IoError("HTTP socket for " + where + ": " + ec.message());
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec) ||
      acceptor.bind(endpoint, ec) || acceptor.listen(asio::socket_base::max_listen_connections, ec))
    return Status::IoError("HTTP listen on " + where + ": " + ec.message());
  int port = acceptor.local_endpoint(ec).port();
  if (ec)
    return Status::IoError("HTTP listen on " + where + ": " + ec.message());

  // sendfile(2) and OpenSSL's writes have no MSG_NOSIGNAL: a client that hangs up mid-body
  // would raise SIGPIPE and kill the process. The write then fails with EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);
  if (options.tls_cert_file.empty() != options.tls_key_file.empty())
    return Status::InvalidArgument("HTTPS needs both a certificate and a key file");
  TlsContext tls;
  if (!options.tls_cert_file.empty()) {
    TESSERA_ASSIGN_OR_RETURN(tls,
                             MakeServerTlsContext(options.tls_cert_file, options.tls_key_file));
  }
  std::unique_ptr<HttpServer> server(new HttpServer(options, std::move(router)));
  server->tls_context_ = std::move(tls);
  server->port_ = port;
  TESSERA_ASSIGN_OR_RETURN(server->watcher_, CancelWatcher::Start());
  server->stopping_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  server->cut_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (server->stopping_fd_ < 0 || server->cut_fd_ < 0)
    return Status::IoError(ErrnoText("eventfd"));
  server->epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (server->epoll_fd_ < 0)
    return Status::IoError(ErrnoText("epoll_create1"));
  // Level-triggered and never re-armed: once stopping, every waiting worker wakes and exits.
  epoll_event stopping{};
  stopping.events = EPOLLIN;
  stopping.data.u64 = kStoppingEvent;
  if (::epoll_ctl(server->epoll_fd_, EPOLL_CTL_ADD, server->stopping_fd_, &stopping) != 0)
    return Status::IoError(ErrnoText("epoll_ctl"));
  // Two waiting workers per core: a worker blocks in the kernel (opening a file, the audit
  // write, sendfile) and is preempted by clients on the same machine, and a ready connection
  // should not wait for it. On 2 cores, 4 workers served 4 KB downloads 1.06x nginx's rate,
  // 2 workers 0.85x (8 alternating wrk rounds, bench/RESULTS.md).
  server->resting_workers_ =
      std::max<int64_t>(4, 2 * static_cast<int64_t>(std::thread::hardware_concurrency()));
  server->KeepWorkersAvailable();
  // From here on the raw descriptor is ours: accept4 with poll lets Stop wake the acceptor.
  server->listen_fd_ = acceptor.release(ec);
  if (ec)
    return Status::IoError("HTTP listen on " + where + ": " + ec.message());
  server->accept_thread_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

HttpServer::~HttpServer() {
  Stop();
  if (listen_fd_ >= 0)
    ::close(listen_fd_);
  if (stopping_fd_ >= 0)
    ::close(stopping_fd_);
  if (cut_fd_ >= 0)
    ::close(cut_fd_);
  if (epoll_fd_ >= 0)
    ::close(epoll_fd_);
}

int64_t HttpServer::active_connections() const {
  std::lock_guard lock(mutex_);
  return static_cast<int64_t>(connections_.size());
}

void HttpServer::AcceptLoop() {
  // This loop also replaces stuck workers (so it wakes every few milliseconds) and closes idle
  // connections (often enough to honour the idle timeout).
  auto sweep_every = std::chrono::milliseconds(
      std::clamp<int64_t>(options_.idle_timeout.count() / 4, 10, kAcceptWakeMs));
  Clock::time_point next_sweep = Clock::now() + sweep_every;
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stopping_fd_, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(kStuckAfter.count()));
    KeepWorkersAvailable();
    if (Clock::now() >= next_sweep) {
      ReapFinishedWorkers();
      CloseIdleConnections(false);
      next_sweep = Clock::now() + sweep_every;
    }
    if (n < 0 && errno != EINTR) {
      Log(LogLevel::kError, ErrnoText("http: poll"));
      return;
    }
    if (fds[1].revents != 0)
      return;
    if (n <= 0 || fds[0].revents == 0)
      continue;
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length,
                       SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: back off instead of spinning on the pending connection.
        Log(LogLevel::kWarn, ErrnoText("http: accept"));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Admit(fd, PeerAddress(address));
  }
}

void HttpServer::Admit(int fd, std::string peer) {
  std::unique_lock lock(mutex_);
  if (static_cast<int64_t>(connections_.size()) >= options_.max_connections) {
    lock.unlock();
    Reject(fd);
    return;
  }
  auto connection = std::make_shared<Connection>(*this, fd, std::move(peer));
  connection->idle_deadline = Clock::now() + options_.idle_timeout;
  int64_t id = next_connection_id_++;
  epoll_event event{};
  event.events = kConnectionEvents;
  event.data.u64 = static_cast<uint64_t>(id);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    Log(LogLevel::kWarn, ErrnoText("http: epoll_ctl"));
    return;  // the connection closes its descriptor
  }
  connections_.emplace(id, std::move(connection));
}

void HttpServer::StartWorker() {
  int64_t id = next_worker_id_++;
  ++live_workers_;
  workers_[id].thread = std::thread([this, id] { WorkerLoop(id); });
}

int64_t HttpServer::AvailableWorkers(Clock::time_point now) const {
  int64_t available = 0;
  for (const auto& [id, worker] : workers_) {
    if (!worker.finished &&
        (worker.busy_since == Clock::time_point::max() || now - worker.busy_since < kStuckAfter))
      ++available;
  }
  return available;
}

void HttpServer::KeepWorkersAvailable() {
  std::lock_guard lock(mutex_);
  if (stopping_)
    return;
  int64_t missing = resting_workers_ - AvailableWorkers(Clock::now());
  for (; missing > 0 && live_workers_ < options_.max_connections + resting_workers_; --missing)
    StartWorker();
}

void HttpServer::WorkerLoop(int64_t worker_id) {
  std::unique_lock lock(mutex_);
  Worker& self = workers_[worker_id];
  while (!stopping_) {
    lock.unlock();
    epoll_event event{};
    int n = ::epoll_wait(epoll_fd_, &event, 1, static_cast<int>(kWorkerRestMs));
    lock.lock();
    if (n < 0 && errno != EINTR) {
      Log(LogLevel::kError, ErrnoText("http: epoll_wait"));
      break;
    }
    if (n == 0 && live_workers_ > resting_workers_)
      break;  // more workers than the load needs
    if (n <= 0 || stopping_ || event.data.u64 == kStoppingEvent)
      continue;
    int64_t id = static_cast<int64_t>(event.data.u64);
    auto found = connections_.find(id);
    if (found == connections_.end())
      continue;  // closed as idle while the event was on its way
    if (!found->second->parked) {
      found->second->missed_event = true;  // its worker checks again before parking it
      continue;
    }
    std::shared_ptr<Connection> connection = found->second;
    connection->parked = false;
    self.busy_since = Clock::now();
    lock.unlock();
    bool park = connection->ServeReady();
    lock.lock();
    self.busy_since = Clock::time_point::max();
    if (park && !stopping_) {
      connection->parked = true;
      connection->idle_deadline = Clock::now() + options_.idle_timeout;
      // Edge-triggered: input that arrives from now on raises an event. Input that may already
      // wait (the last read filled its buffer, TLS, or an event came while serving) needs a
      // readiness check, which re-registering does.
      if (connection->missed_event || !connection->drained()) {
        connection->missed_event = false;
        epoll_event rearm{};
        rearm.events = kConnectionEvents;
        rearm.data.u64 = event.data.u64;
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection->fd(), &rearm) != 0) {
          Log(LogLevel::kWarn, ErrnoText("http: epoll_ctl"));
          park = false;
        }
      }
    }
    if (!park || stopping_) {
      connections_.erase(id);
      if (connections_.empty())
        idle_.notify_all();
      // Closing (TLS shutdown included) happens outside the lock.
      lock.unlock();
      connection.reset();
      lock.lock();
    }
    // A replacement was started while this worker was stuck in a long request: one leaves.
    if (live_workers_ > resting_workers_ && AvailableWorkers(Clock::now()) > resting_workers_)
      break;
  }
  --live_workers_;
  self.finished = true;
}

void HttpServer::CloseIdleConnections(bool all) {
  std::vector<std::shared_ptr<Connection>> closing;
  {
    std::lock_guard lock(mutex_);
    Clock::time_point now = Clock::now();
    for (auto it = connections_.begin(); it != connections_.end();) {
      Connection& connection = *it->second;
      if (connection.parked && (all || connection.idle_deadline <= now)) {
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, connection.fd(), nullptr);
        closing.push_back(std::move(it->second));
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
    if (connections_.empty())
      idle_.notify_all();
  }
  // The descriptors close as `closing` goes out of scope, outside the lock.
}

void HttpServer::Reject(int fd) {
  static const std::string kBusy = [] {
    std::string body = ErrorBody("Unavailable", "too many connections, retry later") + "\n";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body;
  }();
  // Never block the acceptor: a client that does not read simply misses the answer.
  [[maybe_unused]] ssize_t n = ::send(fd, kBusy.data(), kBusy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  char scratch[4096];
  while (::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0) {
  }
  ::close(fd);
}

void HttpServer::ReapFinishedWorkers() {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mutex_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->second.finished) {
        done.push_back(std::move(it->second.thread));
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (std::thread& thread : done)
    thread.join();
}

void HttpServer::Stop() {
  std::lock_guard stop_lock(stop_mutex_);
  if (stopped_)
    return;
  stopped_ = true;
  stopping_ = true;
  Signal(stopping_fd_);
  if (accept_thread_.joinable())
    accept_thread_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
  CloseIdleConnections(true);
  {
    std::unique_lock lock(mutex_);
    bool idle =
        idle_.wait_for(lock, options_.stop_timeout, [this] { return connections_.empty(); });
    if (!idle) {
      Log(LogLevel::kWarn, "http: cutting " + std::to_string(connections_.size()) +
                               " connection(s) still busy after the stop timeout");
      Signal(cut_fd_);
      lock.unlock();
      watcher_->CancelAll(CancelReason::kStopping);
    }
  }
  // Workers exit once stopping_ is set and their connection is done; the map stays in place
  // until they have (each refers to its own entry).
  std::vector<std::thread*> threads;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, worker] : workers_)
      threads.push_back(&worker.thread);
  }
  for (std::thread* thread : threads)
    thread->join();
  {
    std::lock_guard lock(mutex_);
    workers_.clear();
  }
  // Workers close what they served; nothing can be left but connections nobody picked up.
  CloseIdleConnections(true);
}

}  // namespace tessera::ports::http
