#include "tessera/access/query_gateway.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "tessera/access/access_store.h"
#include "tessera/access/audit_log.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/delta_functions.h"
#include "tessera/engine/delta_writer.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::access {
namespace {

class QueryGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.Sub("data");
    CreateTable("shop.sales.orders", "SELECT range AS id FROM range(5)");
    CreateTable("shop.hr.salaries", "SELECT 1 AS id, 100 AS salary");
    ASSERT_OK_AND_ASSIGN(store_, AccessStore::Open(data_dir_));
    ASSERT_OK_AND_ASSIGN(audit_, AuditLog::Open(data_dir_));
    ASSERT_OK(store_->CreatePrincipal("alice", PrincipalKind::kUser, false).status());
    ASSERT_OK(store_->Grant("alice", "shop.sales"));
    gateway_ = std::make_unique<QueryGateway>(*store_, *audit_, data_dir_);
  }

  void CreateTable(const std::string& name, const std::string& query) {
    ASSERT_OK_AND_ASSIGN(auto database, engine::Database::Open({}));
    ASSERT_OK_AND_ASSIGN(auto connection, engine::Connection::Open(*database));
    engine::DuckdbCheckpointReader reader(*database);
    ASSERT_OK(engine::RegisterDeltaFunctions(connection->handle(),
                                             storage::LocalStorage::Instance(), reader));
    ASSERT_OK_AND_ASSIGN(engine::TableName table, engine::ParseTableName(name));
    engine::WriteRequest request;
    request.table_root = engine::TableRoot(data_dir_, table);
    request.query = query;
    request.mode = engine::WriteMode::kCreate;
    ASSERT_OK(engine::WriteQuery(*connection, storage::LocalStorage::Instance(), reader, request)
                  .status());
  }

  // The first column of the first row, as text.
  std::string Scalar(QuerySession& session, const std::string& sql) {
    auto result = session.Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok())
      return "<error>";
    auto chunk = (*result)->Fetch();
    EXPECT_TRUE(chunk.ok() && *chunk != nullptr);
    return chunk.ok() && *chunk ? std::to_string((*chunk)->GetInt64(0, 0)) : "<no rows>";
  }

  testing::TempDir dir_;
  std::string data_dir_;
  std::unique_ptr<AccessStore> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<QueryGateway> gateway_;
};

TEST_F(QueryGatewayTest, SessionSeesOnlyGrantedTables) {
  ASSERT_OK_AND_ASSIGN(auto session, gateway_->Open(Principal{"alice", false}, "test"));
  ASSERT_EQ(session->visible_tables().size(), 1u);
  EXPECT_EQ(session->visible_tables()[0].ToString(), "shop.sales.orders");
  EXPECT_EQ(Scalar(*session, "SELECT count(*) FROM shop.sales.orders"), "5");
  Status ungranted = session->Prepare("SELECT * FROM shop.hr.salaries");
  EXPECT_EQ(ungranted.code(), StatusCode::kNotFound) << ungranted.ToString();
  EXPECT_EQ(ungranted.message(), "relation \"salaries\" does not exist");
  // A table that does not exist at all reads the same.
  EXPECT_EQ(session->Prepare("SELECT * FROM shop.hr.nope").message(),
            "relation \"nope\" does not exist");
}

TEST_F(QueryGatewayTest, NonAdminMayOnlyRead) {
  ASSERT_OK_AND_ASSIGN(auto session, gateway_->Open(Principal{"alice", false}, "test"));
  EXPECT_EQ(session->Prepare("CREATE TABLE t AS SELECT 1").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(session->Prepare("SELECT * FROM read_text('/etc/hostname')").code(),
            StatusCode::kPermissionDenied);
  std::string salaries = data_dir_ + "/tables/shop/hr/salaries";
  EXPECT_EQ(session->Prepare("SELECT * FROM delta_scan('" + salaries + "')").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Scalar(*session, "SELECT 7"), "7");
}

TEST_F(QueryGatewayTest, AdminSeesEverythingAndMayWriteItsSession) {
  ASSERT_OK_AND_ASSIGN(auto session, gateway_->Open(Principal{"root", true}, "test"));
  EXPECT_EQ(session->visible_tables().size(), 2u);
  EXPECT_EQ(Scalar(*session, "SELECT sum(salary) FROM shop.hr.salaries"), "100");
  EXPECT_EQ(Scalar(*session, "CREATE TABLE t AS SELECT 1 AS x; SELECT count(*) FROM t"), "1");
}

TEST_F(QueryGatewayTest, ScratchFolderLivesWithTheSessionAndAuditIsWritten) {
  std::string scratch;
  {
    ASSERT_OK_AND_ASSIGN(auto session, gateway_->Open(Principal{"alice", false}, "test"));
    scratch = session->scratch_dir();
    EXPECT_TRUE(std::filesystem::is_directory(scratch));
    QueryOutcome outcome;
    outcome.rows = 3;
    session->Audit("SELECT 'marker'", outcome);
  }
  EXPECT_FALSE(std::filesystem::exists(scratch));
  ASSERT_OK_AND_ASSIGN(auto events, ReadAuditLog(data_dir_, 10));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].principal, "alice");
  EXPECT_EQ(events[0].port, "test");
  EXPECT_EQ(events[0].rows, 3);
  EXPECT_EQ(events[0].status, "ok");
}

}  // namespace
}  // namespace tessera::access
