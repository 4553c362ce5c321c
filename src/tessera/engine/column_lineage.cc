#include "tessera/engine/column_lineage.h"

#include <algorithm>
#include <map>
#include <set>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"

namespace tessera::engine {
namespace {

// One table the FROM clause brings in: how the query may qualify it, and its columns.
struct FromTable {
  std::string name;                  // "catalog.schema.table" or "table"
  std::set<std::string> qualifiers;  // lower case: alias, or table name and full name
  std::vector<std::string> columns;  // lower case
};

void CollectTables(Connection& connection, const Json& node, std::vector<FromTable>* out) {
  if (!node.is_object())
    return;
  const std::string type = node.value("type", "");
  if (type == "JOIN") {
    CollectTables(connection, node.value("left", Json()), out);
    CollectTables(connection, node.value("right", Json()), out);
    return;
  }
  if (type != "BASE_TABLE")
    return;  // table functions and subqueries are not tables of the node
  FromTable table;
  for (const char* part : {"catalog_name", "schema_name", "table_name"}) {
    std::string value = node.value(part, "");
    if (!value.empty())
      table.name += (table.name.empty() ? "" : ".") + value;
  }
  std::string alias = node.value("alias", "");
  if (!alias.empty()) {
    table.qualifiers.insert(ToLower(alias));
  } else {
    table.qualifiers.insert(ToLower(node.value("table_name", "")));
    table.qualifiers.insert(ToLower(table.name));
  }
  std::string quoted;
  for (const std::string& part : Split(table.name, '.'))
    quoted += (quoted.empty() ? "" : ".") + QuoteIdentifier(part);
  // A name that is no table here (a CTE, a view of the query's own) is no source: left out.
  auto info = connection.Describe("SELECT * FROM " + quoted);
  if (!info.ok())
    return;
  for (const Column& c : info->columns)
    table.columns.push_back(ToLower(c.name));
  out->push_back(std::move(table));
}

void CollectRefs(const Json& node, std::vector<std::vector<std::string>>* refs) {
  if (node.is_array()) {
    for (const Json& child : node)
      CollectRefs(child, refs);
    return;
  }
  if (!node.is_object())
    return;
  if (node.value("class", "") == "COLUMN_REF") {
    std::vector<std::string> parts;
    for (const Json& p : node.value("column_names", Json::array())) {
      if (p.is_string())
        parts.push_back(p.get<std::string>());
    }
    if (!parts.empty())
      refs->push_back(std::move(parts));
    return;
  }
  if (node.value("class", "") == "SUBQUERY")
    return;  // its columns are its own tables'
  for (auto it = node.begin(); it != node.end(); ++it)
    CollectRefs(it.value(), refs);
}

std::optional<ColumnSource> Resolve(const std::vector<std::string>& ref,
                                    const std::vector<FromTable>& tables) {
  std::string column = ToLower(ref.back());
  std::vector<const FromTable*> candidates;
  if (ref.size() > 1) {
    std::string qualifier;
    for (size_t i = 0; i + 1 < ref.size(); ++i)
      qualifier += (qualifier.empty() ? "" : ".") + ToLower(ref[i]);
    for (const FromTable& t : tables) {
      if (t.qualifiers.count(qualifier) != 0)
        candidates.push_back(&t);
    }
  } else {
    for (const FromTable& t : tables) {
      if (std::find(t.columns.begin(), t.columns.end(), column) != t.columns.end())
        candidates.push_back(&t);
    }
  }
  if (candidates.size() != 1)
    return std::nullopt;
  const FromTable& t = *candidates[0];
  if (std::find(t.columns.begin(), t.columns.end(), column) == t.columns.end())
    return std::nullopt;
  return ColumnSource{t.name, column};
}

}  // namespace

Result<std::vector<std::vector<ColumnSource>>> ColumnSources(Connection& connection,
                                                             std::string_view sql) {
  TESSERA_ASSIGN_OR_RETURN(
      auto serialized,
      connection.QueryScalarString("SELECT json_serialize_sql(" + QuoteLiteral(sql) + ")"));
  auto tree = ParseJson(serialized.value_or(""));
  if (!tree.ok() || tree->value("error", true))
    return Status::InvalidArgument("not a query DuckDB parses");
  const Json& statements = (*tree)["statements"];
  if (!statements.is_array() || statements.size() != 1 ||
      statements[0]["node"].value("type", "") != "SELECT_NODE") {
    return Status::InvalidArgument("not one SELECT");
  }
  const Json& node = statements[0]["node"];
  std::vector<FromTable> tables;
  CollectTables(connection, node.value("from_table", Json()), &tables);
  TESSERA_ASSIGN_OR_RETURN(StatementInfo output, connection.Describe(sql));

  std::vector<std::vector<ColumnSource>> out(output.columns.size());
  const Json& select = node.value("select_list", Json::array());
  if (select.size() == 1 && select[0].value("class", "") == "STAR") {
    // SELECT * of one table: each output column is the table's column of that name.
    if (tables.size() == 1 && select[0].value("relation_name", "").empty()) {
      for (size_t i = 0; i < out.size(); ++i) {
        std::string column = ToLower(output.columns[i].name);
        const auto& known = tables[0].columns;
        if (std::find(known.begin(), known.end(), column) != known.end())
          out[i].push_back({tables[0].name, column});
      }
    }
    return out;
  }
  if (select.size() != out.size())
    return out;  // a star among other columns: positions do not line up, claim nothing
  for (size_t i = 0; i < out.size(); ++i) {
    std::vector<std::vector<std::string>> refs;
    CollectRefs(select[i], &refs);
    for (const auto& ref : refs) {
      auto source = Resolve(ref, tables);
      if (source && std::find(out[i].begin(), out[i].end(), *source) == out[i].end())
        out[i].push_back(*source);
    }
  }
  return out;
}

}  // namespace tessera::engine
