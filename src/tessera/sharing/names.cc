#include "tessera/sharing/names.h"

#include <cctype>

namespace tessera::sharing {
namespace {

std::string_view KindName(NameKind kind) {
  switch (kind) {
    case NameKind::kShare:
      return "share";
    case NameKind::kSchema:
      return "schema";
    case NameKind::kTable:
      return "table";
    case NameKind::kRecipient:
      return "recipient";
  }
  return "object";
}

}  // namespace

Status CheckName(NameKind kind, std::string_view name) {
  std::string what(KindName(kind));
  if (name.empty())
    return Status::InvalidArgument(what + " name must not be empty");
  if (name.size() > 255)
    return Status::InvalidArgument(what + " name is longer than 255 bytes");
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == ' ' || c == '/' || c == '\\' || c == '%') {
      return Status::InvalidArgument(what + " name '" + std::string(name) +
                                     "' may not contain spaces, '/', '\\', '%' or control "
                                     "characters");
    }
    if (c == '.' && kind != NameKind::kShare) {
      return Status::InvalidArgument(what + " name '" + std::string(name) +
                                     "' may not contain '.'");
    }
  }
  return Status::OK();
}

std::string FoldName(std::string_view name) {
  std::string folded(name);
  for (char& c : folded)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return folded;
}

}  // namespace tessera::sharing
