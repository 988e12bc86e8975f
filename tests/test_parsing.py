"""Value-parsing rules: hand-computed tables, adversarial spellings, and a 1M-row smoke run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.ingest.parsing import (
    _DATE_ROUTES,
    _ISO_OFFSET,
    _SLASH_ROUTES,
    FAILURE_REASONS,
    GENDER_UNKNOWN_TOKENS,
    NULL_TOKENS,
    PHONE_REGIONS,
    clean_missing,
    detect_currency,
    is_masked_name,
    is_masked_phone,
    is_unknown_gender,
    normalize_email,
    normalize_id,
    normalize_phone,
    normalize_status,
    parse_bool,
    parse_customer_type,
    parse_date,
    parse_datetime,
    parse_gender,
    parse_integer,
    parse_money,
    parse_number,
)

UTC = dt.UTC


def run(rule: Callable[..., pl.Expr], values: list[str | None], **options: Any) -> list[Any]:
    """Apply ``rule`` to a one-column string frame and return the values."""
    frame = pl.DataFrame({"x": values}, schema={"x": pl.String})
    out = frame.select(rule(pl.col("x"), **options))
    assert out.columns == ["x"], "a rule keeps the input column's name"
    return out["x"].to_list()


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# clean_missing and the pipeline contract
# --------------------------------------------------------------------------------------------


def test_clean_missing_maps_null_tokens_and_strips() -> None:
    values = ["  a ", "N/A", "NA", "n/a", "#N/A", "null", "NULL", "None", "-", "--", "无", "暂无",
              "空", "", "   ", "\u3000", "\u00a0x\u00a0", "\u3000b\u3000", "\ufeffc", None]  # fmt: skip
    expected = ["a", None, None, None, None, None, None, None, None, None, None, None,
                None, None, None, None, "x", "b", "c", None]  # fmt: skip
    assert run(clean_missing, values) == expected


def test_clean_missing_keeps_nan_zero_and_real_values() -> None:
    values = ["NaN", "nan", "0", "-1", "Na", "na ", "无锡", "-12"]
    assert run(clean_missing, values) == ["NaN", "nan", "0", "-1", "Na", "na", "无锡", "-12"]


def test_null_tokens_do_not_contain_nan() -> None:
    assert "NaN" not in NULL_TOKENS and "nan" not in NULL_TOKENS
    assert {"", "N/A", "#N/A", "null", "None", "-", "--", "无", "暂无", "空"} <= NULL_TOKENS


def test_failure_mask_flags_only_unreadable_values() -> None:
    frame = pl.DataFrame(
        {"d": ["2024-01-05", "N/A", "2024-13-45", "2024-02-30", "", "2024/1/5", None]}
    )
    raw = clean_missing(pl.col("d"))
    out = frame.select(failed=raw.is_not_null() & parse_datetime(raw).is_null())
    assert out["failed"].to_list() == [False, False, True, True, False, False, False]


def test_rules_work_in_lazy_frames_and_on_expressions() -> None:
    lazy = pl.LazyFrame({"amount": [" ¥1,234.50 ", "N/A"], "ts": ["2024-01-05 08:26", None]})
    out = lazy.with_columns(
        parse_money(clean_missing(pl.col("amount"))),
        parse_datetime(clean_missing(pl.col("ts")), timezone="UTC"),
    ).collect()
    expected = pl.DataFrame(
        {"amount": [1234.5, None], "ts": [utc(2024, 1, 5, 8, 26), None]},
        schema={"amount": pl.Float64, "ts": pl.Datetime("us", "UTC")},
    )
    assert_frame_equal(out, expected)


def test_rules_use_no_python_callbacks() -> None:
    rules = [
        parse_datetime(pl.col("x")), parse_date(pl.col("x")), parse_money(pl.col("x")),
        detect_currency(pl.col("x")), parse_number(pl.col("x")), parse_integer(pl.col("x")),
        normalize_phone(pl.col("x")), is_masked_phone(pl.col("x")), normalize_email(pl.col("x")),
        normalize_id(pl.col("x")), parse_bool(pl.col("x")), parse_gender(pl.col("x")),
        parse_customer_type(pl.col("x")), normalize_status(pl.col("x")),
        clean_missing(pl.col("x")), is_masked_name(pl.col("x")), is_unknown_gender(pl.col("x")),
    ]  # fmt: skip
    for rule in rules:
        assert "python_udf" not in str(rule)


# --------------------------------------------------------------------------------------------
# Dates and times
# --------------------------------------------------------------------------------------------

# Local Asia/Shanghai (UTC+8) wall clock → UTC.
DATETIME_CASES: list[tuple[str, dt.datetime | None]] = [
    ("2024-01-05", utc(2024, 1, 4, 16)),
    ("2024-01-05 08:26", utc(2024, 1, 5, 0, 26)),
    ("2024-01-05 08:26:33", utc(2024, 1, 5, 0, 26, 33)),
    ("2024-1-5 8:26", utc(2024, 1, 5, 0, 26)),
    ("2024-01-05T08:26:33", utc(2024, 1, 5, 0, 26, 33)),
    ("2024-01-05T08:26:33.123456", utc(2024, 1, 5, 0, 26, 33, 123456)),
    ("2024-01-05T08:26:33.5", utc(2024, 1, 5, 0, 26, 33, 500000)),
    ("2024-01-05T08:26:33.123456789", utc(2024, 1, 5, 0, 26, 33, 123456)),
    ("2024-01-05T08:26:33+08:00", utc(2024, 1, 5, 0, 26, 33)),
    ("2024-01-05T08:26:33Z", utc(2024, 1, 5, 8, 26, 33)),
    ("2024-01-05T08:26:33.250Z", utc(2024, 1, 5, 8, 26, 33, 250000)),
    ("2024-01-05T08:26:33-05:00", utc(2024, 1, 5, 13, 26, 33)),
    ("2024-01-05T08:26:33+0530", utc(2024, 1, 5, 2, 56, 33)),
    ("2024-01-05 08:26:33 +0800", utc(2024, 1, 5, 0, 26, 33)),
    ("2024-01-05 08:26:33+08", utc(2024, 1, 5, 0, 26, 33)),
    ("2024-01-05 08:26 UTC", utc(2024, 1, 5, 8, 26)),
    ("2024-01-05 08:26 GMT+8", utc(2024, 1, 5, 0, 26)),
    ("2024-01-05 08:26 UTC-5", utc(2024, 1, 5, 13, 26)),
    ("2024/1/5", utc(2024, 1, 4, 16)),
    ("2024/01/05 8:26", utc(2024, 1, 5, 0, 26)),
    ("2024/1/5 8:26:33", utc(2024, 1, 5, 0, 26, 33)),
    ("2024.1.5", utc(2024, 1, 4, 16)),
    ("2024.01.05 08:26", utc(2024, 1, 5, 0, 26)),
    ("2024年1月5日", utc(2024, 1, 4, 16)),
    ("2024年01月05日", utc(2024, 1, 4, 16)),
    ("2024年1月5日 08:26", utc(2024, 1, 5, 0, 26)),
    ("2024年1月5日 08:26:33", utc(2024, 1, 5, 0, 26, 33)),
    ("20240105", utc(2024, 1, 4, 16)),
    ("1/5/2024 08:26", utc(2024, 1, 5, 0, 26)),  # month first by default
    ("12/1/2010 8:26", utc(2010, 12, 1, 0, 26)),  # UCI Online Retail
    ("1/5/2024", utc(2024, 1, 4, 16)),
    ("1-5-2024 08:26:33", utc(2024, 1, 5, 0, 26, 33)),
    ("2024-01-05 8:26 PM", utc(2024, 1, 5, 12, 26)),
    ("2024-01-05 12:00 am", utc(2024, 1, 4, 16)),
    ("2024-01-05 12:30 PM", utc(2024, 1, 5, 4, 30)),
    ("45296", utc(2024, 1, 4, 16)),  # Excel serial of 2024-01-05
    ("45296.35", utc(2024, 1, 5, 0, 24)),  # 0.35 day = 08:24
    ("45296.5", utc(2024, 1, 5, 4)),
    ("2024-02-29", utc(2024, 2, 28, 16)),
    ("2000-02-29 00:00", utc(2000, 2, 28, 16)),
    ("  2024-01-05 08:26  ", utc(2024, 1, 5, 0, 26)),
    ("1988-07-01 12:00", utc(1988, 7, 1, 3)),  # China observed DST (UTC+9) in summer 1988
    # impossible or unreadable → null
    ("2024-13-45", None),
    ("2024-02-30", None),
    ("2024-02-30 08:26:33", None),
    ("2023-02-29", None),
    ("1900-02-29", None),
    ("2024-04-31", None),
    ("2024-00-10", None),
    ("2024-01-00", None),
    ("2024-01-05 24:00", None),
    ("2024-01-05 24:00:00", None),
    ("2024-01-05 08:60", None),
    ("2024-01-05 08:26:60", None),
    ("2024-01-05 13:00 PM", None),
    ("2024-01-05 0:30 AM", None),
    ("2024-01-05T08:26:33+15:00", None),
    ("2024-01-05T08:26:33+08:60", None),
    ("13/25/2024", None),
    ("13/1/2024 08:26", None),  # month 13 when month-first
    ("20241305", None),
    ("2024010", None),
    ("202401051", None),
    ("12345", None),  # five digits but below the Excel range
    ("99999", None),
    ("0999-01-01", None),
    ("0999-01-01 10:00:00", None),
    ("1/5/24", None),
    ("2024-01-05x", None),
    ("2024-01-05 08:26 +08:00 extra", None),
    ("abc", None),
    ("nan", None),
    ("0", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), DATETIME_CASES)
def test_parse_datetime_table(value: str | None, expected: dt.datetime | None) -> None:
    assert run(parse_datetime, [value]) == [expected]


def test_parse_datetime_dtype_is_utc_microseconds() -> None:
    frame = pl.DataFrame({"x": ["2024-01-05", "2024-01-05 08:26:07.5"]})
    parsed = frame.select(parse_datetime(pl.col("x")))
    assert parsed.schema["x"] == pl.Datetime("us", "UTC")
    # naive times are read in the default zone (Asia/Shanghai, UTC+8) and stored in UTC
    assert parsed["x"].to_list() == [
        dt.datetime(2024, 1, 4, 16, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 5, 0, 26, 7, 500_000, tzinfo=dt.UTC),
    ]


def test_parse_datetime_whole_column_of_mixed_formats() -> None:
    values = [case[0] for case in DATETIME_CASES]
    assert run(parse_datetime, values) == [case[1] for case in DATETIME_CASES]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("05/01/2024", utc(2024, 1, 4, 16)),
        ("05/01/2024 08:26", utc(2024, 1, 5, 0, 26)),
        ("13/12/2024", utc(2024, 12, 12, 16)),
        ("5.1.2024 8:26", utc(2024, 1, 5, 0, 26)),
        ("12/13/2024", None),  # month 13 when day first
        ("2024-01-05 08:26", utc(2024, 1, 5, 0, 26)),  # year-first values are not affected
        ("2024/1/5", utc(2024, 1, 4, 16)),
    ],
)
def test_parse_datetime_day_first(value: str, expected: dt.datetime | None) -> None:
    assert run(parse_datetime, [value], day_first=True) == [expected]


def test_parse_datetime_month_first_is_the_default() -> None:
    assert run(parse_datetime, ["13/12/2024", "05/01/2024"]) == [None, utc(2024, 4, 30, 16)]


def test_parse_datetime_other_time_zones_and_dst() -> None:
    assert run(parse_datetime, ["2024-01-05 08:26"], timezone="UTC") == [utc(2024, 1, 5, 8, 26)]
    london = run(
        parse_datetime,
        ["2024-07-01 12:00", "2024-03-31 01:30", "2024-10-27 01:30", "2024-10-27T01:30:00Z"],
        timezone="Europe/London",
    )
    # summer time; a time that does not exist (clocks jump 01:00→02:00) gives null; an
    # ambiguous time takes the earlier instant (BST); an explicit offset ignores the zone.
    assert london == [utc(2024, 7, 1, 11), None, utc(2024, 10, 27, 0, 30), utc(2024, 10, 27, 1, 30)]


def test_parse_datetime_rejects_unknown_time_zone() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        parse_datetime(pl.col("x"), timezone="Mars/Olympus")


def _random_parts(n: int, seed: int) -> pl.DataFrame:
    """Random (often impossible) date-time parts, to compare fast routes with the general path."""
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "y": rng.integers(1990, 2031, n),
            "m": rng.integers(0, 14, n),
            "d": rng.integers(0, 33, n),
            "H": rng.integers(0, 25, n),
            "M": rng.integers(0, 61, n),
            "S": rng.integers(0, 61, n),
        }
    ).with_columns(pl.all().cast(pl.String))


def _fmt(*parts: str) -> pl.Expr:
    return pl.concat_str(
        [pl.col(p) if p in ("y", "m", "d", "H", "M", "S") else pl.lit(p) for p in parts]
    )


@pytest.mark.parametrize(
    ("routed", "general"),
    [
        (
            ["y", "-", "m", "-", "d", " ", "H", ":", "M", ":", "S"],
            ["y", "-", "m", "-", "d", "  ", "H", ":", "M", ":", "S"],
        ),
        (["y", "-", "m", "-", "d"], ["y", ".", "m", ".", "d"]),
        (
            ["y", "-", "m", "-", "d", " ", "H", ":", "M"],
            ["y", ".", "m", ".", "d", " ", "H", ":", "M"],
        ),
        (
            ["y", "-", "m", "-", "d", "T", "H", ":", "M", ":", "S", ".123"],
            ["y", "-", "m", "-", "d", " T ", "H", ":", "M", ":", "S", ",123"],
        ),
        (["y", "/", "m", "/", "d"], ["y", ".", "m", ".", "d"]),
        (
            ["y", "/", "m", "/", "d", " ", "H", ":", "M"],
            ["y", ".", "m", ".", "d", "  ", "H", ":", "M"],
        ),
        (
            ["y", "/", "m", "/", "d", " ", "H", ":", "M", ":", "S"],
            ["y", "/", "m", "/", "d", "  ", "H", ":", "M", ":", "S"],
        ),
        (["y", "年", "m", "月", "d", "日"], ["y", " 年 ", "m", " 月 ", "d", " 日"]),
        (
            ["y", "年", "m", "月", "d", "日 ", "H", ":", "M"],
            ["y", " 年 ", "m", " 月 ", "d", "日  ", "H", ":", "M"],
        ),
        (
            ["y", "年", "m", "月", "d", "日 ", "H", ":", "M", ":", "S"],
            ["y", "年", "m", "月", "d", "日  ", "H", ":", "M", ":", "S"],
        ),
        (
            ["m", "/", "d", "/", "y", " ", "H", ":", "M"],
            ["m", "-", "d", "-", "y", " ", "H", ":", "M"],
        ),
        (["m", "/", "d", "/", "y"], ["m", ".", "d", ".", "y"]),
        (
            ["y", "-", "m", "-", "d", "T", "H", ":", "M", ":", "S", "+08:00"],
            ["y", "-", "m", "-", "d", " ", "H", ":", "M", ":", "S", " +0800"],
        ),
    ],
)
@pytest.mark.parametrize("day_first", [False, True])
def test_fast_routes_agree_with_the_general_grammar(
    routed: list[str], general: list[str], day_first: bool
) -> None:
    parts = _random_parts(3000, seed=len(routed) * 7 + day_first)
    # zero-pad half of the rows so padded and unpadded spellings both appear
    padded = parts.with_columns(pl.col(c).str.zfill(2) for c in "mdHMS").head(1500)
    parts = pl.concat([padded, parts.tail(1500)])
    frame = parts.select(a=_fmt(*routed), b=_fmt(*general))
    shapes = [shape for shape, _ in (*_DATE_ROUTES, *_SLASH_ROUTES)] + [_ISO_OFFSET]
    assert frame.select(
        a=pl.any_horizontal(pl.col("a").str.strip_chars().str.contains(s) for s in shapes).any(),
        b=pl.any_horizontal(pl.col("b").str.strip_chars().str.contains(s) for s in shapes).any(),
    ).row(0) == (True, False), "the left spelling takes a fast route, the right one never does"
    out = frame.select(
        a=parse_datetime(pl.col("a"), day_first=day_first),
        b=parse_datetime(pl.col("b"), day_first=day_first),
        da=parse_date(pl.col("a"), day_first=day_first),
        db=parse_date(pl.col("b"), day_first=day_first),
    )
    assert out["a"].null_count() not in (0, out.height), "the sample mixes valid and invalid"
    assert_frame_equal(out.select(x="a"), out.select(x="b"))
    assert_frame_equal(out.select(x="da"), out.select(x="db"))


DATE_CASES: list[tuple[str | None, dt.date | None]] = [
    ("2024-01-05", dt.date(2024, 1, 5)),
    ("2024/1/5", dt.date(2024, 1, 5)),
    ("2024.1.5", dt.date(2024, 1, 5)),
    ("2024年1月5日", dt.date(2024, 1, 5)),
    ("20240105", dt.date(2024, 1, 5)),
    ("1/5/2024", dt.date(2024, 1, 5)),
    ("1990-03-02 00:00:00", dt.date(1990, 3, 2)),
    ("2024-01-05 23:59:59", dt.date(2024, 1, 5)),  # time ignored, no time-zone shift
    ("2024-01-05T23:30:00-05:00", dt.date(2024, 1, 5)),  # the date as written
    ("2024-01-05T01:30:00+09:00", dt.date(2024, 1, 5)),
    ("2024-01-05 23:30 +0800", dt.date(2024, 1, 5)),
    ("45296", dt.date(2024, 1, 5)),
    ("45296.99", dt.date(2024, 1, 5)),
    ("2024-02-30", None),
    ("2024-13-45", None),
    ("2024-01-05 25:00", None),
    ("1990-3-2 8:61", None),
    ("abc", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), DATE_CASES)
def test_parse_date_table(value: str | None, expected: dt.date | None) -> None:
    assert run(parse_date, [value]) == [expected]


def test_parse_date_day_first_and_dtype() -> None:
    frame = pl.DataFrame({"x": ["05/01/2024", "31/12/1999"]})
    out = frame.select(parse_date(pl.col("x"), day_first=True))
    assert_frame_equal(out, pl.DataFrame({"x": [dt.date(2024, 1, 5), dt.date(1999, 12, 31)]}))


# --------------------------------------------------------------------------------------------
# Money and numbers
# --------------------------------------------------------------------------------------------

MONEY_CASES: list[tuple[str | None, float | None, str | None]] = [
    ("1234.5", 1234.5, None),
    ("1,234.50", 1234.5, None),
    ("¥1,234.50", 1234.5, "CNY"),
    ("￥99", 99.0, "CNY"),
    ("1234.5元", 1234.5, "CNY"),
    ("1,234.50 元", 1234.5, "CNY"),
    ("$12", 12.0, "USD"),
    ("US$12", 12.0, "USD"),
    ("us$12.5", 12.5, "USD"),
    ("HK$5", 5.0, "HKD"),
    ("£3.40", 3.4, "GBP"),
    ("€5", 5.0, "EUR"),
    ("RMB 100", 100.0, "CNY"),
    ("CNY100", 100.0, "CNY"),
    ("100 rmb", 100.0, "CNY"),
    ("100 USD", 100.0, "USD"),
    ("EUR 7.5", 7.5, "EUR"),
    ("-12.5", -12.5, None),
    ("+12", 12.0, None),
    (".5", 0.5, None),
    ("12.", 12.0, None),
    ("0", 0.0, None),
    ("-¥12", -12.0, "CNY"),
    ("¥-12", -12.0, "CNY"),
    ("- ¥ 12", -12.0, "CNY"),
    ("(12.50)", -12.5, None),
    ("(¥1,000)", -1000.0, "CNY"),
    ("( 12.50 )", -12.5, None),
    ("(€5)", -5.0, "EUR"),
    ("-12元", -12.0, "CNY"),
    # unreadable → null
    ("12.5-", None, None),
    ("nan", None, None),
    ("NaN", None, None),
    ("inf", None, None),
    ("-inf", None, None),
    ("Infinity", None, None),
    ("abc", None, None),
    ("1.2.3", None, None),
    ("12,34,5", None, None),
    ("1,2345", None, None),
    ("1.234,50", None, None),
    ("1e3", None, None),
    ("¥", None, None),
    ("$$12", None, None),
    ("12 34", None, None),
    ("--12", None, None),
    ("(-12)", None, None),
    ("(12", None, None),
    ("12元元", None, None),
    ("9" * 400, None, None),  # overflows to infinity
    ("", None, None),
    (None, None, None),
]


@pytest.mark.parametrize(("value", "amount", "currency"), MONEY_CASES)
def test_parse_money_and_detect_currency_table(
    value: str | None, amount: float | None, currency: str | None
) -> None:
    assert run(parse_money, [value]) == [amount]
    assert run(detect_currency, [value]) == [currency]


def test_parse_money_is_float64_even_for_integers() -> None:
    out = pl.DataFrame({"x": ["12", "¥3"]}).select(parse_money(pl.col("x")))
    assert_frame_equal(out, pl.DataFrame({"x": [12.0, 3.0]}))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0), ("-2", -2.0), ("+4", 4.0), ("1,000", 1000.0), ("12.5", 12.5), (".5", 0.5),
        ("1e3", 1000.0), ("2.5E-2", 0.025), ("1,234.5", 1234.5), (" 7 ", 7.0),
        ("nan", None), ("inf", None), ("three", None), ("1.2.3", None), ("12,34,5", None),
        ("1e400", None), ("1e", None), ("¥3", None), ("3-", None), ("", None), (None, None),
    ],
)  # fmt: skip
def test_parse_number_table(value: str | None, expected: float | None) -> None:
    assert run(parse_number, [value]) == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3), ("3.0", 3), ("3.", 3), ("+3", 3), ("-7", -7), ("1,000", 1000), ("0", 0),
        ("007", 7), ("3.5", None), ("3.01", None), ("1e3", None), ("abc", None),
        ("1,00", None), ("9223372036854775808", None), ("nan", None), ("", None), (None, None),
    ],
)  # fmt: skip
def test_parse_integer_table(value: str | None, expected: int | None) -> None:
    assert run(parse_integer, [value]) == [expected]


def test_integer_column_with_a_fraction_at_row_5000_flags_only_that_row() -> None:
    values = [str(i) for i in range(6000)]
    values[4999] = "12.5"
    frame = pl.DataFrame({"q": values})
    raw = clean_missing(pl.col("q"))
    out = frame.select(
        v=parse_integer(raw), failed=raw.is_not_null() & parse_integer(raw).is_null()
    )
    assert out["failed"].arg_true().to_list() == [4999]
    assert out["v"][5000] == 5000


# --------------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------------

CN_PHONES: list[tuple[str | None, str | None, bool]] = [
    ("13800138000", "+8613800138000", False),
    ("138 0013 8000", "+8613800138000", False),
    ("138-0013-8000", "+8613800138000", False),
    ("138.0013.8000", "+8613800138000", False),
    ("+86 138 0013 8000", "+8613800138000", False),
    ("+86-13800138000", "+8613800138000", False),
    ("+8613800138000", "+8613800138000", False),
    ("008613800138000", "+8613800138000", False),
    ("8613800138000", "+8613800138000", False),
    ("(+86) 138 0013 8000", "+8613800138000", False),
    ("＋８６ １３８００１３８０００", "+8613800138000", False),
    ("19912345678", "+8619912345678", False),
    ("010-12345678", "+861012345678", False),
    ("(010)12345678", "+861012345678", False),
    ("0755-1234567", "+867551234567", False),
    ("0755-12345678", "+8675512345678", False),
    ("021 6123 4567", "+862161234567", False),
    ("+86 10 12345678", "+861012345678", False),
    ("+86 010 12345678", "+861012345678", False),
    ("+44 20 7946 0958", "+442079460958", False),
    ("+44 (0)20 7946 0958", "+442079460958", False),
    ("0044 20 7946 0958", "+442079460958", False),
    ("+1 (415) 555-2671", "+14155552671", False),
    ("+852 2123 4567", "+85221234567", False),
    # platform-masked and virtual numbers: kept as written, spaces removed
    ("138****1234", "138****1234", True),
    ("138-****-1234", "138-****-1234", True),
    ("138 **** 1234", "138****1234", True),
    ("+86 138****1234", "+86138****1234", True),
    ("138＊＊＊＊1234", "138****1234", True),
    ("132123457749-1234", "132123457749-1234", True),
    ("13212345774-123", "13212345774-123", True),
    # garbage → null
    ("12345", None, False),
    ("abc", None, False),
    ("13800138000123", None, False),
    ("1380013800", None, False),
    ("12800138000", None, False),
    ("23800138000", None, False),
    ("12345678", None, False),
    ("+86", None, False),
    ("+0123456789", None, False),
    ("+1234567890123456", None, False),
    ("****", None, False),
    ("1*", None, False),
    ("138****1234 ext", None, False),
    ("132123457749-12345", None, False),
    ("13800138000@qq.com", None, False),
    ("", None, False),
    (None, None, False),
]


@pytest.mark.parametrize(("value", "expected", "masked"), CN_PHONES)
def test_normalize_phone_cn_table(value: str | None, expected: str | None, masked: bool) -> None:
    assert run(normalize_phone, [value]) == [expected]
    assert run(is_masked_phone, [value]) == [masked]


@pytest.mark.parametrize(
    ("region", "value", "expected"),
    [
        ("US", "(415) 555-2671", "+14155552671"),
        ("US", "1-415-555-2671", "+14155552671"),
        ("US", "415.555.2671", "+14155552671"),
        ("US", "+44 20 7946 0958", "+442079460958"),
        ("US", "555-2671", None),
        ("US", "13800138000", None),
        ("GB", "020 7946 0958", "+442079460958"),
        ("GB", "07700 900123", "+447700900123"),
        ("GB", "2079460958", None),
        ("HK", "2123 4567", "+85221234567"),
        ("HK", "9123-4567", "+85291234567"),
        ("HK", "1234 5678", None),
        ("hk", "+86 138 0013 8000", "+8613800138000"),
        ("HK", "138****1234", "138****1234"),
    ],
)
def test_normalize_phone_other_regions(region: str, value: str, expected: str | None) -> None:
    assert run(normalize_phone, [value], default_region=region) == [expected]


def test_normalize_phone_rejects_unknown_region() -> None:
    assert set(PHONE_REGIONS) == {"CN", "US", "GB", "HK"}
    with pytest.raises(ValueError, match="XX"):
        normalize_phone(pl.col("x"), default_region="XX")


def test_normalized_phones_match_the_contract_pattern() -> None:
    from cimlab.contracts.models import Customers

    pattern = Customers.to_schema().columns["phone"].checks[0].statistics["pattern"]
    values = [case[1] for case in CN_PHONES if case[1] is not None]
    frame = pl.DataFrame({"x": values})
    assert frame.select(pl.col("x").str.contains(pattern).all()).item()


# --------------------------------------------------------------------------------------------
# E-mails and identifiers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" Alice@Example.COM ", "alice@example.com"),
        ("MAILTO:Bob@X.cn", "bob@x.cn"),
        ("mailto:bob@x.cn", "bob@x.cn"),
        ("张三＠qq．com", "张三@qq.com"),
        ("a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk"),
        ("13800138000@163.com", "13800138000@163.com"),
        ("a@b", None),
        ("a b@c.com", None),
        ("a@@b.com", None),
        ("a@b@c.com", None),
        ("@example.com", None),
        ("alice@", None),
        ("alice@example", None),
        ("alice@.com", None),
        ("alice@example.", None),
        ("alice@example..com", None),
        ("alice@example.c", None),
        ("a@b.com;c@d.com", None),
        ("a@b.com,c@d.com", None),
        ("Alice <alice@example.com>", None),
        ("alice", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_email_table(value: str | None, expected: str | None) -> None:
    assert run(normalize_email, [value]) == [expected]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["00123", "013800138000", " 42 "], ["00123", "013800138000", "42"]),
        (["17850.0", "13047.0", None], ["17850", "13047", None]),
        (["12.00", "7.0"], ["12", "7"]),
        (["17850.0", "abc"], ["17850.0", "abc"]),
        (["17850.0", "17850.5"], ["17850.0", "17850.5"]),
        (["17850.0", "00123"], ["17850.0", "00123"]),
        (["1.23457E+18", "123"], [None, "123"]),
        (["1.23457e+18", "1E+18"], [None, None]),
        (["1E5", "A1E+18"], ["1E5", "A1E+18"]),
        (["536365", "C536379"], ["536365", "C536379"]),
        ([None, None], [None, None]),
    ],
)
def test_normalize_id_table(values: list[str | None], expected: list[str | None]) -> None:
    assert run(normalize_id, values) == expected


def test_normalize_id_decides_on_the_whole_column_even_when_streaming() -> None:
    ids = [f"{i}.0" for i in range(20_000)]
    lazy = pl.LazyFrame({"id": [*ids[:-1], "C536379"]})
    out = lazy.select(normalize_id(pl.col("id"))).collect(engine="streaming")
    assert out["id"][0] == "0.0" and out["id"][-1] == "C536379"
    out = pl.LazyFrame({"id": ids}).select(normalize_id(pl.col("id"))).collect(engine="streaming")
    assert out["id"][19_999] == "19999"


def test_normalize_id_keeps_long_order_ids_as_strings() -> None:
    assert run(normalize_id, ["1234567890123456789", "240105123456789012"]) == [
        "1234567890123456789",
        "240105123456789012",
    ]


# --------------------------------------------------------------------------------------------
# Categorical values
# --------------------------------------------------------------------------------------------

TRUE_SPELLINGS = ["yes", "Y", "TRUE", "t", "1", "是", "同意", "已订阅", "订阅", "opt-in", "Opt In",
                  "opted in", "Subscribed", "ON", " yes "]  # fmt: skip
FALSE_SPELLINGS = ["no", "N", "false", "F", "0", "否", "不同意", "未订阅", "退订", "opt-out",
                   "OPT OUT", "opted out", "unsubscribed", "off"]  # fmt: skip


def test_parse_bool_table() -> None:
    assert run(parse_bool, TRUE_SPELLINGS) == [True] * len(TRUE_SPELLINGS)
    assert run(parse_bool, FALSE_SPELLINGS) == [False] * len(FALSE_SPELLINGS)
    assert run(parse_bool, ["maybe", "2", "yess", "", None]) == [None] * 5


@pytest.mark.parametrize(
    ("value", "expected", "unknown"),
    [
        ("男", "male", False), ("女", "female", False), ("M", "male", False),
        ("f", "female", False), ("Male", "male", False), ("FEMALE", "female", False),
        ("man", "male", False), ("Woman", "female", False), ("先生", "male", False),
        ("女士", "female", False), ("其他", "other", False), ("Other", "other", False),
        ("X", "other", False), ("未知", None, True), ("保密", None, True),
        ("Unknown", None, True), ("U", None, True), ("robot", None, False), (None, None, False),
    ],
)  # fmt: skip
def test_parse_gender_table(value: str | None, expected: str | None, unknown: bool) -> None:
    assert run(parse_gender, [value]) == [expected]
    assert run(is_unknown_gender, [value]) == [unknown]


def test_gender_unknown_tokens_are_lower_case() -> None:
    assert {"未知", "保密", "unknown", "u"} <= GENDER_UNKNOWN_TOKENS
    assert all(token == token.lower() for token in GENDER_UNKNOWN_TOKENS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("个人", "individual"), ("individual", "individual"), ("Personal", "individual"),
        ("person", "individual"), ("B2C", "individual"), ("c", "individual"),
        ("企业", "business"), ("公司", "business"), ("Business", "business"),
        ("company", "business"), ("b2b", "business"), ("B", "business"),
        ("organisation", "business"), ("Organization", "business"),
        ("alien", None), ("", None), (None, None),
    ],
)  # fmt: skip
def test_parse_customer_type_table(value: str | None, expected: str | None) -> None:
    assert run(parse_customer_type, [value]) == [expected]


def test_is_masked_name() -> None:
    values = ["林**", "J***", "张＊", "Alice", "O'Neil", "", None]
    assert run(is_masked_name, values) == [True, True, True, False, False, False, False]


STATUS_CASES = {
    "paid": ["paid", "Completed", "complete", "SUCCESS", "shipped", "delivered", "fulfilled",
             "交易成功", "卖家已发货", "等待买家确认收货", "等待买家确认", "买家已付款", "等待卖家发货",
             "已完成", "完成", "等待出库", "等待收货", "配送中", "已发货", "待发货", "已支付"],
    "pending": ["pending", "unpaid", "Awaiting Payment", "等待买家付款", "等待付款", "待支付",
                "待付款"],
    "refunded": ["refunded", "returned", "refund", "退款成功", "已退款", "售后完成"],
    "cancelled": ["cancelled", "canceled", "closed", "void", "voided", "交易关闭", "已取消", "取消",
                  "删除", "已关闭", " Cancelled ", "已完成(删除)", "（删除）"],
}  # fmt: skip


@pytest.mark.parametrize("status", sorted(STATUS_CASES))
def test_normalize_status_table(status: str) -> None:
    values = STATUS_CASES[status]
    assert run(normalize_status, values) == [status] * len(values)


def test_normalize_status_unknown_and_extra() -> None:
    values = ["processing", "交易关闭", "on-hold", None]
    assert run(normalize_status, values) == [None, "cancelled", None, None]
    extra = {"Processing": "paid", "交易关闭": "refunded"}
    assert run(normalize_status, values, extra=extra) == ["paid", "refunded", None, None]
    with pytest.raises(ValueError, match="shipped"):
        normalize_status(pl.col("x"), extra={"processing": "shipped"})


def test_failure_reasons_cover_every_parser_kind_in_two_languages() -> None:
    kinds = {"datetime", "date", "money", "number", "integer", "phone", "email", "id", "bool",
             "gender", "customer_type", "status"}  # fmt: skip
    assert set(FAILURE_REASONS) == kinds
    for english, chinese in FAILURE_REASONS.values():
        what, todo = english.split("; ")  # what is wrong; what to write instead
        assert what.isascii() and len(todo) > 10
        what_zh, todo_zh = chinese.split("；")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in what_zh) and len(todo_zh) > 5


# --------------------------------------------------------------------------------------------
# Scale: one million rows stay vectorised (no timing asserts)
# --------------------------------------------------------------------------------------------


def test_one_million_rows_smoke() -> None:
    n = 1_000_000
    frame = pl.select(i=pl.int_range(n, dtype=pl.Int64)).select(
        ts=pl.concat_str(
            pl.lit("2024-"),
            (pl.col("i") % 12 + 1).cast(pl.String).str.zfill(2),
            pl.lit("-"),
            (pl.col("i") % 28 + 1).cast(pl.String).str.zfill(2),
            pl.lit(" "),
            (pl.col("i") % 24).cast(pl.String).str.zfill(2),
            pl.lit(":"),
            (pl.col("i") % 60).cast(pl.String).str.zfill(2),
            pl.lit(":07"),
        ),
        amount=pl.concat_str(pl.lit("¥"), (pl.col("i") / 100).round(2).cast(pl.String)),
        phone=pl.concat_str(pl.lit("138"), pl.col("i").cast(pl.String).str.zfill(8)),
    )
    out = frame.select(
        parse_datetime(pl.col("ts")),
        parse_money(pl.col("amount")),
        normalize_phone(pl.col("phone")),
    )
    assert out.null_count().row(0) == (0, 0, 0)
    # i = 999,999: month 999999 % 12 + 1 = 4, day 999999 % 28 + 1 = 8, 15:39:07 local
    assert out.row(n - 1) == (utc(2024, 4, 8, 7, 39, 7), 9999.99, "+8613800999999")
