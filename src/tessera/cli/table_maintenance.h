#pragma once

#include <string>

#include "tessera/cli/args.h"
#include "tessera/cli/session.h"

namespace tessera::cli {

/// `tessera table checkpoint <table> [--json]`: write a classic Parquet checkpoint of the latest
/// version and point `_delta_log/_last_checkpoint` at it. Return the exit code (0, or 1 when the
/// table cannot be loaded or the checkpoint cannot be written).
int CheckpointSubcommand(Session& session, const std::string& root, const Args& args);

/// `tessera table vacuum <table> [--retention-hours H] [--dry-run] [--force] [--json]`: delete
/// (or, with --dry-run, list) the files no version within the retention period needs. The
/// retention defaults to the table's `delta.deletedFileRetentionDuration` (7 days); a shorter one
/// needs --force. Return the exit code (0, 2 for a malformed --retention-hours, 1 otherwise).
int VacuumSubcommand(Session& session, const std::string& root, const Args& args);

}  // namespace tessera::cli
