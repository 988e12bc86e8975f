"""The input-column check every function taking a frame starts with, written once.

A function that reads columns of a caller's frame checks them before any work, and the error
names what is missing, what the frame has, and (with ``hint``) where the right frame comes from.

Examples
--------
>>> import polars as pl
>>> require_columns(pl.DataFrame({"a": [1]}), ["a"]).names()
['a']
>>> require_columns(pl.DataFrame({"a": [1]}), ["a", "b"], what="orders frame")
Traceback (most recent call last):
...
ValueError: the orders frame has no column 'b'; columns are a.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

__all__ = ["require_columns"]


def require_columns(
    frame: pl.DataFrame | pl.LazyFrame | pl.Schema,
    columns: Sequence[str] | Mapping[str, str | None],
    *,
    what: str = "frame",
    hint: str = "",
) -> pl.Schema:
    """The schema of ``frame``; a ValueError naming the missing ``columns`` if any is absent.

    Parameters
    ----------
    frame
        A DataFrame, a LazyFrame (its schema is resolved, no data is read) or a schema.
    columns
        The column names needed; or a mapping ``{keyword argument: column}`` when the caller
        names its columns through arguments (``None`` = not used), so the message says which
        argument to fix.
    what
        How the message names the frame (``"orders frame"``, ``"feedback frame"``).
    hint
        A sentence added to the message: what to pass instead.

    Examples
    --------
    >>> schema = pl.Schema({"customer_id": pl.String, "ts": pl.Date})
    >>> require_columns(schema, {"customer_col": "customer_id", "amount_col": "amount",
    ...                          "status_col": None}, what="orders")
    Traceback (most recent call last):
    ...
    ValueError: the orders has no column 'amount' (amount_col); columns are customer_id, ts.
    """
    if isinstance(frame, pl.LazyFrame):
        schema = frame.collect_schema()
    elif isinstance(frame, pl.DataFrame):
        schema = frame.schema
    else:
        schema = frame
    if isinstance(columns, Mapping):
        missing = [f"{c!r} ({arg})" for arg, c in columns.items() if c and c not in schema]
    else:
        missing = [repr(c) for c in columns if c not in schema]
    if missing:
        have = ", ".join(schema.names()) or "none"
        extra = f" {hint}" if hint else ""
        raise ValueError(
            f"the {what} has no column {', '.join(missing)}; columns are {have}.{extra}"
        )
    return schema
