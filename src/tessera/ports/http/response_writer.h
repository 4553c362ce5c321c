#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/common/status.h"
#include "tessera/ports/http/cancel_watcher.h"

namespace tessera::ports::http {

namespace internal {
class SocketStream;
}  // namespace internal

/// How a handler answers one request: set the status and headers, then either send a whole
/// body (Send) or stream one (Write ... Finish), chunked for HTTP/1.1 clients and delimited by
/// closing the connection for HTTP/1.0 ones. Writes block while the client does not read
/// (backpressure: nothing is buffered beyond one chunk). Handed to a handler by the server for
/// the duration of the call; used by that handler's thread only (WatchCancel's callback runs on
/// the watcher's thread).
class ResponseWriter {
 public:
  /// Bytes gathered before a chunk is written (Write with more sends it at once).
  static constexpr size_t kChunkBytes = size_t{64} * 1024;

  ResponseWriter(const ResponseWriter&) = delete;
  ResponseWriter& operator=(const ResponseWriter&) = delete;

  /// Set the HTTP status (default 200). Ignored once the response started.
  void SetStatus(int status);
  /// Set (replace) a header. Ignored once the response started, for names or values that
  /// could break the message (CR, LF, NUL, non-token names), and for the framing headers the
  /// writer owns (Content-Length, Transfer-Encoding, Connection).
  void SetHeader(std::string_view name, std::string_view value);

  /// Send `body` whole with a Content-Length. Return kInvalidArgument if the response already
  /// started, kIoError if the client went away or stalled, kCancelled if the server cut the
  /// connection while stopping.
  Status Send(std::string_view body);
  /// Send `length` bytes of the open file `fd` from `offset` as the whole body, with a
  /// Content-Length, copied by the kernel (sendfile) without passing through user space. HEAD
  /// responses send the headers only. Errors as Send.
  Status SendFile(int fd, int64_t offset, int64_t length);
  /// Set the status and Content-Type, then Send.
  Status Send(int status, std::string_view content_type, std::string_view body);
  /// Send the JSON error body for `error` (code: its StatusCodeName) with HttpStatusFor's
  /// status. Errors as Send.
  Status SendError(const Status& error);
  /// Send {"error":{"code":code,"message":message}} with `status`. Errors as Send.
  Status SendError(int status, std::string_view code, std::string_view message);

  /// Append to the streamed body, starting the response (status line and headers) at the first
  /// call. Return kIoError when the client went away or stalled longer than the server's write
  /// timeout, kCancelled when the server cut the connection: stop working then.
  Status Write(std::string_view data);
  /// Send what Write gathered now. Errors as Write.
  Status Flush();
  /// End the response: the terminating chunk of a stream, or an empty body if nothing was sent.
  /// Errors as Write.
  Status Finish();
  /// End a started stream as failed: the connection is closed without the terminating chunk,
  /// so the client sees a truncated transfer.
  void Abort();

  bool started() const { return started_; }
  bool finished() const { return finished_; }
  /// Close the connection after this response even if the client wants keep-alive.
  void CloseAfterResponse() { keep_alive_ = false; }

  /// Call `callback` (once, on another thread) when the client disconnects, when `deadline`
  /// passes, or when the server cuts in-flight requests, while the returned watch lives. Use it
  /// around blocking work that should stop then (e.g. to interrupt a query). Keep the watch
  /// inside the handler call.
  CancelWatch WatchCancel(std::function<void(CancelReason)> callback,
                          std::optional<std::chrono::steady_clock::time_point> deadline = {});

 private:
  friend class HttpServer;
  friend class Connection;
  /// `stopping` (may be null) turns keep-alive off for responses that start once it is set.
  ResponseWriter(internal::SocketStream& stream, CancelWatcher& watcher, int version,
                 bool keep_alive, bool head, const std::atomic<bool>* stopping);
  /// Whether the connection may serve another request after this response.
  bool keep_alive() const { return keep_alive_ && !aborted_ && error_.ok(); }

  Status StartHeaders(std::optional<size_t> content_length, bool body_follows = false);
  Status WriteChunk(std::string_view data);
  Status Fail(const char* what, int error_value, bool cancelled);

  internal::SocketStream& stream_;
  CancelWatcher& watcher_;
  int version_;
  bool keep_alive_;
  bool head_;
  const std::atomic<bool>* stopping_;
  int status_ = 200;
  /// The header fields set so far, as "Name: value\r\n" lines.
  std::string head_text_;
  static constexpr size_t kHeadReserve = 320;
  bool started_ = false;
  bool chunked_ = false;
  bool finished_ = false;
  bool aborted_ = false;
  std::string pending_head_;
  std::string buffer_;
  Status error_;
};

}  // namespace tessera::ports::http
