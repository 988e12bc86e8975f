"""Writing tables for people and other tools: CSV (UTF-8 with BOM), Parquet, XLSX.

Every text cell that a spreadsheet would run as a formula (it starts with ``= + - @``, a tab or
a carriage return, and is not a plain number) gets a leading ``'``, so exported data can never
execute in Excel or WPS.

Examples
--------
>>> import polars as pl
>>> escape_formulas(pl.DataFrame({"x": ["=1+1", "-12.5", "@SUM(A1)", "ok"]}))["x"].to_list()
["'=1+1", '-12.5', "'@SUM(A1)", 'ok']
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from cimlab.errors import CimlabError

__all__ = ["FORMULA_START", "escape_formulas", "write_table"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def escape_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix ``'`` to text cells a spreadsheet would read as a formula (numbers stay as they are)."""
    return frame.with_columns(
        pl.when(
            pl.any_horizontal(pl.col(c).str.starts_with(s) for s in FORMULA_START)
            & ~pl.col(c).str.contains(_NUMBER)
        )
        .then("'" + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists as comma-joined text and decimals as floats, for CSV and spreadsheets."""
    return frame.with_columns(
        [pl.col(c).list.join(", ") for c, t in frame.schema.items() if isinstance(t, pl.List)]
        + [pl.col(c).cast(pl.Float64) for c, t in frame.schema.items() if isinstance(t, pl.Decimal)]
    )


def write_table(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV (UTF-8 with BOM, so Excel shows Chinese), Parquet or XLSX.

    The format follows the file's extension; CSV and XLSX cells are passed through
    :func:`escape_formulas`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.write_parquet(path)
        return path
    if suffix not in {".csv", ".xlsx"}:
        raise CimlabError(f"{path.name}: write a .csv, .parquet or .xlsx file")
    safe = escape_formulas(_flat(frame))
    if suffix == ".csv":
        path.write_text("\ufeff" + safe.write_csv(), encoding="utf-8")
        return path
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("cimlab")
    sheet.append(safe.columns)
    for row in safe.iter_rows():
        sheet.append([v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v for v in row])
    book.save(path)
    return path
