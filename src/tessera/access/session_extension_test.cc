#include "tessera/access/session_extension.h"

#include <gtest/gtest.h>

#include "tessera/testing/test_util.h"

namespace tessera::access {
namespace {

// An extension offering fixed tables whose views are plain SQL (the seam a test needs; the real
// ones are federation's mounts).
class FixedExtension : public SessionExtension {
 public:
  explicit FixedExtension(std::vector<ExtensionTable> tables) : tables_(std::move(tables)) {}
  Result<std::vector<ExtensionTable>> Tables() override { return tables_; }
  Status Register(engine::Connection&) override { return Status::OK(); }

 private:
  std::vector<ExtensionTable> tables_;
};

TEST(AttachExtensionViewsTest, CreatesTheViewsTheSqlNamesAndSkipsLocalDomains) {
  FixedExtension east({{{"east", "flights", "h1"}, "SELECT 1 AS a", "/x"},
                       {{"east", "flights", "h2"}, "SELECT 2 AS a", "/x"}});
  FixedExtension local({{{"sales", "orders", "o"}, "SELECT 3 AS a", "/y"}});
  ASSERT_OK_AND_ASSIGN(auto database, engine::Database::Open({}));
  ASSERT_OK_AND_ASSIGN(auto connection, engine::Connection::Open(*database));
  ASSERT_OK_AND_ASSIGN(auto offered,
                       AttachExtensionViews(*connection, {&east, &local},
                                            std::string_view("SELECT * FROM east.flights.h1 "
                                                             "JOIN sales.orders.o USING (a)"),
                                            {"sales"}));
  EXPECT_EQ(offered.size(), 3u);
  EXPECT_EQ(connection->QueryScalarString("SELECT a FROM east.flights.h1")->value_or(""), "1");
  // Not named: no view. A local domain of the same name wins: no view either.
  EXPECT_FALSE(connection->QueryScalarString("SELECT a FROM east.flights.h2").ok());
  EXPECT_FALSE(connection->QueryScalarString("SELECT a FROM sales.orders.o").ok());
  // Without SQL: every view.
  ASSERT_OK(AttachExtensionViews(*connection, {&east}, std::nullopt).status());
  EXPECT_EQ(connection->QueryScalarString("SELECT a FROM east.flights.h2")->value_or(""), "2");
}

}  // namespace
}  // namespace tessera::access
