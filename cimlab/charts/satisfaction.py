"""Charts of satisfaction (:func:`cimlab.analytics.satisfaction.satisfaction` output): NPS with confidence
intervals by group, trends by month, the promoter/passive/detractor mix, complaint rates.

Examples
--------
>>> import polars as pl
>>> stats = pl.DataFrame({"channel": ["jd", "tmall"], "nps": [30.0, -10.0],
...     "nps_low": [-18.4, -40.0], "nps_high": [78.4, 20.0], "nps_answers": [10, 20]})
>>> spec = nps_chart(stats, group="channel", lang="en").to_dict()
>>> [layer["mark"]["type"] for layer in spec["layer"]]
['rule', 'errorbar', 'point']
"""

from __future__ import annotations

from typing import Literal

import altair as alt
import polars as pl

from cimlab.charts._util import bottom_legend, no_data_marks, require
from cimlab.i18n import channel_label, segment_label, t

__all__ = [
    "complaint_rate_chart",
    "group_labels",
    "nps_chart",
    "nps_mix_chart",
    "satisfaction_trend_chart",
]

Group = Literal["channel", "segment", "month"]
Measure = Literal["nps", "csat", "complaint_rate"]

_MEASURES: dict[str, tuple[str, str, str, str]] = {
    # measure: (low column, high column, answers column, number format)
    "nps": ("nps_low", "nps_high", "nps_answers", ".1f"),
    "csat": ("csat_low", "csat_high", "csat_answers", ".0%"),
    "complaint_rate": ("complaint_low", "complaint_high", "complaint_base", ".1%"),
}
_MIX_COLOURS = {"promoters": "#2e7d32", "passives": "#9e9e9e", "detractors": "#c62828"}


def group_labels(frame: pl.DataFrame, group: str, *, lang: str = "zh") -> pl.Expr:
    """Display labels of a group column: channel names, segment names (中文 or English),
    months as ``YYYY-MM``; a null group reads "no segment" / "unknown".

    Examples
    --------
    >>> import polars as pl
    >>> f = pl.DataFrame({"segment": ["Champions", None]})
    >>> f.select(group_labels(f, "segment", lang="zh"))["label"].to_list()
    ['冠军客户', '无分群']
    """
    require(frame, [group], "group_labels")
    col = pl.col(group)
    if group == "month":
        expr = col.dt.strftime("%Y-%m")
    elif group in ("channel", "segment"):
        values = frame[group].unique().drop_nulls().to_list()
        if group == "channel":
            lookup = {v: channel_label(v, lang) for v in values}
        else:
            lookup = {v: segment_label(v, lang) for v in values}
        expr = col.replace_strict(lookup, default=col, return_dtype=pl.String)
    else:
        expr = col.cast(pl.String)
    missing = t("sat.no_segment" if group == "segment" else "sat.unknown", lang)
    return expr.fill_null(missing).alias("label")


def _order(frame: pl.DataFrame) -> list[str]:
    return frame["label"].to_list()


def nps_chart(stats: pl.DataFrame, *, group: Group = "channel", lang: str = "zh") -> alt.LayerChart:
    """NPS per group as points with their confidence interval, and a line at 0.

    Every group of ``stats`` is listed; a group without NPS answers reads "no data" (never a
    score of 0). ``stats``: :func:`cimlab.analytics.satisfaction.satisfaction_table` output with
    ``by=group`` (keep the groups to show).

    Examples
    --------
    >>> import polars as pl
    >>> stats = pl.DataFrame({"segment": ["Loyal", None], "nps": [50.0, None],
    ...     "nps_low": [20.0, None], "nps_high": [80.0, None], "nps_answers": [8, 0]})
    >>> spec = nps_chart(stats, group="segment", lang="en").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['rule', 'errorbar', 'point', 'text']
    >>> [r["label"] for rows in spec["datasets"].values() for r in rows if "no_data" in r]
    ['No segment']
    """
    require(stats, [group, "nps", "nps_low", "nps_high", "nps_answers"], "nps_chart")
    data = stats.select(
        group_labels(stats, group, lang=lang),
        "nps",
        "nps_low",
        "nps_high",
        pl.col("nps_answers").cast(pl.Int64),
    )
    y = alt.Y("label:N", title=t(f"sat.group.{group}", lang), sort=_order(data))
    scale = alt.Scale(domain=[-100, 100])
    tooltip = [
        alt.Tooltip("label:N", title=t(f"sat.group.{group}", lang)),
        alt.Tooltip("nps:Q", title=t("sat.chart.nps", lang), format=".1f"),
        alt.Tooltip("nps_low:Q", title=t("sat.chart.low", lang), format=".1f"),
        alt.Tooltip("nps_high:Q", title=t("sat.chart.high", lang), format=".1f"),
        alt.Tooltip("nps_answers:Q", title=t("sat.chart.answers", lang), format=","),
    ]
    base = alt.Chart(data)
    # one axis title: every layer repeats it (Vega-Lite would append the field names of
    # untitled layers, and a layer with title=None would blank the shared axis title)
    zero = (
        alt.Chart(pl.DataFrame({"zero": [0]}))
        .mark_rule(color="#757575")
        .encode(x=alt.X("zero:Q", title=t("sat.chart.nps", lang), scale=scale))
    )
    bars = base.mark_errorbar(ticks=True).encode(
        x=alt.X("nps_low:Q", title=t("sat.chart.nps", lang), scale=scale),
        x2="nps_high:Q",
        y=y,
        tooltip=tooltip,
    )
    points = base.mark_point(filled=True, size=80).encode(
        x=alt.X("nps:Q", title=t("sat.chart.nps", lang), scale=scale), y=y, tooltip=tooltip
    )
    layers: list[alt.Chart] = [zero, bars, points]
    missing = no_data_marks(
        data, measure="nps", category="label", y=y, title=t(f"sat.group.{group}", lang), lang=lang
    )
    if missing is not None:
        layers.append(missing)
    return alt.LayerChart(layer=layers, height=alt.Step(28))


def satisfaction_trend_chart(
    monthly: pl.DataFrame, *, measure: Measure = "nps", lang: str = "zh"
) -> alt.LayerChart:
    """A measure by month: a line with its confidence band (months without answers are gaps).

    ``monthly``: :func:`cimlab.analytics.satisfaction.satisfaction` output with ``by="month"``;
    ``measure``: ``"nps"``, ``"csat"`` or ``"complaint_rate"``.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> monthly = pl.DataFrame({"month": [dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
    ...     "csat": [0.8, None], "csat_low": [0.49, None], "csat_high": [0.94, None],
    ...     "csat_answers": [10, 0]})
    >>> spec = satisfaction_trend_chart(monthly, measure="csat", lang="en").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]], spec["layer"][1]["encoding"]["y"]["title"]
    (['area', 'line'], 'CSAT (share 4–5)')
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure={measure!r} should be one of {', '.join(_MEASURES)}.")
    low, high, count, fmt = _MEASURES[measure]
    require(monthly, ["month", measure, low, high, count], "satisfaction_trend_chart")
    data = monthly.select(
        pl.col("month").cast(pl.Date),
        pl.col(measure).alias("value"),
        pl.col(low).alias("low"),
        pl.col(high).alias("high"),
        pl.col(count).cast(pl.Int64).alias("n"),
    )
    title = t(f"sat.chart.{measure}", lang)
    axis = alt.Axis(format="%") if fmt.endswith("%") else alt.Axis()
    # month labels as YYYY-MM: Vega's default locale would print English month names
    x = alt.X("yearmonth(month):T", title=t("sat.group.month", lang), axis=alt.Axis(format="%Y-%m"))
    tooltip = [
        alt.Tooltip("yearmonth(month):T", title=t("sat.group.month", lang), format="%Y-%m"),
        alt.Tooltip("value:Q", title=title, format=fmt),
        alt.Tooltip("low:Q", title=t("sat.chart.low", lang), format=fmt),
        alt.Tooltip("high:Q", title=t("sat.chart.high", lang), format=fmt),
        alt.Tooltip("n:Q", title=t(f"sat.chart.n.{measure}", lang), format=","),
    ]
    base = alt.Chart(data)
    band = base.mark_area(opacity=0.25).encode(
        x=x, y=alt.Y("low:Q", title=title, axis=axis), y2="high:Q"
    )
    line = base.mark_line(point=True).encode(
        x=x, y=alt.Y("value:Q", title=title, axis=axis), tooltip=tooltip
    )
    return alt.LayerChart(layer=[band, line], height=260)


def nps_mix_chart(stats: pl.DataFrame, *, group: Group = "channel", lang: str = "zh") -> alt.Chart:
    """Stacked 100 % bars: shares of promoters, passives and detractors per group.

    Examples
    --------
    >>> import polars as pl
    >>> stats = pl.DataFrame({"channel": ["jd"], "promoters": [5], "passives": [3],
    ...                       "detractors": [2]})
    >>> rows = nps_mix_chart(stats, lang="en").to_dict()["datasets"].popitem()[1]
    >>> [(r["kind"], r["answers"], r["share"]) for r in rows]
    [('Promoters (9–10)', 5, 0.5), ('Passives (7–8)', 3, 0.3), ('Detractors (0–6)', 2, 0.2)]
    """
    kinds = list(_MIX_COLOURS)
    require(stats, [group, *kinds], "nps_mix_chart")
    names = {k: t(f"sat.chart.{k}", lang) for k in kinds}
    data = (
        stats.select(group_labels(stats, group, lang=lang), *kinds)
        .with_row_index("position")
        .unpivot(on=kinds, index=["position", "label"], variable_name="kind", value_name="answers")
        .with_columns(
            pl.col("answers").cast(pl.Int64),
            (pl.col("answers") / pl.col("answers").sum().over("position")).alias("share"),
            pl.col("kind").replace_strict(kinds, list(range(3))).alias("kind_order"),
        )
        .filter(pl.col("answers").sum().over("position") > 0)
        .sort("position", "kind_order")
        .with_columns(pl.col("kind").replace_strict(names))
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("share:Q", title=t("sat.chart.share", lang), axis=alt.Axis(format="%")),
            y=alt.Y(
                "label:N",
                title=t(f"sat.group.{group}", lang),
                sort=data["label"].unique(maintain_order=True).to_list(),
            ),
            color=alt.Color(
                "kind:N",
                title=t("sat.chart.kind", lang),
                scale=alt.Scale(domain=list(names.values()), range=list(_MIX_COLOURS.values())),
                legend=bottom_legend(columns=3),
            ),
            order=alt.Order("kind_order:Q"),
            tooltip=[
                alt.Tooltip("label:N", title=t(f"sat.group.{group}", lang)),
                alt.Tooltip("kind:N", title=t("sat.chart.kind", lang)),
                alt.Tooltip("answers:Q", title=t("sat.chart.answers", lang), format=","),
                alt.Tooltip("share:Q", title=t("sat.chart.share", lang), format=".0%"),
            ],
        )
        .properties(height=alt.Step(28))
    )


def complaint_rate_chart(
    stats: pl.DataFrame, *, group: Group = "channel", lang: str = "zh"
) -> alt.LayerChart:
    """Complaint rate per group as bars with their Wilson interval.

    Every group of ``stats`` is listed; a group nobody was observed in (no complaint flag, no
    interaction) reads "no data", never a rate of 0.

    Examples
    --------
    >>> import polars as pl
    >>> stats = pl.DataFrame({"channel": ["jd", "tmall"], "complaints": [1, 0],
    ...     "complaint_base": [10, 0], "complaint_rate": [0.1, None],
    ...     "complaint_low": [0.018, None], "complaint_high": [0.404, None]})
    >>> spec = complaint_rate_chart(stats, lang="en").to_dict()
    >>> spec["layer"][0]["encoding"]["x"]["title"], [layer["mark"]["type"] for layer in spec["layer"]]
    ('Complaint rate', ['bar', 'errorbar', 'text'])
    >>> [r for rows in spec["datasets"].values() for r in rows if "no_data" in r]
    [{'label': 'Tmall', 'no_data': 'no data'}]
    """
    columns = ["complaints", "complaint_base", "complaint_rate", "complaint_low", "complaint_high"]
    require(stats, [group, *columns], "complaint_rate_chart")
    data = stats.select(group_labels(stats, group, lang=lang), *columns)
    y = alt.Y("label:N", title=t(f"sat.group.{group}", lang), sort=_order(data))
    tooltip = [
        alt.Tooltip("label:N", title=t(f"sat.group.{group}", lang)),
        alt.Tooltip("complaint_rate:Q", title=t("sat.chart.complaint_rate", lang), format=".1%"),
        alt.Tooltip("complaint_low:Q", title=t("sat.chart.low", lang), format=".1%"),
        alt.Tooltip("complaint_high:Q", title=t("sat.chart.high", lang), format=".1%"),
        alt.Tooltip("complaints:Q", title=t("sat.chart.complainers", lang), format=","),
        alt.Tooltip("complaint_base:Q", title=t("sat.chart.n.complaint_rate", lang), format=","),
    ]
    base = alt.Chart(data)
    bars = base.mark_bar(color="#ef6c00").encode(
        x=alt.X(
            "complaint_rate:Q",
            title=t("sat.chart.complaint_rate", lang),
            axis=alt.Axis(format="%"),
        ),
        y=y,
        tooltip=tooltip,
    )
    whiskers = base.mark_errorbar(ticks=True).encode(
        x=alt.X("complaint_low:Q", title=t("sat.chart.complaint_rate", lang)),
        x2="complaint_high:Q",
        y=y,
        tooltip=tooltip,
    )
    layers: list[alt.Chart] = [bars, whiskers]
    missing = no_data_marks(
        data,
        measure="complaint_rate",
        category="label",
        y=y,
        title=t(f"sat.group.{group}", lang),
        lang=lang,
    )
    if missing is not None:
        layers.append(missing)
    return alt.LayerChart(layer=layers, height=alt.Step(28))
