"""Charts of channels: metrics per channel, acquisition channels, overlap, migration.

Inputs are the frames of :mod:`cimlab.analytics.channels`; channel tokens are shown with
:func:`cimlab.i18n.channel_label`, texts follow ``lang``.

Examples
--------
>>> import polars as pl
>>> metrics = pl.DataFrame({"channel": ["tmall", "jd"], "customers": [3, 2],
...     "new_customers": [1, 1], "orders": [4, 2], "revenue": [100.0, 80.0],
...     "revenue_share": [0.56, 0.44], "aov": [25.0, 40.0]})
>>> spec = channel_chart(metrics, measure="aov", lang="en").to_dict()
>>> spec["mark"]["type"], spec["encoding"]["x"]["title"]
('bar', 'Average order value')
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cimlab.analytics.channels import CHANNEL_SEPARATOR, NONE_CHANNEL
from cimlab.charts._util import (
    COUNT_AXIS,
    bottom_legend,
    category_axis,
    cell_text_opacity,
    narrow_label_angle,
    no_data_marks,
    require,
)
from cimlab.i18n import channel_label, t

__all__ = [
    "ACQUISITION_MEASURES",
    "CHANNEL_MEASURES",
    "acquisition_chart",
    "channel_chart",
    "migration_chart",
    "overlap_chart",
]

#: Measures :func:`channel_chart` can show (columns of :func:`cimlab.analytics.channels.channel_metrics`).
CHANNEL_MEASURES: tuple[str, ...] = ("revenue", "customers", "new_customers", "orders", "aov")

#: Measures :func:`acquisition_chart` can show (of :func:`cimlab.analytics.channels.acquisition_summary`).
ACQUISITION_MEASURES: tuple[str, ...] = ("revenue_per_customer", "repeat_rate", "customers")

_FORMATS = {
    "revenue": ",.0f",
    "aov": ",.2f",
    "revenue_per_customer": ",.2f",
    "repeat_rate": ".1%",
    "revenue_share": ".1%",
    "share": ".1%",
}


def _col(name: str, lang: str) -> str:
    return t(f"ch.col.{name}", lang)


def _fmt(measure: str) -> str:
    return _FORMATS.get(measure, ",d")


def _axis(measure: str) -> alt.Axis:
    if measure in _FORMATS:
        return alt.Axis(format=_FORMATS[measure].replace(",.2f", ",.0f"))
    return COUNT_AXIS


def _channel_name(token: str, lang: str) -> str:
    return t("ch.none", lang) if token == NONE_CHANNEL else channel_label(token, lang)


def _labelled(frame: pl.DataFrame, column: str, lang: str, alias: str) -> pl.Expr:
    values = frame[column].drop_nulls().unique().to_list()
    lookup = {v: _channel_name(v, lang) for v in values}
    return (
        pl.col(column)
        .replace_strict(lookup, default=pl.col(column), return_dtype=pl.String)
        .alias(alias)
    )


def _check_measure(measure: str, allowed: tuple[str, ...], what: str) -> None:
    if measure not in allowed:
        raise ValueError(f"{what}: measure={measure!r} should be one of {', '.join(allowed)}.")


def channel_chart(
    metrics: pl.DataFrame, *, measure: str = "revenue", lang: str = "zh"
) -> alt.Chart | alt.LayerChart:
    """Horizontal bars of one measure per channel, largest first; a channel without a value
    (no orders: no average order value) reads "no data", never a bar of 0.

    Parameters
    ----------
    metrics
        :func:`cimlab.analytics.channels.channel_metrics` output.
    measure
        One of :data:`CHANNEL_MEASURES`.
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> metrics = pl.DataFrame({"channel": ["tmall"], "customers": [3], "new_customers": [1],
    ...     "orders": [4], "revenue": [100.0], "revenue_share": [1.0], "aov": [25.0]})
    >>> rows = channel_chart(metrics, lang="zh").to_dict()["datasets"].popitem()[1]
    >>> rows[0]["label"], rows[0]["revenue"]
    ('天猫', 100.0)
    """
    _check_measure(measure, CHANNEL_MEASURES, "channel_chart")
    columns = ["channel", "customers", "new_customers", "orders", "revenue", "revenue_share", "aov"]
    require(metrics, columns, "channel_chart")
    data = metrics.select(_labelled(metrics, "channel", lang, "label"), *columns[1:]).sort(
        measure, descending=True, nulls_last=True
    )
    return _bars(data, measure=measure, category="channel", columns=columns[1:], lang=lang)


def _bars(
    data: pl.DataFrame,
    *,
    measure: str,
    category: str,
    columns: list[str],
    lang: str,
    colour: str | None = None,
) -> alt.Chart | alt.LayerChart:
    """Horizontal bars of ``measure`` per ``label`` in the order of ``data``; rows whose measure
    is null (a rate over no customers) read "no data" instead of showing no bar."""
    y = alt.Y(
        "label:N", title=_col(category, lang), sort=data["label"].to_list(), axis=category_axis()
    )
    chart = alt.Chart(data)
    bars = (chart.mark_bar(color=colour) if colour else chart.mark_bar()).encode(
        x=alt.X(f"{measure}:Q", title=_col(measure, lang), axis=_axis(measure)),
        y=y,
        tooltip=[
            alt.Tooltip("label:N", title=_col(category, lang)),
            *(alt.Tooltip(f"{c}:Q", title=_col(c, lang), format=_fmt(c)) for c in columns),
        ],
    )
    missing = no_data_marks(
        data, measure=measure, category="label", y=y, title=_col(category, lang), lang=lang
    )
    if missing is None:
        return bars.properties(height=alt.Step(32))
    return alt.LayerChart(layer=[bars, missing], height=alt.Step(32))


def acquisition_chart(
    summary: pl.DataFrame, *, measure: str = "revenue_per_customer", lang: str = "zh"
) -> alt.Chart | alt.LayerChart:
    """Bars per acquisition channel: what its customers are worth, or how many come back.

    A channel none of whose customers was observed over the whole horizon has no repeat rate
    and no revenue per customer: it reads "no data", never a bar of 0.

    Parameters
    ----------
    summary
        :func:`cimlab.analytics.channels.acquisition_summary` output.
    measure
        One of :data:`ACQUISITION_MEASURES`.
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> summary = pl.DataFrame({"acquisition_channel": ["jd"], "customers": [4], "share": [1.0],
    ...     "observed_customers": [2], "repeat_customers": [1], "repeat_rate": [0.5],
    ...     "revenue_per_customer": [17.5]})
    >>> spec = acquisition_chart(summary, measure="repeat_rate", lang="en").to_dict()
    >>> spec["encoding"]["x"]["title"], spec["encoding"]["x"]["axis"]["format"]
    ('Repeat rate', '.1%')
    >>> recent = pl.DataFrame({"acquisition_channel": ["tmall"], "customers": [3], "share": [1.0],
    ...     "observed_customers": [0], "repeat_customers": [0], "repeat_rate": [None],
    ...     "revenue_per_customer": [None]})
    >>> spec = acquisition_chart(pl.concat([summary, recent]), measure="repeat_rate").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['bar', 'text']
    >>> [r for rows in spec["datasets"].values() for r in rows if "no_data" in r]
    [{'label': '天猫', 'no_data': '无数据'}]
    """
    _check_measure(measure, ACQUISITION_MEASURES, "acquisition_chart")
    columns = [
        "acquisition_channel",
        "customers",
        "share",
        "observed_customers",
        "repeat_customers",
        "repeat_rate",
        "revenue_per_customer",
    ]
    require(summary, columns, "acquisition_chart")
    data = summary.select(
        _labelled(summary, "acquisition_channel", lang, "label"), *columns[1:]
    ).sort(measure, descending=True, nulls_last=True)
    return _bars(
        data,
        measure=measure,
        category="acquisition_channel",
        columns=columns[1:],
        lang=lang,
        colour="#4c78a8",
    )


def overlap_chart(overlap: pl.DataFrame, *, top: int = 15, lang: str = "zh") -> alt.VConcatChart:
    """An UpSet-style chart: bars of customers per channel combination above a dot matrix
    showing which channels make each combination.

    Parameters
    ----------
    overlap
        :func:`cimlab.analytics.channels.channel_overlap` output.
    top
        Show the ``top`` largest combinations.
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> overlap = pl.DataFrame({"channels": ["tmall", "jd + tmall"], "n_channels": [1, 2],
    ...     "customers": [5, 2], "share": [5 / 7, 2 / 7]})
    >>> spec = overlap_chart(overlap, lang="en").to_dict()
    >>> [part["mark"]["type"] for part in spec["vconcat"]]
    ['bar', 'circle']
    >>> matrix = [d for d in spec["datasets"].values() if "member" in d[0]][0]
    >>> sorted((r["combination"], r["label"], r["member"]) for r in matrix)[:2]
    [('JD.com + Tmall', 'JD.com', True), ('JD.com + Tmall', 'Tmall', True)]
    """
    require(overlap, ["channels", "n_channels", "customers", "share"], "overlap_chart")
    if top < 1:
        raise ValueError(f"overlap_chart: top={top!r} should be >= 1.")
    shown = overlap.sort(["customers", "channels"], descending=[True, False]).head(top)
    sets = shown["channels"].str.split(CHANNEL_SEPARATOR)
    tokens = sorted({tok for toks in sets.to_list() for tok in toks})
    names = {tok: channel_label(tok, lang) for tok in tokens}
    bars = shown.select(
        sets.list.eval(pl.element().replace_strict(names, return_dtype=pl.String))
        .list.join(CHANNEL_SEPARATOR)
        .alias("combination"),
        "n_channels",
        "customers",
        "share",
    )
    order = bars["combination"].to_list()
    matrix = (
        bars.select("combination", sets.alias("members"))
        .join(pl.DataFrame({"token": tokens}), how="cross")
        .select(
            "combination",
            pl.col("token").replace_strict(names, return_dtype=pl.String).alias("label"),
            pl.col("members").list.contains(pl.col("token")).alias("member"),
        )
    )
    x = alt.X("combination:N", sort=order, title=None, axis=alt.Axis(labels=False, ticks=False))
    combo_title = _col("channels", lang)
    top_chart = (
        alt.Chart(bars)
        .mark_bar(color="#4c78a8")
        .encode(
            x=x,
            y=alt.Y("customers:Q", title=_col("customers", lang), axis=COUNT_AXIS),
            tooltip=[
                alt.Tooltip("combination:N", title=combo_title),
                alt.Tooltip("customers:Q", title=_col("customers", lang), format=",d"),
                alt.Tooltip("share:Q", title=_col("share", lang), format=".1%"),
            ],
        )
        .properties(height=220, width=alt.Step(28))
    )
    dots = (
        alt.Chart(matrix)
        .mark_circle(size=110)
        .encode(
            x=x,
            y=alt.Y("label:N", title=None, sort=[names[tok] for tok in tokens]),
            color=alt.Color(
                "member:N",
                legend=None,
                scale=alt.Scale(domain=[True, False], range=["#333333", "#dddddd"]),
            ),
            tooltip=[
                alt.Tooltip("combination:N", title=combo_title),
                alt.Tooltip("label:N", title=_col("channel", lang)),
            ],
        )
        .properties(width=alt.Step(28))
    )
    return alt.vconcat(top_chart, dots, spacing=4).resolve_scale(x="shared")


def migration_chart(migration: pl.DataFrame, *, lang: str = "zh") -> alt.LayerChart:
    """Heat map of customers from each main channel (rows, before) to each (columns, after),
    with the count in each cell; :data:`~cimlab.analytics.channels.NONE_CHANNEL` shown last.

    Parameters
    ----------
    migration
        :func:`cimlab.analytics.channels.channel_migration` output.
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> migration = pl.DataFrame({"from_channel": ["(none)", "jd"], "to_channel": ["jd", "(none)"],
    ...     "customers": [3, 1], "share": [1.0, 1.0]})
    >>> spec = migration_chart(migration, lang="en").to_dict()
    >>> [layer["mark"]["type"] for layer in spec["layer"]]
    ['rect', 'text']
    >>> spec["layer"][0]["encoding"]["y"]["sort"]
    ['JD.com', '(none)']
    """
    require(migration, ["from_channel", "to_channel", "customers", "share"], "migration_chart")
    data = migration.select(
        _labelled(migration, "from_channel", lang, "from_label"),
        _labelled(migration, "to_channel", lang, "to_label"),
        "customers",
        "share",
    )
    tokens = sorted(
        set(migration["from_channel"].to_list()) | set(migration["to_channel"].to_list()),
        key=lambda tok: (tok == NONE_CHANNEL, tok),
    )
    order = [_channel_name(tok, lang) for tok in tokens]
    top = int(data["customers"].max() or 0)  # type: ignore[arg-type]
    base = alt.Chart(data).encode(
        x=alt.X(
            "to_label:N",
            title=_col("to_channel", lang),
            sort=order,
            axis=alt.Axis(**narrow_label_angle(90)),
        ),
        y=alt.Y("from_label:N", title=_col("from_channel", lang), sort=order, axis=category_axis()),
        tooltip=[
            alt.Tooltip("from_label:N", title=_col("from_channel", lang)),
            alt.Tooltip("to_label:N", title=_col("to_channel", lang)),
            alt.Tooltip("customers:Q", title=_col("customers", lang), format=",d"),
            alt.Tooltip("share:Q", title=_col("migration_share", lang), format=".1%"),
        ],
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "customers:Q",
            title=_col("customers", lang),
            scale=alt.Scale(scheme="blues"),
            legend=bottom_legend(),
        )
    )
    text = base.mark_text(baseline="middle", opacity=cell_text_opacity(30)).encode(
        text=alt.Text("customers:Q", format=",d"),
        color=alt.condition(alt.datum.customers > top / 2, alt.value("white"), alt.value("black")),
    )
    layered = alt.LayerChart(layer=[cells, text])
    layered.width, layered.height = alt.Step(70), alt.Step(34)
    return layered
