"""Charts of the Value & risk page: CLV distribution, churn bands, the P(alive) map, the holdout
tracking and conditional-expectation charts and the forecast.

Texts come from :data:`TEXT` in the chosen language; money axes name their currency when one is
given. Risk bands keep one order and colour everywhere (:data:`BAND_COLORS`).

Examples
--------
>>> import polars as pl
>>> customers = pl.DataFrame({"clv": [1.0, 2.0, 40.0]})
>>> clv_histogram_chart(customers, lang="en").to_dict()["mark"]["type"]
'bar'
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cimlab.charts._util import COUNT_AXIS, bottom_legend, require

__all__ = [
    "BAND_COLORS",
    "BAND_ORDER",
    "TEXT",
    "band_label",
    "churn_band_chart",
    "clv_histogram_chart",
    "conditional_expectation_chart",
    "forecast_chart",
    "p_alive_map_chart",
    "tracking_chart",
]

BAND_ORDER = ("high", "medium", "low")
"""Churn risk bands, the most urgent first."""

BAND_COLORS = {"high": "#c62828", "medium": "#fb8c00", "low": "#2e7d32"}

#: Chart texts by key and language.
TEXT: dict[str, dict[str, str]] = {
    "clv": {"en": "CLV", "zh": "客户终身价值 CLV"},
    "customers": {"en": "Customers", "zh": "客户数"},
    "band": {"en": "Churn risk", "zh": "流失风险"},
    "high": {"en": "High", "zh": "高"},
    "medium": {"en": "Medium", "zh": "中"},
    "low": {"en": "Low", "zh": "低"},
    "value_at_risk": {"en": "Their CLV", "zh": "客户 CLV 合计"},
    "frequency": {"en": "Repeat purchases (frequency)", "zh": "复购次数（frequency）"},
    "recency": {"en": "Age at last purchase (recency)", "zh": "最近一次购买时的客龄（recency）"},
    "p_alive": {"en": "P(alive)", "zh": "存活概率 P(alive)"},
    "period": {"en": "Period end", "zh": "周期截止"},
    "purchases": {"en": "Repeat purchases", "zh": "复购次数"},
    "cumulative": {"en": "Cumulative repeat purchases", "zh": "累计复购次数"},
    "series": {"en": "Series", "zh": "系列"},
    "actual": {"en": "Actual", "zh": "实际"},
    "predicted": {"en": "Predicted", "zh": "预测"},
    "model": {"en": "Model", "zh": "模型"},
    "frequency_cal": {
        "en": "Purchases in the calibration period",
        "zh": "校准期内的复购次数",
    },
    "holdout_mean": {
        "en": "Mean purchases in the holdout",
        "zh": "验证期内平均购买次数",
    },
    "expected_purchases": {"en": "Expected repeat purchases", "zh": "预期复购次数"},
    "expected_revenue": {"en": "Expected revenue", "zh": "预期收入"},
}


def _text(key: str, lang: str) -> str:
    if lang not in ("en", "zh"):
        raise ValueError(f"lang={lang!r} is not one of zh, en.")
    return TEXT[key][lang]


def _money(key: str, lang: str, currency: str | None) -> str:
    return f"{_text(key, lang)} ({currency})" if currency else _text(key, lang)


def band_label(band: str, lang: str = "zh") -> str:
    """Display name of a risk band.

    >>> band_label("high", "en"), band_label("low", "zh")
    ('High', '低')
    """
    return _text(band, lang) if band in BAND_ORDER else band


def clv_histogram_chart(
    customers: pl.DataFrame, *, lang: str = "zh", currency: str | None = None, bins: int = 40
) -> alt.Chart:
    """Histogram of customers by CLV. Values above the 99th percentile are gathered in the last
    bar (its tooltip says from which value), so a few very valuable customers do not flatten the
    rest."""
    require(customers, ["clv"], "clv_histogram_chart")
    values = customers["clv"].drop_nulls().cast(pl.Float64)
    top = float(values.quantile(0.99) or 0.0) if values.len() else 0.0
    width = top / bins if top > 0 else 1.0
    data = (
        pl.DataFrame({"clv": values})
        .with_columns(
            bin=(pl.col("clv").clip(0.0, top) / width).floor().clip(0, bins - 1).cast(pl.Int64)
        )
        .group_by("bin")
        .agg(pl.len().alias("customers"))
        .with_columns(start=pl.col("bin") * width, end=(pl.col("bin") + 1) * width)
        .sort("bin")
    )
    title = _money("clv", lang, currency)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("start:Q", bin="binned", title=title, axis=alt.Axis(format=",.0f")),
            x2="end:Q",
            y=alt.Y("customers:Q", title=_text("customers", lang), axis=COUNT_AXIS),
            tooltip=[
                alt.Tooltip("start:Q", title=f"{title} ≥", format=",.2f"),
                alt.Tooltip("end:Q", title=f"{title} <", format=",.2f"),
                alt.Tooltip("customers:Q", title=_text("customers", lang), format=","),
            ],
        )
        .properties(height=260)
    )


def churn_band_chart(
    bands: pl.DataFrame, *, lang: str = "zh", currency: str | None = None
) -> alt.HConcatChart:
    """Customers and value at risk per churn band (``risk_band, customers, value_at_risk``),
    bands in :data:`BAND_ORDER` and their colours."""
    require(bands, ["risk_band", "customers", "value_at_risk"], "churn_band_chart")
    order = [band_label(b, lang) for b in BAND_ORDER]
    data = bands.with_columns(
        pl.col("risk_band")
        .replace_strict({b: band_label(b, lang) for b in BAND_ORDER}, default=pl.col("risk_band"))
        .alias("band")
    )
    colour = alt.Color(
        "band:N",
        title=_text("band", lang),
        scale=alt.Scale(domain=order, range=[BAND_COLORS[b] for b in BAND_ORDER]),
        legend=None,
    )
    y = alt.Y("band:N", title=_text("band", lang), sort=order)
    money_title = _money("value_at_risk", lang, currency)
    count = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("customers:Q", title=_text("customers", lang), axis=COUNT_AXIS),
            y=y,
            color=colour,
            tooltip=[
                alt.Tooltip("band:N", title=_text("band", lang)),
                alt.Tooltip("customers:Q", title=_text("customers", lang), format=","),
            ],
        )
        .properties(width=220, height=alt.Step(34))
    )
    value = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("value_at_risk:Q", title=money_title, axis=alt.Axis(format=",.0f")),
            y=alt.Y("band:N", title=None, sort=order, axis=alt.Axis(labels=False, ticks=False)),
            color=colour,
            tooltip=[
                alt.Tooltip("band:N", title=_text("band", lang)),
                alt.Tooltip("value_at_risk:Q", title=money_title, format=",.2f"),
            ],
        )
        .properties(width=220, height=alt.Step(34))
    )
    return alt.hconcat(count, value)


def p_alive_map_chart(grid: pl.DataFrame, *, lang: str = "zh") -> alt.Chart:
    """Heat map of P(alive) over frequency (rows, most purchases on top) × recency (columns), as
    :func:`cimlab.predict.maps.frequency_recency_map` returns."""
    require(grid, ["frequency", "recency", "p_alive"], "p_alive_map_chart")
    recencies = grid["recency"].unique().sort()
    step = float(recencies[1] - recencies[0]) if recencies.len() > 1 else 1.0
    top = float(grid["recency"].cast(pl.Float64).max() or 0.0)  # type: ignore[arg-type]
    data = grid.with_columns(
        recency_start=(pl.col("recency") - step / 2).clip(0.0, top),
        recency_end=(pl.col("recency") + step / 2).clip(0.0, top),
    )
    return (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X(
                "recency_start:Q",
                title=_text("recency", lang),
                axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(domain=[0, top], nice=False),
            ),
            x2="recency_end:Q",
            y=alt.Y("frequency:O", title=_text("frequency", lang), sort="descending"),
            color=alt.Color(
                "p_alive:Q",
                title=_text("p_alive", lang),
                scale=alt.Scale(scheme="redyellowgreen", domain=[0, 1]),
                legend=bottom_legend(format=".0%"),
            ),
            tooltip=[
                alt.Tooltip("frequency:Q", title=_text("frequency", lang), format=","),
                alt.Tooltip("recency:Q", title=_text("recency", lang), format=",.1f"),
                alt.Tooltip("p_alive:Q", title=_text("p_alive", lang), format=".1%"),
            ],
        )
        .properties(height=320)
    )


def tracking_chart(tracking: pl.DataFrame, *, lang: str = "zh", model: str) -> alt.Chart:
    """Cumulative repeat purchases per period, actual vs ``model``'s prediction (the tracking
    frame of :func:`cimlab.predict.holdout.evaluate_holdout`, with a ``model`` column)."""
    require(
        tracking,
        ["model", "period_end", "cumulative_actual", "cumulative_predicted"],
        "tracking_chart",
    )
    rows = tracking.filter(pl.col("model") == model)
    actual, predicted = _text("actual", lang), f"{_text('predicted', lang)} ({model})"
    data = pl.concat(
        [
            rows.select("period_end", pl.col("cumulative_actual").alias("value")).with_columns(
                series=pl.lit(actual)
            ),
            rows.select("period_end", pl.col("cumulative_predicted").alias("value")).with_columns(
                series=pl.lit(predicted)
            ),
        ]
    )
    return (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("period_end:T", title=_text("period", lang)),
            y=alt.Y("value:Q", title=_text("cumulative", lang), axis=alt.Axis(format=",.0f")),
            color=alt.Color(
                "series:N",
                title=_text("series", lang),
                sort=[actual, predicted],
                legend=bottom_legend(),
            ),
            strokeDash=alt.StrokeDash("series:N", sort=[actual, predicted], legend=None),
            tooltip=[
                alt.Tooltip("period_end:T", title=_text("period", lang), format="%Y-%m-%d"),
                alt.Tooltip("series:N", title=_text("series", lang)),
                alt.Tooltip("value:Q", title=_text("cumulative", lang), format=",.1f"),
            ],
        )
        .properties(height=280)
    )


def conditional_expectation_chart(table: pl.DataFrame, *, lang: str = "zh") -> alt.Chart:
    """Mean holdout purchases by calibration frequency: the actual mean and each model's
    prediction (``model, frequency_cal, actual, predicted``)."""
    require(
        table, ["model", "frequency_cal", "actual", "predicted"], "conditional_expectation_chart"
    )
    labels = table["frequency_cal"].unique(maintain_order=True).to_list()
    first = table["model"][0] if table.height else ""
    actual = _text("actual", lang)
    data = pl.concat(
        [
            table.filter(pl.col("model") == first).select(
                pl.col("frequency_cal").cast(pl.String),
                pl.col("actual").alias("value"),
                pl.lit(actual).alias("series"),
            ),
            table.select(
                pl.col("frequency_cal").cast(pl.String),
                pl.col("predicted").alias("value"),
                pl.col("model").alias("series"),
            ),
        ]
    )
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "frequency_cal:N",
                title=_text("frequency_cal", lang),
                sort=[str(v) for v in labels],
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("value:Q", title=_text("holdout_mean", lang)),
            color=alt.Color("series:N", title=_text("series", lang), legend=bottom_legend()),
            tooltip=[
                alt.Tooltip("frequency_cal:N", title=_text("frequency_cal", lang)),
                alt.Tooltip("series:N", title=_text("series", lang)),
                alt.Tooltip("value:Q", title=_text("holdout_mean", lang), format=".2f"),
            ],
        )
        .properties(height=280)
    )


def forecast_chart(
    forecast: pl.DataFrame,
    *,
    lang: str = "zh",
    measure: str = "expected_purchases",
    currency: str | None = None,
) -> alt.Chart:
    """Bars of the forecast per period (``period_end`` and ``measure``: ``expected_purchases`` or
    ``expected_revenue``)."""
    require(forecast, ["period_end", measure], "forecast_chart")
    title = (
        _money(measure, lang, currency) if measure == "expected_revenue" else _text(measure, lang)
    )
    return (
        alt.Chart(forecast.select("period_end", measure))
        .mark_bar()
        .encode(
            x=alt.X("period_end:T", title=_text("period", lang)),
            y=alt.Y(f"{measure}:Q", title=title, axis=alt.Axis(format=",.0f")),
            tooltip=[
                alt.Tooltip("period_end:T", title=_text("period", lang), format="%Y-%m-%d"),
                alt.Tooltip(f"{measure}:Q", title=title, format=",.1f"),
            ],
        )
        .properties(height=240)
    )
