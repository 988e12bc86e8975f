"""The status map of an orders file: every distinct status of the file and what it means.

A status cell means ``paid``, ``pending``, ``refunded`` or ``cancelled``: by the built-in table
of platform spellings (:data:`cimlab.ingest.parsing.STATUS_TOKENS`, read by
:func:`~cimlab.ingest.parsing.normalize_status`), or by the mapping's own words
(:attr:`MappingOptions.status_values <cimlab.ingest.mapping.MappingOptions>`), which win. A
status with no meaning is quarantined at import; the app's Import page shows this map, with
the unmapped statuses flagged, so that they can be given a meaning before importing.

Examples
--------
>>> cells = pl.Series(["invoiced", "shipped", " shipped", "canceled", "unavailable", None])
>>> status_map(cells, status_values={"invoiced": "paid"}).rows()
[('shipped', 2, 'paid', 'built_in'), ('canceled', 1, 'cancelled', 'built_in'), ('invoiced', 1, 'paid', 'mapping'), ('unavailable', 1, None, None)]
>>> status_values_from(["invoiced", "unavailable", "shipped"], ["paid", "cancelled", "paid"])
{'invoiced': 'paid', 'unavailable': 'cancelled'}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from cimlab.contracts.columns import ORDER_STATUSES
from cimlab.ingest.parsing import clean_missing, normalize_status

if TYPE_CHECKING:
    from cimlab.ingest.mapping import ColumnMapping
    from cimlab.ingest.reading import RawTable

__all__ = [
    "STATUS_MAP_SCHEMA",
    "FileStatuses",
    "file_statuses",
    "status_cells",
    "status_map",
    "status_values_from",
]

STATUS_MAP_SCHEMA: dict[str, pl.DataType] = {
    "value": pl.String(),
    "rows": pl.Int64(),
    "meaning": pl.String(),
    "source": pl.String(),
}
"""Columns of :func:`status_map`: the status as written (trimmed), its rows, its meaning (one
of ``paid``, ``pending``, ``refunded``, ``cancelled``; null when unmapped) and where the
meaning comes from (``built_in``, ``mapping``; null when unmapped)."""


def _meaning(values: pl.Expr, status_values: Mapping[str, str] | None) -> pl.Expr:
    return normalize_status(values, extra=status_values or None)


def status_map(cells: pl.Series, *, status_values: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Every distinct status among ``cells`` with its rows and meaning (:data:`STATUS_MAP_SCHEMA`).

    Cells are trimmed; missing ones (empty, ``N/A``...) are left out. Sorted by rows, most
    first, then by value.

    Examples
    --------
    >>> status_map(pl.Series(["交易成功", "交易成功", "待审核"])).rows()
    [('交易成功', 2, 'paid', 'built_in'), ('待审核', 1, None, None)]
    """
    value = pl.col("value")
    counted = (
        pl.DataFrame({"value": cells.cast(pl.String)})
        .select(clean_missing(value).alias("value"))
        .drop_nulls()
        .group_by("value")
        .agg(pl.len().cast(pl.Int64).alias("rows"))
    )
    built_in = _meaning(value, None)
    meant = _meaning(value, status_values)
    return (
        counted.with_columns(meant.alias("meaning"), built_in.alias("_built_in"))
        .with_columns(
            pl.when(pl.col("meaning").is_null())
            .then(None)
            .when(pl.col("meaning") == pl.col("_built_in"))
            .then(pl.lit("built_in"))
            .otherwise(pl.lit("mapping"))
            .alias("source")
        )
        .sort(["rows", "value"], descending=[True, False])
        .select(list(STATUS_MAP_SCHEMA))
        .cast(STATUS_MAP_SCHEMA)  # type: ignore[arg-type]
    )


def status_values_from(values: Sequence[str], meanings: Sequence[str | None]) -> dict[str, str]:
    """The ``status_values`` of a mapping from an edited status map: each value whose chosen
    meaning is not the built-in one (a value left without a meaning gets no entry).

    Examples
    --------
    >>> status_values_from(["交易成功", "待审核", "交易关闭"], ["paid", None, "refunded"])
    {'交易关闭': 'refunded'}
    """
    if len(values) != len(meanings):
        raise ValueError(f"{len(values)} values but {len(meanings)} meanings")
    frame = pl.DataFrame({"value": list(values)}, schema={"value": pl.String()})
    built_in = frame.select(_meaning(pl.col("value"), None))["value"].to_list()
    out: dict[str, str] = {}
    for value, meaning, known in zip(values, meanings, built_in, strict=True):
        if meaning is None or meaning == "" or meaning == known:
            continue
        if meaning not in ORDER_STATUSES:
            raise ValueError(
                f"the meaning of status {value!r} is {meaning!r}; choose one of "
                f"{', '.join(ORDER_STATUSES)}"
            )
        out[value] = meaning
    return out


@dataclass(frozen=True)
class FileStatuses:
    """The status map of one file, as shown: at most ``limit`` statuses.

    Attributes
    ----------
    table
        :func:`status_map` rows, the most frequent first (at most the limit).
    distinct
        Distinct statuses in the rows read.
    rows_read
        Rows whose status was looked at.
    """

    table: pl.DataFrame
    distinct: int
    rows_read: int

    @property
    def partial(self) -> bool:
        """Whether some distinct statuses are left out of :attr:`table`."""
        return self.distinct > self.table.height

    @property
    def unmapped(self) -> list[str]:
        """Statuses of :attr:`table` without a meaning (they would be quarantined)."""
        return self.table.filter(pl.col("meaning").is_null())["value"].to_list()


def file_statuses(
    cells: pl.Series,
    *,
    status_values: Mapping[str, str] | None = None,
    limit: int = 200,
) -> FileStatuses:
    """:func:`status_map` of a file's status cells, cut to the ``limit`` most frequent values
    (a column holding free text could have thousands).

    Examples
    --------
    >>> found = file_statuses(pl.Series(["a", "b", "b", "paid"]), limit=2)
    >>> found.table["value"].to_list(), found.distinct, found.partial, found.unmapped
    (['b', 'a'], 3, True, ['b', 'a'])
    """
    full = status_map(cells, status_values=status_values)
    return FileStatuses(table=full.head(limit), distinct=full.height, rows_read=cells.len())


def status_cells(raw: RawTable, mapping: ColumnMapping) -> pl.Series:
    """The status cells of ``raw`` (the column ``mapping`` maps to ``status``) in the rows its
    row filters keep: a status only filtered-out rows carry is never imported, so it needs no
    meaning. Empty when the mapping has no status column.

    Examples
    --------
    >>> from cimlab.ingest.mapping import ColumnMapping
    >>> from cimlab.ingest.reading import read_bytes
    >>> raw = read_bytes(b"id,type,state\\n1,buy,invoiced\\n2,pv,viewed\\n", name="log.csv")
    >>> m = ColumnMapping("orders", {"order_id": "id", "status": "state"}, filters=["type == buy"])
    >>> status_cells(raw, m).to_list()
    ['invoiced']
    """
    from cimlab.ingest.importer import filter_rule

    source = mapping.columns.get("status")
    by_header = dict(zip(raw.headers, raw.columns, strict=True))
    if source not in by_header:
        return pl.Series("status", [], dtype=pl.String)
    frame = raw.frame
    rules = [r for r in mapping.filters if r.column in by_header]
    if rules:
        frame = frame.filter(
            pl.all_horizontal(filter_rule(r, pl.col(by_header[r.column])) for r in rules)
        )
    return frame[by_header[source]].alias("status")
