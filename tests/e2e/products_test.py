#!/usr/bin/env python3
"""Data products end to end: `tessera apply` of the examples/ products over the real 3M-row
flights data, re-applies with new data, contracts that block publishing, schema versioning,
lineage across three products, the products on the PostgreSQL port, and SIGKILL during apply.

Knobs (environment): TESSERA_APPLY_KILLS (default 8), TESSERA_CRASH_SEED (to replay a run).
"""
import http.server
import json
import os
import threading
import urllib.error
import urllib.request
import uuid
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

import jsonschema
import psycopg2
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg_node import Node, tessera  # noqa: E402

TESSERA = os.environ["TESSERA_BIN"]
SOURCE = os.path.abspath(os.environ.get("TESSERA_SOURCE_DIR",
                                        os.path.join(os.path.dirname(__file__), "..", "..")))
EXAMPLES = os.path.join(SOURCE, "examples")
DATA = os.path.join(SOURCE, ".deps", "data")
KILLS = int(os.environ.get("TESSERA_APPLY_KILLS", "8"))
SEED = int(os.environ.get("TESSERA_CRASH_SEED", random.randrange(1 << 32)))


def run(*args, data_dir, check=True):
    r = subprocess.run([TESSERA, *args, "--data-dir", data_dir], capture_output=True, text=True,
                       timeout=300)
    if check and r.returncode != 0:
        raise AssertionError(f"tessera {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n"
                             f"{r.stderr}")
    return r


def scalar(sql, data_dir):
    out = run("sql", sql, "--format", "csv", data_dir=data_dir).stdout.strip().splitlines()
    return out[1] if len(out) > 1 else None


def catalog_rows(data_dir):
    """Every row of every product table of catalog.db, to compare states exactly."""
    db = sqlite3.connect(os.path.join(data_dir, "catalog.db"))
    try:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'product_%' "
            "ORDER BY name")]
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}
    finally:
        db.close()


def delta_logs(data_dir):
    out = []
    for root, _, files in os.walk(os.path.join(data_dir, "tables")):
        if root.endswith("_delta_log"):
            out.extend(os.path.join(root, f) for f in files)
    return sorted(out)


AIRPORTS = """domain: geo
name: airports
version: {version}
tables:
  - name: airports
    source:
      files: airports.csv
    columns:
      - name: iata
        type: varchar
        primary_key: true
      - name: state
        type: varchar
{extra}contract:
  rules:
    - type: accepted_values
      column: state
      values: [WA, CA, NY, TX]
"""


class ExamplesTest(unittest.TestCase):
    """The three example products over the real data, applied in dependency order."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "data")
        cls.reports = {}
        for name in ("airports", "flights", "delay_by_airport"):
            r = run("apply", os.path.join(EXAMPLES, name, "product.yaml"), "--json",
                    data_dir=cls.data)
            cls.reports[name] = json.loads(r.stdout)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_examples_publish_with_every_rule_run(self):
        flights = self.reports["flights"]
        self.assertTrue(flights["published"])
        self.assertEqual([(t["name"], t["rows"]) for t in flights["tables"]],
                         [("flights", 3000000), ("monthly", 7)])
        rules = {r["name"]: (r["passed"], r["violations"]) for r in flights["rules"]}
        self.assertEqual(rules["references_flights_origin"], (True, 0))
        self.assertEqual(rules["row_count_flights"], (True, 0))
        self.assertEqual(len(rules), 7)  # 5 in the contract, 2 from nullable: false
        listed = json.loads(run("product", "list", "--json", data_dir=self.data).stdout)
        self.assertEqual([(p["product"], p["version"], p["tables"]) for p in listed],
                         [("analytics.delay_by_airport", "1.0.0", 1),
                          ("flights.by_month", "1.0.0", 2),
                          ("reference.airports", "1.0.0", 1)])

    def test_derived_product_equals_duckdb_over_the_original_files(self):
        ours = run("sql", "SELECT iata, state, flights, avg_delay FROM "
                   "analytics.delay_by_airport.delay_by_airport ORDER BY iata", "--format", "csv",
                   data_dir=self.data).stdout
        direct = run("sql", f"""
            SELECT f.origin AS iata, a.state, count(*) AS flights,
                   round(avg(f.delay), 2) AS avg_delay
            FROM read_parquet('{DATA}/flights-3m.parquet') f
            JOIN read_csv('{DATA}/airports.csv', header := true) a ON a.iata = f.origin
            GROUP BY ALL ORDER BY iata""", "--format", "csv", data_dir=self.data).stdout
        self.assertEqual(ours, direct)
        self.assertEqual(len(ours.splitlines()), 230)  # header + 229 origins

    def test_catalog_tables_in_sql(self):
        rows = run("sql", "SELECT domain || '.' || name AS p, owner FROM tessera.products "
                   "ORDER BY p", "--format", "csv", data_dir=self.data).stdout
        self.assertEqual(rows, "p,owner\nanalytics.delay_by_airport,analytics\n"
                               "flights.by_month,flight-ops\nreference.airports,reference-data\n")
        self.assertEqual(scalar("SELECT count(*) FROM tessera.column_lineage WHERE product = "
                                "'delay_by_airport'", self.data), "5")

    def test_lineage_across_three_products(self):
        derived = json.loads(run("product", "show", "analytics.delay_by_airport", "--json",
                                 data_dir=self.data).stdout)
        self.assertEqual(
            sorted((e["table"], e["input_kind"], e["input"], e["input_version"])
                   for e in derived["lineage"]),
            [("delay_by_airport", "table", "flights.by_month.flights", "0"),
             ("delay_by_airport", "table", "reference.airports.airports", "0")])
        flights = json.loads(run("product", "show", "flights.by_month", "--json",
                                 data_dir=self.data).stdout)
        self.assertEqual(
            sorted((e["table"], e["input_kind"], e["input"]) for e in flights["lineage"]),
            [("flights", "files", os.path.join(DATA, "flights-3m.parquet")),
             ("monthly", "table", "flights.by_month.flights")])
        columns = {c["name"]: c for c in flights["tables"][0]["columns"]}
        self.assertEqual(columns["delay"]["type"], "INTEGER")
        self.assertFalse(columns["origin"]["nullable"])
        self.assertEqual(columns["origin"]["description"], "Origin airport code.")

    def test_search_finds_products_by_words_and_filters(self):
        def search(*args):
            return [h["product"] for h in json.loads(
                run("search", *args, "--json", data_dir=self.data).stdout)]

        self.assertEqual(search("delay", "airport")[0], "analytics.delay_by_airport")
        self.assertEqual(search("FAA"), ["reference.airports"])  # a description word
        self.assertEqual(search("destination"), ["flights.by_month"])  # a column
        self.assertEqual(search("--tag", "reference"), ["reference.airports"])
        self.assertEqual(search("--owner", "flight-ops"), ["flights.by_month"])
        self.assertEqual(search("delay", "--domain", "flights"), ["flights.by_month"])
        self.assertEqual(search("zeppelin"), [])
        r = run("search", "--limit", "0", data_dir=self.data, check=False)
        self.assertEqual(r.returncode, 2)

    def test_lineage_graph_formats(self):
        tree = run("product", "lineage", "flights.by_month", data_dir=self.data).stdout
        self.assertEqual(tree, "upstream (what flights.by_month reads)\nflights.by_month\n"
                               f"└── files {DATA}/flights-3m.parquet\n\n"
                               "downstream (what reads flights.by_month)\nflights.by_month\n"
                               "└── analytics.delay_by_airport\n")
        graph = json.loads(run("product", "lineage", "analytics.delay_by_airport", "--format",
                               "json", data_dir=self.data).stdout)
        self.assertEqual(sorted((e["from"], e["to"]) for e in graph["edges"]), [
            (f"{DATA}/airports.csv", "reference.airports"),
            (f"{DATA}/flights-3m.parquet", "flights.by_month"),
            ("flights.by_month", "analytics.delay_by_airport"),
            ("reference.airports", "analytics.delay_by_airport")])
        dot = run("product", "lineage", "reference.airports", "--format", "dot",
                  data_dir=self.data).stdout
        self.assertIn('"reference.airports" -> "analytics.delay_by_airport";', dot)
        mermaid = run("product", "lineage", "reference.airports", "--format", "mermaid",
                      data_dir=self.data).stdout
        self.assertTrue(mermaid.startswith("flowchart LR\n"))
        r = run("product", "lineage", "no.such", data_dir=self.data, check=False)
        self.assertEqual((r.returncode, r.stderr.strip()),
                         (1, "tessera: product lineage: product 'no.such' does not exist"))

    def test_products_on_the_postgresql_port_and_the_rest_api_under_grants(self):
        node = Node()
        node.data = self.data
        try:
            node.principal("ana", password="ana-pw", grants=["flights.by_month"])
            node.principal("boss", admin=True)
            ana, boss = node.token("ana"), node.token("boss")
            run("share", "create", "monthly", data_dir=self.data)
            run("share", "add-table", "monthly", "flights.by_month.monthly", data_dir=self.data)
            run("recipient", "create", "partner", "--profile",
                os.path.join(node.tmp.name, "partner.share"), data_dir=self.data)
            run("share", "grant", "monthly", "partner", data_dir=self.data)
            node.start()
            check_rest_api(self, node.http_port, ana, boss)
            with psycopg2.connect(node.dsn("ana", "ana-pw")) as conn, conn.cursor() as cur:
                cur.execute("SELECT sum(flights) FROM flights.by_month.monthly")
                self.assertEqual(cur.fetchone()[0], 3000000)
                with self.assertRaises(psycopg2.errors.UndefinedTable):
                    cur.execute("SELECT * FROM reference.airports.airports")
            # The catalog as SQL tables, only what ana may see; inside a transaction that
            # rolls back, and again after it.
            with psycopg2.connect(node.dsn("ana", "ana-pw")) as conn, conn.cursor() as cur:
                cur.execute("SELECT domain || '.' || name, version, tables FROM tessera.products")
                self.assertEqual(cur.fetchall(), [("flights.by_month", "1.0.0", 2)])
                conn.rollback()
                cur.execute("SELECT table_name, count(*) FROM tessera.columns GROUP BY ALL "
                            "ORDER BY 1")
                self.assertEqual(cur.fetchall(), [("flights", 5), ("monthly", 3)])
                cur.execute("SELECT count(*), bool_and(passed) FROM tessera.quality_runs")
                self.assertEqual(cur.fetchone(), (7, True))
                cur.execute("SELECT input FROM tessera.lineage WHERE table_name = 'monthly'")
                self.assertEqual(cur.fetchall(), [("flights.by_month.flights",)])
            # Usage counters from the audit log: ana's statements that named the product, and
            # the partner's Delta Sharing query of a share table backed by it.
            with open(os.path.join(node.tmp.name, "partner.share")) as f:
                profile = json.load(f)
            query = urllib.request.Request(
                f"http://127.0.0.1:{node.http_port}/delta-sharing/shares/monthly/schemas/"
                "by_month/tables/monthly/query", data=b"{}", method="POST",
                headers={"Authorization": "Bearer " + profile["bearerToken"],
                         "Content-Type": "application/json"})
            with urllib.request.urlopen(query, timeout=30) as response:
                self.assertEqual(response.status, 200)
            usage = json.loads(run("product", "show", "flights.by_month", "--json",
                                   data_dir=self.data).stdout)["usage_30d"]
            self.assertEqual(usage["queries"], 1)  # the sum over monthly
            self.assertEqual(usage["sharing_requests"], 1)
            self.assertEqual(usage["by_principal"], {"ana": 1, "partner": 1})
            untouched = json.loads(run("product", "show", "reference.airports", "--json",
                                       data_dir=self.data).stdout)["usage_30d"]
            self.assertEqual(untouched["queries"], 0)  # ana's refused query was not a use
        finally:
            node.stop()
            for stream in (node.process.stdout, node.process.stderr) if node.process else ():
                stream.close()


def get(port, path, token=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def check_rest_api(test, port, ana, boss):
    status, listed = get(port, "/api/v1/products", boss)
    test.assertEqual((status, [p["product"] for p in listed]), (200, [
        "analytics.delay_by_airport", "flights.by_month", "reference.airports"]))
    # ana holds a grant on flights.by_month only: she sees that product and nothing else.
    status, listed = get(port, "/api/v1/products", ana)
    test.assertEqual([p["product"] for p in listed], ["flights.by_month"])
    test.assertEqual(get(port, "/api/v1/products/reference.airports", ana)[0], 404)
    test.assertEqual(get(port, "/api/v1/products", None)[0], 401)
    test.assertEqual(get(port, "/api/v1/products", "not-a-token")[0], 401)
    status, product = get(port, "/api/v1/products/flights.by_month", ana)
    test.assertEqual((status, product["version"], product["tables"][0]["rows"]),
                     (200, "1.0.0", 3000000))
    status, schema = get(port, "/api/v1/products/flights.by_month/schema", ana)
    test.assertEqual([c["name"] for c in schema["tables"][0]["columns"]],
                     ["date", "delay", "distance", "origin", "destination"])
    status, contract = get(port, "/api/v1/products/flights.by_month/contract", ana)
    test.assertIn("references: reference.airports.airports.iata", contract["descriptor"])
    test.assertEqual(len(contract["results"]), 7)
    status, versions = get(port, "/api/v1/products/flights.by_month/versions", ana)
    test.assertEqual(len(versions), 1)
    status, one = get(port, f"/api/v1/products/flights.by_month/versions/"
                            f"{versions[0]['revision']}", ana)
    test.assertEqual(one["revision"], versions[0]["revision"])
    test.assertEqual(get(port, "/api/v1/products/flights.by_month/versions/x", ana)[0], 400)
    status, quality = get(port, "/api/v1/products/flights.by_month/quality", ana)
    test.assertTrue(quality[0]["passed"])
    status, graph = get(port, "/api/v1/products/analytics.delay_by_airport/lineage", boss)
    test.assertEqual(len(graph["edges"]), 4)
    # ana's graph around her product leaves out the products she may not see.
    status, graph = get(port, "/api/v1/products/flights.by_month/lineage", ana)
    test.assertEqual([n["id"] for n in graph["nodes"]],
                     [f"{DATA}/flights-3m.parquet", "flights.by_month"])
    status, hits = get(port, "/api/v1/search?q=delay+airport", boss)
    test.assertEqual(hits[0]["product"], "analytics.delay_by_airport")
    status, hits = get(port, "/api/v1/search?q=delay", ana)
    test.assertEqual([h["product"] for h in hits], ["flights.by_month"])
    test.assertEqual(get(port, "/api/v1/search?q=x&limit=0", boss)[0], 400)
    test.assertEqual(get(port, "/api/v1/products/nodots", boss)[0], 404)
    test.assertEqual(get(port, "/api/v1/products/flights.by_month/nope", boss)[0], 404)


class LifecycleTest(unittest.TestCase):
    """One product applied again and again: new data, failing contracts, schema changes."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.data = os.path.join(self.dir, "data")
        self.descriptor = os.path.join(self.dir, "product.yaml")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, csv, version="1.0.0", extra=""):
        with open(os.path.join(self.dir, "airports.csv"), "w") as f:
            f.write(csv)
        with open(self.descriptor, "w") as f:
            f.write(AIRPORTS.format(version=version, extra=extra))

    def apply(self, *extra, check=True):
        return run("apply", self.descriptor, *extra, data_dir=self.data, check=check)

    def test_reapply_then_time_travel_to_the_previous_version(self):
        self.write("iata,state\nSEA,WA\nLAX,CA\nJFK,NY\n")
        self.apply()
        self.write("iata,state\nSEA,WA\nLAX,CA\nJFK,NY\nAUS,TX\n")
        out = self.apply().stdout
        self.assertIn("4 rows (was 3)", out)
        history = json.loads(run("product", "history", "geo.airports", "--json",
                                 data_dir=self.data).stdout)
        self.assertEqual([h["tables"][0]["rows"] for h in history], [4, 3])
        self.assertEqual(scalar("SELECT count(*) FROM geo.airports.airports", self.data), "4")
        # The previous product version, at the Delta version its revision pinned.
        old = json.loads(run("product", "show", "geo.airports", "--revision",
                             str(history[1]["revision"]), "--json", data_dir=self.data).stdout)
        version = old["tables"][0]["delta_version"]
        root = os.path.join(self.data, "tables", "geo", "airports", "airports")
        self.assertEqual(
            scalar(f"SELECT string_agg(iata, ' ' ORDER BY iata) FROM "
                   f"delta_scan('{root}', version := {version})", self.data), "JFK LAX SEA")

    def test_failing_contract_changes_nothing(self):
        self.write("iata,state\nSEA,WA\nLAX,CA\n")
        self.apply()
        before = (catalog_rows(self.data), delta_logs(self.data))
        self.write("iata,state\nSEA,WA\nLAX,CA\nSEA,XX\n")
        r = self.apply(check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("NOT PUBLISHED: 2 error rules failed: accepted_values_airports_state, "
                      "primary_key_airports", r.stdout)
        self.assertIn("{'iata': SEA, 'state': XX}", r.stdout)  # the sampled violating row
        self.assertEqual((catalog_rows(self.data), delta_logs(self.data)), before)
        self.assertEqual(scalar("SELECT count(*) FROM geo.airports.airports", self.data), "2")
        report = json.loads(self.apply("--json", check=False).stdout)
        self.assertFalse(report["published"])
        self.assertEqual(report["previous_version"], "1.0.0")

    def test_schema_changes_follow_semantic_versioning(self):
        self.write("iata,state,name\nSEA,WA,Seattle\n")
        self.apply()
        name_column = "      - name: name\n        type: varchar\n"
        self.write("iata,state,name\nSEA,WA,Seattle\n", extra=name_column)
        r = self.apply(check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("schema change '+ column airports.name VARCHAR' needs at least a new minor "
                      "version (published 1.0.0, this is 1.0.0; try 1.1.0)", r.stderr)
        plan = run("plan", self.descriptor, data_dir=self.data, check=False)
        self.assertEqual(plan.returncode, 1)  # the same refusal, before anything is written
        self.write("iata,state,name\nSEA,WA,Seattle\n", version="1.1.0", extra=name_column)
        plan = run("plan", self.descriptor, data_dir=self.data).stdout
        self.assertIn("schema    + column airports.name VARCHAR", plan)
        self.assertIn("plan only: nothing was published", plan)
        self.assertEqual(scalar("SELECT count(*) FROM information_schema.columns WHERE "
                                "table_name = 'airports'", self.data), "2")
        self.apply()
        self.assertEqual(scalar("SELECT name FROM geo.airports.airports", self.data), "Seattle")
        # Dropping it again is breaking: a minor bump is refused, a major one accepted.
        self.write("iata,state\nSEA,WA\n", version="1.2.0")
        r = self.apply(check=False)
        self.assertIn("breaking change '- column airports.name VARCHAR' needs a new major "
                      "version", r.stderr)
        self.write("iata,state\nSEA,WA\n", version="2.0.0")
        self.apply()
        self.assertEqual(scalar("SELECT count(*) FROM information_schema.columns WHERE "
                                "table_name = 'airports'", self.data), "2")

    def test_access_readers_become_grants(self):
        self.write("iata,state\nSEA,WA\n", extra="")
        with open(self.descriptor, "a") as f:
            f.write("access:\n  readers: [ana, bob]\n")
        r = self.apply(check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("access.readers: no principal 'ana' (create it: tessera principal create "
                      "ana)", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.data, "tables", "geo")))
        for name in ("ana", "bob"):
            run("principal", "create", name, data_dir=self.data)
        out = self.apply().stdout
        self.assertIn("granted   ana may read geo.airports", out)

        def grants():
            listed = json.loads(run("principal", "list", "--json", data_dir=self.data).stdout)
            return {p["name"]: p["grants"] for p in listed}

        self.assertEqual(grants(), {"ana": ["geo.airports"], "bob": ["geo.airports"]})
        with open(self.descriptor) as f:
            text = f.read().replace("readers: [ana, bob]", "readers: [ana]")
        with open(self.descriptor, "w") as f:
            f.write(text)
        out = self.apply().stdout
        self.assertIn("revoked   bob no longer reads geo.airports (not in access.readers)", out)
        self.assertEqual(grants(), {"ana": ["geo.airports"], "bob": []})

    def test_serve_refreshes_products_on_their_interval(self):
        self.write("iata,state\nSEA,WA\n")
        with open(self.descriptor, "a") as f:
            f.write("refresh:\n  interval: 1s\n")
        self.apply()
        node = Node()
        node.data = self.data
        try:
            node.start()
            self.write("iata,state\nSEA,WA\nLAX,CA\n")
            with open(self.descriptor, "a") as f:
                f.write("refresh:\n  interval: 1s\n")
            deadline = time.monotonic() + 30
            rows = None
            while time.monotonic() < deadline:
                history = json.loads(run("product", "history", "geo.airports", "--json",
                                         data_dir=self.data).stdout)
                rows = history[0]["tables"][0]["rows"]
                if rows == 2:
                    break
                time.sleep(0.2)
            self.assertEqual(rows, 2, "the node did not refresh the product within 30 s")
            # A refresh that breaks the contract publishes nothing; the node keeps serving.
            self.write("iata,state\nSEA,WA\nLAX,ZZ\nJFK,NY\n")
            with open(self.descriptor, "a") as f:
                f.write("refresh:\n  interval: 1s\n")
            time.sleep(3)
            history = json.loads(run("product", "history", "geo.airports", "--json",
                                     data_dir=self.data).stdout)
            self.assertEqual(history[0]["tables"][0]["rows"], 2)
            self.assertTrue(node.alive())
        finally:
            node.stop()
            for stream in (node.process.stdout, node.process.stderr) if node.process else ():
                stream.close()

    def test_sharing_port_serves_the_published_version_only(self):
        profile_path = os.path.join(self.dir, "partner.share")
        run("recipient", "create", "partner", "--profile", profile_path, data_dir=self.data)
        self.write("iata,state\nSEA,WA\n")
        with open(self.descriptor, "a") as f:
            f.write("ports:\n  sharing:\n    recipients: [partner, ghost]\n")
        r = self.apply()
        self.assertIn("shared    as Delta share geo_airports, granted to partner", r.stdout)
        self.assertIn("warning: recipient 'ghost' does not exist", r.stderr)
        # A commit the catalog never published (as an apply killed before its catalog commit
        # leaves): no port may show it.
        run("table", "append", "geo.airports.airports", "--from",
            "SELECT 'ZZZ' AS iata, 'XX' AS state", data_dir=self.data)
        node = Node()
        node.data = self.data
        with open(profile_path) as f:
            token = json.load(f)["bearerToken"]
        base = "/delta-sharing/shares/geo_airports/schemas/airports/tables/airports"

        def sharing(path, body=None):
            request = urllib.request.Request(
                f"http://127.0.0.1:{node.http_port}{path}",
                data=None if body is None else json.dumps(body).encode(),
                method="GET" if body is None else "POST",
                headers={"Authorization": "Bearer " + token,
                         "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.headers.get("Delta-Table-Version"), response.read().decode()

        try:
            node.start()
            version, _ = sharing(base + "/version")
            self.assertEqual(version, "0")
            version, lines = sharing(base + "/query", {})
            self.assertEqual(version, "0")
            files = [json.loads(line) for line in lines.splitlines() if '"file"' in line]
            self.assertEqual(len(files), 1)
            with urllib.request.urlopen(files[0]["file"]["url"], timeout=30) as f:
                data = f.read()
            self.assertNotIn(b"ZZZ", data)
            self.assertEqual(scalar("SELECT count(*) FROM geo.airports.airports", self.data), "1")
            # The next publish moves every port to it.
            self.write("iata,state\nSEA,WA\nLAX,CA\n")
            with open(self.descriptor, "a") as f:
                f.write("ports:\n  sharing:\n    recipients: [partner]\n")
            self.apply()
            version, _ = sharing(base + "/version")
            self.assertEqual(version, "2")
        finally:
            node.stop()
            for stream in (node.process.stdout, node.process.stderr) if node.process else ():
                stream.close()

    def test_deprecate_and_delete(self):
        self.write("iata,state\nSEA,WA\n")
        self.apply()
        derived = os.path.join(self.dir, "derived.yaml")
        with open(derived, "w") as f:
            f.write("domain: geo\nname: states\nversion: 1.0.0\ntables:\n  - name: s\n"
                    "    source:\n      sql: SELECT DISTINCT state FROM geo.airports.airports\n")
        run("apply", derived, data_dir=self.data)
        run("product", "deprecate", "geo.airports", "--note", "use geo.v2", data_dir=self.data)
        listed = {p["product"]: p for p in json.loads(
            run("product", "list", "--json", data_dir=self.data).stdout)}
        self.assertTrue(listed["geo.airports"]["deprecated"])
        self.assertEqual(listed["geo.airports"]["deprecation_note"], "use geo.v2")
        self.assertEqual(scalar("SELECT count(*) FROM geo.airports.airports", self.data), "1")
        r = run("product", "delete", "geo.airports", data_dir=self.data, check=False)
        self.assertEqual((r.returncode, r.stderr.strip()), (1, (
            "tessera: product delete: geo.airports is read by geo.states: delete or change "
            "those first (or deprecate geo.airports)")))
        run("product", "delete", "geo.states", data_dir=self.data)
        run("product", "delete", "geo.airports", data_dir=self.data)
        self.assertEqual(json.loads(run("product", "list", "--json", data_dir=self.data).stdout),
                         [])
        self.assertFalse(os.path.exists(os.path.join(self.data, "tables", "geo", "airports")))
        r = run("sql", "SELECT * FROM geo.airports.airports", data_dir=self.data, check=False)
        self.assertEqual(r.returncode, 1)
        # The name is free again.
        self.apply()
        self.assertEqual(scalar("SELECT count(*) FROM geo.airports.airports", self.data), "1")

    def test_descriptor_errors_exit_2_with_their_position(self):
        with open(self.descriptor, "w") as f:
            f.write("domain: geo\nname: airports\nversion: 1.0\ntables: []\n")
        r = self.apply(check=False)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip(),
                         f"tessera: {self.descriptor}:3:10: '1.0' is not a semantic version "
                         "(MAJOR.MINOR.PATCH, e.g. 1.0.0) (hint: start at 1.0.0)")
        self.assertFalse(os.path.exists(os.path.join(self.data, "tables")))
        r = run("apply", os.path.join(self.dir, "missing.yaml"), data_dir=self.data, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no descriptor file at", r.stderr)
        self.assertEqual(run("apply", data_dir=self.data, check=False).returncode, 2)

    def test_init_writes_a_descriptor_that_applies(self):
        path = os.path.join(self.dir, "new.yaml")
        r = subprocess.run([TESSERA, "product", "init", path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        again = subprocess.run([TESSERA, "product", "init", path], capture_output=True, text=True)
        self.assertEqual(again.returncode, 1)
        self.assertIn("exists; not overwriting it", again.stderr)
        out = run("apply", path, data_dir=self.data).stdout
        self.assertIn("published sales.orders 1.0.0", out)
        self.assertEqual(scalar("SELECT sum(amount) FROM sales.orders.orders", self.data),
                         "200.50")


class LineageCollector(http.server.ThreadingHTTPServer):
    """A real HTTP endpoint that keeps every OpenLineage event POSTed to it."""

    def __init__(self):
        self.events = []
        collector = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                collector.events.append((self.path, self.headers["Content-Type"],
                                         json.loads(body)))
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/api/v1/lineage"


def assert_run_event(test, event):
    """The fields OpenLineage 2-0-2's RunEvent requires, with their formats."""
    test.assertIn(event["eventType"], ("START", "COMPLETE", "FAIL"))
    test.assertRegex(event["eventTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
    test.assertEqual(str(uuid.UUID(event["run"]["runId"])), event["run"]["runId"])
    test.assertEqual(event["job"]["namespace"], "tessera")
    test.assertTrue(event["job"]["name"].startswith("apply."))
    test.assertTrue(event["producer"].startswith("https://"))
    test.assertEqual(event["schemaURL"],
                     "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent")
    for dataset in event["inputs"] + event["outputs"]:
        test.assertTrue(dataset["namespace"] and dataset["name"])
        for facet in list(dataset.get("facets", {}).values()) + \
                list(dataset.get("outputFacets", {}).values()):
            test.assertTrue(facet["_producer"] and facet["_schemaURL"].startswith("https://"))


class JsonSchemaTest(unittest.TestCase):
    """docs/product.schema.json accepts every descriptor tessera accepts here, and refuses what
    the parser refuses."""

    def setUp(self):
        with open(os.path.join(SOURCE, "docs", "product.schema.json")) as f:
            self.validator = jsonschema.Draft202012Validator(json.load(f))

    def test_examples_and_the_init_template_validate(self):
        for name in ("airports", "flights", "delay_by_airport"):
            with open(os.path.join(EXAMPLES, name, "product.yaml")) as f:
                self.validator.validate(yaml.safe_load(f))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "p.yaml")
            subprocess.run([TESSERA, "product", "init", path], check=True, capture_output=True)
            with open(path) as f:
                self.validator.validate(yaml.safe_load(f))

    def test_the_schema_refuses_what_the_parser_refuses(self):
        good = yaml.safe_load(AIRPORTS.format(version="1.0.0", extra=""))
        self.validator.validate(good)
        for change in (lambda d: d.update(descripton="typo"),
                       lambda d: d.update(version="1.0"),
                       lambda d: d.update(domain="Sales"),
                       lambda d: d.update(domain="tessera"),
                       lambda d: d["tables"][0]["columns"][0].update(type="varchar(10"),
                       lambda d: d["tables"][0]["source"].update(sql="SELECT 1"),
                       lambda d: d["contract"]["rules"][0].update(type="not_nul"),
                       lambda d: d.update(refresh="often")):
            bad = yaml.safe_load(AIRPORTS.format(version="1.0.0", extra=""))
            change(bad)
            self.assertFalse(self.validator.is_valid(bad), bad)


class OpenLineageTest(unittest.TestCase):
    def test_events_reach_the_endpoint_and_the_file(self):
        collector = LineageCollector()
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            descriptor = os.path.join(tmp, "product.yaml")
            with open(os.path.join(tmp, "airports.csv"), "w") as f:
                f.write("iata,state\nSEA,WA\nLAX,CA\n")
            with open(descriptor, "w") as f:
                f.write(AIRPORTS.format(version="1.0.0", extra=""))
            run("apply", descriptor, "--lineage-url", collector.url(), data_dir=data)
            with open(os.path.join(tmp, "airports.csv"), "w") as f:
                f.write("iata,state\nSEA,ZZ\n")
            self.assertEqual(run("apply", descriptor, "--lineage-url", collector.url(),
                                 data_dir=data, check=False).returncode, 1)
            # An endpoint that is down costs a warning, never the apply.
            with open(os.path.join(tmp, "airports.csv"), "w") as f:
                f.write("iata,state\nSEA,WA\n")
            r = run("apply", descriptor, "--lineage-url", "http://127.0.0.1:9/x", data_dir=data)
            self.assertIn("warning: lineage event not delivered: posting to "
                          "http://127.0.0.1:9/x", r.stderr)
            with open(os.path.join(data, "lineage", "openlineage.ndjson")) as f:
                in_file = [json.loads(line) for line in f]
        collector.shutdown()
        posted = [e for _, _, e in collector.events]
        self.assertEqual([(p, t) for p, t, _ in collector.events],
                         [("/api/v1/lineage", "application/json")] * 4)
        self.assertEqual(in_file[:4], posted)
        self.assertEqual(len(in_file), 6)
        for event in in_file:
            assert_run_event(self, event)
        self.assertEqual([e["eventType"] for e in posted], ["START", "COMPLETE", "START", "FAIL"])
        self.assertEqual(posted[0]["run"]["runId"], posted[1]["run"]["runId"])
        self.assertNotEqual(posted[1]["run"]["runId"], posted[2]["run"]["runId"])
        complete = posted[1]
        self.assertEqual(complete["job"]["name"], "apply.geo.airports")
        self.assertEqual(complete["inputs"], [{"namespace": "file",
                                               "name": os.path.join(tmp, "airports.csv")}])
        [output] = complete["outputs"]
        self.assertEqual(output["name"], "geo.airports.airports")
        self.assertEqual([f["name"] for f in output["facets"]["schema"]["fields"]],
                         ["iata", "state"])
        self.assertEqual(output["facets"]["columnLineage"]["fields"]["state"]["inputFields"],
                         [{"namespace": "file", "name": os.path.join(tmp, "airports.csv"),
                           "field": "state"}])
        self.assertEqual(output["outputFacets"]["outputStatistics"]["rowCount"], 2)
        assertions = output["facets"]["dataQualityAssertions"]["assertions"]
        self.assertEqual(sorted(a["assertion"] for a in assertions),
                         ["accepted_values", "not_null", "unique"])
        self.assertTrue(all(a["success"] for a in assertions))
        failed = posted[3]
        self.assertEqual(failed["run"]["facets"]["errorMessage"]["message"],
                         "1 error rule failed: accepted_values_airports_state")
        [state] = [a for a in failed["outputs"][0]["facets"]["dataQualityAssertions"]["assertions"]
                   if a["assertion"] == "accepted_values"]
        self.assertEqual((state["success"], state["failures"]), (False, 1))


GENERATION = """domain: crash
name: gen
version: 1.0.0
description: generation {g}
tables:
  - name: a
    source:
      sql: SELECT {g} AS generation, range AS i FROM range(1500000)
  - name: b
    source:
      sql: SELECT generation, i * 2 AS j FROM a
"""


class KillDuringApplyTest(unittest.TestCase):
    """SIGKILL at random moments of an apply that replaces two tables: consumers always see one
    whole product version, both tables of the same generation, and the catalog agrees."""

    def test_random_kills_leave_one_consistent_version(self):
        print(f"\nTESSERA_CRASH_SEED={SEED}", file=sys.stderr)
        rng = random.Random(SEED)
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            descriptor = os.path.join(tmp, "product.yaml")

            def write(g):
                with open(descriptor, "w") as f:
                    f.write(GENERATION.format(g=g))

            write(0)
            start = time.monotonic()
            run("apply", descriptor, data_dir=data)
            duration = time.monotonic() - start
            published = {0}
            ahead = 0
            previous_latest, previous_pinned = 0, 0
            for g in range(1, KILLS + 1):
                write(g)
                p = subprocess.Popen([TESSERA, "apply", descriptor, "--data-dir", data],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(rng.uniform(0.0, duration))
                p.send_signal(signal.SIGKILL)
                p.wait()
                shown = json.loads(run("product", "show", "crash.gen", "--json",
                                       data_dir=data).stdout)
                catalog_generation = int(shown["description"].split()[-1])
                seen = run("sql", "SELECT (SELECT min(generation) || '/' || max(generation) FROM "
                           "crash.gen.a) AS a, (SELECT min(generation) || '/' || max(generation)"
                           " FROM crash.gen.b) AS b, (SELECT count(*) FROM crash.gen.b) AS n",
                           "--format", "csv", data_dir=data).stdout.splitlines()[1]
                want = f"{catalog_generation}/{catalog_generation}"
                self.assertEqual(seen, f"{want},{want},1500000", f"kill {g} (seed {SEED})")
                self.assertIn(catalog_generation, published | {g})
                published.add(catalog_generation)
                # A kill between the Delta commits and the catalog's: the log is ahead of the
                # pin, and consumers still read the pinned version (checked above).
                pinned = shown["tables"][0]["delta_version"]
                logs = os.listdir(os.path.join(data, "tables", "crash", "gen", "a", "_delta_log"))
                latest = max(int(f[:20]) for f in logs if re.fullmatch(r"\d{20}\.json", f))
                ahead += latest > previous_latest and pinned == previous_pinned
                previous_latest, previous_pinned = latest, pinned
            print(f"{ahead} of {KILLS} kills left Delta commits the catalog never published",
                  file=sys.stderr)
            # After all that, an apply still works and moves every table forward together.
            write(KILLS + 1)
            run("apply", descriptor, data_dir=data)
            self.assertEqual(scalar("SELECT DISTINCT generation FROM crash.gen.b", data),
                             str(KILLS + 1))


if __name__ == "__main__":
    unittest.main()
