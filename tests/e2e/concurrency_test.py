#!/usr/bin/env python3
"""Concurrent writers: 4 processes x 50 appends at once on one table give 200 commits, each
version 1..200 exactly once, and exactly the rows appended: none lost, none doubled."""
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import unittest

TESSERA = os.environ["TESSERA_BIN"]
WRITERS = 4
APPENDS = 50
ROWS = 1000  # per append; the commits are what is under test, not the data
TABLE = "conc.test.t"


def first_id(writer, seq):
    return (writer * APPENDS + seq) * ROWS


class ConcurrencyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")
        self.log = os.path.join(self.data, "tables", *TABLE.split("."), "_delta_log")
        self.procs = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def tearDown(self):
        self.stop.set()
        with self.lock:
            for p in self.procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        self.tmp.cleanup()

    def run_tessera(self, *args):
        with self.lock:
            p = subprocess.Popen([TESSERA, *args, "--data-dir", self.data], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            self.procs.append(p)
        try:
            out, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            err += "\n(killed after 120 s)"
        with self.lock:
            self.procs.remove(p)
        return p.returncode, out, err

    def writer(self, w, results):
        """One writer process stream: APPENDS sequential `tessera table append` commands."""
        for seq in range(APPENDS):
            if self.stop.is_set():
                return
            code, out, err = self.run_tessera(
                "table", "append", TABLE, "--from",
                f"SELECT range + {first_id(w, seq)} AS id, {w} AS writer, {seq} AS seq"
                f" FROM range({ROWS})")
            m = re.match(r"version (\d+): (\d+) rows in 1 files", out)
            results.append((w, seq, code, int(m.group(1)) if m else None, err.strip()))
            if code != 0:
                self.stop.set()  # one failure fails the test; stop the others early
                return

    def test_four_writers_fifty_appends_each(self):
        code, _, err = self.run_tessera(
            "table", "create", TABLE, "--from",
            "SELECT range::BIGINT AS id, 0 AS writer, 0 AS seq FROM range(0)")
        self.assertEqual(code, 0, err)

        started = time.monotonic()
        results = [[] for _ in range(WRITERS)]
        threads = [threading.Thread(target=self.writer, args=(w, results[w])) for w in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started

        failures = [r for rs in results for r in rs if r[2] != 0]
        self.assertEqual(failures, [], "appends that failed: (writer, seq, exit, version, stderr)")
        self.assertEqual([len(rs) for rs in results], [APPENDS] * WRITERS)
        # Every command got its own version; each writer's versions grow, as its appends are
        # sequential.
        version_of = {(w, seq): v for rs in results for (w, seq, _, v, _) in rs}
        self.assertEqual(sorted(version_of.values()), list(range(1, WRITERS * APPENDS + 1)))
        for rs in results:
            versions = [v for (_, _, _, v, _) in rs]
            self.assertEqual(versions, sorted(versions))

        # The log: versions 0..200, each exactly once, each commit holding the append that said it
        # got that version, whole.
        names = sorted(n for n in os.listdir(self.log) if not n.startswith("."))
        self.assertEqual([n for n in names if n.endswith(".json")],
                         ["%020d.json" % v for v in range(WRITERS * APPENDS + 1)])
        # delta.checkpointInterval defaults to 100: whichever writer committed 100 and 200 wrote
        # their checkpoints, and the hint names the newest.
        self.assertEqual([n for n in names if not n.endswith(".json")],
                         ["%020d.checkpoint.parquet" % v for v in (100, 200)] + ["_last_checkpoint"])
        rebased = 0
        for (w, seq), v in version_of.items():
            with open(os.path.join(self.log, "%020d.json" % v), encoding="utf-8") as f:
                actions = [json.loads(line) for line in f]
            info = actions[0]["commitInfo"]
            self.assertEqual((info["operation"], info["operationParameters"], info["isBlindAppend"]),
                             ("WRITE", {"mode": "Append"}, True))
            self.assertLess(info["readVersion"], v)
            rebased += info["readVersion"] != v - 1
            adds = [a["add"] for a in actions if "add" in a]
            self.assertEqual(len(adds), 1, f"version {v}")
            self.assertEqual(len(actions), 2, f"version {v}: {actions}")
            stats = json.loads(adds[0]["stats"])
            self.assertEqual((stats["numRecords"], stats["minValues"], stats["maxValues"]),
                             (ROWS, {"id": first_id(w, seq), "writer": w, "seq": seq},
                              {"id": first_id(w, seq) + ROWS - 1, "writer": w, "seq": seq}),
                             f"version {v}")
        # The writers did overlap: some commits lost a race and were rebased onto a newer version.
        self.assertGreater(rebased, 0, "no append ever raced another: the test proved nothing")

        # The data: exactly the ids appended, each once.
        n = WRITERS * APPENDS * ROWS
        code, out, err = self.run_tessera(
            "sql", "--format", "csv",
            f"SELECT count(*), count(DISTINCT id), min(id), max(id), sum(id),"
            f" count(DISTINCT (writer, seq)) FROM {TABLE}")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines()[1], f"{n},{n},0,{n - 1},{n * (n - 1) // 2},{WRITERS * APPENDS}")
        code, out, err = self.run_tessera(
            "sql", "--format", "csv",
            f"SELECT count(*) FROM (SELECT writer, seq, count(*) AS c, min(id) AS lo, max(id) AS hi"
            f" FROM {TABLE} GROUP BY ALL) WHERE c = {ROWS} AND lo = (writer * {APPENDS} + seq) * {ROWS}"
            f" AND hi = lo + {ROWS - 1}")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines()[1], str(WRITERS * APPENDS))
        code, out, err = self.run_tessera("table", "describe", TABLE, "--json")
        self.assertEqual(code, 0, err)
        described = json.loads(out)
        with open(os.path.join(self.log, "%020d.json" % 0), encoding="utf-8") as f:
            created_files = sum(1 for line in f if "add" in json.loads(line))  # 0 or 1 empty file
        self.assertEqual((described["version"], described["rows"], described["files"]),
                         (WRITERS * APPENDS, n, WRITERS * APPENDS + created_files))
        code, out, err = self.run_tessera("table", "history", TABLE, "--json")
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(h["version"] for h in json.loads(out)),
                         list(range(WRITERS * APPENDS + 1)))
        print(f"\nconcurrency_test: {WRITERS} x {APPENDS} appends in {elapsed:.1f}s,"
              f" {rebased} commits rebased after losing a race", flush=True)


if __name__ == "__main__":
    unittest.main()
