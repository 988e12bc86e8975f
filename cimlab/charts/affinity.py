"""Charts of product affinity (:func:`cimlab.analytics.affinity.product_pairs` output): the strongest pairs
by lift, and support against confidence.

Item names come from an optional ``labels`` frame (``item, label``, as
:func:`cimlab.analytics.affinity.item_labels` returns); items without a label show as written.

Examples
--------
>>> import polars as pl
>>> pairs = pl.DataFrame({"item_a": ["x", "y"], "item_b": ["y", "x"], "baskets_both": [4, 4],
...     "support": [0.1, 0.1], "confidence": [0.5, 0.8], "lift": [2.5, 2.5]})
>>> spec = top_pairs_chart(pairs, lang="en").to_dict()
>>> spec["mark"]["type"], spec["encoding"]["x"]["title"]
('bar', 'Lift')
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cimlab.analytics.affinity import with_item_names
from cimlab.charts._util import bottom_legend, category_axis, require
from cimlab.i18n import t

__all__ = ["pairs_scatter_chart", "top_pairs_chart"]

_PAIR_NEEDS = ["item_a", "item_b", "baskets_both", "support", "confidence", "lift"]


def top_pairs_chart(
    pairs: pl.DataFrame,
    *,
    labels: pl.DataFrame | None = None,
    n: int = 20,
    lang: str = "zh",
) -> alt.Chart:
    """Horizontal bars of the ``n`` strongest pairs by lift, coloured by support.

    Each unordered pair is shown once ("A + B"; lift and support are the same both ways);
    the tooltip gives the confidence in both directions.

    Examples
    --------
    >>> import polars as pl
    >>> pairs = pl.DataFrame({"item_a": ["x", "y"], "item_b": ["y", "x"], "baskets_both": [4, 4],
    ...     "support": [0.1, 0.1], "confidence": [0.5, 0.8], "lift": [2.5, 2.5]})
    >>> labels = pl.DataFrame({"item": ["x", "y"], "label": ["Tea", "Cup"]})
    >>> rows = top_pairs_chart(pairs, labels=labels, lang="en").to_dict()["datasets"].popitem()[1]
    >>> [(r["pair"], r["confidence_ab"], r["confidence_ba"]) for r in rows]
    [('Tea + Cup', 0.5, 0.8)]
    """
    require(pairs, _PAIR_NEEDS, "top_pairs_chart")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n={n!r} should be an integer ≥ 1.")
    named = with_item_names(pairs, labels)
    back = named.select(
        pl.col("item_a").alias("item_b"),
        pl.col("item_b").alias("item_a"),
        pl.col("confidence").alias("confidence_ba"),
    )
    data = (
        named.filter(pl.col("item_a") < pl.col("item_b"))
        .join(back, on=["item_a", "item_b"], how="left", maintain_order="left")
        .sort(["lift", "baskets_both", "item_a", "item_b"], descending=[True, True, False, False])
        .head(n)
        .select(
            pl.concat_str("name_a", pl.lit(" + "), "name_b").alias("pair"),
            "lift",
            "support",
            pl.col("baskets_both").cast(pl.Int64),
            pl.col("confidence").alias("confidence_ab"),
            "confidence_ba",
        )
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("lift:Q", title=t("prod.chart.lift", lang)),
            y=alt.Y(
                "pair:N",
                title=t("prod.chart.pair", lang),
                sort=data["pair"].to_list(),
                axis=category_axis(labelLimit=360),  # both items of a pair stay readable
            ),
            color=alt.Color(
                "support:Q",
                title=t("prod.chart.support", lang),
                scale=alt.Scale(scheme="blues"),
                legend=bottom_legend(format=".2%"),
            ),
            tooltip=[
                alt.Tooltip("pair:N", title=t("prod.chart.pair", lang)),
                alt.Tooltip("lift:Q", title=t("prod.chart.lift", lang), format=".2f"),
                alt.Tooltip("support:Q", title=t("prod.chart.support", lang), format=".2%"),
                alt.Tooltip("baskets_both:Q", title=t("prod.chart.baskets", lang), format=","),
                alt.Tooltip("confidence_ab:Q", title=t("prod.chart.conf_ab", lang), format=".0%"),
                alt.Tooltip("confidence_ba:Q", title=t("prod.chart.conf_ba", lang), format=".0%"),
            ],
        )
        .properties(height=alt.Step(22))
    )


def pairs_scatter_chart(
    pairs: pl.DataFrame,
    *,
    labels: pl.DataFrame | None = None,
    max_points: int = 2000,
    lang: str = "zh",
) -> alt.Chart:
    """Scatter of the rules X → Y: support (x, log scale) against confidence (y), coloured by
    lift (log scale); the ``max_points`` strongest rules by lift.

    Examples
    --------
    >>> import polars as pl
    >>> pairs = pl.DataFrame({"item_a": ["x", "y"], "item_b": ["y", "x"], "baskets_both": [4, 4],
    ...     "support": [0.1, 0.1], "confidence": [0.5, 0.8], "lift": [2.5, 2.5]})
    >>> enc = pairs_scatter_chart(pairs, lang="zh").to_dict()["encoding"]
    >>> enc["x"]["title"], enc["y"]["title"], enc["color"]["title"]
    ('支持度', '置信度', '提升度')
    """
    require(pairs, _PAIR_NEEDS, "pairs_scatter_chart")
    if not isinstance(max_points, int) or isinstance(max_points, bool) or max_points < 1:
        raise ValueError(f"max_points={max_points!r} should be an integer ≥ 1.")
    data = with_item_names(
        pairs.sort("lift", descending=True, maintain_order=True).head(max_points), labels
    ).select(
        pl.concat_str("name_a", pl.lit(" → "), "name_b").alias("rule"),
        "support",
        "confidence",
        "lift",
        pl.col("baskets_both").cast(pl.Int64),
    )
    return (
        alt.Chart(data)
        .mark_circle(opacity=0.7)
        .encode(
            x=alt.X(
                "support:Q",
                title=t("prod.chart.support", lang),
                scale=alt.Scale(type="log"),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y(
                "confidence:Q",
                title=t("prod.chart.confidence", lang),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color(
                "lift:Q",
                title=t("prod.chart.lift", lang),
                scale=alt.Scale(type="log", scheme="viridis"),
                legend=bottom_legend(),
            ),
            tooltip=[
                alt.Tooltip("rule:N", title=t("prod.chart.rule", lang)),
                alt.Tooltip("support:Q", title=t("prod.chart.support", lang), format=".2%"),
                alt.Tooltip("confidence:Q", title=t("prod.chart.confidence", lang), format=".0%"),
                alt.Tooltip("lift:Q", title=t("prod.chart.lift", lang), format=".2f"),
                alt.Tooltip("baskets_both:Q", title=t("prod.chart.baskets", lang), format=","),
            ],
        )
        .properties(height=320)
    )
