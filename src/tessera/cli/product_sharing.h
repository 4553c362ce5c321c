#pragma once

#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/products/descriptor.h"

namespace tessera::cli {

/// What enacting `ports.sharing` changed. Plain value.
struct SharingChanges {
  std::string share;  // empty: the product is not shared
  std::vector<std::string> added_tables;
  std::vector<std::string> removed_tables;
  std::vector<std::string> granted;
  std::vector<std::string> missing_recipients;  // named but not recipients of the node
};

/// Make the product's Delta share match its descriptor after a publish: with `ports.sharing`
/// on, share `<domain>_<name>` holds every table of the product (schema `<name>`, read at the
/// published version) and is granted to each listed recipient that exists; tables the product
/// no longer has leave the share. Recipients are never created here (their tokens must reach
/// them). With sharing off, nothing changes (an existing share stays, for its owner to drop).
Result<SharingChanges> ShareProduct(const std::string& data_dir,
                                    const products::ProductDescriptor& descriptor);

}  // namespace tessera::cli
