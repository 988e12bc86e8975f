"""Tests for cimlab.act.uplift: control groups (seeded, order-free, stratified with exact totals)
and uplift readouts (window rules, hand-computed Newcombe and Welch intervals, a simulated
campaign with a known effect)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from fractions import Fraction
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from cimlab.act.uplift import (
    CONTROL,
    TREATED,
    UpliftReadout,
    assign_control,
    draw_keys,
    uplift_readout,
)

UTC = dt.UTC


def members_frame(sizes: dict[str | None, int]) -> pl.DataFrame:
    ids: list[str] = []
    segments: list[str | None] = []
    for segment, n in sizes.items():
        ids += [f"{segment or 'none'}-{i:03d}" for i in range(n)]
        segments += [segment] * n
    return pl.DataFrame(
        {"customer_id": ids, "segment": segments},
        schema={"customer_id": pl.String, "segment": pl.String},
    )


def controls_by_segment(groups: pl.DataFrame, members: pl.DataFrame) -> dict[str | None, int]:
    counts = (
        groups.join(members, on="customer_id")
        .group_by("segment")
        .agg((pl.col("group") == CONTROL).sum().alias("controls"))
    )
    return dict(zip(counts["segment"].to_list(), counts["controls"].to_list(), strict=True))


def r4(value: float | None) -> float:
    """``value`` rounded to 4 places (it must be there)."""
    assert value is not None
    return round(value, 4)


def num(value: float | None) -> float:
    assert value is not None
    return value


def sha_key(seed: int, customer_id: str) -> int:
    """The documented draw key, written again here from the docs (not from the code)."""
    return int(hashlib.sha256(f"{seed}:{customer_id}".encode()).hexdigest()[:16], 16)


# --------------------------------------------------------------------------------------------
# assign_control
# --------------------------------------------------------------------------------------------


def test_draw_key_is_the_documented_sha256_prefix() -> None:
    # printf '7:C1' | sha256sum -> 299d304e03dc2742...; 0x299d304e03dc2742 = 2998606038528960322
    assert draw_keys(pl.Series(["C1"]), seed=7).to_list() == [2998606038528960322]
    assert draw_keys(pl.Series(["C1", None]), seed=8).to_list() == [sha_key(8, "C1"), None]


def test_same_members_and_seed_give_the_same_groups_in_any_row_order() -> None:
    members = members_frame({"champions": 40, "at_risk": 25, None: 7})
    expected = assign_control(members, share=0.2, seed=2026)
    rng = np.random.default_rng(0)
    for _ in range(5):
        shuffled = members[rng.permutation(members.height).tolist()]
        assert assign_control(shuffled, share=0.2, seed=2026).equals(expected)
    assert expected["customer_id"].to_list() == sorted(members["customer_id"].to_list())
    other = assign_control(members, share=0.2, seed=2027)
    assert not other.equals(expected)  # another seed draws another holdout


def test_control_customers_are_the_smallest_keys_of_each_stratum() -> None:
    members = members_frame({"a": 9, "b": 6})
    groups = assign_control(members, share=1 / 3, seed=11)
    for segment, k in (("a", 3), ("b", 2)):
        ids = members.filter(pl.col("segment") == segment)["customer_id"].to_list()
        expected = sorted(sorted(ids, key=lambda c: sha_key(11, c))[:k])
        got = groups.filter(pl.col("customer_id").is_in(ids) & (pl.col("group") == CONTROL))
        assert got["customer_id"].to_list() == expected


def test_largest_remainder_gives_the_exact_total() -> None:
    # quotas at 0.25: a 7 -> 1.75, b 5 -> 1.25, c 3 -> 0.75, null 2 -> 0.5; total round(4.25) = 4;
    # whole parts give 2, the 2 left go to the largest remainders .75 (a, larger) and .75 (c)
    members = members_frame({"a": 7, "b": 5, "c": 3, None: 2})
    groups = assign_control(members, share=0.25, seed=1)
    assert controls_by_segment(groups, members) == {"a": 2, "b": 1, "c": 1, None: 0}
    assert groups.columns == ["customer_id", "group"]
    assert set(groups["group"].to_list()) == {TREATED, CONTROL}


def test_halves_round_up_and_decimal_shares_are_exact() -> None:
    assert controls_by_segment(
        assign_control(members_frame({"a": 3}), share=0.5, seed=3), members_frame({"a": 3})
    ) == {"a": 2}
    # 0.145 × 100 is 14.499999999999998 in floats (rounds to 14) but 14.5 as written: 15
    m = members_frame({"a": 100})
    assert controls_by_segment(assign_control(m, share=0.145, seed=3), m) == {"a": 15}
    assert controls_by_segment(assign_control(m, share=0.29, seed=3), m) == {"a": 29}


def test_null_stratum_is_its_own_stratum_and_strata_none_is_one() -> None:
    members = members_frame({"a": 4, None: 4})
    assert controls_by_segment(assign_control(members, share=0.5, seed=5), members) == {
        "a": 2,
        None: 2,
    }
    members = members_frame({"a": 1, "b": 1, "c": 1, "d": 1})
    # stratified: each quota is 0.5 and the total round(2.0) = 2; equal remainders and sizes:
    # the strata in sort order get them
    by_segment = controls_by_segment(assign_control(members, share=0.5, seed=5), members)
    assert by_segment == {"a": 1, "b": 1, "c": 0, "d": 0}
    flat = assign_control(members.drop("segment"), share=0.5, seed=5, strata=None)
    keys = sorted(members["customer_id"].to_list(), key=lambda c: sha_key(5, c))
    assert sorted(flat.filter(pl.col("group") == CONTROL)["customer_id"].to_list()) == sorted(
        keys[:2]
    )


def test_share_zero_puts_nobody_in_control_and_integer_strata_work() -> None:
    members = pl.DataFrame({"customer_id": ["x", "y", "z"], "cluster": [1, 1, 2]})
    assert (
        assign_control(members, share=0, seed=1, strata="cluster")["group"].to_list()
        == [TREATED] * 3
    )
    assert assign_control(members.head(0), share=0.1, seed=1, strata="cluster").height == 0


def test_random_strata_sizes_keep_every_stratum_within_one_of_its_quota() -> None:
    rng = np.random.default_rng(42)
    for trial in range(40):
        k = int(rng.integers(1, 8))
        sizes: dict[str | None, int] = {f"s{i}": int(rng.integers(1, 60)) for i in range(k)}
        if trial % 3 == 0:
            sizes[None] = int(rng.integers(1, 10))
        share = round(float(rng.uniform(0, 0.5)), 3)
        members = members_frame(sizes)
        counts = controls_by_segment(assign_control(members, share=share, seed=trial), members)
        total = sum(sizes.values())
        assert sum(counts.values()) == math.floor(Fraction(str(share)) * total + Fraction(1, 2))
        for segment, n in sizes.items():
            quota = Fraction(str(share)) * n
            assert math.floor(quota) <= counts[segment] <= math.ceil(quota)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"share": 0.6, "seed": 1}, ValueError, "share=0.6 should be between 0 and 0.5"),
        ({"share": -0.1, "seed": 1}, ValueError, "share=-0.1"),
        ({"share": True, "seed": 1}, TypeError, "share=True"),
        ({"share": 0.1, "seed": "1"}, TypeError, "seed='1'"),
        (
            {"share": 0.1, "seed": 1, "strata": "cluster"},
            ValueError,
            "no column 'cluster' (strata)",
        ),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        assign_control(members_frame({"a": 3}), **kwargs)


def test_duplicate_and_missing_ids_are_refused_without_showing_them() -> None:
    dup = pl.DataFrame({"customer_id": ["13800138000", "13800138000"], "segment": ["a", "a"]})
    with pytest.raises(ValueError, match="1 customer\\(s\\) more than once") as info:
        assign_control(dup, share=0.1, seed=1)
    assert "13800138000" not in str(info.value)
    with pytest.raises(ValueError, match="1 row\\(s\\) without a customer_id"):
        assign_control(
            pl.DataFrame({"customer_id": ["a", None], "segment": ["a", "a"]}), share=0.1, seed=1
        )


# --------------------------------------------------------------------------------------------
# uplift_readout: helpers
# --------------------------------------------------------------------------------------------

START = dt.datetime(2026, 3, 1, tzinfo=UTC)
END = dt.date(2026, 3, 31)


def assignments(treated: int, control: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": [f"t{i}" for i in range(treated)] + [f"c{i}" for i in range(control)],
            "group": [TREATED] * treated + [CONTROL] * control,
        }
    )


def orders(*rows: tuple[str | None, dt.datetime, float, str]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "customer_id": pl.String,
            "order_ts": pl.Datetime("us", "UTC"),
            "amount": pl.Float64,
            "status": pl.String,
        },
        orient="row",
    )


def buyers(
    prefix: str, k: int, amount: float = 10.0
) -> list[tuple[str | None, dt.datetime, float, str]]:
    return [
        (f"{prefix}{i}", dt.datetime(2026, 3, 5, 12, tzinfo=UTC), amount, "paid") for i in range(k)
    ]


# --------------------------------------------------------------------------------------------
# uplift_readout: hand-computed intervals
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("treated", "converted_t", "control", "converted_c", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10 (hybrid score);
        # recomputed by hand from the Wilson limits with z = 1.959964
        (70, 56, 80, 48, 0.0524, 0.3339),
        (10, 9, 10, 3, 0.1705, 0.8090),
        (56, 5, 29, 0, -0.0381, 0.1926),
        (10, 0, 20, 0, -0.1611, 0.2775),
        (10, 10, 20, 0, 0.6791, 1.0000),
    ],
)
def test_conversion_uplift_is_newcombes_hybrid_score_interval(
    treated: int, converted_t: int, control: int, converted_c: int, low: float, high: float
) -> None:
    lines = orders(*buyers("t", converted_t), *buyers("c", converted_c))
    r = uplift_readout(assignments(treated, control), lines, start=START, end=END)
    assert (r.treated.customers, r.treated.converted) == (treated, converted_t)
    assert (r.control.customers, r.control.converted) == (control, converted_c)
    assert r.conversion_uplift == pytest.approx(converted_t / treated - converted_c / control)
    assert (r4(r.conversion_uplift_low), r4(r.conversion_uplift_high)) == (low, high)


def test_group_rates_carry_their_wilson_intervals() -> None:
    # 8 of 10: Wilson (0.4902, 0.9433); 2 of 10: (0.0567, 0.5098); Newcombe 0.6 in (0.1618, 0.8027)
    lines = orders(*buyers("t", 8), *buyers("c", 2))
    r = uplift_readout(assignments(10, 10), lines, start=START, end=END)
    t, c = r.treated, r.control
    assert (r4(t.conversion_low), r4(t.conversion_high)) == (0.4902, 0.9433)
    assert (r4(c.conversion_low), r4(c.conversion_high)) == (0.0567, 0.5098)
    assert (r4(r.conversion_uplift_low), r4(r.conversion_uplift_high)) == (0.1618, 0.8027)
    assert r.conversion_relative_uplift == pytest.approx(3.0)  # (0.8 - 0.2) / 0.2


def test_revenue_uplift_is_welchs_t_interval() -> None:
    # treated spends 10, 0, 20, 30 (mean 15); control 0, 10, 0 (mean 3.333)
    # s² = 166.667 / 4 and 33.333 / 3: se = 7.264832, Welch df = 4.349398, t(0.975, df) = 2.690657
    # 11.666667 ± 2.690657 × 7.264832 = (-7.8805, 31.2138)
    lines = orders(
        ("t0", dt.datetime(2026, 3, 2, tzinfo=UTC), 10.0, "paid"),
        ("t2", dt.datetime(2026, 3, 2, tzinfo=UTC), 20.0, "paid"),
        ("t3", dt.datetime(2026, 3, 2, tzinfo=UTC), 30.0, "paid"),
        ("c1", dt.datetime(2026, 3, 2, tzinfo=UTC), 10.0, "paid"),
    )
    r = uplift_readout(assignments(4, 3), lines, start=START, end=END)
    assert (r.treated.revenue, r.control.revenue) == (60.0, 10.0)
    assert r.treated.revenue_per_customer == 15.0
    assert r.revenue_uplift == pytest.approx(11.666667, abs=1e-6)
    assert (r4(r.revenue_uplift_low), r4(r.revenue_uplift_high)) == (-7.8805, 31.2138)
    assert r.revenue_relative_uplift == pytest.approx(11.666667 / 3.333333, rel=1e-6)
    assert r.note is None


def test_equal_revenues_give_a_point_interval_and_one_customer_gives_none() -> None:
    # an order of someone outside the campaign: the window has order data, nobody converted
    other = orders(("x", dt.datetime(2026, 3, 31, 12, tzinfo=UTC), 5.0, "paid"))
    r = uplift_readout(assignments(3, 2), other, start=START, end=END)
    assert (r.revenue_uplift, r.revenue_uplift_low, r.revenue_uplift_high) == (0.0, 0.0, 0.0)
    assert r.revenue_relative_uplift is None  # the control's revenue is 0
    r = uplift_readout(assignments(3, 1), other, start=START, end=END)
    assert r.revenue_uplift == 0.0 and r.revenue_uplift_low is None
    assert r.note == "the revenue interval needs at least 2 customers in each group."
    assert r.conversion_uplift_low is not None
    assert "no interval" in r.summary() and "收入区间需要每组至少 2 位客户" in r.summary("zh")


def test_no_order_day_since_the_export_is_not_measurable_yet() -> None:
    r = uplift_readout(assignments(3, 2), orders(), start=START, end=END)
    assert r.days == 0 and not r.measurable
    assert "no order day of the window has been imported yet" in r.summary()
    assert r.to_dict()["measurable"] is False


# --------------------------------------------------------------------------------------------
# uplift_readout: the window and the purchase rule
# --------------------------------------------------------------------------------------------


def test_purchase_rule_and_net_revenue_in_the_window() -> None:
    lines = orders(
        # t0: bought before the campaign moment of 1 March 10:00, and after it
        ("t0", dt.datetime(2026, 3, 1, 9, tzinfo=UTC), 500.0, "paid"),
        ("t0", dt.datetime(2026, 3, 1, 11, tzinfo=UTC), 25.0, "paid"),
        # t1: a purchase reversed the same day is no purchase
        ("t1", dt.datetime(2026, 3, 3, 9, tzinfo=UTC), 40.0, "paid"),
        ("t1", dt.datetime(2026, 3, 3, 18, tzinfo=UTC), -40.0, "cancelled"),
        # t2: a refund in the window of a February purchase lowers revenue, no conversion
        ("t2", dt.datetime(2026, 2, 20, tzinfo=UTC), 60.0, "paid"),
        ("t2", dt.datetime(2026, 3, 4, tzinfo=UTC), -60.0, "refunded"),
        # t3: a positive refunded line and a pending line count 0; after the end: ignored
        ("t3", dt.datetime(2026, 3, 4, tzinfo=UTC), 70.0, "refunded"),
        ("t3", dt.datetime(2026, 3, 4, tzinfo=UTC), 70.0, "pending"),
        ("t3", dt.datetime(2026, 4, 1, tzinfo=UTC), 80.0, "paid"),
        # c0 buys on the last day (included); a non-member and a line without customer are ignored
        ("c0", dt.datetime(2026, 3, 31, 23, 59, tzinfo=UTC), 12.5, "paid"),
        ("x9", dt.datetime(2026, 3, 5, tzinfo=UTC), 999.0, "paid"),
        (None, dt.datetime(2026, 3, 5, tzinfo=UTC), 999.0, "paid"),
    )
    start = dt.datetime(2026, 3, 1, 10, tzinfo=UTC)
    r = uplift_readout(assignments(4, 2), lines, start=start, end=END)
    assert (r.treated.converted, r.treated.revenue) == (1, 25.0 + 0.0 - 60.0 + 0.0)
    assert (r.control.converted, r.control.revenue) == (1, 12.5)
    assert (r.first_day, r.last_day, r.window_days, r.days) == (dt.date(2026, 3, 1), END, 31, 31)
    assert r.data_until == dt.date(2026, 4, 1)
    # an end moment excludes what comes after it
    r = uplift_readout(
        assignments(4, 2), lines, start=start, end=dt.datetime(2026, 3, 31, 12, tzinfo=UTC)
    )
    assert r.control.converted == 0


def test_time_zones_of_the_window() -> None:
    # 1 March 01:30 in Shanghai is 28 Feb 17:30 UTC
    lines = orders(("t0", dt.datetime(2026, 2, 28, 17, 30, tzinfo=UTC), 10.0, "paid"))
    shanghai = ZoneInfo("Asia/Shanghai")
    kwargs = {"end": dt.date(2026, 3, 2)}
    r = uplift_readout(
        assignments(1, 1),
        lines,
        start=dt.datetime(2026, 3, 1, tzinfo=shanghai),
        time_zone="Asia/Shanghai",
        **kwargs,
    )
    assert r.treated.converted == 1 and r.first_day == dt.date(2026, 3, 1) and r.window_days == 2
    # a naive start is read in time_zone; in UTC the line is before 1 March
    assert (
        uplift_readout(
            assignments(1, 1),
            lines,
            start=dt.datetime(2026, 3, 1),
            time_zone="Asia/Shanghai",
            **kwargs,
        ).treated.converted
        == 1
    )
    assert (
        uplift_readout(
            assignments(1, 1), lines, start=dt.datetime(2026, 3, 1), **kwargs
        ).treated.converted
        == 0
    )
    # naive order times are wall times in time_zone
    naive = lines.with_columns(pl.col("order_ts").dt.replace_time_zone(None) + pl.duration(hours=8))
    r = uplift_readout(
        assignments(1, 1),
        naive,
        start=dt.datetime(2026, 3, 1, 1, tzinfo=shanghai),
        time_zone="Asia/Shanghai",
        **kwargs,
    )
    assert r.treated.converted == 1
    r = uplift_readout(
        assignments(1, 1),
        naive,
        start=dt.datetime(2026, 3, 1, 2, tzinfo=shanghai),
        time_zone="Asia/Shanghai",
        **kwargs,
    )
    assert r.treated.converted == 0


def test_date_orders_count_whole_days_and_lazy_frames_are_read() -> None:
    lines = pl.DataFrame(
        {
            "customer_id": ["t0", "c0"],
            "day": [dt.date(2026, 3, 1), dt.date(2026, 2, 28)],
            "amount": [5, 5],
            "state": ["paid", "paid"],
        }
    ).lazy()
    r = uplift_readout(
        assignments(1, 1),
        lines,
        start=dt.datetime(2026, 3, 1, 15),
        end=END,
        time_col="day",
        status_col="state",
    )
    assert (r.treated.converted, r.control.converted, r.treated.revenue) == (1, 0, 5.0)
    assert (r.days, r.window_days, r.data_until) == (1, 31, dt.date(2026, 3, 1))


def test_days_counted_stop_at_the_order_data() -> None:
    lines = orders(("t0", dt.datetime(2026, 3, 10, tzinfo=UTC), 10.0, "paid"))
    r = uplift_readout(assignments(2, 2), lines, start=START, end=END)
    assert (r.days, r.window_days, r.data_until) == (10, 31, dt.date(2026, 3, 10))
    assert "10 of 31 day(s) counted (orders imported up to 2026-03-10)" in r.summary()
    assert "计入 10 / 31 天（订单数据截至 2026-03-10）" in r.summary("zh")
    r = uplift_readout(assignments(2, 2), orders(), start=START, end=END)
    assert (r.days, r.data_until) == (0, None)
    assert "no orders imported for the window yet" in r.summary()


def test_currencies_are_never_mixed() -> None:
    lines = orders(*buyers("t", 2), *buyers("c", 1)).with_columns(
        currency=pl.Series(["CNY", "USD", "CNY"])
    )
    with pytest.raises(ValueError, match=r"2 currencies \(CNY, USD\).*in_reporting_currency"):
        uplift_readout(assignments(2, 2), lines, start=START, end=END)
    r = uplift_readout(
        assignments(2, 2), lines.with_columns(currency=pl.lit("CNY")), start=START, end=END
    )
    assert r.currency == "CNY" and "CNY" in r.summary()


# --------------------------------------------------------------------------------------------
# uplift_readout: not measurable, bad input, outputs
# --------------------------------------------------------------------------------------------


def test_without_control_the_uplift_cannot_be_measured() -> None:
    r = uplift_readout(assignments(3, 0), orders(*buyers("t", 1)), start=START, end=END)
    assert not r.measurable
    assert (
        r.conversion_uplift is None and r.revenue_uplift is None and r.conversion_uplift_low is None
    )
    assert r.control.customers == 0 and r.control.conversion_rate is None
    assert (
        r.summary().splitlines()[-1]
        == "Uplift cannot be measured: the control group has no customers."
    )
    assert r.summary("zh").splitlines()[-1] == "无法衡量提升：对照组没有客户。"
    assert (
        uplift_readout(assignments(0, 0), orders(), start=START, end=END).note
        == "the groups have no customers."
    )
    assert (
        uplift_readout(assignments(0, 2), orders(), start=START, end=END).note
        == "the treated group has no customers."
    )


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (pl.DataFrame({"customer_id": ["a"], "group": ["holdout"]}), {}, "group values 'holdout'"),
        (
            pl.DataFrame({"customer_id": ["a", "a"], "group": ["treated", "control"]}),
            {},
            "1 customer\\(s\\) more than once",
        ),
        (pl.DataFrame({"customer_id": ["a"]}), {}, "no column 'group'"),
        (assignments(1, 1), {"end": dt.date(2026, 2, 1)}, "is before start"),
        (assignments(1, 1), {"time_zone": "Beijing"}, "not an IANA time zone"),
        (
            assignments(1, 1),
            {"amount_col": "paid_amount"},
            "no column 'paid_amount' \\(amount_col\\)",
        ),
        (assignments(1, 1), {"confidence": 95}, "confidence=95"),
    ],
)
def test_bad_input_is_refused(frame: pl.DataFrame, kwargs: dict, message: str) -> None:
    args = {"start": START, "end": END} | kwargs
    with pytest.raises(ValueError, match=message):
        uplift_readout(frame, orders(), **args)


def test_frame_rows_and_json() -> None:
    r = uplift_readout(
        assignments(10, 10),
        orders(*buyers("t", 8, 20.0), *buyers("c", 2, 20.0)),
        start=START,
        end=END,
    )
    assert r.frame.columns == [
        "metric",
        "treated",
        "control",
        "uplift",
        "uplift_low",
        "uplift_high",
        "relative_uplift",
    ]
    assert r.frame["metric"].to_list() == [
        "customers",
        "converted",
        "conversion_rate",
        "revenue",
        "revenue_per_customer",
    ]
    assert r.rows()[1] == {
        "metric": "converted", "treated": 8.0, "control": 2.0,
        "uplift": None, "uplift_low": None, "uplift_high": None, "relative_uplift": None,
    }  # fmt: skip
    assert r.rows()[4]["uplift"] == pytest.approx(12.0)  # 16 - 4 per customer
    data = json.loads(json.dumps(r.to_dict()))
    assert data["start"] == "2026-03-01T00:00:00+00:00" and data["end"] == "2026-03-31"
    assert data["treated"]["converted"] == 8 and data["measurable"] is True
    assert data["conversion_uplift"] == pytest.approx(0.6)
    assert isinstance(r, UpliftReadout)


def test_summaries_say_what_the_intervals_show() -> None:
    r = uplift_readout(
        assignments(10, 10),
        orders(*buyers("t", 8, 20.0), *buyers("c", 2, 20.0)),
        start=START,
        end=END,
    )
    en, zh = r.summary(), r.summary("zh")
    assert "Conversion uplift: +60.0 points (95 % interval +16.2 to +80.3; relative +300.0 %)" in en
    assert "the campaign raised conversion (the interval lies above 0)" in en
    assert "Treated: 10 customers, 8 converted (80.0 %), revenue per customer 16.00." in en
    assert (
        "转化率提升：+60.0 个百分点（95% 置信区间 +16.2 至 +80.3；相对 +300.0%）：活动提高了转化率"
        in zh
    )
    assert "实验组：10 位客户，8 位转化（80.0%），人均收入 16.00。" in zh
    with pytest.raises(ValueError, match="lang='fr'"):
        r.summary("fr")  # type: ignore[arg-type]
    flat = uplift_readout(
        assignments(10, 10), orders(*buyers("t", 2), *buyers("c", 2)), start=START, end=END
    )
    assert "no effect on conversion is established (the interval includes 0)" in flat.summary()
    assert "尚不能确定活动对转化率有影响（区间包含 0）" in flat.summary("zh")


# --------------------------------------------------------------------------------------------
# A simulated campaign with a known effect
# --------------------------------------------------------------------------------------------


def test_simulated_campaign_intervals_cover_the_true_effect() -> None:
    rng = np.random.default_rng(20261207)
    n = 6000
    ids = [f"C{i:05d}" for i in range(n)]
    members = pl.DataFrame({"customer_id": ids, "segment": rng.choice(["a", "b", "c"], n).tolist()})
    groups = assign_control(members, share=0.5, seed=99)
    treated = (groups["group"] == TREATED).to_numpy()
    # true effect: conversion 30 % vs 20 % (+0.10); spend of a buyer 50 (exponential),
    # so revenue per customer 15 vs 10 (+5)
    converts = rng.random(n) < np.where(treated, 0.30, 0.20)
    spend = np.round(rng.exponential(50.0, n), 2)
    days = rng.integers(1, 29, n)
    buyers_ = np.flatnonzero(converts)
    lines = pl.DataFrame(
        {
            "customer_id": [groups["customer_id"][int(i)] for i in buyers_],
            "order_ts": [dt.datetime(2026, 3, int(days[i]), 12, tzinfo=UTC) for i in buyers_],
            "amount": spend[buyers_],
            "status": ["paid"] * len(buyers_),
        }
    )
    r = uplift_readout(groups, lines, start=START, end=END)
    assert r.treated.customers == r.control.customers == 3000
    assert r.treated.converted == int(converts[treated].sum())
    assert 0 < num(r.conversion_uplift_low) < 0.10 < num(r.conversion_uplift_high)  # detected
    assert 0 < num(r.revenue_uplift_low) < 5.0 < num(r.revenue_uplift_high)
    assert r.revenue_uplift == pytest.approx(
        spend[converts & treated].sum() / 3000 - spend[converts & ~treated].sum() / 3000, abs=1e-6
    )
