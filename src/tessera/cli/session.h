#pragma once

#include <memory>
#include <string>

#include "tessera/common/result.h"
#include "tessera/engine/checkpoint_reader.h"
#include "tessera/engine/database.h"

namespace tessera::cli {

/// What one CLI invocation works on: an in-memory DuckDB with the Delta SQL functions registered
/// and the data directory's tables attached under their three-part names. Not thread-safe.
class Session {
 public:
  static Result<std::unique_ptr<Session>> Open(const std::string& data_dir);
  engine::Connection& connection() { return *connection_; }
  engine::DuckdbCheckpointReader& reader() { return *reader_; }
  const std::string& data_dir() const { return data_dir_; }
  /// Resolve a table argument: a three-part name in the data directory, or a path to any table.
  Result<std::string> ResolveTable(const std::string& argument) const;

 private:
  std::string data_dir_;
  std::unique_ptr<engine::Database> database_;
  std::unique_ptr<engine::DuckdbCheckpointReader> reader_;
  std::unique_ptr<engine::Connection> connection_;
};

}  // namespace tessera::cli
