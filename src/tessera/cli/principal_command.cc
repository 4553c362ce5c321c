#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "tessera/access/access_store.h"
#include "tessera/cli/args.h"
#include "tessera/cli/commands.h"
#include "tessera/common/json.h"
#include "tessera/common/strings.h"
#include "tessera/common/time.h"

namespace tessera::cli {
namespace {

constexpr const char* kPrincipalUsage =
    R"(Usage: tessera principal <subcommand> [arguments] [options]

Principals are the users and services that call the node's ports (PostgreSQL wire, HTTP SQL).
They sign in with a password (SCRAM-SHA-256) or an API token, and read what they are granted.

Subcommands:
  create NAME [--service] [--admin] [--password-stdin]
                          create a user (or a service); --admin may read and run anything
  passwd NAME [--password-stdin]
                          set the password (prompted twice on a terminal, else one stdin line)
  token NAME [--ttl 30d|12h|45m|3600s] [--label L]
                          create an API token: printed once on stdout (id and expiry on stderr)
  token-revoke NAME ID    revoke a token by its id (tok_...)
  tokens NAME [--json]    list a principal's tokens (never the tokens themselves)
  grant NAME OBJECT       allow reading OBJECT: *, domain, domain.product or domain.product.table
  revoke NAME OBJECT      remove a grant
  disable NAME / enable NAME
                          stop (or allow again) every sign-in of a principal
  list [--json]           every principal with its kind, password, tokens and grants
  drop NAME               delete a principal with its tokens and grants

NAME is 1-63 lower-case letters, digits and _ (not starting with a digit).
Options: --data-dir DIR (default ./tessera-data), --help.
Example:
  tessera principal create analyst --password-stdin <<< 's3cret'
  tessera principal grant analyst sales.orders
)";

// Read one line from stdin without its line ending.
Result<std::string> ReadLine() {
  std::string line;
  if (!std::getline(std::cin, line))
    return Status::InvalidArgument("no password on stdin");
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  return line;
}

// Prompt on stderr and read a line from the terminal on stdin with echo off.
Result<std::string> Prompt(const char* prompt) {
  termios old_mode{};
  bool restore = tcgetattr(STDIN_FILENO, &old_mode) == 0;
  if (restore) {
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    // Echo goes off before the prompt shows, and without flushing: nothing typed after the
    // prompt is ever echoed or thrown away.
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  auto line = ReadLine();
  if (restore)
    tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
  std::fputs("\n", stderr);
  return line;
}

// --password-stdin, or not on a terminal: one line from stdin. On a terminal: prompt twice.
Result<std::string> ReadPassword(const Args& args) {
  std::string password;
  if (args.Flag("password-stdin") || !isatty(STDIN_FILENO)) {
    TESSERA_ASSIGN_OR_RETURN(password, ReadLine());
  } else {
    TESSERA_ASSIGN_OR_RETURN(password, Prompt("New password: "));
    TESSERA_ASSIGN_OR_RETURN(std::string again, Prompt("Repeat password: "));
    if (again != password)
      return Status::InvalidArgument("the passwords do not match");
  }
  if (password.empty())
    return Status::InvalidArgument("empty password");
  return password;
}

std::string FormatOptTime(const std::optional<int64_t>& ms, const char* none) {
  return ms ? FormatIso8601Millis(*ms) : none;
}

int Create(access::AccessStore& store, const std::string& name, const Args& args) {
  std::optional<std::string> password;
  if (args.Flag("password-stdin")) {
    auto read = ReadPassword(args);
    if (!read.ok())
      return Fail("principal create", read.status(), true);
    password = *read;
  }
  auto kind = args.Flag("service") ? access::PrincipalKind::kService : access::PrincipalKind::kUser;
  auto created = store.CreatePrincipal(name, kind, args.Flag("admin"));
  if (!created.ok())
    return Fail("principal create", created.status(), true);
  if (password) {
    Status status = store.SetPassword(name, *password);
    if (!status.ok())
      return Fail("setting the password of " + name, status, true);
  }
  std::printf("created %s %s%s%s\n", std::string(access::PrincipalKindName(kind)).c_str(),
              name.c_str(), args.Flag("admin") ? " (admin)" : "",
              password ? " with a password" : "");
  return 0;
}

int Passwd(access::AccessStore& store, const std::string& name, const Args& args) {
  // Fail before prompting for an unknown principal.
  auto principal = store.GetPrincipal(name);
  if (!principal.ok())
    return Fail("principal passwd", principal.status(), true);
  auto password = ReadPassword(args);
  if (!password.ok())
    return Fail("principal passwd", password.status(), true);
  Status status = store.SetPassword(name, *password);
  if (!status.ok())
    return Fail("principal passwd", status, true);
  std::printf("password of %s set\n", name.c_str());
  return 0;
}

int Token(access::AccessStore& store, const std::string& name, const Args& args) {
  std::optional<std::chrono::seconds> ttl;
  if (auto text = args.Option("ttl")) {
    auto parsed = ParseDuration("ttl", *text);
    if (!parsed.ok())
      return Fail("principal token", parsed.status(), true);
    ttl = *parsed;
  }
  auto issued = store.CreateToken(name, ttl, args.Option("label").value_or(""));
  if (!issued.ok())
    return Fail("principal token", issued.status(), true);
  std::printf("%s\n", issued->token.c_str());
  std::fprintf(stderr, "token %s for %s, %s%s (shown once: store it now)\n",
               issued->info.id.c_str(), name.c_str(), issued->info.expires_ms ? "expires " : "",
               FormatOptTime(issued->info.expires_ms, "never expires").c_str());
  return 0;
}

int Tokens(access::AccessStore& store, const std::string& name, const Args& args) {
  auto tokens = store.ListTokens(name);
  if (!tokens.ok())
    return Fail("principal tokens", tokens.status(), true);
  if (args.Flag("json")) {
    Json out = Json::array();
    for (const auto& t : *tokens) {
      out.push_back({{"id", t.id},
                     {"label", t.label},
                     {"created", FormatIso8601Millis(t.created_ms)},
                     {"expires", t.expires_ms ? Json(FormatIso8601Millis(*t.expires_ms)) : Json()},
                     {"revoked", t.revoked_ms ? Json(FormatIso8601Millis(*t.revoked_ms)) : Json()},
                     {"active", t.active}});
    }
    std::puts(out.dump(1).c_str());
    return 0;
  }
  std::printf("%-20s  %-8s  %-24s  %-24s  %s\n", "id", "status", "created", "expires", "label");
  for (const auto& t : *tokens) {
    const char* state = t.revoked_ms ? "revoked" : (t.active ? "active" : "expired");
    std::printf("%-20s  %-8s  %-24s  %-24s  %s\n", t.id.c_str(), state,
                FormatIso8601Millis(t.created_ms).c_str(),
                FormatOptTime(t.expires_ms, "never").c_str(), t.label.c_str());
  }
  return 0;
}

int List(access::AccessStore& store, const Args& args) {
  auto principals = store.ListPrincipals();
  if (!principals.ok())
    return Fail("principal list", principals.status());
  if (args.Flag("json")) {
    Json out = Json::array();
    for (const auto& p : *principals) {
      out.push_back({{"name", p.name},
                     {"kind", access::PrincipalKindName(p.kind)},
                     {"admin", p.admin},
                     {"disabled", p.disabled},
                     {"has_password", p.has_password},
                     {"active_tokens", p.active_tokens},
                     {"grants", p.grants}});
    }
    std::puts(out.dump(1).c_str());
    return 0;
  }
  std::printf("%-24s  %-8s  %-5s  %-8s  %-8s  %-6s  %s\n", "name", "kind", "admin", "disabled",
              "password", "tokens", "grants");
  for (const auto& p : *principals) {
    std::printf("%-24s  %-8s  %-5s  %-8s  %-8s  %-6lld  %s\n", p.name.c_str(),
                std::string(access::PrincipalKindName(p.kind)).c_str(), p.admin ? "yes" : "no",
                p.disabled ? "yes" : "no", p.has_password ? "yes" : "no",
                static_cast<long long>(p.active_tokens),  // NOLINT
                Join(p.grants, ", ").c_str());
  }
  return 0;
}

// Subcommands and how many positional arguments (after the subcommand) each takes.
int ExpectedArgs(const std::string& sub) {
  if (sub == "list")
    return 0;
  if (sub == "token-revoke" || sub == "grant" || sub == "revoke")
    return 2;
  if (sub == "create" || sub == "passwd" || sub == "token" || sub == "tokens" || sub == "drop" ||
      sub == "disable" || sub == "enable") {
    return 1;
  }
  return -1;
}

}  // namespace

int PrincipalCommand(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {"data-dir", "ttl", "label"},
                        {"help", "json", "service", "admin", "password-stdin"});
  if (!args.ok())
    return Fail("principal", args.status(), true);
  if (args->Flag("help") || args->positional.empty()) {
    std::fputs(kPrincipalUsage, args->Flag("help") ? stdout : stderr);
    return args->Flag("help") ? 0 : 2;
  }
  const std::string sub = args->positional[0];
  int expected = ExpectedArgs(sub);
  if (expected < 0) {
    return Fail(
        "principal",
        Status::InvalidArgument("unknown subcommand '" + sub + "' (see tessera principal --help)"),
        true);
  }
  if (static_cast<int>(args->positional.size()) != expected + 1) {
    return Fail("principal " + sub,
                Status::InvalidArgument("expected " + std::to_string(expected) +
                                        " argument(s), see tessera principal --help"),
                true);
  }
  auto store = access::AccessStore::Open(args->Option("data-dir").value_or("./tessera-data"));
  if (!store.ok())
    return Fail("opening the access store", store.status());
  if (sub == "list")
    return List(**store, *args);
  const std::string& name = args->positional[1];
  if (sub == "create")
    return Create(**store, name, *args);
  if (sub == "passwd")
    return Passwd(**store, name, *args);
  if (sub == "token")
    return Token(**store, name, *args);
  if (sub == "tokens")
    return Tokens(**store, name, *args);
  Status status;
  std::string done;
  if (sub == "token-revoke") {
    status = (*store)->RevokeToken(name, args->positional[2]);
    done = "revoked token " + args->positional[2] + " of " + name;
  } else if (sub == "grant") {
    status = (*store)->Grant(name, args->positional[2]);
    done = "granted " + args->positional[2] + " to " + name;
  } else if (sub == "revoke") {
    status = (*store)->Revoke(name, args->positional[2]);
    done = "revoked " + args->positional[2] + " from " + name;
  } else if (sub == "disable" || sub == "enable") {
    status = (*store)->SetDisabled(name, sub == "disable");
    done = sub + "d " + name;
  } else {
    status = (*store)->DropPrincipal(name);
    done = "dropped " + name;
  }
  if (!status.ok())
    return Fail("principal " + sub, status, true);
  std::printf("%s\n", done.c_str());
  return 0;
}

}  // namespace tessera::cli
