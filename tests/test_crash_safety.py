"""``kill -9`` in the middle of an import, a backup or a restore leaves the workspace as it was.

(Or, for a restore killed after it succeeded, exactly the restored one; never a left-over file.)
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.contracts.models import TABLES, polars_schema
from cimlab.errors import WorkspaceBusy
from cimlab.workspace import (
    DB_NAME,
    LOCK_NAME,
    QUARANTINE_SCHEMA,
    BatchResult,
    Workspace,
    check_database,
    checksum_path,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
T0 = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC)
BIG_HASH = "f" * 64
N = 200_000


def big_orders(n: int = N) -> pl.DataFrame:
    """``n`` deterministic order lines (three per order) with the contract's exact dtypes."""
    i = pl.int_range(0, n)
    ts = (pl.lit(dt.datetime(2023, 1, 1)) + pl.duration(seconds=i * 37)).dt.replace_time_zone("UTC")
    filled = {
        "order_id": pl.format("9{}", 10**17 + i // 3),
        "line_number": i % 3 + 1,
        "source_customer_id": pl.format("c{}", (i * 7919) % 6000),
        "channel": pl.lit("tmall"),
        "order_ts": ts,
        "amount": (i % 500).cast(pl.Float64),
        "currency": pl.lit("CNY"),
        "status": pl.lit("paid"),
        "name_is_masked": pl.lit(False),
        "phone_is_masked": pl.lit(False),
        "source_line": i + 2,
    }
    schema = {**polars_schema("orders"), "source_line": pl.Int64()}
    return pl.select(
        (filled[c] if c in filled else pl.lit(None)).cast(d).alias(c) for c, d in schema.items()
    )


# The child process imports BIG into the workspace and is killed by the parent when it says
# where it is: "READY" inside on_before_commit (everything inserted, COMMIT not yet run), or
# "INSERTING" half-way through the INSERT that moves the staged chunks in (the rows come from a
# stream that stops there).
CHILD = """
import sys, time
sys.path.insert(0, sys.argv[3])
import duckdb, pyarrow as pa
import polars as pl
from test_crash_safety import BIG_HASH, T0, big_orders
from cimlab.workspace import QUARANTINE_SCHEMA, Workspace

mode, path = sys.argv[1], sys.argv[2]

def wait_for_kill(word):
    print(word, flush=True)
    time.sleep(120)

if mode == "insert":
    real_connect = duckdb.connect

    class StallingConnection:
        def __init__(self, con):
            self._con = con

        def __getattr__(self, name):
            return getattr(self._con, name)

        def execute(self, sql, *args):
            # the move of the staged chunks into the table: read it from a stream that stops
            # half-way, so the process is killed in the middle of that INSERT
            if not (sql.startswith("INSERT INTO orders") and "read_parquet(?)" in sql):
                return self._con.execute(sql, *args)
            import pyarrow.parquet as pq
            batch_id, files = args[0]
            table = pa.concat_tables([pq.read_table(f) for f in files])
            batches = table.to_batches(max_chunksize=10_000)

            def stream():
                for k, batch in enumerate(batches):
                    if k == len(batches) // 2:
                        wait_for_kill("INSERTING")
                    yield batch

            reader = pa.RecordBatchReader.from_batches(table.schema, stream())
            self._con.register("_cimlab_stalled", reader)
            return self._con.execute(sql.replace("read_parquet(?)", "_cimlab_stalled"), [batch_id])

    duckdb.connect = lambda *args, **kwargs: StallingConnection(real_connect(*args, **kwargs))

if mode == "closing":
    real_connect = duckdb.connect

    class NeverClosingConnection:
        def __init__(self, con):
            self._con = con

        def __getattr__(self, name):
            return getattr(self._con, name)

        def execute(self, sql, *args):
            result = self._con.execute(sql, *args)
            if sql == "COMMIT" and "_cimlab_done" in globals():
                wait_for_kill("COMMITTED-NOT-CLOSED")
            return result

        def register(self, name, frame):
            globals()["_cimlab_done"] = True
            return self._con.register(name, frame)

    duckdb.connect = lambda *args, **kwargs: NeverClosingConnection(real_connect(*args, **kwargs))

valid = big_orders()
Workspace.open(path, create=False).import_batch(
    table="orders", channel="tmall", file_name="big.csv", content_hash=BIG_HASH,
    encoding="utf-8", format="csv", mapping={}, rows_read=valid.height, valid=valid,
    quarantine=pl.DataFrame(schema=QUARANTINE_SCHEMA), imported_at=T0, user_name="cron",
    on_before_commit=(lambda: wait_for_kill("READY")) if mode == "commit" else None,
)
print("COMMITTED", flush=True)
"""


# The child backs up or restores, and stops where the parent kills it: half-way through copying
# the file ("COPYING"), after moving the old database aside on a file system without hard links
# ("MOVED-ASIDE"), with the restored database in place but not yet proven ("SWAPPED"), or after
# the restore succeeded, before the old database is deleted ("COMMITTED").
CHILD_FILES = """
import os, shutil, sys, time
import cimlab.workspace as w
from cimlab.workspace import Workspace

mode, path, backup = sys.argv[1], sys.argv[2], sys.argv[3]

def wait_for_kill(word):
    print(word, flush=True)
    time.sleep(120)

def half_copy(source, target):
    with open(source, "rb") as src, open(target, "wb") as dst:
        data = src.read()
        dst.write(data[: len(data) // 2])
        dst.flush()
        os.fsync(dst.fileno())
    wait_for_kill("COPYING")

def move_then_wait(source, target):
    os.replace(source, target)
    wait_for_kill("MOVED-ASIDE")

def wait_in_proof(self, report):
    wait_for_kill("SWAPPED")

real_rmtree = shutil.rmtree

def wait_before_removal(target, *args, **kwargs):
    if str(target).endswith(".discard"):
        wait_for_kill("COMMITTED")
    return real_rmtree(target, *args, **kwargs)

if mode.endswith("copying"):
    w._copy_hashing = half_copy
elif mode == "restore-moved-aside":
    w._link_or_move = move_then_wait
elif mode == "restore-swapped":
    Workspace._prove = wait_in_proof
elif mode == "restore-committed":
    shutil.rmtree = wait_before_removal

if mode.startswith("backup"):
    Workspace.open(path, create=False).backup(backup)
else:
    Workspace.restore(backup, path)
print("COMMITTED" if mode.startswith("backup") else "DONE", flush=True)
"""


def small_import(ws: Workspace, valid: pl.DataFrame, content_hash: str, **kwargs) -> BatchResult:
    quarantine = pl.DataFrame(
        {
            "line": [99],
            "column": ["amount"],
            "value": ["abc"],
            "reason": ["not a number"],
            "reason_zh": ["不是数字"],
            "row_json": ['{"amount": "abc"}'],
        },
        schema=QUARANTINE_SCHEMA,
    )
    return ws.import_batch(
        table="orders",
        channel="tmall",
        file_name="small.csv",
        content_hash=content_hash,
        encoding="gb18030",
        format="csv",
        mapping={"preset": "taobao_orders"},
        rows_read=valid.height + 1,
        valid=valid,
        quarantine=quarantine,
        imported_at=T0,
        user_name="lin",
        **kwargs,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A workspace with history: one active batch and one undone batch."""
    ws = Workspace.open(tmp_path / "ws")
    small = big_orders(30)
    small_import(ws, small.head(20), "a" * 64)
    small_import(ws, small.tail(10), "b" * 64)
    ws.undo(2, at=T0 + dt.timedelta(hours=1))
    return ws


def assert_batches_add_up(ws: Workspace) -> None:
    """Every batch: rows_read = rows_loaded + rows_quarantined + rows_filtered."""
    batches = ws.batches()
    assert (
        batches["rows_read"]
        == batches["rows_loaded"] + batches["rows_quarantined"] + batches["rows_filtered"]
    ).all()
    assert ws.check().ok


def snapshot(ws: Workspace) -> dict[str, pl.DataFrame]:
    state = {t: ws.table(t) for t in TABLES}
    state["batches"] = ws.batches()
    state["quarantine"] = ws.quarantine()
    state["counts"] = ws.counts()
    return state


def kill_child_at(
    ws: Workspace, mode: str, word: str, *, script: str = CHILD, arg: str | None = None
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    third = str(Path(__file__).parent) if arg is None else arg
    child = subprocess.Popen(
        [sys.executable, "-c", script, mode, str(ws.path), third],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    watchdog = threading.Timer(90, child.kill)  # never hang the test run
    watchdog.start()
    try:
        assert child.stdout is not None
        said = child.stdout.readline().strip()
        if said != word:
            child.kill()
            _, err = child.communicate()
            pytest.fail(f"child said {said!r}, expected {word!r}; stderr:\n{err}")
        # while the child is inside its write, it holds the writer lock
        with pytest.raises(WorkspaceBusy):
            small_import(ws, big_orders(1), "c" * 64)
        os.kill(child.pid, signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
    finally:
        watchdog.cancel()
    assert child.returncode == -signal.SIGKILL
    assert "COMMITTED" not in rest


@pytest.mark.parametrize(("mode", "word"), [("commit", "READY"), ("insert", "INSERTING")])
def test_kill_mid_import_leaves_the_workspace_as_it_was(workspace: Workspace, mode: str, word: str):
    before = snapshot(workspace)
    kill_child_at(workspace, mode, word)

    reopened = Workspace.open(workspace.path, create=False)
    after = snapshot(reopened)
    assert after.keys() == before.keys()
    for key in before:
        assert_frame_equal(after[key], before[key], check_exact=True)
    assert reopened.info()["active_batches"] == 1

    # and the workspace takes the same import afterwards: nothing of the killed one is left
    valid = big_orders()
    result = reopened.import_batch(
        table="orders",
        channel="tmall",
        file_name="big.csv",
        content_hash=BIG_HASH,
        encoding="utf-8",
        format="csv",
        mapping={},
        rows_read=N + 7,
        rows_filtered=7,  # rows a row filter left out: neither loaded nor quarantined
        valid=valid,
        quarantine=pl.DataFrame(schema=QUARANTINE_SCHEMA),
        imported_at=T0,
        user_name="cron",
    )
    # the first 20 lines of BIG are the active batch 1: they come back as duplicates
    assert result == BatchResult(3, N + 7, N - 20, 20, 20, False, 7)
    assert_batches_add_up(reopened)
    stored = reopened.table("orders")
    assert stored.height == N
    assert_frame_equal(stored.filter(pl.col("batch_id") == 3).drop("batch_id"), valid.slice(20))


def test_kill_after_commit_keeps_the_committed_batch(workspace: Workspace):
    before = snapshot(workspace)
    kill_child_at(workspace, "closing", "COMMITTED-NOT-CLOSED")

    reopened = Workspace.open(workspace.path, create=False)
    history = reopened.batches()
    assert history["batch_id"].to_list() == [3, 2, 1]
    assert_frame_equal(history.slice(1), before["batches"])
    assert history.row(0, named=True)["rows_loaded"] == N - 20
    assert reopened.table("orders").height == N
    assert_frame_equal(
        reopened.table("orders").filter(pl.col("batch_id") == 3).drop("batch_id"),
        big_orders().slice(20),
    )
    # a writer carries on from there
    one = big_orders(1).with_columns(order_id=pl.lit("after-crash"))
    assert small_import(reopened, one, "d" * 64).batch_id == 4


# --------------------------------------------------------------------------- backup and restore

LATER = big_orders(1).with_columns(order_id=pl.lit("after-the-backup"))


def test_kill_mid_backup_leaves_the_workspace_and_the_earlier_backup(
    workspace: Workspace, tmp_path: Path
):
    target = tmp_path / "backups" / "b.duckdb"
    workspace.backup(target)  # an earlier backup under the same name
    kept = target.read_bytes(), checksum_path(target).read_text()
    small_import(workspace, LATER, "e" * 64)
    before = snapshot(workspace)

    kill_child_at(workspace, "backup-copying", "COPYING", script=CHILD_FILES, arg=str(target))
    assert (target.parent / ".b.duckdb.partial").exists()  # what the killed copy left

    reopened = Workspace.open(workspace.path, create=False)
    assert sorted(os.listdir(workspace.path)) == [LOCK_NAME, DB_NAME]
    after = snapshot(reopened)
    for key in before:
        assert_frame_equal(after[key], before[key], check_exact=True)
    assert (target.read_bytes(), checksum_path(target).read_text()) == kept
    assert check_database(target).ok

    # the next backup under that name replaces the earlier one and removes the partial file
    reopened.backup(target)
    assert sorted(os.listdir(target.parent)) == ["b.duckdb", "b.duckdb.sha256"]
    restored = snapshot(Workspace.restore(target, tmp_path / "check"))
    for key in before:
        assert_frame_equal(restored[key], before[key], check_exact=True)


@pytest.mark.parametrize(
    ("mode", "word", "left_over"),
    [
        ("restore-copying", "COPYING", f".{DB_NAME}.restoring"),
        ("restore-moved-aside", "MOVED-ASIDE", ".cimlab.previous"),
        ("restore-swapped", "SWAPPED", ".cimlab.previous"),
        ("restore-committed", "COMMITTED", ".cimlab.previous.discard"),
    ],
)
def test_kill_mid_restore_leaves_the_old_or_the_restored_workspace(
    workspace: Workspace, tmp_path: Path, mode: str, word: str, left_over: str
):
    backup = workspace.backup(tmp_path / "b.duckdb")
    at_backup = snapshot(workspace)
    small_import(workspace, LATER, "e" * 64)
    before = snapshot(workspace)

    kill_child_at(workspace, mode, word, script=CHILD_FILES, arg=str(backup))
    assert left_over in os.listdir(workspace.path)

    reopened = Workspace.open(workspace.path, create=False)  # tidies up under the writer lock
    assert sorted(os.listdir(workspace.path)) == [LOCK_NAME, DB_NAME]
    # killed before it succeeded: exactly as before; after: exactly the restored one
    expected = at_backup if mode == "restore-committed" else before
    after = snapshot(reopened)
    for key in expected:
        assert_frame_equal(after[key], expected[key], check_exact=True)
    assert reopened.check().ok
    # and the restore goes through when run again
    again = snapshot(Workspace.restore(backup, workspace.path))
    for key in at_backup:
        assert_frame_equal(again[key], at_backup[key], check_exact=True)
    assert sorted(os.listdir(workspace.path)) == [LOCK_NAME, DB_NAME]


# The child imports a CSV file in small chunks with ``import_file`` and is killed after two
# chunks are staged (``STAGED``): the workspace must be as it was, and the staged chunks are
# removed when the workspace is next opened.
CHILD_CHUNKS = """
import sys, time
import cimlab.workspace as w
from cimlab.ingest.importer import import_file
from cimlab.workspace import Workspace

path, source = sys.argv[2], sys.argv[3]
real_add = w.BatchWriter.add
added = []

def add_then_wait(self, valid, quarantine):
    real_add(self, valid, quarantine)
    added.append(valid.height)
    if len(added) == 2:
        print("STAGED", flush=True)
        time.sleep(120)

w.BatchWriter.add = add_then_wait
import_file(Workspace.open(path, create=False), source, table="orders", channel="shop",
            mapping="generic_en", chunk_bytes=2048)
print("COMMITTED", flush=True)
"""


def test_kill_while_chunks_are_staged_leaves_the_workspace_as_it_was(
    workspace: Workspace, tmp_path: Path
):
    source = tmp_path / "orders.csv"
    source.write_text(
        "order_id,order_date,amount,currency\n"
        + "".join(f"Z{i},2024-01-05,{i},CNY\n" for i in range(1, 2000))
    )
    before = snapshot(workspace)
    kill_child_at(workspace, "chunks", "STAGED", script=CHILD_CHUNKS, arg=str(source))
    assert (workspace.path / ".cimlab.staging").is_dir()  # the killed import's chunks

    reopened = Workspace.open(workspace.path, create=False)
    assert not (workspace.path / ".cimlab.staging").exists()
    after = snapshot(reopened)
    for key in before:
        assert_frame_equal(after[key], before[key], check_exact=True)
    from cimlab.ingest.importer import import_file

    result = import_file(reopened, source, table="orders", channel="shop", chunk_bytes=2048)
    assert (result.rows_loaded, result.rows_quarantined) == (1999, 0)

    # a filtered import in chunks, after the recovery: every row is accounted for
    log = tmp_path / "log.csv"
    log.write_text(
        "order_id,kind,order_date,amount,currency\n"
        + "".join(f"L{i},{'buy' if i % 3 else 'pv'},2024-01-05,{i},CNY\n" for i in range(1, 2000))
    )
    mapping = {
        "table": "orders",
        "columns": {"order_id": "order_id", "order_ts": "order_date", "amount": "amount"},
        "constants": {"currency": "CNY"},
        "filters": ["kind == buy"],
    }
    filtered = import_file(reopened, log, channel="shop", mapping=mapping, chunk_bytes=2048)
    assert (filtered.rows_read, filtered.rows_loaded, filtered.rows_filtered) == (1999, 1333, 666)
    assert_batches_add_up(reopened)
