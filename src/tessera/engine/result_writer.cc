#include "tessera/engine/result_writer.h"

#include <memory>
#include <string>
#include <vector>

#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/engine/cell_format.h"
#include "tessera/engine/sql_text.h"

namespace tessera::engine {
namespace {

// The statements of `sql` as text (to wrap the last one in SQL of our own), cross-checked with
// DuckDB's parser, which also reports syntax errors before anything runs. Empty when DuckDB
// counts differently (PIVOT expands into several statements): run `sql` as it is then.
Result<std::vector<std::string_view>> SplitChecked(Connection& connection, std::string_view sql) {
  TESSERA_ASSIGN_OR_RETURN(int64_t count, connection.CountStatements(sql));
  if (count == 0)
    return Status::InvalidArgument("no SQL statement to run");
  std::vector<std::string_view> statements = SplitStatements(sql);
  if (static_cast<int64_t>(statements.size()) != count)
    statements.clear();
  return statements;
}

// Run all statements but the last; return the last one's text.
Result<std::string_view> RunLeading(Connection& connection,
                                    const std::vector<std::string_view>& statements) {
  for (size_t i = 0; i + 1 < statements.size(); ++i)
    TESSERA_RETURN_NOT_OK(connection.Execute(statements[i]));
  return statements.back();
}

// The query wrapped so that DuckDB renders every cell: `#k` names the k-th column whatever its
// name (duplicates included). The newlines end a trailing -- comment in the user's text.
std::string WrapQuery(std::string_view query, size_t columns, bool json) {
  std::string sql = "SELECT ";
  for (size_t k = 1; k <= columns; ++k) {
    if (k > 1)
      sql += ", ";
    sql += json ? "to_json(#" + std::to_string(k) + ")"
                : "CAST(#" + std::to_string(k) + " AS VARCHAR)";
  }
  return sql + " FROM (\n" + std::string(query) + "\n) AS tessera_query";
}

// A primitive cell as JSON: numbers and booleans bare (non-finite ones quoted), text quoted.
std::string PrimitiveJson(const std::string& text, const ColumnType& type) {
  if (type.id == DUCKDB_TYPE_BOOLEAN)
    return text;
  if (type.IsNumeric()) {
    if (text == "nan" || text == "inf" || text == "-inf")
      return DumpJson(Json(text));
    return text;
  }
  return DumpJson(Json(text));
}

Status Stream(QueryResult& result, const std::vector<Column>& columns, bool rendered, bool json,
              RowFormatter& formatter, int64_t& rows) {
  TESSERA_RETURN_NOT_OK(formatter.Begin(columns));
  Row row(columns.size());
  while (true) {
    TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<DataChunk> chunk, result.Fetch());
    if (chunk == nullptr)
      break;
    for (int64_t r = 0; r < chunk->row_count(); ++r) {
      for (size_t c = 0; c < columns.size(); ++c) {
        auto column = static_cast<int64_t>(c);
        if (rendered) {
          if (chunk->IsNull(column, r)) {
            row[c].reset();
          } else if (json) {
            row[c] = QuoteNonFiniteJson(std::string(chunk->GetString(column, r)));
          } else {
            row[c] = std::string(chunk->GetString(column, r));
          }
          continue;
        }
        TESSERA_ASSIGN_OR_RETURN(row[c], FormatPrimitiveCell(*chunk, column, r, columns[c].type));
        if (json && row[c])
          row[c] = PrimitiveJson(*row[c], columns[c].type);
      }
      TESSERA_RETURN_NOT_OK(formatter.Add(row));
      ++rows;
    }
  }
  return formatter.End();
}

Result<int64_t> Write(Connection& connection, std::string_view sql, const WriteOptions& options,
                      OutputSink& sink) {
  bool json = options.format == OutputFormat::kJson || options.format == OutputFormat::kNdjson;
  TESSERA_ASSIGN_OR_RETURN(std::vector<std::string_view> statements, SplitChecked(connection, sql));
  std::string_view last = sql;
  std::unique_ptr<QueryResult> result;
  std::vector<Column> columns;
  if (!statements.empty()) {
    TESSERA_ASSIGN_OR_RETURN(last, RunLeading(connection, statements));
    TESSERA_ASSIGN_OR_RETURN(StatementInfo info, connection.Describe(last));
    std::string wrapped = WrapQuery(last, info.columns.size(), json);
    // Some statements DuckDB calls SELECT cannot be a subquery (PRAGMA): show those as they are.
    if (info.type == DUCKDB_STATEMENT_TYPE_SELECT && connection.Describe(wrapped).ok()) {
      TESSERA_ASSIGN_OR_RETURN(result, connection.Query(wrapped));
      columns = std::move(info.columns);
    }
  }
  bool rendered = result != nullptr;
  if (!rendered) {
    TESSERA_ASSIGN_OR_RETURN(result, connection.Query(last));
    columns = result->columns();
  }
  std::unique_ptr<RowFormatter> formatter =
      RowFormatter::Make(options.format, sink, options.table_width_rows);
  int64_t rows = 0;
  TESSERA_RETURN_NOT_OK(Stream(*result, columns, rendered, json, *formatter, rows));
  TESSERA_RETURN_NOT_OK(sink.Flush());
  return rows;
}

std::string CopyOptions(FileFormat format) {
  switch (format) {
    case FileFormat::kCsv:
      return "FORMAT csv, HEADER true";
    case FileFormat::kJson:
      return "FORMAT json, ARRAY true";
    case FileFormat::kNdjson:
      return "FORMAT json";
    case FileFormat::kParquet:
      return "FORMAT parquet, COMPRESSION zstd";
  }
  return "";
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "table")
    return OutputFormat::kTable;
  if (name == "csv")
    return OutputFormat::kCsv;
  if (name == "json")
    return OutputFormat::kJson;
  if (name == "ndjson")
    return OutputFormat::kNdjson;
  return Status::InvalidArgument("unknown output format '" + std::string(name) +
                                 "' (expected table, csv, json or ndjson)");
}

Result<int64_t> WriteQueryResult(Connection& connection, std::string_view sql,
                                 const WriteOptions& options, std::ostream& out) {
  OutputSink sink(out);
  return Write(connection, sql, options, sink);
}

Result<int64_t> WriteQueryResult(Connection& connection, std::string_view sql,
                                 const WriteOptions& options, std::FILE* out) {
  OutputSink sink(out);
  return Write(connection, sql, options, sink);
}

Result<int64_t> CopyQueryToFile(Connection& connection, std::string_view sql,
                                const std::string& path, FileFormat format) {
  TESSERA_ASSIGN_OR_RETURN(std::vector<std::string_view> statements, SplitChecked(connection, sql));
  if (statements.empty())
    return Status::Unsupported("cannot split this SQL text into statements for COPY");
  TESSERA_ASSIGN_OR_RETURN(std::string_view last, RunLeading(connection, statements));
  TESSERA_ASSIGN_OR_RETURN(StatementInfo info, connection.Describe(last));
  if (info.type != DUCKDB_STATEMENT_TYPE_SELECT)
    return Status::InvalidArgument("only the result of a query can be copied to a file");
  std::string copy = "COPY (\n" + std::string(last) + "\n) TO " + QuoteLiteral(path) + " (" +
                     CopyOptions(format) + ")";
  TESSERA_ASSIGN_OR_RETURN(std::optional<std::string> count, connection.QueryScalarString(copy));
  if (!count)
    return Status::Internal("COPY returned no row count");
  return ParseInt64(*count);
}

}  // namespace tessera::engine
