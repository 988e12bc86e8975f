"""Benchmark: churn risk of 300,000 generated customers, fitted and scored end to end.

The data are the clusters benchmark's (:func:`benchmarks.bench_clusters.generate_orders`, seed
11): ~3,000,000 order lines of 300,000 customers over 2022–2024 in four channels, five behaviour
profiles (one-time, occasional, regular, big spenders, and 15 % lapsed after their first year),
generated in a child process into a temporary Parquet file that is read before the clock starts.

Timed: :func:`cimlab.predict.churn.predict_churn` at 2024-09-30 with H = 90 days and
``backtest=False`` (the training window's features, labels, BG/NBD fit and gradient boosting fit,
then the scoring features, probabilities, bands and reasons in two languages), best of
``REPEAT``; apart, :func:`~cimlab.predict.churn.churn_features` at the scoring date
(``features_seconds``) and the model fit alone (``fit_seconds``). Outside the clock,
:func:`~cimlab.predict.churn.evaluate_churn` measures the scores against what the generator did
in (2024-09-30, 2024-12-29] (``auc_model``, ``auc_recency``, ``auc_btyd``). Peak memory is the
process's maximum resident set size (benchmarks/run.py).

``run_quick`` does the same on 30,000 customers. Run through ``python -m benchmarks.run churn``
(or ``churn_quick``).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
CUSTOMERS = 300_000
QUICK_CUSTOMERS = 30_000
AS_OF = dt.date(2024, 9, 30)
HORIZON_DAYS = 90
#: The end-to-end time is the best of this many runs.
REPEAT = 2


def _generate_in_child(path: Path, customers: int) -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
        "from benchmarks.bench_clusters import generate_orders as g; "
        f"g({customers}).write_parquet({str(path)!r})"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"generating the orders failed:\n{proc.stderr[-3000:]}")


def _run(customers: int, repeat: int, target_seconds: float) -> dict[str, object]:
    import resource

    from cimlab.predict.churn import ChurnModel, churn_features, evaluate_churn, predict_churn
    from cimlab.predict.churn_features import churn_labels

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.parquet"
        t0 = time.perf_counter()
        _generate_in_child(path, customers)
        generated = time.perf_counter() - t0
        orders = pl.read_parquet(path)
    rows = orders.height

    totals = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        prediction = predict_churn(orders, as_of=AS_OF, horizon_days=HORIZON_DAYS, backtest=False)
        totals.append(time.perf_counter() - t0)
    seconds = min(totals)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    t0 = time.perf_counter()
    features = churn_features(orders, as_of=AS_OF, btyd_horizon_days=HORIZON_DAYS)
    feature_seconds = time.perf_counter() - t0
    window = prediction.window
    train = churn_features(orders, as_of=window.cutoff, btyd_horizon_days=HORIZON_DAYS)
    labels = churn_labels(
        orders,
        as_of=window.cutoff,
        horizon_days=window.window_days,
        customer_ids=train["customer_id"],
    )
    t0 = time.perf_counter()
    ChurnModel().fit(train, labels)
    fit_seconds = time.perf_counter() - t0

    evaluation = evaluate_churn(orders, as_of=AS_OF, horizon_days=HORIZON_DAYS)
    bands = dict(prediction.customers["risk_band"].value_counts().iter_rows())
    met = seconds <= target_seconds and peak_mb <= 4096
    return {
        "benchmark": (
            f"churn: fit + score (H = {HORIZON_DAYS} days, bands and reasons), "
            f"{prediction.customers.height:,} customers from {rows:,} generated order lines"
        ),
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": int(rows / seconds),
        "target": f"<= {target_seconds:g} s end to end, <= 4 GB peak",
        "target_met": met,
        "customers": prediction.customers.height,
        "training_customers": train.height,
        "features_seconds": round(feature_seconds, 2),
        "fit_seconds": round(fit_seconds, 2),
        "feature_columns": features.width - 1,
        "auc_model": round(evaluation.auc("model"), 4),
        "auc_recency": round(evaluation.auc("recency"), 4),
        "auc_btyd": round(evaluation.auc("btyd (bgnbd)"), 4),
        "beats_baselines": evaluation.beats_baselines,
        "bands": {k: int(v) for k, v in bands.items()},
        "generate_seconds": round(generated, 2),
        "load_average": round(os.getloadavg()[0], 2),
        "show": (
            "features_seconds",
            "fit_seconds",
            "auc_model",
            "auc_recency",
            "auc_btyd",
            "beats_baselines",
            "load_average",
            "target_met",
        ),
    }


def run() -> dict[str, object]:
    """300,000 customers."""
    return _run(CUSTOMERS, REPEAT, target_seconds=120)


def run_quick() -> dict[str, object]:
    """30,000 customers (a quick check)."""
    return _run(QUICK_CUSTOMERS, 1, target_seconds=20)


if __name__ == "__main__":  # run alone: python -m benchmarks.bench_churn [quick]
    print(run_quick() if sys.argv[1:] == ["quick"] else run(), file=sys.stderr)
