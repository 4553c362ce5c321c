#include "tessera/ports/pgwire/catalog_emulation.h"

#include <gtest/gtest.h>

namespace tessera::ports::pgwire {
namespace {

TEST(RewriteCatalogQueryTest, DropsQualifiersAndResolvesRegclass) {
  EXPECT_EQ(
      RewriteCatalogQuery("SELECT * FROM pg_catalog.pg_class WHERE oid = 'pg_class'::regclass"),
      "SELECT * FROM pg_class WHERE oid = 1259");
  EXPECT_EQ(RewriteCatalogQuery("SELECT 'orders'::regclass"),
            "SELECT (SELECT oid FROM pg_class WHERE relname = 'orders' LIMIT 1)");
}

TEST(RewriteCatalogQueryTest, ArrayLiteralsBecomeDuckdbLists) {
  // DBeaver's keyword query.
  EXPECT_EQ(RewriteCatalogQuery("SELECT 1 WHERE w <> ALL ('{a,abs,select}'::text[])"),
            "SELECT 1 WHERE w <> ALL ('[a,abs,select]'::VARCHAR[])");
  EXPECT_EQ(RewriteCatalogQuery("SELECT '{1,2}'::pg_catalog.int4 []"), "SELECT '[1,2]'::int4 []");
  // Not a cast to an array: left alone.
  EXPECT_EQ(RewriteCatalogQuery("SELECT '{a}'::text, '{b}'"), "SELECT '{a}'::VARCHAR, '{b}'");
}

TEST(RewriteCatalogQueryTest, RegexMatchesAnywhereAsPostgresDoes) {
  EXPECT_EQ(RewriteCatalogQuery("SELECT 1 WHERE relname OPERATOR(pg_catalog.~) '^(orders)$' "
                                "COLLATE pg_catalog.default"),
            "SELECT 1 WHERE relname  ~  '(orders)' ");
  EXPECT_EQ(RewriteCatalogQuery("SELECT 1 WHERE n ~ 'ord'"), "SELECT 1 WHERE n ~ '.*ord.*'");
}

TEST(IsCatalogQueryTest, RecognisesCatalogReads) {
  EXPECT_TRUE(IsCatalogQuery("SELECT * FROM pg_catalog.pg_namespace"));
  EXPECT_TRUE(IsCatalogQuery("select * from information_schema.tables"));
  EXPECT_FALSE(IsCatalogQuery("SELECT * FROM sales.orders"));
}

}  // namespace
}  // namespace tessera::ports::pgwire
