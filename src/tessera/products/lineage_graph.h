#pragma once

#include <set>
#include <string>
#include <vector>

#include "tessera/catalog/product_store.h"
#include "tessera/common/json.h"

namespace tessera::products {

/// A node of the lineage graph: a product ("domain.name"), a mounted table, a table that
/// belongs to no product (a plain Delta table), or files (by path or glob). Plain value.
struct LineageNode {
  std::string id;
  std::string kind;  // "product", "mount", "table" or "files"
};

/// `from` feeds `to` (a product); `tables` says which table reads what. Plain value.
struct LineageArc {
  std::string from;
  std::string to;
  std::vector<std::string> tables;  // "output_table <- input" for each edge it stands for
};

/// The part of the node's lineage connected to one product, upstream and downstream. Plain value.
struct LineageGraph {
  std::string root;
  std::vector<LineageNode> nodes;  // sorted by id
  std::vector<LineageArc> arcs;    // sorted by (from, to)

  Json ToJson() const;
  /// Graphviz: `dot -Tsvg` draws it.
  std::string ToDot() const;
  /// A Mermaid flowchart (renders in GitHub and most Markdown viewers).
  std::string ToMermaid() const;
  /// Two indented trees: what the root reads (upstream) and what reads it (downstream).
  std::string ToTree() const;
};

/// Build the graph around `root` ("domain.name") from every product's current lineage;
/// `products` names every product of the node (a table input of one maps to its product).
LineageGraph BuildLineageGraph(const std::vector<catalog::LineageLink>& links,
                               const std::set<std::string>& products, const std::string& root);

/// The products whose current version reads a table of `product` (itself excluded), sorted.
std::vector<std::string> Dependents(const std::vector<catalog::LineageLink>& links,
                                    const std::string& product);

}  // namespace tessera::products
