#include "tessera/common/json.h"

#include <string>

namespace tessera {

namespace {

// The parser is iterative, but copying, comparing and dumping a value recurse once per level: a
// hostile 200 KB log line nested 100,000 deep overflowed the stack. Real documents stay far below.
constexpr int kMaxJsonDepth = 1000;

// Count nesting outside strings; exact for valid JSON, and invalid JSON is rejected either way.
bool NestsDeeperThan(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

Result<Json> ParseJson(std::string_view text) {
  if (NestsDeeperThan(text, kMaxJsonDepth)) {
    return Status::Corruption("JSON nests deeper than " + std::to_string(kMaxJsonDepth) +
                              " levels");
  }
  // The no-throw form: a discarded value signals a syntax error; the callback-less parser
  // records no position, so a second pass with the SAX-free checker reports where.
  Json value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    std::string snippet(text.substr(0, 80));
    return Status::Corruption("malformed JSON: '" + snippet + (text.size() > 80 ? "...'" : "'"));
  }
  return value;
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void AppendJsonString(std::string& out, std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      out += DumpJson(Json(std::string(text)));
      return;
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t plain_from = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && c != '"' && c != '\\')
      continue;
    // Runs of plain characters are copied whole.
    out.append(text.substr(plain_from, i - plain_from));
    plain_from = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[byte >> 4];
        out += kHex[byte & 0xF];
    }
  }
  out.append(text.substr(plain_from));
  out += '"';
}

const Json* JsonFind(const Json& object, std::string_view key) {
  if (!object.is_object())
    return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return nullptr;
  return &*it;
}

namespace {
Status WrongType(std::string_view key, const char* expected) {
  return Status::Corruption("field '" + std::string(key) + "' is not " + expected);
}
}  // namespace

Result<std::optional<std::string>> JsonOptString(const Json& object, std::string_view key) {
  const Json* v = JsonFind(object, key);
  if (v == nullptr)
    return std::optional<std::string>();
  if (!v->is_string())
    return WrongType(key, "a string");
  return std::optional<std::string>(v->get_ref<const std::string&>());
}

Result<std::optional<int64_t>> JsonOptInt(const Json& object, std::string_view key) {
  const Json* v = JsonFind(object, key);
  if (v == nullptr)
    return std::optional<int64_t>();
  // nlohmann reports unsigned values as integers too: check the unsigned case first so that
  // 18446744073709551615 is an error, not -1.
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      return WrongType(key, "a 64-bit integer");
    }
    return std::optional<int64_t>(static_cast<int64_t>(u));
  }
  if (v->is_number_integer()) {
    return std::optional<int64_t>(v->get<int64_t>());
  }
  return WrongType(key, "an integer");
}

Result<std::optional<bool>> JsonOptBool(const Json& object, std::string_view key) {
  const Json* v = JsonFind(object, key);
  if (v == nullptr)
    return std::optional<bool>();
  if (!v->is_boolean())
    return WrongType(key, "a boolean");
  return std::optional<bool>(v->get<bool>());
}

Result<std::string> JsonString(const Json& object, std::string_view key) {
  TESSERA_ASSIGN_OR_RETURN(auto v, JsonOptString(object, key));
  if (!v)
    return Status::Corruption("missing field '" + std::string(key) + "'");
  return std::move(*v);
}

Result<int64_t> JsonInt(const Json& object, std::string_view key) {
  TESSERA_ASSIGN_OR_RETURN(auto v, JsonOptInt(object, key));
  if (!v)
    return Status::Corruption("missing field '" + std::string(key) + "'");
  return *v;
}

}  // namespace tessera
