"""Small helpers shared by the chart builders (not public API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import polars as pl

__all__ = ["COUNT_AXIS", "category_axis", "labels", "require"]

COUNT_AXIS = alt.Axis(tickMinStep=1, format=",d")


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
