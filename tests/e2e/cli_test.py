#!/usr/bin/env python3
"""End-to-end: the real tessera binary, driven as a user would, with exit codes and outputs checked."""
import base64
import hashlib
import hmac
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import unittest

TESSERA = os.environ["TESSERA_BIN"]


def find_fixtures():
    """../shared/fixtures/delta beside the checkout, or in an ancestor directory of a clone."""
    if "TESSERA_FIXTURES_DIR" in os.environ:
        return os.environ["TESSERA_FIXTURES_DIR"]
    directory = os.path.abspath(os.environ["TESSERA_SOURCE_DIR"])
    while True:
        candidate = os.path.join(directory, "shared", "fixtures", "delta")
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            raise RuntimeError("Delta fixtures not found (set TESSERA_FIXTURES_DIR)")
        directory = parent


FIXTURES = find_fixtures()


def run(*args, data_dir, stdin=None):
    return subprocess.run([TESSERA, *args, "--data-dir", data_dir], input=stdin,
                          capture_output=True, text=True, timeout=300)


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")

    def tearDown(self):
        self.tmp.cleanup()

    def test_create_append_overwrite_history_and_time_travel(self):
        r = run("table", "create", "shop.sales.orders", "--from",
                "SELECT range AS id, 'r' || (range % 3) AS region FROM range(10)", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("version 0: 10 rows in 1 files", r.stdout)
        r = run("table", "append", "shop.sales.orders", "--from",
                "SELECT 100 + range AS id, 'r9' AS region FROM range(5)", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("sql", "--format", "json", "SELECT count(*) AS n, max(id) AS top FROM shop.sales.orders",
                data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), [{"n": 15, "top": 104}])
        root = os.path.join(self.data, "tables", "shop", "sales", "orders")
        r = run("sql", "--format", "csv", f"SELECT count(*) AS n FROM delta_scan('{root}', version = 0)",
                data_dir=self.data)
        self.assertEqual(r.stdout.splitlines(), ["n", "10"])
        r = run("table", "append", "shop.sales.orders", "--overwrite", "--from",
                "SELECT 7 AS id, 'x' AS region", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("table", "history", "shop.sales.orders", "--json", data_dir=self.data)
        history = json.loads(r.stdout)
        self.assertEqual([h["operation"] for h in history], ["CREATE TABLE AS SELECT", "WRITE", "WRITE"])
        r = run("sql", "--format", "csv", "SELECT id FROM shop.sales.orders", data_dir=self.data)
        self.assertEqual(r.stdout.splitlines(), ["id", "7"])
        # Every commit is valid Delta: commitInfo first, protocol + metaData in version 0.
        with open(os.path.join(root, "_delta_log", "00000000000000000000.json")) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(list(lines[0]), ["commitInfo"])
        kinds = {list(line)[0] for line in lines}
        self.assertTrue({"protocol", "metaData", "add"} <= kinds)
        stats = json.loads([l for l in lines if "add" in l][0]["add"]["stats"])
        self.assertEqual(stats["numRecords"], 10)
        self.assertEqual(stats["minValues"]["id"], 0)
        self.assertEqual(stats["maxValues"]["id"], 9)

    def test_round_trip_matches_plain_parquet_reader(self):
        run("table", "create", "a.b.c", "--partition-by", "p", "--from",
            "SELECT range AS id, range::DOUBLE / 3 AS x, CASE WHEN range % 4 = 0 THEN NULL ELSE 'p/' || (range % 2) END AS p,"
            " DATE '2024-01-01' + range::INT AS d FROM range(50)", data_dir=self.data)
        root = os.path.join(self.data, "tables", "a", "b", "c")
        r = run("sql", "--format", "csv",
                "SELECT (SELECT count(*) FROM a.b.c) AS n, (SELECT count(*) FROM a.b.c WHERE p IS NULL) AS nulls,"
                f" (SELECT list(x ORDER BY x) FROM read_parquet('{root}/**/*.parquet'))"
                " = (SELECT list(x ORDER BY x) FROM a.b.c) AS same",
                data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), ["n,nulls,same", "50,13,true"])
        self.assertTrue(os.path.isdir(os.path.join(root, "p=p%2F1")))

    def test_change_feed(self):
        run("table", "create", "a.b.c", "--property", "delta.enableChangeDataFeed=true", "--from",
            "SELECT 1 AS id", data_dir=self.data)
        run("table", "append", "a.b.c", "--from", "SELECT 2 AS id", data_dir=self.data)
        r = run("table", "changes", "a.b.c", "--from-version", "0", "--format", "csv", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [line.split(",")[:3] for line in r.stdout.splitlines()]
        self.assertEqual(rows[0], ["id", "_change_type", "_commit_version"])
        self.assertEqual(rows[1:], [["1", "insert", "0"], ["2", "insert", "1"]])

    def test_errors_have_clear_messages_and_exit_codes(self):
        cases = [
            (["sql"], 2, "empty query"),
            (["nope"], 2, "unknown command"),
            (["table", "create", "a.b", "--from", "SELECT 1"], 2, "three parts"),
            (["table", "create", "a.b.c;drop", "--from", "SELECT 1"], 2, "not an identifier"),
            (["sql", "--bogus", "SELECT 1"], 2, "unknown option '--bogus'"),
            (["sql", "SELEC 1"], 1, "syntax error"),
            (["table", "history", "x.y.z"], 1, "no Delta table"),
            (["sql", f"SELECT * FROM delta_scan('{FIXTURES}/deltars-simple-table-features')"], 1,
             "reader version 5"),
            (["sql", f"SELECT * FROM delta_scan('{FIXTURES}/deltars-simple-table', version = 99)"], 1,
             "version 99 does not exist; the latest version is 4"),
            (["sql", f"SELECT * FROM delta_scan('{FIXTURES}/deltars-simple-table', version = -1)"], 1,
             "version must be >= 0"),
        ]
        for args, code, message in cases:
            r = run(*args, data_dir=self.data)
            self.assertEqual(r.returncode, code, f"{args}: {r.stderr}")
            self.assertIn(message, r.stderr, args)

    def test_bad_logs_are_errors_and_nothing_changes(self):
        run("table", "create", "a.b.c", "--from", "SELECT 1 AS id", data_dir=self.data)
        log = os.path.join(self.data, "tables", "a", "b", "c", "_delta_log")
        with open(os.path.join(log, "00000000000000000001.json"), "w") as f:
            f.write('{"add": {"path": "x.parquet", "size": 1')  # truncated commit
        before = sorted(os.listdir(log))
        r = run("sql", "SELECT * FROM a.b.c", data_dir=self.data)
        self.assertEqual(r.returncode, 1)
        self.assertIn("00000000000000000001.json: line 1", r.stderr)
        r = run("table", "append", "a.b.c", "--from", "SELECT 2 AS id", data_dir=self.data)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(sorted(os.listdir(log)), before)

    def test_delete_update_merge_with_change_feed(self):
        r = run("table", "create", "a.b.c", "--partition-by", "region", "--property",
                "delta.enableChangeDataFeed=true", "--from",
                "SELECT range AS id, 'r' || (range % 3) AS region, range * 10 AS amount FROM range(12)",
                data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("table", "delete", "a.b.c", "--where", "id % 4 = 0", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("version 1: 3 deleted", r.stdout)
        r = run("table", "update", "a.b.c", "--set", "amount = amount + 1", "--set", "region = 'moved'",
                "--where", "id = 5", data_dir=self.data)
        self.assertIn("version 2: 0 deleted, 1 updated", r.stdout, r.stderr)
        r = run("table", "merge", "a.b.c", "--key", "id", "--from",
                "SELECT * FROM (VALUES (1, 'r9', -1), (100, 'new', 100)) v(id, region, amount)", data_dir=self.data)
        self.assertIn("version 3: 0 deleted, 1 updated, 1 inserted", r.stdout, r.stderr)
        r = run("table", "delete", "a.b.c", "--where", "id > 1000", data_dir=self.data)
        self.assertIn("no rows matched", r.stdout)
        r = run("sql", "--format", "csv", "SELECT id, region, amount FROM a.b.c ORDER BY id", data_dir=self.data)
        self.assertEqual(r.stdout.splitlines(), [
            "id,region,amount", "1,r9,-1", "2,r2,20", "3,r0,30", "5,moved,51", "6,r0,60", "7,r1,70",
            "9,r0,90", "10,r1,100", "11,r2,110", "100,new,100"])
        r = run("sql", "--format", "csv",
                "SELECT _commit_version, _change_type, id, region, amount FROM "
                f"delta_changes('{self.data}/tables/a/b/c', 1) ORDER BY ALL", data_dir=self.data)
        self.assertEqual(r.stdout.splitlines(), [
            "_commit_version,_change_type,id,region,amount",
            "1,delete,0,r0,0", "1,delete,4,r1,40", "1,delete,8,r2,80",
            "2,update_postimage,5,moved,51", "2,update_preimage,5,r2,50",
            "3,insert,100,new,100", "3,update_postimage,1,r9,-1", "3,update_preimage,1,r1,10"])
        # Time travel still sees the deleted rows.
        r = run("sql", "--format", "csv", f"SELECT count(*) AS n FROM delta_scan('{self.data}/tables/a/b/c', version = 0)",
                data_dir=self.data)
        self.assertEqual(r.stdout.splitlines(), ["n", "12"])
        # Bad input: duplicate merge keys, unknown columns, bad predicates; nothing committed.
        for args, message in [
            (["merge", "a.b.c", "--key", "id", "--from", "SELECT 1 AS id, 'x' AS region, 1 AS amount UNION ALL SELECT 1, 'y', 2"],
             "same key"),
            (["update", "a.b.c", "--set", "nope = 1"], "no column 'nope'"),
            (["delete", "a.b.c", "--where", "no_such_column = 1"], "no_such_column"),
            (["delete", "a.b.c"], "--where"),
        ]:
            r = run("table", *args, data_dir=self.data)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertIn(message, r.stderr, args)
        r = run("table", "history", "a.b.c", "--json", data_dir=self.data)
        self.assertEqual([h["operation"] for h in json.loads(r.stdout)],
                         ["CREATE TABLE AS SELECT", "DELETE", "UPDATE", "MERGE"])

    def test_checkpoint_and_vacuum(self):
        def ids():
            r = run("sql", "--format", "csv", "SELECT id FROM m.p.t ORDER BY id", data_dir=self.data)
            self.assertEqual(r.returncode, 0, r.stderr)
            return r.stdout.splitlines()[1:]

        r = run("table", "create", "m.p.t", "--property", "delta.checkpointInterval=3", "--from",
                "SELECT range AS id FROM range(3)", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        for i in range(1, 4):
            r = run("table", "append", "m.p.t", "--from", f"SELECT {10 + i} AS id", data_dir=self.data)
            self.assertEqual(r.returncode, 0, r.stderr)
        root = os.path.join(self.data, "tables", "m", "p", "t")
        log = os.path.join(root, "_delta_log")
        # Version 3 is a multiple of the interval: the append wrote a checkpoint and the hint.
        self.assertEqual(sorted(f for f in os.listdir(log) if "checkpoint" in f),
                         ["00000000000000000003.checkpoint.parquet", "_last_checkpoint"])
        with open(os.path.join(log, "_last_checkpoint")) as f:
            hint = json.load(f)
        self.assertEqual((hint["version"], hint["size"], hint["numOfAddFiles"]), (3, 6, 4))
        self.assertEqual(hint["sizeInBytes"],
                         os.path.getsize(os.path.join(log, "00000000000000000003.checkpoint.parquet")))
        expected = ["0", "1", "2", "11", "12", "13"]
        self.assertEqual(ids(), expected)
        # The checkpoint alone replaces the commits before it.
        for v in range(3):
            os.remove(os.path.join(log, f"{v:020d}.json"))
        self.assertEqual(ids(), expected)
        r = run("table", "checkpoint", "m.p.t", "--json", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["version"], 3)

        old_files = sorted(f for f in os.listdir(root) if f.endswith(".parquet"))
        self.assertEqual(len(old_files), 4)
        r = run("table", "append", "m.p.t", "--overwrite", "--from", "SELECT 42 AS id", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        # The default retention (7 days) keeps the replaced files; 0 hours needs --force.
        r = run("table", "vacuum", "m.p.t", "--dry-run", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("would delete 0 files", r.stdout)
        r = run("table", "vacuum", "m.p.t", "--retention-hours", "0", "--dry-run", data_dir=self.data)
        self.assertEqual(r.returncode, 1)
        self.assertIn("delta.deletedFileRetentionDuration", r.stderr)
        self.assertIn("--force", r.stderr)
        r = run("table", "vacuum", "m.p.t", "--retention-hours", "0", "--force", "--dry-run", "--json",
                data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        dry = json.loads(r.stdout)
        self.assertEqual(sorted(f["path"] for f in dry["files"]), old_files)
        self.assertEqual(dry["bytes"], sum(os.path.getsize(os.path.join(root, f)) for f in old_files))
        self.assertTrue(all(os.path.exists(os.path.join(root, f)) for f in old_files))
        r = run("table", "vacuum", "m.p.t", "--retention-hours", "0", "--force", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("deleted 4 files", r.stdout)
        for f in old_files:
            self.assertIn(f, r.stdout)
            self.assertFalse(os.path.exists(os.path.join(root, f)))
        self.assertEqual(len([f for f in os.listdir(root) if f.endswith(".parquet")]), 1)
        self.assertEqual(ids(), ["42"])
        r = run("table", "vacuum", "m.p.t", "--retention-hours", "soon", data_dir=self.data)
        self.assertEqual(r.returncode, 2)

    def test_selective_query_skips_files_by_stats(self):
        run("table", "create", "a.b.c", "--from", "SELECT range AS id FROM range(0, 100)", data_dir=self.data)
        for i in range(1, 10):
            run("table", "append", "a.b.c", "--from", f"SELECT range AS id FROM range({i * 100}, {i * 100 + 100})",
                data_dir=self.data)
        root = os.path.join(self.data, "tables", "a", "b", "c")
        # Corrupt every file but the one holding 550: the query can only succeed if it never opens them.
        corrupted = 0
        for name in os.listdir(root):
            if not name.endswith(".parquet"):
                continue
            path = os.path.join(root, name)
            r = run("sql", "--format", "csv", f"SELECT min(id) AS lo FROM read_parquet('{path}')", data_dir=self.data)
            if int(r.stdout.splitlines()[1]) != 500:
                with open(path, "wb") as f:
                    f.write(b"not parquet")
                corrupted += 1
        self.assertEqual(corrupted, 9)
        r = run("sql", "--format", "csv", "SELECT count(*) AS n, max(id) AS m FROM a.b.c WHERE id = 550", data_dir=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), ["n,m", "1,550"])
        r = run("sql", "--format", "csv", f"SELECT count(*) AS n FROM delta_scan('{root}') WHERE id >= 500 AND id < 600",
                data_dir=self.data)
        self.assertEqual(r.stdout.splitlines(), ["n", "100"], r.stderr)
        # A query the stats cannot narrow must read (and here fail on) the corrupted files.
        r = run("sql", "SELECT count(*) FROM a.b.c WHERE id + 0 = 550", data_dir=self.data)
        self.assertEqual(r.returncode, 1)

    def test_help(self):
        for args in (["--help"], ["sql", "--help"], ["table", "--help"]):
            r = run(*args, data_dir=self.data)
            self.assertEqual(r.returncode, 0)
            self.assertIn("Usage", r.stdout)


class PrincipalCliTest(unittest.TestCase):
    """`tessera principal`: the access store as an operator drives it."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")

    def tearDown(self):
        self.tmp.cleanup()

    def principal(self, *args, stdin=None):
        return run("principal", *args, data_dir=self.data, stdin=stdin)

    def stored_verifier(self, name):
        with sqlite3.connect(os.path.join(self.data, "catalog.db")) as db:
            return db.execute("SELECT scram_verifier FROM access_principals WHERE name = ?",
                              (name,)).fetchone()[0]

    def assert_verifier_matches(self, verifier, password):
        # pg_authid form, recomputed from the password with the stored salt (RFC 5802).
        m = re.fullmatch(r"SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)", verifier)
        self.assertIsNotNone(m, verifier)
        iterations, salt = int(m.group(1)), base64.b64decode(m.group(2))
        self.assertEqual(iterations, 4096)
        self.assertEqual(len(salt), 16)
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        self.assertEqual(base64.b64decode(m.group(3)), hashlib.sha256(client_key).digest())
        self.assertEqual(base64.b64decode(m.group(4)),
                         hmac.new(salted, b"Server Key", "sha256").digest())

    def test_create_list_grant_revoke_drop(self):
        r = self.principal("create", "alice", "--admin", "--password-stdin", stdin="s3cret\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "created user alice (admin) with a password\n")
        r = self.principal("create", "etl", "--service")
        self.assertEqual(r.returncode, 0, r.stderr)
        for obj in ("sales.orders", "hr", "sales.orders", "*"):
            r = self.principal("grant", "etl", obj)
            self.assertEqual(r.returncode, 0, r.stderr)
        r = self.principal("revoke", "etl", "*")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.principal("list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), [
            {"name": "alice", "kind": "user", "admin": True, "disabled": False, "has_password": True,
             "active_tokens": 0, "grants": []},
            {"name": "etl", "kind": "service", "admin": False, "disabled": False,
             "has_password": False, "active_tokens": 0, "grants": ["hr", "sales.orders"]},
        ])
        r = self.principal("list")
        self.assertEqual(r.stdout.splitlines()[0].split(),
                         ["name", "kind", "admin", "disabled", "password", "tokens", "grants"])
        self.assertEqual(r.stdout.splitlines()[2].split(),
                         ["etl", "service", "no", "no", "no", "0", "hr,", "sales.orders"])
        self.assert_verifier_matches(self.stored_verifier("alice"), "s3cret")
        r = self.principal("drop", "etl")
        self.assertEqual((r.returncode, r.stdout), (0, "dropped etl\n"), r.stderr)
        r = self.principal("list", "--json")
        self.assertEqual([p["name"] for p in json.loads(r.stdout)], ["alice"])

    def test_passwd_reads_stdin_when_not_a_terminal(self):
        self.principal("create", "bob")
        self.assertIsNone(self.stored_verifier("bob"))
        r = self.principal("passwd", "bob", stdin="first pass\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_verifier_matches(self.stored_verifier("bob"), "first pass")
        r = self.principal("passwd", "bob", "--password-stdin", stdin="second\r\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_verifier_matches(self.stored_verifier("bob"), "second")
        r = self.principal("passwd", "bob", "--password-stdin", stdin="\n")
        self.assertEqual(r.returncode, 2)
        self.assertIn("empty password", r.stderr)
        self.assert_verifier_matches(self.stored_verifier("bob"), "second")

    def test_tokens_are_shown_once_listed_and_revoked(self):
        self.principal("create", "svc", "--service")
        r = self.principal("token", "svc", "--ttl", "12h", "--label", "nightly")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^tsr_[A-Za-z0-9_-]{43}\n$")
        token = r.stdout.strip()
        m = re.search(r"token (tok_[0-9a-f]{16}) for svc, expires (\S+Z)", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        token_id = m.group(1)
        r = self.principal("token", "svc")
        self.assertIn("never expires", r.stderr)
        other = r.stdout.strip()
        self.assertNotEqual(other, token)
        r = self.principal("tokens", "svc", "--json")
        tokens = json.loads(r.stdout)
        self.assertEqual([(t["id"], t["label"], t["active"], t["revoked"]) for t in tokens],
                         [(token_id, "nightly", True, None), (tokens[1]["id"], "", True, None)])
        self.assertEqual(tokens[0]["expires"], m.group(2))
        self.assertIsNone(tokens[1]["expires"])
        # Only the SHA-256 of a token is stored.
        with sqlite3.connect(os.path.join(self.data, "catalog.db")) as db:
            stored = [row[0] for row in db.execute("SELECT sha256 FROM access_tokens ORDER BY rowid")]
        self.assertEqual(stored, [hashlib.sha256(token.encode()).hexdigest(),
                                  hashlib.sha256(other.encode()).hexdigest()])
        r = self.principal("token-revoke", "svc", token_id)
        self.assertEqual((r.returncode, r.stdout), (0, f"revoked token {token_id} of svc\n"), r.stderr)
        r = self.principal("tokens", "svc", "--json")
        revoked = json.loads(r.stdout)[0]
        self.assertFalse(revoked["active"])
        self.assertIsNotNone(revoked["revoked"])
        r = self.principal("tokens", "svc")
        self.assertRegex(r.stdout.splitlines()[1], rf"^{token_id}\s+revoked\s")
        r = self.principal("list", "--json")
        self.assertEqual(json.loads(r.stdout)[0]["active_tokens"], 1)

    def test_errors_have_clear_messages_and_exit_codes(self):
        self.principal("create", "ann")
        cases = [
            (["create", "ann"], 1, "principal 'ann' already exists"),
            (["create", "Ann"], 2, "principal name 'Ann' is invalid"),
            (["create", "a;drop table x"], 2, "is invalid"),
            (["passwd", "nobody", "--password-stdin"], 1, "no principal 'nobody'"),
            (["token", "ann", "--ttl", "soon"], 2, "--ttl takes a positive duration"),
            (["token", "ann", "--ttl", "-5s"], 2, "--ttl takes a positive duration"),
            (["token", "nobody"], 1, "no principal 'nobody'"),
            (["token-revoke", "ann", "tok_0000000000000000"], 1, "has no token 'tok_0000000000000000'"),
            (["tokens", "nobody"], 1, "no principal 'nobody'"),
            (["grant", "ann", "a.b.c.d"], 2, "grant object 'a.b.c.d' is invalid"),
            (["grant", "ann"], 2, "expected 2 argument(s)"),
            (["revoke", "ann", "sales"], 1, "principal 'ann' has no grant on 'sales'"),
            (["drop", "nobody"], 1, "no principal 'nobody'"),
            (["frobnicate"], 2, "unknown subcommand 'frobnicate'"),
            (["list", "--bogus"], 2, "unknown option '--bogus'"),
            ([], 2, "Usage"),
        ]
        for args, code, message in cases:
            r = self.principal(*args, stdin="")
            self.assertEqual(r.returncode, code, (args, r.stderr))
            self.assertIn(message, r.stderr, args)
        r = self.principal("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("Usage: tessera principal", r.stdout)
        r = run("--help", data_dir=self.data)
        self.assertIn("principal", r.stdout)


if __name__ == "__main__":
    unittest.main()
