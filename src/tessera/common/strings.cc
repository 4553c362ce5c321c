#include "tessera/common/strings.h"

#include <cctype>
#include <charconv>

namespace tessera {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

constexpr char kHexDigits[] = "0123456789ABCDEF";

void AppendEscaped(std::string& out, unsigned char c) {
  out += '%';
  out += kHexDigits[c >> 4];
  out += kHexDigits[c & 0xF];
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  TESSERA_RETURN_NOT_OK(PercentDecodeAppend(text, out));
  return out;
}

Status PercentDecodeAppend(std::string_view text, std::string& out) {
  out.reserve(out.size() + text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t percent = text.find('%', i);
    // Plain runs are copied whole: request paths and query strings are mostly plain.
    out.append(text.substr(i, percent == std::string_view::npos ? text.size() - i : percent - i));
    if (percent == std::string_view::npos)
      break;
    if (percent + 2 >= text.size()) {
      return Status::InvalidArgument("truncated percent-escape in '" + std::string(text) + "'");
    }
    int hi = HexValue(text[percent + 1]);
    int lo = HexValue(text[percent + 2]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("invalid percent-escape in '" + std::string(text) + "'");
    }
    out += static_cast<char>(hi * 16 + lo);
    i = percent + 3;
  }
  return Status::OK();
}

std::string PercentEncodePath(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (unreserved) {
      out += ch;
    } else {
      AppendEscaped(out, c);
    }
  }
  return out;
}

std::string HiveEscape(std::string_view value) {
  // Spark's ExternalCatalogUtils.escapePathName: control characters and these specials.
  static constexpr std::string_view kSpecial = "\"#%'*/:=?\\\x7f{[]^";
  std::string out;
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || kSpecial.find(ch) != std::string_view::npos) {
      AppendEscaped(out, c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"')
      out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string QuoteLiteral(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'')
      out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

Result<int64_t> ParseInt64(std::string_view text) {
  int64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (!text.empty() && text[0] == '+')
    ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Status::InvalidArgument("not an integer: '" + std::string(text) + "'");
  }
  return value;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t pos = text.find(separator, start);
    parts.emplace_back(text.substr(start, pos - start));
    if (pos == std::string_view::npos)
      break;
    start = pos + 1;
  }
  return parts;
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0)
      out += separator;
    out += parts[i];
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

std::string ToUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool ContainsNoCase(std::string_view text, std::string_view lower_needle) {
  if (lower_needle.empty())
    return true;
  for (size_t at = 0; at + lower_needle.size() <= text.size(); ++at) {
    size_t i = 0;
    while (i < lower_needle.size() &&
           std::tolower(static_cast<unsigned char>(text[at + i])) == lower_needle[i])
      ++i;
    if (i == lower_needle.size())
      return true;
  }
  return false;
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace tessera
