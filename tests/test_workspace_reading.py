"""Workspace reads without Arrow and through one connection: ``rows``, ``identity_counts``,
``reading`` (what keeps ``cimlab workspace info`` quick)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import duckdb
import polars as pl
import pytest

from cimlab.contracts.columns import polars_schema
from cimlab.errors import WorkspaceError
from cimlab.workspace import QUARANTINE_SCHEMA, Workspace

AT = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)


def customers(*ids: str, channel: str = "shop") -> pl.DataFrame:
    schema = polars_schema("customers")
    rows = [
        {
            "source_customer_id": i,
            "channel": channel,
            "name_is_masked": False,
            "phone_is_masked": False,
            "customer_type": "individual",
            "source_line": n + 2,
        }
        for n, i in enumerate(ids)
    ]
    return pl.DataFrame(rows, schema={**schema, "source_line": pl.Int64}).select(
        *schema, "source_line"
    )


def load(ws: Workspace, frame: pl.DataFrame, name: str) -> None:
    ws.import_batch(
        table="customers",
        channel=frame["channel"][0],
        file_name=name,
        content_hash=name.encode().hex().ljust(64, "0")[:64],
        encoding="utf-8",
        format="csv",
        mapping={},
        rows_read=frame.height,
        valid=frame,
        quarantine=pl.DataFrame(schema=QUARANTINE_SCHEMA),
        imported_at=AT,
        user_name=None,
    )


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.open(tmp_path / "ws")
    load(ws, customers("A1", "A2", "A3"), "a.csv")
    return ws


def test_rows_are_plain_tuples(ws: Workspace) -> None:
    assert ws.rows("SELECT count(*), min(source_customer_id) FROM customers") == [(3, "A1")]
    assert ws.rows("SELECT channel FROM customers WHERE source_customer_id = ?", ["A2"]) == [
        ("shop",)
    ]
    with pytest.raises(WorkspaceError, match="query failed"):
        ws.rows("SELECT * FROM read_csv('/etc/passwd')")


def test_info_reads_what_the_tables_hold(ws: Workspace) -> None:
    info = ws.info()
    assert info["tables"]["customers"] == {"rows": 3, "by_channel": {"shop": 3}}
    assert info["tables"]["orders"] == {"rows": 0, "by_channel": {}}
    assert (info["active_batches"], info["batches"]) == (1, 1)
    assert info["last_import_at"] == AT


def test_identity_counts_follow_the_map_and_new_imports(ws: Workspace) -> None:
    assert ws.identity_counts() == {
        "records": 0,
        "customers": 0,
        "unlinked_records": 0,
        "removed_records": 0,
    }
    with ws.transaction() as con:  # a map as resolution writes it: A1 and A2 are one person
        con.execute(
            "CREATE TABLE identity_map (channel VARCHAR, source_customer_id VARCHAR, "
            "customer_id VARCHAR, rule VARCHAR, key_type VARCHAR, score DOUBLE)"
        )
        con.execute(
            "INSERT INTO identity_map VALUES ('shop', 'A1', 'C1', 'phone', 'phone', 1), "
            "('shop', 'A2', 'C1', 'phone', 'phone', 1), ('shop', 'A3', 'C2', 'own', NULL, 1)"
        )
    assert ws.identity_counts() == {
        "records": 3,
        "customers": 2,
        "unlinked_records": 0,
        "removed_records": 0,
    }
    load(ws, customers("A3", "B9", channel="shop"), "b.csv")  # A3 again, B9 new
    assert ws.identity_counts()["unlinked_records"] == 1


def test_reading_opens_the_database_once(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    real = duckdb.connect

    def counting(*args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        opened.append(str(args[0]))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(duckdb, "connect", counting)
    outside = ws.info()
    ws.rows("SELECT 1")
    assert len(opened) == 2
    opened.clear()
    with ws.reading():
        inside = ws.info()
        ws.rows("SELECT 1")
        ws.identity_counts()
        ws.batches()
        with ws.reading():  # nested blocks share the outer connection
            ws.query("SELECT 1")
    assert len(opened) == 1
    assert inside == outside
    ws.rows("SELECT 1")  # after the block: a connection of its own again
    assert len(opened) == 2


def test_no_write_inside_reading(ws: Workspace) -> None:
    with ws.reading(), pytest.raises(WorkspaceError, match="cannot write inside"):
        load(ws, customers("Z1"), "z.csv")
    assert ws.rows("SELECT count(*) FROM customers") == [(3,)]
    load(ws, customers("Z1"), "z.csv")  # fine after the block
    assert ws.rows("SELECT count(*) FROM customers") == [(4,)]


def test_reading_belongs_to_its_thread(ws: Workspace) -> None:
    """A workspace shared by the app's sessions: another thread's reads are its own."""
    seen: list[object] = []
    with ws.reading():
        mine = ws._readers[threading.get_ident()]

        def other() -> None:
            seen.append(ws._readers.get(threading.get_ident()))
            seen.append(ws.rows("SELECT count(*) FROM customers"))

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert seen == [None, [(3,)]]
    assert mine is not None and not ws._readers
