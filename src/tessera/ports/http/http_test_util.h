#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "tessera/ports/http/socket_stream.h"

namespace tessera::ports::http::testing {

/// A parsed response as a test client reads it. Plain value.
struct ClientResponse {
  int status = 0;
  /// Header names in lower case.
  std::map<std::string, std::string> headers;
  std::string body;
  bool chunked = false;
  bool keep_alive = false;
  /// Empty when the response was read whole; else what went wrong (e.g. "partial message").
  std::string error;
};

/// A blocking test client on a real socket to 127.0.0.1:port, with a read deadline so that a
/// broken server fails the test instead of hanging it. Not thread-safe.
class TestClient {
 public:
  /// Connect; the test fails (via gtest ADD_FAILURE) if it cannot.
  explicit TestClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  bool connected() const { return stream_ != nullptr; }
  int fd() const { return stream_->fd(); }
  /// Send raw bytes; return false if the connection failed.
  bool Send(std::string_view bytes);
  /// Read one response (Beast's parser); `head` for the answer to a HEAD request.
  ClientResponse Read(bool head = false);
  /// Send `request` then read its response.
  ClientResponse Roundtrip(std::string_view request) {
    Send(request);
    return Read();
  }
  /// Read raw bytes until the server closes (true) or the deadline passes (false); the bytes
  /// go to `out` if given.
  bool ReadUntilClosed(std::string* out = nullptr);
  /// Close the socket now (RST if unread data remains).
  void Close() { stream_.reset(); }

 private:
  std::unique_ptr<internal::SocketStream> stream_;
  std::chrono::milliseconds timeout_;
  std::string buffered_;
};

/// "GET <target> HTTP/1.1" with a Host header and optional extra header lines (each ending
/// "\r\n") and body (sets Content-Length).
std::string MakeRequest(std::string_view method, std::string_view target,
                        std::string_view extra_headers = "", std::string_view body = "");

}  // namespace tessera::ports::http::testing
