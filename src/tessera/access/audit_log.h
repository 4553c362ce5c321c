#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/common/time.h"

namespace tessera::access {

/// One access to a port, as the audit log records it. Plain value.
struct AuditEvent {
  int64_t time_ms = 0;  // epoch milliseconds; Record fills in the clock's time when 0
  std::string principal;
  std::string port;  // "pgwire", "http", "sharing", "files", ...
  std::string sql;   // SQL ports: the statement text
  int64_t rows = 0;
  int64_t duration_us = 0;
  std::string status;  // "ok" or "error"
  std::string error;   // the error message when status is "error"
  /// Non-SQL ports: what was asked ("query", "metadata", "changes", "file", ...) and of what
  /// ("share.schema.table", a file path), with the table version, files listed and bytes sent.
  std::string action;
  std::string object;
  std::optional<int64_t> version;
  int64_t files = 0;
  int64_t bytes = 0;
};

/// Append-only audit log: one JSON object per line in
/// `<data_dir>/audit/audit-YYYY-MM-DD.jsonl`, a file per UTC day of the event. Each line is
/// written with a single write() on an O_APPEND descriptor, so lines from several threads or
/// processes never interleave. Lines are not fsynced (a crash may lose the last ones, never
/// tear earlier ones). Thread-safe.
class AuditLog {
 public:
  /// Create `<data_dir>/audit/` if needed. `clock` must outlive the log. Return kIoError if the
  /// directory cannot be created.
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& data_dir,
                                                const Clock* clock = &SystemClock::Instance());
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  /// Append one event. Return kIoError if the file cannot be opened or written.
  Status Record(const AuditEvent& event);

 private:
  AuditLog(std::string dir, const Clock* clock) : dir_(std::move(dir)), clock_(clock) {}
  // With mutex_ held exclusively: make fd_ the file of `day`.
  Status OpenDayLocked(std::string_view day);

  std::string dir_;
  const Clock* clock_;
  std::shared_mutex mutex_;
  std::string day_;  // the day of the open file, "YYYY-MM-DD"
  int fd_ = -1;
};

/// Render an event as its one-line JSON form (without the newline).
std::string AuditEventToJson(const AuditEvent& event);
/// The same with the event's time already formatted (FormatIso8601Millis of time_ms).
std::string AuditEventToJson(const AuditEvent& event, std::string_view time);
/// The same, appended to `out`.
void AppendAuditEventJson(std::string& out, const AuditEvent& event, std::string_view time);

/// Read the last `limit` events of the log (every day's file, oldest first). A trailing line
/// without its newline (a write in progress) is skipped. Return kIoError if a file cannot be
/// read, kCorruption naming file and line for a line that is not an audit event. A data
/// directory without an audit log gives an empty list.
Result<std::vector<AuditEvent>> ReadAuditLog(const std::string& data_dir, size_t limit);

}  // namespace tessera::access
