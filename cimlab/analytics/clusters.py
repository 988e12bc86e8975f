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
survey answer is treated as a typical one). A feature with a single value (after imputation:
one channel only, no complaint anywhere) cannot tell customers apart: it is **left out** before
scaling and listed in ``dropped_features_`` and the structure note. Money and count features
are ``log1p``-transformed (negatives clipped to 0 first; ``log_features``), everything is
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

**Why durations are not logged.** Spend and purchase counts are heavy-tailed (a few customers
buy 30 times or spend 50 times the median), and ``log1p`` keeps them from deciding every
cluster. Recency and tenure are not: they are bounded by the observed window, and ``log1p``
stretches their first days instead (1 and 10 days apart as much as 100 and 1,000). One-time
buyers, who lie along the whole window, were then cut into "bought a few days ago" and the
rest, and the silhouette preferred k = 2. On the clusters benchmark (300,000 customers of five
planted profiles) logging recency and tenure chose k = 2 with an adjusted Rand index (ARI) of
0.29 against the profiles; linear durations choose k = 3 with ARI 0.40 (k fixed from 2 to 8
gives 0.30 to 0.43). The five profiles are not five
separate groups in these features: one-time and occasional buyers have the same baskets and
an occasional buyer often buys once (a classifier *trained* on the profiles reaches ARI 0.83),
and each profile spreads along the whole window, which KMeans, looking for round groups of
similar size, cuts across; the three groups found are the frequent buyers, the lapsed and the
one-time/occasional buyers. In the demo workspace the six planted behaviours overlap more
(regular buyers of four channels buy as often as loyal buyers of one; a regular with one
order in the window is a one-time buyer by every feature): a trained classifier reaches ARI
0.26 (5,000 people) and the clusters 0.18 (k = 4: loyal, lapsed, new and the rest). Robust
(median/IQR) scaling did worse (ARI about 0 on the demo: the IQR of a count or share that is
mostly 0 or 1 is 0, so those features swamp the rest), and a Gaussian mixture, which can follow
elongated groups, agreed better at the right k but its BIC kept asking for more components
(k = 7 or 8, mean silhouette below 0.1), so it stays the ``criterion="bic"`` option.

**Stability and weak structure.** The silhouette of each row is kept, so the choice of k is
re-run on ``n_resamples`` (200) paired bootstrap resamples of the customers it was made on (the
same draws for every k, the fitted models kept; for BIC each row's log-likelihood):
``k_scores_`` gains ``score_std`` (the spread of each k's score) and ``wins`` (the share of
resamples in which that k scores best); ``stability_`` is the chosen k's ``wins``. The chosen
partition's mean silhouette (``silhouette_``, also computed for BIC) is read with Kaufman &
Rousseeuw's bands (``structure_``: > 0.70 ``strong``, > 0.50 ``reasonable``, > 0.25 ``weak``,
else ``none``). ``weak_structure_`` is true when the band is ``weak`` or ``none`` or the
choice of k won fewer than half of the resamples; ``structure_note_`` says all of this in one
sentence (the CLI prints it). Customer data rarely has strong structure: clusters of weak
structure are a useful partition of a continuum, not natural kinds of customers.

Cluster names (rules)
---------------------
A cluster is described by its centre compared with the whole fitted population. The centre is
read on the model's own scale as ``z`` (standard deviations from the population average after
the ``log1p`` transform, so for money and counts the average is a geometric-type mean);
absolute thresholds apply where they have a meaning of their own (purchase days, NPS, CSAT).
The first matching rule names the cluster. Names are **codes** (language lives at the edges:
:func:`cimlab.i18n.cluster_label` reads a code in English or 中文):

===  ==========================================================  ==========================
 #   Centre                                                      Code (English label)
===  ==========================================================  ==========================
 1   NPS ≤ 6 or CSAT ≤ 3 or ≥ 0.5 complaints, not one-time        unhappy_regulars (Unhappy regulars)
 2   the same, one-time                                          unhappy (Unhappy customers)
 3   high value, frequent, recent                                high_value_loyal (High-value loyal)
 4   high value, frequent, not recent                            high_value_at_risk (High-value at risk)
 5   high value                                                  big_ticket (Big-ticket buyers)
 6   recent and tenure z ≤ −0.5                                  newcomers (Recent newcomers)
 7   frequent and recent                                         active_regulars (Active regulars)
 8   frequent                                                    fading_regulars (Fading regulars)
 9   one-time and not recent                                     lapsed_one_timers (Lapsed one-timers)
10   monetary value z ≤ −0.5                                     bargain (Occasional bargain buyers)
11   recent                                                      recent_occasional (Recent occasional buyers)
12   otherwise                                                   occasional (Occasional buyers)
===  ==========================================================  ==========================

*high value* = total spend z ≥ 0.5; *frequent* = at least 2 purchase days and purchase-days
z > 0; *recent* = recency z < 0; *one-time* = fewer than 1.5 purchase days. A cluster is
**channel-led** when one channel's share at its centre is ≥ 0.6 and at least 0.2 above that
channel's population mean share: rules 11 and 12 then carry the channel,
``recent_occasional:tmall`` / ``occasional:tmall`` ("Recent Tmall-first buyers" / "Tmall-first").
Codes are unique within a fit: a repeated code gets its lead channel (``active_regulars:jd``,
"Active regulars · JD.com-first"), then a number (``occasional#2``, "Occasional buyers (2)").
Rules whose features are absent do not match; without any known feature a cluster is
``cluster_1`` ("Cluster 1"). The grammar of a code is ``<rule>[:<channel>][#<n>]``.

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
from sklearn.metrics import silhouette_samples
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted
from threadpoolctl import threadpool_limits

from cimlab.analytics.rfm import customer_summary
from cimlab.dates import DateLike, day_of, to_date
from cimlab.frames import require_columns

__all__ = [
    "CLUSTER_RULES",
    "DEFAULT_LOG_FEATURES",
    "MIN_CUSTOMERS",
    "CustomerClusters",
    "cluster_customers",
    "customer_features",
]

TimeUnit = Literal["day", "week", "month"]

#: Features (``fnmatch`` patterns) that are ``log1p``-transformed before scaling: money and
#: counts (heavy right tails), not durations (bounded by the observed window; module docstring).
DEFAULT_LOG_FEATURES: tuple[str, ...] = (
    "purchase_days",
    "total_spend",
    "monetary_value",
    "complaints",
)

#: Fewest buyers :func:`cluster_customers` accepts.
MIN_CUSTOMERS = 20

_SMALL = 50_000  # fewer rows than this: fit on one thread
# Mean silhouette bands of Kaufman & Rousseeuw (1990), strongest first: (exclusive lower
# bound, code); and the words the note uses for each.
_STRUCTURE: tuple[tuple[float, str], ...] = (
    (0.70, "strong"),
    (0.50, "reasonable"),
    (0.25, "weak"),
    (-math.inf, "none"),
)
_STRUCTURE_TEXT = {
    "strong": "strong structure",
    "reasonable": "reasonable structure",
    "weak": "weak structure, could be artificial",
    "none": "no substantial structure",
}
_UNIT_SUFFIX = {"day": "days", "week": "weeks", "month": "months"}
_NOT_FEATURES = {"customer_id", "cluster", "cluster_name"}


# --------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------


def _require(frame: pl.DataFrame, columns: list[str], table: str) -> None:
    hint = f"Use cimlab.analytics.facts.customer_data(ws).{table}."
    require_columns(frame, columns, what=f"{table} frame", hint=hint)


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

#: The naming rules' codes, in the order they are tried (module docstring); ``cluster`` is
#: the code of a cluster without any known feature (``cluster_1``, ``cluster_2``...).
CLUSTER_RULES: tuple[str, ...] = (
    "unhappy_regulars",
    "unhappy",
    "high_value_loyal",
    "high_value_at_risk",
    "big_ticket",
    "newcomers",
    "active_regulars",
    "fading_regulars",
    "lapsed_one_timers",
    "bargain",
    "recent_occasional",
    "occasional",
    "cluster",
)


def _feature(names: list[str], prefix: str) -> int | None:
    for i, name in enumerate(names):
        if name == prefix or (prefix.endswith("_") and name.startswith(prefix)):
            return i
    return None


def _rule(center: np.ndarray, z: np.ndarray, names: list[str]) -> str | None:
    """The first matching naming rule (a code of :data:`CLUSTER_RULES`), None without known
    features.

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
) -> list[str]:
    """The name code of each cluster from its centre (rules in the module docstring): unique
    within the fit, ``<rule>[:<channel>][#<n>]``.

    ``centers`` in original units, ``centers_z`` on the model's scale, ``means`` the population
    means of the features.

    >>> centers = np.array([[2.0, 0.9], [2.0, 0.1]])
    >>> _name_clusters(centers, np.array([[1.0, 1.0], [1.0, -1.0]]),
    ...                ["purchase_days", "share_jd"], np.array([2.0, 0.5]))
    ['fading_regulars:jd', 'fading_regulars']
    """
    out: list[str] = []
    channels: list[str | None] = []
    for k, (center, z) in enumerate(zip(centers, centers_z, strict=True)):
        rule = _rule(center, z, names)
        channel = _lead_channel(center, names, means)
        channels.append(channel)
        if rule is None:
            out.append(f"cluster_{k + 1}")
        elif rule in ("occasional", "recent_occasional") and channel is not None:
            out.append(f"{rule}:{channel}")  # "Tmall-first", "Recent Tmall-first buyers"
        else:
            out.append(rule)
    # unique codes: a repeated one gets its lead channel, then a number
    first = list(out)
    for k, code in enumerate(first):
        channel = channels[k]
        if first.count(code) > 1 and channel is not None and ":" not in code:
            out[k] = f"{code}:{channel}"
    seen: dict[str, int] = {}
    for k, code in enumerate(out):
        seen[code] = seen.get(code, 0) + 1
        if seen[code] > 1:
            out[k] = f"{code}#{seen[code]}"
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
    n_resamples
        Paired bootstrap resamples that measure the stability of the choice of k (0: none).

    Attributes
    ----------
    n_clusters_ : int
    labels_ : ndarray of shape (n_samples,)
    k_scores_ : pl.DataFrame
        ``k, score, score_std, wins, chosen, criterion`` (one row per k tried): the score on the
        customers k was chosen on, its bootstrap standard deviation and the share of bootstrap
        resamples in which that k scores best.
    stability_ : float
        ``wins`` of the chosen k (1.0 when ``n_clusters`` is fixed; NaN without resamples).
    silhouette_ : float
        Mean silhouette of the chosen partition (for either criterion).
    structure_ : str
        ``strong``, ``reasonable``, ``weak`` or ``none`` (silhouette bands, module docstring).
    weak_structure_ : bool
        True for a ``weak`` or ``none`` structure or a choice of k won in under half the resamples.
    structure_note_ : str
        One English sentence with the figures above and the constant features left out.
    dropped_features_ : list of str
        Features left out because they have a single value.
    cluster_centers_ : ndarray of shape (n_clusters_, n_features_in_)
        Centres in original feature units (log features back-transformed with ``expm1``).
    profiles_ : pl.DataFrame
        ``cluster, name, customers, share`` and the mean of each feature (nulls ignored) per
        cluster; ``name`` is the cluster's name code (module docstring).
    names_ : dict[int, str]
        Name code of each cluster (read with :func:`cimlab.i18n.cluster_label`).
    feature_names_in_ : ndarray of str (only when fitted on a frame)
    n_features_in_ : int
    medians_ : ndarray
        Imputation values (population medians).
    scaler_ : StandardScaler
        Standardisation after imputation and ``log1p``.
    weights_ : ndarray
        Weight of each standardised feature: ``1/sqrt(m)`` for the ``m`` channel shares (constant
        ones not counted), else 1.
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
        n_resamples: int = 200,
    ) -> None:
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.criterion = criterion
        self.random_state = random_state
        self.log_features = log_features
        self.sample_size = sample_size
        self.n_init = n_init
        self.n_resamples = n_resamples

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
        scaled = cast(np.ndarray, self.scaler_.transform(filled)) * self.weights_
        return scaled[:, self._used]  # constant features are left out

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
        if (
            not isinstance(self.n_resamples, int | np.integer)
            or isinstance(self.n_resamples, bool)
            or self.n_resamples < 0
        ):
            raise ValueError(f"n_resamples={self.n_resamples!r} should be an integer >= 0.")
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
    def _silhouettes(Z: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Each row's silhouette (their mean is the silhouette score); NaN for one cluster."""
        if len(np.unique(labels)) < 2:
            return np.full(Z.shape[0], math.nan)
        return cast(np.ndarray, silhouette_samples(Z, labels))

    def _resampled(
        self, per_row: dict[int, np.ndarray], penalty: dict[int, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Spread (standard deviation) of each k's score and the share of resamples it wins.

        Paired bootstrap: ``n_resamples`` resamples (with replacement) of the customers the
        candidates were scored on, the same draws for every k; each k's score is recomputed
        from the customers' own contributions (silhouettes, or log-likelihoods for BIC).
        """
        ks = list(per_row)
        if not self.n_resamples:
            return np.full(len(ks), math.nan), np.full(len(ks), math.nan)
        m = len(per_row[ks[0]])
        rng = check_random_state(self.random_state)
        draws = rng.randint(0, m, size=(int(self.n_resamples), m))
        if self.criterion == "bic":  # lower is better: BIC = -2 log L + penalty
            scores = np.column_stack(
                [-2.0 * per_row[k][draws].sum(axis=1) + penalty[k] for k in ks]
            )
            better = -scores
        else:
            scores = np.column_stack([per_row[k][draws].mean(axis=1) for k in ks])
            better = scores
        winner = np.argmax(np.where(np.isnan(better), -np.inf, better), axis=1)  # ties: smaller k
        wins = np.bincount(winner, minlength=len(ks)) / len(draws)
        with np.errstate(all="ignore"):
            spread = np.nanstd(scores, axis=0, ddof=1) if len(draws) > 1 else np.zeros(len(ks))
        return spread, wins

    def _structure(self, silhouette: float, chose: bool) -> None:
        """``silhouette_``, ``structure_``, ``weak_structure_`` and ``structure_note_``."""
        self.silhouette_ = silhouette
        s = -1.0 if math.isnan(silhouette) else silhouette
        band = next(code for limit, code in _STRUCTURE if s > limit)
        self.structure_ = band
        unstable = chose and not math.isnan(self.stability_) and self.stability_ < 0.5
        self.weak_structure_ = band in ("weak", "none") or unstable
        k = self.n_clusters_
        text = (
            f"k={k}: mean silhouette {silhouette:.2f} ({_STRUCTURE_TEXT[band]})"
            if not math.isnan(silhouette)
            else f"k={k}: no silhouette (one cluster)"
        )
        if chose and not math.isnan(self.stability_):
            text += (
                f"; k={k} scored best by {self.criterion} in {self.stability_:.0%} of "
                f"{self.n_resamples} bootstrap resamples"
            )
            others = self.k_scores_.filter(~pl.col("chosen"))
            if others.height:
                bic = self.criterion == "bic"
                runner = others.sort("score", descending=not bic).row(0, named=True)
                text += (
                    f" (next: k={runner['k']}, {runner['score']:.3g} ± {runner['score_std']:.2g}"
                    f" against {self.k_scores_.filter('chosen')['score'].item():.3g})"
                )
            if unstable:
                text += ": the choice of k is unstable"
        if self.dropped_features_:
            text += f"; constant features left out: {', '.join(self.dropped_features_)}"
        if self.weak_structure_:
            text += (
                ". Structure is weak: read the clusters as a convenient partition of a "
                "continuum, not as natural groups"
            )
        self.structure_note_ = text + "."

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
        # a feature with one value (after imputation) tells no customer from another: it is
        # left out before scaling (and of the channel-share weights)
        self._used = filled.max(axis=0) > filled.min(axis=0)
        self.dropped_features_ = [
            name for name, used in zip(names, self._used, strict=True) if not used
        ]
        self.scaler_ = StandardScaler().fit(filled)
        shares = np.array([name.startswith("share_") for name in names], dtype=bool) & self._used
        self.weights_ = np.where(shares, 1.0 / np.sqrt(max(int(shares.sum()), 1)), 1.0)
        Z = self._scaled(raw)
        # k is chosen on a seeded sample of at most sample_size customers (all when fewer):
        # each candidate model is fitted and scored there (silhouette is quadratic in rows).
        sample = Z
        if n > int(self.sample_size):
            rows_ = check_random_state(self.random_state).choice(
                n, int(self.sample_size), replace=False
            )
            sample = Z[np.sort(rows_)]
        distinct = len(np.unique(sample, axis=0)) if sample.shape[1] else 1
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
        per_row: dict[int, np.ndarray] = {}  # each customer's part of the score, per k
        penalty: dict[int, float] = {}
        with self._threads(sample.shape[0]):
            for k in candidates:
                if self.criterion == "bic":
                    gmm = GaussianMixture(
                        n_components=k, covariance_type="full", random_state=self.random_state
                    ).fit(sample)
                    models[k] = gmm
                    bic = float(gmm.bic(sample))
                    rows.append((k, bic))
                    per_row[k] = gmm.score_samples(sample)
                    penalty[k] = bic + 2.0 * float(per_row[k].sum())
                else:
                    km = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state)
                    km.fit(sample)
                    models[k] = km
                    per_row[k] = self._silhouettes(sample, km.labels_)
                    rows.append((k, float(per_row[k].mean())))
        spread, wins = self._resampled(per_row, penalty)
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
                "score_std": spread,
                "wins": wins,
                "chosen": [k == best for k, _ in rows],
                "criterion": [self.criterion] * len(rows),
            },
            schema={
                "k": pl.Int64,
                "score": pl.Float64,
                "score_std": pl.Float64,
                "wins": pl.Float64,
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
        # back to plain z-scores of every feature (0 for the constant ones) for naming and units
        full = np.zeros((k, len(names)))
        full[:, self._used] = centers_z / self.weights_[self._used]
        centers_z = full
        centers = self.scaler_.inverse_transform(centers_z[order])
        centers[:, self._log_mask] = np.expm1(centers[:, self._log_mask])
        self.cluster_centers_ = centers
        with np.errstate(all="ignore"):
            means = np.nanmean(raw, axis=0)
        codes = _name_clusters(centers, centers_z[order], names, means)
        self.names_ = dict(enumerate(codes))
        self.profiles_ = self._profiles(raw, names)
        self.stability_ = float(wins[[k for k, _ in rows].index(best)])
        if self.criterion == "bic":
            with self._threads(sample.shape[0]):
                chosen_labels = model.predict(sample) if sample is not Z else raw_labels
            silhouette = float(self._silhouettes(sample, chosen_labels).mean())
        else:
            silhouette = float(per_row[best].mean())
        self._structure(silhouette, chose=self.n_clusters is None)
        return self

    def _profiles(self, raw: np.ndarray, names: list[str]) -> pl.DataFrame:
        k, n = self.n_clusters_, raw.shape[0]
        frame = pl.DataFrame(raw, schema=names, orient="row").with_columns(
            pl.all().fill_nan(None), cluster=pl.Series(self.labels_, dtype=pl.Int64)
        )
        means = frame.group_by("cluster").agg(pl.col(names).mean(), customers=pl.len())
        base = pl.DataFrame(
            {"cluster": list(range(k)), "name": [self.names_[c] for c in range(k)]},
            schema={"cluster": pl.Int64, "name": pl.String},
        )
        return (
            base.join(means, on="cluster", how="left")
            .with_columns(pl.col("customers").fill_null(0).cast(pl.Int64))
            .with_columns(share=pl.col("customers") / n)
            .select("cluster", "name", "customers", "share", *names)
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
    (0 = highest mean spend) and ``cluster_name`` (the name code, e.g. ``high_value_loyal``;
    :func:`cimlab.i18n.cluster_label` reads it in English or 中文). Refuses fewer than
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
        cluster_name=pl.col("cluster").replace_strict(model.names_, return_dtype=pl.String)
    )
    return out, model
