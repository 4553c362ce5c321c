#!/usr/bin/env python3
"""Crash safety: the real tessera binary is killed with SIGKILL at random moments while it writes.

After every kill the table must open at a committed version and hold exactly the rows of the
commits that returned success, plus the killed command's rows only if its whole commit landed
(commit atomicity: all rows of a batch or none). No commit file may ever be partial.

Every write command of `tessera table` must be an entry of OPERATIONS; test_every_write_command_is_
covered fails when `tessera table --help` lists one that is not.

Knobs (environment): TESSERA_CRASH_SEED (printed on every run, to replay one),
TESSERA_CRASH_KILLS (default 50), TESSERA_CRASH_ROWS (rows per batch, default 200000).
"""
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import unittest
import uuid
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

TESSERA = os.environ["TESSERA_BIN"]
SEED = int(os.environ.get("TESSERA_CRASH_SEED", random.randrange(1 << 32)))
KILLS = int(os.environ.get("TESSERA_CRASH_KILLS", "50"))
CREATE_KILLS = 5  # of the KILLS, how many go to `table create`
ROWS = int(os.environ.get("TESSERA_CRASH_ROWS", "200000"))
assert ROWS % 2 == 0 and ROWS >= 4, "TESSERA_CRASH_ROWS must be even"
TABLE = "crash.test.t"
COMMIT_NAME = re.compile(r"^(\d{20})\.json$")

# `tessera table` subcommands that never write; every other subcommand needs an OPERATIONS entry.
READ_ONLY_SUBCOMMANDS = {"history", "describe", "changes"}

# The model of the table: batch number -> the ids rows of that batch hold now, as disjoint ranges.
State = Dict[int, Tuple[range, ...]]
HALF = ROWS // 2


def batch_ids(batch: int) -> Tuple[range, ...]:
    return (range(batch * ROWS, (batch + 1) * ROWS),)


def batch_query(batch: int) -> str:
    return f"SELECT range + {batch * ROWS} AS id, {batch} AS batch FROM range({ROWS})"


def count(ranges) -> int:
    return sum(len(r) for r in ranges)


def summary(state: State) -> List[str]:
    """What the summary query in assert_table prints for `state`: per batch, then for the table,
    the count, min, max, sum and sum of squares of the ids, and how many are odd."""
    def squares(r):
        n, a, d = len(r), r.start, r.step
        return n * a * a + a * d * n * (n - 1) + d * d * (n - 1) * n * (2 * n - 1) // 6

    def odd(r):
        if r.step == 2:
            return len(r) if r.start % 2 else 0
        return r.stop // 2 - r.start // 2

    def line(label, ranges):
        return (f"{label},{count(ranges)},{min(r[0] for r in ranges)},{max(r[-1] for r in ranges)},"
                f"{sum(len(r) * (r[0] + r[-1]) // 2 for r in ranges)},"
                f"{sum(squares(r) for r in ranges)},{sum(odd(r) for r in ranges)}")
    rows = [line(b, ranges) for b, ranges in sorted(state.items())]
    everything = tuple(r for ranges in state.values() for r in ranges)
    return rows + [line("", everything) if everything else ",0,,,,,0"]


def target(batch: int, state: State) -> int:
    """The live batch an operation on `batch` works on: chosen from both, so args and apply agree."""
    return sorted(state)[batch % len(state)]


def commit_info(actions) -> dict:
    return actions[0]["commitInfo"]


def check_adds_one_batch(test, actions, batch, state):
    adds = [a["add"] for a in actions if "add" in a]
    test.assertEqual(len(adds), 1, f"batch {batch}: {actions}")
    stats = json.loads(adds[0]["stats"])
    test.assertEqual(stats["numRecords"], ROWS)
    test.assertEqual((stats["minValues"]["batch"], stats["maxValues"]["batch"]), (batch, batch))
    test.assertEqual((stats["minValues"]["id"], stats["maxValues"]["id"]),
                     (batch * ROWS, (batch + 1) * ROWS - 1))


def check_append(test, actions, batch, state):
    check_adds_one_batch(test, actions, batch, state)
    test.assertEqual([a for a in actions if "remove" in a], [])
    test.assertEqual(commit_info(actions)["operationParameters"], {"mode": "Append"})


def check_overwrite(test, actions, batch, state):
    check_adds_one_batch(test, actions, batch, state)
    test.assertEqual(commit_info(actions)["operationParameters"], {"mode": "Overwrite"})


# delete: the odd ids of a whole batch, or all of a batch that lost them already.
def delete_args(b, s):
    x = target(b, s)
    odd = all(r.step == 1 for r in s[x])
    return ["table", "delete", TABLE, "--where", f"batch = {x}" + (" AND id % 2 = 1" if odd else "")]


def delete_apply(b, s):
    x = target(b, s)
    s = dict(s)
    if all(r.step == 1 for r in s[x]):
        s[x] = tuple(range(r.start + r.start % 2, r.stop, 2) for r in s[x])
    else:
        del s[x]
    return s


def check_delete(test, actions, b, s):
    info = commit_info(actions)
    deleted = count(s[target(b, s)]) - count(delete_apply(b, s).get(target(b, s), ()))
    test.assertEqual((info["operation"], info["operationMetrics"]["numDeletedRows"]),
                     ("DELETE", str(deleted)))


# update: move a batch's rows to this batch number and add SHIFT to their ids. Ids stay unique:
# every row keeps its original id modulo SHIFT, and merges replace rows rather than copy them.
SHIFT = 10**12


def update_args(b, s):
    return ["table", "update", TABLE, "--set", f"batch = {b}", "--set", f"id = id + {SHIFT}",
            "--where", f"batch = {target(b, s)}"]


def update_apply(b, s):
    s = dict(s)
    s[b] = tuple(range(r.start + SHIFT, r.stop + SHIFT, r.step) for r in s.pop(target(b, s)))
    return s


def check_update(test, actions, b, s):
    info = commit_info(actions)
    test.assertEqual((info["operation"], info["operationMetrics"]["numUpdatedRows"]),
                     ("UPDATE", str(count(s[target(b, s)]))))


# merge on id: replace the rows of a batch's last id range and insert half a batch of new ids.
def merge_args(b, s):
    r = s[target(b, s)][-1]
    return ["table", "merge", TABLE, "--key", "id", "--from",
            f"SELECT {r.start} + range * {r.step} AS id, {b} AS batch FROM range({len(r)})"
            f" UNION ALL SELECT {b * ROWS} + range, {b} FROM range({HALF})"]


def merge_apply(b, s):
    x = target(b, s)
    s = dict(s)
    *rest, replaced = s.pop(x)
    if rest:
        s[x] = tuple(rest)
    s[b] = (replaced, range(b * ROWS, b * ROWS + HALF))
    return s


def check_merge(test, actions, b, s):
    info = commit_info(actions)
    test.assertEqual((info["operation"], info["operationMetrics"]["numTargetRowsUpdated"],
                      info["operationMetrics"]["numTargetRowsInserted"]),
                     ("MERGE", str(len(s[target(b, s)][-1])), str(HALF)))


@dataclass
class Operation:
    """One kind of write. `args(batch, state)` gives the argv after `tessera`; `apply(batch,
    state)` the model after it succeeds; `check_commit(test, actions, batch, state)` asserts what
    its commit file holds (None for commands that write no new version). `needs_rows`: it only
    makes sense on a table with rows."""
    name: str
    subcommand: str
    weight: int
    args: Callable[[int, State], List[str]]
    apply: Callable[[int, State], State]
    check_commit: Optional[Callable[["CrashTest", List[dict], int, State], None]]
    needs_rows: bool = False


OPERATIONS = [
    Operation("append", "append", 4,
              lambda b, s: ["table", "append", TABLE, "--from", batch_query(b)],
              lambda b, s: {**s, b: batch_ids(b)}, check_append),
    Operation("overwrite", "append", 1,
              lambda b, s: ["table", "append", TABLE, "--overwrite", "--from", batch_query(b)],
              lambda b, s: {b: batch_ids(b)}, check_overwrite),
    Operation("delete", "delete", 2, delete_args, delete_apply, check_delete, needs_rows=True),
    Operation("update", "update", 1, update_args, update_apply, check_update, needs_rows=True),
    Operation("merge", "merge", 2, merge_args, merge_apply, check_merge, needs_rows=True),
    # No new version: a checkpoint is published with put-if-absent; vacuum (retention 0, forced)
    # deletes only files the latest version does not reference (e.g. a killed write's debris).
    Operation("checkpoint", "checkpoint", 1, lambda b, s: ["table", "checkpoint", TABLE],
              lambda b, s: s, None),
    Operation("vacuum", "vacuum", 1,
              lambda b, s: ["table", "vacuum", TABLE, "--retention-hours", "0", "--force"],
              lambda b, s: s, None),
]


class CrashTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.use_data_dir(os.path.join(self.tmp.name, "data"))
        self.procs = []

    def use_data_dir(self, data):
        self.data = data
        self.root = os.path.join(data, "tables", *TABLE.split("."))
        self.log = os.path.join(self.root, "_delta_log")

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.tmp.cleanup()

    def start(self, args):
        p = subprocess.Popen([TESSERA, *args, "--data-dir", self.data], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def run_tessera(self, *args):
        p = self.start(list(args))
        out, err = p.communicate(timeout=120)
        self.procs.remove(p)
        return p.returncode, out, err

    def run_killed(self, args, delay):
        """Run a command and SIGKILL it after `delay` seconds unless it has exited by then.
        Return (returncode, stdout, stderr, seconds); returncode is -SIGKILL when the kill landed."""
        t0 = time.monotonic()
        p = self.start(args)
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
        out, err = p.communicate(timeout=120)
        self.procs.remove(p)
        return p.returncode, out, err, time.monotonic() - t0

    # --- what a reader sees --------------------------------------------------------------------

    def commits(self):
        """Parse every commit file line by line; return {version: [action, ...]}."""
        out = {}
        for name in os.listdir(self.log) if os.path.isdir(self.log) else []:
            m = COMMIT_NAME.match(name)
            if not m:
                continue
            with open(os.path.join(self.log, name), encoding="utf-8") as f:
                text = f.read()
            self.assertTrue(text.endswith("\n"), f"{name} does not end with a newline: {text!r}")
            actions = []
            for number, line in enumerate(text[:-1].split("\n"), 1):
                try:
                    actions.append(json.loads(line))
                except ValueError as e:
                    self.fail(f"{name} line {number} is not JSON ({e}): {line!r}")
            self.assertIn("commitInfo", actions[0], f"{name} does not start with commitInfo")
            out[int(m.group(1))] = actions
        return out

    def data_files(self):
        return {n for n in os.listdir(self.root) if n.endswith(".parquet")} \
            if os.path.isdir(self.root) else set()

    def debris(self):
        """Temp files a killed commit left in _delta_log."""
        return [n for n in os.listdir(self.log) if n.endswith(".tmp")] \
            if os.path.isdir(self.log) else []

    def assert_table(self, state: State, version: int, context: str, describe=True):
        """The table opens at `version` and holds exactly `state`, and its log is whole; with
        `describe`, `table describe` agrees on the version and (from the stats) the row count."""
        commits = self.commits()
        self.assertEqual(sorted(commits), list(range(version + 1)), context)
        code, out, err = self.run_tessera(
            "sql", "--format", "csv",
            "SELECT batch, count(*), min(id), max(id), sum(id), sum(id::HUGEINT * id),"
            f" count(*) FILTER (id % 2 = 1) FROM {TABLE} GROUP BY ROLLUP (batch)"
            " ORDER BY batch NULLS LAST")
        self.assertEqual(code, 0, f"{context}: the table does not open: {err}")
        self.assertEqual(out.splitlines()[1:], summary(state), context)
        if not describe:
            return
        code, out, err = self.run_tessera("table", "describe", TABLE, "--json")
        self.assertEqual(code, 0, f"{context}: {err}")
        described = json.loads(out)
        self.assertEqual((described["version"], described["latest_version"], described["rows"]),
                         (version, version, sum(count(r) for r in state.values())), context)

    def operations(self):
        """OPERATIONS whose subcommand this binary has (delete, update and merge are new)."""
        code, out, err = self.run_tessera("table", "--help")
        self.assertEqual(code, 0, err)
        listed = set(re.findall(r"^  (\w+) <table>", out, re.M))
        missing = sorted({op.subcommand for op in OPERATIONS} - listed)
        if missing:
            print(f"crash_test: this tessera has no {missing}; not testing them", file=sys.stderr)
        return [op for op in OPERATIONS if op.subcommand in listed]

    # --- the tests -----------------------------------------------------------------------------

    def test_every_write_command_is_covered(self):
        code, out, _ = self.run_tessera("table", "--help")
        self.assertEqual(code, 0)
        listed = set(re.findall(r"^  (\w+) <table>", out, re.M))
        self.assertTrue(READ_ONLY_SUBCOMMANDS <= listed, listed)
        # `create` has its own phase in test_random_kills.
        covered = {"create"} | {op.subcommand for op in OPERATIONS}
        self.assertEqual(listed - READ_ONLY_SUBCOMMANDS - covered, set(),
                         "write commands without an OPERATIONS entry in crash_test.py")

    def test_debris_of_a_killed_create_blocks_nothing(self):
        # What a `table create` killed before its first commit landed leaves behind: an orphan data
        # file and an empty _delta_log (killed right after its mkdir), or one holding the commit's
        # temp file (killed while writing it). Neither is a table, and the data directory stays
        # usable: queries run, other tables can be created, and so can this one.
        for debris in ("", ".00000000000000000000.json.%s.tmp" % uuid.uuid4()):
            with self.subTest(debris=debris or "empty _delta_log"):
                self.use_data_dir(os.path.join(self.tmp.name, "debris" + str(len(debris))))
                os.makedirs(self.log)
                with open(os.path.join(self.root, "part-00000-x-c000.zstd.parquet"), "wb") as f:
                    f.write(b"PAR1 partial")
                if debris:
                    with open(os.path.join(self.log, debris), "w") as f:
                        f.write('{"commitInfo":{}}\n{"protoc')
                code, out, err = self.run_tessera("sql", "--format", "csv", "SELECT 42 AS x")
                self.assertEqual((code, out.splitlines()), (0, ["x", "42"]), err)
                code, out, err = self.run_tessera("table", "create", "crash.test.other", "--from",
                                                  "SELECT 1 AS id")
                self.assertEqual(code, 0, err)
                code, out, err = self.run_tessera("table", "create", TABLE, "--from", batch_query(0))
                self.assertEqual(code, 0, err)
                self.assert_table({0: batch_ids(0)}, 0, "create over debris")

    def test_random_kills(self):
        rng = random.Random(SEED)
        print(f"\ncrash_test: TESSERA_CRASH_SEED={SEED} kills={KILLS} rows={ROWS}", file=sys.stderr)
        started = time.monotonic()
        kills = {"nothing written": 0, "data written, no commit": 0, "committed": 0}

        def outcome(files_before, landed):
            if landed:
                return "committed"
            return "data written, no commit" if self.data_files() - files_before else "nothing written"

        # A command writes nothing before it has started up (DuckDB, the data directory): kills
        # land after that, at uniform(startup, 1.1 x the command's typical duration).
        startups = []
        for _ in range(3):
            t0 = time.monotonic()
            code, _, err = self.run_tessera("sql", "SELECT 1")
            self.assertEqual(code, 0, err)
            startups.append(time.monotonic() - t0)
        startup = statistics.median(startups)

        def kill_delay(typical):
            return rng.uniform(min(startup, typical), 1.1 * typical)

        # Phase 1: `table create`, killed until one survives (at most CREATE_KILLS kills). A probe
        # table gives the typical duration.
        t0 = time.monotonic()
        code, _, err = self.run_tessera("table", "create", "crash.probe.t", "--from", batch_query(0))
        self.assertEqual(code, 0, err)
        typical_create = time.monotonic() - t0
        state, version, batch = None, -1, 0
        while state is None:
            create = ["table", "create", TABLE, "--from", batch_query(batch)]
            files_before = self.data_files()
            delay = kill_delay(typical_create) if sum(kills.values()) < CREATE_KILLS else 600
            code, out, err, _ = self.run_killed(create, delay)
            landed = 0 in self.commits()
            context = (f"seed {SEED}: create of batch {batch} killed after {delay:.3f}s "
                       f"(exit {code}): {err.strip()}")
            self.assertIn(code, (0, -signal.SIGKILL), context)
            if code == 0:
                self.assertTrue(landed, context)
                self.assertIn("version 0:", out, context)
            if landed:
                state, version = {batch: batch_ids(batch)}, 0
                check_adds_one_batch(self, self.commits()[0], batch, state)
                self.assert_table(state, version, context)
            else:
                # No table yet, and the data directory stays usable.
                rc, out, err = self.run_tessera("sql", "--format", "csv",
                                                "SELECT count(*) AS n FROM crash.probe.t")
                self.assertEqual((rc, out.splitlines()), (0, ["n", str(ROWS)]), f"{context}\n{err}")
            if code != 0:
                kills[outcome(files_before, landed)] += 1
            batch += 1

        # Phase 2: measure each operation, unkilled (these are successful commits too).
        operations = self.operations()
        durations = {}
        for op in operations * 2:
            t0 = time.monotonic()
            code, out, err = self.run_tessera(*op.args(batch, state))
            durations.setdefault(op.name, []).append(time.monotonic() - t0)
            self.assertEqual(code, 0, f"{op.name}: {err}")
            if op.check_commit:
                version += 1
                self.assertIn(f"version {version}:", out)
                op.check_commit(self, self.commits()[version], batch, state)
            state = op.apply(batch, state)
            batch += 1
        self.assert_table(state, version, "after the measured runs")

        # Phase 3: random operations, each killed (its typical duration is the median of its last 5
        # successful runs, as the table and the machine's load change), except every 5th, which
        # must succeed after whatever the kills left behind.
        total_kills = sum(kills.values())
        steps = successes = 0
        while total_kills < KILLS:
            steps += 1
            self.assertLess(steps, 6 * KILLS, "too few kills land: are the writes too fast?")
            candidates = [op for op in operations if state or not op.needs_rows]
            op = rng.choices(candidates, [op.weight for op in candidates])[0]
            typical = statistics.median(durations[op.name][-5:])
            delay = kill_delay(typical) if steps % 5 else 600
            files_before = self.data_files()
            code, out, err, seconds = self.run_killed(op.args(batch, state), delay)
            context = (f"seed {SEED}, step {steps}: {op.name} of batch {batch} killed after "
                       f"{delay:.3f}s (exit {code}): {err.strip()}")
            self.assertIn(code, (0, -signal.SIGKILL), context)
            commits = self.commits()
            latest = max(commits)
            landed = False
            if op.check_commit:
                if code == 0:
                    self.assertIn(f"version {version + 1}:", out, context)
                    self.assertEqual(latest, version + 1, context)
                else:
                    self.assertIn(latest, (version, version + 1), context)
                landed = latest == version + 1
                if landed:
                    op.check_commit(self, commits[latest], batch, state)
                    version = latest
                    state = op.apply(batch, state)
            else:
                self.assertEqual(latest, version, context)
                if code == 0:
                    state = op.apply(batch, state)
            if code != 0:
                kills[outcome(files_before, landed)] += 1
                total_kills += 1
            else:
                successes += 1
                durations[op.name].append(seconds)
            self.assert_table(state, version, context, describe=steps % 2 == 0)
            batch += 1
        self.assert_table(state, version, "at the end")
        code, out, err = self.run_tessera("sql", "--format", "csv",
                                          f"SELECT count(*) - count(DISTINCT id) FROM {TABLE}")
        self.assertEqual((code, out.splitlines()[1:]), (0, ["0"]), f"duplicate ids: {err}")
        debris = len(self.debris())
        orphans = len(self.data_files() - {
            a["add"]["path"] for c in self.commits().values() for a in c if "add" in a})
        print(f"crash_test: {total_kills} kills and {successes} successes in {steps} steps ({kills}),"
              f" final version {version},"
              f" {orphans} orphan data files, {debris} temp files in _delta_log,"
              f" startup {startup:.3f}s, typical durations"
              f" {({k: round(statistics.median(v), 3) for k, v in durations.items()})},"
              f" {time.monotonic() - started:.1f}s", file=sys.stderr)
        self.assertGreaterEqual(total_kills, KILLS)
        # The kills must land while data is being written, not only before it starts.
        self.assertGreater(kills["data written, no commit"] + kills["committed"], 0, kills)


if __name__ == "__main__":
    unittest.main()
