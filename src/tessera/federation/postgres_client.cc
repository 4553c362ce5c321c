#include "tessera/federation/postgres_client.h"

#include <cstdio>
#include <filesystem>
#include <map>

#include <libpq-fe.h>

#include "tessera/common/strings.h"

namespace tessera::federation {

std::string PgIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"')
      out += '"';
    out += c;
  }
  return out + "\"";
}

std::string PgLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += '\'';
    out += c;
  }
  return out + "'";
}

std::string DuckDbTypeForPg(std::string_view data_type, int64_t precision, int64_t scale) {
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {"smallint", "SMALLINT"},
      {"integer", "INTEGER"},
      {"bigint", "BIGINT"},
      {"real", "FLOAT"},
      {"double precision", "DOUBLE"},
      {"boolean", "BOOLEAN"},
      {"text", "VARCHAR"},
      {"character varying", "VARCHAR"},
      {"character", "VARCHAR"},
      {"name", "VARCHAR"},
      {"date", "DATE"},
      {"timestamp without time zone", "TIMESTAMP"},
      {"timestamp with time zone", "TIMESTAMPTZ"},
      {"time without time zone", "TIME"},
      {"uuid", "UUID"},
      {"bytea", "BLOB"},
  };
  if (data_type == "numeric") {
    if (precision >= 1 && precision <= 38 && scale >= 0 && scale <= precision)
      return "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    return "DOUBLE";  // unconstrained numeric: DuckDB's own postgres scanner does the same
  }
  auto found = kTypes.find(data_type);
  return found == kTypes.end() ? "VARCHAR" : found->second;
}

Result<std::string> RedactConninfo(std::string_view conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(conninfo).c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "malformed connection string";
    PQfreemem(error);
    return Status::InvalidArgument("connection string: " + std::string(Trim(message)));
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string_view(o->keyword) == "password")
      continue;
    out += (out.empty() ? "" : " ") + std::string(o->keyword) + "=" + o->val;
  }
  PQconninfoFree(options);
  return out;
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(std::string_view conninfo,
                                                         std::chrono::seconds timeout) {
  TESSERA_RETURN_NOT_OK(RedactConninfo(conninfo).status());
  // libpq takes keyword arrays; the connection string stays whole as "dbname" (libpq expands
  // it), and our timeout applies unless the string sets one.
  std::string seconds = std::to_string(std::max<int64_t>(1, timeout.count()));
  std::string dsn(conninfo);
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {seconds.c_str(), dsn.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  std::unique_ptr<PgConnection> connection(new PgConnection(conn));
  if (conn == nullptr)
    return Status::IoError("PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message(Trim(PQerrorMessage(conn)));
    if (message.find("password authentication failed") != std::string::npos ||
        message.find("no password supplied") != std::string::npos) {
      return Status::Unauthenticated("PostgreSQL refused the login: " + message);
    }
    return Status::IoError("cannot connect to PostgreSQL: " + message);
  }
  std::string setup =
      "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
      "SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 3; "
      "SET statement_timeout = " +
      std::to_string(timeout.count() * 1000);
  PGresult* result = PQexec(conn, setup.c_str());
  bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  if (!ok)
    return connection->Error("setting up the session");
  return connection;
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr)
    PQfinish(conn_);
}

Status PgConnection::Error(std::string_view context) const {
  return Status::IoError("PostgreSQL, " + std::string(context) + ": " +
                         std::string(Trim(PQerrorMessage(conn_))));
}

Result<std::vector<PgTable>> PgConnection::ListTables(
    std::optional<std::pair<std::string, std::string>> only) {
  std::string sql =
      "SELECT c.table_schema, c.table_name, c.column_name, c.data_type, "
      "coalesce(c.numeric_precision, -1), coalesce(c.numeric_scale, -1) "
      "FROM information_schema.columns c JOIN information_schema.tables t "
      "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
      "WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') "
      "AND c.table_schema NOT LIKE 'pg_toast%' AND t.table_type IN ('BASE TABLE', 'VIEW') ";
  if (only) {
    sql += "AND c.table_schema = " + PgLiteral(only->first) +
           " AND c.table_name = " + PgLiteral(only->second) + " ";
  }
  sql += "ORDER BY c.table_schema, c.table_name, c.ordinal_position";
  PGresult* result = PQexec(conn_, sql.c_str());
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    PQclear(result);
    return Error("listing tables");
  }
  std::vector<PgTable> tables;
  for (int row = 0; row < PQntuples(result); ++row) {
    std::string schema = PQgetvalue(result, row, 0);
    std::string table = PQgetvalue(result, row, 1);
    if (tables.empty() || tables.back().schema != schema || tables.back().name != table)
      tables.push_back({schema, table, {}});
    std::string type = PQgetvalue(result, row, 3);
    int64_t precision = ParseInt64(PQgetvalue(result, row, 4)).ValueOr(-1);
    int64_t scale = ParseInt64(PQgetvalue(result, row, 5)).ValueOr(-1);
    tables.back().columns.push_back(
        {PQgetvalue(result, row, 2), type, DuckDbTypeForPg(type, precision, scale)});
  }
  PQclear(result);
  return tables;
}

Result<int64_t> PgConnection::CopyToFile(const std::string& query, const std::string& path) {
  const std::string temp = path + ".partial";
  FILE* out = std::fopen(temp.c_str(), "wb");
  if (out == nullptr)
    return Status::IoError("cannot create " + temp);
  auto fail = [&](Status status) {
    std::fclose(out);
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return status;
  };
  std::string copy = "COPY (" + query + ") TO STDOUT (FORMAT csv)";
  PGresult* started = PQexec(conn_, copy.c_str());
  bool copying = PQresultStatus(started) == PGRES_COPY_OUT;
  PQclear(started);
  if (!copying)
    return fail(Error("reading a table"));
  int64_t bytes = 0;
  bool written = true;
  while (true) {
    char* buffer = nullptr;
    int n = PQgetCopyData(conn_, &buffer, /*async=*/0);
    if (n == -1)
      break;  // done; the final result follows
    if (n == -2)
      return fail(Error("reading a table"));
    written =
        written && std::fwrite(buffer, 1, static_cast<size_t>(n), out) == static_cast<size_t>(n);
    bytes += n;
    PQfreemem(buffer);
  }
  PGresult* finished = PQgetResult(conn_);
  bool ok = PQresultStatus(finished) == PGRES_COMMAND_OK;
  PQclear(finished);
  while (PGresult* extra = PQgetResult(conn_))
    PQclear(extra);
  if (!ok)
    return fail(Error("reading a table"));
  if (!written)
    return fail(Status::IoError("cannot write " + temp));
  if (std::fclose(out) != 0) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return Status::IoError("cannot write " + temp);
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error)
    return Status::IoError("cannot rename " + temp + ": " + error.message());
  return bytes;
}

}  // namespace tessera::federation
