"""``cimlab analyse rfm|segments`` on a tiny workspace with hand-computed answers."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest

from cimlab.cli import main
from cimlab.export import write_table
from cimlab.identity import resolve
from cimlab.importer import check_bytes, store_report
from cimlab.workspace import Workspace

ORDERS = (
    "order_id,line,customer_id,order_date,amount,currency,status\n"
    "A1,1,c1,2026-01-10 10:00,100,CNY,paid\n"
    "A2,1,c1,2026-01-10 18:00,50,CNY,paid\n"  # same day: one purchase day
    "A3,1,c1,2026-03-01 10:00,30,CNY,paid\n"
    "B1,1,c2,2026-02-01 10:00,20,CNY,paid\n"
    "B2,1,c2,2026-02-05 10:00,99,CNY,cancelled\n"  # not a purchase
)


@pytest.fixture
def workspace(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    store_report(ws, check_bytes(ORDERS.encode(), name="o.csv", table="orders", channel="shop"))
    return ws


def test_rfm_needs_resolved_identities(workspace, capsys):
    code = main(["analyse", "rfm", "--workspace", str(workspace.path), "--as-of", "2026-03-31"])
    assert code == 2
    assert "customers resolve" in capsys.readouterr().err


def test_rfm_and_segments_files(workspace, tmp_path):
    resolve(workspace, at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    out = tmp_path / "rfm.csv"
    args = ["--workspace", str(workspace.path), "--as-of", "2026-03-31"]
    assert main(["analyse", "rfm", *args, "--out", str(out)]) == 0
    frame = pl.read_csv(io.StringIO(out.read_text(encoding="utf-8-sig"))).sort("purchase_days")
    assert {"customer_id", "frequency", "recency", "T", "monetary_value", "r_score", "f_score",
            "m_score", "segment"} <= set(frame.columns)  # fmt: skip
    assert frame["purchase_days"].to_list() == [1, 2]
    assert frame["frequency"].to_list() == [0, 1]
    # c1: first 2026-01-10, last 2026-03-01 -> recency 50 days; T to 2026-03-31 -> 80 days
    assert frame.row(1, named=True)["recency"] == 50.0
    assert frame.row(1, named=True)["T"] == 80.0
    assert frame["total_spend"].to_list() == [20.0, 180.0]
    seg = tmp_path / "segments.parquet"
    assert main(["analyse", "segments", *args, "--out", str(seg)]) == 0
    segments = pl.read_parquet(seg)
    assert segments["customers"].sum() == 2
    assert segments["action_zh"].null_count() == 0


def test_write_table_escapes_formulas(tmp_path):
    frame = pl.DataFrame({"customer_id": ["=cmd()", "C1"], "n": [1, 2]})
    text = write_table(frame, tmp_path / "x.csv").read_text(encoding="utf-8-sig")
    assert "'=cmd()" in text
    with pytest.raises(Exception, match=r"\.csv, \.parquet or \.xlsx"):
        write_table(frame, tmp_path / "x.txt")
