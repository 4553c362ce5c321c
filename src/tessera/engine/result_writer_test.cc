#include "tessera/engine/result_writer.h"

#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

constexpr const char* kQuery =
    "SELECT * FROM (VALUES "
    "(1, 'plain', 1.5::DOUBLE, [1, 2], {'k': 'v'}), "
    "(2, NULL, NULL, NULL, NULL), "
    "(3, 'has \"quotes\", commas', -0.25, [], {'k': NULL}), "
    "(4, 'two' || chr(10) || 'lines', 'inf'::DOUBLE, [3], {'k': ''})) "
    "t(id, note, x, list, obj) ORDER BY id";

class ResultWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open(DatabaseOptions{}));
    ASSERT_OK_AND_ASSIGN(connection_, Connection::Open(*database_));
  }

  std::string Write(std::string_view sql, OutputFormat format, int64_t width_rows = 1000) {
    std::ostringstream out;
    WriteOptions options;
    options.format = format;
    options.table_width_rows = width_rows;
    Result<int64_t> rows = WriteQueryResult(*connection_, sql, options, out);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return out.str();
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(ResultWriterTest, TableAlignsTextLeftAndNumbersRight) {
  EXPECT_EQ(Write(kQuery, OutputFormat::kTable),
            " id |         note         |   x   |  list  |     obj\n"
            "----+----------------------+-------+--------+-------------\n"
            "  1 | plain                |   1.5 | [1, 2] | {'k': v}\n"
            "  2 |                      |       |        |\n"
            "  3 | has \"quotes\", commas | -0.25 | []     | {'k': NULL}\n"
            "  4 | two\\nlines           |   inf | [3]    | {'k': ''}\n"
            "(4 rows)\n");
}

TEST_F(ResultWriterTest, TableStreamsRowsAfterTheWidthWindow) {
  EXPECT_EQ(Write("SELECT * FROM (VALUES (1, 'a'), (22, 'bb'), (333, 'a wider cell')) t(n, s)",
                  OutputFormat::kTable, 2),
            " n  | s\n"
            "----+----\n"
            "  1 | a\n"
            " 22 | bb\n"
            " 333 | a wider cell\n"
            "(3 rows)\n");
}

TEST_F(ResultWriterTest, CsvFollowsRfc4180) {
  EXPECT_EQ(Write(kQuery, OutputFormat::kCsv),
            "id,note,x,list,obj\r\n"
            "1,plain,1.5,\"[1, 2]\",{'k': v}\r\n"
            "2,,,,\r\n"
            "3,\"has \"\"quotes\"\", commas\",-0.25,[],{'k': NULL}\r\n"
            "4,\"two\nlines\",inf,[3],{'k': ''}\r\n");
  EXPECT_EQ(Write("SELECT '' AS \"a,b\", NULL AS c", OutputFormat::kCsv), "\"a,b\",c\r\n\"\",\r\n");
}

TEST_F(ResultWriterTest, JsonKeepsTypes) {
  EXPECT_EQ(
      Write(kQuery, OutputFormat::kJson),
      "[\n"
      "{\"id\":1,\"note\":\"plain\",\"x\":1.5,\"list\":[1,2],\"obj\":{\"k\":\"v\"}},\n"
      "{\"id\":2,\"note\":null,\"x\":null,\"list\":null,\"obj\":null},\n"
      "{\"id\":3,\"note\":\"has \\\"quotes\\\", commas\",\"x\":-0.25,\"list\":[],\"obj\":{\"k\":"
      "null}},\n"
      "{\"id\":4,\"note\":\"two\\nlines\",\"x\":\"Infinity\",\"list\":[3],\"obj\":{\"k\":\"\"}}\n"
      "]\n");
}

TEST_F(ResultWriterTest, NdjsonWritesOneObjectPerLine) {
  EXPECT_EQ(
      Write(kQuery, OutputFormat::kNdjson),
      "{\"id\":1,\"note\":\"plain\",\"x\":1.5,\"list\":[1,2],\"obj\":{\"k\":\"v\"}}\n"
      "{\"id\":2,\"note\":null,\"x\":null,\"list\":null,\"obj\":null}\n"
      "{\"id\":3,\"note\":\"has \\\"quotes\\\", commas\",\"x\":-0.25,\"list\":[],\"obj\":{\"k\":"
      "null}}\n"
      "{\"id\":4,\"note\":\"two\\nlines\",\"x\":\"Infinity\",\"list\":[3],\"obj\":{\"k\":\"\"}}\n");
}

TEST_F(ResultWriterTest, EmptyResults) {
  const char* empty = "SELECT 1 AS a, 'x' AS b WHERE false";
  EXPECT_EQ(Write(empty, OutputFormat::kTable), " a | b\n---+---\n(0 rows)\n");
  EXPECT_EQ(Write(empty, OutputFormat::kCsv), "a,b\r\n");
  EXPECT_EQ(Write(empty, OutputFormat::kJson), "[]\n");
  EXPECT_EQ(Write(empty, OutputFormat::kNdjson), "");
}

TEST_F(ResultWriterTest, RunsLeadingStatementsAndHandlesTrailingComments) {
  EXPECT_EQ(Write("CREATE TABLE t AS SELECT 1 AS a, 1 AS a2; INSERT INTO t VALUES (2, 2);\n"
                  "SELECT a, a2 AS a FROM t ORDER BY 1 -- duplicate names, trailing comment",
                  OutputFormat::kNdjson),
            "{\"a\":1,\"a\":1}\n{\"a\":2,\"a\":2}\n");
}

TEST_F(ResultWriterTest, NonQueryStatementsAreShownAsTheyAre) {
  EXPECT_EQ(Write("CREATE TABLE t(a INTEGER, b VARCHAR); INSERT INTO t VALUES (1, 'x'), (2, 'y')",
                  OutputFormat::kTable),
            " Count\n-------\n     2\n(1 row)\n");
  EXPECT_EQ(Write("PRAGMA table_info('t')", OutputFormat::kJson),
            "[\n"
            "{\"cid\":0,\"name\":\"a\",\"type\":\"INTEGER\",\"notnull\":false,\"dflt_value\":null,"
            "\"pk\":false},\n"
            "{\"cid\":1,\"name\":\"b\",\"type\":\"VARCHAR\",\"notnull\":false,\"dflt_value\":null,"
            "\"pk\":false}\n"
            "]\n");
  std::ostringstream out;
  Result<int64_t> rows =
      WriteQueryResult(*connection_, "INSERT INTO t VALUES (3, 'z') RETURNING a, DATE '2024-01-01'",
                       WriteOptions{}, out);
  EXPECT_EQ(rows.status().code(), StatusCode::kUnsupported);
}

TEST_F(ResultWriterTest, ReturnsRowCountAndWritesToStdio) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  WriteOptions options;
  options.format = OutputFormat::kCsv;
  ASSERT_OK_AND_ASSIGN(
      int64_t rows,
      WriteQueryResult(*connection_, "SELECT range AS i FROM range(3000)", options, file));
  EXPECT_EQ(rows, 3000);
  std::rewind(file);
  std::string text;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), file))
    text.append(buffer, n);
  std::fclose(file);
  EXPECT_EQ(text.size(), 16'893u);  // "i\r\n" + 10,890 digits + 3,000 "\r\n"
  EXPECT_EQ(text.substr(0, 11), "i\r\n0\r\n1\r\n2\r");
  EXPECT_EQ(text.substr(text.size() - 6), "2999\r\n");
}

TEST_F(ResultWriterTest, ReportsErrors) {
  std::ostringstream out;
  Result<int64_t> rows = WriteQueryResult(*connection_, "SELEC 1", WriteOptions{}, out);
  EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.str(), "");
  std::ostringstream broken;
  broken.setstate(std::ios::badbit);
  rows = WriteQueryResult(*connection_, "SELECT 1", WriteOptions{}, broken);
  EXPECT_EQ(rows.status().code(), StatusCode::kIoError);
  EXPECT_EQ(rows.status().message(), "writing the query result failed");
}

TEST(ResultWriterFormatTest, ParsesFormatNames) {
  ASSERT_OK_AND_ASSIGN(OutputFormat format, ParseOutputFormat("ndjson"));
  EXPECT_EQ(format, OutputFormat::kNdjson);
  EXPECT_EQ(ParseOutputFormat("xml").status().message(),
            "unknown output format 'xml' (expected table, csv, json or ndjson)");
}

TEST(ResultWriterFormatTest, QuotesNonFiniteJsonOutsideStrings) {
  EXPECT_EQ(QuoteNonFiniteJson("[NaN,-Infinity,\"NaN\",{\"Infinity\":Infinity}]"),
            "[\"NaN\",\"-Infinity\",\"NaN\",{\"Infinity\":\"Infinity\"}]");
  EXPECT_EQ(QuoteNonFiniteJson("\"a\\\"NaN\""), "\"a\\\"NaN\"");
}

class ResultWriterCopyTest : public ResultWriterTest {
 protected:
  std::string Read(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    EXPECT_NE(file, nullptr) << path;
    std::string text;
    char buffer[4096];
    while (file != nullptr) {
      size_t n = std::fread(buffer, 1, sizeof(buffer), file);
      if (n == 0)
        break;
      text.append(buffer, n);
    }
    if (file != nullptr)
      std::fclose(file);
    return text;
  }

  testing::TempDir dir_;
};

TEST_F(ResultWriterCopyTest, WritesCsvJsonAndParquet) {
  const char* sql =
      "CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a,b'), (2, NULL)) v(id, s); "
      "SELECT * FROM t ORDER BY id";
  ASSERT_OK_AND_ASSIGN(int64_t rows,
                       CopyQueryToFile(*connection_, sql, dir_.Sub("out.csv"), FileFormat::kCsv));
  EXPECT_EQ(rows, 2);
  EXPECT_EQ(Read(dir_.Sub("out.csv")), "id,s\n1,\"a,b\"\n2,\n");
  ASSERT_OK_AND_ASSIGN(rows, CopyQueryToFile(*connection_, "SELECT * FROM t ORDER BY id",
                                             dir_.Sub("out.json"), FileFormat::kJson));
  EXPECT_EQ(Read(dir_.Sub("out.json")),
            "[\n\t{\"id\":1,\"s\":\"a,b\"},\n\t{\"id\":2,\"s\":null}\n]\n");
  ASSERT_OK_AND_ASSIGN(rows, CopyQueryToFile(*connection_, "SELECT * FROM t ORDER BY id",
                                             dir_.Sub("out.ndjson"), FileFormat::kNdjson));
  EXPECT_EQ(Read(dir_.Sub("out.ndjson")), "{\"id\":1,\"s\":\"a,b\"}\n{\"id\":2,\"s\":null}\n");
  ASSERT_OK_AND_ASSIGN(rows, CopyQueryToFile(*connection_, "SELECT range AS i FROM range(5000)",
                                             dir_.Sub("out.parquet"), FileFormat::kParquet));
  EXPECT_EQ(rows, 5000);
  ASSERT_OK_AND_ASSIGN(
      std::optional<std::string> check,
      connection_->QueryScalarString(
          "SELECT count(*) || ' ' || sum(i) || ' ' || (SELECT DISTINCT compression FROM "
          "parquet_metadata('" +
          dir_.Sub("out.parquet") + "')) FROM '" + dir_.Sub("out.parquet") + "'"));
  EXPECT_EQ(check, "5000 12497500 ZSTD");
}

TEST_F(ResultWriterCopyTest, RejectsNonQueriesAndUnwritablePaths) {
  ASSERT_OK(connection_->Execute("CREATE TABLE t(a INTEGER)"));
  Result<int64_t> rows = CopyQueryToFile(*connection_, "INSERT INTO t VALUES (1)",
                                         dir_.Sub("x.csv"), FileFormat::kCsv);
  EXPECT_EQ(rows.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(rows.status().message(), "only the result of a query can be copied to a file");
  rows = CopyQueryToFile(*connection_, "SELECT 1", dir_.Sub("missing/dir/x.csv"), FileFormat::kCsv);
  EXPECT_EQ(rows.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace tessera::engine
