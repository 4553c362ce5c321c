#include "tessera/ports/pgwire/sqlstate.h"

#include <regex>
#include <string>

namespace tessera::ports::pgwire {
namespace {

bool StartsWith(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

ErrorFields ErrorFromStatus(const Status& status) {
  ErrorFields error;
  std::string message = status.message();
  // DuckDB appends the query with a caret ("LINE 1: ...") after a blank line: keep it as detail.
  size_t context = message.find('\n');
  if (context != std::string::npos) {
    std::string rest = message.substr(context + 1);
    message.resize(context);
    size_t start = rest.find_first_not_of('\n');
    error.detail = start == std::string::npos ? "" : rest.substr(start);
  }
  std::string kind;
  size_t colon = message.find(" Error: ");
  if (colon != std::string::npos && colon < 40) {
    kind = message.substr(0, colon);
    message = message.substr(colon + 8);
  }
  error.message = message;

  static const std::regex kMissingTable(R"(^Table with name (\S+) does not exist!?)");
  std::smatch match;
  if (StartsWith(message, "current transaction is aborted")) {
    error.sqlstate = "25P02";
  } else if (StartsWith(message, "DISCARD ALL cannot run inside")) {
    error.sqlstate = "25001";
  } else if (StartsWith(message, "DECLARE CURSOR can only be used")) {
    error.sqlstate = "25P01";
  } else if (StartsWith(message, "cursor \"")) {
    error.sqlstate = "34000";
  } else if (status.code() == StatusCode::kCancelled || kind == "INTERRUPT") {
    error.sqlstate = "57014";
    if (error.message.empty() || kind == "INTERRUPT")
      error.message = "canceling statement due to user request";
  } else if (status.code() == StatusCode::kUnauthenticated) {
    error.severity = "FATAL";
    error.sqlstate = "28P01";
  } else if (status.code() == StatusCode::kPermissionDenied || kind == "Permission" ||
             Contains(message, "permission denied")) {
    error.sqlstate = "42501";
  } else if (kind == "Parser") {
    error.sqlstate = "42601";
  } else if (kind == "Catalog") {
    if (std::regex_search(message, match, kMissingTable)) {
      error.sqlstate = "42P01";
      error.message = "relation \"" + match[1].str() + "\" does not exist";
    } else if (Contains(message, "Function with name") || Contains(message, "Macro Function")) {
      error.sqlstate = "42883";
    } else if (Contains(message, "Schema with name") || Contains(message, "Catalog with name")) {
      error.sqlstate = "3F000";
    } else if (Contains(message, "already exists")) {
      error.sqlstate = "42P07";
    } else {
      error.sqlstate = "42P01";
    }
  } else if (kind == "Binder") {
    if (Contains(message, "column") || Contains(message, "Column"))
      error.sqlstate = "42703";
    else if (Contains(message, "function") || Contains(message, "Function"))
      error.sqlstate = "42883";
    else
      error.sqlstate = "42804";
  } else if (kind == "Conversion") {
    error.sqlstate = "22P02";
  } else if (kind == "Out of Range") {
    error.sqlstate = "22003";
  } else if (kind == "Invalid Input") {
    error.sqlstate = "22023";
  } else if (kind == "Constraint") {
    error.sqlstate = Contains(message, "NOT NULL") ? "23502" : "23505";
  } else if (kind == "TransactionContext" || status.code() == StatusCode::kConflict) {
    error.sqlstate = "40001";
  } else if (kind == "Out of Memory") {
    error.sqlstate = "53200";
  } else if (kind == "Not implemented" || status.code() == StatusCode::kUnsupported) {
    error.sqlstate = "0A000";
  } else if (status.code() == StatusCode::kNotFound) {
    error.sqlstate = StartsWith(message, "relation") ? "42P01" : "42704";
  } else if (status.code() == StatusCode::kInvalidArgument) {
    error.sqlstate = "22023";
  } else if (status.code() == StatusCode::kIoError) {
    error.sqlstate = "58030";
  } else {
    error.sqlstate = "XX000";
  }
  return error;
}

}  // namespace tessera::ports::pgwire
