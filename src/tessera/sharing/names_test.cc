#include "tessera/sharing/names.h"

#include <gtest/gtest.h>

namespace tessera::sharing {
namespace {

TEST(CheckNameTest, AcceptsProtocolNames) {
  EXPECT_TRUE(CheckName(NameKind::kShare, "delta_sharing").ok());
  EXPECT_TRUE(CheckName(NameKind::kShare, "share.with.dots").ok());
  EXPECT_TRUE(CheckName(NameKind::kTable, "Table-1_ü").ok());
  EXPECT_TRUE(CheckName(NameKind::kSchema, std::string(255, 'a')).ok());
}

TEST(CheckNameTest, RefusesWhatCouldEscapeAPathOrHeader) {
  EXPECT_EQ(CheckName(NameKind::kShare, "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckName(NameKind::kShare, std::string(256, 'a')).code(),
            StatusCode::kInvalidArgument);
  for (std::string_view bad :
       {std::string_view("a b"), std::string_view("a/b"), std::string_view("a\\b"),
        std::string_view("a%2e"), std::string_view("a\0b", 3), std::string_view("a\nb")}) {
    EXPECT_EQ(CheckName(NameKind::kShare, bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(CheckName(NameKind::kSchema, "a.b").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckName(NameKind::kTable, "..").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckName(NameKind::kRecipient, "a.b").code(), StatusCode::kInvalidArgument);
}

TEST(FoldNameTest, LowercasesAscii) { EXPECT_EQ(FoldName("ShArE_1"), "share_1"); }

}  // namespace
}  // namespace tessera::sharing
