"""Tests for cimlab.charts.cohorts: how cohorts are labelled for each period (``2024-01``,
``2024-Q1``, ``2024-01-01``) in both languages, and the axis title of each period."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cimlab.analytics.cohorts import cohort_table
from cimlab.charts.cohorts import cohort_chart
from cimlab.i18n import LANGS, t

UTC = dt.UTC


def _rows(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def _orders() -> pl.DataFrame:
    """Four buyers: first purchases in 2023-Q4, 2024-Q1 (two) and 2024-Q2."""
    when = [
        dt.datetime(2023, 12, 31, 12, tzinfo=UTC),
        dt.datetime(2024, 1, 2, tzinfo=UTC),
        dt.datetime(2024, 3, 31, 23, tzinfo=UTC),  # 1 April in Shanghai
        dt.datetime(2024, 5, 6, tzinfo=UTC),
        dt.datetime(2024, 5, 7, tzinfo=UTC),
    ]
    return pl.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "d"],
            "order_ts": when,
            "amount": [10.0] * 5,
            "status": ["paid"] * 5,
        }
    )


@pytest.mark.parametrize("lang", LANGS)
def test_quarter_cohorts_read_year_q_number_in_both_languages(lang: str) -> None:
    table = cohort_table(_orders(), as_of="2024-06-30", period="quarter")
    spec = cohort_chart(table, period="quarter", lang=lang).to_dict()
    rect = spec["layer"][0]
    assert rect["encoding"]["y"]["sort"] == ["2023-Q4", "2024-Q1", "2024-Q2"]
    cells = [(r["cohort_label"], r["period_index"], r["cohort_size"]) for r in _rows(spec)]
    assert cells == [
        ("2023-Q4", 0, 1),
        ("2023-Q4", 1, 1),
        ("2023-Q4", 2, 1),
        ("2024-Q1", 0, 1),
        ("2024-Q1", 1, 1),
        ("2024-Q2", 0, 2),
    ]
    # in Shanghai b's first purchase is on 1 April: no 2024-Q1 cohort, b joins 2024-Q2
    shanghai = cohort_table(
        _orders(), as_of="2024-06-30", period="quarter", time_zone="Asia/Shanghai"
    )
    labels = {
        r["cohort_label"]: r["cohort_size"]
        for r in _rows(cohort_chart(shanghai, period="quarter", lang=lang).to_dict())
    }
    assert labels == {"2023-Q4": 1, "2024-Q2": 3}


def test_quarter_axis_title_has_its_own_text() -> None:
    # needs the key coh.col.quarter_index in cimlab/messages/channels.py (both languages)
    table = cohort_table(_orders(), as_of="2024-06-30", period="quarter")
    titles = {
        lang: cohort_chart(table, period="quarter", lang=lang).to_dict()["layer"][0]["encoding"][
            "x"
        ]["title"]
        for lang in LANGS
    }
    assert titles == {lang: t("coh.col.quarter_index", lang) for lang in LANGS}
    assert titles["en"] != t("coh.col.period_index", "en")  # not "Months since ..."


def test_month_and_week_labels_are_unchanged() -> None:
    months = cohort_table(_orders(), as_of="2024-03-31")
    spec = cohort_chart(months, lang="en").to_dict()
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["2023-12", "2024-03"]
    assert spec["layer"][0]["encoding"]["x"]["title"] == "Months since first purchase"
    weeks = cohort_table(_orders(), as_of="2024-04-01", period="week")  # Sunday 31 Dec, 31 Mar
    spec = cohort_chart(weeks, period="week", lang="zh").to_dict()
    assert spec["layer"][0]["encoding"]["y"]["sort"] == ["2023-12-25", "2024-03-25"]
    assert spec["layer"][0]["encoding"]["x"]["title"] == "首购后周数"


def test_unknown_period_is_named() -> None:
    table = cohort_table(_orders(), as_of="2024-06-30")
    with pytest.raises(ValueError, match="period='year' should be one of month, quarter, week"):
        cohort_chart(table, period="year")
