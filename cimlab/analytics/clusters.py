"""Behavioural customer clusters: features per buyer, a scikit-learn clusterer, named clusters.

Features (:func:`customer_features`)
------------------------------------
One row per buyer (a customer with at least one purchase day up to ``as_of``, the rule of
:mod:`cimlab.analytics.rfm`): ``recency_days`` (days since the last purchase day), ``purchase_days``,
``total_spend`` (net of refunds), ``monetary_value`` (mean net spend per purchase day) and
``tenure_days`` (days since the first purchase day, ``T``); with ``time_unit="week"`` or
``"month"`` the two durations are ``recency_weeks``/``tenure_weeks`` or ``..._months``.

* **Channel mix** ``share_<channel>``: the share of the customer's **paid spend** (amounts of
  ``paid`` lines up to ``as_of``, before refunds; negative paid amounts count 0) spent in each
  channel; a customer whose paid lines add up to 0 (free items) is split by the number of paid
  lines instead. Shares of a customer add up to 1. One column per channel with a paid line
  (null channels are ``share_unknown``); absent when the orders have no ``channel`` column.
* **Satisfaction** (when ``feedback`` is given): ``nps_mean`` and ``csat_mean`` (mean of the
  customer's answers up to ``as_of``; null without answers) and ``complaints`` (feedback rows
  flagged as complaints; 0 without). Each column is present only when at least one buyer has
  such an answer.

Clustering (:class:`CustomerClusters`)
--------------------------------------
Missing values are imputed with the **median of the fitted population** (a customer without a
survey answer is treated as a typical one), money, count and duration features are
``log1p``-transformed (negatives clipped to 0 first; ``log_features``), everything is
standardised, and the ``share_<channel>`` columns are weighted ``1/sqrt(m)`` (``m`` channels) so
the channel mix as a whole weighs as much as one behavioural feature (without it, four or five
channel columns outvote recency, frequency and spend and clusters become "X-first" groups);
then KMeans (fixed ``n_init``) runs for each k of ``k_range`` and the k with the
highest mean **silhouette** wins (ties go to the smaller k). ``criterion="bic"`` fits a Gaussian
mixture (full covariance) per k and keeps the one with the **lowest BIC**; its labels are the
most likely components. With more than ``sample_size`` (5,000) customers, k is chosen on a
seeded random sample of that size (silhouette costs grow with the square of the rows); the
chosen KMeans is then refitted on everyone from the sample's centres, while the chosen mixture
(a density model) labels everyone as fitted on the sample. Clusters
are numbered by descending mean ``total_spend`` (cluster 0 is the most valuable; without
``total_spend``, by descending size), so the same data and ``random_state`` give the same labels.

Cluster names (rules)
---------------------
A cluster is described by its centre compared with the whole fitted population. The centre is
read on the model's own scale as ``z`` (standard deviations from the population average after
the ``log1p`` transform, so for money, counts and days the average is a geometric-type mean);
absolute thresholds apply where they have a meaning of their own (purchase days, NPS, CSAT).
The first matching rule names the cluster:

===  ==========================================================  ==========================
 #   Centre                                                      Name (中文)
===  ==========================================================  ==========================
 1   NPS ≤ 6 or CSAT ≤ 3 or ≥ 0.5 complaints, not one-time        Unhappy regulars (不满意的常客)
 2   the same, one-time                                          Unhappy customers (不满意的客户)
 3   high value, frequent, recent                                High-value loyal (高价值忠诚客户)
 4   high value, frequent, not recent                            High-value at risk (高价值流失风险客户)
 5   high value                                                  Big-ticket buyers (大额客户)
 6   recent and tenure z ≤ −0.5                                  Recent newcomers (近期新客)
 7   frequent and recent                                         Active regulars (活跃常客)
 8   frequent                                                    Fading regulars (渐冷常客)
 9   one-time and not recent                                     Lapsed one-timers (流失的一次性客户)
10   monetary value z ≤ −0.5                                     Occasional bargain buyers (偶尔购买的低价客户)
11   recent                                                      Recent occasional buyers (近期偶购客户)
12   otherwise                                                   Occasional buyers (偶尔购买的客户)
===  ==========================================================  ==========================

*high value* = total spend z ≥ 0.5; *frequent* = at least 2 purchase days and purchase-days
z > 0; *recent* = recency z < 0; *one-time* = fewer than 1.5 purchase days. A cluster is
**channel-led** when one channel's share at its centre is ≥ 0.6 and at least 0.2 above that
channel's population mean share: rules 11 and 12 then read "Recent Tmall-first buyers" /
"Tmall-first" (近期天猫为主客户 / 天猫为主客户). Names are unique within a fit: a repeated name
gets its lead channel (" · Tmall-first", "（天猫为主）"), then a number (" (2)", "（2）").
Rules whose features are absent do not match; without any known feature a cluster is
"Cluster 1" (第 1 群).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = np.vstack([rng.normal(0, 0.1, (30, 2)), rng.normal(5, 0.1, (30, 2))])
>>> model = CustomerClusters(k_range=(2, 4), log_features=()).fit(X)
>>> model.n_clusters_, sorted(np.bincount(model.labels_).tolist())
(2, [30, 30])
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import math
from typing import Any, Literal, cast

import numpy as np
import polars as pl
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted
from threadpoolctl import threadpool_limits

from cimlab.analytics.rfm import customer_summary
from cimlab.dates import day_of, to_date
from cimlab.i18n import channel_label

__all__ = [
    "DEFAULT_LOG_FEATURES",
    "MIN_CUSTOMERS",
    "CustomerClusters",
    "cluster_customers",
    "customer_features",
]

DateLike = dt.date | dt.datetime | str
TimeUnit = Literal["day", "week", "month"]

#: Features (``fnmatch`` patterns) that are ``log1p``-transformed before scaling.
DEFAULT_LOG_FEATURES: tuple[str, ...] = (
    "recency_*",
    "tenure_*",
    "purchase_days",
    "total_spend",
    "monetary_value",
    "complaints",
)

#: Fewest buyers :func:`cluster_customers` accepts.
MIN_CUSTOMERS = 20

_SMALL = 50_000  # fewer rows than this: fit on one thread
_UNIT_SUFFIX = {"day": "days", "week": "weeks", "month": "months"}
_NOT_FEATURES = {"customer_id", "cluster", "cluster_name", "cluster_name_zh"}


# --------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------


def _require(frame: pl.DataFrame, columns: list[str], table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"the {table} frame has no column {', '.join(map(repr, missing))}; columns are "
            f"{', '.join(frame.columns) or 'none'}. Use cimlab.analytics.facts.customer_data(ws).{table}."
        )


def _channel_shares(orders: pl.DataFrame, day: dt.date, time_zone: str) -> pl.DataFrame:
    paid = orders.lazy().filter(
        pl.col("customer_id").is_not_null()
        & (pl.col("status") == "paid")
        & (
            day_of("order_ts", orders.schema["order_ts"], time_zone=time_zone, table="orders")
            <= day
        )
    )
    per = (
        paid.group_by(
            pl.col("customer_id").cast(pl.String),
            pl.col("channel").cast(pl.String).fill_null("unknown"),
        )
        .agg(spend=pl.col("amount").clip(lower_bound=0).sum(), lines=pl.len())
        .with_columns(
            total=pl.col("spend").sum().over("customer_id"),
            all_lines=pl.col("lines").sum().over("customer_id"),
        )
        .select(
            "customer_id",
            pl.format("share_{}", "channel").alias("channel"),
            share=pl.when(pl.col("total") > 0)
            .then(pl.col("spend") / pl.col("total"))
            .otherwise(pl.col("lines") / pl.col("all_lines"))
            .cast(pl.Float64),
        )
        .collect()
    )
    channels = sorted(per["channel"].unique().to_list())
    return per.pivot(on="channel", on_columns=channels, index="customer_id", values="share")


def _feedback_features(feedback: pl.DataFrame, day: dt.date, time_zone: str) -> pl.DataFrame:
    _require(feedback, ["customer_id", "ts"], "feedback")
    answers = feedback.filter(
        pl.col("customer_id").is_not_null()
        & (day_of("ts", feedback.schema["ts"], time_zone=time_zone, table="feedback") <= day)
    )
    aggs: list[pl.Expr] = []
    if "nps" in answers.columns:
        aggs.append(pl.col("nps").cast(pl.Float64).mean().alias("nps_mean"))
    if "csat" in answers.columns:
        aggs.append(pl.col("csat").cast(pl.Float64).mean().alias("csat_mean"))
    if "complaint" in answers.columns:
        aggs.append(pl.col("complaint").cast(pl.Int64).sum().alias("complaints"))
        aggs.append(pl.col("complaint").count().alias("_complaint_answers"))
    return answers.group_by(pl.col("customer_id").cast(pl.String)).agg(aggs)


def customer_features(
    orders: pl.DataFrame,
    *,
    as_of: DateLike,
    feedback: pl.DataFrame | None = None,
    time_unit: TimeUnit = "day",
    time_zone: str = "UTC",
) -> pl.DataFrame:
    """Behavioural features, one row per buyer up to ``as_of`` (definitions in the module doc).

    Parameters
    ----------
    orders
        Order lines with ``customer_id, order_ts, amount, status`` (and ``channel`` for the
        channel mix), as :func:`cimlab.analytics.facts.customer_data` gives them.
    as_of
        The analysis date (that day included).
    feedback
        Optional ``customer_id, ts, nps, csat, complaint`` rows.
    time_unit
        Unit of recency and tenure: ``"day"`` (columns ``recency_days``, ``tenure_days``),
        ``"week"`` or ``"month"`` (``recency_weeks``... ``tenure_months``).
    time_zone
        Time zone whose calendar days count.

    Returns
    -------
    pl.DataFrame
        ``customer_id, recency_days, purchase_days, total_spend, monetary_value, tenure_days``,
        then ``share_<channel>`` (sorted by channel), then ``nps_mean, csat_mean, complaints``
        when available; sorted by ``customer_id``.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a", "a", "b"], "channel": ["jd", "tmall", "jd"],
    ...     "order_ts": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 5), dt.datetime(2024, 1, 9)],
    ...     "amount": [30.0, 10.0, 5.0], "status": ["paid", "paid", "paid"]})
    >>> customer_features(orders, as_of="2024-01-10").rows()
    [('a', 5.0, 2, 40.0, 20.0, 9.0, 0.75, 0.25), ('b', 1.0, 1, 5.0, 5.0, 1.0, 1.0, 0.0)]
    """
    if time_unit not in _UNIT_SUFFIX:
        raise ValueError(f"time_unit={time_unit!r} should be one of {', '.join(_UNIT_SUFFIX)}.")
    if isinstance(orders, pl.LazyFrame):
        orders = orders.collect()
    _require(orders, ["customer_id", "order_ts", "amount", "status"], "orders")
    day = to_date(as_of, time_zone=time_zone)
    unit = _UNIT_SUFFIX[time_unit]
    summary = customer_summary(
        orders, as_of=day, time_unit=time_unit, time_zone=time_zone, monetary="mean"
    )
    features = summary.select(
        pl.col("customer_id").cast(pl.String),
        pl.col("since_last").alias(f"recency_{unit}"),
        "purchase_days",
        "total_spend",
        "monetary_value",
        pl.col("T").alias(f"tenure_{unit}"),
    )
    if "channel" in orders.columns:
        shares = _channel_shares(orders, day, time_zone)
        share_cols = [c for c in shares.columns if c != "customer_id"]
        features = features.join(shares, on="customer_id", how="left").with_columns(
            pl.col(share_cols).fill_null(0.0)
        )
    if feedback is not None:
        fb = _feedback_features(feedback, day, time_zone)
        joined = features.join(fb, on="customer_id", how="left")
        keep = []
        if "nps_mean" in fb.columns and joined["nps_mean"].is_not_null().any():
            keep.append(pl.col("nps_mean"))
        if "csat_mean" in fb.columns and joined["csat_mean"].is_not_null().any():
            keep.append(pl.col("csat_mean"))
        if "complaints" in fb.columns and (joined["_complaint_answers"].fill_null(0) > 0).any():
            keep.append(pl.col("complaints").fill_null(0).cast(pl.Int64))
        features = joined.select(*features.columns, *keep)
    return features.sort("customer_id")


# --------------------------------------------------------------------------------------------
# Estimator
# --------------------------------------------------------------------------------------------

_NAMES: dict[str, tuple[str, str]] = {
    "unhappy_regulars": ("Unhappy regulars", "不满意的常客"),
    "unhappy": ("Unhappy customers", "不满意的客户"),
    "high_value_loyal": ("High-value loyal", "高价值忠诚客户"),
    "high_value_at_risk": ("High-value at risk", "高价值流失风险客户"),
    "big_ticket": ("Big-ticket buyers", "大额客户"),
    "newcomers": ("Recent newcomers", "近期新客"),
    "active_regulars": ("Active regulars", "活跃常客"),
    "fading_regulars": ("Fading regulars", "渐冷常客"),
    "lapsed_one_timers": ("Lapsed one-timers", "流失的一次性客户"),
    "bargain": ("Occasional bargain buyers", "偶尔购买的低价客户"),
    "recent_occasional": ("Recent occasional buyers", "近期偶购客户"),
    "occasional": ("Occasional buyers", "偶尔购买的客户"),
}


def _feature(names: list[str], prefix: str) -> int | None:
    for i, name in enumerate(names):
        if name == prefix or (prefix.endswith("_") and name.startswith(prefix)):
            return i
    return None


def _rule(center: np.ndarray, z: np.ndarray, names: list[str]) -> str | None:
    """The first matching naming rule (a key of ``_NAMES``), None without known features.

    ``center`` is in original units, ``z`` the same centre on the model's scale.
    """
    idx = {
        key: _feature(names, key)
        for key in (
            "recency_",
            "tenure_",
            "purchase_days",
            "total_spend",
            "monetary_value",
            "nps_mean",
            "csat_mean",
            "complaints",
        )
    }
    if all(i is None for i in idx.values()):
        return None

    def value(key: str, *, scaled: bool = False) -> float | None:
        i = idx[key]
        return None if i is None else float((z if scaled else center)[i])

    def at_most(key: str, limit: float, *, scaled: bool = False) -> bool:
        v = value(key, scaled=scaled)
        return v is not None and v <= limit

    def at_least(key: str, limit: float, *, scaled: bool = False) -> bool:
        v = value(key, scaled=scaled)
        return v is not None and v >= limit

    unhappy = at_most("nps_mean", 6.0) or at_most("csat_mean", 3.0) or at_least("complaints", 0.5)
    one_time = at_most("purchase_days", 1.5 - 1e-9)
    frequent = at_least("purchase_days", 2.0) and at_least("purchase_days", 1e-9, scaled=True)
    recent = at_most("recency_", -1e-9, scaled=True)
    high = at_least("total_spend", 0.5, scaled=True)
    if unhappy:
        return "unhappy" if one_time else "unhappy_regulars"
    if high and frequent:
        return "high_value_loyal" if recent else "high_value_at_risk"
    if high:
        return "big_ticket"
    if recent and at_most("tenure_", -0.5, scaled=True):
        return "newcomers"
    if frequent:
        return "active_regulars" if recent else "fading_regulars"
    if one_time and value("recency_") is not None and not recent:
        return "lapsed_one_timers"
    if at_most("monetary_value", -0.5, scaled=True):
        return "bargain"
    return "recent_occasional" if recent else "occasional"


def _lead_channel(center: np.ndarray, names: list[str], means: np.ndarray) -> str | None:
    best: tuple[float, str] | None = None
    for i, name in enumerate(names):
        if not name.startswith("share_"):
            continue
        share, mean = float(center[i]), float(means[i])
        if share >= 0.6 and share >= mean + 0.2 and (best is None or share > best[0]):
            best = (share, name.removeprefix("share_"))
    return None if best is None else best[1]


def _name_clusters(
    centers: np.ndarray, centers_z: np.ndarray, names: list[str], means: np.ndarray
) -> list[tuple[str, str]]:
    """English and 中文 names of clusters from their centres (rules in the module docstring).

    ``centers`` in original units, ``centers_z`` on the model's scale, ``means`` the population
    means of the features.
    """
    out: list[tuple[str, str]] = []
    channels: list[str | None] = []
    for k, (center, z) in enumerate(zip(centers, centers_z, strict=True)):
        rule = _rule(center, z, names)
        channel = _lead_channel(center, names, means)
        channels.append(channel)
        if rule is None:
            out.append((f"Cluster {k + 1}", f"第 {k + 1} 群"))
        elif rule in ("occasional", "recent_occasional") and channel is not None:
            en, zh = channel_label(channel, "en"), channel_label(channel, "zh")
            if rule == "occasional":
                out.append((f"{en}-first", f"{zh}为主客户"))
            else:
                out.append((f"Recent {en}-first buyers", f"近期{zh}为主客户"))
        else:
            out.append(_NAMES[rule])
    # unique names: a repeated name gets its lead channel, then a number
    english = [en for en, _ in out]
    for k, (en, zh) in enumerate(out):
        channel = channels[k]
        if english.count(en) > 1 and channel is not None and "-first" not in en:
            out[k] = (
                f"{en} · {channel_label(channel, 'en')}-first",
                f"{zh}（{channel_label(channel, 'zh')}为主）",
            )
    seen: dict[str, int] = {}
    for k, (en, zh) in enumerate(out):
        seen[en] = seen.get(en, 0) + 1
        if seen[en] > 1:
            out[k] = (f"{en} ({seen[en]})", f"{zh}（{seen[en]}）")
    return out


class CustomerClusters(ClusterMixin, BaseEstimator):
    """Cluster customers on log-scaled behavioural features; k chosen by silhouette or BIC.

    See the module docstring for the pipeline, the label order and the naming rules.

    Parameters
    ----------
    n_clusters
        Fixed number of clusters; None chooses k in ``k_range`` by ``criterion``.
    k_range
        ``(smallest, largest)`` k tried (both included).
    criterion
        ``"silhouette"`` (KMeans, highest mean silhouette) or ``"bic"`` (Gaussian mixture,
        lowest BIC).
    random_state
        Seed of KMeans / the mixture and of the silhouette sample.
    log_features
        Names (``fnmatch`` patterns) of features to ``log1p`` (negatives clipped to 0).
    sample_size
        Customers on which k is chosen (a seeded sample when there are more).
    n_init
        KMeans restarts per k (the mixture uses 1).

    Attributes
    ----------
    n_clusters_ : int
    labels_ : ndarray of shape (n_samples,)
    k_scores_ : pl.DataFrame
        ``k, score, chosen, criterion`` (one row per k tried).
    cluster_centers_ : ndarray of shape (n_clusters_, n_features_in_)
        Centres in original feature units (log features back-transformed with ``expm1``).
    profiles_ : pl.DataFrame
        ``cluster, name, name_zh, customers, share`` and the mean of each feature (nulls
        ignored) per cluster.
    names_, names_zh_ : dict[int, str]
    feature_names_in_ : ndarray of str (only when fitted on a frame)
    n_features_in_ : int
    medians_ : ndarray
        Imputation values (population medians).
    scaler_ : StandardScaler
        Standardisation after imputation and ``log1p``.
    weights_ : ndarray
        Weight of each standardised feature: ``1/sqrt(m)`` for the ``m`` channel shares, else 1.
    model_ : KMeans or GaussianMixture
        The chosen model (its own label numbering; use :meth:`predict`).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> X = np.vstack([rng.normal(0, 0.1, (20, 2)), rng.normal(3, 0.1, (20, 2))])
    >>> model = CustomerClusters(n_clusters=2, log_features=()).fit(X)
    >>> bool((model.predict(X) == model.labels_).all()), model.k_scores_["k"].to_list()
    (True, [2])
    """

    def __init__(
        self,
        n_clusters: int | None = None,
        *,
        k_range: tuple[int, int] = (2, 8),
        criterion: Literal["silhouette", "bic"] = "silhouette",
        random_state: int | None = 0,
        log_features: tuple[str, ...] = DEFAULT_LOG_FEATURES,
        sample_size: int = 5_000,
        n_init: int = 3,
    ) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.criterion = criterion
        self.random_state = random_state
        self.log_features = log_features
        self.sample_size = sample_size
        self.n_init = n_init

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing values are imputed with medians
        return tags

    # ---------------------------------------------------------------- input

    def _matrix(self, X: Any, *, fitting: bool) -> tuple[np.ndarray, list[str]]:
        if isinstance(X, pl.LazyFrame):
            X = X.collect()
        if isinstance(X, pl.DataFrame):
            if fitting:
                names = [
                    c
                    for c, dtype in X.schema.items()
                    if dtype.is_numeric() and c not in _NOT_FEATURES
                ]
                if not names:
                    raise ValueError(
                        f"no numeric feature columns in {', '.join(X.columns) or 'the frame'}; "
                        "pass the output of cimlab.analytics.clusters.customer_features."
                    )
            else:
                names = list(getattr(self, "feature_names_in_", []))
                if not names:
                    raise ValueError(
                        "this model was fitted on an array; predict on an array with "
                        f"{self.n_features_in_} columns."
                    )
                missing = [c for c in names if c not in X.columns]
                if missing:
                    raise ValueError(
                        f"X has no column {', '.join(missing)}; the model was fitted on "
                        f"{', '.join(names)}."
                    )
            array = X.select(pl.col(names).cast(pl.Float64)).to_numpy()
            array = check_array(array, dtype=np.float64, ensure_all_finite="allow-nan")
            return array, names
        array = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan")
        if not fitting and array.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {array.shape[1]} features, but CustomerClusters is expecting "
                f"{self.n_features_in_} features as input."
            )
        names = (
            list(self.feature_names_in_)
            if not fitting and hasattr(self, "feature_names_in_")
            else [f"x{i}" for i in range(array.shape[1])]
        )
        return array, names

    def _scaled(self, raw: np.ndarray) -> np.ndarray:
        filled = np.where(np.isnan(raw), self.medians_, raw)
        filled[:, self._log_mask] = np.log1p(np.clip(filled[:, self._log_mask], 0.0, None))
        return cast(np.ndarray, self.scaler_.transform(filled)) * self.weights_

    def _check_params(self, n_samples: int) -> list[int]:
        if self.criterion not in ("silhouette", "bic"):
            raise ValueError(f"criterion={self.criterion!r} should be 'silhouette' or 'bic'.")
        try:
            lo, hi = (int(k) for k in self.k_range)
        except (TypeError, ValueError):
            raise ValueError(
                f"k_range={self.k_range!r} should be (smallest k, largest k)."
            ) from None
        if not 2 <= lo <= hi:
            raise ValueError(f"k_range={self.k_range!r} should satisfy 2 <= smallest <= largest.")
        if not isinstance(self.sample_size, int | np.integer) or self.sample_size < 100:
            raise ValueError(f"sample_size={self.sample_size!r} should be an integer >= 100.")
        if self.n_clusters is not None:
            if (
                not isinstance(self.n_clusters, int | np.integer)
                or isinstance(self.n_clusters, bool)
                or self.n_clusters < 1
            ):
                raise ValueError(f"n_clusters={self.n_clusters!r} should be an integer >= 1.")
            return [int(self.n_clusters)]
        return list(range(lo, hi + 1))

    # ---------------------------------------------------------------- fit

    @staticmethod
    def _score(Z: np.ndarray, labels: np.ndarray) -> float:
        if len(np.unique(labels)) < 2:
            return math.nan
        return float(silhouette_score(Z, labels))

    def fit(self, X: Any, y: Any = None) -> CustomerClusters:
        """Fit on a :func:`customer_features` frame (numeric columns) or an array."""
        raw, names = self._matrix(X, fitting=True)
        return self._fit(X, raw, names)

    @staticmethod
    def _threads(rows: int) -> Any:
        # OpenMP threads cost far more than they save on small data (0.5 s vs 17 ms per KMeans
        # on 300 customers, measured on 2 cores; the candidate fits on a 5,000-row sample ran
        # 5x slower with threads on a loaded machine); results do not depend on the count.
        return threadpool_limits(1 if rows < _SMALL else None)

    def _fit(self, X: Any, raw: np.ndarray, names: list[str]) -> CustomerClusters:
        n = raw.shape[0]
        candidates = self._check_params(n)
        if n < 2:
            raise ValueError(f"n_samples={n} should be >= 2 (one sample cannot be clustered).")
        if isinstance(X, pl.DataFrame | pl.LazyFrame):
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.n_features_in_ = raw.shape[1]
        with np.errstate(all="ignore"):
            medians = np.nanmedian(np.where(np.isnan(raw).all(axis=0), 0.0, raw), axis=0)
        self.medians_ = np.where(np.isnan(medians), 0.0, medians)
        patterns = tuple(self.log_features)
        self._log_mask = np.array(
            [any(fnmatch.fnmatchcase(name, p) for p in patterns) for name in names], dtype=bool
        )
        filled = np.where(np.isnan(raw), self.medians_, raw)
        filled[:, self._log_mask] = np.log1p(np.clip(filled[:, self._log_mask], 0.0, None))
        self.scaler_ = StandardScaler().fit(filled)
        shares = np.array([name.startswith("share_") for name in names], dtype=bool)
        self.weights_ = np.where(shares, 1.0 / np.sqrt(max(int(shares.sum()), 1)), 1.0)
        Z = cast(np.ndarray, self.scaler_.transform(filled)) * self.weights_
        # k is chosen on a seeded sample of at most sample_size customers (all when fewer):
        # each candidate model is fitted and scored there (silhouette is quadratic in rows).
        sample = Z
        if n > int(self.sample_size):
            rows_ = check_random_state(self.random_state).choice(
                n, int(self.sample_size), replace=False
            )
            sample = Z[np.sort(rows_)]
        distinct = len(np.unique(sample, axis=0))
        if self.n_clusters is not None:
            k = candidates[0]
            if not k <= distinct or not k < sample.shape[0]:
                raise ValueError(
                    f"n_samples={n} ({distinct} distinct) should be > n_clusters={k}; "
                    "choose fewer clusters or add customers."
                )
        else:
            candidates = [k for k in candidates if k < distinct]
            if not candidates:
                raise ValueError(
                    f"n_samples={n} ({distinct} distinct customers) is too few to choose k in "
                    f"k_range={tuple(self.k_range)}: each k needs more distinct customers than "
                    "clusters. Add customers, lower k_range or set n_clusters."
                )
        rows: list[tuple[int, float]] = []
        models: dict[int, Any] = {}
        with self._threads(sample.shape[0]):
            for k in candidates:
                if self.criterion == "bic":
                    gmm = GaussianMixture(
                        n_components=k, covariance_type="full", random_state=self.random_state
                    ).fit(sample)
                    models[k] = gmm
                    rows.append((k, float(gmm.bic(sample))))
                else:
                    km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state)
                    km.fit(sample)
                    models[k] = km
                    rows.append((k, self._score(sample, km.labels_)))
        scores = np.array([s for _, s in rows])
        if np.isnan(scores).all():
            best = rows[0][0]
        elif self.criterion == "bic":
            best = rows[int(np.nanargmin(scores))][0]
        else:
            best = rows[int(np.nanargmax(scores))][0]
        if sample is not Z and self.criterion != "bic":
            # KMeans is refitted on everyone from the sample's centres (one cheap run); the
            # mixture is a density model: the sample's fit labels everyone as it is.
            with self._threads(n):
                models[best] = KMeans(
                    n_clusters=best,
                    init=models[best].cluster_centers_,
                    n_init=1,
                    random_state=self.random_state,
                ).fit(Z)
        model = models[best]
        self.model_ = model
        self.k_scores_ = pl.DataFrame(
            {
                "k": [k for k, _ in rows],
                "score": [s for _, s in rows],
                "chosen": [k == best for k, _ in rows],
                "criterion": [self.criterion] * len(rows),
            },
            schema={
                "k": pl.Int64,
                "score": pl.Float64,
                "chosen": pl.Boolean,
                "criterion": pl.String,
            },
        )
        with self._threads(n):
            raw_labels = model.predict(Z) if self.criterion == "bic" else model.labels_
        centers_z = model.means_ if self.criterion == "bic" else model.cluster_centers_
        k = centers_z.shape[0]
        spend = names.index("total_spend") if "total_spend" in names else None
        sizes = np.bincount(raw_labels, minlength=k)
        if spend is not None:
            sums = np.bincount(
                raw_labels, weights=_filled_spend(raw, spend, self.medians_), minlength=k
            )
            key = np.where(sizes > 0, sums / np.maximum(sizes, 1), -np.inf)
        else:
            key = sizes.astype(float)
        # descending key; ties by the centre's coordinates, so the order never depends on the seed
        order = np.lexsort((*centers_z.T[::-1], -key))
        self._relabel = np.empty(k, dtype=np.int64)
        self._relabel[order] = np.arange(k)
        self.labels_ = self._relabel[raw_labels]
        self.n_clusters_ = k
        centers_z = centers_z / self.weights_  # back to plain z-scores for naming and units
        centers = self.scaler_.inverse_transform(centers_z[order])
        centers[:, self._log_mask] = np.expm1(centers[:, self._log_mask])
        self.cluster_centers_ = centers
        with np.errstate(all="ignore"):
            means = np.nanmean(raw, axis=0)
        labels = _name_clusters(centers, centers_z[order], names, means)
        self.names_ = {c: en for c, (en, _) in enumerate(labels)}
        self.names_zh_ = {c: zh for c, (_, zh) in enumerate(labels)}
        self.profiles_ = self._profiles(raw, names)
        return self

    def _profiles(self, raw: np.ndarray, names: list[str]) -> pl.DataFrame:
        k, n = self.n_clusters_, raw.shape[0]
        frame = pl.DataFrame(raw, schema=names, orient="row").with_columns(
            pl.all().fill_nan(None), cluster=pl.Series(self.labels_, dtype=pl.Int64)
        )
        means = frame.group_by("cluster").agg(pl.col(names).mean(), customers=pl.len())
        base = pl.DataFrame(
            {
                "cluster": list(range(k)),
                "name": [self.names_[c] for c in range(k)],
                "name_zh": [self.names_zh_[c] for c in range(k)],
            },
            schema={"cluster": pl.Int64, "name": pl.String, "name_zh": pl.String},
        )
        return (
            base.join(means, on="cluster", how="left")
            .with_columns(pl.col("customers").fill_null(0).cast(pl.Int64))
            .with_columns(share=pl.col("customers") / n)
            .select("cluster", "name", "name_zh", "customers", "share", *names)
            .sort("cluster")
        )

    def predict(self, X: Any) -> np.ndarray:
        """The cluster (numbering of ``labels_``) of each row of ``X``."""
        check_is_fitted(self, "model_")
        raw, _ = self._matrix(X, fitting=False)
        with self._threads(raw.shape[0]):
            return cast(np.ndarray, self._relabel[self.model_.predict(self._scaled(raw))])


def _filled_spend(raw: np.ndarray, column: int, medians: np.ndarray) -> np.ndarray:
    """Column ``column`` of ``raw`` with NaN replaced by its median (for cluster ordering)."""
    values = raw[:, column]
    return np.where(np.isnan(values), medians[column], values)


def cluster_customers(
    orders: pl.DataFrame,
    *,
    as_of: DateLike,
    feedback: pl.DataFrame | None = None,
    time_unit: TimeUnit = "day",
    n_clusters: int | None = None,
    criterion: Literal["silhouette", "bic"] = "silhouette",
    random_state: int | None = 0,
    k_range: tuple[int, int] = (2, 8),
    time_zone: str = "UTC",
) -> tuple[pl.DataFrame, CustomerClusters]:
    """Features, cluster and cluster names per buyer, and the fitted :class:`CustomerClusters`.

    :func:`customer_features` then ``CustomerClusters(...).fit``; the frame gains ``cluster``
    (0 = highest mean spend), ``cluster_name`` and ``cluster_name_zh``. Refuses fewer than
    :data:`MIN_CUSTOMERS` buyers.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> orders = pl.DataFrame({"customer_id": ["a"], "order_ts": [dt.datetime(2024, 1, 1)],
    ...                        "amount": [5.0], "status": ["paid"]})
    >>> cluster_customers(orders, as_of="2024-02-01")
    Traceback (most recent call last):
    ...
    ValueError: clustering needs at least 20 customers with a purchase up to 2024-02-01; ...
    """
    features = customer_features(
        orders, as_of=as_of, feedback=feedback, time_unit=time_unit, time_zone=time_zone
    )
    day = to_date(as_of, time_zone=time_zone)
    if features.height < MIN_CUSTOMERS:
        raise ValueError(
            f"clustering needs at least {MIN_CUSTOMERS} customers with a purchase up to {day}; "
            f"found {features.height}. Choose a later analysis date or import more orders "
            "(RFM segments, cimlab.analytics.rfm.rfm, work for any number of customers)."
        )
    model = CustomerClusters(
        n_clusters=n_clusters, k_range=k_range, criterion=criterion, random_state=random_state
    ).fit(features)
    labels = pl.Series("cluster", model.labels_, dtype=pl.Int64)
    out = features.with_columns(labels).with_columns(
        cluster_name=pl.col("cluster").replace_strict(model.names_, return_dtype=pl.String),
        cluster_name_zh=pl.col("cluster").replace_strict(model.names_zh_, return_dtype=pl.String),
    )
    return out, model
