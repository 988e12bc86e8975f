"""The analyst's own ids beside the unified ``customer_id``: the ``source_ids`` column.

Every per-customer result (RFM, clusters, lifecycle stages...) is keyed by the unified
``customer_id`` that identity resolution gives a person. To join it back to the channel data
the analyst started from, :func:`with_source_ids` adds ``source_ids``: every source record of
the customer as ``channel:source_customer_id`` (``cdnow:0001``, ``tmall:林小姐88``), sorted by
channel then id (string order), joined with :data:`SOURCE_IDS_SEPARATOR` (``" | "``):
``online_shop:0012345 | tmall:lin88 | wechat:oX1f``.

A channel is a lowercase token (``[a-z][a-z0-9_]*``, the import contract), so everything up to
the first ``:`` of an entry is the channel and the rest is the id as it was imported (leading
zeros kept). Splitting on the separator gives the entries back unless an id itself contains
``" | "``; for exact joins on such ids use the identity map (one row per source record:
:meth:`cimlab.workspace.Workspace.identity_map` or :func:`cimlab.identity.customer_map`).
Rows whose ``customer_id`` is null or not in the map get a null ``source_ids``.

Examples
--------
>>> import polars as pl
>>> identity_map = pl.DataFrame({
...     "channel": ["tmall", "online_shop", "online_shop"],
...     "source_customer_id": ["lin88", "0012345", "0099"],
...     "customer_id": ["C1", "C1", "C2"]})
>>> scores = pl.DataFrame({"customer_id": ["C2", "C1", "C9"], "frequency": [0, 3, 1]})
>>> with_source_ids(scores, identity_map).rows()
[('C2', 'online_shop:0099', 0), ('C1', 'online_shop:0012345 | tmall:lin88', 3), ('C9', None, 1)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import polars as pl

if TYPE_CHECKING:
    from cimlab.workspace import Workspace

__all__ = ["SOURCE_IDS_SEPARATOR", "with_source_ids"]

#: Between two ``channel:source_customer_id`` entries of ``source_ids``.
SOURCE_IDS_SEPARATOR = " | "

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

_MAP_COLUMNS = ("channel", "source_customer_id", "customer_id")


def _source_ids(identity_map: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """One row per customer: ``customer_id, source_ids`` (module docstring)."""
    names = identity_map.collect_schema().names()
    missing = [c for c in _MAP_COLUMNS if c not in names]
    if missing:
        raise ValueError(
            f"the identity map has no column {', '.join(map(repr, missing))}; columns are "
            f"{', '.join(names) or 'none'}. Pass a Workspace or Workspace.identity_map()."
        )
    entry = pl.col("channel") + ":" + pl.col("source_customer_id")
    return (
        identity_map.lazy()
        .select(pl.col(c).cast(pl.String) for c in _MAP_COLUMNS)
        .drop_nulls()
        .unique()
        .sort("customer_id", "channel", "source_customer_id")
        .group_by("customer_id", maintain_order=True)
        .agg(entry.str.join(SOURCE_IDS_SEPARATOR).alias("source_ids"))
    )


def with_source_ids(frame: FrameT, ws: Workspace | pl.DataFrame | pl.LazyFrame) -> FrameT:
    """``frame`` with ``source_ids`` right after ``customer_id`` (module docstring).

    Parameters
    ----------
    frame
        Any frame with a ``customer_id`` column (one row per customer or not); its rows and
        their order are kept. A ``source_ids`` column already there is replaced.
    ws
        The workspace whose identity map gave the ``customer_id`` values, or that map as a
        frame (``channel, source_customer_id, customer_id``) when it is already read.

    Returns
    -------
    pl.DataFrame or pl.LazyFrame
        Of the same kind as ``frame``.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> scores = pl.DataFrame({"customer_id": ["C1"], "frequency": [3]})
    >>> with_source_ids(scores, Workspace.open(tempfile.mkdtemp())).columns  # never resolved
    ['customer_id', 'source_ids', 'frequency']
    """
    columns = frame.collect_schema().names()
    if "customer_id" not in columns:
        raise ValueError(
            f"with_source_ids needs a customer_id column; columns are {', '.join(columns) or 'none'}."
        )
    identity_map = ws if isinstance(ws, pl.DataFrame | pl.LazyFrame) else ws.identity_map()
    ids = _source_ids(identity_map).rename({"customer_id": "__customer_key"})
    out = (
        frame.lazy()
        .drop("source_ids", strict=False)
        .with_columns(__customer_key=pl.col("customer_id").cast(pl.String))
        .join(ids, on="__customer_key", how="left", maintain_order="left")
    )
    before = [c for c in columns if c != "source_ids"]
    at = before.index("customer_id") + 1
    out = out.select(*before[:at], "source_ids", *before[at:])
    return out.collect() if isinstance(frame, pl.DataFrame) else out
