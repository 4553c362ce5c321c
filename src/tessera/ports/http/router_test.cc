#include "tessera/ports/http/router.h"

#include <gtest/gtest.h>

#include "tessera/common/json.h"
#include "tessera/ports/http/http_test_util.h"
#include "tessera/ports/http/server.h"
#include "tessera/ports/http/status_mapping.h"
#include "tessera/testing/test_util.h"

namespace tessera::ports::http {
namespace {

using testing::MakeRequest;
using testing::TestClient;

Handler Reply(std::string text) {
  return [text](const Request&, ResponseWriter& writer) {
    return writer.Send(200, "text/plain", text);
  };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router router;
    router.Add("GET", "/api/v1/things", Reply("list"));
    router.Add("POST", "/api/v1/things", Reply("create"));
    router.Add("DELETE", "/api/v1/things", Reply("first"));
    router.Add("DELETE", "/api/v1/things", Reply("replaced"));
    router.AddPrefix("GET", "/files/", [](const Request& request, ResponseWriter& writer) {
      return writer.Send(200, "text/plain", "files:" + request.path);
    });
    router.AddPrefix("GET", "/files/special/", Reply("special"));
    router.Add("GET", "/files/exact", Reply("exact"));
    router.AddPrefix("PUT", "/upload/", Reply("upload"));
    router.Add("GET", "/fail", [](const Request&, ResponseWriter&) {
      return Status::NotFound("relation \"x\" does not exist");
    });
    router.Add("GET", "/unfinished", [](const Request&, ResponseWriter& writer) {
      writer.SetStatus(204);
      return Status::OK();
    });
    HttpOptions options;
    options.port = 0;
    ASSERT_OK_AND_ASSIGN(server_, HttpServer::Start(options, std::move(router)));
  }

  testing::ClientResponse Get(std::string_view method, std::string_view target) {
    TestClient client(server_->port());
    return client.Roundtrip(MakeRequest(method, target));
  }

  std::unique_ptr<HttpServer> server_;
};

TEST_F(RouterTest, ExactRoutesPerMethod) {
  EXPECT_EQ(Get("GET", "/api/v1/things").body, "list");
  EXPECT_EQ(Get("POST", "/api/v1/things").body, "create");
  EXPECT_EQ(Get("DELETE", "/api/v1/things").body, "replaced");
  EXPECT_EQ(Get("GET", "/healthz").body, "ok");
  EXPECT_EQ(Get("GET", "/healthz").status, 200);
}

TEST_F(RouterTest, ExactBeatsPrefixAndLongestPrefixWins) {
  EXPECT_EQ(Get("GET", "/files/exact").body, "exact");
  EXPECT_EQ(Get("GET", "/files/a/b.csv").body, "files:/files/a/b.csv");
  EXPECT_EQ(Get("GET", "/files/special/x").body, "special");
  EXPECT_EQ(Get("GET", "/files/a%20b").body, "files:/files/a b");
}

TEST_F(RouterTest, UnknownPathIs404WithJsonError) {
  testing::ClientResponse response = Get("GET", "/nope");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers["content-type"], "application/json");
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
  EXPECT_EQ(body, Json::parse(R"({"error":{"code":"NotFound","message":"no such path: /nope"}})"));
  // A prefix route's prefix itself without the trailing part still matches only by prefix.
  EXPECT_EQ(Get("GET", "/files").status, 404);
  EXPECT_EQ(Get("GET", "/api/v1/things/1").status, 404);
}

TEST_F(RouterTest, KnownPathWrongMethodIs405WithAllow) {
  testing::ClientResponse response = Get("PUT", "/api/v1/things");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers["allow"], "DELETE, GET, HEAD, POST");
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
  EXPECT_EQ(body["error"]["code"], "MethodNotAllowed");
  testing::ClientResponse prefix = Get("POST", "/upload/x");
  EXPECT_EQ(prefix.status, 405);
  EXPECT_EQ(prefix.headers["allow"], "PUT");
}

TEST_F(RouterTest, HeadUsesGetWithoutBody) {
  TestClient client(server_->port());
  client.Send(MakeRequest("HEAD", "/api/v1/things"));
  testing::ClientResponse response = client.Read(/*head=*/true);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers["content-length"], "4");
  EXPECT_EQ(response.body, "");
  // The connection is still in sync: the next response is read correctly.
  EXPECT_EQ(client.Roundtrip(MakeRequest("GET", "/api/v1/things")).body, "list");
}

TEST_F(RouterTest, HandlerErrorBecomesMappedJsonError) {
  testing::ClientResponse response = Get("GET", "/fail");
  EXPECT_EQ(response.status, 404);
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
  EXPECT_EQ(body["error"]["code"], "NotFound");
  EXPECT_EQ(body["error"]["message"], "relation \"x\" does not exist");
}

TEST_F(RouterTest, UnfinishedResponseIsFinished) {
  testing::ClientResponse response = Get("GET", "/unfinished");
  EXPECT_EQ(response.status, 204);
  EXPECT_EQ(response.body, "");
  EXPECT_EQ(response.error, "");
}

TEST(StatusMappingTest, MapsEveryCode) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnsupported), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kCancelled), 504);
  EXPECT_EQ(HttpStatusFor(StatusCode::kIoError), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kCorruption), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
  EXPECT_EQ(ErrorBody("42P01", "a \"b\"\n"), R"({"error":{"code":"42P01","message":"a \"b\"\n"}})");
}

}  // namespace
}  // namespace tessera::ports::http
