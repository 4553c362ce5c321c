#pragma once

#include <string>

namespace tessera::access {

/// Who calls a port, once authenticated. Plain value.
struct Principal {
  std::string name;
  /// Admins see every table and may run any statement (DDL, file functions).
  bool admin = false;
};

}  // namespace tessera::access
