#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tessera/common/result.h"

namespace tessera::ports::pgwire {

/// A session's PostgreSQL settings (GUCs) as SET, SHOW and RESET see them. DuckDB knows none of
/// PostgreSQL's names, so the port keeps them; the few with an effect are read by the
/// connection (statement_timeout, TimeZone). Not thread-safe.
class SessionSettings {
 public:
  /// Start from PostgreSQL 15's defaults for what clients read, then the startup packet's
  /// parameters (application_name, client_encoding, DateStyle, TimeZone, and the settings in
  /// options are taken;
  /// user and database are not settings).
  SessionSettings(const std::map<std::string, std::string>& startup, std::string server_version,
                  std::string user, bool superuser);

  /// Change a setting. Return kInvalidArgument (SQLSTATE 22023) for values we cannot honour
  /// (client encodings other than UTF8, a DateStyle other than ISO), kNotFound (42704) for
  /// unknown names that are not custom ("x.y") settings.
  Status Set(const std::string& name, const std::string& value);
  /// Back to the default; "all" resets every setting.
  Status Reset(const std::string& name);
  /// The current value; kNotFound for unknown names.
  Result<std::string> Show(const std::string& name) const;
  /// Every setting, sorted by name (SHOW ALL).
  std::vector<std::pair<std::string, std::string>> All() const;

  /// The settings PostgreSQL reports in ParameterStatus at startup and whenever they change.
  static bool IsReported(const std::string& name);
  /// What to send as ParameterStatus at startup.
  std::vector<std::pair<std::string, std::string>> Reported() const;

  /// statement_timeout in milliseconds (0 = none).
  int64_t statement_timeout_ms() const;

  /// Counts changes (Set, Reset), so a copy of the settings (the pg_settings table) can tell
  /// whether it is stale.
  int64_t version() const { return version_; }

 private:
  std::map<std::string, std::string> defaults_;
  std::map<std::string, std::string> values_;
  int64_t version_ = 0;
};

/// Parse a PostgreSQL duration setting ("5000", "5s", "250ms", "1min") into milliseconds.
/// Return kInvalidArgument otherwise.
Result<int64_t> ParseDurationMs(const std::string& text);

}  // namespace tessera::ports::pgwire
