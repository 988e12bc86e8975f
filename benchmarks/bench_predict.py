"""Benchmark: predict — summary + BG/NBD + Gamma-Gamma fit + scoring on 10,000,000 lines; the
BG/NBD fit against lifetimes' ``BetaGeoFitter``; scoring and CLV with intervals for 1M customers.

Cases, each in a fresh process (its own peak memory, ``ru_maxrss``):

* ``end_to_end``: 10,000,000 order lines of ~320,000 customers over 2022–2024 simulated from the
  BG/NBD story (:func:`generate_lines_parquet`; the RFM benchmark's generator has no drop-out, so
  BG/NBD has no interior maximum there and neither cimlab nor lifetimes converges), written once
  to a temporary Parquet file, read lazily → :func:`cimlab.analytics.rfm.customer_summary` (weeks, as of 2024-12-31) →
  :class:`~cimlab.predict.purchases.BetaGeoModel` fit → :class:`~cimlab.predict.spend.GammaGammaModel`
  fit → scoring (52-week expected purchases, P(alive), P(no purchase), expected spend) of every
  customer. The headline ``seconds``.
* ``fit``: on that summary, cimlab's BG/NBD fit (plain: the summary as it is; weighted: identical
  rows compressed with a weight first) against lifetimes' ``BetaGeoFitter`` on the same data
  (plain, and with ``weights=``) in the same process; best of ``REPEAT`` runs for cimlab, one run
  for lifetimes; the parameters compared to 4 significant digits (largest relative difference).
  Target: fit ≤ 0.5 s with the same parameters to 4 significant digits.
* ``score_1m``: 1,000,000 customers simulated from the BG/NBD story with a Gamma-Gamma spend
  (first purchases over 2023–2024, times in days, ~4.3M lines; :func:`simulate_orders`); the
  four scores of every customer (one row each, no compression). Target ≤ 2 s.
* ``clv_1m``: :func:`cimlab.predict.clv.predict_clv` on those order lines (``model="bgnbd"``,
  52 weeks, 200 parameter draws for the 90 % interval) end to end. Target ≤ 60 s, ≤ 4 GB.

A quick run on smaller data: ``CIMLAB_BENCH_PREDICT_ROWS`` (lines of the first two cases, the
customers scaled alike) and ``CIMLAB_BENCH_PREDICT_CUSTOMERS`` (customers of the last two), e.g.
``CIMLAB_BENCH_PREDICT_ROWS=1000000 CIMLAB_BENCH_PREDICT_CUSTOMERS=100000 python -m
benchmarks.run predict``. Run through ``python -m benchmarks.run predict``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_rfm import ROWS
from benchmarks.child import in_child

AS_OF = dt.date(2024, 12, 31)
HORIZON = 52
LINES = int(os.environ.get("CIMLAB_BENCH_PREDICT_ROWS", ROWS))
PEOPLE = int(os.environ.get("CIMLAB_BENCH_PREDICT_CUSTOMERS", 1_000_000))
#: cimlab's fit is the best of this many runs (lifetimes runs once: it takes seconds).
REPEAT = 3
TARGETS = {"fit_s": 0.5, "score_1m_s": 2.0, "clv_1m_s": 60.0, "clv_1m_peak_mb": 4096}


def _in_child(function: str, *args: object) -> dict[str, Any]:
    """``function(*args)`` of this module in a fresh Python process, with its peak RSS."""
    return in_child("benchmarks.bench_predict", function, *args)


def simulate_orders(
    customers: int,
    *,
    seed: int = 0,
    days: int = 730,
    start: str = "2023-01-01",
    rate: tuple[float, float] = (0.8, 40.0),
    drop: tuple[float, float] = (0.8, 4.0),
    lines_per_order: float = 1.0,
) -> Any:
    """Order lines (``customer_id, order_ts, amount, status``, UTC, all paid) of ``customers``
    BG/NBD buyers: purchase rate gamma(``rate[0]``, ``rate[1]`` days), drop-out after each
    purchase beta(``drop``), first purchases uniform over ``days`` from ``start``, spend per
    purchase gamma around a customer mean (Gamma-Gamma); an order has one line
    (``lines_per_order=1``) or a geometric number of lines with that mean, the spend split."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    speed = rng.gamma(rate[0], 1 / rate[1], customers)
    leave = rng.beta(drop[0], drop[1], customers)
    mean = rng.gamma(4.0, 10.0, customers)
    now = rng.uniform(0, days, customers)
    ids, times = [np.arange(customers)], [now.copy()]
    active = np.ones(customers, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        idx = idx[rng.random(idx.size) >= leave[idx]]
        active[:] = False
        later = now[idx] + rng.exponential(1 / speed[idx])
        inside = later < days
        idx, later = idx[inside], later[inside]
        now[idx] = later
        active[idx] = True
        ids.append(idx)
        times.append(later)
    customer = np.concatenate(ids)
    moment = np.concatenate(times)
    spend = np.round(rng.gamma(6.0, mean[customer] / 6.0), 2) + 0.01
    if lines_per_order > 1:
        lines = rng.geometric(1 / lines_per_order, customer.size)
        customer, moment = np.repeat(customer, lines), np.repeat(moment, lines)
        spend = np.round(np.repeat(spend / lines, lines), 2) + 0.01
    origin = np.datetime64(f"{start}T00:00:00", "us")
    return pl.DataFrame(
        {
            "customer_id": customer,
            "order_ts": origin + (moment * 86_400e6).astype("timedelta64[us]"),
            "amount": spend,
        }
    ).with_columns(pl.col("order_ts").dt.replace_time_zone("UTC"), status=pl.lit("paid"))


#: The 10M-line case: ~31 lines per customer over 2022–2024 (purchase rate gamma(0.9, 20 days),
#: drop-out beta(0.5, 8), 2.2 lines per order): 10,000,000 lines ≈ 320,000 customers.
LINES_PER_CUSTOMER = 31


def generate_lines_parquet(path: str, lines: str) -> dict[str, Any]:
    """Write about ``lines`` order lines of BG/NBD buyers over 2022–2024 to ``path``."""
    orders = simulate_orders(
        round(int(lines) / LINES_PER_CUSTOMER),
        seed=7,
        days=3 * 365,
        start="2022-01-01",
        rate=(0.9, 20.0),
        drop=(0.5, 8.0),
        lines_per_order=2.2,
    )
    orders.write_parquet(path, row_group_size=1_000_000)
    return {"lines": orders.height}


def _summary(path: str) -> Any:
    import polars as pl

    from cimlab.analytics.rfm import customer_summary

    return customer_summary(pl.scan_parquet(path), as_of=AS_OF, time_unit="week").collect()


# --------------------------------------------------------------------------------------------
# The cases (each runs in its own process)
# --------------------------------------------------------------------------------------------


def end_to_end(path: str) -> dict[str, Any]:
    """Summary + BG/NBD + Gamma-Gamma fit + scoring of every customer, read included (the
    imports of cimlab and SciPy are timed apart, before)."""
    t_import = time.perf_counter()
    import scipy.optimize
    import scipy.special  # noqa: F401

    from cimlab.predict.purchases import BetaGeoModel
    from cimlab.predict.spend import GammaGammaModel

    t0 = time.perf_counter()
    summary = _summary(path)
    t1 = time.perf_counter()
    purchase = BetaGeoModel().fit(summary)
    t2 = time.perf_counter()
    spend = GammaGammaModel().fit(summary)
    t3 = time.perf_counter()
    expected = purchase.expected_purchases(HORIZON, summary)
    alive = purchase.p_alive(summary)
    silent = purchase.p_no_purchase(HORIZON, summary)
    value = spend.expected_spend(summary)
    t4 = time.perf_counter()
    assert expected.size == alive.size == silent.size == value.size == summary.height
    return {
        "customers": summary.height,
        "seconds": t4 - t0,
        "imports_s": t0 - t_import,
        "summary_s": t1 - t0,
        "bgnbd_fit_s": t2 - t1,
        "gamma_gamma_fit_s": t3 - t2,
        "scoring_s": t4 - t3,
        "converged": bool(purchase.converged_ and spend.converged_),
    }


def _best(function: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - t0)
    return best, result


def fit(path: str) -> dict[str, Any]:
    """cimlab's BG/NBD fit against lifetimes' on the same summary, plain and weighted."""
    import numpy as np
    import setuptools  # noqa: F401  (lifetimes imports pkg_resources)
    from lifetimes import BetaGeoFitter

    from cimlab.predict.purchases import BetaGeoModel, compress

    summary = _summary(path).select("frequency", "recency", "T")
    weighted = compress(summary, ["frequency", "recency", "T"])
    ours_plain_s, ours_plain = _best(lambda: BetaGeoModel().fit(summary))
    ours_weighted_s, ours_weighted = _best(lambda: BetaGeoModel().fit(weighted))
    frame = summary.to_pandas()
    rows = weighted.to_pandas()

    def lifetimes_fit(data: Any, weights: Any = None) -> tuple[float, Any]:
        """Seconds and the fitter (None when lifetimes raises ConvergenceError)."""
        from lifetimes.utils import ConvergenceError

        t0 = time.perf_counter()
        try:
            fitter = BetaGeoFitter().fit(
                data["frequency"], data["recency"], data["T"], weights=weights
            )
        except ConvergenceError:
            fitter = None
        return time.perf_counter() - t0, fitter

    theirs_plain_s, theirs_plain = lifetimes_fit(frame)
    theirs_weighted_s, theirs_weighted = lifetimes_fit(rows, rows["weight"].to_numpy())
    names = ("r", "alpha", "a", "b")

    def compare(ours: Any, theirs: Any) -> tuple[float | None, bool, dict[str, str]]:
        a = np.array([ours.params_[k] for k in names])
        if theirs is None:
            return (
                None,
                False,
                {k: f"{x:.4g} vs no convergence" for k, x in zip(names, a, strict=True)},
            )
        b = np.array([float(theirs.params_[k]) for k in names])
        rel = float(np.max(np.abs(a / b - 1)))
        shown = {k: f"{x:.4g} vs {y:.4g}" for k, x, y in zip(names, a, b, strict=True)}
        return rel, all(f"{x:.4g}" == f"{y:.4g}" for x, y in zip(a, b, strict=True)), shown

    rel_plain, same_plain, shown_plain = compare(ours_plain, theirs_plain)
    rel_weighted, same_weighted, _ = compare(ours_weighted, theirs_weighted)
    return {
        "customers": summary.height,
        "distinct_rows": weighted.height,
        "cimlab_plain_s": ours_plain_s,
        "cimlab_weighted_s": ours_weighted_s,
        "lifetimes_plain_s": theirs_plain_s,
        "lifetimes_weighted_s": theirs_weighted_s,
        "max_rel_diff_plain": rel_plain,
        "max_rel_diff_weighted": rel_weighted,
        "same_4_digits_plain": same_plain,
        "same_4_digits_weighted": same_weighted,
        "params_cimlab_vs_lifetimes": shown_plain,
        "converged": bool(ours_plain.converged_ and ours_weighted.converged_),
    }


def score_1m(customers: str) -> dict[str, Any]:
    """The four scores of every one of ``customers`` simulated customers (no compression)."""
    from cimlab.analytics.rfm import customer_summary
    from cimlab.predict.purchases import BetaGeoModel
    from cimlab.predict.spend import GammaGammaModel

    orders = simulate_orders(int(customers))
    summary = customer_summary(orders, as_of=AS_OF, time_unit="week", status_col=None).select(
        "frequency", "recency", "T", "monetary_value"
    )
    purchase = BetaGeoModel().fit(summary)
    spend = GammaGammaModel().fit(summary)

    def score() -> int:
        expected = purchase.expected_purchases(HORIZON, summary)
        purchase.p_alive(summary)
        purchase.p_no_purchase(HORIZON, summary)
        spend.expected_spend(summary)
        return int(expected.size)

    seconds, scored = _best(score)
    return {"customers": scored, "lines": orders.height, "seconds": seconds}


def clv_1m(customers: str) -> dict[str, Any]:
    """predict_clv with intervals (200 draws) on the simulated order lines, end to end."""
    import resource

    from cimlab.predict.clv import predict_clv

    orders = simulate_orders(int(customers))
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    steps: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    value = predict_clv(
        orders,
        as_of=AS_OF,
        horizon=HORIZON,
        model="bgnbd",
        draws=200,
        status_col=None,
        progress=lambda step, share: steps.append((step, time.perf_counter() - t0)),
    )
    seconds = time.perf_counter() - t0
    frame = value.customers
    assert frame["clv_low"].null_count() == 0, value.notes
    phases: dict[str, float] = {}
    for (step, at), (_, after) in itertools.pairwise(steps):
        phases[step] = phases.get(step, 0.0) + after - at
    return {
        "customers": frame.height,
        "lines": orders.height,
        "seconds": seconds,
        "peak_mb_before_clv": round(before_mb),
        "phases_s": {k: round(v, 2) for k, v in phases.items()},
        "notes": value.notes,
    }


def _two_digits(value: float | None) -> float | str:
    return "lifetimes did not converge" if value is None else float(f"{value:.2g}")


def run() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.parquet"
        lines = _in_child("generate_lines_parquet", path, LINES)["lines"]
        e2e = _in_child("end_to_end", path)
        fitted = _in_child("fit", path)
    scored = _in_child("score_1m", PEOPLE)
    clv = _in_child("clv_1m", PEOPLE)
    met = {
        "fit": fitted["cimlab_plain_s"] <= TARGETS["fit_s"] and fitted["same_4_digits_plain"],
        "score": scored["seconds"] <= TARGETS["score_1m_s"],
        "clv": clv["seconds"] <= TARGETS["clv_1m_s"]
        and clv["peak_mb"] <= TARGETS["clv_1m_peak_mb"],
    }
    r = lambda x: round(x, 3)  # noqa: E731
    return {
        "benchmark": (
            f"predict: summary + BG/NBD + Gamma-Gamma fit + scoring, {lines:,} lines from Parquet "
            f"({e2e['customers']:,} customers); BG/NBD fit vs lifetimes; scoring and CLV with "
            f"intervals for {PEOPLE:,} simulated customers"
        ),
        "rows": lines,
        "seconds": round(e2e["seconds"], 2),
        "rows_per_s": int(lines / e2e["seconds"]),
        "target": "fit <= 0.5 s (same params to 4 digits), score 1M <= 2 s, CLV 1M <= 60 s and 4 GB",
        "target_met": met,
        "e2e_imports_s": r(e2e["imports_s"]),
        "e2e_summary_s": r(e2e["summary_s"]),
        "e2e_bgnbd_fit_s": r(e2e["bgnbd_fit_s"]),
        "e2e_gamma_gamma_fit_s": r(e2e["gamma_gamma_fit_s"]),
        "e2e_scoring_s": r(e2e["scoring_s"]),
        "e2e_peak_mb": e2e["peak_mb"],
        "fit_distinct_rows": fitted["distinct_rows"],
        "fit_cimlab_plain_s": r(fitted["cimlab_plain_s"]),
        "fit_cimlab_weighted_s": r(fitted["cimlab_weighted_s"]),
        "fit_lifetimes_plain_s": r(fitted["lifetimes_plain_s"]),
        "fit_lifetimes_weighted_s": r(fitted["lifetimes_weighted_s"]),
        "fit_max_rel_diff_plain": _two_digits(fitted["max_rel_diff_plain"]),
        "fit_max_rel_diff_weighted": _two_digits(fitted["max_rel_diff_weighted"]),
        "fit_same_4_digits": [fitted["same_4_digits_plain"], fitted["same_4_digits_weighted"]],
        "fit_params": fitted["params_cimlab_vs_lifetimes"],
        "score_customers": scored["customers"],
        "score_s": r(scored["seconds"]),
        "clv_customers": clv["customers"],
        "clv_lines": clv["lines"],
        "clv_s": round(clv["seconds"], 1),
        "clv_peak_mb": clv["peak_mb"],
        "clv_phases_s": clv["phases_s"],
        "load_average": round(os.getloadavg()[0], 2),
        "show": (
            "e2e_imports_s",
            "e2e_bgnbd_fit_s",
            "e2e_scoring_s",
            "fit_distinct_rows",
            "fit_cimlab_plain_s",
            "fit_cimlab_weighted_s",
            "fit_lifetimes_plain_s",
            "fit_lifetimes_weighted_s",
            "fit_max_rel_diff_plain",
            "fit_same_4_digits",
            "score_s",
            "clv_s",
            "clv_peak_mb",
            "clv_phases_s",
            "load_average",
            "target_met",
        ),
    }


if __name__ == "__main__":  # run alone: python -m benchmarks.bench_predict
    print(run(), file=sys.stderr)
