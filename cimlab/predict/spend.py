"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): expected spend per purchase.

A customer's purchase values are gamma(p, nu) around their own mean, with nu itself gamma(q, v)
across customers. Fitted on repeat buyers only (``frequency > 0`` and ``monetary_value > 0``, the
mean value of the repeat purchases as :func:`cimlab.analytics.rfm.customer_summary` computes it),
by maximum likelihood with an analytic gradient over log-parameters (L-BFGS-B, identical
``(frequency, monetary_value)`` rows compressed with weights; the same retry strategies and
``fit_report_`` as :mod:`cimlab.predict.purchases`). Money is in the summary's currency.

The model assumes spend per purchase is independent of purchase frequency: ``independence_``
holds the Pearson correlation of the two over the repeat buyers (the check Fader & Hardie
recommend; near 0 is fine, CDNOW gives 0.11).

Examples
--------
>>> import polars as pl
>>> summary = pl.DataFrame({
...     "frequency": [1, 2, 3, 1, 4, 2, 5, 1, 2, 3] * 3,
...     "monetary_value": [5.0, 80.0, 12.0, 150.0, 9.0, 60.0, 25.0, 200.0, 15.0, 40.0] * 3,
... })
>>> model = GammaGammaModel(min_repeat_buyers=5).fit(summary)
>>> model.converged_, sorted(model.params_)
(True, ['p', 'q', 'v'])
>>> bool((model.expected_spend(summary) > 0).all())
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from cimlab.predict.purchases import (
    MIN_REPEAT_BUYERS,
    FitReport,
    _check_summary,
    _guard_repeat_buyers,
    compress,
    fit_log_params,
)

__all__ = ["GammaGammaModel", "gamma_gamma_log_likelihood"]

_PARAMS = ("p", "q", "v")


def gamma_gamma_log_likelihood(params: Any, x: Any, m: Any) -> tuple[Any, Any]:
    """Gamma-Gamma log-likelihood per customer (``x`` repeat purchases of mean value ``m``) and
    its gradient, shape ``(3, n)``, over p, q, v."""
    from scipy.special import digamma, gammaln

    p, q, v = params
    px = p * x
    log_xmv = np.log(x * m + v)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * math.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_xmv
    )
    grad = np.empty((3, x.size))
    grad[0] = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - log_xmv)
    grad[1] = digamma(px + q) - digamma(q) + math.log(v) - log_xmv
    grad[2] = q / v - (px + q) / (x * m + v)
    return ll, grad


def _repeat_buyers(summary: pl.DataFrame) -> pl.DataFrame:
    _check_summary(summary, ("frequency", "monetary_value"))
    return summary.filter(pl.col("frequency") > 0, pl.col("monetary_value") > 0)


class GammaGammaModel:
    """Gamma-Gamma spend per purchase; ``params_`` keys ``p, q, v``.

    Parameters
    ----------
    min_repeat_buyers
        Fewer repeat buyers than this raise :class:`cimlab.errors.NotEnoughDataError`.
    """

    code = "gamma_gamma"
    params_: dict[str, float]
    log_likelihood_: float
    converged_: bool
    fit_report_: FitReport
    independence_: float

    def __init__(self, *, min_repeat_buyers: int = MIN_REPEAT_BUYERS) -> None:
        self.min_repeat_buyers = min_repeat_buyers

    def __repr__(self) -> str:
        return f"GammaGammaModel(min_repeat_buyers={self.min_repeat_buyers})"

    def fit(self, summary: pl.DataFrame) -> GammaGammaModel:
        """Fit on the repeat buyers of a summary (``frequency``, ``monetary_value``, optional
        ``weight``); customers without a repeat purchase are left out. Returns ``self``."""
        buyers = _repeat_buyers(summary)
        weight_col = "weight" if "weight" in buyers.columns else None
        rows = compress(buyers, ["frequency", "monetary_value"])
        x = rows["frequency"].cast(pl.Float64).to_numpy()
        m = rows["monetary_value"].cast(pl.Float64).to_numpy()
        weight = rows["weight"].to_numpy()
        total = float(weight.sum())
        _guard_repeat_buyers(total, self.min_repeat_buyers, "Gamma-Gamma spend model")

        def objective(theta: Any) -> tuple[float, Any]:
            params = np.exp(theta)
            ll, grad = gamma_gamma_log_likelihood(params, x, m)
            value = -float(weight @ ll) / total
            gradient = -(grad @ weight) * params / total
            if not math.isfinite(value) or not np.all(np.isfinite(gradient)):
                return math.inf, np.zeros_like(theta)
            return value, gradient

        params, ll, converged, attempts = fit_log_params(objective, _PARAMS, total)
        self.params_ = params
        self.log_likelihood_ = ll
        self.converged_ = converged
        self.fit_report_ = FitReport(self.code, total, rows.height, total, attempts, converged)
        w = buyers[weight_col].cast(pl.Float64).to_numpy() if weight_col else None
        self.independence_ = _weighted_pearson(
            buyers["frequency"].cast(pl.Float64).to_numpy(),
            buyers["monetary_value"].cast(pl.Float64).to_numpy(),
            w,
        )
        return self

    def expected_spend(self, summary: pl.DataFrame) -> Any:
        """Expected spend per purchase: ``(p (v + x m)) / (p x + q - 1)``; customers without a
        repeat purchase (``x = 0``) get the population mean ``p v / (q - 1)``."""
        if not hasattr(self, "params_"):
            raise RuntimeError("this GammaGammaModel is not fitted yet; call fit first")
        _check_summary(summary, ("frequency", "monetary_value"))
        p, q, v = (self.params_[name] for name in _PARAMS)
        x = summary["frequency"].cast(pl.Float64).to_numpy()
        m = summary["monetary_value"].cast(pl.Float64).to_numpy()
        m = np.where(x > 0, m, 0.0)
        value = p * (v + x * m) / (p * x + q - 1)
        if q <= 1 or not np.all(np.isfinite(value)):
            raise FloatingPointError(
                f"expected spend is undefined at q={q:.4g} (the model needs q > 1); the spend "
                "distribution is too heavy-tailed for a mean"
            )
        return value


def _weighted_pearson(a: Any, b: Any, w: Any | None) -> float:
    """Pearson correlation of ``a`` and ``b`` (weighted when ``w`` is given); NaN if constant."""
    w = np.ones_like(a) if w is None else w
    ma, mb = np.average(a, weights=w), np.average(b, weights=w)
    cov = np.average((a - ma) * (b - mb), weights=w)
    var = np.average((a - ma) ** 2, weights=w) * np.average((b - mb) ** 2, weights=w)
    return float(cov / math.sqrt(var)) if var > 0 else math.nan
