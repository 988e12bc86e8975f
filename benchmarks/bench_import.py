"""Benchmark: import a generated 1,000,000-row orders CSV end to end.

Read (decode, split), map, parse, validate (Pandera) and store (DuckDB, one transaction), the
same code path as ``cimlab import``. Run through ``python -m benchmarks.run`` so that each
benchmark gets a fresh process and its peak memory is measured on its own.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROWS = 1_000_000
HEADER = "order_id,line,customer_id,order_date,sku,product,category,quantity,unit_price,line_total,currency,status\n"


def generate_orders_csv(path: Path, rows: int = ROWS, *, seed: int = 11) -> Path:
    """Write a realistic orders CSV (UTF-8, one row per order line, ~3% refunds/cancellations)."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1)
    statuses = ["paid"] * 95 + ["refunded"] * 3 + ["cancelled"] * 2
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        order, line = 100000000, 0
        for _ in range(rows):
            if line == 0 or rng.random() < 0.55:
                order += 1
                line = 1
                customer = f"C{rng.randint(1, 300_000):07d}"
                ts = (start + dt.timedelta(minutes=rng.randint(0, 700_000))).strftime(
                    "%Y-%m-%d %H:%M:%S"
                )
                status = rng.choice(statuses)
            else:
                line += 1
            qty = rng.randint(1, 4)
            price = rng.randint(99, 99_900) / 100
            out.write(
                f"{order},{line},{customer},{ts},SKU{rng.randint(1, 4000):05d},Product {line},"
                f"cat{rng.randint(1, 25)},{qty},{price:.2f},{qty * price:.2f},CNY,{status}\n"
            )
    return path


def run() -> dict[str, object]:
    from cimlab.importer import import_file
    from cimlab.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        source = generate_orders_csv(Path(tmp) / "orders_1m.csv")
        workspace = Workspace.open(Path(tmp) / "ws")
        t0 = time.perf_counter()
        result = import_file(
            workspace, source, table="orders", channel="online_shop", mapping="generic_en"
        )
        seconds = time.perf_counter() - t0
        assert result.rows_loaded == ROWS, result.summary()
    return {
        "benchmark": "import 1,000,000-row orders CSV (read+map+parse+validate+store)",
        "rows": ROWS,
        "seconds": round(seconds, 2),
        "rows_per_s": int(ROWS / seconds),
        "target": ">= 250,000 rows/s, <= 2 GB peak",
    }


if __name__ == "__main__":  # run alone: python -m benchmarks.bench_import
    print(run(), file=sys.stderr)
