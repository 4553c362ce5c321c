#!/usr/bin/env python3
"""End-to-end: the Delta Sharing admin HTTP API (/api/v1/shares, /api/v1/recipients) on a
running node: shares, tables, recipients and grants made over HTTP work at once for recipients
and are seen by the CLI, and only admin principals may use it."""
import json
import os
import re
import subprocess
import tempfile
import time
import unittest

import requests

TESSERA = os.environ["TESSERA_BIN"]


def tessera(*args, data_dir):
    r = subprocess.run([TESSERA, *args, "--data-dir", data_dir], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"tessera {' '.join(args)} failed: {r.stderr}")
    return r.stdout


class SharingAdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.data = os.path.join(cls.tmp.name, "data")
        tessera("table", "create", "demo.sales.orders", "--from",
                "SELECT range AS id FROM range(10)", data_dir=d)
        tessera("principal", "create", "root", "--admin", data_dir=d)
        tessera("principal", "create", "bob", data_dir=d)
        cls.admin = re.search(r"tsr_\S+", tessera("principal", "token", "root", data_dir=d))[0]
        cls.user = re.search(r"tsr_\S+", tessera("principal", "token", "bob", data_dir=d))[0]
        cls.server = subprocess.Popen(
            [TESSERA, "serve", "--data-dir", d, "--http", "127.0.0.1:0", "--no-pg"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        cls.base = None
        deadline = time.time() + 60
        while time.time() < deadline and cls.base is None:
            line = cls.server.stdout.readline()
            if not line:
                break
            m = re.match(r"http: (\S+)", line)
            if m:
                cls.base = "http://" + m.group(1)
        if cls.base is None:
            cls.server.kill()
            raise RuntimeError("no http address")
        cls.s = requests.Session()
        cls.s.headers["Authorization"] = "Bearer " + cls.admin

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=30)
        cls.tmp.cleanup()

    def api(self, method, path, body=None, token=None):
        headers = {"Authorization": "Bearer " + token} if token else None
        return self.s.request(method, self.base + "/api/v1" + path, timeout=60, headers=headers,
                              data=None if body is None else json.dumps(body))

    def test_whole_flow_over_http(self):
        r = self.api("POST", "/shares", {"name": "sales", "comment": "for partners"})
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(self.api("POST", "/shares", {"name": "SALES"}).status_code, 409)
        r = self.api("POST", "/shares/sales/tables", {"source": "demo.sales.orders",
                                                      "history": True})
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual((r.json()["schema"], r.json()["name"]), ("sales", "orders"))
        r = self.api("POST", "/shares/sales/tables", {"source": "demo.sales.nosuch"})
        self.assertEqual(r.status_code, 400, r.text)
        r = self.api("POST", "/recipients", {"name": "partner"})
        self.assertEqual(r.status_code, 201, r.text)
        token = r.json()["token"]
        self.assertEqual(r.json()["profile"]["bearerToken"], token)
        self.assertEqual(self.api("PUT", "/shares/sales/recipients/partner").status_code, 200)
        shares = requests.get(self.base + "/delta-sharing/shares", timeout=60,
                              headers={"Authorization": "Bearer " + token})
        self.assertEqual([s["name"] for s in shares.json()["items"]], ["sales"])
        listed = json.loads(tessera("share", "show", "sales", "--json", data_dir=self.data))
        self.assertEqual(listed["recipients"], ["partner"])
        self.assertEqual(listed["tables"][0]["name"], "orders")
        r = self.api("POST", "/recipients/partner/profile", {"endpoint": "https://x/delta-sharing",
                                                             "ttl_seconds": 3600})
        self.assertEqual(r.json()["endpoint"], "https://x/delta-sharing")
        self.assertIn("expirationTime", r.json())
        r = self.api("POST", "/recipients/partner/rotate", {"grace_seconds": 0})
        self.assertEqual(r.status_code, 200, r.text)
        old = requests.get(self.base + "/delta-sharing/shares", timeout=60,
                           headers={"Authorization": "Bearer " + token})
        self.assertEqual(old.status_code, 401)
        new = r.json()["token"]
        self.assertEqual(self.api("POST", "/recipients/partner/revoke").status_code, 200)
        self.assertEqual(requests.get(self.base + "/delta-sharing/shares", timeout=60, headers={
            "Authorization": "Bearer " + new}).status_code, 401)
        r = self.api("GET", "/shares/sales")
        self.assertEqual(r.json()["tables"][0]["history"], True)
        self.assertEqual(self.api("DELETE", "/shares/sales/tables/sales/orders").status_code, 200)
        self.assertEqual(self.api("DELETE", "/shares/sales/tables/sales/orders").status_code, 404)
        self.assertEqual(self.api("DELETE", "/shares/sales").status_code, 200)
        self.assertEqual(self.api("GET", "/shares/sales").status_code, 404)
        self.assertEqual(self.api("DELETE", "/recipients/partner").status_code, 200)

    def test_only_admins(self):
        r = requests.get(self.base + "/api/v1/shares", timeout=60)
        self.assertEqual(r.status_code, 401)
        self.assertEqual(self.api("GET", "/shares", token="tsr_bogus").status_code, 401)
        self.assertEqual(self.api("GET", "/shares", token=self.user).status_code, 403)
        self.assertEqual(self.api("GET", "/recipients", token=self.user).status_code, 403)

    def test_bad_requests(self):
        self.assertEqual(self.api("POST", "/shares", {"nam": "x"}).status_code, 400)
        r = self.s.post(self.base + "/api/v1/shares", data="{not json", timeout=60)
        self.assertEqual(r.status_code, 400)
        self.assertEqual(self.api("POST", "/shares", {"name": "a b"}).status_code, 400)
        self.assertEqual(self.api("POST", "/shares", {"name": 5}).status_code, 400)
        self.assertEqual(self.api("PUT", "/shares").status_code, 405)
        self.assertEqual(self.api("GET", "/recipients/nobody").status_code, 404)
        self.assertEqual(self.api("POST", "/recipients", {"name": "x", "ttl_seconds": -1})
                         .status_code, 400)


if __name__ == "__main__":
    unittest.main()
