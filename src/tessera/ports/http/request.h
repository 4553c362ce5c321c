#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/common/result.h"

namespace tessera::ports::http {

/// Request header fields in arrival order, looked up case-insensitively. Plain value. A
/// connection fills the same Headers request after request: Clear keeps the storage.
class Headers {
 public:
  void Add(std::string_view name, std::string_view value);
  /// Remove every field, keeping the storage for the next request's.
  void Clear() { used_ = 0; }
  /// The value of the first field named `name` (any case), or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  std::span<const std::pair<std::string, std::string>> fields() const {
    return {fields_.data(), used_};
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;  // the first used_ are current
  size_t used_ = 0;
};

/// The path and query of a request target, decoded.
struct Target {
  /// Percent-decoded path, always starting with '/'.
  std::string path;
  /// Query parameters in order, '+' and percent-escapes decoded; a name without '=' has an
  /// empty value.
  std::vector<std::pair<std::string, std::string>> query;
};

/// Decode an origin-form ("/a/b?x=1") or absolute-form ("http://h/a?x=1") request target.
/// Return kInvalidArgument for other forms, truncated or non-hex escapes, NUL bytes (raw or
/// escaped) in the path or query, and "." or ".." path segments (also when escaped), so that a
/// handler never sees a path that climbs out of its prefix.
Result<Target> ParseTarget(std::string_view target);
/// The same into `path` and `query`, reusing their storage (a connection parses request
/// after request). On error their contents are unspecified.
Status ParseTarget(std::string_view target, std::string& path,
                   std::vector<std::pair<std::string, std::string>>& query);

/// Whether an `Accept-Encoding` header value accepts `coding` (e.g. "gzip"): named, or "*",
/// with a q-value above 0 (RFC 9110 12.5.3). Names compare case-insensitively.
bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding);

/// One HTTP request as handlers see it: complete (the body is read before the handler runs).
/// Plain value.
struct Request {
  std::string method;
  /// The target as sent (still escaped).
  std::string target;
  /// Decoded path and query (see ParseTarget).
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  Headers headers;
  std::string body;
  /// The client's address, "ip:port" ("[v6]:port").
  std::string peer;
  /// 10 for HTTP/1.0, 11 for HTTP/1.1.
  int version = 11;

  /// The first query parameter named `name` (exact case), or nullopt.
  std::optional<std::string_view> QueryParam(std::string_view name) const;
  /// The first header named `name` (any case), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const { return headers.Get(name); }
};

}  // namespace tessera::ports::http
