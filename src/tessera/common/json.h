#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tessera/common/result.h"

namespace tessera {

/// The one JSON library of the project. Use the helpers below: they never throw.
using Json = nlohmann::json;

/// Parse a JSON document. Return kCorruption with the parser's position on malformed input.
Result<Json> ParseJson(std::string_view text);

/// Serialize compactly; invalid UTF-8 in strings is replaced, never thrown on.
std::string DumpJson(const Json& value);

/// Append `text` as a JSON string literal, byte-identical to DumpJson(Json(text)) (non-ASCII
/// text goes through the JSON library, which replaces invalid UTF-8), for writers that build
/// JSON text directly on hot paths.
void AppendJsonString(std::string& out, std::string_view text);

/// Typed, non-throwing field access on a JSON object. A missing key or a JSON null gives
/// std::nullopt; a present value of the wrong type gives kCorruption naming the field.
Result<std::optional<std::string>> JsonOptString(const Json& object, std::string_view key);
Result<std::optional<int64_t>> JsonOptInt(const Json& object, std::string_view key);
Result<std::optional<bool>> JsonOptBool(const Json& object, std::string_view key);
/// Return the member if the object has it and it is not null, else nullptr.
const Json* JsonFind(const Json& object, std::string_view key);

/// Required variants: a missing key or null is kCorruption too.
Result<std::string> JsonString(const Json& object, std::string_view key);
Result<int64_t> JsonInt(const Json& object, std::string_view key);

}  // namespace tessera
