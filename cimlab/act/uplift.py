"""Control groups and uplift readouts: did the campaign change what its customers did?

Two pure functions: :func:`assign_control` draws a seeded holdout from an audience before the
export (the holdout is recorded and left out of the file), and :func:`uplift_readout` compares
treated and control customers after later imports.

The control group
-----------------
Reproducible from its seed, whatever the row order of the members:

* every customer gets a **draw key**: the first 8 bytes (big-endian) of the SHA-256 of the
  UTF-8 text ``"<seed>:<customer_id>"`` (for seed 7 and customer ``C1``: ``sha256(b"7:C1")``);
  anyone can recompute it, and it does not depend on the library versions or on the other
  members (adding a member does not change anyone else's key);
* within each stratum (the values of the ``strata`` column, e.g. the RFM segment; a null
  stratum is a stratum of its own; ``strata=None`` = one stratum) the customers with the
  smallest keys (ties, which do not happen in practice, by ``customer_id``) are the control;
* **how many**: the total is ``round(share × members)`` (halves rounded up), shared out by the
  largest-remainder method: each stratum gets the whole part of ``share × n`` and the
  customers left go one each to the strata with the largest fractional parts (ties: the
  larger stratum, then the stratum value in sort order, nulls last). Each stratum so gets
  ``share × n`` rounded down or up, and the total is exact. Shares are read as the decimal
  number they are written as (``0.1`` is one tenth exactly, not its binary float).

``share`` is between 0 and 0.5 (a holdout larger than the treated group is a mistake);
0 puts nobody in control.

The uplift readout
------------------
For the customers of an assignment (``customer_id, group``), over the window from ``start``
(a moment: the export time; a date means that day's midnight) to ``end`` (a date: that whole
day included; a moment: up to it, included), calendar days in ``time_zone``:

* the **lines of the window** are the order lines dated in it (an order column of dates
  counts the whole ``start`` day); the line rules are those of :mod:`cimlab.lines`;
* a customer **converted** when they have a purchase day in the window: a calendar day whose
  net spend over the lines of the window is positive (:func:`cimlab.lines.is_purchase_day`;
  a purchase fully refunded the same day is none);
* a customer's **revenue** is their net spend over the lines of the window (paid lines and
  credit notes, :func:`cimlab.lines.net_amount`, summed exactly): a refund in the window of
  an earlier purchase lowers it, so it can be negative. Customers without lines have 0.
  Amounts must be in one currency: convert first (:func:`cimlab.money.in_reporting_currency`);
  a ``currency`` column holding two codes in the window is refused;
* **days**: ``window_days`` is the number of calendar days from ``start`` to ``end`` (both
  included); ``days`` the days actually counted, up to the last day of the order data
  (``data_until``): a readout run before the orders of the whole window are imported says so.

Per group: ``customers``, ``converted``, ``conversion_rate`` with its Wilson score interval
(:func:`cimlab.analytics.satisfaction.wilson_interval`), ``revenue`` (total) and
``revenue_per_customer``. The **uplift** is treated − control:

* conversion: the difference of rates with **Newcombe's hybrid score interval** (Newcombe
  1998, method 10): with Wilson limits ``(l₁, u₁)`` of the treated rate ``p₁`` and
  ``(l₂, u₂)`` of the control rate ``p₂``, ``d = p₁ − p₂``,
  ``low = d − √((p₁ − l₁)² + (u₂ − p₂)²)``, ``high = d + √((u₁ − p₁)² + (p₂ − l₂)²)``. It
  stays inside [−1, 1] and behaves with few conversions, where the Wald interval does not;
* revenue per customer: the difference of means with **Welch's t interval**
  (``se = √(s₁²/n₁ + s₂²/n₂)``, Welch–Satterthwaite degrees of freedom), over every customer
  of each group (non-buyers count 0). It needs 2 customers per group; when both groups'
  revenues are all equal (``se = 0``) the interval is the point difference;
* relative uplift: the difference over the control's value, when that value is positive
  (else None).

Without control (or treated) customers the uplift cannot be measured: the readout says so
(differences None), it raises nothing. Intervals are 95 % unless ``confidence`` says otherwise.

References
----------
Newcombe, R. G. (1998). Interval estimation for the difference between independent
proportions: comparison of eleven methods. *Statistics in Medicine* 17, 873–890.
Welch, B. L. (1947). The generalization of "Student's" problem when several different
population variances are involved. *Biometrika* 34, 28–35.

Examples
--------
>>> import datetime as dt
>>> members = pl.DataFrame({"customer_id": [f"c{i}" for i in range(10)], "segment": ["a"] * 10})
>>> groups = assign_control(members, share=0.2, seed=7)
>>> groups["group"].value_counts(sort=True).rows()
[('treated', 8), ('control', 2)]
>>> orders = pl.DataFrame({"customer_id": ["c0", "c1"], "order_ts": [dt.date(2026, 3, 2)] * 2,
...                        "amount": [30.0, 20.0], "status": ["paid", "paid"]})
>>> readout = uplift_readout(groups, orders, start=dt.datetime(2026, 3, 1), end=dt.date(2026, 3, 7))
>>> readout.days, readout.treated.customers, readout.control.customers
(2, 8, 2)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any, Literal
from zoneinfo import ZoneInfo

import polars as pl

from cimlab.dates import check_time_zone, day_of, to_date
from cimlab.frames import require_columns
from cimlab.lines import MONEY_SCALE, daily_spend, from_money, is_purchase_day

__all__ = [
    "CONTROL",
    "GROUPS",
    "TREATED",
    "GroupOutcome",
    "UpliftReadout",
    "assign_control",
    "draw_keys",
    "uplift_readout",
]

#: The group of customers who get the campaign.
TREATED = "treated"
#: The group of customers held out of it.
CONTROL = "control"
#: Both group labels, treated first.
GROUPS: tuple[str, str] = (TREATED, CONTROL)

#: The largest control share accepted.
MAX_SHARE = 0.5

Lang = Literal["en", "zh"]


# --------------------------------------------------------------------------------------------
# Control groups
# --------------------------------------------------------------------------------------------


def draw_keys(customer_ids: pl.Series, *, seed: int) -> pl.Series:
    """The draw key of each customer (module rule): the first 8 bytes of
    ``sha256("<seed>:<customer_id>")`` as an unsigned 64-bit integer (null for a null id).

    Examples
    --------
    >>> draw_keys(pl.Series(["C1"]), seed=7).to_list()  # sha256(b"7:C1") starts 299d304e03dc2742
    [2998606038528960322]
    """
    from cimlab.contacts import sha256_hex_expr

    _check_seed(seed)
    frame = customer_ids.cast(pl.String).to_frame("id")
    hexes = frame.select(sha256_hex_expr(pl.lit(f"{seed}:") + pl.col("id"))).to_series()
    keys = hexes.str.slice(0, 16).str.to_integer(base=16, dtype=pl.UInt64)
    return keys.alias(customer_ids.name)


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed={seed!r} should be a whole number, e.g. 2026.")


def _check_share(share: object) -> Fraction:
    if isinstance(share, bool) or not isinstance(share, int | float):
        raise TypeError(f"share={share!r} should be a number between 0 and {MAX_SHARE}.")
    if not 0.0 <= float(share) <= MAX_SHARE:
        raise ValueError(
            f"share={share!r} should be between 0 and {MAX_SHARE} (e.g. 0.1 for a 10 % holdout)."
        )
    return Fraction(repr(float(share)))


def _control_sizes(sizes: pl.DataFrame, share: Fraction) -> pl.Series:
    """Controls per stratum (rows of ``sizes``: ``stratum, n``) by the largest-remainder rule."""
    n = sizes["n"].to_list()
    quotas = [share * k for k in n]
    counts = [math.floor(q) for q in quotas]
    total = math.floor(share * sum(n) + Fraction(1, 2))
    # strata by largest remainder, then larger stratum, then stratum value (nulls last)
    order = (
        sizes.with_columns(
            remainder=pl.Series([float(q - c) for q, c in zip(quotas, counts, strict=True)]),
            row=pl.int_range(pl.len()),
        )
        .sort(["remainder", "n", "stratum"], descending=[True, True, False], nulls_last=True)["row"]
        .to_list()
    )
    for row in order[: total - sum(counts)]:
        counts[row] += 1
    return pl.Series("controls", counts, dtype=pl.Int64)


def assign_control(
    members: pl.DataFrame,
    *,
    share: float,
    seed: int,
    strata: str | None = "segment",
) -> pl.DataFrame:
    """Split an audience into ``treated`` and ``control`` customers (module rule).

    Parameters
    ----------
    members
        One row per customer: ``customer_id`` and the ``strata`` column (other columns are
        ignored). Ids must be unique and not null.
    share
        The control share, from 0 (nobody) to 0.5.
    seed
        Any whole number; the same members and seed give the same groups, in any row order.
    strata
        The column to stratify by (each stratum gets its share); None for no strata.

    Returns
    -------
    pl.DataFrame
        ``customer_id, group`` (``"treated"`` or ``"control"``), sorted by ``customer_id``.

    Examples
    --------
    >>> members = pl.DataFrame({"customer_id": ["a", "b", "c", "d", "e", "f"],
    ...                         "segment": ["x", "x", "x", "y", "y", None]})
    >>> groups = assign_control(members, share=0.5, seed=1)
    >>> groups.join(members, on="customer_id").group_by("segment").agg(
    ...     (pl.col("group") == "control").sum()).sort("segment", nulls_last=True).rows()
    [('x', 2), ('y', 1), (None, 0)]
    """
    fraction = _check_share(share)
    _check_seed(seed)
    require_columns(members, {"customer_id": "customer_id", "strata": strata}, what="members frame")
    ids = members["customer_id"]
    if ids.null_count():
        raise ValueError(
            f"the members frame has {ids.null_count()} row(s) without a customer_id; "
            "members are customers of the workspace."
        )
    if ids.n_unique() != ids.len():
        raise ValueError(
            f"the members frame lists {ids.len() - ids.n_unique()} customer(s) more than once; "
            "pass one row per customer (e.g. members.unique('customer_id'))."
        )
    stratum = pl.col(strata) if strata is not None else pl.lit(None, dtype=pl.String)
    keyed = members.select(pl.col("customer_id").cast(pl.String), stratum.alias("stratum")).sort(
        "customer_id"
    )
    keyed = keyed.with_columns(key=draw_keys(keyed["customer_id"], seed=seed))
    sizes = keyed.group_by("stratum").agg(n=pl.len())
    sizes = sizes.with_columns(controls=_control_sizes(sizes, fraction))
    # rank "ordinal" breaks equal keys by row order, which is customer_id order here
    rank = pl.col("key").rank("ordinal").over("stratum")
    return (
        keyed.join(sizes, on="stratum", how="left", nulls_equal=True)
        .select(
            "customer_id",
            group=pl.when(rank <= pl.col("controls"))
            .then(pl.lit(CONTROL))
            .otherwise(pl.lit(TREATED)),
        )
        .sort("customer_id")
    )


# --------------------------------------------------------------------------------------------
# Uplift readouts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupOutcome:
    """What one group did in the window.

    Attributes
    ----------
    group
        ``"treated"`` or ``"control"``.
    customers, converted
        Customers of the group, and how many had a purchase day in the window.
    conversion_rate, conversion_low, conversion_high
        ``converted / customers`` and its Wilson score interval (None without customers).
    revenue
        Net spend of the group's customers in the window (total).
    revenue_per_customer, revenue_sd
        Its mean over the group's customers (None without customers) and standard deviation
        (``ddof=1``; None below 2 customers).
    """

    group: str
    customers: int
    converted: int
    conversion_rate: float | None
    conversion_low: float | None
    conversion_high: float | None
    revenue: float
    revenue_per_customer: float | None
    revenue_sd: float | None


@dataclass(frozen=True)
class UpliftReadout:
    """Treated versus control over a window (module rule): :func:`uplift_readout`'s result.

    Attributes
    ----------
    start, end
        The window as given; ``first_day``, ``last_day`` its calendar days in ``time_zone``.
    window_days, days
        Days of the window, and days counted (up to ``data_until``, the last day of the order
        data; None without orders).
    treated, control
        :class:`GroupOutcome` of each group.
    conversion_uplift, conversion_uplift_low, conversion_uplift_high
        Treated − control conversion rate (a share: 0.04 = 4 points) and its Newcombe interval.
    conversion_relative_uplift
        ``conversion_uplift / control rate`` (None when the control rate is 0).
    revenue_uplift, revenue_uplift_low, revenue_uplift_high
        Treated − control revenue per customer and its Welch interval.
    revenue_relative_uplift
        ``revenue_uplift / control revenue per customer`` (None unless that is positive).
    currency
        The currency of the amounts when the orders carry a ``currency`` column.
    note
        Why something could not be measured (None when everything was).
    """

    start: dt.datetime | dt.date
    end: dt.datetime | dt.date
    time_zone: str
    first_day: dt.date
    last_day: dt.date
    window_days: int
    days: int
    data_until: dt.date | None
    confidence: float
    currency: str | None
    treated: GroupOutcome
    control: GroupOutcome
    conversion_uplift: float | None
    conversion_uplift_low: float | None
    conversion_uplift_high: float | None
    conversion_relative_uplift: float | None
    revenue_uplift: float | None
    revenue_uplift_low: float | None
    revenue_uplift_high: float | None
    revenue_relative_uplift: float | None
    note: str | None

    @property
    def measurable(self) -> bool:
        """Whether both groups have customers and at least one day of the window has order
        data (else no uplift can be measured yet)."""
        return self.treated.customers > 0 and self.control.customers > 0 and self.days > 0

    @property
    def frame(self) -> pl.DataFrame:
        """For display: one row per metric (``customers``, ``converted``, ``conversion_rate``,
        ``revenue``, ``revenue_per_customer``) with ``treated, control, uplift, uplift_low,
        uplift_high, relative_uplift`` (the uplift columns only for the two rates)."""
        t, c = self.treated, self.control
        rows = [
            ("customers", t.customers, c.customers, None, None, None, None),
            ("converted", t.converted, c.converted, None, None, None, None),
            (
                "conversion_rate",
                t.conversion_rate,
                c.conversion_rate,
                self.conversion_uplift,
                self.conversion_uplift_low,
                self.conversion_uplift_high,
                self.conversion_relative_uplift,
            ),
            ("revenue", t.revenue, c.revenue, None, None, None, None),
            (
                "revenue_per_customer",
                t.revenue_per_customer,
                c.revenue_per_customer,
                self.revenue_uplift,
                self.revenue_uplift_low,
                self.revenue_uplift_high,
                self.revenue_relative_uplift,
            ),
        ]
        names = (
            "metric",
            TREATED,
            CONTROL,
            "uplift",
            "uplift_low",
            "uplift_high",
            "relative_uplift",
        )
        schema = dict.fromkeys(names, pl.Float64) | {"metric": pl.String}
        return pl.DataFrame(rows, schema=schema, orient="row", strict=False)

    def rows(self) -> list[dict[str, Any]]:
        """:attr:`frame` as a list of dicts (one per metric)."""
        return self.frame.to_dicts()

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready (dates and moments as ISO 8601 text), plus ``measurable``.

        Examples
        --------
        >>> import json
        >>> groups = pl.DataFrame({"customer_id": ["a", "b"], "group": ["treated", "control"]})
        >>> orders = pl.DataFrame({"customer_id": ["a"], "order_ts": [dt.date(2026, 1, 2)],
        ...                        "amount": [5.0], "status": ["paid"]})
        >>> out = uplift_readout(groups, orders, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2))
        >>> json.loads(json.dumps(out.to_dict()))["conversion_uplift"]
        1.0
        """
        data = asdict(self)
        for name in ("start", "end", "first_day", "last_day", "data_until"):
            value = data[name]
            data[name] = None if value is None else value.isoformat()
        data["measurable"] = self.measurable
        return data

    def summary(self, lang: Lang = "en") -> str:
        """A plain-language reading of the readout, in English (``"en"``) or Chinese (``"zh"``).

        Examples
        --------
        >>> groups = pl.DataFrame({"customer_id": ["a", "b"], "group": ["treated", "treated"]})
        >>> orders = pl.DataFrame({"customer_id": ["a"], "order_ts": [dt.date(2026, 1, 2)],
        ...                        "amount": [5.0], "status": ["paid"]})
        >>> out = uplift_readout(groups, orders, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2))
        >>> print(out.summary("zh").splitlines()[-1])
        无法衡量提升：对照组没有客户。
        """
        if lang not in ("en", "zh"):
            raise ValueError(f"lang={lang!r} should be 'en' or 'zh'.")
        return _summary_zh(self) if lang == "zh" else _summary_en(self)


def _pct(value: float | None, *, signed: bool = False, space: str = " ") -> str:
    """A share as a percentage (Chinese text writes no space before ``%``)."""
    if value is None:
        return "—"
    return f"{value * 100:+.1f}{space}%" if signed else f"{value * 100:.1f}{space}%"


def _points(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}"


def _money(value: float | None, *, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+,.2f}" if signed else f"{value:,.2f}"


def _verdict(low: float | None, high: float | None) -> int | None:
    """+1 when the interval lies above 0, -1 below, 0 when it holds 0, None without one."""
    if low is None or high is None:
        return None
    return 1 if low > 0 else -1 if high < 0 else 0


#: Why an uplift (or its revenue interval) could not be measured: English, Chinese.
_NOTES: dict[str, tuple[str, str]] = {
    "no_groups": ("the groups have no customers.", "两组都没有客户。"),
    "no_control": ("the control group has no customers.", "对照组没有客户。"),
    "no_treated": ("the treated group has no customers.", "实验组没有客户。"),
    "few_customers": (
        "the revenue interval needs at least 2 customers in each group.",
        "收入区间需要每组至少 2 位客户。",
    ),
    "no_days": (
        "no order day of the window has been imported yet; import the orders since, then ask again.",
        "尚未导入该时段内的订单；请导入之后的订单再查看。",
    ),
}
_NOTES_ZH = dict(_NOTES.values())

_VERDICT_EN = {
    1: "the campaign raised {what} (the interval lies above 0).",
    -1: "the campaign lowered {what} (the interval lies below 0).",
    0: "no effect on {what} is established (the interval includes 0).",
}
_VERDICT_ZH = {
    1: "活动提高了{what}（区间在 0 以上）。",
    -1: "活动降低了{what}（区间在 0 以下）。",
    0: "尚不能确定活动对{what}有影响（区间包含 0）。",
}


def _counted_en(r: UpliftReadout) -> str:
    if r.days == r.window_days:
        return "."
    if r.data_until is None:
        return " (no orders imported for the window yet)."
    return f" (orders imported up to {r.data_until})."


def _summary_en(r: UpliftReadout) -> str:
    t, c = r.treated, r.control
    level = f"{r.confidence * 100:g} %"
    unit = f" {r.currency}" if r.currency else ""
    lines = [
        f"Window {r.first_day} to {r.last_day} ({r.time_zone}): {r.days} of {r.window_days} "
        f"day(s) counted{_counted_en(r)}",
        f"Treated: {t.customers:,} customers, {t.converted:,} converted "
        f"({_pct(t.conversion_rate)}), revenue per customer {_money(t.revenue_per_customer)}{unit}.",
        f"Control: {c.customers:,} customers, {c.converted:,} converted "
        f"({_pct(c.conversion_rate)}), revenue per customer {_money(c.revenue_per_customer)}{unit}.",
    ]
    if not r.measurable:
        lines.append(f"Uplift cannot be measured: {r.note}")
        return "\n".join(lines)
    lines.append(
        f"Conversion uplift: {_points(r.conversion_uplift)} points "
        f"({level} interval {_points(r.conversion_uplift_low)} to "
        f"{_points(r.conversion_uplift_high)}; "
        f"relative {_pct(r.conversion_relative_uplift, signed=True)}): "
        + _VERDICT_EN[_verdict(r.conversion_uplift_low, r.conversion_uplift_high) or 0].format(
            what="conversion"
        )
    )
    verdict = _verdict(r.revenue_uplift_low, r.revenue_uplift_high)
    if verdict is None:
        lines.append(
            f"Revenue per customer uplift: {_money(r.revenue_uplift, signed=True)}{unit}; "
            f"no interval: {r.note}"
        )
    else:
        lines.append(
            f"Revenue per customer uplift: {_money(r.revenue_uplift, signed=True)}{unit} "
            f"({level} interval {_money(r.revenue_uplift_low, signed=True)} to "
            f"{_money(r.revenue_uplift_high, signed=True)}; relative "
            f"{_pct(r.revenue_relative_uplift, signed=True)}): "
            + _VERDICT_EN[verdict].format(what="revenue per customer")
        )
    return "\n".join(lines)


def _summary_zh(r: UpliftReadout) -> str:
    t, c = r.treated, r.control
    level = f"{r.confidence * 100:g}%"
    unit = f" {r.currency}" if r.currency else ""
    if r.days < r.window_days:
        counted = (
            f"（订单数据截至 {r.data_until}）。"
            if r.data_until is not None
            else "（该时段尚无订单数据）。"
        )
    else:
        counted = "。"
    note = _NOTES_ZH.get(r.note or "", r.note or "")
    lines = [
        f"时段 {r.first_day} 至 {r.last_day}（{r.time_zone}）：计入 {r.days} / {r.window_days} 天{counted}",
        f"实验组：{t.customers:,} 位客户，{t.converted:,} 位转化（{_pct(t.conversion_rate, space='')}），"
        f"人均收入 {_money(t.revenue_per_customer)}{unit}。",
        f"对照组：{c.customers:,} 位客户，{c.converted:,} 位转化（{_pct(c.conversion_rate, space='')}），"
        f"人均收入 {_money(c.revenue_per_customer)}{unit}。",
    ]
    if not r.measurable:
        lines.append(f"无法衡量提升：{note}")
        return "\n".join(lines)
    lines.append(
        f"转化率提升：{_points(r.conversion_uplift)} 个百分点（{level} 置信区间 "
        f"{_points(r.conversion_uplift_low)} 至 {_points(r.conversion_uplift_high)}；相对 "
        f"{_pct(r.conversion_relative_uplift, signed=True, space='')}）："
        + _VERDICT_ZH[_verdict(r.conversion_uplift_low, r.conversion_uplift_high) or 0].format(
            what="转化率"
        )
    )
    verdict = _verdict(r.revenue_uplift_low, r.revenue_uplift_high)
    if verdict is None:
        lines.append(f"人均收入提升：{_money(r.revenue_uplift, signed=True)}{unit}；无区间：{note}")
    else:
        lines.append(
            f"人均收入提升：{_money(r.revenue_uplift, signed=True)}{unit}（{level} 置信区间 "
            f"{_money(r.revenue_uplift_low, signed=True)} 至 "
            f"{_money(r.revenue_uplift_high, signed=True)}；相对 "
            f"{_pct(r.revenue_relative_uplift, signed=True, space='')}）："
            + _VERDICT_ZH[verdict].format(what="人均收入")
        )
    return "\n".join(lines)


# -------------------------------------------------------------------------------- the window


def _moment_literal(moment: dt.datetime, dtype: pl.Datetime, time_zone: str) -> pl.Expr:
    """``moment`` as a literal comparable with a column of ``dtype``: a naive moment is wall
    time in ``time_zone``; a naive column holds wall times (in ``time_zone``, as
    :func:`cimlab.dates.day_of` reads them)."""
    zone = ZoneInfo(time_zone)
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    if dtype.time_zone is None:
        wall = aware.astimezone(zone).replace(tzinfo=None)
        return pl.lit(wall, dtype=pl.Datetime(dtype.time_unit))
    converted = aware.astimezone(ZoneInfo(dtype.time_zone))
    return pl.lit(converted, dtype=pl.Datetime(dtype.time_unit, dtype.time_zone))


def _window_filter(
    dtype: pl.DataType,
    time_col: str,
    *,
    start: dt.datetime | dt.date,
    end: dt.datetime | dt.date,
    first_day: dt.date,
    last_day: dt.date,
    time_zone: str,
) -> pl.Expr:
    """The lines of the window: plain comparisons of the time column with moments (cheap on
    many lines, no time zone arithmetic per line); a date column compares days."""
    if not isinstance(dtype, pl.Datetime):  # dates: whole days
        day = day_of(time_col, dtype, time_zone=time_zone, table="orders")
        return (day >= first_day) & (day <= last_day)
    col = pl.col(time_col)
    start_moment = (
        start if isinstance(start, dt.datetime) else dt.datetime.combine(start, dt.time())
    )
    keep = col >= _moment_literal(start_moment, dtype, time_zone)
    if isinstance(end, dt.datetime):
        return keep & (col <= _moment_literal(end, dtype, time_zone))
    next_midnight = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())
    return keep & (col < _moment_literal(next_midnight, dtype, time_zone))


def _last_day(
    lf: pl.LazyFrame, time_col: str, dtype: pl.DataType, time_zone: str
) -> dt.date | None:
    """The calendar day of the latest line (None without lines)."""
    latest = lf.select(pl.col(time_col).max()).collect()
    return latest.select(day_of(time_col, dtype, time_zone=time_zone, table="orders")).item()


def _check_assignments(assignments: pl.DataFrame) -> pl.DataFrame:
    require_columns(
        assignments,
        ["customer_id", "group"],
        what="assignments frame",
        hint="Pass the result of assign_control (customer_id, group).",
    )
    frame = assignments.select(
        pl.col("customer_id").cast(pl.String), pl.col("group").cast(pl.String)
    )
    bad = frame.filter(~pl.col("group").is_in(GROUPS) | pl.col("group").is_null())["group"]
    if bad.len():
        shown = ", ".join(repr(v) for v in bad.unique(maintain_order=True).head(5).to_list())
        raise ValueError(
            f"the assignments frame has group values {shown}; groups are 'treated' and 'control'."
        )
    ids = frame["customer_id"]
    if ids.null_count():
        raise ValueError(
            f"the assignments frame has {ids.null_count()} row(s) without a customer_id."
        )
    if ids.n_unique() != ids.len():
        raise ValueError(
            f"the assignments frame lists {ids.len() - ids.n_unique()} customer(s) more than once; "
            "a customer is in one group."
        )
    return frame


def _window_currency(lines: pl.LazyFrame) -> str | None:
    codes = lines.select(pl.col("currency").drop_nulls().unique().sort()).collect()["currency"]
    if codes.len() > 1:
        raise ValueError(
            f"the orders of the window are in {codes.len()} currencies "
            f"({', '.join(codes.to_list())}); "
            "convert them to one first (cimlab.money.in_reporting_currency)."
        )
    return codes[0] if codes.len() else None


# -------------------------------------------------------------------------------- statistics


def _newcombe(
    treated: GroupOutcome, control: GroupOutcome
) -> tuple[float | None, float | None, float | None]:
    p1, l1, u1 = treated.conversion_rate, treated.conversion_low, treated.conversion_high
    p2, l2, u2 = control.conversion_rate, control.conversion_low, control.conversion_high
    if None in (p1, l1, u1, p2, l2, u2):
        return None, None, None
    assert p1 is not None and l1 is not None and u1 is not None  # for the type checker
    assert p2 is not None and l2 is not None and u2 is not None
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, max(low, -1.0), min(high, 1.0)


def _welch(
    treated: GroupOutcome, control: GroupOutcome, confidence: float
) -> tuple[float | None, float | None]:
    if treated.revenue_sd is None or control.revenue_sd is None:
        return None, None
    assert treated.revenue_per_customer is not None and control.revenue_per_customer is not None
    d = treated.revenue_per_customer - control.revenue_per_customer
    v1 = treated.revenue_sd**2 / treated.customers
    v2 = control.revenue_sd**2 / control.customers
    se = math.sqrt(v1 + v2)
    if se == 0.0:
        return d, d
    from scipy.stats import t as student_t

    df = (v1 + v2) ** 2 / (v1**2 / (treated.customers - 1) + v2**2 / (control.customers - 1))
    half = float(student_t.ppf(1.0 - (1.0 - confidence) / 2.0, df)) * se
    return d - half, d + half


def _outcome(group: str, stats: dict[str, Any] | None, confidence: float) -> GroupOutcome:
    if stats is None or not stats["customers"]:
        return GroupOutcome(group, 0, 0, None, None, None, 0.0, None, None)
    n, k = int(stats["customers"]), int(stats["converted"])
    from cimlab.analytics.satisfaction import wilson_interval

    low, high = wilson_interval("k", "n", confidence=confidence)
    wl, wh = pl.DataFrame({"k": [k], "n": [n]}).select(low, high).row(0)
    return GroupOutcome(
        group=group,
        customers=n,
        converted=k,
        conversion_rate=k / n,
        conversion_low=wl,
        conversion_high=wh,
        revenue=float(stats["revenue"]),
        revenue_per_customer=float(stats["revenue"]) / n,
        revenue_sd=None if n < 2 else float(stats["revenue_sd"]),
    )


def _relative(uplift: float | None, base: float | None) -> float | None:
    if uplift is None or base is None or base <= 0:
        return None
    return uplift / base


def uplift_readout(
    assignments: pl.DataFrame,
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    start: dt.datetime | dt.date,
    end: dt.date | dt.datetime,
    time_zone: str = "UTC",
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str = "status",
    confidence: float = 0.95,
) -> UpliftReadout:
    """Conversion and revenue per customer, treated versus control, over a window (module rule).

    Parameters
    ----------
    assignments
        ``customer_id, group`` (:func:`assign_control`), one row per customer.
    orders
        Order lines (DataFrame or LazyFrame), amounts in one currency.
    start, end
        The window: from ``start`` (a moment, or a date = its midnight) to ``end`` (a date:
        that whole day; a moment: up to it), both included, in ``time_zone``.
    time_zone
        The time zone of the calendar days (and of naive moments).
    customer_col, time_col, amount_col, status_col
        Column names of ``orders``.
    confidence
        Level of the intervals (0.95).

    Examples
    --------
    >>> import datetime as dt
    >>> groups = pl.DataFrame({"customer_id": ["a", "b", "c", "d"],
    ...                        "group": ["treated", "treated", "control", "control"]})
    >>> orders = pl.DataFrame({"customer_id": ["a", "b", "c"],
    ...     "order_ts": [dt.datetime(2026, 5, 2, 9), dt.datetime(2026, 4, 30),
    ...                  dt.datetime(2026, 5, 3)],
    ...     "amount": [40.0, 99.0, 10.0], "status": ["paid"] * 3})
    >>> r = uplift_readout(groups, orders, start=dt.datetime(2026, 5, 1), end=dt.date(2026, 5, 31))
    >>> r.treated.converted, r.treated.revenue, r.control.revenue, r.days, r.window_days
    (1, 40.0, 10.0, 3, 31)
    """
    tz = check_time_zone(time_zone)
    if not isinstance(confidence, float | int) or not 0.0 < float(confidence) < 1.0:
        raise ValueError(
            f"confidence={confidence!r} should be a number between 0 and 1, e.g. 0.95."
        )
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, dt.date):
            raise TypeError(f"{name}={value!r} should be a datetime or a date.")
    first_day, last_day = (
        to_date(start, name="start", time_zone=tz),
        to_date(end, name="end", time_zone=tz),
    )
    if last_day < first_day or (
        isinstance(start, dt.datetime)
        and isinstance(end, dt.datetime)
        and _aware(end, tz) < _aware(start, tz)
    ):
        raise ValueError(f"end={end!r} is before start={start!r}; the window would be empty.")
    groups = _check_assignments(assignments)

    lf = orders.lazy()
    schema = require_columns(
        lf,
        {
            "customer_col": customer_col,
            "time_col": time_col,
            "amount_col": amount_col,
            "status_col": status_col,
        },
        what="orders frame",
        hint="Pass the right name with that keyword argument.",
    )
    dtype = schema[time_col]
    window = _window_filter(
        dtype, time_col, start=start, end=end, first_day=first_day, last_day=last_day, time_zone=tz
    )
    ids = groups.select(pl.col("customer_id").alias(customer_col)).lazy()
    in_window = lf.filter(window).join(ids, on=customer_col, how="semi")
    currency = _window_currency(in_window) if "currency" in schema else None
    data_until = _last_day(lf, time_col, dtype, tz)

    daily = daily_spend(
        in_window,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        status_col=status_col,
        time_zone=tz,
    )
    per_customer = daily.group_by(customer_col).agg(
        converted=is_purchase_day("spend").any(), units=pl.col("spend").sum()
    )
    joined = (
        groups.lazy()
        .join(per_customer.rename({customer_col: "customer_id"}), on="customer_id", how="left")
        .with_columns(pl.col("converted").fill_null(False), pl.col("units").fill_null(0))
    )
    stats = (
        joined.group_by("group")
        .agg(
            customers=pl.len(),
            converted=pl.col("converted").sum(),
            revenue=from_money(pl.col("units").sum()),
            revenue_sd=(pl.col("units").cast(pl.Float64) / MONEY_SCALE).std(ddof=1),
        )
        .collect()
    )
    by_group = {row["group"]: row for row in stats.iter_rows(named=True)}
    treated = _outcome(TREATED, by_group.get(TREATED), confidence)
    control = _outcome(CONTROL, by_group.get(CONTROL), confidence)

    note: str | None = None
    conv = conv_low = conv_high = rev = rev_low = rev_high = None
    if not treated.customers or not control.customers:
        if not treated.customers and not control.customers:
            note = _NOTES["no_groups"][0]
        else:
            note = _NOTES["no_control" if treated.customers else "no_treated"][0]
    else:
        conv, conv_low, conv_high = _newcombe(treated, control)
        assert treated.revenue_per_customer is not None and control.revenue_per_customer is not None
        rev = treated.revenue_per_customer - control.revenue_per_customer
        rev_low, rev_high = _welch(treated, control, float(confidence))
        if rev_low is None:
            note = _NOTES["few_customers"][0]

    counted_until = last_day if data_until is None else min(last_day, data_until)
    days = max(0, (counted_until - first_day).days + 1) if data_until is not None else 0
    if days == 0 and treated.customers and control.customers:
        note = _NOTES["no_days"][0]
    return UpliftReadout(
        start=start,
        end=end,
        time_zone=tz,
        first_day=first_day,
        last_day=last_day,
        window_days=(last_day - first_day).days + 1,
        days=days,
        data_until=data_until,
        confidence=float(confidence),
        currency=currency,
        treated=treated,
        control=control,
        conversion_uplift=conv,
        conversion_uplift_low=conv_low,
        conversion_uplift_high=conv_high,
        conversion_relative_uplift=_relative(conv, control.conversion_rate),
        revenue_uplift=rev,
        revenue_uplift_low=rev_low,
        revenue_uplift_high=rev_high,
        revenue_relative_uplift=_relative(rev, control.revenue_per_customer),
        note=note,
    )


def _aware(moment: dt.datetime, time_zone: str) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(time_zone))
