#include "tessera/access/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"

namespace tessera::access {
namespace {

std::string ErrnoMessage(int error) { return std::strerror(error); }

constexpr size_t kKeptLineBytes = size_t{64} * 1024;

Result<AuditEvent> ParseEvent(const std::string& line) {
  TESSERA_ASSIGN_OR_RETURN(Json json, ParseJson(line));
  if (!json.is_object())
    return Status::Corruption("not a JSON object");
  AuditEvent event;
  TESSERA_ASSIGN_OR_RETURN(std::string time, JsonString(json, "time"));
  TESSERA_ASSIGN_OR_RETURN(int64_t micros, ParseTimestampMicros(time));
  event.time_ms = micros / 1000;
  TESSERA_ASSIGN_OR_RETURN(event.principal, JsonString(json, "principal"));
  TESSERA_ASSIGN_OR_RETURN(event.port, JsonString(json, "port"));
  TESSERA_ASSIGN_OR_RETURN(auto sql, JsonOptString(json, "sql"));
  event.sql = sql.value_or("");
  TESSERA_ASSIGN_OR_RETURN(auto action, JsonOptString(json, "action"));
  event.action = action.value_or("");
  TESSERA_ASSIGN_OR_RETURN(auto object, JsonOptString(json, "object"));
  event.object = object.value_or("");
  TESSERA_ASSIGN_OR_RETURN(event.version, JsonOptInt(json, "version"));
  TESSERA_ASSIGN_OR_RETURN(auto files, JsonOptInt(json, "files"));
  event.files = files.value_or(0);
  TESSERA_ASSIGN_OR_RETURN(auto bytes, JsonOptInt(json, "bytes"));
  event.bytes = bytes.value_or(0);
  TESSERA_ASSIGN_OR_RETURN(auto rows, JsonOptInt(json, "rows"));
  event.rows = rows.value_or(0);
  TESSERA_ASSIGN_OR_RETURN(event.duration_us, JsonInt(json, "duration_us"));
  TESSERA_ASSIGN_OR_RETURN(event.status, JsonString(json, "status"));
  TESSERA_ASSIGN_OR_RETURN(auto error, JsonOptString(json, "error"));
  event.error = error.value_or("");
  return event;
}

}  // namespace

std::string AuditEventToJson(const AuditEvent& event) {
  return AuditEventToJson(event, FormatIso8601Millis(event.time_ms));
}

std::string AuditEventToJson(const AuditEvent& event, std::string_view time) {
  std::string out;
  out.reserve(256 + event.sql.size() + event.object.size() + event.error.size());
  AppendAuditEventJson(out, event, time);
  return out;
}

void AppendAuditEventJson(std::string& out, const AuditEvent& event, std::string_view time) {
  // Written directly (an audit line per file download is on the hot path), keys in sorted
  // order as the JSON library writes them. Fields a port does not use are left out, so each
  // line says only what happened.
  char separator = '{';
  auto key = [&](std::string_view name) {
    out += separator;
    separator = ',';
    out += '"';
    out += name;
    out += "\":";
  };
  auto string_field = [&](std::string_view name, std::string_view value) {
    key(name);
    AppendJsonString(out, value);
  };
  auto int_field = [&](std::string_view name, int64_t value) {
    key(name);
    std::array<char, 24> digits{};
    char* end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    out.append(digits.data(), end);
  };
  bool has_action = !event.action.empty();
  if (has_action) {
    string_field("action", event.action);
    int_field("bytes", event.bytes);
  }
  int_field("duration_us", event.duration_us);
  if (!event.error.empty())
    string_field("error", event.error);
  if (has_action)
    int_field("files", event.files);
  if (!event.object.empty())
    string_field("object", event.object);
  string_field("port", event.port);
  string_field("principal", event.principal);
  int_field("rows", event.rows);
  if (!event.sql.empty() || !has_action)
    string_field("sql", event.sql);
  string_field("status", event.status);
  string_field("time", time);
  if (event.version)
    int_field("version", *event.version);
  out += '}';
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& data_dir, const Clock* clock) {
  std::string dir = data_dir + "/audit";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Status::IoError("creating " + dir + ": " + ec.message());
  return std::unique_ptr<AuditLog>(new AuditLog(dir, clock));
}

AuditLog::~AuditLog() {
  if (fd_ >= 0)
    ::close(fd_);
}

Status AuditLog::Record(const AuditEvent& event) {
  // Per-thread buffers: a download records a line per request, without allocating.
  thread_local std::string time;
  thread_local std::string line;
  time.clear();
  AppendIso8601Millis(time, event.time_ms != 0 ? event.time_ms : clock_->NowMillis());
  if (line.capacity() > kKeptLineBytes)
    std::string().swap(line);  // a long statement's line is not kept for the thread's lifetime
  line.clear();
  AppendAuditEventJson(line, event, time);
  line += '\n';
  std::string_view day = std::string_view(time).substr(0, 10);
  // Writers share the lock: an O_APPEND write() is atomic on its own, and holding a mutex
  // across the system call made concurrent downloads queue behind each other. Only switching
  // to the next day's file takes the lock alone.
  std::shared_lock<std::shared_mutex> shared(mutex_);
  if (fd_ < 0 || day != day_) {
    shared.unlock();
    {
      std::lock_guard<std::shared_mutex> exclusive(mutex_);
      TESSERA_RETURN_NOT_OK(OpenDayLocked(day));
    }
    shared.lock();
  }
  while (true) {
    ssize_t n = ::write(fd_, line.data(), line.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return Status::IoError("writing the audit log: " + ErrnoMessage(errno));
    if (static_cast<size_t>(n) != line.size())
      return Status::IoError("writing the audit log: short write (disk full?)");
    return Status::OK();
  }
}

Status AuditLog::OpenDayLocked(std::string_view day) {
  if (fd_ >= 0 && day == day_)
    return Status::OK();  // another writer switched while this one waited
  std::string path = dir_ + "/audit-" + std::string(day) + ".jsonl";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::IoError("opening " + path + ": " + ErrnoMessage(errno));
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = fd;
  day_ = day;
  return Status::OK();
}

Result<std::vector<AuditEvent>> ReadAuditLog(const std::string& data_dir, size_t limit) {
  std::string dir = data_dir + "/audit";
  std::vector<std::string> files;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec))
    return std::vector<AuditEvent>();
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (StartsWith(name, "audit-") && EndsWith(name, ".jsonl"))
      files.push_back(entry.path().string());
  }
  if (ec)
    return Status::IoError("listing " + dir + ": " + ec.message());
  // audit-YYYY-MM-DD.jsonl sorts by day.
  std::sort(files.begin(), files.end());
  std::deque<AuditEvent> events;
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
      return Status::IoError("opening " + path);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
      return Status::IoError("reading " + path);
    size_t start = 0;
    int64_t line_number = 0;
    while (start < content.size()) {
      size_t end = content.find('\n', start);
      if (end == std::string::npos)
        break;
      ++line_number;
      auto event = ParseEvent(content.substr(start, end - start));
      if (!event.ok()) {
        return Status::Corruption(path + " line " + std::to_string(line_number) + ": " +
                                  event.status().message());
      }
      events.push_back(std::move(*event));
      if (events.size() > limit)
        events.pop_front();
      start = end + 1;
    }
  }
  return std::vector<AuditEvent>(events.begin(), events.end());
}

}  // namespace tessera::access
