#include "tessera/ports/http/catalog_api.h"

#include <set>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/products/catalog_json.h"
#include "tessera/products/lineage_graph.h"

namespace tessera::ports::http {
namespace {

constexpr const char* kJson = "application/json";

// Who is asking, and what they may see.
struct Viewer {
  bool admin = false;
  std::vector<std::string> grants;

  bool Sees(const std::string& domain, const std::string& name,
            const std::vector<catalog::CatalogTable>& tables) const {
    if (admin || access::GrantCovers(grants, domain, name, ""))
      return true;
    for (const catalog::CatalogTable& t : tables) {
      if (access::GrantCovers(grants, domain, name, t.name))
        return true;
    }
    return false;
  }
};

class CatalogApi {
 public:
  explicit CatalogApi(CatalogApiDeps deps) : deps_(deps) {}

  Status Handle(const Request& request, ResponseWriter& writer) {
    auto viewer = Authenticate(request, writer);
    if (!viewer.ok())
      return viewer.status().code() == StatusCode::kCancelled ? Status::OK() : viewer.status();
    std::vector<std::string> parts;
    for (const std::string& part : Split(request.path, '/')) {
      if (!part.empty())
        parts.push_back(part);
    }
    Status status = Route(request, writer, *viewer, parts);
    if (!status.ok() && !writer.started())
      return writer.SendError(status);
    return status;
  }

 private:
  // Answers 401 itself and returns kCancelled then.
  Result<Viewer> Authenticate(const Request& request, ResponseWriter& writer) {
    auto header = request.Header("Authorization");
    std::string_view token;
    if (header && header->size() > 7 && ToLower(header->substr(0, 7)) == "bearer ")
      token = Trim(header->substr(7));
    auto principal = token.empty() ? Result<access::Principal>(Status::Unauthenticated(
                                         "a principal's bearer token is required"))
                                   : deps_.access->AuthenticateToken(token);
    if (!principal.ok()) {
      if (principal.status().code() != StatusCode::kUnauthenticated)
        return principal.status();
      writer.SetHeader("WWW-Authenticate", "Bearer");
      (void)writer.SendError(401, "Unauthenticated", principal.status().message());
      return Status::Cancelled("answered");
    }
    Viewer viewer;
    viewer.admin = principal->admin;
    if (!viewer.admin) {
      TESSERA_ASSIGN_OR_RETURN(viewer.grants, deps_.access->Grants(principal->name));
    }
    return viewer;
  }

  Status Send(ResponseWriter& writer, const Json& body) {
    return writer.Send(200, kJson, DumpJson(body));
  }

  // parts: "api", "v1", then the resource.
  Status Route(const Request& request, ResponseWriter& writer, const Viewer& viewer,
               const std::vector<std::string>& parts) {
    if (parts.size() == 3 && parts[2] == "search")
      return Search(request, writer, viewer);
    if (parts.size() == 3)
      return List(writer, viewer);
    std::vector<std::string> name = Split(parts[3], '.');
    if (name.size() != 2)
      return Status::NotFound("name products as domain.name: /api/v1/products/flights.monthly");
    auto current = deps_.products->Current(name[0], name[1]);
    if (!current.ok() || !viewer.Sees(name[0], name[1], current->tables)) {
      return current.ok() || current.status().code() == StatusCode::kNotFound
                 ? Status::NotFound("product '" + parts[3] + "' does not exist")
                 : current.status();
    }
    if (parts.size() == 4)
      return Send(writer, products::ProductVersionJson(*current, true));
    const std::string& what = parts[4];
    if (what == "versions" && parts.size() == 5) {
      TESSERA_ASSIGN_OR_RETURN(auto history, deps_.products->History(name[0], name[1]));
      Json out = Json::array();
      for (const catalog::ProductVersion& v : history)
        out.push_back(products::ProductVersionJson(v, false));
      return Send(writer, out);
    }
    if (what == "versions" && parts.size() == 6) {
      auto revision = ParseInt64(parts[5]);
      if (!revision.ok())
        return Status::InvalidArgument("a revision is a number");
      TESSERA_ASSIGN_OR_RETURN(auto v, deps_.products->Revision(name[0], name[1], *revision));
      return Send(writer, products::ProductVersionJson(v, true));
    }
    if (parts.size() != 5)
      return Status::NotFound("no such resource: " + request.path);
    if (what == "schema") {
      Json tables = products::ProductVersionJson(*current, true)["tables"];
      return Send(writer,
                  {{"product", parts[3]}, {"version", current->version}, {"tables", tables}});
    }
    if (what == "contract") {
      return Send(writer, {{"product", parts[3]},
                           {"version", current->version},
                           {"descriptor", current->descriptor},
                           {"results", ParseJson(current->quality_json).ValueOr(Json::array())}});
    }
    if (what == "quality") {
      TESSERA_ASSIGN_OR_RETURN(auto history, deps_.products->History(name[0], name[1]));
      Json out = Json::array();
      for (const catalog::ProductVersion& v : history)
        out.push_back(products::QualityJson(v));
      return Send(writer, out);
    }
    if (what == "lineage")
      return Lineage(writer, viewer, parts[3]);
    return Status::NotFound("no such resource: " + request.path);
  }

  Status List(ResponseWriter& writer, const Viewer& viewer) {
    TESSERA_ASSIGN_OR_RETURN(auto all, deps_.products->List());
    Json out = Json::array();
    for (const catalog::ProductSummary& p : all) {
      if (Visible(viewer, p.domain, p.name))
        out.push_back(products::ProductSummaryJson(p));
    }
    return Send(writer, out);
  }

  bool Visible(const Viewer& viewer, const std::string& domain, const std::string& name) {
    if (viewer.admin || access::GrantCovers(viewer.grants, domain, name, ""))
      return true;
    auto current = deps_.products->Current(domain, name);
    return current.ok() && viewer.Sees(domain, name, current->tables);
  }

  Status Search(const Request& request, ResponseWriter& writer, const Viewer& viewer) {
    catalog::SearchQuery query;
    query.text = std::string(request.QueryParam("q").value_or(""));
    query.domain = std::string(request.QueryParam("domain").value_or(""));
    query.tag = std::string(request.QueryParam("tag").value_or(""));
    query.classification = std::string(request.QueryParam("classification").value_or(""));
    query.owner = std::string(request.QueryParam("owner").value_or(""));
    if (auto limit = request.QueryParam("limit")) {
      auto n = ParseInt64(*limit);
      if (!n.ok())
        return Status::InvalidArgument("limit is a number from 1 to 1000");
      query.limit = *n;
    }
    TESSERA_ASSIGN_OR_RETURN(auto hits, deps_.products->Search(query));
    Json out = Json::array();
    for (const catalog::SearchHit& h : hits) {
      if (Visible(viewer, h.domain, h.name))
        out.push_back(products::SearchHitJson(h));
    }
    return Send(writer, out);
  }

  Status Lineage(ResponseWriter& writer, const Viewer& viewer, const std::string& product) {
    TESSERA_ASSIGN_OR_RETURN(auto all, deps_.products->List());
    std::set<std::string> names;
    std::set<std::string> hidden;
    for (const catalog::ProductSummary& p : all) {
      names.insert(p.domain + "." + p.name);
      if (!Visible(viewer, p.domain, p.name))
        hidden.insert(p.domain + "." + p.name);
    }
    TESSERA_ASSIGN_OR_RETURN(auto links, deps_.products->CurrentLineage());
    Json graph = products::BuildLineageGraph(links, names, product).ToJson();
    // Products the viewer may not see are not in its graph, nor the arcs that touch them.
    Json nodes = Json::array();
    for (const Json& n : graph["nodes"]) {
      if (hidden.count(n["id"].get<std::string>()) == 0)
        nodes.push_back(n);
    }
    Json edges = Json::array();
    for (const Json& e : graph["edges"]) {
      if (hidden.count(e["from"].get<std::string>()) == 0 &&
          hidden.count(e["to"].get<std::string>()) == 0)
        edges.push_back(e);
    }
    graph["nodes"] = nodes;
    graph["edges"] = edges;
    return Send(writer, graph);
  }

  CatalogApiDeps deps_;
};

}  // namespace

void AddCatalogApi(Router& router, CatalogApiDeps deps) {
  auto api = std::make_shared<CatalogApi>(deps);
  Handler handler = [api](const Request& request, ResponseWriter& writer) {
    return api->Handle(request, writer);
  };
  router.Add("GET", "/api/v1/products", handler);
  router.AddPrefix("GET", "/api/v1/products/", handler);
  router.Add("GET", "/api/v1/search", handler);
}

}  // namespace tessera::ports::http
