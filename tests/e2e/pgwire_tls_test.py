#!/usr/bin/env python3
"""End-to-end: TLS on `tessera serve`'s PostgreSQL port (--tls-cert, --tls-key, --require-tls,
--password-auth),
driven by psql 15, psycopg2, Python's ssl module and hostile raw sockets."""
import os
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import psycopg2
import psycopg2.errors

sys.path.insert(0, os.path.dirname(__file__))
from pg_node import Node, TESSERA  # noqa: E402

CERTS = None
OPTIONAL = None  # TLS offered, plaintext allowed
REQUIRED = None  # --require-tls


def make_node(*extra):
    node = Node()
    node.sql("table", "create", "demo.sales.orders", "--from",
             "SELECT range AS id, range * 10 AS amount FROM range(100)")
    node.principal("alice", password="alice-pw", grants=["demo.sales"])
    node.start(*extra)
    return node


def setUpModule():
    global CERTS, OPTIONAL, REQUIRED
    CERTS = tempfile.TemporaryDirectory()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                    "/CN=localhost", "-days", "1", "-keyout", key_file(), "-out", cert_file()],
                   check=True, capture_output=True, timeout=120)
    OPTIONAL = make_node("--tls-cert", cert_file(), "--tls-key", key_file())
    REQUIRED = make_node("--tls-cert", cert_file(), "--tls-key", key_file(), "--require-tls")


def tearDownModule():
    for node in (OPTIONAL, REQUIRED):
        if node is not None:
            node.stop()
    CERTS.cleanup()


def cert_file():
    return os.path.join(CERTS.name, "server.crt")


def key_file():
    return os.path.join(CERTS.name, "server.key")


def psql(node, sslmode, *args):
    env = dict(os.environ, PGPASSWORD="alice-pw", PGCONNECT_TIMEOUT="10")
    env.pop("PGSSLMODE", None)
    return subprocess.run(
        ["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
         f"host=127.0.0.1 port={node.pg_port} user=alice dbname=demo sslmode={sslmode}", *args],
        capture_output=True, text=True, env=env, timeout=120)


def connect(node, sslmode, **extra):
    return psycopg2.connect(node.dsn("alice", "alice-pw"), sslmode=sslmode, **extra)


def ssl_request():
    return struct.pack("!ii", 8, 80877103)


def startup_packet(params):
    body = struct.pack("!i", 196608)
    for k, v in params.items():
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!i", len(body) + 4) + body


def open_tls(port):
    """A raw socket that asked for TLS (SSLRequest, 'S') and finished the handshake, unverified."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    raw.sendall(ssl_request())
    assert raw.recv(1) == b"S"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(raw)


def read_until_closed(sock):
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    except (ConnectionResetError, ssl.SSLError):
        return data


def error_fields(message):
    """The fields of one ErrorResponse ('E', length, code byte + text + NUL ...)."""
    assert message[:1] == b"E", message
    fields = {}
    for part in message[5:].split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode()
    return fields


class TlsOfferedTest(unittest.TestCase):
    def test_psql_with_sslmode_require(self):
        r = psql(OPTIONAL, "require", "-c", "SELECT 1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "1\n")

    def test_psql_verifies_the_certificate(self):
        # host= names the certificate's CN; hostaddr= is where libpq connects.
        env = dict(os.environ, PGPASSWORD="alice-pw", PGCONNECT_TIMEOUT="10")
        r = subprocess.run(
            ["psql", "-X", "-A", "-t", "-c", "SELECT count(*) FROM sales.orders",
             f"host=localhost hostaddr=127.0.0.1 port={OPTIONAL.pg_port} user=alice "
             f"dbname=demo sslmode=verify-full sslrootcert={cert_file()}"],
            capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "100\n")

    def test_psql_with_sslmode_disable_still_works(self):
        r = psql(OPTIONAL, "disable", "-c", "SELECT 2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "2\n")

    def test_psycopg2_over_tls(self):
        conn = connect(OPTIONAL, "require")
        try:
            self.assertTrue(conn.info.ssl_in_use)
            self.assertIn(conn.info.ssl_attribute("protocol"), ("TLSv1.2", "TLSv1.3"))
            with conn.cursor() as cur:
                cur.execute("SELECT id, amount FROM sales.orders WHERE id = %s", (7,))
                self.assertEqual(cur.fetchall(), [(7, 70)])
                # Many rows: several TLS records per flush.
                cur.execute("SELECT repeat('x', 1000) || id FROM range(5000) t(id)")
                rows = cur.fetchall()
                self.assertEqual(len(rows), 5000)
                self.assertEqual(rows[4999][0], "x" * 1000 + "4999")
        finally:
            conn.close()

    def test_psycopg2_default_prefer_negotiates_tls(self):
        conn = connect(OPTIONAL, "prefer")
        self.assertTrue(conn.info.ssl_in_use)
        conn.close()
        conn = connect(OPTIONAL, "disable")
        self.assertFalse(conn.info.ssl_in_use)
        conn.close()

    def test_garbage_instead_of_client_hello_is_dropped(self):
        s = socket.create_connection(("127.0.0.1", OPTIONAL.pg_port), timeout=10)
        s.sendall(ssl_request())
        self.assertEqual(s.recv(1), b"S")
        s.sendall(b"\x16\x03\x01\xff\xff" + os.urandom(2000))
        reply = read_until_closed(s)
        s.close()
        self.assertNotIn(b"SCRAM", reply)
        self.assert_still_serving()

    def test_plaintext_startup_after_s_is_dropped(self):
        s = socket.create_connection(("127.0.0.1", OPTIONAL.pg_port), timeout=10)
        s.sendall(ssl_request())
        self.assertEqual(s.recv(1), b"S")
        s.sendall(startup_packet({"user": "alice", "database": "demo"}))
        reply = read_until_closed(s)
        s.close()
        # At most a TLS alert record, never an authentication request in plaintext.
        self.assertFalse(reply.startswith(b"R"), reply)
        self.assert_still_serving()

    def test_silent_client_after_s_does_not_block_others(self):
        s = socket.create_connection(("127.0.0.1", OPTIONAL.pg_port), timeout=10)
        s.sendall(ssl_request())
        self.assertEqual(s.recv(1), b"S")
        self.assert_still_serving()
        s.close()

    def test_second_ssl_request_over_tls_is_a_protocol_violation(self):
        tls = open_tls(OPTIONAL.pg_port)
        self.assertIn(tls.version(), ("TLSv1.2", "TLSv1.3"))
        tls.sendall(ssl_request())
        reply = read_until_closed(tls)
        tls.close()
        fields = error_fields(reply)
        self.assertEqual(fields["S"], "FATAL")
        self.assertEqual(fields["C"], "08P01")
        self.assertEqual(fields["M"], "encryption requested again on an encrypted connection")
        self.assert_still_serving()

    def assert_still_serving(self):
        self.assertTrue(OPTIONAL.alive())
        conn = connect(OPTIONAL, "require")
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            self.assertEqual(cur.fetchone(), (1,))
        conn.close()


class TlsRequiredTest(unittest.TestCase):
    def test_psql_with_sslmode_require(self):
        r = psql(REQUIRED, "require", "-c", "SELECT 3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "3\n")

    def test_psql_with_sslmode_disable_is_refused(self):
        r = psql(REQUIRED, "disable", "-c", "SELECT 1")
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("FATAL:  this server accepts only TLS connections (use sslmode=require)",
                      r.stderr)

    def test_raw_plaintext_startup_gets_28000(self):
        s = socket.create_connection(("127.0.0.1", REQUIRED.pg_port), timeout=10)
        s.sendall(startup_packet({"user": "alice", "database": "demo"}))
        reply = read_until_closed(s)
        s.close()
        fields = error_fields(reply)
        self.assertEqual((fields["S"], fields["C"]), ("FATAL", "28000"))

    def test_psycopg2_disable_is_refused_and_require_works(self):
        with self.assertRaises(psycopg2.OperationalError) as caught:
            connect(REQUIRED, "disable")
        self.assertIn("this server accepts only TLS connections", str(caught.exception))
        conn = connect(REQUIRED, "require")
        self.assertTrue(conn.info.ssl_in_use)
        with conn.cursor() as cur:
            cur.execute("SELECT sum(amount) FROM sales.orders")
            self.assertEqual(cur.fetchone(), (49500,))
        conn.close()

    def test_cancel_request_works_for_a_tls_session(self):
        # libpq 15 sends CancelRequest on a new unencrypted connection; it must still work.
        conn = connect(REQUIRED, "require")
        conn.autocommit = True
        cur = conn.cursor()
        timer = threading.Timer(1.0, conn.cancel)
        timer.start()
        started = time.monotonic()
        with self.assertRaises(psycopg2.errors.QueryCanceled):
            cur.execute("SELECT count(*) FROM range(1000000000000) a")
        timer.join()
        self.assertLess(time.monotonic() - started, 30)
        cur.execute("SELECT 42")
        self.assertEqual(cur.fetchone(), (42,))
        conn.close()


class PasswordAuthTest(unittest.TestCase):
    """--password-auth: cleartext passwords (PostgreSQL's `password` method), over TLS only."""

    @classmethod
    def setUpClass(cls):
        cls.node = make_node("--tls-cert", cert_file(), "--tls-key", key_file(),
                             "--password-auth")

    @classmethod
    def tearDownClass(cls):
        cls.node.stop()

    def test_server_asks_for_the_cleartext_password_inside_tls(self):
        tls = open_tls(self.node.pg_port)
        tls.sendall(startup_packet({"user": "alice", "database": "demo"}))
        reply = tls.recv(9)
        # AuthenticationCleartextPassword: 'R', length 8, code 3.
        self.assertEqual(reply, b"R" + struct.pack("!ii", 8, 3))
        password = b"alice-pw\0"
        tls.sendall(b"p" + struct.pack("!i", len(password) + 4) + password)
        self.assertEqual(tls.recv(9), b"R" + struct.pack("!ii", 8, 0))  # AuthenticationOk
        tls.close()

    def test_clients_sign_in_and_wrong_passwords_fail(self):
        conn = connect(self.node, "require")
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM sales.orders")
            self.assertEqual(cur.fetchone(), (100,))
        conn.close()
        r = psql(self.node, "require", "-c", "SELECT 2")
        self.assertEqual((r.returncode, r.stdout), (0, "2\n"), r.stderr)
        for user, password in (("alice", "wrong"), ("nobody", "alice-pw")):
            with self.assertRaises(psycopg2.OperationalError) as caught:
                psycopg2.connect(f"host=127.0.0.1 port={self.node.pg_port} user={user} "
                                 f"password={password} dbname=demo sslmode=require")
            self.assertIn(f'password authentication failed for user "{user}"',
                          str(caught.exception))

    def test_plaintext_is_refused_before_any_password(self):
        with self.assertRaises(psycopg2.OperationalError) as caught:
            connect(self.node, "disable")
        self.assertIn("this server accepts only TLS connections", str(caught.exception))

    def test_without_tls_files_is_a_usage_error(self):
        with tempfile.TemporaryDirectory() as data:
            r = subprocess.run([TESSERA, "serve", "--data-dir", data, "--pg", "127.0.0.1:0",
                                "--no-http", "--password-auth"],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--password-auth sends passwords in cleartext and so needs TLS", r.stderr)


class ServeTlsOptionsTest(unittest.TestCase):
    def serve(self, *args):
        with tempfile.TemporaryDirectory() as data:
            return subprocess.run([TESSERA, "serve", "--data-dir", data, "--pg", "127.0.0.1:0",
                                   "--no-http", *args],
                                  capture_output=True, text=True, timeout=60)

    def test_cert_without_key_is_a_usage_error(self):
        r = self.serve("--tls-cert", cert_file())
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--tls-cert and --tls-key go together", r.stderr)
        r = self.serve("--tls-key", key_file())
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_require_tls_without_files_is_a_usage_error(self):
        r = self.serve("--require-tls")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--require-tls needs --tls-cert and --tls-key", r.stderr)

    def test_unreadable_or_mismatched_files_name_the_file(self):
        r = self.serve("--tls-cert", "/nonexistent/server.crt", "--tls-key", key_file())
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("cannot load TLS certificate file '/nonexistent/server.crt'", r.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            other = os.path.join(tmp, "other.key")
            subprocess.run(["openssl", "genrsa", "-out", other, "2048"], check=True,
                           capture_output=True, timeout=120)
            r = self.serve("--tls-cert", cert_file(), "--tls-key", other)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"TLS private key file '{other}' does not match certificate file", r.stderr)

    def test_help_documents_the_flags(self):
        r = subprocess.run([TESSERA, "serve", "--help"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0)
        for flag in ("--tls-cert FILE", "--tls-key FILE", "--require-tls"):
            self.assertIn(flag, r.stdout)


if __name__ == "__main__":
    unittest.main()
