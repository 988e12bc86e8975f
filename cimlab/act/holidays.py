"""Holiday greeting dates: Chinese lunar festivals, common Gregorian days and a shop's own dates.

Built-in holidays, each with an ASCII ``code`` (what audiences and files name), an English and a
Chinese name:

* **Lunar** (their Gregorian dates move every year, read from :data:`LUNAR_DATES`, a fact table
  for 2020–2040): ``spring_festival`` 春节 (1st day of the 1st lunar month), ``lantern`` 元宵节
  (1/15), ``dragon_boat`` 端午节 (5/5), ``qixi`` 七夕 (7/7), ``mid_autumn`` 中秋节 (8/15).
* **Gregorian** (same day every year): ``new_year`` 元旦 (1-1), ``valentines_day`` 情人节 (2-14),
  ``womens_day`` 妇女节 (3-8), ``labour_day`` 劳动节 (5-1), ``childrens_day`` 儿童节 (6-1),
  ``national_day`` 国庆节 (10-1), ``double_11`` 双十一 (11-11), ``double_12`` 双十二 (12-12),
  ``christmas`` 圣诞节 (12-25).

These are greeting dates (the day itself), not the official days off. Years outside 2020–2040
raise a ValueError rather than leaving the lunar festivals out silently. A shop adds its own
dates with ``extra={"store_anniversary": [date(2026, 5, 20)]}``: the key is the code and both
names of those dates.

Examples
--------
>>> import datetime as dt
>>> upcoming_holidays(dt.date(2026, 9, 20), 14).rows()
[('mid_autumn', 'Mid-Autumn Festival', '中秋节', datetime.date(2026, 9, 25), 5), ('national_day', 'National Day', '国庆节', datetime.date(2026, 10, 1), 11)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import polars as pl

from cimlab.dates import DateLike, _check_days, to_date

if TYPE_CHECKING:
    from cimlab.workspace import Workspace

__all__ = [
    "GREGORIAN_HOLIDAYS",
    "HOLIDAY_NAMES",
    "LUNAR_DATES",
    "LUNAR_HOLIDAYS",
    "holidays",
    "set_shop_holidays",
    "shop_holidays",
    "upcoming_holidays",
]

LUNAR_HOLIDAYS: tuple[str, ...] = (
    "spring_festival",
    "lantern",
    "dragon_boat",
    "qixi",
    "mid_autumn",
)
"""The codes of the lunar festivals, in the column order of :data:`LUNAR_DATES`."""

# Gregorian dates (MM-DD) of the lunar festivals: 春节 (L1-1), 元宵 (L1-15), 端午 (L5-5),
# 七夕 (L7-7), 中秋 (L8-15), in the Chinese calendar (UTC+8 new moons, GB/T 33661-2017).
# Source: computed once with three independent conversions that agree on every date —
# python-holidays 0.108 `holidays/calendars/chinese.py` (_ChineseLunisolar: lunar_new_year_date,
# dragon_boat_date, mid_autumn_date), lunardate 0.2 (LunarDate(y, m, d).to_solar_date()) and
# LunarCalendar 0.0.9 (Converter.Lunar2Solar, checked by its authors against Microsoft's
# ChineseLunisolarCalendar). tests/test_act_care.py pins the widely published dates
# 2025 春节 01-29, 2026 春节 02-17, 2025 中秋 10-06 and 2026 中秋 09-25.
LUNAR_DATES: dict[int, tuple[str, str, str, str, str]] = {
    2020: ("01-25", "02-08", "06-25", "08-25", "10-01"),
    2021: ("02-12", "02-26", "06-14", "08-14", "09-21"),
    2022: ("02-01", "02-15", "06-03", "08-04", "09-10"),
    2023: ("01-22", "02-05", "06-22", "08-22", "09-29"),
    2024: ("02-10", "02-24", "06-10", "08-10", "09-17"),
    2025: ("01-29", "02-12", "05-31", "08-29", "10-06"),
    2026: ("02-17", "03-03", "06-19", "08-19", "09-25"),
    2027: ("02-06", "02-20", "06-09", "08-08", "09-15"),
    2028: ("01-26", "02-09", "05-28", "08-26", "10-03"),
    2029: ("02-13", "02-27", "06-16", "08-16", "09-22"),
    2030: ("02-03", "02-17", "06-05", "08-05", "09-12"),
    2031: ("01-23", "02-06", "06-24", "08-24", "10-01"),
    2032: ("02-11", "02-25", "06-12", "08-12", "09-19"),
    2033: ("01-31", "02-14", "06-01", "08-01", "09-08"),
    2034: ("02-19", "03-05", "06-20", "08-20", "09-27"),
    2035: ("02-08", "02-22", "06-10", "08-10", "09-16"),
    2036: ("01-28", "02-11", "05-30", "08-28", "10-04"),
    2037: ("02-15", "03-01", "06-18", "08-17", "09-24"),
    2038: ("02-04", "02-18", "06-07", "08-07", "09-13"),
    2039: ("01-24", "02-07", "05-27", "08-26", "10-02"),
    2040: ("02-12", "02-26", "06-14", "08-14", "09-20"),
}
"""Gregorian ``MM-DD`` of each lunar festival (columns in :data:`LUNAR_HOLIDAYS` order) per year."""

GREGORIAN_HOLIDAYS: dict[str, tuple[int, int]] = {
    "new_year": (1, 1),
    "valentines_day": (2, 14),
    "womens_day": (3, 8),
    "labour_day": (5, 1),
    "childrens_day": (6, 1),
    "national_day": (10, 1),
    "double_11": (11, 11),
    "double_12": (12, 12),
    "christmas": (12, 25),
}
"""``(month, day)`` of the holidays that fall on the same Gregorian day every year."""

HOLIDAY_NAMES: dict[str, tuple[str, str]] = {
    "spring_festival": ("Spring Festival", "春节"),
    "lantern": ("Lantern Festival", "元宵节"),
    "dragon_boat": ("Dragon Boat Festival", "端午节"),
    "qixi": ("Qixi Festival", "七夕"),
    "mid_autumn": ("Mid-Autumn Festival", "中秋节"),
    "new_year": ("New Year's Day", "元旦"),
    "valentines_day": ("Valentine's Day", "情人节"),
    "womens_day": ("International Women's Day", "妇女节"),
    "labour_day": ("Labour Day", "劳动节"),
    "childrens_day": ("Children's Day", "儿童节"),
    "national_day": ("National Day", "国庆节"),
    "double_11": ("Singles' Day (Double 11)", "双十一"),
    "double_12": ("Double 12", "双十二"),
    "christmas": ("Christmas", "圣诞节"),
}
"""``code -> (name_en, name_zh)`` of every built-in holiday."""

_SCHEMA = pl.Schema(
    {"code": pl.String, "name_en": pl.String, "name_zh": pl.String, "date": pl.Date}
)


def holidays(
    year_from: int,
    year_to: int,
    extra: Mapping[str, Sequence[dt.date]] | None = None,
) -> pl.DataFrame:
    """Every holiday from 1 January ``year_from`` to 31 December ``year_to``, by date.

    Parameters
    ----------
    year_from, year_to
        The years covered (both included), within 2020–2040 (the lunar table's range).
    extra
        The shop's own dates, ``{code: [dates]}``; the code is used as both names. A code may
        not reuse a built-in one; dates outside the years are left out.

    Returns
    -------
    pl.DataFrame
        ``code, name_en, name_zh, date``, sorted by ``date`` then ``code``.

    Examples
    --------
    >>> h = holidays(2026, 2026, extra={"store_anniversary": [dt.date(2026, 5, 20)]})
    >>> h.filter(pl.col("date").dt.month() == 5).rows()
    [('labour_day', 'Labour Day', '劳动节', datetime.date(2026, 5, 1)), ('store_anniversary', 'store_anniversary', 'store_anniversary', datetime.date(2026, 5, 20))]
    >>> holidays(2019, 2020)
    Traceback (most recent call last):
    ...
    ValueError: year_from=2019 is outside 2020–2040, the years the lunar festival table covers.
    """
    first, last = min(LUNAR_DATES), max(LUNAR_DATES)
    for name, year in (("year_from", year_from), ("year_to", year_to)):
        if isinstance(year, bool) or not isinstance(year, int):
            raise TypeError(f"{name}={year!r} should be a year (an int).")
        if not first <= year <= last:
            raise ValueError(
                f"{name}={year} is outside {first}–{last}, the years the lunar festival table covers."
            )
    if year_from > year_to:
        raise ValueError(f"year_from={year_from} is after year_to={year_to}.")
    rows: list[tuple[str, str, str, dt.date]] = []
    for year in range(year_from, year_to + 1):
        for code, month_day in zip(LUNAR_HOLIDAYS, LUNAR_DATES[year], strict=True):
            month, day = (int(part) for part in month_day.split("-"))
            rows.append((code, *HOLIDAY_NAMES[code], dt.date(year, month, day)))
        for code, (month, day) in GREGORIAN_HOLIDAYS.items():
            rows.append((code, *HOLIDAY_NAMES[code], dt.date(year, month, day)))
    for code, days in _check_extra(extra).items():
        rows.extend((code, code, code, day) for day in days if year_from <= day.year <= year_to)
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row").unique().sort("date", "code")


def upcoming_holidays(
    as_of: DateLike,
    days: int,
    extra: Mapping[str, Sequence[dt.date]] | None = None,
) -> pl.DataFrame:
    """The holidays in the ``days`` days starting on ``as_of`` (``as_of`` included).

    The window is ``[as_of, as_of + days)``, as for :func:`cimlab.act.care.care_dates`: with
    ``days=1`` only ``as_of`` itself.

    Returns
    -------
    pl.DataFrame
        ``code, name_en, name_zh, date, days_until`` (``days_until`` = 0 on ``as_of``), by date.

    Examples
    --------
    >>> upcoming_holidays("2026-12-25", 8).select("code", "date", "days_until").rows()
    [('christmas', datetime.date(2026, 12, 25), 0), ('new_year', datetime.date(2027, 1, 1), 7)]
    """
    start = to_date(as_of)
    _check_days(days)
    end = start + dt.timedelta(days=days - 1)
    return (
        holidays(start.year, end.year, extra)
        .filter(pl.col("date").is_between(start, end))
        .with_columns(days_until=(pl.col("date") - start).dt.total_days().cast(pl.Int32))
    )


def _check_extra(extra: Mapping[str, Sequence[dt.date]] | None) -> dict[str, list[dt.date]]:
    if extra is None:
        return {}
    if not isinstance(extra, Mapping):
        raise TypeError(f"extra should be a dict {{code: [dates]}}, not {type(extra).__name__}.")
    checked: dict[str, list[dt.date]] = {}
    for code, days in extra.items():
        if not isinstance(code, str) or not code.strip():
            raise ValueError(f"extra has the code {code!r}; a code is a non-empty string.")
        if code in HOLIDAY_NAMES:
            raise ValueError(
                f"extra reuses the built-in holiday code {code!r}; choose another code."
            )
        if isinstance(days, str | dt.date) or not isinstance(days, Sequence):
            raise TypeError(f"extra[{code!r}] should be a list of dates.")
        bad = [d for d in days if isinstance(d, dt.datetime) or not isinstance(d, dt.date)]
        if bad:
            raise TypeError(f"extra[{code!r}] holds {bad[0]!r}; write dates (datetime.date).")
        checked[code] = list(days)
    return checked


# ------------------------------------------------------------------------------------------------
# The shop's own dates, kept in the workspace
# ------------------------------------------------------------------------------------------------

_SHOP_KEY = "shop_holidays"


def shop_holidays(ws: Workspace) -> dict[str, list[dt.date]]:
    """The workspace's own greeting dates, ``{code: [dates]}`` (empty when none are set)."""
    import json

    rows = ws.rows("SELECT value FROM meta WHERE key = ?", [_SHOP_KEY])
    if not rows:
        return {}
    stored = json.loads(rows[0][0])
    return {code: [dt.date.fromisoformat(d) for d in days] for code, days in stored.items()}


def set_shop_holidays(
    ws: Workspace, extra: Mapping[str, Sequence[dt.date]] | None
) -> dict[str, list[dt.date]]:
    """Keep ``extra`` (``{code: [dates]}``; codes are ASCII tokens like ``store_anniversary``) as
    the workspace's own greeting dates, replacing earlier ones; None or ``{}`` clears them. Each
    becomes the ready-made audience ``holiday:<code>``."""
    import json
    import re

    checked = _check_extra(extra)
    for code in checked:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code):
            raise ValueError(
                f"holiday code {code!r}: lower-case letters, digits and _ (like store_anniversary)"
            )
    with ws.transaction() as con:
        con.execute("DELETE FROM meta WHERE key = ?", [_SHOP_KEY])
        if checked:
            value = {code: sorted(d.isoformat() for d in days) for code, days in checked.items()}
            con.execute("INSERT INTO meta VALUES (?, ?)", [_SHOP_KEY, json.dumps(value)])
    return shop_holidays(ws)
