"""Charts of RFM scores and segments: the R × FM grid, segment shares, R/F/M distributions.

Inputs are the frames of :mod:`cimlab.analytics.rfm` (``rfm(...)``: one row per customer) and
:func:`cimlab.cli.analyse.segment_table` (one row per segment). Everything is aggregated in
Polars before it reaches the chart, so a chart of 300,000 customers embeds at most a few hundred
rows. Segments always appear in the order of :data:`cimlab.analytics.rfm.SEGMENT_NAMES` (Champions →
Lost) and in the colours of :data:`SEGMENT_COLORS`, in the app and in notebooks alike.

Rules
-----
* **Customers** of a cell or a segment = rows of ``scores`` in it; **revenue** = the sum of their
  ``total_spend`` (net of refunds, see :mod:`cimlab.analytics.rfm`); **shares** are of all rows of the
  input (customers) and of the total revenue (revenue; may exceed 100 % in one cell when refunds
  make another cell negative).
* The grid shows all 25 cells, empty ones with 0, each coloured by its segment and shaded by its
  value (darker = more); the thick white lines are the borders between segments.

Examples
--------
>>> import polars as pl
>>> scores = pl.DataFrame({"r_score": [5, 1], "fm_score": [5, 1], "segment": ["Champions", "Lost"],
...                        "total_spend": [100.0, 5.0]})
>>> spec = rfm_grid_chart(scores, lang="en").to_dict()
>>> [layer["mark"]["type"] for layer in spec["layer"]]
['rect', 'rect', 'text', 'text']
"""

from __future__ import annotations

import math
from typing import Literal

import altair as alt
import polars as pl

from cimlab.analytics.rfm import SEGMENT_GRID, SEGMENT_NAMES, SEGMENTS
from cimlab.charts._util import COUNT_AXIS, require
from cimlab.i18n import segment_label as _segment_name
from cimlab.i18n import t

__all__ = [
    "SEGMENT_COLORS",
    "rfm_distribution_chart",
    "rfm_grid_chart",
    "segment_bar_chart",
    "segment_color_scale",
    "segment_label",
]

#: One colour per segment, used by every chart (greens = valuable and recent, blues = new,
#: yellows/oranges = slipping, reds = valuable but leaving, greys = gone).
SEGMENT_COLORS: dict[str, str] = {
    "Champions": "#1b7837",
    "Loyal": "#5aae61",
    "Potential loyalist": "#a6dba0",
    "New": "#2166ac",
    "Promising": "#92c5de",
    "Need attention": "#fee08b",
    "About to sleep": "#fdae61",
    "At risk": "#f46d43",
    "Cannot lose them": "#b2182b",
    "Hibernating": "#bababa",
    "Lost": "#878787",
}

#: Segments whose colour needs white text when shaded dark.
_DARK = ("Champions", "New", "Cannot lose them", "Lost", "Loyal", "At risk")

Value = Literal["customers", "revenue"]


def segment_label(name: str, lang: str = "zh") -> str:
    """Display name of a segment in ``lang`` (an unknown name is returned as it is):
    :func:`cimlab.i18n.segment_label`.

    Examples
    --------
    >>> segment_label("At risk", "zh"), segment_label("At risk", "en")
    ('有流失风险', 'At risk')
    """
    return _segment_name(name, lang)


def segment_color_scale(lang: str = "zh", names: list[str] | None = None) -> alt.Scale:
    """The colour scale of segments, with domain the segment labels in ``lang``.

    Examples
    --------
    >>> segment_color_scale("en", ["Lost", "Champions"]).to_dict()
    {'domain': ['Lost', 'Champions'], 'range': ['#878787', '#1b7837']}
    """
    chosen = list(SEGMENT_NAMES) if names is None else names
    return alt.Scale(
        domain=[segment_label(n, lang) for n in chosen],
        range=[SEGMENT_COLORS.get(n, "#cccccc") for n in chosen],
    )


def _segment_expr(column: str, lang: str) -> pl.Expr:
    lookup = {name: segment_label(name, lang) for name in SEGMENT_NAMES}
    return pl.col(column).replace_strict(lookup, default=pl.col(column), return_dtype=pl.String)


def _cells(scores: pl.DataFrame) -> pl.DataFrame:
    """All 25 cells: ``r_score, fm_score, segment, customers, revenue, share, revenue_share``."""
    grid = pl.DataFrame(
        {
            "r_score": [r for r, _ in SEGMENT_GRID],
            "fm_score": [fm for _, fm in SEGMENT_GRID],
            "segment": list(SEGMENT_GRID.values()),
        },
        schema={"r_score": pl.Int64, "fm_score": pl.Int64, "segment": pl.String},
    )
    counted = (
        scores.filter(pl.col("r_score").is_not_null() & pl.col("fm_score").is_not_null())
        .group_by(pl.col("r_score").cast(pl.Int64), pl.col("fm_score").cast(pl.Int64))
        .agg(
            customers=pl.len().cast(pl.Int64),
            revenue=pl.col("total_spend").cast(pl.Float64).sum(),
        )
    )
    total = max(scores.height, 1)
    revenue_total = counted["revenue"].sum()
    return (
        grid.join(counted, on=["r_score", "fm_score"], how="left")
        .with_columns(pl.col("customers").fill_null(0), pl.col("revenue").fill_null(0.0))
        .with_columns(
            share=pl.col("customers") / total,
            revenue_share=(
                pl.col("revenue") / revenue_total if revenue_total else pl.lit(0.0, pl.Float64)
            ),
        )
        .sort("r_score", "fm_score")
    )


def rfm_grid_chart(
    scores: pl.DataFrame, *, value: Value = "customers", lang: str = "zh"
) -> alt.LayerChart:
    """The R × FM grid: 5 × 5 cells coloured by segment, with customers or revenue in each.

    Parameters
    ----------
    scores
        One row per customer with ``r_score``, ``fm_score``, ``segment`` and ``total_spend``
        (as :func:`cimlab.analytics.rfm.rfm` returns).
    value
        ``"customers"`` (count) or ``"revenue"`` (net spend) written in the cells and shading them.
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> scores = pl.DataFrame({"r_score": [5, 5, 1], "fm_score": [5, 4, 1],
    ...     "segment": ["Champions", "Champions", "Lost"], "total_spend": [90.0, 10.0, 5.0]})
    >>> chart = rfm_grid_chart(scores, value="revenue", lang="zh")
    >>> cells = chart.to_dict()["datasets"]
    >>> rows = [r for rows in cells.values() for r in rows if "r_score" in r]
    >>> len(rows), [(r["label"], r["revenue"]) for r in rows if r["revenue"]]
    (25, [('已流失客户', 5.0), ('冠军客户', 10.0), ('冠军客户', 90.0)])
    """
    require(scores, ["r_score", "fm_score", "segment", "total_spend"], "rfm_grid_chart")
    if value not in ("customers", "revenue"):
        raise ValueError(f"value={value!r} should be 'customers' or 'revenue'.")
    cells = _cells(scores).with_columns(
        label=_segment_expr("segment", lang),
        x=pl.col("r_score") - 0.5,
        x2=pl.col("r_score") + 0.5,
        y=pl.col("fm_score") - 0.5,
        y2=pl.col("fm_score") + 0.5,
        shade=pl.col(value).cast(pl.Float64).clip(lower_bound=0.0),
    )
    top = cells["shade"].max()
    strength = pl.col("shade") / top if top else pl.lit(0.0)  # 0..1, as the opacity scale
    cells = cells.with_columns(
        ink=pl.when(pl.col("segment").is_in(_DARK) & (strength > 0.45))
        .then(pl.lit("white"))
        .otherwise(pl.lit("black"))
    )
    regions = SEGMENTS.select(
        "name",
        label=_segment_expr("name", lang),
        x=pl.col("r_min").cast(pl.Float64) - 0.5,
        x2=pl.col("r_max").cast(pl.Float64) + 0.5,
        y=pl.col("fm_min").cast(pl.Float64) - 0.5,
        y2=pl.col("fm_max").cast(pl.Float64) + 0.5,
        name_x=(pl.col("r_min") + pl.col("r_max")).cast(pl.Float64) / 2,
        name_y=pl.col("fm_max").cast(pl.Float64) + 0.36,
    )
    r_title, fm_title = t("seg.chart.r", lang), t("seg.chart.fm", lang)
    x_scale = alt.Scale(domain=[0.5, 5.5], nice=False, zero=False)
    y_scale = alt.Scale(domain=[0.5, 5.5], nice=False, zero=False)
    x_axis = alt.Axis(values=[1, 2, 3, 4, 5], format="d", grid=False, title=r_title)
    y_axis = alt.Axis(values=[1, 2, 3, 4, 5], format="d", grid=False, title=fm_title)
    fmt = ",d" if value == "customers" else ",.0f"
    base = alt.Chart(cells)
    fill = base.mark_rect().encode(
        x=alt.X("x:Q", scale=x_scale, axis=x_axis),
        x2="x2:Q",
        y=alt.Y("y:Q", scale=y_scale, axis=y_axis),
        y2="y2:Q",
        color=alt.Color("label:N", scale=segment_color_scale(lang), legend=None),
        opacity=alt.Opacity("shade:Q", scale=alt.Scale(range=[0.3, 1.0], zero=True), legend=None),
        tooltip=[
            alt.Tooltip("label:N", title=t("seg.chart.segment", lang)),
            alt.Tooltip("r_score:O", title=r_title),
            alt.Tooltip("fm_score:O", title=fm_title),
            alt.Tooltip("customers:Q", title=t("seg.chart.customers", lang), format=",d"),
            alt.Tooltip("share:Q", title=t("seg.chart.share", lang), format=".1%"),
            alt.Tooltip("revenue:Q", title=t("seg.chart.revenue", lang), format=",.2f"),
            alt.Tooltip("revenue_share:Q", title=t("seg.chart.revenue_share", lang), format=".1%"),
        ],
    )
    borders = (
        alt.Chart(regions)
        .mark_rect(fillOpacity=0, stroke="white", strokeWidth=4)
        .encode(x="x:Q", x2="x2:Q", y="y:Q", y2="y2:Q")
    )
    numbers = base.mark_text(fontSize=14, fontWeight="bold").encode(
        x=alt.X("r_score:Q"),
        y=alt.Y("fm_score:Q"),
        text=alt.Text(f"{value}:Q", format=fmt),
        color=alt.Color("ink:N", scale=None),
    )
    names = (
        alt.Chart(regions)
        .mark_text(fontSize=10, baseline="middle")
        .encode(x="name_x:Q", y="name_y:Q", text="label:N")
    )
    title = t(
        "seg.chart.grid_customers" if value == "customers" else "seg.chart.grid_revenue", lang
    )
    return alt.LayerChart(layer=[fill, borders, numbers, names], width=500, height=460, title=title)


def segment_bar_chart(segment_table: pl.DataFrame, *, lang: str = "zh") -> alt.LayerChart:
    """Share of customers and share of revenue of each segment, side by side, best segment first.

    Parameters
    ----------
    segment_table
        One row per segment with ``segment``, ``customers`` and ``net_spend``
        (as :func:`cimlab.analytics.rfm.segment_summary` returns); shares are computed here.
        With no net revenue at all the revenue shares are no data (null), not 0.
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> table = pl.DataFrame({"segment": ["Lost", "Champions"], "customers": [3, 1],
    ...                       "net_spend": [20.0, 80.0]})
    >>> chart = segment_bar_chart(table, lang="en")
    >>> rows = chart.to_dict()["datasets"].popitem()[1]
    >>> [(r["label"], r["measure"], r["value"]) for r in rows][:2]
    [('Champions', 'Customers', 0.25), ('Champions', 'Net revenue', 0.8)]
    """
    require(segment_table, ["segment", "customers", "net_spend"], "segment_bar_chart")
    customers_label, revenue_label = t("seg.chart.customers", lang), t("seg.chart.revenue", lang)
    order = {name: i for i, name in enumerate(SEGMENT_NAMES)}
    total = segment_table["customers"].cast(pl.Int64).sum()
    revenue = segment_table["net_spend"].cast(pl.Float64).sum()
    data = (
        segment_table.select(
            "segment",
            pl.col("customers").cast(pl.Int64).alias("n"),
            pl.col("net_spend").cast(pl.Float64).alias("amount"),
            (pl.col("customers") / total if total else pl.lit(0.0)).alias(customers_label),
            (pl.col("net_spend") / revenue if revenue else pl.lit(None, pl.Float64)).alias(
                revenue_label
            ),
        )
        .with_columns(
            label=_segment_expr("segment", lang),
            rank=pl.col("segment").replace_strict(order, default=len(order), return_dtype=pl.Int64),
        )
        .unpivot(
            on=[customers_label, revenue_label],
            index=["segment", "label", "rank", "n", "amount"],
            variable_name="measure",
            value_name="value",
        )
        .with_columns(pl.col("value").cast(pl.Float64))
        .sort("rank", "segment", "measure")
    )
    present = data.unique("segment", maintain_order=True)["segment"].to_list()
    labels = [segment_label(n, lang) for n in present]
    share_title = t("seg.chart.share_of_total", lang)
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=labels, title=t("seg.chart.segment", lang)),
        yOffset=alt.YOffset("measure:N", sort=[customers_label, revenue_label]),
        x=alt.X("value:Q", title=share_title, axis=alt.Axis(format="%")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("label:N", scale=segment_color_scale(lang, present), legend=None),
        opacity=alt.Opacity(
            "measure:N",
            scale=alt.Scale(domain=[customers_label, revenue_label], range=[0.45, 1.0]),
            title=share_title,
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("label:N", title=t("seg.chart.segment", lang)),
            alt.Tooltip("measure:N", title=t("seg.chart.measure", lang)),
            alt.Tooltip("value:Q", title=share_title, format=".1%"),
            alt.Tooltip("n:Q", title=customers_label, format=",d"),
            alt.Tooltip("amount:Q", title=revenue_label, format=",.2f"),
        ],
    )
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(
        text=alt.Text("value:Q", format=".0%")
    )
    return alt.LayerChart(
        layer=[bars, text], width=420, height=alt.Step(14), title=t("seg.chart.bar_title", lang)
    )


_MEASURES = (
    ("since_last", "seg.chart.recency"),
    ("purchase_days", "seg.chart.frequency"),
    ("total_spend", "seg.chart.monetary"),
)


def _histogram(values: pl.Series, *, bins: int, cap_quantile: float) -> pl.DataFrame:
    """``bin_start, bin_end, customers, capped``; values above the cap go in the last bin."""
    values = values.drop_nulls().cast(pl.Float64)
    values = values.filter(values.is_finite())
    schema = {"bin_start": pl.Float64, "bin_end": pl.Float64, "customers": pl.Int64}
    if values.is_empty():
        return pl.DataFrame(schema=schema).with_columns(capped=pl.lit(False))
    low = min(_float(values.min()), 0.0)
    cap = _float(values.quantile(cap_quantile, "higher"))
    capped = _float(values.max()) > cap
    integral = bool((values == values.round(0)).all())
    span = max(cap - low, 1.0 if integral else 1e-9)
    width = max(1.0, math.ceil(span / bins)) if integral else span / bins
    count = math.floor(span / width) + 1 if integral else bins
    index = ((values - low) / width).floor().clip(0, count - 1).cast(pl.Int64)
    counted = index.value_counts(name="customers").rename({index.name: "bin"})
    frame = pl.DataFrame({"bin": list(range(count))}, schema={"bin": pl.Int64})
    return (
        frame.join(counted, on="bin", how="left")
        .select(
            bin_start=low + pl.col("bin") * width,
            bin_end=low + (pl.col("bin") + 1) * width,
            customers=pl.col("customers").fill_null(0).cast(pl.Int64),
        )
        .with_columns(capped=pl.lit(capped))
    )


def _float(value: object) -> float:
    """``value`` as a float (Series aggregates are typed loosely)."""
    return float(value)  # type: ignore[arg-type]


def rfm_distribution_chart(
    scores: pl.DataFrame,
    *,
    time_unit: str = "day",
    bins: int = 20,
    cap_quantile: float = 0.99,
    lang: str = "zh",
) -> alt.HConcatChart:
    """Histograms of recency (time since the last purchase), frequency (purchase days) and
    monetary value (net total spend), one panel each.

    Binned in Polars into ``bins`` equal bins from ``min(0, smallest)`` to the ``cap_quantile``
    quantile; larger values are counted in the last bin (its title then says so), so one huge
    customer does not squash the picture. Integer measures get whole-number bins.

    Parameters
    ----------
    scores
        One row per customer with ``since_last``, ``purchase_days``, ``total_spend``.
    time_unit
        Unit of ``since_last`` (``"day"``, ``"week"``, ``"month"``), for the axis title.
    bins, cap_quantile
        Number of bins and the quantile where the last bin starts to collect the rest.
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> scores = pl.DataFrame({"since_last": [1.0, 3.0, 40.0], "purchase_days": [1, 1, 2],
    ...                        "total_spend": [10.0, 20.0, 30.0]})
    >>> spec = rfm_distribution_chart(scores, bins=4, cap_quantile=1.0, lang="en").to_dict()
    >>> [panel["encoding"]["x"]["title"] for panel in spec["hconcat"]]
    ['Days since last purchase', 'Purchase days', 'Net spend']
    """
    require(scores, [m for m, _ in _MEASURES], "rfm_distribution_chart")
    if time_unit not in ("day", "week", "month"):
        raise ValueError(f"time_unit={time_unit!r} should be one of day, week, month.")
    if not 2 <= bins <= 200:
        raise ValueError(f"bins={bins!r} should be between 2 and 200.")
    if not 0.5 <= cap_quantile <= 1.0:
        raise ValueError(f"cap_quantile={cap_quantile!r} should be between 0.5 and 1.")
    panels = []
    customers = t("seg.chart.customers", lang)
    for column, key in _MEASURES:
        hist = _histogram(scores[column], bins=bins, cap_quantile=cap_quantile)
        title = t(key, lang, unit=t(f"seg.unit.{time_unit}", lang))
        if hist.height and hist["capped"][0]:
            title = t("seg.chart.capped", lang, title=title, cap=f"{hist['bin_start'][-1]:,.0f}")
        panels.append(
            alt.Chart(hist)
            .mark_bar(color="#4c78a8")
            .encode(
                x=alt.X("bin_start:Q", title=title, bin="binned"),
                x2="bin_end:Q",
                y=alt.Y("customers:Q", title=customers, axis=COUNT_AXIS),
                tooltip=[
                    alt.Tooltip("bin_start:Q", title=t("seg.chart.from", lang), format=",.4~g"),
                    alt.Tooltip("bin_end:Q", title=t("seg.chart.to", lang), format=",.4~g"),
                    alt.Tooltip("customers:Q", title=customers, format=",d"),
                ],
            )
            .properties(width=200, height=180)
        )
    return alt.hconcat(*panels).properties(title=t("seg.chart.dist_title", lang))
