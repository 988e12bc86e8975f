"""Predictions of a workspace: fit once, store, read back (:mod:`cimlab.predict.store`).

:func:`workspace_clv` and :func:`workspace_churn` take the analysis data of a workspace
(:func:`cimlab.analytics.facts.customer_data`), return the stored run for exactly this data and
these settings when there is one, and otherwise fit, store and return it. The CLI
(``cimlab predict ...``), the Value & risk page and audiences all go through here, so a result
computed in one place is read in the others without refitting.

A CLV run stores ``customers`` (one row per customer: the ``cimlab predict clv`` columns, then
``p_no_purchase, frequency, recency, T, monetary_value``), ``forecast`` (the existing
customers' expected repeat purchases and revenue per period over the horizon), and, when the
model was chosen on a holdout, ``ranking``, ``tracking`` and ``conditional_expectation`` (every
model compared, a ``model`` column telling them apart). A churn run stores ``customers``
(``customer_id, churn_probability, risk_band, reasons, reasons_zh`` and the features behind the
reasons) and its out-of-time evaluation tables.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

from cimlab.dates import DateLike, to_date
from cimlab.predict.store import (
    StoredPrediction,
    data_fingerprint,
    frame_digest,
    load_prediction,
    save_prediction,
)

if TYPE_CHECKING:
    from cimlab.analytics.facts import CustomerData
    from cimlab.predict.churn import ChurnPrediction
    from cimlab.predict.clv import ValuePrediction

__all__ = [
    "DEFAULT_DISCOUNT_RATE",
    "DEFAULT_HORIZON",
    "DEFAULT_INTERVAL",
    "Progress",
    "churn_report",
    "clv_report",
    "purchase_model_from_report",
    "workspace_churn",
    "workspace_clv",
]

Progress = Callable[[str, float], None]
"""``progress(step, share)``: what is being done and the share done (0..1)."""

DEFAULT_HORIZON = 52
"""CLV and forecast horizon, in the time unit (52 weeks)."""
DEFAULT_DISCOUNT_RATE = 0.10
"""Yearly discount rate of CLV."""
DEFAULT_INTERVAL = 0.90
"""Coverage of the CLV interval."""


def _json_number(value: Any) -> float | None:
    """``value`` as a float, None when it is missing or not finite (JSON has no NaN)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _params(model: Any) -> dict[str, float | None]:
    return {name: _json_number(v) for name, v in getattr(model, "params_", {}).items()}


def clv_report(prediction: ValuePrediction) -> tuple[dict[str, Any], dict[str, pl.DataFrame]]:
    """A :class:`~cimlab.predict.clv.ValuePrediction` as JSON values and tables (the stored
    form; the keys of ``cimlab predict clv --json``)."""
    purchase = prediction.purchase_model
    spend = prediction.spend_model
    choice = prediction.choice
    report: dict[str, Any] = {
        "model": prediction.model,
        "params": _params(purchase),
        "log_likelihood": _json_number(purchase.log_likelihood_),
        "converged": bool(purchase.converged_),
        "fit": purchase.fit_report_.summary(),
        "spend_model": None
        if spend is None
        else {
            "model": "gamma_gamma",
            "params": _params(spend),
            "log_likelihood": _json_number(spend.log_likelihood_),
            "converged": bool(spend.converged_),
            "independence": _json_number(spend.independence_),
        },
        "as_of": to_date(prediction.as_of).isoformat(),
        "horizon": prediction.horizon,
        "time_unit": prediction.time_unit,
        "discount_rate": prediction.discount_rate,
        "interval": prediction.interval,
        "interval_method": prediction.interval_method,
        "next_purchase_method": prediction.next_purchase_method,
        "notes": list(prediction.notes),
        "chosen": prediction.model,
        "choice": None if choice is None else choice.explanation,
        "models": [
            {
                "model": e.model,
                "holdout_actual": _json_number(e.actual),
                "holdout_predicted": _json_number(e.predicted),
                "error_pct": _json_number(e.error_pct),
                "mae": _json_number(e.mae),
                "rmse": _json_number(e.rmse),
                "correlation": _json_number(e.correlation),
                "customers": e.customers,
                "holdout_length": _json_number(e.duration),
            }
            for e in prediction.evaluations
        ],
        "text": prediction.report(),
    }
    frames = {"customers": prediction.customers}
    if prediction.evaluations:
        frames["tracking"] = pl.concat(
            [
                e.tracking.select(pl.lit(e.model).alias("model"), pl.all())
                for e in prediction.evaluations
            ]
        )
        frames["conditional_expectation"] = pl.concat(
            [
                e.conditional_expectation.select(pl.lit(e.model).alias("model"), pl.all())
                for e in prediction.evaluations
            ]
        )
    if choice is not None:
        frames["ranking"] = choice.ranking
    return report, frames


def purchase_model_from_report(report: Mapping[str, Any]) -> Any:
    """The fitted purchase model of a stored CLV report (its parameters set, no refit): for
    the P(alive) map and other what-ifs on a stored run."""
    from cimlab.predict.clv import PURCHASE_MODELS

    model = PURCHASE_MODELS[report["model"]]()
    model.params_ = {k: float(v) for k, v in report["params"].items()}
    return model


def _clv_settings(
    data: CustomerData,
    *,
    as_of: dt.date,
    horizon: int,
    time_unit: str,
    model: str,
    discount_rate: float,
    interval: float,
) -> dict[str, Any]:
    return {
        "as_of": as_of.isoformat(),
        "horizon": horizon,
        "time_unit": time_unit,
        "model": model,
        "discount_rate": discount_rate,
        "interval": interval,
        "money": not data.money_withheld,
    }


def workspace_clv(
    workspace: str | os.PathLike[str],
    data: CustomerData,
    *,
    as_of: DateLike,
    horizon: int = DEFAULT_HORIZON,
    time_unit: str = "week",
    model: str = "auto",
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    interval: float = DEFAULT_INTERVAL,
    refit: bool = False,
    progress: Progress | None = None,
    fingerprint: str | None = None,
) -> StoredPrediction:
    """CLV of every customer of ``data`` as of ``as_of`` (:func:`cimlab.predict.clv.predict_clv`)
    with the forecast of the existing customers over ``horizon``; the stored run when there is
    one for this data and these settings (unless ``refit``), else fitted and stored.
    ``fingerprint`` is :func:`~cimlab.predict.store.data_fingerprint` of ``data`` when the caller
    has it already (the app caches it)."""
    from cimlab.predict.clv import predict_clv
    from cimlab.predict.forecast import forecast_purchases

    day = to_date(as_of)
    settings = _clv_settings(
        data,
        as_of=day,
        horizon=horizon,
        time_unit=time_unit,
        model=model,
        discount_rate=discount_rate,
        interval=interval,
    )
    fingerprint = fingerprint or data_fingerprint(data)
    if not refit:
        stored = load_prediction(workspace, "clv", fingerprint=fingerprint, settings=settings)
        if stored is not None:
            return stored
    prediction = predict_clv(
        data.orders,
        as_of=day,
        horizon=horizon,
        time_unit=time_unit,  # type: ignore[arg-type]
        model=model,
        discount_rate=discount_rate,
        interval=interval,
        time_zone=data.time_zone,
        with_money=not data.money_withheld,
        progress=progress,
    )
    report, frames = clv_report(prediction)
    report["currency"] = data.currency
    summary = prediction.customers.select("customer_id", "frequency", "recency", "T")
    frames["forecast"] = forecast_purchases(
        prediction.purchase_model,
        summary.with_columns(monetary_value=prediction.customers["monetary_value"]),
        as_of=day,
        periods=horizon,
        time_unit=time_unit,  # type: ignore[arg-type]
        spend_model=prediction.spend_model,
    )
    return save_prediction(
        workspace, "clv", fingerprint=fingerprint, settings=settings, report=report, frames=frames
    )


def churn_report(prediction: ChurnPrediction) -> tuple[dict[str, Any], dict[str, pl.DataFrame]]:
    """A :class:`~cimlab.predict.churn.ChurnPrediction` as JSON values and tables (the stored
    form; the keys of ``cimlab predict churn --json``): the per-customer table, and the
    out-of-time backtest's ``metrics`` and ``calibration`` when there was one."""
    from cimlab.predict.churn import RISK_BANDS

    evaluation = prediction.evaluation
    window = prediction.window
    report: dict[str, Any] = {
        "horizon_days": prediction.horizon_days,
        "as_of": to_date(prediction.as_of).isoformat(),
        "training_window": prediction.training_window,
        "window": {
            "cutoff": window.cutoff.isoformat(),
            "label_end": window.label_end.isoformat(),
            "window_days": window.window_days,
            "shortened": window.shortened,
        },
        "bands": dict(RISK_BANDS),
        "notes": list(prediction.notes),
        "evaluation": None
        if evaluation is None
        else {
            "as_of": to_date(evaluation.as_of).isoformat(),
            "horizon_days": evaluation.horizon_days,
            "customers": evaluation.customers,
            "churned": evaluation.churned,
            "best_baseline": evaluation.best_baseline,
            "beats_baselines": evaluation.beats_baselines,
            "metrics": [
                {k: (_json_number(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in evaluation.metrics.iter_rows(named=True)
            ],
        },
        "text": prediction.report(),
    }
    frames = {"customers": prediction.customers}
    if evaluation is not None:
        frames["metrics"] = evaluation.metrics
        frames["calibration"] = evaluation.calibration
    return report, frames


def workspace_churn(
    workspace: str | os.PathLike[str],
    data: CustomerData,
    *,
    as_of: DateLike,
    horizon_days: int = 90,
    tags: pl.DataFrame | None = None,
    refit: bool = False,
    progress: Progress | None = None,
    fingerprint: str | None = None,
) -> StoredPrediction:
    """Churn risk of every customer of ``data`` as of ``as_of``
    (:func:`cimlab.predict.churn.predict_churn`); stored like :func:`workspace_clv`."""
    from cimlab.predict.churn import predict_churn

    day = to_date(as_of)
    settings = {"as_of": day.isoformat(), "horizon_days": horizon_days}
    fingerprint = fingerprint or data_fingerprint(data)
    if tags is not None:
        settings["tags"] = frame_digest(tags).hex()
    if not refit:
        stored = load_prediction(workspace, "churn", fingerprint=fingerprint, settings=settings)
        if stored is not None:
            return stored
    prediction = predict_churn(
        data.orders,
        as_of=day,
        horizon_days=horizon_days,
        feedback=data.feedback,
        interactions=data.interactions,
        customers=data.customers,
        tags=tags,
        time_zone=data.time_zone,
        progress=progress,
    )
    report, frames = churn_report(prediction)
    return save_prediction(
        workspace, "churn", fingerprint=fingerprint, settings=settings, report=report, frames=frames
    )
