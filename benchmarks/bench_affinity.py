"""Benchmark: product pairs (support, confidence, lift) on UCI Online Retail, both basket levels.

The data: ``online_retail.csv.gz`` of the shared datasets (541,909 lines, ~4,000 stock codes,
~22,000 paid invoices, 4,372 customers), read by cimlab's importer with the ``online_retail``
mapping (:func:`cimlab.ingest.importer.check_file`, as ``tests/test_affinity.py`` does). Parsing runs
in a child process that writes the canonical lines to a temporary Parquet file (deleted
afterwards); **its time is excluded** from the measured seconds (reported as
``parse_seconds``) and its memory from the peak, which is then the analysis's own. When the
shared file is absent, a synthetic set of the same size is generated instead
(:func:`generate_lines`: 540,000 lines, 4,000 SKUs in 1,000 families of four variants bought
together, ~20,000 orders of ~4,000 customers) and the ``benchmark`` label says so (also with
``CIMLAB_BENCH_SYNTHETIC=1``).

Timed, each the best of ``REPEAT`` runs, on the frame in memory:

* ``order``: :func:`cimlab.analytics.affinity.product_pairs` with order baskets and the default
  ``min_support=0.001`` (the headline ``seconds``);
* ``customer``: customer baskets (``customer_col="source_customer_id"``), default thresholds;
* ``customer_cap200``: the same with ``max_basket_items=200`` (wholesale-size baskets left out).

Then the rules at ``min_support=0.02`` (order level) and their top pair by lift, named with
:func:`cimlab.analytics.affinity.item_labels`. Run through ``python -m benchmarks.run affinity``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT.parent / "shared" / "datasets" / "online_retail.csv.gz"
CUSTOMER_COL = "source_customer_id"
#: Each time is the best of this many runs.
REPEAT = 3
SYNTHETIC_LINES = 540_000
#: ``CIMLAB_BENCH_SYNTHETIC=1`` runs on the synthetic set even when the shared file is present.
FORCE_SYNTHETIC = os.environ.get("CIMLAB_BENCH_SYNTHETIC") == "1"


def generate_lines(
    rows: int = SYNTHETIC_LINES,
    *,
    orders: int = 20_000,
    families: int = 1_000,
    variants: int = 4,
    customers: int = 4_300,
    seed: int = 13,
) -> pl.DataFrame:
    """Synthetic order lines shaped like Online Retail (the fallback when it is absent).

    An order is a few draws of a product family (popularity ~ Zipf); each draw adds one to
    three lines of that family's variants (so the variants of a family are bought together);
    2 % of the orders are cancelled; order times over one year.
    """
    rng = np.random.default_rng(seed)
    draws_per_line = 1 / 2.0  # a draw adds 1 + Binomial(2, 0.5) lines: 2 on average
    draws = rng.poisson(rows * draws_per_line / orders, orders).clip(1)
    order_of_draw = np.repeat(np.arange(orders), draws)
    popularity = 1 / (np.arange(families) + 10.0) ** 1.1
    family = rng.choice(families, len(order_of_draw), p=popularity / popularity.sum())
    size = 1 + rng.binomial(2, 0.5, len(order_of_draw))
    order = np.repeat(order_of_draw, size)
    variant = rng.integers(0, variants, len(order))
    sku = np.repeat(family, size) * variants + variant
    weights = rng.gamma(2.0, 1.0, customers)
    customer = rng.choice(customers, orders, p=weights / weights.sum())
    start = dt.datetime(2011, 1, 1, tzinfo=dt.UTC)
    seconds = np.sort(rng.integers(0, 365 * 86_400, orders))
    cancelled = rng.random(orders) < 0.02
    return pl.DataFrame(
        {
            "order_id": order,
            CUSTOMER_COL: customer[order],
            "order_ts": seconds[order],
            "sku": sku,
            "status": cancelled[order],
        }
    ).select(
        pl.format("{}", pl.col("order_id") + 500_000).alias("order_id"),
        pl.lit("online_shop").alias("channel"),
        pl.format("{}", pl.col(CUSTOMER_COL) + 12_000).alias(CUSTOMER_COL),
        (pl.lit(start) + pl.duration(seconds=pl.col("order_ts"))).alias("order_ts"),
        pl.format("S{}", pl.col("sku").cast(pl.String).str.zfill(5)).alias("sku"),
        pl.format(
            "family {} variant {}", pl.col("sku") // variants, pl.col("sku") % variants
        ).alias("product_name"),
        pl.when(pl.col("status"))
        .then(pl.lit("cancelled"))
        .otherwise(pl.lit("paid"))
        .alias("status"),
    )


def write_lines(path: str) -> None:
    """Child entry point: parse Online Retail (or generate) into ``path``; print the figures."""
    t0 = time.perf_counter()
    if DATASET.exists() and not FORCE_SYNTHETIC:
        from cimlab.ingest.importer import check_file

        lines = check_file(DATASET, mapping="online_retail").valid
        source = "UCI Online Retail"
    else:
        lines = generate_lines()
        source = "a synthetic Online-Retail-like set" + (
            " (CIMLAB_BENCH_SYNTHETIC=1)" if FORCE_SYNTHETIC else " (shared dataset absent)"
        )
    seconds = time.perf_counter() - t0
    columns = ["channel", "order_id", CUSTOMER_COL, "order_ts", "sku", "product_name", "status"]
    lines.select(columns).write_parquet(path)
    print("RESULT " + json.dumps({"source": source, "parse_seconds": seconds}))


def _prepare(path: Path) -> dict[str, object]:
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from benchmarks import bench_affinity"
    proc = subprocess.run(
        [sys.executable, "-c", f"{code}; bench_affinity.write_lines({str(path)!r})"],
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"preparing the lines failed:\n{proc.stderr[-3000:]}")
    result: dict[str, object] = json.loads(line[7:])
    return result


def run() -> dict[str, object]:
    from cimlab.analytics.affinity import baskets, item_labels, product_pairs

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.parquet"
        prepared = _prepare(path)
        lines = pl.read_parquet(path)
    as_of = lines["order_ts"].max().date()  # type: ignore[union-attr]
    cases = {
        "order": {"level": "order"},
        "customer": {"level": "customer"},
        "customer_cap200": {"level": "customer", "max_basket_items": 200},
    }
    seconds: dict[str, float] = {}
    rules: dict[str, int] = {}
    for name, options in cases.items():
        times = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            pairs = product_pairs(lines, as_of=as_of, customer_col=CUSTOMER_COL, **options)  # type: ignore[arg-type]
            times.append(time.perf_counter() - t0)
        seconds[name], rules[name] = min(times), pairs.height
        del pairs
    t0 = time.perf_counter()
    strong = product_pairs(lines, as_of=as_of, min_support=0.02)
    strong_seconds = time.perf_counter() - t0
    names = dict(item_labels(lines).iter_rows())
    top = strong.filter(pl.col("item_a") < pl.col("item_b")).row(0, named=True)
    orders = baskets(lines, as_of=as_of)["basket"].n_unique()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    met = seconds["order"] <= 3 and seconds["customer"] <= 6 and peak_mb <= 2048
    return {
        "benchmark": (
            f"affinity: product pairs on {prepared['source']}, {lines.height:,} lines, "
            f"{orders:,} paid orders (parsing excluded)"
        ),
        "rows": lines.height,
        "seconds": round(seconds["order"], 2),
        "rows_per_s": int(lines.height / seconds["order"]),
        "target": "order level <= 3 s, customer level <= 6 s, <= 2 GB peak",
        "target_met": met,
        "order_seconds": round(seconds["order"], 2),
        "order_rules": rules["order"],
        "customer_seconds": round(seconds["customer"], 2),
        "customer_rules": rules["customer"],
        "customer_cap200_seconds": round(seconds["customer_cap200"], 2),
        "customer_cap200_rules": rules["customer_cap200"],
        "min_support_002_rules": strong.height,
        "min_support_002_seconds": round(strong_seconds, 2),
        "top_pair_by_lift": (
            f"{names.get(top['item_a'])} ({top['item_a']}) + {names.get(top['item_b'])} "
            f"({top['item_b']}): lift {top['lift']:.2f}, {top['baskets_both']} orders"
        ),
        "parse_seconds": round(float(prepared["parse_seconds"]), 2),  # type: ignore[arg-type]
        "load_average": round(os.getloadavg()[0], 2),
        "show": (
            "order_rules",
            "customer_seconds",
            "customer_rules",
            "customer_cap200_seconds",
            "customer_cap200_rules",
            "min_support_002_rules",
            "top_pair_by_lift",
            "load_average",
            "target_met",
        ),
    }


if __name__ == "__main__":  # run alone: python -m benchmarks.bench_affinity
    print(run(), file=sys.stderr)
