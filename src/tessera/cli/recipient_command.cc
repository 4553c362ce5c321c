#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <sys/stat.h>

#include "tessera/cli/args.h"
#include "tessera/cli/commands.h"
#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"
#include "tessera/sharing/profile.h"
#include "tessera/sharing/share_store.h"

namespace tessera::cli {
namespace {

constexpr const char* kRecipientUsage =
    R"(Usage: tessera recipient <subcommand> [arguments] [options]

Recipients read shares (`tessera share grant`) over Delta Sharing with a bearer token. Tokens are
random, shown once, and stored only as hashes; give a recipient a profile file (.share) that
holds the endpoint and its token.

Subcommands:
  create NAME [--comment C] [--ttl 90d] [--profile FILE] [--endpoint URL]
                     a recipient and its first token (printed, or written as a profile)
  profile NAME --output FILE [--endpoint URL] [--ttl 30d]
                     issue a NEW token and write it as a profile (--output - prints it). Only
                     hashes are stored, so an existing token cannot be shown again; the
                     recipient's other tokens stay valid
  rotate NAME [--grace 1h] [--ttl 90d] [--profile FILE] [--endpoint URL]
                     a new token; the old ones keep working for the grace period (0s: stop now)
  revoke NAME        every token of the recipient stops working now (grants stay)
  drop NAME          delete the recipient, its tokens and grants
  list [--json]      recipients with their tokens (never the tokens themselves) and shares

Tokens never expire unless --ttl is given. --endpoint defaults to
http://127.0.0.1:8080/delta-sharing (the node's /delta-sharing URL as recipients reach it).
Options: --data-dir DIR (default ./tessera-data), --help.
Example:
  tessera recipient create partner --profile partner.share --endpoint https://data.example.com/delta-sharing
  tessera share grant sales partner
)";

constexpr const char* kDefaultEndpoint = "http://127.0.0.1:8080/delta-sharing";

std::string OptTime(const std::optional<int64_t>& ms, const char* none) {
  return ms ? FormatIso8601Millis(*ms) : none;
}

// Write the profile atomically (temp file + rename) and readable only by its owner: it holds a
// secret.
Status WriteProfile(const std::string& path, const std::string& endpoint,
                    const sharing::IssuedRecipientToken& issued) {
  std::string text = sharing::ProfileJson(endpoint, issued).dump(2) + "\n";
  if (path == "-") {
    std::fputs(text.c_str(), stdout);
    return Status::OK();
  }
  std::string temp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::OK();
}

// Print the token (or write the profile) of a freshly issued token.
int Deliver(const Args& args, const std::string& what, const sharing::IssuedRecipientToken& issued,
            std::optional<std::string> profile) {
  std::string endpoint = args.Option("endpoint").value_or(kDefaultEndpoint);
  if (profile) {
    Status written = WriteProfile(*profile, endpoint, issued);
    if (!written.ok())
      return Fail(what, written);
    if (*profile != "-")
      std::printf("%s; profile written to %s\n", what.c_str(), profile->c_str());
    return 0;
  }
  std::printf("%s\n", what.c_str());
  std::printf("token (shown once): %s\n", issued.token.c_str());
  std::fprintf(stderr, "token id %s, expires %s\n", issued.info.id.c_str(),
               OptTime(issued.info.expires_ms, "never").c_str());
  return 0;
}

int List(sharing::ShareStore& store, const Args& args) {
  auto recipients = store.ListRecipients();
  if (!recipients.ok())
    return Fail("recipient list", recipients.status());
  if (args.Flag("json")) {
    Json out = Json::array();
    for (const auto& r : *recipients) {
      Json tokens = Json::array();
      for (const auto& t : r.tokens) {
        tokens.push_back(
            {{"id", t.id},
             {"created", FormatIso8601Millis(t.created_ms)},
             {"expires", t.expires_ms ? Json(FormatIso8601Millis(*t.expires_ms)) : Json(nullptr)},
             {"revoked", t.revoked_ms.has_value()},
             {"active", t.active}});
      }
      out.push_back({{"name", r.recipient.name},
                     {"id", r.recipient.id},
                     {"comment", r.recipient.comment},
                     {"tokens", tokens},
                     {"shares", r.shares}});
    }
    std::puts(out.dump(1).c_str());
    return 0;
  }
  std::printf("%-24s  %-13s  %s\n", "name", "active tokens", "shares");
  for (const auto& r : *recipients) {
    int active = 0;
    for (const auto& t : r.tokens)
      active += t.active ? 1 : 0;
    std::printf("%-24s  %-13d  %s\n", r.recipient.name.c_str(), active,
                Join(r.shares, ", ").c_str());
  }
  return 0;
}

int ExpectedArgs(const std::string& sub) {
  if (sub == "list")
    return 0;
  if (sub == "create" || sub == "profile" || sub == "rotate" || sub == "revoke" || sub == "drop")
    return 1;
  return -1;
}

}  // namespace

int RecipientCommand(const std::vector<std::string>& argv) {
  auto args =
      ParseArgs(argv, {"data-dir", "comment", "ttl", "profile", "endpoint", "output", "grace"},
                {"help", "json"});
  if (!args.ok())
    return Fail("recipient", args.status(), true);
  if (args->Flag("help") || args->positional.empty()) {
    std::fputs(kRecipientUsage, args->Flag("help") ? stdout : stderr);
    return args->Flag("help") ? 0 : 2;
  }
  const std::string sub = args->positional[0];
  int expected = ExpectedArgs(sub);
  if (expected < 0) {
    return Fail(
        "recipient",
        Status::InvalidArgument("unknown subcommand '" + sub + "' (see tessera recipient --help)"),
        true);
  }
  if (static_cast<int>(args->positional.size()) != expected + 1) {
    return Fail("recipient " + sub,
                Status::InvalidArgument("expected " + std::to_string(expected) +
                                        " argument(s), see tessera recipient --help"),
                true);
  }
  std::optional<std::chrono::seconds> ttl;
  if (auto text = args->Option("ttl")) {
    auto parsed = ParseDuration("ttl", *text);
    if (!parsed.ok())
      return Fail("recipient " + sub, parsed.status(), true);
    ttl = *parsed;
  }
  if (auto endpoint = args->Option("endpoint");
      endpoint && !StartsWith(*endpoint, "http://") && !StartsWith(*endpoint, "https://")) {
    return Fail("recipient " + sub,
                Status::InvalidArgument("--endpoint must be an http:// or https:// URL"), true);
  }
  if (sub == "profile" && !args->Option("output")) {
    return Fail("recipient profile", Status::InvalidArgument("--output FILE is required"), true);
  }
  auto store = sharing::ShareStore::Open(args->Option("data-dir").value_or("./tessera-data"));
  if (!store.ok())
    return Fail("opening the share store", store.status());
  sharing::ShareStore& recipients = **store;
  if (sub == "list")
    return List(recipients, *args);
  const std::string& name = args->positional[1];
  if (sub == "create") {
    auto issued = recipients.CreateRecipient(name, args->Option("comment").value_or(""), ttl);
    if (!issued.ok())
      return Fail("recipient create", issued.status(), true);
    return Deliver(*args, "created recipient " + name, *issued, args->Option("profile"));
  }
  if (sub == "profile") {
    auto issued = recipients.IssueToken(name, ttl);
    if (!issued.ok())
      return Fail("recipient profile", issued.status(), true);
    return Deliver(*args, "issued a new token for " + name, *issued, args->Option("output"));
  }
  if (sub == "rotate") {
    std::chrono::seconds grace(3600);
    if (auto text = args->Option("grace")) {
      auto parsed = ParseDuration("grace", *text, true);
      if (!parsed.ok())
        return Fail("recipient rotate", parsed.status(), true);
      grace = *parsed;
    }
    auto issued = recipients.RotateToken(name, ttl, grace);
    if (!issued.ok())
      return Fail("recipient rotate", issued.status(), true);
    return Deliver(*args, "rotated the token of " + name, *issued, args->Option("profile"));
  }
  Status status =
      sub == "revoke" ? recipients.RevokeRecipient(name) : recipients.DropRecipient(name);
  if (!status.ok())
    return Fail("recipient " + sub, status, true);
  std::printf("%s %s\n", sub == "revoke" ? "revoked every token of" : "dropped", name.c_str());
  return 0;
}

}  // namespace tessera::cli
