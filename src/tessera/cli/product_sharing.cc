#include "tessera/cli/product_sharing.h"

#include <algorithm>

#include "tessera/sharing/share_store.h"
#include "tessera/sharing/table_source.h"
#include "tessera/storage/local_storage.h"

namespace tessera::cli {

Result<SharingChanges> ShareProduct(const std::string& data_dir,
                                    const products::ProductDescriptor& d) {
  SharingChanges changes;
  if (!d.ports.sharing)
    return changes;
  changes.share = d.domain + "_" + d.name;
  TESSERA_ASSIGN_OR_RETURN(auto store, sharing::ShareStore::Open(data_dir));
  auto share = store->GetShare(changes.share);
  if (share.status().code() == StatusCode::kNotFound) {
    TESSERA_RETURN_NOT_OK(
        store->CreateShare(changes.share, "data product " + d.FullName()).status());
  } else {
    TESSERA_RETURN_NOT_OK(share.status());
  }
  // A new share has no schema yet: no tables.
  auto listed = store->ListTables(changes.share, d.name);
  if (!listed.ok() && listed.status().code() != StatusCode::kNotFound)
    return listed.status();
  std::vector<sharing::SharedTable> shared =
      listed.ok() ? std::move(*listed) : std::vector<sharing::SharedTable>();
  for (const products::TableSpec& t : d.tables) {
    bool present = std::any_of(shared.begin(), shared.end(),
                               [&](const sharing::SharedTable& s) { return s.name == t.name; });
    if (present)
      continue;
    sharing::AddTableRequest request;
    request.share = changes.share;
    request.source = d.FullName() + "." + t.name;
    request.schema = d.name;
    request.name = t.name;
    request.comment = t.description;
    // With history: recipients can follow the table through its change feed (a mount on
    // another node then adds only what each version appended).
    request.history_shared = true;
    TESSERA_RETURN_NOT_OK(
        sharing::AddSharedTable(*store, storage::LocalStorage::Instance(), data_dir, request)
            .status());
    changes.added_tables.push_back(t.name);
  }
  for (const sharing::SharedTable& s : shared) {
    if (d.FindTable(s.name) != nullptr || s.source.rfind(d.FullName() + ".", 0) != 0)
      continue;
    TESSERA_RETURN_NOT_OK(store->RemoveTable(changes.share, s.schema, s.name));
    changes.removed_tables.push_back(s.name);
  }
  for (const std::string& recipient : d.ports.sharing_recipients) {
    Status granted = store->GrantShare(changes.share, recipient);
    if (granted.code() == StatusCode::kNotFound) {
      changes.missing_recipients.push_back(recipient);
      continue;
    }
    TESSERA_RETURN_NOT_OK(granted);
    changes.granted.push_back(recipient);
  }
  return changes;
}

}  // namespace tessera::cli
