#include "tessera/engine/scalar_function.h"

#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::engine {
namespace {

class EngineScalarFunctionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, Database::Open(DatabaseOptions{}));
    ASSERT_OK_AND_ASSIGN(connection_, Connection::Open(*database_));
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<Connection> connection_;
};

// mask(text, keep): the first `keep` characters, then "***".
Result<std::optional<std::string>> Mask(const std::vector<ScalarArg>& arguments) {
  auto text = std::get<std::string_view>(arguments[0]);
  int64_t keep = std::get<int64_t>(arguments[1]);
  if (keep < 0)
    return Status::InvalidArgument("keep must be >= 0");
  return std::optional<std::string>(std::string(text.substr(0, static_cast<size_t>(keep))) + "***");
}

TEST_F(EngineScalarFunctionTest, ComputesVarcharFromVarcharAndBigint) {
  ASSERT_OK(RegisterScalarFunction(*connection_, "mask",
                                   {ScalarArgType::kVarchar, ScalarArgType::kBigint}, Mask));
  ASSERT_OK_AND_ASSIGN(
      std::optional<std::string> masked,
      connection_->QueryScalarString(
          "SELECT string_agg(coalesce(mask(s, k), 'NULL'), ',' ORDER BY n) FROM (VALUES "
          "(1, 'alice@example.com', 2), (2, NULL, 1), (3, 'bob', NULL), "
          "(4, 'a much longer string than twelve', 6)) t(n, s, k)"));
  EXPECT_EQ(masked, "al***,NULL,NULL,a much***");
}

TEST_F(EngineScalarFunctionTest, RunsOnEveryRowOfALargeInput) {
  std::atomic<int64_t> calls{0};
  ASSERT_OK(RegisterScalarFunction(
      *connection_, "tag", {ScalarArgType::kBigint},
      [&calls](const std::vector<ScalarArg>& arguments) -> Result<std::optional<std::string>> {
        ++calls;
        int64_t value = std::get<int64_t>(arguments[0]);
        if (value % 2 == 0)
          return std::optional<std::string>();
        return std::optional<std::string>("odd");
      }));
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> counts,
                       connection_->QueryScalarString(
                           "SELECT count(tag(i)) || '/' || count(*) FROM range(100000) t(i)"));
  EXPECT_EQ(counts, "50000/100000");
  EXPECT_EQ(calls.load(), 100000);
}

TEST_F(EngineScalarFunctionTest, IsVisibleToOtherConnections) {
  ASSERT_OK(RegisterScalarFunction(*connection_, "mask",
                                   {ScalarArgType::kVarchar, ScalarArgType::kBigint}, Mask));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Connection> other, Connection::Open(*database_));
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> masked,
                       other->QueryScalarString("SELECT mask('secret', 1)"));
  EXPECT_EQ(masked, "s***");
}

TEST_F(EngineScalarFunctionTest, CallbackErrorFailsTheQuery) {
  ASSERT_OK(RegisterScalarFunction(*connection_, "mask",
                                   {ScalarArgType::kVarchar, ScalarArgType::kBigint}, Mask));
  Result<std::optional<std::string>> result =
      connection_->QueryScalarString("SELECT mask(s, -1) FROM (VALUES ('x')) t(s)");
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "Invalid Input Error: keep must be >= 0");
}

TEST_F(EngineScalarFunctionTest, SecondRegistrationOfTheSameSignatureFails) {
  ASSERT_OK(RegisterScalarFunction(*connection_, "mask",
                                   {ScalarArgType::kVarchar, ScalarArgType::kBigint}, Mask));
  Status status = RegisterScalarFunction(*connection_, "mask",
                                         {ScalarArgType::kVarchar, ScalarArgType::kBigint}, Mask);
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(), "cannot register scalar function 'mask'");
}

}  // namespace
}  // namespace tessera::engine
