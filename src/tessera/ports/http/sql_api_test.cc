#include "tessera/ports/http/sql_api.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "tessera/access/access_store.h"
#include "tessera/access/audit_log.h"
#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/delta_writer.h"
#include "tessera/ports/http/http_test_util.h"
#include "tessera/ports/http/server.h"
#include "tessera/storage/local_storage.h"
#include "tessera/testing/test_util.h"

namespace tessera::ports::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::ClientResponse;
using testing::TestClient;

class SqlApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = temp_.Sub("data");
    // One table, shop.sales.orders, written as a Delta table into the data directory.
    ASSERT_OK_AND_ASSIGN(auto database, engine::Database::Open({}));
    ASSERT_OK_AND_ASSIGN(auto connection, engine::Connection::Open(*database));
    engine::DuckdbCheckpointReader reader(*database);
    engine::WriteRequest write;
    write.table_root = engine::TableRoot(data_dir_, {"shop", "sales", "orders"});
    write.query =
        "SELECT range::BIGINT AS id, 'r' || (range % 3) AS region, "
        "(range * 1.25)::DECIMAL(10,2) AS amount FROM range(5000)";
    write.mode = engine::WriteMode::kCreate;
    ASSERT_OK(
        engine::WriteQuery(*connection, storage::LocalStorage::Instance(), reader, write).status());

    ASSERT_OK_AND_ASSIGN(store_, access::AccessStore::Open(data_dir_));
    ASSERT_OK_AND_ASSIGN(audit_, access::AuditLog::Open(data_dir_));
    ASSERT_OK(store_->CreatePrincipal("alice", access::PrincipalKind::kUser, false).status());
    ASSERT_OK(store_->Grant("alice", "shop.sales"));
    ASSERT_OK(store_->CreatePrincipal("bob", access::PrincipalKind::kUser, false).status());
    ASSERT_OK(store_->CreatePrincipal("root", access::PrincipalKind::kUser, true).status());
    ASSERT_OK_AND_ASSIGN(auto alice, store_->CreateToken("alice", std::nullopt, "test"));
    ASSERT_OK_AND_ASSIGN(auto bob, store_->CreateToken("bob", std::nullopt, "test"));
    ASSERT_OK_AND_ASSIGN(auto root, store_->CreateToken("root", std::nullopt, "test"));
    alice_ = alice.token;
    bob_ = bob.token;
    root_ = root.token;
    gateway_ = std::make_unique<access::QueryGateway>(*store_, *audit_, data_dir_);
    Router router;
    SqlApiOptions options;
    options.max_rows = 100'000;
    options.scratch_dir = temp_.Sub("");
    AddSqlApi(router, *gateway_, options);
    HttpOptions http;
    http.port = 0;
    ASSERT_OK_AND_ASSIGN(server_, HttpServer::Start(http, std::move(router)));
  }

  void TearDown() override { server_.reset(); }

  ClientResponse Post(std::string_view body, std::string_view token,
                      std::string_view extra_headers = "",
                      std::string_view target = "/api/v1/sql") {
    std::string headers(extra_headers);
    if (!token.empty())
      headers += "Authorization: Bearer " + std::string(token) + "\r\n";
    if (headers.find("Content-Type") == std::string::npos)
      headers += "Content-Type: application/json\r\n";
    TestClient client(server_->port(), 60s);
    return client.Roundtrip(testing::MakeRequest("POST", target, headers, body));
  }

  static std::string Body(std::string_view sql, std::string_view extra = "") {
    Json body = {{"sql", std::string(sql)}};
    std::string text = DumpJson(body);
    if (!extra.empty())
      text = text.substr(0, text.size() - 1) + "," + std::string(extra) + "}";
    return text;
  }

  std::string AuditText() {
    std::string all;
    for (const auto& entry : std::filesystem::directory_iterator(data_dir_ + "/audit")) {
      std::ifstream in(entry.path());
      all += std::string(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }

  tessera::testing::TempDir temp_;
  std::string data_dir_;
  std::unique_ptr<access::AccessStore> store_;
  std::unique_ptr<access::AuditLog> audit_;
  std::unique_ptr<access::QueryGateway> gateway_;
  std::unique_ptr<HttpServer> server_;
  std::string alice_, bob_, root_;
};

TEST_F(SqlApiTest, JsonRowsWithColumnsAndTypes) {
  ClientResponse response =
      Post(Body("SELECT id, region, amount, NULL::INTEGER AS n, 'nan'::DOUBLE AS d, "
                "170141183460469231731687303715884105727::HUGEINT AS h, {'a': [1, 2]} AS s, "
                "DATE '2024-01-02' AS day, true AS b FROM shop.sales.orders ORDER BY id LIMIT 2"),
           alice_);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.headers["content-type"], "application/json");
  EXPECT_TRUE(response.chunked);
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
  EXPECT_EQ(body, Json::parse(R"json({
    "columns": [{"name":"id","type":"BIGINT"},{"name":"region","type":"VARCHAR"},
                {"name":"amount","type":"DECIMAL(10,2)"},{"name":"n","type":"INTEGER"},
                {"name":"d","type":"DOUBLE"},{"name":"h","type":"HUGEINT"},
                {"name":"s","type":"STRUCT(a INTEGER[])"},{"name":"day","type":"DATE"},
                {"name":"b","type":"BOOLEAN"}],
    "rows": [[0,"r0","0.00",null,"NaN","170141183460469231731687303715884105727",{"a":[1,2]},
              "2024-01-02",true],
             [1,"r1","1.25",null,"NaN","170141183460469231731687303715884105727",{"a":[1,2]},
              "2024-01-02",true]],
    "row_count": 2, "truncated": false})json"));
}

TEST_F(SqlApiTest, NdjsonCsvAndFormatSelection) {
  std::string sql = "SELECT id, region FROM shop.sales.orders WHERE id < 3 ORDER BY id";
  ClientResponse ndjson = Post(Body(sql, R"("format":"ndjson")"), alice_);
  ASSERT_EQ(ndjson.status, 200) << ndjson.body;
  EXPECT_EQ(ndjson.headers["content-type"], "application/x-ndjson");
  EXPECT_EQ(ndjson.body,
            "{\"columns\":[{\"name\":\"id\",\"type\":\"BIGINT\"},{\"name\":\"region\",\"type\":"
            "\"VARCHAR\"}]}\n[0,\"r0\"]\n[1,\"r1\"]\n[2,\"r2\"]\n"
            "{\"row_count\":3,\"truncated\":false}\n");
  std::string csv_expected = "id,region\r\n0,r0\r\n1,r1\r\n2,r2\r\n";
  ClientResponse by_accept = Post(Body(sql), alice_, "Accept: text/csv\r\n");
  EXPECT_EQ(by_accept.headers["content-type"], "text/csv; charset=utf-8; header=present");
  EXPECT_EQ(by_accept.body, csv_expected);
  ClientResponse by_param = Post(Body(sql), alice_, "", "/api/v1/sql?format=csv");
  EXPECT_EQ(by_param.body, csv_expected);
  ClientResponse plain = Post(sql, alice_, "Content-Type: application/sql\r\nAccept: text/csv\r\n");
  EXPECT_EQ(plain.body, csv_expected);
  ClientResponse quoting = Post(Body("SELECT 'a,b' AS x, '' AS e, NULL AS n, 'say \"hi\"' AS q"),
                                alice_, "Accept: text/csv\r\n");
  EXPECT_EQ(quoting.body, "x,e,n,q\r\n\"a,b\",\"\",,\"say \"\"hi\"\"\"\r\n");
}

TEST_F(SqlApiTest, IntegersOfEveryWidthPrintAsDuckDbPrintsThem) {
  // Printed by the API itself (not cast by DuckDB): extremes, zero and NULL of each width.
  std::string columns =
      "(-128)::TINYINT, (-32768)::SMALLINT, (-2147483648)::INTEGER, "
      "(-9223372036854775808)::BIGINT, 255::UTINYINT, 65535::USMALLINT, 4294967295::UINTEGER, "
      "18446744073709551615::UBIGINT, NULL::BIGINT, 0::TINYINT";
  ClientResponse csv = Post(Body("SELECT " + columns), alice_, "Accept: text/csv\r\n");
  ASSERT_EQ(csv.status, 200) << csv.body;
  size_t header_end = csv.body.find("\r\n");
  EXPECT_EQ(csv.body.substr(header_end + 2),
            "-128,-32768,-2147483648,-9223372036854775808,255,65535,4294967295,"
            "18446744073709551615,,0\r\n");
  ClientResponse json = Post(Body("SELECT 127::TINYINT AS t, NULL::UBIGINT AS u"), alice_);
  EXPECT_NE(json.body.find("[127,null]"), std::string::npos) << json.body;
}

TEST_F(SqlApiTest, DatesAndTimestampsInCsvReadAsDuckDbCastsThem) {
  std::string sql =
      "SELECT TIMESTAMP '2001-01-01 00:01:00' AS a, TIMESTAMP '2001-01-01 00:00:00.5' AS b, "
      "'infinity'::TIMESTAMP AS c, '-infinity'::DATE AS d, DATE '0000-03-01' AS e, "
      "NULL::TIMESTAMP AS f, TIMESTAMP '-0044-03-15 12:00:00' AS g";
  ClientResponse csv = Post(Body(sql), alice_, "Accept: text/csv\r\n");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.body,
            "a,b,c,d,e,f,g\r\n2001-01-01 00:01:00,2001-01-01 00:00:00.5,infinity,-infinity,"
            "0001-03-01 (BC),,0045-03-15 (BC) 12:00:00\r\n");
}

TEST_F(SqlApiTest, ParquetRoundTrips) {
  ClientResponse response = Post(
      Body("SELECT id, region FROM shop.sales.orders ORDER BY id", R"("format":"parquet")"), root_);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.headers["content-type"], "application/vnd.apache.parquet");
  EXPECT_EQ(response.headers["x-tessera-row-count"], "5000");
  ASSERT_TRUE(StartsWith(response.body, "PAR1"));
  std::string path = temp_.Sub("out.parquet");
  tessera::testing::WriteFile(path, response.body);
  ASSERT_OK_AND_ASSIGN(auto database, engine::Database::Open({}));
  ASSERT_OK_AND_ASSIGN(auto connection, engine::Connection::Open(*database));
  ASSERT_OK_AND_ASSIGN(auto sum, connection->QueryScalarString(
                                     "SELECT sum(id) || '/' || count(*) FROM '" + path + "'"));
  EXPECT_EQ(sum, "12497500/5000");
}

TEST_F(SqlApiTest, AuthFailures) {
  ClientResponse missing = Post(Body("SELECT 1"), "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.headers["www-authenticate"], "Bearer");
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(missing.body));
  EXPECT_EQ(body["error"]["code"], "28000");
  ClientResponse wrong = Post(Body("SELECT 1"), "tsr_not-a-real-token");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.headers["www-authenticate"], "Bearer error=\"invalid_token\"");
  ClientResponse basic = Post(Body("SELECT 1"), "", "Authorization: Basic YWxpY2U6eA==\r\n");
  EXPECT_EQ(basic.status, 401);
}

// QuerySession::Prepare's contract: a table that is not granted is "does not exist", 42P01.
TEST_F(SqlApiTest, NotGrantedTableIs42P01) {
  ClientResponse hidden = Post(Body("SELECT * FROM shop.sales.orders"), bob_);
  EXPECT_EQ(hidden.status, 404) << hidden.body;
  ASSERT_OK_AND_ASSIGN(Json hidden_body, ParseJson(hidden.body));
  EXPECT_EQ(hidden_body["error"]["code"], "42P01");
}

TEST_F(SqlApiTest, ErrorsCarrySqlState) {
  ClientResponse syntax = Post(Body("SELEC 1"), alice_);
  EXPECT_EQ(syntax.status, 400);
  ASSERT_OK_AND_ASSIGN(Json syntax_body, ParseJson(syntax.body));
  EXPECT_EQ(syntax_body["error"]["code"], "42601");
  ClientResponse write = Post(Body("CREATE TABLE t AS SELECT 1"), alice_);
  EXPECT_EQ(write.status, 403);
  ASSERT_OK_AND_ASSIGN(Json write_body, ParseJson(write.body));
  EXPECT_EQ(write_body["error"]["code"], "42501");
  ClientResponse bad = Post("{\"sql\": 1}", alice_);
  EXPECT_EQ(bad.status, 400);
  ClientResponse bad_format = Post(Body("SELECT 1", R"("format":"xml")"), alice_);
  EXPECT_EQ(bad_format.status, 400);
  ASSERT_OK_AND_ASSIGN(Json format_body, ParseJson(bad_format.body));
  EXPECT_EQ(format_body["error"]["code"], "22023");
}

TEST_F(SqlApiTest, LimitTruncates) {
  ClientResponse response =
      Post(Body("SELECT id FROM shop.sales.orders ORDER BY id", R"("limit":3)"), alice_);
  ASSERT_EQ(response.status, 200);
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
  EXPECT_EQ(body["rows"], Json::parse("[[0],[1],[2]]"));
  EXPECT_EQ(body["row_count"], 3);
  EXPECT_EQ(body["truncated"], true);
  ClientResponse exact =
      Post(Body("SELECT id FROM shop.sales.orders WHERE id < 3", R"("limit":3)"), alice_);
  ASSERT_OK_AND_ASSIGN(Json exact_body, ParseJson(exact.body));
  EXPECT_EQ(exact_body["truncated"], false);
}

TEST_F(SqlApiTest, TimeoutIs504With57014) {
  Clock::time_point start = Clock::now();
  ClientResponse response =
      Post(Body("SELECT count(*) FROM range(100000000000) a", R"("timeout_ms":300)"), alice_);
  EXPECT_EQ(response.status, 504) << response.body;
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
  EXPECT_EQ(body["error"]["code"], "57014");
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_NE(AuditText().find("statement timeout"), std::string::npos);
}

TEST_F(SqlApiTest, ClientDisconnectCancelsTheQuery) {
  {
    TestClient client(server_->port());
    client.Send(testing::MakeRequest(
        "POST", "/api/v1/sql",
        "Authorization: Bearer " + alice_ + "\r\nContent-Type: application/json\r\n",
        Body("SELECT count(*) FROM range(100000000000) a")));
    std::this_thread::sleep_for(300ms);
  }
  // The query is interrupted, the session closes and the audit log records the cancel.
  Clock::time_point start = Clock::now();
  while (server_->active_connections() > 0 && Clock::now() - start < 10s)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(server_->active_connections(), 0);
  EXPECT_NE(AuditText().find("Interrupted"), std::string::npos) << AuditText();
}

TEST_F(SqlApiTest, EveryCallIsAudited) {
  ASSERT_EQ(Post(Body("SELECT id FROM shop.sales.orders WHERE id < 7"), alice_).status, 200);
  // The handler records the call after the last byte went out, so the client may see the
  // response a moment before the audit line is written.
  std::string audit = AuditText();
  for (int i = 0; i < 100 && audit.find("\"rows\":7") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    audit = AuditText();
  }
  EXPECT_NE(audit.find("\"principal\":\"alice\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("\"port\":\"http\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("\"rows\":7"), std::string::npos) << audit;
}

TEST(SqlStateTest, MapsCodes) {
  EXPECT_EQ(SqlStateFor(StatusCode::kNotFound), "42P01");
  EXPECT_EQ(SqlStateFor(StatusCode::kPermissionDenied), "42501");
  EXPECT_EQ(SqlStateFor(StatusCode::kInvalidArgument), "42601");
  EXPECT_EQ(SqlStateFor(StatusCode::kCancelled), "57014");
  EXPECT_EQ(SqlStateFor(StatusCode::kUnauthenticated), "28000");
  EXPECT_EQ(SqlStateFor(StatusCode::kInternal), "XX000");
}

TEST(ParseSqlRequestTest, ReadsJsonAndPlainBodies) {
  Request request;
  request.body = R"({"sql":"SELECT 1","format":"CSV","limit":5,"timeout_ms":100})";
  ASSERT_OK_AND_ASSIGN(SqlRequest parsed, ParseSqlRequest(request));
  EXPECT_EQ(parsed.sql, "SELECT 1");
  EXPECT_EQ(parsed.format, SqlFormat::kCsv);
  EXPECT_EQ(parsed.limit, 5);
  EXPECT_EQ(parsed.timeout_ms, 100);
  Request plain;
  plain.headers.Add("content-type", "application/sql; charset=utf-8");
  plain.headers.Add("Accept", "text/html, application/x-ndjson;q=0.9");
  plain.body = "SELECT 2";
  ASSERT_OK_AND_ASSIGN(SqlRequest parsed_plain, ParseSqlRequest(plain));
  EXPECT_EQ(parsed_plain.sql, "SELECT 2");
  EXPECT_EQ(parsed_plain.format, SqlFormat::kNdjson);
  for (std::string bad : {"", "[]", "{}", R"({"sql":"  ;"})", R"({"sql":"x","limit":-1})",
                          R"({"sql":"x","timeout_ms":0})", R"({"sql":"x","limit":"3"})"}) {
    Request r;
    r.body = bad;
    EXPECT_EQ(ParseSqlRequest(r).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace tessera::ports::http
