#include "tessera/sharing/predicate_hints.h"

#include <gtest/gtest.h>

#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::sharing {
namespace {

std::shared_ptr<const delta::Snapshot> LoadFixture(const std::string& name) {
  auto snapshot =
      delta::Snapshot::Load(storage::LocalStorage::Instance(), nullptr,
                            (testing::DeltaFixturesDir() / name).string(), std::nullopt);
  EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  return snapshot.ok() ? *snapshot : nullptr;
}

std::string Leaf(std::string_view op, std::string_view text, std::string_view type) {
  std::string key = op == "column" ? "name" : "value";
  return R"({"op":")" + std::string(op) + R"(",")" + key + R"(":")" + std::string(text) +
         R"(","valueType":")" + std::string(type) + R"("})";
}

std::string Node(std::string_view op, const std::vector<std::string>& children) {
  std::string text = R"({"op":")" + std::string(op) + R"(","children":[)";
  for (size_t i = 0; i < children.size(); ++i)
    text += (i ? "," : "") + children[i];
  return text + "]}";
}

std::string IdEquals(int value) {
  return Node("equal",
              {Leaf("column", "id", "int"), Leaf("literal", std::to_string(value), "int")});
}

delta::AddFile WithStats(std::string stats) {
  delta::AddFile file;
  file.path = "f.parquet";
  file.stats = std::move(stats);
  return file;
}

class FileFilterTest : public ::testing::Test {
 protected:
  // kernel-cdf-table-non-partitioned: id integer, name string, birthday date, long_field long,
  // boolean_field boolean, double_field double, smallint_field short.
  void SetUp() override { snapshot_ = LoadFixture("kernel-cdf-table-non-partitioned"); }

  bool Keeps(const std::string& predicate, const std::string& stats) {
    auto parsed = ParseJsonPredicate(predicate);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    FileFilter filter = FileFilter::Bind(*parsed, *snapshot_);
    EXPECT_TRUE(filter.active()) << filter.disabled_reason();
    return filter.MayMatch(WithStats(stats));
  }

  std::shared_ptr<const delta::Snapshot> snapshot_;
};

TEST_F(FileFilterTest, NotUsesThreeValuedLogic) {
  const std::string range = R"({"numRecords":6,"minValues":{"id":5},"maxValues":{"id":10},)"
                            R"("nullCount":{"id":0}})";
  EXPECT_TRUE(Keeps(IdEquals(7), range));
  // The reference server drops this file (delta-sharing#651); 5, 6, 8, 9, 10 all match.
  EXPECT_TRUE(Keeps(Node("not", {IdEquals(7)}), range));
  EXPECT_FALSE(Keeps(IdEquals(11), range));
  const std::string sevens = R"({"numRecords":3,"minValues":{"id":7},"maxValues":{"id":7},)"
                             R"("nullCount":{"id":0}})";
  EXPECT_FALSE(Keeps(Node("not", {IdEquals(7)}), sevens));
  // NOT (NULL = 7) is NULL, not true: nulls do not rescue the file.
  const std::string sevens_and_nulls =
      R"({"numRecords":3,"minValues":{"id":7},"maxValues":{"id":7},"nullCount":{"id":1}})";
  EXPECT_FALSE(Keeps(Node("not", {IdEquals(7)}), sevens_and_nulls));
  EXPECT_TRUE(Keeps(Node("isNull", {Leaf("column", "id", "int")}), sevens_and_nulls));
  EXPECT_FALSE(Keeps(Node("isNull", {Leaf("column", "id", "int")}), sevens));
  EXPECT_TRUE(Keeps(Node("not", {Node("isNull", {Leaf("column", "id", "int")})}), sevens));
  EXPECT_TRUE(Keeps(Node("or", {IdEquals(1), IdEquals(7)}), sevens));
  EXPECT_FALSE(Keeps(Node("and", {IdEquals(7), Node("not", {IdEquals(7)})}), sevens));
}

TEST_F(FileFilterTest, UnknownStatisticsKeepFiles) {
  EXPECT_TRUE(Keeps(IdEquals(7), R"({"numRecords":3})"));
  EXPECT_TRUE(Keeps(IdEquals(7), "not json"));
  EXPECT_TRUE(Keeps(IdEquals(7), R"({"numRecords":3,"minValues":{"id":"x"}})"));
  // An empty file, or a column that is all null, has no row that can match.
  EXPECT_FALSE(Keeps(IdEquals(7), R"({"numRecords":0})"));
  EXPECT_FALSE(Keeps(IdEquals(7), R"({"numRecords":2,"nullCount":{"id":2}})"));
}

TEST_F(FileFilterTest, ComparesEveryTypeAndFlipsLiteralsOnTheLeft) {
  const std::string stats =
      R"({"numRecords":2,"minValues":{"id":1,"name":"Bob","birthday":"2024-04-14",)"
      R"("double_field":1.5},"maxValues":{"id":2,"name":"Steve","birthday":"2024-04-15",)"
      R"("double_field":3.5},"nullCount":{"id":0,"name":0,"birthday":0,"double_field":0}})";
  EXPECT_TRUE(Keeps(
      Node("lessThan", {Leaf("column", "birthday", "date"), Leaf("literal", "2024-04-15", "date")}),
      stats));
  EXPECT_FALSE(Keeps(
      Node("lessThan", {Leaf("column", "birthday", "date"), Leaf("literal", "2024-04-14", "date")}),
      stats));
  EXPECT_FALSE(Keeps(Node("greaterThan", {Leaf("literal", "2024-04-14", "date"),
                                          Leaf("column", "birthday", "date")}),
                     stats));
  EXPECT_TRUE(Keeps(Node("greaterThanOrEqual",
                         {Leaf("column", "name", "string"), Leaf("literal", "Steve", "string")}),
                    stats));
  EXPECT_FALSE(Keeps(
      Node("greaterThan", {Leaf("column", "name", "string"), Leaf("literal", "Steve", "string")}),
      stats));
  EXPECT_FALSE(Keeps(Node("lessThanOrEqual", {Leaf("column", "double_field", "double"),
                                              Leaf("literal", "1.25", "double")}),
                     stats));
  // A 32-character max may be truncated: no upper bound.
  std::string long_max = R"({"numRecords":1,"minValues":{"name":"a"},"maxValues":{"name":")" +
                         std::string(32, 'b') + R"("},"nullCount":{"name":0}})";
  EXPECT_TRUE(Keeps(Node("greaterThan", {Leaf("column", "name", "string"),
                                         Leaf("literal", std::string(40, 'b'), "string")}),
                    long_max));
}

TEST_F(FileFilterTest, MismatchedOrUnknownColumnsDisableSkipping) {
  for (const std::string& predicate :
       {Node("equal", {Leaf("column", "id", "string"), Leaf("literal", "1", "string")}),
        Node("equal", {Leaf("column", "nosuch", "int"), Leaf("literal", "1", "int")})}) {
    auto parsed = ParseJsonPredicate(predicate);
    ASSERT_OK(parsed.status());
    FileFilter filter = FileFilter::Bind(*parsed, *snapshot_);
    EXPECT_FALSE(filter.active());
    EXPECT_FALSE(filter.disabled_reason().empty());
    EXPECT_TRUE(filter.MayMatch(WithStats(R"({"numRecords":0})")));
  }
}

TEST(FileFilterPartitionTest, PartitionValuesAreExactIncludingNull) {
  auto snapshot = LoadFixture("deltars-delta-0.8.0-null-partition");  // partition k string
  ASSERT_TRUE(snapshot);
  auto keeps = [&](const std::string& predicate, std::optional<std::string> value) {
    auto parsed = ParseJsonPredicate(predicate);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    FileFilter filter = FileFilter::Bind(*parsed, *snapshot);
    delta::AddFile file;
    file.partition_values["k"] = std::move(value);
    return filter.MayMatch(file);
  };
  std::string is_null = Node("isNull", {Leaf("column", "k", "string")});
  std::string equals_a =
      Node("equal", {Leaf("column", "k", "string"), Leaf("literal", "A", "string")});
  EXPECT_TRUE(keeps(is_null, std::nullopt));
  EXPECT_FALSE(keeps(is_null, "A"));
  EXPECT_FALSE(keeps(equals_a, std::nullopt));
  EXPECT_TRUE(keeps(equals_a, "A"));
  EXPECT_FALSE(keeps(Node("not", {equals_a}), std::nullopt));
  EXPECT_FALSE(keeps(Node("not", {is_null}), std::nullopt));
  EXPECT_TRUE(keeps(Node("not", {equals_a}), "B"));

  auto sql = ParseSqlPredicateHints({"k = 'A'", "garbage ((", "nosuch = 1"}, *snapshot);
  ASSERT_TRUE(sql.has_value());
  FileFilter filter = FileFilter::Bind(*sql, *snapshot);
  delta::AddFile b;
  b.partition_values["k"] = "B";
  EXPECT_FALSE(filter.MayMatch(b));
  EXPECT_FALSE(ParseSqlPredicateHints({"nosuch = 1"}, *snapshot).has_value());
  auto not_null = ParseSqlPredicateHints({"k IS NOT NULL"}, *snapshot);
  ASSERT_TRUE(not_null.has_value());
  EXPECT_EQ(not_null->op, "not");
}

TEST(ParseJsonPredicateTest, RefusesMalformedTrees) {
  for (const std::string& bad :
       {std::string("{"), std::string("[]"), std::string(R"({"op":"equal"})"),
        std::string(R"({"op":"bogus","children":[]})"), Node("equal", {Leaf("column", "a", "int")}),
        Node("equal", {Leaf("column", "a", "int"), Leaf("literal", "x", "int")}),
        Node("equal", {Leaf("column", "a", "int"), Leaf("literal", "1", "long")}),
        Node("and", {IdEquals(1)}), Node("not", {IdEquals(1), IdEquals(2)}),
        Node("isNull", {IdEquals(1)}), Leaf("column", "a", "decimal"),
        Node("equal", {Leaf("literal", "2024-13-01", "date"), Leaf("column", "d", "date")}),
        // Found by the fuzzer: values where conditions belong.
        Node("and", {Leaf("literal", "2024-01-01", "date"), Leaf("column", "day", "date")}),
        Node("or", {IdEquals(1), Leaf("column", "day", "date")}),
        Node("not", {Leaf("column", "flag", "boolean")})}) {
    auto parsed = ParseJsonPredicate(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(ParseJsonPredicateTest, EnforcesItsLimitsWithoutDeepRecursion) {
  EXPECT_FALSE(ParseJsonPredicate(std::string(200000, '[')).ok());
  std::string deep = IdEquals(1);
  for (int i = 0; i < 150; ++i)
    deep = Node("not", {deep});
  EXPECT_FALSE(ParseJsonPredicate(deep).ok());
  PredicateLimits small;
  small.max_bytes = 10;
  EXPECT_FALSE(ParseJsonPredicate(IdEquals(1), small).ok());
  std::string shallow = IdEquals(1);
  for (int i = 0; i < 50; ++i)
    shallow = Node("not", {shallow});
  EXPECT_TRUE(ParseJsonPredicate(shallow).ok());
}

}  // namespace
}  // namespace tessera::sharing
