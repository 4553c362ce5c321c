#include "tessera/ports/pgwire/session_settings.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "tessera/common/strings.h"
#include "tessera/ports/pgwire/protocol.h"
#include "tessera/ports/pgwire/session_zone.h"

namespace tessera::ports::pgwire {
namespace {

std::string Unquote(const std::string& value) {
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
    return value.substr(1, value.size() - 2);
  return value;
}

// Canonical spelling for names PostgreSQL reports in mixed case.
std::string CanonicalName(const std::string& lower) {
  if (lower == "datestyle")
    return "DateStyle";
  if (lower == "timezone")
    return "TimeZone";
  if (lower == "intervalstyle")
    return "IntervalStyle";
  return lower;
}

}  // namespace

SessionSettings::SessionSettings(const std::map<std::string, std::string>& startup,
                                 std::string server_version, std::string user, bool superuser) {
  defaults_ = {
      {"application_name", ""},
      {"client_encoding", "UTF8"},
      {"client_min_messages", "notice"},
      {"DateStyle", "ISO, MDY"},
      {"default_transaction_isolation", "repeatable read"},
      {"default_transaction_read_only", "off"},
      {"extra_float_digits", "1"},
      {"in_hot_standby", "off"},
      {"integer_datetimes", "on"},
      {"IntervalStyle", "postgres"},
      {"is_superuser", superuser ? "on" : "off"},
      {"lc_collate", "C"},
      {"lc_ctype", "C"},
      {"lc_messages", "C"},
      {"lc_monetary", "C"},
      {"lc_numeric", "C"},
      {"lc_time", "C"},
      {"lock_timeout", "0"},
      {"max_identifier_length", "63"},
      {"search_path", "\"$user\", public"},
      {"server_encoding", "UTF8"},
      {"server_version", server_version},
      {"server_version_num", "150000"},
      {"session_authorization", user},
      {"standard_conforming_strings", "on"},
      {"statement_timeout", "0"},
      {"TimeZone", "UTC"},
      {"transaction_isolation", "repeatable read"},
      {"transaction_read_only", "off"},
      {"idle_in_transaction_session_timeout", "0"},
  };
  values_ = defaults_;
  for (const auto& [name, value] : startup) {
    std::string lower = ToLower(name);
    if (lower == "options") {
      for (const auto& [option, option_value] : ParseStartupOptions(value))
        (void)Set(option, option_value);
      continue;
    }
    if (lower == "user" || lower == "database" || lower == "replication")
      continue;
    // A startup value we cannot honour is not fatal: keep the default, which is what we report
    // back.
    (void)Set(lower, value);
  }
}

Status SessionSettings::Set(const std::string& raw_name, const std::string& raw_value) {
  std::string name = CanonicalName(ToLower(raw_name));
  std::string value = Unquote(raw_value);
  if (ToLower(value) == "default")
    return Reset(name);
  if (name == "client_encoding") {
    std::string lower = ToLower(value);
    if (lower != "utf8" && lower != "unicode" && lower != "utf-8" && lower != "sql_ascii")
      return Status::InvalidArgument("client encoding \"" + value +
                                     "\" is not supported: use UTF8");
    value = "UTF8";
  } else if (name == "DateStyle") {
    if (ToLower(value).find("iso") == std::string::npos)
      return Status::InvalidArgument("DateStyle \"" + value + "\" is not supported: use ISO");
  } else if (name == "TimeZone") {
    // Any zone of the time zone database, spelled canonically as PostgreSQL shows it; offsets
    // of zero are UTC. timestamptz text carries the zone's offset, and DuckDB computes in it.
    std::string lower = ToLower(value);
    if (lower == "local")
      return Reset(name);
    if (lower == "0" || lower == "+00" || lower == "00:00" || lower == "+00:00" || lower == "z") {
      value = "UTC";
    } else {
      TESSERA_ASSIGN_OR_RETURN(value, CanonicalZoneName(value));
    }
  } else if (name == "statement_timeout" || name == "lock_timeout" ||
             name == "idle_in_transaction_session_timeout") {
    auto ms = ParseDurationMs(value);
    if (!ms.ok())
      return ms.status();
    value = std::to_string(*ms);
  } else if (name == "server_version" || name == "server_encoding" || name == "integer_datetimes" ||
             name == "is_superuser" || name == "session_authorization" ||
             name == "server_version_num" || name == "max_identifier_length" ||
             name == "in_hot_standby") {
    return Status::InvalidArgument("parameter \"" + name + "\" cannot be changed");
  } else if (defaults_.count(name) == 0 && name.find('.') == std::string::npos) {
    // PostgreSQL knows hundreds of settings; clients set a handful we accept without effect.
    static const char* const kAccepted[] = {"extra_float_digits",
                                            "application_name",
                                            "search_path",
                                            "bytea_output",
                                            "geqo",
                                            "jit",
                                            "work_mem",
                                            "row_security",
                                            "synchronous_commit",
                                            "default_transaction_isolation",
                                            "datestyle",
                                            "intervalstyle",
                                            "client_min_messages"};
    if (std::find(std::begin(kAccepted), std::end(kAccepted), name) == std::end(kAccepted))
      return Status::NotFound("unrecognized configuration parameter \"" + raw_name + "\"");
  }
  values_[name] = value;
  ++version_;
  return Status::OK();
}

Status SessionSettings::Reset(const std::string& raw_name) {
  std::string name = CanonicalName(ToLower(raw_name));
  if (name == "all") {
    values_ = defaults_;
    ++version_;
    return Status::OK();
  }
  auto it = defaults_.find(name);
  if (it != defaults_.end())
    values_[name] = it->second;
  else
    values_.erase(name);
  ++version_;
  return Status::OK();
}

Result<std::string> SessionSettings::Show(const std::string& raw_name) const {
  std::string name = CanonicalName(ToLower(raw_name));
  auto it = values_.find(name);
  if (it == values_.end())
    return Status::NotFound("unrecognized configuration parameter \"" + raw_name + "\"");
  if (name == "statement_timeout" || name == "lock_timeout") {
    return it->second == "0" ? std::string("0") : it->second + "ms";
  }
  return it->second;
}

std::vector<std::pair<std::string, std::string>> SessionSettings::All() const {
  return {values_.begin(), values_.end()};
}

bool SessionSettings::IsReported(const std::string& name) {
  static const char* const kReported[] = {"application_name",
                                          "client_encoding",
                                          "DateStyle",
                                          "default_transaction_read_only",
                                          "in_hot_standby",
                                          "integer_datetimes",
                                          "IntervalStyle",
                                          "is_superuser",
                                          "server_encoding",
                                          "server_version",
                                          "session_authorization",
                                          "standard_conforming_strings",
                                          "TimeZone"};
  std::string canonical = CanonicalName(ToLower(name));
  return std::find(std::begin(kReported), std::end(kReported), canonical) != std::end(kReported);
}

std::vector<std::pair<std::string, std::string>> SessionSettings::Reported() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : values_) {
    if (IsReported(name))
      out.emplace_back(name, value);
  }
  return out;
}

int64_t SessionSettings::statement_timeout_ms() const {
  auto it = values_.find("statement_timeout");
  if (it == values_.end())
    return 0;
  int64_t ms = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), ms);
  return ms;
}

Result<int64_t> ParseDurationMs(const std::string& text) {
  std::string t = ToLower(Unquote(text));
  t.erase(std::remove(t.begin(), t.end(), ' '), t.end());
  int64_t number = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), number);
  if (ec != std::errc() || number < 0)
    return Status::InvalidArgument("invalid value for a duration: \"" + text + "\"");
  std::string unit(ptr, static_cast<size_t>(t.data() + t.size() - ptr));
  int64_t scale = 0;
  if (unit.empty() || unit == "ms")
    scale = 1;
  else if (unit == "s")
    scale = 1000;
  else if (unit == "min")
    scale = 60000;
  else if (unit == "h")
    scale = 3600000;
  else if (unit == "d")
    scale = 86400000;
  if (scale == 0 || number > INT64_MAX / scale)
    return Status::InvalidArgument("invalid value for a duration: \"" + text + "\"");
  return number * scale;
}

}  // namespace tessera::ports::pgwire
