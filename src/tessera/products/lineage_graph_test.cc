#include "tessera/products/lineage_graph.h"

#include <gtest/gtest.h>

namespace tessera::products {
namespace {

std::vector<catalog::LineageLink> Links() {
  return {
      {"flights", "by_month", {"flights", "files", "/data/flights.parquet", ""}},
      {"flights", "by_month", {"monthly", "table", "flights.by_month.flights", ""}},
      {"reference", "airports", {"airports", "files", "/data/airports.csv", ""}},
      {"analytics", "delay", {"d", "table", "flights.by_month.flights", "0"}},
      {"analytics", "delay", {"d", "table", "reference.airports.airports", "0"}},
      {"analytics", "delay", {"d", "table", "east.flights.h1", ""}},
      {"report", "weekly", {"w", "table", "analytics.delay.d", "3"}},
      {"other", "island", {"x", "files", "/data/x.csv", ""}},
  };
}

const std::set<std::string> kProducts = {"flights.by_month", "reference.airports",
                                         "analytics.delay", "report.weekly", "other.island"};

TEST(LineageGraphTest, KeepsWhatConnectsToTheRoot) {
  LineageGraph graph = BuildLineageGraph(Links(), kProducts, "analytics.delay");
  std::vector<std::string> nodes;
  for (const LineageNode& n : graph.nodes)
    nodes.push_back(n.kind + ":" + n.id);
  EXPECT_EQ(nodes,
            (std::vector<std::string>{"files:/data/airports.csv", "files:/data/flights.parquet",
                                      "product:analytics.delay", "table:east.flights.h1",
                                      "product:flights.by_month", "product:reference.airports",
                                      "product:report.weekly"}));
  EXPECT_EQ(graph.arcs.size(), 6u);
  EXPECT_EQ(graph.ToTree(),
            "upstream (what analytics.delay reads)\n"
            "analytics.delay\n"
            "├── table east.flights.h1\n"
            "├── flights.by_month\n"
            "│   └── files /data/flights.parquet\n"
            "└── reference.airports\n"
            "    └── files /data/airports.csv\n"
            "\n"
            "downstream (what reads analytics.delay)\n"
            "analytics.delay\n"
            "└── report.weekly\n");
  std::string dot = graph.ToDot();
  EXPECT_NE(dot.find("\"flights.by_month\" -> \"analytics.delay\";"), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"analytics.delay\" [shape=box, style=bold];"), std::string::npos) << dot;
  std::string mermaid = graph.ToMermaid();
  EXPECT_EQ(mermaid.rfind("flowchart LR\n", 0), 0u);
  EXPECT_NE(mermaid.find("[(\"/data/airports.csv\")]"), std::string::npos) << mermaid;
  Json json = graph.ToJson();
  EXPECT_EQ(json["edges"][0]["from"], "/data/airports.csv");
  EXPECT_EQ(json["edges"][0]["to"], "reference.airports");
}

TEST(LineageGraphTest, DependentsAreOtherProductsReadingItsTables) {
  EXPECT_EQ(Dependents(Links(), "flights.by_month"), std::vector<std::string>{"analytics.delay"});
  EXPECT_EQ(Dependents(Links(), "analytics.delay"), std::vector<std::string>{"report.weekly"});
  EXPECT_TRUE(Dependents(Links(), "report.weekly").empty());
}

}  // namespace
}  // namespace tessera::products
