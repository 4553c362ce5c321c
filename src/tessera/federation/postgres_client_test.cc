#include "tessera/federation/postgres_client.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::federation {
namespace {

TEST(DuckDbTypeForPgTest, TypesMapFaithfullyAndTheRestIsText) {
  EXPECT_EQ(DuckDbTypeForPg("integer", 0, 0), "INTEGER");
  EXPECT_EQ(DuckDbTypeForPg("bigint", 0, 0), "BIGINT");
  EXPECT_EQ(DuckDbTypeForPg("boolean", 0, 0), "BOOLEAN");
  EXPECT_EQ(DuckDbTypeForPg("timestamp with time zone", 0, 0), "TIMESTAMPTZ");
  EXPECT_EQ(DuckDbTypeForPg("bytea", 0, 0), "BLOB");
  EXPECT_EQ(DuckDbTypeForPg("numeric", 8, 2), "DECIMAL(8,2)");
  // Unconstrained, or wider than DuckDB's decimals: a double.
  EXPECT_EQ(DuckDbTypeForPg("numeric", 0, 0), "DOUBLE");
  EXPECT_EQ(DuckDbTypeForPg("numeric", 50, 2), "DOUBLE");
  for (const char* text : {"interval", "json", "ARRAY", "USER-DEFINED", "point", "nonsense"})
    EXPECT_EQ(DuckDbTypeForPg(text, 0, 0), "VARCHAR") << text;
}

TEST(RedactConninfoTest, PasswordsNeverShowAndBadStringsAreErrors) {
  ASSERT_OK_AND_ASSIGN(std::string keywords,
                       RedactConninfo("host=db port=5432 user=app password=s3cret dbname=x"));
  EXPECT_EQ(keywords.find("s3cret"), std::string::npos) << keywords;
  EXPECT_NE(keywords.find("host=db"), std::string::npos) << keywords;
  ASSERT_OK_AND_ASSIGN(std::string url,
                       RedactConninfo("postgresql://app:s3cret@db:5432/x?connect_timeout=3"));
  EXPECT_EQ(url.find("s3cret"), std::string::npos) << url;
  for (const char* bad : {"host=db password='hunter2", "= value", "postgresql://[::1"}) {
    auto redacted = RedactConninfo(bad);
    EXPECT_EQ(redacted.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(redacted.status().message().find("hunter2"), std::string::npos)
        << redacted.status().message();
  }
}

}  // namespace
}  // namespace tessera::federation
