#!/usr/bin/env python3
"""Load: 200 concurrent clients (wrk) against the Delta Sharing query endpoint and the signed
/files endpoint for SHARING_LOAD_SECONDS (default 30): no error responses, no leaked file
descriptors, and no unbounded memory growth of `tessera serve`."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import requests

TESSERA = os.environ["TESSERA_BIN"]
SECONDS = int(os.environ.get("SHARING_LOAD_SECONDS", "30"))


def tessera(*args, data_dir):
    r = subprocess.run([TESSERA, *args, "--data-dir", data_dir], capture_output=True, text=True,
                       timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"tessera {' '.join(args)} failed: {r.stderr}")
    return r.stdout


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


@unittest.skipUnless(shutil.which("wrk"), "wrk is missing (scripts/bootstrap installs it)")
class SharingLoadTest(unittest.TestCase):
    def test_200_clients(self):
        with tempfile.TemporaryDirectory() as tmp:
            d = os.path.join(tmp, "data")
            tessera("table", "create", "demo.sales.orders", "--from",
                    "SELECT range AS id, range % 7 AS shop FROM range(100000)", data_dir=d)
            for _ in range(20):
                tessera("table", "append", "demo.sales.orders", "--from",
                        "SELECT range AS id, range % 7 AS shop FROM range(1000)", data_dir=d)
            tessera("share", "create", "sales", data_dir=d)
            tessera("share", "add-table", "sales", "demo.sales.orders", data_dir=d)
            tessera("recipient", "create", "partner", data_dir=d)
            tessera("share", "grant", "sales", "partner", data_dir=d)
            server = subprocess.Popen([TESSERA, "serve", "--data-dir", d, "--http",
                                       "127.0.0.1:0", "--no-pg", "--max-connections", "512"],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      text=True)
            try:
                base = None
                while base is None:
                    line = server.stdout.readline()
                    self.assertTrue(line, "tessera serve did not start")
                    m = re.match(r"http: (\S+)", line)
                    if m:
                        base = "http://" + m.group(1)
                profile = os.path.join(tmp, "p.share")
                tessera("recipient", "profile", "partner", "--output", profile, "--endpoint",
                        base + "/delta-sharing", data_dir=d)
                with open(profile) as f:
                    token = json.load(f)["bearerToken"]
                query_url = base + "/delta-sharing/shares/sales/schemas/sales/tables/orders/query"
                lines = requests.post(query_url, data="{}", timeout=60, headers={
                    "Authorization": "Bearer " + token}).text.splitlines()
                file_url = json.loads(lines[2])["file"]["url"]
                self.assertEqual(requests.get(file_url, timeout=60).status_code, 200)
                # Warm up, then take the baseline.
                time.sleep(0.5)
                fds_before, rss_before = fds(server.pid), rss_kb(server.pid)
                post = os.path.join(tmp, "post.lua")
                with open(post, "w") as f:
                    f.write(f'wrk.method = "POST"\nwrk.body = "{{}}"\n'
                            f'wrk.headers["Authorization"] = "Bearer {token}"\n')
                # A generous per-request timeout: under sanitizers or a busy machine a request
                # may queue for seconds; a slow answer is not an error, a missing one is.
                wrk = ["wrk", "-t1", "-c100", f"-d{SECONDS}s", "--timeout", "60s"]
                runs = [subprocess.Popen([*wrk, "-s", post, query_url], stdout=subprocess.PIPE,
                                         text=True),
                        subprocess.Popen([*wrk, file_url], stdout=subprocess.PIPE, text=True)]
                outputs = [r.communicate(timeout=SECONDS + 120)[0] for r in runs]
                for out in outputs:
                    self.assertRegex(out, r"Requests/sec:\s+[1-9]", out)
                    self.assertNotIn("Non-2xx", out, out)
                    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                                  r"timeout (\d+)", out)
                    # wrk counts its own connections closed at the end as read errors; only
                    # refused connections and timeouts are the server's fault.
                    if m:
                        self.assertEqual((m.group(1), m.group(4)), ("0", "0"), out)
                time.sleep(1)
                self.assertEqual(server.poll(), None, "tessera serve died under load")
                fds_after, rss_after = fds(server.pid), rss_kb(server.pid)
                self.assertLessEqual(fds_after, fds_before + 5,
                                     f"file descriptors {fds_before} -> {fds_after}")
                # Under AddressSanitizer RSS says nothing (freed memory sits in its quarantine);
                # LeakSanitizer checks leaks there instead.
                if os.environ.get("TESSERA_SANITIZED") != "1":
                    self.assertLess(rss_after, rss_before * 2 + 128 * 1024,
                                    f"RSS {rss_before} kB -> {rss_after} kB")
                print(f"\nload: {SECONDS}s x 200 clients; fds {fds_before} -> {fds_after}; "
                      f"RSS {rss_before} -> {rss_after} kB")
                for out in outputs:
                    print("  " + re.search(r"Requests/sec:.*", out).group(0))
            finally:
                server.terminate()
                server.wait(timeout=60)


if __name__ == "__main__":
    unittest.main()
