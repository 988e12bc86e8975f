"""Buy-till-you-die purchase models: BG/NBD, MBG/NBD and Pareto/NBD, fitted by maximum likelihood.

Each model reads a customer summary (:func:`cimlab.analytics.rfm.customer_summary`): ``frequency``
(repeat purchases ``x``), ``recency`` (``t_x``, first to last purchase) and ``T`` (first purchase to
the end of the observation), optionally a ``weight`` (how many customers the row stands for).
**The time unit is the caller's**: the numbers are in whatever unit the summary was computed in
(``time_unit="week"`` gives weeks), the rate parameter ``alpha`` (and ``beta`` of Pareto/NBD) is in
that unit, and so is every horizon ``t`` given to the predictions.

The log-likelihoods are our own, vectorised in NumPy/SciPy with analytic gradients, and maximised
with L-BFGS-B over the logarithms of the parameters; identical ``(frequency, recency, T)`` rows are
compressed to one row with a weight first. They equal lifetimes' (``BetaGeoFitter``,
``ModifiedBetaGeoFitter``, ``ParetoNBDFitter``) on the same data (tests/test_predict_models.py).

Convergence is checked, not assumed: a fit counts as converged when the optimiser reports success,
the log-likelihood is finite, the gradient norm (of the mean log-likelihood over log-parameters) is
below ``1e-4``, no parameter sits on its bound (``1e-6 .. 1e6``) and no earlier attempt reached a
higher likelihood (a stop below it is on a flat ridge, not at the maximum). When the first start fails,
the documented strategies follow in order (:data:`START_POINTS`): other starting points, then a
Nelder-Mead polish of the best point found followed by one more L-BFGS-B run from there. Each
attempt is bounded (L-BFGS-B 300 iterations, Nelder-Mead 800 evaluations) and the whole fit by
:data:`FIT_SECONDS` of wall-clock time (attempts stop there and keep the best point reached), so a
fit the data cannot identify -- e.g. no customer ever drops out, where the dropout parameters run
off to infinity -- ends in bounded time and says it did not converge. Every attempt is recorded in
``fit_report_``; a fit that never converges keeps its best parameters and
says so (``converged_`` is False) -- never a silent NaN.

References: Fader, Hardie & Lee (2005), "Counting your customers" the easy way (BG/NBD);
Batislam, Denizel & Filiztekin (2007) (MBG/NBD); Schmittlein, Morrison & Colombo (1987) and Fader &
Hardie (2005), "A note on deriving the Pareto/NBD model" (Pareto/NBD).

Examples
--------
>>> import polars as pl
>>> summary = pl.DataFrame({
...     "frequency": [0, 1, 2, 3, 0, 5, 1, 2, 0, 4] * 3,
...     "recency": [0.0, 5.0, 20.0, 30.0, 0.0, 35.0, 2.0, 10.0, 0.0, 38.0] * 3,
...     "T": [39.0, 39.0, 39.0, 39.0, 30.0, 39.0, 20.0, 25.0, 10.0, 39.0] * 3,
... })
>>> model = BetaGeoModel(min_repeat_buyers=5).fit(summary)
>>> model.converged_, sorted(model.params_)
(True, ['a', 'alpha', 'b', 'r'])
>>> bool((model.p_alive(summary) <= 1).all())
True
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
import polars as pl

from cimlab.errors import NotEnoughDataError

__all__ = [
    "MIN_REPEAT_BUYERS",
    "START_POINTS",
    "BetaGeoModel",
    "FitAttempt",
    "FitReport",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
]

#: Fewer customers with a repeat purchase than this and a model is not fitted (NotEnoughDataError).
MIN_REPEAT_BUYERS = 20
#: Wall-clock budget of one model fit, in seconds: attempts stop there and keep their best point.
FIT_SECONDS = 20.0
#: Starting points tried in turn (all parameters set to the value), before the Nelder-Mead polish.
START_POINTS: tuple[float, ...] = (1.0, 0.5, 2.0, 0.1)
#: Parameter bounds (on the natural scale) and the gradient norm a converged fit must be under.
PARAM_BOUNDS = (1e-6, 1e6)
GRADIENT_TOLERANCE = 1e-4
_LOG_BOUNDS = (math.log(PARAM_BOUNDS[0]), math.log(PARAM_BOUNDS[1]))


def _tanh_sinh(step: float, reach: float) -> tuple[Any, Any]:
    """Tanh-sinh (double exponential) nodes and weights on [0, 1]: exact to ~1e-12 for integrands
    analytic inside the interval, whatever they do at its ends."""
    t = np.arange(-reach, reach + step / 2, step)
    z = np.pi / 2 * np.sinh(t)
    nodes = 1.0 / (1.0 + np.exp(-2.0 * z))
    weights = step * np.pi / 4 * np.cosh(t) / np.cosh(z) ** 2
    return nodes, weights


# 53 nodes for the Pareto/NBD integral (its integrand after the substitution has an endpoint kink;
# 113 nodes change the CDNOW master fit by < 1e-12)
_TS_NODES, _TS_WEIGHTS = _tanh_sinh(1 / 8, 3.25)


@dataclasses.dataclass(frozen=True)
class FitAttempt:
    """One optimiser run: the strategy, where it started, what it reached."""

    strategy: str
    start: dict[str, float]
    params: dict[str, float]
    log_likelihood: float
    gradient_norm: float
    optimizer_success: bool
    message: str
    on_bound: bool
    converged: bool


@dataclasses.dataclass(frozen=True)
class FitReport:
    """What a fit did: the data it saw and every attempt, in order."""

    model: str
    n_customers: float
    n_rows: int
    n_repeat_buyers: float
    attempts: tuple[FitAttempt, ...]
    converged: bool

    def summary(self) -> str:
        """One line per attempt, for people.

        >>> FitReport("bgnbd", 10, 8, 5, (), False).summary().splitlines()[0]
        'bgnbd: 10 customers (8 distinct rows, 5 repeat buyers), not converged'
        """
        state = "converged" if self.converged else "not converged"
        lines = [
            f"{self.model}: {self.n_customers:g} customers ({self.n_rows} distinct rows, "
            f"{self.n_repeat_buyers:g} repeat buyers), {state}"
        ]
        for attempt in self.attempts:
            lines.append(
                f"  {attempt.strategy}: ll={attempt.log_likelihood:.6g}, "
                f"|grad|={attempt.gradient_norm:.2g}, converged={attempt.converged}"
                + (", a parameter on its bound" if attempt.on_bound else "")
            )
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# Data handling
# ------------------------------------------------------------------------------------------------


def compress(summary: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Identical rows of ``columns`` as one row with the summed ``weight`` (1 per row if absent),
    sorted: a fit then sums in the same order whatever the order of the summary's rows, so the
    same customers give the same parameters to the last bit (the churn scores' no-leak test
    compares them exactly).

    >>> frame = pl.DataFrame({"frequency": [0, 0, 2], "recency": [0.0, 0.0, 3.0], "T": [5.0] * 3})
    >>> compress(frame, ["frequency", "recency", "T"]).rows()
    [(0, 0.0, 5.0, 2.0), (2, 3.0, 5.0, 1.0)]
    """
    weight = (
        pl.col("weight").cast(pl.Float64) if "weight" in summary.columns else pl.lit(1.0)
    ).alias("weight")
    return (
        summary.select(*columns, weight).group_by(columns).agg(pl.col("weight").sum()).sort(columns)
    )


def _check_summary(summary: pl.DataFrame, columns: Sequence[str]) -> None:
    missing = [name for name in columns if name not in summary.columns]
    if missing:
        raise ValueError(
            f"the summary has no column {', '.join(map(repr, missing))}; expected {list(columns)} "
            "(cimlab.analytics.rfm.customer_summary computes them)"
        )
    for name in columns:
        values = summary[name].cast(pl.Float64)
        if values.is_null().any() or not values.is_finite().all():
            raise ValueError(f"column {name!r} has missing or non-finite values; drop those rows")


def _rfm_arrays(summary: pl.DataFrame) -> tuple[Any, Any, Any]:
    _check_summary(summary, ("frequency", "recency", "T"))
    x = summary["frequency"].cast(pl.Float64).to_numpy()
    t_x = summary["recency"].cast(pl.Float64).to_numpy()
    big_t = summary["T"].cast(pl.Float64).to_numpy()
    bad = (x < 0) | (t_x < 0) | (t_x > big_t) | (big_t <= 0) | ((x == 0) & (t_x != 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"row {i}: frequency={x[i]:g}, recency={t_x[i]:g}, T={big_t[i]:g} is not a summary row "
            "(need frequency >= 0, 0 <= recency <= T, T > 0, recency = 0 when frequency = 0)"
        )
    return x, t_x, big_t


def _guard_repeat_buyers(n_repeat: float, minimum: int, what: str) -> None:
    if n_repeat < minimum:
        raise NotEnoughDataError(
            f"only {n_repeat:g} customers bought more than once; the {what} needs at least "
            f"{minimum} repeat buyers to be trusted. Use a longer history or more customers."
        )


# ------------------------------------------------------------------------------------------------
# The optimiser shared by every model (also used by cimlab.predict.spend)
# ------------------------------------------------------------------------------------------------

NegLogLik = Callable[[Any], tuple[float, Any]]


def _attempt(
    objective: NegLogLik,
    names: Sequence[str],
    theta0: Any,
    strategy: str,
    total: float,
    *,
    evaluate_only: bool = False,
) -> tuple[FitAttempt, Any]:
    from types import SimpleNamespace

    from scipy.optimize import minimize

    bounds = [_LOG_BOUNDS] * len(names)
    with np.errstate(all="ignore"):
        if evaluate_only:  # the point as it is (a fit stopped by its time budget)
            result = SimpleNamespace(x=np.asarray(theta0, dtype=np.float64), success=False,
                                     message="evaluated only")  # fmt: skip
        elif strategy.startswith("nelder-mead"):
            result = minimize(
                lambda th: objective(th)[0],
                theta0,
                method="Nelder-Mead",
                bounds=bounds,
                options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 600, "maxfev": 800},
            )
        else:
            result = minimize(
                objective,
                theta0,
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": 300, "ftol": 1e-15, "gtol": 1e-9},
            )
        value, gradient = objective(result.x)
    grad_norm = float(np.linalg.norm(gradient)) if np.all(np.isfinite(gradient)) else math.inf
    # strictly inside the bounds (a parameter on a bound is a boundary solution, not a maximum)
    inside = bool(np.all((result.x > _LOG_BOUNDS[0] + 1e-6) & (result.x < _LOG_BOUNDS[1] - 1e-6)))
    log_likelihood = -value * total
    converged = (
        bool(result.success)
        and math.isfinite(log_likelihood)
        and grad_norm < GRADIENT_TOLERANCE
        and inside
    )
    if strategy.startswith("nelder-mead"):  # a polish is judged by the next L-BFGS-B run
        converged = False
    attempt = FitAttempt(
        strategy=strategy,
        start=dict(zip(names, np.exp(theta0).tolist(), strict=True)),
        params=dict(zip(names, np.exp(result.x).tolist(), strict=True)),
        log_likelihood=log_likelihood,
        gradient_norm=grad_norm,
        optimizer_success=bool(result.success),
        message=str(result.message),
        on_bound=not inside,
        converged=converged,
    )
    return attempt, result.x


def fit_log_params(
    objective: NegLogLik, names: Sequence[str], total: float
) -> tuple[dict[str, float], float, bool, tuple[FitAttempt, ...]]:
    """Maximise a log-likelihood over log-parameters with the documented retry strategies.

    ``objective(theta)`` returns the negative mean log-likelihood and its gradient; ``total`` is
    the summed weight (the log-likelihood reported is the total, not the mean). Returns the best
    parameters, their log-likelihood, whether a converged attempt produced them, and the attempts.
    """
    from threadpoolctl import threadpool_limits

    # L-BFGS-B's tiny matrix products on a multi-threaded BLAS spend ~5 ms per iteration waking
    # threads (50 ms for a 4-parameter quadratic here, 0.5 ms on one thread)
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_log_params(objective, names, total)


class _OutOfTime(Exception):
    """The fit's time budget (:data:`FIT_SECONDS`) ran out during an attempt."""


def _beaten(log_likelihood: float, best: tuple[float, Any] | None) -> bool:
    """An earlier attempt reached a higher likelihood: a "converged" point below it is a stop on a
    flat ridge (e.g. a maximum at infinity), not the maximum."""
    return best is not None and log_likelihood < best[0] - 1e-9 * abs(best[0])


def _fit_log_params(
    objective: NegLogLik, names: Sequence[str], total: float
) -> tuple[dict[str, float], float, bool, tuple[FitAttempt, ...]]:
    import time

    deadline = time.perf_counter() + FIT_SECONDS
    seen: dict[str, Any] = {}  # the best point any attempt reached (kept when time runs out)

    def bounded(theta: Any) -> tuple[float, Any]:
        if time.perf_counter() > deadline:
            raise _OutOfTime
        value, gradient = objective(theta)
        if math.isfinite(value) and value < seen.get("value", math.inf):
            seen.update(value=value, theta=np.array(theta, dtype=np.float64))
        return value, gradient

    def run(theta0: Any, strategy: str) -> tuple[FitAttempt, Any]:
        try:
            return _attempt(bounded, names, theta0, strategy, total)
        except _OutOfTime:
            theta = seen.get("theta", np.asarray(theta0, dtype=np.float64))
            stopped, _ = _attempt(objective, names, theta, strategy, total, evaluate_only=True)
            message = f"stopped: the fit's time budget of {FIT_SECONDS:g} s ran out"
            return dataclasses.replace(stopped, message=message, converged=False), theta

    attempts: list[FitAttempt] = []
    best: tuple[float, Any] | None = None
    for value in START_POINTS:
        theta0 = np.full(len(names), math.log(value))
        attempt, theta = run(theta0, f"L-BFGS-B from {value:g}")
        attempts.append(attempt)
        ll = attempt.log_likelihood
        if math.isfinite(ll) and (best is None or ll > best[0]):
            best = (ll, theta)
        if attempt.converged and not _beaten(ll, best):
            return attempt.params, ll, True, tuple(attempts)
        if time.perf_counter() > deadline:
            break
    if best is not None and time.perf_counter() <= deadline:
        polish, theta = run(best[1], "nelder-mead polish of the best")
        attempts.append(polish)
        if time.perf_counter() <= deadline:
            final, theta = run(theta, "L-BFGS-B after the polish")
            attempts.append(final)
            if final.converged and not _beaten(final.log_likelihood, best):
                return final.params, final.log_likelihood, True, tuple(attempts)
    finite = [a for a in attempts if math.isfinite(a.log_likelihood)]
    if not finite:
        nan = dict.fromkeys(names, math.nan)
        return nan, -math.inf, False, tuple(attempts)
    chosen = max(finite, key=lambda a: a.log_likelihood)
    return chosen.params, chosen.log_likelihood, False, tuple(attempts)


# ------------------------------------------------------------------------------------------------
# Log-likelihoods (per row) with gradients over the natural parameters
# ------------------------------------------------------------------------------------------------


def _by_frequency(x: Any) -> tuple[Any, Any]:
    """Distinct frequencies and each row's index into them: terms that depend on the frequency
    only (gamma functions of ``r + x``...) are computed once per distinct value and gathered,
    which is most of a likelihood evaluation's cost on a large summary. Frequencies are counts,
    so ``0 .. max`` serves as the levels without a sort (``numpy.unique`` when the range is far
    wider than the data)."""
    counts = np.asarray(x)
    whole = counts.astype(np.int64)
    small = counts.size and whole.min() >= 0 and int(whole.max()) <= max(4 * counts.size, 1024)
    if small and np.array_equal(whole, counts):
        return np.arange(int(whole.max()) + 1, dtype=np.float64), whole
    levels, index = np.unique(counts, return_inverse=True)
    return levels.astype(np.float64), index


def bgnbd_log_likelihood(params: Sequence[float], x: Any, t_x: Any, big_t: Any) -> tuple[Any, Any]:
    """BG/NBD log-likelihood per customer and its gradient, shape ``(4, n)``, over r, alpha, a, b."""
    from scipy.special import digamma, gammaln

    r, alpha, a, b = params
    levels, at = _by_frequency(x)
    buyer_level = levels > 0
    b_x1_level = np.where(buyer_level, b + levels - 1.0, 1.0)
    constant = (
        gammaln(r + levels) - gammaln(r) + r * math.log(alpha)
        + gammaln(a + b) + gammaln(b + levels) - gammaln(b) - gammaln(a + b + levels)
    )  # fmt: skip
    buyer = buyer_level[at]
    b_x1 = b_x1_level[at]
    log_alpha_t = np.log(alpha + big_t)
    log_alpha_tx = np.log(alpha + t_x)
    a3 = -(r + x) * log_alpha_t
    a4 = np.where(buyer, math.log(a) - np.log(b_x1) - (r + x) * log_alpha_tx, -np.inf)
    tail = np.logaddexp(a3, a4)
    w4 = np.exp(a4 - tail)
    w3 = 1.0 - w4
    d_r = digamma(r + levels) - digamma(r) + math.log(alpha)
    d_ab = digamma(a + b) - digamma(a + b + levels)
    d_b = d_ab + digamma(b + levels) - digamma(b)
    grad = np.empty((4, x.size))
    grad[0] = d_r[at] - w3 * log_alpha_t - w4 * log_alpha_tx
    grad[1] = r / alpha - w3 * (r + x) / (alpha + big_t) - w4 * (r + x) / (alpha + t_x)
    grad[2] = d_ab[at] + w4 / a
    grad[3] = d_b[at] - w4 / b_x1
    return constant[at] + tail, grad


def mbgnbd_log_likelihood(params: Sequence[float], x: Any, t_x: Any, big_t: Any) -> tuple[Any, Any]:
    """MBG/NBD log-likelihood per customer and its gradient, shape ``(4, n)``, over r, alpha, a, b."""
    from scipy.special import digamma, gammaln

    r, alpha, a, b = params
    levels, at = _by_frequency(x)
    constant = (
        gammaln(r + levels) - gammaln(r) + r * math.log(alpha)
        + gammaln(a + b) + gammaln(b + levels + 1) - gammaln(b) - gammaln(a + b + levels + 1)
    )  # fmt: skip
    log_alpha_t = np.log(alpha + big_t)
    log_alpha_tx = np.log(alpha + t_x)
    a3 = -(r + x) * log_alpha_t
    a4 = math.log(a) - np.log(b + levels)[at] - (r + x) * log_alpha_tx
    tail = np.logaddexp(a3, a4)
    w4 = np.exp(a4 - tail)
    w3 = 1.0 - w4
    d_r = digamma(r + levels) - digamma(r) + math.log(alpha)
    d_ab = digamma(a + b) - digamma(a + b + levels + 1)
    d_b = d_ab + digamma(b + levels + 1) - digamma(b)
    grad = np.empty((4, x.size))
    grad[0] = d_r[at] - w3 * log_alpha_t - w4 * log_alpha_tx
    grad[1] = r / alpha - w3 * (r + x) / (alpha + big_t) - w4 * (r + x) / (alpha + t_x)
    grad[2] = d_ab[at] + w4 / a
    grad[3] = d_b[at] - w4 / (b + x)
    return constant[at] + tail, grad


def _pareto_integral(params: Sequence[float], x: Any, t_x: Any, big_t: Any) -> tuple[Any, Any, Any]:
    """``log I`` with ``I = ∫_{t_x}^{T} (α+y)^-(r+x) (β+y)^-(s+1) dy`` and ``∂ log I/∂(r, α, s, β)``.

    Substitution ``u = (c+y)^-(k-1)``, ``k = r+x+s+1``, ``c`` the rate of the larger exponent,
    leaves a bounded integrand ``g`` on [0, 1], steep only at one end (tanh-sinh quadrature); all in log space, so large
    ``x`` does not overflow and ``t_x = T`` gives ``log I = -inf`` (no NaN).
    """
    r, alpha, s, beta = params
    m = r + x
    n = s + 1.0
    k = m + n
    use_alpha = m >= n
    c = np.where(use_alpha, alpha, beta)
    log_c_tx = np.log(c + t_x)
    delta = np.log(c + big_t) - log_c_tx  # >= 0
    km1 = k - 1.0
    with np.errstate(divide="ignore"):
        log_span = -km1 * log_c_tx + np.log(-np.expm1(-km1 * delta)) - np.log(km1)
    rho = np.exp(-km1 * delta)[:, None]
    w = _TS_NODES[None, :]
    log_cy = log_c_tx[:, None] - np.log(rho + w * (1.0 - rho)) / km1[:, None]
    y = np.exp(log_cy) - c[:, None]
    log_ay = np.log(alpha + y)
    log_by = np.log(beta + y)
    # g = f / (c+y)^-k, with f the integrand
    log_g = -m[:, None] * log_ay - n * log_by + k[:, None] * log_cy
    peak = log_g.max(axis=1, keepdims=True)
    weights = _TS_WEIGHTS[None, :] * np.exp(log_g - peak)
    total = weights.sum(axis=1)
    log_i = log_span + peak[:, 0] + np.log(total)
    share = weights / total[:, None]
    grad = np.empty((4, x.size))
    grad[0] = -(share * log_ay).sum(axis=1)
    grad[1] = -m * (share / (alpha + y)).sum(axis=1)
    grad[2] = -(share * log_by).sum(axis=1)
    grad[3] = -n * (share / (beta + y)).sum(axis=1)
    return log_i, grad, np.isfinite(log_i)


def _pareto_parts(params: Sequence[float], x: Any, t_x: Any, big_t: Any) -> tuple[Any, ...]:
    r, alpha, s, beta = params
    alive_term = -(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t)
    log_i, grad_i, has_i = _pareto_integral(params, x, t_x, big_t)
    dead_term = np.where(has_i, math.log(s) + log_i, -np.inf)
    return alive_term, dead_term, grad_i


def pareto_log_likelihood(params: Sequence[float], x: Any, t_x: Any, big_t: Any) -> tuple[Any, Any]:
    """Pareto/NBD log-likelihood per customer and its gradient, ``(4, n)``, over r, alpha, s, beta.

    ``L = Γ(r+x) α^r β^s / Γ(r) · [(α+T)^-(r+x) (β+T)^-s + s ∫_{t_x}^{T} (α+y)^-(r+x) (β+y)^-(s+1) dy]``
    (the integral is the 2F1 term of Fader & Hardie's note), summed with log-sum-exp.
    """
    from scipy.special import digamma, gammaln

    r, alpha, s, beta = params
    alive_term, dead_term, grad_i = _pareto_parts(params, x, t_x, big_t)
    tail = np.logaddexp(alive_term, dead_term)
    w_dead = np.exp(dead_term - tail)
    w_alive = 1.0 - w_dead
    grad = np.empty((4, x.size))
    grad[0] = (
        digamma(r + x)
        - digamma(r)
        + math.log(alpha)
        - w_alive * np.log(alpha + big_t)
        + w_dead * grad_i[0]
    )
    grad[1] = r / alpha - w_alive * (r + x) / (alpha + big_t) + w_dead * grad_i[1]
    grad[2] = math.log(beta) - w_alive * np.log(beta + big_t) + w_dead * (1.0 / s + grad_i[2])
    grad[3] = s / beta - w_alive * s / (beta + big_t) + w_dead * grad_i[3]
    ll = gammaln(r + x) - gammaln(r) + r * math.log(alpha) + s * math.log(beta) + tail
    return ll, grad


# ------------------------------------------------------------------------------------------------
# The estimators
# ------------------------------------------------------------------------------------------------


class _PurchaseModel:
    code: ClassVar[str]
    param_names: ClassVar[tuple[str, str, str, str]]
    _log_likelihood: ClassVar[Callable[..., tuple[Any, Any]]]

    params_: dict[str, float]
    log_likelihood_: float
    converged_: bool
    fit_report_: FitReport

    def __init__(self, *, min_repeat_buyers: int = MIN_REPEAT_BUYERS) -> None:
        self.min_repeat_buyers = min_repeat_buyers

    def __repr__(self) -> str:
        return f"{type(self).__name__}(min_repeat_buyers={self.min_repeat_buyers})"

    def fit(self, summary: pl.DataFrame) -> Any:
        """Fit on a summary (``frequency, recency, T``, optional ``weight``); returns ``self``."""
        _rfm_arrays(summary)
        rows = compress(summary, ["frequency", "recency", "T"])
        x, t_x, big_t = _rfm_arrays(rows)
        weight = rows["weight"].to_numpy()
        total = float(weight.sum())
        n_repeat = float(weight[x > 0].sum())
        _guard_repeat_buyers(n_repeat, self.min_repeat_buyers, f"{self.code} purchase model")
        summed = self._summed_log_likelihood(x, t_x, big_t, weight)

        def objective(theta: Any) -> tuple[float, Any]:
            params = np.exp(theta)
            ll, grad = summed(params)
            value = -ll / total
            gradient = -grad * params / total
            if not math.isfinite(value) or not np.all(np.isfinite(gradient)):
                return math.inf, np.zeros_like(theta)
            return value, gradient

        params, ll, converged, attempts = fit_log_params(objective, self.param_names, total)
        self.params_ = params
        self.log_likelihood_ = ll
        self.converged_ = converged
        self.fit_report_ = FitReport(self.code, total, rows.height, n_repeat, attempts, converged)
        return self

    def _summed_log_likelihood(
        self, x: Any, t_x: Any, big_t: Any, weight: Any
    ) -> Callable[[Any], tuple[float, Any]]:
        """``params -> (Σ weight·ll, its gradient)`` on these rows; the BG/NBD family overrides it
        with :mod:`cimlab.predict.beta_geo_sums`."""
        loglik = type(self)._log_likelihood

        def summed(params: Any) -> tuple[float, Any]:
            ll, grad = loglik(params, x, t_x, big_t)
            return float(weight @ ll), grad @ weight

        return summed

    def _fitted(self) -> tuple[float, float, float, float]:
        if not hasattr(self, "params_"):
            raise RuntimeError(f"this {type(self).__name__} is not fitted yet; call fit first")
        r, alpha, third, fourth = (self.params_[name] for name in self.param_names)
        return r, alpha, third, fourth

    def log_likelihood(self, summary: pl.DataFrame) -> Any:
        """Per-customer log-likelihood at the fitted parameters."""
        x, t_x, big_t = _rfm_arrays(summary)
        return type(self)._log_likelihood(self._fitted(), x, t_x, big_t)[0]

    def _finite(self, values: Any, what: str) -> Any:
        if not np.all(np.isfinite(values)):
            raise FloatingPointError(
                f"{self.code}: {what} is not finite for {int((~np.isfinite(values)).sum())} "
                f"customers at params {self.params_}"
            )
        return values


def _beta_geo_sum(
    x: Any, t_x: Any, big_t: Any, weight: Any, *, modified: bool
) -> Callable[[Any], tuple[float, Any]]:
    from cimlab.predict.beta_geo_sums import log_likelihood_sum, prepare

    rows = prepare(x, t_x, big_t, weight, modified=modified)
    return lambda params: log_likelihood_sum(params, rows)


def _hyp2f1_log(a: Any, b: Any, c: Any, z: Any) -> Any:
    """``log 2F1(a, b; c; z)`` for 0 <= z < 1, falling back to Euler's transform on overflow."""
    from scipy.special import hyp2f1

    with np.errstate(all="ignore"):
        direct = np.log(hyp2f1(a, b, c, z))
        bad = ~np.isfinite(direct)
        if not bad.any():  # Euler's transform only where needed (hyp2f1 is the costly part)
            return direct
        a, b, c, z = (np.broadcast_to(v, direct.shape)[bad] for v in (a, b, c, z))
        euler = np.log(hyp2f1(c - a, c - b, c, z)) + (c - a - b) * np.log1p(-z)
        still = ~np.isfinite(euler)
        if still.any():  # e.g. r in the tens of thousands (a fit without heterogeneity)
            euler[still] = _hyp2f1_log_series(a[still], b[still], c[still], z[still])
    result = np.array(direct, dtype=np.float64)
    result[bad] = euler
    return result


def _hyp2f1_log_series(a: Any, b: Any, c: Any, z: Any, *, max_terms: int = 100_000) -> Any:
    """``log 2F1(a, b; c; z)`` by its power series summed in log space, for 0 <= z < 1 and
    positive ``a, b, c``: every term is positive, so nothing cancels; the sum stops when the
    terms have passed their peak and fall below 1e-17 of it.

    >>> float(np.exp(_hyp2f1_log_series(np.array([1.0]), np.array([1.0]), np.array([2.0]),
    ...                                   np.array([0.5]))[0]))  # -log(1 - z) / z
    1.3862943611198904
    """
    log_z = np.log(z)
    term = np.zeros_like(z, dtype=np.float64)  # log of the n-th term, n = 0
    total = np.zeros_like(term)
    active = np.ones(term.shape, dtype=bool)
    for n in range(max_terms):
        term = term + np.log(a + n) + np.log(b + n) - np.log(c + n) - math.log(n + 1) + log_z
        total = np.where(active, np.logaddexp(total, term), total)
        falling = (a + n) * (b + n) * z < (c + n) * (n + 1)
        active &= ~(falling & (term < total - 40.0))
        if not active.any():
            break
    return np.where(active, np.nan, total)


def _check_horizon(t: Any) -> Any:
    """A horizon (a number, or one per row) as floats >= 0 (``inf`` allowed)."""
    horizon = np.asarray(t, dtype=np.float64)
    if np.isnan(horizon).any() or (horizon < 0).any():
        raise ValueError(f"t={t!r} should be a horizon >= 0 in the summary's time unit.")
    return horizon


def _no_poisson_event(r: float, alpha: float, x: Any, big_t: Any, t: Any) -> Any:
    """``((α+T)/(α+T+t))^(r+x)``: no event in a horizon ``t`` at a Gamma(r+x, α+T) rate."""
    with np.errstate(over="ignore"):
        return np.exp(-(r + x) * np.log1p(t / (alpha + big_t)))


class BetaGeoModel(_PurchaseModel):
    """BG/NBD (Fader, Hardie & Lee 2005): Poisson purchases at a gamma(r, alpha) rate; after each
    purchase the customer drops out with a beta(a, b) probability.

    ``params_`` keys ``r, alpha, a, b`` (alpha in the summary's time unit).
    """

    code = "bgnbd"
    param_names = ("r", "alpha", "a", "b")
    _log_likelihood = staticmethod(bgnbd_log_likelihood)

    def _summed_log_likelihood(
        self, x: Any, t_x: Any, big_t: Any, weight: Any
    ) -> Callable[[Any], tuple[float, Any]]:
        return _beta_geo_sum(x, t_x, big_t, weight, modified=False)

    def p_alive(self, summary: pl.DataFrame) -> Any:
        """P(alive | x, t_x, T): 1 for customers without a repeat purchase."""
        r, alpha, a, b = self._fitted()
        x, t_x, big_t = _rfm_arrays(summary)
        buyer = x > 0
        log_odds = np.where(
            buyer,
            math.log(a)
            - np.log(np.where(buyer, b + x - 1, 1.0))
            + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x)),
            -np.inf,
        )
        return self._finite(np.exp(-np.logaddexp(0.0, log_odds)), "P(alive)")

    def expected_purchases(self, t: float, summary: pl.DataFrame) -> Any:
        """Conditional expected purchases in the next ``t`` time units, E[X(t) | x, t_x, T]."""
        r, alpha, a, b = self._fitted()
        x, _, big_t = _rfm_arrays(summary)
        z = t / (alpha + big_t + t)
        log_hyp = _hyp2f1_log(r + x, b + x, a + b + x - 1, z)
        rest = -np.expm1(log_hyp + (r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t)))
        value = (a + b + x - 1) / (a - 1) * rest * self.p_alive(summary)
        return self._finite(value, "expected purchases")

    def expected_purchases_new(self, t: Any) -> Any:
        """Unconditional E[X(t)] of a customer ``t`` units after their first purchase."""
        from scipy.special import hyp2f1

        r, alpha, a, b = self._fitted()
        t = np.asarray(t, dtype=np.float64)
        hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
        value = (a + b - 1) / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)
        return self._finite(value, "expected purchases")

    def p_no_purchase(self, t: Any, summary: pl.DataFrame) -> Any:
        """P(no purchase in (T, T + t] | x, t_x, T) = 1 − P(alive) + P(alive)·((α+T)/(α+T+t))^(r+x).

        A customer alive at T only drops out right after a purchase, so "no purchase" is the
        Poisson event count being 0 under the posterior Gamma(r+x, α+T) rate. ``t = 0`` gives 1,
        ``t = inf`` gives 1 − P(alive). ``t`` is a number or one horizon per row.
        """
        r, alpha, _, _ = self._fitted()
        horizon = _check_horizon(t)
        x, _, big_t = _rfm_arrays(summary)
        alive = self.p_alive(summary)
        value = 1.0 - alive + alive * _no_poisson_event(r, alpha, x, big_t, horizon)
        return self._finite(np.clip(value, 0.0, 1.0), "P(no purchase)")


class ModifiedBetaGeoModel(_PurchaseModel):
    """MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD where a customer may also drop out
    right after the first purchase, so one-time buyers are not all alive.

    ``params_`` keys ``r, alpha, a, b``.
    """

    code = "mbgnbd"
    param_names = ("r", "alpha", "a", "b")
    _log_likelihood = staticmethod(mbgnbd_log_likelihood)

    def _summed_log_likelihood(
        self, x: Any, t_x: Any, big_t: Any, weight: Any
    ) -> Callable[[Any], tuple[float, Any]]:
        return _beta_geo_sum(x, t_x, big_t, weight, modified=True)

    def p_alive(self, summary: pl.DataFrame) -> Any:
        """P(alive | x, t_x, T)."""
        r, alpha, a, b = self._fitted()
        x, t_x, big_t = _rfm_arrays(summary)
        log_odds = (
            math.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
        )
        return self._finite(np.exp(-np.logaddexp(0.0, log_odds)), "P(alive)")

    def expected_purchases(self, t: float, summary: pl.DataFrame) -> Any:
        """Conditional expected purchases in the next ``t`` time units, E[X(t) | x, t_x, T]."""
        r, alpha, a, b = self._fitted()
        x, _, big_t = _rfm_arrays(summary)
        z = t / (alpha + big_t + t)
        log_hyp = _hyp2f1_log(r + x, b + x + 1, a + b + x, z)
        rest = -np.expm1(log_hyp + (r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t)))
        value = (a + b + x) / (a - 1) * rest * self.p_alive(summary)
        return self._finite(value, "expected purchases")

    def expected_purchases_new(self, t: Any) -> Any:
        """Unconditional E[X(t)] of a customer ``t`` units after their first purchase."""
        from scipy.special import hyp2f1

        r, alpha, a, b = self._fitted()
        t = np.asarray(t, dtype=np.float64)
        hyp = hyp2f1(r, b + 1, a + b, t / (alpha + t))
        value = b / (a - 1) * (1 - hyp * (alpha / (alpha + t)) ** r)
        return self._finite(value, "expected purchases")

    def p_no_purchase(self, t: Any, summary: pl.DataFrame) -> Any:
        """P(no purchase in (T, T + t] | x, t_x, T) = 1 − P(alive) + P(alive)·((α+T)/(α+T+t))^(r+x)
        (as BG/NBD, with MBG/NBD's P(alive)). ``t = 0`` gives 1, ``t = inf`` 1 − P(alive)."""
        r, alpha, _, _ = self._fitted()
        horizon = _check_horizon(t)
        x, _, big_t = _rfm_arrays(summary)
        alive = self.p_alive(summary)
        value = 1.0 - alive + alive * _no_poisson_event(r, alpha, x, big_t, horizon)
        return self._finite(np.clip(value, 0.0, 1.0), "P(no purchase)")


def _one_minus_power_over(s: float, log_ratio: Any) -> Any:
    """``(1 - exp(-(s-1) L)) / (s-1)``, and ``L`` at s = 1."""
    if abs(s - 1.0) < 1e-10:
        return log_ratio
    return -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)


class ParetoNBDModel(_PurchaseModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): Poisson purchases at a gamma(r, alpha)
    rate while alive, an exponential lifetime at a gamma(s, beta) rate.

    ``params_`` keys ``r, alpha, s, beta``. The likelihood's 2F1 term is computed as an integral in
    log space (:func:`pareto_log_likelihood`), stable at large ``x`` and at ``t_x = T``.
    """

    code = "pareto"
    param_names = ("r", "alpha", "s", "beta")
    _log_likelihood = staticmethod(pareto_log_likelihood)

    def p_alive(self, summary: pl.DataFrame) -> Any:
        """P(alive | x, t_x, T)."""
        params = self._fitted()
        x, t_x, big_t = _rfm_arrays(summary)
        alive_term, dead_term, _ = _pareto_parts(params, x, t_x, big_t)
        return self._finite(np.exp(alive_term - np.logaddexp(alive_term, dead_term)), "P(alive)")

    def expected_purchases(self, t: float, summary: pl.DataFrame) -> Any:
        """Conditional expected purchases in the next ``t`` time units, E[X(t) | x, t_x, T]."""
        r, alpha, s, beta = self._fitted()
        x, _, big_t = _rfm_arrays(summary)
        horizon = _one_minus_power_over(s, np.log1p(t / (beta + big_t)))
        value = (r + x) * (beta + big_t) / (alpha + big_t) * horizon * self.p_alive(summary)
        return self._finite(value, "expected purchases")

    def expected_purchases_new(self, t: Any) -> Any:
        """Unconditional E[X(t)] of a customer ``t`` units after their first purchase."""
        r, alpha, s, beta = self._fitted()
        t = np.asarray(t, dtype=np.float64)
        value = r * beta / alpha * _one_minus_power_over(s, np.log1p(t / beta))
        return self._finite(value, "expected purchases")

    def p_no_purchase(self, t: Any, summary: pl.DataFrame) -> Any:
        """P(no purchase in (T, T + t] | x, t_x, T).

        Given alive at T the rates are Gamma(r+x, α+T) × Gamma(s, β+T); the customer makes no
        purchase when they die first or the horizon ends first:
        ``E[μ/(λ+μ)(1−e^{−(λ+μ)t}) + e^{−(λ+μ)t}]``
        ``= ((α+T)/(α+T+t))^(r+x) ((β+T)/(β+T+t))^s + s (α+T)^(r+x) (β+T)^s ∫_T^{T+t} (α+y)^-(r+x)
        (β+y)^-(s+1) dy`` (the integral by the likelihood's quadrature), times P(alive), plus
        1 − P(alive). ``t = 0`` gives 1.
        """
        r, alpha, s, beta = self._fitted()
        horizon = _check_horizon(t)
        x, _, big_t = _rfm_arrays(summary)
        alive = self.p_alive(summary)
        log_a, log_b = np.log(alpha + big_t), np.log(beta + big_t)
        survive = _no_poisson_event(r, alpha, x, big_t, horizon) * _no_poisson_event(
            s, beta, 0.0, big_t, horizon
        )
        end = big_t + np.minimum(horizon, 1e300)  # t = inf: the integral to "forever"
        with np.errstate(divide="ignore", invalid="ignore"):
            log_i = _pareto_integral(self._fitted(), x, big_t, end)[0]
        dies_first = np.exp(math.log(s) + (r + x) * log_a + s * log_b + log_i)
        given_alive = np.clip(survive + dies_first, 0.0, 1.0)
        value = 1.0 - alive + alive * given_alive
        return self._finite(np.clip(value, 0.0, 1.0), "P(no purchase)")
