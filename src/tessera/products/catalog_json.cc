#include "tessera/products/catalog_json.h"

#include "tessera/common/time.h"
#include "tessera/products/apply.h"

namespace tessera::products {

Json ProductVersionJson(const catalog::ProductVersion& v, bool details) {
  Json tables = Json::array();
  for (const catalog::CatalogTable& t : v.tables) {
    Json table = {{"name", t.name},
                  {"description", t.description},
                  {"delta_version", t.delta_version},
                  {"rows", t.rows},
                  {"files", t.files},
                  {"bytes", t.bytes}};
    if (details) {
      Json columns = Json::array();
      for (const catalog::CatalogColumn& c : t.columns) {
        columns.push_back({{"name", c.name},
                           {"type", c.type},
                           {"description", c.description},
                           {"nullable", c.nullable},
                           {"classification", c.classification},
                           {"primary_key", c.primary_key}});
      }
      table["columns"] = columns;
    }
    tables.push_back(std::move(table));
  }
  Json out = {{"product", v.domain + "." + v.name},
              {"version", v.version},
              {"revision", v.revision},
              {"description", v.description},
              {"owner", {{"team", v.owner_team}, {"contact", v.owner_contact}}},
              {"tags", v.tags},
              {"published", FormatIso8601Millis(v.published_ms)},
              {"quality_passed", v.quality_passed},
              {"tables", tables}};
  if (details) {
    out["rules"] = ParseJson(v.quality_json).ValueOr(Json::array());
    Json lineage = Json::array();
    for (const catalog::LineageEdge& e : v.lineage) {
      lineage.push_back({{"table", e.output_table},
                         {"input_kind", e.input_kind},
                         {"input", e.input_name},
                         {"input_version", e.input_version}});
    }
    out["lineage"] = lineage;
    out["column_lineage"] = ColumnLineageJson(v.column_lineage);
  }
  return out;
}

Json ProductSummaryJson(const catalog::ProductSummary& p) {
  return {{"product", p.domain + "." + p.name},
          {"version", p.version},
          {"revision", p.revision},
          {"description", p.description},
          {"owner", p.owner_team},
          {"tags", p.tags},
          {"tables", p.tables},
          {"published", FormatIso8601Millis(p.published_ms)},
          {"deprecated", p.deprecated},
          {"deprecation_note", p.deprecation_note}};
}

Json SearchHitJson(const catalog::SearchHit& h) {
  return {{"product", h.domain + "." + h.name},
          {"version", h.version},
          {"description", h.description},
          {"owner", h.owner_team},
          {"tags", h.tags},
          {"deprecated", h.deprecated},
          {"score", h.score},
          {"matched", h.snippet}};
}

Json QualityJson(const catalog::ProductVersion& v) {
  return {{"revision", v.revision},
          {"version", v.version},
          {"published", FormatIso8601Millis(v.published_ms)},
          {"passed", v.quality_passed},
          {"rules", ParseJson(v.quality_json).ValueOr(Json::array())}};
}

}  // namespace tessera::products
