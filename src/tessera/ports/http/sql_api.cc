#include "tessera/ports/http/sql_api.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "tessera/access/access_store.h"
#include "tessera/common/json.h"
#include "tessera/common/random.h"
#include "tessera/common/strings.h"
#include "tessera/engine/cell_format.h"
#include "tessera/engine/result_writer.h"
#include "tessera/engine/row_formatter.h"
#include "tessera/engine/sql_text.h"
#include "tessera/engine/statement.h"
#include "tessera/ports/http/status_mapping.h"

namespace tessera::ports::http {
namespace {

using Clock = std::chrono::steady_clock;

Result<SqlFormat> FormatFromName(std::string_view name) {
  std::string lower = ToLower(name);
  if (lower == "json")
    return SqlFormat::kJson;
  if (lower == "ndjson")
    return SqlFormat::kNdjson;
  if (lower == "csv")
    return SqlFormat::kCsv;
  if (lower == "parquet")
    return SqlFormat::kParquet;
  return Status::InvalidArgument("unknown format '" + std::string(name) +
                                 "' (expected json, ndjson, csv or parquet)");
}

// The first media type of Accept that names a format; nullopt for none (*/* included).
std::optional<SqlFormat> FormatFromAccept(std::string_view accept) {
  for (const std::string& item : Split(accept, ',')) {
    std::string type = ToLower(item.substr(0, item.find(';')));
    type.erase(0, type.find_first_not_of(" \t"));
    type.erase(type.find_last_not_of(" \t") + 1);
    if (type == "application/json")
      return SqlFormat::kJson;
    if (type == "application/x-ndjson" || type == "application/jsonl")
      return SqlFormat::kNdjson;
    if (type == "text/csv")
      return SqlFormat::kCsv;
    if (type == "application/vnd.apache.parquet" || type == "application/octet-stream")
      return SqlFormat::kParquet;
  }
  return std::nullopt;
}

std::string_view ContentType(SqlFormat format) {
  switch (format) {
    case SqlFormat::kJson:
      return "application/json";
    case SqlFormat::kNdjson:
      return "application/x-ndjson";
    case SqlFormat::kCsv:
      return "text/csv; charset=utf-8; header=present";
    case SqlFormat::kParquet:
      return "application/vnd.apache.parquet";
  }
  return "application/octet-stream";
}

// How a column's cells are rendered in SQL (every wrapped column is VARCHAR) and then in JSON.
enum class Render {
  kNumber,  // CAST AS VARCHAR, emitted bare; nan/inf become "NaN"/"Infinity"/"-Infinity"
  kString,  // the text, emitted as a JSON string
  kJson,    // to_json, emitted as it is
};

Render RenderFor(const engine::ColumnType& type) {
  switch (type.id) {
    case DUCKDB_TYPE_BOOLEAN:
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
      return Render::kNumber;
    // Exact decimals and 128-bit integers do not survive a trip through a double.
    case DUCKDB_TYPE_DECIMAL:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_VARCHAR:
      return Render::kString;
    default:
      return Render::kJson;
  }
}

// Integers (and, in CSV, dates and timestamps) are printed here, not by DuckDB: a cast to
// VARCHAR per cell is most of the cost of an export. The text is the same (engine/cell_format.h
// is tested value for value against DuckDB's cast).
bool PrintedNatively(duckdb_type id, bool json) {
  if (!json && (id == DUCKDB_TYPE_DATE || id == DUCKDB_TYPE_TIMESTAMP))
    return true;
  return engine::IsIntegerType(id);
}

// Prints the values of one natively printed column (PrintedNatively). Rows of a table sorted
// by time share their day: its text is kept and reused.
struct NativePrinter {
  std::string buffer;
  int32_t day = 0;
  std::string day_text;  // AppendDateText(day) + ' ', or empty

  std::string_view Print(duckdb_type id, const void* data, idx_t row);
};

std::string_view NativePrinter::Print(duckdb_type id, const void* data, idx_t row) {
  if (id == DUCKDB_TYPE_TIMESTAMP) {
    int64_t micros = static_cast<const int64_t*>(data)[row];
    int32_t days = 0;
    int64_t time = 0;
    buffer.clear();
    if (!engine::SplitTimestamp(micros, &days, &time)) {
      engine::AppendTimestampText(buffer, micros);
      return buffer;
    }
    if (day_text.empty() || days != day) {
      day = days;
      day_text.clear();
      engine::AppendDateText(day_text, days);
      day_text += ' ';
    }
    buffer = day_text;
    engine::AppendTimeOfDayText(buffer, time);
    return buffer;
  }
  if (id == DUCKDB_TYPE_DATE) {
    buffer.clear();
    engine::AppendDateText(buffer, static_cast<const int32_t*>(data)[row]);
    return buffer;
  }
  buffer.resize(24);
  char* begin = buffer.data();
  char* end = begin + buffer.size();
  std::to_chars_result printed{};
  switch (id) {
    case DUCKDB_TYPE_TINYINT:
      printed = std::to_chars(begin, end, static_cast<const int8_t*>(data)[row]);
      break;
    case DUCKDB_TYPE_SMALLINT:
      printed = std::to_chars(begin, end, static_cast<const int16_t*>(data)[row]);
      break;
    case DUCKDB_TYPE_INTEGER:
      printed = std::to_chars(begin, end, static_cast<const int32_t*>(data)[row]);
      break;
    case DUCKDB_TYPE_BIGINT:
      printed = std::to_chars(begin, end, static_cast<const int64_t*>(data)[row]);
      break;
    case DUCKDB_TYPE_UTINYINT:
      printed = std::to_chars(begin, end, static_cast<const uint8_t*>(data)[row]);
      break;
    case DUCKDB_TYPE_USMALLINT:
      printed = std::to_chars(begin, end, static_cast<const uint16_t*>(data)[row]);
      break;
    case DUCKDB_TYPE_UINTEGER:
      printed = std::to_chars(begin, end, static_cast<const uint32_t*>(data)[row]);
      break;
    default:
      printed = std::to_chars(begin, end, static_cast<const uint64_t*>(data)[row]);
      break;
  }
  return std::string_view(begin, static_cast<size_t>(printed.ptr - begin));
}

// The last statement wrapped so that every column comes back as text (integers as they are,
// PrintedNatively): `#k` names the k-th column whatever its name. The newlines end a trailing
// -- comment in the user's text.
std::string WrapQuery(std::string_view query, const std::vector<engine::Column>& columns,
                      bool json) {
  std::string sql = "SELECT ";
  for (size_t k = 1; k <= columns.size(); ++k) {
    std::string ref = "#" + std::to_string(k);
    if (k > 1)
      sql += ", ";
    if (PrintedNatively(columns[k - 1].type.id, json)) {
      sql += ref;
    } else if (json && RenderFor(columns[k - 1].type) == Render::kJson) {
      sql += "to_json(" + ref + ")";
    } else {
      sql += "CAST(" + ref + " AS VARCHAR)";
    }
  }
  return sql + " FROM (\n" + std::string(query) + "\n) AS tessera_query";
}

std::string NumberJson(std::string_view text) {
  if (text == "nan" || text == "-nan")
    return "\"NaN\"";
  if (text == "inf")
    return "\"Infinity\"";
  if (text == "-inf")
    return "\"-Infinity\"";
  return std::string(text);
}

void AppendCsvField(std::string& line, std::optional<std::string_view> field) {
  if (!field)
    return;
  // A plain loop: find_first_of with a character set calls memchr once per input character.
  bool plain = !field->empty();
  for (char c : *field) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') {
      plain = false;
      break;
    }
  }
  if (plain) {
    line += *field;
    return;
  }
  line += '"';
  for (char c : *field) {
    if (c == '"')
      line += '"';
    line += c;
  }
  line += '"';
}

std::string ErrorJson(const Status& status) {
  Json error = {{"code", std::string(SqlStateFor(status.code()))}, {"message", status.message()}};
  return DumpJson(error);
}

// Writes the rows of one result in one format to the response.
class Encoder {
 public:
  Encoder(SqlFormat format, ResponseWriter& writer) : format_(format), writer_(writer) {}

  Status Begin(const std::vector<engine::Column>& columns) {
    columns_ = columns;
    for (const engine::Column& column : columns) {
      renders_.push_back(RenderFor(column.type));
      native_.push_back(PrintedNatively(column.type.id, format_ != SqlFormat::kCsv));
    }
    if (format_ == SqlFormat::kCsv) {
      std::string line;
      for (size_t i = 0; i < columns.size(); ++i) {
        if (i > 0)
          line += ',';
        AppendCsvField(line, columns[i].name);
      }
      return writer_.Write(line + "\r\n");
    }
    Json described = Json::array();
    for (const engine::Column& column : columns)
      described.push_back({{"name", column.name}, {"type", column.type.name}});
    if (format_ == SqlFormat::kNdjson)
      return writer_.Write(DumpJson(Json{{"columns", described}}) + "\n");
    return writer_.Write("{\"columns\":" + DumpJson(described) + ",\"rows\":[");
  }

  // One row; cells are text (rendered by DuckDB, or PrintedNatively), nullopt for NULL.
  Status Add(const std::vector<std::optional<std::string_view>>& cells) {
    if (format_ == SqlFormat::kCsv) {
      for (size_t i = 0; i < cells.size(); ++i) {
        if (i > 0)
          line_ += ',';
        // Numbers, dates and timestamps never need quotes.
        if (native_[i] && cells[i])
          line_ += *cells[i];
        else
          AppendCsvField(line_, cells[i]);
      }
      line_ += "\r\n";
    } else {
      if (format_ == SqlFormat::kJson)
        line_ += rows_ == 0 ? "\n[" : ",\n[";
      else
        line_ += '[';
      for (size_t i = 0; i < cells.size(); ++i) {
        if (i > 0)
          line_ += ',';
        if (!cells[i]) {
          line_ += "null";
          continue;
        }
        switch (renders_[i]) {
          case Render::kNumber:
            line_ += NumberJson(*cells[i]);
            break;
          case Render::kString:
            line_ += DumpJson(Json(std::string(*cells[i])));
            break;
          case Render::kJson:
            line_ += engine::QuoteNonFiniteJson(std::string(*cells[i]));
            break;
        }
      }
      line_ += format_ == SqlFormat::kJson ? "]" : "]\n";
    }
    ++rows_;
    // Rows go out in batches: one write per 64 KiB, not one per row.
    if (line_.size() < kBatchBytes)
      return Status::OK();
    return Flush();
  }

  Status Flush() {
    if (line_.empty())
      return Status::OK();
    Status written = writer_.Write(line_);
    line_.clear();
    return written;
  }

  // The end of a complete result.
  Status End(bool truncated) {
    TESSERA_RETURN_NOT_OK(Flush());
    std::string tail = "\"row_count\":" + std::to_string(rows_) +
                       ",\"truncated\":" + (truncated ? "true" : "false");
    if (format_ == SqlFormat::kJson)
      TESSERA_RETURN_NOT_OK(writer_.Write((rows_ == 0 ? "]," : "\n],") + tail + "}\n"));
    if (format_ == SqlFormat::kNdjson)
      TESSERA_RETURN_NOT_OK(writer_.Write("{" + tail + "}\n"));
    return writer_.Finish();
  }

  // The end of a result that failed after it started: JSON and NDJSON say so in the body and
  // end normally; CSV has no place for it, so the transfer is cut (the client sees it
  // truncated). Return the status the handler returns.
  Status Fail(const Status& error) {
    TESSERA_RETURN_NOT_OK(Flush());
    if (format_ == SqlFormat::kJson) {
      std::string tail = (rows_ == 0 ? "]," : "\n],");
      tail += "\"row_count\":" + std::to_string(rows_) +
              ",\"truncated\":false,\"error\":" + ErrorJson(error) + "}\n";
      TESSERA_RETURN_NOT_OK(writer_.Write(tail));
      return writer_.Finish();
    }
    if (format_ == SqlFormat::kNdjson) {
      TESSERA_RETURN_NOT_OK(writer_.Write("{\"error\":" + ErrorJson(error) + "}\n"));
      return writer_.Finish();
    }
    return error;
  }

  int64_t rows() const { return rows_; }

 private:
  SqlFormat format_;
  ResponseWriter& writer_;
  std::vector<engine::Column> columns_;
  std::vector<Render> renders_;
  std::vector<bool> native_;  // PrintedNatively: CSV cells that never need quoting
  static constexpr size_t kBatchBytes = size_t{64} << 10;
  std::string line_;  // rows not yet written
  int64_t rows_ = 0;
};

// The state of one call, shared with the cancel watch's callback.
struct Call {
  access::QuerySession* session = nullptr;
  std::atomic<bool> timed_out{false};
};

Status Timeout(int64_t ms) {
  return Status::Cancelled("canceling statement due to statement timeout (" + std::to_string(ms) +
                           " ms)");
}

// Run `request` in `session`, streaming the result to `writer`. Return the rows sent and the
// outcome; `started` tells whether the response began.
class SqlRun {
 public:
  SqlRun(access::QuerySession& session, const SqlRequest& request, const SqlApiOptions& options,
         ResponseWriter& writer, std::optional<int64_t> limit)
      : session_(session), request_(request), options_(options), writer_(writer), limit_(limit) {}

  Status Run() {
    TESSERA_RETURN_NOT_OK(session_.Prepare(request_.sql));
    std::vector<std::string_view> statements = engine::SplitStatements(request_.sql);
    if (statements.empty())
      return Status::InvalidArgument("no SQL statement to run");
    for (size_t i = 0; i + 1 < statements.size(); ++i) {
      TESSERA_RETURN_NOT_OK(CheckCancelled());
      TESSERA_ASSIGN_OR_RETURN(auto result, session_.Query(statements[i]));
      TESSERA_RETURN_NOT_OK(CheckCancelled());
      while (true) {
        TESSERA_ASSIGN_OR_RETURN(auto chunk, result->Fetch());
        if (chunk == nullptr)
          break;
      }
    }
    std::string_view last = statements.back();
    if (request_.format == SqlFormat::kParquet)
      return RunParquet(last);
    return RunText(last);
  }

  int64_t rows() const { return rows_; }

 private:
  Status RunText(std::string_view last) {
    bool json = request_.format != SqlFormat::kCsv;
    TESSERA_ASSIGN_OR_RETURN(auto statement, session_.PrepareStatement(last));
    std::vector<engine::Column> columns = statement->columns();
    std::unique_ptr<engine::Statement> wrapped;
    if (statement->type() == DUCKDB_STATEMENT_TYPE_SELECT) {
      // Some statements DuckDB calls SELECT cannot be a subquery (PRAGMA): show those as they
      // are.
      auto prepared = session_.PrepareStatement(WrapQuery(last, columns, json), last);
      if (prepared.ok())
        wrapped = std::move(prepared).value();
    }
    bool rendered = wrapped != nullptr;
    if (!rendered) {
      for (const engine::Column& column : columns) {
        if (!engine::IsPrimitiveType(column.type.id))
          return Status::Unsupported("cannot show a column of type " + column.type.name +
                                     " from this statement; cast it in SQL");
      }
    }
    TESSERA_RETURN_NOT_OK(CheckCancelled());
    TESSERA_ASSIGN_OR_RETURN(auto result, (rendered ? wrapped : statement)->Execute());
    TESSERA_RETURN_NOT_OK(CheckCancelled());
    Encoder encoder(request_.format, writer_);
    std::vector<std::optional<std::string_view>> cells(columns.size());
    std::vector<std::optional<std::string>> owned(columns.size());
    std::vector<duckdb_string_t*> strings(columns.size());
    std::vector<void*> integers(columns.size());  // natively printed columns' data
    std::vector<NativePrinter> printed(columns.size());
    std::vector<uint64_t*> validity(columns.size());
    bool truncated = false;
    bool begun = false;
    while (!truncated) {
      auto fetched = result->Fetch();
      // Until the first chunk arrives nothing is sent, so an error (or a timeout) while the
      // query computes its first rows still gets a proper HTTP status.
      if (!fetched.ok())
        return begun ? Failed(encoder, fetched.status()) : fetched.status();
      std::unique_ptr<engine::DataChunk> chunk = std::move(fetched).value();
      if (!begun) {
        begun = true;
        writer_.SetStatus(200);
        writer_.SetHeader("Content-Type", ContentType(request_.format));
        TESSERA_RETURN_NOT_OK(encoder.Begin(columns));
      }
      if (chunk == nullptr)
        break;
      // Rendered results are all VARCHAR: look each vector up once per chunk, not per cell.
      if (rendered) {
        for (size_t c = 0; c < columns.size(); ++c) {
          duckdb_vector vector = chunk->vector(static_cast<int64_t>(c));
          bool native = PrintedNatively(columns[c].type.id, json);
          integers[c] = native ? duckdb_vector_get_data(vector) : nullptr;
          strings[c] =
              native ? nullptr : static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector));
          validity[c] = duckdb_vector_get_validity(vector);
        }
      }
      for (int64_t r = 0; r < chunk->row_count(); ++r) {
        if (limit_ && encoder.rows() >= *limit_) {
          truncated = true;
          break;
        }
        for (size_t c = 0; c < columns.size(); ++c) {
          auto column = static_cast<int64_t>(c);
          if (rendered) {
            auto row = static_cast<idx_t>(r);
            if (validity[c] != nullptr && !duckdb_validity_row_is_valid(validity[c], row)) {
              cells[c].reset();
            } else if (integers[c] != nullptr) {
              cells[c] = printed[c].Print(columns[c].type.id, integers[c], row);
            } else {
              duckdb_string_t* cell = &strings[c][row];
              cells[c] =
                  std::string_view(duckdb_string_t_data(cell), duckdb_string_t_length(*cell));
            }
          } else if (chunk->IsNull(column, r)) {
            cells[c].reset();
          } else {
            auto text = engine::FormatPrimitiveCell(*chunk, column, r, columns[c].type);
            if (!text.ok())
              return Failed(encoder, text.status());
            owned[c] = std::move(text).value();
            cells[c] = owned[c] ? std::optional<std::string_view>(*owned[c]) : std::nullopt;
          }
        }
        // A failed write means the client is gone or the server cut it: nobody to tell.
        TESSERA_RETURN_NOT_OK(encoder.Add(cells));
        rows_ = encoder.rows();
      }
    }
    rows_ = encoder.rows();
    return encoder.End(truncated);
  }

  // End a result whose query failed after its first rows were sent.
  Status Failed(Encoder& encoder, Status status) {
    rows_ = encoder.rows();
    if (timed_out_ != nullptr && timed_out_->load() && status.code() == StatusCode::kCancelled)
      status = Timeout(timeout_ms_);
    final_status_ = status;
    Status sent = encoder.Fail(status);
    return sent.ok() ? Status::OK() : sent;
  }

  Status RunParquet(std::string_view last) {
    std::string query(last);
    if (limit_)
      query = "SELECT * FROM (\n" + query + "\n) AS tessera_query LIMIT " + std::to_string(*limit_);
    // A non-admin session may only write inside its own scratch folder.
    std::filesystem::path dir =
        !session_.scratch_dir().empty() ? std::filesystem::path(session_.scratch_dir())
        : options_.scratch_dir.empty()  ? std::filesystem::temp_directory_path()
                                        : std::filesystem::path(options_.scratch_dir);
    std::string path = (dir / ("tessera-sql-" + RandomUuid() + ".parquet")).string();
    struct Remove {
      std::string path;
      ~Remove() { std::remove(path.c_str()); }
    } remove{path};
    // The copy runs whole in one call: a cancel before it is checked here, one during it stops
    // it, one after it (a lost race) still fails the request.
    TESSERA_RETURN_NOT_OK(CheckCancelled());
    TESSERA_ASSIGN_OR_RETURN(rows_, engine::CopyQueryToFile(session_.connection(), query, path,
                                                            engine::FileFormat::kParquet));
    TESSERA_RETURN_NOT_OK(CheckCancelled());
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr)
      return Status::IoError("cannot read the Parquet result");
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(file, &std::fclose);
    writer_.SetStatus(200);
    writer_.SetHeader("Content-Type", ContentType(SqlFormat::kParquet));
    writer_.SetHeader("X-Tessera-Row-Count", std::to_string(rows_));
    std::string buffer(size_t{1} << 20, '\0');
    while (true) {
      size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
      if (n > 0)
        TESSERA_RETURN_NOT_OK(writer_.Write(std::string_view(buffer.data(), n)));
      if (n < buffer.size())
        break;
    }
    if (std::ferror(file))
      return Status::IoError("reading the Parquet result failed");
    return writer_.Finish();
  }

 public:
  void set_timeout(std::atomic<bool>* timed_out, int64_t ms) {
    timed_out_ = timed_out;
    timeout_ms_ = ms;
  }
  /// The flag the cancel callback sets (before it interrupts the connection).
  void set_cancelled(const std::atomic<bool>* cancelled) { cancelled_ = cancelled; }
  const Status& final_status() const { return final_status_; }

 private:
  access::QuerySession& session_;
  const SqlRequest& request_;
  const SqlApiOptions& options_;
  ResponseWriter& writer_;
  std::optional<int64_t> limit_;
  int64_t rows_ = 0;
  std::atomic<bool>* timed_out_ = nullptr;
  int64_t timeout_ms_ = 0;
  const std::atomic<bool>* cancelled_ = nullptr;
  Status final_status_;

  // DuckDB's interrupt stops only a statement that runs: a cancel (a deadline, a client gone)
  // that came while the session was opened or the statement planned was lost, and the
  // statement ran to its end. The flag is checked just before each statement starts and again
  // once it returns. What remains is a window of microseconds between the check and DuckDB
  // starting the statement (closing it needs DuckDB's pending execution, task by task).
  Status CheckCancelled() const {
    if (cancelled_ != nullptr && cancelled_->load())
      return Status::Cancelled("the statement was cancelled");
    return Status::OK();
  }
};

Status Unauthenticated(ResponseWriter& writer, std::string_view message, bool invalid_token) {
  writer.SetHeader("WWW-Authenticate", invalid_token ? "Bearer error=\"invalid_token\"" : "Bearer");
  return writer.SendError(401, SqlStateFor(StatusCode::kUnauthenticated), message);
}

Status SendSqlError(ResponseWriter& writer, const Status& status) {
  return writer.SendError(HttpStatusFor(status.code()), SqlStateFor(status.code()),
                          status.message());
}

Status HandleSql(access::QueryGateway& gateway, const SqlApiOptions& options,
                 const Request& request, ResponseWriter& writer) {
  std::optional<std::string_view> authorization = request.Header("Authorization");
  if (!authorization)
    return Unauthenticated(writer, "a bearer token is required", false);
  if (authorization->size() < 7 || ToLower(authorization->substr(0, 7)) != "bearer ")
    return Unauthenticated(writer, "the Authorization header must be 'Bearer <token>'", false);
  std::string_view token = authorization->substr(7);
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  Result<access::Principal> principal = gateway.store().AuthenticateToken(token);
  if (!principal.ok()) {
    if (principal.status().code() == StatusCode::kUnauthenticated)
      return Unauthenticated(writer, principal.status().message(), true);
    return SendSqlError(writer, principal.status());
  }

  Result<SqlRequest> parsed = ParseSqlRequest(request);
  if (!parsed.ok())
    return writer.SendError(400, "22023", parsed.status().message());
  SqlRequest& sql = *parsed;
  std::optional<int64_t> limit = sql.limit;
  if (options.max_rows > 0 && (!limit || *limit > options.max_rows))
    limit = options.max_rows;
  int64_t timeout_ms = sql.timeout_ms.value_or(options.default_timeout_ms);
  if (options.max_timeout_ms > 0 && (timeout_ms == 0 || timeout_ms > options.max_timeout_ms))
    timeout_ms = options.max_timeout_ms;

  Clock::time_point start = Clock::now();
  Result<std::unique_ptr<access::QuerySession>> opened = gateway.Open(*principal, "http");
  if (!opened.ok())
    return SendSqlError(writer, opened.status());
  access::QuerySession& session = **opened;

  std::atomic<bool> timed_out{false};
  std::atomic<bool> cancelled{false};
  std::optional<Clock::time_point> deadline;
  if (timeout_ms > 0)
    deadline = start + std::chrono::milliseconds(timeout_ms);
  // A client that hangs up, the deadline, and a server cutting requests all stop the query.
  CancelWatch watch = writer.WatchCancel(
      [&session, &timed_out, &cancelled](CancelReason reason) {
        if (reason == CancelReason::kDeadline)
          timed_out = true;
        cancelled = true;  // before the interrupt: see SqlRun::CheckCancelled
        session.connection().Interrupt();
      },
      deadline);

  SqlRun run(session, sql, options, writer, limit);
  run.set_timeout(&timed_out, timeout_ms);
  run.set_cancelled(&cancelled);
  Status status = run.Run();
  watch.Reset();
  if (!status.ok() && status.code() == StatusCode::kCancelled && timed_out)
    status = Timeout(timeout_ms);
  Status outcome_status = status.ok() ? run.final_status() : status;
  access::QueryOutcome outcome;
  outcome.rows = run.rows();
  outcome.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  outcome.status = outcome_status;
  session.Audit(sql.sql, outcome);
  if (!status.ok() && !writer.started())
    return SendSqlError(writer, status);
  return status;
}

}  // namespace

Result<SqlRequest> ParseSqlRequest(const Request& request) {
  SqlRequest out;
  std::optional<SqlFormat> format;
  std::string content_type = ToLower(request.Header("Content-Type").value_or(""));
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && content_type.back() == ' ')
    content_type.pop_back();
  if (content_type == "application/sql" || content_type == "text/plain") {
    out.sql = request.body;
  } else {
    Result<Json> body = ParseJson(request.body);
    if (!body.ok() || !body->is_object())
      return Status::InvalidArgument(
          "the body must be a JSON object {\"sql\": ...} or SQL text with Content-Type: "
          "application/sql");
    // A field of the wrong type is the client's mistake here, not corruption.
    auto invalid = [](const Status& status) { return Status::InvalidArgument(status.message()); };
    Result<std::optional<std::string>> text = JsonOptString(*body, "sql");
    if (!text.ok())
      return invalid(text.status());
    out.sql = text->value_or("");
    Result<std::optional<std::string>> name = JsonOptString(*body, "format");
    if (!name.ok())
      return invalid(name.status());
    if (*name) {
      TESSERA_ASSIGN_OR_RETURN(format, FormatFromName(**name));
    }
    Result<std::optional<int64_t>> limit = JsonOptInt(*body, "limit");
    Result<std::optional<int64_t>> timeout = JsonOptInt(*body, "timeout_ms");
    if (!limit.ok())
      return invalid(limit.status());
    if (!timeout.ok())
      return invalid(timeout.status());
    out.limit = *limit;
    out.timeout_ms = *timeout;
  }
  if (out.sql.find_first_not_of(" \t\r\n;") == std::string::npos)
    return Status::InvalidArgument("no SQL statement to run");
  if (!format) {
    if (auto name = request.QueryParam("format")) {
      TESSERA_ASSIGN_OR_RETURN(format, FormatFromName(*name));
    } else if (auto accept = request.Header("Accept")) {
      format = FormatFromAccept(*accept);
    }
  }
  out.format = format.value_or(SqlFormat::kJson);
  if (out.limit && *out.limit < 0)
    return Status::InvalidArgument("limit must not be negative");
  if (out.timeout_ms && *out.timeout_ms <= 0)
    return Status::InvalidArgument("timeout_ms must be positive");
  return out;
}

std::string_view SqlStateFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "00000";
    case StatusCode::kNotFound:
      return "42P01";
    case StatusCode::kPermissionDenied:
      return "42501";
    case StatusCode::kInvalidArgument:
      return "42601";
    case StatusCode::kCancelled:
      return "57014";
    case StatusCode::kUnauthenticated:
      return "28000";
    case StatusCode::kUnsupported:
      return "0A000";
    case StatusCode::kAlreadyExists:
      return "42P07";
    case StatusCode::kConflict:
      return "40001";
    case StatusCode::kIoError:
      return "58030";
    case StatusCode::kCorruption:
      return "XX001";
    case StatusCode::kInternal:
      return "XX000";
  }
  return "XX000";
}

void AddSqlApi(Router& router, access::QueryGateway& gateway, SqlApiOptions options) {
  router.Add(
      "POST", "/api/v1/sql",
      [&gateway, options = std::move(options)](const Request& request, ResponseWriter& writer) {
        return HandleSql(gateway, options, request, writer);
      });
}

}  // namespace tessera::ports::http
