#!/usr/bin/env python3
"""End-to-end: `tessera serve` on port 0, its HTTP SQL API driven with curl."""
import json
import os
import re
import subprocess
import tempfile
import time
import unittest

TESSERA = os.environ["TESSERA_BIN"]


def tessera(*args, data_dir):
    r = subprocess.run([TESSERA, *args, "--data-dir", data_dir], capture_output=True, text=True,
                       timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"tessera {' '.join(args)} failed: {r.stderr}")
    return r.stdout


def curl(*args):
    # Bytes, not text mode: text mode would turn the CSV's CRLF line ends into LF.
    r = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", *args], capture_output=True,
                       timeout=120)
    body, _, code = r.stdout.decode().rpartition("\n")
    return int(code or 0), body


class HttpSqlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "data")
        tessera("table", "create", "shop.sales.orders", "--from",
                "SELECT range AS id, 'r' || (range % 3) AS region FROM range(1000)",
                data_dir=cls.data)
        tessera("principal", "create", "alice", data_dir=cls.data)
        tessera("principal", "grant", "alice", "shop.sales", data_dir=cls.data)
        out = tessera("principal", "token", "alice", data_dir=cls.data)
        cls.token = re.search(r"tsr_[A-Za-z0-9_-]+", out).group(0)
        cls.server = subprocess.Popen(
            [TESSERA, "serve", "--data-dir", cls.data, "--http", "127.0.0.1:0", "--pg",
             "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        cls.url = None
        deadline = time.time() + 60
        while time.time() < deadline and cls.url is None:
            line = cls.server.stdout.readline()
            if not line:
                break
            m = re.match(r"http: (\S+)", line)
            if m:
                cls.url = "http://" + m.group(1)
        if cls.url is None:
            cls.server.kill()
            raise RuntimeError("tessera serve did not print its HTTP address")

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=30)
        cls.tmp.cleanup()

    def sql(self, body, *extra, token=None, path="/api/v1/sql"):
        return curl("-X", "POST", "-H", f"Authorization: Bearer {token or self.token}",
                    "-H", "Content-Type: application/json", "--data-binary", json.dumps(body),
                    *extra, self.url + path)

    def test_healthz(self):
        self.assertEqual(curl(self.url + "/healthz"), (200, "ok"))

    def test_json(self):
        code, body = self.sql({"sql": "SELECT id, region FROM shop.sales.orders ORDER BY id",
                               "limit": 2})
        self.assertEqual(code, 200, body)
        self.assertEqual(json.loads(body), {
            "columns": [{"name": "id", "type": "BIGINT"}, {"name": "region", "type": "VARCHAR"}],
            "rows": [[0, "r0"], [1, "r1"]], "row_count": 2, "truncated": True})

    def test_csv_by_accept_and_ndjson_by_param(self):
        sql = {"sql": "SELECT count(*) AS n FROM shop.sales.orders"}
        self.assertEqual(self.sql(sql, "-H", "Accept: text/csv"), (200, "n\r\n1000\r\n"))
        code, body = self.sql(sql, path="/api/v1/sql?format=ndjson")
        self.assertEqual(code, 200)
        self.assertEqual([json.loads(l) for l in body.splitlines()], [
            {"columns": [{"name": "n", "type": "BIGINT"}]}, [1000],
            {"row_count": 1, "truncated": False}])

    def test_errors(self):
        code, body = self.sql({"sql": "SELECT 1"}, token="tsr_wrong")
        self.assertEqual(code, 401)
        self.assertEqual(json.loads(body)["error"]["code"], "28000")
        code, body = self.sql({"sql": "SELECT * FROM shop.sales.nope"})
        self.assertEqual(code, 404, body)
        self.assertEqual(json.loads(body)["error"]["code"], "42P01")
        code, body = self.sql({"sql": "SELEC 1"})
        self.assertEqual(code, 400)
        self.assertEqual(json.loads(body)["error"]["code"], "42601")
        # alice is no admin: the session's sandbox refuses other files and writes alike.
        for sql in ["SELECT * FROM read_text('/etc/hostname')",
                    f"SELECT * FROM delta_scan('{self.data}/tables/shop/other/x')",
                    "CREATE TABLE t AS SELECT 1"]:
            code, body = self.sql({"sql": sql})
            self.assertEqual(code, 403, f"{sql}: {body}")
            self.assertEqual(json.loads(body)["error"]["code"], "42501", sql)

    def test_timeout(self):
        code, body = self.sql({"sql": "SELECT count(*) FROM range(100000000000)",
                               "timeout_ms": 200})
        self.assertEqual(code, 504, body)
        self.assertEqual(json.loads(body)["error"]["code"], "57014")
        # A deadline that passes while the statement is still being opened and planned: DuckDB's
        # interrupt then finds nothing running, and the statement used to run to its end.
        started = time.monotonic()
        code, body = self.sql({"sql": "SELECT count(*) FROM range(100000000000)",
                               "timeout_ms": 1})
        self.assertEqual(code, 504, body)
        self.assertEqual(json.loads(body)["error"]["code"], "57014")
        self.assertLess(time.monotonic() - started, 10)


if __name__ == "__main__":
    unittest.main()
