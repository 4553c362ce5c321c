#include "tessera/access/audit_log.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "tessera/common/json.h"
#include "tessera/testing/test_util.h"

namespace tessera::access {
namespace {

using tessera::testing::TempDir;

class FixedClock : public Clock {
 public:
  explicit FixedClock(int64_t ms) : ms_(ms) {}
  int64_t NowMillis() const override { return ms_; }

 private:
  int64_t ms_;
};

std::vector<std::string> ReadLines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

AuditEvent SqlEvent(int64_t time_ms, std::string principal, std::string port, std::string sql,
                    int64_t rows, int64_t duration_us, std::string status, std::string error) {
  AuditEvent event;
  event.time_ms = time_ms;
  event.principal = std::move(principal);
  event.port = std::move(port);
  event.sql = std::move(sql);
  event.rows = rows;
  event.duration_us = duration_us;
  event.status = std::move(status);
  event.error = std::move(error);
  return event;
}

// 2024-03-01T23:59:59.500Z
constexpr int64_t kLateMarch1 = 1709337599500;

TEST(AuditLogTest, WritesOneJsonLinePerEventInTheDaysFile) {
  TempDir dir;
  FixedClock clock(kLateMarch1);
  ASSERT_OK_AND_ASSIGN(auto log, AuditLog::Open(dir.path().string(), &clock));
  AuditEvent ok = SqlEvent(0, "alice", "pgwire", "SELECT 1", 1, 250, "ok", "");
  ASSERT_OK(log->Record(ok));
  AuditEvent failed = SqlEvent(kLateMarch1 + 1000, "bob", "http", "SELECT \"x\"\n FROM t", 0, 9,
                               "error", "relation \"t\" does not exist");
  ASSERT_OK(log->Record(failed));

  auto march1 = ReadLines(dir.path() / "audit" / "audit-2024-03-01.jsonl");
  ASSERT_EQ(march1.size(), 1u);
  EXPECT_EQ(march1[0],
            R"({"duration_us":250,"port":"pgwire","principal":"alice","rows":1,"sql":"SELECT 1",)"
            R"("status":"ok","time":"2024-03-01T23:59:59.500Z"})");
  auto march2 = ReadLines(dir.path() / "audit" / "audit-2024-03-02.jsonl");
  ASSERT_EQ(march2.size(), 1u);
  ASSERT_OK_AND_ASSIGN(Json json, ParseJson(march2[0]));
  EXPECT_EQ(json["sql"], "SELECT \"x\"\n FROM t");
  EXPECT_EQ(json["error"], "relation \"t\" does not exist");
  EXPECT_EQ(json["time"], "2024-03-02T00:00:00.500Z");

  ASSERT_OK_AND_ASSIGN(auto events, ReadAuditLog(dir.path().string(), 10));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].time_ms, kLateMarch1);
  EXPECT_EQ(events[0].principal, "alice");
  EXPECT_EQ(events[0].port, "pgwire");
  EXPECT_EQ(events[0].rows, 1);
  EXPECT_EQ(events[0].duration_us, 250);
  EXPECT_EQ(events[0].status, "ok");
  EXPECT_EQ(events[0].error, "");
  EXPECT_EQ(events[1].sql, failed.sql);
  EXPECT_EQ(events[1].error, failed.error);
  ASSERT_OK_AND_ASSIGN(auto last, ReadAuditLog(dir.path().string(), 1));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].principal, "bob");
}

TEST(AuditLogTest, SharingEventsCarryActionObjectVersionFilesAndBytes) {
  TempDir dir;
  FixedClock clock(kLateMarch1);
  ASSERT_OK_AND_ASSIGN(auto log, AuditLog::Open(dir.path().string(), &clock));
  AuditEvent event;
  event.principal = "partner";
  event.port = "sharing";
  event.action = "query";
  event.object = "s.sc.t";
  event.version = 3;
  event.files = 2;
  event.bytes = 0;
  event.status = "ok";
  ASSERT_OK(log->Record(event));
  auto lines = ReadLines(dir.path() / "audit" / "audit-2024-03-01.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], R"({"action":"query","bytes":0,"duration_us":0,"files":2,"object":"s.sc.t",)"
                      R"("port":"sharing","principal":"partner","rows":0,"status":"ok",)"
                      R"("time":"2024-03-01T23:59:59.500Z","version":3})");
  ASSERT_OK_AND_ASSIGN(auto events, ReadAuditLog(dir.path().string(), 10));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "query");
  EXPECT_EQ(events[0].object, "s.sc.t");
  EXPECT_EQ(events[0].version, 3);
  EXPECT_EQ(events[0].files, 2);
  EXPECT_EQ(events[0].sql, "");
}

TEST(AuditLogTest, LinesAreWhatTheJsonLibraryWritesForTheSameFields) {
  // The writer builds lines by hand; parsing one and dumping it again must give the same bytes
  // (sorted keys, the same escapes), for SQL and sharing events, with awkward text.
  AuditEvent sql;
  sql.time_ms = 1764000000123;
  sql.principal = "ana \"the\" analyst";
  sql.port = "pg";
  sql.sql = "SELECT '\\', E'\\n'\n\t\x01 -- caf\xc3\xa9";
  sql.rows = 42;
  sql.duration_us = 7;
  sql.status = "ok";
  AuditEvent file;
  file.time_ms = 1764000000999;
  file.principal = "acme";
  file.port = "files";
  file.action = "file";
  file.object = "share.s.t/part-0.parquet";
  file.version = 3;
  file.files = 1;
  file.bytes = 4096;
  file.status = "error";
  file.error = "bad \xff byte";
  for (const AuditEvent& event : {sql, file}) {
    std::string line = AuditEventToJson(event);
    ASSERT_OK_AND_ASSIGN(Json parsed, ParseJson(line));
    EXPECT_EQ(DumpJson(parsed), line);
  }
  EXPECT_EQ(AuditEventToJson(file),
            R"({"action":"file","bytes":4096,"duration_us":0,"error":"bad )"
            "\xef\xbf\xbd"  // invalid UTF-8 is replaced by U+FFFD
            R"( byte",)"
            R"("files":1,"object":"share.s.t/part-0.parquet","port":"files",)"
            R"("principal":"acme","rows":0,"status":"error",)"
            R"("time":"2025-11-24T16:00:00.999Z","version":3})");
}

TEST(AuditLogTest, ConcurrentWritersNeverInterleave) {
  TempDir dir;
  FixedClock clock(kLateMarch1);
  ASSERT_OK_AND_ASSIGN(auto a, AuditLog::Open(dir.path().string(), &clock));
  ASSERT_OK_AND_ASSIGN(auto b, AuditLog::Open(dir.path().string(), &clock));
  constexpr int kPerThread = 500;
  // Long SQL makes each line ~8 KiB, well past any stdio buffer.
  std::string long_sql(8000, 'x');
  auto work = [&](AuditLog* log, int t) {
    for (int i = 0; i < kPerThread; ++i) {
      AuditEvent e = SqlEvent(0, "p" + std::to_string(t), "http", long_sql, i, 1, "ok", "");
      ASSERT_TRUE(log->Record(e).ok());
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back(work, t % 2 ? a.get() : b.get(), t);
  for (auto& t : threads)
    t.join();
  ASSERT_OK_AND_ASSIGN(auto events, ReadAuditLog(dir.path().string(), 1u << 20));
  ASSERT_EQ(events.size(), 4u * kPerThread);
  std::vector<int64_t> next(4, 0);
  for (const auto& e : events) {
    int t = e.principal[1] - '0';
    EXPECT_EQ(e.rows, next[t]++);  // each writer's lines in its order
    EXPECT_EQ(e.sql, long_sql);
  }
}

TEST(AuditLogTest, ReaderSkipsPartialLastLineAndRejectsGarbage) {
  TempDir dir;
  EXPECT_TRUE(ReadAuditLog(dir.path().string(), 10)->empty());
  FixedClock clock(kLateMarch1);
  ASSERT_OK_AND_ASSIGN(auto log, AuditLog::Open(dir.path().string(), &clock));
  ASSERT_OK(log->Record(SqlEvent(0, "a", "http", "SELECT 1", 1, 1, "ok", "")));
  std::filesystem::path file = dir.path() / "audit" / "audit-2024-03-01.jsonl";
  {
    std::ofstream out(file, std::ios::app);
    out << R"({"time":"2024-03-01T23:59:59.600Z","princ)";
  }
  ASSERT_OK_AND_ASSIGN(auto events, ReadAuditLog(dir.path().string(), 10));
  EXPECT_EQ(events.size(), 1u);
  {
    std::ofstream out(file, std::ios::app);
    out << "\n";
  }
  auto bad = ReadAuditLog(dir.path().string(), 10);
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_NE(bad.status().message().find("audit-2024-03-01.jsonl line 2"), std::string::npos)
      << bad.status().ToString();
}

TEST(AuditLogTest, OpenFailsWhenDirectoryCannotBeCreated) {
  TempDir dir;
  tessera::testing::WriteFile(dir.path() / "audit", "not a directory");
  EXPECT_EQ(AuditLog::Open(dir.path().string()).status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace tessera::access
