#!/usr/bin/env python3
"""Run the data-driven SQL cases in tests/sql/*.test over tessera's PostgreSQL port (psycopg2).

File format (after DuckDB's sqllogictest):
    # comment
    connect <principal>                 following records run as this principal (new session)
    statement ok                        the next lines (up to a blank line) must succeed
    statement error <SQLSTATE>          ... must fail with this SQLSTATE
    query [sorted]                      ... must return the rows after `----`, one per line,
                                        cells separated by a tab, NULL for null, rows compared
                                        in order (or sorted, with `sorted`)
Every file starts with a fresh session for `alice` (grants: demo.sales); `bob` may read
demo.hr.salaries only; `root` is an admin.
"""
import glob
import os
import sys
import unittest

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from pg_node import Node  # noqa: E402

PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "root": "root-pw"}


def render(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    return str(value)


def parse(path):
    """Yield (line_number, kind, argument, sql, expected_rows)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        start = i + 1
        i += 1
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if words[0] == "connect":
            yield start, "connect", words[1], None, None
            continue
        if words[0] not in ("statement", "query"):
            raise ValueError(f"{path}:{start}: unknown record '{line}'")
        sql_lines = []
        while i < len(lines) and lines[i].strip() and lines[i].strip() != "----":
            sql_lines.append(lines[i])
            i += 1
        expected = None
        if i < len(lines) and lines[i].strip() == "----":
            i += 1
            expected = []
            while i < len(lines) and lines[i].strip():
                expected.append(lines[i])
                i += 1
        yield start, words[0], " ".join(words[1:]), "\n".join(sql_lines), expected


class SqlFiles(unittest.TestCase):
    maxDiff = None


def make_test(path):
    def test(self):
        conn = None

        def connect(user):
            nonlocal conn
            if conn is not None:
                conn.close()
            conn = psycopg2.connect(NODE.dsn(user, PASSWORDS[user]))
            conn.autocommit = True

        connect("alice")
        try:
            for line, kind, argument, sql, expected in parse(path):
                where = f"{os.path.basename(path)}:{line}"
                if kind == "connect":
                    connect(argument)
                    continue
                cur = conn.cursor()
                if kind == "statement" and argument.startswith("error"):
                    sqlstate = argument.split()[1]
                    with self.assertRaises(psycopg2.Error, msg=where) as caught:
                        cur.execute(sql)
                    self.assertEqual(caught.exception.pgcode, sqlstate,
                                     f"{where}: {caught.exception}")
                    continue
                try:
                    cur.execute(sql)
                except psycopg2.Error as e:
                    self.fail(f"{where}: {e.pgcode}: {e}")
                if kind == "query":
                    rows = ["\t".join(render(v) for v in row) for row in cur.fetchall()]
                    if argument == "sorted":
                        rows.sort()
                        expected = sorted(expected)
                    self.assertEqual(rows, expected, where)
        finally:
            if conn is not None:
                conn.close()
    return test


for test_path in sorted(glob.glob(os.path.join(os.path.dirname(__file__), "*.test"))):
    name = "test_" + os.path.splitext(os.path.basename(test_path))[0]
    setattr(SqlFiles, name, make_test(test_path))

NODE = None


def setUpModule():
    global NODE
    NODE = Node()
    NODE.create_demo()
    NODE.start()


def tearDownModule():
    NODE.stop()


if __name__ == "__main__":
    unittest.main()
