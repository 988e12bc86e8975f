"""Frequency × recency maps of a fitted purchase model: P(alive) and expected purchases over a
grid of customer histories (Fader, Hardie & Lee 2005, figure 6; lifetimes'
``plot_probability_alive_matrix`` and ``plot_frequency_recency_matrix``).

A map is computed on the grid, never per customer, so it takes the same time whatever the number
of customers (a few milliseconds for the default 40 × 40 grid). Every cell is a history a
customer can have: ``recency ≤ T``, and ``recency > 0`` exactly when ``frequency > 0``.

Examples
--------
>>> import polars as pl
>>> from cimlab.predict.purchases import BetaGeoModel
>>> model = BetaGeoModel()
>>> model.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
>>> grid = frequency_recency_map(model, T=39.0, max_frequency=5, recency_steps=4)
>>> grid.columns
['frequency', 'recency', 'T', 'p_alive', 'expected_purchases']
>>> grid.filter(pl.col("frequency") == 0)["p_alive"].to_list()
[1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

__all__ = ["frequency_recency_map"]


def frequency_recency_map(
    model: Any,
    *,
    T: float,
    max_frequency: int,
    recency_steps: int = 40,
    horizon: float = 1.0,
) -> pl.DataFrame:
    """P(alive) and expected purchases in the next ``horizon`` for every (frequency, recency)
    history of a customer first seen ``T`` time units ago.

    Parameters
    ----------
    model
        A fitted purchase model (``p_alive(summary)``, ``expected_purchases(t, summary)``).
    T
        Age of the customers of the map, in the model's time unit (typically the largest ``T``).
    max_frequency
        Highest repeat-purchase count shown (rows ``0 .. max_frequency``).
    recency_steps
        Number of recency values between 0 and ``T`` (both included).
    horizon
        Length of the period of ``expected_purchases`` (one time unit by default).

    Returns
    -------
    polars.DataFrame
        ``frequency, recency, T, p_alive, expected_purchases``; frequency 0 has the one row
        recency 0.
    """
    if not T > 0:
        raise ValueError(f"T should be positive; got {T}.")
    if max_frequency < 0 or recency_steps < 2:
        raise ValueError("max_frequency should be ≥ 0 and recency_steps ≥ 2.")
    recencies = np.linspace(0.0, float(T), recency_steps)[1:]
    frequency = np.concatenate([[0], np.repeat(np.arange(1, max_frequency + 1), recencies.size)])
    recency = np.concatenate([[0.0], np.tile(recencies, max_frequency)])
    grid = pl.DataFrame(
        {
            "frequency": frequency.astype(np.int64),
            "recency": recency,
            "T": np.full(frequency.size, float(T)),
        }
    )
    return grid.with_columns(
        p_alive=pl.Series(np.asarray(model.p_alive(grid), dtype=np.float64)),
        expected_purchases=pl.Series(
            np.asarray(model.expected_purchases(horizon, grid), dtype=np.float64)
        ),
    )
