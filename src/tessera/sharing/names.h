#pragma once

#include <string>
#include <string_view>

#include "tessera/common/status.h"

namespace tessera::sharing {

/// What kind of object a name is for, in error messages.
enum class NameKind { kShare, kSchema, kTable, kRecipient };

/// Check a share, schema, table or recipient name against the Delta Sharing naming rules: 1 to
/// 255 bytes, no space, '/', '\', control characters (0x00-0x1F, 0x7F) or '%', and for schemas,
/// tables and recipients no '.'. Return kInvalidArgument saying what is wrong otherwise.
Status CheckName(NameKind kind, std::string_view name);

/// Names compare case-insensitively (ASCII) in the protocol; this is the stored, comparable form.
std::string FoldName(std::string_view name);

}  // namespace tessera::sharing
