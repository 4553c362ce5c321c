#!/usr/bin/env python3
"""PostgreSQL mounts end to end: a real PostgreSQL 15 started by the test (initdb in a temporary
directory), mounted with `tessera mount add --postgres`, queried from `tessera sql` and over the
node's PostgreSQL port, joined with a local data product; types read back faithfully; the
query's filters run in PostgreSQL (its statement log shows them); the password never shows;
bad connection strings, a refused password and a stopped server give clear errors."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import meshlab  # noqa: E402
from meshlab import free_port  # noqa: E402
from pg_node import Node  # noqa: E402

TESSERA = os.environ["TESSERA_BIN"]


class Postgres(meshlab.Postgres):
    """PostgreSQL 15 for these tests (scripts/meshlab.py starts it in a temporary directory):
    password (SCRAM) authentication on TCP, every statement logged."""

    PASSWORD = "s3cret-pw"

    def __init__(self):
        super().__init__(password=self.PASSWORD, log_statements=True)

    def dsn(self, password=PASSWORD):
        return (f"host=127.0.0.1 port={self.port} dbname=postgres user=postgres "
                f"password={password} connect_timeout=10")

    def execute(self, sql):
        with psycopg2.connect(self.dsn()) as conn, conn.cursor() as cur:
            cur.execute(sql)

    def logged(self):
        with open(self.log) as f:
            return f.read()


def run(*args, data_dir, check=True):
    r = subprocess.run([TESSERA, *args, "--data-dir", data_dir], capture_output=True, text=True,
                       timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"tessera {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n"
                             f"{r.stderr}")
    return r


def rows(sql, data_dir):
    out = run("sql", sql, "--format", "json", data_dir=data_dir).stdout
    return json.loads(out)


class PostgresMountTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.pg = Postgres()
        cls.pg.execute("""
            CREATE SCHEMA geo;
            CREATE TABLE geo.airports (
              iata text PRIMARY KEY, name varchar(80), state char(2), elevation integer,
              runways smallint, passengers bigint, lat double precision, fee numeric(8,2),
              ratio real, open boolean, opened date, updated timestamptz, local_ts timestamp,
              id uuid, logo bytea, tags text[], note text);
            INSERT INTO geo.airports VALUES
              ('SEA', 'Seattle-Tacoma', 'WA', 433, 3, 50000000, 47.45, 12.50, 0.5, true,
               '1944-10-01', '2024-01-02 03:04:05+00', '2024-01-02 03:04:05',
               'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff10', '{a,b}',
               'quote " comma , newline
second line'),
              ('LAX', 'Los Angeles', 'CA', 125, 4, 75000000, 33.94, 9.99, 0.25, false,
               '1930-06-07', '2024-06-30 23:59:59.123+02', NULL, NULL, NULL, '{}', ''),
              ('JFK', NULL, 'NY', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL, NULL);
            CREATE VIEW geo.big AS SELECT iata, passengers FROM geo.airports
              WHERE passengers > 60000000;
        """)
        cls.data = os.path.join(cls.tmp, "data")
        run("mount", "add", "pg", "--postgres", cls.pg.dsn(), data_dir=cls.data)

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_tables_and_views_are_listed_without_the_password(self):
        listed = run("mount", "list", "--json", data_dir=self.data).stdout
        self.assertNotIn("s3cret-pw", listed)
        self.assertIn("postgres: ", listed)
        shown = json.loads(run("mount", "show", "pg", "--json", data_dir=self.data).stdout)
        names = [t["name"] for t in shown["tables"]]
        self.assertLessEqual({"pg.geo.airports", "pg.geo.big"}, set(names))
        self.assertEqual(names, sorted(names))
        self.assertNotIn("s3cret-pw", json.dumps(shown))

    def test_types_read_back_faithfully(self):
        [sea] = rows("SELECT * FROM pg.geo.airports WHERE iata = 'SEA'", self.data)
        self.assertEqual(sea["name"], "Seattle-Tacoma")
        self.assertEqual(sea["state"], "WA")
        self.assertEqual((sea["elevation"], sea["runways"], sea["passengers"]),
                         (433, 3, 50000000))
        self.assertEqual((sea["lat"], sea["fee"], sea["ratio"]), (47.45, 12.5, 0.5))
        self.assertIs(sea["open"], True)
        self.assertEqual(sea["opened"], "1944-10-01")
        self.assertTrue(sea["updated"].startswith("2024-01-02 03:04:05"), sea["updated"])
        self.assertEqual(sea["local_ts"], "2024-01-02 03:04:05")
        self.assertEqual(sea["id"], "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
        self.assertEqual(sea["tags"], "{a,b}")
        self.assertEqual(sea["note"], 'quote " comma , newline\nsecond line')
        types = {r["column_name"]: r["column_type"] for r in rows(
            "DESCRIBE SELECT * FROM pg.geo.airports", self.data)}
        self.assertEqual(types, {
            "iata": "VARCHAR", "name": "VARCHAR", "state": "VARCHAR", "elevation": "INTEGER",
            "runways": "SMALLINT", "passengers": "BIGINT", "lat": "DOUBLE",
            "fee": "DECIMAL(8,2)", "ratio": "FLOAT", "open": "BOOLEAN", "opened": "DATE",
            "updated": "TIMESTAMP WITH TIME ZONE", "local_ts": "TIMESTAMP", "id": "UUID",
            "logo": "BLOB", "tags": "VARCHAR", "note": "VARCHAR"})
        [logo] = rows("SELECT hex(logo) AS h, octet_length(logo) AS n FROM pg.geo.airports "
                      "WHERE iata = 'SEA'", self.data)
        self.assertEqual((logo["h"], logo["n"]), ("00FF10", 3))
        # NULL and the empty string stay apart.
        [lax] = rows("SELECT note = '' AS empty, local_ts IS NULL AS missing FROM "
                     "pg.geo.airports WHERE iata = 'LAX'", self.data)
        self.assertEqual((lax["empty"], lax["missing"]), (True, True))
        [jfk] = rows("SELECT note IS NULL AS n FROM pg.geo.airports WHERE iata = 'JFK'",
                     self.data)
        self.assertIs(jfk["n"], True)
        self.assertEqual(rows("SELECT iata FROM pg.geo.big", self.data), [{"iata": "LAX"}])

    def test_filters_and_columns_run_in_postgresql(self):
        self.assertEqual(rows("SELECT iata FROM pg.geo.airports WHERE passengers >= 60000000 "
                              "ORDER BY iata", self.data),
                         [{"iata": "LAX"}])
        copies = [line for line in self.pg.logged().splitlines() if "COPY (SELECT" in line]
        pushed = [line for line in copies if 'WHERE "passengers" >= 60000000' in line]
        self.assertTrue(pushed, copies[-3:])
        # Only the columns the query uses are read; the others are NULL placeholders.
        self.assertIn('"iata"', pushed[-1])
        self.assertNotIn('"name"', pushed[-1])
        self.assertNotIn('"elevation"', pushed[-1])
        # SELECT * reads them all.
        rows("SELECT * FROM pg.geo.airports WHERE passengers >= 60000001", self.data)
        copies = [line for line in self.pg.logged().splitlines() if "60000001" in line]
        self.assertIn('"elevation"', copies[-1])

    def test_join_with_a_local_product_over_the_sql_port(self):
        descriptor = os.path.join(self.tmp, "traffic.yaml")
        with open(descriptor, "w") as f:
            f.write("domain: ops\nname: traffic\nversion: 1.0.0\ntables:\n  - name: flights\n"
                    "    source:\n      sql: SELECT * FROM (VALUES ('SEA', 10), ('LAX', 20), "
                    "('SEA', 5)) t(origin, n)\n")
        run("apply", descriptor, data_dir=self.data)
        node = Node()
        node.data = self.data
        try:
            node.principal("ana", password="ana-pw", grants=["ops", "pg.geo.airports"])
            node.principal("bob", password="bob-pw", grants=["ops"])
            node.start()
            # In psycopg2's implicit transaction: the statement's views are created before it.
            with psycopg2.connect(node.dsn("ana", "ana-pw")) as conn, conn.cursor() as cur:
                cur.execute("SELECT a.state, sum(f.n) FROM ops.traffic.flights f "
                            "JOIN pg.geo.airports a ON a.iata = f.origin GROUP BY 1 ORDER BY 1")
                self.assertEqual(cur.fetchall(), [("CA", 20), ("WA", 15)])
            # bob holds no grant on the mount: its tables do not exist for him.
            with psycopg2.connect(node.dsn("bob", "bob-pw")) as conn, conn.cursor() as cur:
                with self.assertRaises(psycopg2.errors.UndefinedTable):
                    cur.execute("SELECT * FROM pg.geo.airports")
        finally:
            node.stop()
            for stream in (node.process.stdout, node.process.stderr) if node.process else ():
                stream.close()


    def test_a_data_product_built_from_the_mount(self):
        descriptor = os.path.join(self.tmp, "states.yaml")
        with open(descriptor, "w") as f:
            f.write("domain: geo\nname: states\nversion: 1.0.0\ntables:\n  - name: by_state\n"
                    "    source:\n      sql: SELECT state, count(*) AS airports FROM "
                    "pg.geo.airports GROUP BY state\n")
        report = json.loads(run("apply", descriptor, "--json", data_dir=self.data).stdout)
        self.assertEqual(report["lineage"], [{"table": "by_state", "input_kind": "mount",
                                              "input": "pg.geo.airports",
                                              "input_version": ""}])
        self.assertIn({"table": "by_state", "column": "state", "input": "pg.geo.airports",
                       "input_column": "state"}, report["column_lineage"])
        self.assertEqual(rows("SELECT * FROM geo.states.by_state ORDER BY state", self.data),
                         [{"state": "CA", "airports": 1}, {"state": "NY", "airports": 1},
                          {"state": "WA", "airports": 1}])
        tree = run("product", "lineage", "geo.states", data_dir=self.data).stdout
        self.assertIn("└── mount pg.geo.airports", tree)

    def test_serve_refreshes_a_product_built_from_the_mount(self):
        self.pg.execute("CREATE TABLE public.counter (n int); INSERT INTO public.counter "
                        "VALUES (1)")
        run("mount", "refresh", "pg", data_dir=self.data)
        descriptor = os.path.join(self.tmp, "counter.yaml")
        with open(descriptor, "w") as f:
            f.write("domain: ops\nname: counter\nversion: 1.0.0\ntables:\n  - name: total\n"
                    "    source:\n      sql: SELECT sum(n) AS total FROM pg.public.counter\n"
                    "refresh: 1s\n")
        run("apply", descriptor, data_dir=self.data)
        node = Node()
        node.data = self.data
        try:
            node.start()
            self.pg.execute("INSERT INTO public.counter VALUES (41)")
            deadline = time.monotonic() + 30
            total = None
            while time.monotonic() < deadline:
                total = rows("SELECT total FROM ops.counter.total", self.data)[0]["total"]
                if total == 42:
                    break
                time.sleep(0.3)
            self.assertEqual(total, 42, "the node did not refresh the product from the mount")
        finally:
            node.stop()
            for stream in (node.process.stdout, node.process.stderr) if node.process else ():
                stream.close()


class PostgresMountErrorsTest(unittest.TestCase):
    def test_bad_input_and_dead_servers(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            r = run("mount", "add", "x", "--postgres", "host=127.0.0.1 port= 'unterminated",
                    data_dir=data, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("connection string", r.stderr)
            port = free_port()
            start = time.monotonic()
            r = run("mount", "add", "x", "--postgres",
                    f"host=127.0.0.1 port={port} user=u password=hunter2", "--timeout", "5",
                    data_dir=data, check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("cannot connect to PostgreSQL", r.stderr)
            self.assertNotIn("hunter2", r.stderr)
            self.assertLess(time.monotonic() - start, 30)
            pg = Postgres()
            try:
                r = run("mount", "add", "x", "--postgres", pg.dsn("wrong-pw"), data_dir=data,
                        check=False)
                self.assertEqual(r.returncode, 1)
                self.assertIn("PostgreSQL refused the login", r.stderr)
                self.assertNotIn("wrong-pw", r.stderr)
                pg.execute("CREATE TABLE t (a int); INSERT INTO t VALUES (1)")
                run("mount", "add", "x", "--postgres", pg.dsn(), data_dir=data)
                self.assertEqual(rows("SELECT a FROM x.public.t", data), [{"a": 1}])
                pg.stop()
                r = run("sql", "SELECT a FROM x.public.t", data_dir=data, check=False)
                self.assertEqual(r.returncode, 1)
                self.assertIn("cannot connect to PostgreSQL", r.stderr)
                self.assertNotIn("s3cret-pw", r.stderr)
            finally:
                pg.stop()


if __name__ == "__main__":
    unittest.main()
