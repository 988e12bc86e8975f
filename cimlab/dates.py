"""Dates and times, one rule each: the analysis date, the day of a time column, windows, UTC.

Every analysis takes ``as_of`` (and sometimes ``start``) as a :data:`DateLike` (a date, a
datetime or ``"YYYY-MM-DD"``) and counts calendar days in one time zone (UTC unless told
otherwise). This module is the only home of those rules:

* :func:`to_date` reads a user's date; :func:`day_of` is the calendar day of a time column;
  :func:`in_window` keeps the rows whose day falls in a window;
* windows: "the last N days" ends on ``as_of`` and holds exactly N days, ``as_of`` included
  (:func:`window_start`; :func:`previous_window` is the N days before it); "N months back" is
  :func:`months_back` (a month's last day stays a last day) and :func:`month_start`;
* :func:`as_utc` is the one check for the moments stored by the workspace (``at=``, import
  times): a timezone-aware datetime, converted to UTC;
* :func:`is_time_zone` / :func:`check_time_zone` are the one IANA time zone test.

Examples
--------
>>> import datetime as dt
>>> to_date("2026-06-30"), to_date(dt.datetime(2026, 6, 30, 20, tzinfo=dt.UTC), time_zone="Asia/Shanghai")
(datetime.date(2026, 6, 30), datetime.date(2026, 7, 1))
>>> window_start("2026-06-30", 30), months_back(dt.date(2026, 3, 31), 1)
(datetime.date(2026, 6, 1), datetime.date(2026, 2, 28))
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache, partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import polars as pl

from cimlab.frames import require_columns

__all__ = [
    "DateLike",
    "as_utc",
    "check_time_zone",
    "day_of",
    "in_window",
    "is_time_zone",
    "month_start",
    "months_back",
    "previous_window",
    "to_date",
    "window_start",
]

DateLike = dt.date | dt.datetime | str
"""What users may pass as a date: a date, a datetime or ``"YYYY-MM-DD"``."""


def as_utc(
    value: dt.datetime, *, name: str = "at", error: type[Exception] = ValueError
) -> dt.datetime:
    """``value`` in UTC; it must be a timezone-aware datetime (a naive one is ambiguous).

    ``name`` is the parameter's name and ``error`` the exception class raised, for the message
    (workspace operations raise :class:`~cimlab.errors.WorkspaceError`).

    Examples
    --------
    >>> as_utc(dt.datetime(2026, 7, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai")))
    datetime.datetime(2026, 7, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> as_utc(dt.datetime(2026, 7, 1), name="start")
    Traceback (most recent call last):
    ...
    ValueError: start=datetime.datetime(2026, 7, 1, 0, 0) must be a timezone-aware datetime
    """
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise error(f"{name}={value!r} must be a timezone-aware datetime")
    return value.astimezone(dt.UTC)


def is_time_zone(time_zone: object) -> bool:
    """Whether ``time_zone`` is an IANA time zone name (``"Asia/Shanghai"``, ``"UTC"``).

    On a system without a time zone database every non-empty name is accepted (nothing can be
    checked there, and Polars carries its own database).

    Examples
    --------
    >>> is_time_zone("Europe/London"), is_time_zone("Beijing"), is_time_zone("")
    (True, False, False)
    """
    if not isinstance(time_zone, str) or not time_zone.strip():
        return False
    try:
        ZoneInfo(time_zone)
    except ZoneInfoNotFoundError:
        return not available_timezones()
    except ValueError:
        return False
    return True


def check_time_zone(time_zone: object, *, name: str = "time_zone") -> str:
    """``time_zone`` if it is an IANA time zone name (``"Asia/Shanghai"``, ``"UTC"``); else a
    ValueError saying what to write. ``name`` is the parameter's name, for the message.

    Examples
    --------
    >>> check_time_zone("Asia/Shanghai")
    'Asia/Shanghai'
    >>> check_time_zone("Beijing")
    Traceback (most recent call last):
    ...
    ValueError: time_zone='Beijing' is not an IANA time zone; write e.g. 'Asia/Shanghai', 'Europe/London' or 'UTC'.
    """
    if not is_time_zone(time_zone):
        raise ValueError(
            f"{name}={time_zone!r} is not an IANA time zone; write e.g. 'Asia/Shanghai', "
            "'Europe/London' or 'UTC'."
        )
    return str(time_zone)


def to_date(value: DateLike, *, name: str = "as_of", time_zone: str = "UTC") -> dt.date:
    """The calendar day of ``value``; an aware datetime is read in ``time_zone``.

    ``name`` is the parameter's name, for the error message.

    Examples
    --------
    >>> to_date("2026-13-01", name="start")
    Traceback (most recent call last):
    ...
    ValueError: start='2026-13-01' is not a date; write it as YYYY-MM-DD.
    """
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise ValueError(f"{name}={value!r} is not a date; write it as YYYY-MM-DD.") from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value.astimezone(ZoneInfo(time_zone)).date()
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"{name}={value!r} should be a date, a datetime or 'YYYY-MM-DD'.")


def window_start(as_of: DateLike, days: int | None, *, time_zone: str = "UTC") -> dt.date | None:
    """First day of "the last ``days`` days": the window ends on ``as_of`` (included) and holds
    exactly ``days`` calendar days. ``days`` of ``None`` or 0 means all time (``None``).

    Examples
    --------
    >>> window_start(dt.date(2026, 6, 30), 1), window_start("2026-06-30", 365)
    (datetime.date(2026, 6, 30), datetime.date(2025, 7, 1))
    >>> window_start("2026-06-30", 0) is None
    True
    """
    if days is None or days == 0:
        return None
    _check_days(days)
    return to_date(as_of, time_zone=time_zone) - dt.timedelta(days=days - 1)


def previous_window(
    as_of: DateLike, days: int, *, time_zone: str = "UTC"
) -> tuple[dt.date, dt.date]:
    """``(first, last)`` day of the ``days`` days just before the window of :func:`window_start`
    (to compare a period with the one before it).

    Examples
    --------
    >>> previous_window("2026-06-30", 30)
    (datetime.date(2026, 5, 2), datetime.date(2026, 5, 31))
    """
    _check_days(days)
    last = to_date(as_of, time_zone=time_zone) - dt.timedelta(days=days)
    return last - dt.timedelta(days=days - 1), last


def months_back(day: DateLike, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier; a day the other month lacks becomes its
    last day, and a month's last day stays a last day (30 April → 31 March).

    Examples
    --------
    >>> months_back("2026-04-30", 1), months_back("2026-03-30", 1), months_back("2026-06-15", 12)
    (datetime.date(2026, 3, 31), datetime.date(2026, 2, 28), datetime.date(2025, 6, 15))
    """
    if isinstance(months, bool) or not isinstance(months, int) or months < 0:
        raise ValueError(f"months={months!r} should be a whole number >= 0.")
    d = to_date(day, name="day")
    year, month0 = divmod(d.year * 12 + d.month - 1 - months, 12)
    last = _month_length(year, month0 + 1)
    if d.day == _month_length(d.year, d.month):
        return dt.date(year, month0 + 1, last)
    return dt.date(year, month0 + 1, min(d.day, last))


def month_start(day: DateLike, *, back: int = 0) -> dt.date:
    """The first day of the month ``back`` months before the month of ``day``.

    Examples
    --------
    >>> month_start("2026-01-20"), month_start("2026-01-20", back=2)
    (datetime.date(2026, 1, 1), datetime.date(2025, 11, 1))
    """
    return months_back(to_date(day, name="day").replace(day=1), back)


def _month_length(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days={days!r} should be a whole number of days >= 1.")


def in_window(
    frame: pl.DataFrame | pl.LazyFrame,
    column: str,
    *,
    as_of: DateLike,
    start: DateLike | None = None,
    time_zone: str = "UTC",
) -> pl.Expr:
    """A filter: the day of ``column`` (in ``time_zone``) is between ``start`` and ``as_of``.

    Both days are included; ``start=None`` sets no lower bound. ``frame`` is only read for the
    column's type (Date or Datetime).

    Examples
    --------
    >>> f = pl.DataFrame({"ts": [dt.datetime(2024, 1, d, 23, tzinfo=dt.UTC) for d in (1, 2, 3)]})
    >>> f.filter(in_window(f, "ts", start="2024-01-02", as_of="2024-01-02")).height
    1
    >>> f.filter(in_window(f, "ts", as_of="2024-01-02", time_zone="Asia/Shanghai")).height
    1
    """
    schema = require_columns(frame, [column])
    day = day_of(column, schema[column], time_zone=time_zone)
    last = to_date(as_of, name="as_of", time_zone=time_zone)
    keep = day <= last
    if start is not None:
        first = to_date(start, name="start", time_zone=time_zone)
        if first > last:
            raise ValueError(f"start={first} is after as_of={last}; the window would be empty.")
        keep = keep & (day >= first)
    return keep


def day_of(column: str, dtype: pl.DataType, *, time_zone: str = "UTC", table: str = "") -> pl.Expr:
    """Expression: the calendar day of ``column`` (of type ``dtype``) in ``time_zone``.

    A naive timestamp is taken as written; an aware one is converted to ``time_zone`` first
    (no conversion when it is already there, and a plain cast for UTC, which is cheapest).

    Examples
    --------
    >>> frame = pl.DataFrame({"ts": [dt.datetime(2026, 6, 30, 20)]}).with_columns(
    ...     pl.col("ts").dt.replace_time_zone("UTC"))
    >>> frame.select(day_of("ts", frame.schema["ts"], time_zone="Asia/Shanghai")).item()
    datetime.date(2026, 7, 1)
    """
    if dtype == pl.Date:
        return pl.col(column)
    if isinstance(dtype, pl.Datetime):
        col = pl.col(column)
        if dtype.time_zone is None or dtype.time_zone == time_zone == "UTC":
            return col.cast(pl.Date)  # the wall-clock day as stored: no time zone arithmetic
        fixed = _fixed_offset(time_zone)
        if fixed is not None:  # Asia/Shanghai and most zones without daylight saving
            since, offset = fixed
            local = partial(_local_day, time_zone=time_zone, since=since, offset=offset)
            return col.map_batches(local, return_dtype=pl.Date, is_elementwise=True)
        if dtype.time_zone != time_zone:
            col = col.dt.convert_time_zone(time_zone)
        return col.dt.date()
    where = f"{table}.{column}" if table else f"column {column!r}"
    raise TypeError(
        f"{where} has type {dtype}; a Date or Datetime is needed "
        "(parse it first, e.g. with cimlab.ingest.parsing.parse_datetime)."
    )


@lru_cache(maxsize=64)
def _fixed_offset(time_zone: str) -> tuple[dt.datetime, dt.timedelta] | None:
    """``(since, offset)`` when ``time_zone``'s UTC offset is ``offset`` from ``since`` until
    2100 (no daylight saving: Asia/Shanghai since 1991), else None. Probed daily from 1970."""
    zone = ZoneInfo(time_zone)
    moment, end = dt.datetime(1970, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    since, offset = moment, moment.astimezone(zone).utcoffset()
    while moment < end:
        now = moment.astimezone(zone).utcoffset()
        if now != offset:
            since, offset = moment, now
        moment += dt.timedelta(days=1)
    if offset is None or since.year >= 2090:  # still changing (daylight saving)
        return None
    return since, offset


def _local_day(
    times: pl.Series, *, time_zone: str, since: dt.datetime, offset: dt.timedelta
) -> pl.Series:
    """Calendar days of aware ``times`` in ``time_zone``: a fixed offset added when every time
    is at or after ``since`` (8× cheaper than a time zone conversion), else the conversion."""
    utc = times.dt.convert_time_zone("UTC")
    first = utc.min()
    if first is None or (isinstance(first, dt.datetime) and first >= since):
        return (utc.dt.replace_time_zone(None) + offset).cast(pl.Date)
    return times.dt.convert_time_zone(time_zone).dt.date()
