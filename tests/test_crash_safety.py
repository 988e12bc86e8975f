"""``kill -9`` in the middle of an import leaves the workspace exactly as it was."""

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

from cimlab.errors import WorkspaceBusy
from cimlab.schemas import TABLES, polars_schema
from cimlab.workspace import QUARANTINE_SCHEMA, BatchResult, Workspace

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
# "INSERTING" half-way through the INSERT itself (the rows come from a stream that stops there).
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

        def register(self, name, frame):
            if name != "_cimlab_valid":
                return self._con.register(name, frame)
            table = frame.to_arrow()
            batches = table.to_batches(max_chunksize=10_000)

            def stream():
                for k, batch in enumerate(batches):
                    if k == len(batches) // 2:
                        wait_for_kill("INSERTING")
                    yield batch

            reader = pa.RecordBatchReader.from_batches(table.schema, stream())
            return self._con.register(name, reader)

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


def snapshot(ws: Workspace) -> dict[str, pl.DataFrame]:
    state = {t: ws.table(t) for t in TABLES}
    state["batches"] = ws.batches()
    state["quarantine"] = ws.quarantine()
    state["counts"] = ws.counts()
    return state


def kill_child_at(ws: Workspace, mode: str, word: str) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, str(ws.path), str(Path(__file__).parent)],
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
        rows_read=N,
        valid=valid,
        quarantine=pl.DataFrame(schema=QUARANTINE_SCHEMA),
        imported_at=T0,
        user_name="cron",
    )
    # the first 20 lines of BIG are the active batch 1: they come back as duplicates
    assert result == BatchResult(3, N, N - 20, 20, 20, False)
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
