"""Benchmark: import a generated orders CSV end to end, 1,000,000 and 10,000,000 rows.

Read (decode, split), map, parse, validate (Pandera) and store (DuckDB, one transaction), the
same code path as ``cimlab import``: the file is checked and stored in chunks, so peak memory
should not grow with the file (target: at most 2 GB for either size). Run through
``python -m benchmarks.run import import_10m`` so that each size gets a fresh process and its
peak memory is measured on its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROWS = 1_000_000
ROWS_10M = 10_000_000


def generate_orders_csv(path: Path, rows: int = ROWS, *, seed: int = 11) -> Path:
    """Write a realistic orders CSV (UTF-8, one row per order line, ~5% refunds/cancellations).

    Orders have 1-6 lines (a new order starts with probability 0.55), 300,000 customers, 4,000
    SKUs, times over 16 months; vectorised, so 10M rows take seconds to write.
    """
    rng = np.random.default_rng(seed)
    new = rng.random(rows) < 0.55
    new[0] = True
    order = np.cumsum(new)
    orders = int(order[-1])
    customer = rng.integers(1, 300_001, orders)
    minute = rng.integers(0, 700_000, orders)
    status = rng.choice(np.array(["paid", "refunded", "cancelled"]), orders, p=[0.95, 0.03, 0.02])
    qty = rng.integers(1, 5, rows)
    cents = rng.integers(99, 99_901, rows)
    frame = pl.DataFrame(
        {
            "o": order,
            "qty": qty,
            "cents": cents,
            "sku": rng.integers(1, 4001, rows),
            "cat": rng.integers(1, 26, rows),
            "customer": customer[order - 1],
            "minute": minute[order - 1],
            "status": status[order - 1],
        }
    ).with_columns(line=pl.int_range(1, pl.len() + 1).over("o"))
    start = pl.datetime(2024, 1, 1)
    frame.select(
        order_id=(pl.col("o") + 100_000_000).cast(pl.String),
        line=pl.col("line"),
        customer_id=pl.format("C{}", pl.col("customer").cast(pl.String).str.zfill(7)),
        order_date=(start + pl.duration(minutes=pl.col("minute"))).dt.strftime("%Y-%m-%d %H:%M:%S"),
        sku=pl.format("SKU{}", pl.col("sku").cast(pl.String).str.zfill(5)),
        product=pl.format("Product {}", pl.col("line")),
        category=pl.format("cat{}", pl.col("cat")),
        quantity=pl.col("qty"),
        unit_price=(pl.col("cents") / 100).round(2),
        line_total=(pl.col("qty") * pl.col("cents") / 100).round(2),
        currency=pl.lit("CNY"),
        status=pl.col("status"),
    ).write_csv(path, float_precision=2)
    return path


def _run(rows: int) -> dict[str, object]:
    from cimlab.ingest.importer import import_file
    from cimlab.workspace import Workspace

    with tempfile.TemporaryDirectory(dir=os.environ.get("CIMLAB_BENCH_TMP")) as tmp:
        source = Path(tmp) / f"orders_{rows}.csv"
        # written by another process, so the peak memory measured here is the import's alone
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; "
                "from benchmarks.bench_import import generate_orders_csv; "
                "generate_orders_csv(Path(sys.argv[1]), int(sys.argv[2]))",
                str(source),
                str(rows),
            ],
            check=True,
        )
        size = source.stat().st_size
        workspace = Workspace.open(Path(tmp) / "ws")
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        result = import_file(
            workspace, source, table="orders", channel="online_shop", mapping="generic_en"
        )
        seconds = time.perf_counter() - t0
        assert result.rows_loaded == rows, result.summary()
    return {
        "benchmark": f"import {rows:,}-row orders CSV (read+map+parse+validate+store, in chunks)",
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": int(rows / seconds),
        "target": ">= 250,000 rows/s, <= 2 GB peak",
        "file_mb": round(size / 2**20),
        "load": round(load, 1),
        "show": ("file_mb", "load"),
    }


def run() -> dict[str, object]:
    return _run(ROWS)


def run_10m() -> dict[str, object]:
    return _run(ROWS_10M)


if __name__ == "__main__":  # run alone: python -m benchmarks.bench_import [10m]
    print(run_10m() if sys.argv[1:] == ["10m"] else run(), file=sys.stderr)
