"""The DuckDB workspace: batches, duplicates, undo, reads, backup/restore, locking."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cimlab.workspace as workspace_module
from cimlab.contracts.models import TABLES, polars_schema
from cimlab.errors import WorkspaceBusy, WorkspaceError
from cimlab.workspace import (
    BATCHES_SCHEMA,
    DB_NAME,
    LOCK_NAME,
    QUARANTINE_SCHEMA,
    BatchResult,
    Workspace,
)

UTC = dt.UTC
T0 = dt.datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
NO_PROBLEMS = pl.DataFrame(schema=QUARANTINE_SCHEMA)

# Required fields of each table, so a test row only spells out what it is about.
DEFAULTS: dict[str, dict[str, Any]] = {
    "orders": {
        "channel": "tmall",
        "order_ts": dt.datetime(2024, 1, 5, 8, 0, tzinfo=UTC),
        "amount": 10.0,
        "currency": "CNY",
        "status": "paid",
        "name_is_masked": False,
        "phone_is_masked": False,
    },
    "customers": {
        "channel": "shop",
        "name_is_masked": False,
        "phone_is_masked": False,
        "customer_type": "individual",
    },
    "interactions": {"channel": "shop", "ts": dt.datetime(2024, 1, 5, tzinfo=UTC), "type": "visit"},
    "feedback": {"channel": "shop", "ts": dt.datetime(2024, 1, 5, tzinfo=UTC), "nps": 9},
}


def rows(table: str, *records: dict[str, Any]) -> pl.DataFrame:
    """Canonical frame of ``table`` (+ source_line), with the exact dtypes of the contract."""
    schema = {**polars_schema(table), "source_line": pl.Int64()}
    full = [{**dict.fromkeys(schema), **DEFAULTS[table], **r} for r in records]
    return pl.DataFrame(full, schema=schema, orient="row")


def order(order_id: str, line: int, source_line: int, **extra: Any) -> dict[str, Any]:
    return {"order_id": order_id, "line_number": line, "source_line": source_line, **extra}


def problems(*records: tuple[int, str | None, str | None, str]) -> pl.DataFrame:
    """Quarantine frame from (line, column, value, reason) tuples."""
    return pl.DataFrame(
        [
            {
                "line": line,
                "column": column,
                "value": value,
                "reason": reason,
                "reason_zh": "原因",
                "row_json": json.dumps({"raw": value}),
            }
            for line, column, value, reason in records
        ],
        schema=QUARANTINE_SCHEMA,
        orient="row",
    )


def sha(tag: str) -> str:
    return (tag * 64)[:64]


def load(
    ws: Workspace,
    valid: pl.DataFrame,
    *,
    table: str = "orders",
    channel: str = "tmall",
    content_hash: str | None = None,
    quarantine: pl.DataFrame = NO_PROBLEMS,
    rows_read: int | None = None,
    at: dt.datetime = T0,
    **kwargs: Any,
) -> BatchResult:
    lines = quarantine["line"].n_unique() if quarantine.height else 0
    return ws.import_batch(
        table=table,
        channel=channel,
        file_name=f"{table}.csv",
        content_hash=content_hash or sha("a"),
        encoding="gb18030",
        format="csv",
        mapping={"preset": "taobao_orders", "columns": {"订单编号": "order_id"}},
        rows_read=valid.height + lines if rows_read is None else rows_read,
        valid=valid,
        quarantine=quarantine,
        imported_at=at,
        user_name="lin",
        **kwargs,
    )


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


def snapshot(ws: Workspace) -> dict[str, pl.DataFrame]:
    state = {t: ws.table(t) for t in TABLES}
    state["batches"] = ws.batches()
    state["quarantine"] = ws.quarantine()
    return state


def assert_same_state(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert_frame_equal(a[key], b[key], check_exact=True)


# --------------------------------------------------------------------------- open / create


def test_open_creates_folder_database_and_empty_tables(tmp_path: Path):
    ws = Workspace.open(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b" / DB_NAME).is_file()
    for table in TABLES:
        empty = ws.table(table)
        assert empty.height == 0
        assert empty.schema == pl.Schema(
            {**polars_schema(table), "batch_id": pl.Int64(), "source_line": pl.Int64()}
        )
    assert ws.batches().schema == pl.Schema(BATCHES_SCHEMA)
    # opening again keeps what is there
    load(ws, rows("orders", order("A", 1, 2)))
    assert Workspace.open(ws.path, create=False).table("orders").height == 1
    assert Workspace.open(ws.path).table("orders").height == 1


def test_open_missing_workspace_without_create_says_how_to_make_one(tmp_path: Path):
    with pytest.raises(WorkspaceError) as err:
        Workspace.open(tmp_path / "nope", create=False)
    message = str(err.value)
    assert "cimlab demo --workspace" in message
    assert "cimlab import" in message and "--workspace" in message
    assert not (tmp_path / "nope").exists()


def test_open_refuses_a_file_and_a_foreign_duckdb(tmp_path: Path):
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(WorkspaceError, match="is a file"):
        Workspace.open(tmp_path / "file.txt")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    con = duckdb.connect(str(foreign / DB_NAME))
    con.execute("CREATE TABLE sales (x INTEGER)")
    con.close()
    with pytest.raises(WorkspaceError, match="not a cimlab workspace"):
        Workspace.open(foreign)


def test_open_refuses_tables_that_no_longer_match_the_contract(ws: Workspace):
    con = duckdb.connect(str(ws.db_path))
    con.execute("ALTER TABLE orders DROP COLUMN store")
    con.close()
    with pytest.raises(WorkspaceError, match=r"table orders .*store"):
        Workspace.open(ws.path)


def test_stored_column_types_follow_the_contract(ws: Workspace):
    types = dict(
        ws.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'orders'"
        ).rows()
    )
    assert types["order_id"] == "VARCHAR"
    assert types["line_number"] == "BIGINT"
    assert types["order_ts"] == "TIMESTAMP WITH TIME ZONE"
    assert types["amount"] == "DOUBLE"
    assert types["name_is_masked"] == "BOOLEAN"
    assert types["batch_id"] == "BIGINT"
    assert list(types)[-2:] == ["batch_id", "source_line"]


# --------------------------------------------------------------------------- import


def test_import_then_table_gives_back_exactly_the_rows(ws: Workspace):
    valid = rows(
        "orders",
        order(
            "1234567890123456789",  # 19 digits: must stay a string
            1,
            2,
            source_customer_id="00123",
            paid_ts=dt.datetime(2024, 1, 5, 8, 1, 2, 345678, tzinfo=UTC),
            product_name="保温杯",
            quantity=2.0,
            unit_price=5.0,
            customer_name="林**",
            name_is_masked=True,
            phone="138****1234",
            phone_is_masked=True,
        ),
        order("1234567890123456789", 2, 3, amount=-3.5, status="refunded", email="a@b.cn"),
    )
    result = load(ws, valid)
    assert result == BatchResult(1, 2, 2, 0, 0, False)
    stored = ws.table("orders")
    assert_frame_equal(stored.drop("batch_id"), valid, check_exact=True)
    assert stored["batch_id"].to_list() == [1, 1]
    assert stored.schema["order_ts"] == pl.Datetime("us", "UTC")


@pytest.mark.parametrize(
    ("table", "record"),
    [
        (
            "customers",
            {
                "source_customer_id": "00042",
                "name": "王小红",
                "birth_date": dt.date(1990, 2, 28),
                "signup_date": dt.date(2023, 12, 31),
                "consent_email": True,
                "consent_sms": False,
                "source_line": 7,
            },
        ),
        ("interactions", {"source_customer_id": "c1", "note": "问了退货", "source_line": 2}),
        ("feedback", {"source_customer_id": "c1", "csat": 4, "complaint": True, "source_line": 3}),
    ],
)
def test_every_table_round_trips(ws: Workspace, table: str, record: dict[str, Any]):
    valid = rows(table, record)
    assert load(ws, valid, table=table, channel="shop").rows_loaded == 1
    assert_frame_equal(ws.table(table).drop("batch_id"), valid, check_exact=True)


def test_columns_in_another_order_are_put_in_contract_order(ws: Workspace):
    valid = rows("interactions", {"source_customer_id": "c1", "source_line": 2})
    load(ws, valid.select(reversed(valid.columns)), table="interactions")
    assert_frame_equal(ws.table("interactions").drop("batch_id"), valid)


def test_counts_info_and_channel_filter(ws: Workspace):
    load(ws, rows("orders", order("A", 1, 2), order("A", 2, 3), order("B", 1, 4)))
    jd = rows("orders", order("A", 1, 2, channel="jd"))
    load(ws, jd, channel="jd", content_hash=sha("b"), at=T0 + dt.timedelta(days=1))
    load(
        ws,
        rows("customers", {"source_customer_id": "c9", "source_line": 2}),
        table="customers",
        channel="shop",
        content_hash=sha("c"),
    )
    assert_frame_equal(
        ws.counts(),
        pl.DataFrame(
            {
                "table": ["customers", "orders", "orders"],
                "channel": ["shop", "jd", "tmall"],
                "rows": [1, 1, 3],
            }
        ),
    )
    info = ws.info()
    assert info["path"] == str(ws.path)
    assert info["size_bytes"] >= ws.db_path.stat().st_size > 0
    assert info["tables"]["orders"] == {"rows": 4, "by_channel": {"jd": 1, "tmall": 3}}
    assert info["tables"]["feedback"] == {"rows": 0, "by_channel": {}}
    assert info["active_batches"] == 3
    assert info["last_import_at"] == T0 + dt.timedelta(days=1)
    assert_frame_equal(ws.table("orders", channel="jd").drop("batch_id"), jd)
    assert ws.table("orders", channel="nowhere").height == 0


def test_same_file_twice_adds_nothing_and_says_so(ws: Workspace):
    valid = rows("orders", order("A", 1, 2), order("A", 2, 3))
    first = load(ws, valid, quarantine=problems((4, "amount", "abc", "not a number")))
    again = load(ws, valid, quarantine=problems((4, "amount", "abc", "not a number")))
    assert first == BatchResult(1, 3, 2, 1, 0, False)
    assert again == BatchResult(1, 3, 2, 1, 0, True)
    assert ws.batches().height == 1
    assert ws.table("orders").height == 2
    assert ws.quarantine().height == 1
    # the same bytes as another table or another channel are a different import
    other = rows("interactions", {"source_customer_id": "c1", "source_line": 2})
    assert not load(ws, other, table="interactions").already_imported


def test_order_lines_already_imported_are_quarantined_as_duplicates(ws: Workspace):
    load(ws, rows("orders", order("A", 1, 2), order("A", 2, 3)))
    second = rows(
        "orders",
        order("B", 1, 2),
        order("A", 2, 5, status="refunded", amount=-10.0),  # same key as batch 1
        order("A", 2, 6, channel="jd"),  # another channel: a different line
    )
    result = load(
        ws,
        second,
        content_hash=sha("b"),
        rows_read=4,
        quarantine=problems((3, None, None, "too few fields")),
    )
    assert result == BatchResult(2, 4, 2, 2, 1, False)
    stored = ws.table("orders")
    assert stored.select("channel", "order_id", "line_number", "batch_id").rows() == [
        ("tmall", "A", 1, 1),
        ("tmall", "A", 2, 1),
        ("tmall", "B", 1, 2),
        ("jd", "A", 2, 2),
    ]
    assert stored.filter(pl.col("order_id") == "A", pl.col("channel") == "tmall")[
        "status"
    ].to_list() == [
        "paid",
        "paid",
    ]
    q = ws.quarantine(2)
    assert q.select("line", "column", "value", "reason").rows() == [
        (3, None, None, "too few fields"),
        (5, "order_id", "A", "duplicate of an order line already imported in batch 1"),
    ]
    assert q["reason_zh"][1] == "与批次 1 中已导入的订单行重复"
    row = json.loads(q["row_json"][1])
    assert (row["order_id"], row["line_number"], row["status"], row["amount"]) == (
        "A",
        2,
        "refunded",
        -10.0,
    )
    history = ws.batches().filter(pl.col("batch_id") == 2).row(0, named=True)
    assert (history["rows_quarantined"], history["rows_duplicate"]) == (2, 1)


def test_repeated_order_line_inside_one_frame_keeps_the_first(ws: Workspace):
    valid = rows(
        "orders", order("A", 1, 2, amount=1.0), order("A", 1, 5, amount=2.0), order("A", 2, 6)
    )
    assert load(ws, valid) == BatchResult(1, 3, 2, 1, 1, False)
    assert ws.table("orders").select("line_number", "amount", "source_line").rows() == [
        (1, 1.0, 2),
        (2, 10.0, 6),
    ]
    q = ws.quarantine(1).row(0, named=True)
    assert (q["line"], q["value"]) == (5, "A")
    assert (
        q["reason"] == "duplicate of line 2 of this file (same channel, order_id and line_number)"
    )
    assert q["reason_zh"] == "与本文件第 2 行重复（渠道、订单号、行号相同）"


def test_a_file_where_every_row_was_quarantined_is_still_a_batch(ws: Workspace):
    empty = rows("orders")
    bad = problems((2, "amount", "x", "not a number"), (3, "status", "?", "unknown status"))
    assert load(ws, empty, quarantine=bad) == BatchResult(1, 2, 0, 2, 0, False)
    assert ws.table("orders").height == 0
    assert ws.quarantine()["line"].to_list() == [2, 3]


def test_a_line_with_several_problems_counts_once(ws: Workspace):
    valid = rows("orders", order("A", 1, 2))
    bad = problems((3, "amount", "x", "not a number"), (3, "order_ts", "2024-13-45", "not a date"))
    result = load(ws, valid, quarantine=bad, rows_read=2)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert ws.quarantine(1).height == 2


def test_invariant_violation_raises_and_writes_nothing(ws: Workspace):
    before = snapshot(ws)
    with pytest.raises(WorkspaceError, match=r"rows_read=5 but 2 rows loaded \+ 1 quarantined"):
        load(
            ws,
            rows("orders", order("A", 1, 2), order("A", 2, 3)),
            quarantine=problems((4, "amount", "x", "bad")),
            rows_read=5,
        )
    assert_same_state(before, snapshot(ws))


def test_failure_in_on_before_commit_rolls_everything_back(ws: Workspace):
    load(ws, rows("orders", order("A", 1, 2)))
    before = snapshot(ws)

    def boom() -> None:
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        load(ws, rows("orders", order("B", 1, 2)), content_hash=sha("b"), on_before_commit=boom)
    assert_same_state(before, snapshot(ws))
    # the lock was released: the next import works
    assert load(ws, rows("orders", order("B", 1, 2)), content_hash=sha("b")).batch_id == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop("store"), "missing columns"),
        (lambda f: f.with_columns(extra=pl.lit(1)), "unexpected"),
        (lambda f: f.with_columns(pl.col("order_ts").dt.replace_time_zone(None)), "order_ts is"),
        (lambda f: f.with_columns(pl.col("line_number").cast(pl.Int32)), "line_number is"),
        (
            lambda f: f.with_columns(currency=pl.lit(None, pl.String)),
            r"nulls in required columns: currency \(1 rows\)",
        ),
    ],
)
def test_frames_that_do_not_fit_the_contract_are_refused(ws: Workspace, change, message):
    valid = change(rows("orders", order("A", 1, 2)))
    with pytest.raises(WorkspaceError, match=message):
        load(ws, valid, rows_read=1)
    assert ws.batches().height == 0


def test_bad_arguments_are_refused(ws: Workspace):
    valid = rows("orders", order("A", 1, 2))
    with pytest.raises(WorkspaceError, match="sha256"):
        load(ws, valid, content_hash="abc")
    with pytest.raises(WorkspaceError, match="timezone-aware"):
        load(ws, valid, at=dt.datetime(2024, 1, 1))
    with pytest.raises(WorkspaceError, match="not one of"):
        load(ws, valid, table="sales")
    with pytest.raises(WorkspaceError, match="both loaded and quarantined"):
        load(ws, valid, quarantine=problems((2, "amount", "x", "bad")), rows_read=2)
    with pytest.raises(WorkspaceError, match="quarantine frame"):
        load(ws, valid, quarantine=NO_PROBLEMS.drop("reason_zh"))
    assert ws.batches().height == 0


def test_imported_at_is_stored_in_utc(ws: Workspace):
    beijing = dt.timezone(dt.timedelta(hours=8))
    load(ws, rows("orders", order("A", 1, 2)), at=dt.datetime(2024, 3, 1, 17, 30, tzinfo=beijing))
    assert ws.batches()["imported_at"][0] == T0


# --------------------------------------------------------------------------- history / undo


def test_history_is_newest_first_and_records_the_import(ws: Workspace):
    load(ws, rows("orders", order("A", 1, 2)))
    load(ws, rows("orders", order("B", 1, 2)), content_hash=sha("b"), at=T0 + dt.timedelta(hours=1))
    history = ws.batches()
    assert history["batch_id"].to_list() == [2, 1]
    first = history.row(1, named=True)
    assert first == {
        "batch_id": 1,
        "table_name": "orders",
        "channel": "tmall",
        "file_name": "orders.csv",
        "content_hash": sha("a"),
        "encoding": "gb18030",
        "format": "csv",
        "mapping": first["mapping"],
        "rows_read": 1,
        "rows_loaded": 1,
        "rows_quarantined": 0,
        "rows_duplicate": 0,
        "rows_filtered": 0,
        "imported_at": T0,
        "user_name": "lin",
        "status": "active",
        "undone_at": None,
    }
    assert json.loads(first["mapping"]) == {
        "preset": "taobao_orders",
        "columns": {"订单编号": "order_id"},
    }


def test_undo_removes_the_rows_keeps_the_quarantine_and_marks_the_batch(ws: Workspace):
    load(
        ws,
        rows("orders", order("A", 1, 2), order("A", 2, 3)),
        quarantine=problems((4, "amount", "x", "bad")),
    )
    load(ws, rows("orders", order("B", 1, 2)), content_hash=sha("b"))
    at = T0 + dt.timedelta(days=2)
    assert ws.undo(1, at=at) == 2
    assert ws.table("orders")["order_id"].to_list() == ["B"]
    undone = ws.batches().filter(pl.col("batch_id") == 1).row(0, named=True)
    assert (undone["status"], undone["undone_at"]) == ("undone", at)
    assert ws.quarantine(1).height == 1
    assert ws.info()["active_batches"] == 1
    with pytest.raises(WorkspaceError, match="batch 1 was already undone"):
        ws.undo(1, at=at)
    with pytest.raises(WorkspaceError, match="no batch 99 in workspace"):
        ws.undo(99, at=at)
    # once undone, the same file can be imported again, and its lines are no longer duplicates
    again = load(
        ws,
        rows("orders", order("A", 1, 2), order("A", 2, 3)),
        quarantine=problems((4, "amount", "x", "bad")),
    )
    assert again == BatchResult(3, 3, 2, 1, 0, False)


# --------------------------------------------------------------------------- query


def test_query_is_read_only_and_cannot_reach_files(ws: Workspace):
    load(ws, rows("orders", order("A", 1, 2), order("B", 1, 3, amount=5.0)))
    total = ws.query("SELECT sum(amount) AS total FROM orders WHERE amount < ?", [8.0])
    assert_frame_equal(total, pl.DataFrame({"total": [5.0]}))
    with pytest.raises(WorkspaceError, match="query failed"):
        ws.query("DELETE FROM orders")
    with pytest.raises(WorkspaceError, match="query failed"):
        ws.query("SELECT * FROM read_csv('/etc/hostname')")
    assert ws.table("orders").height == 2


# --------------------------------------------------------------------------- backup / restore


def test_backup_then_restore_gives_back_exactly_the_backed_up_state(ws: Workspace, tmp_path: Path):
    load(
        ws,
        rows("orders", order("A", 1, 2), order("A", 2, 3)),
        quarantine=problems((4, "amount", "x", "bad")),
    )
    load(
        ws,
        rows("feedback", {"source_customer_id": "c1", "text": "好", "source_line": 2}),
        table="feedback",
    )
    saved = snapshot(ws)
    backup = ws.backup(tmp_path / "backups" / "monday.duckdb")
    assert backup.is_file()

    load(ws, rows("orders", order("B", 1, 2)), content_hash=sha("b"))
    ws.undo(1, at=T0)
    assert ws.table("orders")["order_id"].to_list() == ["B"]

    restored = Workspace.restore(backup, ws.path)
    assert_same_state(saved, snapshot(restored))
    assert_same_state(saved, snapshot(ws))
    # and into a new folder
    assert_same_state(saved, snapshot(Workspace.restore(backup, tmp_path / "fresh")))
    # the restored workspace keeps working: batch numbers continue after the backup's
    assert load(ws, rows("orders", order("C", 1, 2)), content_hash=sha("c")).batch_id == 3


def test_backup_overwrites_an_old_backup_but_not_another_file(ws: Workspace, tmp_path: Path):
    target = tmp_path / "backup.duckdb"
    ws.backup(target)
    load(ws, rows("orders", order("A", 1, 2)))
    ws.backup(target)  # a cimlab backup may be replaced
    assert Workspace.restore(target, tmp_path / "check").table("orders").height == 1
    notes = tmp_path / "notes.txt"
    notes.write_text("do not lose me")
    with pytest.raises(WorkspaceError, match="not a cimlab backup"):
        ws.backup(notes)
    assert notes.read_text() == "do not lose me"
    with pytest.raises(WorkspaceError, match="own database"):
        ws.backup(ws.db_path)


def test_restore_refuses_files_that_are_not_cimlab_backups(ws: Workspace, tmp_path: Path):
    load(ws, rows("orders", order("A", 1, 2)))
    before = snapshot(ws)
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"\x00not a database" * 100)
    with pytest.raises(WorkspaceError, match="not a cimlab backup"):
        Workspace.restore(junk, ws.path)
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE orders (x INTEGER)")
    con.close()
    with pytest.raises(WorkspaceError, match="DuckDB database but not a cimlab backup"):
        Workspace.restore(other, ws.path)
    with pytest.raises(WorkspaceError, match="not found"):
        Workspace.restore(tmp_path / "missing.duckdb", ws.path)
    assert_same_state(before, snapshot(ws))


# --------------------------------------------------------------------------- locking

HOLD_LOCK = """
import fcntl, sys
fh = open(sys.argv[1], "a")
fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("LOCKED", flush=True)
sys.stdin.readline()
"""

HOLD_DUCKDB = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("LOCKED", flush=True)
sys.stdin.readline()
"""


def _hold(script: str, path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "LOCKED"
    return proc


def _release(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    proc.wait(timeout=10)


def test_second_writer_gets_workspace_busy_at_once(ws: Workspace):
    backup = ws.backup(ws.path.parent / "b.duckdb")
    holder = _hold(HOLD_LOCK, ws.path / LOCK_NAME)
    try:
        naps: list[float] = []
        with pytest.MonkeyPatch.context() as patch:  # "at once": it never sleeps to retry
            patch.setattr(time, "sleep", naps.append)
            with pytest.raises(WorkspaceBusy) as err:
                load(ws, rows("orders", order("A", 1, 2)))
        assert naps == []
        assert str(err.value) == (
            f"workspace {ws.path} is busy: another cimlab process is writing to it; "
            "try again when it has finished"
        )
        with pytest.raises(WorkspaceBusy):
            ws.undo(1, at=T0)
        with pytest.raises(WorkspaceBusy):
            ws.backup(ws.path.parent / "c.duckdb")
        with pytest.raises(WorkspaceBusy):
            Workspace.restore(backup, ws.path)
        assert ws.table("orders").height == 0  # readers are not blocked by the writer lock
    finally:
        _release(holder)
    assert load(ws, rows("orders", order("A", 1, 2))).rows_loaded == 1


def test_writer_with_wait_goes_ahead_when_the_other_writer_finishes(tmp_path: Path):
    ws = Workspace.open(tmp_path / "ws", wait=10.0)
    holder = _hold(HOLD_LOCK, ws.path / LOCK_NAME)
    released = threading.Event()

    def release() -> None:
        released.set()  # before the lock goes: the load cannot finish earlier than this
        _release(holder)

    threading.Timer(0.3, release).start()
    assert load(ws, rows("orders", order("A", 1, 2))).rows_loaded == 1
    assert released.is_set()  # it waited for the other writer instead of failing


def test_a_second_writer_in_the_same_process_is_busy_too(ws: Workspace):
    inside = threading.Event()
    finish = threading.Event()

    def pause() -> None:
        inside.set()
        finish.wait(10)

    writer = threading.Thread(
        target=load, args=(ws, rows("orders", order("A", 1, 2))), kwargs={"on_before_commit": pause}
    )
    writer.start()
    try:
        assert inside.wait(10)
        with pytest.raises(WorkspaceBusy):
            load(ws, rows("orders", order("B", 1, 2)), content_hash=sha("b"))
    finally:
        finish.set()
        writer.join()
    assert ws.table("orders")["order_id"].to_list() == ["A"]


def test_reader_in_the_same_process_reads_during_a_write_in_progress(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
):
    """Another app session reads while one imports (issue 15: long work never blocks other
    sessions): it shares the writer's database and sees the last committed state."""
    monkeypatch.setattr(workspace_module, "_CONNECT_GRACE", 0.2)
    inside = threading.Event()
    finish = threading.Event()

    def pause() -> None:
        inside.set()
        finish.wait(10)

    writer = threading.Thread(
        target=load, args=(ws, rows("orders", order("A", 1, 2))), kwargs={"on_before_commit": pause}
    )
    writer.start()
    try:
        assert inside.wait(10)
        assert ws.table("orders").height == 0  # at once, without the uncommitted rows
        assert Workspace(ws.path, wait=0.0).table("orders").height == 0  # any handle
    finally:
        finish.set()
        writer.join()
    assert ws.table("orders").height == 1  # committed
    assert not workspace_module._WRITERS  # every connection closed and counted out


def test_duckdb_lock_conflict_becomes_workspace_busy(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(workspace_module, "_CONNECT_GRACE", 0.2)
    holder = _hold(HOLD_DUCKDB, ws.db_path)
    try:
        with pytest.raises(WorkspaceBusy, match="is busy"):
            ws.table("orders")
        with pytest.raises(WorkspaceBusy, match="is busy"):
            load(ws, rows("orders", order("A", 1, 2)))
        with pytest.raises(WorkspaceBusy):
            Workspace.open(ws.path)
    finally:
        _release(holder)
    assert ws.batches().height == 0


# --------------------------------------------------------------------------- logging / speed


def test_logs_carry_counts_but_never_row_values(ws: Workspace, caplog: pytest.LogCaptureFixture):
    valid = rows(
        "orders",
        order(
            "SECRET-ORDER",
            1,
            2,
            phone="+8613812345678",
            email="lin@example.com",
            customer_name="林小明",
        ),
        order("SECRET-ORDER", 1, 3, phone="+8613812345678"),
    )
    with caplog.at_level(logging.DEBUG, logger="cimlab.workspace"):
        load(ws, valid)
        load(ws, valid)
        ws.undo(1, at=T0)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "batch 1" in text and "2 read" in text
    for secret in ("SECRET", "13812345678", "lin@example.com", "林小明"):
        assert secret not in text


def test_a_million_order_lines_are_stored_in_one_batch(ws: Workspace):
    """Scale, not speed: the speed target lives in ``benchmarks/bench_import.py``."""
    n = 1_000_000
    i = pl.int_range(0, n)
    ts = (pl.lit(dt.datetime(2023, 1, 1)) + pl.duration(seconds=i * 37)).dt.replace_time_zone("UTC")
    customer = (i * 7919) % 60000
    filled = {  # realistic cardinalities: 3 lines per order, 60k customers, 2k products
        "order_id": pl.format("{}", 10**17 + i // 3),
        "line_number": i % 3 + 1,
        "source_customer_id": pl.format("c{}", customer),
        "channel": pl.lit("tmall"),
        "order_ts": ts,
        "paid_ts": ts,
        "sku": pl.format("sku{}", (i * 31) % 2000),
        "product_name": pl.format("产品 {}", (i * 31) % 2000),
        "category": pl.format("cat{}", i % 20),
        "quantity": (i % 5 + 1).cast(pl.Float64),
        "unit_price": (i % 500).cast(pl.Float64) + 0.5,
        "amount": (i % 500).cast(pl.Float64) * 2,
        "currency": pl.lit("CNY"),
        "status": pl.lit("paid"),
        "customer_name": pl.format("林{}", customer),
        "name_is_masked": pl.lit(False),
        "phone": pl.format("+86138{}", 10000000 + customer),
        "phone_is_masked": pl.lit(False),
        "email": pl.format("u{}@example.com", customer),
        "region": pl.format("r{}", i % 31),
        "city": pl.format("city{}", i % 300),
        "country": pl.lit("CN"),
        "store": pl.format("s{}", i % 50),
        "source_line": i + 2,
    }
    schema = {**polars_schema("orders"), "source_line": pl.Int64()}
    big = pl.select(filled[c].cast(d).alias(c) for c, d in schema.items())
    result = load(ws, big)
    assert result.rows_loaded == n
    assert ws.counts()["rows"].to_list() == [n]


def test_no_files_other_than_the_database_and_the_lock(ws: Workspace, tmp_path: Path):
    load(ws, rows("orders", order("A", 1, 2)))
    backup = ws.backup(tmp_path / "b.duckdb")
    assert sorted(os.listdir(ws.path)) == [LOCK_NAME, DB_NAME]
    # the backup and its checksum, nothing else (no partial file)
    assert sorted(os.listdir(tmp_path)) == ["b.duckdb", "b.duckdb.sha256", "ws"]
    Workspace.restore(backup, ws.path)
    ws.check()
    assert sorted(os.listdir(ws.path)) == [LOCK_NAME, DB_NAME]


def test_no_progress_bar_reaches_stdout(tmp_path):
    """DuckDB draws a progress bar on stdout for queries over 2 s; a command's --json output
    on large data would break, so workspace connections turn it off."""
    ws = Workspace.open(tmp_path / "ws")
    assert ws.query("SELECT current_setting('enable_progress_bar') AS on").item() is False
