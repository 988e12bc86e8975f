"""The analysis-date rule shared by every analysis."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cimlab.dates import day_of, to_date


def test_to_date_accepts_dates_datetimes_and_iso_text() -> None:
    assert to_date(dt.date(2026, 1, 2)) == dt.date(2026, 1, 2)
    assert to_date(" 2026-01-02T10:00 ") == dt.date(2026, 1, 2)
    assert to_date(dt.datetime(2026, 1, 2, 23, 30)) == dt.date(2026, 1, 2)  # naive: as written
    late = dt.datetime(2026, 1, 2, 23, 30, tzinfo=dt.UTC)
    assert to_date(late) == dt.date(2026, 1, 2)
    assert to_date(late, time_zone="Asia/Shanghai") == dt.date(2026, 1, 3)
    with pytest.raises(ValueError, match="start='yesterday' is not a date"):
        to_date("yesterday", name="start")
    with pytest.raises(TypeError, match="as_of=20260102 should be a date"):
        to_date(20260102)  # type: ignore[arg-type]


def test_day_of_naive_aware_and_date_columns() -> None:
    stamps = [dt.datetime(2026, 1, 2, 20, 0), dt.datetime(2026, 1, 3, 1, 0)]
    frame = pl.DataFrame({"naive": stamps, "day": [s.date() for s in stamps]}).with_columns(
        utc=pl.col("naive").dt.replace_time_zone("UTC"),
        london=pl.col("naive").dt.replace_time_zone("UTC").dt.convert_time_zone("Europe/London"),
    )
    days = frame.select(
        naive=day_of("naive", frame.schema["naive"]),
        day=day_of("day", frame.schema["day"]),
        utc=day_of("utc", frame.schema["utc"]),
        shanghai=day_of("utc", frame.schema["utc"], time_zone="Asia/Shanghai"),
        london=day_of("london", frame.schema["london"]),
    )
    jan = [dt.date(2026, 1, 2), dt.date(2026, 1, 3)]
    assert days["naive"].to_list() == days["day"].to_list() == days["utc"].to_list() == jan
    assert days["london"].to_list() == jan  # converted back to UTC days
    assert days["shanghai"].to_list() == [dt.date(2026, 1, 3), dt.date(2026, 1, 3)]
    with pytest.raises(TypeError, match=r"orders\.ts has type String"):
        day_of("ts", pl.String(), table="orders")
