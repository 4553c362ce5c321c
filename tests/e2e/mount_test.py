#!/usr/bin/env python3
"""End-to-end: one tessera node mounts another node's share (Delta Sharing client) and queries it.

Node `east` owns tables and shares them; node `hub` mounts east's share with a `.share` profile
(`tessera mount add`) and reads the tables over its HTTP SQL API and psql, joined with a local
table. Covers: equal rows (partition values included), the file cache (a second query fetches
nothing), grants on mounts, a revoked token and a dead server giving clear errors, bad profiles.
"""
import csv
import hashlib
import http.server
import io
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from fixtures import fixtures_dir

TESSERA = os.environ["TESSERA_BIN"]


FIXTURES = fixtures_dir()


def tessera(*args, data_dir, check=True):
    r = subprocess.run([TESSERA, *args, "--data-dir", data_dir], capture_output=True, text=True,
                       timeout=300)
    if check and r.returncode != 0:
        raise RuntimeError(f"tessera {' '.join(args)} failed: {r.stderr}")
    return r


def serve(data_dir):
    server = subprocess.Popen([TESSERA, "serve", "--data-dir", data_dir, "--http", "127.0.0.1:0",
                               "--pg", "127.0.0.1:0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    http = pg = None
    deadline = time.time() + 60
    while time.time() < deadline and (http is None or pg is None):
        line = server.stdout.readline()
        if not line:
            break
        if m := re.match(r"http: (\S+)", line):
            http = "http://" + m.group(1)
        if m := re.match(r"pg: \S+:(\d+)", line):
            pg = int(m.group(1))
    if http is None:
        server.kill()
        raise RuntimeError("tessera serve did not start: " + server.stderr.read())
    return server, http, pg


def simple_rows():
    with open(os.path.join(FIXTURES, "deltars-simple-table.expected.csv")) as f:
        return sorted(list(csv.reader(f))[1:], key=lambda row: int(row[0]))


def cache_bytes(data_dir, mount):
    total = 0
    for root, _, files in os.walk(os.path.join(data_dir, "cache", "shares", mount, "files")):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


class HostileSharingServer(http.server.BaseHTTPRequestHandler):
    """A Delta Sharing server that breaks the protocol: garbage NDJSON, files of the wrong size."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/delta-sharing/shares":
            return self.answer(200, json.dumps({"items": [{"name": "s"}]}))
        if self.path == "/delta-sharing/shares/s/all-tables":
            return self.answer(200, json.dumps({"items": [
                {"name": t, "schema": "x", "share": "s"}
                for t in ("garbage", "short", "long", "expiring", "tagged", "mistagged")]}))
        if self.path.endswith("/metadata"):
            return self.answer_table(self.path.split("/")[-2], files=False)
        if self.path == "/file/expired":
            return self.answer(403, json.dumps({"errorCode": "PERMISSION_DENIED",
                                                "message": "expired"}))
        if self.path in ("/file/tagged", "/file/mistagged"):
            # An object store's ETag: the MD5 of the content (of other content, when mistagged).
            content = b"P" * 100
            tag = hashlib.md5(content if self.path == "/file/tagged" else b"Q" * 100).hexdigest()
            self.send_response(200)
            self.send_header("ETag", f'"{tag}"')
            self.send_header("Content-Length", "100")
            self.end_headers()
            return self.wfile.write(content)
        if self.path.startswith("/file/"):
            sizes = {"/file/short": 50, "/file/fresh": 100}
            return self.answer(200, b"P" * sizes.get(self.path, 200), "application/octet-stream")
        return self.answer(404, json.dumps({"errorCode": "RESOURCE_DOES_NOT_EXIST",
                                            "message": "no such thing"}))

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or "{}")
        if self.path.split("/")[-2] == "expiring":
            self.server.expiring_bodies = getattr(self.server, "expiring_bodies", []) + [body]
        self.answer_table(self.path.split("/")[-2], files=True)

    def answer_table(self, table, files):
        if table == "garbage":
            return self.answer(200, '{"protocol": {"minReaderVersion": 1}}\n{not json\n',
                               "application/x-ndjson")
        schema = json.dumps({"type": "struct", "fields": [
            {"name": "id", "type": "long", "nullable": True, "metadata": {}}]})
        port = self.server.server_address[1]
        name = table
        if table == "expiring" and files:
            # The first answer's URL has expired by the time it is fetched; later ones work.
            self.server.expiring_queries = getattr(self.server, "expiring_queries", 0) + 1
            name = "expired" if self.server.expiring_queries == 1 else "fresh"
        lines = [{"protocol": {"minReaderVersion": 1}},
                 {"metaData": {"id": "m", "format": {"provider": "parquet"},
                               "schemaString": schema, "partitionColumns": []}},
                 {"file": {"url": f"http://127.0.0.1:{port}/file/{name}", "id": "f-" + table,
                           "partitionValues": {}, "size": 100}}]
        if not files:
            lines = lines[:2]
        elif table == "expiring":
            lines.append({"endStreamAction": {"refreshToken": "tok-1"}})
        self.answer(200, "".join(json.dumps(l) + "\n" for l in lines), "application/x-ndjson")


class MountTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.east = os.path.join(cls.tmp.name, "east")
        cls.hub = os.path.join(cls.tmp.name, "hub")
        e = cls.east
        tessera("table", "create", "flights.h1.legs", "--partition-by", "month", "--from",
                "SELECT range AS id, 1 + range % 6 AS month, 'C' || (range % 7) AS carrier, "
                "(range * 7) % 97 - 10 AS delay FROM range(3000)", data_dir=e)
        tessera("share", "create", "flights", data_dir=e)
        tessera("share", "add-table", "flights", "flights.h1.legs", data_dir=e)
        tessera("share", "add-table", "flights", os.path.join(FIXTURES, "deltars-simple-table"),
                "--schema", "fixtures", "--as", "simple", data_dir=e)
        tessera("recipient", "create", "hub", data_dir=e)
        tessera("share", "grant", "flights", "hub", data_dir=e)
        cls.east_server, cls.east_http, _ = serve(e)
        cls.profile = os.path.join(cls.tmp.name, "east.share")
        tessera("recipient", "profile", "hub", "--output", cls.profile, "--endpoint",
                cls.east_http + "/delta-sharing", data_dir=e)

        h = cls.hub
        tessera("table", "create", "ref.carriers.names", "--from",
                "SELECT 'C' || range AS code, 'Carrier ' || range AS name FROM range(7)",
                data_dir=h)
        out = tessera("mount", "add", "east", "--profile", cls.profile, data_dir=h).stdout
        assert "east.h1.legs" in out, out
        tessera("principal", "create", "root", "--admin", data_dir=h)
        cls.admin = re.search(r"tsr_[A-Za-z0-9_-]+",
                              tessera("principal", "token", "root", data_dir=h).stdout).group(0)
        tessera("principal", "create", "ana", data_dir=h)
        tessera("principal", "grant", "ana", "east.h1", data_dir=h)
        tessera("principal", "grant", "ana", "ref", data_dir=h)
        cls.ana = re.search(r"tsr_[A-Za-z0-9_-]+",
                            tessera("principal", "token", "ana", data_dir=h).stdout).group(0)
        cls.hub_server, cls.hub_http, cls.hub_pg = serve(h)

    @classmethod
    def tearDownClass(cls):
        for server in (cls.hub_server, cls.east_server):
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=30)
        cls.tmp.cleanup()

    def sql(self, query, token=None):
        r = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", "-X", "POST",
                            "-H", f"Authorization: Bearer {token or self.admin}",
                            "-H", "Accept: text/csv", "--data-binary", query,
                            "-H", "Content-Type: application/sql", self.hub_http + "/api/v1/sql"],
                           capture_output=True, text=True, timeout=120)
        body, _, code = r.stdout.rpartition("\n")
        return int(code), body

    def rows(self, query, token=None):
        code, body = self.sql(query, token)
        self.assertEqual(code, 200, body)
        return list(csv.reader(io.StringIO(body)))[1:]

    def direct(self, query):
        r = tessera("sql", "--format", "csv", query, data_dir=self.east)
        return list(csv.reader(io.StringIO(r.stdout)))[1:]

    def test_01_mount_lists_the_shared_tables_without_the_token(self):
        r = tessera("mount", "list", "--json", data_dir=self.hub)
        mounts = json.loads(r.stdout)
        self.assertEqual([(m["name"], m["tables"]) for m in mounts], [("east", 2)])
        self.assertNotIn("dss_", r.stdout)
        shown = json.loads(tessera("mount", "show", "east", "--json", data_dir=self.hub).stdout)
        self.assertEqual(sorted(t["name"] for t in shown["tables"]),
                         ["east.fixtures.simple", "east.h1.legs"])
        self.assertNotIn("dss_", json.dumps(shown))

    def test_02_remote_rows_equal_the_owners_rows_and_the_cache_serves_repeats(self):
        query = "SELECT id, month, carrier, delay FROM {} ORDER BY id"
        self.assertEqual(self.rows(query.format("east.h1.legs")),
                         self.direct(query.format("flights.h1.legs")))
        fetched = cache_bytes(self.hub, "east")
        self.assertGreater(fetched, 0)
        # Same files, same ids: nothing new is downloaded.
        self.assertEqual(self.rows("SELECT count(*) FROM east.h1.legs WHERE month = 3"), [["500"]])
        self.assertEqual(cache_bytes(self.hub, "east"), fetched)
        # The command line sees mounts too.
        r = tessera("sql", "--format", "csv", "SELECT count(*) FROM east.h1.legs", data_dir=self.hub)
        self.assertEqual(r.stdout.splitlines()[1:], ["3000"])
        # ... also in a node whose --data-dir is relative (cached files are named by absolute
        # path in the snapshot logs).
        for args in (["mount", "add", "east", "--profile", self.profile],
                     ["sql", "--format", "csv", "SELECT count(*) FROM east.h1.legs"]):
            r = subprocess.run([TESSERA, *args, "--data-dir", "relative-node"], text=True,
                               capture_output=True, timeout=120, cwd=self.tmp.name)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines()[1:], ["3000"])
        # A delta-rs-written fixture table through the same mount equals its expected rows.
        self.assertEqual(self.rows("SELECT id FROM east.fixtures.simple ORDER BY id"),
                         simple_rows())

    def test_02b_filters_are_sent_as_predicate_hints_so_fewer_files_are_fetched(self):
        # A fresh mount (empty cache) of the same share: a one-month filter fetches one of the
        # six monthly partition files, on every port; the rows are still exactly the right ones.
        tessera("mount", "add", "pushed", "--profile", self.profile, data_dir=self.hub)
        files = os.path.join(self.hub, "cache", "shares", "pushed", "files")
        try:
            # Listing tables (every view is defined) asks for metadata only: no file moves.
            names = self.rows("SELECT table_catalog || '.' || table_schema || '.' || table_name "
                              "FROM information_schema.tables WHERE table_catalog = 'pushed' "
                              "ORDER BY 1")
            self.assertEqual(names, [["pushed.fixtures.simple"], ["pushed.h1.legs"]])
            self.assertFalse(os.path.isdir(files) and os.listdir(files))
            r = tessera("sql", "--format", "csv", "SELECT count(*) FROM pushed.h1.legs "
                        "WHERE month = 2", data_dir=self.hub)
            self.assertEqual(r.stdout.splitlines()[1:], ["500"])
            self.assertEqual(len(os.listdir(files)), 1)
            one_month = cache_bytes(self.hub, "pushed")
            self.assertEqual(self.rows("SELECT count(*), sum(delay) FROM pushed.h1.legs "
                                       "WHERE month = 3"),
                             self.direct("SELECT count(*), sum(delay) FROM flights.h1.legs "
                                         "WHERE month = 3"))
            self.assertEqual(len(os.listdir(files)), 2)
            self.assertEqual(self.rows("SELECT count(*) FROM pushed.h1.legs WHERE month >= 5"),
                             [["1000"]])
            self.assertEqual(len(os.listdir(files)), 4)
            # No usable filter (an OR): every file; the answer is still right.
            self.assertEqual(self.rows("SELECT count(*) FROM pushed.h1.legs "
                                       "WHERE month = 1 OR delay > 1000"), [["500"]])
            self.assertEqual(len(os.listdir(files)), 6)
            self.assertGreater(cache_bytes(self.hub, "pushed"), 4 * one_month)
        finally:
            tessera("mount", "remove", "pushed", data_dir=self.hub)

    def test_02c_tables_that_need_the_delta_format_read_like_the_owners_copy(self):
        # Deletion vectors, column mapping, timestampNtz and type widening: the server answers
        # these in the delta response format; the mount writes the Delta actions it gets as a
        # local log (deletion vector files fetched too) and reads them like the owner would.
        names = ["delta-basic-dv-with-checkpoint", "deltars-table-with-column-mapping",
                 "golden-data-reader-timestamp-ntz-name-mode", "kernel-type-widening"]
        for name in names:
            tessera("share", "add-table", "flights", os.path.join(FIXTURES, name), "--schema",
                    "features", data_dir=self.east)
        try:
            tessera("mount", "refresh", "east", data_dir=self.hub)
            for name in names:
                query = "SELECT * FROM {} ORDER BY ALL"
                mounted = tessera("sql", "--format", "csv",
                                  query.format(f'east.features."{name}"'), data_dir=self.hub)
                direct = tessera("sql", "--format", "csv", query.format(
                    f"delta_scan('{os.path.join(FIXTURES, name)}')"), data_dir=self.hub)
                self.assertEqual(mounted.stdout, direct.stdout, name)
                self.assertGreater(len(mounted.stdout.splitlines()), 1, name)
            files = os.listdir(os.path.join(self.hub, "cache", "shares", "east", "files"))
            self.assertTrue(any(f.endswith("-dv.bin") for f in files), files)
            # Deleted rows never show: the DV table has 454 live rows of more written.
            self.assertEqual(self.rows('SELECT count(*) FROM east.features.'
                                       '"delta-basic-dv-with-checkpoint"'), [["454"]])
        finally:
            for name in names:
                tessera("share", "remove-table", "flights", "features." + name,
                        data_dir=self.east)
            tessera("mount", "refresh", "east", data_dir=self.hub)

    def test_03_one_query_joins_a_mount_and_a_local_table(self):
        query = ("SELECT n.name, count(*) AS legs, sum(l.delay) AS delay FROM east.h1.legs l "
                 "JOIN ref.carriers.names n ON n.code = l.carrier GROUP BY n.name ORDER BY n.name")
        expected = self.direct(
            "SELECT 'Carrier ' || substr(carrier, 2) AS name, count(*), sum(delay) "
            "FROM flights.h1.legs GROUP BY carrier ORDER BY name")
        self.assertEqual(self.rows(query), expected)
        self.assertEqual(self.rows(query, token=self.ana), expected)

    def test_04_grants_govern_mounts_like_local_tables(self):
        code, body = self.sql("SELECT * FROM east.fixtures.simple", token=self.ana)
        self.assertEqual(code, 404, body)
        self.assertIn("does not exist", body)

    def test_05_bad_profiles_are_usage_errors_with_reasons(self):
        bad = os.path.join(self.tmp.name, "bad.share")
        for content, reason in (("not json", "not a JSON object"),
                                ('{"shareCredentialsVersion": 1, "endpoint": "ftp://x", '
                                 '"bearerToken": "t"}', "http(s)"),
                                ('{"shareCredentialsVersion": 1, "endpoint": "http://x"}',
                                 "bearerToken")):
            with open(bad, "w") as f:
                f.write(content)
            r = tessera("mount", "add", "bad", "--profile", bad, data_dir=self.hub, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(reason, r.stderr)
        r = tessera("mount", "add", "Bad-Name", "--profile", self.profile, data_dir=self.hub,
                    check=False)
        self.assertEqual(r.returncode, 2)
        r = tessera("mount", "add", "east", "--profile", self.profile, data_dir=self.hub,
                    check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("already exists", r.stderr)
        # Nothing listens there: a clear error, quickly.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with open(bad, "w") as f:
            json.dump({"shareCredentialsVersion": 1, "bearerToken": "dss_x",
                       "endpoint": f"http://127.0.0.1:{port}/delta-sharing"}, f)
        started = time.time()
        r = tessera("mount", "add", "nowhere", "--profile", bad, data_dir=self.hub, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach sharing server", r.stderr)
        self.assertLess(time.time() - started, 30)
        # A wrong token: the server's own message comes through.
        with open(bad, "w") as f:
            json.dump({"shareCredentialsVersion": 1, "bearerToken": "dss_wrong",
                       "endpoint": self.east_http + "/delta-sharing"}, f)
        r = tessera("mount", "add", "wrong", "--profile", bad, data_dir=self.hub, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("401", r.stderr)

    def test_06_refresh_sees_new_tables_and_remove_forgets_the_mount(self):
        tessera("share", "add-table", "flights", os.path.join(FIXTURES, "deltars-simple-table"),
                "--schema", "fixtures", "--as", "again", data_dir=self.east)
        out = tessera("mount", "refresh", "east", data_dir=self.hub).stdout
        self.assertIn("3 table(s)", out)
        self.assertEqual(self.rows("SELECT id FROM east.fixtures.again ORDER BY id"),
                         simple_rows())
        tessera("share", "remove-table", "flights", "fixtures.again", data_dir=self.east)
        tessera("mount", "refresh", "east", data_dir=self.hub)

    def test_07_a_revoked_token_then_a_dead_server_give_clear_errors(self):
        tessera("recipient", "revoke", "hub", data_dir=self.east)
        time.sleep(2.5)  # a table's file list is reused for 2 s (one server call per query)
        code, body = self.sql("SELECT count(*) FROM east.h1.legs")
        self.assertGreaterEqual(code, 400, body)
        self.assertIn("sharing server", body)
        self.assertIn("401", body)
        self.east_server.terminate()
        self.east_server.wait(timeout=30)
        started = time.time()
        code, body = self.sql("SELECT count(*) FROM east.fixtures.simple")
        self.assertGreaterEqual(code, 400, body)
        self.assertIn("cannot reach sharing server", body)
        self.assertLess(time.time() - started, 30)

    def test_07b_a_server_that_breaks_the_protocol_gives_errors_and_caches_nothing(self):
        hostile = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HostileSharingServer)
        threading.Thread(target=hostile.serve_forever, daemon=True).start()
        try:
            profile = os.path.join(self.tmp.name, "hostile.share")
            with open(profile, "w") as f:
                json.dump({"shareCredentialsVersion": 1, "bearerToken": "dss_x",
                           "endpoint": f"http://127.0.0.1:{hostile.server_address[1]}"
                                       "/delta-sharing"}, f)
            tessera("mount", "add", "hostile", "--profile", profile, data_dir=self.hub)
            code, body = self.sql("SELECT * FROM hostile.x.garbage")
            self.assertGreaterEqual(code, 400, body)
            self.assertIn("malformed NDJSON", body)
            code, body = self.sql("SELECT * FROM hostile.x.short")
            self.assertGreaterEqual(code, 400, body)
            self.assertIn("sent 50 bytes, the file has 100", body)
            code, body = self.sql("SELECT * FROM hostile.x.long")
            self.assertGreaterEqual(code, 400, body)
            self.assertIn("more than the file's 100 bytes", body)
            code, body = self.sql("SELECT * FROM hostile.x.mistagged")
            self.assertGreaterEqual(code, 400, body)
            self.assertIn("does not match its ETag", body)
            files = os.path.join(self.hub, "cache", "shares", "hostile", "files")
            self.assertEqual(os.listdir(files) if os.path.isdir(files) else [], [])
            # A content MD5 that matches: the file is kept (the bytes are no Parquet, so the
            # read itself fails).
            self.sql("SELECT * FROM hostile.x.tagged")
            self.assertEqual(os.listdir(files), ["f-tagged.parquet"])
            os.remove(os.path.join(files, "f-tagged.parquet"))
            # An expired URL is asked for again (same file id) and the download goes through;
            # the bytes are no Parquet, so reading them fails, but the file was fetched whole.
            code, body = self.sql("SELECT * FROM hostile.x.expiring")
            self.assertEqual(hostile.expiring_queries, 2)
            # The first query asked for a refresh token; the second renewed the URLs with it.
            self.assertEqual(hostile.expiring_bodies[0].get("includeRefreshToken"), True)
            self.assertEqual(hostile.expiring_bodies[1].get("refreshToken"), "tok-1")
            self.assertEqual(os.listdir(files), ["f-expiring.parquet"])
            self.assertEqual(os.path.getsize(os.path.join(files, "f-expiring.parquet")), 100)
        finally:
            hostile.shutdown()
            hostile.server_close()
            tessera("mount", "remove", "hostile", data_dir=self.hub, check=False)

    def test_09_files_mounts_read_csv_globs_and_parquet_directories_in_place(self):
        landing = os.path.join(self.tmp.name, "landing")
        os.makedirs(os.path.join(landing, "2026"))
        for day in (1, 2):
            with open(os.path.join(landing, f"orders-{day}.csv"), "w") as f:
                f.write("id,amount\n" + "".join(f"{day * 100 + i},{i}\n" for i in range(10)))
        tessera("sql", f"COPY (SELECT range AS id FROM range(7)) TO "
                f"'{landing}/2026/part-0.parquet' (FORMAT parquet)", data_dir=self.hub)
        out = tessera("mount", "add", "landing", "--files", os.path.join(landing, "*.csv"),
                      "--table", "orders", data_dir=self.hub).stdout
        self.assertIn("landing.files.orders", out)
        tessera("mount", "add", "lake", "--files", landing, data_dir=self.hub)
        self.assertEqual(self.rows("SELECT count(*), sum(amount) FROM landing.files.orders"),
                         [["20", "90"]])
        self.assertEqual(self.rows("SELECT count(*) FROM lake.files.data"), [["7"]])
        r = tessera("sql", "--format", "csv", "SELECT sum(amount) FROM landing.files.orders",
                    data_dir=self.hub)
        self.assertEqual(r.stdout.splitlines()[1:], ["90"])
        # Grants: ana reads landing once granted, and nothing else on disk through it.
        code, body = self.sql("SELECT count(*) FROM landing.files.orders", token=self.ana)
        self.assertEqual(code, 404, body)
        tessera("principal", "grant", "ana", "landing", data_dir=self.hub)
        self.assertEqual(self.rows("SELECT count(*) FROM landing.files.orders", token=self.ana),
                         [["20"]])
        code, body = self.sql("SELECT * FROM read_csv('/etc/passwd')", token=self.ana)
        self.assertEqual(code, 403, body)
        # Nothing to read, unknown formats, local names: usage errors with the reason.
        for args, reason in (((os.path.join(landing, "*.xml"),), "cannot tell the format"),
                             ((os.path.join(landing, "none-*.csv"),), "no csv files match"),
                             ((landing, "--format", "avro"), "unknown format"),
                             (("/*.csv",), "below /")):
            r = tessera("mount", "add", "bad", "--files", *args, data_dir=self.hub, check=False)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(reason, r.stderr)
        r = tessera("mount", "add", "ref", "--files", landing, data_dir=self.hub, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("local domain", r.stderr)
        listed = json.loads(tessera("mount", "list", "--json", data_dir=self.hub).stdout)
        self.assertIn(("landing", "files"), [(m["name"], m["kind"]) for m in listed])
        tessera("mount", "remove", "lake", data_dir=self.hub)
        tessera("mount", "remove", "landing", data_dir=self.hub)
        self.assertTrue(os.path.exists(os.path.join(landing, "orders-1.csv")))  # data stays

    def test_08_remove_drops_the_mount_and_its_cache(self):
        tessera("mount", "remove", "east", data_dir=self.hub)
        self.assertFalse(os.path.exists(os.path.join(self.hub, "cache", "shares", "east")))
        r = tessera("mount", "show", "east", data_dir=self.hub, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("does not exist", r.stderr)


if __name__ == "__main__":
    unittest.main()
