#include "tessera/cli/args.h"

#include <gtest/gtest.h>

namespace tessera::cli {
namespace {

TEST(ParseArgsTest, ParsesOptionsFlagsAndPositionals) {
  auto args = ParseArgs({"a", "--format", "csv", "--json", "--data-dir=/x", "--", "--b"},
                        {"format", "data-dir"}, {"json"});
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->positional, (std::vector<std::string>{"a", "--b"}));
  EXPECT_EQ(args->Option("format"), "csv");
  EXPECT_EQ(args->Option("data-dir"), "/x");
  EXPECT_TRUE(args->Flag("json"));
}

TEST(ParseArgsTest, KeepsEveryValueOfRepeatedOptions) {
  auto args = ParseArgs({"--set", "a = 1", "--set=b = f(x, y)"}, {"set"}, {});
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->Values("set"), (std::vector<std::string>{"a = 1", "b = f(x, y)"}));
  EXPECT_EQ(args->Option("set"), "b = f(x, y)");
}

TEST(ParseArgsTest, RejectsUnknownAndMissingValues) {
  EXPECT_EQ(ParseArgs({"--nope"}, {}, {}).status().message(), "unknown option '--nope'");
  EXPECT_EQ(ParseArgs({"--format"}, {"format"}, {}).status().message(),
            "option '--format' needs a value");
  EXPECT_EQ(ParseArgs({"--json=1"}, {}, {"json"}).status().message(),
            "option '--json' takes no value");
  EXPECT_FALSE(ParseArgs({"-x"}, {}, {}).ok());
}

}  // namespace
}  // namespace tessera::cli
