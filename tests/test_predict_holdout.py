"""Tests for cimlab.predict.holdout: a hand-computed split on a tiny frame, the split against
lifetimes' calibration_and_holdout_data on CDNOW, and the published CDNOW holdout anchors of
BG/NBD (Fader, Hardie & Lee 2005) through a small adapter around lifetimes' fitters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest
from numpy.typing import NDArray
from polars.testing import assert_frame_equal

from cimlab.predict.holdout import (
    CalibrationHoldout,
    HoldoutEvaluation,
    calibration_holdout,
    choose_model,
    evaluate_holdout,
)
from tests.test_rfm import _lifetimes_file, lines

CALIBRATION_END = dt.date(1997, 9, 30)
HOLDOUT_END = dt.date(1998, 6, 30)

# --------------------------------------------------------------------------------------------
# A tiny frame, by hand
# --------------------------------------------------------------------------------------------


def _ts(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2024, 1, day, hour, tzinfo=dt.UTC)


def _tiny() -> pl.DataFrame:
    rows = [
        # a: purchase days 1 and 6 in the calibration (4 Jan is reversed the same day);
        # 12 and 15 Jan in the holdout (15 Jan: 8 paid, 3 back, net 5 > 0); the credit note
        # of 18 Jan alone is no purchase
        ("a", _ts(1), 10.0, "paid"),
        ("a", _ts(4), 20.0, "paid"),
        ("a", _ts(4, 5), -20.0, "refunded"),
        ("a", _ts(6), 30.0, "paid"),
        ("a", _ts(12), 5.0, "paid"),
        ("a", _ts(15), 8.0, "paid"),
        ("a", _ts(15, 1), -3.0, "refunded"),
        ("a", _ts(18), -4.0, "refunded"),
        # b: a positive cancelled line in the calibration (never a sale), first bought 14 Jan
        ("b", _ts(5), 50.0, "cancelled"),
        ("b", _ts(14), 9.0, "paid"),
        ("b", _ts(16), 3.0, "paid"),
        # c: 10 Jan 17:00 UTC is 11 Jan 01:00 in Shanghai (after the calibration end there)
        ("c", _ts(10, 17), 12.0, "paid"),
        # d: only a pending line, no purchase anywhere
        ("d", _ts(3), 7.0, "pending"),
    ]
    return lines(*rows)


def _split(zone: str = "UTC") -> CalibrationHoldout:
    return calibration_holdout(
        _tiny(),
        calibration_end="2024-01-10",
        holdout_end="2024-01-20",
        time_unit="day",
        time_zone=zone,
    )


def test_tiny_split_by_hand() -> None:
    split = _split()
    expected = pl.DataFrame(
        {
            "customer_id": ["a", "c"],
            "frequency_cal": [1, 0],
            "recency_cal": [5.0, 0.0],
            "T_cal": [9.0, 0.0],
            "monetary_value_cal": [30.0, 0.0],
            "frequency_holdout": [2, 0],
            "duration_holdout": [10.0, 10.0],
        }
    )
    assert_frame_equal(split.summary, expected)
    lazy = calibration_holdout(
        _tiny().lazy(), calibration_end="2024-01-10", holdout_end="2024-01-20", time_unit="day"
    )
    assert_frame_equal(lazy.summary, expected)
    assert_frame_equal(lazy.new_in_holdout, split.new_in_holdout)
    # b first bought in the holdout: reported with its holdout purchase days, not dropped
    assert split.new_in_holdout.rows() == [("b", dt.date(2024, 1, 14), 2)]
    assert "1 first bought in the holdout" in split.report()
    assert split.duration == 10.0
    assert split.purchases.rows() == [
        ("a", dt.date(2024, 1, 1)),
        ("a", dt.date(2024, 1, 6)),
        ("a", dt.date(2024, 1, 12)),
        ("a", dt.date(2024, 1, 15)),
        ("c", dt.date(2024, 1, 10)),
    ]
    assert split.calibration().columns == [
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
    ]


def test_tiny_split_time_zone_moves_a_purchase_into_the_holdout() -> None:
    split = _split("Asia/Shanghai")
    assert split.summary["customer_id"].to_list() == ["a"]
    assert split.new_in_holdout.rows() == [
        ("b", dt.date(2024, 1, 14), 2),
        ("c", dt.date(2024, 1, 11), 1),
    ]


def test_calibration_is_the_same_without_the_later_lines() -> None:
    cut = _tiny().filter(pl.col("order_ts") < _ts(11))
    alone = calibration_holdout(
        cut, calibration_end="2024-01-10", holdout_end="2024-01-20", time_unit="day"
    )
    assert_frame_equal(
        alone.summary.drop("frequency_holdout"), _split().summary.drop("frequency_holdout")
    )


def test_split_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="should be before holdout_end"):
        calibration_holdout(_tiny(), calibration_end="2024-01-10", holdout_end="2024-01-10")
    with pytest.raises(ValueError, match="calendar week can straddle"):
        calibration_holdout(
            _tiny(),
            calibration_end="2024-01-10",
            holdout_end="2024-01-20",
            time_unit="calendar_week",
        )


class Steady:
    """A toy model: ``rate`` purchases per time unit for everybody (easy to compute by hand)."""

    def __init__(self, rate: float, code: str = "steady") -> None:
        self.rate = rate
        self.code = code

    def expected_purchases(self, t: float, summary: pl.DataFrame) -> NDArray[np.float64]:
        return np.full(summary.height, self.rate * t)

    def expected_purchases_new(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.rate * np.asarray(t, dtype=np.float64)


def test_evaluation_by_hand() -> None:
    result = evaluate_holdout(Steady(0.1), _split(), max_frequency=1)
    # a: actual 2, predicted 1; c: actual 0, predicted 1
    assert (result.model, result.customers, result.actual, result.predicted) == (
        "steady",
        2,
        2.0,
        2.0,
    )
    assert result.error_pct == 0.0 and result.mae == 1.0 and result.rmse == 1.0
    assert result.correlation is None  # the predictions are constant
    assert result.conditional_expectation.rows() == [("0", 1, 0.0, 1.0), ("1+", 1, 2.0, 1.0)]
    # periods are days from 1 Jan (a's first purchase; c's is 10 Jan) to 20 Jan
    tracking = result.tracking
    assert tracking.height == 20
    assert tracking["period_end"][0] == dt.date(2024, 1, 1)
    assert tracking["period_end"][-1] == dt.date(2024, 1, 20)
    repeat_days = tracking.filter(pl.col("actual") > 0)["period_end"].to_list()
    assert repeat_days == [dt.date(2024, 1, d) for d in (6, 12, 15)]
    # expected: 0.1 per day for a from 2 Jan (19 days) and for c from 11 Jan (10 days)
    assert tracking["cumulative_predicted"][-1] == pytest.approx(0.1 * (19 + 10))
    assert tracking["predicted"][1] == pytest.approx(0.1)
    assert tracking["predicted"][10] == pytest.approx(0.2)
    assert tracking["cumulative_actual"][-1] == 3.0


def test_evaluation_refuses_non_finite_predictions() -> None:
    with pytest.raises(ValueError, match="non-finite values"):
        evaluate_holdout(Steady(float("nan")), _split())


def test_choose_model_explains_the_margin() -> None:
    split = _split()
    slow, fast = evaluate_holdout(Steady(0.1), split), evaluate_holdout(Steady(0.15, "fast"), split)
    # slow: |1-2|, |1-0| -> MAE 1.0; fast: |1.5-2|, |1.5-0| -> MAE 1.0 as well: a tie
    tie = choose_model([slow, fast])
    assert tie.model == "steady" and "tied with fast" in tie.explanation
    sharp = evaluate_holdout(ByFrequency(), split)  # a: 2 for 2, c: 0 for 0 -> MAE 0
    choice = choose_model([slow, sharp, fast])
    assert choice.model == "by_frequency" and choice.evaluation is sharp
    assert choice.ranking["model"].to_list() == ["by_frequency", "steady", "fast"]
    assert choice.explanation.startswith(
        "by_frequency has the lowest holdout MAE (mean absolute error per customer of holdout "
        "purchases): 0.000, 1.000 (100.0 %) below the next best, steady (1.000)."
    )
    with pytest.raises(ValueError, match="unique"):
        choose_model([slow, slow])
    with pytest.raises(ValueError, match="empty"):
        choose_model([])
    other = evaluate_holdout(Steady(0.1), _split("Asia/Shanghai"), name="other")
    with pytest.raises(ValueError, match="different splits"):
        choose_model([slow, other])


class ByFrequency(Steady):
    """A toy model: twice the calibration frequency in the holdout."""

    def __init__(self) -> None:
        super().__init__(0.1, "by_frequency")

    def expected_purchases(self, t: float, summary: pl.DataFrame) -> NDArray[np.float64]:
        return 2.0 * summary["frequency"].to_numpy().astype(np.float64)


# --------------------------------------------------------------------------------------------
# CDNOW: lifetimes and the published anchors
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    """CDNOW_sample.txt: the 2,357 customers of Fader, Hardie & Lee (2005), 6,919 transactions."""
    rows = [line.split() for line in _lifetimes_file("CDNOW_sample.txt").splitlines() if line]
    frame = pl.DataFrame(
        rows, schema=["customer_id", "ID", "date", "cds", "dollars"], orient="row"
    ).with_columns(pl.col("date").str.to_date("%Y%m%d"), pl.col("dollars").cast(pl.Float64))
    assert frame.height == 6_919 and frame["customer_id"].n_unique() == 2_357
    return frame


@pytest.fixture(scope="module")
def cdnow_split(sample: pl.DataFrame) -> CalibrationHoldout:
    return calibration_holdout(
        sample,
        calibration_end=CALIBRATION_END,
        holdout_end=HOLDOUT_END,
        time_unit="week",
        time_col="date",
        amount_col="dollars",
        status_col=None,
    )


class LifetimesAdapter:
    """The purchase-model contract around a lifetimes fitter (pandas stays in here)."""

    def __init__(self, fitter: Any, code: str) -> None:
        self.fitter = fitter
        self.code = code

    def fit(self, summary: pl.DataFrame) -> LifetimesAdapter:
        self.fitter.fit(
            summary["frequency"].to_numpy(), summary["recency"].to_numpy(), summary["T"].to_numpy()
        )
        return self

    def expected_purchases(self, t: float, summary: pl.DataFrame) -> NDArray[np.float64]:
        return np.asarray(
            self.fitter.conditional_expected_number_of_purchases_up_to_time(
                t,
                summary["frequency"].to_numpy(),
                summary["recency"].to_numpy(),
                summary["T"].to_numpy(),
            ),
            dtype=np.float64,
        )

    def expected_purchases_new(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(self.fitter.expected_number_of_purchases_up_to_time(t), dtype=np.float64)


@pytest.fixture(scope="module")
def bgnbd(cdnow_split: CalibrationHoldout) -> LifetimesAdapter:
    import setuptools  # noqa: F401  (lifetimes imports pkg_resources)
    from lifetimes import BetaGeoFitter

    return LifetimesAdapter(BetaGeoFitter(), "bgnbd").fit(cdnow_split.calibration())


def test_cdnow_split_equals_lifetimes(
    sample: pl.DataFrame, cdnow_split: CalibrationHoldout
) -> None:
    import setuptools  # noqa: F401  (lifetimes imports pkg_resources)
    from lifetimes.utils import calibration_and_holdout_data

    # lifetimes is given the transactions with a positive value: the 8 free CDs ($0) of the
    # sample are each their customer's only transaction, so by the purchase-day rule those 8
    # customers never bought (2,349 customers, not 2,357); no holdout purchase is free
    paying = sample.filter(pl.col("dollars") > 0)
    theirs = calibration_and_holdout_data(
        paying.to_pandas(),
        "customer_id",
        "date",
        calibration_period_end=str(CALIBRATION_END),
        observation_period_end=str(HOLDOUT_END),
        freq="D",
        freq_multiplier=7,
        monetary_value_col="dollars",
    )
    theirs_pl = pl.from_pandas(theirs.reset_index()).sort("customer_id")
    ours = cdnow_split.summary
    assert ours.height == theirs_pl.height == 2_349
    exact = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    assert_frame_equal(
        ours.select("customer_id", *exact).with_columns(pl.col("^frequency_.*$").cast(pl.Float64)),
        theirs_pl.select("customer_id", *exact),
        check_exact=True,
    )
    diff = (ours["monetary_value_cal"] - theirs_pl["monetary_value_cal"]).abs().max()
    assert diff < 1e-12  # type: ignore[operator]
    # everybody joined in the first 12 weeks of 1997: nobody is new in the holdout
    assert cdnow_split.new_in_holdout.height == 0


def test_cdnow_bgnbd_holdout_anchors(
    cdnow_split: CalibrationHoldout, bgnbd: LifetimesAdapter
) -> None:
    """Fader, Hardie & Lee (2005): 1,882 actual repeat purchases in weeks 40-78; BG/NBD
    predicts 1,653 (−12.1 %), MAE 0.786. The actual count is the same by the purchase-day rule.
    The predicted total is 1,653.38 here (1,653.41 on all 2,357 customers) and the MAE 0.7879
    (0.7855 on the 2,357): the 8 free-CD customers, no buyers by the rule, are not in the
    calibration cohort (each had 0 holdout purchases and a prediction of 0.20-0.25 from
    frequency 0 and T of 28-36 weeks, below the mean error, which they lowered)."""
    params = bgnbd.fitter.params_
    assert [round(params[k], 2) for k in ("r", "alpha", "a", "b")] == [0.24, 4.42, 0.79, 2.42]
    result = evaluate_holdout(bgnbd, cdnow_split)
    assert result.customers == 2_349 and result.duration == 39.0
    assert result.actual == 1_882.0
    assert result.predicted == pytest.approx(1_653.4, abs=0.5)
    assert result.error_pct == pytest.approx(-12.1, abs=0.05)
    assert result.mae == pytest.approx(0.786, abs=0.003)
    assert result.rmse == pytest.approx(np.sqrt(np.mean(_errors(bgnbd, cdnow_split) ** 2)))
    assert result.correlation is not None and 0.5 < result.correlation < 0.8

    table = result.conditional_expectation
    assert table["frequency_cal"].to_list() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["customers"].sum() == 2_349
    assert table["customers"][0] == 1_403  # one-time buyers in the calibration (1,411 − 8 free)
    weighted = (table["actual"] * table["customers"]).sum()
    assert weighted == pytest.approx(1_882.0)
    # the model follows the data: mean holdout purchases rise with calibration frequency
    assert table["predicted"].is_sorted() and table["actual"][0] < table["actual"][-1]


def _errors(model: LifetimesAdapter, split: CalibrationHoldout) -> NDArray[np.float64]:
    cal = split.calibration()
    return model.expected_purchases(39.0, cal) - split.summary["frequency_holdout"].to_numpy()


def test_cdnow_tracking_curve(cdnow_split: CalibrationHoldout, bgnbd: LifetimesAdapter) -> None:
    tracking = evaluate_holdout(bgnbd, cdnow_split).tracking
    assert tracking.height == 78  # 1997-01-01 .. 1998-06-30 in weeks
    assert tracking["period_end"][38] == CALIBRATION_END
    assert tracking["period_end"][-1] == HOLDOUT_END
    holdout = tracking.filter(pl.col("period") > 39)
    assert holdout["actual"].sum() == 1_882.0
    calibration_repeats = cdnow_split.summary["frequency_cal"].sum()
    assert tracking["cumulative_actual"][38] == calibration_repeats
    # independently: the sum over customers of E[X(t - s_i)] at the holdout end, per customer
    first = cdnow_split.purchases.group_by("customer_id").agg(pl.col("day").min())
    age = first.select((pl.lit(HOLDOUT_END) - pl.col("day")).dt.total_days() / 7)
    expected = bgnbd.fitter.expected_number_of_purchases_up_to_time(age.to_series().to_numpy())
    assert tracking["cumulative_predicted"][-1] == pytest.approx(float(np.sum(expected)))
    # the fit tracks the calibration period closely (within 3 % at week 39)
    assert tracking["cumulative_predicted"][38] == pytest.approx(calibration_repeats, rel=0.03)


def test_cdnow_choose_model(cdnow_split: CalibrationHoldout, bgnbd: LifetimesAdapter) -> None:
    import setuptools  # noqa: F401  (lifetimes imports pkg_resources)
    from lifetimes import ModifiedBetaGeoFitter

    mbg = LifetimesAdapter(ModifiedBetaGeoFitter(), "mbgnbd").fit(cdnow_split.calibration())
    evaluations: list[HoldoutEvaluation] = [
        evaluate_holdout(bgnbd, cdnow_split),
        evaluate_holdout(mbg, cdnow_split),
    ]
    choice = choose_model(evaluations)
    best, runner = sorted(evaluations, key=lambda e: e.mae)
    assert choice.model == best.model and choice.evaluation is best
    assert choice.ranking["model"].to_list() == [best.model, runner.model]
    assert f"{best.mae:.3f}" in choice.explanation
    assert f"{runner.mae - best.mae:.3f}" in choice.explanation
    assert "holdout MAE" in choice.explanation


def test_cdnow_with_the_predict_models(
    cdnow_split: CalibrationHoldout, bgnbd: LifetimesAdapter
) -> None:
    """cimlab's own models through the same validation: BG/NBD agrees with the lifetimes
    adapter; Pareto/NBD meets its published anchors (1,666 predicted, −11.5 %, MAE 0.755; here
    1,665.1 and MAE 0.757 on the 2,349 paying customers, see the BG/NBD test for why) and wins
    the choice on holdout MAE."""
    from cimlab.predict.purchases import BetaGeoModel, ParetoNBDModel

    calibration = cdnow_split.calibration()
    ours = evaluate_holdout(BetaGeoModel().fit(calibration), cdnow_split)
    reference = evaluate_holdout(bgnbd, cdnow_split)
    assert ours.model == "bgnbd"
    assert ours.predicted == pytest.approx(reference.predicted, rel=1e-4)
    assert ours.mae == pytest.approx(reference.mae, rel=1e-4)
    pareto = evaluate_holdout(ParetoNBDModel().fit(calibration), cdnow_split)
    assert pareto.model == "pareto"
    assert pareto.predicted == pytest.approx(1_666.0, abs=2.0)
    assert pareto.error_pct == pytest.approx(-11.5, abs=0.1)
    assert pareto.mae == pytest.approx(0.755, abs=0.003)
    choice = choose_model([ours, pareto])
    assert choice.model == "pareto"
    assert "0.031 (3.9 %) below the next best, bgnbd (0.788)" in choice.explanation


def test_a_tie_to_rounding_keeps_the_first_model_given() -> None:
    """MBG/CNBD-k at k = 1 is MBG/NBD up to rounding: a difference in the 12th decimal is no
    reason to pick the later, more complex model."""
    empty = pl.DataFrame()

    def ev(name: str, mae: float) -> HoldoutEvaluation:
        return HoldoutEvaluation(name, 10, 39.0, 20.0, 18.0, -10.0, mae, mae, 0.6, empty, empty)

    choice = choose_model([ev("mbgnbd", 1.529000000001), ev("mbgcnbd", 1.529)])
    assert choice.model == "mbgnbd"
    assert "tied with mbgcnbd" in choice.explanation
