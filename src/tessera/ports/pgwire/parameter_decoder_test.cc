#include "tessera/ports/pgwire/parameter_decoder.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tessera/engine/database.h"
#include "tessera/ports/pgwire/pg_types.h"
#include "tessera/testing/test_util.h"

namespace tessera::ports::pgwire {
namespace {

std::string Unhex(std::string_view hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return bytes;
}

// Exactly `bytes.size()` bytes on the heap, so that AddressSanitizer flags any read past them
// (a std::string has a terminator and inline storage that would hide a one-byte overread).
class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view bytes)
      : size_(bytes.size()), data_(new char[bytes.empty() ? 1 : bytes.size()]) {
    std::copy(bytes.begin(), bytes.end(), data_.get());
  }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  size_t size_;
  std::unique_ptr<char[]> data_;
};

class ParameterDecoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, engine::Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, engine::Connection::Open(*database_));
    ASSERT_OK(connection_->Execute("SET TimeZone = 'UTC'"));
  }

  // Prepare `sql` (one parameter, one VARCHAR result), bind $1, run it and return the cell.
  Result<std::optional<std::string>> Run(const std::string& sql, uint32_t type_oid, int16_t format,
                                         std::optional<std::string_view> value) {
    duckdb_prepared_statement statement = nullptr;
    if (duckdb_prepare(connection_->handle(), sql.c_str(), &statement) != DuckDBSuccess) {
      Status error = Status::Internal(duckdb_prepare_error(statement));
      duckdb_destroy_prepare(&statement);
      return error;
    }
    Status bound = BindParameter(statement, 1, type_oid, format, value);
    if (!bound.ok()) {
      duckdb_destroy_prepare(&statement);
      return bound;
    }
    duckdb_result result;
    if (duckdb_execute_prepared(statement, &result) != DuckDBSuccess) {
      Status error = Status::Conflict(duckdb_result_error(&result));  // marks "failed in DuckDB"
      duckdb_destroy_result(&result);
      duckdb_destroy_prepare(&statement);
      return error;
    }
    std::optional<std::string> cell;
    duckdb_data_chunk raw = duckdb_fetch_chunk(result);
    if (raw != nullptr) {
      engine::DataChunk chunk(raw);
      if (chunk.row_count() > 0 && !chunk.IsNull(0, 0))
        cell = std::string(chunk.GetString(0, 0));
    }
    duckdb_destroy_result(&result);
    duckdb_destroy_prepare(&statement);
    return cell;
  }

  // The VARCHAR of `cast` applied to binary parameter $1.
  std::string Binary(const std::string& cast, uint32_t type_oid, std::string_view hex) {
    ExactBuffer buffer(Unhex(hex));
    auto cell = Run("SELECT (" + cast + ")::VARCHAR", type_oid, 1, buffer.view());
    EXPECT_TRUE(cell.ok()) << cast << ": " << cell.status().ToString();
    return cell.ok() ? cell->value_or("<null>") : "<error>";
  }

  StatusCode BinaryError(uint32_t type_oid, std::string_view hex) {
    ExactBuffer buffer(Unhex(hex));
    auto cell = Run("SELECT $1::VARCHAR", type_oid, 1, buffer.view());
    return cell.status().code();
  }

  std::string Text(const std::string& cast, uint32_t type_oid, std::string_view value) {
    auto cell = Run("SELECT (" + cast + ")::VARCHAR", type_oid, 0, value);
    EXPECT_TRUE(cell.ok()) << cast << ": " << cell.status().ToString();
    return cell.ok() ? cell->value_or("<null>") : "<error>";
  }

  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::Connection> connection_;
};

TEST_F(ParameterDecoderTest, NullBindsNull) {
  ASSERT_OK_AND_ASSIGN(auto text_null, Run("SELECT $1::INTEGER::VARCHAR", oid::kInt4, 0, {}));
  EXPECT_FALSE(text_null.has_value());
  ASSERT_OK_AND_ASSIGN(auto binary_null, Run("SELECT $1::VARCHAR", oid::kInt8, 1, {}));
  EXPECT_FALSE(binary_null.has_value());
}

TEST_F(ParameterDecoderTest, BinaryFixedWidthTypes) {
  EXPECT_EQ(Binary("$1", oid::kBool, "01"), "true");
  EXPECT_EQ(Binary("$1", oid::kBool, "00"), "false");
  EXPECT_EQ(Binary("$1", oid::kInt2, "ff80"), "-128");
  EXPECT_EQ(Binary("$1", oid::kInt4, "80000000"), "-2147483648");
  EXPECT_EQ(Binary("$1", oid::kInt8, "7fffffffffffffff"), "9223372036854775807");
  EXPECT_EQ(Binary("$1", oid::kFloat4, "3fc00000"), "1.5");
  EXPECT_EQ(Binary("$1", oid::kFloat8, "3fb999999999999a"), "0.1");
  EXPECT_EQ(Binary("typeof($1)", oid::kInt8, "0000000000000001"), "BIGINT");
}

TEST_F(ParameterDecoderTest, BinaryStringsAndBytes) {
  EXPECT_EQ(Binary("$1", oid::kText, "68c3a96c6c6f"), "h\xc3\xa9llo");
  EXPECT_EQ(Binary("$1", oid::kVarchar, "6162"), "ab");
  EXPECT_EQ(Binary("$1", oid::kName, "6162"), "ab");
  EXPECT_EQ(Binary("$1", oid::kBpchar, "6162"), "ab");
  EXPECT_EQ(Binary("$1", oid::kUnknown, ""), "");
  EXPECT_EQ(Binary("hex($1)", oid::kBytea, "00ff61"), "00FF61");
  EXPECT_EQ(Binary("typeof($1)", oid::kBytea, "00"), "BLOB");
  EXPECT_EQ(Binary("$1::JSON->>'a'", oid::kJson, "7b2261223a327d"), "2");
  EXPECT_EQ(Binary("$1", oid::kJsonb, "017b7d"), "{}");
  EXPECT_EQ(BinaryError(oid::kJsonb, "027b7d"), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinaryError(oid::kJsonb, ""), StatusCode::kInvalidArgument);
  // Not UTF-8: DuckDB refuses the VARCHAR.
  EXPECT_EQ(BinaryError(oid::kText, "ff"), StatusCode::kInvalidArgument);
}

TEST_F(ParameterDecoderTest, BinaryDatesAndTimes) {
  EXPECT_EQ(Binary("$1", oid::kDate, "00002279"), "2024-02-29");
  EXPECT_EQ(Binary("$1", oid::kDate, "fff49d7b"), "0044-03-15 (BC)");
  EXPECT_EQ(Binary("$1", oid::kDate, "7fffffff"), "infinity");
  EXPECT_EQ(Binary("$1", oid::kDate, "80000000"), "-infinity");
  EXPECT_EQ(Binary("$1", oid::kTime, "0000000b8839b4c0"), "13:45:30.123456");
  EXPECT_EQ(BinaryError(oid::kTime, "ffffffffffffffff"), StatusCode::kInvalidArgument);
  EXPECT_EQ(Binary("$1", oid::kTimestamp, "0002b5843dc614c0"), "2024-02-29 13:45:30.123456");
  EXPECT_EQ(Binary("typeof($1)", oid::kTimestamp, "0002b5843dc614c0"), "TIMESTAMP");
  EXPECT_EQ(Binary("$1", oid::kTimestamptz, "0002b5843dcbd3a0"), "2024-02-29 13:45:30.5+00");
  EXPECT_EQ(Binary("typeof($1)", oid::kTimestamptz, "0002b5843dcbd3a0"),
            "TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(Binary("$1", oid::kTimestamp, "7fffffffffffffff"), "infinity");
  EXPECT_EQ(Binary("$1", oid::kTimestamp, "8000000000000000"), "-infinity");
  EXPECT_EQ(BinaryError(oid::kTimestamp, "7ffffffffffffffe"), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinaryError(oid::kTimestamp, "8000000000000001"), StatusCode::kInvalidArgument);
  EXPECT_EQ(Binary("$1", oid::kInterval, "000000036c97ca88000000030000000e"),
            "1 year 2 months 3 days 04:05:06.789");
}

TEST_F(ParameterDecoderTest, BinaryNumeric) {
  EXPECT_EQ(Binary("$1::DECIMAL(12,2)", oid::kNumeric, "0003000140000002000109291770"),
            "-12345.60");
  EXPECT_EQ(Binary("$1", oid::kNumeric, "0003000140000002000109291770"), "-12345.60");
  EXPECT_EQ(Binary("$1", oid::kNumeric, "0000000000000002"), "0.00");
  EXPECT_EQ(Binary("$1", oid::kNumeric, "0001ffff40000004000a"), "-0.0010");
  EXPECT_EQ(Binary("$1", oid::kNumeric, "000a00060000000a04d2162e23340d801ed204d2162e007b11d722c4"),
            "1234567890123456789012345678.0123456789");
  // 42 digits do not fit a DECIMAL: bound as text, which DuckDB casts.
  EXPECT_EQ(
      Binary("$1", oid::kNumeric, "000b000a00000000000c0d801ed204d2162e23340d801ed204d2162e2334"),
      "123456789012345678901234567890123456789012");
  EXPECT_EQ(Binary("$1::BIGNUM", oid::kNumeric,
                   "000b000a00000000000c0d801ed204d2162e23340d801ed204d2162e2334"),
            "123456789012345678901234567890123456789012");
  // dscale hides digits: numeric_recv truncates them (1.2345 with dscale 2 is 1.23).
  EXPECT_EQ(Binary("$1", oid::kNumeric,
                   "00020000000000020001"
                   "0929"),
            "1.23");
  EXPECT_EQ(Binary("$1", oid::kNumeric, "00000000c0000000"), "nan");
  EXPECT_EQ(Binary("$1", oid::kNumeric, "00000000f0000000"), "-inf");
  EXPECT_EQ(BinaryError(oid::kNumeric, "00010000000000000000"), StatusCode::kOk);
  EXPECT_EQ(BinaryError(oid::kNumeric, "0001000000000000"), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinaryError(oid::kNumeric, "000100000000000027100000"), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinaryError(oid::kNumeric, "00010000000000002710"), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinaryError(oid::kNumeric, "0001000012340000000a"), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinaryError(oid::kNumeric, "ffff000000000000"), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinaryError(oid::kNumeric, "00000000000040000000"), StatusCode::kInvalidArgument);
}

TEST_F(ParameterDecoderTest, BinaryUuid) {
  EXPECT_EQ(Binary("$1", oid::kUuid, "a0eebc999c0b4ef8bb6d6bb9bd380a11"),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(Binary("$1", oid::kUuid, "00000000000000000000000000000001"),
            "00000000-0000-0000-0000-000000000001");
  EXPECT_EQ(Binary("typeof($1)", oid::kUuid, "ffffffffffffffffffffffffffffffff"), "UUID");
}

TEST_F(ParameterDecoderTest, WrongLengthsAreInvalid) {
  struct Case {
    uint32_t type_oid;
    const char* hex;
  };
  const Case cases[] = {
      {oid::kBool, ""},
      {oid::kBool, "0101"},
      {oid::kInt2, "01"},
      {oid::kInt4, "000001"},
      {oid::kInt8, "00000000000001"},
      {oid::kFloat4, "3fc000"},
      {oid::kFloat8, "3fb9"},
      {oid::kDate, "000022"},
      {oid::kTime, "00"},
      {oid::kTimestamp, "0002"},
      {oid::kTimestamptz, "000000000000000000"},
      {oid::kInterval, "00"},
      {oid::kUuid, "a0eebc99"},
      {oid::kNumeric, "000000"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.type_oid) + " " + c.hex);
    EXPECT_EQ(BinaryError(c.type_oid, c.hex), StatusCode::kInvalidArgument);
  }
  ExactBuffer buffer(Unhex("000001"));
  auto result = Run("SELECT $1::VARCHAR", oid::kInt4, 1, buffer.view());
  EXPECT_EQ(result.status().message(),
            "invalid binary representation for parameter $1 (integer): expected 4 bytes, got 3");
}

TEST_F(ParameterDecoderTest, UnsupportedBinaryTypesAndFormats) {
  EXPECT_EQ(BinaryError(600 /* point */, "00"), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinaryError(oid::kInt4Array, "00"), StatusCode::kInvalidArgument);
  EXPECT_EQ(BinaryError(oid::kUnspecified, "00000001"), StatusCode::kInvalidArgument);
  auto bad_format = Run("SELECT $1::VARCHAR", oid::kText, 2, std::string_view("x"));
  EXPECT_EQ(bad_format.status().code(), StatusCode::kInvalidArgument);
}

// Every prefix of a valid value, in a buffer of exactly that size: fixed-width types and numeric
// must reject it, and nothing may read past it (run under -DTESSERA_SANITIZE=ON to check).
TEST_F(ParameterDecoderTest, TruncatedValuesNeverReadPastTheBuffer) {
  struct Case {
    uint32_t type_oid;
    const char* hex;
  };
  const Case cases[] = {
      {oid::kBool, "01"},
      {oid::kInt2, "ff80"},
      {oid::kInt4, "80000000"},
      {oid::kInt8, "7fffffffffffffff"},
      {oid::kFloat4, "3fc00000"},
      {oid::kFloat8, "3fb999999999999a"},
      {oid::kDate, "00002279"},
      {oid::kTime, "0000000b8839b4c0"},
      {oid::kTimestamp, "0002b5843dc614c0"},
      {oid::kTimestamptz, "0002b5843dcbd3a0"},
      {oid::kInterval, "000000036c97ca88000000030000000e"},
      {oid::kUuid, "a0eebc999c0b4ef8bb6d6bb9bd380a11"},
      {oid::kNumeric, "000a00060000000a04d2162e23340d801ed204d2162e007b11d722c4"},
  };
  for (const Case& c : cases) {
    std::string bytes = Unhex(c.hex);
    for (size_t length = 0; length < bytes.size(); ++length) {
      SCOPED_TRACE(std::to_string(c.type_oid) + " prefix " + std::to_string(length));
      ExactBuffer buffer(std::string_view(bytes).substr(0, length));
      auto result = Run("SELECT $1::VARCHAR", c.type_oid, 1, buffer.view());
      EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    }
  }
  // Variable-length types take any length, the empty value included.
  for (uint32_t type_oid : {oid::kText, oid::kBytea, oid::kJson}) {
    ExactBuffer empty("");
    EXPECT_OK(Run("SELECT $1::VARCHAR", type_oid, 1, empty.view()).status());
  }
  // A numeric header claiming many digits with none present.
  ExactBuffer lying(Unhex("7fff00000000000000"));
  EXPECT_EQ(Run("SELECT $1::VARCHAR", oid::kNumeric, 1, lying.view()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ParameterDecoderTest, TextParametersOnTypedStatements) {
  EXPECT_EQ(Text("$1::INTEGER + 1", oid::kInt4, "41"), "42");
  EXPECT_EQ(Text("$1::INTEGER + 1", oid::kUnspecified, "41"), "42");
  EXPECT_EQ(Text("$1::DECIMAL(12,2)", oid::kNumeric, "-12345.6"), "-12345.60");
  EXPECT_EQ(Text("$1::TIMESTAMPTZ", oid::kTimestamptz, "2024-02-29 15:45:30.5+02"),
            "2024-02-29 13:45:30.5+00");
  EXPECT_EQ(Text("$1::DATE", oid::kDate, "2024-02-29"), "2024-02-29");
  EXPECT_EQ(Text("$1::UUID", oid::kUuid, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(Text("typeof($1)", oid::kText, "x"), "VARCHAR");
  auto filtered = Run("SELECT i::VARCHAR FROM (VALUES (1), (42)) t(i) WHERE i = $1", oid::kInt4, 0,
                      std::string_view("42"));
  ASSERT_OK(filtered.status());
  EXPECT_EQ(filtered->value_or("<null>"), "42");
  // DuckDB's cast rejects bad text when the statement runs.
  auto bad = Run("SELECT ($1::INTEGER)::VARCHAR", oid::kInt4, 0, std::string_view("x"));
  EXPECT_EQ(bad.status().code(), StatusCode::kConflict) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("Could not convert string 'x'"), std::string::npos);
}

TEST_F(ParameterDecoderTest, TextBoolAndByteaFollowPostgres) {
  EXPECT_EQ(Text("$1", oid::kBool, "t"), "true");
  EXPECT_EQ(Text("$1", oid::kBool, " YES "), "true");
  EXPECT_EQ(Text("$1", oid::kBool, "of"), "false");
  EXPECT_EQ(Text("$1", oid::kBool, "0"), "false");
  EXPECT_EQ(Run("SELECT $1::VARCHAR", oid::kBool, 0, std::string_view("o")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Run("SELECT $1::VARCHAR", oid::kBool, 0, std::string_view("maybe")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Text("hex($1)", oid::kBytea, "\\x00ff 61"), "00FF61");
  EXPECT_EQ(Text("hex($1)", oid::kBytea, "a\\\\b\\001"), "615C6201");
  EXPECT_EQ(Text("hex($1)", oid::kBytea, ""), "");
  EXPECT_EQ(Run("SELECT $1::VARCHAR", oid::kBytea, 0, std::string_view("\\x0")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Run("SELECT $1::VARCHAR", oid::kBytea, 0, std::string_view("\\xzz")).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Run("SELECT $1::VARCHAR", oid::kBytea, 0, std::string_view("a\\9")).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ParameterDecoderTest, IndexOutOfRangeIsInvalid) {
  duckdb_prepared_statement statement = nullptr;
  ASSERT_EQ(duckdb_prepare(connection_->handle(), "SELECT $1::INTEGER", &statement), DuckDBSuccess);
  EXPECT_EQ(BindParameter(statement, 2, oid::kInt4, 0, std::string_view("1")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BindParameter(statement, 0, oid::kInt4, 0, std::string_view("1")).code(),
            StatusCode::kInvalidArgument);
  duckdb_destroy_prepare(&statement);
}

}  // namespace
}  // namespace tessera::ports::pgwire
