#include "tessera/products/apply.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>

#include "tessera/common/strings.h"
#include "tessera/delta/snapshot.h"
#include "tessera/engine/column_lineage.h"
#include "tessera/engine/data_dir.h"
#include "tessera/engine/delta_writer.h"
#include "tessera/engine/remote_reads.h"
#include "tessera/engine/row_wise.h"
#include "tessera/products/source_state.h"

namespace tessera::products {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::string Where(const ProductDescriptor& d, const SourcePosition& p) {
  return d.file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": ";
}

// The source as a query; `files`, when given, replace a files source's path or glob (an
// incremental build reads just the new files).
std::string SourceQuery(const SourceSpec& source, const std::vector<std::string>* files = nullptr) {
  if (source.kind == SourceKind::kSql)
    return "SELECT * FROM (\n" + source.sql + "\n)";
  std::string path = QuoteLiteral(source.path);
  if (files != nullptr) {
    path = "[";
    for (const std::string& file : *files)
      path += (path.size() > 1 ? ", " : "") + QuoteLiteral(file);
    path += "]";
  }
  switch (source.format) {
    case FileFormat::kCsv:
      return "SELECT * FROM read_csv(" + path + ", header := true)";
    case FileFormat::kJson:
      return "SELECT * FROM read_json_auto(" + path + ")";
    case FileFormat::kParquet:
      break;
  }
  return "SELECT * FROM read_parquet(" + path + ", union_by_name := true)";
}

// Whether `word` appears in `sql` as a whole identifier (case-insensitive).
bool MentionsWord(std::string_view sql, const std::string& word) {
  std::string lower = ToLower(sql);
  auto is_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t at = lower.find(word); at != std::string::npos; at = lower.find(word, at + 1)) {
    bool starts = at == 0 || !is_name(lower[at - 1]);
    bool ends = at + word.size() >= lower.size() || !is_name(lower[at + word.size()]);
    if (starts && ends)
      return true;
  }
  return false;
}

std::string Staged(const std::string& table) { return "temp.main." + QuoteIdentifier(table); }

// The query that builds a table: the source as it is, or its declared columns cast to their
// declared types (matched case-insensitively, so a CSV's "ORIGIN" feeds a declared `origin`).
Result<std::string> BuildQuery(engine::Connection& connection, const ProductDescriptor& d,
                               const TableSpec& table,
                               const std::vector<std::string>* files = nullptr) {
  std::string source = SourceQuery(table.source, files);
  auto described = connection.Describe(source);
  if (!described.ok()) {
    return Status::InvalidArgument(Where(d, table.source.position) + "table '" + table.name +
                                   "': cannot read its source: " + described.status().message());
  }
  if (table.columns.empty())
    return source;
  std::map<std::string, std::string> available;
  std::string listing;
  for (const engine::Column& c : described->columns) {
    available[ToLower(c.name)] = c.name;
    listing += (listing.empty() ? "" : ", ") + c.name;
  }
  std::string select;
  for (const ColumnSpec& column : table.columns) {
    auto found = available.find(ToLower(column.name));
    if (found == available.end()) {
      return Status::InvalidArgument(Where(d, column.position) + "table '" + table.name +
                                     "': its source has no column '" + column.name +
                                     "' (it has: " + listing + ")");
    }
    select += (select.empty() ? "" : ", ") + std::string("CAST(source.") +
              QuoteIdentifier(found->second) + " AS " + column.type + ") AS " +
              QuoteIdentifier(column.name);
  }
  return "SELECT " + select + " FROM (" + source + ") AS source";
}

// What decides a table's content besides its source's data: two builds with the same key over
// the same data give the same rows.
std::string SpecKey(const TableSpec& table) {
  std::string key = std::to_string(static_cast<int>(table.source.kind)) + "\n" + table.source.path +
                    "\n" + std::to_string(static_cast<int>(table.source.format)) + "\n" +
                    table.source.sql + "\n";
  for (const ColumnSpec& c : table.columns)
    key += c.name + " " + c.type + "\n";
  for (const std::string& p : table.partition_by)
    key += "partition " + p + "\n";
  return key;
}

// The staged rows an incremental build adds (a name no product table can have).
std::string Added(const std::string& table) {
  return "temp.main." + QuoteIdentifier(table + "+added");
}

std::vector<catalog::CatalogColumn> CatalogColumns(const TableSpec& table,
                                                   const std::vector<engine::Column>& columns) {
  std::vector<catalog::CatalogColumn> out;
  for (const engine::Column& c : columns) {
    catalog::CatalogColumn column{c.name, c.type.name, "", true, "", false};
    for (const ColumnSpec& spec : table.columns) {
      if (ToLower(spec.name) != ToLower(c.name))
        continue;
      column.description = spec.description;
      column.nullable = spec.nullable && !spec.primary_key;
      column.classification = spec.classification;
      column.primary_key = spec.primary_key;
    }
    out.push_back(std::move(column));
  }
  return out;
}

class Applier {
 public:
  Applier(const ProductDescriptor& d, const ApplyContext& context)
      : d_(d), c_(context), connection_(*context.connection) {}

  Result<ApplyReport> Run() {
    auto start = Clock::now();
    report_.product = d_.FullName();
    report_.version = d_.version.ToString();
    auto previous = c_.store->Current(d_.domain, d_.name);
    if (previous.ok()) {
      previous_ = std::move(*previous);
      report_.previous_version = previous_->version;
      report_.previous_revision = previous_->revision;
    } else if (previous.status().code() != StatusCode::kNotFound) {
      return previous.status();
    }
    TESSERA_RETURN_NOT_OK(CheckReaders());
    TESSERA_RETURN_NOT_OK(Stage());
    TESSERA_RETURN_NOT_OK(CheckSchema());
    Check();
    if (!report_.blocked_by.empty() || c_.dry_run) {
      report_.total_ms = MillisSince(start);
      return std::move(report_);
    }
    TESSERA_RETURN_NOT_OK(Write());
    TESSERA_RETURN_NOT_OK(Publish());
    TESSERA_RETURN_NOT_OK(GrantReaders());
    report_.total_ms = MillisSince(start);
    return std::move(report_);
  }

 private:
  void Progress(const std::string& line) {
    if (c_.progress)
      c_.progress(line);
  }

  // Every reader must be a principal before anything is built.
  Status CheckReaders() {
    if (c_.access == nullptr)
      return Status::OK();
    for (const std::string& reader : d_.readers) {
      if (StartsWith(reader, "group:")) {
        return Status::InvalidArgument(d_.file + ": access.readers: '" + reader +
                                       "': groups are not supported yet; name principals");
      }
      auto principal = c_.access->GetPrincipal(reader);
      if (principal.status().code() == StatusCode::kNotFound) {
        return Status::InvalidArgument(d_.file + ": access.readers: no principal '" + reader +
                                       "' (create it: tessera principal create " + reader + ")");
      }
      TESSERA_RETURN_NOT_OK(principal.status());
    }
    return Status::OK();
  }

  // Readers get a grant on the product; readers the previous version listed and this one does
  // not lose theirs (only that grant: broader ones stay).
  Status GrantReaders() {
    if (c_.access == nullptr)
      return Status::OK();
    const std::string object = d_.FullName();
    for (const std::string& reader : d_.readers) {
      TESSERA_RETURN_NOT_OK(c_.access->Grant(reader, object).WithContext("granting " + object));
      report_.granted.push_back(reader);
    }
    if (!previous_)
      return Status::OK();
    auto before = ParseDescriptor(previous_->descriptor, d_.file, d_.base_dir);
    if (!before.ok())
      return Status::OK();  // written by another version of tessera: nothing to compare
    for (const std::string& reader : before->readers) {
      if (std::find(d_.readers.begin(), d_.readers.end(), reader) != d_.readers.end())
        continue;
      Status revoked = c_.access->Revoke(reader, object);
      if (revoked.ok())
        report_.revoked.push_back(reader);
      else if (revoked.code() != StatusCode::kNotFound)
        return revoked.WithContext("revoking " + object);
    }
    return Status::OK();
  }

  Status Stage() {
    auto start = Clock::now();
    TESSERA_ASSIGN_OR_RETURN(std::vector<engine::TableName> node_tables,
                             engine::ListTables(c_.data_dir));
    TESSERA_ASSIGN_OR_RETURN(engine::TablePins pins, c_.store->Pins());
    engine::KeepVisible(pins, node_tables);
    for (const TableSpec& table : d_.tables) {
      auto table_start = Clock::now();
      TableBuild build;
      build.name = table.name;
      SourceState now;
      TESSERA_RETURN_NOT_OK(ReadSourceState(table, &now));
      Increment increment = PlanIncrement(table, node_tables, now);
      // A connection that staged this table before (an earlier apply) may hold it as a table
      // or a view: neither may stand in the way of the other.
      for (const char* kind : {"VIEW", "TABLE"}) {
        Status dropped =
            connection_.Execute(std::string("DROP ") + kind + " IF EXISTS " + Staged(table.name));
        (void)dropped;  // the wrong kind's error: nothing to drop
      }
      std::optional<std::vector<std::pair<std::string, std::vector<engine::ColumnSource>>>>
          column_sources;
      if (increment.possible) {
        // Only what is new: the change feed since the recorded versions, or the new files.
        engine::ScopedRemoteReads reads(increment.reads);
        column_sources = SourceColumns(table);
        Status staged = StageIncrement(table, increment, &build);
        // A remote table that changed other than by appends: read all of it (the scan's error
        // reaches here through DuckDB, as text).
        if (staged.message().find(engine::kNotAppendOnly) != std::string::npos) {
          std::string why = staged.message().substr(0, staged.message().find('\n'));
          size_t at = why.find("reading ");
          build.full_because =
              "a remote table " + (at == std::string::npos ? why : why.substr(at + 8));
          column_sources.reset();
        } else if (!staged.ok()) {
          return staged;
        }
      } else {
        build.full_because = increment.why;
      }
      if (!column_sources) {
        build.mode = "full";
        const std::string from = table.source.kind == SourceKind::kFiles
                                     ? table.source.path
                                     : std::string("a SQL query");
        Progress("loading " + d_.FullName() + "." + table.name + " from " + from);
        // Every versioned mount at the version lineage records.
        std::map<std::string, engine::RemoteRead> pinned;
        for (const auto& [name, version] : now.remote_versions)
          pinned[name] = engine::RemoteRead{version, std::nullopt};
        engine::ScopedRemoteReads reads(pinned);
        TESSERA_ASSIGN_OR_RETURN(std::string query, BuildQuery(connection_, d_, table));
        // Before staging: the SQL's own tables resolve as they will while it runs.
        column_sources = SourceColumns(table);
        Status staged = connection_.Execute("CREATE OR REPLACE TEMP TABLE " +
                                            QuoteIdentifier(table.name) + " AS " + query);
        if (!staged.ok()) {
          return Status::InvalidArgument(Where(d_, table.source.position) + "table '" + table.name +
                                         "': " + staged.message());
        }
      }
      TESSERA_ASSIGN_OR_RETURN(
          auto rows, connection_.QueryScalarString("SELECT count(*) FROM " + Staged(table.name)));
      build.rows = ParseInt64(rows.value_or("0")).ValueOr(0);
      build.load_ms = MillisSince(table_start);
      if (previous_) {
        for (const catalog::CatalogTable& t : previous_->tables) {
          if (t.name == table.name)
            build.previous_rows = t.rows;
        }
      }
      TESSERA_ASSIGN_OR_RETURN(engine::StatementInfo info,
                               connection_.Describe("SELECT * FROM " + Staged(table.name)));
      catalog::CatalogTable entry;
      entry.name = table.name;
      entry.description = table.description;
      entry.rows = build.rows;
      entry.columns = CatalogColumns(table, info.columns);
      entry.source_state = now.ToJson();
      build.columns = entry.columns;
      tables_.push_back(std::move(entry));
      report_.tables.push_back(build);
      Progress("  " + std::to_string(build.rows) + " rows in " + std::to_string(build.load_ms) +
               " ms" +
               (build.mode == "full" ? std::string()
                                     : " (" + build.mode + ": " + build.read_changes + ")"));
      TESSERA_RETURN_NOT_OK(RecordLineage(table, node_tables, pins, now));
      RecordColumnLineage(table, tables_.back(), *column_sources);
    }
    report_.load_ms = MillisSince(start);
    return Status::OK();
  }

  // What the source holds now: a files source's files, a SQL source's versioned mounts.
  Status ReadSourceState(const TableSpec& table, SourceState* now) {
    if (table.source.kind == SourceKind::kFiles) {
      auto files = StampFiles(connection_, table.source.path);
      if (!files.ok()) {
        return Status::InvalidArgument(Where(d_, table.source.position) + "table '" + table.name +
                                       "': cannot list its files: " + files.status().message());
      }
      now->files = std::move(*files);
      return Status::OK();
    }
    if (!c_.remote_version)
      return Status::OK();
    for (const engine::TableName& input :
         engine::TablesMentioned(table.source.sql, c_.mounted_tables)) {
      auto version = c_.remote_version(input);
      if (!version.ok())
        return version.status().WithContext("table '" + table.name + "'");
      if (*version)
        now->remote_versions[input.ToString()] = **version;
    }
    return Status::OK();
  }

  // Whether this table can be built by adding only what its source gained since the published
  // version: the same definition, a source that only grew (new files; remote tables read
  // through their change feed) and a query that maps rows one to one.
  struct Increment {
    bool possible = false;
    std::string why;  // when not possible (empty for a first build)
    std::vector<std::string> new_files;
    std::map<std::string, engine::RemoteRead> reads;
    std::string what;  // the changes read, for the report
  };
  Increment PlanIncrement(const TableSpec& table, const std::vector<engine::TableName>& node_tables,
                          const SourceState& now) {
    Increment no;
    if (!previous_)
      return no;
    const catalog::CatalogTable* before = nullptr;
    for (const catalog::CatalogTable& t : previous_->tables) {
      if (t.name == table.name)
        before = &t;
    }
    if (before == nullptr) {
      no.why = "a new table";
      return no;
    }
    if (c_.full_rebuild) {
      no.why = "a full rebuild was asked for";
      return no;
    }
    auto published = ParseDescriptor(previous_->descriptor, d_.file, d_.base_dir);
    const TableSpec* spec = published.ok() ? published->FindTable(table.name) : nullptr;
    if (spec == nullptr || SpecKey(*spec) != SpecKey(table)) {
      no.why = "its definition changed";
      return no;
    }
    auto snapshot = delta::Snapshot::Load(
        *c_.storage, c_.reader, engine::TableRoot(c_.data_dir, {d_.domain, d_.name, table.name}),
        std::nullopt);
    if (!snapshot.ok() || (*snapshot)->version() != before->delta_version) {
      no.why = "its Delta table has commits that were never published (an interrupted apply)";
      return no;
    }
    Increment yes;
    yes.possible = true;
    SourceState then = SourceState::Parse(before->source_state);
    if (table.source.kind == SourceKind::kFiles) {
      if (then.files.empty()) {
        no.why = "the published version did not record which files it read";
        return no;
      }
      for (const auto& [path, stamp] : then.files) {
        auto found = now.files.find(path);
        if (found == now.files.end() || !(found->second == stamp)) {
          no.why = path + " changed or went away";
          return no;
        }
      }
      for (const auto& [path, stamp] : now.files) {
        if (then.files.count(path) == 0)
          yes.new_files.push_back(path);
      }
      yes.what = std::to_string(yes.new_files.size()) + " new file" +
                 (yes.new_files.size() == 1 ? "" : "s");
      return yes;
    }
    auto row_wise = engine::WhyNotRowWise(connection_, table.source.sql);
    if (!row_wise.ok() || !row_wise->empty()) {
      no.why = "its query is not row by row (" +
               (row_wise.ok() ? *row_wise : row_wise.status().message()) + ")";
      return no;
    }
    for (const engine::TableName& input : engine::TablesMentioned(table.source.sql, node_tables)) {
      no.why = "it reads " + input.ToString() + ", a table of this node (only mounted tables' " +
               "change feeds are followed)";
      return no;
    }
    for (const TableSpec& earlier : d_.tables) {
      if (earlier.name == table.name)
        break;
      if (MentionsWord(table.source.sql, earlier.name)) {
        no.why = "it reads " + earlier.name + ", a table of this product";
        return no;
      }
    }
    for (const engine::TableName& input :
         engine::TablesMentioned(table.source.sql, c_.mounted_tables)) {
      std::string name = input.ToString();
      auto current = now.remote_versions.find(name);
      auto read = then.remote_versions.find(name);
      if (current == now.remote_versions.end()) {
        no.why = name + " has no versions to follow (a PostgreSQL or files mount)";
        return no;
      }
      if (read == then.remote_versions.end() || read->second > current->second) {
        no.why = "the published version did not record which version of " + name + " it read";
        return no;
      }
      yes.reads[name] = engine::RemoteRead{current->second, read->second};
      int64_t from = read->second + 1;
      int64_t to = current->second;
      yes.what += (yes.what.empty() ? "" : ", ") + name + " " +
                  (from > to    ? "unchanged at version " + std::to_string(to)
                   : from == to ? "version " + std::to_string(to)
                                : "versions " + std::to_string(from) + ".." + std::to_string(to));
    }
    if (yes.reads.empty()) {
      no.why = "it reads no mounted table with versions";
      return no;
    }
    return yes;
  }

  // Stage what the source gained, and the table as it will be: the published rows and those.
  // An error naming engine::kNotAppendOnly when a remote table changed other than by appends
  // (the caller then rebuilds in full).
  Status StageIncrement(const TableSpec& table, const Increment& increment, TableBuild* build) {
    Progress("loading " + d_.FullName() + "." + table.name + " incrementally: " + increment.what);
    std::string query;
    if (table.source.kind == SourceKind::kFiles && increment.new_files.empty()) {
      TESSERA_ASSIGN_OR_RETURN(query, BuildQuery(connection_, d_, table));
      query = "SELECT * FROM (" + query + ") LIMIT 0";  // nothing new: no rows, same columns
    } else {
      TESSERA_ASSIGN_OR_RETURN(
          query,
          BuildQuery(connection_, d_, table,
                     table.source.kind == SourceKind::kFiles ? &increment.new_files : nullptr));
    }
    Status staged = connection_.Execute("CREATE OR REPLACE TEMP TABLE " +
                                        QuoteIdentifier(table.name + "+added") + " AS " + query);
    if (!staged.ok()) {
      return Status::InvalidArgument(Where(d_, table.source.position) + "table '" + table.name +
                                     "': " + staged.message());
    }
    TESSERA_ASSIGN_OR_RETURN(
        auto added, connection_.QueryScalarString("SELECT count(*) FROM " + Added(table.name)));
    build->added_rows = ParseInt64(added.value_or("0")).ValueOr(0);
    TESSERA_ASSIGN_OR_RETURN(engine::TablePins pins, c_.store->Pins());
    std::string published =
        engine::DeltaScanCall(c_.data_dir, {d_.domain, d_.name, table.name}, &pins);
    TESSERA_RETURN_NOT_OK(connection_.Execute(
        "CREATE OR REPLACE TEMP VIEW " + QuoteIdentifier(table.name) + " AS SELECT * FROM " +
        published + " UNION ALL BY NAME SELECT * FROM " + Added(table.name)));
    build->mode = build->added_rows == 0 ? "unchanged" : "append";
    build->read_changes = increment.what;
    return Status::OK();
  }

  Status RecordLineage(const TableSpec& table, const std::vector<engine::TableName>& node_tables,
                       const engine::TablePins& pins, const SourceState& read) {
    if (table.source.kind == SourceKind::kFiles) {
      report_.lineage.push_back({table.name, "files", table.source.path, ""});
      return Status::OK();
    }
    // Tables of this product staged before this one, read by their plain names.
    std::vector<engine::TableName> own;
    for (const TableSpec& earlier : d_.tables) {
      if (earlier.name == table.name)
        break;
      own.push_back({d_.domain, d_.name, earlier.name});
    }
    for (const engine::TableName& input : own) {
      if (MentionsWord(table.source.sql, input.table))
        report_.lineage.push_back({table.name, "table", input.ToString(), ""});
    }
    for (const engine::TableName& input :
         engine::TablesMentioned(table.source.sql, c_.mounted_tables)) {
      auto version = read.remote_versions.find(input.ToString());
      report_.lineage.push_back({table.name, "mount", input.ToString(),
                                 version == read.remote_versions.end()
                                     ? std::string()
                                     : std::to_string(version->second)});
    }
    for (const engine::TableName& input : engine::TablesMentioned(table.source.sql, node_tables)) {
      std::string version;
      if (std::optional<int64_t> pinned = pins.VersionOf(input)) {
        version = std::to_string(*pinned);
      } else {
        auto snapshot = delta::Snapshot::Load(*c_.storage, c_.reader,
                                              engine::TableRoot(c_.data_dir, input), std::nullopt);
        if (snapshot.ok())
          version = std::to_string((*snapshot)->version());
      }
      report_.lineage.push_back({table.name, "table", input.ToString(), version});
    }
    return Status::OK();
  }

  // Each column of the source (by name) and the columns it is computed from.
  std::vector<std::pair<std::string, std::vector<engine::ColumnSource>>> SourceColumns(
      const TableSpec& table) {
    std::vector<std::pair<std::string, std::vector<engine::ColumnSource>>> out;
    std::string query = SourceQuery(table.source);
    auto info = connection_.Describe(query);
    if (!info.ok())
      return out;
    if (table.source.kind == SourceKind::kFiles) {
      for (const engine::Column& c : info->columns)
        out.push_back({ToLower(c.name), {{table.source.path, c.name}}});
      return out;
    }
    auto sources = engine::ColumnSources(connection_, table.source.sql);
    if (!sources.ok() || sources->size() != info->columns.size())
      return out;  // lineage is best effort: no columns claimed rather than wrong ones
    for (size_t i = 0; i < info->columns.size(); ++i) {
      std::vector<engine::ColumnSource> resolved;
      for (engine::ColumnSource s : (*sources)[i]) {
        // A plain name is this product's own staged table.
        if (s.table.find('.') == std::string::npos)
          s.table = d_.FullName() + "." + s.table;
        resolved.push_back(std::move(s));
      }
      out.emplace_back(ToLower(info->columns[i].name), std::move(resolved));
    }
    return out;
  }

  void RecordColumnLineage(
      const TableSpec& table, const catalog::CatalogTable& built,
      const std::vector<std::pair<std::string, std::vector<engine::ColumnSource>>>& sources) {
    for (const catalog::CatalogColumn& column : built.columns) {
      for (const auto& [name, inputs] : sources) {
        if (name != ToLower(column.name))
          continue;
        for (const engine::ColumnSource& input : inputs) {
          report_.column_lineage.push_back({table.name, column.name, input.table, input.column});
        }
      }
    }
  }

  Status CheckSchema() {
    if (!previous_)
      return Status::OK();
    report_.changes = DiffSchemas(previous_->tables, tables_);
    TESSERA_ASSIGN_OR_RETURN(Semver published, ParseSemver(previous_->version));
    Status bump = CheckVersionBump(published, d_.version, report_.changes);
    if (!bump.ok())
      return Status::InvalidArgument(d_.file + ": " + bump.message());
    return Status::OK();
  }

  void Check() {
    auto start = Clock::now();
    std::vector<RuleSpec> rules = EffectiveRules(d_);
    Progress("checking " + std::to_string(rules.size()) + " contract rules");
    report_.rules = RunRules(connection_, rules);
    int failed = 0;
    for (const RuleResult& r : report_.rules) {
      if (!r.passed && r.severity == Severity::kError) {
        ++failed;
        report_.blocked_by += (report_.blocked_by.empty() ? "" : ", ") + r.name;
      }
    }
    if (failed > 0) {
      report_.blocked_by = std::to_string(failed) + " error rule" + (failed == 1 ? "" : "s") +
                           " failed: " + report_.blocked_by;
    }
    report_.checks_ms = MillisSince(start);
  }

  Status Write() {
    auto start = Clock::now();
    for (size_t i = 0; i < d_.tables.size(); ++i) {
      const TableSpec& table = d_.tables[i];
      TableBuild& build = report_.tables[i];
      const catalog::CatalogTable* before = PublishedTable(table.name);
      if (build.mode == "unchanged" && before != nullptr) {
        // Nothing new: the published Delta version stays.
        build.delta_version = tables_[i].delta_version = before->delta_version;
        build.files = tables_[i].files = before->files;
        build.bytes = tables_[i].bytes = before->bytes;
        continue;
      }
      bool append = build.mode == "append" && before != nullptr;
      Progress("writing " + d_.FullName() + "." + table.name +
               (append ? " (appending " + std::to_string(build.added_rows) + " rows)" : ""));
      engine::WriteRequest request;
      request.table_root =
          engine::TableRoot(c_.data_dir, engine::TableName{d_.domain, d_.name, table.name});
      if (append) {
        request.query = "SELECT * FROM " + Added(table.name);
        request.mode = engine::WriteMode::kAppend;
      } else {
        request.query = "SELECT * FROM " + Staged(table.name);
        request.mode = engine::WriteMode::kReplace;
        request.partition_columns = table.partition_by;
        // Consumers (a mount on another node) follow the table through its change feed.
        request.properties["delta.enableChangeDataFeed"] = "true";
        if (!table.description.empty())
          request.description = table.description;
      }
      auto written = engine::WriteQuery(connection_, *c_.storage, *c_.reader, request);
      if (!written.ok())
        return written.status().WithContext("writing table '" + table.name + "'");
      build.files = written->files + (append ? before->files : 0);
      build.bytes = written->bytes + (append ? before->bytes : 0);
      build.delta_version = written->version;
      tables_[i].delta_version = written->version;
      tables_[i].files = build.files;
      tables_[i].bytes = build.bytes;
    }
    report_.commit_ms = MillisSince(start);
    return Status::OK();
  }

  const catalog::CatalogTable* PublishedTable(const std::string& name) const {
    if (!previous_)
      return nullptr;
    for (const catalog::CatalogTable& t : previous_->tables) {
      if (t.name == name)
        return &t;
    }
    return nullptr;
  }

  Status Publish() {
    auto start = Clock::now();
    catalog::ProductVersion version;
    version.domain = d_.domain;
    version.name = d_.name;
    version.version = d_.version.ToString();
    version.description = d_.description;
    version.owner_team = d_.owner_team;
    version.owner_contact = d_.owner_contact;
    version.tags = d_.tags;
    version.descriptor = d_.text;
    version.descriptor_path = d_.file.empty() ? "" : std::filesystem::absolute(d_.file).string();
    version.refresh_seconds = d_.refresh_seconds.value_or(0);
    version.tables = tables_;
    version.lineage = report_.lineage;
    version.column_lineage = report_.column_lineage;
    Json rules = Json::array();
    for (const RuleResult& r : report_.rules) {
      rules.push_back(r.ToJson());
      version.quality_passed = version.quality_passed && r.passed;
    }
    version.quality_json = DumpJson(rules);
    version.report_json = DumpJson(Json{{"load_ms", report_.load_ms},
                                        {"checks_ms", report_.checks_ms},
                                        {"commit_ms", report_.commit_ms}});
    TESSERA_ASSIGN_OR_RETURN(report_.revision,
                             c_.store->Publish(version, report_.previous_revision));
    report_.published = true;
    report_.catalog_ms = MillisSince(start);
    Progress("published " + d_.FullName() + " " + version.version + " (revision " +
             std::to_string(report_.revision) + ")");
    return Status::OK();
  }

  const ProductDescriptor& d_;
  const ApplyContext& c_;
  engine::Connection& connection_;
  std::optional<catalog::ProductVersion> previous_;
  std::vector<catalog::CatalogTable> tables_;
  ApplyReport report_;
};

}  // namespace

Json ColumnLineageJson(const std::vector<catalog::ColumnLineageEdge>& edges) {
  Json out = Json::array();
  for (const catalog::ColumnLineageEdge& e : edges) {
    out.push_back({{"table", e.output_table},
                   {"column", e.output_column},
                   {"input", e.input_name},
                   {"input_column", e.input_column}});
  }
  return out;
}

Json ApplyReport::ToJson() const {
  Json out = {{"product", product},
              {"version", version},
              {"published", published},
              {"timings_ms",
               {{"load", load_ms},
                {"checks", checks_ms},
                {"commit", commit_ms},
                {"catalog", catalog_ms},
                {"total", total_ms}}}};
  out["previous_version"] = previous_version ? Json(*previous_version) : Json(nullptr);
  if (published)
    out["revision"] = revision;
  if (!blocked_by.empty())
    out["blocked_by"] = blocked_by;
  out["granted"] = granted;
  out["revoked"] = revoked;
  Json changes_json = Json::array();
  for (const SchemaChange& c : changes)
    changes_json.push_back({{"change", c.ToString()}, {"breaking", c.Breaking()}});
  out["schema_changes"] = changes_json;
  Json tables_json = Json::array();
  for (const TableBuild& t : tables) {
    Json entry = {{"name", t.name}, {"rows", t.rows}, {"load_ms", t.load_ms}, {"mode", t.mode}};
    if (t.mode != "full") {
      entry["added_rows"] = t.added_rows;
      entry["read_changes"] = t.read_changes;
    } else if (!t.full_because.empty()) {
      entry["full_because"] = t.full_because;
    }
    entry["previous_rows"] = t.previous_rows ? Json(*t.previous_rows) : Json(nullptr);
    if (t.delta_version >= 0) {
      entry["delta_version"] = t.delta_version;
      entry["files"] = t.files;
      entry["bytes"] = t.bytes;
    }
    tables_json.push_back(std::move(entry));
  }
  out["tables"] = tables_json;
  Json rules_json = Json::array();
  for (const RuleResult& r : rules)
    rules_json.push_back(r.ToJson());
  out["rules"] = rules_json;
  Json lineage_json = Json::array();
  for (const catalog::LineageEdge& e : lineage) {
    lineage_json.push_back({{"table", e.output_table},
                            {"input_kind", e.input_kind},
                            {"input", e.input_name},
                            {"input_version", e.input_version}});
  }
  out["lineage"] = lineage_json;
  out["column_lineage"] = ColumnLineageJson(column_lineage);
  return out;
}

Result<ApplyReport> Apply(const ProductDescriptor& descriptor, const ApplyContext& context) {
  Applier applier(descriptor, context);
  return applier.Run();
}

}  // namespace tessera::products
