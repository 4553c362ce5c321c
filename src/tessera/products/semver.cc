#include "tessera/products/semver.h"

#include <algorithm>
#include <vector>

#include "tessera/common/strings.h"

namespace tessera::products {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A numeric part: digits, no leading zero (semver.org §2), small enough for int64.
bool ParseNumber(std::string_view s, int64_t* out) {
  if (!AllDigits(s) || s.size() > 15 || (s.size() > 1 && s[0] == '0'))
    return false;
  *out = 0;
  for (char c : s)
    *out = *out * 10 + (c - '0');
  return true;
}

// §11.4: identifiers compare numerically when both are numbers, numbers sort first, else ASCII.
int CompareIdentifier(const std::string& a, const std::string& b) {
  bool an = AllDigits(a);
  bool bn = AllDigits(b);
  if (an && bn) {
    if (a.size() != b.size())
      return a.size() < b.size() ? -1 : 1;
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  }
  if (an != bn)
    return an ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

}  // namespace

std::string Semver::ToString() const {
  std::string out =
      std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  if (!prerelease.empty())
    out += "-" + prerelease;
  return out;
}

int Semver::Compare(const Semver& other) const {
  for (auto [a, b] : {std::pair{major, other.major}, std::pair{minor, other.minor},
                      std::pair{patch, other.patch}}) {
    if (a != b)
      return a < b ? -1 : 1;
  }
  if (prerelease == other.prerelease)
    return 0;
  if (prerelease.empty() || other.prerelease.empty())
    return prerelease.empty() ? 1 : -1;
  std::vector<std::string> mine = Split(prerelease, '.');
  std::vector<std::string> theirs = Split(other.prerelease, '.');
  for (size_t i = 0; i < mine.size() && i < theirs.size(); ++i) {
    if (int c = CompareIdentifier(mine[i], theirs[i]); c != 0)
      return c;
  }
  if (mine.size() == theirs.size())
    return 0;
  return mine.size() < theirs.size() ? -1 : 1;
}

Result<Semver> ParseSemver(std::string_view text) {
  auto invalid = [&] {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)");
  };
  std::string_view core = text;
  Semver version;
  if (size_t dash = text.find('-'); dash != std::string_view::npos) {
    core = text.substr(0, dash);
    version.prerelease = std::string(text.substr(dash + 1));
    for (const std::string& id : Split(version.prerelease, '.')) {
      bool ok = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c == '-';
      });
      if (!ok || (AllDigits(id) && id.size() > 1 && id[0] == '0'))
        return invalid();
    }
  }
  std::vector<std::string> parts = Split(core, '.');
  if (parts.size() != 3 || !ParseNumber(parts[0], &version.major) ||
      !ParseNumber(parts[1], &version.minor) || !ParseNumber(parts[2], &version.patch)) {
    return invalid();
  }
  return version;
}

}  // namespace tessera::products
