#include "tessera/server/node.h"

#include <charconv>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "tessera/common/crypto.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/database.h"
#include "tessera/ports/http/catalog_api.h"
#include "tessera/ports/http/file_routes.h"
#include "tessera/ports/http/router.h"
#include "tessera/ports/http/server.h"
#include "tessera/ports/http/sharing_admin_api.h"
#include "tessera/ports/http/sharing_routes.h"
#include "tessera/ports/http/sql_api.h"
#include "tessera/sharing/file_urls.h"
#include "tessera/sharing/share_store.h"
#include "tessera/sharing/sharing_service.h"
#include "tessera/storage/local_storage.h"

namespace tessera::server {

// Recently resolved (table id, recipient id) pairs of the /files port, with when they were.
// Each entry holds a table directory open: the bound keeps descriptors few.
constexpr size_t kResolveCacheEntries = 256;

struct ResolveCache {
  std::shared_mutex mutex;
  std::unordered_map<std::string, std::pair<std::shared_ptr<const ports::http::FileTarget>,
                                            std::chrono::steady_clock::time_point>>
      entries;
};

// The Delta Sharing server's parts, destroyed after the ports that use them.
struct Node::Sharing {
  std::unique_ptr<engine::Database> database;  // reads Parquet checkpoints
  std::unique_ptr<engine::DuckdbCheckpointReader> checkpoint_reader;
  std::unique_ptr<sharing::ShareStore> store;
  std::unique_ptr<sharing::FileUrlSigner> signer;
  std::unique_ptr<sharing::SharingService> service;
};

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
  // Product tables read at the versions their last publish recorded (engine::TablePins).
  TESSERA_ASSIGN_OR_RETURN(node->products_, catalog::ProductStore::Open(options.data_dir));
  node->gateway_->SetProductStore(node->products_.get());
  // Mounted remote shares are tables of every session (under the same grants).
  TESSERA_ASSIGN_OR_RETURN(node->mounts_, federation::MountStore::Open(options.data_dir));
  node->share_mounts_ = std::make_unique<federation::ShareMounts>(*node->mounts_, options.data_dir);
  node->gateway_->AddExtension(node->share_mounts_.get());
  node->file_mounts_ = std::make_unique<federation::FileMounts>(*node->mounts_);
  node->gateway_->AddExtension(node->file_mounts_.get());
  node->postgres_mounts_ =
      std::make_unique<federation::PostgresMounts>(*node->mounts_, options.data_dir);
  node->gateway_->AddExtension(node->postgres_mounts_.get());
  // Refreshes of products built from mounts see the mounts too.
  std::vector<access::SessionExtension*> extensions = {
      node->share_mounts_.get(), node->file_mounts_.get(), node->postgres_mounts_.get()};
  node->refresher_ = products::ProductRefresher::Start(
      options.data_dir, *node->products_, *node->store_, options.refresh_tick,
      [extensions](engine::Connection& connection,
                   std::string_view sql) -> Result<std::vector<engine::TableName>> {
        for (access::SessionExtension* extension : extensions)
          TESSERA_RETURN_NOT_OK(extension->Register(connection));
        return access::AttachExtensionViews(connection, extensions, sql);
      },
      [shares = node->share_mounts_.get()](const engine::TableName& table) {
        return shares->VersionIfShared(table);
      });
  if (options.pg_address) {
    TESSERA_ASSIGN_OR_RETURN(auto address, ParseAddress(*options.pg_address));
    ports::pgwire::PgOptions pg;
    pg.host = address.first;
    pg.port = address.second;
    pg.max_connections = options.max_connections;
    pg.tls_cert_file = options.pg_tls_cert;
    pg.tls_key_file = options.pg_tls_key;
    pg.require_tls = options.pg_require_tls;
    pg.password_auth = options.pg_password_auth;
    TESSERA_ASSIGN_OR_RETURN(node->ports_->pg, ports::pgwire::PgServer::Start(pg, *node->gateway_));
  }
  if (options.http_address) {
    TESSERA_ASSIGN_OR_RETURN(auto address, ParseAddress(*options.http_address));
    ports::http::HttpOptions http;
    http.host = address.first;
    http.port = address.second;
    http.max_connections = options.max_connections;
    http.tls_cert_file = options.pg_tls_cert;
    http.tls_key_file = options.pg_tls_key;
    ports::http::Router router;
    ports::http::SqlApiOptions sql;
    sql.scratch_dir = options.data_dir + "/tmp";
    ports::http::AddSqlApi(router, *node->gateway_, sql);
    ports::http::AddCatalogApi(router, {node->store_.get(), node->products_.get()});
    TESSERA_RETURN_NOT_OK(node->StartSharing(router));
    TESSERA_ASSIGN_OR_RETURN(node->ports_->http,
                             ports::http::HttpServer::Start(http, std::move(router)));
  }
  return node;
}

Status Node::StartSharing(ports::http::Router& router) {
  sharing_ = std::make_unique<Sharing>();
  TESSERA_ASSIGN_OR_RETURN(sharing_->database, engine::Database::Open({}));
  sharing_->checkpoint_reader =
      std::make_unique<engine::DuckdbCheckpointReader>(*sharing_->database);
  TESSERA_ASSIGN_OR_RETURN(sharing_->store, sharing::ShareStore::Open(options_.data_dir));
  TESSERA_ASSIGN_OR_RETURN(std::string secret, store_->NodeSecret());
  sharing_->signer = std::make_unique<sharing::FileUrlSigner>(secret);
  sharing::SharingOptions options;
  options.data_dir = options_.data_dir;
  options.products = products_.get();
  options.public_url = options_.public_url;
  options.https = !options_.pg_tls_cert.empty();
  options.url_ttl = options_.file_url_ttl;
  sharing_->service = std::make_unique<sharing::SharingService>(
      *sharing_->store, *sharing_->signer, HmacSha256(secret, "tessera sharing tokens v1"),
      audit_.get(), storage::LocalStorage::Instance(), sharing_->checkpoint_reader.get(), options);
  ports::http::RegisterSharingRoutes(router, *sharing_->service);

  ports::http::SharingAdminDeps admin;
  admin.access = store_.get();
  admin.shares = sharing_->store.get();
  admin.storage = &storage::LocalStorage::Instance();
  admin.data_dir = options_.data_dir;
  // Clients may name the endpoint their recipients use; this is the guess without one.
  admin.default_endpoint =
      (options_.public_url.empty() ? std::string("http://127.0.0.1:8080") : options_.public_url) +
      "/delta-sharing";
  ports::http::AddSharingAdminApi(router, std::move(admin));

  ports::http::FileRouteDeps files;
  files.signer = sharing_->signer.get();
  sharing::ShareStore* store = sharing_->store.get();
  std::string data_dir = options_.data_dir;
  // Every download checks that the table is still shared with the recipient. The answer is
  // kept for a second: a busy download port then costs no catalog query per request, and a
  // revoked grant or removed table still stops downloads within a second.
  auto cache = std::make_shared<ResolveCache>();
  files.resolve = [store, data_dir, cache](const sharing::FileUrlSigner::VerifiedFile& file)
      -> Result<std::shared_ptr<const ports::http::FileTarget>> {
    thread_local std::string key;  // built per download without allocating
    key.assign(file.table_id);
    key += '\n';
    key += file.recipient_id;
    auto now = std::chrono::steady_clock::now();
    {
      std::shared_lock lock(cache->mutex);
      auto found = cache->entries.find(key);
      if (found != cache->entries.end() && now - found->second.second < std::chrono::seconds(1))
        return found->second.first;
    }
    TESSERA_ASSIGN_OR_RETURN(auto found,
                             store->TableForRecipient(file.table_id, file.recipient_id));
    const sharing::SharedTable& table = found.first;
    auto target = std::make_shared<ports::http::FileTarget>();
    target->table_root = sharing::SharedTableRoot(data_dir, table);
    target->recipient = found.second;
    target->table = table.share + "." + table.schema + "." + table.name;
    // The cached entry holds the table directory open, so a download opens only its file.
    TESSERA_ASSIGN_OR_RETURN(target->directory, sharing::TableDirectory::Open(target->table_root));
    std::lock_guard lock(cache->mutex);
    if (cache->entries.size() >= kResolveCacheEntries)
      cache->entries.clear();
    cache->entries[key] = {target, now};
    return target;
  };
  access::AuditLog* audit = audit_.get();
  files.audit = [audit](const ports::http::FileAccess& access) {
    // Reused per thread: assigning keeps the strings' storage, so a download allocates nothing.
    thread_local access::AuditEvent event;
    event.principal.assign(access.recipient);
    event.port.assign("files");
    event.action.assign("file");
    event.object.assign(access.table);
    event.object += '/';
    event.object += access.relative_path;
    event.files = 1;
    event.bytes = access.bytes;
    event.status.assign(access.error.empty() ? "ok" : "error");
    event.error.assign(access.error);
    return audit->Record(event);
  };
  ports::http::RegisterFileRoutes(router, std::move(files));
  return Status::OK();
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
