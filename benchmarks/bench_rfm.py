"""Benchmark: customer summary + RFM on 10,000,000 generated order lines from Parquet.

The data (vectorised numpy, written to a temporary Parquet file in 10,000,000-line chunks):
310,000 people (~292,000 of them buy) with a skewed number of orders (gamma–Poisson), 1–4 lines per order, order
times over three years, 95 % paid, 3 % refunded (half of them refund records with a negative
amount), 1.5 % cancelled, 0.5 % pending. Three contestants answer from the same file, each in
fresh Python processes of its own (times measured inside, around the work; peak memory = that
process's maximum resident set size, so contestants do not pollute each other). cimlab and the
floor run ``ROUNDS`` processes each, alternating, of ``REPEAT`` runs each, so that a busy spell of
a shared machine hits both alike; the figure is the best run (the median and the cold first run
of a process are shown too). lifetimes runs ``LIFETIMES_REPEAT`` times in one process.
Both the best and the **median** ratio to the floor are reported; the target counts as met only
when the median meets it (``target_met``; ``target_met_best`` says whether the best run did).

* **cimlab**: ``cimlab.analytics.rfm.rfm(pl.scan_parquet(...), as_of=...).collect()``, reading included:
  the full summary (purchase days = days of positive net spend, frequency, recency, T,
  since_last, exact net spend, repeat-day monetary value), the three scores and the segment,
  sorted by customer.
* **floor**: the least Polars can do for an answer of the same shape, reading included too,
  with the cheapest correct plan: the same timestamp filter as cimlab (``order_ts`` before the
  midnight after ``as_of``: no date computed for the filter, and Parquet row groups can be
  skipped), then plain ``group_by`` calls over the paid lines computing frequency (purchase
  days − 1), recency, T and spend (float sums), nothing else; unsorted.
* **lifetimes**: the paid lines of the same file read with pandas (not timed), then
  ``summary_data_from_transaction_data`` (day frequency, with the monetary column) timed alone.
  ``CIMLAB_BENCH_LIFETIMES_ROWS`` runs it on fewer lines, its time extrapolated linearly.

``CIMLAB_BENCH_RFM_100M=1`` adds the streaming case: 100,000,000 lines (3,100,000 people)
written chunk by chunk (``CIMLAB_BENCH_TMP`` chooses the folder; ~1.4 GB), then ``rfm`` collected
with the streaming engine (minutes, mostly generation).

Run through ``python -m benchmarks.run rfm`` (or alone: ``python -m benchmarks.bench_rfm``;
``python -m benchmarks.bench_rfm 100m`` for the streaming case alone).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROWS = 10_000_000
CUSTOMERS = 310_000
#: The opt-in streaming case (``CIMLAB_BENCH_RFM_100M=1``): 100,000,000 lines, 3,100,000 people.
ROWS_100M = 100_000_000
#: Lines generated (and held in memory) at a time.
CHUNK_ROWS = 10_000_000
AS_OF = dt.date(2024, 12, 31)
#: lifetimes runs on all rows unless this environment variable asks for fewer.
LIFETIMES_ROWS = int(os.environ.get("CIMLAB_BENCH_LIFETIMES_ROWS", ROWS))
ROOT = Path(__file__).resolve().parents[1]
#: Each contestant runs ROUNDS fresh processes of REPEAT runs each (lifetimes: one process of
#: LIFETIMES_REPEAT runs); its time is the best run, the median and the cold (first) run shown.
ROUNDS = 2
REPEAT = int(os.environ.get("CIMLAB_BENCH_REPEAT", 3))
LIFETIMES_REPEAT = 3
#: The targets: cimlab at most TARGET_RATIO × the floor on median runs; peak memory at most
#: TARGET_PEAK_MB. The speed-up over lifetimes is reported, not a target: the product owner accepted
#: 12× and made the floor the yardstick (it says how close to the limit cimlab is).
TARGET_RATIO = 1.3
TARGET_PEAK_MB = 1536


def generate_orders_parquet(
    path: Path,
    rows: int = ROWS,
    *,
    customers: int = CUSTOMERS,
    chunk_rows: int = CHUNK_ROWS,
    seed: int = 7,
) -> Path:
    """Write ``rows`` canonical order lines (the ``cimlab.contracts.models.Orders`` columns that matter
    here) for ``customers`` people, ``chunk_rows`` lines at a time: one row group of at most
    1,000,000 lines after another, so that memory stays bounded whatever ``rows`` is."""
    import numpy as np
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    # skewed purchase propensity: gamma weights, most customers buy a few times, some very often
    weights = rng.gamma(1.0, 1.0, customers)
    weights /= weights.sum()
    writer: pq.ParquetWriter | None = None
    done = orders_done = 0
    try:
        while done < rows:
            chunk = _orders_chunk(rng, min(chunk_rows, rows - done), weights, orders_done)
            table = chunk.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=1_000_000)
            done += chunk.height
            orders_done += chunk["order_id"].n_unique()
            del chunk, table
    finally:
        if writer is not None:
            writer.close()
    return path


def _orders_chunk(rng: Any, rows: int, weights: Any, first_order: int) -> Any:
    """``rows`` order lines (whole orders), numbered from order ``first_order``."""
    import numpy as np
    import polars as pl

    q = 1 - 1 / 2.2  # lines per order: geometric with mean 2.2, capped at 4
    n_orders = int(rows / (1 + q + q**2 + q**3) * 1.05)
    customer = rng.choice(len(weights), n_orders, p=weights)
    lines = np.minimum(rng.geometric(1 - q, n_orders), 4)
    keep = np.cumsum(lines) <= rows
    customer, lines = customer[keep], lines[keep]
    lines[-1] += rows - int(lines.sum())
    n_orders = len(lines)
    start = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
    seconds = rng.integers(0, 3 * 365 * 86_400, n_orders)
    status = rng.choice(4, n_orders, p=[0.95, 0.03, 0.015, 0.005])
    order = np.repeat(np.arange(n_orders), lines)
    first_line = np.cumsum(lines) - lines
    line_number = np.arange(rows) - np.repeat(first_line, lines) + 1
    amount = np.round(rng.lognormal(3.0, 0.9, rows), 2)
    line_status = status[order]
    # half of the refunded lines are refund records (negative amount), the rest refunded lines
    negative = (line_status == 1) & (rng.random(rows) < 0.5)
    amount = np.where(negative, -amount, amount)
    return pl.DataFrame(
        {
            "order_id": order + 100_000_000 + first_order,
            "line_number": line_number,
            "customer_id": customer[order],
            "channel": np.zeros(rows, dtype=np.int8),
            "order_ts": seconds[order],
            "amount": amount,
            "currency": np.zeros(rows, dtype=np.int8),
            "status": line_status,
        }
    ).with_columns(
        pl.col("order_id").cast(pl.String),
        pl.format("C{}", pl.col("customer_id").cast(pl.String).str.zfill(7)).alias("customer_id"),
        pl.lit("online_shop").alias("channel"),
        (pl.lit(start) + pl.duration(seconds=pl.col("order_ts"))).alias("order_ts"),
        pl.lit("CNY").alias("currency"),
        pl.col("status").replace_strict(
            dict(enumerate(["paid", "refunded", "cancelled", "pending"])), return_dtype=pl.String
        ),
    )


def run_cimlab(
    path: Path, repeat: int | str = 1, engine: str = "auto"
) -> tuple[list[tuple[float, float]], int]:
    """Summary + scores + segments with cimlab, read included, ``repeat`` times in this process;
    returns ((seconds, CPU seconds) of each run, customers)."""
    import polars as pl

    from cimlab.analytics.rfm import rfm

    times = []
    for _ in range(int(repeat)):
        t0, c0 = time.perf_counter(), time.process_time()
        result = rfm(pl.scan_parquet(path), as_of=AS_OF).collect(engine=engine)  # type: ignore[call-overload]
        times.append((time.perf_counter() - t0, time.process_time() - c0))
        assert result["segment"].null_count() == 0
    return times, result.height


def run_floor(path: Path, repeat: int | str = 1) -> tuple[list[tuple[float, float]], int]:
    """The minimal hand-written query, read included: frequency, recency, T and spend of the
    paid lines; two plain ``group_by`` calls (customer-day, then customer), as one would write
    it. (A single ``group_by`` with ``day.n_unique()`` gives the same answer, but slower.) The
    lines are kept with a timestamp comparison (before the midnight after ``as_of``, UTC), the
    cheapest correct filter and cimlab's own."""
    import polars as pl

    day = pl.col("order_ts").dt.date()
    end = pl.lit(AS_OF)
    next_midnight = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    query = (
        pl.scan_parquet(path)
        .filter(pl.col("status") == "paid", pl.col("order_ts") < next_midnight)
        .group_by("customer_id", day.alias("day"))
        .agg(pl.col("amount").sum())
        .group_by("customer_id")
        .agg(
            frequency=pl.len() - 1,
            first=pl.col("day").min(),
            last=pl.col("day").max(),
            spend=pl.col("amount").sum(),
        )
        .select(
            "customer_id",
            "frequency",
            "spend",
            recency=(pl.col("last") - pl.col("first")).dt.total_days(),
            T=(end - pl.col("first")).dt.total_days(),
        )
    )
    times = []
    for _ in range(int(repeat)):
        t0, c0 = time.perf_counter(), time.process_time()
        result = query.collect()
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    return times, result.height


def run_lifetimes(
    path: Path, repeat: int | str = 1, rows: int | str = ROWS
) -> tuple[list[tuple[float, float]], int]:
    """lifetimes on the paid lines of the same file (the first ``rows`` lines): the clock runs
    around ``summary_data_from_transaction_data`` only (day frequency, with the monetary
    column); reading the Parquet file into pandas and keeping the paid lines are not timed."""
    import pandas as pd
    import pyarrow.parquet as pq
    import setuptools  # noqa: F401  (lifetimes imports pkg_resources)
    from lifetimes.utils import summary_data_from_transaction_data

    columns = ["customer_id", "order_ts", "amount", "status"]
    if int(rows) < ROWS:
        batches = pq.ParquetFile(path).iter_batches(batch_size=int(rows), columns=columns)
        lines = next(batches).to_pandas()
    else:
        lines = pd.read_parquet(path, columns=columns)
    lines = lines[lines["status"] == "paid"]
    times = []
    for _ in range(int(repeat)):
        t0, c0 = time.perf_counter(), time.process_time()
        summary = summary_data_from_transaction_data(
            lines,
            "customer_id",
            "order_ts",
            monetary_value_col="amount",
            observation_period_end=pd.Timestamp(AS_OF, tz="UTC"),
            freq="D",
        )
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    return times, len(summary)


def run_lifetimes_read(path: Path, repeat: int | str = 3) -> tuple[list[tuple[float, float]], int]:
    """What a lifetimes user pays before the summary: reading the same Parquet file into pandas
    (the four columns) and keeping the paid lines; timed on its own, ``repeat`` times."""
    import pandas as pd

    columns = ["customer_id", "order_ts", "amount", "status"]
    times, count = [], 0
    for _ in range(int(repeat)):
        t0, c0 = time.perf_counter(), time.process_time()
        lines = pd.read_parquet(path, columns=columns)
        lines = lines[lines["status"] == "paid"]
        times.append((time.perf_counter() - t0, time.process_time() - c0))
        count = len(lines)
    return times, count


_CHILD = """
import json, resource, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from benchmarks import bench_rfm as b
times, count = getattr(b, sys.argv[1])(Path(sys.argv[2]), *sys.argv[3:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps({{"times": times, "count": count, "peak_mb": peak}}))
"""


def _in_child(function: str, *args: object) -> dict[str, Any]:
    """Run ``function(path, *args)`` in a fresh Python process: its times, count and peak RSS."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD.format(root=str(ROOT)), function, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode or line is None:
        raise RuntimeError(f"{function} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(line[7:])
    return result


def _load() -> str:
    return "load average (1, 5, 15 min) " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def run() -> dict[str, object]:
    """The 10,000,000-line case (and the 100,000,000-line one when ``CIMLAB_BENCH_RFM_100M=1``)."""
    load_before = _load()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders_10m.parquet"
        _in_child("generate_orders_parquet_timed", path, ROWS)
        # one fresh process per contestant and round, ``REPEAT`` runs in each (the first one is
        # the cold run); cimlab and the floor alternate round by round, so that a busy spell of
        # the machine hits both alike
        runs: dict[str, list[dict[str, Any]]] = {"cimlab": [], "floor": [], "lifetimes": []}
        # (the lifetimes read is measured too, for a comparison with reading on both sides)
        for _ in range(ROUNDS):
            runs["cimlab"].append(_in_child("run_cimlab", path, REPEAT))
            runs["floor"].append(_in_child("run_floor", path, REPEAT))
        runs["lifetimes"].append(_in_child("run_lifetimes", path, LIFETIMES_REPEAT, LIFETIMES_ROWS))
        runs["lifetimes_read"] = [_in_child("run_lifetimes_read", path, LIFETIMES_REPEAT)]
        # the runner reports this process's peak memory: let it be cimlab's (one more run)
        run_cimlab(path)
    figures = {name: _summarise(result) for name, result in runs.items()}
    cimlab, floor, lifetimes = figures["cimlab"], figures["floor"], figures["lifetimes"]
    scale = ROWS / LIFETIMES_ROWS
    lifetimes_best = lifetimes["best"] * scale
    extrapolated = "" if scale == 1 else f" (extrapolated ×{scale:g} from {LIFETIMES_ROWS:,} rows)"
    customers = int(cimlab["count"])
    assert floor["count"] == customers, (floor, cimlab)
    detail: dict[str, object] = {
        "customers": customers,
        "cimlab_seconds": cimlab["best"],
        "cimlab_median_seconds": cimlab["median"],
        "cimlab_cold_seconds": cimlab["cold"],
        "cimlab_peak_mb": cimlab["peak_mb"],
        "floor_seconds": floor["best"],
        "floor_median_seconds": floor["median"],
        "floor_cold_seconds": floor["cold"],
        "floor_peak_mb": floor["peak_mb"],
        "lifetimes_seconds": round(lifetimes_best, 2),
        "lifetimes_peak_mb": lifetimes["peak_mb"],
        "lifetimes_rows": LIFETIMES_ROWS,
        "speedup_vs_lifetimes": round(lifetimes_best / cimlab["best"], 1),
        "lifetimes_read_seconds": figures["lifetimes_read"]["best"],
        "speedup_vs_lifetimes_with_read": round(
            (lifetimes_best + figures["lifetimes_read"]["best"]) / cimlab["best"], 1
        ),
        "ratio_to_floor": round(cimlab["best"] / floor["best"], 2),
        "ratio_to_floor_median": round(cimlab["median"] / floor["median"], 2),
        "cimlab_cpu_seconds": cimlab["cpu"],
        "floor_cpu_seconds": floor["cpu"],
        "lifetimes_cpu_seconds": lifetimes["cpu"],
        "ratio_to_floor_cpu": round(cimlab["cpu"] / floor["cpu"], 2),
        "speedup_vs_lifetimes_cpu": round(lifetimes["cpu"] * scale / cimlab["cpu"], 1),
        "load": f"before {load_before}; after {_load()}",
    }
    show = [
        "cimlab_peak_mb",
        "floor_seconds",
        "floor_peak_mb",
        "lifetimes_seconds",
        "lifetimes_peak_mb",
        "lifetimes_read_seconds",
        "speedup_vs_lifetimes_with_read",
    ]
    show += ["cimlab_median_seconds", "floor_median_seconds", "ratio_to_floor_median"]
    show += ["cimlab_cold_seconds", "floor_cold_seconds", "cimlab_cpu_seconds", "floor_cpu_seconds"]
    show += ["lifetimes_cpu_seconds", "ratio_to_floor_cpu", "speedup_vs_lifetimes_cpu", "load"]
    if os.environ.get("CIMLAB_BENCH_RFM_100M") == "1":
        detail.update(run_100m())
        show += ["rows_100m", "customers_100m", "seconds_100m", "peak_mb_100m"]
    median_speedup = (lifetimes["median"] * scale) / cimlab["median"]
    detail["speedup_vs_lifetimes_median"] = round(median_speedup, 1)
    # what the hand-written floor itself reaches against lifetimes (the best cimlab could)
    detail["floor_speedup_vs_lifetimes"] = round(lifetimes_best / floor["best"], 1)
    peak_mb = max(cimlab["peak_mb"], _peak_mb())
    # each target on median runs (the best runs beside, for the record)
    checks = {
        f"<= {TARGET_RATIO}× the floor": (
            detail["ratio_to_floor_median"] <= TARGET_RATIO,  # type: ignore[operator]
            detail["ratio_to_floor"] <= TARGET_RATIO,  # type: ignore[operator]
        ),
        f"<= {TARGET_PEAK_MB / 1024:g} GB peak": (peak_mb <= TARGET_PEAK_MB,) * 2,
    }
    missed = [name for name, (median_ok, _) in checks.items() if not median_ok]
    detail["floor_target_met"] = checks[f"<= {TARGET_RATIO}× the floor"][0]
    detail["targets_missed"] = "; ".join(missed) or "none"
    detail["targets_missed_best"] = (
        "; ".join(name for name, (_, best_ok) in checks.items() if not best_ok) or "none"
    )
    detail["target_met"] = not missed
    show = ["ratio_to_floor_median", "floor_target_met", "targets_missed", *show]
    show.insert(show.index("speedup_vs_lifetimes_with_read"), "speedup_vs_lifetimes_median")
    show += ["floor_speedup_vs_lifetimes", "targets_missed_best"]
    print(json.dumps(detail), file=sys.stderr)
    verdict = "all met" if not missed else "MISSED (medians): " + "; ".join(missed)
    return {
        "benchmark": (
            f"customer summary + RFM, {ROWS:,} lines from Parquet ({customers:,} customers), read "
            f"included (floor too; lifetimes: summary_data_from_transaction_data only): "
            f"{detail['speedup_vs_lifetimes']}× faster than lifetimes{extrapolated}, "
            f"{detail['ratio_to_floor']}× the floor (best runs), "
            f"{detail['ratio_to_floor_median']}× (medians); targets {verdict}"
        ),
        "rows": ROWS,
        "seconds": cimlab["best"],
        "rows_per_s": int(ROWS / cimlab["best"]),
        "target": (
            f"<= {TARGET_RATIO}× the floor (medians), <= {TARGET_PEAK_MB / 1024:g} GB peak; "
            "speed-up over lifetimes reported"
        ),
        **detail,
        "show": show,
    }


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _summarise(processes: list[dict[str, Any]]) -> dict[str, float]:
    """Best and median of every run, the median first (cold) run, the best CPU time (all
    threads: less sensitive than wall time to other work on a shared machine), the largest
    peak."""
    seconds = sorted(wall for process in processes for wall, _ in process["times"])
    return {
        "best": round(seconds[0], 2),
        "median": round(statistics.median(seconds), 2),
        "cold": round(statistics.median(process["times"][0][0] for process in processes), 2),
        "cpu": round(min(cpu for process in processes for _, cpu in process["times"]), 2),
        "peak_mb": round(max(process["peak_mb"] for process in processes)),
        "count": processes[0]["count"],
    }


def run_100m(rows: int = ROWS_100M) -> dict[str, object]:
    """``rows`` lines (~10 customers per 1,000 lines, as the 10M case) written to a temporary
    Parquet file in 10,000,000-line chunks, then ``rfm(pl.scan_parquet(...))`` collected with
    the streaming engine in a fresh process: wall time (read included) and peak RSS."""
    customers = round(CUSTOMERS * rows / ROWS)
    folder = os.environ.get("CIMLAB_BENCH_TMP")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / "orders_100m.parquet"
        generated = _in_child("generate_orders_parquet_timed", path, rows, customers)
        size_mb = path.stat().st_size / 1024**2
        result = _in_child("run_cimlab", path, 1, "streaming")
    return {
        "rows_100m": rows,
        "customers_100m": int(result["count"]),
        "seconds_100m": round(result["times"][0][0], 1),
        "cpu_seconds_100m": round(result["times"][0][1], 1),
        "peak_mb_100m": round(result["peak_mb"]),
        "generate_seconds_100m": round(generated["times"][0][0], 1),
        "generate_peak_mb_100m": round(generated["peak_mb"]),
        "parquet_mb_100m": round(size_mb),
        "target_100m": "streaming, <= 8 GB peak",
    }


def generate_orders_parquet_timed(
    path: Path, rows: int | str = ROWS, customers: int | str = CUSTOMERS
) -> tuple[list[tuple[float, float]], int]:
    """Child entry point: generate the file; returns ([(seconds, CPU seconds)], rows)."""
    t0, c0 = time.perf_counter(), time.process_time()
    generate_orders_parquet(path, int(rows), customers=int(customers))
    return [(time.perf_counter() - t0, time.process_time() - c0)], int(rows)


if __name__ == "__main__":  # run alone: python -m benchmarks.bench_rfm [100m]
    if sys.argv[1:] == ["100m"]:
        print(run_100m(), file=sys.stderr)
    else:
        print(run(), file=sys.stderr)
