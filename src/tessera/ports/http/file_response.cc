#include "tessera/ports/http/file_response.h"

#include <array>
#include <charconv>
#include <cstdint>

#include "tessera/common/strings.h"
#include "tessera/common/time.h"

namespace tessera::ports::http {
namespace {

// "<inode>-<size>-<mtime ns>" in hex, quoted: changes whenever the file is replaced or
// rewritten.
class ETag {
 public:
  explicit ETag(const FileToServe& file) {
    char* end = text_.data() + text_.size();
    char* at = text_.data();
    *at++ = '"';
    for (uint64_t value :
         {file.inode, static_cast<uint64_t>(file.size), static_cast<uint64_t>(file.mtime_ns)}) {
      at = std::to_chars(at, end, value, 16).ptr;
      *at++ = '-';
    }
    at[-1] = '"';
    size_ = static_cast<size_t>(at - text_.data());
  }
  std::string_view view() const { return {text_.data(), size_}; }

 private:
  std::array<char, 64> text_{};
  size_t size_ = 0;
};

bool ETagListMatches(std::string_view header, std::string_view etag) {
  for (const std::string& part : Split(header, ',')) {
    std::string_view candidate = Trim(part);
    if (candidate == "*" || candidate == etag)
      return true;
    // Weak comparison (RFC 9110 13.1.2) for If-None-Match.
    if (StartsWith(candidate, "W/") && candidate.substr(2) == etag)
      return true;
  }
  return false;
}

}  // namespace

std::optional<std::pair<int64_t, int64_t>> ParseByteRange(std::string_view header, int64_t size) {
  header = Trim(header);
  if (!StartsWith(header, "bytes="))
    return std::nullopt;
  std::string_view spec = Trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos)
    return std::nullopt;
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos)
    return std::nullopt;
  std::string_view first_text = Trim(spec.substr(0, dash));
  std::string_view last_text = Trim(spec.substr(dash + 1));
  constexpr std::pair<int64_t, int64_t> kUnsatisfiable{-1, -1};
  if (first_text.empty()) {
    // Suffix range: the last N bytes.
    auto suffix = ParseInt64(last_text);
    if (!suffix.ok() || *suffix < 0)
      return std::nullopt;
    if (*suffix == 0 || size == 0)
      return kUnsatisfiable;
    return std::make_pair(size - std::min(*suffix, size), size - 1);
  }
  auto first = ParseInt64(first_text);
  if (!first.ok() || *first < 0)
    return std::nullopt;
  int64_t last = size - 1;
  if (!last_text.empty()) {
    auto parsed = ParseInt64(last_text);
    if (!parsed.ok() || *parsed < *first)
      return std::nullopt;
    last = std::min(*parsed, size - 1);
  }
  if (*first >= size)
    return kUnsatisfiable;
  return std::make_pair(*first, last);
}

Result<int64_t> ServeFile(const Request& request, ResponseWriter& writer, const FileToServe& file,
                          std::string_view content_type) {
  ETag tag(file);
  std::string_view etag = tag.view();
  writer.SetHeader("Accept-Ranges", "bytes");
  writer.SetHeader("ETag", etag);
  std::array<char, kHttpDateLength> modified{};
  FormatHttpDate(file.mtime_ns / 1'000'000'000, modified.data());
  writer.SetHeader("Last-Modified", std::string_view(modified.data(), modified.size()));
  writer.SetHeader("Cache-Control", "private, max-age=3600");
  if (auto none_match = request.Header("If-None-Match");
      none_match && ETagListMatches(*none_match, etag)) {
    writer.SetStatus(304);
    TESSERA_RETURN_NOT_OK(writer.Send(""));
    return 0;
  }
  bool ranged = false;
  int64_t first = 0;
  int64_t last = file.size - 1;
  if (auto header = request.Header("Range")) {
    // A range only applies to the representation the client already has part of.
    auto if_range = request.Header("If-Range");
    if (!if_range || Trim(*if_range) == etag) {
      if (auto range = ParseByteRange(*header, file.size)) {
        ranged = true;
        first = range->first;
        last = range->second;
      }
    }
  }
  writer.SetHeader("Content-Type", content_type);
  if (ranged && first < 0) {
    writer.SetStatus(416);
    writer.SetHeader("Content-Range", "bytes */" + std::to_string(file.size));
    TESSERA_RETURN_NOT_OK(writer.Send(""));
    return 0;
  }
  int64_t offset = first;
  int64_t length = last - first + 1;
  if (ranged) {
    writer.SetStatus(206);
    writer.SetHeader("Content-Range", "bytes " + std::to_string(first) + "-" +
                                          std::to_string(last) + "/" + std::to_string(file.size));
  } else {
    writer.SetStatus(200);
  }
  TESSERA_RETURN_NOT_OK(writer.SendFile(file.fd, offset, length));
  return request.method == "HEAD" ? 0 : length;
}

}  // namespace tessera::ports::http
