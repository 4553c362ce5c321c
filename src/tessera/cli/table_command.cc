#include <cstdio>

#include "tessera/cli/args.h"
#include "tessera/cli/commands.h"
#include "tessera/cli/progress.h"
#include "tessera/cli/session.h"
#include "tessera/cli/table_maintenance.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/delta/history.h"
#include "tessera/delta/snapshot.h"
#include "tessera/delta/table_properties.h"
#include "tessera/engine/delta_dml.h"
#include "tessera/engine/delta_sql.h"
#include "tessera/engine/delta_writer.h"
#include "tessera/engine/result_writer.h"
#include "tessera/storage/local_storage.h"

namespace tessera::cli {
namespace {

constexpr const char* kTableUsage = R"(Usage: tessera table <subcommand> <table> [options]

<table> is domain.product.table (stored under <data-dir>/tables/) or a path to any Delta table.

Subcommands:
  create <table> (--from "<SQL>" | --file F | --schema "id BIGINT, name VARCHAR")
                [--partition-by a,b] [--property k=v ...]
                [--description TEXT]   create a table from a query or a Parquet/CSV/JSON file
  append <table> (--from "<SQL>" | --file F) [--overwrite]
                                        add rows (or replace all rows with --overwrite)
  delete <table> --where "<SQL predicate>"   delete matching rows (copy-on-write)
  update <table> --set "col = <SQL expr>" [--set ...] [--where "<predicate>"]
                                        change matching rows (all rows without --where)
  merge <table> --key k[,k2] (--from "<SQL>" | --file F)
                                        upsert: source rows replace rows with the same key,
                                        the rest are inserted
  set-properties <table> [--property k=v ...] [--unset k ...]
                                        change table properties (e.g. enable the change feed)
  history <table> [--json]              every commit: version, time, operation, parameters
  describe <table> [--version N] [--json]  schema, partitioning, properties, files, size
  changes <table> --from-version N [--to-version M] [--format F]
                                        the change data feed between two versions
  checkpoint <table> [--json]           write a Parquet checkpoint of the latest version
  vacuum <table> [--retention-hours H] [--dry-run] [--force] [--json]
                                        delete files no version within H hours (default 168) needs

Options: --data-dir DIR (default ./tessera-data), --help.
Example:
  tessera table create demo.us.airports --file airports.csv
)";

Result<std::string> SourceQuery(Session& session, const Args& args) {
  if (auto schema = args.Option("schema")) {
    if (args.Option("from") || args.Option("file")) {
      return Status::InvalidArgument("give --schema, --from or --file, not several");
    }
    // DuckDB parses the column list; the table is created empty with exactly these types.
    TESSERA_RETURN_NOT_OK(session.connection().Execute(
        "CREATE OR REPLACE TEMP TABLE __tessera_schema (" + *schema + ")"));
    return std::string("SELECT * FROM __tessera_schema");
  }
  auto from = args.Option("from");
  auto file = args.Option("file");
  if (from.has_value() == file.has_value()) {
    return Status::InvalidArgument("give exactly one of --from \"<SQL>\", --file PATH or --schema");
  }
  if (from)
    return *from;
  std::string lower = ToLower(*file);
  std::string quoted = QuoteLiteral(*file);
  if (EndsWith(lower, ".parquet"))
    return "SELECT * FROM read_parquet(" + quoted + ")";
  if (EndsWith(lower, ".csv") || EndsWith(lower, ".csv.gz"))
    return "SELECT * FROM read_csv(" + quoted + ")";
  if (EndsWith(lower, ".json") || EndsWith(lower, ".ndjson") || EndsWith(lower, ".jsonl")) {
    return "SELECT * FROM read_json(" + quoted + ")";
  }
  return Status::InvalidArgument("cannot tell the format of '" + *file +
                                 "' (use .parquet, .csv or .json)");
}

// Every --property value, each "k=v" or "k=v,k2=v2".
Result<std::map<std::string, std::string>> ParseProperties(const Args& args) {
  std::map<std::string, std::string> out;
  for (const std::string& value : args.Values("property")) {
    for (const std::string& kv : Split(value, ',')) {
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        return Status::InvalidArgument("--property takes key=value, got '" + kv + "'");
      }
      out[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  return out;
}

int SetProperties(Session& session, const std::string& root, const Args& args) {
  auto properties = ParseProperties(args);
  if (!properties.ok())
    return Fail("table set-properties", properties.status(), true);
  std::vector<std::string> unset = args.Values("unset");
  if (properties->empty() && unset.empty()) {
    return Fail("table set-properties", Status::InvalidArgument("give --property k=v or --unset k"),
                true);
  }
  auto& storage = storage::LocalStorage::Instance();
  auto snapshot = delta::Snapshot::Load(storage, &session.reader(), root, std::nullopt);
  if (!snapshot.ok())
    return Fail("set-properties on " + root, snapshot.status());
  auto result = delta::SetTableProperties(storage, *snapshot, *properties, unset);
  if (!result.ok())
    return Fail("set-properties on " + root, result.status());
  std::printf("version %lld: properties updated\n",
              static_cast<long long>(result->version));  // NOLINT
  return 0;
}

int Write(Session& session, const std::string& root, const Args& args, engine::WriteMode mode) {
  auto query = SourceQuery(session, args);
  if (!query.ok())
    return Fail("table", query.status(), true);
  engine::WriteRequest request;
  request.table_root = root;
  request.query = *query;
  request.mode = mode;
  if (auto partitions = args.Option("partition-by"))
    request.partition_columns = Split(*partitions, ',');
  auto properties = ParseProperties(args);
  if (!properties.ok())
    return Fail("table", properties.status(), true);
  request.properties = *properties;
  request.description = args.Option("description");
  Result<engine::WriteResult> result = Status::Internal("not run");
  {
    ProgressLine progress(session.connection(), "writing " + args.positional[1]);
    result = engine::WriteQuery(session.connection(), storage::LocalStorage::Instance(),
                                session.reader(), request);
  }
  if (!result.ok())
    return Fail("writing " + root, result.status());
  std::printf("version %lld: %lld rows in %lld files (%lld bytes)\n",
              static_cast<long long>(result->version),  // NOLINT
              static_cast<long long>(result->rows),
              static_cast<long long>(result->files),   // NOLINT
              static_cast<long long>(result->bytes));  // NOLINT
  return 0;
}

void PrintDml(const engine::DmlResult& r) {
  if (r.version < 0) {
    std::printf("no rows matched; nothing committed\n");
    return;
  }
  std::printf(
      "version %lld: %lld deleted, %lld updated, %lld inserted, %lld copied; %lld files removed, "
      "%lld added\n",
      static_cast<long long>(r.version), static_cast<long long>(r.rows_deleted),        // NOLINT
      static_cast<long long>(r.rows_updated), static_cast<long long>(r.rows_inserted),  // NOLINT
      static_cast<long long>(r.rows_copied), static_cast<long long>(r.files_removed),   // NOLINT
      static_cast<long long>(r.files_added));                                           // NOLINT
}

int Dml(Session& session, const std::string& root, const std::string& sub, const Args& args) {
  auto& storage = storage::LocalStorage::Instance();
  Result<engine::DmlResult> result = Status::Internal("unreachable");
  if (sub == "delete") {
    auto where = args.Option("where");
    if (!where)
      return Fail("table delete",
                  Status::InvalidArgument(
                      "--where \"<predicate>\" is required (use --where true to delete every row)"),
                  true);
    result = engine::DeleteRows(session.connection(), storage, session.reader(), root, *where);
  } else if (sub == "update") {
    std::vector<std::pair<std::string, std::string>> assignments;
    for (const std::string& set : args.Values("set")) {
      size_t eq = set.find('=');
      if (eq == std::string::npos)
        return Fail(
            "table update",
            Status::InvalidArgument("--set takes \"column = expression\", got '" + set + "'"),
            true);
      std::string column = set.substr(0, eq);
      column.erase(0, column.find_first_not_of(' '));
      column.erase(column.find_last_not_of(' ') + 1);
      assignments.emplace_back(column, set.substr(eq + 1));
    }
    if (assignments.empty())
      return Fail("table update",
                  Status::InvalidArgument("--set \"column = expression\" is required"), true);
    result = engine::UpdateRows(session.connection(), storage, session.reader(), root, assignments,
                                args.Option("where").value_or("true"));
  } else {
    auto key = args.Option("key");
    if (!key)
      return Fail("table merge", Status::InvalidArgument("--key column[,column] is required"),
                  true);
    auto query = SourceQuery(session, args);
    if (!query.ok())
      return Fail("table merge", query.status(), true);
    result = engine::MergeRows(session.connection(), storage, session.reader(), root, *query,
                               Split(*key, ','));
  }
  if (!result.ok())
    return Fail(sub + " in " + root, result.status());
  PrintDml(*result);
  return 0;
}

int History(const std::string& root, const Args& args) {
  auto history = delta::ReadHistory(storage::LocalStorage::Instance(), root);
  if (!history.ok())
    return Fail("history of " + root, history.status());
  if (args.Flag("json")) {
    Json out = Json::array();
    for (const auto& record : *history) {
      Json entry = {{"version", record.version},
                    {"timestamp", FormatIso8601Millis(record.timestamp_ms)}};
      if (record.info) {
        entry["operation"] = record.info->Operation();
        entry["commitInfo"] = record.info->value;
      }
      out.push_back(entry);
    }
    std::puts(out.dump(1).c_str());
    return 0;
  }
  std::printf("%-8s  %-24s  %-24s  %s\n", "version", "timestamp", "operation", "parameters");
  for (const auto& record : *history) {
    std::string op = record.info ? record.info->Operation() : "";
    std::string params;
    if (record.info && record.info->value.contains("operationParameters")) {
      params = DumpJson(record.info->value["operationParameters"]);
    }
    std::printf("%-8lld  %-24s  %-24s  %s\n", static_cast<long long>(record.version),  // NOLINT
                FormatIso8601Millis(record.timestamp_ms).c_str(), op.c_str(), params.c_str());
  }
  return 0;
}

int Describe(Session& session, const std::string& root, const Args& args) {
  std::optional<int64_t> version;
  if (auto v = args.Option("version")) {
    auto parsed = ParseInt64(*v);
    if (!parsed.ok())
      return Fail("describe", parsed.status(), true);
    version = *parsed;
  }
  auto snapshot =
      delta::Snapshot::Load(storage::LocalStorage::Instance(), &session.reader(), root, version);
  if (!snapshot.ok())
    return Fail("describing " + root, snapshot.status());
  const delta::Snapshot& s = **snapshot;
  int64_t rows = 0;
  bool rows_known = true;
  for (const auto& f : s.files()) {
    auto stats = f.stats ? ParseJson(*f.stats) : Result<Json>(Status::NotFound(""));
    if (stats.ok() && stats->contains("numRecords") && (*stats)["numRecords"].is_number_integer()) {
      rows += (*stats)["numRecords"].get<int64_t>();
      if (f.deletion_vector)
        rows -= f.deletion_vector->cardinality;
    } else {
      rows_known = false;
    }
  }
  Json columns = Json::array();
  for (const auto& field : s.schema().fields) {
    Json c = {{"name", field.name}, {"type", field.type.ToString()}, {"nullable", field.nullable}};
    auto duck = engine::DuckDbType(field.type);
    if (duck.ok())
      c["sql_type"] = *duck;
    if (auto comment = field.Comment())
      c["comment"] = *comment;
    columns.push_back(c);
  }
  Json out = {{"path", s.table_root()},
              {"version", s.version()},
              {"latest_version", s.latest_version()},
              {"id", s.metadata().id},
              {"protocol", delta::ActionToJson(s.protocol())["protocol"]},
              {"partition_columns", s.metadata().partition_columns},
              {"properties", s.metadata().configuration},
              {"columns", columns},
              {"files", s.files().size()},
              {"size_bytes", s.TotalBytes()}};
  if (s.metadata().description)
    out["description"] = *s.metadata().description;
  if (rows_known)
    out["rows"] = rows;
  if (args.Flag("json")) {
    std::puts(out.dump(1).c_str());
    return 0;
  }
  std::printf("table     %s\nversion   %lld (latest %lld)\nfiles     %zu, %lld bytes\n",
              s.table_root().c_str(), static_cast<long long>(s.version()),
              static_cast<long long>(s.latest_version()),                 // NOLINT
              s.files().size(), static_cast<long long>(s.TotalBytes()));  // NOLINT
  if (rows_known)
    std::printf("rows      %lld\n", static_cast<long long>(rows));  // NOLINT
  std::printf("protocol  %s\npartition %s\nproperties %s\ncolumns:\n",
              DumpJson(out["protocol"]).c_str(), Join(s.metadata().partition_columns, ", ").c_str(),
              DumpJson(out["properties"]).c_str());
  for (const auto& c : columns) {
    std::printf("  %-24s %-20s %s\n", c["name"].get<std::string>().c_str(),
                c["type"].get<std::string>().c_str(), c["nullable"].get<bool>() ? "" : "NOT NULL");
  }
  return 0;
}

int Changes(Session& session, const std::string& root, const Args& args) {
  auto from = args.Option("from-version");
  if (!from)
    return Fail("changes", Status::InvalidArgument("--from-version N is required"), true);
  auto from_version = ParseInt64(*from);
  if (!from_version.ok())
    return Fail("changes", from_version.status(), true);
  std::string to = "NULL";
  if (auto t = args.Option("to-version")) {
    auto parsed = ParseInt64(*t);
    if (!parsed.ok())
      return Fail("changes", parsed.status(), true);
    to = std::to_string(*parsed);
  }
  auto format = engine::ParseOutputFormat(args.Option("format").value_or("table"));
  if (!format.ok())
    return Fail("changes", format.status(), true);
  std::string sql = "SELECT * FROM delta_changes(" + QuoteLiteral(root) + ", " +
                    std::to_string(*from_version) + ", " + to + ") ORDER BY _commit_version";
  engine::WriteOptions options;
  options.format = *format;
  auto rows = engine::WriteQueryResult(session.connection(), sql, options, stdout);
  if (!rows.ok())
    return Fail("changes of " + root, rows.status());
  return 0;
}

}  // namespace

int TableCommand(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv,
                        {"data-dir", "from", "file", "partition-by", "property", "description",
                         "version", "from-version", "to-version", "format", "where", "set", "key",
                         "schema", "unset", "retention-hours"},
                        {"help", "json", "overwrite", "dry-run", "force"});
  if (!args.ok())
    return Fail("table", args.status(), true);
  if (args->Flag("help") || args->positional.empty()) {
    std::fputs(kTableUsage, args->Flag("help") ? stdout : stderr);
    return args->Flag("help") ? 0 : 2;
  }
  const std::string& sub = args->positional[0];
  if (args->positional.size() != 2) {
    return Fail("table " + sub, Status::InvalidArgument("expected one table name or path"), true);
  }
  // Table commands name their table by path; queries in --from may name others.
  auto session = Session::Open(args->Option("data-dir").value_or("./tessera-data"),
                               args->Option("from").value_or(""));
  if (!session.ok())
    return Fail("opening the data directory", session.status());
  auto root = (*session)->ResolveTable(args->positional[1]);
  if (!root.ok())
    return Fail("table " + sub, root.status(), true);
  if (sub == "create")
    return Write(**session, *root, *args, engine::WriteMode::kCreate);
  if (sub == "append") {
    return Write(
        **session, *root, *args,
        args->Flag("overwrite") ? engine::WriteMode::kOverwrite : engine::WriteMode::kAppend);
  }
  if (sub == "delete" || sub == "update" || sub == "merge")
    return Dml(**session, *root, sub, *args);
  if (sub == "set-properties")
    return SetProperties(**session, *root, *args);
  if (sub == "history")
    return History(*root, *args);
  if (sub == "describe")
    return Describe(**session, *root, *args);
  if (sub == "changes")
    return Changes(**session, *root, *args);
  if (sub == "checkpoint")
    return CheckpointSubcommand(**session, *root, *args);
  if (sub == "vacuum")
    return VacuumSubcommand(**session, *root, *args);
  return Fail(
      "table",
      Status::InvalidArgument("unknown subcommand '" + sub + "' (see tessera table --help)"), true);
}

}  // namespace tessera::cli
