#include "tessera/ports/pgwire/row_encoder.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/engine/database.h"
#include "tessera/ports/pgwire/postgres_server_test_util.h"
#include "tessera/ports/pgwire/wire_values.h"
#include "tessera/testing/test_util.h"

namespace tessera::ports::pgwire {
namespace {

// One value of one type: how DuckDB and PostgreSQL spell it, and what PostgreSQL 15 sends for it
// (its output function's text, and its typsend function's bytes in hex). The expected columns
// were taken from PostgreSQL 15; PostgresCrossCheckTest re-verifies them against a live server.
struct WireCase {
  const char* duckdb;  // DuckDB expression
  const char* pg;      // PostgreSQL expression of the same value
  const char* send;    // PostgreSQL typsend function
  const char* text;    // expected text format
  const char* binary;  // expected binary format, hex
};

const WireCase kCases[] = {
#include "tessera/ports/pgwire/row_encoder_test_cases.inc"
};

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (char c : bytes) {
    hex.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
    hex.push_back(kDigits[static_cast<unsigned char>(c) & 15]);
  }
  return hex;
}

// Parse DataRow messages strictly (the whole buffer, lengths consistent) into cells.
std::vector<std::vector<std::optional<std::string>>> ParseDataRows(std::string_view buffer) {
  std::vector<std::vector<std::optional<std::string>>> rows;
  while (!buffer.empty()) {
    EXPECT_EQ(buffer[0], 'D');
    EXPECT_GE(buffer.size(), 7u);
    if (buffer.size() < 7)
      return rows;
    auto length = static_cast<size_t>(ReadBigEndian<int32_t>(buffer.data() + 1));
    EXPECT_LE(length + 1, buffer.size());
    std::string_view body = buffer.substr(5, length - 4);
    auto columns = ReadBigEndian<int16_t>(body.data());
    body.remove_prefix(2);
    std::vector<std::optional<std::string>> row;
    for (int16_t k = 0; k < columns; ++k) {
      auto cell_length = ReadBigEndian<int32_t>(body.data());
      body.remove_prefix(4);
      if (cell_length < 0) {
        row.emplace_back();
        continue;
      }
      row.emplace_back(std::string(body.substr(0, cell_length)));
      body.remove_prefix(cell_length);
    }
    EXPECT_TRUE(body.empty()) << "DataRow length disagrees with its cells";
    rows.push_back(std::move(row));
    buffer.remove_prefix(length + 1);
  }
  return rows;
}

class RowEncoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, engine::Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, engine::Connection::Open(*database_));
    ASSERT_OK(connection_->Execute("SET TimeZone = 'UTC'"));
  }

  // Run `sql` as the port does (project, then stream) and encode every chunk in `formats`.
  Result<std::string> Encode(const std::string& sql, const std::vector<int16_t>& formats,
                             std::shared_ptr<SessionZone> zone = nullptr) {
    TESSERA_ASSIGN_OR_RETURN(auto described, connection_->Query(sql));
    std::vector<duckdb_logical_type> types;
    std::vector<WireColumn> columns;
    for (int64_t k = 0; k < described->column_count(); ++k) {
      types.push_back(described->logical_type(k));
      TESSERA_ASSIGN_OR_RETURN(WireColumn column, WireColumnFor(types.back()));
      columns.push_back(column);
    }
    std::string projected = ProjectForWire(sql, types);
    std::unique_ptr<engine::QueryResult> result;
    if (projected == sql) {
      result = std::move(described);
    } else {
      described.reset();
      TESSERA_ASSIGN_OR_RETURN(result, connection_->Query(projected));
    }
    std::vector<duckdb_logical_type> result_types;
    for (int64_t k = 0; k < result->column_count(); ++k)
      result_types.push_back(result->logical_type(k));
    TESSERA_ASSIGN_OR_RETURN(RowEncoder encoder,
                             RowEncoder::Make(columns, result_types, formats, std::move(zone)));
    std::string out;
    while (true) {
      TESSERA_ASSIGN_OR_RETURN(auto chunk, result->Fetch());
      if (chunk == nullptr)
        break;
      encoder.AppendDataRows(*chunk, out);
    }
    return out;
  }

  // The single cell of `SELECT <expression>` in text (format 0) or binary (1).
  std::optional<std::string> Cell(const std::string& expression, int16_t format) {
    Result<std::string> rows = Encode("SELECT " + expression, {format});
    EXPECT_TRUE(rows.ok()) << expression << ": " << rows.status().ToString();
    if (!rows.ok())
      return std::nullopt;
    auto parsed = ParseDataRows(*rows);
    EXPECT_EQ(parsed.size(), 1u);
    if (parsed.size() != 1 || parsed[0].size() != 1)
      return std::nullopt;
    return parsed[0][0];
  }

  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::Connection> connection_;
};

TEST_F(RowEncoderTest, EveryTypeMatchesPostgresTextAndBinary) {
  for (const WireCase& c : kCases) {
    SCOPED_TRACE(c.duckdb);
    EXPECT_EQ(Cell(c.duckdb, kTextFormat).value_or("<null>"), c.text);
    EXPECT_EQ(Hex(Cell(c.duckdb, kBinaryFormat).value_or("<null>")), c.binary);
  }
}

TEST_F(RowEncoderTest, DataRowFramingWithNulls) {
  ASSERT_OK_AND_ASSIGN(std::string out,
                       Encode("SELECT * FROM (VALUES (1, 'ab'), (NULL, NULL)) t(i, s)", {}));
  std::string expected;
  expected += std::string("D\0\0\0\x11\0\x02", 7);
  expected += std::string("\0\0\0\x01", 4) + "1";
  expected += std::string("\0\0\0\x02", 4) + "ab";
  expected += std::string("D\0\0\0\x0e\0\x02", 7);
  expected += std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8);
  EXPECT_EQ(Hex(out), Hex(expected));
}

TEST_F(RowEncoderTest, FormatsPerColumn) {
  ASSERT_OK_AND_ASSIGN(std::string out,
                       Encode("SELECT 7::BIGINT AS a, 7::BIGINT AS b, 'x' AS c", {1, 0, 1}));
  auto rows = ParseDataRows(out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Hex(*rows[0][0]), "0000000000000007");
  EXPECT_EQ(*rows[0][1], "7");
  EXPECT_EQ(*rows[0][2], "x");
}

TEST_F(RowEncoderTest, ManyChunksStreamEveryRow) {
  ASSERT_OK_AND_ASSIGN(std::string out,
                       Encode("SELECT i, i::DOUBLE / 4 AS q FROM range(5000) t(i)", {}));
  auto rows = ParseDataRows(out);
  ASSERT_EQ(rows.size(), 5000u);
  EXPECT_EQ(*rows[4999][0], "4999");
  EXPECT_EQ(*rows[4999][1], "1249.75");
  EXPECT_EQ(*rows[2048][0], "2048");
  EXPECT_EQ(*rows[2048][1], "512");
}

TEST_F(RowEncoderTest, NullElementsAndNullListsInArrays) {
  ASSERT_OK_AND_ASSIGN(
      std::string out,
      Encode("SELECT * FROM (VALUES ([1, NULL]), (NULL), ([])) t(l)", {kBinaryFormat}));
  auto rows = ParseDataRows(out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(Hex(*rows[0][0]),
            "00000001"
            "00000001"
            "00000017"
            "00000002"
            "00000001"
            "00000004"
            "00000001"
            "ffffffff");
  EXPECT_FALSE(rows[1][0].has_value());
  EXPECT_EQ(Hex(*rows[2][0]),
            "00000000"
            "00000000"
            "00000017");
}

TEST(ResolveFormatsTest, ExpandsAndValidates) {
  ASSERT_OK_AND_ASSIGN(auto none, ResolveFormats({}, 3));
  EXPECT_EQ(none, (std::vector<int16_t>{0, 0, 0}));
  ASSERT_OK_AND_ASSIGN(auto one, ResolveFormats({1}, 3));
  EXPECT_EQ(one, (std::vector<int16_t>{1, 1, 1}));
  ASSERT_OK_AND_ASSIGN(auto each, ResolveFormats({1, 0, 1}, 3));
  EXPECT_EQ(each, (std::vector<int16_t>{1, 0, 1}));
  EXPECT_EQ(ResolveFormats({1, 0}, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveFormats({2}, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveFormats({0, -1, 0}, 3).status().code(), StatusCode::kInvalidArgument);
}

TEST(RowEncoderMakeTest, RejectsBadFormatsAndUnprojectedColumns) {
  duckdb_logical_type bigint = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
  duckdb_logical_type integer = duckdb_create_logical_type(DUCKDB_TYPE_INTEGER);
  duckdb_logical_type list = duckdb_create_list_type(integer);
  duckdb_logical_type nested = duckdb_create_list_type(list);
  EXPECT_EQ(RowEncoder::Make({bigint, bigint}, {0, 1, 0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RowEncoder::Make({bigint}, {3}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RowEncoder::Make({nested}, {}).status().code(), StatusCode::kUnsupported);
  ASSERT_OK_AND_ASSIGN(RowEncoder encoder, RowEncoder::Make({bigint, list}, {1}));
  EXPECT_EQ(encoder.columns()[1].type.oid, 1007u);
  EXPECT_EQ(encoder.formats(), (std::vector<int16_t>{1, 1}));
  for (duckdb_logical_type* t : {&bigint, &integer, &list, &nested})
    duckdb_destroy_logical_type(t);
}

TEST(RowDescriptionTest, ExactBytes) {
  std::vector<WireColumn> columns(2);
  columns[0].type = PgType{oid::kInt8, 8, -1};
  columns[1].type = PgType{oid::kNumeric, -1, 786438};
  std::string out;
  AppendRowDescription({"id", "amount"}, columns, {0, 1}, out);
  std::string expected("T\0\0\0\x34\0\x02", 7);
  expected += std::string("id\0", 3) + std::string("\0\0\0\0\0\0", 6) +
              std::string("\0\0\0\x14\0\x08\xff\xff\xff\xff\0\0", 12);
  expected += std::string("amount\0", 7) + std::string("\0\0\0\0\0\0", 6) +
              std::string("\0\0\x06\xa4\xff\xff\0\x0c\0\x06\0\x01", 12);
  EXPECT_EQ(Hex(out), Hex(expected));
}

// Start a real PostgreSQL 15 and check, for every case, that its output function and typsend
// function produce exactly the bytes we produce. The server runs only for this test suite.
class PostgresCrossCheckTest : public RowEncoderTest {
 protected:
  static void SetUpTestSuite() {
    auto server = testing::PostgresServer::Start();
    if (server.ok()) {
      server_ = std::move(server).value().release();
    } else {
      start_error_ = new std::string(server.status().ToString());
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }
  static testing::PostgresServer* server_;
  static std::string* start_error_;
};

testing::PostgresServer* PostgresCrossCheckTest::server_ = nullptr;
std::string* PostgresCrossCheckTest::start_error_ = nullptr;

TEST_F(PostgresCrossCheckTest, EveryCaseByteForByte) {
  ASSERT_NE(server_, nullptr) << *start_error_;
  std::string sql =
      "SET TimeZone = 'UTC'; SET IntervalStyle = postgres; SET DateStyle = 'ISO, MDY';\n"
      "SET extra_float_digits = 1;\n";
  for (const WireCase& c : kCases) {
    sql += std::string(
               "SELECT encode(convert_to(format('%s', v), 'UTF8'), 'hex') || ' ' || "
               "encode(") +
           c.send + "(v), 'hex') FROM (SELECT " + c.pg + " AS v) t;\n";
  }
  ASSERT_OK_AND_ASSIGN(std::string output, server_->Psql(sql));
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = output.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(output.substr(start, end - start));
  ASSERT_EQ(lines.size(), std::size(kCases)) << output;
  for (size_t i = 0; i < lines.size(); ++i) {
    const WireCase& c = kCases[i];
    SCOPED_TRACE(c.pg);
    size_t space = lines[i].find(' ');
    ASSERT_NE(space, std::string::npos) << lines[i];
    std::string pg_text_hex = lines[i].substr(0, space);
    std::string pg_binary_hex = lines[i].substr(space + 1);
    std::string ours_text = Cell(c.duckdb, kTextFormat).value_or("<null>");
    std::string ours_binary = Hex(Cell(c.duckdb, kBinaryFormat).value_or("<null>"));
    EXPECT_EQ(Hex(ours_text), pg_text_hex) << "ours: " << ours_text;
    EXPECT_EQ(ours_binary, pg_binary_hex);
    EXPECT_EQ(Hex(c.text), pg_text_hex) << "expected column of the case table is stale";
    EXPECT_EQ(c.binary, pg_binary_hex) << "expected column of the case table is stale";
  }
}

// timestamptz text in session zones other than UTC: every zone's history (daylight saving,
// half-hour and 45-minute offsets, local mean time before 1900) against PostgreSQL's own output
// for 2,000 instants from 1800 to 2100 and the instants either side of two transitions.
TEST_F(PostgresCrossCheckTest, TimestamptzTextInSessionZones) {
  ASSERT_NE(server_, nullptr) << *start_error_;
  const char* instants =
      "SELECT -5364662400 + i * 4733611.25 AS x FROM generate_series(0, 1999) g(i) "
      "UNION ALL SELECT unnest(ARRAY[1711846799.5, 1711846800, 1730595599.5, 1730595600, "
      "0, -1])";
  for (const char* zone_name : {"Europe/Berlin", "America/New_York", "Asia/Kolkata",
                                "America/St_Johns", "Australia/Lord_Howe", "Pacific/Chatham"}) {
    SCOPED_TRACE(zone_name);
    ASSERT_OK_AND_ASSIGN(std::string pg, server_->Psql(std::string("SET TimeZone = '") + zone_name +
                                                       "'; SELECT to_timestamp(x)::text FROM (" +
                                                       instants + ") t ORDER BY x;"));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<SessionZone> zone, SessionZone::Open(zone_name));
    std::string duck_instants = instants;
    duck_instants.replace(duck_instants.find("generate_series(0, 1999) g(i)"),
                          std::string("generate_series(0, 1999) g(i)").size(),
                          "range(0, 2000) g(i)");
    ASSERT_OK_AND_ASSIGN(std::string rows,
                         Encode("SELECT to_timestamp(x) FROM (" + duck_instants + ") t ORDER BY x",
                                {kTextFormat}, zone));
    std::string ours;
    for (const auto& row : ParseDataRows(rows))
      ours += row[0].value_or("<null>") + "\n";
    EXPECT_EQ(ours, pg);
  }
}

}  // namespace
}  // namespace tessera::ports::pgwire
