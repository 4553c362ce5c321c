#include "tessera/products/schema_diff.h"

#include <map>

#include "tessera/common/strings.h"

namespace tessera::products {
namespace {

// How wide each type is within its family; a move up the same family loses nothing.
bool Widens(const std::string& from, const std::string& to) {
  static const std::map<std::string, std::pair<int, int>> kRank = {
      {"TINYINT", {0, 1}}, {"SMALLINT", {0, 2}},  {"INTEGER", {0, 3}},
      {"BIGINT", {0, 4}},  {"FLOAT", {1, 1}},     {"DOUBLE", {1, 2}},
      {"DATE", {2, 1}},    {"TIMESTAMP", {2, 2}}, {"VARCHAR", {3, 1}},
  };
  auto a = kRank.find(from);
  auto b = kRank.find(to);
  if (a != kRank.end() && b != kRank.end())
    return a->second.first == b->second.first && a->second.second < b->second.second;
  // Integers fit a double exactly up to 2^53; INTEGER and smaller always do.
  if (to == "DOUBLE" && (from == "TINYINT" || from == "SMALLINT" || from == "INTEGER"))
    return true;
  return false;
}

const catalog::CatalogColumn* FindColumn(const catalog::CatalogTable& table,
                                         const std::string& name) {
  for (const catalog::CatalogColumn& c : table.columns) {
    if (ToLower(c.name) == ToLower(name))
      return &c;
  }
  return nullptr;
}

}  // namespace

bool SchemaChange::Breaking() const {
  return kind == ChangeKind::kTableRemoved || kind == ChangeKind::kColumnRemoved ||
         kind == ChangeKind::kTypeChanged;
}

std::string SchemaChange::ToString() const {
  switch (kind) {
    case ChangeKind::kTableAdded:
      return "+ table " + table;
    case ChangeKind::kTableRemoved:
      return "- table " + table;
    case ChangeKind::kColumnAdded:
      return "+ column " + table + "." + column + " " + to;
    case ChangeKind::kColumnRemoved:
      return "- column " + table + "." + column + " " + from;
    case ChangeKind::kTypeWidened:
      return "~ column " + table + "." + column + " " + from + " -> " + to + " (widened)";
    case ChangeKind::kTypeChanged:
      return "~ column " + table + "." + column + " " + from + " -> " + to;
  }
  return "";
}

std::vector<SchemaChange> DiffSchemas(const std::vector<catalog::CatalogTable>& published,
                                      const std::vector<catalog::CatalogTable>& next) {
  std::vector<SchemaChange> changes;
  std::map<std::string, const catalog::CatalogTable*> old_tables;
  for (const catalog::CatalogTable& t : published)
    old_tables[t.name] = &t;
  for (const catalog::CatalogTable& t : next) {
    auto old = old_tables.find(t.name);
    if (old == old_tables.end()) {
      changes.push_back({ChangeKind::kTableAdded, t.name, "", "", ""});
      continue;
    }
    for (const catalog::CatalogColumn& c : old->second->columns) {
      if (FindColumn(t, c.name) == nullptr)
        changes.push_back({ChangeKind::kColumnRemoved, t.name, c.name, c.type, ""});
    }
    for (const catalog::CatalogColumn& c : t.columns) {
      const catalog::CatalogColumn* before = FindColumn(*old->second, c.name);
      if (before == nullptr) {
        changes.push_back({ChangeKind::kColumnAdded, t.name, c.name, "", c.type});
      } else if (before->type != c.type) {
        changes.push_back(
            {Widens(before->type, c.type) ? ChangeKind::kTypeWidened : ChangeKind::kTypeChanged,
             t.name, c.name, before->type, c.type});
      }
    }
    old_tables.erase(old);
  }
  for (const auto& [name, table] : old_tables)
    changes.push_back({ChangeKind::kTableRemoved, name, "", "", ""});
  return changes;
}

Status CheckVersionBump(const Semver& published, const Semver& next,
                        const std::vector<SchemaChange>& changes) {
  if (next < published) {
    return Status::InvalidArgument("version " + next.ToString() + " is older than the published " +
                                   published.ToString());
  }
  for (const SchemaChange& change : changes) {
    if (change.Breaking() && next.major <= published.major) {
      return Status::InvalidArgument("breaking change '" + change.ToString() +
                                     "' needs a new major version (published " +
                                     published.ToString() + ", this is " + next.ToString() +
                                     "; try " + std::to_string(published.major + 1) + ".0.0)");
    }
    bool minor_bumped = next.major > published.major ||
                        (next.major == published.major && next.minor > published.minor);
    if (!change.Breaking() && !minor_bumped) {
      return Status::InvalidArgument(
          "schema change '" + change.ToString() + "' needs at least a new minor version " +
          "(published " + published.ToString() + ", this is " + next.ToString() + "; try " +
          std::to_string(published.major) + "." + std::to_string(published.minor + 1) + ".0)");
    }
  }
  return Status::OK();
}

}  // namespace tessera::products
