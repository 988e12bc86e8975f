"""Cohort heat map: retention or revenue of each acquisition cohort by period since.

Cohorts are labelled ``2024-01`` (months), ``2024-Q1`` (quarters) or ``2024-01-01`` (weeks: the
Monday), the same in every language.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> table = pl.DataFrame({"cohort": [dt.date(2024, 1, 1)] * 2, "period_index": [0, 1],
...     "cohort_size": [4, 4], "active_customers": [4, 1], "retention_rate": [1.0, 0.25]})
>>> spec = cohort_chart(table, lang="en").to_dict()
>>> [layer["mark"]["type"] for layer in spec["layer"]]
['rect', 'text']
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cimlab.analytics.cohorts import COHORT_PERIODS, COHORT_VALUES
from cimlab.charts._util import bottom_legend, cell_text_opacity, require
from cimlab.i18n import t

__all__ = ["cohort_chart"]

_FORMATS = {
    "retention_rate": ".0%",
    "active_customers": ",d",
    "revenue": ",.0f",
    "revenue_per_customer": ",.0f",
    "cumulative_revenue_per_customer": ",.0f",
}

#: Per period: how a cohort is written and the text key of the period-index axis.
_LABELS: dict[str, pl.Expr] = {
    "month": pl.col("cohort").dt.strftime("%Y-%m"),
    "quarter": pl.format("{}-Q{}", pl.col("cohort").dt.year(), pl.col("cohort").dt.quarter()),
    "week": pl.col("cohort").dt.strftime("%Y-%m-%d"),
}
_INDEX_KEYS = {
    "month": "coh.col.period_index",
    "quarter": "coh.col.quarter_index",
    "week": "coh.col.week_index",
}


def cohort_chart(
    table: pl.DataFrame,
    *,
    value: str = "retention_rate",
    period: str = "month",
    lang: str = "zh",
) -> alt.LayerChart:
    """Heat map of cohorts (rows, oldest on top) by period index (columns), the value written in
    each cell.

    Parameters
    ----------
    table
        :func:`cimlab.analytics.cohorts.cohort_table` output (long form).
    value
        The column to show, one of :data:`cimlab.analytics.cohorts.COHORT_VALUES`.
    period
        ``"month"``, ``"quarter"`` or ``"week"``: the period of ``table`` (for the cohort labels
        and the axis titles).
    lang
        Language of the labels.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> table = pl.DataFrame({"cohort": [dt.date(2024, 1, 1)], "period_index": [0],
    ...     "cohort_size": [4], "revenue": [120.0]})
    >>> spec = cohort_chart(table, value="revenue", lang="zh").to_dict()
    >>> rows = spec["datasets"].popitem()[1]
    >>> rows[0]["cohort_label"], spec["layer"][1]["encoding"]["text"]["format"]
    ('2024-01', ',.0f')
    """
    if value not in COHORT_VALUES:
        raise ValueError(
            f"cohort_chart: value={value!r} should be one of {', '.join(COHORT_VALUES)}."
        )
    if period not in COHORT_PERIODS:
        raise ValueError(
            f"cohort_chart: period={period!r} should be one of {', '.join(COHORT_PERIODS)}."
        )
    require(table, ["cohort", "period_index", "cohort_size", value], "cohort_chart")
    data = table.select(
        _LABELS[period].alias("cohort_label"),
        pl.col("period_index").cast(pl.Int64),
        pl.col("cohort_size").cast(pl.Int64),
        pl.col(value).cast(pl.Float64),
    ).sort("cohort_label", "period_index")
    cohorts = data["cohort_label"].unique(maintain_order=True).to_list()
    # the colour scale ends at the largest value after period 0 (period 0 is 100 % retention and
    # usually the largest revenue, and would wash out every other cell); larger cells clamp
    later = data.filter(pl.col("period_index") > 0)[value].max()
    top = float((later if later else data[value].max()) or 0.0)  # type: ignore[arg-type]
    value_title = t(f"coh.col.{value}", lang)
    index_title = t(_INDEX_KEYS[period], lang)
    base = alt.Chart(data).encode(
        x=alt.X("period_index:O", title=index_title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cohort_label:O", title=t("coh.col.cohort", lang), sort=cohorts),
        tooltip=[
            alt.Tooltip("cohort_label:O", title=t("coh.col.cohort", lang)),
            alt.Tooltip("cohort_size:Q", title=t("coh.col.cohort_size", lang), format=",d"),
            alt.Tooltip("period_index:O", title=index_title),
            alt.Tooltip(f"{value}:Q", title=value_title, format=_FORMATS[value]),
        ],
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            f"{value}:Q",
            title=value_title,
            scale=alt.Scale(scheme="greens", domain=[0, top or 1], clamp=True),
            legend=bottom_legend(format=_FORMATS[value].replace("d", "")),
        )
    )
    text = base.mark_text(baseline="middle", fontSize=10, opacity=cell_text_opacity(34)).encode(
        text=alt.Text(f"{value}:Q", format=_FORMATS[value]),
        color=alt.condition(alt.datum[value] > top * 0.6, alt.value("white"), alt.value("black")),
    )
    layered = alt.LayerChart(layer=[cells, text])
    layered.width, layered.height = alt.Step(44), alt.Step(22)
    return layered
