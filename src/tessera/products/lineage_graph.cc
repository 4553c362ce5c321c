#include "tessera/products/lineage_graph.h"

#include <functional>
#include <map>

namespace tessera::products {
namespace {

struct Resolved {
  std::string id;
  std::string kind;
};

Resolved InputNode(const catalog::LineageEdge& edge, const std::set<std::string>& products) {
  if (edge.input_kind == "files" || edge.input_kind == "mount")
    return {edge.input_name, edge.input_kind};
  size_t last = edge.input_name.rfind('.');
  if (last != std::string::npos && products.count(edge.input_name.substr(0, last)) != 0)
    return {edge.input_name.substr(0, last), "product"};
  return {edge.input_name, "table"};
}

std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

LineageGraph BuildLineageGraph(const std::vector<catalog::LineageLink>& links,
                               const std::set<std::string>& products, const std::string& root) {
  // Every arc of the node, then only what connects to the root in either direction.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> all;
  std::map<std::string, std::string> kinds;
  for (const catalog::LineageLink& link : links) {
    std::string to = link.domain + "." + link.name;
    Resolved from = InputNode(link.edge, products);
    if (from.id == to)
      continue;  // a product's table reading its own other table
    kinds[from.id] = from.kind;
    kinds[to] = "product";
    all[{from.id, to}].push_back(link.edge.output_table + " <- " + link.edge.input_name);
  }
  kinds[root] = "product";
  std::set<std::string> keep = {root};
  std::function<void(const std::string&, bool)> walk = [&](const std::string& id, bool up) {
    for (const auto& [arc, tables] : all) {
      const std::string& next = up ? arc.first : arc.second;
      if ((up ? arc.second : arc.first) == id && keep.insert(next).second)
        walk(next, up);
    }
  };
  walk(root, true);
  walk(root, false);
  LineageGraph graph;
  graph.root = root;
  for (const std::string& id : keep)
    graph.nodes.push_back({id, kinds[id]});
  for (const auto& [arc, tables] : all) {
    if (keep.count(arc.first) != 0 && keep.count(arc.second) != 0)
      graph.arcs.push_back({arc.first, arc.second, tables});
  }
  return graph;
}

std::vector<std::string> Dependents(const std::vector<catalog::LineageLink>& links,
                                    const std::string& product) {
  std::set<std::string> out;
  for (const catalog::LineageLink& link : links) {
    std::string reader = link.domain + "." + link.name;
    if (reader != product && link.edge.input_kind == "table" &&
        link.edge.input_name.rfind(product + ".", 0) == 0) {
      out.insert(reader);
    }
  }
  return {out.begin(), out.end()};
}

Json LineageGraph::ToJson() const {
  Json out = {{"root", root}, {"nodes", Json::array()}, {"edges", Json::array()}};
  for (const LineageNode& n : nodes)
    out["nodes"].push_back({{"id", n.id}, {"kind", n.kind}});
  for (const LineageArc& a : arcs)
    out["edges"].push_back({{"from", a.from}, {"to", a.to}, {"tables", a.tables}});
  return out;
}

std::string LineageGraph::ToDot() const {
  std::string out = "digraph lineage {\n  rankdir=LR;\n";
  for (const LineageNode& n : nodes) {
    const char* shape = n.kind == "product" ? "box" : (n.kind == "files" ? "note" : "cylinder");
    out += "  " + Quoted(n.id) + " [shape=" + shape + (n.id == root ? ", style=bold" : "") + "];\n";
  }
  for (const LineageArc& a : arcs)
    out += "  " + Quoted(a.from) + " -> " + Quoted(a.to) + ";\n";
  return out + "}\n";
}

std::string LineageGraph::ToMermaid() const {
  std::map<std::string, std::string> ids;
  std::string out = "flowchart LR\n";
  for (const LineageNode& n : nodes) {
    std::string id = "n" + std::to_string(ids.size());
    ids[n.id] = id;
    std::string label = n.id;
    for (char& c : label) {
      if (c == '"')
        c = '\'';
    }
    out +=
        "  " + id + (n.kind == "product" ? "[\"" + label + "\"]" : "[(\"" + label + "\")]") + "\n";
  }
  for (const LineageArc& a : arcs)
    out += "  " + ids[a.from] + " --> " + ids[a.to] + "\n";
  return out;
}

std::string LineageGraph::ToTree() const {
  std::string out;
  std::map<std::string, std::string> kind;
  for (const LineageNode& n : nodes)
    kind[n.id] = n.kind;
  std::function<void(const std::string&, const std::string&, bool, std::set<std::string>&)> print =
      [&](const std::string& id, const std::string& indent, bool up, std::set<std::string>& path) {
        std::vector<std::string> next;
        for (const LineageArc& a : arcs) {
          if ((up ? a.to : a.from) == id)
            next.push_back(up ? a.from : a.to);
        }
        for (size_t i = 0; i < next.size(); ++i) {
          bool last = i + 1 == next.size();
          std::string label = (kind[next[i]] == "product" ? "" : kind[next[i]] + " ") + next[i];
          out += indent + (last ? "└── " : "├── ") + label + "\n";
          if (path.insert(next[i]).second) {
            print(next[i], indent + (last ? "    " : "│   "), up, path);
            path.erase(next[i]);
          }
        }
      };
  std::set<std::string> path = {root};
  out += "upstream (what " + root + " reads)\n" + root + "\n";
  print(root, "", true, path);
  out += "\ndownstream (what reads " + root + ")\n" + root + "\n";
  print(root, "", false, path);
  return out;
}

}  // namespace tessera::products
