#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::engine {

/// What a scan's error says when a remote table changed other than by appends between the
/// versions of a RemoteRead::appended_after read (errors lose their code on their way through
/// DuckDB; callers recognise them by this text).
inline constexpr std::string_view kNotAppendOnly = "changed rows other than by appending";

/// How the statements run on this thread read one remote (mounted) table. Plain value.
struct RemoteRead {
  /// Read the table as of this version of the remote table.
  int64_t version = -1;
  /// Set: read only the rows appended after this version, up to `version` (the change feed).
  /// The scan fails with kConflict when the table changed in any other way in between.
  std::optional<int64_t> appended_after;
};

/// Pins the remote tables a caller's statements read, by mounted name ("mount.schema.table"),
/// for the scope's lifetime on this thread: `tessera apply` reads each mounted table at the
/// version it records in lineage, or only what was appended since its last build. A mount's
/// scan asks For() while DuckDB binds it (on the calling thread). Scopes nest.
class ScopedRemoteReads {
 public:
  explicit ScopedRemoteReads(std::map<std::string, RemoteRead> reads);
  ~ScopedRemoteReads();
  ScopedRemoteReads(const ScopedRemoteReads&) = delete;
  ScopedRemoteReads& operator=(const ScopedRemoteReads&) = delete;

  /// The pinned read of `table` ("mount.schema.table"), or nullptr: the latest snapshot.
  static const RemoteRead* For(const std::string& table);

 private:
  std::optional<std::map<std::string, RemoteRead>> previous_;
};

}  // namespace tessera::engine
