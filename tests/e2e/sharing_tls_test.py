#!/usr/bin/env python3
"""End-to-end: with --tls-cert/--tls-key the HTTP port speaks only HTTPS; Delta Sharing
requests and signed file downloads work over it with curl and python3-requests, and file URLs
follow --public-url."""
import json
import os
import re
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import requests
import urllib3

TESSERA = os.environ["TESSERA_BIN"]
urllib3.disable_warnings()


def tessera(*args, data_dir):
    r = subprocess.run([TESSERA, *args, "--data-dir", data_dir], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"tessera {' '.join(args)} failed: {r.stderr}")
    return r.stdout


class SharingTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.data = os.path.join(cls.tmp.name, "data")
        cls.cert = os.path.join(cls.tmp.name, "server.crt")
        cls.key = os.path.join(cls.tmp.name, "server.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                        "/CN=localhost", "-days", "1", "-keyout", cls.key, "-out", cls.cert],
                       check=True, capture_output=True, timeout=120)
        tessera("table", "create", "demo.sales.orders", "--from",
                "SELECT range AS id FROM range(100)", data_dir=d)
        tessera("share", "create", "sales", data_dir=d)
        tessera("share", "add-table", "sales", "demo.sales.orders", data_dir=d)
        tessera("recipient", "create", "partner", data_dir=d)
        tessera("share", "grant", "sales", "partner", data_dir=d)
        cls.server = subprocess.Popen(
            [TESSERA, "serve", "--data-dir", d, "--http", "127.0.0.1:0", "--no-pg",
             "--tls-cert", cls.cert, "--tls-key", cls.key,
             "--public-url", "https://localhost:PORT"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        cls.port = None
        deadline = time.time() + 60
        while time.time() < deadline and cls.port is None:
            line = cls.server.stdout.readline()
            if not line:
                break
            m = re.match(r"http: \S+:(\d+)", line)
            if m:
                cls.port = int(m.group(1))
        if cls.port is None:
            cls.server.kill()
            raise RuntimeError("no http address: " + cls.server.stderr.read())
        # The certificate names localhost; requests resolves it to 127.0.0.1.
        cls.base = f"https://localhost:{cls.port}"
        path = os.path.join(cls.tmp.name, "p.share")
        tessera("recipient", "profile", "partner", "--output", path, "--endpoint",
                cls.base + "/delta-sharing", data_dir=d)
        with open(path) as f:
            cls.token = json.load(f)["bearerToken"]
        cls.profile = path

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=30)
        cls.tmp.cleanup()

    def test_curl_over_https(self):
        r = subprocess.run(["curl", "-sS", "--cacert", self.cert, "--resolve",
                            f"localhost:{self.port}:127.0.0.1",
                            f"https://localhost:{self.port}/healthz"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.stdout, "ok", r.stderr)

    def test_query_and_download_over_https(self):
        s = requests.Session()
        s.headers["Authorization"] = "Bearer " + self.token
        r = s.post(self.base + "/delta-sharing/shares/sales/schemas/sales/tables/orders/query",
                   data="{}", timeout=60, verify=self.cert)
        self.assertEqual(r.status_code, 200, r.text)
        lines = [json.loads(l) for l in r.text.splitlines()]
        url = lines[2]["file"]["url"]
        # --public-url decides where file links point (here a placeholder host).
        self.assertTrue(url.startswith("https://localhost:PORT/files/"), url)
        real = url.replace("https://localhost:PORT", self.base)
        data = s.get(real, timeout=60, verify=self.cert)
        self.assertEqual(data.status_code, 200)
        self.assertEqual(data.content[:4], b"PAR1")
        self.assertEqual(len(data.content), lines[2]["file"]["size"])

    def test_a_mount_verifies_the_server_with_its_private_ca(self):
        hub = os.path.join(self.tmp.name, "hub")
        r = subprocess.run([TESSERA, "mount", "add", "sales", "--profile", self.profile,
                            "--data-dir", hub], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("certificate", r.stderr)  # self-signed: not trusted by default
        tessera("mount", "add", "sales", "--profile", self.profile, "--ca-file", self.cert,
                data_dir=hub)
        query = ["sql", "--format", "csv", "SELECT count(*), sum(id) FROM sales.sales.orders",
                 "--data-dir", hub]
        # This node's file links point at a placeholder host (--public-url): a clear error.
        r = subprocess.run([TESSERA, *query], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot fetch it from https://localhost:PORT", r.stderr)
        # A second node on the same data, whose links name itself: files come over TLS too.
        second = subprocess.Popen(
            [TESSERA, "serve", "--data-dir", self.data, "--http", "127.0.0.1:0", "--no-pg",
             "--tls-cert", self.cert, "--tls-key", self.key],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            port = None
            while port is None:
                line = second.stdout.readline()
                self.assertTrue(line, "second node did not start")
                if m := re.match(r"http: \S+:(\d+)", line):
                    port = int(m.group(1))
            profile = os.path.join(self.tmp.name, "second.share")
            tessera("recipient", "profile", "partner", "--output", profile, "--endpoint",
                    f"https://localhost:{port}/delta-sharing", data_dir=self.data)
            tessera("mount", "add", "direct", "--profile", profile, "--ca-file", self.cert,
                    data_dir=hub)
            query[3] = "SELECT count(*), sum(id) FROM direct.sales.orders"
            r = subprocess.run([TESSERA, *query], capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.splitlines()[1:], ["100,4950"])
        finally:
            second.terminate()
            second.wait(timeout=30)

    def test_plain_http_to_the_https_port_gets_nothing(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.settimeout(10)
            try:
                reply = sock.recv(100)
            except (ConnectionResetError, socket.timeout):
                reply = b""
            self.assertFalse(reply.startswith(b"HTTP/1.1 200"), reply)
        # The server is still fine afterwards.
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.check_hostname = False
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as raw:
            with ctx.wrap_socket(raw) as tls:
                tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                self.assertIn(b"200", tls.recv(100))


if __name__ == "__main__":
    unittest.main()
