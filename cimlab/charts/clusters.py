"""Charts of customer clusters: the k-selection curve, cluster profiles, a customer scatter.

Inputs are the outputs of :mod:`cimlab.analytics.clusters` (``k_scores_``, ``profiles_`` and the frame of
:func:`cimlab.analytics.clusters.cluster_customers`). Axis titles come from :data:`TEXT`, feature names
from :func:`feature_label`, cluster names from the name codes (``name``, ``cluster_name``) read by
:func:`cimlab.i18n.cluster_label`.

Examples
--------
>>> import polars as pl
>>> scores = pl.DataFrame({"k": [2, 3], "score": [0.4, 0.5], "chosen": [False, True]})
>>> [layer["mark"]["type"] for layer in cluster_k_chart(scores, lang="en").to_dict()["layer"]]
['line', 'point']
"""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl

from cimlab.charts._util import (
    bottom_legend,
    category_axis,
    cell_text_opacity,
    narrow_label_angle,
    require,
)
from cimlab.i18n import channel_label, cluster_label, t

__all__ = [
    "FEATURE_LABELS",
    "TEXT",
    "cluster_k_chart",
    "cluster_profile_chart",
    "cluster_scatter_chart",
    "feature_label",
]

#: Chart texts by key and language.
TEXT: dict[str, dict[str, str]] = {
    "k": {"en": "Number of clusters (k)", "zh": "聚类数 (k)"},
    "silhouette": {"en": "Silhouette (higher is better)", "zh": "轮廓系数（越高越好）"},
    "bic": {"en": "BIC (lower is better)", "zh": "BIC（越低越好）"},
    "score": {"en": "Score", "zh": "得分"},
    "chosen": {"en": "Chosen", "zh": "已选"},
    "score_std": {"en": "Bootstrap spread (s.d.)", "zh": "自助重抽样标准差"},
    "wins": {"en": "Best in resamples", "zh": "重抽样中最佳的比例"},
    "cluster": {"en": "Cluster", "zh": "客户群"},
    "feature": {"en": "Feature", "zh": "特征"},
    "z": {"en": "Compared with other clusters (z)", "zh": "与其他群相比 (z)"},
    "mean": {"en": "Mean", "zh": "均值"},
    "customers": {"en": "Customers", "zh": "客户数"},
}

#: Display names of the features of :func:`cimlab.analytics.clusters.customer_features`.
FEATURE_LABELS: dict[str, dict[str, str]] = {
    "recency_days": {"en": "Days since last purchase", "zh": "距上次购买天数"},
    "recency_weeks": {"en": "Weeks since last purchase", "zh": "距上次购买周数"},
    "recency_months": {"en": "Months since last purchase", "zh": "距上次购买月数"},
    "purchase_days": {"en": "Purchase days", "zh": "购买天数"},
    "total_spend": {"en": "Total spend (net)", "zh": "累计消费（净额）"},
    "monetary_value": {"en": "Spend per purchase day", "zh": "每个购买日消费"},
    "tenure_days": {"en": "Days since first purchase", "zh": "距首次购买天数"},
    "tenure_weeks": {"en": "Weeks since first purchase", "zh": "距首次购买周数"},
    "tenure_months": {"en": "Months since first purchase", "zh": "距首次购买月数"},
    "nps_mean": {"en": "Mean NPS score", "zh": "平均 NPS 评分"},
    "csat_mean": {"en": "Mean CSAT", "zh": "平均满意度 (CSAT)"},
    "complaints": {"en": "Complaints", "zh": "投诉次数"},
}

_PROFILE_FIXED = ("cluster", "name", "customers", "share")


def _text(key: str, lang: str) -> str:
    if lang not in ("en", "zh"):
        raise ValueError(f"lang={lang!r} is not one of zh, en.")
    return TEXT[key][lang]


def feature_label(feature: str, lang: str = "zh") -> str:
    """Display name of a feature column (``share_<channel>`` included); others as written.

    Examples
    --------
    >>> feature_label("total_spend", "en"), feature_label("share_tmall", "zh")
    ('Total spend (net)', '天猫 占比')
    >>> feature_label("share_jd", "en")
    'Share: JD.com'
    """
    _text("k", lang)
    if feature in FEATURE_LABELS:
        return FEATURE_LABELS[feature][lang]
    if feature.startswith("share_"):
        channel = channel_label(feature.removeprefix("share_"), lang)
        return f"{channel} 占比" if lang == "zh" else f"Share: {channel}"
    return feature


def _names(frame: pl.DataFrame, column: str, lang: str) -> pl.Expr:
    """The cluster name codes of ``column`` as labels in ``lang`` (:func:`cimlab.i18n.cluster_label`);
    a number (a ``cluster`` column) as itself."""
    values = frame[column].drop_nulls().unique().to_list()
    lookup = {v: cluster_label(v, lang) if isinstance(v, str) else str(v) for v in values}
    return pl.col(column).replace_strict(lookup, default=None, return_dtype=pl.String)


def cluster_k_chart(k_scores: pl.DataFrame, *, lang: str = "zh") -> alt.LayerChart:
    """The selection curve: score against k, the chosen k drawn larger and in another colour.

    With ``score_std`` (the bootstrap spread), a bar of ± one standard deviation is drawn at
    each k, and the tooltip shows it with ``wins`` (the share of resamples each k wins).

    Parameters
    ----------
    k_scores
        ``k, score, chosen`` (and optionally ``criterion``: ``"silhouette"`` or ``"bic"``,
        which titles the score axis; ``score_std`` and ``wins``), as
        :attr:`CustomerClusters.k_scores_`.
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> scores = pl.DataFrame({"k": [2, 3], "score": [900.0, 850.0], "chosen": [False, True],
    ...                        "criterion": ["bic", "bic"]})
    >>> spec = cluster_k_chart(scores, lang="zh").to_dict()
    >>> spec["layer"][0]["encoding"]["y"]["title"]
    'BIC（越低越好）'
    """
    require(k_scores, ["k", "score", "chosen"], "cluster_k_chart")
    criterion = (
        str(k_scores["criterion"].drop_nulls().first()) if "criterion" in k_scores.columns else ""
    )
    y_title = _text(criterion if criterion in ("silhouette", "bic") else "score", lang)
    chosen = _text("chosen", lang)
    spread = [c for c in ("score_std", "wins") if c in k_scores.columns]
    data = k_scores.select(
        pl.col("k").cast(pl.Int64),
        pl.col("score").cast(pl.Float64),
        pl.col("chosen").cast(pl.Boolean),
        *(pl.col(c).cast(pl.Float64).fill_nan(None) for c in spread),
    ).sort("k")
    tooltip = [
        alt.Tooltip("k:O", title=_text("k", lang)),
        alt.Tooltip("score:Q", title=y_title, format=".3f"),
        alt.Tooltip("chosen:N", title=chosen),
    ]
    tooltip += [alt.Tooltip(f"{c}:Q", title=_text(c, lang), format=".3f") for c in spread]
    base = alt.Chart(data).encode(
        x=alt.X("k:O", title=_text("k", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("score:Q", title=y_title, scale=alt.Scale(zero=False, padding=12)),
        tooltip=tooltip,
    )
    line = base.mark_line(color="#90a4ae")
    points = base.mark_point(filled=True).encode(
        color=alt.Color(
            "chosen:N",
            title=chosen,
            scale=alt.Scale(domain=[False, True], range=["#90a4ae", "#d84315"]),
            legend=None,
        ),
        size=alt.Size(
            "chosen:N", scale=alt.Scale(domain=[False, True], range=[50, 220]), legend=None
        ),
    )
    layers: list[Any] = [line, points]
    if "score_std" in spread:
        bars = base.transform_calculate(
            low="datum.score - datum.score_std", high="datum.score + datum.score_std"
        ).mark_rule(color="#546e7a")
        layers.insert(1, bars.encode(y="low:Q", y2="high:Q"))
    return alt.LayerChart(layer=layers, width=alt.Step(48), height=240)


def _profile_long(profiles: pl.DataFrame, lang: str) -> pl.DataFrame:
    features = [
        c for c, dtype in profiles.schema.items() if c not in _PROFILE_FIXED and dtype.is_numeric()
    ]
    weight = pl.col("customers").cast(pl.Float64)
    long = (
        profiles.select(
            pl.col("cluster").cast(pl.Int64),
            _names(profiles, "name", lang).alias("cluster_label"),
            weight.alias("customers"),
            *(pl.col(f).cast(pl.Float64) for f in features),
        )
        .unpivot(
            on=features,
            index=["cluster", "cluster_label", "customers"],
            variable_name="feature",
            value_name="mean",
        )
        .with_columns(pl.col("mean").fill_nan(None))
    )
    present = pl.col("mean").is_not_null()
    overall = (pl.col("mean") * pl.col("customers")).filter(present).sum() / pl.col(
        "customers"
    ).filter(present).sum()
    spread = pl.col("mean").std(ddof=0)
    labels = {f: feature_label(f, lang) for f in features}
    return long.with_columns(
        z=pl.when(spread.over("feature") > 0)
        .then((pl.col("mean") - overall.over("feature")) / spread.over("feature"))
        .otherwise(0.0)
        .clip(-3, 3),
        feature_label=pl.col("feature").replace_strict(labels, return_dtype=pl.String),
        shown=pl.when(pl.col("mean").is_null())
        .then(pl.lit(t("ana.no_data", lang)))
        .when(pl.col("feature").str.starts_with("share_"))
        .then(pl.format("{}%", (pl.col("mean") * 100).round(0).cast(pl.Int64)))
        .when(pl.col("mean").abs() >= 100)
        .then(pl.col("mean").round(0).cast(pl.Int64).cast(pl.String))
        .otherwise(pl.col("mean").round(1).cast(pl.String)),
    )


def cluster_profile_chart(profiles: pl.DataFrame, *, lang: str = "zh") -> alt.LayerChart:
    """Heat map of each cluster's feature means, coloured by how far they stand from the rest.

    Colour ``z`` = (cluster mean − customer-weighted mean of all clusters) / spread of the
    cluster means, clipped to ±3, so features of any unit share one scale; each cell shows the
    mean itself (shares as percentages). One column per cluster, in cluster order (0 = most
    valuable), and one row per feature: the chart grows downwards with the features and stays
    readable on a phone screen (the cell numbers hide when the columns get too narrow).

    A feature none of a cluster's customers has (no survey answer) reads "no data".

    Parameters
    ----------
    profiles
        ``cluster, name, customers, share`` and one numeric column per feature, as
        :attr:`CustomerClusters.profiles_` (``name``: the name codes).
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> profiles = pl.DataFrame({"cluster": [0, 1], "name": ["big_ticket", "occasional:tmall"],
    ...     "customers": [10, 30], "share": [0.25, 0.75],
    ...     "total_spend": [900.0, 100.0], "nps_mean": [None, 8.0]})
    >>> spec = cluster_profile_chart(profiles, lang="en").to_dict()
    >>> rows = spec["datasets"].popitem()[1]
    >>> [(r["cluster_label"], r["feature_label"], r["shown"]) for r in rows][1:3]
    [('Tmall-first', 'Total spend (net)', '100'), ('Big-ticket buyers', 'Mean NPS score', 'no data')]
    """
    require(profiles, ["cluster", "name", "customers"], "cluster_profile_chart")
    data = _profile_long(profiles, lang)
    order = profiles.sort("cluster").select(_names(profiles, "name", lang))["name"].to_list()
    features = [feature_label(f, lang) for f in dict.fromkeys(data["feature"].to_list())]
    base = alt.Chart(data).encode(
        x=alt.X(
            "cluster_label:N",
            title=_text("cluster", lang),
            sort=order,
            # every cluster labelled (Vega would drop overlapping ones), angled when narrow
            axis=alt.Axis(labelLimit=180, **narrow_label_angle(130)),
        ),
        y=alt.Y(
            "feature_label:N",
            title=_text("feature", lang),
            sort=features,
            axis=category_axis(labelLimit=180),
        ),
        tooltip=[
            alt.Tooltip("cluster_label:N", title=_text("cluster", lang)),
            alt.Tooltip("feature_label:N", title=_text("feature", lang)),
            alt.Tooltip("shown:N", title=_text("mean", lang)),
            alt.Tooltip("z:Q", title=_text("z", lang), format="+.2f"),
        ],
    )
    heat = base.mark_rect().encode(
        color=alt.Color(
            "z:Q",
            title=_text("z", lang),
            scale=alt.Scale(scheme="redblue", reverse=True, domain=[-3, 3]),
            legend=bottom_legend(),
        )
    )
    text = base.mark_text(baseline="middle", fontSize=11, opacity=cell_text_opacity(40)).encode(
        text="shown:N"
    )
    return alt.LayerChart(layer=[heat, text], width=alt.Step(110), height=alt.Step(26))


def _log_axis(values: pl.Series) -> alt.Axis:
    """Axis ticks at 0 and 1-2-5 steps of each power of ten up to the data's maximum (a
    ``symlog`` axis only gets Vega's linear ticks, two or three for skewed data).

    >>> _log_axis(pl.Series([0.0, 7.0, 130.0])).to_dict()["values"]
    [0, 1, 2, 5, 10, 20, 50, 100, 200]
    """
    top = values.drop_nulls().max()
    high = float(top) if isinstance(top, int | float) and top > 0 else 1.0
    ticks: list[float] = [0]
    step = 1.0 if high > 2 else 0.1  # shares (0–1) get 0.1, 0.2, 0.5 too
    while step < high * 10 and len(ticks) < 40:
        ticks.extend(step * m for m in (1, 2, 5))
        step *= 10
    upper = next((tick for tick in ticks if tick >= high), ticks[-1])
    shown = [int(v) if float(v).is_integer() else round(v, 1) for v in ticks if v <= upper]
    if len(shown) > 9:  # long ranges: powers of ten only
        shown = [v for v in shown if v == 0 or str(v).lstrip("0.").startswith("1")]
    # an explicit precision: with none, Vega picks one from the tick step (10 → "1e+1")
    return alt.Axis(values=shown, format=",.4~f")


def cluster_scatter_chart(
    assignments: pl.DataFrame,
    *,
    x: str = "recency_days",
    y: str = "total_spend",
    lang: str = "zh",
    max_points: int = 5_000,
    seed: int = 0,
) -> alt.Chart:
    """Customers as points on two features (log-like axes), coloured by cluster.

    Axes are ``symlog`` (logarithmic, but 0 and negative values stay visible: a purchase on the
    analysis day has recency 0, a fully refunded customer spend 0). At most ``max_points``
    customers are drawn (a seeded random sample, so the picture is stable).

    Parameters
    ----------
    assignments
        Features with ``cluster`` and ``cluster_name`` (the name codes), as
        :func:`cimlab.analytics.clusters.cluster_customers` returns.
    x, y
        Feature columns for the axes.
    lang
        Language of the labels.
    max_points, seed
        Sample size and seed.

    Examples
    --------
    >>> import polars as pl
    >>> a = pl.DataFrame({"recency_days": [1.0, 300.0], "total_spend": [900.0, 20.0],
    ...     "cluster": [0, 1], "cluster_name": ["high_value_loyal", "lapsed_one_timers"]})
    >>> spec = cluster_scatter_chart(a, lang="zh").to_dict()
    >>> spec["encoding"]["x"]["scale"]["type"], spec["encoding"]["color"]["sort"]
    ('symlog', ['高价值忠诚客户', '流失的一次性客户'])
    """
    require(assignments, [x, y, "cluster"], "cluster_scatter_chart")
    if max_points < 1:
        raise ValueError(f"max_points={max_points} should be at least 1.")
    name_col = "cluster_name" if "cluster_name" in assignments.columns else "cluster"
    data = assignments.select(
        pl.col(x).cast(pl.Float64),
        pl.col(y).cast(pl.Float64),
        pl.col("cluster").cast(pl.Int64),
        _names(assignments, name_col, lang).alias("cluster_label"),
    )
    if data.height > max_points:
        data = data.sample(n=max_points, seed=seed).sort("cluster")
    order = (
        data.select("cluster", "cluster_label")
        .unique()
        .sort("cluster")["cluster_label"]
        .unique(maintain_order=True)
        .to_list()
    )
    x_title, y_title = feature_label(x, lang), feature_label(y, lang)
    return (
        alt.Chart(data)
        .mark_circle(size=22, opacity=0.6)
        .encode(
            x=alt.X(
                f"{x}:Q", title=x_title, scale=alt.Scale(type="symlog"), axis=_log_axis(data[x])
            ),
            y=alt.Y(
                f"{y}:Q", title=y_title, scale=alt.Scale(type="symlog"), axis=_log_axis(data[y])
            ),
            color=alt.Color(
                "cluster_label:N",
                title=_text("cluster", lang),
                sort=order,
                legend=bottom_legend(columns=2),
            ),
            tooltip=[
                alt.Tooltip("cluster_label:N", title=_text("cluster", lang)),
                alt.Tooltip(f"{x}:Q", title=x_title, format=",.1f"),
                alt.Tooltip(f"{y}:Q", title=y_title, format=",.1f"),
            ],
        )
        .properties(width=560, height=360)
    )
