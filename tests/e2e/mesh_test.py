#!/usr/bin/env python3
"""The mesh end to end, as `make demo` builds it: nodes east and west each own half of the real
3M-row 2001 US flights and share it; a real PostgreSQL 15 holds the airports; node hub mounts
the two shares and the database and publishes analytics.delay_by_state from them.

Covers: the derived product and a live three-way join equal DuckDB over the original files (from
`tessera sql`, psql's wire protocol and the HTTP API); a one-month filter fetches one partition
file of three; a repeated join downloads nothing; a revoked token gives the server's 401; a
server that hangs, then dies, in the middle of a query gives an error within the mount's
timeout, and the next query after a restart works."""
import csv
import io
import json
import os
import signal
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

import psycopg2

SOURCE = os.environ.get("TESSERA_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
                            __file__)))))
sys.path.insert(0, os.path.join(SOURCE, "scripts"))
from mesh import Mesh  # noqa: E402

TESSERA = os.environ["TESSERA_BIN"]
FLIGHTS = os.path.join(SOURCE, ".deps/data/flights-3m.parquet")
AIRPORTS = os.path.join(SOURCE, ".deps/data/airports.csv")

# The live join: both halves and the airports, for the states of the west coast.
JOIN = ("SELECT a.state, count(*) AS flights, sum(f.delay) AS delay "
        "FROM (SELECT origin, delay FROM east.h1.flights UNION ALL "
        "SELECT origin, delay FROM west.h2.flights) AS f "
        "JOIN airports.public.airports AS a ON a.iata = f.origin "
        "WHERE a.state IN ('CA', 'OR', 'WA') GROUP BY a.state ORDER BY a.state")
DIRECT_JOIN = ("SELECT a.state, count(*), sum(f.delay) FROM read_parquet('{}') AS f "
               "JOIN read_csv('{}') AS a ON a.iata = f.origin WHERE a.state IN ('CA', 'OR', "
               "'WA') GROUP BY a.state ORDER BY a.state").format(FLIGHTS, AIRPORTS)


def tree_bytes(path):
    total = 0
    for folder, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(folder, f)) for f in files)
    return total


@unittest.skipUnless(os.path.exists(FLIGHTS), "scripts/bootstrap fetches the flights data")
class MeshTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.tmp = tempfile.TemporaryDirectory()
        cls.mesh = Mesh(TESSERA, cls.tmp.name, FLIGHTS, AIRPORTS)
        try:
            cls.mesh.build()
            cls.hub = cls.mesh.hub
            cls.hub.run("principal", "create", "root", "--admin", "--password-stdin",
                        stdin="root-pw\n")
            cls.token = cls.hub.run("principal", "token", "root").stdout.strip()
            cls.hub.serve(pg=True)
        except BaseException:
            cls.mesh.stop()
            cls.tmp.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.mesh.stop()
        cls.tmp.cleanup()

    def cli_rows(self, sql, node=None):
        out = (node or self.hub).run("sql", "--format", "csv", sql).stdout
        return list(csv.reader(io.StringIO(out)))[1:]

    def http(self, sql, timeout=120):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.hub.http_port}/api/v1/sql", data=sql.encode(),
            headers={"Authorization": "Bearer " + self.token, "Content-Type": "application/sql",
                     "Accept": "text/csv"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def test_01_the_product_equals_duckdb_over_the_original_files(self):
        product_rows, direct_rows, differing = self.mesh.check_against_duckdb()
        self.assertEqual(differing, 0)
        self.assertEqual(product_rows, direct_rows)
        self.assertGreater(product_rows, 300)
        # Lineage names the three mounts it was built from.
        lineage = json.loads(self.hub.run("product", "lineage", "analytics.delay_by_state",
                                          "--format", "json").stdout)
        self.assertEqual(sorted(n["id"] for n in lineage["nodes"] if n["kind"] == "mount"),
                         ["airports.public.airports", "east.h1.flights", "west.h2.flights"])
        # Every flight is in exactly one half.
        self.assertEqual(self.cli_rows("SELECT (SELECT count(*) FROM east.h1.flights) + "
                                       "(SELECT count(*) FROM west.h2.flights)"), [["3000000"]])

    def test_02_a_live_three_way_join_is_right_on_every_port(self):
        expected = self.cli_rows(DIRECT_JOIN)
        self.assertEqual(len(expected), 3)
        self.assertEqual(self.cli_rows(JOIN), expected)
        with psycopg2.connect(host="127.0.0.1", port=self.hub.pg_port, user="root",
                              password="root-pw", dbname="analytics") as conn:
            with conn.cursor() as cur:
                cur.execute(JOIN)
                self.assertEqual([[str(v) for v in row] for row in cur.fetchall()], expected)
        code, body = self.http(JOIN)
        self.assertEqual(code, 200, body)
        self.assertEqual(list(csv.reader(io.StringIO(body)))[1:], expected)

    def test_03_the_repeated_join_downloads_nothing(self):
        self.cli_rows(JOIN)
        cache = os.path.join(self.hub.data_dir, "cache", "shares")
        before = {m: tree_bytes(os.path.join(cache, m, "files")) for m in ("east", "west")}
        self.assertTrue(all(before.values()), before)
        self.assertEqual(self.http(JOIN)[0], 200)
        self.cli_rows(JOIN)
        self.assertEqual({m: tree_bytes(os.path.join(cache, m, "files")) for m in before},
                         before)

    def test_04_a_one_month_filter_fetches_one_partition_file(self):
        profile = os.path.join(self.hub.data_dir, "east.share")
        self.hub.run("mount", "add", "pushed", "--profile", profile)
        files = os.path.join(self.hub.data_dir, "cache", "shares", "pushed", "files")
        try:
            self.assertEqual(self.cli_rows("SELECT count(*) FROM pushed.h1.flights "
                                           "WHERE month = 2"),
                             self.cli_rows(f"SELECT count(*) FROM read_parquet('{FLIGHTS}') "
                                           "WHERE month(date) = 2"))
            self.assertEqual(len(os.listdir(files)), 1)
            one_month = tree_bytes(files)
            self.assertEqual(self.cli_rows("SELECT count(*) FROM pushed.h1.flights"),
                             [["1477911"]])
            self.assertEqual(len(os.listdir(files)), 3)
            self.assertGreater(tree_bytes(files), 2 * one_month)
        finally:
            self.hub.run("mount", "remove", "pushed")

    def test_04a_a_plain_limit_is_sent_as_limit_hint_so_one_file_is_fetched(self):
        profile = os.path.join(self.hub.data_dir, "east.share")
        self.hub.run("mount", "add", "limited", "--profile", profile)
        files = os.path.join(self.hub.data_dir, "cache", "shares", "limited", "files")
        try:
            out = self.hub.run("sql", "--format", "csv",
                               "SELECT * FROM limited.h1.flights LIMIT 10").stdout
            self.assertEqual(len(out.splitlines()), 11)
            self.assertEqual(len(os.listdir(files)), 1)
            # With an ORDER BY every file is needed (the answer must be the true first ten).
            ordered = ("SELECT date, delay, origin FROM {} ORDER BY date, delay, origin, "
                       "destination, distance LIMIT 10")
            self.assertEqual(self.cli_rows(ordered.format("limited.h1.flights")),
                             self.cli_rows(ordered.format(
                                 f"read_parquet('{FLIGHTS}') WHERE date < TIMESTAMP "
                                 "'2001-04-01'")))
            self.assertEqual(len(os.listdir(files)), 3)
        finally:
            self.hub.run("mount", "remove", "limited")

    def test_04b_new_rows_flow_through_the_mesh_incrementally(self):
        # East lands 1% more flights in a new file: its apply reads just that file.
        self.mesh.land_more("east", 30000)
        east = self.mesh.apply("east")
        [flights] = east["tables"]
        self.assertEqual((flights["mode"], flights["added_rows"], flights["read_changes"]),
                         ("append", 30000, "1 new file"))
        self.assertEqual(flights["rows"], flights["previous_rows"] + 30000)
        # Hub reads only what east appended (its change feed) and appends it; the aggregate
        # over it is rebuilt, and says why.
        cache = os.path.join(self.hub.data_dir, "cache", "shares", "east", "files")
        cached = tree_bytes(cache)
        hub = {t["name"]: t for t in self.mesh.apply("hub")["tables"]}
        self.assertEqual(hub["flights"]["mode"], "append")
        self.assertEqual(hub["flights"]["added_rows"], 30000)
        self.assertIn("east.h1.flights version", hub["flights"]["read_changes"])
        self.assertIn("west.h2.flights unchanged", hub["flights"]["read_changes"])
        self.assertEqual(hub["delay_by_state"]["mode"], "full")
        self.assertIn("GROUP BY", hub["delay_by_state"]["full_because"])
        fetched = tree_bytes(cache) - cached
        self.assertGreater(fetched, 0)
        self.assertLess(fetched, cached / 10)  # the new file only
        product_rows, direct_rows, differing = self.mesh.check_against_duckdb()
        self.assertEqual((differing, product_rows), (0, direct_rows))
        self.assertEqual(self.cli_rows("SELECT count(*) FROM analytics.delay_by_state.flights"),
                         [["3030000"]])
        # Nothing new: nothing read, nothing written.
        again = {t["name"]: t for t in self.mesh.apply("hub")["tables"]}
        self.assertEqual(again["flights"]["mode"], "unchanged")
        self.assertEqual(again["flights"]["delta_version"], hub["flights"]["delta_version"])
        # A full rebuild on demand gives the same answer.
        full = {t["name"]: t for t in self.mesh.apply("hub", "--full")["tables"]}
        self.assertEqual(full["flights"]["mode"], "full")
        self.assertEqual(full["flights"]["rows"], 3030000)
        self.assertEqual(self.mesh.check_against_duckdb()[2], 0)
        # East rewrites its table (a full rebuild): its change feed now deletes and re-adds
        # rows, which an append cannot follow, so hub rebuilds and says why.
        self.assertEqual(self.mesh.apply("east", "--full")["tables"][0]["mode"], "full")
        rebuilt = {t["name"]: t for t in self.mesh.apply("hub")["tables"]}
        self.assertEqual(rebuilt["flights"]["mode"], "full")
        self.assertEqual(rebuilt["flights"]["full_because"],
                         "a remote table east.h1.flights: version 2 changed rows other than by "
                         "appending (its change feed has remove lines)")
        self.assertEqual(self.mesh.check_against_duckdb()[2], 0)

    def test_05_a_revoked_token_gives_the_servers_401(self):
        east = self.mesh.nodes["east"]
        east.run("recipient", "revoke", "hub")
        try:
            time.sleep(2.5)  # a table's file list is reused for 2 s
            code, body = self.http("SELECT count(*) FROM east.h1.flights")
            self.assertGreaterEqual(code, 400, body)
            self.assertIn("401", body)
            self.assertIn(east.sharing_endpoint, body)
        finally:
            # A new token for hub, and the mount again with it.
            profile = os.path.join(self.hub.data_dir, "east.share")
            east.run("recipient", "profile", "hub", "--output", profile, "--endpoint",
                     east.sharing_endpoint)
            self.hub.run("mount", "remove", "east")
            self.hub.run("mount", "add", "east", "--profile", profile)
        self.assertEqual(self.http("SELECT count(*) FROM east.h1.flights")[0], 200)

    def test_06_a_server_that_hangs_then_dies_mid_query_gives_an_error_in_time(self):
        west = self.mesh.nodes["west"]
        profile = os.path.join(self.hub.data_dir, "west.share")
        self.hub.run("mount", "add", "slow", "--profile", profile, "--timeout", "4")
        try:
            # Hung: the connection is accepted (by the kernel), no answer ever comes.
            west.process.send_signal(signal.SIGSTOP)
            started = time.monotonic()
            code, body = self.http("SELECT count(*) FROM slow.h2.flights")
            elapsed = time.monotonic() - started
            self.assertGreaterEqual(code, 400, body)
            self.assertIn("did not answer in time", body)
            self.assertLess(elapsed, 20)
            # Dies while the next query waits for its answer.
            result = {}
            query = threading.Thread(target=lambda: result.update(
                answer=self.http("SELECT count(*) FROM slow.h2.flights WHERE month = 5")))
            started = time.monotonic()
            query.start()
            time.sleep(1)
            west.process.send_signal(signal.SIGKILL)
            query.join(timeout=60)
            self.assertFalse(query.is_alive())
            code, body = result["answer"]
            self.assertGreaterEqual(code, 400, body)
            self.assertIn("sharing server", body)
            self.assertLess(time.monotonic() - started, 20)
            # The owner comes back (on a new port): a new profile, and the query works.
            west.stop()
            west.serve()
            west.run("recipient", "profile", "hub", "--output", profile, "--endpoint",
                     west.sharing_endpoint)
            self.hub.run("mount", "remove", "slow")
            self.hub.run("mount", "add", "slow", "--profile", profile)
            self.assertEqual(self.cli_rows("SELECT count(*) FROM slow.h2.flights WHERE "
                                           "month = 5"), [["518831"]])
        finally:
            self.hub.run("mount", "remove", "slow", check=False)


@unittest.skipUnless(os.path.exists(FLIGHTS), "scripts/bootstrap fetches the flights data")
class DemoTest(unittest.TestCase):
    """`make demo` itself (scripts/demo): it runs to the end, checks its own answer, reaches
    the product over psql, HTTP and Delta Sharing, and leaves no process behind."""

    def test_the_demo_runs_and_checks_itself(self):
        import subprocess
        import tempfile
        with tempfile.TemporaryDirectory() as work:
            data = os.path.join(work, "demo-data")
            r = subprocess.run([sys.executable, os.path.join(SOURCE, "scripts", "demo"),
                                "--tessera", TESSERA, "--data", data],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
            self.assertIn("none differs from DuckDB's answer", r.stdout)
            self.assertIn("still equal to DuckDB", r.stdout)
            self.assertIn("+30000 rows, read incrementally", r.stdout)
            self.assertIn("(7 rows)", r.stdout)  # psql's answer: one row per month
            self.assertIn('"share":"analytics_delay_by_state"', r.stdout)
            # Every node it started is gone.
            left = subprocess.run(["pgrep", "-f", data], capture_output=True, text=True)
            self.assertEqual(left.stdout.strip(), "")


if __name__ == "__main__":
    unittest.main()
