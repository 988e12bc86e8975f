"""Churn reasons in words: which feature groups make a customer's risk high, and by how much.

For each group of features (recency, frequency, spend, CSAT, NPS, complaints, contact,
channels) the probability is recomputed with that group set to the median of the customers who
did not churn in training (:attr:`cimlab.predict.churn.ChurnModel.typical_`); the groups whose
typical values would lower it by at least :data:`REASON_MIN_EFFECT` are the customer's reasons,
largest first, at most :data:`MAX_REASONS`, said in English and 中文 with the customer's own
values. Only medium and high risk customers get reasons (each group costs a model pass).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from cimlab.predict.churn import ChurnModel

__all__ = ["MAX_REASONS", "REASON_MIN_EFFECT", "churn_reasons"]

#: A feature group is a reason when typical values would lower the probability by this much.
REASON_MIN_EFFECT = 0.02
MAX_REASONS = 3


# group name, the columns set to typical values, the column that must be known for the reason
_REASON_GROUPS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "recency",
        (
            "since_last_days",
            "overdue_ratio",
            "purchase_days_90d",
            "spend_90d",
            "btyd_p_alive",
            "btyd_expected_purchases",
            "btyd_p_no_purchase",
        ),
        "since_last_days",
    ),
    (
        "frequency",
        (
            "purchase_days",
            "frequency",
            "purchase_days_365d",
            "recency_days",
            "gap_mean",
            "gap_median",
            "gap_std",
            "gap_cv",
            "gap_last",
            "litt",
        ),
        "purchase_days",
    ),
    ("spend", ("total_spend", "spend_per_purchase_day"), "spend_per_purchase_day"),
    ("csat", ("csat_last", "csat_mean"), "csat_last"),
    ("nps", ("nps_last", "nps_mean"), "nps_last"),
    ("complaints", ("complaints",), "complaints"),
    (
        "contact",
        ("interactions_total", "interactions_90d", "days_since_interaction"),
        "days_since_interaction",
    ),
    ("channels", ("n_channels", "main_channel_share"), "n_channels"),
)


def _int(column: str) -> pl.Expr:
    return pl.col(column).round(0).cast(pl.Int64).cast(pl.String)


def _sentences(group: str) -> tuple[pl.Expr, pl.Expr]:
    """The English and Chinese reason of ``group``, from the customer's values."""
    if group == "recency":
        since = _int("since_last_days")
        gap = _int("gap_median")
        has_gap = pl.col("gap_median").is_not_null()
        en = (
            pl.when(has_gap)
            .then(
                pl.concat_str(
                    pl.lit("no purchase for "),
                    since,
                    pl.lit(" days, usual gap "),
                    gap,
                    pl.lit(" days"),
                )
            )
            .otherwise(
                pl.concat_str(pl.lit("no purchase for "), since, pl.lit(" days, bought only once"))
            )
        )
        zh = (
            pl.when(has_gap)
            .then(
                pl.concat_str(
                    pl.lit("已 "), since, pl.lit(" 天未购买，通常间隔 "), gap, pl.lit(" 天")
                )
            )
            .otherwise(pl.concat_str(pl.lit("已 "), since, pl.lit(" 天未购买，仅购买过一次")))
        )
        return en, zh
    if group == "frequency":
        n, tenure = _int("purchase_days"), _int("tenure_days")
        one = pl.col("purchase_days") == 1
        en = pl.concat_str(
            pl.lit("only "),
            n,
            pl.when(one).then(pl.lit(" purchase day in ")).otherwise(pl.lit(" purchase days in ")),
            tenure,
            pl.lit(" days"),
        )
        zh = pl.concat_str(tenure, pl.lit(" 天内仅 "), n, pl.lit(" 个购买日"))
        return en, zh
    if group == "spend":
        value = pl.col("spend_per_purchase_day").round(2).cast(pl.String)
        return (
            pl.concat_str(pl.lit("low spend: "), value, pl.lit(" per purchase day")),
            pl.concat_str(pl.lit("消费偏低：每个购买日 "), value),
        )
    if group in ("csat", "nps"):
        value, scale = _int(f"{group}_last"), "5" if group == "csat" else "10"
        label = group.upper()
        return (
            pl.concat_str(pl.lit(f"last {label} "), value, pl.lit(f"/{scale}")),
            pl.concat_str(pl.lit(f"最近一次 {label} "), value, pl.lit(f"/{scale}")),
        )
    if group == "complaints":
        n = _int("complaints")
        en = pl.concat_str(
            n,
            pl.when(pl.col("complaints") == 1)
            .then(pl.lit(" complaint"))
            .otherwise(pl.lit(" complaints")),
        )
        return en, pl.concat_str(pl.lit("投诉 "), n, pl.lit(" 次"))
    if group == "contact":
        d = _int("days_since_interaction")
        return (
            pl.concat_str(pl.lit("last contact "), d, pl.lit(" days ago")),
            pl.concat_str(pl.lit("最近一次联系在 "), d, pl.lit(" 天前")),
        )
    n = _int("n_channels")
    share = (pl.col("main_channel_share") * 100).round(0).cast(pl.Int64).cast(pl.String)
    return (
        pl.concat_str(pl.lit("buys in "), n, pl.lit(" channel(s), "), share, pl.lit(" % in one")),
        pl.concat_str(pl.lit("在 "), n, pl.lit(" 个渠道购买，"), share, pl.lit("% 集中在一个渠道")),
    )


def churn_reasons(
    model: ChurnModel, features: pl.DataFrame, probability: Any, *, at_least: float
) -> tuple[list[str], list[str]]:
    """Reasons (English, 中文) of the customers whose ``probability`` is at least ``at_least``
    (the medium risk band); the others get empty ones."""
    n = features.height
    at_risk = np.flatnonzero(np.asarray(probability) >= at_least)
    reasons, reasons_zh = [""] * n, [""] * n
    if at_risk.size == 0:
        return reasons, reasons_zh
    rows = features[at_risk]
    p = np.asarray(probability)[at_risk]
    names = model.feature_names_
    X = model.feature_matrix(rows)
    index = {name: i for i, name in enumerate(names)}
    effects, en_cols, zh_cols = [], [], []
    for group, columns, main in _REASON_GROUPS:
        used = [index[c] for c in columns if c in index]
        if not used or main not in rows.columns:
            continue
        what_if = X.copy()
        for i in used:
            what_if[:, i] = model.typical_[names[i]]
        effect = p - model.predict_proba_matrix(what_if)[:, 1]
        known = rows[main].is_not_null().to_numpy()
        if group == "frequency":  # one purchase day: the recency reason already says it
            known &= rows[main].fill_null(0).to_numpy() > 1
        effects.append(np.where(known, effect, -np.inf))
        en, zh = _sentences(group)
        texts = rows.select(en.alias("en"), zh.alias("zh"))
        en_cols.append(texts["en"].fill_null("").to_numpy())
        zh_cols.append(texts["zh"].fill_null("").to_numpy())
    if not effects:
        return reasons, reasons_zh
    effect_matrix = np.column_stack(effects)
    order = np.argsort(-effect_matrix, axis=1, kind="stable")[:, :MAX_REASONS]
    strong = np.take_along_axis(effect_matrix, order, axis=1) >= REASON_MIN_EFFECT
    en_matrix, zh_matrix = np.column_stack(en_cols), np.column_stack(zh_cols)
    for k, row in enumerate(at_risk):
        picks = order[k][strong[k]]
        reasons[row] = "; ".join(en_matrix[k, picks])
        reasons_zh[row] = "；".join(zh_matrix[k, picks])
    return reasons, reasons_zh
