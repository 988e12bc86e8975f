"""The analysis-date rule shared by every analysis."""

from __future__ import annotations

import datetime as dt

import numpy as np
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


# ---------------------------------------------------------------------------- fixed-offset zones


def _random_times(start: str, end: str, n: int = 20_000, zone: str = "UTC") -> pl.DataFrame:
    lo, hi = (dt.datetime.fromisoformat(v).replace(tzinfo=dt.UTC).timestamp() for v in (start, end))
    rng = np.random.default_rng(3)
    micros = (rng.uniform(lo, hi, n) * 1e6).astype("int64")
    ts = pl.Series("ts", micros).cast(pl.Datetime("us", "UTC")).dt.convert_time_zone(zone)
    return pl.DataFrame({"ts": ts})


@pytest.mark.parametrize(
    ("zone", "stored", "start"),
    [
        ("Asia/Shanghai", "UTC", "1992-01-01"),  # fixed offset: the fast path
        ("Asia/Shanghai", "UTC", "1985-01-01"),  # Shanghai kept summer time 1986-1991: converted
        ("Asia/Kolkata", "UTC", "2000-01-01"),  # +05:30
        ("Asia/Shanghai", "America/New_York", "2000-01-01"),  # stored in another zone
        ("Europe/London", "UTC", "2000-01-01"),  # summer time: always converted
    ],
)
def test_day_of_agrees_with_a_time_zone_conversion(zone, stored, start):
    frame = _random_times(start, "2030-12-31", zone=stored).vstack(
        pl.DataFrame({"ts": [None]}, schema={"ts": pl.Datetime("us", stored)})
    )
    expected = frame["ts"].dt.convert_time_zone(zone).dt.date()
    got = frame.select(day_of("ts", frame.schema["ts"], time_zone=zone))["ts"]
    assert got.to_list() == expected.to_list()
    streamed = (
        frame.lazy()
        .select(day_of("ts", frame.schema["ts"], time_zone=zone).alias("day"))
        .group_by("day")
        .len()
        .collect(engine="streaming")
    )
    assert streamed["len"].sum() == frame.height


def test_which_zones_have_a_fixed_offset():
    from cimlab.dates import _fixed_offset

    since, offset = _fixed_offset("Asia/Shanghai")
    assert offset == dt.timedelta(hours=8) and dt.date(1991, 9, 14) <= since.date() <= dt.date(
        1991, 9, 16
    )
    assert _fixed_offset("UTC")[1] == dt.timedelta(0)
    assert _fixed_offset("Europe/London") is None and _fixed_offset("America/New_York") is None
    # an empty column takes the fast path without error
    empty = pl.DataFrame({"ts": []}, schema={"ts": pl.Datetime("us", "UTC")})
    assert empty.select(day_of("ts", empty.schema["ts"], time_zone="Asia/Shanghai")).height == 0
