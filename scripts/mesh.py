"""The mesh of the demo, built step by step: nodes `east` and `west` each own half of the 3M-row
2001 US flights and share it; PostgreSQL holds the airports; node `hub` mounts both shares and
the database and publishes analytics.delay_by_state from them. scripts/demo narrates it,
tests/e2e/mesh_test.py and bench/mesh_bench.py reuse it."""
import json
import os
import shutil
import time

from meshlab import Node, Postgres

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples", "mesh")

# Which rows each owner holds: together, every row of the file exactly once.
HALVES = {
    "east": ("h1", "date < TIMESTAMP '2001-04-01'"),
    "west": ("h2", "date >= TIMESTAMP '2001-04-01'"),
}

PRODUCT = "analytics.delay_by_state.delay_by_state"

# The product's query (examples/mesh/hub/product.yaml) over the original files, for DuckDB to
# answer directly: the demo's answer must equal it row for row.
DIRECT_SQL = """
SELECT a.state,
       CAST(date_trunc('month', f.date) AS DATE) AS month,
       count(*) AS flights,
       round(avg(f.delay), 2) AS avg_delay
FROM read_parquet([{flights}], union_by_name := true) AS f
JOIN read_csv('{airports}') AS a ON a.iata = f.origin
GROUP BY ALL
"""


def sql_literal(text):
    return "'" + text.replace("'", "''") + "'"


class Mesh:
    """Builds and stops the demo mesh under `work` (one data directory per node)."""

    def __init__(self, tessera, work, flights, airports, say=None):
        self.tessera = tessera
        self.work = work
        self.flights = flights
        self.airports = airports
        self.say = say or (lambda title, detail="": None)
        self.nodes = {name: Node(tessera, name, os.path.join(work, name))
                      for name in ("east", "west", "hub")}
        self.postgres = None
        self.timings = {}
        self.landed = []  # files landed after the build (land_more), for the DuckDB check

    @property
    def hub(self):
        return self.nodes["hub"]

    def _timed(self, label, step):
        started = time.monotonic()
        result = step()
        self.timings[label] = time.monotonic() - started
        return result

    def build(self):
        """Every step, in order; the mesh is left running (call stop())."""
        self._timed("postgres", self.start_postgres)
        for owner in HALVES:
            self._timed(owner, lambda owner=owner: self.publish_half(owner))
        self._timed("mounts", self.mount_on_hub)
        self._timed("hub apply", self.apply_on_hub)

    def start_postgres(self):
        self.say("PostgreSQL 15: initdb in a temporary directory, the airports table from "
                 "airports.csv")
        self.postgres = Postgres(password="demo-airports-pw")
        self.postgres.psql("-c", "CREATE TABLE airports (iata text PRIMARY KEY, name text, "
                           "city text, state text, country text, latitude double precision, "
                           "longitude double precision)")
        copied = self.postgres.psql("-c", f"\\copy airports FROM {sql_literal(self.airports)} "
                                    "CSV HEADER")
        self.say("", copied.strip())

    def publish_half(self, owner):
        """Lands the owner's rows by month, applies its product and shares it with hub."""
        node = self.nodes[owner]
        product, where = HALVES[owner]
        os.makedirs(node.data_dir, exist_ok=True)
        landing = os.path.join(node.data_dir, "landing")
        self.say(f"node {owner}: land its flights by month ({where}), apply flights.{product}, "
                 "share it with hub")
        node.run("sql", f"COPY (SELECT *, month(date) AS month FROM read_parquet("
                 f"{sql_literal(self.flights)}) WHERE {where}) TO {sql_literal(landing)} "
                 "(FORMAT parquet, PARTITION_BY (month))")
        descriptor = os.path.join(node.data_dir, "product.yaml")
        shutil.copyfile(os.path.join(EXAMPLES, owner, "product.yaml"), descriptor)
        node.run("recipient", "create", "hub")
        applied = node.run("apply", descriptor)
        self.say("", applied.stdout.strip())
        node.serve()
        profile = os.path.join(self.hub.data_dir, f"{owner}.share")
        os.makedirs(self.hub.data_dir, exist_ok=True)
        node.run("recipient", "profile", "hub", "--output", profile, "--endpoint",
                 node.sharing_endpoint)
        self.say("", f"serving {node.sharing_endpoint}; hub's profile: {profile}")

    def mount_on_hub(self):
        self.say("node hub: mount both shares and the PostgreSQL database")
        for owner in HALVES:
            out = self.hub.run("mount", "add", owner, "--profile",
                               os.path.join(self.hub.data_dir, f"{owner}.share"))
            self.say("", out.stdout.strip())
        out = self.hub.run("mount", "add", "airports", "--postgres", self.postgres.conninfo())
        self.say("", out.stdout.strip())

    def apply_on_hub(self):
        self.say("node hub: apply analytics.delay_by_state, a join of the three mounts with a "
                 "contract")
        descriptor = os.path.join(self.hub.data_dir, "product.yaml")
        shutil.copyfile(os.path.join(EXAMPLES, "hub", "product.yaml"), descriptor)
        self.hub.run("recipient", "create", "analyst")
        applied = self.hub.run("apply", descriptor)
        self.say("", applied.stdout.strip())

    def land_more(self, owner, rows, name="more.parquet"):
        """Lands `rows` more flights with the owner, as a new file of its first month (copies of
        that month's first flights, a minute of delay more), for an incremental re-apply."""
        node = self.nodes[owner]
        first = node.run("sql", "--format", "csv", "SELECT min(month) FROM read_parquet("
                        f"{sql_literal(os.path.join(node.data_dir, 'landing', '*', '*.parquet'))},"
                        " hive_partitioning := true)").stdout.split()[-1]
        path = os.path.join(node.data_dir, "landing", f"month={first}", name)
        node.run("sql", f"COPY (SELECT date, delay + 1 AS delay, distance, origin, destination "
                 f"FROM read_parquet({sql_literal(self.flights)}) WHERE month(date) = {first} "
                 f"LIMIT {int(rows)}) TO {sql_literal(path)}")
        self.landed.append(path)
        return path

    def apply(self, node_name, *args):
        """Re-applies a node's product; returns its JSON report."""
        node = self.nodes[node_name]
        out = node.run("apply", os.path.join(node.data_dir, "product.yaml"), "--json", *args)
        return json.loads(out.stdout)

    def rows(self, node, sql):
        return json.loads(node.run("sql", sql, "--format", "json").stdout)

    def check_against_duckdb(self):
        """Compares the published product with DuckDB's answer over the original files; returns
        (product rows, direct rows, rows that differ either way)."""
        direct = DIRECT_SQL.format(
            flights=", ".join(sql_literal(f) for f in [self.flights] + self.landed),
            airports=self.airports.replace("'", "''"))
        check = (f"WITH direct AS ({direct}), product AS (SELECT * FROM {PRODUCT}) "
                 "SELECT (SELECT count(*) FROM product) AS product_rows, "
                 "(SELECT count(*) FROM direct) AS direct_rows, "
                 "(SELECT count(*) FROM (SELECT * FROM product EXCEPT ALL SELECT * FROM direct))"
                 " + (SELECT count(*) FROM (SELECT * FROM direct EXCEPT ALL "
                 "SELECT * FROM product)) AS differing")
        row = self.rows(self.hub, check)[0]
        return row["product_rows"], row["direct_rows"], row["differing"]

    def stop(self):
        for node in self.nodes.values():
            node.stop()
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
