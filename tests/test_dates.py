"""The analysis-date rule shared by every analysis."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from cimlab.dates import (
    as_utc,
    check_time_zone,
    day_of,
    in_window,
    is_time_zone,
    month_start,
    months_back,
    previous_window,
    to_date,
    window_start,
)
from cimlab.errors import WorkspaceError


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


# ---------------------------------------------------------------------------- windows, UTC, zones


def test_the_last_n_days_hold_exactly_n_days() -> None:
    as_of = dt.date(2024, 3, 1)  # a leap year: 29 February lies inside the windows
    for days in (1, 7, 30, 90, 365, 366):
        start = window_start(as_of, days)
        assert start is not None and (as_of - start).days + 1 == days
        first, last = previous_window(as_of, days)
        assert last == start - dt.timedelta(days=1) and (last - first).days + 1 == days
    assert window_start(as_of, 30) == dt.date(2024, 2, 1)
    assert previous_window(as_of, 30) == (dt.date(2024, 1, 2), dt.date(2024, 1, 31))
    assert window_start(as_of, 0) is None and window_start(as_of, None) is None
    late = dt.datetime(2024, 2, 29, 20, tzinfo=dt.UTC)  # 1 March in Shanghai
    assert window_start(late, 1, time_zone="Asia/Shanghai") == dt.date(2024, 3, 1)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="days="):
            window_start(as_of, bad)  # type: ignore[arg-type]


def test_the_window_filter_keeps_both_ends() -> None:
    days = [dt.date(2024, 1, d) for d in range(1, 11)]
    frame = pl.DataFrame({"day": days})
    start = window_start("2024-01-10", 3)
    kept = frame.filter(in_window(frame, "day", start=start, as_of="2024-01-10"))
    assert kept["day"].to_list() == days[-3:]
    with pytest.raises(ValueError, match="start=2024-01-11 is after as_of=2024-01-10"):
        in_window(frame, "day", start="2024-01-11", as_of="2024-01-10")
    with pytest.raises(ValueError, match="the frame has no column 'ts'; columns are day"):
        in_window(frame, "ts", as_of="2024-01-10")


def test_months_back_keeps_month_ends_and_clips_short_months() -> None:
    cases = {
        (dt.date(2024, 3, 31), 1): dt.date(2024, 2, 29),  # leap February's last day
        (dt.date(2023, 3, 31), 1): dt.date(2023, 2, 28),
        (dt.date(2024, 2, 29), 1): dt.date(2024, 1, 31),  # a last day stays a last day
        (dt.date(2024, 4, 30), 1): dt.date(2024, 3, 31),
        (dt.date(2024, 3, 30), 1): dt.date(2024, 2, 29),  # clipped
        (dt.date(2024, 1, 15), 13): dt.date(2022, 12, 15),
        (dt.date(2024, 6, 15), 0): dt.date(2024, 6, 15),
    }
    for (day, months), expected in cases.items():
        assert months_back(day, months) == expected, (day, months)
    assert month_start(dt.date(2024, 3, 31), back=12) == dt.date(2023, 3, 1)
    assert month_start("2024-01-01", back=1) == dt.date(2023, 12, 1)
    with pytest.raises(ValueError, match="months=-1"):
        months_back(dt.date(2024, 1, 1), -1)


def test_as_utc_is_the_one_rule_for_stored_moments() -> None:
    shanghai = dt.datetime(2024, 7, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert as_utc(shanghai) == dt.datetime(2024, 7, 1, tzinfo=dt.UTC)
    assert as_utc(shanghai).tzinfo is dt.UTC
    with pytest.raises(ValueError, match=r"at=datetime\.datetime\(2024, 7, 1, 0, 0\) must be"):
        as_utc(dt.datetime(2024, 7, 1))
    with pytest.raises(WorkspaceError, match="imported_at='2024-07-01' must be a timezone-aware"):
        as_utc("2024-07-01", name="imported_at", error=WorkspaceError)  # type: ignore[arg-type]


def test_one_time_zone_test() -> None:
    assert is_time_zone("Asia/Shanghai") and is_time_zone("UTC")
    assert not any(is_time_zone(z) for z in ("Beijing", "", "  ", None, 8, "../etc/passwd"))
    assert check_time_zone("Europe/London") == "Europe/London"
    with pytest.raises(ValueError, match="tz='Mars/Base' is not an IANA time zone"):
        check_time_zone("Mars/Base", name="tz")
