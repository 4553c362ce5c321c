#include "tessera/products/contract.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

// Designated initializers name only the fields a case needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace tessera::products {
namespace {

class ContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(database_, engine::Database::Open({}));
    ASSERT_OK_AND_ASSIGN(connection_, engine::Connection::Open(*database_));
    ASSERT_OK(connection_->Execute(
        "CREATE TEMP TABLE orders AS SELECT * FROM (VALUES "
        "(1, 'EU', 10.0, 'a@x.org', 100), (2, 'US', -5.0, 'bad', 100), (2, NULL, 7.0, NULL, 300),"
        " (4, 'MARS', 1.0, 'c@x.org', NULL)) AS t(id, region, amount, email, customer);"
        "CREATE TEMP TABLE customers AS SELECT * FROM (VALUES (100), (200)) AS t(id);"));
  }

  RuleResult Run(RuleSpec rule) {
    rule.table = rule.table.empty() ? "orders" : rule.table;
    rule.name = "r";
    auto results = RunRules(*connection_, {rule});
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? RuleResult{} : results[0];
  }

  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::Connection> connection_;
};

TEST_F(ContractTest, EachRuleTypeCountsItsViolations) {
  RuleSpec not_null{.kind = RuleKind::kNotNull, .columns = {"region"}};
  RuleResult r = Run(not_null);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.violations, 1);
  EXPECT_EQ(r.sample,
            std::vector<std::string>{"{'id': 2, 'region': NULL, 'amount': 7.0, 'email': NULL, "
                                     "'customer': 300}"});

  EXPECT_EQ(Run({.kind = RuleKind::kUnique, .columns = {"id"}}).violations, 1);
  EXPECT_EQ(Run({.kind = RuleKind::kUnique, .columns = {"id", "region"}}).violations, 0);
  EXPECT_EQ(
      Run({.kind = RuleKind::kAcceptedValues, .columns = {"region"}, .values = {"'EU'", "'US'"}})
          .violations,
      1);
  EXPECT_EQ(Run({.kind = RuleKind::kRange, .columns = {"amount"}, .min = "0"}).violations, 1);
  EXPECT_EQ(
      Run({.kind = RuleKind::kRange, .columns = {"amount"}, .min = "0", .max = "8"}).violations, 2);
  EXPECT_EQ(
      Run({.kind = RuleKind::kRegex, .columns = {"email"}, .pattern = "[^@]+@[^@]+"}).violations,
      1);
  EXPECT_EQ(Run({.kind = RuleKind::kRowCount, .min = "5"}).violations, 1);
  EXPECT_TRUE(Run({.kind = RuleKind::kRowCount, .min = "1", .max = "4"}).passed);
  EXPECT_EQ(
      Run({.kind = RuleKind::kReferences, .columns = {"customer"}, .references = "customers.id"})
          .violations,
      1);
  RuleResult sql = Run({.kind = RuleKind::kSql, .sql = "SELECT * FROM orders WHERE id > 3"});
  EXPECT_EQ(sql.violations, 1);
}

TEST_F(ContractTest, FreshnessFailsOnOldOrMissingData) {
  ASSERT_OK(connection_->Execute(
      "CREATE TEMP TABLE events AS SELECT now()::TIMESTAMP - INTERVAL 2 HOUR AS at"));
  ASSERT_OK(
      connection_->Execute("CREATE TEMP TABLE empty AS SELECT now()::TIMESTAMP AS at LIMIT 0"));
  EXPECT_TRUE(Run({.kind = RuleKind::kFreshness,
                   .table = "events",
                   .columns = {"at"},
                   .max_age_seconds = 3 * 3600})
                  .passed);
  EXPECT_FALSE(Run({.kind = RuleKind::kFreshness,
                    .table = "events",
                    .columns = {"at"},
                    .max_age_seconds = 3600})
                   .passed);
  EXPECT_FALSE(Run({.kind = RuleKind::kFreshness,
                    .table = "empty",
                    .columns = {"at"},
                    .max_age_seconds = 3600})
                   .passed);
}

TEST_F(ContractTest, BrokenRulesFailWithoutStoppingTheOthers) {
  std::vector<RuleSpec> rules = {
      {.name = "bad_regex",
       .kind = RuleKind::kRegex,
       .table = "orders",
       .columns = {"email"},
       .pattern = "(unclosed"},
      {.name = "no_column", .kind = RuleKind::kNotNull, .table = "orders", .columns = {"nope"}},
      {.name = "fine", .kind = RuleKind::kNotNull, .table = "orders", .columns = {"id"}},
  };
  auto results = RunRules(*connection_, rules);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_FALSE(results[0].passed);
  EXPECT_NE(results[0].error.find("missing )"), std::string::npos) << results[0].error;
  EXPECT_FALSE(results[1].passed);
  EXPECT_NE(results[1].error.find("nope"), std::string::npos) << results[1].error;
  EXPECT_TRUE(results[2].passed);
}

// Names and values from a descriptor are quoted: a hostile one is data, never SQL.
TEST_F(ContractTest, HostileNamesStayQuoted) {
  RuleSpec rule{.kind = RuleKind::kAcceptedValues,
                .table = "orders",
                .columns = {"region"},
                .values = {"'x'') OR 1=1 --'"}};
  EXPECT_EQ(ViolationSql(rule),
            "SELECT * FROM \"orders\" WHERE \"region\" IS NOT NULL AND \"region\" NOT IN "
            "('x'') OR 1=1 --')");
  RuleSpec weird{.kind = RuleKind::kNotNull, .table = "orders", .columns = {"a\"b"}};
  EXPECT_EQ(ViolationSql(weird), "SELECT * FROM \"orders\" WHERE \"a\"\"b\" IS NULL");
}

TEST(EffectiveRulesTest, ColumnsImplyRules) {
  ProductDescriptor d;
  TableSpec t;
  t.name = "orders";
  t.columns = {{.name = "id", .type = "BIGINT", .primary_key = true},
               {.name = "amount", .type = "DOUBLE", .nullable = false},
               {.name = "note", .type = "VARCHAR"}};
  d.tables = {t};
  RuleSpec own{.name = "not_null_orders_amount",
               .kind = RuleKind::kNotNull,
               .table = "orders",
               .columns = {"amount"},
               .severity = Severity::kWarn};
  d.rules = {own};
  std::vector<std::string> names;
  for (const RuleSpec& r : EffectiveRules(d))
    names.push_back(r.name + (r.severity == Severity::kWarn ? " (warn)" : ""));
  EXPECT_EQ(names, (std::vector<std::string>{"not_null_orders_amount (warn)", "not_null_orders_id",
                                             "primary_key_orders"}));
}

}  // namespace
}  // namespace tessera::products
