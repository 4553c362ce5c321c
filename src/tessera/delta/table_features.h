#pragma once

#include <string>
#include <string_view>

#include "tessera/common/status.h"
#include "tessera/delta/actions.h"

namespace tessera::delta {

/// Column mapping mode of a table (`delta.columnMapping.mode`, only when the protocol enables it).
enum class ColumnMappingMode { kNone, kName, kId };

/// Check that tessera can read a table with this protocol: reader version <= 3 and every reader
/// feature on the allow-list. Return kUnsupported naming the first unsupported feature.
Status CheckReadSupported(const Protocol& protocol);

/// Check that tessera can write to a table with this protocol and metadata: every writer feature
/// known, and no feature *in use* that tessera cannot honour (invariants, CHECK constraints,
/// generated or identity columns, row tracking). Return kUnsupported naming it.
Status CheckWriteSupported(const Protocol& protocol, const Metadata& metadata);

/// The column mapping mode in force: the property counts only if the protocol supports it.
Result<ColumnMappingMode> GetColumnMappingMode(const Protocol& protocol, const Metadata& metadata);

/// True if the protocol lists (or, for legacy versions, implies) a writer feature.
bool HasWriterFeature(const Protocol& protocol, std::string_view feature);
/// True if the protocol lists a reader feature (reader version 3).
bool HasReaderFeature(const Protocol& protocol, std::string_view feature);

/// A table property as a boolean: "true"/"false" case-insensitively; absent gives `fallback`.
bool TablePropertyBool(const Metadata& metadata, std::string_view key, bool fallback);

}  // namespace tessera::delta
