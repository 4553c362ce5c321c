#pragma once

#include <string>
#include <vector>

#include "tessera/common/status.h"

namespace tessera::cli {

/// Run the `tessera` command line; return the process exit code (0 ok, 1 runtime error, 2 usage).
int Main(const std::vector<std::string>& args);

/// `tessera sql ...`, `tessera table ...`, `tessera principal ...`: each takes the arguments
/// after its name.
int SqlCommand(const std::vector<std::string>& args);
int TableCommand(const std::vector<std::string>& args);
int ServeCommand(const std::vector<std::string>& args);
int PrincipalCommand(const std::vector<std::string>& args);
int AuditCommand(const std::vector<std::string>& args);
int ShareCommand(const std::vector<std::string>& args);
int RecipientCommand(const std::vector<std::string>& args);
int MountCommand(const std::vector<std::string>& args);
int ProductCommand(const std::vector<std::string>& args);
int SearchCommand(const std::vector<std::string>& args);
/// `tessera apply FILE` (dry_run false) and `tessera plan FILE` (true).
int ApplyCommand(const std::vector<std::string>& args, bool dry_run);

/// Print a Status as "tessera: <message>" on stderr and return its exit code (2 for
/// kInvalidArgument usage errors when `usage` is true, else 1).
int Fail(const std::string& context, const Status& status, bool usage = false);

}  // namespace tessera::cli
