// Data-driven conformance: every table in ../shared/fixtures/delta must reproduce its expected rows
// at every listed version (and its change feed), and every negative table must be refused.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/database.h"
#include "tessera/engine/delta_functions.h"
#include "tessera/engine/result_writer.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Split RFC 4180 text into records (a quoted field may hold newlines).
std::vector<std::string> Records(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  bool quoted = false;
  for (char c : text) {
    if (c == '"')
      quoted = !quoted;
    if (c == '\n' && !quoted) {
      out.push_back(current);
      current.clear();
      continue;
    }
    if (c != '\r' || quoted)
      current += c;
  }
  if (!current.empty())
    out.push_back(current);
  return out;
}

class DeltaConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, Connection::Open(*database_));
    reader_ = std::make_unique<DuckdbCheckpointReader>(*database_);
    ASSERT_OK(connection_->Execute("SET TimeZone = 'UTC'"));
    ASSERT_OK(
        RegisterDeltaFunctions(connection_->handle(), storage::LocalStorage::Instance(), *reader_));
  }

  // Run `sql`, write it as CSV the way the fixtures were written, and compare as multisets.
  void ExpectRows(const std::string& sql, const fs::path& expected_csv) {
    std::string out = tmp_.Sub("out.csv");
    auto rows = CopyQueryToFile(*connection_, sql, out, FileFormat::kCsv);
    ASSERT_TRUE(rows.ok()) << sql << "\n" << rows.status().ToString();
    std::vector<std::string> actual = Records(ReadAll(out));
    std::vector<std::string> expected = Records(ReadAll(expected_csv));
    ASSERT_FALSE(expected.empty());
    ASSERT_FALSE(actual.empty());
    EXPECT_EQ(actual.front(), expected.front()) << "header of " << expected_csv;
    std::sort(actual.begin() + 1, actual.end());
    std::sort(expected.begin() + 1, expected.end());
    EXPECT_EQ(actual, expected) << "rows of " << expected_csv << " from " << sql.substr(0, 200);
  }

  testing::TempDir tmp_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<DuckdbCheckpointReader> reader_;
};

TEST_F(DeltaConformanceTest, EveryFixtureReproducesItsExpectedRows) {
  fs::path dir = testing::DeltaFixturesDir();
  int tables = 0;
  int checks = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (!EndsWith(name, ".expected.json"))
      continue;
    std::string table = name.substr(0, name.size() - std::string(".expected.json").size());
    SCOPED_TRACE(table);
    ASSERT_OK_AND_ASSIGN(Json meta, ParseJson(ReadAll(entry.path())));
    std::string path = QuoteLiteral((dir / table).string());
    ++tables;
    if (JsonFind(meta, "expect_error") != nullptr) {
      auto result = CopyQueryToFile(*connection_, "SELECT * FROM delta_scan(" + path + ")",
                                    tmp_.Sub("neg.csv"), FileFormat::kCsv);
      EXPECT_FALSE(result.ok()) << table << " must be refused";
      ++checks;
      continue;
    }
    const Json* files = JsonFind(meta, "expected_files");
    ASSERT_NE(files, nullptr);
    for (const auto& [key, spec] : files->items()) {
      if (!spec.contains("file") || !spec["file"].is_string())
        continue;  // Spark's own parquet
      fs::path csv = dir / spec["file"].get<std::string>();
      if (key == "cdf") {
        std::string sql = "SELECT * EXCLUDE (_commit_timestamp) FROM delta_changes(" + path + ", " +
                          std::to_string(spec["start_version"].get<int64_t>()) + ", " +
                          std::to_string(spec["end_version"].get<int64_t>()) + ")";
        ExpectRows(sql, csv);
      } else if (key == "latest") {
        ExpectRows("SELECT * FROM delta_scan(" + path + ")", csv);
      } else {
        ExpectRows("SELECT * FROM delta_scan(" + path +
                       ", version := " + std::to_string(spec["version"].get<int64_t>()) + ")",
                   csv);
      }
      ++checks;
    }
  }
  EXPECT_EQ(tables, 30);
  EXPECT_GT(checks, 100);
}

TEST_F(DeltaConformanceTest, TimeTravelByTimestampUsesCommitTimes) {
  // Copy the table (fixtures are never edited) and restore commit mtimes from commitInfo.
  fs::path src = testing::DeltaFixturesDir() / "deltars-simple-table";
  fs::path copy = tmp_.path() / "simple";
  fs::copy(src, copy, fs::copy_options::recursive);
  ASSERT_OK_AND_ASSIGN(Json meta, ParseJson(ReadAll(testing::DeltaFixturesDir() /
                                                    "deltars-simple-table.expected.json")));
  for (const auto& [version, prov] : meta["commit_provenance"].items()) {
    int64_t ms = prov["commitInfo.timestamp"].get<int64_t>();
    char name[32];
    std::snprintf(name, sizeof(name), "%020d.json", std::stoi(version));
    fs::last_write_time(
        copy / "_delta_log" / name,
        fs::file_time_type::clock::from_sys(
            std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms))));
  }
  int64_t t2 = meta["commit_provenance"]["2"]["commitInfo.timestamp"].get<int64_t>();
  auto iso = [](int64_t ms) { return QuoteLiteral(FormatIso8601Millis(ms)); };
  std::string path = QuoteLiteral(copy.string());
  ExpectRows("SELECT * FROM delta_scan(" + path + ", \"timestamp\" := " + iso(t2) + ")",
             testing::DeltaFixturesDir() / "deltars-simple-table.expected.v2.csv");
  ExpectRows("SELECT * FROM delta_scan(" + path + ", \"timestamp\" := " + iso(t2 - 1) + ")",
             testing::DeltaFixturesDir() / "deltars-simple-table.expected.v1.csv");
  auto before =
      connection_->Execute("SELECT * FROM delta_scan(" + path + ", \"timestamp\" := '2000-01-01')");
  ASSERT_FALSE(before.ok());
  EXPECT_NE(before.message().find("before the earliest available version"), std::string::npos)
      << before.message();
}

TEST_F(DeltaConformanceTest, NamedArgumentsWithEqualsAreAccepted) {
  std::string sql = NormalizeDeltaCalls(
      "SELECT count(*) FROM delta_scan('/x', version = 2) WHERE a = 'version = 3' AND b >= 1");
  EXPECT_EQ(
      sql,
      "SELECT count(*) FROM delta_scan('/x', version := 2) WHERE a = 'version = 3' AND b >= 1");
  EXPECT_EQ(NormalizeDeltaCalls("SELECT * FROM delta_changes('/x', 0, to_version=3)"),
            "SELECT * FROM delta_changes('/x', 0, to_version:=3)");
  EXPECT_EQ(NormalizeDeltaCalls("SELECT f(a = 1) FROM t"), "SELECT f(a = 1) FROM t");
}

}  // namespace
}  // namespace tessera::engine
