#pragma once

#include <duckdb.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/engine/query_result.h"
#include "tessera/ports/pgwire/pg_types.h"
#include "tessera/ports/pgwire/session_zone.h"

namespace tessera::ports::pgwire {

/// Wire format codes of Bind's result-column formats.
inline constexpr int16_t kTextFormat = 0;
inline constexpr int16_t kBinaryFormat = 1;

/// Expand Bind's result format codes to one per column: none means all text, one applies to
/// every column, otherwise there must be exactly one per column. Return kInvalidArgument for any
/// other count or a code other than 0 and 1.
Result<std::vector<int16_t>> ResolveFormats(const std::vector<int16_t>& formats,
                                            size_t column_count);

/// Append a complete RowDescription ('T') message: per column its name (cut at a NUL byte), table
/// OID 0, attribute number 0, and the type OID, typlen and typmod of `columns[k]`, and
/// `formats[k]` (already resolved, one per column). The three vectors have the same size.
void AppendRowDescription(const std::vector<std::string>& names,
                          const std::vector<WireColumn>& columns,
                          const std::vector<int16_t>& formats, std::string& out);

namespace internal {
struct CellEncoder;
}  // namespace internal

/// How COPY ... TO STDOUT writes rows: PostgreSQL's text format (tab, `\N` for NULL, backslash
/// escapes) or CSV (comma, empty for NULL, quotes where needed). Plain value.
struct CopyFormat {
  bool csv = false;
  char delimiter = '\t';
};

/// Encodes the rows of one result as DataRow ('D') messages, each column in PostgreSQL's text or
/// binary format (timestamptz text in the session's TimeZone, DateStyle ISO, IntervalStyle
/// postgres, shortest round-trip floats as with extra_float_digits >= 1). An encoding function is
/// chosen per column once; encoding allocates nothing per cell. Movable; not thread-safe (it keeps
/// per-chunk state).
class RowEncoder {
 public:
  /// Build an encoder for a result whose streamed columns have the logical types `result_types`
  /// (not consumed; they must outlive the encoder) and are described to the client as `columns`
  /// (WireColumnFor of the statement's types before ProjectForWire: a BIGNUM projected to VARCHAR
  /// is still sent as numeric). `formats` are Bind's codes (see ResolveFormats). Return
  /// kInvalidArgument when the counts disagree or a format is invalid, and kUnsupported when a
  /// column still needs its projection or its type cannot be encoded. timestamptz text carries
  /// `zone`'s offset at each instant (null: UTC, `+00`).
  static Result<RowEncoder> Make(const std::vector<WireColumn>& columns,
                                 const std::vector<duckdb_logical_type>& result_types,
                                 const std::vector<int16_t>& formats,
                                 std::shared_ptr<SessionZone> zone = nullptr);

  /// As above, with the columns described by WireColumnFor(result_types).
  static Result<RowEncoder> Make(const std::vector<duckdb_logical_type>& result_types,
                                 const std::vector<int16_t>& formats);

  RowEncoder(RowEncoder&&) noexcept;
  RowEncoder& operator=(RowEncoder&&) noexcept;
  ~RowEncoder();

  /// Append one complete DataRow message per row of `chunk` (whose columns are the result's).
  void AppendDataRows(const engine::DataChunk& chunk, std::string& out);
  /// The same for rows [begin, end) of `chunk` (a portal sends a chunk in several Executes).
  void AppendDataRows(const engine::DataChunk& chunk, int64_t begin, int64_t end, std::string& out);

  /// Append rows [begin, end) of `chunk` as COPY lines (each ending in a newline), cells in
  /// PostgreSQL text format escaped for `format`. Return kInvalidArgument unless every column
  /// was set up for text format.
  Status AppendCopyLines(const engine::DataChunk& chunk, int64_t begin, int64_t end,
                         const CopyFormat& format, std::string& out);

  /// The resolved format of every column.
  const std::vector<int16_t>& formats() const { return formats_; }
  /// How every column is described (for AppendRowDescription).
  const std::vector<WireColumn>& columns() const { return columns_; }

 private:
  RowEncoder() = default;

  std::vector<WireColumn> columns_;
  std::vector<int16_t> formats_;
  std::shared_ptr<SessionZone> zone_;  // the cell encoders point into it
  std::vector<std::unique_ptr<internal::CellEncoder>> encoders_;
};

}  // namespace tessera::ports::pgwire
