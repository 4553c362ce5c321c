#include "tessera/ports/http/http_test_util.h"

#include <unistd.h>

#include <arpa/inet.h>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace tessera::ports::http::testing {

namespace beast = boost::beast;

TestClient::TestClient(int port, std::chrono::milliseconds timeout) : timeout_(timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ADD_FAILURE() << "cannot connect to port " << port;
    if (fd >= 0)
      ::close(fd);
    return;
  }
  stream_ = std::make_unique<internal::SocketStream>(fd, -1, -1, timeout);
}

bool TestClient::Send(std::string_view bytes) {
  return stream_ != nullptr && !stream_->WriteAll(bytes.data(), bytes.size());
}

ClientResponse TestClient::Read(bool head) {
  ClientResponse response;
  if (stream_ == nullptr) {
    response.error = "not connected";
    return response;
  }
  beast::flat_buffer buffer;
  if (!buffered_.empty()) {
    auto space = buffer.prepare(buffered_.size());
    std::memcpy(space.data(), buffered_.data(), buffered_.size());
    buffer.commit(buffered_.size());
    buffered_.clear();
  }
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(size_t{1} << 32);
  parser.skip(head);
  stream_->set_read_deadline(internal::Clock::now() + timeout_);
  boost::system::error_code ec;
  beast::http::read(*stream_, buffer, parser, ec);
  // Keep what arrived after this response (pipelining) for the next Read.
  buffered_.assign(static_cast<const char*>(buffer.data().data()), buffer.size());
  if (ec && !parser.is_header_done()) {
    response.error = ec.message();
    return response;
  }
  const auto& message = parser.get();
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers[name] = std::string(field.value());
  }
  response.body = message.body();
  response.chunked = message.chunked();
  response.keep_alive = message.keep_alive();
  if (ec)
    response.error = ec.message();
  return response;
}

bool TestClient::ReadUntilClosed(std::string* out) {
  if (stream_ == nullptr)
    return true;
  if (out != nullptr)
    *out += buffered_;
  buffered_.clear();
  stream_->set_read_deadline(internal::Clock::now() + timeout_);
  char scratch[64 * 1024];
  while (true) {
    boost::system::error_code ec;
    size_t n = stream_->read_some(boost::asio::buffer(scratch), ec);
    if (ec)
      return ec != boost::asio::error::timed_out;
    if (out != nullptr)
      out->append(scratch, n);
  }
}

std::string MakeRequest(std::string_view method, std::string_view target,
                        std::string_view extra_headers, std::string_view body) {
  std::string request = std::string(method) + " " + std::string(target) +
                        " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra_headers);
  if (!body.empty() || method == "POST")
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return request + "\r\n" + std::string(body);
}

}  // namespace tessera::ports::http::testing
