"""Tests for cimlab.analytics.lifecycle and cimlab.charts.lifecycle: every stage boundary to the day on
hand-made frames, counts and transitions, a brute-force reference on random data, adversarial
inputs and the demo workspace."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.analytics.lifecycle import (
    STAGE_ORDER,
    STAGES,
    STAGES_SCHEMA,
    UNKNOWN,
    LifecycleRules,
    lifecycle_stages,
    month_ends,
    stage_counts,
    stage_table,
    stage_transitions,
)
from cimlab.charts.lifecycle import (
    STAGE_COLORS,
    stage_counts_chart,
    stage_label,
    transition_chart,
)

UTC = dt.UTC
AS_OF = dt.date(2024, 12, 31)
ORDER_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "order_ts": pl.Datetime("us", "UTC"),
    "amount": pl.Float64(),
    "status": pl.String(),
}


def lines(*rows: tuple[str | None, dt.datetime, float, str]) -> pl.DataFrame:
    """Order lines ``(customer_id, order_ts, amount, status)``."""
    return pl.DataFrame(rows, schema=ORDER_SCHEMA, orient="row")


def ago(days: int, hour: int = 12) -> dt.datetime:
    """A UTC timestamp ``days`` before :data:`AS_OF` at ``hour``."""
    day = AS_OF - dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def bought(customer: str, *days_ago: int) -> list[tuple[str | None, dt.datetime, float, str]]:
    return [(customer, ago(d), 10.0, "paid") for d in days_ago]


def stage_of(*days_ago: int, rules: LifecycleRules | None = None) -> str:
    """The stage of one customer who bought on the given days before AS_OF."""
    orders = lines(*bought("c", *days_ago))
    result = lifecycle_stages(orders, as_of=AS_OF, rules=rules or LifecycleRules())
    assert result.height == 1
    return str(result["stage"].item())


# --------------------------------------------------------------------------------------------
# The stage table and the rules object
# --------------------------------------------------------------------------------------------


def test_stage_table_lists_every_stage_once_in_order_with_both_languages() -> None:
    # codes and English source texts here; 中文 labels at the edge (cimlab.i18n)
    from cimlab.i18n import stage_label, stage_rule

    assert STAGES.columns == ["stage", "name", "rule"]
    assert tuple(STAGES["stage"]) == STAGE_ORDER
    assert STAGE_ORDER == ("prospect", "new", "repeat", "loyal", "won_back", "at_risk", "lapsed")
    for column in ("name", "rule"):
        assert STAGES[column].str.len_chars().min() > 0  # type: ignore[operator]
    zh = [stage_label(s, "zh") for s in STAGE_ORDER]
    assert STAGES["name"].n_unique() == len(set(zh)) == 7
    assert all(stage_rule(s, "zh").endswith("。") for s in STAGE_ORDER)
    assert [stage_label(s, "en") for s in STAGE_ORDER] == STAGES["name"].to_list()


def test_stage_table_writes_the_thresholds_it_is_given() -> None:
    rules = LifecycleRules(new_days=30, active_days=120, lapsed_days=400, loyal_days=6)
    table = stage_table(rules)
    rule = dict(zip(table["stage"], table["rule"], strict=True))
    assert "30 days" in rule["new"]
    assert "121–400 days" in rule["at_risk"] and "30 days" in rule["at_risk"]
    assert "6 purchase days" in rule["loyal"]
    from cimlab.i18n import stage_rule

    assert stage_rule("lapsed", "zh", rules) == "超过 400 天没有购买。"
    assert "121–400 天前" in stage_rule("at_risk", "zh", rules)
    assert stage_rule("at_risk", "en", rules) == rule["at_risk"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"new_days": 200}, "new_days <= active_days <= lapsed_days"),
        ({"active_days": 400}, "new_days <= active_days <= lapsed_days"),
        ({"loyal_days": 1}, "loyal_days=1 should be at least 2"),
        ({"lapsed_days": -1}, "lapsed_days=-1"),
        ({"new_days": 1.5}, "new_days=1.5"),
    ],
)
def test_rules_refuse_inconsistent_thresholds(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LifecycleRules(**kwargs)  # type: ignore[arg-type]


def test_rules_must_be_a_rules_object() -> None:
    with pytest.raises(TypeError, match="LifecycleRules"):
        lifecycle_stages(lines(*bought("c", 1)), as_of=AS_OF, rules={"new_days": 9})  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Each boundary, to the day (defaults: new 90, active 180, lapsed 365, loyal 4 in 365)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_ago", "stage"),
    [
        ((0,), "new"),  # bought on the analysis day itself
        ((90,), "new"),
        ((91,), "at_risk"),  # a newcomer who did not come back
        ((180,), "at_risk"),
        ((181,), "at_risk"),
        ((365,), "at_risk"),
        ((366,), "lapsed"),
        ((180, 200), "repeat"),
        ((181, 200), "at_risk"),
        ((365, 366), "at_risk"),
        ((366, 400), "lapsed"),
        ((1, 2), "repeat"),
        ((1, 2, 3), "repeat"),
        # "the last 365 days" are exactly 365 days, as_of included: 0..364 days back
        ((0, 1, 2, 364), "loyal"),  # 364 days back is the window's first day
        ((0, 1, 2, 365), "repeat"),  # ... 365 days back is outside it
        ((1, 2, 3, 366), "repeat"),
        ((180, 181, 182, 183), "loyal"),
        ((181, 182, 183, 184), "at_risk"),  # loyal only while active
        ((370, 380, 390, 400), "lapsed"),
        ((180, 546), "won_back"),  # a gap of 366 days, return within 180 days
        ((180, 545), "repeat"),  # a gap of exactly 365 days is not a lapse
        ((181, 547), "at_risk"),  # returned, but the return is 181 days old
        ((10, 180, 546), "won_back"),  # bought again after the return: still won back
        ((1, 2, 3, 4, 400), "loyal"),  # loyal wins over won back
        ((1, 2, 3, 400), "won_back"),  # three days since returning are not loyal yet
    ],
)
def test_stage_boundaries_to_the_day(days_ago: tuple[int, ...], stage: str) -> None:
    assert stage_of(*days_ago) == stage


def test_custom_thresholds_move_the_boundaries() -> None:
    rules = LifecycleRules(new_days=30, active_days=60, lapsed_days=90, loyal_days=2)
    assert stage_of(30, rules=rules) == "new"
    assert stage_of(31, rules=rules) == "at_risk"
    assert stage_of(91, rules=rules) == "lapsed"
    assert stage_of(1, 5, rules=rules) == "loyal"
    assert stage_of(60, 151, rules=rules) == "loyal"  # two days in 365: loyal comes first
    rules = LifecycleRules(new_days=30, active_days=60, lapsed_days=90, loyal_days=3)
    assert stage_of(60, 151, rules=rules) == "won_back"
    assert stage_of(60, 150, rules=rules) == "repeat"
    rules = LifecycleRules(loyal_window_days=30)
    assert stage_of(1, 2, 3, 30) == "loyal"  # default window: 365 days
    assert stage_of(1, 2, 3, 29, rules=rules) == "loyal"  # the last 30 days: 0..29 back
    assert stage_of(1, 2, 3, 30, rules=rules) == "repeat"
    rules = LifecycleRules(loyal_days=2, loyal_window_days=1)  # the last 1 day: as_of alone
    assert stage_of(0, 0, rules=rules) == "new"  # one purchase day
    assert stage_of(0, 1, rules=rules) == "repeat"


def test_full_output_on_a_small_shop() -> None:
    orders = lines(
        *bought("a", 5, 20, 400),
        *bought("b", 100),
        ("c", ago(3, 9), 10.0, "paid"),
        ("c", ago(3, 18), 5.0, "paid"),  # same day: one purchase day
    )
    expected = pl.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "stage": ["won_back", "at_risk", "new"],
            "first_purchase": [AS_OF - dt.timedelta(400), AS_OF - dt.timedelta(100), None],
            "last_purchase": [AS_OF - dt.timedelta(5), AS_OF - dt.timedelta(100), None],
            "purchase_days": [3, 1, 1],
            "recent_purchase_days": [2, 1, 1],
            "days_since_last": [5, 100, 3],
            "returned_on": [AS_OF - dt.timedelta(20), None, None],
        },
        schema=STAGES_SCHEMA,
    ).with_columns(
        pl.when(pl.col("customer_id") == "c")
        .then(pl.lit(AS_OF - dt.timedelta(3)))
        .otherwise(pl.col(c))
        .alias(c)
        for c in ("first_purchase", "last_purchase")
    )
    assert_frame_equal(lifecycle_stages(orders, as_of=AS_OF), expected)


# --------------------------------------------------------------------------------------------
# Which lines count (the rule of cimlab.analytics.rfm)
# --------------------------------------------------------------------------------------------


def test_cancelled_pending_and_refunded_lines_are_not_purchase_days() -> None:
    orders = lines(
        ("a", ago(10), 10.0, "paid"),
        ("a", ago(20), 10.0, "cancelled"),
        ("a", ago(30), 10.0, "pending"),
        ("a", ago(40), 10.0, "refunded"),
        ("a", ago(40), -10.0, "refunded"),
        ("z", ago(5), 10.0, "cancelled"),  # never bought
        (None, ago(5), 10.0, "paid"),  # no customer
    )
    result = lifecycle_stages(orders, as_of=AS_OF)
    assert result.select("customer_id", "stage", "purchase_days").rows() == [("a", "new", 1)]


def test_lines_after_as_of_are_ignored_and_the_as_of_day_counts() -> None:
    orders = lines(
        ("a", dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC), 10.0, "paid"),
        ("a", dt.datetime(2025, 1, 1, 0, 0, tzinfo=UTC), 10.0, "paid"),
        ("b", dt.datetime(2025, 1, 1, 0, 0, tzinfo=UTC), 10.0, "paid"),
    )
    result = lifecycle_stages(orders, as_of="2024-12-31")
    assert result.select("customer_id", "purchase_days", "days_since_last").rows() == [("a", 1, 0)]


def test_days_follow_the_chosen_time_zone() -> None:
    # 20:00 UTC on 31 December is 04:00 on 1 January in Shanghai: after as_of there
    orders = lines(("a", dt.datetime(2024, 12, 31, 20, tzinfo=UTC), 10.0, "paid"))
    assert lifecycle_stages(orders, as_of=AS_OF).height == 1
    assert lifecycle_stages(orders, as_of=AS_OF, time_zone="Asia/Shanghai").height == 0
    late = dt.datetime(2024, 12, 31, 20, tzinfo=UTC)  # an aware as_of is read in the time zone
    assert lifecycle_stages(orders, as_of=late, time_zone="Asia/Shanghai").height == 1


# --------------------------------------------------------------------------------------------
# Prospects
# --------------------------------------------------------------------------------------------


def customers_frame(*rows: tuple[str, dt.datetime | None]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"customer_id": pl.String, "first_seen": pl.Datetime("us", "UTC")},
        orient="row",
    ).with_columns(channels=pl.lit(["shop"], pl.List(pl.String)))


def test_prospects_are_known_customers_without_a_purchase() -> None:
    orders = lines(*bought("a", 10), ("p3", ago(1), 50.0, "cancelled"))
    customers = customers_frame(
        ("a", ago(30)),
        ("p1", ago(0, hour=23)),  # first seen on the analysis day: known
        ("p2", None),  # never dated: known
        ("p3", ago(5)),  # only a cancelled order
        ("later", dt.datetime(2025, 1, 1, tzinfo=UTC)),  # not yet known
    )
    result = lifecycle_stages(orders, as_of=AS_OF, customers=customers)
    assert result.select("customer_id", "stage", "purchase_days").rows() == [
        ("a", "new", 1),
        ("p1", "prospect", 0),
        ("p2", "prospect", 0),
        ("p3", "prospect", 0),
    ]
    prospect = result.filter(pl.col("stage") == "prospect")
    assert prospect["first_purchase"].null_count() == prospect.height


def test_customers_with_only_credit_notes_are_past_buyers_not_prospects() -> None:
    orders = lines(
        ("c", ago(20), -30.0, "cancelled"),  # a credit note only: bought before the data
        ("old", ago(365), -5.0, "refunded"),  # the same, the latest line 365 days old
        ("older", ago(366), -5.0, "refunded"),  # ... 366 days old: lapsed
        ("r", ago(3, 9), 80.0, "paid"),  # an order reversed the same day: no purchase day
        ("r", ago(3, 10), -80.0, "cancelled"),
        ("p", ago(2), 15.0, "cancelled"),  # a cancelled sale (positive): never bought
    )
    customers = customers_frame(("c", None), ("p", None), ("r", None))
    result = lifecycle_stages(orders, as_of=AS_OF, customers=customers)
    assert result.select("customer_id", "stage", "purchase_days", "last_purchase").rows() == [
        ("c", "at_risk", 0, None),
        ("old", "at_risk", 0, None),
        ("older", "lapsed", 0, None),
        ("p", "prospect", 0, None),
        ("r", "at_risk", 0, None),
    ]
    counts = dict(
        stage_counts(orders, dates=[AS_OF], customers=customers).select("stage", "customers").rows()
    )
    assert (counts["prospect"], counts["at_risk"], counts["lapsed"]) == (1, 3, 1)
    # before its credit note c is still a prospect; the day it comes, c is a past buyer
    moves = stage_transitions(
        orders.filter(pl.col("customer_id") == "c"),
        start=AS_OF - dt.timedelta(21),
        end=AS_OF,
        customers=customers.filter(pl.col("customer_id") == "c"),
    )
    assert moves.select("from_stage", "to_stage").rows() == [("prospect", "at_risk")]
    # a purchase afterwards makes c a buyer like any other
    again = pl.concat([orders, lines(*bought("c", 5))])
    stage = lifecycle_stages(again, as_of=AS_OF).filter(pl.col("customer_id") == "c")["stage"]
    assert stage.item() == "new"


def test_a_buyer_missing_from_customers_is_still_listed() -> None:
    orders = lines(*bought("a", 10), *bought("b", 10))
    result = lifecycle_stages(orders, as_of=AS_OF, customers=customers_frame(("a", None)))
    assert result["customer_id"].to_list() == ["a", "b"]


def test_first_seen_may_be_a_date_column_and_customers_need_an_id() -> None:
    customers = pl.DataFrame({"customer_id": ["p"], "first_seen": [AS_OF]})
    result = lifecycle_stages(lines(), as_of=AS_OF, customers=customers)
    assert result.select("customer_id", "stage").rows() == [("p", "prospect")]
    with pytest.raises(ValueError, match="no column 'customer_id'"):
        lifecycle_stages(lines(), as_of=AS_OF, customers=pl.DataFrame({"id": ["p"]}))
    with pytest.raises(ValueError, match="first_seen has type String"):
        lifecycle_stages(
            lines(),
            as_of=AS_OF,
            customers=pl.DataFrame({"customer_id": ["p"], "first_seen": ["2024-01-01"]}),
        )


# --------------------------------------------------------------------------------------------
# Adversarial inputs
# --------------------------------------------------------------------------------------------


def test_empty_orders_give_an_empty_frame_with_the_schema() -> None:
    result = lifecycle_stages(lines(), as_of=AS_OF)
    assert result.height == 0
    assert dict(result.schema) == STAGES_SCHEMA


def test_all_cancelled_gives_no_buyers() -> None:
    orders = lines(("a", ago(3), 5.0, "cancelled"), ("b", ago(2), 5.0, "cancelled"))
    assert lifecycle_stages(orders, as_of=AS_OF).height == 0
    counts = stage_counts(orders, dates=[AS_OF])
    assert counts["customers"].sum() == 0 and counts.height == 7


def test_missing_columns_and_bad_dates_are_refused_with_advice() -> None:
    with pytest.raises(ValueError, match="no column 'status'"):
        lifecycle_stages(lines().drop("status"), as_of=AS_OF)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        lifecycle_stages(lines(), as_of="31/12/2024")
    with pytest.raises(ValueError, match="after end"):
        stage_transitions(lines(), start="2024-12-31", end="2024-01-01")


def test_lazy_orders_are_accepted() -> None:
    orders = lines(*bought("a", 10, 20))
    assert_frame_equal(
        lifecycle_stages(orders.lazy(), as_of=AS_OF), lifecycle_stages(orders, as_of=AS_OF)
    )


# --------------------------------------------------------------------------------------------
# Month ends
# --------------------------------------------------------------------------------------------


def test_month_ends() -> None:
    assert month_ends("2024-01-31", "2024-04-30") == [
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 31),
        dt.date(2024, 4, 30),
    ]
    assert month_ends("2023-02-01", "2023-02-27") == []
    assert month_ends("2023-02-01", "2023-02-27", include_end=True) == [dt.date(2023, 2, 27)]
    assert month_ends("2023-12-15", "2024-01-31", include_end=True) == [
        dt.date(2023, 12, 31),
        dt.date(2024, 1, 31),
    ]
    assert len(month_ends("2024-07-01", "2026-06-30")) == 24
    with pytest.raises(ValueError, match="after end"):
        month_ends("2024-02-01", "2024-01-01")


# --------------------------------------------------------------------------------------------
# Counts over time
# --------------------------------------------------------------------------------------------


def test_stage_counts_by_hand() -> None:
    orders = lines(
        ("a", dt.datetime(2024, 1, 10, tzinfo=UTC), 5.0, "paid"),
        ("a", dt.datetime(2024, 2, 10, tzinfo=UTC), 5.0, "paid"),
        ("b", dt.datetime(2024, 2, 20, tzinfo=UTC), 5.0, "paid"),
    )
    customers = customers_frame(
        ("a", dt.datetime(2024, 1, 1, tzinfo=UTC)),
        ("b", dt.datetime(2024, 1, 15, tzinfo=UTC)),
        ("p", dt.datetime(2024, 2, 1, tzinfo=UTC)),
    )
    # dates out of order and repeated: one block per distinct date, in date order
    dates = [dt.date(2024, 2, 29), dt.date(2024, 1, 31), dt.date(2024, 2, 29)]
    counts = stage_counts(orders, dates=dates, customers=customers)
    assert counts.columns == ["as_of", "stage", "customers"]
    assert counts.schema["customers"] == pl.Int64 and counts.schema["as_of"] == pl.Date
    assert counts.height == 14
    assert counts["stage"].to_list() == list(STAGE_ORDER) * 2
    nonzero = counts.filter(pl.col("customers") > 0).rows()
    assert nonzero == [
        (dt.date(2024, 1, 31), "prospect", 1),  # b known, not bought yet
        (dt.date(2024, 1, 31), "new", 1),
        (dt.date(2024, 2, 29), "prospect", 1),  # p
        (dt.date(2024, 2, 29), "new", 1),  # b
        (dt.date(2024, 2, 29), "repeat", 1),  # a
    ]


def test_stage_counts_without_dates_is_empty_with_the_schema() -> None:
    counts = stage_counts(lines(*bought("a", 1)), dates=[])
    assert counts.height == 0
    assert dict(counts.schema) == {"as_of": pl.Date, "stage": pl.String, "customers": pl.Int64}


def _reference_stage(
    nets: dict[dt.date, Decimal], day: dt.date, rules: LifecycleRules
) -> str | None:
    """Straight from the docstring, one customer at a time (loops are fine in a test):
    ``nets`` holds the net spend of each day with lines that carry money."""
    seen = sorted(d for d in nets if d <= day)
    past = [d for d in seen if nets[d] > 0]
    if not past:  # a past buyer, or nobody
        if not seen:
            return None
        return "lapsed" if (day - seen[-1]).days > rules.lapsed_days else "at_risk"
    since_last = (day - past[-1]).days
    since_first = (day - past[0]).days
    if since_last > rules.lapsed_days:
        return "lapsed"
    if since_last > rules.active_days or (len(past) == 1 and since_first > rules.new_days):
        return "at_risk"
    if sum((day - d).days < rules.loyal_window_days for d in past) >= rules.loyal_days:
        return "loyal"
    returns = [b for a, b in itertools.pairwise(past) if (b - a).days > rules.lapsed_days]
    if returns and (day - returns[-1]).days <= rules.active_days:
        return "won_back"
    return "new" if len(past) == 1 else "repeat"


@pytest.mark.parametrize("seed", [1, 2])
def test_counts_and_stages_agree_with_a_brute_force_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    start = dt.datetime(2022, 1, 1, tzinfo=UTC)
    # bursty customers: some buy often, some rarely, with long pauses; a third of the refunded
    # and cancelled lines are credit notes (negative), some reversing a purchase the same day
    offsets = rng.integers(0, 1100, n) * rng.integers(1, 3, n) // 2
    status = rng.choice(["paid", "paid", "paid", "refunded", "cancelled"], n)
    amount = np.round(rng.uniform(1, 100, n), 2)
    amount = np.where((status != "paid") & (rng.random(n) < 0.35), -amount, amount)
    orders = pl.DataFrame(
        {
            "customer_id": [f"c{c:03d}" for c in rng.integers(0, 300, n)],
            "order_ts": [
                start + dt.timedelta(days=int(d), hours=int(h))
                for d, h in zip(offsets, rng.integers(0, 24, n), strict=True)
            ],
            "amount": amount,
            "status": status,
        },
        schema=ORDER_SCHEMA,
    )
    # and a few orders reversed the same day by a credit note of the same amount
    reversed_ = orders.filter(pl.col("status") == "paid").head(40)
    orders = pl.concat(
        [orders, reversed_.with_columns(-pl.col("amount"), status=pl.lit("cancelled"))]
    )
    rules = LifecycleRules(new_days=60, active_days=150, lapsed_days=300, loyal_days=3)
    nets: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for cid, moment, value, state in orders.iter_rows():
        if state == "paid" or value < 0:
            nets[cid][moment.date()] += Decimal(repr(value))
    dates = month_ends("2022-01-01", "2025-01-31")
    counts = stage_counts(orders, dates=dates, rules=rules)
    past_buyers = 0
    for day in dates[::5]:
        got = lifecycle_stages(orders, as_of=day, rules=rules)
        expected = {
            cid: stage
            for cid, days in nets.items()
            if (stage := _reference_stage(days, day, rules)) is not None
        }
        assert dict(got.select("customer_id", "stage").iter_rows()) == expected
        by_stage = dict(counts.filter(pl.col("as_of") == day).select("stage", "customers").rows())
        for stage in STAGE_ORDER:
            assert by_stage[stage] == sum(s == stage for s in expected.values())
        past_buyers += got.filter(pl.col("purchase_days") == 0).height
    assert past_buyers > 0  # the random data reaches the past-buyer rule
    assert set(counts.filter(pl.col("customers") > 0)["stage"]) >= {
        "new",
        "repeat",
        "loyal",
        "won_back",
        "at_risk",
        "lapsed",
    }


# --------------------------------------------------------------------------------------------
# Transitions
# --------------------------------------------------------------------------------------------


def test_transitions_by_hand() -> None:
    start, end = dt.date(2024, 6, 30), dt.date(2024, 12, 31)
    orders = lines(
        *bought("a", 200),  # new on the start date (16 days before), at risk at the end
        *bought("b", 300, 250, 5),  # repeat → repeat
        *bought("c", 10),  # unknown → new
    )
    customers = customers_frame(
        ("a", None), ("b", None), ("c", ago(100)), ("p", ago(300)), ("q", ago(20))
    )
    result = stage_transitions(orders, start=start, end=end, customers=customers)
    expected = pl.DataFrame(
        {
            "from_stage": ["unknown", "unknown", "prospect", "new", "repeat"],
            "to_stage": ["prospect", "new", "prospect", "at_risk", "repeat"],
            "customers": [1, 1, 1, 1, 1],
            "share_of_from": [0.5, 0.5, 1.0, 1.0, 1.0],
        }
    )
    assert_frame_equal(result, expected)


def test_transitions_on_one_date_stay_put_and_shares_sum_to_one() -> None:
    orders = lines(*bought("a", 1), *bought("b", 200), *bought("c", 1, 2, 3, 4))
    same = stage_transitions(orders, start=AS_OF, end=AS_OF)
    assert (same["from_stage"] == same["to_stage"]).all()
    assert same["customers"].sum() == 3
    assert UNKNOWN == "unknown"
    empty = stage_transitions(lines(), start=AS_OF, end=AS_OF)
    assert empty.height == 0
    assert empty.columns == ["from_stage", "to_stage", "customers", "share_of_from"]


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def test_stage_counts_chart_keeps_stage_order_and_colours() -> None:
    counts = stage_counts(lines(*bought("a", 1), *bought("b", 300)), dates=[AS_OF])
    spec = stage_counts_chart(counts, lang="en").to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == [
        "Prospect",
        "New",
        "Repeat",
        "Loyal",
        "Won back",
        "At risk",
        "Lapsed",
    ]
    assert spec["encoding"]["color"]["scale"]["range"] == [STAGE_COLORS[s] for s in STAGE_ORDER]
    assert spec["encoding"]["y"]["stack"] == "zero"
    rows = next(iter(spec["datasets"].values()))
    assert [r["stage_label"] for r in rows][:2] == ["Prospect", "New"]
    assert [r["stage_order"] for r in rows] == sorted(r["stage_order"] for r in rows)
    zh = stage_counts_chart(counts, lang="zh").to_dict()
    assert zh["encoding"]["x"]["title"] == "日期"
    with pytest.raises(ValueError, match="needs the columns"):
        stage_counts_chart(counts.drop("customers"), lang="en")
    with pytest.raises(ValueError, match="lang="):
        stage_counts_chart(counts, lang="fr")


def test_transition_chart_labels_and_counts() -> None:
    orders = lines(*bought("a", 200), *bought("c", 10))
    moves = stage_transitions(orders, start="2024-06-30", end=AS_OF)
    spec = transition_chart(moves, lang="zh").to_dict()
    heat, text = spec["layer"]
    assert heat["encoding"]["y"]["sort"] == ["尚未认识", "新客户"]
    assert heat["encoding"]["x"]["sort"] == ["新客户", "有流失风险"]
    assert text["encoding"]["text"]["field"] == "customers"
    assert stage_label("something_else", "en") == "something_else"


# --------------------------------------------------------------------------------------------
# The demo workspace
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from cimlab.analytics.facts import customer_data
    from cimlab.demo import build_demo_workspace
    from cimlab.workspace import Workspace

    root = tmp_path_factory.mktemp("lifecycle_demo")
    build_demo_workspace(Path(root / "ws"), Path(root / "files"), people=300)
    return customer_data(Workspace.open(root / "ws"))


def test_demo_counts_cover_every_known_customer_and_match_transitions(demo) -> None:  # type: ignore[no-untyped-def]
    as_of = dt.date(2026, 6, 30)
    dates = month_ends("2024-07-01", as_of)
    counts = stage_counts(demo.orders, dates=dates, customers=demo.customers)
    assert counts.height == 7 * 24
    seen = demo.customers.with_columns(day=pl.col("first_seen").dt.date())
    for day in (dates[0], dates[11], dates[-1]):
        known = seen.filter(pl.col("day").is_null() | (pl.col("day") <= day)).height
        assert counts.filter(pl.col("as_of") == day)["customers"].sum() == known
    last = counts.filter(pl.col("as_of") == as_of)
    assert last.filter(pl.col("customers") == 0).height == 0, last  # every stage occurs
    moves = stage_transitions(demo.orders, start=dates[-13], end=as_of, customers=demo.customers)
    to_counts = moves.group_by("to_stage").agg(pl.col("customers").sum())
    assert dict(to_counts.rows()) == {
        s: c for s, c in last.select("stage", "customers").rows() if c
    }
    start_counts = counts.filter(pl.col("as_of") == dates[-13])
    from_counts = (
        moves.filter(pl.col("from_stage") != UNKNOWN)
        .group_by("from_stage")
        .agg(pl.col("customers").sum())
    )
    assert dict(from_counts.rows()) == {
        s: c for s, c in start_counts.select("stage", "customers").rows() if c
    }
    shares = moves.group_by("from_stage").agg(pl.col("share_of_from").sum())
    assert np.allclose(shares["share_of_from"].to_numpy(), 1.0)
    stages = lifecycle_stages(demo.orders, as_of=as_of, customers=demo.customers)
    assert stages.height == demo.customers.height
    assert stages["customer_id"].is_unique().all()
    stage_counts_chart(counts, lang="zh").to_dict()  # validates against the Vega-Lite schema
    transition_chart(moves, lang="en").to_dict()
