#!/usr/bin/env python3
"""End-to-end: the Delta Sharing protocol of `tessera serve`, driven with python3-requests and
curl over the shared fixture tables (../shared/fixtures/delta). Data files behind the returned
URLs are downloaded and read back with DuckDB (through `tessera sql`), deletion vectors applied,
and must equal the fixture's expected rows at that version."""
import csv
import io
import gzip
import json
import os
import re
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import zlib

import requests

from fixtures import fixtures_dir

TESSERA = os.environ["TESSERA_BIN"]


FIXTURES = fixtures_dir()


def tessera(*args, data_dir, check=True, stdin=None):
    r = subprocess.run([TESSERA, *args, "--data-dir", data_dir], capture_output=True, text=True,
                       timeout=300, input=stdin)
    if check and r.returncode != 0:
        raise RuntimeError(f"tessera {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r


DUCK_TYPES = {"string": "VARCHAR", "long": "BIGINT", "integer": "INTEGER", "short": "SMALLINT",
              "byte": "TINYINT", "float": "FLOAT", "double": "DOUBLE", "boolean": "BOOLEAN",
              "binary": "BLOB", "date": "DATE", "timestamp": "TIMESTAMPTZ",
              "timestamp_ntz": "TIMESTAMP"}


def duck_type(delta_type):
    if isinstance(delta_type, str):
        if delta_type.startswith("decimal"):
            return delta_type.upper()
        return DUCK_TYPES.get(delta_type)
    return None  # nested: read as stored


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text):
    return "'" + text.replace("'", "''") + "'"


# ---- deletion vectors (PROTOCOL.md "Deletion Vector Format"), decoded independently of tessera --

Z85_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"


def z85_decode(text):
    out = bytearray()
    for i in range(0, len(text), 5):
        value = 0
        for c in text[i:i + 5]:
            value = value * 85 + Z85_CHARS.index(c)
        out += value.to_bytes(4, "big")
    return bytes(out)


def roaring32(data, pos):
    """Decode one portable 32-bit Roaring bitmap at `pos`; return (values, new position)."""
    cookie = struct.unpack_from("<I", data, pos)[0]
    pos += 4
    run_bitset = None
    if cookie & 0xFFFF == 12347:
        size = (cookie >> 16) + 1
        run_bitset = data[pos:pos + (size + 7) // 8]
        pos += (size + 7) // 8
    elif cookie == 12346:
        size = struct.unpack_from("<I", data, pos)[0]
        pos += 4
    else:
        raise ValueError(f"bad roaring cookie {cookie}")
    header = [struct.unpack_from("<HH", data, pos + 4 * i) for i in range(size)]
    pos += 4 * size
    if run_bitset is None or size >= 4:
        pos += 4 * size  # offsets
    values = []
    for i, (key, card_minus_1) in enumerate(header):
        base = key << 16
        if run_bitset is not None and run_bitset[i // 8] & (1 << (i % 8)):
            runs = struct.unpack_from("<H", data, pos)[0]
            pos += 2
            for r in range(runs):
                start, length = struct.unpack_from("<HH", data, pos + 4 * r)
                values.extend(base + v for v in range(start, start + length + 1))
            pos += 4 * runs
        elif card_minus_1 + 1 <= 4096:
            count = card_minus_1 + 1
            values.extend(base + v for v in struct.unpack_from(f"<{count}H", data, pos))
            pos += 2 * count
        else:
            words = struct.unpack_from("<1024Q", data, pos)
            pos += 8192
            for w, word in enumerate(words):
                while word:
                    low = word & -word
                    values.append(base + w * 64 + low.bit_length() - 1)
                    word ^= low
    return values, pos


def roaring_array(blob):
    magic, count = struct.unpack_from("<iq", blob, 0)
    assert magic == 1681511377, magic
    pos, rows = 12, []
    for _ in range(count):
        high = struct.unpack_from("<I", blob, pos)[0]
        values, pos = roaring32(blob, pos + 4)
        rows.extend((high << 32) | v for v in values)
    return rows


def deleted_rows(session, dv):
    if dv["storageType"] == "i":
        return set(roaring_array(z85_decode(dv["pathOrInlineDv"])))
    assert dv["storageType"] == "p", dv
    data = session.get(dv["pathOrInlineDv"], timeout=60).content
    offset = dv.get("offset") or 1
    size = struct.unpack_from(">i", data, offset)[0]
    assert size == dv["sizeInBytes"], (size, dv)
    blob = data[offset + 4:offset + 4 + size]
    crc = struct.unpack_from(">I", data, offset + 4 + size)[0]
    assert crc == zlib.crc32(blob), "deletion vector checksum"
    rows = set(roaring_array(blob))
    assert len(rows) == dv["cardinality"]
    return rows


def csv_rows(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], sorted(rows[1:])


class SharingTest(unittest.TestCase):
    TABLES = {
        # (schema, name): (fixture, history shared)
        ("basic", "null_part"): ("deltars-delta-0.8.0-null-partition", False),
        ("basic", "numeric_part"): ("deltars-delta-0.8.0-numeric-partition", False),
        ("basic", "special_part"): ("deltars-delta-0.8.0-special-partition", False),
        ("basic", "simple"): ("deltars-simple-table", True),
        ("basic", "checkpointed"): ("deltars-simple-table-with-checkpoint", True),
        ("modern", "v2_checkpoint"): ("deltars-checkpoint-v2-table", True),
        ("modern", "dv"): ("delta-basic-dv-with-checkpoint", True),
        ("modern", "deletion_logs"): ("deltars-table-with-deletion-logs", True),
        ("modern", "column_mapping"): ("deltars-table-with-column-mapping", False),
        ("cdf", "partitioned"): ("kernel-cdf-table-partitioned", True),
        ("cdf", "plain"): ("kernel-cdf-table-non-partitioned", True),
    }

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "data")
        d = cls.data
        tessera("share", "create", "fixtures", data_dir=d)
        tessera("share", "create", "hidden", data_dir=d)
        tessera("share", "create", "second", data_dir=d)
        for (schema, name), (fixture, history) in cls.TABLES.items():
            args = ["share", "add-table", "fixtures", os.path.join(FIXTURES, fixture),
                    "--schema", schema, "--as", name]
            if history:
                args.append("--history")
            tessera(*args, data_dir=d)
        tessera("share", "add-table", "hidden", os.path.join(FIXTURES, "deltars-simple-table"),
                "--schema", "secret", "--as", "t", data_dir=d)
        tessera("share", "add-table", "second", os.path.join(FIXTURES, "deltars-simple-table"),
                "--schema", "s", "--as", "limited", "--history", "--start-version", "2",
                data_dir=d)
        # A table of 300 files (hand-written log): an answer big enough to be sent compressed.
        wide = os.path.join(cls.tmp.name, "wide")
        os.makedirs(os.path.join(wide, "_delta_log"))
        schema = json.dumps({"type": "struct", "fields": [
            {"name": "id", "type": "long", "nullable": True, "metadata": {}}]})
        actions = [{"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}},
                   {"metaData": {"id": "wide", "format": {"provider": "parquet", "options": {}},
                                 "schemaString": schema, "partitionColumns": [],
                                 "configuration": {}, "createdTime": 0}}]
        actions += [{"add": {"path": f"part-{i:05d}.parquet", "partitionValues": {},
                             "size": 1000 + i, "modificationTime": 0, "dataChange": True}}
                    for i in range(300)]
        with open(os.path.join(wide, "_delta_log", "00000000000000000000.json"), "w") as f:
            f.write("\n".join(json.dumps(a) for a in actions) + "\n")
        tessera("share", "add-table", "fixtures", wide, "--schema", "big", "--as", "wide",
                data_dir=d)
        tessera("recipient", "create", "partner", data_dir=d)
        tessera("recipient", "create", "outsider", data_dir=d)
        tessera("share", "grant", "fixtures", "partner", data_dir=d)
        tessera("share", "grant", "second", "partner", data_dir=d)
        tessera("share", "grant", "hidden", "outsider", data_dir=d)
        cls.server = subprocess.Popen(
            [TESSERA, "serve", "--data-dir", d, "--http", "127.0.0.1:0", "--no-pg"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        cls.base = None
        deadline = time.time() + 60
        while time.time() < deadline and cls.base is None:
            line = cls.server.stdout.readline()
            if not line:
                break
            m = re.match(r"http: (\S+)", line)
            if m:
                cls.base = "http://" + m.group(1)
        if cls.base is None:
            cls.server.kill()
            raise RuntimeError("tessera serve did not print its HTTP address: " +
                               cls.server.stderr.read())
        cls.endpoint = cls.base + "/delta-sharing"
        cls.profile = cls.write_profile("partner")
        cls.token = json.load(open(cls.profile))["bearerToken"]
        cls.session = requests.Session()
        cls.session.headers["Authorization"] = "Bearer " + cls.token

    @classmethod
    def write_profile(cls, recipient, *extra):
        path = os.path.join(cls.tmp.name, recipient + ".share")
        tessera("recipient", "profile", recipient, "--output", path, "--endpoint",
                cls.endpoint, *extra, data_dir=cls.data)
        return path

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=30)
        cls.tmp.cleanup()

    # ---- helpers ----------------------------------------------------------------------------

    def get(self, path, **kwargs):
        return self.session.get(self.endpoint + path, timeout=60, **kwargs)

    def post(self, path, body, **kwargs):
        return self.session.post(self.endpoint + path, data=json.dumps(body), timeout=60,
                                 **kwargs)

    def table_path(self, schema, name, tail=""):
        return f"/shares/fixtures/schemas/{schema}/tables/{name}{tail}"

    def ndjson(self, response):
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.headers["Content-Type"].startswith("application/x-ndjson"))
        self.assertIn("Delta-Table-Version", response.headers)
        text = response.text
        self.assertTrue(text.endswith("\n"))
        lines = text[:-1].split("\n")
        for line in lines:
            self.assertTrue(line, "blank NDJSON line")
        parsed = [json.loads(line) for line in lines]
        for line in parsed:
            self.assertEqual(len(line), 1, line)
        return parsed

    def assert_error(self, response, status, code=None, message=None):
        self.assertEqual(response.status_code, status, response.text)
        body = response.json()
        self.assertIn("errorCode", body)
        self.assertIn("message", body)
        if code:
            self.assertEqual(body["errorCode"], code, body)
        if message:
            self.assertIn(message, body["message"])
        return body

    def read_rows(self, lines, fmt):
        """Download every data file of a query response and read its rows with DuckDB."""
        metadata = lines[1]["metaData"]
        if fmt == "delta":
            metadata = metadata["deltaMetadata"]
        schema = json.loads(metadata["schemaString"])
        partitions = set(metadata["partitionColumns"])
        selects = []
        workdir = tempfile.mkdtemp(dir=self.tmp.name)
        for n, line in enumerate(lines[2:]):
            if "endStreamAction" in line:
                continue
            f = line["file"]
            if fmt == "delta":
                add = f["deltaSingleAction"]["add"]
                url, values, dv = add["path"], add["partitionValues"], add.get("deletionVector")
            else:
                url, values, dv = f["url"], f["partitionValues"], None
            response = requests.get(url, timeout=60)
            self.assertEqual(response.status_code, 200, response.text)
            local = os.path.join(workdir, f"{n}.parquet")
            with open(local, "wb") as out:
                out.write(response.content)
            exprs = []
            for field in schema["fields"]:
                name, dtype = field["name"], field["type"]
                physical = field.get("metadata", {}).get("delta.columnMapping.physicalName", name)
                duck = duck_type(dtype)
                if name in partitions:
                    value = values.get(physical)
                    literal = "NULL" if value is None or (value == "" and dtype != "string") \
                        else quote_literal(value)
                    exprs.append(f"CAST({literal} AS {duck}) AS {quote_ident(name)}")
                elif duck:
                    exprs.append(f"CAST({quote_ident(physical)} AS {duck}) AS {quote_ident(name)}")
                else:
                    exprs.append(f"{quote_ident(physical)} AS {quote_ident(name)}")
            where = ""
            if dv:
                deleted = deleted_rows(requests, dv)
                if deleted:
                    where = " WHERE file_row_number NOT IN (" + ",".join(map(str, sorted(deleted))) + ")"
            selects.append(f"SELECT {', '.join(exprs)} FROM read_parquet({quote_literal(local)}, "
                           f"file_row_number = true){where}")
        if not selects:
            return None
        sql = "SET TimeZone = 'UTC'; " + " UNION ALL ".join(selects)
        out = tessera("sql", "--format", "csv", sql, data_dir=os.path.join(self.tmp.name, "x"))
        return csv_rows(out.stdout)

    def expected_rows(self, fixture, version=None):
        suffix = f".expected.v{version}.csv" if version is not None else ".expected.csv"
        with open(os.path.join(FIXTURES, fixture + suffix), newline="") as f:
            return csv_rows(f.read())

    def query(self, schema, name, body=None, caps=None, expect=200):
        headers = {"delta-sharing-capabilities": caps} if caps else {}
        r = self.post(self.table_path(schema, name, "/query"), body or {}, headers=headers)
        if expect != 200:
            return r
        return self.ndjson(r), r

    # ---- authentication and listing -------------------------------------------------------------

    def test_missing_or_wrong_token_is_401(self):
        r = requests.get(self.endpoint + "/shares", timeout=30)
        self.assert_error(r, 401)
        r = requests.get(self.endpoint + "/shares", timeout=30,
                         headers={"Authorization": "Bearer dss_nope"})
        self.assert_error(r, 401)

    def test_list_shares_sees_only_granted_ones_with_paging(self):
        r = self.get("/shares")
        self.assertEqual(r.status_code, 200, r.text)
        self.assertTrue(r.headers["Content-Type"].startswith("application/json"))
        body = r.json()
        self.assertEqual([s["name"] for s in body["items"]], ["fixtures", "second"])
        self.assertNotIn("nextPageToken", body)
        first = self.get("/shares", params={"maxResults": 1}).json()
        self.assertEqual([s["name"] for s in first["items"]], ["fixtures"])
        second = self.get("/shares", params={"maxResults": 1,
                                             "pageToken": first["nextPageToken"]}).json()
        self.assertEqual([s["name"] for s in second["items"]], ["second"])
        self.assertNotIn("nextPageToken", second)
        self.assert_error(self.get("/shares", params={"maxResults": 501}), 400,
                          message="Acceptable values of 'maxResults' are 0 to 500")
        self.assert_error(self.get("/shares", params={"maxResults": "x"}), 400,
                          message="expected a number")
        self.assert_error(self.get("/shares", params={"pageToken": "garbage"}), 400)

    def test_ungranted_share_looks_exactly_like_a_missing_one(self):
        hidden = self.get("/shares/hidden")
        missing = self.get("/shares/nosuch")
        self.assert_error(hidden, 404, "RESOURCE_DOES_NOT_EXIST")
        self.assertEqual(hidden.json()["message"].replace("hidden", "X"),
                         missing.json()["message"].replace("nosuch", "X"))
        for tail in ["/schemas", "/all-tables", "/schemas/secret/tables",
                     "/schemas/secret/tables/t/version"]:
            self.assert_error(self.get("/shares/hidden" + tail), 404)

    def test_get_share_schemas_and_tables(self):
        self.assertEqual(self.get("/shares/FIXTURES").json()["share"]["name"], "fixtures")
        schemas = self.get("/shares/fixtures/schemas").json()["items"]
        self.assertEqual(schemas, [{"name": "basic", "share": "fixtures"},
                                   {"name": "big", "share": "fixtures"},
                                   {"name": "cdf", "share": "fixtures"},
                                   {"name": "modern", "share": "fixtures"}])
        tables = self.get("/shares/fixtures/schemas/basic/tables").json()["items"]
        self.assertEqual([t["name"] for t in tables],
                         ["checkpointed", "null_part", "numeric_part", "simple", "special_part"])
        for t in tables:
            self.assertEqual((t["schema"], t["share"]), ("basic", "fixtures"))
            self.assertTrue(t["id"] and t["shareId"])
        all_tables = self.get("/shares/fixtures/all-tables").json()["items"]
        self.assertEqual(len(all_tables), len(self.TABLES) + 1)  # + big.wide
        page = self.get("/shares/fixtures/all-tables", params={"maxResults": 4}).json()
        names = [t["name"] for t in page["items"]]
        while "nextPageToken" in page:
            page = self.get("/shares/fixtures/all-tables",
                            params={"maxResults": 4, "pageToken": page["nextPageToken"]}).json()
            names += [t["name"] for t in page["items"]]
        self.assertEqual(names, [t["name"] for t in all_tables])
        self.assert_error(self.get("/shares/fixtures/schemas/nosuch/tables"), 404)
        self.assert_error(self.get(self.table_path("basic", "nosuch", "/version")), 404,
                          message="does not exist")

    # ---- version and metadata ---------------------------------------------------------------

    def test_version_and_starting_timestamp(self):
        r = self.get(self.table_path("basic", "simple", "/version"))
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.headers["Delta-Table-Version"], "4")
        r = self.session.head(self.endpoint + self.table_path("basic", "simple"), timeout=30)
        self.assertEqual(r.headers["Delta-Table-Version"], "4")
        r = self.get(self.table_path("basic", "simple", "/version"),
                     params={"startingTimestamp": "2000-01-01T00:00:00Z"})
        self.assertEqual(r.headers["Delta-Table-Version"], "0", r.text)
        self.assert_error(self.get(self.table_path("basic", "simple", "/version"),
                                   params={"startingTimestamp": "2999-01-01T00:00:00Z"}),
                          400, message="Please use a timestamp less than or equal to")
        self.assert_error(self.get(self.table_path("basic", "simple", "/version"),
                                   params={"startingTimestamp": "nonsense"}),
                          400, message="Invalid startingTimestamp")
        self.assert_error(self.get(self.table_path("basic", "null_part", "/version"),
                                   params={"startingTimestamp": "2000-01-01T00:00:00Z"}),
                          400, message="history sharing is not enabled")

    def test_metadata_is_exactly_two_lines(self):
        r = self.get(self.table_path("basic", "numeric_part", "/metadata"))
        lines = self.ndjson(r)
        self.assertEqual(len(lines), 2)
        self.assertEqual(lines[0], {"protocol": {"minReaderVersion": 1}})
        meta = lines[1]["metaData"]
        for key in ["id", "format", "schemaString", "partitionColumns"]:
            self.assertIn(key, meta)
        self.assertEqual(meta["partitionColumns"], ["x", "y"])
        self.assertEqual(r.headers["delta-sharing-capabilities"], "responseformat=parquet")
        r = self.get(self.table_path("basic", "simple", "/metadata"), params={"version": 1})
        self.assertEqual(r.headers["Delta-Table-Version"], "1")
        self.assert_error(self.get(self.table_path("basic", "simple", "/metadata"),
                                   params={"version": 1, "timestamp": "2020-01-01T00:00:00Z"}),
                          400, message="Please only provide one of")

    def test_parquet_only_client_cannot_read_tables_that_need_delta(self):
        for schema, name in [("modern", "dv"), ("modern", "column_mapping")]:
            r = self.get(self.table_path(schema, name, "/metadata"))
            self.assert_error(r, 400, "UNSUPPORTED_OPERATION",
                              "Unsupported Delta Table Properties")
        r = self.get(self.table_path("modern", "dv", "/metadata"), headers={
            "delta-sharing-capabilities": "responseformat=delta,parquet;readerfeatures="
                                          "deletionvectors,columnmapping,timestampntz"})
        lines = self.ndjson(r)
        self.assertEqual(r.headers["delta-sharing-capabilities"], "responseformat=delta")
        self.assertEqual(lines[0]["protocol"]["deltaProtocol"]["minReaderVersion"], 3)
        self.assertIn("deltaMetadata", lines[1]["metaData"])
        # A plain table stays parquet even when the client offers both.
        r = self.get(self.table_path("basic", "simple", "/metadata"),
                     headers={"delta-sharing-capabilities": "responseformat=delta,parquet"})
        self.assertEqual(r.headers["delta-sharing-capabilities"], "responseformat=parquet")

    # ---- query: data equality -----------------------------------------------------------------

    def test_latest_snapshot_rows_equal_the_fixture(self):
        for (schema, name), (fixture, _) in self.TABLES.items():
            if schema == "modern" and name in ("dv", "deletion_logs", "column_mapping"):
                continue
            with self.subTest(table=name):
                lines, r = self.query(schema, name)
                self.assertEqual(lines[0], {"protocol": {"minReaderVersion": 1}})
                for line in lines[2:]:
                    f = line["file"]
                    for key in ["url", "id", "partitionValues", "size", "expirationTimestamp"]:
                        self.assertIn(key, f)
                    self.assertIsInstance(f.get("stats", ""), str)
                self.assertEqual(self.read_rows(lines, "parquet"), self.expected_rows(fixture))

    def test_delta_format_rows_apply_deletion_vectors_and_column_mapping(self):
        caps = "responseformat=delta;readerfeatures=deletionvectors,columnmapping,timestampntz"
        for name, fixture in [("dv", "delta-basic-dv-with-checkpoint"),
                              ("deletion_logs", "deltars-table-with-deletion-logs"),
                              ("column_mapping", "deltars-table-with-column-mapping")]:
            with self.subTest(table=name):
                lines, r = self.query("modern", name, caps=caps)
                self.assertEqual(r.headers["delta-sharing-capabilities"], "responseformat=delta")
                self.assertEqual(self.read_rows(lines, "delta"), self.expected_rows(fixture))

    def test_time_travel_by_version_and_timestamp(self):
        for version in range(5):
            lines, r = self.query("basic", "simple", {"version": version})
            self.assertEqual(r.headers["Delta-Table-Version"], str(version))
            for line in lines[2:]:
                self.assertEqual(line["file"]["version"], version)
            self.assertEqual(self.read_rows(lines, "parquet"),
                             self.expected_rows("deltars-simple-table", version))
        lines, r = self.query("modern", "dv", {"version": 1}, caps="responseformat=delta")
        self.assertEqual(self.read_rows(lines, "delta"),
                         self.expected_rows("delta-basic-dv-with-checkpoint", 1))
        r = self.query("basic", "simple", {"timestamp": "2000-01-01T00:00:00Z"}, expect=400)
        self.assert_error(r, 400, message="is before the earliest available version")
        r = self.query("basic", "simple", {"timestamp": "2999-01-01T00:00:00Z"}, expect=400)
        self.assert_error(r, 400, message="is after the latest available version")
        r = self.query("basic", "null_part", {"version": 0}, expect=400)
        self.assert_error(r, 400, message="Reading table by version or timestamp is not "
                                          "supported because history sharing is not enabled "
                                          "on table: fixtures.basic.null_part")
        r = self.query("basic", "simple", {"version": 99}, expect=400)
        self.assert_error(r, 400)
        r = self.query("basic", "simple", {"version": -1}, expect=400)
        self.assert_error(r, 400, message="table version cannot be negative")
        r = self.query("basic", "simple", {"version": 1, "timestamp": "x"}, expect=400)
        self.assert_error(r, 400, message="Please only provide one of")

    def test_start_version_limits_what_recipients_read(self):
        path = "/shares/second/schemas/s/tables/limited/query"
        r = self.post(path, {"version": 1})
        self.assert_error(r, 400, message="You can only query table data since version 2.")
        self.assertEqual(self.post(path, {"version": 2}).status_code, 200)
        r = self.get("/shares/second/schemas/s/tables/limited/changes",
                     params={"startingVersion": 0})
        self.assert_error(r, 400)

    # ---- query: hints, paging, refresh --------------------------------------------------------

    def test_json_predicate_hints_prune_partitions_with_three_valued_logic(self):
        def files(hint):
            lines, _ = self.query("basic", "null_part", {"jsonPredicateHints": json.dumps(hint)})
            return sorted(l["file"]["partitionValues"]["k"] or "<null>" for l in lines[2:])
        col = {"op": "column", "name": "k", "valueType": "string"}
        lit = {"op": "literal", "value": "A", "valueType": "string"}
        everything = files({"op": "or", "children": [
            {"op": "isNull", "children": [col]}, {"op": "not", "children": [
                {"op": "isNull", "children": [col]}]}]})
        self.assertEqual(everything, ["<null>", "A"])
        self.assertEqual(files({"op": "equal", "children": [col, lit]}), ["A"])
        self.assertEqual(files({"op": "isNull", "children": [col]}), ["<null>"])
        # NOT (k = 'A') is null for the null partition: only A's complement with a value matches.
        self.assertEqual(files({"op": "not", "children": [{"op": "equal",
                                                           "children": [col, lit]}]}), [])
        # Invalid hints mean no skipping, never an error.
        lines, _ = self.query("basic", "null_part", {"jsonPredicateHints": "{not json"})
        self.assertEqual(len(lines) - 2, 2)
        lines, _ = self.query("basic", "null_part", {"jsonPredicateHints": json.dumps(
            {"op": "equal", "children": [{"op": "column", "name": "nosuch",
                                          "valueType": "string"}, lit]})})
        self.assertEqual(len(lines) - 2, 2)
        # Legacy SQL hints are accepted.
        lines, _ = self.query("basic", "null_part", {"predicateHints": ["k = 'A'"]})
        self.assertEqual(len(lines) - 2, 1)

    def test_stats_pruning_and_limit_hint(self):
        # kernel-cdf-table-non-partitioned: one row per file, with min/max statistics.
        lines, _ = self.query("cdf", "plain")
        total = len(lines) - 2
        self.assertGreater(total, 3)
        lines, _ = self.query("cdf", "plain", {"limitHint": 2})
        self.assertEqual(len(lines) - 2, 2)
        lines, _ = self.query("cdf", "plain", {"limitHint": 0})
        self.assertEqual(len(lines) - 2, 0)

        def count(hint):
            lines, _ = self.query("cdf", "plain", {"jsonPredicateHints": json.dumps(hint)})
            return len(lines) - 2
        col = {"op": "column", "name": "id", "valueType": "int"}
        big = {"op": "greaterThan", "children": [
            col, {"op": "literal", "value": "1000000", "valueType": "int"}]}
        self.assertEqual(count(big), 0)
        self.assertEqual(count({"op": "not", "children": [big]}), total)
        three = {"op": "equal", "children": [
            col, {"op": "literal", "value": "3", "valueType": "int"}]}
        self.assertEqual(count(three), 1)
        # NOT (id = 3) keeps every other file (each holds one id; the reference server's bug
        # pruned ranges that merely contain the value).
        self.assertEqual(count({"op": "not", "children": [three]}), total - 1)
        self.assertEqual(count({"op": "or", "children": [three, big]}), 1)
        birthday = {"op": "lessThan", "children": [
            {"op": "column", "name": "birthday", "valueType": "date"},
            {"op": "literal", "value": "2024-04-15", "valueType": "date"}]}
        self.assertGreaterEqual(count(birthday), 1)
        self.assertLess(count(birthday), total)
        # A literal on the left flips the comparison.
        flipped = {"op": "greaterThan", "children": [
            {"op": "literal", "value": "2024-04-15", "valueType": "date"},
            {"op": "column", "name": "birthday", "valueType": "date"}]}
        self.assertEqual(count(flipped), count(birthday))
        # A column type that does not match the valueType disables skipping.
        self.assertEqual(count({"op": "equal", "children": [
            {"op": "column", "name": "id", "valueType": "string"},
            {"op": "literal", "value": "3", "valueType": "string"}]}), total)

    def test_no_end_stream_action_unless_asked(self):
        lines, r = self.query("basic", "simple")
        self.assertFalse(any("endStreamAction" in l for l in lines))
        lines, r = self.query("basic", "simple",
                              caps="responseformat=parquet;includeendstreamaction=true")
        self.assertIn("endStreamAction", lines[-1])
        self.assertIn("includeendstreamaction=true", r.headers["delta-sharing-capabilities"])

    def test_max_files_pages_are_consistent_and_complete(self):
        lines, r = self.query("basic", "checkpointed")
        all_ids = [l["file"]["id"] for l in lines[2:]]
        self.assertGreater(len(all_ids), 2)
        got, token, first_head = [], None, None
        while True:
            body = {"maxFiles": 2}
            if token:
                body["pageToken"] = token
            page, r = self.query("basic", "checkpointed", body)
            head = [json.dumps(page[0], sort_keys=True), json.dumps(page[1], sort_keys=True)]
            first_head = first_head or head
            self.assertEqual(head, first_head)
            self.assertIn("endStreamAction", page[-1])
            got += [l["file"]["id"] for l in page[2:-1]]
            self.assertLessEqual(len(page) - 3, 2)
            token = page[-1]["endStreamAction"].get("nextPageToken")
            if not token:
                break
        self.assertEqual(got, all_ids)
        r = self.query("basic", "checkpointed", {"maxFiles": 2, "pageToken": "bogus"}, expect=400)
        self.assert_error(r, 400, message="Error decoding the page token")
        page, _ = self.query("basic", "checkpointed", {"maxFiles": 2})
        token = page[-1]["endStreamAction"]["nextPageToken"]
        r = self.query("basic", "simple", {"maxFiles": 2, "pageToken": token}, expect=400)
        self.assert_error(r, 400, message="does not match the table being queried")
        r = self.query("basic", "checkpointed", {"maxFiles": 2, "pageToken": token,
                                                 "limitHint": 5}, expect=400)
        self.assert_error(r, 400, message="Query parameter mismatch")
        r = self.query("basic", "checkpointed", {"maxFiles": 0}, expect=400)
        self.assert_error(r, 400, message="maxFiles must be positive")

    def test_refresh_token_reissues_the_same_files(self):
        lines, r = self.query("basic", "simple", {"includeRefreshToken": True})
        end = lines[-1]["endStreamAction"]
        ids = sorted(l["file"]["id"] for l in lines[2:-1])
        again, r2 = self.query("basic", "simple", {"refreshToken": end["refreshToken"]})
        self.assertEqual(sorted(l["file"]["id"] for l in again[2:-1]), ids)
        self.assertEqual(r2.headers["Delta-Table-Version"], r.headers["Delta-Table-Version"])
        r = self.query("basic", "checkpointed", {"refreshToken": end["refreshToken"]}, expect=400)
        self.assert_error(r, 400, message="refresh token does not match")
        r = self.query("basic", "simple", {"refreshToken": "x"}, expect=400)
        self.assert_error(r, 400, message="Error decoding refresh token")
        r = self.query("basic", "simple", {"version": 1, "includeRefreshToken": True}, expect=400)
        self.assert_error(r, 400, message="cannot be used when querying a specific version")

    def test_file_ids_are_stable_and_follow_fileidhash(self):
        a, _ = self.query("basic", "simple")
        b, _ = self.query("basic", "simple")
        self.assertEqual([l["file"]["id"] for l in a[2:]], [l["file"]["id"] for l in b[2:]])
        self.assertTrue(all(len(l["file"]["id"]) == 32 for l in a[2:]))
        r = self.post(self.table_path("basic", "simple", "/query"), {},
                      headers={"fileidhash": "DELTA"})
        lines = self.ndjson(r)
        self.assertEqual(r.headers["fileidhash"], "delta")
        self.assertTrue(all(len(l["file"]["id"]) == 64 for l in lines[2:]))
        r = self.post(self.table_path("basic", "simple", "/query"), {},
                      headers={"fileidhash": "md4"})
        self.assert_error(r, 400, message="Unsupported fileidhash: 'md4'")

    def test_starting_version_query_streams_adds_and_removes(self):
        lines, r = self.query("basic", "simple", {"startingVersion": 1, "endingVersion": 3})
        self.assertEqual(r.headers["Delta-Table-Version"], "1")
        self.assertEqual(lines[1]["metaData"]["version"], 1)
        kinds = set()
        versions = []
        for line in lines[2:]:
            (kind, body), = line.items()
            kinds.add(kind)
            if kind in ("add", "remove"):
                for key in ["url", "id", "partitionValues", "size", "timestamp", "version"]:
                    self.assertIn(key, body)
                versions.append(body["version"])
        self.assertTrue(kinds <= {"add", "remove", "metaData"}, kinds)
        self.assertEqual(versions, sorted(versions))
        self.assertTrue(set(versions) <= {1, 2, 3})
        r = self.query("basic", "simple", {"startingVersion": 9}, expect=400)
        self.assert_error(r, 400)

    # ---- changes ----------------------------------------------------------------------------

    def changes_rows(self, schema, name, params, caps=None):
        headers = {"delta-sharing-capabilities": caps} if caps else {}
        r = self.get(self.table_path(schema, name, "/changes"), params=params, headers=headers)
        return self.ndjson(r), r

    def test_changes_match_the_fixture_change_feed(self):
        fixture = "kernel-cdf-table-partitioned"
        meta = json.load(open(os.path.join(FIXTURES, fixture + ".expected.json")))
        cdf = meta["expected_files"]["cdf"]
        lines, r = self.changes_rows("cdf", "partitioned", {
            "startingVersion": cdf["start_version"], "endingVersion": cdf["end_version"]})
        self.assertEqual(r.headers["Delta-Table-Version"], str(cdf["start_version"]))
        schema = json.loads(lines[1]["metaData"]["schemaString"])
        names = [f["name"] for f in schema["fields"]]
        rows = []
        workdir = tempfile.mkdtemp(dir=self.tmp.name)
        for n, line in enumerate(lines[2:]):
            (kind, f), = line.items()
            self.assertIn(kind, ("add", "remove", "cdf"))
            self.assertIn("timestamp", f)
            local = os.path.join(workdir, f"{n}.parquet")
            with open(local, "wb") as out:
                out.write(requests.get(f["url"], timeout=60).content)
            exprs = []
            for field in schema["fields"]:
                nm = field["name"]
                if nm in lines[1]["metaData"]["partitionColumns"]:
                    v = f["partitionValues"].get(nm)
                    lit = "NULL" if v is None else quote_literal(v)
                    exprs.append(f"CAST({lit} AS {duck_type(field['type'])}) AS {quote_ident(nm)}")
                else:
                    exprs.append(quote_ident(nm))
            change = {"add": "'insert'", "remove": "'delete'", "cdf": "_change_type"}[kind]
            rows.append(f"SELECT {', '.join(exprs)}, {change} AS _change_type, "
                        f"{f['version']}::BIGINT AS _commit_version "
                        f"FROM read_parquet({quote_literal(local)})")
        out = tessera("sql", "--format", "csv", " UNION ALL ".join(rows),
                      data_dir=os.path.join(self.tmp.name, "x"))
        got = csv_rows(out.stdout)
        with open(os.path.join(FIXTURES, fixture + ".expected.cdf.csv"), newline="") as f:
            expected = csv_rows(f.read())
        self.assertEqual(got[0][:len(names) + 2], expected[0][:len(names) + 2])
        self.assertEqual(got[1], expected[1])

    def test_changes_errors_use_the_protocol_messages(self):
        def err(params, message, table=("cdf", "partitioned")):
            r = self.get(self.table_path(*table, "/changes"), params=params)
            self.assert_error(r, 400, message=message)
        err({}, "No startingVersion or startingTimestamp provided for CDF read.")
        err({"startingVersion": 0, "startingTimestamp": "2020-01-01T00:00:00Z"},
            "Multiple starting arguments provided for CDF read.")
        err({"startingVersion": 9}, "Provided Start version(9) for reading change data is "
                                    "invalid. Start version cannot be greater than the latest "
                                    "version of the table(2).")
        err({"startingVersion": 0, "endingVersion": 9}, "Provided end version(9) is invalid.")
        err({"startingVersion": 2, "endingVersion": 1},
            "CDF range from start 2 to end 1 was invalid. End cannot be before start.")
        err({"startingVersion": 0}, "cdf is not enabled on table fixtures.basic.null_part",
            table=("basic", "null_part"))
        err({"startingVersion": 0}, "change data was not recorded for version [0]",
            table=("basic", "simple"))
        err({"startingTimestamp": "2999-01-01T00:00:00Z"},
            "Please use a timestamp less than or equal to")

    def test_changes_paging(self):
        lines, _ = self.changes_rows("cdf", "plain", {"startingVersion": 0})
        ids = [list(l.values())[0]["id"] for l in lines[2:]]
        got, token = [], None
        while True:
            params = {"startingVersion": 0, "maxFiles": 1}
            if token:
                params["pageToken"] = token
            page, _ = self.changes_rows("cdf", "plain", params)
            got += [list(l.values())[0]["id"] for l in page[2:-1]]
            token = page[-1]["endStreamAction"].get("nextPageToken")
            if not token:
                break
        self.assertEqual(got, ids)

    # ---- tokens -------------------------------------------------------------------------------

    def test_rotation_grace_and_revocation_take_effect_at_once(self):
        d = self.data
        tessera("recipient", "create", "rotating", data_dir=d)
        tessera("share", "grant", "fixtures", "rotating", data_dir=d)
        old = json.load(open(self.write_profile("rotating")))["bearerToken"]
        ok = lambda tok: requests.get(self.endpoint + "/shares", timeout=30, headers={
            "Authorization": "Bearer " + tok}).status_code
        self.assertEqual(ok(old), 200)
        out = tessera("recipient", "rotate", "rotating", "--grace", "1h", data_dir=d).stdout
        new = re.search(r"dss_[A-Za-z0-9_-]+", out).group(0)
        self.assertEqual(ok(new), 200)
        self.assertEqual(ok(old), 200)  # within the grace period
        tessera("recipient", "rotate", "rotating", "--grace", "0s", data_dir=d)
        self.assertEqual(ok(old), 401)
        tessera("recipient", "revoke", "rotating", data_dir=d)
        self.assertEqual(ok(new), 401)

    def test_expired_token_is_refused(self):
        d = self.data
        tessera("recipient", "create", "brief", "--ttl", "1s", data_dir=d)
        tessera("share", "grant", "fixtures", "brief", data_dir=d)
        path = os.path.join(self.tmp.name, "brief.share")
        tessera("recipient", "profile", "brief", "--output", path, "--ttl", "1s",
                "--endpoint", self.endpoint, data_dir=d)
        profile = json.load(open(path))
        self.assertIn("expirationTime", profile)
        self.assertEqual(profile["shareCredentialsVersion"], 1)
        time.sleep(2.1)
        r = requests.get(self.endpoint + "/shares", timeout=30,
                         headers={"Authorization": "Bearer " + profile["bearerToken"]})
        self.assert_error(r, 401)

    def test_big_snapshot_answers_are_gzipped_for_clients_that_accept_it(self):
        url = self.endpoint + self.table_path("big", "wide", "/query")
        auth = "Authorization: Bearer " + self.token

        def curl(*extra):
            r = subprocess.run(["curl", "-sS", "-D", "-", "-X", "POST", "-H", auth,
                                "-H", "Content-Type: application/json", "-d", "{}", *extra, url],
                               capture_output=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            head, _, body = r.stdout.partition(b"\r\n\r\n")
            return head.decode().lower(), body

        plain_head, plain = curl()
        self.assertNotIn("content-encoding", plain_head)
        self.assertIn("vary: accept-encoding", plain_head)
        gz_head, gz = curl("-H", "Accept-Encoding: gzip")
        self.assertIn("content-encoding: gzip", gz_head)
        self.assertEqual(gz[:2], b"\x1f\x8b")
        self.assertLess(len(gz), len(plain) / 3)
        # The same cached answer, compressed: identical once decompressed.
        self.assertEqual(gzip.decompress(gz), plain)
        lines = [json.loads(l) for l in plain.decode().splitlines()]
        self.assertEqual(len([l for l in lines if "file" in l]), 300)
        # q=0 refuses gzip; python-requests asks for it and reads it transparently.
        q0_head, _ = curl("-H", "Accept-Encoding: gzip;q=0, identity")
        self.assertNotIn("content-encoding", q0_head)
        r = self.post(self.table_path("big", "wide", "/query"), {})
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip")
        self.assertEqual(len(self.ndjson(r)), 302)

    def test_curl_walks_the_profile(self):
        profile = json.load(open(self.profile))
        r = subprocess.run(["curl", "-sS", "-H", "Authorization: Bearer " + profile["bearerToken"],
                            profile["endpoint"] + "/shares"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(json.loads(r.stdout)["items"][0]["name"], "fixtures")

    # ---- command line ----------------------------------------------------------------------

    def test_cli_exit_codes_json_and_profile_mode(self):
        d = os.path.join(self.tmp.name, "cli")
        def run(*args):
            return tessera(*args, data_dir=d, check=False)
        self.assertEqual(run("share").returncode, 2)
        self.assertEqual(run("share", "create").returncode, 2)
        self.assertEqual(run("share", "frobnicate", "x").returncode, 2)
        self.assertEqual(run("recipient", "create", "r", "--ttl", "5x").returncode, 2)
        r = run("share", "grant", "nosuch", "nobody")
        self.assertEqual(r.returncode, 1)
        self.assertIn("share 'nosuch' not found", r.stderr)
        self.assertEqual(run("share", "create", "s", "--comment", "c").returncode, 0)
        r = run("share", "add-table", "s", "/nonexistent/table")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("is not a Delta table", r.stderr)
        self.assertEqual(run("share", "add-table", "s", os.path.join(FIXTURES, "deltars-simple-table"),
                             "--history", "--start-version", "1").returncode, 0)
        shown = json.loads(run("share", "show", "s", "--json").stdout)
        self.assertEqual(shown["tables"][0]["name"], "deltars-simple-table")
        self.assertEqual(shown["tables"][0]["schema"], "default")
        self.assertEqual(shown["tables"][0]["start_version"], 1)
        self.assertEqual([s["name"] for s in json.loads(run("share", "list", "--json").stdout)],
                         ["s"])
        self.assertEqual(run("recipient", "create", "r").returncode, 0)
        path = os.path.join(self.tmp.name, "cli.share")
        self.assertEqual(run("recipient", "profile", "r", "--output", path).returncode, 0)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as f:
            profile = json.load(f)
        self.assertEqual(profile["endpoint"], "http://127.0.0.1:8080/delta-sharing")
        self.assertNotIn("expirationTime", profile)
        listed = json.loads(run("recipient", "list", "--json").stdout)
        self.assertEqual(listed[0]["name"], "r")
        self.assertNotIn(profile["bearerToken"], json.dumps(listed))

    # ---- hostile input ------------------------------------------------------------------------

    def test_bad_bodies_and_paths_are_4xx(self):
        path = self.endpoint + self.table_path("basic", "simple", "/query")
        for body in [b"{", b"[1]", b'{"version": "x3"}', b'{"predicateHints": {}}',
                     b'{"maxFiles": 99999999999}', b"\xff\xfe", b'{"limitHint": -5}']:
            r = self.session.post(path, data=body, timeout=30)
            self.assertEqual(r.status_code, 400, (body, r.text))
            self.assertIn("errorCode", r.json())
        r = self.session.post(path, data=b"{" * 100000, timeout=30)
        self.assertEqual(r.status_code, 400)
        # Limits of the HTTP layer answer in the protocol's error shape on its paths too.
        r = self.session.post(path, data=b" " * (17 << 20), timeout=60)
        self.assertEqual(r.status_code, 413)
        self.assertEqual(r.json()["errorCode"], "MALFORMED_REQUEST")
        self.assertIn("larger than", r.json()["message"])
        r = self.session.get(path, headers={"X-Big": "x" * 20000}, timeout=30)
        self.assertEqual(r.status_code, 431)
        self.assertIn("errorCode", r.json())
        r = subprocess.run(["curl", "-sS", "-H", "Authorization: Bearer " + self.token,
                            "--path-as-is", self.endpoint + "/shares/a%00b/schemas"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(json.loads(r.stdout)["errorCode"], "MALFORMED_REQUEST", r.stdout)
        for bad in ["/shares/%2e%2e/schemas", "/shares/fixtures/schemas/basic/tables/..%2fx/query",
                    "/shares/fixtures/schemas/basic/tables/simple/nonsense", "/nothing"]:
            r = self.session.get(self.endpoint + bad, timeout=30)
            self.assertIn(r.status_code, (400, 404), (bad, r.text))
        r = self.session.get(self.endpoint + self.table_path("basic", "simple", "/query"),
                             timeout=30)
        self.assertEqual(r.status_code // 100, 4)

    def test_tampered_and_expired_file_urls_are_403(self):
        lines, _ = self.query("basic", "simple")
        url = lines[2]["file"]["url"]
        self.assertEqual(requests.get(url, timeout=30).status_code, 200)
        parts = urllib.parse.urlsplit(url)
        query = dict(urllib.parse.parse_qsl(parts.query))
        for key in query:
            changed = dict(query)
            changed[key] = changed[key][:-1] + ("A" if changed[key][-1] != "A" else "B")
            bad = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(changed)))
            self.assertEqual(requests.get(bad, timeout=30).status_code, 403, key)
        other = urllib.parse.urlunsplit(parts._replace(
            path=parts.path.rsplit("/", 1)[0] + "/_delta_log/00000000000000000000.json"))
        self.assertEqual(requests.get(other, timeout=30).status_code, 403)
        r = requests.head(url, timeout=30)
        self.assertEqual(int(r.headers["Content-Length"]), lines[2]["file"]["size"])
        r = requests.get(url, headers={"Range": "bytes=0-3"}, timeout=30)
        self.assertEqual((r.status_code, r.content), (206, b"PAR1"))

    def test_file_downloads_carry_etags_ranges_and_conditional_answers(self):
        lines, _ = self.query("basic", "simple")
        url, size = lines[2]["file"]["url"], lines[2]["file"]["size"]
        full = requests.get(url, timeout=30)
        self.assertEqual((full.status_code, len(full.content)), (200, size))
        etag = full.headers["ETag"]
        self.assertRegex(etag, r'^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$')
        self.assertEqual(full.headers["Accept-Ranges"], "bytes")
        self.assertRegex(full.headers["Last-Modified"],
                         r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
        self.assertEqual(requests.get(url, timeout=30).headers["ETag"], etag)  # stable
        r = requests.get(url, headers={"If-None-Match": etag}, timeout=30)
        self.assertEqual((r.status_code, r.content), (304, b""))
        r = requests.get(url, headers={"Range": f"bytes=-4"}, timeout=30)
        self.assertEqual((r.status_code, r.content), (206, full.content[-4:]))
        self.assertEqual(r.headers["Content-Range"], f"bytes {size - 4}-{size - 1}/{size}")
        r = requests.get(url, headers={"Range": f"bytes={size}-"}, timeout=30)
        self.assertEqual((r.status_code, r.headers["Content-Range"]), (416, f"bytes */{size}"))
        # A range for another version of the file is ignored: the whole file comes back.
        r = requests.get(url, headers={"Range": "bytes=0-3", "If-Range": '"other"'}, timeout=30)
        self.assertEqual((r.status_code, r.content), (200, full.content))

    def test_audit_records_every_request(self):
        self.query("basic", "simple")
        self.query("basic", "simple", {"version": 99}, expect=400)
        out = tessera("audit", "--json", "--limit", "1000", data_dir=self.data).stdout
        events = json.loads(out)
        sharing = [e for e in events if e.get("port") == "sharing"]
        self.assertTrue(any(e.get("action") == "query" and
                            e.get("object") == "fixtures.basic.simple" and
                            e.get("principal") == "partner" for e in sharing), sharing[-5:])
        self.assertTrue(any(e.get("status") == "error" for e in sharing))


if __name__ == "__main__":
    unittest.main()
