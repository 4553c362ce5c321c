#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tessera/common/result.h"

namespace tessera::products {

/// A semantic version (semver.org), MAJOR.MINOR.PATCH with an optional pre-release tag. Build
/// metadata is not accepted (it would make two versions equal that print differently).
struct Semver {
  int64_t major = 0;
  int64_t minor = 0;
  int64_t patch = 0;
  std::string prerelease;

  std::string ToString() const;
  /// semver.org §11 precedence: numbers first; a pre-release sorts before its release.
  int Compare(const Semver& other) const;
  bool operator==(const Semver& other) const { return Compare(other) == 0; }
  bool operator<(const Semver& other) const { return Compare(other) < 0; }
};

/// Parse "1.2.3" or "1.2.3-rc.1". kInvalidArgument otherwise.
Result<Semver> ParseSemver(std::string_view text);

}  // namespace tessera::products
