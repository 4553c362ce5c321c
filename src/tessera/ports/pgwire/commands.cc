#include "tessera/ports/pgwire/commands.h"

#include <cctype>
#include <charconv>
#include <vector>

#include "tessera/common/strings.h"

namespace tessera::ports::pgwire {
namespace {

// Splits a statement into words: identifiers/keywords, numbers, quoted strings ('...', "..."),
// and single punctuation characters. Comments are dropped. `offsets` keeps where each word
// starts, so a DECLARE can hand on the rest of the text verbatim.
struct Words {
  std::vector<std::string> text;
  std::vector<size_t> offsets;
  std::vector<bool> quoted;
};

Words Tokenize(std::string_view sql) {
  Words words;
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n')
        ++i;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == '\'' || c == '"') {
      size_t start = i++;
      std::string value;
      while (i < sql.size()) {
        if (sql[i] == c) {
          if (i + 1 < sql.size() && sql[i + 1] == c) {
            value += c;
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        value += sql[i++];
      }
      words.text.push_back(value);
      words.offsets.push_back(start);
      words.quoted.push_back(true);
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
               c == '+' || c == '/' || c == ':') {
      size_t start = i;
      while (i < sql.size() &&
             (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_' || sql[i] == '.' ||
              sql[i] == '-' || sql[i] == '+' || sql[i] == '/' || sql[i] == ':')) {
        ++i;
      }
      words.text.emplace_back(sql.substr(start, i - start));
      words.offsets.push_back(start);
      words.quoted.push_back(false);
    } else {
      words.text.emplace_back(1, c);
      words.offsets.push_back(i);
      words.quoted.push_back(false);
      ++i;
    }
  }
  return words;
}

bool Is(const Words& w, size_t i, std::string_view keyword) {
  return i < w.text.size() && !w.quoted[i] && ToLower(w.text[i]) == keyword;
}

Command ClassifySet(const Words& w, size_t i) {
  Command command;
  command.kind = CommandKind::kSet;
  // SET SESSION x / SET LOCAL x: the scope word changes nothing here.
  if ((Is(w, i, "session") && !Is(w, i + 1, "characteristics")) || Is(w, i, "local"))
    ++i;
  if (Is(w, i, "time") && Is(w, i + 1, "zone")) {
    command.name = "timezone";
    i += 2;
  } else if (Is(w, i, "session") || Is(w, i, "transaction")) {
    // SET SESSION CHARACTERISTICS / SET TRANSACTION ...: accepted, nothing to change.
    command.kind = CommandKind::kDiscard;
    return command;
  } else if (i < w.text.size()) {
    command.name = ToLower(w.text[i]);
    ++i;
    if (Is(w, i, "=") || Is(w, i, "to"))
      ++i;
  }
  std::string value;
  for (; i < w.text.size(); ++i) {
    if (w.text[i] == ";")
      break;
    if (!value.empty() && w.text[i] != "," && value.back() != ',')
      value += ' ';
    value += w.text[i];
  }
  command.value = value;
  return command;
}

Command ClassifyFetch(const Words& w, size_t i, bool move) {
  Command command;
  command.kind = CommandKind::kFetch;
  command.move = move;
  if (Is(w, i, "forward") || Is(w, i, "next")) {
    ++i;
  }
  if (Is(w, i, "all")) {
    command.count = std::nullopt;
    ++i;
  } else if (i < w.text.size() && !w.quoted[i] && !w.text[i].empty() &&
             std::isdigit(static_cast<unsigned char>(w.text[i][0]))) {
    int64_t n = 0;
    auto [ptr, ec] = std::from_chars(w.text[i].data(), w.text[i].data() + w.text[i].size(), n);
    if (ec != std::errc() || ptr != w.text[i].data() + w.text[i].size()) {
      command.kind = CommandKind::kSql;  // let DuckDB report the syntax error
      return command;
    }
    command.count = n;
    ++i;
  }
  if (Is(w, i, "from") || Is(w, i, "in"))
    ++i;
  if (i < w.text.size())
    command.name = w.quoted[i] ? w.text[i] : ToLower(w.text[i]);
  else
    command.kind = CommandKind::kSql;
  return command;
}

}  // namespace

Command ClassifyCommand(std::string_view statement) {
  Words w = Tokenize(statement);
  Command command;
  if (w.text.empty() || (w.text.size() == 1 && w.text[0] == ";")) {
    command.kind = CommandKind::kEmpty;
    return command;
  }
  if (Is(w, 0, "begin") || (Is(w, 0, "start") && Is(w, 1, "transaction"))) {
    command.kind = CommandKind::kBegin;
  } else if (Is(w, 0, "commit") || Is(w, 0, "end")) {
    command.kind = CommandKind::kCommit;
  } else if (Is(w, 0, "rollback") || Is(w, 0, "abort")) {
    command.kind = CommandKind::kRollback;
  } else if (Is(w, 0, "set")) {
    return ClassifySet(w, 1);
  } else if (Is(w, 0, "reset")) {
    command.kind = CommandKind::kReset;
    command.name = w.text.size() > 1 ? ToLower(w.text[1]) : "";
  } else if (Is(w, 0, "show")) {
    command.kind = CommandKind::kShow;
    if (Is(w, 1, "transaction") && Is(w, 2, "isolation") && Is(w, 3, "level")) {
      command.name = "transaction_isolation";
    } else if (Is(w, 1, "time") && Is(w, 2, "zone")) {
      command.name = "timezone";
    } else {
      command.name = w.text.size() > 1 ? ToLower(w.text[1]) : "";
      // SHOW TABLES, SHOW name FROM ...: DuckDB's own SHOW.
      if (command.name == "tables" || command.name == "databases" || w.text.size() > 3)
        command.kind = CommandKind::kSql;
    }
  } else if (Is(w, 0, "declare")) {
    // DECLARE name [BINARY] [ASENSITIVE|INSENSITIVE] [[NO] SCROLL] CURSOR [WITH[OUT] HOLD] FOR q
    if (w.text.size() < 4)
      return command;
    command.kind = CommandKind::kDeclare;
    command.name = w.quoted[1] ? w.text[1] : ToLower(w.text[1]);
    size_t i = 2;
    while (i < w.text.size() && !Is(w, i, "for")) {
      if (Is(w, i, "with") && Is(w, i + 1, "hold"))
        command.hold = true;
      ++i;
    }
    if (i + 1 >= w.text.size()) {
      command.kind = CommandKind::kSql;
      return command;
    }
    command.value = std::string(statement.substr(w.offsets[i + 1]));
  } else if (Is(w, 0, "fetch")) {
    return ClassifyFetch(w, 1, false);
  } else if (Is(w, 0, "move")) {
    return ClassifyFetch(w, 1, true);
  } else if (Is(w, 0, "close")) {
    command.kind = CommandKind::kClose;
    if (w.text.size() > 1 && !Is(w, 1, "all"))
      command.name = w.quoted[1] ? w.text[1] : ToLower(w.text[1]);
  } else if (Is(w, 0, "copy")) {
    // COPY ... TO STDOUT is answered by the port; any other COPY goes to DuckDB (admins only).
    size_t to = 1;
    int depth = 0;
    for (; to < w.text.size(); ++to) {
      if (w.text[to] == "(" && !w.quoted[to])
        ++depth;
      else if (w.text[to] == ")" && !w.quoted[to])
        --depth;
      else if (depth == 0 && Is(w, to, "to"))
        break;
    }
    if (!Is(w, to + 1, "stdout"))
      return command;
    command.kind = CommandKind::kCopyOut;
    size_t source_end = w.offsets[to];
    std::string_view source = statement.substr(w.offsets[1], source_end - w.offsets[1]);
    while (!source.empty() && std::isspace(static_cast<unsigned char>(source.back())))
      source.remove_suffix(1);
    if (!source.empty() && source.front() == '(' && source.back() == ')')
      command.value = std::string(source.substr(1, source.size() - 2));
    else
      command.value = "SELECT * FROM " + std::string(source);
    for (size_t i = to + 2; i < w.text.size(); ++i) {
      if (Is(w, i, "csv"))
        command.csv = true;
      else if (Is(w, i, "header") && !Is(w, i + 1, "false"))
        command.header = true;
      else if (Is(w, i, "delimiter") && i + 1 < w.text.size() && w.quoted[i + 1] &&
               w.text[i + 1].size() == 1)
        command.delimiter = w.text[i + 1][0];
    }
    if (command.csv && command.delimiter == '\t') {
      bool explicit_tab = false;
      for (size_t i = to + 2; i + 1 < w.text.size(); ++i)
        explicit_tab |= Is(w, i, "delimiter");
      if (!explicit_tab)
        command.delimiter = ',';
    }
  } else if (Is(w, 0, "discard") || Is(w, 0, "deallocate") || Is(w, 0, "unlisten") ||
             Is(w, 0, "listen")) {
    command.kind = CommandKind::kDiscard;
    command.name = ToLower(w.text[0]);
    if (w.text.size() > 1)
      command.value = ToLower(w.text[1]);  // DISCARD ALL | PLANS | ..., DEALLOCATE [PREPARE] name
  }
  return command;
}

std::string CommandTagFor(std::string_view statement, int64_t rows) {
  Words w = Tokenize(statement);
  std::string first = w.text.empty() ? "" : ToLower(w.text[0]);
  std::string n = std::to_string(rows);
  if (first == "select" || first == "with" || first == "values" || first == "table" ||
      first == "from" || first == "(" || first == "pivot" || first == "unpivot" ||
      first == "summarize" || first == "describe" || first == "explain" || first == "pragma" ||
      first == "show" || first == "call")
    return "SELECT " + n;
  if (first == "insert")
    return "INSERT 0 " + n;
  if (first == "update" || first == "delete" || first == "merge" || first == "copy")
    return (first == "update"   ? "UPDATE "
            : first == "delete" ? "DELETE "
            : first == "merge"  ? "MERGE "
                                : "COPY ") +
           n;
  std::string tag;
  for (size_t i = 0; i < w.text.size() && i < 2; ++i) {
    std::string word = ToLower(w.text[i]);
    if (word.empty() || !std::isalpha(static_cast<unsigned char>(word[0])))
      break;
    if (i == 1 && (first != "create" && first != "drop" && first != "alter"))
      break;
    if (i == 1 && (word == "or" || word == "temp" || word == "temporary" || word == "if"))
      break;
    if (!tag.empty())
      tag += ' ';
    tag += ToUpper(word);
  }
  return tag.empty() ? "OK" : tag;
}

}  // namespace tessera::ports::pgwire
