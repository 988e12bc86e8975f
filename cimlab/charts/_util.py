"""Small helpers shared by the chart builders (not public API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import polars as pl

from cimlab.i18n import t

__all__ = [
    "COUNT_AXIS",
    "NO_DATA_COLOUR",
    "bottom_legend",
    "category_axis",
    "cell_text_opacity",
    "labels",
    "narrow_label_angle",
    "no_data_marks",
    "require",
]

COUNT_AXIS = alt.Axis(tickMinStep=1, format=",d")
NO_DATA_COLOUR = "#757575"


def category_axis(**options: Any) -> alt.Axis:
    """A category (y) axis whose title sits level above the labels, right-aligned to the axis:
    readable with one row only (a rotated title needs more height) and never run into by long
    labels (the browser measures them in another font than the renderer)."""
    return alt.Axis(
        titleAngle=0,
        titleAlign="right",
        titleBaseline="bottom",
        titleX=0,
        titleY=-6,
        **options,
    )


def bottom_legend(**options: Any) -> alt.Legend:
    """A legend under the plot instead of at its right: on a phone (the app stretches charts to
    the screen) a legend at the right takes a third of the width and squeezes the plot.

    Symbol legends of a few entries wrap in ``columns`` (default 3 for them); colour ramps lie
    horizontally. ``options`` go to :class:`altair.Legend` (``format``, ``columns``...).
    """
    return alt.Legend(**{"orient": "bottom", "titleLimit": 320, **options})


def cell_text_opacity(min_width: int) -> alt.ExprRef:
    """Opacity of the numbers written in a heat map's cells: shown while a cell (a band of the
    ``x`` scale) is at least ``min_width`` pixels wide, hidden when the chart is squeezed into a
    narrow screen, where they would overlap; the colour and the tooltip still tell the value."""
    return alt.expr(f"bandwidth('x') >= {int(min_width)} ? 1 : 0")


def narrow_label_angle(min_width: int) -> dict[str, Any]:
    """Axis options for the labels of a band (``x``) axis: level while a band is at least
    ``min_width`` pixels wide, angled (and right-aligned) below, so that on a narrow screen every
    label stays readable instead of Vega dropping the ones that overlap."""
    narrow = f"bandwidth('x') < {int(min_width)}"
    return {
        "labelOverlap": False,
        "labelAngle": alt.expr(f"{narrow} ? -40 : 0"),
        "labelAlign": alt.expr(f"{narrow} ? 'right' : 'center'"),
        "labelBaseline": alt.expr(f"{narrow} ? 'middle' : 'top'"),
    }


def require(frame: pl.DataFrame, columns: list[str], what: str) -> None:
    """Raise a ValueError naming the columns ``what`` needs and the ones ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} needs the columns {', '.join(columns)}; missing: {', '.join(missing)} "
            f"(got {', '.join(frame.columns) or 'no columns'})."
        )


def labels(frame: pl.DataFrame, column: str, label: Callable[[str], str]) -> pl.Expr:
    """A column of display labels for the distinct values of ``column`` (a small lookup)."""
    values = frame[column].unique().drop_nulls().to_list()
    lookup = {v: label(v) for v in values}
    return pl.col(column).replace_strict(lookup, default=pl.col(column), return_dtype=pl.String)


def no_data_marks(
    data: pl.DataFrame, *, measure: str, category: str, y: alt.Y, title: str, lang: str
) -> alt.Chart | None:
    """The words "no data" (:func:`cimlab.i18n.t` ``ana.no_data``) at 0 on the measure's axis,
    one per row of ``data`` whose ``measure`` is null; None when every row has a value.

    A bar chart draws nothing for a null value, which reads like 0 (or the row vanishes from the
    axis): layered over the bars, these marks keep the row (``category``, on the ``y`` encoding
    of the bars; ``title`` names it in the tooltip) and say that it has no data.

    Examples
    --------
    >>> import altair as alt
    >>> import polars as pl
    >>> data = pl.DataFrame({"label": ["jd", "tmall"], "rate": [0.5, None]})
    >>> y = alt.Y("label:N")
    >>> marks = no_data_marks(data, measure="rate", category="label", y=y, title="Channel", lang="zh")
    >>> marks.to_dict()["datasets"].popitem()[1]
    [{'label': 'tmall', 'no_data': '无数据'}]
    >>> no_data_marks(data.head(1), measure="rate", category="label", y=y, title="", lang="zh")
    """
    missing = data.filter(pl.col(measure).is_null())
    if missing.is_empty():
        return None
    text = t("ana.no_data", lang)
    return (
        alt.Chart(missing.select(category, pl.lit(text).alias("no_data")))
        .mark_text(align="left", baseline="middle", dx=4, color=NO_DATA_COLOUR, fontStyle="italic")
        .encode(
            x=alt.datum(0),
            y=y,
            text=alt.Text("no_data:N"),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=title),
                alt.Tooltip("no_data:N", title=text),
            ],
        )
    )
