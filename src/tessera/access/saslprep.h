#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::access {

/// SASLprep (RFC 4013) of a UTF-8 password, with ICU's stringprep profile: spaces mapped to
/// U+0020, soft hyphens and other "commonly mapped to nothing" characters removed, NFKC
/// normalization (so "Ⅸ" and "IX" are the same password). Return nullopt when the password is
/// not valid UTF-8, holds prohibited or unassigned code points, fails the bidirectional rule, or
/// maps to nothing; PostgreSQL and libpq then use the raw bytes instead, and so must we, for
/// their proofs to match.
std::optional<std::string> SaslPrep(std::string_view password);

}  // namespace tessera::access
