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

void Router::Dispatch(const Request& request, ResponseWriter& writer) const {
  std::string_view method = request.method;
  if (method == "HEAD")
    method = "GET";
  // The best route for the path (exact beats prefix, longer prefix beats shorter), and which
  // methods that path has, for a 405's Allow header.
  const Route* match = nullptr;
  const std::string* matched_path = nullptr;
  bool matched_exact = false;
  std::vector<std::string> allowed;
  auto better = [&](const Route& route) {
    if (matched_path == nullptr)
      return true;
    if (!route.prefix)
      return !matched_exact;
    return !matched_exact && route.path.size() > matched_path->size();
  };
  for (const Route& route : routes_) {
    bool hit = route.prefix ? StartsWith(request.path, route.path) : request.path == route.path;
    if (!hit)
      continue;
    if (better(route)) {
      matched_path = &route.path;
      matched_exact = !route.prefix;
      allowed.clear();
      match = nullptr;
    } else if (route.path != *matched_path || route.prefix == matched_exact) {
      continue;
    }
    allowed.push_back(route.method);
    if (route.method == method)
      match = &route;
  }
  if (matched_path == nullptr) {
    (void)writer.SendError(404, "NotFound", "no such path: " + request.path);
    return;
  }
  if (match == nullptr) {
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
