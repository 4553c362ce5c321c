#include "tessera/ports/http/request.h"

#include <strings.h>

#include <cstdlib>

#include "tessera/common/strings.h"

namespace tessera::ports::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::string> DecodeComponent(std::string_view text, bool plus_is_space) {
  std::string spaced;
  if (plus_is_space && text.find('+') != std::string_view::npos) {
    spaced.assign(text);
    for (char& c : spaced) {
      if (c == '+')
        c = ' ';
    }
    text = spaced;
  }
  TESSERA_ASSIGN_OR_RETURN(std::string decoded, PercentDecode(text));
  if (decoded.find('\0') != std::string::npos)
    return Status::InvalidArgument("NUL byte in request target");
  return decoded;
}

}  // namespace

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [field, value] : fields_) {
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
  Target out;
  TESSERA_ASSIGN_OR_RETURN(out.path, DecodeComponent(raw_path, false));
  // Dot segments are checked after decoding so that %2e%2e is caught as well.
  for (size_t start = 0; start <= out.path.size();) {
    size_t end = out.path.find('/', start);
    if (end == std::string::npos)
      end = out.path.size();
    std::string_view segment = std::string_view(out.path).substr(start, end - start);
    if (segment == "." || segment == "..")
      return Status::InvalidArgument("dot segment in request path");
    start = end + 1;
  }
  if (question != std::string_view::npos) {
    std::string_view rest = target.substr(question + 1);
    while (!rest.empty()) {
      size_t amp = rest.find('&');
      std::string_view piece = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      if (piece.empty())
        continue;
      size_t equals = piece.find('=');
      TESSERA_ASSIGN_OR_RETURN(std::string key, DecodeComponent(piece.substr(0, equals), true));
      std::string value;
      if (equals != std::string_view::npos) {
        TESSERA_ASSIGN_OR_RETURN(value, DecodeComponent(piece.substr(equals + 1), true));
      }
      out.query.emplace_back(std::move(key), std::move(value));
    }
  }
  return out;
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
