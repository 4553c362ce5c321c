#include "tessera/ports/http/server.h"

#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/ports/http/http_test_util.h"
#include "tessera/testing/test_util.h"

namespace tessera::ports::http {
namespace {

using namespace std::chrono_literals;
using testing::ClientResponse;
using testing::MakeRequest;
using testing::TestClient;

// A handler that answers with what it saw, as JSON.
Status Echo(const Request& request, ResponseWriter& writer) {
  Json query = Json::array();
  for (const auto& [key, value] : request.query)
    query.push_back({key, value});
  Json body = {{"method", request.method}, {"path", request.path},
               {"target", request.target}, {"query", query},
               {"body", request.body},     {"version", request.version},
               {"peer", request.peer},     {"x_test", request.Header("x-TEST").value_or("")}};
  return writer.Send(200, "application/json", DumpJson(body));
}

class ServerTest : public ::testing::Test {
 protected:
  void Start(HttpOptions options = {}) {
    options.port = 0;
    Router router;
    router.Add("GET", "/echo", Echo);
    router.Add("POST", "/echo", Echo);
    router.Add("GET", "/stream", [this](const Request& request, ResponseWriter& writer) {
      int64_t chunks = std::stoll(std::string(request.QueryParam("chunks").value_or("10")));
      std::string piece(1 << 20, 'x');
      writer.SetHeader("Content-Type", "application/octet-stream");
      for (int64_t i = 0; i < chunks; ++i) {
        piece[0] = static_cast<char>('a' + i % 26);
        TESSERA_RETURN_NOT_OK(writer.Write(piece));
        streamed_ += static_cast<int64_t>(piece.size());
      }
      return writer.Finish();
    });
    router.Add("GET", "/headers", [](const Request&, ResponseWriter& writer) {
      writer.SetHeader("X-A", "first");
      writer.SetHeader("X-Long-Name", "2");
      writer.SetHeader("x-a", "replaced");  // any case names the same field
      writer.SetHeader("X", "short");       // a prefix of other names is its own field
      writer.SetHeader("Bad Name", "refused");
      writer.SetHeader("X-Injected", "a\r\nSet-Cookie: b");
      writer.SetHeader("Content-Length", "999");
      return writer.Send(200, "text/plain", "body");
    });
    router.Add("GET", "/small-writes", [](const Request&, ResponseWriter& writer) {
      for (int i = 0; i < 100'000; ++i)
        TESSERA_RETURN_NOT_OK(writer.Write(std::to_string(i) + "\n"));
      return Status::OK();
    });
    router.Add("GET", "/stream-then-fail", [](const Request&, ResponseWriter& writer) {
      TESSERA_RETURN_NOT_OK(writer.Write("partial"));
      TESSERA_RETURN_NOT_OK(writer.Flush());
      return Status::Internal("broke mid-stream");
    });
    router.Add("GET", "/throw",
               [](const Request&, ResponseWriter&) -> Status { throw std::runtime_error("boom"); });
    router.Add("GET", "/wait", [this](const Request& request, ResponseWriter& writer) {
      std::optional<Clock::time_point> deadline;
      if (auto ms = request.QueryParam("deadline_ms"))
        deadline = Clock::now() + std::chrono::milliseconds(std::stoll(std::string(*ms)));
      std::atomic<int> reason{-1};
      CancelWatch watch = writer.WatchCancel(
          [&reason](CancelReason why) { reason = static_cast<int>(why); }, deadline);
      ++waiting_;
      Clock::time_point give_up = Clock::now() + 5s;
      while (reason < 0 && Clock::now() < give_up)
        std::this_thread::sleep_for(5ms);
      watch.Reset();
      last_reason_ = reason.load();
      return writer.Send(200, "text/plain", "reason=" + std::to_string(reason.load()));
    });
    router.Add("GET", "/sleep", [](const Request& request, ResponseWriter& writer) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::stoll(std::string(request.QueryParam("ms").value()))));
      return writer.Send(200, "text/plain", "slept");
    });
    ASSERT_OK_AND_ASSIGN(server_, HttpServer::Start(options, std::move(router)));
  }

  void SetUp() override {}

  using Clock = std::chrono::steady_clock;
  std::unique_ptr<HttpServer> server_;
  std::atomic<int64_t> streamed_{0};
  std::atomic<int> waiting_{0};
  std::atomic<int> last_reason_{-1};
};

TEST_F(ServerTest, PortZeroPicksAPortAndBadOptionsFail) {
  Start();
  EXPECT_GT(server_->port(), 0);
  HttpOptions taken;
  taken.port = server_->port();
  Result<std::unique_ptr<HttpServer>> second = HttpServer::Start(taken, Router());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIoError);
  HttpOptions bad_port;
  bad_port.port = 70000;
  EXPECT_EQ(HttpServer::Start(bad_port, Router()).status().code(), StatusCode::kInvalidArgument);
  HttpOptions bad_host;
  bad_host.host = "no-such-host.invalid";
  bad_host.port = 0;
  EXPECT_EQ(HttpServer::Start(bad_host, Router()).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ServerTest, RequestFieldsReachTheHandler) {
  Start();
  TestClient client(server_->port());
  ClientResponse response = client.Roundtrip(
      MakeRequest("POST", "/echo?a=1&b=x%20y&b=2", "X-Test: hello\r\n", "payload"));
  ASSERT_EQ(response.status, 200) << response.body;
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
  EXPECT_EQ(body["method"], "POST");
  EXPECT_EQ(body["path"], "/echo");
  EXPECT_EQ(body["target"], "/echo?a=1&b=x%20y&b=2");
  EXPECT_EQ(body["query"], Json::parse(R"([["a","1"],["b","x y"],["b","2"]])"));
  EXPECT_EQ(body["body"], "payload");
  EXPECT_EQ(body["version"], 11);
  EXPECT_EQ(body["x_test"], "hello");
  EXPECT_TRUE(StartsWith(body["peer"].get<std::string>(), "127.0.0.1:"));
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  Start();
  TestClient client(server_->port());
  for (int i = 0; i < 20; ++i) {
    ClientResponse response = client.Roundtrip(MakeRequest("GET", "/echo?i=" + std::to_string(i)));
    ASSERT_EQ(response.status, 200);
    EXPECT_TRUE(response.keep_alive);
    ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
    EXPECT_EQ(body["query"][0][1], std::to_string(i));
  }
  // "Connection: close" is honoured.
  ClientResponse last = client.Roundtrip(MakeRequest("GET", "/healthz", "Connection: close\r\n"));
  EXPECT_EQ(last.headers["connection"], "close");
  EXPECT_TRUE(client.ReadUntilClosed());
}

TEST_F(ServerTest, EachRequestOnAConnectionSeesOnlyItsOwnFields) {
  Start();
  TestClient client(server_->port());
  ClientResponse first = client.Roundtrip(
      MakeRequest("POST", "/echo?a=1&b=2&c=3", "X-Test: hello\r\nX-Other: 1\r\n", "payload"));
  ASSERT_EQ(first.status, 200) << first.body;
  ClientResponse second = client.Roundtrip(MakeRequest("GET", "/echo?z=9"));
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(second.body));
  EXPECT_EQ(body["method"], "GET");
  EXPECT_EQ(body["query"], Json::parse(R"([["z","9"]])"));
  EXPECT_EQ(body["body"], "");
  EXPECT_EQ(body["x_test"], "");
  ClientResponse third = client.Roundtrip(MakeRequest("GET", "/echo"));
  ASSERT_OK_AND_ASSIGN(Json last, ParseJson(third.body));
  EXPECT_EQ(last["query"], Json::array());
}

TEST_F(ServerTest, ResponseHeadersReplaceByNameAndRefuseWhatBreaksTheMessage) {
  Start();
  TestClient client(server_->port());
  ClientResponse response = client.Roundtrip(MakeRequest("GET", "/headers"));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.headers["x-a"], "replaced");
  EXPECT_EQ(response.headers["x-long-name"], "2");
  EXPECT_EQ(response.headers["x"], "short");
  EXPECT_EQ(response.headers.count("bad name"), 0u);
  EXPECT_EQ(response.headers.count("x-injected"), 0u);
  EXPECT_EQ(response.headers.count("set-cookie"), 0u);
  EXPECT_EQ(response.headers["content-length"], "4");
  EXPECT_EQ(response.body, "body");
  EXPECT_TRUE(response.keep_alive);
}

TEST_F(ServerTest, PipelinedRequestsAnswerInOrder) {
  Start();
  TestClient client(server_->port());
  client.Send(MakeRequest("GET", "/echo?n=1") + MakeRequest("POST", "/echo?n=2", "", "abc") +
              MakeRequest("GET", "/healthz"));
  ASSERT_OK_AND_ASSIGN(Json first, ParseJson(client.Read().body));
  ASSERT_OK_AND_ASSIGN(Json second, ParseJson(client.Read().body));
  EXPECT_EQ(first["query"][0][1], "1");
  EXPECT_EQ(second["body"], "abc");
  EXPECT_EQ(client.Read().body, "ok");
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAliveAndStreamsWithoutChunks) {
  Start();
  {
    TestClient client(server_->port());
    ClientResponse response = client.Roundtrip("GET /healthz HTTP/1.0\r\n\r\n");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "ok");
    EXPECT_TRUE(client.ReadUntilClosed());
  }
  {
    TestClient client(server_->port());
    ClientResponse response =
        client.Roundtrip("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_EQ(response.headers["connection"], "keep-alive");
    EXPECT_EQ(client.Roundtrip("GET /healthz HTTP/1.0\r\n\r\n").body, "ok");
  }
  {
    TestClient client(server_->port());
    ClientResponse response = client.Roundtrip("GET /stream?chunks=3 HTTP/1.0\r\n\r\n");
    EXPECT_EQ(response.status, 200);
    EXPECT_FALSE(response.chunked);
    EXPECT_EQ(response.body.size(), size_t{3} << 20);
    EXPECT_EQ(response.body[size_t{2} << 20], 'c');
  }
}

TEST_F(ServerTest, ManySmallWritesAreGatheredIntoChunks) {
  Start();
  TestClient client(server_->port());
  ClientResponse response = client.Roundtrip(MakeRequest("GET", "/small-writes"));
  ASSERT_EQ(response.error, "");
  EXPECT_TRUE(response.chunked);
  std::string expected;
  for (int i = 0; i < 100'000; ++i)
    expected += std::to_string(i) + "\n";
  EXPECT_EQ(response.body, expected);
}

TEST_F(ServerTest, SlowReaderBlocksTheWriterAndGetsEverything) {
  Start();
  TestClient client(server_->port(), 30s);
  constexpr int64_t kChunks = 256;  // 256 MiB in total
  client.Send(MakeRequest("GET", "/stream?chunks=" + std::to_string(kChunks)));
  // The client reads nothing for a while: the handler must be blocked by the socket, having
  // produced no more than the kernel buffers hold (a few MiB), not the whole body.
  std::this_thread::sleep_for(500ms);
  int64_t before = streamed_.load();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(streamed_.load(), before);
  EXPECT_LT(before, int64_t{32} << 20);
  ClientResponse response = client.Read();
  ASSERT_EQ(response.error, "");
  EXPECT_TRUE(response.chunked);
  ASSERT_EQ(static_cast<int64_t>(response.body.size()), kChunks << 20);
  for (int64_t i = 0; i < kChunks; ++i)
    ASSERT_EQ(response.body[static_cast<size_t>(i << 20)], static_cast<char>('a' + i % 26));
  EXPECT_EQ(streamed_.load(), kChunks << 20);
}

TEST_F(ServerTest, StalledReaderIsDroppedAfterWriteTimeout) {
  HttpOptions options;
  options.write_timeout = 300ms;
  Start(options);
  TestClient client(server_->port());
  client.Send(MakeRequest("GET", "/stream?chunks=1000"));
  Clock::time_point start = Clock::now();
  while (streamed_ == 0 && Clock::now() - start < 10s)
    std::this_thread::sleep_for(5ms);
  ASSERT_GT(streamed_.load(), 0);
  // Never read: the handler's Write fails after the stall timeout and the server hangs up.
  while (server_->active_connections() > 0 && Clock::now() - start < 10s)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(server_->active_connections(), 0);
  EXPECT_LT(streamed_.load(), int64_t{64} << 20);
}

TEST_F(ServerTest, ErrorAfterStreamingStartedTruncatesTheTransfer) {
  Start();
  TestClient client(server_->port());
  ClientResponse response = client.Roundtrip(MakeRequest("GET", "/stream-then-fail"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "partial");
  EXPECT_EQ(response.error, "partial message");
}

TEST_F(ServerTest, ThrowingHandlerIs500AndServerLives) {
  Start();
  TestClient client(server_->port());
  ClientResponse response = client.Roundtrip(MakeRequest("GET", "/throw"));
  EXPECT_EQ(response.status, 500);
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
  EXPECT_EQ(body["error"]["code"], "Internal");
  EXPECT_EQ(TestClient(server_->port()).Roundtrip(MakeRequest("GET", "/healthz")).body, "ok");
}

// Hostile and malformed input: each is answered with the exact status and the connection is
// closed; the server keeps serving.
TEST_F(ServerTest, MalformedRequestsAre400AndClose) {
  Start();
  for (std::string bad :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
        std::string("GET /echo HTTP/1.1\r\nNo colon here\r\n\r\n"),
        std::string("GET  HTTP/1.1\r\n\r\n"),
        std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string("\r\n\r\n"),
        std::string("POST /echo HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
        std::string("POST /echo HTTP/1.1\r\nContent-Length: 1\r\n"
                    "Content-Length: 2\r\n\r\nab"),
        std::string("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "zz\r\nabc\r\n0\r\n\r\n"),
        std::string("GET /echo%zz HTTP/1.1\r\n\r\n"),
        std::string("GET /a/../echo HTTP/1.1\r\n\r\n"),
        std::string("GET /echo%00 HTTP/1.1\r\n\r\n")}) {
    TestClient client(server_->port());
    ClientResponse response = client.Roundtrip(bad);
    EXPECT_EQ(response.status, 400) << bad;
    ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
    EXPECT_EQ(body["error"]["code"], "BadRequest") << bad;
    EXPECT_TRUE(client.ReadUntilClosed()) << bad;
  }
  EXPECT_EQ(TestClient(server_->port()).Roundtrip(MakeRequest("GET", "/healthz")).body, "ok");
}

TEST_F(ServerTest, ChunkedRequestBodyIsDecoded) {
  Start();
  TestClient client(server_->port());
  ClientResponse response = client.Roundtrip(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  ASSERT_EQ(response.status, 200);
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
  EXPECT_EQ(body["body"], "abcde");
}

TEST_F(ServerTest, HugeHeaderIs431LongUrlIs414) {
  HttpOptions options;
  options.max_header_bytes = 4096;
  options.max_url_bytes = 1024;
  Start(options);
  {
    TestClient client(server_->port());
    ClientResponse response =
        client.Roundtrip(MakeRequest("GET", "/echo", "X-Big: " + std::string(5000, 'a') + "\r\n"));
    EXPECT_EQ(response.status, 431);
    EXPECT_TRUE(client.ReadUntilClosed());
  }
  {
    // Far beyond both limits: the parser stops early, the answer is still 431.
    TestClient client(server_->port());
    std::string many;
    for (int i = 0; i < 2000; ++i)
      many += "X-H" + std::to_string(i) + ": v\r\n";
    ClientResponse response = client.Roundtrip(MakeRequest("GET", "/echo", many));
    EXPECT_EQ(response.status, 431);
  }
  {
    TestClient client(server_->port());
    ClientResponse response =
        client.Roundtrip(MakeRequest("GET", "/echo?q=" + std::string(2000, 'u')));
    EXPECT_EQ(response.status, 414);
    ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
    EXPECT_EQ(body["error"]["code"], "UriTooLong");
  }
  {
    // Just under the limits works.
    TestClient client(server_->port());
    ClientResponse response = client.Roundtrip(MakeRequest(
        "GET", "/echo?q=" + std::string(900, 'u'), "X-Big: " + std::string(3000, 'a') + "\r\n"));
    EXPECT_EQ(response.status, 200);
  }
}

TEST_F(ServerTest, OversizedBodyIs413) {
  HttpOptions options;
  options.max_body_bytes = 1000;
  Start(options);
  {
    TestClient client(server_->port());
    ClientResponse response =
        client.Roundtrip(MakeRequest("POST", "/echo", "", std::string(1001, 'b')));
    EXPECT_EQ(response.status, 413);
    ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
    EXPECT_EQ(body["error"]["code"], "PayloadTooLarge");
  }
  {
    // Declared larger than the limit: answered before the body is sent (Expect: 100-continue).
    TestClient client(server_->port());
    client.Send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n"
        "Expect: 100-continue\r\n\r\n");
    EXPECT_EQ(client.Read().status, 413);
  }
  {
    // Chunked bodies count too.
    TestClient client(server_->port());
    std::string chunks = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i)
      chunks += "1f4\r\n" + std::string(500, 'c') + "\r\n";
    chunks += "0\r\n\r\n";
    EXPECT_EQ(client.Roundtrip(chunks).status, 413);
  }
  {
    TestClient client(server_->port());
    ClientResponse response =
        client.Roundtrip(MakeRequest("POST", "/echo", "", std::string(1000, 'b')));
    EXPECT_EQ(response.status, 200);
  }
}

TEST_F(ServerTest, ExpectContinueGetsInterimResponse) {
  Start();
  TestClient client(server_->port());
  client.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(client.Read().status, 100);
  client.Send("hello");
  ClientResponse response = client.Read();
  ASSERT_EQ(response.status, 200);
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
  EXPECT_EQ(body["body"], "hello");
}

TEST_F(ServerTest, SlowlorisHeaderTimesOut) {
  HttpOptions options;
  options.header_timeout = 300ms;
  Start(options);
  TestClient client(server_->port());
  Clock::time_point start = Clock::now();
  client.Send("GET /echo HTTP/1.1\r\n");
  ClientResponse response;
  // Trickle a header line every 100 ms: still cut at the header deadline.
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(100ms);
    if (!client.Send("X-Slow-" + std::to_string(i) + ": 1\r\n"))
      break;
  }
  std::string rest;
  EXPECT_TRUE(client.ReadUntilClosed(&rest));
  EXPECT_TRUE(StartsWith(rest, "HTTP/1.1 408 Request Timeout\r\n")) << rest;
  EXPECT_LT(Clock::now() - start, 3s);
}

TEST_F(ServerTest, SlowBodyTimesOutAndIdleConnectionsClose) {
  HttpOptions options;
  options.body_timeout = 300ms;
  options.idle_timeout = 300ms;
  Start(options);
  {
    TestClient client(server_->port());
    client.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    EXPECT_EQ(client.Read().status, 408);
  }
  {
    TestClient client(server_->port());
    EXPECT_EQ(client.Roundtrip(MakeRequest("GET", "/healthz")).status, 200);
    Clock::time_point start = Clock::now();
    EXPECT_TRUE(client.ReadUntilClosed());
    EXPECT_LT(Clock::now() - start, 3s);
  }
  {
    // A connection that never sends anything is closed too.
    TestClient client(server_->port());
    std::string nothing;
    EXPECT_TRUE(client.ReadUntilClosed(&nothing));
    EXPECT_EQ(nothing, "");
  }
}

TEST_F(ServerTest, ThousandConnectionsOpenedAndDropped) {
  Start();
  for (int i = 0; i < 1000; ++i) {
    TestClient client(server_->port());
    ASSERT_TRUE(client.connected());
    if (i % 3 == 1)
      client.Send("GET /echo HTT");  // a partial request, then gone
    if (i % 3 == 2)
      client.Send(MakeRequest("GET", "/stream?chunks=50"));  // gone mid-response
  }
  // On a loaded machine the dropped connections' threads may still be winding down (and
  // holding slots up to the cap): the server must answer again soon, not necessarily at once.
  Clock::time_point start = Clock::now();
  std::string body;
  while (body != "ok" && Clock::now() - start < 20s) {
    body = TestClient(server_->port()).Roundtrip(MakeRequest("GET", "/healthz")).body;
    if (body != "ok")
      std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(body, "ok");
  start = Clock::now();
  while (server_->active_connections() > 0 && Clock::now() - start < 20s)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(server_->active_connections(), 0);
}

TEST_F(ServerTest, ConcurrentRequests) {
  Start();
  constexpr int kThreads = 16;
  constexpr int kRequests = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestClient client(server_->port());
      for (int i = 0; i < kRequests; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        ClientResponse response = client.Roundtrip(MakeRequest("POST", "/echo", "", id));
        Result<Json> body = ParseJson(response.body);
        if (response.status == 200 && body.ok() && (*body)["body"] == id)
          ++ok;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
}

TEST_F(ServerTest, ConnectionsBeyondTheCapGet503) {
  HttpOptions options;
  options.max_connections = 2;
  Start(options);
  TestClient first(server_->port());
  TestClient second(server_->port());
  EXPECT_EQ(first.Roundtrip(MakeRequest("GET", "/healthz")).status, 200);
  EXPECT_EQ(second.Roundtrip(MakeRequest("GET", "/healthz")).status, 200);
  TestClient third(server_->port());
  ClientResponse response = third.Read();
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.headers["retry-after"], "1");
  ASSERT_OK_AND_ASSIGN(Json body, ParseJson(response.body));
  EXPECT_EQ(body["error"]["code"], "Unavailable");
  first.Close();
  Clock::time_point start = Clock::now();
  while (server_->active_connections() > 1 && Clock::now() - start < 5s)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(TestClient(server_->port()).Roundtrip(MakeRequest("GET", "/healthz")).status, 200);
}

TEST_F(ServerTest, ClientDisconnectFiresTheCancelWatch) {
  Start();
  {
    TestClient client(server_->port());
    client.Send(MakeRequest("GET", "/wait"));
    while (waiting_ == 0)
      std::this_thread::sleep_for(5ms);
  }
  Clock::time_point start = Clock::now();
  while (last_reason_ < 0 && Clock::now() - start < 5s)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(last_reason_.load(), static_cast<int>(CancelReason::kClientGone));
}

TEST_F(ServerTest, DeadlineFiresTheCancelWatch) {
  Start();
  TestClient client(server_->port());
  Clock::time_point start = Clock::now();
  ClientResponse response = client.Roundtrip(MakeRequest("GET", "/wait?deadline_ms=200"));
  EXPECT_EQ(response.body, "reason=" + std::to_string(static_cast<int>(CancelReason::kDeadline)));
  EXPECT_GE(Clock::now() - start, 200ms);
  EXPECT_LT(Clock::now() - start, 3s);
}

TEST_F(ServerTest, StopLetsInFlightRequestsFinish) {
  Start();
  ClientResponse response;
  std::thread request([&] {
    TestClient client(server_->port());
    response = client.Roundtrip(MakeRequest("GET", "/sleep?ms=300"));
  });
  while (server_->active_connections() == 0)
    std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(50ms);
  TestClient idle(server_->port());
  server_->Stop();
  request.join();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "slept");
  EXPECT_EQ(response.headers["connection"], "close");
  EXPECT_TRUE(idle.ReadUntilClosed());
  EXPECT_EQ(server_->active_connections(), 0);
}

TEST_F(ServerTest, StopCutsRequestsPastTheTimeout) {
  HttpOptions options;
  options.stop_timeout = 200ms;
  Start(options);
  std::thread request([&] {
    TestClient client(server_->port());
    client.Roundtrip(MakeRequest("GET", "/wait"));
  });
  while (waiting_ == 0)
    std::this_thread::sleep_for(5ms);
  Clock::time_point start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_EQ(last_reason_.load(), static_cast<int>(CancelReason::kStopping));
  request.join();
}

}  // namespace
}  // namespace tessera::ports::http
