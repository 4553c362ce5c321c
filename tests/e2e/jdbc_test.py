#!/usr/bin/env python3
"""End-to-end: pgjdbc 42.5 (Debian's libpostgresql-jdbc-java) on the default JDK against
tessera's PostgreSQL port: prepared statements past the binary threshold, DatabaseMetaData,
fetch-size streaming, the session time zone, grants, and DBeaver's statements replayed."""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from pg_node import Node  # noqa: E402

JAR = "/usr/share/java/postgresql.jar"
SOURCES = os.path.join(os.path.dirname(__file__), "jdbc")

NODE = None
CLASSES = None


def setUpModule():
    global NODE, CLASSES
    NODE = Node()
    NODE.create_demo()
    NODE.start()
    CLASSES = tempfile.TemporaryDirectory()
    subprocess.run(["javac", "-d", CLASSES.name, "-cp", JAR,
                    os.path.join(SOURCES, "JdbcCheck.java"),
                    os.path.join(SOURCES, "DbeaverCheck.java")], check=True, timeout=300)


def tearDownModule():
    NODE.stop()
    CLASSES.cleanup()


def run_java(main, *jvm_options):
    return subprocess.run(
        ["java", *jvm_options, "-cp", f"{CLASSES.name}:{JAR}", main,
         f"jdbc:postgresql://127.0.0.1:{NODE.pg_port}/demo", "alice", "alice-pw"],
        capture_output=True, text=True, timeout=300)


class JdbcTest(unittest.TestCase):
    def test_pgjdbc(self):
        r = run_java("JdbcCheck", "-Duser.timezone=America/New_York")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK prepared statement x10", r.stdout)
        self.assertIn("OK getColumns", r.stdout)
        self.assertIn("OK SHOW over the extended protocol", r.stdout)
        self.assertIn("OK fetch size streaming", r.stdout)
        self.assertIn("OK session TimeZone from the JVM", r.stdout)
        self.assertIn("OK ungranted table is 42P01", r.stdout)

    def test_dbeaver_statements(self):
        r = run_java("DbeaverCheck")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK DBeaver connection bootstrap", r.stdout)
        self.assertIn("OK DBeaver navigator", r.stdout)
        self.assertIn("OK DBeaver data tab", r.stdout)


if __name__ == "__main__":
    unittest.main()
