"""RFM segments with their predicted value and churn risk: mean CLV and the share of customers at
high churn risk per segment (the Value & risk page, and the segment table when predictions are
stored).

Examples
--------
>>> import polars as pl
>>> scores = pl.DataFrame({"customer_id": ["a", "b", "c"], "segment": ["champions", "champions",
...                        "hibernating"]})
>>> clv = pl.DataFrame({"customer_id": ["a", "b", "c"], "clv": [10.0, 30.0, 1.0]})
>>> churn = pl.DataFrame({"customer_id": ["a", "b", "c"], "risk_band": ["low", "high", "high"]})
>>> segment_value(scores, clv=clv, churn=churn).rows()
[('champions', 2, 20.0, 40.0, 0.5), ('hibernating', 1, 1.0, 1.0, 1.0)]
"""

from __future__ import annotations

import polars as pl

from cimlab.frames import require_columns

__all__ = ["segment_value"]


def segment_value(
    scores: pl.DataFrame,
    *,
    clv: pl.DataFrame | None = None,
    churn: pl.DataFrame | None = None,
    high_band: str = "high",
) -> pl.DataFrame:
    """Per RFM segment: ``segment, customers, mean_clv, total_clv, churn_share``.

    ``scores`` has ``customer_id, segment`` (:func:`cimlab.analytics.rfm.rfm_table`); ``clv``
    ``customer_id, clv`` and ``churn`` ``customer_id, risk_band`` (stored predictions). A
    customer without a prediction counts in ``customers`` but not in the means; the columns of a
    prediction not given are null. ``churn_share`` is the share of the segment's scored
    customers whose band is ``high_band``. Segments sorted by ``mean_clv``, highest first.
    """
    require_columns(scores, ["customer_id", "segment"], what="segment_value(scores)")
    frame = scores.select("customer_id", "segment")
    if clv is not None:
        require_columns(clv, ["customer_id", "clv"], what="segment_value(clv)")
        frame = frame.join(clv.select("customer_id", "clv"), on="customer_id", how="left")
    else:
        frame = frame.with_columns(clv=pl.lit(None, dtype=pl.Float64))
    if churn is not None:
        require_columns(churn, ["customer_id", "risk_band"], what="segment_value(churn)")
        frame = frame.join(churn.select("customer_id", "risk_band"), on="customer_id", how="left")
    else:
        frame = frame.with_columns(risk_band=pl.lit(None, dtype=pl.String))
    high = (pl.col("risk_band") == high_band).cast(pl.Float64)
    return (
        frame.group_by("segment")
        .agg(
            pl.len().alias("customers"),
            pl.col("clv").mean().alias("mean_clv"),
            pl.col("clv").sum().alias("total_clv"),
            high.mean().alias("churn_share"),
        )
        .with_columns(
            pl.when(pl.col("mean_clv").is_null())
            .then(None)
            .otherwise(pl.col("total_clv"))
            .alias("total_clv")
        )
        .sort("mean_clv", "segment", descending=[True, False], nulls_last=True)
    )
