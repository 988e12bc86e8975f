"""Segments page: RFM grid and segments with suggested actions, customer clusters, lifecycle.

Thin by design: widgets, one cached cimlab call per section, a chart or a table. Only unified
customer ids and their figures are shown or downloaded, never contact data.

Session keys start with ``seg_``; a widget with translated labels is keyed per language
(``seg_pick_zh``) and its choice kept under the plain key (``seg_pick``), see
:func:`_common.translated_choice`. Every share is shown as a percentage with one decimal
(:data:`_common.PERCENT_FORMAT` applied to share × 100, so "3.0%" sits next to "10.6%"), computed
once from the counts and never rounded before display. Money figures name their currency (the
reporting one, or the currency filter's); the segment list download carries a ``currency`` column
(:func:`cimlab.money.label_money`); placeholder amounts are never shown as money.
"""

from __future__ import annotations

import datetime as dt
import math

import _common as common
import polars as pl
import streamlit as st

from cimlab.act.audiences import Audience, Rule
from cimlab.analytics import lifecycle, rfm
from cimlab.analytics.facts import CustomerData
from cimlab.analytics.rfm import segment_summary
from cimlab.charts.clusters import (
    cluster_k_chart,
    cluster_profile_chart,
    cluster_scatter_chart,
    feature_label,
)
from cimlab.charts.lifecycle import stage_counts_chart, transition_chart
from cimlab.charts.rfm import (
    rfm_distribution_chart,
    rfm_grid_chart,
    segment_bar_chart,
    segment_label,
)
from cimlab.export import table_bytes
from cimlab.i18n import cluster_label, segment_action, stage_label, stage_rule, t
from cimlab.money import label_money
from cimlab.predict.segments import segment_value
from cimlab.predict.store import latest_prediction

TIME_UNITS = ("day", "week", "month")
GRID_VALUES = ("customers", "revenue")
# display formats: shares × 100 as "18.1%" (the format rounds; values are not rounded before),
# money with separators and cents
PERCENT = st.column_config.NumberColumn(format=common.PERCENT_FORMAT)
MONEY = st.column_config.NumberColumn(format="%,.2f")
COUNT = st.column_config.NumberColumn(format="%,d")
MONEY_FEATURES = ("total_spend", "monetary_value", "avg_order_value", "spend_per_day")
CRITERIA = ("silhouette", "bic")
MONTH_CHOICES = (12, 18, 24)
TRANSITION_DAYS = 90
MEMBERS_SHOWN = 500
MIN_CLUSTER_CUSTOMERS = 20
"""``cimlab.analytics.clusters.MIN_CUSTOMERS``, said again here: importing that module loads
scikit-learn, which a page reading stored clusters does not need (a test checks they agree)."""
#: the widest the RFM grid and the segment bars are drawn (pixels, axes and legend included):
#: their designed size on a desktop; a phone's narrower screen shrinks them to fit
GRID_WIDTH, BARS_WIDTH = 560, 620
MONEY_MEMBER_COLUMNS = ("total_spend", "monetary_value")
PROFILE_KEYS = ("cluster", "name", "customers", "share")
MEMBER_COLUMNS = (
    "customer_id",
    "r_score",
    "f_score",
    "m_score",
    "purchase_days",
    "since_last",
    "T",
    "total_spend",
    "monetary_value",
    "last_purchase",
)


def _day(value: dt.date) -> str:
    return value.isoformat()


@st.cache_data(show_spinner=False, max_entries=16)
def load_scores(
    path: str, version: str, as_of: dt.date, time_unit: str, currency: str | None = None
) -> pl.DataFrame:
    """:func:`cimlab.analytics.rfm.rfm_table` of the workspace's orders (cached on workspace
    version and inputs; ``currency`` is the currency filter; kept for the version:
    :func:`_common.stored_result`)."""

    def make(data: CustomerData) -> dict[str, pl.DataFrame]:
        scores = rfm.rfm_table(
            data.orders,
            as_of=as_of,
            time_unit=time_unit,  # type: ignore[arg-type]
            time_zone=data.time_zone,
        )
        return {"scores": scores}

    stored = common.stored_result(path, version, currency, f"rfm_{_day(as_of)}_{time_unit}", make)
    return pl.DataFrame() if stored is None else stored["scores"]


@st.cache_data(show_spinner=False, max_entries=16)
def load_clusters(
    path: str,
    version: str,
    as_of: dt.date,
    time_unit: str,
    k: int | None,
    criterion: str,
    currency: str | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, int, dict[str, object]]:
    """:func:`cimlab.analytics.clusters.cluster_customers`: assignments, k scores, profiles, k
    and how strong the structure is (silhouette band, stability of the choice of k); kept for
    the version (:func:`_common.stored_result`)."""

    def make(data: CustomerData) -> dict[str, pl.DataFrame]:
        from cimlab.analytics import clusters  # scikit-learn: loaded when clusters are computed

        assignments, model = clusters.cluster_customers(
            data.orders,
            as_of=as_of,
            feedback=data.feedback,
            time_unit=time_unit,  # type: ignore[arg-type]
            n_clusters=k,
            criterion=criterion,  # type: ignore[arg-type]
            time_zone=data.time_zone,
        )
        structure = pl.DataFrame(
            {
                "k": [int(model.n_clusters_)],
                "band": [str(model.structure_)],
                "silhouette": [float(model.silhouette_)],
                "stability": [float(model.stability_)],
                "resamples": [int(model.n_resamples)],
                "weak": [bool(model.weak_structure_)],
            }
        )
        return {
            "assignments": assignments,
            "k_scores": model.k_scores_,
            "profiles": model.profiles_,
            "structure": structure,
        }

    name = f"clusters_{_day(as_of)}_{time_unit}_{k or 'auto'}_{criterion}"
    stored = common.stored_result(path, version, currency, name, make)
    if stored is None:
        return pl.DataFrame(), pl.DataFrame(), pl.DataFrame(), 0, {}
    structure = stored["structure"].row(0, named=True)
    chosen = int(structure.pop("k"))
    return stored["assignments"], stored["k_scores"], stored["profiles"], chosen, structure


@st.cache_data(show_spinner=False, max_entries=16)
def load_stage_counts(
    path: str, version: str, as_of: dt.date, months: int, currency: str | None = None
) -> pl.DataFrame:
    """Customers per lifecycle stage at the month ends of the last ``months`` months
    (:func:`cimlab.analytics.lifecycle.recent_month_ends`); kept for the version."""

    def make(data: CustomerData) -> dict[str, pl.DataFrame]:
        dates = lifecycle.recent_month_ends(as_of, months)
        counts = lifecycle.stage_counts(
            data.orders, dates=dates, customers=data.customers, time_zone=data.time_zone
        )
        return {"counts": counts}

    name = f"stage_counts_{_day(as_of)}_{months}"
    stored = common.stored_result(path, version, currency, name, make)
    return pl.DataFrame() if stored is None else stored["counts"]


@st.cache_data(show_spinner=False, max_entries=16)
def load_stages(
    path: str, version: str, as_of: dt.date, currency: str | None = None
) -> pl.DataFrame:
    """:func:`cimlab.analytics.lifecycle.lifecycle_stages` of every known customer on ``as_of``;
    kept for the version."""

    def make(data: CustomerData) -> dict[str, pl.DataFrame]:
        stages = lifecycle.lifecycle_stages(
            data.orders, as_of=as_of, customers=data.customers, time_zone=data.time_zone
        )
        return {"stages": stages}

    stored = common.stored_result(path, version, currency, f"stages_{_day(as_of)}", make)
    return pl.DataFrame() if stored is None else stored["stages"]


@st.cache_data(show_spinner=False, max_entries=16)
def load_transitions(
    path: str, version: str, start: dt.date, end: dt.date, currency: str | None = None
) -> pl.DataFrame:
    """:func:`cimlab.analytics.lifecycle.stage_transitions` between ``start`` and ``end``;
    kept for the version."""

    def make(data: CustomerData) -> dict[str, pl.DataFrame]:
        moves = lifecycle.stage_transitions(
            data.orders, start=start, end=end, customers=data.customers, time_zone=data.time_zone
        )
        return {"moves": moves}

    name = f"transitions_{_day(start)}_{_day(end)}"
    stored = common.stored_result(path, version, currency, name, make)
    return pl.DataFrame() if stored is None else stored["moves"]


def unit_label(time_unit: str, lang: str) -> str:
    return t(f"seg.unit.{time_unit}", lang)


def percent(part: pl.Expr, whole: float) -> pl.Expr:
    """``part / whole`` × 100, unrounded (the column format rounds); no data (null) when
    ``whole`` is 0, never 0 %."""
    return part / whole * 100.0 if whole else pl.lit(None, pl.Float64)


def segment_rows(scores: pl.DataFrame, lang: str, *, money: str | None = None) -> pl.DataFrame:
    """The segment table for display (:func:`cimlab.analytics.rfm.segment_summary`): fixed
    order (Champions → Lost), texts in ``lang``; shares computed from the counts, never
    rounded before display. ``money`` is the revenue header (:func:`revenue_header`);
    ``None`` leaves the revenue columns out (every amount a placeholder)."""
    table = segment_summary(scores)
    revenue = float(table["net_spend"].sum())
    customers = float(table["customers"].sum())
    rules = rfm.SEGMENTS.select(pl.col("name").alias("segment"), "rule")
    order = {name: i for i, name in enumerate(rfm.SEGMENT_NAMES)}
    names = table["segment"].to_list()
    return (
        table.join(rules, on="segment", how="left")
        .with_columns(
            rank=pl.col("segment").replace_strict(order, default=len(order), return_dtype=pl.Int64),
            share=percent(pl.col("customers"), customers),
            revenue_share=percent(pl.col("net_spend"), revenue),
        )
        .sort("rank")
        .select(
            pl.col("segment")
            .replace_strict(
                {s: segment_label(s, lang) for s in table["segment"].to_list()},
                return_dtype=pl.String,
            )
            .alias(t("seg.col.segment", lang)),
            pl.col("rule").alias(t("seg.col.rule", lang)),
            pl.col("customers").alias(t("seg.col.customers", lang)),
            pl.col("share").alias(t("seg.col.share", lang)),
            pl.col("net_spend").round(2).alias(money or "net_spend"),
            pl.col("revenue_share").alias(t("seg.col.revenue_share", lang)),
            pl.col("segment")
            .replace_strict({s: segment_action(s, lang) for s in names}, return_dtype=pl.String)
            .alias(t("seg.col.action", lang)),
        )
        .drop([] if money else ["net_spend", t("seg.col.revenue_share", lang)])
    )


def members_csv(members: pl.DataFrame, data: CustomerData) -> bytes:
    """A segment's customers as UTF-8 CSV with BOM (Excel shows Chinese), formulas escaped:
    the bytes come from :func:`cimlab.export.table_bytes`, like every file cimlab writes. The
    money columns (``total_spend``, ``monetary_value``) are followed by a ``currency`` column
    and withheld (empty) when every amount is a placeholder (:func:`cimlab.money.label_money`,
    as the CLI's exports)."""
    labelled = label_money(
        members,
        currency=data.currency,
        money=MONEY_MEMBER_COLUMNS,
        withhold=data.money_withheld,
    )
    return table_bytes(labelled, "csv")


def member_headers(time_unit: str, lang: str, data: CustomerData) -> dict[str, str]:
    """Display headers of the member table; money columns say their currency."""
    unit = unit_label(time_unit, lang).lower()
    headers = {
        c: t(f"seg.col.{c}", lang, unit=unit)
        if c in ("since_last", "T")
        else t(f"seg.col.{c}", lang)
        for c in MEMBER_COLUMNS
    }
    for c in MONEY_MEMBER_COLUMNS:
        headers[c] = common.money_label(headers[c], data, lang)
    return headers


def revenue_header(data: CustomerData, lang: str) -> str | None:
    """The header of the segment table's revenue column, with its currency; ``None`` when
    every amount is a placeholder (no money to show)."""
    if not common.real_money(data):
        return None
    return common.money_label(t("seg.col.revenue", lang), data, lang)


def predicted_value_table(scores: pl.DataFrame, data: CustomerData, lang: str) -> None:
    """Mean CLV and the share at high churn risk per segment, from the predictions stored for
    exactly this data (:mod:`cimlab.predict.store`; the Value & risk page makes them); a pointer
    to that page when there are none."""
    path = str(common.workspace_dir())
    fingerprint = common.load_fingerprint(path, common.data_version(path), common.chosen_currency())
    clv = latest_prediction(path, "clv", fingerprint=fingerprint)
    churn = latest_prediction(path, "churn", fingerprint=fingerprint)
    if clv is None and churn is None:
        st.caption(t("seg.no_predictions", lang))
        return
    money = clv is not None and common.real_money(data)
    table = segment_value(
        scores,
        clv=clv.customers if money and clv is not None else None,
        churn=None if churn is None else churn.customers,
    )
    mean_clv = common.money_label(t("seg.col.mean_clv", lang), data, lang)
    shown = table.select(
        pl.col("segment")
        .replace_strict({s: segment_label(s, lang) for s in table["segment"].to_list()})
        .alias(t("seg.col.segment", lang)),
        pl.col("mean_clv").alias(mean_clv),
        (pl.col("churn_share") * 100.0).alias(t("seg.col.churn_share", lang)),
    )
    with st.container(key="seg_value_table"):
        st.dataframe(
            shown,
            hide_index=True,
            column_config={mean_clv: MONEY, t("seg.col.churn_share", lang): PERCENT},
            height="content",
        )
    st.caption(t("seg.predictions_caption", lang))


def rfm_section(
    scores: pl.DataFrame, *, as_of: dt.date, time_unit: str, lang: str, data: CustomerData
) -> None:
    revenue = float(scores["total_spend"].sum())
    money = revenue_header(data, lang)
    left, middle, right = st.columns(3)
    left.metric(t("seg.customers_scored", lang), f"{scores.height:,}", border=True)
    if money is None:  # placeholder amounts: a note, no figure
        middle.metric(
            t("seg.revenue_total", lang),
            t("money.not_shown", lang),
            help=common.placeholder_note(lang),
            border=True,
        )
    else:
        middle.metric(
            common.md_text(common.money_label(t("seg.revenue_total", lang), data, lang)),
            f"{revenue:,.2f}",
            border=True,
        )
    right.metric(t("seg.segments_present", lang), f"{scores['segment'].n_unique():,}", border=True)

    st.subheader(t("seg.grid", lang), help=t("seg.grid_help", lang))
    grid_values = GRID_VALUES if money else GRID_VALUES[:1]
    grid_labels = {v: t(f"seg.value.{v}", lang) for v in grid_values}  # made now, shown later
    if "revenue" in grid_labels:
        grid_labels["revenue"] = common.money_label(grid_labels["revenue"], data, lang)
    value = common.translated_choice(
        st.radio,
        t("seg.grid_value", lang),
        grid_values,
        key="seg_grid_value",
        lang=lang,
        default=grid_values[0],
        format_func=lambda v: common.md_text(grid_labels[v]),
        horizontal=True,
    )
    st.altair_chart(rfm_grid_chart(scores, value=value, lang=lang), width=GRID_WIDTH)
    if value == "revenue":
        st.caption(common.t_md("money.caption", lang, unit=common.money_unit(data, lang)))

    st.subheader(t("seg.table", lang))
    config = {
        t("seg.col.customers", lang): COUNT,
        t("seg.col.share", lang): PERCENT,
        t("seg.col.revenue_share", lang): PERCENT,
        t("seg.col.action", lang): st.column_config.TextColumn(width="large"),
    }
    if money:
        config[money] = MONEY
    st.dataframe(
        segment_rows(scores, lang, money=money),
        hide_index=True,
        column_config=config,
        height="content",
    )
    st.caption(t("seg.percent_note", lang))
    predicted_value_table(scores, data, lang)
    st.altair_chart(segment_bar_chart(segment_summary(scores), lang=lang), width=BARS_WIDTH)
    if money:
        st.caption(common.t_md("money.caption", lang, unit=common.money_unit(data, lang)))
    with st.expander(t("seg.distribution", lang)):
        # one panel per column: side by side on a desktop, stacked on a phone (an hconcat chart
        # cannot shrink to a narrow screen)
        distribution = rfm_distribution_chart(scores, time_unit=time_unit, lang=lang)
        for column, panel in zip(st.columns(3), distribution.hconcat, strict=True):
            column.altair_chart(panel, width="stretch")

    st.subheader(t("seg.members", lang))
    if not common.can("members.view"):  # viewers: aggregates and charts only
        st.caption(t("auth.members_hidden", lang))
        return
    members_section(scores, as_of=as_of, time_unit=time_unit, lang=lang, data=data)


@st.fragment
def members_section(
    scores: pl.DataFrame, *, as_of: dt.date, time_unit: str, lang: str, data: CustomerData
) -> None:
    """A segment's customers: the segment picker, the first :data:`MEMBERS_SHOWN` of them, their
    CSV and the audience button. A fragment: picking another segment reruns only this part, not
    the charts and the other tabs of the page (its own guard: a fragment rerun runs it alone)."""
    common.guard(
        lambda: _members(scores, as_of=as_of, time_unit=time_unit, lang=lang, data=data),
        lang,
        context="segments/members",
    )


def _members(
    scores: pl.DataFrame, *, as_of: dt.date, time_unit: str, lang: str, data: CustomerData
) -> None:
    if not common.can("members.view"):  # a fragment rerun skips the router: check again
        return
    money = revenue_header(data, lang)
    present = [s for s in rfm.SEGMENT_NAMES if s in set(scores["segment"].to_list())]
    if not present:
        return
    chosen = common.translated_choice(
        st.selectbox,
        t("seg.pick", lang),
        present,
        key="seg_pick",
        lang=lang,
        default=present[0],
        format_func=lambda s: segment_label(s, lang),
    )
    members = (
        scores.filter(pl.col("segment") == chosen)
        .select(MEMBER_COLUMNS)
        .sort("total_spend", "customer_id", descending=[True, False])
    )
    st.caption(
        common.t_md(
            "seg.members_caption",
            lang,
            n=f"{members.height:,}",
            segment=segment_label(chosen, lang),
            action=segment_action(chosen, lang),
        )
    )
    if members.height > MEMBERS_SHOWN:
        st.caption(
            common.t_md("seg.members_shown", lang, shown=MEMBERS_SHOWN, n=f"{members.height:,}")
        )
    headers = member_headers(time_unit, lang, data)
    duration = "%d" if time_unit == "day" else "%.1f"
    config = {
        headers["since_last"]: st.column_config.NumberColumn(format=duration),
        headers["T"]: st.column_config.NumberColumn(format=duration),
        headers["purchase_days"]: COUNT,
        headers["last_purchase"]: st.column_config.DateColumn(format="YYYY-MM-DD"),
    }
    if money is not None:
        config |= {headers[c]: MONEY for c in MONEY_MEMBER_COLUMNS}
    shown = members if money else members.drop(MONEY_MEMBER_COLUMNS)  # placeholders: no money
    st.dataframe(
        shown.head(MEMBERS_SHOWN).rename({c: h for c, h in headers.items() if c in shown.columns}),
        hide_index=True,
        column_config=config,
        placeholder="—",
    )
    slug = chosen.lower().replace(" ", "_")
    st.download_button(
        t("seg.download", lang),
        data=members_csv(members, data),
        file_name=f"segment_{slug}_{as_of.isoformat()}.csv",
        mime="text/csv",
        help=t("seg.download_help", lang),
        key="seg_download",
        on_click="ignore",
        icon=":material/download:",
    )
    code = rfm.SEGMENT_CODES[chosen]
    common.audience_button(
        Audience(f"segment:{code}", rules=(Rule("segment", "=", code),)),
        lang,
        key="seg_make_audience",
    )


def structure_note(structure: dict[str, object], k: int, *, chose: bool, lang: str) -> None:
    """How far to trust the clusters: silhouette band, how stable the choice of k is."""
    silhouette = structure.get("silhouette")
    if not isinstance(silhouette, float) or math.isnan(silhouette):
        return
    band = t(f"seg.structure.{structure['band']}", lang)
    st.caption(common.t_md("seg.structure", lang, silhouette=f"{silhouette:.2f}", band=band))
    stability = structure.get("stability")
    if chose and isinstance(stability, float) and not math.isnan(stability):
        share = f"{stability:.0%}"
        st.caption(common.t_md("seg.stability", lang, k=k, share=share, n=structure["resamples"]))
    if structure.get("weak"):
        st.caption(t("seg.weak_hint", lang))


def cluster_section(
    buyers: int,
    *,
    path: str,
    version: str,
    as_of: dt.date,
    time_unit: str,
    lang: str,
    data: CustomerData,
) -> None:
    st.caption(t("seg.clusters_intro", lang))
    if buyers < MIN_CLUSTER_CUSTOMERS:
        st.info(common.t_md("seg.too_few", lang, n=buyers))
        return
    auto = st.checkbox(t("seg.auto_k", lang), value=True, key="seg_auto_k")
    k: int | None = None
    criterion = "silhouette"
    if auto:
        criterion = common.translated_choice(
            st.radio,
            t("seg.criterion", lang),
            CRITERIA,
            key="seg_criterion",
            lang=lang,
            default=CRITERIA[0],
            format_func=lambda c: t(f"seg.criterion.{c}", lang),
            horizontal=True,
        )
    else:
        k = st.slider(t("seg.k", lang), min_value=2, max_value=8, value=4, key="seg_k")
    assignments, k_scores, profiles, chosen, structure = load_clusters(
        path, version, as_of, time_unit, k, criterion, common.chosen_currency()
    )
    st.metric(t("seg.k_chosen", lang), f"{chosen:,}", border=True)
    structure_note(structure, chosen, chose=auto, lang=lang)
    if auto:
        st.subheader(t("seg.k_curve", lang))
        st.altair_chart(cluster_k_chart(k_scores, lang=lang), width="stretch")
    st.subheader(t("seg.profiles", lang))
    st.altair_chart(cluster_profile_chart(profiles, lang=lang), width="stretch")
    features = [c for c in profiles.columns if c not in PROFILE_KEYS]
    shares = [f for f in features if f.startswith("share_")]
    names = {code: cluster_label(code, lang) for code in profiles["name"].to_list()}

    def feature_header(feature: str) -> str:
        label = feature_label(feature, lang)
        return common.money_label(label, data, lang) if feature in MONEY_FEATURES else label

    st.dataframe(
        profiles.select(
            pl.col("cluster").alias(t("seg.col.cluster", lang)),
            pl.col("name")
            .replace_strict(names, return_dtype=pl.String)
            .alias(t("seg.col.name", lang)),
            pl.col("customers").alias(t("seg.col.customers", lang)),
            (pl.col("share") * 100.0).alias(t("seg.col.share", lang)),
            *(
                (pl.col(f) * 100.0 if f in shares else pl.col(f).round(2)).alias(feature_header(f))
                for f in features
            ),
        ),
        hide_index=True,
        column_config={
            t("seg.col.customers", lang): COUNT,
            t("seg.col.share", lang): PERCENT,
            **{
                feature_header(f): PERCENT
                if f in shares
                else MONEY
                if f in MONEY_FEATURES
                else st.column_config.NumberColumn(format="%,.1f")
                for f in features
            },
        },
        placeholder="—",
        height="content",
    )
    st.caption(t("seg.percent_note", lang))
    if not common.real_money(data):
        st.caption(common.placeholder_note(lang))
    codes = profiles["name"].to_list()
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    with left:
        picked = common.translated_choice(
            st.selectbox,
            t("cmp.pick_cluster", lang),
            codes,
            key="seg_cluster_pick",
            lang=lang,
            default=codes[0],
            format_func=lambda code: names[code],
        )
    with right:  # its members as listed here (an include list: the clusters as shown)
        ids = assignments.filter(pl.col("cluster_name") == picked)["customer_id"].cast(pl.String)
        common.audience_button(
            Audience(
                f"cluster_{picked.replace(':', '_').replace('#', '_')}_{as_of.isoformat()}",
                rules=(Rule("customer_id", "in", ids.to_list()),),
            ),
            lang,
            key="seg_cluster_audience",
        )
    st.subheader(t("seg.scatter", lang))
    numeric = [c for c in features if c in assignments.columns]
    if len(numeric) >= 2:
        left, right = st.columns(2)
        with left:
            x = common.translated_choice(
                st.selectbox,
                t("seg.scatter_x", lang),
                numeric,
                key="seg_scatter_x",
                lang=lang,
                default=numeric[0],
                format_func=lambda f: feature_label(f, lang),
            )
        with right:
            y = common.translated_choice(
                st.selectbox,
                t("seg.scatter_y", lang),
                numeric,
                key="seg_scatter_y",
                lang=lang,
                default="total_spend" if "total_spend" in numeric else numeric[1],
                format_func=lambda f: feature_label(f, lang),
            )
        st.altair_chart(cluster_scatter_chart(assignments, x=x, y=y, lang=lang), width="stretch")


def stage_rows(stages: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Customers per lifecycle stage on the analysis date, with the rules, in ``lang``
    (:func:`cimlab.i18n.stage_label`, :func:`cimlab.i18n.stage_rule`)."""
    counted = stages.group_by("stage").agg(customers=pl.len().cast(pl.Int64))
    order = pl.DataFrame({"stage": list(lifecycle.STAGE_ORDER)})
    return (
        order.join(counted, on="stage", how="left", maintain_order="left")
        .with_columns(pl.col("customers").fill_null(0))
        .select(
            pl.col("stage")
            .replace_strict({s: stage_label(s, lang) for s in lifecycle.STAGE_ORDER})
            .alias(t("seg.col.stage", lang)),
            pl.col("customers").alias(t("seg.col.customers", lang)),
            percent(pl.col("customers"), stages.height).alias(t("seg.col.share", lang)),
            pl.col("stage")
            .replace_strict({s: stage_rule(s, lang) for s in lifecycle.STAGE_ORDER})
            .alias(t("seg.col.rule", lang)),
        )
    )


def lifecycle_section(*, path: str, version: str, as_of: dt.date, lang: str) -> None:
    st.caption(t("seg.lifecycle_intro", lang))
    months = st.select_slider(
        t("seg.months", lang), MONTH_CHOICES, value=MONTH_CHOICES[0], key="seg_months"
    )
    st.subheader(t("seg.stage_counts", lang))
    currency = common.chosen_currency()
    counts = load_stage_counts(path, version, as_of, months, currency)
    st.altair_chart(stage_counts_chart(counts, lang=lang), width="stretch")

    st.subheader(t("seg.current", lang))
    st.dataframe(
        stage_rows(load_stages(path, version, as_of, currency), lang),
        hide_index=True,
        column_config={t("seg.col.customers", lang): COUNT, t("seg.col.share", lang): PERCENT},
        height="content",
    )
    st.caption(t("seg.percent_note", lang))
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    with left:
        stage = common.translated_choice(
            st.selectbox,
            t("cmp.pick_stage", lang),
            lifecycle.STAGE_ORDER,
            key="seg_stage_pick",
            lang=lang,
            default=lifecycle.STAGE_ORDER[0],
            format_func=lambda s: stage_label(s, lang),
        )
    with right:
        common.audience_button(
            Audience(f"stage:{stage}", rules=(Rule("stage", "=", stage),)),
            lang,
            key="seg_stage_audience",
        )

    st.subheader(t("seg.transitions", lang))
    left, right = st.columns(2)
    start = left.date_input(
        t("seg.from_date", lang),
        value=as_of - dt.timedelta(days=TRANSITION_DAYS),
        format="YYYY-MM-DD",
        key=f"seg_from_{as_of.isoformat()}",
    )
    end = right.date_input(
        t("seg.to_date", lang), value=as_of, format="YYYY-MM-DD", key=f"seg_to_{as_of.isoformat()}"
    )
    if not isinstance(start, dt.date) or not isinstance(end, dt.date) or start >= end:
        st.warning(t("seg.bad_dates", lang))
        return
    moves = load_transitions(path, version, start, end, currency)
    st.altair_chart(transition_chart(moves, lang=lang), width="stretch")


lang = common.current_lang()
common.require("page.segments", lang)  # whatever the URL: the role decides
st.title(t("seg.title", lang))
st.caption(t("seg.intro", lang))
inputs = common.analysis_inputs(lang)
if inputs is not None:
    data, as_of = inputs
    ws_path = str(common.workspace_dir())
    version = common.data_version(ws_path)
    time_unit = common.translated_choice(
        st.radio,
        t("seg.time_unit", lang),
        TIME_UNITS,
        key="seg_time_unit",
        lang=lang,
        default=TIME_UNITS[0],
        format_func=lambda u: unit_label(u, lang),
        horizontal=True,
        help=t("seg.time_unit_help", lang),
    )
    scores = load_scores(ws_path, version, as_of, time_unit, common.chosen_currency())
    rfm_tab, cluster_tab, lifecycle_tab = st.tabs(
        [t("seg.tab.rfm", lang), t("seg.tab.clusters", lang), t("seg.tab.lifecycle", lang)]
    )
    with rfm_tab:
        if scores.is_empty():
            st.info(common.t_md("seg.no_buyers", lang, as_of=as_of.isoformat()))
        else:
            common.guard(
                lambda: rfm_section(scores, as_of=as_of, time_unit=time_unit, lang=lang, data=data),
                lang,
                context="segments/rfm",
            )
    with cluster_tab:
        common.guard(
            lambda: cluster_section(
                scores.height,
                path=ws_path,
                version=version,
                as_of=as_of,
                time_unit=time_unit,
                lang=lang,
                data=data,
            ),
            lang,
            context="segments/clusters",
        )
    with lifecycle_tab:
        common.guard(
            lambda: lifecycle_section(path=ws_path, version=version, as_of=as_of, lang=lang),
            lang,
            context="segments/lifecycle",
        )
