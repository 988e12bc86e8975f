"""KPI trend line: one KPI over consecutive periods (:func:`cimlab.analytics.kpis.kpi_trend`).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> trend = pl.DataFrame({"period_end": [dt.date(2024, 1, 5), dt.date(2024, 1, 10)],
...     "kpi": ["revenue", "revenue"], "value": [10.0, 50.0]})
>>> spec = kpi_trend_chart(trend, kpi="revenue", lang="en").to_dict()
>>> spec["mark"]["type"], spec["encoding"]["y"]["title"]
('line', 'Revenue (net)')
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cimlab.analytics.kpis import KPI_NAMES
from cimlab.charts._util import require
from cimlab.i18n import t

__all__ = ["kpi_trend_chart"]

_FORMATS = {
    "revenue": ",.0f",
    "average_order_value": ",.2f",
    "repeat_purchase_rate": ".1%",
}


def kpi_trend_chart(
    trend: pl.DataFrame, *, kpi: str = "revenue", lang: str = "zh", height: int = 180
) -> alt.Chart:
    """A small line chart (with points) of one KPI by period end.

    Parameters
    ----------
    trend
        :func:`cimlab.analytics.kpis.kpi_trend` output (``period_end, kpi, value``).
    kpi
        One of :data:`cimlab.analytics.kpis.KPI_NAMES`.
    lang
        Language of the labels.
    height
        Height in pixels (the width follows the container).

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> trend = pl.DataFrame({"period_end": [dt.date(2024, 1, 5)] * 2,
    ...     "kpi": ["orders", "repeat_purchase_rate"], "value": [3.0, 0.5]})
    >>> spec = kpi_trend_chart(trend, kpi="repeat_purchase_rate", lang="zh").to_dict()
    >>> rows = spec["datasets"].popitem()[1]
    >>> [r["value"] for r in rows], spec["encoding"]["y"]["axis"]["format"]
    ([0.5], '.0%')
    """
    if kpi not in KPI_NAMES:
        raise ValueError(f"kpi_trend_chart: kpi={kpi!r} should be one of {', '.join(KPI_NAMES)}.")
    require(trend, ["period_end", "kpi", "value"], "kpi_trend_chart")
    data = (
        trend.filter(pl.col("kpi") == kpi)
        .select(pl.col("period_end").cast(pl.Date), pl.col("value").cast(pl.Float64))
        .sort("period_end")
    )
    fmt = _FORMATS.get(kpi, ",.0f")
    title = t(f"kpi.{kpi}", lang)
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "period_end:T", title=t("kpi.period_end", lang), axis=alt.Axis(format="%Y-%m-%d")
            ),
            y=alt.Y(
                "value:Q",
                title=title,
                axis=alt.Axis(format=".0%" if kpi == "repeat_purchase_rate" else ",.0f"),
                scale=alt.Scale(zero=False),
            ),
            tooltip=[
                alt.Tooltip("period_end:T", title=t("kpi.period_end", lang), format="%Y-%m-%d"),
                alt.Tooltip("value:Q", title=title, format=fmt),
            ],
        )
        .properties(height=height)
    )
