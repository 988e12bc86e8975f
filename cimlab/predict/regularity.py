"""A regularity-aware purchase model: MBG/CNBD-k (Platzer & Reutterer 2016).

MBG/NBD assumes Poisson purchases: the time between two purchases is exponential, so a customer
who buys every week looks no more regular than one who buys at random once a week. MBG/CNBD-k
("Ticking away the moments", Platzer & Reutterer 2016; R package BTYDplus) replaces the
exponential gaps with **Erlang-k** gaps (the sum of ``k`` exponential stages at rate ``λ``, mean
``k/λ``, coefficient of variation ``1/√k``), keeps the rest of MBG/NBD:

* ``λ ~ Gamma(r, alpha)`` across customers (``alpha`` in the summary's time unit);
* at time zero (right after the first purchase) and after each repeat purchase the customer drops
  out with probability ``p ~ Beta(a, b)``;
* ``k`` (integer) is the regularity: ``k = 1`` *is* MBG/NBD. The purchase rate is ``λ/k``, so
  ``alpha`` is not comparable with MBG/NBD's once ``k > 1``.

Likelihood (derived here from the model, checked against numerical integration of it in the
tests; the same formula as BTYDplus' ``mbgcnbd.LL``, compared by reading, not by running R). With ``x`` repeat purchases,
recency ``t_x``, age ``T``, ``litt = Σ log(gap)`` (:func:`cimlab.predict.gaps.purchase_gaps`),
``n = r + kx`` and ``d = T − t_x``::

    log L = (k−1)·litt − x·log((k−1)!) + log B(a, b+x+1) − log B(a, b)
            + log Γ(n) − log Γ(r) + r log α
            + log[ (α+T)^−n Σ_{j<k} Γ(n+j)/(Γ(n) j!) (d/(α+T))^j  +  a/(b+x) (α+t_x)^−n ]

The first bracket term is "alive at T, no purchase in the last ``d``" (an Erlang-k gap longer
than ``d``: fewer than ``k`` stages, ``j`` of them, done since the last purchase); the second is
"dropped out right after the last purchase". The ``litt`` term does not depend on ``r, alpha, a,
b``, so the fit uses identical ``(frequency, recency, T)`` rows compressed and only the sum of
``litt``; it matters for the choice of ``k``, which is **by maximum likelihood over k = 1 ..
max_k** (default :data:`DEFAULT_MAX_K` = 8; each k fitted with
:func:`cimlab.predict.purchases.fit_log_params`).

Predictions (functions of ``x, t_x, T`` only). Given alive at ``T``, the posterior is exactly a
mixture over ``j`` (stages of the current gap already done), weights ``π_j ∝`` the ``j`` terms
above, with ``λ ~ Gamma(n+j, α+T)`` and ``p ~ Beta(a, b+x+1)``; the stages that follow are a
Poisson process, so the number of stages ``N`` in the next ``t`` is negative binomial and the
``m``-th future purchase needs ``N ≥ (k−j) + (m−1)k`` and ``m−1`` survived drop-outs:

* ``p_alive = 1 / (1 + [a/(b+x) (α+T)^n/(α+t_x)^n] / Σ_j …)``, exact (BTYDplus' formula);
* ``p_no_purchase(t) = 1 − p_alive + p_alive Σ_j π_j P(N_j < k−j)``, exact (a finite sum; the
  negative binomial tail is the regularised incomplete beta function);
* ``expected_purchases(t) = p_alive Σ_j π_j Σ_{m≥1} E[(1−p)^(m−1)] P(N_j ≥ k−j+(m−1)k)``, an
  exact series, truncated when its terms (decreasing in ``m``) fall below 1e-15 of the sum (or
  of 1): no approximation beyond that truncation (for ``k = 1`` the MBG/NBD closed form is used;
  the series equals it to < 1e-10, tested). BTYDplus instead uses an
  approximation (BG/NBD's formula with ``alpha`` scaled by ``k``, then rescaled so the cohort total
  matches the unconditional expectation); we do not need it.
* ``expected_purchases_new(t)`` (unconditional): the same series from time zero,
  ``Σ_{m≥1} E[(1−p)^m] P(N ≥ mk)`` with ``N`` negative binomial (r, α/(α+t)).

The predictions are checked against Monte-Carlo simulation of the model (tests). Cost: one
``betainc`` call per distinct ``(frequency, T)`` pair, ``j`` and future purchase ``m``
that matters (``m`` up to the few hundred stages of the heaviest buyers over the horizon, divided
by ``k``). Gaps come from purchase days (same-day purchases merged), so ``litt`` is that of whole
days in the summary's unit: regularity finer than a day is not seen.

Examples
--------
>>> summary = simulate_mbgcnbd(2_000, k=3, r=2.0, alpha=6.0, a=0.5, b=4.0, T=52.0, seed=1)
>>> model = RegularBetaGeoModel().fit(summary)
>>> model.k_, model.converged_
(3, True)
>>> bool((model.p_alive(summary) <= 1).all())
True
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import polars as pl

from cimlab.predict.purchases import (
    MIN_REPEAT_BUYERS,
    FitReport,
    ModifiedBetaGeoModel,
    _check_summary,
    _guard_repeat_buyers,
    _rfm_arrays,
    compress,
    fit_log_params,
)

__all__ = [
    "DEFAULT_MAX_K",
    "RegularBetaGeoModel",
    "mbgcnbd_log_likelihood",
    "simulate_mbgcnbd",
]

#: ``k`` is chosen by maximum likelihood over 1 .. DEFAULT_MAX_K unless given.
DEFAULT_MAX_K = 8
#: A series term below this share of the running sum (or of 1) ends the sum.
SERIES_TOLERANCE = 1e-15
#: More terms than this and the series is declared not converging (an error, never a silent value).
SERIES_MAX_TERMS = 200_000


def _alive_terms(r: float, alpha: float, k: int, x: Any, t_x: Any, big_t: Any) -> Any:
    """``log[Γ(n+j)/(Γ(n) j!) (d/(α+T))^j]`` for j = 0..k−1, shape ``(k, rows)``."""
    from scipy.special import gammaln

    n = r + k * x
    d = big_t - t_x
    j = np.arange(k, dtype=np.float64)[:, None]
    log_ratio = np.log(np.where(d > 0, d, 1.0)) - np.log(alpha + big_t)
    # j = 0 is "no stage since the last purchase": 1 even when d = 0 (t_x = T)
    power = np.where(j == 0, 0.0, np.where(d > 0, j * log_ratio, -np.inf))
    return gammaln(n + j) - gammaln(n) - gammaln(j + 1) + power


def mbgcnbd_log_likelihood(params: Any, k: int, x: Any, t_x: Any, big_t: Any) -> tuple[Any, Any]:
    """MBG/CNBD-k log-likelihood per row **without** the ``(k−1)·litt − x·log((k−1)!)`` term
    (which does not depend on the parameters), and its gradient ``(4, rows)`` over r, alpha, a,
    b. With ``k = 1`` it is MBG/NBD's, term for term."""
    from scipy.special import digamma, gammaln, logsumexp

    r, alpha, a, b = params
    n = r + k * x
    terms = _alive_terms(r, alpha, k, x, t_x, big_t)
    log_sum = logsumexp(terms, axis=0) if k > 1 else terms[0]
    share = np.exp(terms - log_sum)  # π_j
    j = np.arange(k, dtype=np.float64)[:, None]
    a1 = gammaln(n) - gammaln(r) + r * math.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
    a3 = -n * np.log(alpha + big_t) + log_sum
    a4 = math.log(a) - np.log(b + x) - n * np.log(alpha + t_x)
    tail = np.logaddexp(a3, a4)
    w4 = np.exp(a4 - tail)
    w3 = 1.0 - w4
    d3_dr = -np.log(alpha + big_t) + (share * (digamma(n + j) - digamma(n))).sum(axis=0)
    d3_dalpha = -(n + (share * j).sum(axis=0)) / (alpha + big_t)
    grad = np.empty((4, x.size))
    grad[0] = digamma(n) - digamma(r) + math.log(alpha) + w3 * d3_dr - w4 * np.log(alpha + t_x)
    grad[1] = r / alpha + w3 * d3_dalpha - w4 * n / (alpha + t_x)
    grad[2] = digamma(a + b) - digamma(a + b + x + 1) + w4 / a
    grad[3] = (
        digamma(a + b) + digamma(b + x + 1) - digamma(b) - digamma(a + b + x + 1) - w4 / (b + x)
    )
    return a1 + a2 + tail, grad


def _regularity_term(k: int, x: Any, litt: Any) -> Any:
    """``(k−1)·litt − x·log((k−1)!)``: the Erlang-k density's part that no parameter touches."""
    return (k - 1) * litt - x * math.lgamma(k)


def _series(shape: Any, rate: Any, first: Any, k: int, a: float, b_post: Any, t: Any) -> Any:
    """``Σ_{m≥1} E[(1−p)^(m−1)] P(N ≥ first + (m−1)k)`` with ``p ~ Beta(a, b_post)`` and ``N``
    negative binomial: Poisson stages over ``t`` at a Gamma(shape, rate) rate. All arrays 1-D of
    one length. ``P(N ≥ s) = I_{t/(rate+t)}(s, shape)`` (regularised incomplete beta); summed
    until a term (decreasing in m) is below :data:`SERIES_TOLERANCE` of the sum or of 1.

    (A stage-by-stage negative binomial recursion, tried instead, was 4× slower here.)"""
    from scipy.special import betainc

    total = np.zeros(shape.size)
    weight = np.ones(shape.size)  # E[(1−p)^(m−1)], by the recursion of beta moments
    z = t / (rate + t)
    active = np.flatnonzero(z > 0)
    m = 0
    while active.size:
        if m >= SERIES_MAX_TERMS:
            raise FloatingPointError(
                f"the MBG/CNBD-k series did not converge in {SERIES_MAX_TERMS} terms "
                f"for {active.size} rows (horizon too long for these parameters?)"
            )
        term = weight[active] * betainc(first[active] + m * k, shape[active], z[active])
        total[active] += term
        weight[active] *= (b_post[active] + m) / (a + b_post[active] + m)
        m += 1
        active = active[term > SERIES_TOLERANCE * np.maximum(total[active], 1.0)]
    return total


def simulate_mbgcnbd(
    n_customers: int,
    *,
    k: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | Any,
    horizon: float = 0.0,
    seed: int = 0,
) -> pl.DataFrame:
    """Customers drawn from MBG/CNBD-k, observed for ``T`` after their first purchase (and a
    further ``horizon``): ``frequency, recency, T, litt, alive`` (alive at T) and
    ``frequency_holdout`` (repeat purchases in (T, T + horizon]). For tests and what-ifs.

    >>> simulate_mbgcnbd(3, k=2, r=1.0, alpha=2.0, a=1.0, b=3.0, T=10.0).columns
    ['frequency', 'recency', 'T', 'litt', 'alive', 'frequency_holdout']
    """
    rng = np.random.default_rng(seed)
    big_t = np.broadcast_to(np.asarray(T, dtype=np.float64), (n_customers,))
    rate = rng.gamma(r, 1.0 / alpha, n_customers)
    drop = rng.beta(a, b, n_customers)
    frequency = np.zeros(n_customers, dtype=np.int64)
    recency = np.zeros(n_customers)
    litt = np.zeros(n_customers)
    alive = np.zeros(n_customers, dtype=bool)
    holdout = np.zeros(n_customers, dtype=np.int64)
    for i in range(n_customers):
        now, end = 0.0, big_t[i] + horizon
        if rng.random() < drop[i]:  # drops out at time zero
            continue
        while True:
            gap = rng.gamma(k, 1.0 / rate[i])
            if now + gap > end:
                alive[i] = True
                break
            now += gap
            if now <= big_t[i]:
                frequency[i] += 1
                recency[i] = now
                litt[i] += math.log(gap)
            else:
                holdout[i] += 1
            if rng.random() < drop[i]:
                break
        # alive at T: not dropped out before T (a drop-out after a holdout purchase is after T)
        alive[i] = alive[i] or holdout[i] > 0
    return pl.DataFrame(
        {
            "frequency": frequency,
            "recency": recency,
            "T": big_t.copy(),
            "litt": litt,
            "alive": alive,
            "frequency_holdout": holdout,
        }
    )


class RegularBetaGeoModel:
    """MBG/CNBD-k (Platzer & Reutterer 2016): MBG/NBD with Erlang-k gaps between purchases.

    ``fit(summary)`` needs ``frequency, recency, T`` and ``litt``
    (:func:`cimlab.predict.gaps.purchase_gaps`; only for ``k > 1`` or when ``k`` is chosen),
    optionally ``weight``. ``k=None`` chooses ``k`` by likelihood over ``1 .. max_k``.
    ``params_`` keys ``k, r, alpha, a, b``; also ``k_``, ``log_likelihood_by_k_`` (every k
    tried), ``log_likelihood_``, ``converged_`` and ``fit_report_`` (of the chosen k).
    """

    code: ClassVar[str] = "mbgcnbd"
    #: The continuous parameters (fitted by gradient, drawn for intervals); ``k`` is fixed by
    #: the choice and kept in ``params_`` and ``k_``.
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    #: Summary columns the fit needs besides ``frequency, recency, T`` (from purchase_gaps).
    summary_columns: ClassVar[tuple[str, ...]] = ("litt",)

    params_: dict[str, float]
    k_: int
    log_likelihood_: float
    log_likelihood_by_k_: dict[int, float]
    converged_: bool
    fit_report_: FitReport

    def __init__(
        self,
        *,
        k: int | None = None,
        max_k: int = DEFAULT_MAX_K,
        min_repeat_buyers: int = MIN_REPEAT_BUYERS,
    ) -> None:
        self.k = k
        self.max_k = max_k
        self.min_repeat_buyers = min_repeat_buyers

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(k={self.k}, max_k={self.max_k}, "
            f"min_repeat_buyers={self.min_repeat_buyers})"
        )

    # -- fitting ----------------------------------------------------------------------------

    def _candidates(self) -> list[int]:
        if self.k is not None:
            if not isinstance(self.k, int) or isinstance(self.k, bool) or self.k < 1:
                raise ValueError(f"k={self.k!r} should be an integer >= 1 (or None to choose it).")
            return [self.k]
        if not isinstance(self.max_k, int) or isinstance(self.max_k, bool) or self.max_k < 1:
            raise ValueError(f"max_k={self.max_k!r} should be an integer >= 1.")
        return list(range(1, self.max_k + 1))

    def fit(self, summary: pl.DataFrame) -> RegularBetaGeoModel:
        """Fit on a summary (``frequency, recency, T, litt``, optional ``weight``); returns self."""
        candidates = self._candidates()
        x_all, _, _ = _rfm_arrays(summary)
        needs_litt = candidates != [1]
        if needs_litt:
            _check_summary(summary, ("litt",))
            litt_all = summary["litt"].cast(pl.Float64).to_numpy()
            if np.any((x_all == 0) & (litt_all != 0)):
                raise ValueError(
                    "column 'litt' should be 0 where frequency is 0 (no gap); "
                    "use cimlab.predict.gaps.purchase_gaps"
                )
        else:
            litt_all = np.zeros(x_all.size)
        row_weight = (
            summary["weight"].cast(pl.Float64).to_numpy()
            if "weight" in summary.columns
            else np.ones(x_all.size)
        )
        sum_litt = float(row_weight @ litt_all)
        sum_x = float(row_weight @ x_all)
        rows = compress(summary, ["frequency", "recency", "T"])
        x, t_x, big_t = _rfm_arrays(rows)
        weight = rows["weight"].to_numpy()
        total = float(weight.sum())
        n_repeat = float(weight[x > 0].sum())
        _guard_repeat_buyers(n_repeat, self.min_repeat_buyers, f"{self.code} purchase model")

        fits: dict[int, tuple[dict[str, float], float, bool, FitReport]] = {}
        for k in candidates:
            constant = (k - 1) * sum_litt - sum_x * math.lgamma(k)

            def objective(theta: Any, k: int = k, constant: float = constant) -> tuple[float, Any]:
                params = np.exp(theta)
                ll, grad = mbgcnbd_log_likelihood(params, k, x, t_x, big_t)
                value = -(float(weight @ ll) + constant) / total
                gradient = -(grad @ weight) * params / total
                if not math.isfinite(value) or not np.all(np.isfinite(gradient)):
                    return math.inf, np.zeros_like(theta)
                return value, gradient

            params, ll, converged, attempts = fit_log_params(
                objective, ("r", "alpha", "a", "b"), total
            )
            report = FitReport(
                f"{self.code} k={k}", total, rows.height, n_repeat, attempts, converged
            )
            fits[k] = (params, ll, converged, report)

        self.log_likelihood_by_k_ = {k: fit[1] for k, fit in fits.items()}
        converged_ks = [k for k, fit in fits.items() if fit[2]]
        pool = converged_ks or list(fits)
        best = max(pool, key=lambda k: fits[k][1])
        params, ll, converged, report = fits[best]
        self.k_ = best
        self.params_ = {"k": best, **params}
        self.log_likelihood_ = ll
        self.converged_ = converged
        self.fit_report_ = report
        return self

    # -- helpers ----------------------------------------------------------------------------

    def _fitted(self) -> tuple[int, float, float, float, float]:
        if not hasattr(self, "params_"):
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet; call fit first")
        # parameter draws (cimlab.predict.clv) set only param_names: k stays the fitted one
        given = self.params_.get("k", getattr(self, "k_", None))
        if given is None:
            raise ValueError("params_ has no 'k' and the model was not fitted; set params_['k'].")
        k = round(given)
        if k < 1 or abs(k - given) > 1e-9:
            raise ValueError(f"params_['k']={given!r} should be an integer >= 1.")
        r, alpha, a, b = (float(self.params_[name]) for name in ("r", "alpha", "a", "b"))
        return k, r, alpha, a, b

    def _mbgnbd(self) -> ModifiedBetaGeoModel:
        """The k = 1 model as MBG/NBD (its closed forms)."""
        _, r, alpha, a, b = self._fitted()
        model = ModifiedBetaGeoModel(min_repeat_buyers=self.min_repeat_buyers)
        model.params_ = {"r": r, "alpha": alpha, "a": a, "b": b}
        return model

    def _finite(self, values: Any, what: str) -> Any:
        if not np.all(np.isfinite(values)):
            raise FloatingPointError(
                f"{self.code}: {what} is not finite for {int((~np.isfinite(values)).sum())} "
                f"customers at params {self.params_}"
            )
        return values

    def _posterior(self, summary: pl.DataFrame) -> tuple[Any, Any, Any, Any]:
        """P(alive), the shares π_j ``(k, rows)``, and x, T."""
        from scipy.special import logsumexp

        k, r, alpha, a, b = self._fitted()
        x, t_x, big_t = _rfm_arrays(summary)
        terms = _alive_terms(r, alpha, k, x, t_x, big_t)
        log_sum = logsumexp(terms, axis=0)
        n = r + k * x
        log_alive = -n * np.log(alpha + big_t) + log_sum
        log_dead = math.log(a) - np.log(b + x) - n * np.log(alpha + t_x)
        alive = np.exp(log_alive - np.logaddexp(log_alive, log_dead))
        return alive, np.exp(terms - log_sum), x, big_t

    # -- predictions ------------------------------------------------------------------------

    def _log_likelihood(self, params: Any, x: Any, t_x: Any, big_t: Any) -> tuple[Any, Any]:
        """Per-row log-likelihood (without the litt term) and gradient over ``param_names`` at
        the fitted ``k``: the purchase models' ``_log_likelihood`` contract (CLV intervals)."""
        return mbgcnbd_log_likelihood(params, self._fitted()[0], x, t_x, big_t)

    def log_likelihood(self, summary: pl.DataFrame) -> Any:
        """Per-customer log-likelihood at the fitted parameters (needs ``litt`` when k > 1)."""
        k, r, alpha, a, b = self._fitted()
        x, t_x, big_t = _rfm_arrays(summary)
        litt = np.zeros(x.size)
        if k > 1:
            _check_summary(summary, ("litt",))
            litt = summary["litt"].cast(pl.Float64).to_numpy()
        core = mbgcnbd_log_likelihood((r, alpha, a, b), k, x, t_x, big_t)[0]
        return core + _regularity_term(k, x, litt)

    def p_alive(self, summary: pl.DataFrame) -> Any:
        """P(alive at T | x, t_x, T): not dropped out (exact)."""
        return self._finite(self._posterior(summary)[0], "P(alive)")

    def p_no_purchase(self, t: Any, summary: pl.DataFrame) -> Any:
        """P(no purchase in (T, T + t] | x, t_x, T) (exact): 1 − P(alive) + P(alive)·Σ_j π_j
        P(fewer than k − j stages in t). ``t`` is a number or one horizon per row; ``t = 0``
        gives 1, ``t = inf`` 1 − P(alive)."""
        from scipy.special import betainc

        k, r, alpha, _, _ = self._fitted()
        alive, share, x, big_t = self._posterior(summary)
        horizon = np.broadcast_to(np.asarray(t, dtype=np.float64), x.shape)
        if np.isnan(horizon).any() or (horizon < 0).any():
            raise ValueError(f"t={t!r} should be a horizon >= 0 in the summary's time unit.")
        finite = np.isfinite(horizon)
        safe = np.where(finite, horizon, 0.0)
        z = np.where(finite, safe / (alpha + big_t + safe), 1.0)  # P(a stage by t) -> 1 at inf
        j = np.arange(k, dtype=np.float64)[:, None]
        shape = r + k * x[None, :] + j
        quiet = (share * (1.0 - betainc(k - j, shape, z[None, :]))).sum(axis=0)
        value = 1.0 - alive + alive * quiet
        return self._finite(np.clip(value, 0.0, 1.0), "P(no purchase)")

    def expected_purchases(self, t: float, summary: pl.DataFrame) -> Any:
        """Conditional expected purchases in the next ``t`` time units, E[X(t) | x, t_x, T]
        (MBG/NBD's closed form at k = 1, the exact series of the module docstring above)."""
        horizon = _horizon(t)
        k = self._fitted()[0]
        if k == 1:
            return self._mbgnbd().expected_purchases(horizon, summary)
        if horizon == math.inf:
            raise ValueError("t=inf: the expected purchases need a finite horizon.")
        # given alive, the series depends on (x, T) and j only: computed once per distinct
        # (frequency, T); P(alive) and the shares π_j (cheap) per row
        alive, share, x, big_t = self._posterior(summary)
        keys, inverse = np.unique(np.stack([x, big_t], axis=1), axis=0, return_inverse=True)
        per_j = self._per_stage(horizon, keys[:, 0], keys[:, 1])[:, inverse.reshape(-1)]
        return self._finite(alive * (share * per_j).sum(axis=0), "expected purchases")

    def _per_stage(self, horizon: float, x: Any, big_t: Any) -> Any:
        """E[purchases in the next ``horizon`` | alive at T, j stages done], ``(k, rows)``."""
        k, r, alpha, a, b = self._fitted()
        rows = x.size
        j = np.repeat(np.arange(k, dtype=np.float64), rows)
        xs = np.tile(x, k)
        return _series(
            shape=r + k * xs + j,
            rate=np.tile(alpha + big_t, k),
            first=k - j,
            k=k,
            a=a,
            b_post=b + xs + 1.0,
            t=np.full(rows * k, horizon),
        ).reshape(k, rows)

    def expected_purchases_new(self, t: Any) -> Any:
        """Unconditional E[X(t)] of a customer ``t`` units after their first purchase."""
        k, r, alpha, a, b = self._fitted()
        if k == 1:
            return self._mbgnbd().expected_purchases_new(t)
        times = np.asarray(t, dtype=np.float64)
        flat = times.reshape(-1)
        if np.any(~np.isfinite(flat) | (flat < 0)):
            raise ValueError("t should hold finite horizons >= 0.")
        size = flat.size
        value = (
            b
            / (a + b)
            * _series(
                shape=np.full(size, r),
                rate=np.full(size, alpha),
                first=np.full(size, float(k)),
                k=k,
                a=a,
                b_post=np.full(size, b + 1.0),
                t=flat,
            )
        )
        return self._finite(value.reshape(times.shape), "expected purchases")


def _horizon(t: float) -> float:
    horizon = float(t)
    if math.isnan(horizon) or horizon < 0:
        raise ValueError(f"t={t!r} should be a horizon >= 0 in the summary's time unit.")
    return horizon
