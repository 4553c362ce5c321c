#include "tessera/access/catalog_tables.h"

#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/engine/scalar_function.h"

namespace tessera::access {
namespace {

// Each view: its name and its columns as from_json's structure wants them (order kept).
struct View {
  const char* name;
  std::vector<std::pair<const char*, const char*>> columns;
};

const std::vector<View>& Views() {
  static const std::vector<View> kViews = {
      {"products",
       {{"domain", "VARCHAR"},
        {"name", "VARCHAR"},
        {"version", "VARCHAR"},
        {"revision", "BIGINT"},
        {"description", "VARCHAR"},
        {"owner", "VARCHAR"},
        {"contact", "VARCHAR"},
        {"tags", "VARCHAR[]"},
        {"deprecated", "BOOLEAN"},
        {"published", "TIMESTAMPTZ"},
        {"tables", "INTEGER"}}},
      {"columns",
       {{"domain", "VARCHAR"},
        {"product", "VARCHAR"},
        {"table_name", "VARCHAR"},
        {"column_name", "VARCHAR"},
        {"position", "INTEGER"},
        {"type", "VARCHAR"},
        {"description", "VARCHAR"},
        {"nullable", "BOOLEAN"},
        {"classification", "VARCHAR"},
        {"primary_key", "BOOLEAN"}}},
      {"lineage",
       {{"domain", "VARCHAR"},
        {"product", "VARCHAR"},
        {"table_name", "VARCHAR"},
        {"input_kind", "VARCHAR"},
        {"input", "VARCHAR"},
        {"input_version", "VARCHAR"}}},
      {"column_lineage",
       {{"domain", "VARCHAR"},
        {"product", "VARCHAR"},
        {"table_name", "VARCHAR"},
        {"column_name", "VARCHAR"},
        {"input", "VARCHAR"},
        {"input_column", "VARCHAR"}}},
      {"quality_runs",
       {{"domain", "VARCHAR"},
        {"product", "VARCHAR"},
        {"revision", "BIGINT"},
        {"version", "VARCHAR"},
        {"published", "TIMESTAMPTZ"},
        {"rule", "VARCHAR"},
        {"table_name", "VARCHAR"},
        {"rule_type", "VARCHAR"},
        {"severity", "VARCHAR"},
        {"passed", "BOOLEAN"},
        {"violations", "BIGINT"}}},
  };
  return kViews;
}

}  // namespace

Result<std::string> CatalogTableJson(catalog::ProductStore& store, const ProductFilter& visible,
                                     std::string_view table) {
  bool known = false;
  for (const View& v : Views())
    known |= table == v.name;
  if (!known)
    return Status::InvalidArgument("no catalog table '" + std::string(table) + "'");
  Json rows = Json::array();
  TESSERA_ASSIGN_OR_RETURN(auto all, store.List());
  for (const catalog::ProductSummary& p : all) {
    if (!visible(p.domain, p.name))
      continue;
    if (table == "products") {
      TESSERA_ASSIGN_OR_RETURN(catalog::ProductVersion current, store.Current(p.domain, p.name));
      rows.push_back({{"domain", p.domain},
                      {"name", p.name},
                      {"version", p.version},
                      {"revision", p.revision},
                      {"description", p.description},
                      {"owner", p.owner_team},
                      {"contact", current.owner_contact},
                      {"tags", p.tags},
                      {"deprecated", p.deprecated},
                      {"published", FormatIso8601Millis(p.published_ms)},
                      {"tables", p.tables}});
      continue;
    }
    if (table == "quality_runs") {
      TESSERA_ASSIGN_OR_RETURN(auto history, store.History(p.domain, p.name));
      for (const catalog::ProductVersion& v : history) {
        for (const Json& r : ParseJson(v.quality_json).ValueOr(Json::array())) {
          if (!r.is_object())
            continue;
          rows.push_back({{"domain", p.domain},
                          {"product", p.name},
                          {"revision", v.revision},
                          {"version", v.version},
                          {"published", FormatIso8601Millis(v.published_ms)},
                          {"rule", r.value("name", "")},
                          {"table_name", r.value("table", "")},
                          {"rule_type", r.value("type", "")},
                          {"severity", r.value("severity", "")},
                          {"passed", r.value("passed", false)},
                          {"violations", r.value("violations", int64_t{0})}});
        }
      }
      continue;
    }
    TESSERA_ASSIGN_OR_RETURN(catalog::ProductVersion current, store.Current(p.domain, p.name));
    if (table == "columns") {
      for (const catalog::CatalogTable& t : current.tables) {
        for (size_t i = 0; i < t.columns.size(); ++i) {
          const catalog::CatalogColumn& c = t.columns[i];
          rows.push_back({{"domain", p.domain},
                          {"product", p.name},
                          {"table_name", t.name},
                          {"column_name", c.name},
                          {"position", i + 1},
                          {"type", c.type},
                          {"description", c.description},
                          {"nullable", c.nullable},
                          {"classification", c.classification},
                          {"primary_key", c.primary_key}});
        }
      }
    } else if (table == "lineage") {
      for (const catalog::LineageEdge& e : current.lineage) {
        rows.push_back({{"domain", p.domain},
                        {"product", p.name},
                        {"table_name", e.output_table},
                        {"input_kind", e.input_kind},
                        {"input", e.input_name},
                        {"input_version", e.input_version}});
      }
    } else {
      for (const catalog::ColumnLineageEdge& e : current.column_lineage) {
        rows.push_back({{"domain", p.domain},
                        {"product", p.name},
                        {"table_name", e.output_table},
                        {"column_name", e.output_column},
                        {"input", e.input_name},
                        {"input_column", e.input_column}});
      }
    }
  }
  return DumpJson(rows);
}

Status RegisterCatalogTables(engine::Connection& connection, catalog::ProductStore& store,
                             ProductFilter visible) {
  TESSERA_RETURN_NOT_OK(engine::RegisterScalarFunction(
      connection, "tessera_catalog", {engine::ScalarArgType::kVarchar},
      [&store, visible = std::move(visible)](
          const std::vector<engine::ScalarArg>& args) -> Result<std::optional<std::string>> {
        TESSERA_ASSIGN_OR_RETURN(
            std::string json,
            CatalogTableJson(store, visible, std::get<std::string_view>(args[0])));
        return std::optional<std::string>(std::move(json));
      },
      /*is_volatile=*/true));
  std::string sql = "ATTACH IF NOT EXISTS ':memory:' AS tessera;\n";
  for (const View& view : Views()) {
    std::string structure = "{";
    std::string names;
    for (const auto& [column, type] : view.columns) {
      structure +=
          std::string(structure.size() > 1 ? ", " : "") + "\"" + column + "\": \"" + type + "\"";
      names += std::string(names.empty() ? "" : ", ") + "row." + QuoteIdentifier(column);
    }
    structure += "}";
    sql += "CREATE OR REPLACE VIEW tessera.main." + std::string(view.name) + " AS SELECT " + names +
           " FROM (SELECT unnest(from_json(tessera_catalog(" + QuoteLiteral(view.name) + "), " +
           QuoteLiteral("[" + structure + "]") + ")) AS row);\n";
  }
  return connection.Execute(sql);
}

}  // namespace tessera::access
