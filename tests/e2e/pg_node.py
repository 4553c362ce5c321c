"""A tessera node with a PostgreSQL port, started for a test: data, principals, and the process."""
import os
import re
import signal
import subprocess
import tempfile

TESSERA = os.environ["TESSERA_BIN"]


def tessera(*args, data_dir, stdin=None, check=True):
    r = subprocess.run([TESSERA, *args, "--data-dir", data_dir], input=stdin,
                       capture_output=True, text=True, timeout=300)
    if check and r.returncode != 0:
        raise RuntimeError(f"tessera {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r


class Node:
    """Creates tables and principals, starts `tessera serve --pg 127.0.0.1:0`, stops it."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")
        self.process = None
        self.pg_port = None
        self.http_port = None

    def sql(self, *args):
        return tessera(*args, data_dir=self.data)

    def principal(self, name, password=None, grants=(), admin=False):
        args = ["principal", "create", name]
        if admin:
            args.append("--admin")
        if password is not None:
            args.append("--password-stdin")
        tessera(*args, data_dir=self.data, stdin=(password + "\n") if password else None)
        for grant in grants:
            tessera("principal", "grant", name, grant, data_dir=self.data)

    def create_demo(self, regions=True):
        """The dataset the SQL-port tests share: demo.sales.orders (and .regions), and
        demo.hr.salaries; alice may read demo.sales, bob demo.hr.salaries, root is an admin."""
        self.sql("table", "create", "demo.sales.orders", "--from",
                 "SELECT range AS id, ['eu','us','apac'][range % 3 + 1] AS region, "
                 "(range * 1.25)::DECIMAL(12,2) AS amount, "
                 "TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_hours(range) AS ts FROM range(1000)")
        if regions:
            self.sql("table", "create", "demo.sales.regions", "--from",
                     "SELECT * FROM (VALUES ('eu', 'Europe'), ('us', 'United States'), "
                     "('apac', 'Asia Pacific')) t(code, name)")
        self.sql("table", "create", "demo.hr.salaries", "--from",
                 "SELECT 1 AS id, 100000 AS salary")
        self.principal("alice", password="alice-pw", grants=["demo.sales"])
        self.principal("bob", password="bob-pw", grants=["demo.hr.salaries"])
        self.principal("root", password="root-pw", admin=True)

    def token(self, name):
        return tessera("principal", "token", name, data_dir=self.data).stdout.strip()

    def start(self, *extra):
        self.process = subprocess.Popen(
            [TESSERA, "serve", "--data-dir", self.data, "--pg", "127.0.0.1:0", "--http",
             "127.0.0.1:0", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in self.process.stdout:
            m = re.match(r"(pg|http): 127\.0\.0\.1:(\d+)", line)
            if m and m.group(1) == "pg":
                self.pg_port = int(m.group(2))
            elif m:
                self.http_port = int(m.group(2))
            if line.startswith("tessera: serving"):
                break
        if self.pg_port is None:
            raise RuntimeError("tessera serve did not report its pg port: " +
                               self.process.stderr.read())

    def dsn(self, user, password, dbname="demo"):
        return (f"host=127.0.0.1 port={self.pg_port} user={user} password={password} "
                f"dbname={dbname} connect_timeout=10")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.tmp.cleanup()
