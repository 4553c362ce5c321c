#include "tessera/ports/pgwire/row_encoder.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <utility>

#include "tessera/ports/pgwire/wire_values.h"

namespace tessera::ports::pgwire {
namespace internal {

/// Appends one non-NULL cell's bytes (without the length word).
using EncodeFn = void (*)(const CellEncoder& encoder, idx_t row, std::string& out);

/// The encoder of one column (or of a list's elements): the function chosen for its type and
/// format, what that function needs, and the current chunk's vector data.
struct CellEncoder {
  EncodeFn fn = nullptr;
  bool binary = false;
  uint8_t scale = 0;                     // DECIMAL
  std::vector<std::string> labels;       // ENUM dictionary
  std::unique_ptr<CellEncoder> element;  // LIST / ARRAY elements
  uint32_t element_oid = 0;
  idx_t array_size = 0;         // ARRAY: fixed element count; 0 for LIST
  std::string scratch;          // array text: one element before quoting
  SessionZone* zone = nullptr;  // TIMESTAMP_TZ text in a session zone other than UTC

  // Set per chunk by Bind().
  const void* data = nullptr;
  const uint64_t* validity = nullptr;

  void Bind(duckdb_vector vector) {
    data = duckdb_vector_get_data(vector);
    validity = duckdb_vector_get_validity(vector);
    if (element != nullptr) {
      element->Bind(array_size > 0 ? duckdb_array_vector_get_child(vector)
                                   : duckdb_list_vector_get_child(vector));
    }
  }
  bool IsNull(idx_t row) const {
    return validity != nullptr &&
           !duckdb_validity_row_is_valid(const_cast<uint64_t*>(validity), row);
  }
  template <typename T>
  T Get(idx_t row) const {
    return static_cast<const T*>(data)[row];
  }
};

}  // namespace internal

namespace {

using internal::CellEncoder;
using internal::EncodeFn;

// Appends a placeholder length word and returns its position, for PatchLength.
size_t BeginLength(std::string& out) {
  size_t at = out.size();
  out.append(4, '\0');
  return at;
}

void PatchLength(std::string& out, size_t at, size_t from) {
  uint32_t length = static_cast<uint32_t>(out.size() - from);
  out[at] = static_cast<char>(length >> 24);
  out[at + 1] = static_cast<char>(length >> 16);
  out[at + 2] = static_cast<char>(length >> 8);
  out[at + 3] = static_cast<char>(length);
}

void AppendCell(const CellEncoder& encoder, idx_t row, std::string& out) {
  if (encoder.IsNull(row)) {
    AppendBigEndian<int32_t>(out, -1);
    return;
  }
  size_t at = BeginLength(out);
  encoder.fn(encoder, row, out);
  PatchLength(out, at, at + 4);
}

std::string_view StringAt(const CellEncoder& e, idx_t row) {
  // Short strings are inlined in the duckdb_string_t: take the address inside the vector.
  auto* cell = const_cast<duckdb_string_t*>(static_cast<const duckdb_string_t*>(e.data) + row);
  return {duckdb_string_t_data(cell), duckdb_string_t_length(*cell)};
}

void BoolText(const CellEncoder& e, idx_t row, std::string& out) {
  out.push_back(e.Get<bool>(row) ? 't' : 'f');
}
void BoolBinary(const CellEncoder& e, idx_t row, std::string& out) {
  out.push_back(e.Get<bool>(row) ? 1 : 0);
}

template <typename T>
void IntegerText(const CellEncoder& e, idx_t row, std::string& out) {
  AppendInteger(out, e.Get<T>(row));
}
template <typename T, typename Wire>
void IntegerBinary(const CellEncoder& e, idx_t row, std::string& out) {
  AppendBigEndian<Wire>(out, static_cast<Wire>(e.Get<T>(row)));
}

template <typename T>
void FloatText(const CellEncoder& e, idx_t row, std::string& out) {
  AppendFloatText(out, e.Get<T>(row));
}
template <typename T>
void FloatBinary(const CellEncoder& e, idx_t row, std::string& out) {
  AppendFloatBinary(out, e.Get<T>(row));
}

// UBIGINT, HUGEINT, UHUGEINT and DECIMAL all become numeric: decimal digits plus a scale.
template <typename T>
Int128 AsInt128(T value) {
  return static_cast<Int128>(value);
}
template <>
Int128 AsInt128(duckdb_hugeint value) {
  return static_cast<Int128>((static_cast<UInt128>(static_cast<uint64_t>(value.upper)) << 64) |
                             value.lower);
}

template <typename T>
void DecimalText(const CellEncoder& e, idx_t row, std::string& out) {
  Int128 value = AsInt128(e.Get<T>(row));
  AppendScaledText(out, value < 0, value < 0 ? -static_cast<UInt128>(value) : value, e.scale);
}
template <typename T>
void DecimalBinary(const CellEncoder& e, idx_t row, std::string& out) {
  Int128 value = AsInt128(e.Get<T>(row));
  char digits[48];
  size_t n = UnsignedDigits(value < 0 ? -static_cast<UInt128>(value) : value, digits);
  AppendNumericBinary(out, value < 0, std::string_view(digits, n), e.scale);
}
void UHugeText(const CellEncoder& e, idx_t row, std::string& out) {
  auto value = e.Get<duckdb_uhugeint>(row);
  AppendScaledText(out, false, (static_cast<UInt128>(value.upper) << 64) | value.lower, 0);
}
void UHugeBinary(const CellEncoder& e, idx_t row, std::string& out) {
  auto value = e.Get<duckdb_uhugeint>(row);
  char digits[48];
  size_t n = UnsignedDigits((static_cast<UInt128>(value.upper) << 64) | value.lower, digits);
  AppendNumericBinary(out, false, std::string_view(digits, n), 0);
}

// Text of a value computed in SQL (BIGNUM::VARCHAR): sent as is, or parsed for binary.
void NumericTextToBinary(const CellEncoder& e, idx_t row, std::string& out) {
  std::string_view text = StringAt(e, row);
  bool negative = !text.empty() && text.front() == '-';
  if (negative || (!text.empty() && text.front() == '+'))
    text.remove_prefix(1);
  AppendNumericBinary(out, negative, text, 0);
}
void BitTextToBinary(const CellEncoder& e, idx_t row, std::string& out) {
  AppendVarbitBinary(out, StringAt(e, row));
}

void StringRaw(const CellEncoder& e, idx_t row, std::string& out) { out.append(StringAt(e, row)); }
void ByteaText(const CellEncoder& e, idx_t row, std::string& out) {
  AppendByteaHex(out, StringAt(e, row));
}

template <typename T>
void EnumLabel(const CellEncoder& e, idx_t row, std::string& out) {
  T index = e.Get<T>(row);
  if (index < e.labels.size())
    out.append(e.labels[index]);
}

void DateText(const CellEncoder& e, idx_t row, std::string& out) {
  AppendDateText(out, e.Get<duckdb_date>(row).days);
}
void DateBinary(const CellEncoder& e, idx_t row, std::string& out) {
  AppendBigEndian<int32_t>(out, DateToPg(e.Get<duckdb_date>(row).days));
}

void TimeText(const CellEncoder& e, idx_t row, std::string& out) {
  AppendTimeText(out, e.Get<duckdb_time>(row).micros);
}
void TimeBinary(const CellEncoder& e, idx_t row, std::string& out) {
  AppendBigEndian<int64_t>(out, e.Get<duckdb_time>(row).micros);
}
void TimeNsText(const CellEncoder& e, idx_t row, std::string& out) {
  AppendTimeText(out, e.Get<duckdb_time_ns>(row).nanos / 1000);
}
void TimeNsBinary(const CellEncoder& e, idx_t row, std::string& out) {
  AppendBigEndian<int64_t>(out, e.Get<duckdb_time_ns>(row).nanos / 1000);
}

std::pair<int64_t, int32_t> TimeTzParts(const CellEncoder& e, idx_t row) {
  duckdb_time_tz_struct parts = duckdb_from_time_tz(e.Get<duckdb_time_tz>(row));
  int64_t micros =
      ((parts.time.hour * int64_t{60} + parts.time.min) * 60 + parts.time.sec) * 1000000 +
      parts.time.micros;
  return {micros, parts.offset};
}
void TimeTzText(const CellEncoder& e, idx_t row, std::string& out) {
  auto [micros, offset] = TimeTzParts(e, row);
  AppendTimeText(out, micros);
  AppendZoneOffset(out, offset);
}
void TimeTzBinary(const CellEncoder& e, idx_t row, std::string& out) {
  auto [micros, offset] = TimeTzParts(e, row);
  AppendBigEndian<int64_t>(out, micros);
  // PostgreSQL's timetz stores the zone in seconds west of UTC.
  AppendBigEndian<int32_t>(out, -offset);
}

// DuckDB's TIMESTAMP_S/MS/NS in microseconds; NS is floored, as DuckDB's own cast does.
template <int64_t kPerSecond>
int64_t ToMicros(int64_t value) {
  if (value == std::numeric_limits<int64_t>::max() || value == -std::numeric_limits<int64_t>::max())
    return value;
  if constexpr (kPerSecond == 1000000000) {
    return value / 1000 - (value % 1000 < 0 ? 1 : 0);
  } else {
    return value * (1000000 / kPerSecond);
  }
}

template <int64_t kPerSecond, bool kWithZone>
void TimestampText(const CellEncoder& e, idx_t row, std::string& out) {
  AppendTimestampText(out, ToMicros<kPerSecond>(e.Get<int64_t>(row)), kWithZone);
}
void TimestampTzZoneText(const CellEncoder& e, idx_t row, std::string& out) {
  int64_t micros = e.Get<int64_t>(row);
  AppendTimestampTzText(out, micros, e.zone->OffsetSecondsAt(micros));
}
template <int64_t kPerSecond>
void TimestampBinary(const CellEncoder& e, idx_t row, std::string& out) {
  AppendBigEndian<int64_t>(out, TimestampToPg(ToMicros<kPerSecond>(e.Get<int64_t>(row))));
}

void IntervalText(const CellEncoder& e, idx_t row, std::string& out) {
  auto value = e.Get<duckdb_interval>(row);
  AppendIntervalText(out, value.months, value.days, value.micros);
}
void IntervalBinary(const CellEncoder& e, idx_t row, std::string& out) {
  auto value = e.Get<duckdb_interval>(row);
  AppendBigEndian<int64_t>(out, value.micros);
  AppendBigEndian<int32_t>(out, value.days);
  AppendBigEndian<int32_t>(out, value.months);
}

// DuckDB stores a UUID as a hugeint with the top bit flipped, so that signed order is byte order.
void UuidBytes(const CellEncoder& e, idx_t row, char bytes[16]) {
  auto value = e.Get<duckdb_hugeint>(row);
  uint64_t upper = static_cast<uint64_t>(value.upper) ^ (uint64_t{1} << 63);
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>(upper >> (56 - 8 * i));
    bytes[8 + i] = static_cast<char>(value.lower >> (56 - 8 * i));
  }
}
void UuidText(const CellEncoder& e, idx_t row, std::string& out) {
  char bytes[16];
  UuidBytes(e, row, bytes);
  AppendUuidText(out, bytes);
}
void UuidBinary(const CellEncoder& e, idx_t row, std::string& out) {
  char bytes[16];
  UuidBytes(e, row, bytes);
  out.append(bytes, 16);
}

std::pair<idx_t, idx_t> ListRange(const CellEncoder& e, idx_t row) {
  if (e.array_size > 0)
    return {row * e.array_size, e.array_size};
  auto entry = e.Get<duckdb_list_entry>(row);
  return {entry.offset, entry.length};
}

// PostgreSQL's array_out: '{' elements '}' separated by ',', NULL for nulls, and an element in
// double quotes (with '"' and '\' escaped) when it is empty, spells NULL, or contains
// '{', '}', ',', '"', '\' or whitespace.
void ListText(const CellEncoder& e, idx_t row, std::string& out) {
  auto [offset, length] = ListRange(e, row);
  CellEncoder& element = *e.element;
  out.push_back('{');
  for (idx_t i = 0; i < length; ++i) {
    if (i > 0)
      out.push_back(',');
    if (element.IsNull(offset + i)) {
      out.append("NULL");
      continue;
    }
    element.scratch.clear();
    element.fn(element, offset + i, element.scratch);
    AppendArrayElementText(out, element.scratch);
  }
  out.push_back('}');
}

// PostgreSQL's array_send: ndim, has-null flag, element OID, then per dimension its size and
// lower bound 1, then each element as a length word (-1 for NULL) and its bytes.
void ListBinary(const CellEncoder& e, idx_t row, std::string& out) {
  auto [offset, length] = ListRange(e, row);
  const CellEncoder& element = *e.element;
  bool has_null = false;
  for (idx_t i = 0; i < length && !has_null; ++i)
    has_null = element.IsNull(offset + i);
  AppendBigEndian<int32_t>(out, length == 0 ? 0 : 1);
  AppendBigEndian<int32_t>(out, has_null ? 1 : 0);
  AppendBigEndian<uint32_t>(out, e.element_oid);
  if (length == 0)
    return;
  AppendBigEndian<int32_t>(out, static_cast<int32_t>(length));
  AppendBigEndian<int32_t>(out, 1);
  for (idx_t i = 0; i < length; ++i)
    AppendCell(element, offset + i, out);
}

template <typename T>
Status SetDecimal(CellEncoder& encoder) {
  encoder.fn = encoder.binary ? DecimalBinary<T> : DecimalText<T>;
  return Status::OK();
}

template <typename T>
void EnumLabels(CellEncoder& encoder) {
  encoder.fn = EnumLabel<T>;
}

Result<std::unique_ptr<CellEncoder>> MakeCellEncoder(const WireColumn& column,
                                                     duckdb_logical_type type, bool binary,
                                                     SessionZone* zone) {
  auto encoder = std::make_unique<CellEncoder>();
  encoder->binary = binary;
  encoder->zone = zone;
  CellEncoder& e = *encoder;
  auto pick = [&e](EncodeFn text, EncodeFn bin) { e.fn = e.binary ? bin : text; };
  duckdb_type id = duckdb_get_type_id(type);
  switch (id) {
    case DUCKDB_TYPE_BOOLEAN:
      pick(BoolText, BoolBinary);
      break;
    case DUCKDB_TYPE_TINYINT:
      pick(IntegerText<int8_t>, IntegerBinary<int8_t, int16_t>);
      break;
    case DUCKDB_TYPE_SMALLINT:
      pick(IntegerText<int16_t>, IntegerBinary<int16_t, int16_t>);
      break;
    case DUCKDB_TYPE_UTINYINT:
      pick(IntegerText<uint8_t>, IntegerBinary<uint8_t, int16_t>);
      break;
    case DUCKDB_TYPE_INTEGER:
      pick(IntegerText<int32_t>, IntegerBinary<int32_t, int32_t>);
      break;
    case DUCKDB_TYPE_USMALLINT:
      pick(IntegerText<uint16_t>, IntegerBinary<uint16_t, int32_t>);
      break;
    case DUCKDB_TYPE_BIGINT:
      pick(IntegerText<int64_t>, IntegerBinary<int64_t, int64_t>);
      break;
    case DUCKDB_TYPE_UINTEGER:
      pick(IntegerText<uint32_t>, IntegerBinary<uint32_t, int64_t>);
      break;
    case DUCKDB_TYPE_UBIGINT:
      pick(DecimalText<uint64_t>, DecimalBinary<uint64_t>);
      break;
    case DUCKDB_TYPE_HUGEINT:
      pick(DecimalText<duckdb_hugeint>, DecimalBinary<duckdb_hugeint>);
      break;
    case DUCKDB_TYPE_UHUGEINT:
      pick(UHugeText, UHugeBinary);
      break;
    case DUCKDB_TYPE_DECIMAL:
      e.scale = duckdb_decimal_scale(type);
      switch (duckdb_decimal_internal_type(type)) {
        case DUCKDB_TYPE_SMALLINT:
          TESSERA_RETURN_NOT_OK(SetDecimal<int16_t>(e));
          break;
        case DUCKDB_TYPE_INTEGER:
          TESSERA_RETURN_NOT_OK(SetDecimal<int32_t>(e));
          break;
        case DUCKDB_TYPE_BIGINT:
          TESSERA_RETURN_NOT_OK(SetDecimal<int64_t>(e));
          break;
        default:
          TESSERA_RETURN_NOT_OK(SetDecimal<duckdb_hugeint>(e));
          break;
      }
      break;
    case DUCKDB_TYPE_FLOAT:
      pick(FloatText<float>, FloatBinary<float>);
      break;
    case DUCKDB_TYPE_DOUBLE:
      pick(FloatText<double>, FloatBinary<double>);
      break;
    case DUCKDB_TYPE_VARCHAR:
      // A projected BIGNUM or BIT arrives as its text; binary needs PostgreSQL's layout.
      if (binary && column.type.oid == oid::kNumeric) {
        e.fn = NumericTextToBinary;
      } else if (binary && column.type.oid == oid::kVarbit) {
        e.fn = BitTextToBinary;
      } else {
        e.fn = StringRaw;
      }
      break;
    case DUCKDB_TYPE_BLOB:
      pick(ByteaText, StringRaw);
      break;
    case DUCKDB_TYPE_ENUM: {
      idx_t size = duckdb_enum_dictionary_size(type);
      for (idx_t i = 0; i < size; ++i) {
        char* label = duckdb_enum_dictionary_value(type, i);
        e.labels.emplace_back(label);
        duckdb_free(label);
      }
      switch (duckdb_enum_internal_type(type)) {
        case DUCKDB_TYPE_UTINYINT:
          EnumLabels<uint8_t>(e);
          break;
        case DUCKDB_TYPE_USMALLINT:
          EnumLabels<uint16_t>(e);
          break;
        default:
          EnumLabels<uint32_t>(e);
          break;
      }
      break;
    }
    case DUCKDB_TYPE_DATE:
      pick(DateText, DateBinary);
      break;
    case DUCKDB_TYPE_TIME:
      pick(TimeText, TimeBinary);
      break;
    case DUCKDB_TYPE_TIME_NS:
      pick(TimeNsText, TimeNsBinary);
      break;
    case DUCKDB_TYPE_TIME_TZ:
      pick(TimeTzText, TimeTzBinary);
      break;
    case DUCKDB_TYPE_TIMESTAMP:
      pick(TimestampText<1000000, false>, TimestampBinary<1000000>);
      break;
    case DUCKDB_TYPE_TIMESTAMP_S:
      pick(TimestampText<1, false>, TimestampBinary<1>);
      break;
    case DUCKDB_TYPE_TIMESTAMP_MS:
      pick(TimestampText<1000, false>, TimestampBinary<1000>);
      break;
    case DUCKDB_TYPE_TIMESTAMP_NS:
      pick(TimestampText<1000000000, false>, TimestampBinary<1000000000>);
      break;
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      pick(zone != nullptr && !zone->is_utc() ? TimestampTzZoneText : TimestampText<1000000, true>,
           TimestampBinary<1000000>);
      break;
    case DUCKDB_TYPE_INTERVAL:
      pick(IntervalText, IntervalBinary);
      break;
    case DUCKDB_TYPE_UUID:
      pick(UuidText, UuidBinary);
      break;
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY: {
      if (column.element_oid == 0)
        return Status::Unsupported("a list column must be projected to_json first");
      internal::OwnedLogicalType child(id == DUCKDB_TYPE_LIST ? duckdb_list_type_child_type(type)
                                                              : duckdb_array_type_child_type(type));
      TESSERA_ASSIGN_OR_RETURN(WireColumn element_column, WireColumnFor(child.get()));
      TESSERA_ASSIGN_OR_RETURN(e.element,
                               MakeCellEncoder(element_column, child.get(), binary, zone));
      e.element_oid = column.element_oid;
      e.array_size = id == DUCKDB_TYPE_ARRAY ? duckdb_array_type_array_size(type) : 0;
      pick(ListText, ListBinary);
      break;
    }
    case DUCKDB_TYPE_SQLNULL:
      e.fn = StringRaw;  // every value is NULL
      break;
    default:
      return Status::Unsupported("DuckDB type id " + std::to_string(static_cast<int>(id)) +
                                 " must be projected (ProjectForWire) before encoding");
  }
  return encoder;
}

}  // namespace

Result<std::vector<int16_t>> ResolveFormats(const std::vector<int16_t>& formats,
                                            size_t column_count) {
  for (int16_t format : formats) {
    if (format != kTextFormat && format != kBinaryFormat)
      return Status::InvalidArgument("unsupported format code: " + std::to_string(format));
  }
  if (formats.empty())
    return std::vector<int16_t>(column_count, kTextFormat);
  if (formats.size() == 1)
    return std::vector<int16_t>(column_count, formats[0]);
  if (formats.size() != column_count)
    return Status::InvalidArgument("bind message has " + std::to_string(formats.size()) +
                                   " result formats but query has " + std::to_string(column_count) +
                                   " columns");
  return formats;
}

void AppendRowDescription(const std::vector<std::string>& names,
                          const std::vector<WireColumn>& columns,
                          const std::vector<int16_t>& formats, std::string& out) {
  out.push_back('T');
  size_t at = BeginLength(out);
  AppendBigEndian<int16_t>(out, static_cast<int16_t>(columns.size()));
  for (size_t k = 0; k < columns.size(); ++k) {
    const std::string& name = names[k];
    out.append(name.data(), strnlen(name.data(), name.size()));
    out.push_back('\0');
    AppendBigEndian<uint32_t>(out, 0);  // table OID
    AppendBigEndian<int16_t>(out, 0);   // column number
    AppendBigEndian<uint32_t>(out, columns[k].type.oid);
    AppendBigEndian<int16_t>(out, columns[k].type.typlen);
    AppendBigEndian<int32_t>(out, columns[k].type.typmod);
    AppendBigEndian<int16_t>(out, formats[k]);
  }
  PatchLength(out, at, at);
}

Result<RowEncoder> RowEncoder::Make(const std::vector<WireColumn>& columns,
                                    const std::vector<duckdb_logical_type>& result_types,
                                    const std::vector<int16_t>& formats,
                                    std::shared_ptr<SessionZone> zone) {
  if (columns.size() != result_types.size())
    return Status::InvalidArgument("RowEncoder: " + std::to_string(columns.size()) +
                                   " wire columns for " + std::to_string(result_types.size()) +
                                   " result columns");
  if (columns.size() > static_cast<size_t>(std::numeric_limits<int16_t>::max()))
    return Status::InvalidArgument("too many result columns: " + std::to_string(columns.size()));
  RowEncoder encoder;
  TESSERA_ASSIGN_OR_RETURN(encoder.formats_, ResolveFormats(formats, columns.size()));
  encoder.columns_ = columns;
  encoder.zone_ = std::move(zone);
  for (size_t k = 0; k < columns.size(); ++k) {
    TESSERA_ASSIGN_OR_RETURN(
        auto cell, MakeCellEncoder(columns[k], result_types[k],
                                   encoder.formats_[k] == kBinaryFormat, encoder.zone_.get()));
    encoder.encoders_.push_back(std::move(cell));
  }
  return encoder;
}

Result<RowEncoder> RowEncoder::Make(const std::vector<duckdb_logical_type>& result_types,
                                    const std::vector<int16_t>& formats) {
  std::vector<WireColumn> columns;
  for (duckdb_logical_type type : result_types) {
    TESSERA_ASSIGN_OR_RETURN(WireColumn column, WireColumnFor(type));
    if (column.projection != WireProjection::kNone)
      return Status::Unsupported("result column needs ProjectForWire before encoding");
    columns.push_back(column);
  }
  return Make(columns, result_types, formats);
}

RowEncoder::RowEncoder(RowEncoder&&) noexcept = default;
RowEncoder& RowEncoder::operator=(RowEncoder&&) noexcept = default;
RowEncoder::~RowEncoder() = default;

void RowEncoder::AppendDataRows(const engine::DataChunk& chunk, std::string& out) {
  AppendDataRows(chunk, 0, chunk.row_count(), out);
}

void RowEncoder::AppendDataRows(const engine::DataChunk& chunk, int64_t begin, int64_t end,
                                std::string& out) {
  for (size_t k = 0; k < encoders_.size(); ++k)
    encoders_[k]->Bind(chunk.vector(static_cast<int64_t>(k)));
  auto column_count = static_cast<int16_t>(encoders_.size());
  for (auto row = static_cast<idx_t>(begin); row < static_cast<idx_t>(end); ++row) {
    out.push_back('D');
    size_t at = BeginLength(out);
    AppendBigEndian<int16_t>(out, column_count);
    for (const auto& encoder : encoders_)
      AppendCell(*encoder, row, out);
    PatchLength(out, at, at);
  }
}

namespace {

// Escape the text cell at out[from..] in place for COPY: PostgreSQL's text format (backslash
// escapes) or CSV (quoted when it holds a delimiter, quote, CR or LF, or is empty).
void EscapeCopyCell(std::string& out, size_t from, const CopyFormat& format) {
  std::string_view cell(out.data() + from, out.size() - from);
  if (format.csv) {
    bool quote = cell.empty() || cell.find_first_of("\"\r\n") != std::string_view::npos ||
                 cell.find(format.delimiter) != std::string_view::npos;
    if (!quote)
      return;
    std::string quoted = "\"";
    for (char c : cell) {
      if (c == '"')
        quoted += '"';
      quoted += c;
    }
    quoted += '"';
    out.replace(from, std::string::npos, quoted);
    return;
  }
  size_t special = 0;
  for (char c : cell)
    special += (c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == format.delimiter);
  if (special == 0)
    return;
  std::string escaped;
  escaped.reserve(cell.size() + special);
  for (char c : cell) {
    switch (c) {
      case '\\':
        escaped += "\\\\";
        break;
      case '\n':
        escaped += "\\n";
        break;
      case '\r':
        escaped += "\\r";
        break;
      case '\t':
        escaped += "\\t";
        break;
      default:
        if (c == format.delimiter)
          escaped += '\\';
        escaped += c;
    }
  }
  out.replace(from, std::string::npos, escaped);
}

}  // namespace

Status RowEncoder::AppendCopyLines(const engine::DataChunk& chunk, int64_t begin, int64_t end,
                                   const CopyFormat& format, std::string& out) {
  for (int16_t f : formats_) {
    if (f != kTextFormat)
      return Status::InvalidArgument("COPY lines need every column in text format");
  }
  for (size_t k = 0; k < encoders_.size(); ++k)
    encoders_[k]->Bind(chunk.vector(static_cast<int64_t>(k)));
  for (auto row = static_cast<idx_t>(begin); row < static_cast<idx_t>(end); ++row) {
    for (size_t k = 0; k < encoders_.size(); ++k) {
      if (k > 0)
        out += format.delimiter;
      const CellEncoder& encoder = *encoders_[k];
      if (encoder.IsNull(row)) {
        if (!format.csv)
          out += "\\N";
        continue;
      }
      size_t from = out.size();
      encoder.fn(encoder, row, out);
      EscapeCopyCell(out, from, format);
    }
    out += '\n';
  }
  return Status::OK();
}

}  // namespace tessera::ports::pgwire
