#include "tessera/common/status.h"

#include <gtest/gtest.h>

#include "tessera/common/result.h"

namespace tessera {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0)
    return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  TESSERA_ASSIGN_OR_RETURN(int half, Half(x));
  return Half(half);
}

TEST(StatusTest, OkIsDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CarriesCodeMessageAndContext) {
  Status s = Status::NotFound("table x").WithContext("loading");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "loading: table x");
  EXPECT_EQ(s.ToString(), "NotFound: loading: table x");
  Status copy = s;
  EXPECT_EQ(copy.message(), s.message());
}

TEST(ResultTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd");
}

}  // namespace
}  // namespace tessera
