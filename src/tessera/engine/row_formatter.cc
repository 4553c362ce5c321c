#include "tessera/engine/row_formatter.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "tessera/common/json.h"

namespace tessera::engine {
namespace {

constexpr size_t kFlushBytes = size_t{64} * 1024;

// Display width, counting UTF-8 code points (wide characters count as one).
int64_t DisplayWidth(std::string_view text) {
  int64_t width = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80)
      ++width;
  }
  return width;
}

// Control characters would break the table's lines: show them escaped.
std::string TableCell(const std::optional<std::string>& cell) {
  if (!cell)
    return "";
  std::string out;
  out.reserve(cell->size());
  for (char c : *cell) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

enum class Align { kLeft, kRight, kCenter };

void AppendPadded(std::string& line, std::string_view text, int64_t width, Align align) {
  int64_t pad = std::max<int64_t>(0, width - DisplayWidth(text));
  int64_t left = align == Align::kRight ? pad : align == Align::kCenter ? pad / 2 : 0;
  line.append(static_cast<size_t>(left), ' ');
  line += text;
  line.append(static_cast<size_t>(pad - left), ' ');
}

class TableFormatter : public RowFormatter {
 public:
  TableFormatter(OutputSink& sink, int64_t width_rows) : sink_(sink), width_rows_(width_rows) {}

  Status Begin(const std::vector<Column>& columns) override {
    columns_ = columns;
    for (const Column& column : columns)
      widths_.push_back(DisplayWidth(column.name));
    return Status::OK();
  }

  Status Add(const Row& row) override {
    ++rows_;
    std::vector<std::string> cells;
    cells.reserve(row.size());
    for (const auto& cell : row)
      cells.push_back(TableCell(cell));
    if (!header_written_) {
      for (size_t i = 0; i < cells.size(); ++i)
        widths_[i] = std::max(widths_[i], DisplayWidth(cells[i]));
      held_.push_back(std::move(cells));
      if (static_cast<int64_t>(held_.size()) >= width_rows_)
        return WriteHeld();
      return Status::OK();
    }
    return WriteLine(cells, false);
  }

  Status End() override {
    if (!header_written_)
      TESSERA_RETURN_NOT_OK(WriteHeld());
    return sink_.Write("(" + std::to_string(rows_) + (rows_ == 1 ? " row)\n" : " rows)\n"));
  }

 private:
  Status WriteHeld() {
    header_written_ = true;
    std::vector<std::string> names;
    for (const Column& column : columns_)
      names.push_back(column.name);
    TESSERA_RETURN_NOT_OK(WriteLine(names, true));
    std::string rule;
    for (size_t i = 0; i < widths_.size(); ++i) {
      if (i > 0)
        rule += '+';
      rule.append(static_cast<size_t>(widths_[i] + 2), '-');
    }
    TESSERA_RETURN_NOT_OK(sink_.Write(rule + "\n"));
    for (const auto& cells : held_)
      TESSERA_RETURN_NOT_OK(WriteLine(cells, false));
    held_.clear();
    return Status::OK();
  }

  Status WriteLine(const std::vector<std::string>& cells, bool header) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += i == 0 ? " " : " | ";
      Align align = header                         ? Align::kCenter
                    : columns_[i].type.IsNumeric() ? Align::kRight
                                                   : Align::kLeft;
      AppendPadded(line, cells[i], widths_[i], align);
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    return sink_.Write(line + "\n");
  }

  OutputSink& sink_;
  int64_t width_rows_;
  std::vector<Column> columns_;
  std::vector<int64_t> widths_;
  std::vector<std::vector<std::string>> held_;
  bool header_written_ = false;
  int64_t rows_ = 0;
};

// RFC 4180: quote fields holding a comma, quote or line break; an empty string is quoted so that
// it differs from NULL (PostgreSQL's COPY ... CSV does the same).
void AppendCsvField(std::string& line, const std::optional<std::string>& field) {
  if (!field)
    return;
  if (!field->empty() && field->find_first_of(",\"\r\n") == std::string::npos) {
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

class CsvFormatter : public RowFormatter {
 public:
  explicit CsvFormatter(OutputSink& sink) : sink_(sink) {}

  Status Begin(const std::vector<Column>& columns) override {
    Row names;
    for (const Column& column : columns)
      names.emplace_back(column.name);
    return Add(names);
  }

  Status Add(const Row& row) override {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0)
        line += ',';
      AppendCsvField(line, row[i]);
    }
    line += "\r\n";
    return sink_.Write(line);
  }

  Status End() override { return Status::OK(); }

 private:
  OutputSink& sink_;
};

class JsonFormatter : public RowFormatter {
 public:
  JsonFormatter(OutputSink& sink, bool array) : sink_(sink), array_(array) {}

  Status Begin(const std::vector<Column>& columns) override {
    for (const Column& column : columns)
      keys_.push_back(DumpJson(Json(column.name)) + ":");
    return array_ ? sink_.Write("[") : Status::OK();
  }

  Status Add(const Row& row) override {
    std::string line = array_ ? (rows_ == 0 ? "\n{" : ",\n{") : "{";
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0)
        line += ',';
      line += keys_[i];
      if (row[i]) {
        line += *row[i];
      } else {
        line += "null";
      }
    }
    line += array_ ? "}" : "}\n";
    ++rows_;
    return sink_.Write(line);
  }

  Status End() override {
    if (!array_)
      return Status::OK();
    return sink_.Write(rows_ == 0 ? "]\n" : "\n]\n");
  }

 private:
  OutputSink& sink_;
  bool array_;
  std::vector<std::string> keys_;
  int64_t rows_ = 0;
};

}  // namespace

Status OutputSink::Write(std::string_view text) {
  buffer_ += text;
  if (buffer_.size() >= kFlushBytes)
    return Flush();
  return Status::OK();
}

Status OutputSink::Flush() {
  if (buffer_.empty())
    return Status::OK();
  bool ok;
  if (stream_ != nullptr) {
    stream_->write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    ok = stream_->good();
  } else {
    ok = std::fwrite(buffer_.data(), 1, buffer_.size(), file_) == buffer_.size();
  }
  buffer_.clear();
  if (!ok)
    return Status::IoError("writing the query result failed");
  return Status::OK();
}

std::unique_ptr<RowFormatter> RowFormatter::Make(OutputFormat format, OutputSink& sink,
                                                 int64_t table_width_rows) {
  switch (format) {
    case OutputFormat::kTable:
      return std::make_unique<TableFormatter>(sink, std::max<int64_t>(1, table_width_rows));
    case OutputFormat::kCsv:
      return std::make_unique<CsvFormatter>(sink);
    case OutputFormat::kJson:
      return std::make_unique<JsonFormatter>(sink, true);
    case OutputFormat::kNdjson:
      return std::make_unique<JsonFormatter>(sink, false);
  }
  return nullptr;
}

std::string QuoteNonFiniteJson(std::string json) {
  // Outside strings, JSON tokens never start with 'N' or 'I', so these can only be DuckDB's.
  if (json.find_first_of("NI") == std::string::npos)
    return json;
  std::string out;
  out.reserve(json.size() + 8);
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < json.size()) {
        out += json[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    std::string_view rest = std::string_view{json}.substr(i);
    std::string_view token;
    for (std::string_view candidate : {"NaN", "Infinity", "-Infinity"}) {
      if (rest.substr(0, candidate.size()) == candidate)
        token = candidate;
    }
    if (!token.empty()) {
      out += '"';
      out += token;
      out += '"';
      i += token.size() - 1;
      continue;
    }
    in_string = c == '"';
    out += c;
  }
  return out;
}

}  // namespace tessera::engine
