"""Care reminders (cimlab.act.care) and holiday greeting dates (cimlab.act.holidays).

Every expected value is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.act.care import care_attributes, care_dates, first_purchase_dates, occurrence_in
from cimlab.act.holidays import (
    GREGORIAN_HOLIDAYS,
    HOLIDAY_NAMES,
    LUNAR_DATES,
    LUNAR_HOLIDAYS,
    holidays,
    upcoming_holidays,
)

D = dt.date


def _golden(rows: list[tuple[str | None, dt.date | None, dt.date | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"customer_id": pl.String, "birth_date": pl.Date, "signup_date": pl.Date},
        orient="row",
    )


def _first(rows: list[tuple[str, dt.date | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"customer_id": pl.String, "first_purchase_date": pl.Date}, orient="row"
    )


def _dates(rows: list[tuple[str, str, dt.date, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "customer_id": pl.String,
            "occasion": pl.String,
            "date": pl.Date,
            "years": pl.Int32,
            "days_until": pl.Int32,
        },
        orient="row",
    )


# --------------------------------------------------------------------------------------------
# care_dates
# --------------------------------------------------------------------------------------------


def test_care_dates_three_occasions_by_hand() -> None:
    golden = _golden(
        [
            ("c1", D(1990, 6, 10), D(2021, 6, 5)),  # 36th birthday 06-10, 5th anniversary 06-05
            ("c2", D(1985, 7, 1), D(2026, 6, 3)),  # signed up today-ish: anniversary 0 is none
            ("c3", None, None),  # no dates: nothing
        ]
    )
    first = _first([("c2", D(2024, 6, 4)), ("c1", D(2021, 6, 20))])
    # window [2026-06-03, 2026-06-13) : days_until 0..9
    out = care_dates(golden, first, as_of=D(2026, 6, 3), days=10)
    expected = _dates(
        [
            ("c2", "first_purchase_anniversary", D(2026, 6, 4), 2, 1),
            ("c1", "membership_anniversary", D(2026, 6, 5), 5, 2),
            ("c1", "birthday", D(2026, 6, 10), 36, 7),
        ]
    )
    assert_frame_equal(out, expected)


def test_window_includes_today_and_excludes_day_n() -> None:
    golden = _golden(
        [
            ("today", D(1990, 3, 1), None),
            ("last", D(1990, 3, 7), None),  # as_of + 6: the 7th day, included
            ("out", D(1990, 3, 8), None),  # as_of + 7: outside a 7-day window
            ("yesterday", D(1990, 2, 28), None),
        ]
    )
    out = care_dates(golden, None, as_of="2026-03-01", days=7)
    assert out.select("customer_id", "days_until").rows() == [("today", 0), ("last", 6)]
    only_today = care_dates(golden, None, as_of="2026-03-01", days=1)
    assert only_today.get_column("customer_id").to_list() == ["today"]


def test_year_wrap_birthdays_in_january() -> None:
    golden = _golden(
        [
            ("jan5", D(1985, 1, 5), None),  # 2027-01-05: 16 days after 2026-12-20, turns 42
            ("dec20", D(1985, 12, 20), None),  # today, turns 41
            ("jan18", D(2000, 1, 18), None),  # 2027-01-18 = as_of + 29, the last day; turns 27
            ("jan19", D(2000, 1, 19), None),  # as_of + 30: outside
            ("dec19", D(1985, 12, 19), None),  # passed yesterday; next one 2027-12-19: outside
        ]
    )
    out = care_dates(golden, None, as_of=D(2026, 12, 20), days=30)
    expected = _dates(
        [
            ("dec20", "birthday", D(2026, 12, 20), 41, 0),
            ("jan5", "birthday", D(2027, 1, 5), 42, 16),
            ("jan18", "birthday", D(2027, 1, 18), 27, 29),
        ]
    )
    assert_frame_equal(out, expected)


def test_29_february_is_celebrated_on_28_february_in_common_years() -> None:
    golden = _golden([("leap", D(2000, 2, 29), D(2024, 2, 29))])
    # 2027 is common: both on 02-28 (27th birthday, 3rd anniversary), 8 days after 02-20
    common = care_dates(golden, None, as_of=D(2027, 2, 20), days=14)
    assert_frame_equal(
        common,
        _dates(
            [
                ("leap", "birthday", D(2027, 2, 28), 27, 8),
                ("leap", "membership_anniversary", D(2027, 2, 28), 3, 8),
            ]
        ),
    )
    # 2028 is a leap year: on 02-29, 9 days after 02-20; 1 March holds nothing
    leap = care_dates(golden, None, as_of=D(2028, 2, 20), days=14)
    assert leap.select("date", "years", "days_until").rows() == [
        (D(2028, 2, 29), 28, 9),
        (D(2028, 2, 29), 4, 9),
    ]
    # 2100 is not a leap year (divisible by 100, not by 400): 02-28
    assert care_dates(golden, None, as_of=D(2100, 2, 28), days=1).height == 2


def test_occurrence_in_century_rule() -> None:
    frame = pl.DataFrame({"d": [D(1996, 2, 29)]})
    got = frame.select(
        a=occurrence_in("d", 2000), b=occurrence_in("d", 2100), c=occurrence_in(pl.col("d"), 2024)
    ).row(0)
    assert got == (D(2000, 2, 29), D(2100, 2, 28), D(2024, 2, 29))


def test_anniversary_zero_birth_today_and_future_dates_are_no_occasion() -> None:
    golden = _golden(
        [
            ("new", D(2026, 6, 1), D(2026, 6, 1)),  # born and signed up today: years 0
            ("future", D(2030, 6, 2), D(2027, 6, 2)),  # bad data in the future
        ]
    )
    first = _first([("new", D(2026, 6, 1))])
    assert care_dates(golden, first, as_of=D(2026, 6, 1), days=30).height == 0


def test_nulls_and_customers_without_dates() -> None:
    golden = _golden(
        [
            ("a", None, D(2020, 5, 2)),
            ("b", None, None),
            (None, D(1990, 5, 2), D(2020, 5, 2)),  # no customer: ignored
        ]
    )
    first = _first([("a", None), ("c", D(2025, 5, 3))])  # c is only in first_purchase
    out = care_dates(golden, first, as_of=D(2026, 5, 1), days=5)
    assert out.select("customer_id", "occasion", "years").rows() == [
        ("a", "membership_anniversary", 6),
        ("c", "first_purchase_anniversary", 1),
    ]


def test_earliest_first_purchase_counts_and_long_windows_repeat() -> None:
    golden = _golden([("a", D(1990, 1, 10), None)])
    first = _first([("a", D(2023, 1, 12)), ("a", D(2022, 1, 11))])  # earliest: 2022-01-11
    out = care_dates(golden, first, as_of=D(2026, 1, 1), days=731)  # 2026-01-01 .. 2028-01-01
    assert out.select("occasion", "date", "years", "days_until").rows() == [
        ("birthday", D(2026, 1, 10), 36, 9),
        ("first_purchase_anniversary", D(2026, 1, 11), 4, 10),
        ("birthday", D(2027, 1, 10), 37, 374),  # 365 + 9
        ("first_purchase_anniversary", D(2027, 1, 11), 5, 375),
    ]


def test_datetime_columns_count_by_their_day() -> None:
    golden = pl.DataFrame(
        {
            "customer_id": ["a"],
            "birth_date": [dt.datetime(1990, 4, 2, 23, 30)],
            "signup_date": pl.Series([None], dtype=pl.Datetime("us", "UTC")),
        }
    )
    out = care_dates(golden, None, as_of=D(2026, 4, 1), days=3)
    assert out.select("date", "years").rows() == [(D(2026, 4, 2), 36)]


def test_empty_inputs_give_empty_typed_frames() -> None:
    out = care_dates(_golden([]), _first([]), as_of=D(2026, 1, 1), days=30)
    assert out.height == 0
    assert out.schema == pl.Schema(
        {
            "customer_id": pl.String,
            "occasion": pl.String,
            "date": pl.Date,
            "years": pl.Int32,
            "days_until": pl.Int32,
        }
    )
    assert care_attributes(_golden([]), None, as_of=D(2026, 1, 1)).height == 0


def test_bad_inputs_are_refused_with_a_clear_message() -> None:
    golden = _golden([("a", D(1990, 1, 1), None)])
    for days in (0, -3, 1.5, True):
        with pytest.raises(ValueError, match="days="):
            care_dates(golden, None, as_of=D(2026, 1, 1), days=days)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="repeats 1 customer_id"):
        care_dates(pl.concat([golden, golden]), None, as_of=D(2026, 1, 1), days=3)
    with pytest.raises(ValueError, match="no column 'signup_date'"):
        care_dates(golden.drop("signup_date"), None, as_of=D(2026, 1, 1), days=3)
    with pytest.raises(ValueError, match="first_purchase_dates"):
        care_dates(golden, pl.DataFrame({"customer_id": ["a"]}), as_of=D(2026, 1, 1), days=3)
    as_text = golden.with_columns(pl.col("birth_date").cast(pl.String))
    with pytest.raises(TypeError, match="birth_date"):
        care_dates(as_text, None, as_of=D(2026, 1, 1), days=3)


# --------------------------------------------------------------------------------------------
# care_attributes
# --------------------------------------------------------------------------------------------


def test_care_attributes_by_hand() -> None:
    golden = _golden(
        [
            ("a", D(1990, 6, 10), D(2026, 6, 1)),  # birthday in 9 days; signup today -> next year
            ("b", D(1991, 5, 31), None),  # birthday passed yesterday -> 2027-05-31 (364 days)
            ("c", None, None),  # no dates: a row of nulls
        ]
    )
    first = _first([("d", D(2025, 6, 1))])  # d only bought: 1st anniversary today
    out = care_attributes(golden, first, as_of=D(2026, 6, 1))
    expected = pl.DataFrame(
        [
            ("a", D(2026, 6, 10), 9, D(2027, 6, 1), 365, None, None),
            ("b", D(2027, 5, 31), 364, None, None, None, None),
            ("c", None, None, None, None, None, None),
            ("d", None, None, None, None, D(2026, 6, 1), 0),
        ],
        schema={
            "customer_id": pl.String,
            "next_birthday": pl.Date,
            "days_to_birthday": pl.Int32,
            "next_membership_anniversary": pl.Date,
            "days_to_membership_anniversary": pl.Int32,
            "next_first_purchase_anniversary": pl.Date,
            "days_to_first_purchase_anniversary": pl.Int32,
        },
        orient="row",
    )
    assert_frame_equal(out, expected)


def test_care_attributes_leap_day_and_signup_in_the_future() -> None:
    golden = _golden(
        [
            ("leap", D(2004, 2, 29), None),
            ("later", None, D(2026, 8, 1)),  # signed up after as_of: first anniversary 2027-08-01
        ]
    )
    out = care_attributes(golden, None, as_of=D(2027, 3, 1))
    # 2027-02-28 has passed on 03-01, so the next is 2028-02-29 (365 days: 2028 is a leap year,
    # 2027-03-01 -> 2028-02-29 is 365 days)
    leap = out.row(by_predicate=pl.col("customer_id") == "leap", named=True)
    later = out.row(by_predicate=pl.col("customer_id") == "later", named=True)
    assert (leap["next_birthday"], leap["days_to_birthday"]) == (D(2028, 2, 29), 365)
    assert (later["next_membership_anniversary"], later["days_to_membership_anniversary"]) == (
        D(2027, 8, 1),
        153,  # 2027-03-01 -> 08-01: 31 + 30 + 31 + 30 + 31 (March to July) = 153
    )


def _reference_next(base: dt.date, as_of: dt.date) -> dt.date:
    """The next occasion on or after as_of with years >= 1, day by day (independent rule)."""
    day = as_of
    while True:
        common_feb_28 = (
            base.month == 2
            and base.day == 29
            and (day.month, day.day) == (2, 28)
            and not (day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0))
        )
        if ((day.month, day.day) == (base.month, base.day) or common_feb_28) and (
            day.year - base.year >= 1
        ):
            return day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    "as_of", [D(2027, 12, 25), D(2027, 2, 28), D(2028, 2, 28), D(2028, 2, 29), D(2028, 3, 1)]
)
def test_wide_and_long_forms_agree_with_a_day_by_day_reference(as_of: dt.date) -> None:
    rng = random.Random(13)
    rows: list[tuple[str | None, dt.date | None, dt.date | None]] = []
    for i in range(300):
        born = D(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 27000))
        joined = D(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 4900))
        rows.append((f"c{i:03d}", born if rng.random() < 0.8 else None, joined))
    rows.append(("leap", D(1996, 2, 29), D(2028, 2, 29)))
    rows.append(("leap2", D(2004, 2, 29), D(2020, 2, 29)))
    rows.append(("feb28", D(2003, 2, 28), D(2020, 3, 1)))
    golden = _golden(rows)
    wide = care_attributes(golden, None, as_of=as_of)
    long = care_dates(golden, None, as_of=as_of, days=400)
    for cid, birth, signup in rows:
        got = wide.row(by_predicate=pl.col("customer_id") == cid, named=True)
        for occasion, base, prefix in (
            ("birthday", birth, "birthday"),
            ("membership_anniversary", signup, "membership_anniversary"),
        ):
            if base is None:
                assert got[f"next_{prefix}"] is None
                continue
            expected = _reference_next(base, as_of)
            assert got[f"next_{prefix}"] == expected, (cid, occasion)
            assert got[f"days_to_{prefix}"] == (expected - as_of).days
            in_long = long.filter((pl.col("customer_id") == cid) & (pl.col("occasion") == occasion))
            if (expected - as_of).days < 400:
                assert in_long.row(0, named=True)["date"] == expected
                assert in_long.row(0, named=True)["years"] == expected.year - base.year


# --------------------------------------------------------------------------------------------
# first_purchase_dates
# --------------------------------------------------------------------------------------------


def test_first_purchase_dates_follow_the_purchase_day_rule() -> None:
    lines = pl.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "b"],
            "order_ts": [
                dt.datetime(2024, 1, 1, 9),  # a: refunded the same day: no purchase day
                dt.datetime(2024, 1, 1, 15),
                dt.datetime(2024, 2, 20),  # a: a later purchase day
                dt.datetime(2024, 2, 3, 10),  # a: first purchase day
                dt.datetime(2024, 3, 1),  # b: after as_of
                dt.datetime(2023, 12, 31, 20),  # b: 2024-01-01 in Shanghai
            ],
            "amount": [30.0, -30.0, 9.0, 12.0, 5.0, 7.0],
            "status": ["paid", "refunded", "paid", "paid", "paid", "paid"],
        }
    ).with_columns(pl.col("order_ts").dt.replace_time_zone("UTC"))
    out = first_purchase_dates(lines, as_of=D(2024, 2, 28), time_zone="Asia/Shanghai")
    assert out.rows() == [("a", D(2024, 2, 3)), ("b", D(2024, 1, 1))]
    golden = _golden([("a", None, None), ("b", None, None)])
    reminders = care_dates(golden, out, as_of=D(2025, 1, 1), days=40)
    # window 2025-01-01 .. 2025-02-09
    assert reminders.select("customer_id", "date", "years").rows() == [
        ("b", D(2025, 1, 1), 1),
        ("a", D(2025, 2, 3), 1),
    ]


# --------------------------------------------------------------------------------------------
# holidays
# --------------------------------------------------------------------------------------------


def _on(frame: pl.DataFrame, code: str, year: int) -> dt.date:
    return frame.filter((pl.col("code") == code) & (pl.col("date").dt.year() == year)).item(
        0, "date"
    )


def test_published_lunar_festival_dates() -> None:
    table = holidays(2025, 2026)
    assert _on(table, "spring_festival", 2026) == D(2026, 2, 17)
    assert _on(table, "spring_festival", 2025) == D(2025, 1, 29)
    assert _on(table, "mid_autumn", 2026) == D(2026, 9, 25)
    assert _on(table, "mid_autumn", 2025) == D(2025, 10, 6)
    assert _on(table, "lantern", 2026) == D(2026, 3, 3)  # 15 days after 02-17, both counted
    assert _on(table, "dragon_boat", 2025) == D(2025, 5, 31)


def test_lunar_table_is_plausible_for_every_year() -> None:
    assert sorted(LUNAR_DATES) == list(range(2020, 2041))
    table = holidays(2020, 2040)
    for year in range(2020, 2041):
        spring = _on(table, "spring_festival", year)
        # the Chinese new year always falls between 21 January and 20 February
        assert D(year, 1, 21) <= spring <= D(year, 2, 20), year
        assert _on(table, "lantern", year) - spring == dt.timedelta(days=14)
        # loose bounds: lunar 8/15 falls between 7 September and 8 October, 5/5 between
        # 27 May and 25 June
        assert D(year, 9, 7) <= _on(table, "mid_autumn", year) <= D(year, 10, 8), year
        assert D(year, 5, 27) <= _on(table, "dragon_boat", year) <= D(year, 6, 25), year
        # 7/7 comes two lunar months and two days (three months after a leap month) after 5/5:
        # 2 x 29..30 + 2 = 60..62 days, or 3 x 29..30 + 2 = 89..92 days
        gap = (_on(table, "qixi", year) - _on(table, "dragon_boat", year)).days
        assert 60 <= gap <= 62 or 89 <= gap <= 92, (year, gap)


def test_holidays_of_a_year() -> None:
    table = holidays(2026, 2026)
    assert table.height == len(LUNAR_HOLIDAYS) + len(GREGORIAN_HOLIDAYS) == 14
    assert table.schema == pl.Schema(
        {"code": pl.String, "name_en": pl.String, "name_zh": pl.String, "date": pl.Date}
    )
    assert table.get_column("date").is_sorted()
    assert all(code.isascii() and code.isidentifier() for code in table.get_column("code"))
    assert set(table.get_column("code")) == set(HOLIDAY_NAMES)
    fixed = dict(
        table.filter(pl.col("code").is_in(list(GREGORIAN_HOLIDAYS))).select("code", "date").rows()
    )
    assert fixed["double_11"] == D(2026, 11, 11)
    assert fixed["womens_day"] == D(2026, 3, 8)
    assert fixed["christmas"] == D(2026, 12, 25)
    assert table.filter(pl.col("code") == "double_11").row(0)[1:3] == (
        "Singles' Day (Double 11)",
        "双十一",
    )


def test_extra_dates() -> None:
    extra = {"店庆": [D(2026, 5, 20), D(2027, 5, 20), D(2031, 5, 20)]}
    table = holidays(2026, 2027, extra=extra)
    shop = table.filter(pl.col("code") == "店庆")
    assert shop.rows() == [
        ("店庆", "店庆", "店庆", D(2026, 5, 20)),
        ("店庆", "店庆", "店庆", D(2027, 5, 20)),
    ]
    with pytest.raises(ValueError, match="built-in holiday code 'double_11'"):
        holidays(2026, 2026, extra={"double_11": [D(2026, 11, 12)]})
    with pytest.raises(TypeError, match="list of dates"):
        holidays(2026, 2026, extra={"x": D(2026, 1, 2)})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="write dates"):
        holidays(2026, 2026, extra={"x": ["2026-01-02"]})  # type: ignore[list-item]


def test_years_outside_the_table_are_refused() -> None:
    with pytest.raises(ValueError, match="year_to=2041 is outside 2020–2040"):
        holidays(2040, 2041)
    with pytest.raises(ValueError, match="year_from=2027 is after year_to=2026"):
        holidays(2027, 2026)
    with pytest.raises(ValueError, match="outside"):
        upcoming_holidays(D(2040, 12, 20), 30)


def test_upcoming_holidays_across_the_new_year() -> None:
    extra = {"vip_day": [D(2027, 1, 10)]}
    out = upcoming_holidays(D(2026, 12, 20), 30, extra=extra)
    # window 2026-12-20 .. 2027-01-18
    assert out.select("code", "date", "days_until").rows() == [
        ("christmas", D(2026, 12, 25), 5),
        ("new_year", D(2027, 1, 1), 12),
        ("vip_day", D(2027, 1, 10), 21),
    ]
    # 2027 春节 is 02-06: 48 days after 2026-12-20, not in a 48-day window, in a 49-day one
    assert "spring_festival" not in upcoming_holidays(D(2026, 12, 20), 48)["code"].to_list()
    assert upcoming_holidays(D(2026, 12, 20), 49).row(-1)[0::4] == ("spring_festival", 48)
    assert upcoming_holidays("2026-02-17", 1).select("code").to_series().to_list() == [
        "spring_festival"
    ]
