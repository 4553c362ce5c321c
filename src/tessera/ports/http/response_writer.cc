#include "tessera/ports/http/response_writer.h"

#include <strings.h>

#include <algorithm>
#include <array>
#include <charconv>

#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>

#include "tessera/ports/http/socket_stream.h"
#include "tessera/ports/http/status_mapping.h"

namespace tessera::ports::http {
namespace {

namespace asio = boost::asio;

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsFramingHeader(std::string_view name) {
  for (std::string_view owned : {"content-length", "transfer-encoding", "connection"}) {
    if (name.size() == owned.size() && ::strncasecmp(name.data(), owned.data(), name.size()) == 0)
      return true;
  }
  return false;
}

}  // namespace

ResponseWriter::ResponseWriter(internal::SocketStream& stream, CancelWatcher& watcher, int version,
                               bool keep_alive, bool head, const std::atomic<bool>* stopping)
    : stream_(stream),
      watcher_(watcher),
      version_(version),
      keep_alive_(keep_alive),
      head_(head),
      stopping_(stopping) {
  // A file answer's headers fit: one allocation per response.
  head_text_.reserve(kHeadReserve);
}

void ResponseWriter::SetStatus(int status) {
  if (!started_ && status >= 100 && status <= 999)
    status_ = status;
}

void ResponseWriter::SetHeader(std::string_view name, std::string_view value) {
  if (started_ || name.empty() || IsFramingHeader(name))
    return;
  for (char c : name) {
    if (!IsTokenChar(c))
      return;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0')
      return;
  }
  // The fields are kept as the lines they are sent as; a name set again keeps its place.
  for (size_t line = 0; line < head_text_.size();) {
    size_t end = head_text_.find("\r\n", line);
    if (end - line >= name.size() + 2 && head_text_.compare(line + name.size(), 2, ": ") == 0 &&
        ::strncasecmp(head_text_.data() + line, name.data(), name.size()) == 0) {
      size_t value_at = line + name.size() + 2;
      head_text_.replace(value_at, end - value_at, value);
      return;
    }
    line = end + 2;
  }
  head_text_ += name;
  head_text_ += ": ";
  head_text_ += value;
  head_text_ += "\r\n";
}

Status ResponseWriter::Fail(const char* what, int error_value, bool cancelled) {
  aborted_ = true;
  if (cancelled) {
    error_ = Status::Cancelled("the server cut the connection while stopping");
  } else if (error_value == asio::error::timed_out) {
    error_ = Status::IoError(std::string(what) + ": the client stopped reading");
  } else {
    error_ = Status::IoError(std::string(what) + ": the client went away");
  }
  return error_;
}

Status ResponseWriter::StartHeaders(std::optional<size_t> content_length, bool body_follows) {
  if (started_)
    return Status::InvalidArgument("the response already started");
  started_ = true;
  if (stopping_ != nullptr && stopping_->load())
    keep_alive_ = false;
  // An HTTP/1.0 client cannot read chunks: its stream ends when the connection closes.
  chunked_ = !content_length && version_ >= 11;
  if (!content_length && !chunked_)
    keep_alive_ = false;
  std::array<char, 64> status_line{};
  char* at = status_line.data();
  at = std::copy_n("HTTP/1.1 ", 9, at);
  at = std::to_chars(at, at + 3, status_).ptr;
  *at++ = ' ';
  auto reason = boost::beast::http::obsolete_reason(
      boost::beast::http::int_to_status(static_cast<unsigned>(status_)));
  at = std::copy_n(reason.data(), std::min<size_t>(reason.size(), 48), at);
  at = std::copy_n("\r\n", 2, at);
  std::string head = std::move(head_text_);
  head.insert(0, status_line.data(), static_cast<size_t>(at - status_line.data()));
  if (content_length) {
    std::array<char, 24> digits{};
    char* end = std::to_chars(digits.data(), digits.data() + digits.size(), *content_length).ptr;
    head += "Content-Length: ";
    head.append(digits.data(), end);
    head += "\r\n";
  } else if (chunked_) {
    head += "Transfer-Encoding: chunked\r\n";
  }
  head += keep_alive_ ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!content_length && !head_) {
    // Sent with the first chunk, saving a packet.
    pending_head_ = std::move(head);
    return Status::OK();
  }
  boost::system::error_code ec = stream_.WriteAll(head.data(), head.size(), body_follows);
  if (ec)
    return Fail("writing the response headers", ec.value(), ec == asio::error::operation_aborted);
  return Status::OK();
}

Status ResponseWriter::Send(std::string_view body) {
  if (started_)
    return Status::InvalidArgument("the response already started");
  TESSERA_RETURN_NOT_OK(StartHeaders(body.size()));
  finished_ = true;
  if (head_ || body.empty())
    return Status::OK();
  boost::system::error_code ec = stream_.WriteAll(body.data(), body.size());
  if (ec)
    return Fail("writing the response body", ec.value(), ec == asio::error::operation_aborted);
  return Status::OK();
}

Status ResponseWriter::SendFile(int fd, int64_t offset, int64_t length) {
  if (started_)
    return Status::InvalidArgument("the response already started");
  TESSERA_RETURN_NOT_OK(StartHeaders(static_cast<size_t>(length), !head_ && length > 0));
  finished_ = true;
  if (head_ || length == 0)
    return Status::OK();
  boost::system::error_code ec = stream_.SendFile(fd, offset, length);
  if (ec)
    return Fail("sending a file", ec.value(), ec == asio::error::operation_aborted);
  return Status::OK();
}

Status ResponseWriter::Send(int status, std::string_view content_type, std::string_view body) {
  SetStatus(status);
  SetHeader("Content-Type", content_type);
  return Send(body);
}

Status ResponseWriter::SendError(const Status& error) {
  return SendError(HttpStatusFor(error.code()), StatusCodeName(error.code()), error.message());
}

Status ResponseWriter::SendError(int status, std::string_view code, std::string_view message) {
  return Send(status, "application/json", ErrorBody(code, message) + "\n");
}

Status ResponseWriter::WriteChunk(std::string_view data) {
  if (!error_.ok())
    return error_;
  bool framed = chunked_ && !data.empty();
  std::array<char, 24> size_line{};
  size_t size_length = 0;
  if (framed) {
    char* end = std::to_chars(size_line.data(), size_line.data() + 16, data.size(), 16).ptr;
    *end++ = '\r';
    *end++ = '\n';
    size_length = static_cast<size_t>(end - size_line.data());
  }
  // Headers held back by StartHeaders go out in the same write as the first chunk.
  std::array<asio::const_buffer, 4> buffers = {
      asio::buffer(pending_head_), asio::buffer(size_line.data(), size_length),
      asio::buffer(data.data(), data.size()), asio::buffer("\r\n", framed ? 2 : 0)};
  boost::system::error_code ec;
  asio::write(stream_, buffers, ec);
  pending_head_.clear();
  if (ec)
    return Fail("writing the response body", ec.value(), ec == asio::error::operation_aborted);
  return Status::OK();
}

Status ResponseWriter::Write(std::string_view data) {
  if (finished_ || aborted_)
    return error_.ok() ? Status::InvalidArgument("the response already ended") : error_;
  if (!started_)
    TESSERA_RETURN_NOT_OK(StartHeaders(std::nullopt));
  if (head_)
    return Status::OK();
  if (buffer_.size() + data.size() < kChunkBytes) {
    buffer_.append(data);
    return Status::OK();
  }
  TESSERA_RETURN_NOT_OK(Flush());
  if (data.size() >= kChunkBytes)
    return WriteChunk(data);
  buffer_.append(data);
  return Status::OK();
}

Status ResponseWriter::Flush() {
  if (!error_.ok())
    return error_;
  if (!started_ || head_ || (buffer_.empty() && pending_head_.empty()))
    return Status::OK();
  Status status = WriteChunk(buffer_);
  buffer_.clear();
  return status;
}

Status ResponseWriter::Finish() {
  if (finished_)
    return Status::OK();
  if (aborted_)
    return error_.ok() ? Status::InvalidArgument("the response was aborted") : error_;
  if (!started_)
    return Send("");
  TESSERA_RETURN_NOT_OK(Flush());
  finished_ = true;
  if (chunked_ && !head_) {
    static constexpr std::string_view kLastChunk = "0\r\n\r\n";
    boost::system::error_code ec = stream_.WriteAll(kLastChunk.data(), kLastChunk.size());
    if (ec)
      return Fail("writing the last chunk", ec.value(), ec == asio::error::operation_aborted);
  }
  return Status::OK();
}

void ResponseWriter::Abort() {
  aborted_ = true;
  keep_alive_ = false;
}

CancelWatch ResponseWriter::WatchCancel(
    std::function<void(CancelReason)> callback,
    std::optional<std::chrono::steady_clock::time_point> deadline) {
  return watcher_.Watch(stream_.fd(), std::move(callback), deadline);
}

}  // namespace tessera::ports::http
