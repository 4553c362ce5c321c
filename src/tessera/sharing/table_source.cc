#include "tessera/sharing/table_source.h"

#include <filesystem>

#include "tessera/delta/log_segment.h"
#include "tessera/engine/data_dir.h"

namespace tessera::sharing {

Result<SharedTable> AddSharedTable(ShareStore& store, storage::Storage& storage,
                                   const std::string& data_dir, const AddTableRequest& request) {
  const std::string& source = request.source;
  if (source.empty())
    return Status::InvalidArgument("the table source is empty");
  bool is_path = source.find('/') != std::string::npos || source.front() == '.';
  TableSourceKind kind = is_path ? TableSourceKind::kPath : TableSourceKind::kTessera;
  std::string normalized;
  std::string root;
  std::string schema;
  std::string name;
  if (is_path) {
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(source, ec);
    if (ec)
      return Status::InvalidArgument("cannot make '" + source + "' absolute: " + ec.message());
    normalized = absolute.lexically_normal().string();
    while (normalized.size() > 1 && normalized.back() == '/')
      normalized.pop_back();
    root = normalized;
    schema = "default";
    name = std::filesystem::path(normalized).filename().string();
  } else {
    auto table = engine::ParseTableName(source);
    if (!table.ok()) {
      return Status::InvalidArgument("'" + source +
                                     "' is neither a table name (domain.product.table) nor a "
                                     "path (use ./" +
                                     source + " for a relative one)");
    }
    normalized = table->ToString();
    root = engine::TableRoot(data_dir, *table);
    schema = table->product;
    name = table->table;
  }
  auto segment = delta::BuildLogSegment(storage, root, std::nullopt);
  if (!segment.ok()) {
    return Status::InvalidArgument(
        "'" + source + "' is not a Delta table that can be shared: " + segment.status().message());
  }
  return store.AddTable(request.share, request.schema.value_or(schema), request.name.value_or(name),
                        kind, normalized, request.history_shared, request.start_version,
                        request.comment);
}

}  // namespace tessera::sharing
