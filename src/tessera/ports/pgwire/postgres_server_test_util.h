#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "tessera/common/result.h"

namespace tessera::ports::pgwire::testing {

/// A throwaway PostgreSQL 15 server for tests that compare our encodings with PostgreSQL's own:
/// initdb into a fresh temp directory, listening only on a unix socket in that directory (no TCP),
/// trust authentication, fsync off. When run as root (CI), the server runs as the `postgres`
/// user, since initdb refuses root. Stopped and deleted on destruction. Not thread-safe.
class PostgresServer {
 public:
  /// Start a server with the binaries in $TESSERA_PG_BIN (default /usr/lib/postgresql/15/bin).
  /// Return kIoError (with the server's log) if initdb or pg_ctl fails.
  static Result<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  /// Run `sql` through psql (unaligned, tuples only, stop at the first error) and return its
  /// standard output. Return kIoError with psql's output if it fails.
  Result<std::string> Psql(const std::string& sql) const;

 private:
  PostgresServer(std::filesystem::path bin, std::filesystem::path dir)
      : bin_(std::move(bin)), dir_(std::move(dir)) {}

  std::filesystem::path bin_;
  std::filesystem::path dir_;
  bool started_ = false;
};

}  // namespace tessera::ports::pgwire::testing
