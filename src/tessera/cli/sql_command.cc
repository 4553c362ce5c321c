#include <cstdio>
#include <iostream>
#include <iterator>

#include "tessera/cli/args.h"
#include "tessera/cli/commands.h"
#include "tessera/cli/session.h"
#include "tessera/common/strings.h"
#include "tessera/engine/delta_functions.h"
#include "tessera/engine/result_writer.h"
#include "tessera/engine/scan_hints.h"

namespace tessera::cli {
namespace {

constexpr const char* kSqlUsage =
    R"(Usage: tessera sql [options] "<query>"     (or the query on stdin)

Runs DuckDB SQL with the data directory's tables as domain.product.table, plus:
  delta_scan('<path>' [, version = N | timestamp = '<ISO-8601>'])   any Delta table, time travel
  delta_changes('<path>', <from_version> [, <to_version>])           its change data feed
COPY ... TO works too.

Options:
  --format table|csv|json|ndjson|parquet   output format (default table)
  --output FILE                            write to FILE (required for parquet)
  --data-dir DIR                           data directory (default ./tessera-data)

Example:
  tessera sql "SELECT origin, count(*) FROM flights.us.flights GROUP BY ALL ORDER BY 2 DESC LIMIT 5"
)";

}  // namespace

int SqlCommand(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {"format", "output", "data-dir"}, {"help"});
  if (!args.ok())
    return Fail("sql", args.status(), true);
  if (args->Flag("help")) {
    std::fputs(kSqlUsage, stdout);
    return 0;
  }
  std::string query;
  if (args->positional.empty() || args->positional[0] == "-") {
    query.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else if (args->positional.size() == 1) {
    query = args->positional[0];
  } else {
    return Fail("sql", Status::InvalidArgument("give the query as one argument (quote it)"), true);
  }
  if (query.find_first_not_of(" \t\r\n;") == std::string::npos) {
    return Fail("sql", Status::InvalidArgument("empty query"), true);
  }
  std::string format = args->Option("format").value_or("table");
  query = engine::NormalizeDeltaCalls(query);
  auto session = Session::Open(args->Option("data-dir").value_or("./tessera-data"), query);
  if (!session.ok())
    return Fail("opening the data directory", session.status());
  auto output = args->Option("output");
  if (format == "parquet" || output) {
    if (!output)
      return Fail("sql", Status::InvalidArgument("--format parquet needs --output FILE"), true);
    engine::FileFormat file_format = engine::FileFormat::kParquet;
    if (format == "csv")
      file_format = engine::FileFormat::kCsv;
    else if (format == "json")
      file_format = engine::FileFormat::kJson;
    else if (format == "ndjson")
      file_format = engine::FileFormat::kNdjson;
    else if (format != "parquet" && format != "table") {
      return Fail("sql", Status::InvalidArgument("unknown format '" + format + "'"), true);
    }
    auto rows = engine::CopyQueryToFile((*session)->connection(), query, *output, file_format);
    if (!rows.ok())
      return Fail("", rows.status());
    std::fprintf(stderr, "%lld rows written to %s\n", static_cast<long long>(*rows),
                 output->c_str());  // NOLINT
    return 0;
  }
  auto parsed_format = engine::ParseOutputFormat(format);
  if (!parsed_format.ok())
    return Fail("sql", parsed_format.status(), true);
  engine::WriteOptions options;
  options.format = *parsed_format;
  auto rows = engine::WriteQueryResult((*session)->connection(), query, options, stdout);
  if (!rows.ok())
    return Fail("", rows.status());
  return 0;
}

}  // namespace tessera::cli
