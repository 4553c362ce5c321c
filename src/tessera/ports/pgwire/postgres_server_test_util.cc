#include "tessera/ports/pgwire/postgres_server_test_util.h"

#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <sys/wait.h>

namespace tessera::ports::pgwire::testing {
namespace {

// Run a shell command; return its exit status and combined output.
std::pair<int, std::string> Run(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr)
    return {-1, "popen failed"};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    output.append(buffer, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  const char* env_bin = std::getenv("TESSERA_PG_BIN");
  std::filesystem::path bin = env_bin != nullptr ? env_bin : "/usr/lib/postgresql/15/bin";
  if (!std::filesystem::exists(bin / "initdb"))
    return Status::IoError("PostgreSQL binaries not found in " + bin.string() +
                           " (set TESSERA_PG_BIN)");
  char pattern[] = "/tmp/tessera-pg-XXXXXX";
  if (mkdtemp(pattern) == nullptr)
    return Status::IoError("mkdtemp failed");
  std::unique_ptr<PostgresServer> server(new PostgresServer(bin, pattern));
  const std::string dir = server->dir_.string();
  // initdb refuses to run as root: run the server as the postgres user, who must own the dir.
  std::string as_user;
  if (geteuid() == 0) {
    struct passwd* user = getpwnam("postgres");
    if (user == nullptr)
      return Status::IoError("running as root and there is no postgres user");
    if (chown(dir.c_str(), user->pw_uid, user->pw_gid) != 0)
      return Status::IoError("cannot chown " + dir);
    as_user = "runuser -u postgres -- ";
  }
  auto [init_status, init_output] = Run(as_user + (bin / "initdb").string() + " -D " + dir +
                                        "/data -A trust -U postgres -E UTF8 --locale=C --no-sync");
  if (init_status != 0)
    return Status::IoError("initdb failed: " + init_output);
  auto [start_status, start_output] =
      Run(as_user + (bin / "pg_ctl").string() + " -D " + dir + "/data -l " + dir +
          "/server.log -w -t 30 -o \"-k " + dir + " -c listen_addresses='' -F\" start");
  if (start_status != 0)
    return Status::IoError("pg_ctl start failed: " + start_output + ReadAll(dir + "/server.log"));
  server->started_ = true;
  return server;
}

PostgresServer::~PostgresServer() {
  const std::string dir = dir_.string();
  if (started_) {
    std::string as_user = geteuid() == 0 ? "runuser -u postgres -- " : "";
    Run(as_user + (bin_ / "pg_ctl").string() + " -D " + dir + "/data -m immediate -w stop");
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Result<std::string> PostgresServer::Psql(const std::string& sql) const {
  const std::string file = (dir_ / "query.sql").string();
  {
    std::ofstream out(file, std::ios::trunc);
    out << sql;
  }
  // Output only (no stderr) so that NOTICEs cannot end up among the results.
  std::string command = (bin_ / "psql").string() + " -X -q -A -t -v ON_ERROR_STOP=1 -h " +
                        dir_.string() + " -U postgres -d postgres -f " + file;
  std::string output;
  FILE* pipe = popen((command + " 2>" + dir_.string() + "/psql.err").c_str(), "r");
  if (pipe == nullptr)
    return Status::IoError("popen failed");
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    output.append(buffer, n);
  int status = pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Status::IoError("psql failed: " + ReadAll(dir_ / "psql.err") + output);
  return output;
}

}  // namespace tessera::ports::pgwire::testing
