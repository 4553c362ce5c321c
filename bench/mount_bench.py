#!/usr/bin/env python3
"""Mounts (issue 6), side by side in one run, on the real 3M-row 2001 US flights:

1. Bytes fetched for a one-month filter through a mount, with predicate pushdown (the filter is
   sent as jsonPredicateHints) and without (the same filter hidden in an OR the hints cannot
   carry), each into an empty cache.
2. An aggregate through the mount, cold (empty cache) and warm, against the same SQL run by
   `tessera sql` on the owner's table directly (DuckDB in-process, no network): the ratio.

Node `east` owns flights.y2001.legs (partitioned by month) and shares it; node `hub` mounts the
share. usage: bench/mount_bench.py --tessera BIN --flights flights-3m.parquet [--runs N]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tessera", required=True)
    parser.add_argument("--flights", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tessera-mount-bench-")
    east, hub = os.path.join(work, "east"), os.path.join(work, "hub")

    def tessera(*a, data_dir):
        r = subprocess.run([args.tessera, *a, "--data-dir", data_dir], capture_output=True,
                           text=True, timeout=600)
        if r.returncode != 0:
            sys.exit(f"tessera {' '.join(a)}: {r.stderr}")
        return r.stdout

    server = None
    try:
        tessera("table", "create", "flights.y2001.legs", "--partition-by", "month", "--from",
                "SELECT *, month(date) AS month FROM read_parquet("
                f"'{args.flights}')", data_dir=east)
        tessera("share", "create", "flights", data_dir=east)
        tessera("share", "add-table", "flights", "flights.y2001.legs", data_dir=east)
        tessera("recipient", "create", "hub", data_dir=east)
        tessera("share", "grant", "flights", "hub", data_dir=east)
        server = subprocess.Popen([args.tessera, "serve", "--data-dir", east, "--http",
                                   "127.0.0.1:0", "--no-pg"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        base = None
        while base is None:
            line = server.stdout.readline()
            if not line:
                sys.exit("tessera serve did not start")
            if m := re.match(r"http: (\S+)", line):
                base = "http://" + m.group(1)
        profile = os.path.join(work, "east.share")
        tessera("recipient", "profile", "hub", "--output", profile, "--endpoint",
                base + "/delta-sharing", data_dir=east)
        tessera("mount", "add", "east", "--profile", profile, data_dir=hub)
        cache = os.path.join(hub, "cache", "shares", "east")

        def fetched():
            files = os.path.join(cache, "files")
            return sum(os.path.getsize(os.path.join(files, f)) for f in os.listdir(files))

        def timed_sql(sql, data_dir):
            started = time.perf_counter()
            out = tessera("sql", "--format", "csv", sql, data_dir=data_dir)
            return time.perf_counter() - started, out.splitlines()[1:]

        table_bytes = sum(os.path.getsize(os.path.join(r, f))
                          for r, _, fs in os.walk(os.path.join(east, "tables")) for f in fs
                          if f.endswith(".parquet"))
        print(f"table: 3M rows, {table_bytes / 2**20:.1f} MB of Parquet in 7 monthly partitions")
        pushed = "SELECT count(*), avg(delay) FROM east.y2001.legs WHERE month = 3"
        hidden = ("SELECT count(*), avg(delay) FROM east.y2001.legs "
                  "WHERE month = 3 OR (month = 3 AND delay IS NULL)")
        results = {}
        for name, sql in (("with pushdown", pushed), ("without pushdown", hidden)):
            shutil.rmtree(cache, ignore_errors=True)
            seconds, rows = timed_sql(sql, hub)
            results[name] = (fetched(), seconds, rows)
        if results["with pushdown"][2] != results["without pushdown"][2]:
            sys.exit(f"answers differ: {results}")
        print("one-month filter (month = 3), empty cache each time:")
        for name, (size, seconds, _) in results.items():
            print(f"  {name:17} fetched {size / 2**20:7.2f} MB in {seconds:.2f} s")
        print(f"  pushdown fetched {results['with pushdown'][0] / results['without pushdown'][0]:.2f}"
              "x the bytes")

        aggregate = ("SELECT origin, count(*) AS flights, avg(delay) AS delay FROM {} "
                     "GROUP BY origin ORDER BY flights DESC LIMIT 5")
        shutil.rmtree(cache, ignore_errors=True)
        cold, mounted_rows = timed_sql(aggregate.format("east.y2001.legs"), hub)
        warm = min(timed_sql(aggregate.format("east.y2001.legs"), hub)[0]
                   for _ in range(args.runs))
        local_times = []
        for _ in range(args.runs):
            seconds, local_rows = timed_sql(aggregate.format("flights.y2001.legs"), east)
            local_times.append(seconds)
        local = min(local_times)
        if mounted_rows != local_rows:
            sys.exit(f"answers differ: {mounted_rows} vs {local_rows}")
        print("aggregate over all 3M rows (GROUP BY origin), `tessera sql` process each time:")
        print(f"  through the mount: cold {cold:.2f} s, warm {warm:.2f} s; on the owner's table "
              f"directly {local:.2f} s; ratio cold {cold / local:.2f}, warm {warm / local:.2f}")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
