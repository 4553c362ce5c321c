#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "tessera/common/status.h"
#include "tessera/engine/column_type.h"

namespace tessera::engine {

/// The text formats a query result can be written in.
enum class OutputFormat {
  kTable,   ///< aligned columns with a header and a "(N rows)" footer, like psql
  kCsv,     ///< RFC 4180: header line, CRLF line ends, quotes only where needed
  kJson,    ///< one JSON array of objects
  kNdjson,  ///< one JSON object per line
};

/// Buffered output to a std::ostream or a std::FILE* (not owned; must outlive the sink). Reports
/// write failures as kIoError. Not thread-safe.
class OutputSink {
 public:
  explicit OutputSink(std::ostream& out) : stream_(&out) {}
  explicit OutputSink(std::FILE* out) : file_(out) {}
  OutputSink(const OutputSink&) = delete;
  OutputSink& operator=(const OutputSink&) = delete;

  /// Append text; flush when the buffer is large.
  Status Write(std::string_view text);
  /// Write out everything buffered.
  Status Flush();

 private:
  std::ostream* stream_ = nullptr;
  std::FILE* file_ = nullptr;
  std::string buffer_;
};

/// One row's cells: nullopt is SQL NULL. For the JSON formats each cell is JSON text already.
using Row = std::vector<std::optional<std::string>>;

/// Turns rows into one output format. Call Begin once, Add per row, then End. Not thread-safe.
class RowFormatter {
 public:
  virtual ~RowFormatter() = default;
  virtual Status Begin(const std::vector<Column>& columns) = 0;
  virtual Status Add(const Row& row) = 0;
  virtual Status End() = 0;

  /// A formatter writing to `sink` (which must outlive it). For kTable, the first
  /// `table_width_rows` rows are held back to size the columns; later rows stream through.
  static std::unique_ptr<RowFormatter> Make(OutputFormat format, OutputSink& sink,
                                            int64_t table_width_rows);
};

/// Quote a JSON text's bare NaN, Infinity and -Infinity tokens (DuckDB's to_json emits them for
/// non-finite doubles; they are not JSON) as strings: "NaN", "Infinity", "-Infinity".
std::string QuoteNonFiniteJson(std::string json);

}  // namespace tessera::engine
