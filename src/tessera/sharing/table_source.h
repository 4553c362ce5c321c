#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tessera/common/result.h"
#include "tessera/sharing/share_store.h"
#include "tessera/storage/storage.h"

namespace tessera::sharing {

/// What `share add-table` (CLI and admin API) asks for. Plain value.
struct AddTableRequest {
  std::string share;
  /// "domain.product.table" (a table of this node) or a path of any Delta table (absolute, or
  /// relative to the current directory; anything with a '/' or starting with '.' is a path).
  std::string source;
  std::optional<std::string> schema;  // default: the product, or "default" for paths
  std::optional<std::string> name;    // default: the table name, or the path's last component
  bool history_shared = false;
  std::optional<int64_t> start_version;
  std::string comment;
};

/// Add a table to a share after checking that its source is a Delta table with at least one
/// version. Return kInvalidArgument for a source that is neither a table name nor a path or is
/// not a Delta table (saying what was found), and the errors of ShareStore::AddTable.
Result<SharedTable> AddSharedTable(ShareStore& store, storage::Storage& storage,
                                   const std::string& data_dir, const AddTableRequest& request);

}  // namespace tessera::sharing
