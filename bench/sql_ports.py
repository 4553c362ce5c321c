#!/usr/bin/env python3
"""SQL ports side by side (issue 4): tessera's PostgreSQL port and HTTP SQL API against DuckDB
in-process and a real PostgreSQL 15 holding the same 3M flights, read by the same clients.

usage: bench/sql_ports.py --tessera BIN --flights flights-3m.parquet --work DIR [--runs N]
Prints one table of best-of-N times and ratios (lower ratio = tessera faster)."""
import argparse
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PG_BIN = "/usr/lib/postgresql/15/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(fn, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return min(samples), samples


class Postgres:
    """PostgreSQL 15 in a temporary directory, run as the `postgres` user (initdb refuses root)."""

    def __init__(self, work):
        self.dir = os.path.join(work, "postgres")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        as_root = os.geteuid() == 0
        self.prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        if as_root:
            uid = pwd.getpwnam("postgres").pw_uid
            os.chown(self.dir, uid, -1)
            os.chmod(work, 0o755)
        subprocess.run(self.prefix + [f"{PG_BIN}/initdb", "-D", f"{self.dir}/data", "-A", "trust",
                                      "-U", "postgres"], check=True, capture_output=True)
        subprocess.run(self.prefix + [f"{PG_BIN}/pg_ctl", "-D", f"{self.dir}/data", "-l",
                                      f"{self.dir}/log", "-w", "-o",
                                      f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                                      "-c max_connections=64 -c shared_buffers=512MB", "start"],
                       check=True, capture_output=True)

    def psql(self, *args, stdin=None):
        return subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                               "postgres", "-d", "bench", "-v", "ON_ERROR_STOP=1", *args],
                              input=stdin, capture_output=True, check=True)

    def stop(self):
        subprocess.run(self.prefix + [f"{PG_BIN}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast",
                                      "stop"], capture_output=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tessera", required=True)
    parser.add_argument("--flights", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    data = os.path.join(args.work, "tessera-data")
    shutil.rmtree(data, ignore_errors=True)
    tessera = args.tessera
    run = lambda *a, **k: subprocess.run([tessera, *a, "--data-dir", data], check=True,
                                         capture_output=True, **k)

    print("== loading 3M flights into tessera and PostgreSQL 15", file=sys.stderr)
    run("table", "create", "bench.flights.trips", "--file", args.flights)
    run("principal", "create", "bench", "--admin", "--password-stdin", input=b"bench-pw\n")
    token = run("principal", "token", "bench").stdout.decode().strip()
    csv_path = os.path.join(args.work, "flights.csv")
    run("sql", f"COPY (SELECT * FROM read_parquet('{args.flights}')) TO '{csv_path}' "
               "(FORMAT csv, HEADER false)")
    columns = run("sql", "--format", "csv",
                  f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                  f"read_parquet('{args.flights}'))").stdout.decode().splitlines()[1:]
    pg_types = {"TIMESTAMP": "timestamp", "INTEGER": "integer", "BIGINT": "bigint",
                "VARCHAR": "text", "DOUBLE": "double precision", "SMALLINT": "smallint"}
    ddl = ", ".join(f'"{c.split(",")[0]}" {pg_types.get(c.split(",")[1], "text")}' for c in columns)

    pg = Postgres(args.work)
    node = None
    try:
        subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres",
                        "-c", "CREATE DATABASE bench"], check=True, capture_output=True)
        pg.psql("-c", f"CREATE SCHEMA flights; CREATE TABLE flights.trips ({ddl})")
        with open(csv_path, "rb") as f:
            subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(pg.port), "-U",
                            "postgres", "-d", "bench", "-c",
                            "\\copy flights.trips FROM STDIN (FORMAT csv)"],
                           stdin=f, check=True, capture_output=True)
        pg.psql("-c", "CREATE INDEX ON flights.trips (origin)")
        pg.psql("-c", "VACUUM ANALYZE flights.trips")

        node = subprocess.Popen([tessera, "serve", "--data-dir", data, "--pg", "127.0.0.1:0",
                                 "--http", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
        tessera_port = http_port = None
        for line in node.stdout:
            m = re.match(r"(pg|http): 127\.0\.0\.1:(\d+)", line)
            if m and m.group(1) == "pg":
                tessera_port = int(m.group(2))
            elif m:
                http_port = int(m.group(2))
            if line.startswith("tessera: serving"):
                break
        env_t = dict(os.environ, PGPASSWORD="bench-pw")
        query = "SELECT * FROM flights.trips"

        def psql_copy(port, user, env=None):
            subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", user,
                            "-d", "bench", "-c", f"\\copy ({query}) TO '/dev/null'"],
                           check=True, env=env)

        def duckdb_copy():
            run("sql", f"COPY (SELECT * FROM bench.flights.trips) TO '/dev/null' (FORMAT csv)")

        rows = []
        print("== bulk read: psql \\copy of 3M rows", file=sys.stderr)
        ours, s1 = timed(lambda: psql_copy(tessera_port, "bench", env_t), args.runs)
        theirs, s2 = timed(lambda: psql_copy(pg.port, "postgres"), args.runs)
        duck, s3 = timed(duckdb_copy, args.runs)
        print(f"   samples tessera {s1} postgres {s2} duckdb {s3}", file=sys.stderr)
        rows.append(("psql \\copy 3M rows: tessera vs PostgreSQL 15", ours, theirs, "< 1.0x"))
        rows.append(("psql \\copy 3M rows: tessera vs DuckDB COPY csv in-process", ours, duck,
                     "info"))

        import psycopg2

        def psycopg_read(dsn):
            conn = psycopg2.connect(dsn)
            with conn.cursor(name="bulk") as cur:
                cur.itersize = 10000
                cur.execute(query)
                n = sum(1 for _ in cur)
            conn.close()
            assert n == 3000000, n

        print("== bulk read: psycopg2 server-side cursor", file=sys.stderr)
        ours, s1 = timed(lambda: psycopg_read(
            f"host=127.0.0.1 port={tessera_port} user=bench password=bench-pw dbname=bench"),
            args.runs)
        theirs, s2 = timed(lambda: psycopg_read(
            f"host=127.0.0.1 port={pg.port} user=postgres dbname=bench"), args.runs)
        print(f"   samples tessera {s1} postgres {s2}", file=sys.stderr)
        rows.append(("psycopg2 named cursor 3M rows: tessera vs PostgreSQL 15", ours, theirs,
                     "< 1.0x"))

        scripts = {
            # Full-table aggregates: what analytical consumers run.
            "aggregate": "SELECT origin, count(*), avg(delay) FROM flights.trips GROUP BY origin;\n",
            # Selective lookups: PostgreSQL answers them from its index on origin.
            "point": "\\set d random(1, 28)\n"
                     "SELECT count(*), max(delay) FROM flights.trips "
                     "WHERE origin = 'SEA' AND delay > :d;\n",
        }

        def pgbench(port, user, script, env=None):
            r = subprocess.run(["pgbench", "-n", "-h", "127.0.0.1", "-p", str(port), "-U", user,
                                "-c", "16", "-j", "2", "-T", str(args.pgbench_seconds), "-f",
                                script, "bench"], capture_output=True, text=True, env=env,
                               check=True)
            return float(re.search(r"tps = ([\d.]+)", r.stdout).group(1))

        for name, text in scripts.items():
            script = os.path.join(args.work, f"pgbench-{name}.sql")
            with open(script, "w") as f:
                f.write(text)
            print(f"== pgbench: 16 clients, {name} queries", file=sys.stderr)
            ours_qps = pgbench(tessera_port, "bench", script, env_t)
            theirs_qps = pgbench(pg.port, "postgres", script)
            target = ">= 1.0x qps" if name == "aggregate" else "info qps"
            rows.append((f"pgbench 16 clients, {name} queries/s: tessera vs PostgreSQL 15",
                         ours_qps, theirs_qps, target))

        if http_port:
            def http_csv():
                req = urllib.request.Request(
                    f"http://127.0.0.1:{http_port}/api/v1/sql?format=csv",
                    data=json.dumps({"sql": "SELECT * FROM bench.flights.trips"}).encode(),
                    headers={"Authorization": f"Bearer {token}",
                             "Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=600) as resp:
                    while resp.read(1 << 20):
                        pass

            print("== HTTP SQL: CSV of 3M rows", file=sys.stderr)
            ours, s1 = timed(http_csv, args.runs)
            duck, s2 = timed(duckdb_copy, args.runs)
            print(f"   samples http {s1} duckdb {s2}", file=sys.stderr)
            rows.append(("HTTP SQL CSV 3M rows: tessera vs DuckDB COPY csv", ours, duck,
                         "<= 1.3x"))

        print(f"{'benchmark':<72} {'ours':>10} {'peer':>10} {'ratio':>7}  target")
        for name, ours, peer, target in rows:
            if "qps" in target:
                ratio = ours / peer
                print(f"{name:<72} {ours:>8.0f}/s {peer:>8.0f}/s {ratio:>6.2f}x  {target}")
            else:
                ratio = ours / peer
                print(f"{name:<72} {ours * 1000:>8.0f}ms {peer * 1000:>8.0f}ms {ratio:>6.2f}x  "
                      f"{target}")
    finally:
        if node is not None:
            node.send_signal(signal.SIGTERM)
            node.wait(timeout=60)
        pg.stop()


if __name__ == "__main__":
    main()
