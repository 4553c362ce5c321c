"""Processes of a tessera mesh on one machine: tessera nodes and a PostgreSQL 15 server, started
and stopped by the demo (scripts/demo), the mesh end-to-end test and the mesh benchmark.

Standard library only: the demo must run on what scripts/bootstrap installs."""
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile

PG_BIN = "/usr/lib/postgresql/15/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CommandFailed(RuntimeError):
    pass


class Node:
    """One tessera node: a data directory, its CLI, and `tessera serve` once started."""

    def __init__(self, tessera, name, data_dir):
        self.tessera = tessera
        self.name = name
        self.data_dir = data_dir
        self.process = None
        self.http_port = None
        self.pg_port = None

    def run(self, *args, stdin=None, check=True, timeout=600, env=None):
        r = subprocess.run([self.tessera, *args, "--data-dir", self.data_dir], input=stdin,
                           capture_output=True, text=True, timeout=timeout, env=env)
        if check and r.returncode != 0:
            raise CommandFailed(f"[{self.name}] tessera {' '.join(args)} exited {r.returncode}:\n"
                                f"{r.stdout}{r.stderr}")
        return r

    def serve(self, pg=False, extra=()):
        """Starts `tessera serve` on free ports; returns when it reports them."""
        args = [self.tessera, "serve", "--data-dir", self.data_dir, "--http", "127.0.0.1:0"]
        args += ["--pg", "127.0.0.1:0"] if pg else ["--no-pg"]
        self.process = subprocess.Popen(args + list(extra), stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        for line in self.process.stdout:
            m = re.match(r"(pg|http): 127\.0\.0\.1:(\d+)", line)
            if m and m.group(1) == "pg":
                self.pg_port = int(m.group(2))
            elif m:
                self.http_port = int(m.group(2))
            if line.startswith("tessera: serving"):
                return self
        raise CommandFailed(f"[{self.name}] tessera serve stopped: {self.process.stderr.read()}")

    @property
    def sharing_endpoint(self):
        return f"http://127.0.0.1:{self.http_port}/delta-sharing"

    def stop(self, kill=False):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            stream.close()
        self.process = None


class Postgres:
    """PostgreSQL 15 in a temporary directory (initdb, pg_ctl), password (SCRAM) authentication
    on 127.0.0.1. As root it runs as the `postgres` user, since initdb refuses root."""

    def __init__(self, password, log_statements=False):
        self.password = password
        self.dir = tempfile.mkdtemp(prefix="tessera-postgres-")
        self.port = free_port()
        as_root = os.geteuid() == 0
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(password + "\n")
        if as_root:
            uid = pwd.getpwnam("postgres").pw_uid
            for path in (self.dir, pwfile):
                os.chown(path, uid, -1)
        self._pg([f"{PG_BIN}/initdb", "-D", f"{self.dir}/data", "-A", "scram-sha-256", "-U",
                  "postgres", f"--pwfile={pwfile}", "--no-sync"])
        os.remove(pwfile)
        self.log = f"{self.dir}/log"
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        if log_statements:
            options += " -c log_statement=all"
        self._pg([f"{PG_BIN}/pg_ctl", "-D", f"{self.dir}/data", "-l", self.log, "-w", "-o",
                  options, "start"])

    def _pg(self, args):
        r = subprocess.run(self.prefix + args, capture_output=True, text=True)
        if r.returncode != 0:
            raise CommandFailed(f"{' '.join(args)} exited {r.returncode}: {r.stdout}{r.stderr}")

    def conninfo(self, dbname="postgres"):
        return (f"host=127.0.0.1 port={self.port} dbname={dbname} user=postgres "
                f"password={self.password} connect_timeout=10")

    def psql(self, *args, dbname="postgres"):
        """Runs psql (the client from postgresql-client-15) against the server."""
        env = dict(os.environ, PGPASSWORD=self.password)
        r = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                            str(self.port), "-U", "postgres", "-d", dbname, *args],
                           capture_output=True, text=True, env=env, timeout=300)
        if r.returncode != 0:
            raise CommandFailed(f"psql {' '.join(args)} exited {r.returncode}: {r.stderr}")
        return r.stdout

    def stop(self):
        if self.dir is None:
            return
        subprocess.run(self.prefix + [f"{PG_BIN}/pg_ctl", "-D", f"{self.dir}/data", "-m",
                                      "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
