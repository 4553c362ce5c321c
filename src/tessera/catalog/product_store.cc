#include "tessera/catalog/product_store.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "tessera/catalog/search_rank.h"
#include "tessera/common/json.h"
#include "tessera/common/strings.h"

namespace tessera::catalog {
namespace {

// Schema component "products" in catalog.db; step i is version i + 1. Append, never edit.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kSteps = {
      // `id` is the product's search index row (a rowid alias, so VACUUM keeps it).
      "CREATE TABLE product_products ("
      " id INTEGER PRIMARY KEY,"
      " domain TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " revision INTEGER NOT NULL,"
      " created_ms INTEGER NOT NULL,"
      " deprecated INTEGER NOT NULL DEFAULT 0,"
      " deprecation_note TEXT NOT NULL DEFAULT '',"
      " UNIQUE (domain, name));"
      "CREATE TABLE product_versions ("
      " revision INTEGER PRIMARY KEY,"
      " domain TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " version TEXT NOT NULL,"
      " description TEXT NOT NULL,"
      " owner_team TEXT NOT NULL,"
      " owner_contact TEXT NOT NULL,"
      " tags TEXT NOT NULL,"
      " published_ms INTEGER NOT NULL,"
      " descriptor TEXT NOT NULL,"
      " quality_passed INTEGER NOT NULL,"
      " quality TEXT NOT NULL,"
      " report TEXT NOT NULL);"
      "CREATE INDEX product_versions_by_name ON product_versions(domain, name, revision);"
      "CREATE TABLE product_tables ("
      " revision INTEGER NOT NULL REFERENCES product_versions(revision) ON DELETE CASCADE,"
      " name TEXT NOT NULL,"
      " description TEXT NOT NULL,"
      " delta_version INTEGER NOT NULL,"
      " rows INTEGER NOT NULL,"
      " files INTEGER NOT NULL,"
      " bytes INTEGER NOT NULL,"
      " PRIMARY KEY (revision, name));"
      "CREATE TABLE product_columns ("
      " revision INTEGER NOT NULL REFERENCES product_versions(revision) ON DELETE CASCADE,"
      " table_name TEXT NOT NULL,"
      " position INTEGER NOT NULL,"
      " name TEXT NOT NULL,"
      " type TEXT NOT NULL,"
      " description TEXT NOT NULL,"
      " nullable INTEGER NOT NULL,"
      " classification TEXT NOT NULL,"
      " primary_key INTEGER NOT NULL,"
      " PRIMARY KEY (revision, table_name, position));"
      "CREATE TABLE product_lineage ("
      " revision INTEGER NOT NULL REFERENCES product_versions(revision) ON DELETE CASCADE,"
      " output_table TEXT NOT NULL,"
      " input_kind TEXT NOT NULL,"
      " input_name TEXT NOT NULL,"
      " input_version TEXT NOT NULL);"
      "CREATE INDEX product_lineage_by_input ON product_lineage(input_name);",
      "CREATE TABLE product_column_lineage ("
      " revision INTEGER NOT NULL REFERENCES product_versions(revision) ON DELETE CASCADE,"
      " output_table TEXT NOT NULL,"
      " output_column TEXT NOT NULL,"
      " input_name TEXT NOT NULL,"
      " input_column TEXT NOT NULL);",
      // The search index: one row per product, rewritten by every publish. Porter stemming so
      // "delays" finds "delay"; the filter columns are stored, not indexed.
      "CREATE VIRTUAL TABLE product_search USING fts5("
      " names, description, columns, tags, owner,"
      " domain UNINDEXED, name UNINDEXED, classifications UNINDEXED, owner_team UNINDEXED,"
      " deprecated UNINDEXED,"
      " tokenize = 'porter unicode61');",
      // Where a version's descriptor was applied from, and its refresh interval (serve
      // re-applies it).
      "ALTER TABLE product_versions ADD COLUMN descriptor_path TEXT NOT NULL DEFAULT '';"
      "ALTER TABLE product_versions ADD COLUMN refresh_seconds INTEGER NOT NULL DEFAULT 0;",
      // What each table's build read (files and their stamps, remote versions), so the next
      // apply can add only what is new.
      "ALTER TABLE product_tables ADD COLUMN source_state TEXT NOT NULL DEFAULT '';",
  };
  return kSteps;
}

Status NoProduct(std::string_view domain, std::string_view name) {
  return Status::NotFound("product '" + std::string(domain) + "." + std::string(name) +
                          "' does not exist");
}

std::vector<std::string> TagsFrom(const std::string& text) {
  std::vector<std::string> tags;
  auto parsed = ParseJson(text);
  if (parsed.ok() && parsed->is_array()) {
    for (const Json& t : *parsed) {
      if (t.is_string())
        tags.push_back(t.get<std::string>());
    }
  }
  return tags;
}

constexpr const char* kVersionColumns =
    "SELECT revision, domain, name, version, description, owner_team, owner_contact, tags, "
    "published_ms, descriptor, quality_passed, quality, report, descriptor_path, "
    "refresh_seconds FROM product_versions ";

}  // namespace

Result<std::unique_ptr<ProductStore>> ProductStore::Open(const std::string& data_dir,
                                                         const Clock* clock) {
  TESSERA_ASSIGN_OR_RETURN(auto db, Db::Open(data_dir + "/catalog.db"));
  TESSERA_RETURN_NOT_OK(Migrate(*db, "products", Migrations()));
  TESSERA_RETURN_NOT_OK(RegisterProductSearchRank(*db));
  return std::unique_ptr<ProductStore>(new ProductStore(std::move(db), clock));
}

Result<int64_t> ProductStore::Publish(const ProductVersion& version,
                                      std::optional<int64_t> expected_revision) {
  TESSERA_ASSIGN_OR_RETURN(auto transaction, Transaction::Begin(*db_));
  TESSERA_ASSIGN_OR_RETURN(
      auto current, db_->Prepare("SELECT revision FROM product_products WHERE domain = ? AND "
                                 "name = ?"));
  current.Bind(1, version.domain).Bind(2, version.name);
  TESSERA_ASSIGN_OR_RETURN(bool exists, current.Step());
  std::optional<int64_t> found;
  if (exists)
    found = current.ColumnInt64(0);
  if (found != expected_revision) {
    return Status::Conflict("product '" + version.domain + "." + version.name +
                            "' was published by someone else while this apply ran; apply again");
  }
  int64_t now = clock_->NowMillis();
  TESSERA_ASSIGN_OR_RETURN(
      auto insert,
      db_->Prepare("INSERT INTO product_versions(domain, name, version, description, owner_team, "
                   "owner_contact, tags, published_ms, descriptor, quality_passed, quality, "
                   "report, descriptor_path, refresh_seconds) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, version.domain).Bind(2, version.name).Bind(3, version.version);
  insert.Bind(4, version.description).Bind(5, version.owner_team).Bind(6, version.owner_contact);
  insert.Bind(7, DumpJson(Json(version.tags))).Bind(8, now).Bind(9, version.descriptor);
  insert.Bind(10, int64_t{version.quality_passed ? 1 : 0});
  insert.Bind(11, version.quality_json.empty() ? std::string("[]") : version.quality_json);
  insert.Bind(12, version.report_json.empty() ? std::string("{}") : version.report_json);
  insert.Bind(13, version.descriptor_path).Bind(14, version.refresh_seconds);
  TESSERA_RETURN_NOT_OK(insert.Run());
  int64_t revision = db_->LastInsertRowId();

  TESSERA_ASSIGN_OR_RETURN(auto table,
                           db_->Prepare("INSERT INTO product_tables(revision, name, description, "
                                        "delta_version, rows, files, bytes, source_state) "
                                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  TESSERA_ASSIGN_OR_RETURN(
      auto column, db_->Prepare("INSERT INTO product_columns(revision, table_name, position, "
                                "name, type, description, nullable, classification, "
                                "primary_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  for (const CatalogTable& t : version.tables) {
    table.Reset();
    table.Bind(1, revision).Bind(2, t.name).Bind(3, t.description).Bind(4, t.delta_version);
    table.Bind(5, t.rows).Bind(6, t.files).Bind(7, t.bytes).Bind(8, t.source_state);
    TESSERA_RETURN_NOT_OK(table.Run());
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const CatalogColumn& c = t.columns[i];
      column.Reset();
      column.Bind(1, revision).Bind(2, t.name).Bind(3, static_cast<int64_t>(i)).Bind(4, c.name);
      column.Bind(5, c.type).Bind(6, c.description).Bind(7, int64_t{c.nullable ? 1 : 0});
      column.Bind(8, c.classification).Bind(9, int64_t{c.primary_key ? 1 : 0});
      TESSERA_RETURN_NOT_OK(column.Run());
    }
  }
  TESSERA_ASSIGN_OR_RETURN(
      auto edge, db_->Prepare("INSERT INTO product_lineage(revision, output_table, input_kind, "
                              "input_name, input_version) VALUES (?, ?, ?, ?, ?)"));
  for (const LineageEdge& e : version.lineage) {
    edge.Reset();
    edge.Bind(1, revision).Bind(2, e.output_table).Bind(3, e.input_kind).Bind(4, e.input_name);
    edge.Bind(5, e.input_version);
    TESSERA_RETURN_NOT_OK(edge.Run());
  }
  TESSERA_ASSIGN_OR_RETURN(
      auto column_edge,
      db_->Prepare("INSERT INTO product_column_lineage(revision, output_table, output_column, "
                   "input_name, input_column) VALUES (?, ?, ?, ?, ?)"));
  for (const ColumnLineageEdge& e : version.column_lineage) {
    column_edge.Reset();
    column_edge.Bind(1, revision).Bind(2, e.output_table).Bind(3, e.output_column);
    column_edge.Bind(4, e.input_name).Bind(5, e.input_column);
    TESSERA_RETURN_NOT_OK(column_edge.Run());
  }
  TESSERA_ASSIGN_OR_RETURN(
      auto product,
      db_->Prepare(found ? "UPDATE product_products SET revision = ? WHERE domain = ? AND name = ?"
                         : "INSERT INTO product_products(revision, domain, name, created_ms) "
                           "VALUES (?, ?, ?, ?)"));
  product.Bind(1, revision).Bind(2, version.domain).Bind(3, version.name);
  if (!found)
    product.Bind(4, now);
  TESSERA_RETURN_NOT_OK(product.Run());
  TESSERA_RETURN_NOT_OK(IndexForSearch(version));
  TESSERA_RETURN_NOT_OK(transaction.Commit());
  return revision;
}

Result<ProductVersion> ProductStore::ReadVersion(Statement& row, bool details) {
  ProductVersion v;
  v.revision = row.ColumnInt64(0);
  v.domain = row.ColumnText(1);
  v.name = row.ColumnText(2);
  v.version = row.ColumnText(3);
  v.description = row.ColumnText(4);
  v.owner_team = row.ColumnText(5);
  v.owner_contact = row.ColumnText(6);
  v.tags = TagsFrom(row.ColumnText(7));
  v.published_ms = row.ColumnInt64(8);
  v.quality_passed = row.ColumnInt64(10) != 0;
  v.quality_json = row.ColumnText(11);
  v.report_json = row.ColumnText(12);
  v.descriptor_path = row.ColumnText(13);
  v.refresh_seconds = row.ColumnInt64(14);
  if (details)
    v.descriptor = row.ColumnText(9);

  TESSERA_ASSIGN_OR_RETURN(auto tables,
                           db_->Prepare("SELECT name, description, delta_version, rows, files, "
                                        "bytes, source_state FROM product_tables WHERE "
                                        "revision = ? ORDER BY name"));
  tables.Bind(1, v.revision);
  TESSERA_ASSIGN_OR_RETURN(auto columns,
                           db_->Prepare("SELECT name, type, description, nullable, "
                                        "classification, primary_key FROM product_columns WHERE "
                                        "revision = ? AND table_name = ? ORDER BY position"));
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool more, tables.Step());
    if (!more)
      break;
    CatalogTable t;
    t.name = tables.ColumnText(0);
    t.description = tables.ColumnText(1);
    t.delta_version = tables.ColumnInt64(2);
    t.rows = tables.ColumnInt64(3);
    t.files = tables.ColumnInt64(4);
    t.bytes = tables.ColumnInt64(5);
    t.source_state = tables.ColumnText(6);
    columns.Reset();
    columns.Bind(1, v.revision).Bind(2, t.name);
    while (true) {
      TESSERA_ASSIGN_OR_RETURN(bool column, columns.Step());
      if (!column)
        break;
      t.columns.push_back({columns.ColumnText(0), columns.ColumnText(1), columns.ColumnText(2),
                           columns.ColumnInt64(3) != 0, columns.ColumnText(4),
                           columns.ColumnInt64(5) != 0});
    }
    v.tables.push_back(std::move(t));
  }
  if (!details)
    return v;
  TESSERA_ASSIGN_OR_RETURN(auto lineage,
                           db_->Prepare("SELECT output_table, input_kind, input_name, "
                                        "input_version FROM product_lineage WHERE revision = ? "
                                        "ORDER BY output_table, input_name"));
  lineage.Bind(1, v.revision);
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool more, lineage.Step());
    if (!more)
      break;
    v.lineage.push_back({lineage.ColumnText(0), lineage.ColumnText(1), lineage.ColumnText(2),
                         lineage.ColumnText(3)});
  }
  TESSERA_ASSIGN_OR_RETURN(auto columns_lineage,
                           db_->Prepare("SELECT output_table, output_column, input_name, "
                                        "input_column FROM product_column_lineage WHERE "
                                        "revision = ? ORDER BY rowid"));
  columns_lineage.Bind(1, v.revision);
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool more, columns_lineage.Step());
    if (!more)
      break;
    v.column_lineage.push_back({columns_lineage.ColumnText(0), columns_lineage.ColumnText(1),
                                columns_lineage.ColumnText(2), columns_lineage.ColumnText(3)});
  }
  return v;
}

Result<ProductVersion> ProductStore::Current(std::string_view domain, std::string_view name) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto row,
                           db_->Prepare(std::string(kVersionColumns) +
                                        "WHERE revision = (SELECT revision FROM "
                                        "product_products WHERE domain = ? AND name = ?)"));
  row.Bind(1, domain).Bind(2, name);
  TESSERA_ASSIGN_OR_RETURN(bool found, row.Step());
  if (!found)
    return NoProduct(domain, name);
  return ReadVersion(row, true);
}

Result<ProductVersion> ProductStore::Revision(std::string_view domain, std::string_view name,
                                              int64_t revision) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto row,
                           db_->Prepare(std::string(kVersionColumns) +
                                        "WHERE domain = ? AND name = ? AND revision = ?"));
  row.Bind(1, domain).Bind(2, name).Bind(3, revision);
  TESSERA_ASSIGN_OR_RETURN(bool found, row.Step());
  if (!found) {
    return Status::NotFound("product '" + std::string(domain) + "." + std::string(name) +
                            "' has no revision " + std::to_string(revision));
  }
  return ReadVersion(row, true);
}

Result<std::vector<ProductVersion>> ProductStore::History(std::string_view domain,
                                                          std::string_view name) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto row, db_->Prepare(std::string(kVersionColumns) + "WHERE domain = ? AND name = ? "
                                                            "ORDER BY revision DESC"));
  row.Bind(1, domain).Bind(2, name);
  std::vector<ProductVersion> out;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool more, row.Step());
    if (!more)
      break;
    TESSERA_ASSIGN_OR_RETURN(ProductVersion v, ReadVersion(row, false));
    out.push_back(std::move(v));
  }
  if (out.empty())
    return NoProduct(domain, name);
  return out;
}

Result<std::vector<ProductSummary>> ProductStore::List() {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto row,
      db_->Prepare("SELECT p.domain, p.name, v.version, v.revision, v.description, v.owner_team, "
                   "v.tags, v.published_ms, (SELECT count(*) FROM product_tables t WHERE "
                   "t.revision = v.revision), p.deprecated, p.deprecation_note "
                   "FROM product_products p JOIN product_versions v ON v.revision = p.revision "
                   "ORDER BY p.domain, p.name"));
  std::vector<ProductSummary> out;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool more, row.Step());
    if (!more)
      break;
    ProductSummary s;
    s.domain = row.ColumnText(0);
    s.name = row.ColumnText(1);
    s.version = row.ColumnText(2);
    s.revision = row.ColumnInt64(3);
    s.description = row.ColumnText(4);
    s.owner_team = row.ColumnText(5);
    s.tags = TagsFrom(row.ColumnText(6));
    s.published_ms = row.ColumnInt64(7);
    s.tables = row.ColumnInt64(8);
    s.deprecated = row.ColumnInt64(9) != 0;
    s.deprecation_note = row.ColumnText(10);
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<ProductVersion>> ProductStore::RefreshCandidates() {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto row, db_->Prepare(std::string(kVersionColumns) +
                                                  "WHERE refresh_seconds > 0 AND revision IN "
                                                  "(SELECT revision FROM product_products) "
                                                  "ORDER BY domain, name"));
  std::vector<ProductVersion> out;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool more, row.Step());
    if (!more)
      break;
    TESSERA_ASSIGN_OR_RETURN(ProductVersion v, ReadVersion(row, false));
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::optional<int64_t>> ProductStore::PublishedVersion(const engine::TableName& table) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto row, db_->Prepare("SELECT t.delta_version FROM product_products p LEFT JOIN "
                             "product_tables t ON t.revision = p.revision AND t.name = ? "
                             "WHERE p.domain = ? AND p.name = ?"));
  row.Bind(1, table.table).Bind(2, table.domain).Bind(3, table.product);
  TESSERA_ASSIGN_OR_RETURN(bool managed, row.Step());
  if (!managed)
    return std::optional<int64_t>();
  if (row.ColumnIsNull(0)) {
    return Status::NotFound("table " + table.ToString() +
                            " is not part of its product's published version");
  }
  return std::optional<int64_t>(row.ColumnInt64(0));
}

Result<engine::TablePins> ProductStore::Pins() {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto row, db_->Prepare("SELECT p.domain, p.name, t.name, t.delta_version FROM "
                             "product_products p LEFT JOIN product_tables t ON t.revision = "
                             "p.revision"));
  engine::TablePins pins;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool more, row.Step());
    if (!more)
      break;
    std::string product = row.ColumnText(0) + "." + row.ColumnText(1);
    pins.managed_products.insert(product);
    if (!row.ColumnIsNull(2))
      pins.versions[product + "." + row.ColumnText(2)] = row.ColumnInt64(3);
  }
  return pins;
}

Result<std::vector<LineageLink>> ProductStore::CurrentLineage() {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(
      auto row, db_->Prepare("SELECT p.domain, p.name, l.output_table, l.input_kind, "
                             "l.input_name, l.input_version FROM product_products p JOIN "
                             "product_lineage l ON l.revision = p.revision "
                             "ORDER BY p.domain, p.name, l.output_table, l.input_name"));
  std::vector<LineageLink> out;
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(bool more, row.Step());
    if (!more)
      break;
    out.push_back({row.ColumnText(0),
                   row.ColumnText(1),
                   {row.ColumnText(2), row.ColumnText(3), row.ColumnText(4), row.ColumnText(5)}});
  }
  return out;
}

Status ProductStore::SetDeprecated(std::string_view domain, std::string_view name, bool deprecated,
                                   std::string_view note) {
  auto lock = db_->Lock();
  TESSERA_ASSIGN_OR_RETURN(auto update,
                           db_->Prepare("UPDATE product_products SET deprecated = ?, "
                                        "deprecation_note = ? WHERE domain = ? AND name = ?"));
  update.Bind(1, int64_t{deprecated ? 1 : 0}).Bind(2, deprecated ? note : std::string_view());
  update.Bind(3, domain).Bind(4, name);
  TESSERA_RETURN_NOT_OK(update.Run());
  if (db_->Changes() == 0)
    return NoProduct(domain, name);
  TESSERA_ASSIGN_OR_RETURN(auto search,
                           db_->Prepare("UPDATE product_search SET deprecated = ? WHERE rowid = "
                                        "(SELECT id FROM product_products WHERE domain = ? "
                                        "AND name = ?)"));
  search.Bind(1, int64_t{deprecated ? 1 : 0}).Bind(2, domain).Bind(3, name);
  return search.Run();
}

Status ProductStore::Delete(std::string_view domain, std::string_view name) {
  TESSERA_ASSIGN_OR_RETURN(auto transaction, Transaction::Begin(*db_));
  TESSERA_ASSIGN_OR_RETURN(auto search,
                           db_->Prepare("DELETE FROM product_search WHERE rowid = (SELECT id FROM "
                                        "product_products WHERE domain = ? AND name = ?)"));
  search.Bind(1, domain).Bind(2, name);
  TESSERA_RETURN_NOT_OK(search.Run());
  TESSERA_ASSIGN_OR_RETURN(
      auto product, db_->Prepare("DELETE FROM product_products WHERE domain = ? AND name = ?"));
  product.Bind(1, domain).Bind(2, name);
  TESSERA_RETURN_NOT_OK(product.Run());
  if (db_->Changes() == 0)
    return NoProduct(domain, name);
  TESSERA_ASSIGN_OR_RETURN(
      auto versions, db_->Prepare("DELETE FROM product_versions WHERE domain = ? AND name = ?"));
  versions.Bind(1, domain).Bind(2, name);
  TESSERA_RETURN_NOT_OK(versions.Run());
  return transaction.Commit();
}

Status ProductStore::IndexForSearch(const ProductVersion& v) {
  // The index row of a product has the product row's rowid: found and replaced by key, not by
  // scanning the index's stored columns.
  TESSERA_ASSIGN_OR_RETURN(auto key, db_->Prepare("SELECT id, deprecated FROM product_products "
                                                  "WHERE domain = ? AND name = ?"));
  key.Bind(1, v.domain).Bind(2, v.name);
  TESSERA_ASSIGN_OR_RETURN(bool exists, key.Step());
  if (!exists)
    return Status::Internal("indexing a product that is not in the catalog");
  int64_t rowid = key.ColumnInt64(0);
  int64_t deprecated = key.ColumnInt64(1);
  TESSERA_ASSIGN_OR_RETURN(auto remove, db_->Prepare("DELETE FROM product_search WHERE rowid = ?"));
  remove.Bind(1, rowid);
  TESSERA_RETURN_NOT_OK(remove.Run());
  std::string names = v.domain + " " + v.name;
  std::string description = v.description;
  std::string columns;
  std::set<std::string> classifications;
  for (const CatalogTable& t : v.tables) {
    names += " " + t.name;
    if (!t.description.empty())
      description += "\n" + t.description;
    for (const CatalogColumn& c : t.columns) {
      columns += c.name + " " + c.description + "\n";
      if (!c.classification.empty())
        classifications.insert(c.classification);
    }
  }
  std::string classes = " ";
  for (const std::string& c : classifications)
    classes += c + " ";
  std::string tags = " ";
  for (const std::string& t : v.tags)
    tags += t + " ";
  TESSERA_ASSIGN_OR_RETURN(auto insert,
                           db_->Prepare("INSERT INTO product_search(rowid, names, description, "
                                        "columns, tags, owner, domain, name, classifications, "
                                        "owner_team, deprecated) VALUES "
                                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.Bind(1, rowid).Bind(2, names).Bind(3, description).Bind(4, columns).Bind(5, tags);
  insert.Bind(6, v.owner_team + " " + v.owner_contact).Bind(7, v.domain).Bind(8, v.name);
  insert.Bind(9, classes).Bind(10, v.owner_team).Bind(11, deprecated);
  return insert.Run();
}

namespace {
// Each word of free text as a quoted FTS5 term, so no character of it can be query syntax; all
// terms must match. The last word is a prefix (search as you type: "airp" finds "airport");
// the others are whole (stemmed) words, which the index answers faster.
std::string MatchExpression(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty())
      words.push_back("\"" + word + "\"");
    word.clear();
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
        static_cast<unsigned char>(c) >= 0x80)
      word += c;
    else
      flush();
  }
  flush();
  if (!words.empty())
    words.back() += "*";
  return Join(words, " ");
}
}  // namespace

namespace {
// The first place in `text` where one of `words` starts a word, with some context around it
// and the word [marked]; empty if none does.
std::string Snippet(const std::string& text, const std::vector<std::string>& words) {
  std::string lower = ToLower(text);
  for (size_t at = 0; at < lower.size(); ++at) {
    if (at > 0 && std::isalnum(static_cast<unsigned char>(lower[at - 1])))
      continue;
    for (const std::string& w : words) {
      if (lower.compare(at, w.size(), w) != 0)
        continue;
      size_t end = at + w.size();
      while (end < lower.size() && std::isalnum(static_cast<unsigned char>(lower[end])))
        ++end;
      size_t from = at > 40 ? at - 40 : 0;
      size_t to = std::min(text.size(), end + 40);
      std::string out = (from > 0 ? "..." : "") + text.substr(from, at - from) + "[" +
                        text.substr(at, end - at) + "]" + text.substr(end, to - end) +
                        (to < text.size() ? "..." : "");
      std::replace(out.begin(), out.end(), '\n', ' ');
      return out;
    }
  }
  return "";
}
}  // namespace

Result<std::vector<SearchHit>> ProductStore::Search(const SearchQuery& query) {
  if (query.limit < 1 || query.limit > 1000)
    return Status::InvalidArgument("a search returns 1 to 1000 results");
  std::string match = MatchExpression(query.text);
  const std::string column = match.empty() ? "s." : "";
  std::string filters;
  if (!query.domain.empty())
    filters += " AND " + column + "domain = ?2";
  if (!query.tag.empty())
    filters += " AND instr(" + column + "tags, ' ' || ?3 || ' ') > 0";
  if (!query.classification.empty())
    filters += " AND instr(" + column + "classifications, ' ' || ?4 || ' ') > 0";
  if (!query.owner.empty())
    filters += " AND " + column + "owner_team = ?5";
  // With words: rank and cut in the index alone (bm25 needs no stored column), then read the
  // few rows kept. Reading a stored column, or a snippet, for every match would cost more than
  // the search itself.
  std::string sql =
      match.empty() ? "SELECT s.rowid, 0.0 FROM product_search s JOIN product_products p ON "
                      "p.domain = s.domain AND p.name = s.name WHERE 1 = 1" +
                          filters + " ORDER BY p.deprecated, s.domain, s.name LIMIT ?6"
                    : "SELECT rowid, product_search_bm25(product_search, 10.0, 4.0, 2.0, 5.0, 3.0) "
                      "AS score FROM "
                      "product_search WHERE product_search MATCH ?1" +
                          filters + " ORDER BY score LIMIT ?6";
  auto lock = db_->Lock();
  std::vector<std::pair<int64_t, double>> ranked;
  {
    TESSERA_ASSIGN_OR_RETURN(auto row, db_->Prepare(sql));
    if (!match.empty())
      row.Bind(1, match);
    if (!query.domain.empty())
      row.Bind(2, query.domain);
    if (!query.tag.empty())
      row.Bind(3, query.tag);
    if (!query.classification.empty())
      row.Bind(4, query.classification);
    if (!query.owner.empty())
      row.Bind(5, query.owner);
    row.Bind(6, query.limit);
    while (true) {
      TESSERA_ASSIGN_OR_RETURN(bool more, row.Step());
      if (!more)
        break;
      ranked.emplace_back(row.ColumnInt64(0), row.ColumnDouble(1));
    }
  }
  TESSERA_ASSIGN_OR_RETURN(
      auto detail,
      db_->Prepare("SELECT s.domain, s.name, v.version, v.description, v.owner_team, v.tags, "
                   "p.deprecated, s.names, s.description, s.columns FROM product_search s JOIN "
                   "product_products p ON p.domain = s.domain AND p.name = s.name JOIN "
                   "product_versions v ON v.revision = p.revision WHERE s.rowid = ?"));
  std::vector<std::string> words;
  for (std::string w : Split(ToLower(match), ' ')) {
    if (!w.empty() && w.back() == '*')
      w.pop_back();
    if (w.size() > 2)
      words.push_back(w.substr(1, w.size() - 2));  // "word" -> word
  }
  std::vector<SearchHit> hits;
  for (const auto& [id, score] : ranked) {
    detail.Reset();
    detail.Bind(1, id);
    TESSERA_ASSIGN_OR_RETURN(bool found, detail.Step());
    if (!found)
      continue;
    SearchHit hit;
    hit.domain = detail.ColumnText(0);
    hit.name = detail.ColumnText(1);
    hit.version = detail.ColumnText(2);
    hit.description = detail.ColumnText(3);
    hit.owner_team = detail.ColumnText(4);
    hit.tags = TagsFrom(detail.ColumnText(5));
    hit.deprecated = detail.ColumnInt64(6) != 0;
    hit.score = score;
    for (int text = 7; text <= 9 && hit.snippet.empty(); ++text)
      hit.snippet = Snippet(detail.ColumnText(text), words);
    hits.push_back(std::move(hit));
  }
  // Deprecated products still show, after the others (stable: rank order within each).
  std::stable_partition(hits.begin(), hits.end(), [](const SearchHit& h) { return !h.deprecated; });
  return hits;
}

}  // namespace tessera::catalog
