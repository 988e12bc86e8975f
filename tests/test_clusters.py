"""Tests for cimlab.analytics.clusters and cimlab.charts.clusters: features by hand, the estimator on
well-separated blobs (k, stable labels, clone, predict, BIC), scikit-learn's estimator checks,
naming rules, adversarial inputs, the demo workspace and CDNOW."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_samples
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from cimlab.analytics.clusters import (
    DEFAULT_LOG_FEATURES,
    MIN_CUSTOMERS,
    CustomerClusters,
    _name_clusters,
    cluster_customers,
    customer_features,
)
from cimlab.charts.clusters import (
    cluster_k_chart,
    cluster_profile_chart,
    cluster_scatter_chart,
    feature_label,
)
from cimlab.i18n import cluster_label

UTC = dt.UTC
AS_OF = dt.date(2024, 3, 31)


def orders_frame(
    *rows: tuple[str | None, str, dt.datetime, float, str],
) -> pl.DataFrame:
    """Order lines ``(customer_id, channel, order_ts, amount, status)``."""
    return pl.DataFrame(
        rows,
        schema={
            "customer_id": pl.String,
            "channel": pl.String,
            "order_ts": pl.Datetime("us", "UTC"),
            "amount": pl.Float64,
            "status": pl.String,
        },
        orient="row",
    )


def ts(month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, tzinfo=UTC)


def feedback_frame(*rows: tuple[str | None, dt.datetime, int | None, int | None, bool | None]):  # type: ignore[no-untyped-def]
    return pl.DataFrame(
        rows,
        schema={
            "customer_id": pl.String,
            "ts": pl.Datetime("us", "UTC"),
            "nps": pl.Int64,
            "csat": pl.Int64,
            "complaint": pl.Boolean,
        },
        orient="row",
    )


# --------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------


def test_features_by_hand_with_spend_weighted_channel_shares() -> None:
    orders = orders_frame(
        ("a", "tmall", ts(1, 1), 30.0, "paid"),
        ("a", "jd", ts(1, 1, 18), 10.0, "paid"),  # same day: one purchase day
        ("a", "jd", ts(3, 1), 60.0, "paid"),
        ("a", "jd", ts(3, 1), 60.0, "refunded"),  # money back: not in shares or spend
        ("a", "wechat", ts(3, 2), 99.0, "cancelled"),  # ignored
        ("b", "wechat", ts(3, 30), 10.0, "paid"),
        ("b", "tmall", ts(3, 30), 0.0, "paid"),  # a free item: no share of the spend
        ("c", "tmall", ts(4, 1), 5.0, "paid"),  # after as_of
        ("d", "jd", ts(3, 3), 0.0, "paid"),  # only free items: no purchase, not a buyer
    )
    expected = pl.DataFrame(
        {
            "customer_id": ["a", "b"],
            "recency_days": [30.0, 1.0],
            "purchase_days": [2, 1],
            "total_spend": [100.0, 10.0],
            "monetary_value": [50.0, 10.0],
            "tenure_days": [90.0, 1.0],
            "share_jd": [70 / 100, 0.0],
            "share_tmall": [30 / 100, 0.0],
            "share_wechat": [0.0, 1.0],
        }
    )
    got = customer_features(orders, as_of=AS_OF)
    assert_frame_equal(got, expected)
    # total_spend nets the refund; shares use what was paid (before refunds)
    assert got.filter(pl.col("customer_id") == "a")["total_spend"].item() == 100.0


def test_features_in_weeks_and_without_a_channel_column() -> None:
    orders = orders_frame(("a", "jd", ts(3, 3), 7.0, "paid")).drop("channel")
    got = customer_features(orders, as_of=AS_OF, time_unit="week")
    assert got.columns == [
        "customer_id",
        "recency_weeks",
        "purchase_days",
        "total_spend",
        "monetary_value",
        "tenure_weeks",
    ]
    assert got.row(0) == ("a", 4.0, 1, 7.0, 7.0, 4.0)
    with pytest.raises(ValueError, match="time_unit='year'"):
        customer_features(orders, as_of=AS_OF, time_unit="year")  # type: ignore[arg-type]


def test_null_channels_are_shared_as_unknown() -> None:
    orders = orders_frame(("a", "jd", ts(3, 3), 30.0, "paid")).with_columns(
        channel=pl.lit(None, pl.String)
    )
    assert customer_features(orders, as_of=AS_OF)["share_unknown"].to_list() == [1.0]


def test_feedback_means_and_complaints_up_to_as_of() -> None:
    orders = orders_frame(
        ("a", "jd", ts(1, 5), 10.0, "paid"),
        ("b", "jd", ts(1, 5), 10.0, "paid"),
        ("c", "jd", ts(1, 5), 10.0, "paid"),
    )
    feedback = feedback_frame(
        ("a", ts(2, 1), 9, 5, False),
        ("a", ts(2, 2), 6, None, True),
        ("a", ts(2, 3), None, 3, True),
        ("a", ts(4, 1), 0, 1, True),  # after as_of: ignored
        ("b", ts(2, 1), None, None, None),  # an empty answer
        ("x", ts(2, 1), 0, 1, True),  # not a buyer
        (None, ts(2, 1), 0, 1, True),  # not matched to a customer
    )
    got = customer_features(orders, as_of=AS_OF, feedback=feedback)
    assert got.select("customer_id", "nps_mean", "csat_mean", "complaints").rows() == [
        ("a", 7.5, 4.0, 2),
        ("b", None, None, 0),
        ("c", None, None, 0),
    ]


def test_feedback_columns_appear_only_with_answers() -> None:
    orders = orders_frame(("a", "jd", ts(1, 5), 10.0, "paid"))
    only_nps = feedback_frame(("a", ts(2, 1), 8, None, None), ("a", ts(2, 2), 5, None, None))
    features = customer_features(orders, as_of=AS_OF, feedback=only_nps)
    assert features.columns[-1] == "nps_mean"
    assert features["nps_mean"].to_list() == [6.5]  # the mean of a's two answers
    late = feedback_frame(("a", ts(4, 2), 8, 4, True))
    assert "nps_mean" not in customer_features(orders, as_of=AS_OF, feedback=late).columns
    with pytest.raises(ValueError, match="no column 'ts'"):
        customer_features(orders, as_of=AS_OF, feedback=only_nps.drop("ts"))


def test_features_of_empty_and_all_cancelled_orders_are_empty() -> None:
    empty = customer_features(orders_frame(), as_of=AS_OF)
    assert empty.height == 0
    assert empty.columns[:6] == [
        "customer_id",
        "recency_days",
        "purchase_days",
        "total_spend",
        "monetary_value",
        "tenure_days",
    ]
    cancelled = orders_frame(("a", "jd", ts(1, 1), 5.0, "cancelled"))
    assert customer_features(cancelled, as_of=AS_OF).height == 0
    with pytest.raises(ValueError, match="no column 'status'"):
        customer_features(cancelled.drop("status"), as_of=AS_OF)


# --------------------------------------------------------------------------------------------
# The estimator on well-separated blobs
# --------------------------------------------------------------------------------------------


def blobs(n_per: int = 60, seed: int = 0, k: int = 3, dims: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = np.arange(k)[:, None] * 10.0 + np.zeros((k, dims))
    return np.vstack([rng.normal(c, 0.5, (n_per, dims)) for c in centers])


@pytest.mark.parametrize("criterion", ["silhouette", "bic"])
def test_recovers_k_on_blobs(criterion: str) -> None:
    X = blobs()
    model = CustomerClusters(criterion=criterion, log_features=()).fit(X)  # type: ignore[arg-type]
    assert model.n_clusters_ == 3
    assert sorted(np.bincount(model.labels_).tolist()) == [60, 60, 60]
    # each blob is one cluster
    for block in range(3):
        assert len(set(model.labels_[block * 60 : (block + 1) * 60])) == 1
    scores = model.k_scores_
    assert scores.columns == ["k", "score", "score_std", "wins", "chosen", "criterion"]
    assert scores["k"].to_list() == list(range(2, 9))
    assert scores.filter("chosen")["k"].to_list() == [3]
    # three far-apart blobs: k = 3 wins every bootstrap resample, the structure is strong
    assert scores["wins"].to_list() == [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert model.stability_ == 1.0 and (scores["score_std"] > 0).all()
    assert model.structure_ == "strong" and model.silhouette_ > 0.9
    assert not model.weak_structure_ and "Structure is weak" not in model.structure_note_
    assert model.structure_note_.startswith(f"k=3: mean silhouette {model.silhouette_:.2f}")
    best = scores["score"].min() if criterion == "bic" else scores["score"].max()
    assert scores.filter("chosen")["score"].item() == best
    assert np.array_equal(model.predict(X), model.labels_)
    assert np.allclose(np.sort(model.cluster_centers_[:, 0]), [0, 10, 20], atol=0.3)


def test_same_seed_same_labels_and_clusters_ordered_by_spend() -> None:
    rng = np.random.default_rng(3)
    spend = np.concatenate([rng.normal(100, 5, 50), rng.normal(5000, 50, 50)])
    days = np.concatenate([rng.normal(1, 0.01, 50), rng.normal(20, 0.5, 50)])
    frame = pl.DataFrame(
        {"customer_id": [f"c{i}" for i in range(100)], "total_spend": spend, "purchase_days": days}
    )
    first = CustomerClusters(random_state=7).fit(frame)
    second = CustomerClusters(random_state=7).fit(frame)
    assert np.array_equal(first.labels_, second.labels_)
    assert first.k_scores_.equals(second.k_scores_)
    assert_frame_equal(first.profiles_, second.profiles_)
    # cluster 0 is the most valuable whatever KMeans' own numbering
    assert first.labels_[50:].tolist() == [0] * 50
    other_seed = CustomerClusters(random_state=123).fit(frame)
    assert np.array_equal(other_seed.labels_, first.labels_)
    assert list(first.feature_names_in_) == ["total_spend", "purchase_days"]
    means = first.profiles_["total_spend"].to_list()
    assert means == sorted(means, reverse=True)


def test_clone_get_params_and_fit_predict() -> None:
    model = CustomerClusters(n_clusters=3, k_range=(2, 5), criterion="bic", random_state=4)
    params = model.get_params()
    assert params == {
        "n_clusters": 3,
        "k_range": (2, 5),
        "criterion": "bic",
        "random_state": 4,
        "log_features": DEFAULT_LOG_FEATURES,
        "sample_size": 5000,
        "n_init": 3,
        "n_resamples": 200,
    }
    copy = clone(model)
    assert copy is not model and copy.get_params() == params
    assert CustomerClusters().set_params(**params).get_params() == params
    X = blobs(n_per=30)
    labels = copy.fit_predict(X)
    assert np.array_equal(labels, copy.labels_)
    assert not hasattr(clone(copy), "labels_")  # clone gives an unfitted copy


def test_scikit_learn_estimator_checks_pass() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(CustomerClusters(), on_fail=None)
    failed = [(r["check_name"], repr(r["exception"])) for r in results if r["status"] == "failed"]
    assert failed == []
    assert sum(r["status"] == "passed" for r in results) > 40


def test_bootstrap_wins_and_spread_by_hand() -> None:
    # the paired bootstrap recomputes each k's mean silhouette from the rows' own silhouettes
    X = blobs(n_per=15, seed=2)
    model = CustomerClusters(k_range=(2, 4), log_features=(), n_resamples=50).fit(X)
    Z = StandardScaler().fit_transform(X)  # no log feature, no share: plain z-scores
    per_row = {
        k: silhouette_samples(Z, KMeans(k, n_init=3, random_state=0).fit(Z).labels_)
        for k in (2, 3, 4)
    }
    draws = np.random.RandomState(0).randint(0, len(X), size=(50, len(X)))
    boot = np.column_stack([per_row[k][draws].mean(axis=1) for k in (2, 3, 4)])
    assert model.k_scores_["score"].to_list() == pytest.approx(
        [per_row[k].mean() for k in (2, 3, 4)]
    )
    assert model.k_scores_["score_std"].to_list() == pytest.approx(
        boot.std(axis=0, ddof=1).tolist()
    )
    wins = np.bincount(boot.argmax(axis=1), minlength=3) / 50
    assert model.k_scores_["wins"].to_list() == wins.tolist()
    assert model.k_scores_["wins"].sum() == pytest.approx(1.0)
    off = CustomerClusters(k_range=(2, 4), log_features=(), n_resamples=0).fit(X)
    assert off.k_scores_["wins"].is_nan().all() and np.isnan(off.stability_)
    assert np.array_equal(off.labels_, model.labels_)  # resampling never changes the labels
    with pytest.raises(ValueError, match="n_resamples=-1"):
        CustomerClusters(n_resamples=-1).fit(X)


def test_uniform_noise_is_reported_as_weak_structure() -> None:
    # no groups at all: whatever k is chosen, the note says so
    X = np.random.default_rng(4).uniform(0, 1, (400, 2))
    model = CustomerClusters(log_features=()).fit(X)
    assert model.structure_ in ("weak", "none") and model.silhouette_ < 0.5
    assert model.weak_structure_
    assert "Structure is weak" in model.structure_note_
    assert f"in {model.stability_:.0%} of 200 bootstrap resamples" in model.structure_note_
    # a Gaussian mixture's choice is judged by the silhouette of its partition too
    bic = CustomerClusters(log_features=(), criterion="bic").fit(X)
    assert bic.weak_structure_ and "scored best by bic" in bic.structure_note_
    # a fixed k is no choice: stability 1, but the structure is still weak
    fixed = CustomerClusters(n_clusters=4, log_features=()).fit(X)
    assert fixed.stability_ == 1.0 and fixed.weak_structure_
    assert "bootstrap" not in fixed.structure_note_


def test_constant_features_are_left_out_before_scaling() -> None:
    rng = np.random.default_rng(5)
    n = 120
    big = np.arange(n) < n // 2
    frame = pl.DataFrame(
        {
            "recency_days": np.where(big, rng.uniform(5, 30, n), rng.uniform(200, 400, n)),
            "total_spend": np.where(big, rng.uniform(2000, 4000, n), rng.uniform(20, 60, n)),
            "complaints": np.zeros(n),  # nobody complained
            "nps_mean": [None] * n,  # nobody answered (imputed with 0: one value)
            "share_jd": np.where(big, 1.0, 0.0),
            "share_tmall": np.where(big, 0.0, 1.0),
            "share_wechat": np.zeros(n),  # a channel nobody bought in
        },
        schema_overrides={"nps_mean": pl.Float64},
    )
    model = CustomerClusters(random_state=0).fit(frame)
    assert model.dropped_features_ == ["complaints", "nps_mean", "share_wechat"]
    assert "constant features left out: complaints, nps_mean, share_wechat" in model.structure_note_
    # two channel shares remain: each weighs 1/sqrt(2), not 1/sqrt(3)
    assert model.weights_.tolist() == pytest.approx([1, 1, 1, 1, 2**-0.5, 2**-0.5, 1])
    kept = CustomerClusters(random_state=0).fit(
        frame.drop("complaints", "nps_mean", "share_wechat")
    )
    assert np.array_equal(model.labels_, kept.labels_)
    assert model.k_scores_.drop("criterion").equals(kept.k_scores_.drop("criterion"))
    # centres still cover every feature (a constant one at its value), and predict agrees
    assert model.cluster_centers_.shape == (model.n_clusters_, 7)
    assert model.cluster_centers_[:, 2].tolist() == [0.0] * model.n_clusters_
    assert np.array_equal(model.predict(frame), model.labels_)
    assert "complaints" in model.profiles_.columns


def test_durations_are_not_logged_by_default() -> None:
    assert "recency_*" not in DEFAULT_LOG_FEATURES and "tenure_*" not in DEFAULT_LOG_FEATURES
    assert {"purchase_days", "total_spend", "monetary_value"} <= set(DEFAULT_LOG_FEATURES)


def test_k_is_chosen_on_a_sample_when_there_are_many_customers() -> None:
    X = blobs(n_per=400, k=4)
    model = CustomerClusters(sample_size=300, k_range=(2, 6), log_features=()).fit(X)
    assert model.n_clusters_ == 4
    assert np.array_equal(model.predict(X), model.labels_)
    assert sorted(np.bincount(model.labels_).tolist()) == [400] * 4
    bic = CustomerClusters(sample_size=300, criterion="bic", log_features=()).fit(X)
    assert bic.n_clusters_ == 4 and np.array_equal(bic.predict(X), bic.labels_)


def test_missing_values_are_imputed_with_medians_and_log_features_clip_negatives() -> None:
    frame = pl.DataFrame(
        {
            "total_spend": [-5.0, 10.0, 12.0, 1000.0, 1100.0, 1200.0],
            "nps_mean": [None, 9.0, 9.0, 2.0, None, 3.0],
        }
    )
    model = CustomerClusters(n_clusters=2).fit(frame)
    assert model.medians_.tolist() == [506.0, 6.0]
    assert model.labels_.tolist() == [1, 1, 1, 0, 0, 0]
    again = model.predict(frame.with_columns(pl.col("nps_mean").fill_null(float("nan"))))
    assert again.tolist() == model.labels_.tolist()
    # profiles average observed values only
    assert model.profiles_.filter(cluster=0)["nps_mean"].item() == 2.5
    # the centre of a log feature is back in money units (a geometric-type mean, ≥ 0)
    assert 900 < model.cluster_centers_[0, 0] < 1200 and model.cluster_centers_[1, 0] >= 0


def test_profiles_and_names_are_consistent() -> None:
    model = CustomerClusters(log_features=()).fit(blobs())
    profiles = model.profiles_
    assert profiles.columns[:4] == ["cluster", "name", "customers", "share"]
    assert profiles["customers"].sum() == 180
    assert profiles["share"].sum() == pytest.approx(1.0)
    assert profiles["name"].to_list() == [model.names_[c] for c in range(3)]
    # an array has no known features: generic names (codes; labels at the edge)
    assert profiles["name"].to_list() == ["cluster_1", "cluster_2", "cluster_3"]
    assert [cluster_label(c, "en") for c in profiles["name"]] == [
        "Cluster 1",
        "Cluster 2",
        "Cluster 3",
    ]
    assert cluster_label("cluster_2", "zh") == "第 2 群"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"criterion": "gap"}, "criterion='gap'"),
        ({"k_range": (1, 4)}, "2 <= smallest <= largest"),
        ({"k_range": (5, 3)}, "2 <= smallest <= largest"),
        ({"k_range": "big"}, "k_range='big'"),
        ({"n_clusters": 0}, "n_clusters=0"),
        ({"sample_size": 10}, "sample_size=10"),
    ],
)
def test_bad_parameters_are_refused_in_fit(params: dict[str, object], message: str) -> None:
    model = CustomerClusters(**params)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        model.fit(blobs(n_per=10))


def test_too_few_distinct_customers_are_refused() -> None:
    same = np.ones((30, 3))
    with pytest.raises(ValueError, match="1 distinct customers"):
        CustomerClusters().fit(same)
    with pytest.raises(ValueError, match="n_samples=1"):
        CustomerClusters().fit(np.ones((1, 3)))
    three = np.array([[0.0], [1.0], [2.0]])
    assert CustomerClusters(k_range=(2, 8)).fit(three).n_clusters_ == 2  # only k=2 is possible
    with pytest.raises(ValueError, match="n_clusters=3"):
        CustomerClusters(n_clusters=3).fit(three)


def test_predict_needs_the_fitted_columns() -> None:
    frame = pl.DataFrame({"a": [0.0, 0.1, 5.0, 5.1], "b": [1.0, 1.1, 9.0, 9.2]})
    model = CustomerClusters(n_clusters=2, log_features=()).fit(frame)
    with pytest.raises(ValueError, match="X has no column b"):
        model.predict(frame.drop("b"))
    assert model.predict(frame.select("b", "a")).tolist() == model.labels_.tolist()
    assert model.predict(frame.to_numpy()).tolist() == model.labels_.tolist()
    with pytest.raises(ValueError, match="no numeric feature columns"):
        CustomerClusters().fit(pl.DataFrame({"customer_id": ["a", "b"]}))


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


def segment_features(seed: int = 0) -> pl.DataFrame:
    """Three obvious groups of 40: high-value loyal, lapsed one-timers, recent newcomers."""
    rng = np.random.default_rng(seed)

    def group(prefix: str, recency: float, days: float, spend: float, tenure: float):  # type: ignore[no-untyped-def]
        n = 40
        return pl.DataFrame(
            {
                "customer_id": [f"{prefix}{i:02d}" for i in range(n)],
                "recency_days": rng.normal(recency, recency * 0.05, n),
                "purchase_days": np.maximum(1, np.round(rng.normal(days, days * 0.05, n))),
                "total_spend": rng.normal(spend, spend * 0.05, n),
                "monetary_value": rng.normal(spend / days, spend / days * 0.05, n),
                "tenure_days": rng.normal(tenure, tenure * 0.05, n),
            }
        )

    return pl.concat(
        [
            group("h", 10, 15, 5000, 600),
            group("l", 500, 1, 80, 500),
            group("n", 12, 1, 90, 14),
        ]
    )


def test_clusters_are_named_by_the_rules() -> None:
    model = CustomerClusters(n_clusters=3).fit(segment_features())
    assert model.profiles_.select("name", "customers").rows() == [
        ("high_value_loyal", 40),
        ("newcomers", 40),
        ("lapsed_one_timers", 40),
    ]
    assert [labels(c) for c in model.profiles_["name"]] == [
        ("High-value loyal", "高价值忠诚客户"),
        ("Recent newcomers", "近期新客"),
        ("Lapsed one-timers", "流失的一次性客户"),
    ]


NAMED = [
    "recency_days",
    "purchase_days",
    "total_spend",
    "monetary_value",
    "tenure_days",
    "share_tmall",
    "share_jd",
    "nps_mean",
]
MEANS = np.array([100, 3, 600, 100, 300, 0.5, 0.5, 7.5])


def labels(code: str) -> tuple[str, str]:
    """A name code read in English and 中文 (:func:`cimlab.i18n.cluster_label`)."""
    return cluster_label(code, "en"), cluster_label(code, "zh")


def name_of(z: dict[str, float] | None = None, **center: float) -> tuple[str, str]:
    """The name of one cluster, in English and 中文: ``center`` in original units (defaults: an
    average customer bought twice, NPS 8, no lead channel), ``z`` on the model's scale (default
    0)."""
    values = {"purchase_days": 2.0, "nps_mean": 8.0, "share_tmall": 0.5, "share_jd": 0.5}
    values |= center
    row = np.array([[values.get(n, 1.0) for n in NAMED]])
    zrow = np.array([[(z or {}).get(n, 0.0) for n in NAMED]])
    return labels(_name_clusters(row, zrow, NAMED, MEANS)[0])


@pytest.mark.parametrize(
    ("center", "z", "name"),
    [
        ({"nps_mean": 6.0, "purchase_days": 3}, {}, ("Unhappy regulars", "不满意的常客")),
        ({"nps_mean": 3.0, "purchase_days": 1}, {}, ("Unhappy customers", "不满意的客户")),
        (
            {"purchase_days": 3},
            {"total_spend": 0.5, "purchase_days": 0.1, "recency_days": -0.1},
            ("High-value loyal", "高价值忠诚客户"),
        ),
        (
            {"purchase_days": 3},
            {"total_spend": 0.5, "purchase_days": 0.1, "recency_days": 0.1},
            ("High-value at risk", "高价值流失风险客户"),
        ),
        ({"purchase_days": 1}, {"total_spend": 0.5}, ("Big-ticket buyers", "大额客户")),
        ({}, {"recency_days": -0.1, "tenure_days": -0.5}, ("Recent newcomers", "近期新客")),
        (
            {},
            {"recency_days": -0.1, "tenure_days": -0.4},
            ("Recent occasional buyers", "近期偶购客户"),
        ),
        (
            {"purchase_days": 2},
            {"purchase_days": 0.1, "recency_days": -0.1},
            ("Active regulars", "活跃常客"),
        ),
        ({"purchase_days": 2}, {"purchase_days": 0.1}, ("Fading regulars", "渐冷常客")),
        ({"purchase_days": 1.4}, {"purchase_days": 0.1}, ("Lapsed one-timers", "流失的一次性客户")),
        ({}, {"monetary_value": -0.5}, ("Occasional bargain buyers", "偶尔购买的低价客户")),
        ({}, {}, ("Occasional buyers", "偶尔购买的客户")),
        ({"share_tmall": 0.9, "share_jd": 0.1}, {}, ("Tmall-first", "天猫为主客户")),
        (
            {"share_tmall": 0.1, "share_jd": 0.9},
            {"recency_days": -1},
            ("Recent JD.com-first buyers", "近期京东为主客户"),
        ),
        ({"share_tmall": 0.72, "share_jd": 0.28}, {}, ("Tmall-first", "天猫为主客户")),
        ({"share_tmall": 0.65, "share_jd": 0.35}, {}, ("Occasional buyers", "偶尔购买的客户")),
        ({"share_tmall": 0.55, "share_jd": 0.45}, {}, ("Occasional buyers", "偶尔购买的客户")),
    ],
)
def test_each_naming_rule(
    center: dict[str, float], z: dict[str, float], name: tuple[str, str]
) -> None:
    assert name_of(z, **center) == name


def test_repeated_names_get_the_channel_then_a_number() -> None:
    names = ["recency_days", "purchase_days", "share_tmall", "share_jd"]
    means = np.array([100, 3, 0.5, 0.5])
    centers = np.array(
        [
            [10, 5, 0.9, 0.1],  # active regulars, Tmall-led
            [10, 5, 0.1, 0.9],  # active regulars, JD-led
            [10, 5, 0.5, 0.5],  # active regulars
            [10, 6, 0.5, 0.5],  # active regulars again
        ]
    )
    z = np.tile([-1.0, 1.0, 0.0, 0.0], (4, 1))
    codes = _name_clusters(centers, z, names, means)
    assert codes == [
        "active_regulars:tmall",
        "active_regulars:jd",
        "active_regulars",
        "active_regulars#2",
    ]
    got = [labels(c) for c in codes]
    assert [en for en, _ in got] == [
        "Active regulars · Tmall-first",
        "Active regulars · JD.com-first",
        "Active regulars",
        "Active regulars (2)",
    ]
    assert got[0][1] == "活跃常客（天猫为主）" and got[3][1] == "活跃常客（2）"


# --------------------------------------------------------------------------------------------
# cluster_customers, adversarial inputs
# --------------------------------------------------------------------------------------------


def test_cluster_customers_refuses_too_few_customers() -> None:
    one = orders_frame(("a", "jd", ts(1, 1), 5.0, "paid"))
    with pytest.raises(ValueError, match=f"at least {MIN_CUSTOMERS} customers.*found 1"):
        cluster_customers(one, as_of=AS_OF)
    with pytest.raises(ValueError, match="found 0"):
        cluster_customers(orders_frame(), as_of=AS_OF)
    cancelled = orders_frame(*((f"c{i}", "jd", ts(1, 1), 5.0, "cancelled") for i in range(30)))
    with pytest.raises(ValueError, match="found 0"):
        cluster_customers(cancelled, as_of=AS_OF)


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------


def test_charts_from_a_fit() -> None:
    features = segment_features()
    model = CustomerClusters(n_clusters=3).fit(features)
    k_spec = cluster_k_chart(model.k_scores_, lang="en").to_dict()
    assert k_spec["layer"][0]["encoding"]["y"]["title"] == "Silhouette (higher is better)"
    # the bootstrap spread is drawn as a bar of +- one s.d., and wins are in the tooltip
    bar = k_spec["layer"][1]
    assert bar["mark"]["type"] == "rule" and bar["encoding"]["y2"]["field"] == "high"
    tips = [tip["field"] for tip in k_spec["layer"][0]["encoding"]["tooltip"]]
    assert tips[-2:] == ["score_std", "wins"]
    plain = cluster_k_chart(model.k_scores_.select("k", "score", "chosen"), lang="en")
    assert len(plain.to_dict()["layer"]) == 2
    profile = cluster_profile_chart(model.profiles_, lang="zh").to_dict()
    heat = profile["layer"][0]
    # a column per cluster, a row per feature (the chart grows downwards on a phone)
    assert heat["encoding"]["x"]["sort"] == ["高价值忠诚客户", "近期新客", "流失的一次性客户"]
    assert heat["encoding"]["y"]["sort"][0] == "距上次购买天数"
    rows = next(iter(profile["datasets"].values()))
    assert all(-3 <= r["z"] <= 3 for r in rows)
    spend = {r["cluster_label"]: r for r in rows if r["feature"] == "total_spend"}
    assert spend["高价值忠诚客户"]["z"] > 0 > spend["流失的一次性客户"]["z"]
    assigned = features.with_columns(
        cluster=pl.Series(model.labels_, dtype=pl.Int64),
        cluster_name=pl.Series([model.names_[c] for c in model.labels_]),
    )
    scatter = cluster_scatter_chart(assigned, x="recency_days", y="total_spend", lang="en")
    spec = scatter.to_dict()
    assert spec["encoding"]["y"]["scale"]["type"] == "symlog"
    assert spec["encoding"]["color"]["sort"][0] == "High-value loyal"
    assert spec["encoding"]["x"]["title"] == "Days since last purchase"


def test_scatter_draws_at_most_5000_points_the_same_each_time() -> None:
    n = 6000
    frame = pl.DataFrame(
        {
            "recency_days": np.arange(n, dtype=float),
            "total_spend": np.arange(n, dtype=float),
            "cluster": np.arange(n) % 3,
            "cluster_name": ["x"] * n,
        }
    )
    one = next(iter(cluster_scatter_chart(frame, lang="en").to_dict()["datasets"].values()))
    two = next(iter(cluster_scatter_chart(frame, lang="zh").to_dict()["datasets"].values()))
    assert len(one) == 5000 and one == two
    with pytest.raises(ValueError, match="needs the columns"):
        cluster_scatter_chart(frame, x="tenure_days", lang="en")
    assert feature_label("share_douyin", "en") == "Share: Douyin shop"
    assert feature_label("whatever", "zh") == "whatever"


# --------------------------------------------------------------------------------------------
# Real data: the demo workspace and CDNOW
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from cimlab.analytics.facts import customer_data
    from cimlab.demo import build_demo_workspace
    from cimlab.workspace import Workspace

    root = tmp_path_factory.mktemp("clusters_demo")
    build_demo_workspace(Path(root / "ws"), Path(root / "files"), people=300)
    return customer_data(Workspace.open(root / "ws"))


def test_demo_workspace_clusters(demo, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    as_of = dt.date(2026, 6, 30)
    assigned, model = cluster_customers(demo.orders, as_of=as_of, feedback=demo.feedback)
    features = customer_features(demo.orders, as_of=as_of, feedback=demo.feedback)
    assert assigned.columns == [*features.columns, "cluster", "cluster_name"]
    assert {"share_tmall", "share_wechat", "nps_mean", "csat_mean"} <= set(features.columns)
    assert 2 <= model.n_clusters_ <= 8
    assert model.profiles_["name"].is_unique().all()
    assert len({cluster_label(c, "zh") for c in model.profiles_["name"]}) == model.n_clusters_
    assert assigned["cluster"].n_unique() == model.n_clusters_
    # the demo's people differ in behaviour (loyal, one-time, lapsed, new...): clusters follow it,
    # not the channel mix (unweighted share columns gave three "<channel>-first" clusters here)
    names = [cluster_label(code, "en") for code in model.names_.values()]
    assert sum(name.endswith("-first") for name in names) <= 1
    again, _ = cluster_customers(demo.orders, as_of=as_of, feedback=demo.feedback)
    assert_frame_equal(assigned, again)
    _, bic_model = cluster_customers(
        demo.orders, as_of=as_of, feedback=demo.feedback, criterion="bic"
    )
    assert bic_model.k_scores_["criterion"].unique().to_list() == ["bic"]
    for chart in (
        cluster_k_chart(model.k_scores_, lang="zh"),
        cluster_profile_chart(model.profiles_, lang="en"),
        cluster_scatter_chart(assigned, x="recency_days", y="total_spend", lang="zh"),
    ):
        chart.to_dict()  # validates against the Vega-Lite schema
    with capsys.disabled():
        print(
            f"\n[demo] {assigned.height} buyers, k={model.n_clusters_} (silhouette): "
            f"{list(model.names_.values())}; bic k={bic_model.n_clusters_}"
        )


PLANTED_PEOPLE = 2000


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The demo's clusters and each buyer's planted behaviour (``_truth/people.csv``), found
    through the buyer's source ids (``_truth/identities.csv``)."""
    from cimlab.analytics.facts import customer_data
    from cimlab.customers.source_ids import SOURCE_IDS_SEPARATOR, with_source_ids
    from cimlab.demo import build_demo_workspace
    from cimlab.workspace import Workspace

    root = tmp_path_factory.mktemp("clusters_planted")
    build_demo_workspace(root / "ws", root / "files", people=PLANTED_PEOPLE)
    ws = Workspace.open(root / "ws")
    data = customer_data(ws)
    features = customer_features(
        data.orders, as_of="2026-06-30", feedback=data.feedback, time_zone=data.time_zone
    )
    model = CustomerClusters(random_state=0).fit(features)
    truth = root / "files" / "_truth"
    ids = pl.read_csv(truth / "identities.csv", infer_schema=False)
    people = pl.read_csv(truth / "people.csv", infer_schema=False)
    key = ["channel", "source_customer_id"]
    behaviour = (
        with_source_ids(features.select("customer_id"), ws)
        .with_columns(pl.col("source_ids").str.split(SOURCE_IDS_SEPARATOR))
        .explode("source_ids")
        .with_columns(
            pl.col("source_ids").str.split_exact(":", 1).struct.rename_fields(key).struct.unnest()
        )
        .join(ids.select("person_id", *key).unique(), on=key)
        .join(people.select("person_id", "behaviour"), on="person_id")
        .group_by("customer_id")
        .agg(pl.col("behaviour").unique())
    )
    assigned = features.with_columns(cluster=pl.Series(model.labels_, dtype=pl.Int64)).join(
        behaviour, on="customer_id", how="left", maintain_order="left"
    )
    return features, model, assigned


def test_demo_planted_behaviours_are_recovered_as_far_as_the_features_show_them(
    planted,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import adjusted_rand_score
    from sklearn.model_selection import cross_val_predict

    features, model, assigned = planted
    # identity resolution put every buyer's records of one person together, and only them
    assert assigned["behaviour"].list.len().to_list() == [1] * assigned.height
    truth = assigned["behaviour"].list.first().to_numpy()
    labels = assigned["cluster"].to_numpy()
    ari = adjusted_rand_score(truth, labels)
    # the six behaviours overlap in these features (a regular of four channels buys as often
    # as a loyal buyer of one; a regular with one order in the window is a one-time buyer by
    # every feature; won-back differs by a gap no feature measures): a classifier trained on
    # the behaviours is the ceiling any clustering can reach here
    X = features.select(model.feature_names_in_.tolist()).fill_null(strategy="mean").to_numpy()
    trained = cross_val_predict(HistGradientBoostingClassifier(random_state=0), X, truth, cv=3)
    ceiling = adjusted_rand_score(truth, trained)
    assert 0.2 < ceiling < 0.45
    assert 3 <= model.n_clusters_ <= 6
    assert ari >= 0.15 and ari >= 0.5 * ceiling
    # logging recency and tenure (the pre-0.2 default) agreed less with the planted behaviours
    old = CustomerClusters(log_features=("recency_*", "tenure_*", *DEFAULT_LOG_FEATURES)).fit(
        features
    )
    assert adjusted_rand_score(truth, old.labels_) < ari
    # what the features do show is found, each in a cluster of its own: the new (joined in
    # the last 90 days), the lapsed (no order for 380+ days) and the loyal (4x the order rate)
    home = {}
    for kind in ("new", "lapsed", "loyal"):
        counts = np.bincount(labels[truth == kind], minlength=model.n_clusters_)
        home[kind] = int(counts.argmax())
        assert counts.max() >= 0.75 * counts.sum(), (kind, counts)
    assert len(set(home.values())) == 3
    profile = model.profiles_
    assert home["new"] == profile["tenure_days"].arg_min()
    assert home["lapsed"] == profile["recency_days"].arg_max()
    assert home["loyal"] == profile["purchase_days"].arg_max()
    # and it is said how weak the structure is, with the stability of the choice
    assert model.structure_ in ("weak", "none") and model.weak_structure_
    assert model.stability_ >= 0.5
    with capsys.disabled():
        print(
            f"\n[demo, {PLANTED_PEOPLE} people] {assigned.height} buyers: k={model.n_clusters_}, "
            f"ARI {ari:.3f} (trained classifier {ceiling:.3f}; logged durations "
            f"{adjusted_rand_score(truth, old.labels_):.3f}); {model.structure_note_}"
        )


@pytest.fixture(scope="module")
def cdnow_orders() -> pl.DataFrame:
    """CDNOW master (shipped in lifetimes) as order lines: every line is a paid purchase."""
    path = importlib.resources.files("lifetimes") / "datasets" / "CDNOW_master.txt"
    rows = [line.split() for line in path.read_text().splitlines()[1:] if line.strip()]
    frame = pl.DataFrame(rows, schema=["customer_id", "date", "cds", "dollars"], orient="row")
    return frame.select(
        "customer_id",
        order_ts=pl.col("date").str.to_date("%Y%m%d").cast(pl.Datetime("us", "UTC")),
        amount=pl.col("dollars").cast(pl.Float64),
        status=pl.lit("paid"),
    )


def test_cdnow_clusters(cdnow_orders: pl.DataFrame, capsys: pytest.CaptureFixture[str]) -> None:
    assert cdnow_orders.height == 69_659
    started = time.perf_counter()
    assigned, model = cluster_customers(cdnow_orders, as_of="1998-06-30")
    elapsed = time.perf_counter() - started
    # a buyer has a day of positive spend (every CDNOW line is paid): 68 of the 23,570
    # customers only ever got free CDs ($0 lines), so 23,502 buyers
    buyers = cdnow_orders.filter(pl.col("amount") > 0)["customer_id"].n_unique()
    assert assigned.height == buyers == 23_502
    assert cdnow_orders["customer_id"].n_unique() == 23_570
    assert 2 <= model.n_clusters_ <= 8
    assert model.dropped_features_ == []
    assert model.structure_note_.startswith(f"k={model.n_clusters_}: mean silhouette")
    assert model.profiles_["name"].is_unique().all()
    assert np.array_equal(model.predict(assigned), model.labels_)
    # cluster 0 has the highest mean spend, and most CDNOW customers bought once
    spend = model.profiles_["total_spend"].to_list()
    assert spend == sorted(spend, reverse=True)
    assert (assigned["purchase_days"] == 1).sum() > assigned.height / 2
    with capsys.disabled():
        print(
            f"\n[CDNOW] {assigned.height} customers, k={model.n_clusters_} in {elapsed:.1f} s: "
            + "; ".join(
                f"{r['name']} ({r['customers']})" for r in model.profiles_.iter_rows(named=True)
            )
        )


def test_channel_mix_weighs_as_one_feature_so_behaviour_decides() -> None:
    # 240 customers: half frequent big spenders, half small one-timers, each buying in one of
    # four channels; the four channel shares together weigh as one feature (1/sqrt(4) each)
    rng = np.random.default_rng(3)
    n = 240
    big = np.arange(n) < n // 2
    channel = rng.integers(0, 4, n)
    frame = pl.DataFrame(
        {
            "recency_days": np.where(big, rng.uniform(5, 30, n), rng.uniform(200, 400, n)),
            "purchase_days": np.where(big, rng.integers(8, 15, n), 1),
            "total_spend": np.where(big, rng.uniform(2000, 4000, n), rng.uniform(20, 60, n)),
            **{f"share_c{c}": (channel == c).astype(float) for c in range(4)},
        }
    )
    model = CustomerClusters(n_clusters=2, random_state=0).fit(frame)
    assert model.weights_.tolist() == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]
    assert set(model.labels_[big]) == {0} and set(model.labels_[~big]) == {1}
    # two customers alike but for their channel are 1/sqrt(4) as far apart as unweighted
    a, b = model._scaled(frame[[0, 1]].to_numpy().astype(float))
    z = model.scaler_.transform(frame[[0, 1]].to_numpy().astype(float))
    channel_gap = np.linalg.norm((z[0] - z[1])[3:])
    assert np.linalg.norm((a - b)[3:]) == pytest.approx(channel_gap / 2)
