"""cimlab.analytics.satisfaction: NPS, CSAT, complaint rate, intervals, groups, windows, unhappy customers;
and the satisfaction chart builders."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.analytics.rfm import SEGMENT_NAMES
from cimlab.analytics.satisfaction import (
    SATISFACTION_COLUMNS,
    UNHAPPY_COLUMNS,
    satisfaction,
    unhappy_high_value,
    wilson_interval,
    z_value,
)
from cimlab.charts.satisfaction import (
    complaint_rate_chart,
    nps_chart,
    nps_mix_chart,
    satisfaction_trend_chart,
)

UTC = dt.UTC
Z95 = 1.959963984540054


def ts(day: int, hour: int = 12, month: int = 1, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, second, tzinfo=UTC)


def feedback(
    rows: list[tuple[str | None, dt.datetime, int | None, int | None, bool | None]],
    channel: str | list[str] = "survey",
) -> pl.DataFrame:
    """Feedback rows (customer_id, ts, nps, csat, complaint)."""
    channels = channel if isinstance(channel, list) else [channel] * len(rows)
    return pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "channel": channels,
            "ts": [r[1] for r in rows],
            "nps": [r[2] for r in rows],
            "csat": [r[3] for r in rows],
            "complaint": [r[4] for r in rows],
            "text": ["a comment"] * len(rows),
        },
        schema_overrides={
            "ts": pl.Datetime("us", "UTC"),
            "nps": pl.Int64,
            "csat": pl.Int64,
            "complaint": pl.Boolean,
            "customer_id": pl.String,
        },
    )


def interactions(rows: list[tuple[str | None, dt.datetime, str]], channel: str = "call_centre"):
    return pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "channel": [channel] * len(rows),
            "ts": [r[1] for r in rows],
            "type": [r[2] for r in rows],
        },
        schema_overrides={"ts": pl.Datetime("us", "UTC"), "customer_id": pl.String},
    )


def ten_answers() -> pl.DataFrame:
    """5 promoters, 3 passives, 2 detractors; CSAT 8 of 10 at 4–5; customer c2 complained."""
    nps = [9, 10, 10, 9, 9, 7, 8, 7, 0, 6]
    csat = [5, 4, 4, 5, 4, 4, 5, 4, 1, 2]
    return feedback(
        [(f"c{i}", ts(i + 1), n, c, i == 2) for i, (n, c) in enumerate(zip(nps, csat, strict=True))]
    )


# ------------------------------------------------------------------------------------ overall


def test_nps_csat_and_their_intervals_by_hand() -> None:
    row = satisfaction(ten_answers(), as_of="2024-01-31").row(0, named=True)
    assert (row["nps_answers"], row["promoters"], row["passives"], row["detractors"]) == (
        10,
        5,
        3,
        2,
    )
    assert row["nps"] == pytest.approx(30.0)
    # var = (0.5 + 0.2 - 0.3²) / 10 = 0.061; half-width = 100 · 1.96 · √0.061
    half = 100 * Z95 * math.sqrt(0.061)
    assert half == pytest.approx(48.4075, abs=1e-4)  # so NPS 30, CI -18.41 .. 78.41
    assert row["nps_low"] == pytest.approx(30 - half)
    assert row["nps_high"] == pytest.approx(30 + half)
    # CSAT 8/10 at 95 %: Wilson 0.4902 .. 0.9433
    assert row["csat"] == pytest.approx(0.8)
    assert row["csat_mean"] == pytest.approx(3.8)
    assert round(row["csat_low"], 4) == 0.4902
    assert round(row["csat_high"], 4) == 0.9433
    # complaint rate 1 of 10 customers
    assert (row["complaints"], row["complaint_base"]) == (1, 10)
    assert row["complaint_rate"] == pytest.approx(0.1)


def test_output_columns_and_types() -> None:
    out = satisfaction(ten_answers(), as_of="2024-01-31")
    assert out.columns == list(SATISFACTION_COLUMNS)
    counts = ("nps_answers", "promoters", "passives", "detractors", "csat_answers")
    assert all(out.schema[c] == pl.Int64 for c in (*counts, "complaints", "complaint_base"))
    assert out.schema["nps"] == pl.Float64
    # and the figures of ten_answers(), by hand: 5 promoters, 3 passives, 2 detractors of 10
    # (NPS 30); 8 of 10 CSAT answers at 4–5 (mean 3.8); c2 is the one complainer of 10
    row = out.row(0, named=True)
    assert (row["promoters"], row["passives"], row["detractors"]) == (5, 3, 2)
    assert row["nps"] == pytest.approx(30.0) and row["csat"] == pytest.approx(0.8)
    assert row["csat_mean"] == pytest.approx(3.8)
    assert (row["complaints"], row["complaint_base"], row["complaint_rate"]) == (1, 10, 0.1)


def test_wilson_interval_known_values_and_edges() -> None:
    low, high = wilson_interval("k", "n")
    got = pl.DataFrame({"k": [8, 0, 10, 0], "n": [10, 10, 10, 0]}).select(low, high)
    assert round(got["low"][0], 4) == 0.4902 and round(got["high"][0], 4) == 0.9433
    # 0 of 10: [0, z²/(n+z²)]; 10 of 10: [n/(n+z²), 1]
    assert got["low"][1] == 0.0
    assert got["high"][1] == pytest.approx(Z95**2 / (10 + Z95**2))
    assert got["low"][2] == pytest.approx(10 / (10 + Z95**2)) and got["high"][2] == 1.0
    assert got.row(3) == (None, None)


def test_confidence_level_changes_the_width() -> None:
    wide = satisfaction(ten_answers(), as_of="2024-01-31", confidence=0.99).row(0, named=True)
    narrow = satisfaction(ten_answers(), as_of="2024-01-31", confidence=0.90).row(0, named=True)
    z99, z90 = z_value(0.99), z_value(0.90)
    assert z99 == pytest.approx(2.5758293) and z90 == pytest.approx(1.6448536)
    assert wide["nps_high"] - wide["nps_low"] == pytest.approx(2 * 100 * z99 * math.sqrt(0.061))
    assert narrow["nps_high"] - narrow["nps_low"] == pytest.approx(2 * 100 * z90 * math.sqrt(0.061))
    assert wide["csat_low"] < narrow["csat_low"]


def test_nps_interval_is_clipped_to_the_scale() -> None:
    rows = feedback(
        [("a", ts(1), 10, None, None), ("b", ts(2), 10, None, None), ("c", ts(3), 3, None, None)]
    )
    row = satisfaction(rows, as_of="2024-01-31").row(0, named=True)
    assert row["nps"] == pytest.approx(100 / 3)
    assert row["nps_high"] == 100.0  # 33.3 + 106.7 would pass the top of the scale
    # one single answer: the variance is 0 and the interval is a point
    one = satisfaction(rows.head(1), as_of="2024-01-31").row(0, named=True)
    assert (one["nps"], one["nps_low"], one["nps_high"]) == (100.0, 100.0, 100.0)


def test_complaint_rate_counts_customers_from_feedback_and_interactions() -> None:
    fb = feedback(
        [
            ("a", ts(1), 9, 5, True),
            ("a", ts(2), 9, 5, True),  # a complained twice: one complaining customer
            ("b", ts(3), 3, 1, None),  # an empty flag observes nothing
            (None, ts(4), 0, 1, True),  # unidentified: counts for NPS, not for the rate
        ]
    )
    inter = interactions(
        [
            ("c", ts(5), "Complaint "),  # a complaint interaction (case and spaces ignored)
            ("d", ts(6), "call"),  # in contact, no complaint
            (None, ts(7), "complaint"),  # unidentified: left out
            ("e", ts(1, month=3), "complaint"),  # after as_of
        ]
    )
    row = satisfaction(fb, as_of="2024-01-31", interactions=inter).row(0, named=True)
    assert row["nps_answers"] == 4 and row["detractors"] == 2
    assert (row["complaints"], row["complaint_base"]) == (2, 3)  # a, c of a, c, d (not b)
    assert row["complaint_rate"] == pytest.approx(2 / 3)
    without = satisfaction(fb, as_of="2024-01-31").row(0, named=True)
    assert (without["complaints"], without["complaint_base"]) == (1, 1)


def test_a_rate_without_observations_is_no_data_never_zero() -> None:
    """A feedback table without a mapped complaint column (every flag empty) has no complaint
    data: the rate and its interval are null and the counts 0 (it used to read 0.0 with an
    interval [0, 0.021]); NPS and CSAT without answers likewise."""
    no_flags = feedback([(f"c{i}", ts(1 + i % 28), 9, 5, None) for i in range(180)])
    row = satisfaction(no_flags, as_of="2024-01-31").row(0, named=True)
    assert (row["complaints"], row["complaint_base"]) == (0, 0)
    assert (row["complaint_rate"], row["complaint_low"], row["complaint_high"]) == (None,) * 3
    assert (row["nps_answers"], row["nps"]) == (180, 100.0)  # the answers still count
    no_scores = feedback([("a", ts(1), None, None, True)])
    row = satisfaction(no_scores, as_of="2024-01-31").row(0, named=True)
    assert (row["nps_answers"], row["nps"], row["nps_low"], row["nps_high"]) == (
        0,
        None,
        None,
        None,
    )
    assert (row["csat_answers"], row["csat"], row["csat_mean"], row["csat_low"]) == (0,) + (
        None,
    ) * 3
    assert (row["complaints"], row["complaint_base"], row["complaint_rate"]) == (1, 1, 1.0)
    # by channel: a channel whose rows carry no flag is listed, with no complaint data
    mixed = feedback(
        [("a", ts(1), 9, 5, False), ("b", ts(2), 3, 2, True), ("c", ts(3), 9, None, None)],
        channel=["jd", "jd", "tmall"],
    )
    out = satisfaction(mixed, as_of="2024-01-31", by="channel")
    assert out.select("channel", "complaint_base", "complaint_rate").rows() == [
        ("jd", 2, 0.5),
        ("tmall", 0, None),
    ]
    # a complaint interaction is an observation of its own
    inter = interactions([("c", ts(4), "chat")])
    out = satisfaction(no_flags, as_of="2024-01-31", interactions=inter).row(0, named=True)
    assert (out["complaints"], out["complaint_base"], out["complaint_rate"]) == (0, 1, 0.0)


# ------------------------------------------------------------------------------------ windows


def test_as_of_includes_its_whole_day_and_start_its_first_instant() -> None:
    fb = feedback(
        [
            ("a", dt.datetime(2024, 1, 9, 23, 59, 59, tzinfo=UTC), 0, 1, False),
            ("b", dt.datetime(2024, 1, 10, 0, 0, tzinfo=UTC), 10, 5, False),
            ("c", dt.datetime(2024, 1, 31, 23, 59, 59, 999999, tzinfo=UTC), 10, 5, False),
            ("d", dt.datetime(2024, 2, 1, 0, 0, tzinfo=UTC), 0, 1, True),  # after as_of
        ]
    )
    row = satisfaction(fb, as_of=dt.date(2024, 1, 31), start=dt.date(2024, 1, 10)).row(
        0, named=True
    )
    assert (row["nps_answers"], row["promoters"], row["complaint_base"]) == (2, 2, 2)
    assert row["nps"] == 100.0
    # a datetime as_of counts by its day; a string works too
    same = satisfaction(fb, as_of=dt.datetime(2024, 1, 31, 8, tzinfo=UTC), start="2024-01-10")
    assert same.row(0, named=True)["nps_answers"] == 2


def test_days_follow_the_time_zone() -> None:
    # 2024-01-31 17:00 UTC is 2024-02-01 01:00 in Shanghai
    fb = feedback([("a", dt.datetime(2024, 1, 31, 17, tzinfo=UTC), 10, 5, False)])
    assert satisfaction(fb, as_of="2024-01-31")["nps_answers"][0] == 1
    assert satisfaction(fb, as_of="2024-01-31", time_zone="Asia/Shanghai")["nps_answers"][0] == 0


def test_start_after_as_of_is_refused() -> None:
    with pytest.raises(ValueError, match="start=2024-02-01 is after as_of=2024-01-31"):
        satisfaction(ten_answers(), as_of="2024-01-31", start="2024-02-01")


# ------------------------------------------------------------------------------------ groups


def test_by_channel_by_hand() -> None:
    fb = feedback(
        [
            ("a", ts(1), 10, 5, False),
            ("b", ts(2), 2, 2, True),
            ("c", ts(3), None, 4, None),
            ("a", ts(4), 7, None, False),
        ],
        channel=["jd", "jd", "tmall", "tmall"],
    )
    inter = interactions([("d", ts(5), "complaint")], channel="call_centre")
    out = satisfaction(fb, as_of="2024-01-31", by="channel", interactions=inter)
    expected = pl.DataFrame(
        {
            "channel": ["call_centre", "jd", "tmall"],
            "nps_answers": [0, 2, 1],
            "promoters": [0, 1, 0],
            "passives": [0, 0, 1],
            "detractors": [0, 1, 0],
            "nps": [None, 0.0, 0.0],
            "csat_answers": [0, 2, 1],
            "csat": [None, 0.5, 1.0],
            "complaints": [1, 1, 0],
            "complaint_base": [1, 2, 1],  # tmall: c's flag is empty, only a is observed
            "complaint_rate": [1.0, 0.5, 0.0],
        }
    )
    assert_frame_equal(out.select(expected.columns), expected)
    assert out.filter(pl.col("channel") == "call_centre")["nps_low"][0] is None


def test_by_month_lists_every_month_with_nulls_for_empty_ones() -> None:
    fb = feedback(
        [
            ("a", ts(5, month=1), 10, 5, False),
            ("b", ts(5, month=3), 0, 1, True),
            ("c", ts(5, month=3), 9, 4, False),
        ]
    )
    out = satisfaction(fb, as_of="2024-04-10", by="month")
    assert out["month"].to_list() == [dt.date(2024, m, 1) for m in (1, 2, 3, 4)]
    assert out["nps_answers"].to_list() == [1, 0, 2, 0]
    assert out["nps"].to_list() == [100.0, None, 0.0, None]
    assert out["complaint_rate"].to_list() == [0.0, None, 0.5, None]
    # with a start, months run from the start's month
    later = satisfaction(fb, as_of="2024-04-10", start="2023-12-15", by="month")
    assert later["month"][0] == dt.date(2023, 12, 1) and later.height == 5
    # nothing at all: just the month of as_of
    none = satisfaction(fb.clear(), as_of="2024-04-10", by="month")
    assert none["month"].to_list() == [dt.date(2024, 4, 1)] and none["nps"][0] is None


def test_by_segment_uses_segment_order_and_a_null_group() -> None:
    fb = feedback(
        [
            ("a", ts(1), 10, 5, False),
            ("b", ts(2), 3, 2, True),
            ("z", ts(3), 9, 5, False),  # never bought: no segment
            (None, ts(4), 8, 4, False),  # unidentified: no segment
        ]
    )
    segments = pl.DataFrame(
        {"customer_id": ["a", "b", "q"], "segment": ["Lost", "Champions", "Loyal"]}
    )
    out = satisfaction(fb, as_of="2024-01-31", by="segment", segments=segments)
    assert out["segment"].to_list() == ["Champions", "Loyal", "Lost", None]
    assert out["nps_answers"].to_list() == [1, 0, 1, 2]
    assert out["nps"].to_list() == [-100.0, None, 100.0, 50.0]
    assert out["complaint_base"].to_list() == [
        1,
        0,
        1,
        1,
    ]  # the unidentified answer is not a customer
    assert [s for s in out["segment"].drop_nulls()] == [
        s for s in SEGMENT_NAMES if s in {"Champions", "Loyal", "Lost"}
    ]


def test_by_segment_needs_segments() -> None:
    with pytest.raises(ValueError, match="by='segment' needs segments="):
        satisfaction(ten_answers(), as_of="2024-01-31", by="segment")
    with pytest.raises(ValueError, match="'segment'"):
        satisfaction(
            ten_answers(),
            as_of="2024-01-31",
            by="segment",
            segments=pl.DataFrame({"customer_id": ["a"]}),
        )


# ------------------------------------------------------------------------------------ adversarial


def test_no_answers_give_zero_counts_and_null_scores() -> None:
    out = satisfaction(ten_answers().clear(), as_of="2024-01-31")
    assert out.height == 1
    row = out.row(0, named=True)
    assert row["nps_answers"] == row["csat_answers"] == row["complaint_base"] == 0
    assert all(row[c] is None for c in ("nps", "nps_low", "csat", "csat_mean", "complaint_rate"))
    assert satisfaction(ten_answers().clear(), as_of="2024-01-31", by="channel").is_empty()


def test_all_null_nps_answers() -> None:
    fb = feedback([("a", ts(1), None, 4, False), ("b", ts(2), None, None, None)])
    row = satisfaction(fb, as_of="2024-01-31").row(0, named=True)
    assert row["nps_answers"] == 0 and row["nps"] is None and row["nps_low"] is None
    assert row["csat_answers"] == 1 and row["csat"] == 1.0
    assert row["complaint_base"] == 1 and row["complaint_rate"] == 0.0  # b's flag is empty


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nps": 11}, "nps outside 0–10"),
        ({"csat": 0}, "csat outside 1–5"),
    ],
)
def test_out_of_range_answers_are_refused(change: dict[str, int], message: str) -> None:
    fb = ten_answers().with_columns(**{k: pl.lit(v, pl.Int64) for k, v in change.items()})
    with pytest.raises(ValueError, match=message):
        satisfaction(fb, as_of="2024-01-31")


def test_bad_arguments_say_what_to_do() -> None:
    with pytest.raises(ValueError, match="no column 'complaint'"):
        satisfaction(ten_answers().drop("complaint"), as_of="2024-01-31")
    with pytest.raises(ValueError, match="by='week' should be None or one of"):
        satisfaction(ten_answers(), as_of="2024-01-31", by="week")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"confidence=1\.5"):
        satisfaction(ten_answers(), as_of="2024-01-31", confidence=1.5)
    with pytest.raises(ValueError, match="as_of='31/01/2024' is not a date"):
        satisfaction(ten_answers(), as_of="31/01/2024")
    with pytest.raises(TypeError, match="Date or Datetime"):
        satisfaction(ten_answers().with_columns(pl.col("ts").cast(pl.String)), as_of="2024-01-31")
    with pytest.raises(ValueError, match="interactions frame has no column 'type'"):
        satisfaction(
            ten_answers(),
            as_of="2024-01-31",
            interactions=interactions([("a", ts(1), "call")]).drop("type"),
        )


# ------------------------------------------------------------------------------------ unhappy


def values() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],
            "total_spend": [900.0, 800.0, 700.0, 700.0, 50.0, 40.0, 30.0, 20.0, 10.0, 0.0],
            "segment": ["Champions"] * 4 + ["Lost"] * 6,
            "email": ["x@example.com"] * 10,  # contact data must not come out
        }
    )


def test_unhappy_high_value_by_hand() -> None:
    fb = feedback(
        [
            ("a", ts(1), 3, 2, False),
            ("a", ts(9), 10, 5, False),  # a's latest answer is a promoter: not a detractor
            ("b", ts(2), 10, 5, False),
            ("b", ts(3), 6, 3, False),  # b's latest NPS answer is 6: detractor
            ("b", ts(4), None, 4, False),  # later feedback without NPS
            ("d", ts(5), 9, 4, True),  # d complained (and is tied at the boundary with c)
            ("e", ts(6), 0, 1, True),  # e is unhappy but not high value
            ("c", ts(5, month=2), 0, 1, True),  # after as_of
        ]
    )
    inter = interactions([("c", ts(7), "complaint"), ("b", ts(8), "complaint")])
    out = unhappy_high_value(fb, values(), as_of="2024-01-31", interactions=inter, top_share=0.3)
    expected = pl.DataFrame(
        {
            "customer_id": ["b", "c", "d"],
            "value": [800.0, 700.0, 700.0],
            "segment": ["Champions"] * 3,
            "last_nps": [6, None, 9],
            "complaints": [1, 1, 1],
            "last_feedback_ts": [ts(4), None, ts(5)],
            "reason": ["both", "complaint", "complaint"],
        },
        schema_overrides={"last_nps": pl.Int64, "last_feedback_ts": pl.Datetime("us", "UTC")},
    )
    assert_frame_equal(out, expected)
    assert out.columns == list(UNHAPPY_COLUMNS)
    assert "email" not in out.columns


def test_unhappy_top_share_counts_customers_with_positive_value() -> None:
    fb = feedback([(c, ts(1), 0, 1, False) for c in "abcdefghij"])
    # 9 customers with a positive value; top 20 % = ⌈1.8⌉ = 2
    out = unhappy_high_value(fb, values().drop("segment"), as_of="2024-01-31")
    assert out["customer_id"].to_list() == ["a", "b"]
    assert "segment" not in out.columns
    everyone = unhappy_high_value(fb, values(), as_of="2024-01-31", top_share=1.0)
    assert everyone.height == 9  # j spent nothing


def test_unhappy_adversarial() -> None:
    assert unhappy_high_value(ten_answers().clear(), values(), as_of="2024-01-31").is_empty()
    assert unhappy_high_value(ten_answers(), values().clear(), as_of="2024-01-31").is_empty()
    with pytest.raises(ValueError, match="top_share=0"):
        unhappy_high_value(ten_answers(), values(), as_of="2024-01-31", top_share=0)
    with pytest.raises(ValueError, match="values frame has no column 'net'"):
        unhappy_high_value(ten_answers(), values(), as_of="2024-01-31", value_col="net")


# ------------------------------------------------------------------------------------ charts


def test_charts_build_in_both_languages_from_real_output() -> None:
    fb = ten_answers()
    by_channel = satisfaction(fb, as_of="2024-01-31", by="channel")
    monthly = satisfaction(fb, as_of="2024-03-31", by="month")
    for lang in ("zh", "en"):
        spec = nps_chart(by_channel, group="channel", lang=lang).to_dict()
        assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rule", "errorbar", "point"]
        for measure in ("nps", "csat", "complaint_rate"):
            trend = satisfaction_trend_chart(monthly, measure=measure, lang=lang).to_dict()
            rows = next(iter(trend["datasets"].values()))
            assert len(rows) == 3
        mix = nps_mix_chart(by_channel, group="channel", lang=lang).to_dict()
        shares = [r["share"] for r in next(iter(mix["datasets"].values()))]
        assert shares == pytest.approx([0.5, 0.3, 0.2])
        complaint_rate_chart(by_channel, group="channel", lang=lang).to_dict()
    zh = nps_chart(by_channel, group="channel", lang="zh").to_dict()
    assert zh["layer"][1]["encoding"]["x"]["title"] == "净推荐值 NPS"
    # survey is a known channel token: its label is translated
    labels = [r["label"] for rows in zh["datasets"].values() for r in rows if "label" in r]
    assert labels == ["问卷调查"]


def test_charts_refuse_frames_without_the_columns() -> None:
    with pytest.raises(ValueError, match="nps_chart needs the columns"):
        nps_chart(pl.DataFrame({"channel": ["x"]}))
    with pytest.raises(ValueError, match="measure='mean'"):
        satisfaction_trend_chart(pl.DataFrame(), measure="mean")  # type: ignore[arg-type]
