#!/usr/bin/env python3
"""End-to-end: pgjdbc 42.5 (Debian's libpostgresql-jdbc-java) on the default JDK against
tessera's PostgreSQL port: prepared statements past the binary threshold, DatabaseMetaData,
fetch-size streaming, and grants."""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from pg_node import Node  # noqa: E402

JAR = "/usr/share/java/postgresql.jar"
SOURCE = os.path.join(os.path.dirname(__file__), "jdbc", "JdbcCheck.java")


class JdbcTest(unittest.TestCase):
    def test_pgjdbc(self):
        node = Node()
        try:
            node.create_demo()
            node.start()
            with tempfile.TemporaryDirectory() as classes:
                subprocess.run(["javac", "-d", classes, "-cp", JAR, SOURCE], check=True,
                               timeout=300)
                r = subprocess.run(
                    ["java", "-Duser.timezone=America/New_York", "-cp", f"{classes}:{JAR}", "JdbcCheck",
                     f"jdbc:postgresql://127.0.0.1:{node.pg_port}/demo", "alice", "alice-pw"],
                    capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("OK prepared statement x10", r.stdout)
            self.assertIn("OK getColumns", r.stdout)
            self.assertIn("OK SHOW over the extended protocol", r.stdout)
            self.assertIn("OK fetch size streaming", r.stdout)
            self.assertIn("OK session TimeZone from the JVM", r.stdout)
            self.assertIn("OK ungranted table is 42P01", r.stdout)
        finally:
            node.stop()


if __name__ == "__main__":
    unittest.main()
