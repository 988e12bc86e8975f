"""Benchmark: the app's analytics pages on a workspace of 3,000,000 order lines.

A workspace is built the way a user would: the generated order lines of :mod:`benchmarks.bench_rfm`
(3,000,000 lines, ~90,000 customers, with a 500-item ``sku``) written to Parquet, imported with
``cimlab import`` semantics (:func:`cimlab.ingest.importer.import_file`) and resolved. Each analytics
page is then opened once through Streamlit's ``AppTest`` (the first load computes and caches its
figures) and run again (a widget change or a rerun reads the caches): the seconds of each, and
the process's peak memory.

Targets: every first load ≤ 15 s, every rerun ≤ 2 s, ≤ 6 GB peak. Before the shared analysis
data was cached as one object (``cache_resource``), each cached loader unpickled its own copy
of the order lines: 16 s for the Overview and 7.5 GB.

Run through ``python -m benchmarks.run app`` (or alone: ``python -m benchmarks.bench_app``).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROWS = 3_000_000
CUSTOMERS = 93_000
PAGES = (
    "overview_page.py",
    "segments_page.py",
    "channels_page.py",
    "satisfaction_page.py",
    "products_page.py",
    "customers_page.py",
)
APP = Path(__file__).resolve().parents[1] / "apps" / "streamlit_app.py"


def build_workspace(folder: Path, rows: int = ROWS) -> Path:
    """A resolved workspace of ``rows`` generated order lines (one channel); returns its path."""
    import polars as pl

    from benchmarks.bench_rfm import generate_orders_parquet
    from cimlab.identity import resolve
    from cimlab.ingest.importer import import_file
    from cimlab.workspace import Workspace

    raw = generate_orders_parquet(folder / "raw.parquet", rows, customers=CUSTOMERS)
    lines = pl.read_parquet(raw).drop("channel")
    sku = (pl.col("amount").abs() * 7).cast(pl.Int64).mod(500).cast(pl.String).str.zfill(4)
    lines.with_columns(sku=sku).write_parquet(folder / "orders.parquet")
    ws = Workspace.open(folder / "ws")
    result = import_file(ws, folder / "orders.parquet", table="orders", channel="online_shop")
    assert result.rows_loaded == rows, result.summary()
    resolve(ws, at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    return ws.path


def run() -> dict[str, object]:
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = build_workspace(Path(tmp))
        built = time.perf_counter() - t0
        os.environ["CIMLAB_WORKSPACE"] = str(path)
        at = AppTest.from_file(str(APP), default_timeout=600).run()
        first: dict[str, float] = {}
        again: dict[str, float] = {}
        for page in PAGES:
            t0 = time.perf_counter()
            at.switch_page(page).run()
            first[page] = round(time.perf_counter() - t0, 2)
            t0 = time.perf_counter()
            at.run()
            again[page] = round(time.perf_counter() - t0, 2)
            assert not at.exception and not at.error, (page, [e.value for e in at.error])
    total = sum(first.values())
    figures: dict[str, object] = {
        "benchmark": (
            f"app: the analytics pages on {ROWS:,} order lines (~{CUSTOMERS:,} people), "
            "first load and rerun of each"
        ),
        "rows": ROWS,
        "seconds": round(total, 2),
        "rows_per_s": int(ROWS / total),
        "target": "first load <= 15 s and rerun <= 2 s per page, <= 6 GB peak",
        "build_seconds": round(built, 1),
        **{f"first_{p.removesuffix('_page.py')}": s for p, s in first.items()},
        **{f"rerun_{p.removesuffix('_page.py')}": s for p, s in again.items()},
    }
    figures["show"] = [k for k in figures if k.startswith(("first_", "rerun_"))]
    return figures


if __name__ == "__main__":  # run alone: python -m benchmarks.bench_app
    print(run(), file=sys.stderr)
