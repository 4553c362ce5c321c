#include "tessera/server/node.h"

#include <charconv>

#include "tessera/ports/http/router.h"
#include "tessera/ports/http/server.h"
#include "tessera/ports/http/sql_api.h"

namespace tessera::server {

struct Node::Ports {
  std::unique_ptr<ports::pgwire::PgServer> pg;
  std::unique_ptr<ports::http::HttpServer> http;
};

Result<std::pair<std::string, uint16_t>> ParseAddress(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Status::InvalidArgument("expected host:port, got \"" + address + "\"");
  std::string host = address.substr(0, colon);
  std::string port_text = address.substr(colon + 1);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port > 65535)
    return Status::InvalidArgument("bad port in \"" + address + "\"");
  if (host == "localhost")
    host = "127.0.0.1";
  return std::make_pair(host, static_cast<uint16_t>(port));
}

Result<std::unique_ptr<Node>> Node::Start(const NodeOptions& options) {
  std::unique_ptr<Node> node(new Node());
  node->options_ = options;
  node->ports_ = std::make_unique<Ports>();
  TESSERA_ASSIGN_OR_RETURN(node->store_, access::AccessStore::Open(options.data_dir));
  TESSERA_ASSIGN_OR_RETURN(node->audit_, access::AuditLog::Open(options.data_dir));
  node->gateway_ = std::make_unique<access::QueryGateway>(*node->store_, *node->audit_,
                                                          options.data_dir, options.session_limits);
  if (options.pg_address) {
    TESSERA_ASSIGN_OR_RETURN(auto address, ParseAddress(*options.pg_address));
    ports::pgwire::PgOptions pg;
    pg.host = address.first;
    pg.port = address.second;
    pg.max_connections = options.max_connections;
    pg.tls_cert_file = options.pg_tls_cert;
    pg.tls_key_file = options.pg_tls_key;
    pg.require_tls = options.pg_require_tls;
    TESSERA_ASSIGN_OR_RETURN(node->ports_->pg, ports::pgwire::PgServer::Start(pg, *node->gateway_));
  }
  if (options.http_address) {
    TESSERA_ASSIGN_OR_RETURN(auto address, ParseAddress(*options.http_address));
    ports::http::HttpOptions http;
    http.host = address.first;
    http.port = address.second;
    http.max_connections = options.max_connections;
    ports::http::Router router;
    ports::http::SqlApiOptions sql;
    sql.scratch_dir = options.data_dir + "/tmp";
    ports::http::AddSqlApi(router, *node->gateway_, sql);
    TESSERA_ASSIGN_OR_RETURN(node->ports_->http,
                             ports::http::HttpServer::Start(http, std::move(router)));
  }
  return node;
}

Node::~Node() { Stop(); }

uint16_t Node::pg_port() const { return ports_->pg ? ports_->pg->port() : 0; }

uint16_t Node::http_port() const {
  return ports_->http ? static_cast<uint16_t>(ports_->http->port()) : 0;
}

void Node::Stop() {
  if (ports_ && ports_->http)
    ports_->http->Stop();
  if (ports_ && ports_->pg)
    ports_->pg->Stop();
}

}  // namespace tessera::server
