#include "tessera/ports/http/router.h"

#include <algorithm>
#include <utility>

#include "tessera/common/logging.h"
#include "tessera/common/strings.h"

namespace tessera::ports::http {

Router::Router() {
  Add("GET", "/healthz", [](const Request&, ResponseWriter& writer) {
    return writer.Send(200, "text/plain; charset=utf-8", "ok");
  });
}

void Router::Add(std::string_view method, std::string path, Handler handler) {
  Insert(method, std::move(path), false, std::move(handler));
}

void Router::AddPrefix(std::string_view method, std::string prefix, Handler handler) {
  Insert(method, std::move(prefix), true, std::move(handler));
}

void Router::Insert(std::string_view method, std::string path, bool prefix, Handler handler) {
  for (Route& route : routes_) {
    if (route.method == method && route.path == path && route.prefix == prefix) {
      route.handler = std::move(handler);
      return;
    }
  }
  routes_.push_back(Route{std::string(method), std::move(path), prefix, std::move(handler)});
}

bool Router::Better(const Route& route, const Route& than) {
  if (!than.prefix)
    return false;
  return !route.prefix || route.path.size() > than.path.size();
}

void Router::Dispatch(const Request& request, ResponseWriter& writer) const {
  std::string_view method = request.method;
  if (method == "HEAD")
    method = "GET";
  // The best route for the path (exact beats prefix, longer prefix beats shorter), then the
  // one of its routes for this method; the path's other methods make a 405's Allow header.
  const Route* best = nullptr;
  for (const Route& route : routes_) {
    bool hit = route.prefix ? StartsWith(request.path, route.path) : request.path == route.path;
    if (hit && (best == nullptr || Better(route, *best)))
      best = &route;
  }
  if (best == nullptr) {
    (void)writer.SendError(404, "NotFound", "no such path: " + request.path);
    return;
  }
  auto same_path = [best](const Route& route) {
    return route.path == best->path && route.prefix == best->prefix;
  };
  const Route* match = nullptr;
  for (const Route& route : routes_) {
    if (same_path(route) && route.method == method) {
      match = &route;
      break;
    }
  }
  if (match == nullptr) {
    std::vector<std::string> allowed;
    for (const Route& route : routes_) {
      if (same_path(route))
        allowed.push_back(route.method);
    }
    if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end())
      allowed.emplace_back("HEAD");
    std::sort(allowed.begin(), allowed.end());
    writer.SetHeader("Allow", Join(allowed, ", "));
    (void)writer.SendError(405, "MethodNotAllowed",
                           "method " + request.method + " is not allowed for " + request.path);
    return;
  }
  Status status = match->handler(request, writer);
  if (!status.ok()) {
    if (!writer.started()) {
      (void)writer.SendError(status);
    } else if (!writer.finished()) {
      Log(LogLevel::kInfo, "http: " + request.method + " " + request.path +
                               " failed while streaming: " + status.ToString());
      writer.Abort();
    }
    return;
  }
  if (!writer.finished())
    (void)writer.Finish();
}

}  // namespace tessera::ports::http
