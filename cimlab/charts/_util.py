"""Small helpers shared by the chart builders (not public API)."""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import polars as pl

__all__ = ["COUNT_AXIS", "labels", "require"]

COUNT_AXIS = alt.Axis(tickMinStep=1, format=",d")


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
