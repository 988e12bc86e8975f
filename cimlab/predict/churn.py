"""Churn risk: who will not buy in the next H days, learned without looking into the future.

"Churned" at a date t means no purchase day (the rule of :mod:`cimlab.lines`) in ``(t, t + H]``,
H = ``horizon_days`` (:data:`DEFAULT_HORIZON_DAYS` = 90).

The leak-proof split
--------------------
To score at t0 (``as_of``), the model learns from the past only: features at a training cut-off
t1 < t0 (:func:`cimlab.predict.churn_features.churn_features`, nothing after t1 read) and labels
from ``(t1, min(t1 + H, t0)]``. When the history before t0 is too short for a full H, the label
window is shortened to ``min(H, history // 2)`` days (:func:`~cimlab.predict.churn_features.training_window`)
and :attr:`ChurnPrediction.training_window` says so; the model then learns "no purchase in the
shorter window", which ranks customers for H but is calibrated for the shorter window (stated).
Scoring reads nothing after t0 either, so scores computed from data that run past t0 equal
scores from data cut at t0, bit for bit (tests/test_predict_churn.py).

The model
---------
:class:`ChurnModel`: scikit-learn's ``HistGradientBoostingClassifier`` (small trees, nulls
handled natively), calibrated by a logistic regression on its out-of-fold log-odds (3 shuffled
folds) together with the BTYD model's P(no purchase) and expected purchases. The calibration
never says exactly 0 or 1 (isotonic steps, the other choice, tie thousands of customers and
ranked CDNOW worse), and the BTYD scores carry what trees cannot: customers older and longer
silent at the scoring date than any seen in a shortened training window. Baselines:
**recency** alone (days since the last purchase; a ranking, not a probability) and the
**BTYD** P(no purchase in H) of the purchase
model (BG/NBD by default) fitted at t0. :func:`evaluate_churn` measures all three against what
really happened after t0: ROC AUC, PR AUC, Brier score (probabilities only), lift in the top
decile and the calibration curve.

Risk bands and reasons
----------------------
Bands (:data:`RISK_BANDS`): **high** when the churn probability is at least 0.70, **medium** at
least 0.40, **low** below. Reasons: for each group of features (recency, frequency, spend, CSAT,
NPS, complaints, contact, channels) the probability is recomputed with that group set to the
median of the customers who did not churn in training; the groups whose typical values would
lower the probability by at least :data:`REASON_MIN_EFFECT` (0.02) are the customer's reasons,
largest first, at most :data:`MAX_REASONS`, said in English and 中文 with the customer's own
values ("no purchase for 140 days, usual gap 30 days" / "已 140 天未购买，通常间隔 30 天",
"last CSAT 2/5" / "最近一次 CSAT 2/5"). A group is a reason only where its values are known (no
"last CSAT" without an answer), and frequency only beyond one purchase day (the recency reason
already says "bought only once"). Reasons are given to medium and high risk customers (the
what-if predictions cost a model pass per group); low risk customers, and those whose risk no
single group explains, have an empty reasons column.

Examples
--------
>>> RISK_BANDS
{'high': 0.7, 'medium': 0.4}
>>> risk_band(np.array([0.9, 0.5, 0.1])).to_list()
['high', 'medium', 'low']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import polars as pl
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from cimlab.dates import DateLike, check_time_zone, day_of, to_date
from cimlab.errors import NotEnoughDataError
from cimlab.lines import purchase_days
from cimlab.predict.churn_features import (
    DEFAULT_BTYD_MODEL,
    DEFAULT_HORIZON_DAYS,
    TrainingWindow,
    build_features,
    churn_features,
    churn_labels,
    training_window,
)
from cimlab.predict.churn_reasons import MAX_REASONS, REASON_MIN_EFFECT, churn_reasons

__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "MAX_REASONS",
    "MIN_CLASS_CUSTOMERS",
    "MIN_TRAINING_CUSTOMERS",
    "REASON_MIN_EFFECT",
    "RISK_BANDS",
    "ChurnEvaluation",
    "ChurnModel",
    "ChurnPrediction",
    "TrainingWindow",
    "calibration_table",
    "churn_features",
    "churn_labels",
    "churn_metrics",
    "evaluate_churn",
    "predict_churn",
    "risk_band",
    "training_window",
]

#: Lower bounds of the bands: high >= 0.70 > medium >= 0.40 > low.
RISK_BANDS: dict[str, float] = {"high": 0.70, "medium": 0.40}
#: Fewer training customers (or fewer of either class) and no model is fitted.
MIN_TRAINING_CUSTOMERS = 50
MIN_CLASS_CUSTOMERS = 10
#: The value a sparse feature's missing entries take (:attr:`ChurnModel.sparse_features_`).
UNKNOWN_VALUE = -1e12

Progress = Callable[[str, float], None]
_ID = "customer_id"


def risk_band(probability: Any) -> pl.Series:
    """``high`` / ``medium`` / ``low`` for churn probabilities (:data:`RISK_BANDS`)."""
    p = np.asarray(probability, dtype=np.float64)
    bands = np.where(
        p >= RISK_BANDS["high"], "high", np.where(p >= RISK_BANDS["medium"], "medium", "low")
    )
    return pl.Series("risk_band", bands, dtype=pl.String)


# ------------------------------------------------------------------------------------------------
# The estimator
# ------------------------------------------------------------------------------------------------


def _matrix(features: pl.DataFrame, names: Sequence[str]) -> Any:
    """Float matrix of ``names`` (absent columns and nulls as NaN)."""
    columns = [
        pl.col(name).cast(pl.Float64)
        if name in features.columns
        else pl.lit(None, pl.Float64).alias(name)
        for name in names
    ]
    if not columns:
        return np.empty((features.height, 0))
    return features.select(columns).to_numpy().astype(np.float64)


#: The BTYD scores the sigmoid calibration reads beside the booster (``btyd_prior``).
_BTYD_PRIOR = ("btyd_p_no_purchase", "btyd_expected_purchases")
_CLIP = 1e-6


def _calibration_inputs(
    probability: Any, X: Any, names: Sequence[str], prior: Sequence[str]
) -> Any:
    """The calibration's inputs: the booster's log-odds, then per BTYD score its log-odds
    (P(no purchase)) or log (expected purchases, + 0.001); NaN where a score is missing."""

    def log_odds(p: Any) -> Any:
        p = np.clip(p, _CLIP, 1.0 - _CLIP)
        return np.log(p / (1.0 - p))

    columns = [log_odds(np.asarray(probability, dtype=np.float64))]
    for name in prior:
        values = X[:, list(names).index(name)]
        with np.errstate(invalid="ignore"):
            columns.append(
                log_odds(values) if name == "btyd_p_no_purchase" else np.log(values + 1e-3)
            )
    return np.column_stack(columns)


def _label_array(features: pl.DataFrame, labels: Any) -> Any:
    if isinstance(labels, pl.DataFrame):
        if _ID not in labels.columns or "churned" not in labels.columns:
            raise ValueError("labels as a frame need the columns customer_id and churned.")
        joined = features.select(_ID).join(labels.select(_ID, "churned"), on=_ID, how="left")
        if joined["churned"].null_count():
            raise ValueError(
                f"{joined['churned'].null_count()} customers of the features have no label."
            )
        return joined["churned"].cast(pl.Boolean).to_numpy()
    y = np.asarray(labels.to_numpy() if isinstance(labels, pl.Series) else labels)
    if y.shape != (features.height,):
        raise ValueError(f"labels have shape {y.shape}; expected ({features.height},).")
    return y.astype(bool)


class ChurnModel(ClassifierMixin, BaseEstimator):
    """Calibrated gradient boosting on churn features: P(no purchase in the label window).

    Parameters
    ----------
    max_iter, learning_rate, max_leaf_nodes, l2_regularization
        Of the ``HistGradientBoostingClassifier`` (small trees: they rank as well as larger ones
        on CDNOW and extrapolate more gently to older customers).
    min_samples_leaf
        None: ``n // 100`` clipped to 20..200.
    calibration
        ``"sigmoid"``: a logistic regression on the booster's out-of-fold log-odds and, with
        ``btyd_prior``, the BTYD scores (Platt scaling when they are absent); ``"isotonic"``:
        isotonic regression on the out-of-fold probability (no BTYD).
    btyd_prior
        Let the sigmoid calibration read ``btyd_p_no_purchase`` and ``btyd_expected_purchases``
        (as log-odds and log) beside the booster. Trees cannot extrapolate: when the training
        window is shortened, customers at the scoring date are older and longer silent than any
        seen in training, and the booster gives them all its last leaf; the BTYD model, refitted
        at the scoring date, still tells them apart. CDNOW master (scored 1997-09-30, H = 39
        weeks): ROC AUC 0.7708 against 0.7696 with Platt scaling alone and 0.7686 isotonic;
        Online Retail (2011-09-09, 90 days): 0.7393 against 0.7317 and 0.7325.
    cv
        Folds of the out-of-fold predictions the calibration learns from (shuffled, stratified).
    random_state
        Seed of the boosting.
    n_threads
        OpenMP threads of the boosting (None: scikit-learn's default, every core). 1 by
        default: on a busy 2-core machine more threads made a fit 70 times slower.

    Attributes
    ----------
    feature_names_
        The columns used (numeric columns of the features except ``customer_id``, without
        those with fewer than two distinct values in training: ``dropped_features_``).
    sparse_features_
        Features known for so few training customers (at most one calibration fold's worth)
        that a fold could hold none of them: their missing entries are the value
        :data:`UNKNOWN_VALUE` (below every real value) instead of missing, which the booster
        could not bin in such a fold.
    booster_
        The ``HistGradientBoostingClassifier`` fitted on every training customer.
    calibrator_
        The fitted calibration: ``LogisticRegression`` over :attr:`calibration_inputs_`, or
        ``IsotonicRegression``.
    calibration_
        The calibration method used.
    calibration_inputs_
        What the calibration reads: ``booster_log_odds`` and, when used, ``btyd_p_no_purchase``
        and ``btyd_expected_purchases``. Rows whose BTYD scores are missing at prediction time are
        calibrated by Platt scaling of the booster alone (``platt_``).
    typical_
        Median of each feature among the training customers who did not churn (the reasons'
        reference).
    n_train_, churn_rate_
        Training customers and their churn share.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> since = rng.uniform(0, 200, 400)
    >>> X = pl.DataFrame({"customer_id": [f"c{i}" for i in range(400)], "since_last_days": since})
    >>> y = rng.random(400) < since / 200
    >>> model = ChurnModel().fit(X, y)
    >>> p = model.predict_proba(X)[:, 1]
    >>> bool(p[since > 180].mean() > p[since < 20].mean())
    True
    """

    def __init__(
        self,
        *,
        max_iter: int = 300,
        learning_rate: float = 0.03,
        max_leaf_nodes: int = 7,
        min_samples_leaf: int | None = None,
        l2_regularization: float = 1.0,
        calibration: str = "sigmoid",
        btyd_prior: bool = True,
        cv: int = 3,
        random_state: int | None = 0,
        n_threads: int | None = 1,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.calibration = calibration
        self.btyd_prior = btyd_prior
        self.cv = cv
        self.random_state = random_state
        self.n_threads = n_threads

    def fit(self, features: pl.DataFrame, labels: Any) -> ChurnModel:
        """Fit on a feature frame and labels (a ``customer_id, churned`` frame joined by
        customer, or one boolean per row, True = churned). Returns ``self``."""
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.isotonic import IsotonicRegression
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        if self.calibration not in ("isotonic", "sigmoid"):
            raise ValueError(f"calibration={self.calibration!r} should be 'sigmoid' or 'isotonic'.")
        y = _label_array(features, labels)
        n = y.size
        churned = int(y.sum())
        smaller = min(churned, n - churned)
        if n < MIN_TRAINING_CUSTOMERS:
            raise NotEnoughDataError(
                f"n_customers={n} should be >= {MIN_TRAINING_CUSTOMERS} to train a churn model."
            )
        if smaller == 0:
            kind = "churned" if churned else "bought again"
            raise NotEnoughDataError(
                f"all {n} training customers {kind}: one class only, nothing to tell apart. "
                "Use a longer history or another horizon."
            )
        if smaller < MIN_CLASS_CUSTOMERS:
            raise NotEnoughDataError(
                f"only {smaller} training customers {'churned' if churned == smaller else 'bought again'}; "
                f"a churn model needs at least {MIN_CLASS_CUSTOMERS} of each class."
            )
        candidates = [
            c
            for c in features.columns
            if (c != _ID and features.schema[c].is_numeric())
            or (c != _ID and features.schema[c] == pl.Boolean)
        ]
        kept = [c for c in candidates if features[c].cast(pl.Float64).drop_nulls().n_unique() > 1]
        if not kept:
            raise NotEnoughDataError(
                "no feature has two distinct values among the training customers."
            )
        self.feature_names_ = kept
        self.dropped_features_ = [c for c in candidates if c not in kept]
        X = _matrix(features, kept)
        # a feature known for few customers can be missing from a whole calibration fold, which
        # the booster cannot bin: there, "unknown" becomes a value of its own, below all others
        known = np.isfinite(X).sum(axis=0) + np.isinf(X).sum(axis=0)
        self.sparse_features_ = [
            name for name, count in zip(kept, known, strict=True) if count <= math.ceil(n / self.cv)
        ]
        raw = X
        X = self._fill(raw)
        leaf = self.min_samples_leaf
        if leaf is None:
            leaf = int(min(200, max(20, n // 100)))
        method = self.calibration
        booster = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=leaf,
            l2_regularization=self.l2_regularization,
            early_stopping=False,
            random_state=self.random_state,
        )
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            # shuffled folds: rows often come in id order, and ids in time order; contiguous
            # folds then calibrate on another population and can invert the ranking
            folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
            out_of_fold = cross_val_predict(booster, X, y, cv=folds, method="predict_proba")[:, 1]
            self.booster_ = booster.fit(X, y)
        self.calibration_ = method
        if method == "isotonic":
            self.calibration_inputs_ = ["booster_probability"]
            isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            self.calibrator_ = isotonic.fit(out_of_fold, y)
        else:
            prior = [c for c in _BTYD_PRIOR if self.btyd_prior and c in kept]
            inputs = _calibration_inputs(out_of_fold, raw, kept, prior)
            if prior and not np.isfinite(inputs).all():
                prior, inputs = [], inputs[:, :1]  # BTYD scores missing in training: Platt only
            self.calibration_inputs_ = ["booster_log_odds", *prior]
            self.calibrator_ = LogisticRegression().fit(inputs, y)
            self.platt_ = LogisticRegression().fit(inputs[:, :1], y)
        self.classes_ = np.array([False, True])
        with np.errstate(all="ignore"):
            stayed = raw[~y]
            self.typical_ = {
                name: float(np.nanmedian(stayed[:, i]))
                if np.isfinite(stayed[:, i]).any()
                else math.nan
                for i, name in enumerate(kept)
            }
        self.n_train_ = n
        self.churn_rate_ = churned / n
        return self

    def predict_proba(self, features: pl.DataFrame) -> Any:
        """``(n, 2)`` probabilities of [bought again, churned] per row of ``features``."""
        check_is_fitted(self, "booster_")
        return self._proba(_matrix(features, self.feature_names_))

    def feature_matrix(self, features: pl.DataFrame) -> Any:
        """The model's features of ``features`` as a float matrix (columns :attr:`feature_names_`)."""
        check_is_fitted(self, "booster_")
        return _matrix(features, self.feature_names_)

    def predict_proba_matrix(self, X: Any) -> Any:
        """:meth:`predict_proba` of a :meth:`feature_matrix` (what-if rows edited in place)."""
        check_is_fitted(self, "booster_")
        return self._proba(X)

    def _fill(self, X: Any) -> Any:
        """``X`` with the missing values of :attr:`sparse_features_` set to :data:`UNKNOWN_VALUE`."""
        sparse = [self.feature_names_.index(name) for name in self.sparse_features_]
        if not sparse:
            return X
        X = np.array(X, dtype=np.float64, copy=True)
        part = X[:, sparse]
        X[:, sparse] = np.where(np.isnan(part), UNKNOWN_VALUE, part)
        return X

    def _proba(self, X: Any) -> Any:
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            boosted = self.booster_.predict_proba(self._fill(X))[:, 1]
        if self.calibration_ == "isotonic":
            churned = self.calibrator_.predict(boosted)
        else:
            prior = self.calibration_inputs_[1:]
            inputs = _calibration_inputs(boosted, X, self.feature_names_, prior)
            churned = self.platt_.predict_proba(inputs[:, :1])[:, 1]
            known = np.isfinite(inputs).all(axis=1)
            if prior and known.any():
                churned[known] = self.calibrator_.predict_proba(inputs[known])[:, 1]
        churned = np.asarray(churned, dtype=np.float64)
        return np.column_stack([1.0 - churned, churned])

    def predict(self, features: pl.DataFrame) -> Any:
        """True where the churn probability is at least 0.5."""
        return self.predict_proba(features)[:, 1] >= 0.5


# ------------------------------------------------------------------------------------------------
# Metrics
# ------------------------------------------------------------------------------------------------


def churn_metrics(churned: Any, score: Any, *, probability: bool = True) -> dict[str, float | None]:
    """ROC AUC, PR AUC (average precision), Brier score (None unless ``probability``) and
    top-decile lift (churn share among the 10 % highest scores ÷ overall churn share).

    >>> m = churn_metrics([True, True, False, False], [0.9, 0.6, 0.4, 0.1])
    >>> m["roc_auc"], round(m["brier"], 6)
    (1.0, 0.085)
    """
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    y = np.asarray(churned, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    if y.all() or not y.any():
        raise ValueError("the outcomes are one class only; AUCs are undefined.")
    top = np.argsort(-s, kind="stable")[: max(1, math.ceil(y.size / 10))]
    return {
        "roc_auc": float(roc_auc_score(y, s)),
        "pr_auc": float(average_precision_score(y, s)),
        "brier": float(brier_score_loss(y, s)) if probability else None,
        "top_decile_lift": float(y[top].mean() / y.mean()),
    }


def calibration_table(churned: Any, probability: Any, *, bins: int = 10) -> pl.DataFrame:
    """The calibration curve: customers in ``bins`` equal-count bins of the predicted
    probability, with ``mean_predicted`` and ``observed`` churn share per bin.

    >>> calibration_table([True, False, True, True], [0.75, 0.25, 0.5, 1.0], bins=2).rows()
    [(1, 2, 0.375, 0.5), (2, 2, 0.875, 1.0)]
    """
    y = np.asarray(churned, dtype=np.float64)
    p = np.asarray(probability, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    bin_of = np.empty(p.size, dtype=np.int64)
    bin_of[order] = np.arange(p.size) * bins // max(p.size, 1) + 1
    frame = pl.DataFrame({"bin": bin_of, "p": p, "y": y})
    return (
        frame.group_by("bin")
        .agg(
            customers=pl.len().cast(pl.Int64),
            mean_predicted=pl.col("p").mean(),
            observed=pl.col("y").mean(),
        )
        .sort("bin")
    )


# ------------------------------------------------------------------------------------------------
# Evaluation and prediction
# ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)  # frames inside: identity, not ==
class ChurnEvaluation:
    """Scores at ``as_of`` measured against what happened in ``(as_of, as_of + horizon]``.

    ``metrics``: one row per scorer (``model``, ``recency``, ``btyd (<code>)``) with ``roc_auc,
    pr_auc, brier`` (null for recency, not a probability) and ``top_decile_lift``;
    ``calibration``: the calibration curves (``scorer, bin, customers, mean_predicted,
    observed``) of the probability scorers; ``scores``: per customer ``customer_id, churned``
    and the three scores.
    """

    as_of: dt.date
    horizon_days: int
    customers: int
    churned: int
    metrics: pl.DataFrame
    calibration: pl.DataFrame
    scores: pl.DataFrame
    training_window: str
    best_baseline: str
    beats_baselines: bool

    @property
    def churn_rate(self) -> float:
        """Share of the scored customers who did not buy in the horizon."""
        return self.churned / self.customers

    def auc(self, scorer: str) -> float:
        """ROC AUC of one scorer (``"model"``, ``"recency"`` or ``"btyd (bgnbd)"``...)."""
        return float(self.metrics.filter(pl.col("scorer") == scorer)["roc_auc"].item())

    def report(self) -> str:
        """The evaluation in words and a table."""
        lines = [
            f"Churn = no purchase in ({self.as_of}, {self.as_of + dt.timedelta(days=self.horizon_days)}] "
            f"({self.horizon_days} days): {self.churned:,} of {self.customers:,} customers "
            f"({self.churn_rate:.1%}).",
            self.training_window,
            "scorer | ROC AUC | PR AUC | Brier | top-decile lift",
        ]
        for row in self.metrics.iter_rows(named=True):
            brier = "-" if row["brier"] is None else f"{row['brier']:.4f}"
            lines.append(
                f"{row['scorer']} | {row['roc_auc']:.4f} | {row['pr_auc']:.4f} | {brier} | "
                f"{row['top_decile_lift']:.3f}"
            )
        verdict = "beats" if self.beats_baselines else "does NOT beat"
        lines.append(f"The model {verdict} the best baseline ({self.best_baseline}) on ROC AUC.")
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True, eq=False)  # frames inside: identity, not ==
class ChurnPrediction:
    """Churn scores at ``as_of`` (:func:`predict_churn`).

    ``customers``: ``customer_id, churn_probability, risk_band, reasons, reasons_zh`` then the
    key features (``since_last_days, purchase_days, gap_median, overdue_ratio, total_spend,
    csat_last, nps_last, complaints, btyd_p_alive, btyd_p_no_purchase`` (the BTYD baseline,
    over the full horizon)); sorted by probability, highest first.
    """

    customers: pl.DataFrame
    evaluation: ChurnEvaluation | None
    training_window: str
    window: TrainingWindow
    model: ChurnModel
    purchase_model: Any
    as_of: dt.date
    horizon_days: int
    notes: list[str]

    def report(self) -> str:
        """What was scored, how it was trained, how it did in the backtest."""
        counts = self.customers["risk_band"].value_counts()
        band = {row[0]: row[1] for row in counts.iter_rows()}
        lines = [
            f"Churn risk as of {self.as_of}, horizon {self.horizon_days} days: "
            f"{self.customers.height:,} customers; high {band.get('high', 0):,}, medium "
            f"{band.get('medium', 0):,}, low {band.get('low', 0):,} (high >= "
            f"{RISK_BANDS['high']:.2f}, medium >= {RISK_BANDS['medium']:.2f}).",
            self.training_window,
            f"Model: calibrated gradient boosting ({self.model.calibration_} calibration on "
            f"{', '.join(self.model.calibration_inputs_)}), "
            f"{self.model.n_train_:,} training customers, {self.model.churn_rate_:.1%} churned "
            "in the training window.",
        ]
        if self.evaluation is not None:
            lines += ["Backtest inside the history:", self.evaluation.report()]
        lines += self.notes
        return "\n".join(lines)


def _first_purchase_day(
    orders: pl.LazyFrame, as_of: dt.date, tz: str, cols: dict[str, Any]
) -> dt.date:
    first = (
        purchase_days(orders, as_of=as_of, time_zone=tz, **cols)
        .select(pl.col("day").min())
        .collect()
        .item()
    )
    if first is None:
        raise NotEnoughDataError(f"no purchase day on or before {as_of}; nothing to score.")
    return first


_KEY_FEATURES = (
    "since_last_days",
    "purchase_days",
    "gap_median",
    "overdue_ratio",
    "total_spend",
    "csat_last",
    "nps_last",
    "complaints",
    "btyd_p_alive",
    "btyd_p_no_purchase",
)


def predict_churn(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: DateLike,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    feedback: pl.DataFrame | None = None,
    interactions: pl.DataFrame | None = None,
    customers: pl.DataFrame | None = None,
    tags: pl.DataFrame | None = None,
    time_zone: str = "UTC",
    seed: int = 0,
    progress: Progress | None = None,
    btyd_model: str | None = DEFAULT_BTYD_MODEL,
    backtest: bool = True,
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
    channel_col: str | None = "channel",
) -> ChurnPrediction:
    """Churn probability per customer with a purchase day up to ``as_of``: P(no purchase in
    ``(as_of, as_of + horizon_days]``), learned on the leak-proof split (module docstring).

    Nothing after ``as_of`` is read. ``backtest`` runs the same procedure once more inside the
    history (scoring at the training cut-off t1, measured on ``(t1, as_of]``:
    :attr:`ChurnPrediction.evaluation`, None with a note when that history is too short).
    ``progress(step, share)`` is called as the work advances. Customers of ``customers`` without
    a purchase day are not scored (churn is defined for buyers) and counted in ``notes``. Too
    little data raises :class:`~cimlab.errors.NotEnoughDataError` (thresholds:
    :data:`MIN_TRAINING_CUSTOMERS`, :data:`MIN_CLASS_CUSTOMERS`,
    :data:`~cimlab.predict.churn_features.MIN_WINDOW_DAYS`).

    Parameters are those of :func:`~cimlab.predict.churn_features.churn_features`, plus
    ``horizon_days`` (H), ``seed`` (the boosting's), ``progress``, ``backtest``.
    """
    tz = check_time_zone(time_zone)
    t0 = to_date(as_of, time_zone=tz)
    lf = orders.lazy()
    cols: dict[str, Any] = {
        "customer_col": customer_col,
        "time_col": time_col,
        "amount_col": amount_col,
        "status_col": status_col,
    }
    tell = progress or (lambda step, share: None)
    tell("training window", 0.0)
    window = training_window(_first_purchase_day(lf, t0, tz, cols), t0, horizon_days)
    tables = {
        "feedback": feedback,
        "interactions": interactions,
        "customers": customers,
        "tags": tags,
    }
    common: dict[str, Any] = dict(
        time_zone=tz, btyd_model=btyd_model, channel_col=channel_col, **cols, **tables
    )
    tell("features at the training cut-off", 0.1)
    train, _ = build_features(lf, as_of=window.cutoff, btyd_horizon_days=horizon_days, **common)
    labels = churn_labels(
        lf,
        as_of=window.cutoff,
        horizon_days=window.window_days,
        customer_ids=train[_ID],
        time_zone=tz,
        **cols,
    )
    tell("fitting the model", 0.3)
    model = ChurnModel(random_state=seed).fit(train, labels)
    tell("features at the scoring date", 0.5)
    scoring, purchase_model = build_features(lf, as_of=t0, btyd_horizon_days=horizon_days, **common)
    probability = model.predict_proba(scoring)[:, 1]
    tell("reasons", 0.6)
    reasons, reasons_zh = churn_reasons(model, scoring, probability, at_least=RISK_BANDS["medium"])
    out = scoring.select(
        _ID,
        pl.Series("churn_probability", probability, dtype=pl.Float64),
        risk_band(probability),
        pl.Series("reasons", reasons, dtype=pl.String),
        pl.Series("reasons_zh", reasons_zh, dtype=pl.String),
        *_KEY_FEATURES,
    ).sort(["churn_probability", _ID], descending=[True, False])
    notes: list[str] = []
    if window.shortened:
        notes.append(
            f"The training window is shortened to {window.window_days} of {horizon_days} days: the "
            "probabilities are calibrated for that shorter window (they understate churn over the "
            "full horizon); the ranking is what to read."
        )
    if purchase_model is None and btyd_model is not None:
        notes.append(
            f"The {btyd_model} purchase model could not be fitted (too few repeat buyers): no BTYD features."
        )
    if customers is not None:
        unscored = (
            customers.select(pl.col(_ID).cast(pl.String))
            .unique()
            .join(out.select(_ID), on=_ID, how="anti")
        )
        if unscored.height:
            notes.append(
                f"{unscored.height:,} customers without a purchase day up to {t0} are not scored "
                "(churn is defined for customers who bought)."
            )
    varied = [c for c in model.dropped_features_ if train[c].null_count() < train.height]
    if varied:
        notes.append(f"Features without variation in training, left out: {', '.join(varied)}.")
    evaluation = None
    if backtest:
        tell("backtest inside the history", 0.7)
        try:
            evaluation = _evaluate(
                lf, as_of=window.cutoff, horizon_days=window.window_days, seed=seed, common=common
            )
        except NotEnoughDataError as error:
            notes.append(f"No backtest inside the history: {error}")
    tell("done", 1.0)
    return ChurnPrediction(
        customers=out,
        evaluation=evaluation,
        training_window=window.statement,
        window=window,
        model=model,
        purchase_model=purchase_model,
        as_of=t0,
        horizon_days=horizon_days,
        notes=notes,
    )


def _evaluate(
    lf: pl.LazyFrame, *, as_of: dt.date, horizon_days: int, seed: int, common: dict[str, Any]
) -> ChurnEvaluation:
    cols = {k: common[k] for k in ("customer_col", "time_col", "amount_col", "status_col")}
    prediction = predict_churn(
        lf, as_of=as_of, horizon_days=horizon_days, seed=seed, backtest=False, **common
    )
    scored = prediction.customers.sort(_ID)
    outcome = churn_labels(
        lf,
        as_of=as_of,
        horizon_days=horizon_days,
        customer_ids=scored[_ID],
        time_zone=common["time_zone"],
        **cols,
    )
    scores = (
        scored.select(_ID, "churn_probability", "since_last_days", "btyd_p_no_purchase")
        .join(outcome, on=_ID)
        .select(_ID, "churned", "churn_probability", "since_last_days", "btyd_p_no_purchase")
    )
    y = scores["churned"].to_numpy()
    if y.all() or not y.any():
        raise NotEnoughDataError(
            f"every scored customer {'churned' if y.all() else 'bought again'} in the outcome window; "
            "the scores cannot be measured."
        )
    btyd_name = f"btyd ({common['btyd_model']})"
    scorers: list[tuple[str, str, bool]] = [
        ("model", "churn_probability", True),
        ("recency", "since_last_days", False),
    ]
    if scores["btyd_p_no_purchase"].null_count() == 0:
        scorers.append((btyd_name, "btyd_p_no_purchase", True))
    rows, curves = [], []
    for name, column, is_probability in scorers:
        values = scores[column].to_numpy()
        rows.append({"scorer": name, **churn_metrics(y, values, probability=is_probability)})
        if is_probability:
            curves.append(
                calibration_table(y, values).select(pl.lit(name).alias("scorer"), pl.all())
            )
    metrics = pl.DataFrame(
        rows,
        schema={
            "scorer": pl.String,
            "roc_auc": pl.Float64,
            "pr_auc": pl.Float64,
            "brier": pl.Float64,
            "top_decile_lift": pl.Float64,
        },
    )
    baselines = metrics.filter(pl.col("scorer") != "model").sort("roc_auc", descending=True)
    best = baselines.row(0, named=True)
    model_auc = metrics.filter(pl.col("scorer") == "model")["roc_auc"].item()
    return ChurnEvaluation(
        as_of=as_of,
        horizon_days=horizon_days,
        customers=scores.height,
        churned=int(y.sum()),
        metrics=metrics,
        calibration=pl.concat(curves),
        scores=scores,
        training_window=prediction.training_window,
        best_baseline=f"{best['scorer']}, ROC AUC {best['roc_auc']:.4f}",
        beats_baselines=bool(model_auc > best["roc_auc"]),
    )


def evaluate_churn(
    orders: pl.DataFrame | pl.LazyFrame,
    *,
    as_of: DateLike,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    feedback: pl.DataFrame | None = None,
    interactions: pl.DataFrame | None = None,
    customers: pl.DataFrame | None = None,
    tags: pl.DataFrame | None = None,
    time_zone: str = "UTC",
    seed: int = 0,
    btyd_model: str | None = DEFAULT_BTYD_MODEL,
    customer_col: str = "customer_id",
    time_col: str = "order_ts",
    amount_col: str = "amount",
    status_col: str | None = "status",
    channel_col: str | None = "channel",
) -> ChurnEvaluation:
    """Score at ``as_of`` from the data up to ``as_of`` only (:func:`predict_churn`), then
    measure the model and both baselines against the real outcomes in
    ``(as_of, as_of + horizon_days]``. The orders must reach that far (a line dated on or after
    its last day), else ValueError.
    """
    tz = check_time_zone(time_zone)
    t0 = to_date(as_of, time_zone=tz)
    lf = orders.lazy()
    end = t0 + dt.timedelta(days=horizon_days)
    last = (
        lf.select(day_of(time_col, lf.collect_schema()[time_col], time_zone=tz).max())
        .collect()
        .item()
    )
    if last is None or last < end:
        raise ValueError(
            f"the orders end on {last}; measuring churn in ({t0}, {end}] needs orders up to {end}. "
            "Use an earlier as_of or a shorter horizon_days."
        )
    common: dict[str, Any] = dict(
        time_zone=tz,
        btyd_model=btyd_model,
        channel_col=channel_col,
        customer_col=customer_col,
        time_col=time_col,
        amount_col=amount_col,
        status_col=status_col,
        feedback=feedback,
        interactions=interactions,
        customers=customers,
        tags=tags,
    )
    return _evaluate(lf, as_of=t0, horizon_days=horizon_days, seed=seed, common=common)
