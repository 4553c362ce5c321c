#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tessera/common/result.h"

namespace tessera::cli {

/// Parsed command-line arguments: `--name value`, `--name=value`, boolean `--flag`, positionals.
/// Plain value type.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;                // the last value of each option
  std::map<std::string, std::vector<std::string>> repeated;  // every value, in order
  std::set<std::string> flags;

  bool Flag(const std::string& name) const { return flags.count(name) != 0; }
  std::optional<std::string> Option(const std::string& name) const;
  std::vector<std::string> Values(const std::string& name) const;
};

/// Parse `argv` against the options that take a value and the boolean flags a command accepts.
/// Return kInvalidArgument naming an unknown option or a missing value (a usage error: exit 2).
Result<Args> ParseArgs(const std::vector<std::string>& argv,
                       const std::set<std::string>& value_options,
                       const std::set<std::string>& flag_options);

/// Parse a duration option: "30d", "12h", "45m", "3600s" or "3600" (seconds), at most 100
/// years; "0s" only when `allow_zero`. Return kInvalidArgument naming `--<option>` otherwise.
Result<std::chrono::seconds> ParseDuration(std::string_view option, std::string_view text,
                                           bool allow_zero = false);

}  // namespace tessera::cli
