#include "tessera/ports/http/request.h"

#include <strings.h>

#include <cstdlib>

#include "tessera/common/strings.h"

namespace tessera::ports::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Decode into `out`, replacing what it held.
Status DecodeComponent(std::string_view text, bool plus_is_space, std::string& out) {
  std::string spaced;
  if (plus_is_space && text.find('+') != std::string_view::npos) {
    spaced.assign(text);
    for (char& c : spaced) {
      if (c == '+')
        c = ' ';
    }
    text = spaced;
  }
  out.clear();
  TESSERA_RETURN_NOT_OK(PercentDecodeAppend(text, out));
  if (out.find('\0') != std::string::npos)
    return Status::InvalidArgument("NUL byte in request target");
  return Status::OK();
}

}  // namespace

void Headers::Add(std::string_view name, std::string_view value) {
  if (used_ == fields_.size())
    fields_.emplace_back();
  fields_[used_].first.assign(name);
  fields_[used_].second.assign(value);
  ++used_;
}

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [field, value] : fields()) {
    if (EqualsIgnoreCase(field, name))
      return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<std::string_view> Request::QueryParam(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name)
      return std::string_view(value);
  }
  return std::nullopt;
}

Result<Target> ParseTarget(std::string_view target) {
  Target out;
  TESSERA_RETURN_NOT_OK(ParseTarget(target, out.path, out.query));
  return out;
}

Status ParseTarget(std::string_view target, std::string& path,
                   std::vector<std::pair<std::string, std::string>>& query) {
  if (StartsWith(target, "http://") || StartsWith(target, "https://")) {
    size_t authority = target.find("//") + 2;
    size_t slash = target.find_first_of("/?", authority);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    if (!target.empty() && target[0] == '?')
      return Status::InvalidArgument("request target without a path");
  }
  if (target.empty() || target[0] != '/')
    return Status::InvalidArgument("request target must start with '/'");
  // A fragment is never sent by clients; treat '#' as the end of the target if one is.
  target = target.substr(0, target.find('#'));
  size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  TESSERA_RETURN_NOT_OK(DecodeComponent(raw_path, false, path));
  // Dot segments are checked after decoding so that %2e%2e is caught as well.
  for (size_t start = 0; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos)
      end = path.size();
    std::string_view segment = std::string_view(path).substr(start, end - start);
    if (segment == "." || segment == "..")
      return Status::InvalidArgument("dot segment in request path");
    start = end + 1;
  }
  // Parameters are decoded into the entries already there, keeping their storage.
  size_t count = 0;
  if (question != std::string_view::npos) {
    std::string_view rest = target.substr(question + 1);
    while (!rest.empty()) {
      size_t amp = rest.find('&');
      std::string_view piece = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      if (piece.empty())
        continue;
      size_t equals = piece.find('=');
      if (count == query.size())
        query.emplace_back();
      auto& [key, value] = query[count++];
      TESSERA_RETURN_NOT_OK(DecodeComponent(piece.substr(0, equals), true, key));
      std::string_view raw_value =
          equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1);
      TESSERA_RETURN_NOT_OK(DecodeComponent(raw_value, true, value));
    }
  }
  query.resize(count);
  return Status::OK();
}

bool AcceptsEncoding(std::string_view accept_encoding, std::string_view coding) {
  bool star = false;
  for (const std::string& item : Split(accept_encoding, ',')) {
    std::string_view part = item;
    size_t semicolon = part.find(';');
    std::string_view name = Trim(part.substr(0, semicolon));
    double quality = 1.0;
    if (semicolon != std::string_view::npos) {
      for (const std::string& param : Split(part.substr(semicolon + 1), ';')) {
        std::string_view text = Trim(param);
        if (text.size() >= 2 && (text[0] == 'q' || text[0] == 'Q') && text[1] == '=') {
          std::string value(Trim(text.substr(2)));
          char* end = nullptr;
          quality = std::strtod(value.c_str(), &end);
          if (end == value.c_str())
            quality = 0;  // an unreadable weight does not count as consent
        }
      }
    }
    if (EqualsIgnoreCase(name, coding))
      return quality > 0;
    if (name == "*")
      star = quality > 0;
  }
  return star;
}

}  // namespace tessera::ports::http
