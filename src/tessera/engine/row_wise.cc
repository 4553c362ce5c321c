#include "tessera/engine/row_wise.h"

#include <set>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"

namespace tessera::engine {
namespace {

// The reason an expression tree is not row-wise, or "".
std::string CheckExpression(const Json& node, const std::set<std::string>& aggregates) {
  if (node.is_array()) {
    for (const Json& child : node) {
      if (std::string why = CheckExpression(child, aggregates); !why.empty())
        return why;
    }
    return "";
  }
  if (!node.is_object())
    return "";
  std::string kind = node.value("class", "");
  if (kind == "WINDOW")
    return "it uses a window function";
  if (kind == "SUBQUERY")
    return "it has a subquery";
  if (kind == "FUNCTION" && aggregates.count(node.value("function_name", "")) != 0)
    return "it uses the aggregate function " + node.value("function_name", "");
  for (const auto& [key, child] : node.items()) {
    if (child.is_structured()) {
      if (std::string why = CheckExpression(child, aggregates); !why.empty())
        return why;
    }
  }
  return "";
}

std::string CheckNode(const Json& node, const std::set<std::string>& aggregates) {
  if (!node.is_object())
    return "it is not a query";
  const Json* modifiers = JsonFind(node, "modifiers");
  if (modifiers != nullptr && modifiers->is_array() && !modifiers->empty())
    return "it has DISTINCT, ORDER BY or LIMIT";
  const Json* ctes = JsonFind(node, "cte_map");
  if (ctes != nullptr && ctes->is_object()) {
    const Json* map = JsonFind(*ctes, "map");
    if (map != nullptr && map->is_array() && !map->empty())
      return "it has a WITH clause";
  }
  std::string type = node.value("type", "");
  if (type == "SET_OPERATION_NODE") {
    if (node.value("setop_type", "") != "UNION" || !node.value("setop_all", false))
      return "it combines SELECTs other than by UNION ALL";
    for (const char* side : {"left", "right"}) {
      const Json* child = JsonFind(node, side);
      if (child != nullptr && !child->is_null()) {
        if (std::string why = CheckNode(*child, aggregates); !why.empty())
          return why;
      }
    }
    if (const Json* children = JsonFind(node, "children"); children != nullptr) {
      for (const Json& child : *children) {
        if (std::string why = CheckNode(child, aggregates); !why.empty())
          return why;
      }
    }
    return "";
  }
  if (type != "SELECT_NODE")
    return "it is not a plain SELECT";
  const Json* groups = JsonFind(node, "group_expressions");
  if (groups != nullptr && groups->is_array() && !groups->empty())
    return "it has GROUP BY";
  for (const char* clause : {"having", "qualify", "sample"}) {
    const Json* value = JsonFind(node, clause);
    if (value != nullptr && !value->is_null())
      return std::string("it has ") + (clause[0] == 's'   ? "SAMPLE"
                                       : clause[0] == 'h' ? "HAVING"
                                                          : "QUALIFY");
  }
  if (node.value("aggregate_handling", "STANDARD_HANDLING") != "STANDARD_HANDLING")
    return "it has GROUP BY ALL";
  const Json* from = JsonFind(node, "from_table");
  if (from == nullptr || !from->is_object() || from->value("type", "") != "BASE_TABLE")
    return "it does not read exactly one table per SELECT (a join, subquery or table function)";
  const Json* at = JsonFind(*from, "at_clause");
  const Json* sample = JsonFind(*from, "sample");
  if ((at != nullptr && !at->is_null()) || (sample != nullptr && !sample->is_null()))
    return "it reads a table AT a version or samples it";
  for (const char* part : {"select_list", "where_clause"}) {
    if (const Json* expressions = JsonFind(node, part); expressions != nullptr) {
      if (std::string why = CheckExpression(*expressions, aggregates); !why.empty())
        return why;
    }
  }
  return "";
}

}  // namespace

Result<std::string> WhyNotRowWise(Connection& connection, std::string_view sql) {
  TESSERA_ASSIGN_OR_RETURN(
      auto serialized,
      connection.QueryScalarString("SELECT json_serialize_sql(" + QuoteLiteral(sql) + ")"));
  auto tree = ParseJson(serialized.value_or(""));
  if (!tree.ok() || !tree->is_object() || tree->value("error", true))
    return Status::InvalidArgument("not a query DuckDB parses");
  const Json* statements = JsonFind(*tree, "statements");
  if (statements == nullptr || !statements->is_array() || statements->size() != 1)
    return std::string("it is not one statement");
  // Aggregates look like any function before binding: ask DuckDB which names are aggregates.
  TESSERA_ASSIGN_OR_RETURN(
      auto names, connection.QueryScalarString(
                      "SELECT string_agg(DISTINCT function_name, ',') FROM duckdb_functions() "
                      "WHERE function_type = 'aggregate'"));
  std::set<std::string> aggregates;
  std::string all = names.value_or("");
  for (size_t start = 0; start <= all.size();) {
    size_t comma = all.find(',', start);
    if (comma == std::string::npos)
      comma = all.size();
    if (comma > start)
      aggregates.insert(all.substr(start, comma - start));
    start = comma + 1;
  }
  aggregates.insert("count_star");
  return CheckNode((*statements)[0]["node"], aggregates);
}

}  // namespace tessera::engine
