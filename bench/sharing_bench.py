#!/usr/bin/env python3
"""Delta Sharing benchmarks (issue 7), side by side in one run:

1. Data files: tessera's signed /files URLs vs nginx serving the same bytes from the same disk,
   with the same wrk settings: a 4 KB file, and 1 MB ranges at random offsets of a 64 MB file.
   Target: tessera >= 0.9x nginx requests/s.
2. The query endpoint on a 10,000-file table (latest snapshot, no hints): p50/p99 latency and
   requests/s at 16 connections. Target: p99 < 20 ms. Beside it, nginx serves the same answer's
   bytes as a static file with the same wrk settings: what moving those bytes costs at all.

usage: bench/sharing_bench.py --tessera BIN [--work DIR] [--seconds N]
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_table(root, files, stats=None):
    """A hand-written one-commit Delta table whose adds name `files` (name -> size)."""
    os.makedirs(os.path.join(root, "_delta_log"), exist_ok=True)
    schema = json.dumps({"type": "struct", "fields": [
        {"name": "id", "type": "long", "nullable": True, "metadata": {}}]})
    lines = [{"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}},
             {"metaData": {"id": "bench-" + os.path.basename(root),
                           "format": {"provider": "parquet", "options": {}},
                           "schemaString": schema, "partitionColumns": [], "configuration": {},
                           "createdTime": 0}}]
    for i, (name, size) in enumerate(files.items()):
        add = {"path": name, "partitionValues": {}, "size": size, "modificationTime": 0,
               "dataChange": True}
        if stats:
            add["stats"] = json.dumps({"numRecords": 100, "minValues": {"id": i * 100},
                                       "maxValues": {"id": i * 100 + 99},
                                       "nullCount": {"id": 0}})
        lines.append({"add": add})
    with open(os.path.join(root, "_delta_log", "00000000000000000000.json"), "w") as out:
        out.write("\n".join(json.dumps(l) for l in lines) + "\n")


def wrk(url, seconds, script=None, extra=()):
    cmd = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", *extra]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out)
    scale = {"B": 1 / 2**20, "KB": 1 / 1024, "MB": 1, "GB": 1024}[transfer.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not m:
            return None
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    return {"rps": rps, "mbps": float(transfer.group(1)) * scale, "p50": pct(50), "p99": pct(99),
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tessera", required=True)
    parser.add_argument("--work", default=None)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            sys.exit(f"sharing_bench: {tool} is missing (scripts/bootstrap installs it)")
    work = args.work or tempfile.mkdtemp(prefix="tessera-sharing-bench-")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    tables = os.path.join(work, "tables")
    small, large, wide = (os.path.join(tables, n) for n in ("small", "large", "wide"))
    write_table(small, {"part-small.parquet": 4096})
    with open(os.path.join(small, "part-small.parquet"), "wb") as f:
        f.write(os.urandom(4096))
    write_table(large, {"part-large.parquet": 64 << 20})
    with open(os.path.join(large, "part-large.parquet"), "wb") as f:
        for _ in range(64):
            f.write(os.urandom(1 << 20))
    write_table(wide, {f"part-{i:05d}.parquet": 1 << 20 for i in range(10000)}, stats=True)

    data = os.path.join(work, "data")

    def tessera(*a):
        r = subprocess.run([args.tessera, *a, "--data-dir", data], capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            sys.exit(f"tessera {' '.join(a)}: {r.stderr}")
        return r.stdout
    tessera("share", "create", "bench")
    for path in (small, large, wide):
        tessera("share", "add-table", "bench", path, "--schema", "s")
    tessera("recipient", "create", "bench")
    tessera("share", "grant", "bench", "bench")
    server = subprocess.Popen([args.tessera, "serve", "--data-dir", data, "--http",
                               "127.0.0.1:0", "--no-pg"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    nginx_procs = []
    try:
        base = None
        while base is None:
            line = server.stdout.readline()
            if not line:
                sys.exit("tessera serve did not start")
            m = re.match(r"http: (\S+)", line)
            if m:
                base = "http://" + m.group(1)
        profile = os.path.join(work, "bench.share")
        tessera("recipient", "profile", "bench", "--output", profile, "--endpoint",
                base + "/delta-sharing")
        token = json.load(open(profile))["bearerToken"]

        def query(table):
            req = urllib.request.Request(
                f"{base}/delta-sharing/shares/bench/schemas/s/tables/{table}/query", data=b"{}",
                headers={"Authorization": "Bearer " + token})
            with urllib.request.urlopen(req, timeout=60) as r:
                return [json.loads(l) for l in r.read().decode().splitlines()]
        small_url = query("small")[2]["file"]["url"]
        large_url = query("large")[2]["file"]["url"]

        # nginx twice: with its access log off (the leanest it gets), and with the access log
        # it writes by default (one write() per request, as tessera's audit line per download).

        def start_nginx(name, access_log):
            port = free_port()
            conf_dir = os.path.join(work, name)
            os.makedirs(conf_dir)
            conf = os.path.join(conf_dir, "nginx.conf")
            log = f"access_log {conf_dir}/access.log;" if access_log else "access_log off;"
            with open(conf, "w") as f:
                f.write(f"""worker_processes 2;
pid {conf_dir}/nginx.pid;
error_log {conf_dir}/error.log;
{"user root;" if os.geteuid() == 0 else ""}
events {{ worker_connections 1024; }}
http {{
  {log}
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path {conf_dir}/body;
  proxy_temp_path {conf_dir}/proxy;
  fastcgi_temp_path {conf_dir}/fastcgi;
  uwsgi_temp_path {conf_dir}/uwsgi;
  scgi_temp_path {conf_dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {tables};
  }}
}}
""")
            nginx_procs.append(subprocess.Popen(["nginx", "-c", conf, "-g", "daemon off;"],
                                                stderr=subprocess.DEVNULL))
            return f"http://127.0.0.1:{port}"
        nginx_quiet = start_nginx("nginx", False)
        nginx_logged = start_nginx("nginx-logged", True)
        time.sleep(1)

        range_lua = os.path.join(work, "range.lua")
        with open(range_lua, "w") as f:
            f.write("""math.randomseed(42)
request = function()
  local first = math.random(0, 63) * 1048576
  return wrk.format("GET", nil, {["Range"] = "bytes=" .. first .. "-" .. (first + 1048575)})
end
""")
        post_lua = os.path.join(work, "post.lua")
        with open(post_lua, "w") as f:
            f.write(f"""wrk.method = "POST"
wrk.body = "{{}}"
wrk.headers["Authorization"] = "Bearer {token}"
""")
        post_gzip_lua = os.path.join(work, "post-gzip.lua")
        with open(post_gzip_lua, "w") as f:
            f.write(open(post_lua).read() + 'wrk.headers["Accept-Encoding"] = "gzip, deflate"\n')
        s = args.seconds
        results = {
            "4 KB file": (wrk(small_url, s), wrk(nginx_quiet + "/small/part-small.parquet", s),
                          wrk(nginx_logged + "/small/part-small.parquet", s)),
            "64 MB file, 1 MB ranges": (
                wrk(large_url, s, range_lua),
                wrk(nginx_quiet + "/large/part-large.parquet", s, range_lua),
                wrk(nginx_logged + "/large/part-large.parquet", s, range_lua)),
        }
        print(f"{'files':26} {'tessera':>9} {'nginx':>9} {'ratio':>6} {'nginx+log':>10} "
              f"{'ratio':>6} {'tessera MB/s':>13}")
        for name, (t, n, nl) in results.items():
            print(f"{name:26} {t['rps']:9.0f} {n['rps']:9.0f} {t['rps'] / n['rps']:6.2f} "
                  f"{nl['rps']:10.0f} {t['rps'] / nl['rps']:6.2f} {t['mbps']:13.1f}"
                  + ("" if not (t["non2xx"] or t["socket_errors"]) else
                     f"  (tessera errors: {t['non2xx']} non-2xx; {t['socket_errors']})"))
        print("(requests/s, wrk -t2 -c16; nginx+log = nginx with its default access log)")

        started = time.perf_counter()
        lines = query("wide")
        cold_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        query("wide")
        warm_ms = (time.perf_counter() - started) * 1000
        query_url = f"{base}/delta-sharing/shares/bench/schemas/s/tables/wide/query"
        print(f"\nquery, 10,000-file table ({len(lines) - 2} file lines, "
              f"{sum(len(json.dumps(l)) + 1 for l in lines) / 2**20:.1f} MB per response):")
        print(f"  first request {cold_ms:.0f} ms, second {warm_ms:.0f} ms (Python client)")
        rates = {}
        for label, script in (("identity", post_lua), ("gzip", post_gzip_lua)):
            q = wrk(query_url, s, script)
            rates[label] = q["rps"]
            print(f"  16 connections, {label:8}: {q['rps']:.1f} req/s, "
                  f"{q['mbps'] / max(q['rps'], 1e-9) * 1024:.0f} KB per response, "
                  f"p50 {q['p50']:.1f} ms, p99 {q['p99']:.1f} ms (target p99 < 20 ms)"
                  + (f", {q['non2xx']} errors" if q["non2xx"] else ""))
        # The same identity answer, byte for byte, as a static file behind nginx.
        os.makedirs(os.path.join(tables, "answer"), exist_ok=True)
        req = urllib.request.Request(query_url, data=b"{}",
                                     headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=60) as r, \
                open(os.path.join(tables, "answer", "wide.ndjson"), "wb") as out:
            out.write(r.read())
        n = wrk(nginx_quiet + "/answer/wide.ndjson", s)
        print(f"  nginx, the same answer as a static file: {n['rps']:.1f} req/s, "
              f"p50 {n['p50']:.1f} ms, p99 {n['p99']:.1f} ms; tessera identity / nginx "
              f"{rates['identity'] / max(n['rps'], 1e-9):.2f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        for nginx in nginx_procs:
            nginx.terminate()
            nginx.wait(timeout=30)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
