#include "tessera/engine/sql_text.h"

#include <cctype>

#include "tessera/common/strings.h"

namespace tessera::engine {
namespace {

bool IsIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Return the index just past a quoted run starting at `i` (the opening quote).
size_t SkipQuoted(std::string_view sql, size_t i, char quote, bool backslash_escapes) {
  for (++i; i < sql.size(); ++i) {
    if (backslash_escapes && sql[i] == '\\') {
      ++i;
    } else if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        ++i;  // doubled quote
      } else {
        return i + 1;
      }
    }
  }
  return sql.size();
}

// Return the index just past a nested /* */ comment starting at `i`.
size_t SkipBlockComment(std::string_view sql, size_t i) {
  int depth = 0;
  while (i < sql.size()) {
    if (sql.compare(i, 2, "/*") == 0) {
      ++depth;
      i += 2;
    } else if (sql.compare(i, 2, "*/") == 0) {
      i += 2;
      if (--depth == 0)
        return i;
    } else {
      ++i;
    }
  }
  return sql.size();
}

// If a $tag$ string starts at `i`, return the index past its closing tag; else 0 ($1 is a
// parameter, not a string).
size_t SkipDollarQuoted(std::string_view sql, size_t i) {
  if (i > 0 && IsIdentifierChar(sql[i - 1]))
    return 0;
  size_t j = i + 1;
  if (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j])) != 0)
    return 0;
  while (j < sql.size() && IsIdentifierChar(sql[j]))
    ++j;
  if (j >= sql.size() || sql[j] != '$')
    return 0;
  std::string_view tag = sql.substr(i, j - i + 1);
  size_t end = sql.find(tag, j + 1);
  return end == std::string_view::npos ? sql.size() : end + tag.size();
}

}  // namespace

std::vector<std::string_view> SplitStatements(std::string_view sql) {
  std::vector<std::string_view> statements;
  size_t start = 0;
  bool has_content = false;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '-' && sql.compare(i, 2, "--") == 0) {
      size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end;
    } else if (c == '/' && sql.compare(i, 2, "/*") == 0) {
      i = SkipBlockComment(sql, i);
    } else if (c == '\'') {
      bool escape_string = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                           (i < 2 || !IsIdentifierChar(sql[i - 2]));
      i = SkipQuoted(sql, i, '\'', escape_string);
      has_content = true;
    } else if (c == '"') {
      i = SkipQuoted(sql, i, '"', false);
      has_content = true;
    } else if (c == '$' && SkipDollarQuoted(sql, i) != 0) {
      i = SkipDollarQuoted(sql, i);
      has_content = true;
    } else if (c == ';') {
      if (has_content)
        statements.push_back(Trim(sql.substr(start, i - start)));
      start = ++i;
      has_content = false;
    } else {
      has_content = has_content || !IsSpace(c);
      ++i;
    }
  }
  if (has_content)
    statements.push_back(Trim(sql.substr(start)));
  return statements;
}

}  // namespace tessera::engine
