"""Exports never let a spreadsheet run a cell as a formula."""

from __future__ import annotations

import datetime as dt

import polars as pl
from openpyxl import load_workbook

from cimlab.export import escape_formulas, write_table


def test_escape_formulas_keeps_numbers_and_plain_text():
    frame = pl.DataFrame(
        {
            "x": ['=HYPERLINK("x")', "+86 138", "-12.5", "1e3", "@SUM(A1)", "\tcmd", "ok", None],
            "n": [1, 2, 3, 4, 5, 6, 7, 8],
        }
    )
    assert escape_formulas(frame)["x"].to_list() == [
        "'=HYPERLINK(\"x\")", "'+86 138", "-12.5", "1e3", "'@SUM(A1)", "'\tcmd", "ok", None,
    ]  # fmt: skip
    assert escape_formulas(frame)["n"].to_list() == frame["n"].to_list()


def test_xlsx_and_parquet(tmp_path):
    frame = pl.DataFrame(
        {
            "id": ["=1+1", "C1"],
            "at": [dt.datetime(2026, 1, 1, tzinfo=dt.UTC)] * 2,
            "tags": [["a", "b"], []],
        }
    )
    book = load_workbook(write_table(frame, tmp_path / "x.xlsx"))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("id", "at", "tags")
    assert rows[1][0] == "'=1+1" and rows[1][2] == "a, b"
    assert pl.read_parquet(write_table(frame, tmp_path / "x.parquet")).equals(frame)
