#!/usr/bin/env python3
"""The mesh of `make demo` (issue 6), side by side in one run, on the real 3M-row 2001 US flights:

1. The demo's three-way join (east's half UNION ALL west's half, JOIN the airports in
   PostgreSQL, GROUP BY state and month) through the hub's mounts, cold (empty caches) and
   warm, against DuckDB running the same SQL over the same data as local files
   (flights-3m.parquet and airports.csv): the ratio. Each query is one `tessera sql` process on
   both sides.
2. Re-applying the hub's product after east appends 1% more rows: incremental (reads only the
   appended rows through east's change feed) against a full rebuild (`--full`): the ratio.

usage: bench/mesh_bench.py --tessera BIN [--runs N]
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from mesh import Mesh  # noqa: E402

JOIN = """SELECT a.state, CAST(date_trunc('month', f.date) AS DATE) AS month, count(*) AS flights,
       round(avg(f.delay), 2) AS avg_delay
FROM (SELECT date, delay, origin FROM {east} UNION ALL SELECT date, delay, origin FROM {west}) f
JOIN {airports} AS a ON a.iata = f.origin GROUP BY ALL ORDER BY ALL"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tessera", default=os.path.join(ROOT, "build/apps/tessera/tessera"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    flights = os.path.join(ROOT, ".deps/data/flights-3m.parquet")
    airports = os.path.join(ROOT, ".deps/data/airports.csv")
    work = tempfile.mkdtemp(prefix="tessera-mesh-bench-")
    mesh = Mesh(os.path.abspath(args.tessera), work, flights, airports)
    try:
        started = time.perf_counter()
        mesh.build()
        print(f"mesh built in {time.perf_counter() - started:.1f} s: " +
              ", ".join(f"{k} {v:.2f} s" for k, v in mesh.timings.items()))
        hub = mesh.hub

        def timed(sql):
            began = time.perf_counter()
            out = hub.run("sql", "--format", "csv", sql).stdout
            return time.perf_counter() - began, out

        mounted = JOIN.format(east="east.h1.flights", west="west.h2.flights",
                              airports="airports.public.airports")
        local = JOIN.format(
            east=f"read_parquet('{flights}') WHERE date < TIMESTAMP '2001-04-01'",
            west=f"read_parquet('{flights}') WHERE date >= TIMESTAMP '2001-04-01'",
            airports=f"read_csv('{airports}')")
        # The owners' own Delta tables, read in place: the very Parquet files the mounts fetch.
        owners = JOIN.format(
            east="delta_scan('{}')".format(os.path.join(mesh.nodes["east"].data_dir,
                                                        "tables/flights/h1/flights")),
            west="delta_scan('{}')".format(os.path.join(mesh.nodes["west"].data_dir,
                                                        "tables/flights/h2/flights")),
            airports=f"read_csv('{airports}')")
        caches = [os.path.join(hub.data_dir, "cache", kind) for kind in ("shares", "postgres")]
        colds = []
        for _ in range(args.runs):
            for cache in caches:
                shutil.rmtree(cache, ignore_errors=True)
            seconds, cold_rows = timed(mounted)
            colds.append(seconds)
        warms = []
        for _ in range(args.runs):
            seconds, warm_rows = timed(mounted)
            warms.append(seconds)
        locals_ = []
        for _ in range(args.runs):
            seconds, local_rows = timed(local)
            locals_.append(seconds)
        in_place = []
        for _ in range(args.runs):
            seconds, owner_rows = timed(owners)
            in_place.append(seconds)
        if not (cold_rows == warm_rows == local_rows == owner_rows):
            sys.exit("answers differ between the mounts and the local files")
        cold, warm, direct, owned = (statistics.median(t)
                                     for t in (colds, warms, locals_, in_place))
        print(f"three-way join ({len(local_rows.splitlines()) - 1} rows), median of "
              f"{args.runs}, one `tessera sql` process each:")
        print(f"  through the mounts: cold {cold:.3f} s, warm {warm:.3f} s")
        print(f"  DuckDB on the original files (flights-3m.parquet, airports.csv): {direct:.3f} s;"
              f" ratio cold {cold / direct:.2f}, warm {warm / direct:.2f} (target warm <= 1.2)")
        print(f"  DuckDB on the owners' Delta tables in place (the same Parquet files the mounts "
              f"fetch): {owned:.3f} s; ratio cold {cold / owned:.2f}, warm {warm / owned:.2f}")

        incremental, full = [], []
        rows = 30000  # 1% of the 3M
        for run in range(args.runs):
            mesh.land_more("east", rows, name=f"more-{run}.parquet")
            east = mesh.apply("east")["tables"][0]
            if east["mode"] != "append":
                sys.exit(f"east did not append: {east}")
            began = time.perf_counter()
            report = {t["name"]: t for t in mesh.apply("hub")["tables"]}
            incremental.append(time.perf_counter() - began)
            if report["flights"]["mode"] != "append" or report["flights"]["added_rows"] != rows:
                sys.exit(f"hub did not append: {report['flights']}")
            began = time.perf_counter()
            report = {t["name"]: t for t in mesh.apply("hub", "--full")["tables"]}
            full.append(time.perf_counter() - began)
        if mesh.check_against_duckdb()[2] != 0:
            sys.exit("the product differs from DuckDB over the original files")
        inc, reb = statistics.median(incremental), statistics.median(full)
        print(f"re-apply of analytics.delay_by_state after east appends {rows} rows (1%), "
              f"median of {args.runs}, `tessera apply` process each:")
        print(f"  incremental {inc:.3f} s (reads the appended rows only), full rebuild "
              f"{reb:.3f} s; ratio {inc / reb:.2f}")
    finally:
        mesh.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
