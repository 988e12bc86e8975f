"""Charts of the customer lifecycle: stage counts over time and transitions between two dates.

Stages keep one order and one colour everywhere (:data:`STAGE_COLORS`); stage names come from
:func:`cimlab.i18n.stage_label` in the chosen language, axis titles from :data:`TEXT`.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> counts = pl.DataFrame({"as_of": [dt.date(2024, 1, 31)] * 2, "stage": ["new", "lapsed"],
...                        "customers": [3, 1]})
>>> stage_counts_chart(counts, lang="en").to_dict()["mark"]["type"]
'area'
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cimlab.analytics.lifecycle import STAGE_ORDER, UNKNOWN
from cimlab.charts._util import (
    COUNT_AXIS,
    bottom_legend,
    cell_text_opacity,
    narrow_label_angle,
    require,
)
from cimlab.i18n import stage_label as _stage_name

__all__ = ["STAGE_COLORS", "TEXT", "stage_counts_chart", "stage_label", "transition_chart"]

#: One colour per stage (grey prospects, blues for new/repeat, green loyal, purple won back,
#: orange at risk, red lapsed).
STAGE_COLORS: dict[str, str] = {
    "prospect": "#9e9e9e",
    "new": "#90caf9",
    "repeat": "#1e88e5",
    "loyal": "#2e7d32",
    "won_back": "#8e24aa",
    "at_risk": "#fb8c00",
    "lapsed": "#c62828",
}

#: Chart texts by key and language.
TEXT: dict[str, dict[str, str]] = {
    "date": {"en": "Date", "zh": "日期"},
    "stage": {"en": "Stage", "zh": "阶段"},
    "customers": {"en": "Customers", "zh": "客户数"},
    "from": {"en": "Stage on the start date", "zh": "起始日阶段"},
    "to": {"en": "Stage on the end date", "zh": "结束日阶段"},
    "share": {"en": "Share of the start stage", "zh": "占起始阶段比例"},
    UNKNOWN: {"en": "Not yet known", "zh": "尚未认识"},
}


def _text(key: str, lang: str) -> str:
    if lang not in ("en", "zh"):
        raise ValueError(f"lang={lang!r} is not one of zh, en.")
    return TEXT[key][lang]


def stage_label(stage: str, lang: str = "zh") -> str:
    """Display name of a stage code (``"unknown"`` included); other values are shown as written.

    Examples
    --------
    >>> stage_label("at_risk", "en"), stage_label("won_back", "zh"), stage_label("unknown", "en")
    ('At risk', '赢回客户', 'Not yet known')
    """
    _text("stage", lang)
    if stage == UNKNOWN:
        return TEXT[UNKNOWN][lang]
    return _stage_name(stage, lang)


def _label_expr(column: str, lang: str) -> pl.Expr:
    lookup = {s: stage_label(s, lang) for s in (UNKNOWN, *STAGE_ORDER)}
    return pl.col(column).replace_strict(lookup, default=pl.col(column), return_dtype=pl.String)


def _order_expr(column: str) -> pl.Expr:
    order = {s: i for i, s in enumerate((UNKNOWN, *STAGE_ORDER))}
    return pl.col(column).replace_strict(order, default=len(order), return_dtype=pl.Int64)


def stage_counts_chart(counts: pl.DataFrame, *, lang: str = "zh") -> alt.Chart:
    """Stacked areas of customers per stage over time, in the fixed stage order and colours.

    Parameters
    ----------
    counts
        ``as_of, stage, customers`` as :func:`cimlab.analytics.lifecycle.stage_counts` returns.
    lang
        Language of the labels.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> counts = pl.DataFrame({"as_of": [dt.date(2024, 1, 31)], "stage": ["loyal"],
    ...                        "customers": [4]})
    >>> spec = stage_counts_chart(counts, lang="zh").to_dict()
    >>> spec["encoding"]["color"]["scale"]["domain"][:3], spec["encoding"]["y"]["title"]
    (['潜在客户', '新客户', '复购客户'], '客户数')
    """
    require(counts, ["as_of", "stage", "customers"], "stage_counts_chart")
    title = _text("stage", lang)
    data = counts.select(
        pl.col("as_of"),
        pl.col("stage"),
        _label_expr("stage", lang).alias("stage_label"),
        _order_expr("stage").alias("stage_order"),
        pl.col("customers").cast(pl.Int64),
    ).sort("as_of", "stage_order")
    return (
        alt.Chart(data)
        .mark_area()
        .encode(
            x=alt.X("as_of:T", title=_text("date", lang), axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("customers:Q", title=_text("customers", lang), stack="zero", axis=COUNT_AXIS),
            color=alt.Color(
                "stage_label:N",
                title=title,
                scale=alt.Scale(
                    domain=[stage_label(s, lang) for s in STAGE_ORDER],
                    range=[STAGE_COLORS[s] for s in STAGE_ORDER],
                ),
                sort=[stage_label(s, lang) for s in STAGE_ORDER],
                legend=bottom_legend(columns=3),
            ),
            order=alt.Order("stage_order:Q"),
            tooltip=[
                alt.Tooltip("as_of:T", title=_text("date", lang), format="%Y-%m-%d"),
                alt.Tooltip("stage_label:N", title=title),
                alt.Tooltip("customers:Q", title=_text("customers", lang), format=","),
            ],
        )
        .properties(height=300)
    )


def transition_chart(transitions: pl.DataFrame, *, lang: str = "zh") -> alt.LayerChart:
    """Heat map of customers moving from a start stage (rows) to an end stage (columns).

    Colour is the share of the start stage (rows are comparable whatever their size); each cell
    shows its number of customers.

    Parameters
    ----------
    transitions
        ``from_stage, to_stage, customers, share_of_from`` as
        :func:`cimlab.analytics.lifecycle.stage_transitions` returns.
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> moves = pl.DataFrame({"from_stage": ["unknown", "new"], "to_stage": ["new", "at_risk"],
    ...                       "customers": [3, 2], "share_of_from": [1.0, 1.0]})
    >>> spec = transition_chart(moves, lang="en").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['rect', 'text']
    >>> spec["layer"][0]["encoding"]["y"]["sort"][:2]
    ['Not yet known', 'New']
    """
    require(
        transitions,
        ["from_stage", "to_stage", "customers", "share_of_from"],
        "transition_chart",
    )
    data = transitions.select(
        _label_expr("from_stage", lang).alias("from_label"),
        _label_expr("to_stage", lang).alias("to_label"),
        pl.col("customers").cast(pl.Int64),
        pl.col("share_of_from").cast(pl.Float64),
    )
    rows = [stage_label(s, lang) for s in (UNKNOWN, *STAGE_ORDER)]
    cols = [stage_label(s, lang) for s in STAGE_ORDER]
    present_rows = set(data["from_label"].to_list())
    present_cols = set(data["to_label"].to_list())
    rows = [r for r in rows if r in present_rows] + sorted(present_rows - set(rows))
    cols = [c for c in cols if c in present_cols] + sorted(present_cols - set(cols))
    base = alt.Chart(data).encode(
        x=alt.X(
            "to_label:N",
            title=_text("to", lang),
            sort=cols,
            axis=alt.Axis(**narrow_label_angle(72)),
        ),
        y=alt.Y("from_label:N", title=_text("from", lang), sort=rows),
        tooltip=[
            alt.Tooltip("from_label:N", title=_text("from", lang)),
            alt.Tooltip("to_label:N", title=_text("to", lang)),
            alt.Tooltip("customers:Q", title=_text("customers", lang), format=","),
            alt.Tooltip("share_of_from:Q", title=_text("share", lang), format=".0%"),
        ],
    )
    heat = base.mark_rect().encode(
        color=alt.Color(
            "share_of_from:Q",
            title=_text("share", lang),
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=bottom_legend(format=".0%"),
        )
    )
    text = base.mark_text(baseline="middle", opacity=cell_text_opacity(28)).encode(
        text=alt.Text("customers:Q", format=","),
        color=alt.condition(alt.datum.share_of_from > 0.5, alt.value("white"), alt.value("black")),
    )
    return alt.LayerChart(layer=[heat, text], height=alt.Step(32), width=alt.Step(72))
