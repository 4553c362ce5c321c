#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/common/status.h"
#include "tessera/ports/http/request.h"
#include "tessera/ports/http/response_writer.h"

namespace tessera::ports::http {

/// Answers one request. Return OK after answering (a handler that did not call Finish gets it
/// called). An error returned before the response started is sent as the JSON error body with
/// HttpStatusFor's status; after it started, the response is aborted (see
/// ResponseWriter::Abort). Handlers run on the connection's own thread and may block.
using Handler = std::function<Status(const Request&, ResponseWriter&)>;

/// Maps (method, path) to handlers: exact paths first, then the longest matching prefix. An
/// unknown path is 404; a known path with another method is 405 with an Allow header. HEAD is
/// served by the GET handler (the writer drops the body). `GET /healthz` answers "ok". Not
/// thread-safe while routes are added; Dispatch is const and may run on many threads.
class Router {
 public:
  Router();

  /// Route `method` requests for exactly `path`. A later route for the same pair replaces it.
  void Add(std::string_view method, std::string path, Handler handler);
  /// Route `method` requests whose path starts with `prefix` (e.g. "/delta-sharing/").
  void AddPrefix(std::string_view method, std::string prefix, Handler handler);

  /// Run the matching handler, or answer 404/405; turn handler errors into responses as
  /// described for Handler.
  void Dispatch(const Request& request, ResponseWriter& writer) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix;
    Handler handler;
  };
  void Insert(std::string_view method, std::string path, bool prefix, Handler handler);
  /// Whether `route` matches a path more closely than `than`, both matching it: an exact path
  /// beats a prefix, a longer prefix a shorter one.
  static bool Better(const Route& route, const Route& than);

  std::vector<Route> routes_;
};

}  // namespace tessera::ports::http
