#include <csignal>
#include <cstdio>

#include "tessera/cli/args.h"
#include "tessera/cli/commands.h"
#include "tessera/common/strings.h"
#include "tessera/federation/mount_cache.h"
#include "tessera/server/node.h"

namespace tessera::cli {
namespace {

constexpr const char* kServeUsage = R"(Usage: tessera serve [options]

Start the node: the PostgreSQL wire port (psql, JDBC, BI tools) and the HTTP port, over the
data directory's tables, for the principals created with `tessera principal`.

Options:
  --data-dir DIR        the node's data directory (default ./tessera-data)
  --pg HOST:PORT        PostgreSQL wire port (default 127.0.0.1:5433; port 0 picks a free one)
  --http HOST:PORT      HTTP port (default 127.0.0.1:8080; port 0 picks a free one)
  --no-pg, --no-http    turn a port off
  --session-memory SZ   DuckDB memory limit per session (default 2GB)
  --max-connections N   PostgreSQL connections served at once (default 256)
  --tls-cert FILE       PEM certificate (chain) for TLS; needs --tls-key. The PostgreSQL port
                        then encrypts for clients that ask (sslmode=prefer, require,
                        verify-full) and the HTTP port speaks only HTTPS
  --tls-key FILE        PEM private key matching --tls-cert
  --require-tls         refuse unencrypted PostgreSQL connections (needs --tls-cert/--tls-key)
  --password-auth       ask PostgreSQL clients for their password in cleartext instead of
                        SCRAM-SHA-256, for clients without SCRAM; TLS only (implies
                        --require-tls, needs --tls-cert/--tls-key)
  --public-url URL      base of the data-file links in Delta Sharing responses, for a node
                        behind a proxy or TLS terminator (default: http:// + the Host header)
  --url-ttl DURATION    how long a data-file link stays valid (default 1h; e.g. 15m, 2h)
  --mount-cache SIZE    bound of the files fetched for mounted shares, all mounts together
                        (default 10GB; least recently used files go first)

The bound addresses are printed as `pg: HOST:PORT` and `http: HOST:PORT`. Stop with Ctrl-C
(SIGINT) or SIGTERM.
Example:
  tessera principal create alice --password-stdin <<< 'secret'
  tessera serve --pg 127.0.0.1:5433 &
  psql "host=127.0.0.1 port=5433 user=alice dbname=demo"
  tessera serve --tls-cert server.crt --tls-key server.key --require-tls &
  psql "host=127.0.0.1 port=5433 user=alice dbname=demo sslmode=require"
)";

}  // namespace

int ServeCommand(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args,
                          {"data-dir", "pg", "http", "session-memory", "max-connections",
                           "tls-cert", "tls-key", "public-url", "url-ttl", "mount-cache"},
                          {"help", "no-pg", "no-http", "require-tls", "password-auth"});
  if (!parsed.ok())
    return Fail("serve", parsed.status(), /*usage=*/true);
  if (parsed->Flag("help")) {
    std::fputs(kServeUsage, stdout);
    return 0;
  }
  if (!parsed->positional.empty()) {
    std::fprintf(stderr, "tessera serve: unexpected argument '%s'\n",
                 parsed->positional[0].c_str());
    return 2;
  }
  server::NodeOptions options;
  options.data_dir = parsed->Option("data-dir").value_or("./tessera-data");
  if (auto pg = parsed->Option("pg"))
    options.pg_address = *pg;
  if (auto http = parsed->Option("http"))
    options.http_address = *http;
  if (parsed->Flag("no-pg"))
    options.pg_address.reset();
  if (parsed->Flag("no-http"))
    options.http_address.reset();
  if (auto memory = parsed->Option("session-memory"))
    options.session_limits.memory_limit = *memory;
  if (auto max = parsed->Option("max-connections")) {
    try {
      options.max_connections = std::stoi(*max);
    } catch (...) {
      return Fail("serve", Status::InvalidArgument("--max-connections needs a number"), true);
    }
  }
  options.pg_tls_cert = parsed->Option("tls-cert").value_or("");
  options.pg_tls_key = parsed->Option("tls-key").value_or("");
  options.pg_require_tls = parsed->Flag("require-tls");
  options.pg_password_auth = parsed->Flag("password-auth");
  if (auto url = parsed->Option("public-url")) {
    if (!StartsWith(*url, "http://") && !StartsWith(*url, "https://")) {
      return Fail("serve",
                  Status::InvalidArgument("--public-url must start with http:// or "
                                          "https://"),
                  true);
    }
    options.public_url = *url;
  }
  if (auto ttl = parsed->Option("url-ttl")) {
    auto duration = ParseDuration("url-ttl", *ttl);
    if (!duration.ok())
      return Fail("serve", duration.status(), true);
    options.file_url_ttl = *duration;
  }
  if (auto size = parsed->Option("mount-cache")) {
    auto bytes = federation::ParseByteSize(*size);
    if (!bytes.ok())
      return Fail("serve", bytes.status().WithContext("--mount-cache"), true);
    options.mount_cache.max_bytes = *bytes;
  }
  if (options.pg_tls_cert.empty() != options.pg_tls_key.empty()) {
    return Fail("serve", Status::InvalidArgument("--tls-cert and --tls-key go together"),
                /*usage=*/true);
  }
  if (options.pg_require_tls && options.pg_tls_cert.empty()) {
    return Fail("serve", Status::InvalidArgument("--require-tls needs --tls-cert and --tls-key"),
                /*usage=*/true);
  }
  if (options.pg_password_auth && options.pg_tls_cert.empty()) {
    return Fail("serve",
                Status::InvalidArgument("--password-auth sends passwords in cleartext and so "
                                        "needs TLS: add --tls-cert and --tls-key"),
                /*usage=*/true);
  }
  for (const auto& address : {options.pg_address, options.http_address}) {
    if (address && !server::ParseAddress(*address).ok())
      return Fail("serve", server::ParseAddress(*address).status(), /*usage=*/true);
  }

  // Block the stop signals before any thread starts, so every thread inherits the mask and the
  // main thread alone receives them in sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto node = server::Node::Start(options);
  if (!node.ok())
    return Fail("serve", node.status());
  if (options.pg_address) {
    std::printf("pg: %s:%u\n", server::ParseAddress(*options.pg_address)->first.c_str(),
                (*node)->pg_port());
  }
  if (options.http_address && (*node)->http_port() != 0) {
    std::printf("http: %s:%u\n", server::ParseAddress(*options.http_address)->first.c_str(),
                (*node)->http_port());
  }
  std::printf("tessera: serving %s (Ctrl-C to stop)\n", options.data_dir.c_str());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "tessera: stopping\n");
  (*node)->Stop();
  return 0;
}

}  // namespace tessera::cli
