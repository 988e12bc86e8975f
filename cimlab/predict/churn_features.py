"""Churn inputs: the per-customer features at a date, the churn labels after it, and the
leak-proof training window.

Everything here reads **nothing after** ``as_of``: order lines count by the purchase-day rule of
:mod:`cimlab.lines` up to ``as_of`` (a day's value is final when the day is over, so the features
are the same whether the data stop at ``as_of`` or run on), feedback and interactions count when
their day (in ``time_zone``) is on or before ``as_of``, tags when they were added on or before
``as_of`` (type pseudo-tags, which carry no date, always), and a customer's ``first_seen`` only
when it is on or before ``as_of``.

The features (one row per customer with a purchase day up to ``as_of``; durations in days):

* **summary** (:func:`cimlab.analytics.rfm.customer_summary`): ``purchase_days``,
  ``frequency`` (repeat purchase days), ``recency_days`` (first to last purchase),
  ``tenure_days`` (first purchase to ``as_of``), ``since_last_days``, ``total_spend``,
  ``spend_per_purchase_day``; recent activity ``purchase_days_90d``, ``purchase_days_365d`` and
  ``spend_90d`` (the 90 or 365 days up to ``as_of``);
* **inter-purchase times** (:func:`cimlab.predict.gaps.purchase_gaps`): ``gap_mean``,
  ``gap_median``, ``gap_std``, ``gap_cv``, ``gap_last``, ``litt`` and ``overdue_ratio``
  (``since_last_days / gap_median``: 3 means three usual gaps without a purchase);
* **channel mix** (orders with a ``channel`` column): ``n_channels`` and ``main_channel_share``
  (share of the customer's paid lines in their most used channel);
* **satisfaction** (``feedback``: ``customer_id, ts, nps, csat, complaint``): ``feedback_count``,
  ``nps_last``, ``nps_mean``, ``csat_last``, ``csat_mean``, ``days_since_feedback``;
  **complaints**: ``complaints`` (feedback rows flagged as complaints plus interactions of type
  ``complaint``);
* **interactions** (``customer_id, ts, type``): ``interactions_total``, ``interactions_90d``,
  ``days_since_interaction``;
* **customers** (``customer_id, first_seen``): ``known_days`` (first seen to ``as_of``);
* **tags** (``customer_id, tag, origin, since``, :func:`cimlab.customers.tags.customer_tags`):
  ``tag_count`` (manual and rule tags), ``is_business`` and one 0/1 column per built-in rule tag
  (``tag_vip``, ``tag_lapsed``, ``tag_multi_channel``). Current tags know when a tag was added,
  not whether one carried at ``as_of`` was removed since; for exact history pass the tag events
  (:func:`cimlab.customers.tags.tag_history`: ``customer_id, tag, action, origin, at``), which
  are replayed up to ``as_of`` (the latest event of a customer × tag × origin is an ``add``);
* **BTYD** (a purchase model of :mod:`cimlab.predict.purchases`, BG/NBD by default, fitted on the
  summary in weeks at ``as_of``): ``btyd_p_alive``, ``btyd_expected_purchases`` and
  ``btyd_p_no_purchase`` over ``btyd_horizon_days``. A customer whose first purchase is on
  ``as_of`` (T = 0) is scored with T = 1 day; the model is fitted on the others. When the model
  cannot be fitted (too few repeat buyers) the three columns are null.

Missing tables give null columns (the model handles nulls): the same columns whatever is given.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> orders = pl.DataFrame({"customer_id": ["a", "a", "b"],
...     "order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 11), dt.datetime(2024, 1, 5)],
...     "amount": [10.0, 20.0, 5.0], "status": ["paid"] * 3})
>>> features = churn_features(orders, as_of="2024-01-31", btyd_model=None)
>>> features.select("customer_id", "since_last_days", "gap_median", "overdue_ratio").rows()
[('a', 20.0, 10.0, 2.0), ('b', 26.0, None, None)]
>>> churn_labels(orders, as_of="2024-01-05", horizon_days=10, customer_ids=["a", "b"]).rows()
[('a', False), ('b', True)]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from cimlab.analytics.rfm import customer_summary
from cimlab.dates import DateLike, check_time_zone, day_of, to_date
from cimlab.errors import NotEnoughDataError
from cimlab.frames import require_columns
from cimlab.lines import is_paid, purchase_days
from cimlab.predict.gaps import purchase_gaps

__all__ = [
    "BTYD_COLUMNS",
    "DEFAULT_BTYD_MODEL",
    "DEFAULT_HORIZON_DAYS",
    "FEATURE_COLUMNS",
    "MIN_WINDOW_DAYS",
    "RULE_TAGS",
    "TrainingWindow",
    "churn_features",
    "churn_labels",
    "training_window",
]

#: "Churned" = no purchase day in the next this many days (the default H).
DEFAULT_HORIZON_DAYS = 90
#: A training label window shorter than this is refused (NotEnoughDataError).
MIN_WINDOW_DAYS = 14
#: The purchase model whose outputs are features (and the BTYD baseline).
DEFAULT_BTYD_MODEL = "bgnbd"
#: Built-in rule tags turned into 0/1 columns ``tag_<name>``.
RULE_TAGS = ("vip", "lapsed", "multi_channel")
BTYD_COLUMNS = ("btyd_p_alive", "btyd_expected_purchases", "btyd_p_no_purchase")
#: Every feature column, in order (after ``customer_id``).
FEATURE_COLUMNS = (
    "purchase_days",
    "frequency",
    "recency_days",
    "tenure_days",
    "since_last_days",
    "total_spend",
    "spend_per_purchase_day",
    "purchase_days_90d",
    "purchase_days_365d",
    "spend_90d",
    "gap_mean",
    "gap_median",
    "gap_std",
    "gap_cv",
    "gap_last",
    "litt",
    "overdue_ratio",
    "n_channels",
    "main_channel_share",
    "feedback_count",
    "nps_last",
    "nps_mean",
    "csat_last",
    "csat_mean",
    "days_since_feedback",
    "complaints",
    "interactions_total",
    "interactions_90d",
    "days_since_interaction",
    "known_days",
    "tag_count",
    "is_business",
    *(f"tag_{name}" for name in RULE_TAGS),
    *BTYD_COLUMNS,
)

_ID = "customer_id"


# ------------------------------------------------------------------------------------------------
# The training window
# ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TrainingWindow:
    """Where the model learns: features at ``cutoff`` (t1), labels from ``(cutoff, label_end]``.

    ``label_end = cutoff + window_days <= as_of`` (t0): training never reads past the scoring
    date. ``shortened`` when ``window_days < horizon_days`` (the history was too short).
    """

    as_of: dt.date
    horizon_days: int
    cutoff: dt.date
    label_end: dt.date
    window_days: int
    history_days: int
    shortened: bool

    @property
    def statement(self) -> str:
        """The window in one or two sentences, saying when it was shortened.

        >>> training_window(dt.date(2024, 1, 1), dt.date(2024, 3, 1), 90).statement.split(";")[0]
        'Trained on features as of 2024-01-31 and labels from (2024-01-31, 2024-03-01] (30 days)'
        """
        text = (
            f"Trained on features as of {self.cutoff} and labels from ({self.cutoff}, "
            f"{self.label_end}] ({self.window_days} days); scored as of {self.as_of} for "
            f"no purchase in the next {self.horizon_days} days."
        )
        if self.shortened:
            text = text.replace(
                "; scored",
                f"; shortened from {self.horizon_days} days: the history before {self.as_of} "
                f"is {self.history_days} days, and the window is at most half of it (the other "
                "half gives the features); scored",
            )
        return text


def training_window(first_day: dt.date, as_of: dt.date, horizon_days: int) -> TrainingWindow:
    """The leak-proof training window for scoring at ``as_of`` with horizon ``horizon_days``.

    The rule: with ``history = as_of − first_day`` days (``first_day`` the first purchase day of
    the data), the label window is ``min(H, history // 2)`` days ending at ``as_of``, so the
    features at the cut-off see at least as much history as the labels cover. A window shorter
    than :data:`MIN_WINDOW_DAYS` raises :class:`NotEnoughDataError`.

    >>> w = training_window(dt.date(1997, 1, 1), dt.date(1997, 9, 30), 273)
    >>> w.cutoff, w.window_days, w.shortened
    (datetime.date(1997, 5, 17), 136, True)
    """
    if horizon_days < 1:
        raise ValueError(f"horizon_days={horizon_days} should be >= 1.")
    history = (as_of - first_day).days
    window = min(horizon_days, history // 2)
    if window < MIN_WINDOW_DAYS:
        raise NotEnoughDataError(
            f"the history before {as_of} is {history} days (first purchase {first_day}); a churn "
            f"model needs a training window of at least {MIN_WINDOW_DAYS} days and as much "
            f"history before it, so at least {2 * MIN_WINDOW_DAYS} days. Use a later as_of."
        )
    cutoff = as_of - dt.timedelta(days=window)
    return TrainingWindow(
        as_of=as_of,
        horizon_days=horizon_days,
        cutoff=cutoff,
        label_end=cutoff + dt.timedelta(days=window),
        window_days=window,
        history_days=history,
        shortened=window < horizon_days,
    )


# ------------------------------------------------------------------------------------------------
# Labels
# ------------------------------------------------------------------------------------------------


def churn_labels(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: DateLike,
    horizon_days: int,
    customer_ids: Sequence[str] | pl.Series,
    time_zone: str = "UTC",
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
) -> pl.DataFrame:
    """``customer_id, churned``: True when the customer has no purchase day in
    ``(as_of, as_of + horizon_days]`` (days in ``time_zone``). One row per id, in the given order.

    >>> lines = pl.DataFrame({"customer_id": ["a", "a"],
    ...     "order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 9)],
    ...     "amount": [1.0, 1.0], "status": ["paid", "paid"]})
    >>> churn_labels(lines, as_of="2024-01-01", horizon_days=7, customer_ids=["a"]).item(0, 1)
    True
    """
    tz = check_time_zone(time_zone)
    start = to_date(as_of, time_zone=tz)
    end = start + dt.timedelta(days=horizon_days)
    bought = (
        purchase_days(
            orders.lazy(),
            as_of=end,
            customer_col=customer_col,
            time_col=time_col,
            amount_col=amount_col,
            status_col=status_col,
            time_zone=tz,
        )
        .filter(pl.col("day") > start)
        .select(pl.col(customer_col).cast(pl.String).alias(_ID))
        .unique()
        .collect()
    )
    ids = pl.DataFrame({_ID: pl.Series(list(customer_ids), dtype=pl.String)})
    return ids.with_columns(churned=~pl.col(_ID).is_in(bought[_ID].implode()))


# ------------------------------------------------------------------------------------------------
# Features
# ------------------------------------------------------------------------------------------------


def _days_since(column: str, dtype: pl.DataType, last: dt.date, time_zone: str) -> pl.Expr:
    day = day_of(column, dtype, time_zone=time_zone)
    return (pl.lit(last, dtype=pl.Date) - day).dt.total_days().cast(pl.Float64)


def _upto(frame: pl.DataFrame, column: str, last: dt.date, time_zone: str) -> pl.DataFrame:
    """Rows of ``frame`` whose day of ``column`` is on or before ``last``, with ``days_ago``."""
    dtype = frame.schema[column]
    ago = _days_since(column, dtype, last, time_zone).alias("days_ago")
    return frame.with_columns(ago).filter(pl.col("days_ago") >= 0)


def _summary_features(
    orders: pl.LazyFrame, end: dt.date, tz: str, cols: dict[str, Any]
) -> pl.LazyFrame:
    summary = customer_summary(orders, as_of=end, time_unit="day", time_zone=tz, **cols)
    days = purchase_days(orders, as_of=end, time_zone=tz, **cols)
    ago = (pl.lit(end, dtype=pl.Date) - pl.col("day")).dt.total_days()
    recent = days.group_by(cols["customer_col"]).agg(
        purchase_days_90d=(ago < 90).sum().cast(pl.Float64),
        purchase_days_365d=(ago < 365).sum().cast(pl.Float64),
        spend_90d=pl.col("spend").filter(ago < 90).sum().cast(pl.Float64),
    )
    gaps = purchase_gaps(orders, as_of=end, time_unit="day", time_zone=tz, **cols)
    return (
        summary.join(recent, on=cols["customer_col"], how="left")
        .join(gaps, on=cols["customer_col"], how="left")
        .select(
            pl.col(cols["customer_col"]).cast(pl.String).alias(_ID),
            pl.col("purchase_days").cast(pl.Float64),
            pl.col("frequency").cast(pl.Float64),
            recency_days="recency",
            tenure_days="T",
            since_last_days="since_last",
            total_spend="total_spend",
            spend_per_purchase_day=pl.col("total_spend") / pl.col("purchase_days"),
            purchase_days_90d="purchase_days_90d",
            purchase_days_365d="purchase_days_365d",
            spend_90d="spend_90d",
            gap_mean="gap_mean",
            gap_median="gap_median",
            gap_std="gap_std",
            gap_cv="gap_cv",
            gap_last="gap_last",
            litt="litt",
            overdue_ratio=pl.col("since_last") / pl.col("gap_median"),
        )
    )


def _channel_features(
    orders: pl.LazyFrame, end: dt.date, tz: str, cols: dict[str, Any], channel_col: str
) -> pl.LazyFrame:
    schema = orders.collect_schema()
    day = day_of(cols["time_col"], schema[cols["time_col"]], time_zone=tz)
    keep = day <= end
    if cols["status_col"] is not None:
        keep = keep & is_paid(cols["status_col"])
    per_channel = (
        orders.filter(keep & pl.col(cols["customer_col"]).is_not_null())
        .group_by(cols["customer_col"], channel_col)
        .agg(lines=pl.len())
    )
    return (
        per_channel.group_by(cols["customer_col"])
        .agg(
            n_channels=pl.len().cast(pl.Float64),
            main_channel_share=(pl.col("lines").max() / pl.col("lines").sum()).cast(pl.Float64),
        )
        .select(
            pl.col(cols["customer_col"]).cast(pl.String).alias(_ID),
            "n_channels",
            "main_channel_share",
        )
    )


def _feedback_features(feedback: pl.DataFrame, end: dt.date, tz: str) -> pl.DataFrame:
    require_columns(feedback, [_ID, "ts"], what="feedback frame")
    rows = _upto(feedback.filter(pl.col(_ID).is_not_null()), "ts", end, tz).sort(_ID, "ts")
    aggs = [
        pl.len().cast(pl.Float64).alias("feedback_count"),
        pl.col("days_ago").min().alias("days_since_feedback"),
    ]
    for score in ("nps", "csat"):
        if score in rows.columns:
            value = pl.col(score).cast(pl.Float64)
            aggs += [
                value.drop_nulls().last().alias(f"{score}_last"),
                value.mean().alias(f"{score}_mean"),
            ]
    if "complaint" in rows.columns:
        aggs.append(
            pl.col("complaint").fill_null(False).cast(pl.Float64).sum().alias("_fb_complaints")
        )
    return rows.group_by(_ID).agg(aggs)


def _interaction_features(interactions: pl.DataFrame, end: dt.date, tz: str) -> pl.DataFrame:
    require_columns(interactions, [_ID, "ts"], what="interactions frame")
    rows = _upto(interactions.filter(pl.col(_ID).is_not_null()), "ts", end, tz)
    aggs = [
        pl.len().cast(pl.Float64).alias("interactions_total"),
        (pl.col("days_ago") < 90).sum().cast(pl.Float64).alias("interactions_90d"),
        pl.col("days_ago").min().alias("days_since_interaction"),
    ]
    if "type" in rows.columns:
        complaint = pl.col("type").cast(pl.String).str.to_lowercase() == "complaint"
        aggs.append(complaint.sum().cast(pl.Float64).alias("_ix_complaints"))
    return rows.group_by(_ID).agg(aggs)


def _customer_features(customers: pl.DataFrame, end: dt.date, tz: str) -> pl.DataFrame:
    require_columns(customers, [_ID, "first_seen"], what="customers frame")
    rows = customers.filter(pl.col("first_seen").is_not_null())
    return _upto(rows, "first_seen", end, tz).group_by(_ID).agg(known_days=pl.col("days_ago").max())


def _tag_features(tags: pl.DataFrame, end: dt.date, tz: str) -> pl.DataFrame:
    require_columns(tags, [_ID, "tag"], what="tags frame")
    rows = tags
    if {"action", "at"} <= set(tags.columns):  # tag events: replayed up to as_of
        ago = _days_since("at", tags.schema["at"], end, tz)
        order = ["at", "event_id"] if "event_id" in tags.columns else ["at"]
        key = [_ID, "tag", "origin"] if "origin" in tags.columns else [_ID, "tag"]
        rows = (
            tags.filter(ago >= 0)
            .sort(order)
            .group_by(key, maintain_order=True)
            .last()
            .filter(pl.col("action") == "add")
        )
    elif "since" in tags.columns:
        ago = _days_since("since", tags.schema["since"], end, tz)
        rows = tags.filter(pl.col("since").is_null() | (ago >= 0))
    origin = pl.col("origin") if "origin" in rows.columns else pl.lit("manual")
    is_type = origin == "customer_type"
    tag = pl.col("tag").cast(pl.String)
    aggs = [
        (~is_type).sum().cast(pl.Float64).alias("tag_count"),
        (is_type & (tag == "business")).any().cast(pl.Float64).alias("is_business"),
    ]
    aggs += [
        ((~is_type) & (tag == name)).any().cast(pl.Float64).alias(f"tag_{name}")
        for name in RULE_TAGS
    ]
    return rows.group_by(_ID).agg(aggs)


def _btyd(
    frame: pl.DataFrame, model_code: str | None, horizon_days: int
) -> tuple[pl.DataFrame, Any]:
    """The BTYD columns of ``frame`` (a feature frame) and the fitted model (None if unfitted)."""
    from cimlab.predict.purchases import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel

    models = {m.code: m for m in (BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel)}
    nulls = frame.with_columns(pl.lit(None, pl.Float64).alias(c) for c in BTYD_COLUMNS)
    if model_code is None or frame.height == 0:
        return nulls, None
    if model_code not in models:
        raise ValueError(f"btyd_model={model_code!r} should be one of {', '.join(models)} or None.")
    summary = frame.select(
        frequency=pl.col("frequency"),
        recency=pl.col("recency_days") / 7.0,
        T=pl.max_horizontal(pl.col("tenure_days"), pl.lit(1.0)) / 7.0,
    )
    try:
        model = models[model_code]().fit(summary.filter(frame["tenure_days"] > 0))
    except NotEnoughDataError:
        return nulls, None
    t = horizon_days / 7.0
    try:
        values = {
            "btyd_p_alive": model.p_alive(summary),
            "btyd_expected_purchases": model.expected_purchases(t, summary),
            "btyd_p_no_purchase": model.p_no_purchase(t, summary),
        }
    except FloatingPointError:  # a fit at the edge of its parameter space: no BTYD columns
        return nulls, None
    return (
        frame.with_columns(
            pl.Series(name, value, dtype=pl.Float64) for name, value in values.items()
        ),
        model,
    )


def build_features(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: DateLike,
    feedback: pl.DataFrame | None = None,
    interactions: pl.DataFrame | None = None,
    customers: pl.DataFrame | None = None,
    tags: pl.DataFrame | None = None,
    time_zone: str = "UTC",
    btyd_model: str | None = DEFAULT_BTYD_MODEL,
    btyd_horizon_days: int = DEFAULT_HORIZON_DAYS,
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
    channel_col: str | None = "channel",
) -> tuple[pl.DataFrame, Any]:
    """:func:`churn_features` and the fitted BTYD model (None when not fitted)."""
    tz = check_time_zone(time_zone)
    end = to_date(as_of, time_zone=tz)
    lf = orders.lazy()
    cols: dict[str, Any] = {
        "customer_col": customer_col,
        "time_col": time_col,
        "amount_col": amount_col,
        "status_col": status_col,
    }
    schema = require_columns(lf, cols, what="orders", hint="Pass the right name with that keyword.")
    base = _summary_features(lf, end, tz, cols)
    if channel_col is not None and channel_col in schema:
        base = base.join(_channel_features(lf, end, tz, cols, channel_col), on=_ID, how="left")
    frame = base.collect()
    extra: list[pl.DataFrame] = []
    if feedback is not None:
        extra.append(_feedback_features(feedback, end, tz))
    if interactions is not None:
        extra.append(_interaction_features(interactions, end, tz))
    if customers is not None:
        extra.append(_customer_features(customers, end, tz))
    if tags is not None:
        extra.append(_tag_features(tags, end, tz))
    for part in extra:
        frame = frame.join(part.with_columns(pl.col(_ID).cast(pl.String)), on=_ID, how="left")
    if "_fb_complaints" in frame.columns or "_ix_complaints" in frame.columns:
        parts = [
            pl.col(c).fill_null(0.0)
            for c in ("_fb_complaints", "_ix_complaints")
            if c in frame.columns
        ]
        frame = frame.with_columns(complaints=pl.sum_horizontal(parts))
    # counts are 0 (not unknown) for customers absent from a table that was given
    zero_if_given = {
        "feedback_count": feedback,
        "complaints": feedback if feedback is not None else interactions,
        "interactions_total": interactions,
        "interactions_90d": interactions,
        "tag_count": tags,
        "is_business": tags,
        **{f"tag_{name}": tags for name in RULE_TAGS},
    }
    frame = frame.with_columns(
        pl.col(c).fill_null(0.0)
        for c, given in zero_if_given.items()
        if given is not None and c in frame.columns
    )
    missing = [c for c in FEATURE_COLUMNS if c not in frame.columns and c not in BTYD_COLUMNS]
    frame = frame.with_columns(pl.lit(None, pl.Float64).alias(c) for c in missing)
    frame, model = _btyd(
        frame.select(_ID, *[c for c in FEATURE_COLUMNS if c not in BTYD_COLUMNS]),
        btyd_model,
        btyd_horizon_days,
    )
    frame = frame.select(_ID, *(pl.col(c).cast(pl.Float64) for c in FEATURE_COLUMNS)).sort(_ID)
    return frame, model


def churn_features(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: DateLike,
    feedback: pl.DataFrame | None = None,
    interactions: pl.DataFrame | None = None,
    customers: pl.DataFrame | None = None,
    tags: pl.DataFrame | None = None,
    time_zone: str = "UTC",
    btyd_model: str | None = DEFAULT_BTYD_MODEL,
    btyd_horizon_days: int = DEFAULT_HORIZON_DAYS,
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
    channel_col: str | None = "channel",
) -> pl.DataFrame:
    """Churn features per customer with a purchase day up to ``as_of`` (module docstring).

    Nothing after ``as_of`` is read. Columns: ``customer_id`` then :data:`FEATURE_COLUMNS`
    (Float64, null where undefined or unknown); sorted by customer.

    Parameters
    ----------
    orders
        Order lines (DataFrame or LazyFrame).
    as_of
        The feature date (that day included).
    feedback, interactions, customers, tags
        Optional tables keyed by ``customer_id`` (:class:`cimlab.analytics.facts.CustomerData`,
        :func:`cimlab.customers.tags.customer_tags`).
    time_zone
        The calendar days count in.
    btyd_model, btyd_horizon_days
        Purchase model code (``"bgnbd"``, ``"mbgnbd"``, ``"pareto"``; None: no BTYD columns)
        and the horizon of its ``btyd_expected_purchases`` and ``btyd_p_no_purchase``.
    customer_col, time_col, amount_col, status_col, channel_col
        Column names of ``orders`` (``status_col=None``: every line is paid; a missing
        ``channel_col`` gives null channel columns).

    Examples
    --------
    >>> orders = pl.DataFrame({"customer_id": ["a"], "order_ts": [dt.datetime(2024, 1, 1)],
    ...     "amount": [10.0], "status": ["paid"]})
    >>> churn_features(orders, as_of="2024-01-11", btyd_model=None)["tenure_days"].to_list()
    [10.0]
    """
    frame, _ = build_features(
        orders,
        as_of=as_of,
        feedback=feedback,
        interactions=interactions,
        customers=customers,
        tags=tags,
        time_zone=time_zone,
        btyd_model=btyd_model,
        btyd_horizon_days=btyd_horizon_days,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        status_col=status_col,
        channel_col=channel_col,
    )
    return frame
