#include "tessera/cli/product_usage.h"

#include <gtest/gtest.h>

#include "tessera/access/audit_log.h"
#include "tessera/catalog/product_store.h"
#include "tessera/testing/test_util.h"

namespace tessera::cli {
namespace {

TEST(ProductUsageTest, CountsSuccessfulStatementsNamingTheProduct) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto store, catalog::ProductStore::Open(dir.path()));
  for (const char* name : {"orders", "order_lines"}) {
    catalog::ProductVersion v;
    v.domain = "sales";
    v.name = name;
    v.version = "1.0.0";
    ASSERT_OK(store->Publish(v, std::nullopt).status());
  }
  ASSERT_OK_AND_ASSIGN(auto audit, access::AuditLog::Open(dir.path()));
  auto sql = [&](const std::string& who, const std::string& text, const std::string& status,
                 int64_t time_ms) {
    access::AuditEvent e;
    e.time_ms = time_ms;
    e.principal = who;
    e.port = "pgwire";
    e.sql = text;
    e.status = status;
    ASSERT_OK(audit->Record(e));
  };
  sql("ana", "SELECT * FROM sales.orders.o", "ok", 5000);
  sql("ana", "SELECT * FROM \"sales\".\"orders\".o JOIN sales.order_lines.l USING (id)", "ok",
      6000);
  sql("bob", "SELECT * FROM sales.orders.o", "error", 7000);  // refused: not a use
  sql("bob", "SELECT * FROM xsales.orders.o", "ok", 8000);    // another domain
  sql("bob", "SELECT * FROM sales.orders.o", "ok", 1000);     // before the window
  ASSERT_OK_AND_ASSIGN(auto usage, ReadProductUsage(dir.path(), 2000));
  EXPECT_EQ(usage["sales.orders"].queries, 2);
  EXPECT_EQ(usage["sales.orders"].by_principal, (std::map<std::string, int64_t>{{"ana", 2}}));
  EXPECT_EQ(usage["sales.orders"].last_used_ms, 6000);
  EXPECT_EQ(usage["sales.order_lines"].queries, 1);
}

}  // namespace
}  // namespace tessera::cli
