"""Customer satisfaction: NPS, CSAT and complaint rate with confidence intervals.

Every function is pure Polars with an explicit ``as_of`` (nothing here calls ``now()``).

The rules
---------
Window
    A record counts when its calendar day (``ts`` in ``time_zone``, UTC by default) is between
    ``start`` and ``as_of``, both days included; ``start=None`` means from the first record.
    Answers given after ``as_of`` are ignored.
NPS (Net Promoter Score)
    Among the feedback rows of the window with an ``nps`` answer (0–10; null = not asked or
    not answered): promoters answer 9–10, passives 7–8, detractors 0–6.
    ``nps = 100 × (promoters − detractors) / nps_answers``, in points from −100 to 100. Every
    answer counts (a customer who answered twice counts twice), and answers of unidentified
    customers count too.
CSAT (customer satisfaction)
    Among the rows with a ``csat`` answer (1–5): ``csat`` is the share answering 4 or 5 (the
    usual "top-2-box", 0–1) and ``csat_mean`` the mean score.
Complaint rate
    Counted over **customers**, not rows: ``complaint_base`` is the number of distinct
    customers observed in the window, by a feedback row whose ``complaint`` flag is set (true
    or false) or (when ``interactions`` are given) by any interaction; ``complaints`` is how
    many of them complained at least once there, by a feedback row with ``complaint = true`` or
    an interaction of ``type = "complaint"``. ``complaint_rate = complaints / complaint_base``.
    A feedback row with an empty flag observes nothing (a table without a mapped complaint
    column has no complaint data, not a rate of 0). Rows without a ``customer_id`` cannot be
    told apart and are left out of this rate (they still count for NPS and CSAT).
No data
    A rate with no observations is **no data**, never 0: with ``nps_answers``,
    ``csat_answers`` or ``complaint_base`` at 0, the score, its interval (and ``csat_mean``) are
    null while the counts read 0.
Confidence intervals (normal approximation, ``confidence=0.95`` by default)
    ``z = Φ⁻¹(1 − (1 − confidence)/2)`` (1.96 for 95 %).
    NPS: with shares ``p⁺`` (promoters) and ``p⁻`` (detractors) of ``n`` answers, the score
    is a difference of trinomial shares, ``var = (p⁺ + p⁻ − (p⁺ − p⁻)²) / n``, so
    ``nps ± 100·z·√var``, clipped to [−100, 100]. With all answers alike the variance is 0 and
    the interval a point: read the counts too.
    CSAT and complaint rate: the Wilson score interval, which stays inside [0, 1] and behaves
    at 0 and 1 (``wilson_interval``).
Groups
    ``by="channel"`` (the channel of the record), ``"month"`` (calendar month of ``ts``; every
    month from ``start``, or from the first record, to ``as_of`` is listed) or ``"segment"``
    (the customer's segment from a ``segments`` frame ``customer_id → segment``, e.g.
    :func:`cimlab.analytics.rfm.rfm` as of the same date; the segment is the customer's current one and
    applies to all their records of the window; customers without one go to a null group).
    A group with no answers of a kind gets zero counts and null scores, never an error.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> fb = pl.DataFrame({
...     "customer_id": ["a", "b", "c", "d"],
...     "ts": [dt.datetime(2024, 1, d, tzinfo=dt.UTC) for d in (1, 2, 3, 4)],
...     "nps": [10, 9, 7, 3], "csat": [5, 4, 4, 1], "complaint": [False, False, False, True],
... })
>>> satisfaction(fb, as_of="2024-01-31").select("nps", "csat", "complaint_rate").row(0)
(25.0, 0.75, 0.25)
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal, cast, get_args

import polars as pl

from cimlab.analytics.rfm import SEGMENT_NAMES
from cimlab.dates import DateLike, day_of, in_window, to_date
from cimlab.frames import require_columns

__all__ = [
    "SATISFACTION_COLUMNS",
    "UNHAPPY_COLUMNS",
    "in_window",
    "nps_interval",
    "satisfaction",
    "satisfaction_table",
    "unhappy_high_value",
    "wilson_interval",
    "z_value",
]

By = Literal["channel", "month", "segment"]

#: Columns of :func:`satisfaction` after the group column.
SATISFACTION_COLUMNS: tuple[str, ...] = (
    "nps_answers",
    "promoters",
    "passives",
    "detractors",
    "nps",
    "nps_low",
    "nps_high",
    "csat_answers",
    "csat_mean",
    "csat",
    "csat_low",
    "csat_high",
    "complaints",
    "complaint_base",
    "complaint_rate",
    "complaint_low",
    "complaint_high",
)

#: Columns of :func:`unhappy_high_value` (``segment`` only when the values frame has one).
UNHAPPY_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "value",
    "segment",
    "last_nps",
    "complaints",
    "last_feedback_ts",
    "reason",
)

_COUNTS = (
    "nps_answers",
    "promoters",
    "passives",
    "detractors",
    "csat_answers",
    "csat_top",
    "complaints",
    "complaint_base",
)


# -------------------------------------------------------------------------------- helpers


def z_value(confidence: float) -> float:
    """The two-sided normal quantile of ``confidence`` (1.959964 for 0.95).

    Examples
    --------
    >>> round(z_value(0.95), 6)
    1.959964
    """
    if not isinstance(confidence, float | int) or not 0.0 < float(confidence) < 1.0:
        raise ValueError(
            f"confidence={confidence!r} should be a number between 0 and 1, e.g. 0.95."
        )
    from scipy.stats import norm  # loaded when a figure is computed, not with the app's page

    return float(norm.ppf(1.0 - (1.0 - float(confidence)) / 2.0))


def _expr(value: str | pl.Expr) -> pl.Expr:
    return pl.col(value) if isinstance(value, str) else value


def wilson_interval(
    successes: str | pl.Expr, total: str | pl.Expr, *, confidence: float = 0.95
) -> tuple[pl.Expr, pl.Expr]:
    """Wilson score interval of the proportion ``successes / total``: (low, high) expressions.

    Null where ``total`` is 0 or null. The expressions are named ``low`` and ``high``.

    Examples
    --------
    >>> import polars as pl
    >>> low, high = wilson_interval("k", "n")
    >>> pl.DataFrame({"k": [8, 0], "n": [10, 0]}).select(low.round(4), high.round(4)).rows()
    [(0.4902, 0.9433), (None, None)]
    """
    z = z_value(confidence)
    k, n = _expr(successes).cast(pl.Float64), _expr(total).cast(pl.Float64)
    p = k / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z / denominator * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt()
    ok = n > 0
    # exact ends at 0 and n (the float formula leaves a 1e-17 residue there)
    low = pl.when(ok).then(pl.when(k == 0).then(0.0).otherwise((centre - half).clip(0.0, 1.0)))
    high = pl.when(ok).then(pl.when(k == n).then(1.0).otherwise((centre + half).clip(0.0, 1.0)))
    return low.alias("low"), high.alias("high")


def nps_interval(
    promoters: str | pl.Expr,
    detractors: str | pl.Expr,
    answers: str | pl.Expr,
    *,
    confidence: float = 0.95,
) -> tuple[pl.Expr, pl.Expr]:
    """Normal-approximation interval of the NPS (points): (low, high) expressions.

    ``var = (p⁺ + p⁻ − (p⁺ − p⁻)²) / n``; ``nps ± 100·z·√var`` clipped to [−100, 100].
    Null where ``answers`` is 0 or null.

    Examples
    --------
    >>> import polars as pl
    >>> low, high = nps_interval("pro", "det", "n")
    >>> pl.DataFrame({"pro": [5], "det": [2], "n": [10]}).select(low.round(2), high.round(2)).row(0)
    (-18.41, 78.41)
    """
    z = z_value(confidence)
    n = _expr(answers).cast(pl.Float64)
    pro, det = _expr(promoters).cast(pl.Float64) / n, _expr(detractors).cast(pl.Float64) / n
    score = 100.0 * (pro - det)
    half = 100.0 * z * ((pro + det - (pro - det) ** 2) / n).clip(lower_bound=0.0).sqrt()
    ok = n > 0
    return (
        pl.when(ok).then((score - half).clip(-100.0, 100.0)).alias("low"),
        pl.when(ok).then((score + half).clip(-100.0, 100.0)).alias("high"),
    )


def _require(frame: pl.DataFrame, columns: list[str], what: str) -> None:
    require_columns(frame, columns, what=f"{what} frame")


def _check_range(frame: pl.DataFrame, column: str, low: int, high: int) -> None:
    bad = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_between(low, high))
    if bad.height:
        raise ValueError(
            f"{bad.height} feedback rows have {column} outside {low}–{high} (e.g. "
            f"{bad[column][0]}); validate the feedback table (cimlab.contracts.models.Feedback) first."
        )


def _is_complaint_type(column: str = "type") -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase() == "complaint"


# -------------------------------------------------------------------------------- satisfaction


def _events(
    feedback: pl.DataFrame,
    interactions: pl.DataFrame | None,
    *,
    as_of: DateLike,
    start: DateLike | None,
    time_zone: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Feedback rows and contact records (customer, channel, ts, complaint) of the window."""
    _require(feedback, ["customer_id", "ts", "nps", "csat", "complaint"], "feedback")
    for column, (low, high) in {"nps": (0, 10), "csat": (1, 5)}.items():
        _check_range(feedback, column, low, high)
    channel = pl.col("channel") if "channel" in feedback.columns else pl.lit(None, pl.String)
    answers = feedback.filter(
        in_window(feedback, "ts", as_of=as_of, start=start, time_zone=time_zone)
    ).select(
        pl.col("customer_id").cast(pl.String),
        channel.cast(pl.String).alias("channel"),
        pl.col("ts"),
        pl.col("nps").cast(pl.Int64),
        pl.col("csat").cast(pl.Int64),
        pl.col("complaint").cast(pl.Boolean),
    )
    # a row tells whether its customer complained only when its flag is set (a feedback table
    # without a complaint column, or a row whose flag is empty, observes nothing)
    flagged = answers.filter(pl.col("complaint").is_not_null())
    contacts = [flagged.select("customer_id", "channel", "ts", "complaint")]
    if interactions is not None:
        _require(interactions, ["customer_id", "ts", "type"], "interactions")
        ichannel = (
            pl.col("channel") if "channel" in interactions.columns else pl.lit(None, pl.String)
        )
        contacts.append(
            interactions.filter(
                in_window(interactions, "ts", as_of=as_of, start=start, time_zone=time_zone)
            ).select(
                pl.col("customer_id").cast(pl.String),
                ichannel.cast(pl.String).alias("channel"),
                pl.col("ts"),
                _is_complaint_type().fill_null(False).alias("complaint"),
            )
        )
    return answers, pl.concat(contacts, how="vertical_relaxed")


def _with_group(
    frame: pl.DataFrame,
    by: By | None,
    *,
    segments: pl.DataFrame | None,
    time_zone: str,
) -> pl.DataFrame:
    if by is None:
        return frame
    if by == "channel":
        return frame
    if by == "month":
        month = (
            day_of("ts", frame.schema["ts"], time_zone=time_zone).dt.truncate("1mo").alias("month")
        )
        return frame.with_columns(month)
    assert segments is not None
    return frame.join(segments, on="customer_id", how="left", maintain_order="left")


def _group_list(
    answers: pl.DataFrame,
    contacts: pl.DataFrame,
    by: By | None,
    *,
    segments: pl.DataFrame | None,
    as_of: DateLike,
    start: DateLike | None,
    time_zone: str,
) -> pl.DataFrame:
    """Every group to report, in display order."""
    if by == "month":
        last = to_date(as_of, name="as_of", time_zone=time_zone).replace(day=1)
        if start is not None:
            first = to_date(start, name="start", time_zone=time_zone).replace(day=1)
        elif contacts.height:
            first = cast(dt.date, contacts["month"].min())
        else:
            first = last
        months = pl.date_range(first, last, "1mo", eager=True)
        return pl.DataFrame({"month": months})
    if by == "channel":
        both = pl.concat([answers.select("channel"), contacts.select("channel")])
        return both.select(pl.col("channel").unique().sort(nulls_last=True))
    assert segments is not None
    names = pl.concat(
        [segments["segment"].drop_nulls().unique(), contacts["segment"], answers["segment"]]
    ).unique()
    known = [s for s in SEGMENT_NAMES if s in names.to_list()]
    others = sorted(s for s in names.to_list() if s is not None and s not in SEGMENT_NAMES)
    rows = [*known, *others] + ([None] if names.null_count() else [])
    return pl.DataFrame({"segment": rows}, schema={"segment": pl.String})


def satisfaction_table(
    feedback: pl.DataFrame,
    *,
    as_of: DateLike,
    start: DateLike | None = None,
    by: By | None = None,
    interactions: pl.DataFrame | None = None,
    segments: pl.DataFrame | None = None,
    confidence: float = 0.95,
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """NPS, CSAT and complaint rate with counts and confidence intervals, overall or by group.

    Parameters
    ----------
    feedback
        Feedback rows: ``customer_id, ts, nps, csat, complaint`` (and ``channel`` for
        ``by="channel"``), as :func:`cimlab.analytics.facts.customer_data` gives them.
    as_of, start
        The window (days included; see the module docstring).
    by
        None (one row), ``"channel"``, ``"month"`` or ``"segment"``.
    interactions
        Optional interactions (``customer_id, ts, type``): their customers join the complaint
        base and ``type == "complaint"`` counts as a complaint.
    segments
        ``customer_id, segment`` (e.g. :func:`cimlab.analytics.rfm.rfm` output); needed for
        ``by="segment"``.
    confidence
        Level of the intervals (0.95 by default).
    time_zone
        Time zone whose calendar days and months count.

    Returns
    -------
    pl.DataFrame
        The group column (none for ``by=None``), then :data:`SATISFACTION_COLUMNS`.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> fb = pl.DataFrame({"customer_id": ["a", "b", "c"], "channel": ["jd", "jd", "tmall"],
    ...     "ts": [dt.datetime(2024, 1, 5, tzinfo=dt.UTC)] * 3,
    ...     "nps": [10, 2, None], "csat": [5, 2, 4], "complaint": [False, True, None]})
    >>> satisfaction(fb, as_of="2024-01-31", by="channel").select(
    ...     "channel", "nps_answers", "nps", "csat", "complaints").rows()
    [('jd', 2, 0.0, 0.5, 1), ('tmall', 0, None, 1.0, 0)]

    Without complaint flags there is no complaint data: the rate is null, not 0.

    >>> no_flags = fb.with_columns(complaint=pl.lit(None, pl.Boolean))
    >>> satisfaction(no_flags, as_of="2024-01-31").select(
    ...     "complaints", "complaint_base", "complaint_rate", "complaint_low").row(0)
    (0, 0, None, None)
    """
    if by is not None and by not in get_args(By):
        raise ValueError(f"by={by!r} should be None or one of {', '.join(get_args(By))}.")
    z_value(confidence)  # validates before any work
    if by == "channel":
        _require(feedback, ["channel"], "feedback")
    if by == "segment":
        if segments is None:
            raise ValueError(
                "by='segment' needs segments=: a frame customer_id → segment, "
                "e.g. cimlab.analytics.rfm.rfm(orders, as_of=...)."
            )
        _require(segments, ["customer_id", "segment"], "segments")
        segments = segments.select(
            pl.col("customer_id").cast(pl.String), pl.col("segment").cast(pl.String)
        ).unique("customer_id", keep="first", maintain_order=True)
    answers, contacts = _events(
        feedback, interactions, as_of=as_of, start=start, time_zone=time_zone
    )
    answers = _with_group(answers, by, segments=segments, time_zone=time_zone)
    contacts = _with_group(contacts, by, segments=segments, time_zone=time_zone)
    keys = [] if by is None else [by]

    nps, csat = pl.col("nps"), pl.col("csat")
    answer_stats = [
        nps.count().alias("nps_answers"),
        (nps >= 9).sum().alias("promoters"),
        nps.is_between(7, 8).sum().alias("passives"),
        (nps <= 6).sum().alias("detractors"),
        csat.count().alias("csat_answers"),
        csat.cast(pl.Float64).mean().alias("csat_mean"),
        (csat >= 4).sum().alias("csat_top"),
    ]
    per_customer = contacts.filter(pl.col("customer_id").is_not_null()).group_by(
        [*keys, "customer_id"]
    )
    complaint_customers = per_customer.agg(pl.col("complaint").any())
    complaint_stats = [
        pl.len().alias("complaint_base"),
        pl.col("complaint").sum().alias("complaints"),
    ]
    if by is None:
        left = answers.select(answer_stats)
        right = complaint_customers.select(complaint_stats)
        stats = pl.concat([left, right], how="horizontal")
    else:
        groups = _group_list(
            answers,
            contacts,
            by,
            segments=segments,
            as_of=as_of,
            start=start,
            time_zone=time_zone,
        )
        left = answers.group_by(keys).agg(answer_stats)
        right = complaint_customers.group_by(keys).agg(complaint_stats)
        stats = groups.join(left, on=keys, how="left", nulls_equal=True).join(
            right, on=keys, how="left", nulls_equal=True
        )
    stats = stats.with_columns(pl.col(c).cast(pl.Int64).fill_null(0) for c in _COUNTS)

    n = pl.col("nps_answers")
    nps_low, nps_high = nps_interval("promoters", "detractors", n, confidence=confidence)
    csat_low, csat_high = wilson_interval("csat_top", "csat_answers", confidence=confidence)
    c_low, c_high = wilson_interval("complaints", "complaint_base", confidence=confidence)
    share = lambda k, total: pl.when(pl.col(total) > 0).then(  # noqa: E731
        pl.col(k).cast(pl.Float64) / pl.col(total)
    )
    return stats.select(
        *keys,
        "nps_answers",
        "promoters",
        "passives",
        "detractors",
        pl.when(n > 0)
        .then(100.0 * (pl.col("promoters") - pl.col("detractors")).cast(pl.Float64) / n)
        .alias("nps"),
        nps_low.alias("nps_low"),
        nps_high.alias("nps_high"),
        "csat_answers",
        pl.when(pl.col("csat_answers") > 0).then(pl.col("csat_mean")).alias("csat_mean"),
        share("csat_top", "csat_answers").alias("csat"),
        csat_low.alias("csat_low"),
        csat_high.alias("csat_high"),
        "complaints",
        "complaint_base",
        share("complaints", "complaint_base").alias("complaint_rate"),
        c_low.alias("complaint_low"),
        c_high.alias("complaint_high"),
    )


# -------------------------------------------------------------------------------- who to call


def unhappy_high_value(
    feedback: pl.DataFrame,
    values: pl.DataFrame,
    *,
    as_of: DateLike,
    start: DateLike | None = None,
    interactions: pl.DataFrame | None = None,
    top_share: float = 0.2,
    value_col: str = "total_spend",
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """High-value customers who are detractors or complained in the window.

    *High value*: among the rows of ``values`` with a positive ``value_col``, the top
    ``top_share`` by value — rank (ties share the best rank) ≤ ⌈``top_share`` × customers with a
    positive value⌉, so customers tied at the boundary are all in. *Detractor*: the customer's
    latest NPS answer in the window is 0–6. *Complained*: at least one feedback row with
    ``complaint = true`` or interaction of type ``complaint`` in the window.

    Parameters
    ----------
    feedback
        Feedback rows (``customer_id, ts, nps, complaint``).
    values
        One row per customer: ``customer_id``, ``value_col`` and optionally ``segment``
        (e.g. :func:`cimlab.analytics.rfm.rfm` output).
    as_of, start, interactions, time_zone
        As in :func:`satisfaction`.
    top_share
        Share of valued customers counted as high value (0–1].
    value_col
        Column of ``values`` holding the value (net spend by default).

    Returns
    -------
    pl.DataFrame
        :data:`UNHAPPY_COLUMNS` (``segment`` only when ``values`` has it): ``value``,
        ``last_nps`` (latest NPS answer of the window, null if none), ``complaints`` (complaint
        records in the window), ``last_feedback_ts`` (latest feedback of the window) and
        ``reason`` (``"detractor"``, ``"complaint"`` or ``"both"``). No contact data. Sorted by
        value, highest first.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> fb = pl.DataFrame({"customer_id": ["a", "b", "c"],
    ...     "ts": [dt.datetime(2024, 1, 5, tzinfo=dt.UTC)] * 3,
    ...     "nps": [2, 10, 3], "csat": [2, 5, 1], "complaint": [False, False, True]})
    >>> values = pl.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
    ...                        "total_spend": [900.0, 800.0, 10.0, 5.0, 1.0]})
    >>> unhappy_high_value(fb, values, as_of="2024-01-31", top_share=0.4).select(
    ...     "customer_id", "value", "last_nps", "reason").rows()
    [('a', 900.0, 2, 'detractor')]
    """
    if not isinstance(top_share, float | int) or not 0.0 < float(top_share) <= 1.0:
        raise ValueError(f"top_share={top_share!r} should be a share in (0, 1], e.g. 0.2.")
    _require(values, ["customer_id", value_col], "values")
    answers, contacts = _events(
        feedback, interactions, as_of=as_of, start=start, time_zone=time_zone
    )
    valued = values.select(
        pl.col("customer_id").cast(pl.String),
        pl.col(value_col).cast(pl.Float64).alias("value"),
        *([pl.col("segment").cast(pl.String)] if "segment" in values.columns else []),
    ).filter(pl.col("customer_id").is_not_null() & (pl.col("value") > 0))
    cutoff = math.ceil(float(top_share) * valued.height - 1e-9)
    high = valued.filter(pl.col("value").rank("min", descending=True) <= cutoff)

    known = answers.filter(pl.col("customer_id").is_not_null())
    last_nps = (
        known.filter(pl.col("nps").is_not_null())
        .sort("ts")
        .group_by("customer_id")
        .agg(pl.col("nps").last().alias("last_nps"))
    )
    last_ts = known.group_by("customer_id").agg(pl.col("ts").max().alias("last_feedback_ts"))
    complaints = (
        contacts.filter(pl.col("customer_id").is_not_null() & pl.col("complaint"))
        .group_by("customer_id")
        .agg(pl.len().cast(pl.Int64).alias("complaints"))
    )
    detractor = pl.col("last_nps") <= 6
    complained = pl.col("complaints") > 0
    out = (
        high.join(last_nps, on="customer_id", how="left")
        .join(complaints, on="customer_id", how="left")
        .join(last_ts, on="customer_id", how="left")
        .with_columns(pl.col("complaints").fill_null(0))
        .filter(detractor.fill_null(False) | complained)
        .with_columns(
            pl.when(detractor.fill_null(False) & complained)
            .then(pl.lit("both"))
            .when(complained)
            .then(pl.lit("complaint"))
            .otherwise(pl.lit("detractor"))
            .alias("reason")
        )
        .sort(["value", "customer_id"], descending=[True, False])
    )
    return out.select(c for c in UNHAPPY_COLUMNS if c in out.columns)


satisfaction = satisfaction_table  # the name before cimlab 0.2, kept as an alias
