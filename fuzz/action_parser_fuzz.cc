// libFuzzer target for the Delta log parsers: arbitrary bytes go to ParseCommit, ParseSchema and
// ParseLogFileName. Besides "never crash", it checks what must hold for every input they accept:
// parsed actions serialize to a commit that parses back to the same actions, a parsed schema
// round-trips, a relative data path never resolves outside the table, and a parsed log file name
// is the canonical name of what it parsed to.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tessera/common/json.h"
#include "tessera/common/logging.h"
#include "tessera/common/strings.h"
#include "tessera/delta/actions.h"
#include "tessera/delta/log_path.h"
#include "tessera/delta/schema.h"

namespace tessera::delta {
namespace {

constexpr std::string_view kTableRoot = "/tables/t";

std::string Serialize(const std::vector<Action>& actions) {
  std::string out;
  for (const Action& action : actions) {
    out += DumpJson(ActionToJson(action));
    out += '\n';
  }
  return out;
}

void CheckSchema(std::string_view text) {
  Result<Schema> schema = ParseSchema(text);
  if (!schema.ok())
    return;
  for (const Field& field : schema->fields) {
    TESSERA_CHECK(schema->Find(field.name) != nullptr);
    (void)field.PhysicalName();
    (void)field.FieldId();
    (void)field.Comment();
  }
  std::string serialized = SchemaToString(*schema);
  Result<Schema> again = ParseSchema(serialized);
  TESSERA_CHECK(again.ok());
  TESSERA_CHECK(SchemaToString(*again) == serialized);
}

// The path as the operating system sees it: C strings end at the first NUL.
bool EscapesTable(const std::string& resolved) {
  std::string_view os_path(resolved.c_str());
  if (!StartsWith(os_path, std::string(kTableRoot) + "/"))
    return true;
  for (const std::string& part : Split(os_path, '/')) {
    if (part == "..")
      return true;
  }
  return false;
}

void CheckDataPath(std::string_view log_path,
                   const std::optional<DeletionVectorDescriptor>& deletion_vector) {
  Result<std::string> resolved = ResolveDataPath(kTableRoot, log_path);
  if (resolved.ok())
    (void)FileActionKey(*resolved, deletion_vector);
  bool relative = !StartsWith(log_path, "/") && !StartsWith(log_path, "file:") &&
                  log_path.find("://") == std::string_view::npos;
  if (resolved.ok() && relative)
    TESSERA_CHECK(!EscapesTable(*resolved));
}

void CheckCommit(std::string_view text) {
  Result<std::vector<Action>> actions = ParseCommit(text);
  if (!actions.ok())
    return;
  for (const Action& action : *actions) {
    if (const auto* metadata = std::get_if<Metadata>(&action))
      CheckSchema(metadata->schema_string);
    if (const auto* add = std::get_if<AddFile>(&action))
      CheckDataPath(add->path, add->deletion_vector);
    if (const auto* remove = std::get_if<RemoveFile>(&action))
      CheckDataPath(remove->path, remove->deletion_vector);
    if (const auto* info = std::get_if<CommitInfo>(&action)) {
      (void)info->InCommitTimestamp();
      (void)info->Timestamp();
      (void)info->Operation();
    }
  }
  // Serializing normalizes (unknown actions and fields go, stats become a string); from then on
  // parse and serialize are inverse.
  std::string serialized = Serialize(*actions);
  Result<std::vector<Action>> again = ParseCommit(serialized);
  TESSERA_CHECK(again.ok());
  TESSERA_CHECK(again->size() == actions->size());
  TESSERA_CHECK(Serialize(*again) == serialized);
}

void CheckLogFileName(std::string_view name) {
  std::optional<LogPath> parsed = ParseLogFileName(name);
  if (!parsed)
    return;
  TESSERA_CHECK(parsed->version >= 0);
  switch (parsed->type) {
    case LogFileType::kCommit:
      TESSERA_CHECK(CommitFileName(parsed->version) == name);
      break;
    case LogFileType::kCheckpoint:
      TESSERA_CHECK(CheckpointFileName(parsed->version) == name);
      break;
    case LogFileType::kMultiPartCheckpoint:
      TESSERA_CHECK(parsed->part >= 1 && parsed->part <= parsed->num_parts);
      break;
    case LogFileType::kCompaction:
      TESSERA_CHECK(parsed->end_version >= parsed->version);
      break;
    default:
      break;
  }
  TESSERA_CHECK(parsed->IsCheckpoint() == (name.find(".checkpoint.") != std::string_view::npos));
}

}  // namespace
}  // namespace tessera::delta

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  tessera::delta::CheckCommit(input);
  tessera::delta::CheckSchema(input);
  tessera::delta::CheckLogFileName(input);
  return 0;
}
