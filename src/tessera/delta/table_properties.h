#pragma once

#include <map>
#include <string>
#include <vector>

#include "tessera/common/result.h"
#include "tessera/delta/snapshot.h"
#include "tessera/delta/transaction.h"
#include "tessera/storage/storage.h"

namespace tessera::delta {

/// Set (and unset) table properties in one commit (operation "SET TBLPROPERTIES"). Enabling the
/// change data feed upgrades the protocol as little as needed (writer 4, or the changeDataFeed
/// feature on writer 7). Properties whose feature tessera cannot maintain (in-commit timestamps,
/// row tracking, deletion vectors, column mapping) are refused with kUnsupported; values of known
/// boolean properties must be true/false (kInvalidArgument).
Result<CommitResult> SetTableProperties(storage::Storage& storage,
                                        const std::shared_ptr<const Snapshot>& snapshot,
                                        const std::map<std::string, std::string>& set,
                                        const std::vector<std::string>& unset);

}  // namespace tessera::delta
