"""Value & risk page (价值与风险): customer lifetime value with intervals, churn risk bands with
reasons, the P(alive) map, the forecast, and the model report (parameters, fit, holdout
validation, why this model).

Thin by design: the predictions come from :func:`cimlab.predict.runs.workspace_clv` and
:func:`cimlab.predict.runs.workspace_churn`, which return the stored run for the current data
and settings (:mod:`cimlab.predict.store`) or fit and store one, with a progress bar. Only
unified customer ids and their figures are shown or downloaded, never contact data.

Session keys start with ``val_``; widgets with translated labels are keyed per language and
their choice kept under the plain key (:func:`_common.translated_choice`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import _common as common
import polars as pl
import streamlit as st

from cimlab.act.audiences import Audience, Rule
from cimlab.analytics.facts import CustomerData
from cimlab.analytics.rfm import rfm_table
from cimlab.charts.value import (
    BAND_ORDER,
    band_label,
    churn_band_chart,
    clv_histogram_chart,
    conditional_expectation_chart,
    forecast_chart,
    p_alive_map_chart,
    tracking_chart,
)
from cimlab.errors import NotEnoughDataError
from cimlab.export import table_bytes
from cimlab.i18n import segment_label, t
from cimlab.money import label_money
from cimlab.predict.maps import frequency_recency_map
from cimlab.predict.runs import purchase_model_from_report, workspace_churn, workspace_clv
from cimlab.predict.segments import segment_value
from cimlab.predict.store import StoredPrediction

HORIZONS = (13, 26, 52, 104)  # weeks
DEFAULT_HORIZON = 52
MODELS = ("auto", "bgnbd", "pareto", "mbgnbd", "mbgcnbd")
CHURN_DAYS = (30, 60, 90, 180, 365)
DEFAULT_CHURN_DAYS = 90
TOP_N = 20
MEMBERS_SHOWN = 500
MAP_FREQUENCIES = 30
MONEY = st.column_config.NumberColumn(format="%,.2f")
COUNT = st.column_config.NumberColumn(format="%,d")
PERCENT = st.column_config.NumberColumn(format=common.PERCENT_FORMAT)
SHARE = st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)
CLV_COLUMNS = (
    "customer_id",
    "clv",
    "clv_low",
    "clv_high",
    "expected_purchases",
    "p_alive",
    "expected_spend",
    "next_purchase_date",
)
CLV_MONEY = ("expected_spend", "clv", "clv_low", "clv_high", "monetary_value")


def _progress_bar(text: str) -> tuple[Any, Any]:
    """A progress callback that shows a bar on its first call, and a function to clear it."""
    holder: dict[str, Any] = {}

    def update(step: str, share: float) -> None:
        label = f"{text}: {step}"
        if "bar" not in holder:
            holder["bar"] = st.progress(0.0, text=label)
        holder["bar"].progress(min(max(share, 0.0), 1.0), text=label)

    def clear() -> None:
        if "bar" in holder:
            holder["bar"].empty()

    return update, clear


def _predict(kind: str, data: CustomerData, lang: str, **settings: Any) -> StoredPrediction | None:
    """The stored run for these settings, or a fit with a progress bar; a clear message
    (never a traceback) when the data are too few for a model."""
    path = str(common.workspace_dir())
    fingerprint = common.load_fingerprint(path, common.data_version(path), common.chosen_currency())
    update, clear = _progress_bar(t(f"val.fitting_{kind}", lang))
    try:
        if kind == "clv":
            return workspace_clv(path, data, progress=update, fingerprint=fingerprint, **settings)
        return workspace_churn(path, data, progress=update, fingerprint=fingerprint, **settings)
    except NotEnoughDataError as exc:
        st.info(common.t_md(f"val.not_enough_{kind}", lang, reason=common.md_text(str(exc))))
        return None
    except FloatingPointError as exc:  # a fit the data cannot support, said, not a traceback
        st.warning(common.t_md(f"val.not_enough_{kind}", lang, reason=common.md_text(str(exc))))
        return None
    finally:
        clear()


def _money_header(key: str, data: CustomerData, lang: str) -> str:
    return common.money_label(t(key, lang), data, lang)


def _headers(columns: list[str], data: CustomerData, lang: str) -> dict[str, str]:
    return {
        c: _money_header(f"val.col.{c}", data, lang) if c in CLV_MONEY else t(f"val.col.{c}", lang)
        for c in columns
    }


def _config(headers: dict[str, str]) -> dict[str, Any]:
    kinds = {
        "customers": COUNT,
        "p_alive": SHARE,
        "churn_probability": SHARE,
        "churn_share": PERCENT,
        "share": PERCENT,
        "expected_purchases": st.column_config.NumberColumn(format="%.2f"),
        "next_purchase_date": st.column_config.DateColumn(format="YYYY-MM-DD"),
    }
    config: dict[str, Any] = {}
    for column, header in headers.items():
        if column in kinds:
            config[header] = kinds[column]
        elif column in CLV_MONEY or column in ("mean_clv", "total_clv", "value_at_risk"):
            config[header] = MONEY
    return config


def _show(frame: pl.DataFrame, data: CustomerData, lang: str, *, key: str) -> None:
    if "customer_id" in frame.columns and not common.can("members.view"):
        st.caption(t("auth.members_hidden", lang))  # a member list: not for viewers
        return
    shown = frame.with_columns(
        pl.col(c) * 100.0 for c in ("churn_share", "share") if c in frame.columns
    )
    headers = _headers(shown.columns, data, lang)
    with st.container(key=key):
        st.dataframe(
            shown.rename(headers),
            hide_index=True,
            column_config=_config(headers),
            height="content" if shown.height <= 25 else "auto",
        )


def _download(frame: pl.DataFrame, data: CustomerData, lang: str, *, name: str, key: str) -> None:
    if "customer_id" in frame.columns and not common.can("members.view"):
        return  # a member list: not for viewers
    money = [c for c in CLV_MONEY if c in frame.columns]
    labelled = label_money(frame, currency=data.currency, money=money, withhold=data.money_withheld)
    st.download_button(
        common.t_md("val.download", lang, rows=f"{frame.height:,}"),
        data=table_bytes(labelled, "csv"),
        file_name=name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
        help=t("val.download_help", lang),
    )


def _metrics(
    clv: StoredPrediction | None, churn: StoredPrediction | None, data: CustomerData, lang: str
) -> None:
    columns = st.columns(4)
    if clv is not None:
        customers = clv.customers
        columns[0].metric(t("val.kpi.customers", lang), f"{customers.height:,}")
        columns[1].metric(
            common.t_md("val.kpi.expected_purchases", lang, horizon=f"{clv.report['horizon']:g}"),
            f"{customers['expected_purchases'].sum():,.0f}",
        )
        if common.real_money(data) and customers["clv"].null_count() < customers.height:
            columns[2].metric(
                common.md_text(_money_header("val.kpi.total_clv", data, lang)),
                f"{customers['clv'].sum():,.0f}",
            )
    if churn is not None:
        high = churn.customers.filter(pl.col("risk_band") == "high")
        value = ""
        if clv is not None and common.real_money(data):
            at_risk = high.join(clv.customers.select("customer_id", "clv"), on="customer_id")
            value = common.t_md("val.kpi.value_at_risk", lang, value=f"{at_risk['clv'].sum():,.0f}")
        columns[3].metric(
            common.t_md("val.kpi.high_risk", lang, days=churn.report["horizon_days"]),
            f"{high.height:,}",
            help=value or None,
        )


def _value_tab(
    clv: StoredPrediction,
    churn: StoredPrediction | None,
    data: CustomerData,
    as_of: dt.date,
    lang: str,
) -> None:
    customers = clv.customers
    money = common.real_money(data) and customers["clv"].null_count() < customers.height
    if money:
        st.subheader(t("val.distribution", lang))
        st.altair_chart(
            clv_histogram_chart(customers, lang=lang, currency=data.currency), width="stretch"
        )
        st.caption(
            common.t_md(
                "val.clv_caption",
                lang,
                horizon=f"{clv.report['horizon']:g}",
                rate=f"{100 * clv.report['discount_rate']:.0f}",
                interval=f"{100 * clv.report['interval']:.0f}",
            )
        )
    else:
        st.info(t("val.no_money", lang))
    st.subheader(common.t_md("val.top", lang, n=TOP_N))
    order = "clv" if money else "expected_purchases"
    top = customers.sort(order, descending=True, nulls_last=True).head(TOP_N)
    columns = [c for c in CLV_COLUMNS if c in top.columns and (money or c not in CLV_MONEY)]
    _show(top.select(columns), data, lang, key="val_top_table")
    with st.expander(t("val.methods", lang)):
        st.markdown(
            common.t_md("val.interval_method", lang, interval=f"{100 * clv.report['interval']:.0f}")
        )
        st.markdown(t("val.next_purchase_method", lang))
        st.markdown(
            common.t_md(
                "val.discount_method", lang, rate=f"{100 * clv.report['discount_rate']:.0f}"
            )
        )
    _download(
        customers.select([c for c in customers.columns]),
        data,
        lang,
        name=f"clv_{as_of.isoformat()}.csv",
        key="val_clv_download",
    )
    st.subheader(t("val.by_segment", lang))
    scores = rfm_table(data.orders, as_of=as_of, time_zone=data.time_zone)
    if scores.is_empty():
        return
    table = segment_value(
        scores,
        clv=customers if money else None,
        churn=None if churn is None else churn.customers,
    ).with_columns(
        pl.col("segment").replace_strict(
            {s: segment_label(s, lang) for s in scores["segment"].unique().drop_nulls()},
            default=pl.col("segment"),
        )
    )
    _show(table, data, lang, key="val_segment_table")
    st.caption(t("val.by_segment_caption", lang))


def _risk_tab(
    churn: StoredPrediction,
    clv: StoredPrediction | None,
    data: CustomerData,
    as_of: dt.date,
    lang: str,
) -> None:
    customers = churn.customers
    if clv is not None:
        customers = customers.join(
            clv.customers.select("customer_id", "clv"), on="customer_id", how="left"
        )
    else:
        customers = customers.with_columns(clv=pl.lit(None, dtype=pl.Float64))
    bands = (
        customers.group_by("risk_band")
        .agg(pl.len().alias("customers"), pl.col("clv").sum().alias("value_at_risk"))
        .with_columns(share=pl.col("customers") / pl.col("customers").sum())
    )
    order = {b: i for i, b in enumerate(BAND_ORDER)}
    bands = bands.sort(pl.col("risk_band").replace_strict(order, default=len(order)))
    # each panel in its column: side by side on a desktop, stacked on a phone
    band_chart = churn_band_chart(bands, lang=lang, currency=data.currency)
    for column, panel in zip(st.columns(2), band_chart.hconcat, strict=True):
        column.altair_chart(panel, width="stretch")
    cut = churn.report.get("bands", {})
    if cut:
        high, medium = f"{100 * cut['high']:.0f}", f"{100 * cut['medium']:.0f}"
        st.caption(common.t_md("val.bands_rule", lang, high=high, medium=medium))
    shown = bands.with_columns(
        pl.col("risk_band").replace_strict(
            {b: band_label(b, lang) for b in BAND_ORDER}, default=pl.col("risk_band")
        )
    ).select("risk_band", "customers", "share", "value_at_risk")
    _show(shown, data, lang, key="val_band_table")
    band = common.translated_choice(
        st.radio,
        t("val.band", lang),
        BAND_ORDER,
        key="val_band",
        lang=lang,
        default="high",
        format_func=lambda b: common.md_text(band_label(b, lang)),
        horizontal=True,
    )
    members = customers.filter(pl.col("risk_band") == band).sort(
        "churn_probability", descending=True
    )
    reasons = "reasons_zh" if lang == "zh" and "reasons_zh" in members.columns else "reasons"
    columns = ["customer_id", "churn_probability", reasons, "clv"]
    _show(
        members.select(columns).head(MEMBERS_SHOWN).rename({reasons: "reasons"}),
        data,
        lang,
        key="val_members_table",
    )
    if members.height > MEMBERS_SHOWN:
        st.caption(
            common.t_md("val.members_more", lang, shown=MEMBERS_SHOWN, n=f"{members.height:,}")
        )
    _download(
        members,
        data,
        lang,
        name=f"churn_{band}_{as_of.isoformat()}.csv",
        key="val_churn_download",
    )
    common.audience_button(
        Audience(f"churn:{band}", rules=(Rule("churn_band", "=", band),)),
        lang,
        key="val_make_audience",
    )
    window = churn.report.get("window")
    if window:
        key = "val.window_short" if window["shortened"] else "val.window"
        st.caption(
            common.t_md(
                key,
                lang,
                cutoff=window["cutoff"],
                end=window["label_end"],
                days=window["window_days"],
                horizon=churn.report["horizon_days"],
            )
        )


def _map_tab(clv: StoredPrediction, lang: str) -> None:
    customers = clv.customers
    big_t = float(customers["T"].max() or 0.0)
    if big_t <= 0:
        st.info(t("val.map_empty", lang))
        return
    top = int(customers["frequency"].quantile(0.99) or 1)
    model = purchase_model_from_report(clv.report)
    grid = frequency_recency_map(model, T=big_t, max_frequency=max(1, min(top, MAP_FREQUENCIES)))
    st.altair_chart(p_alive_map_chart(grid, lang=lang), width="stretch")
    unit = t(f"val.unit.{clv.report['time_unit']}", lang)
    st.caption(common.t_md("val.map_caption", lang, T=f"{big_t:,.1f}", unit=unit))


def _choice_text(clv: StoredPrediction, lang: str) -> Any:
    """Why this model, in ``lang``: the holdout MAE of the chosen model against the next best."""
    ranking = clv.frames.get("ranking")
    if ranking is None or ranking.is_empty():
        return None
    best = ranking.row(0, named=True)
    if ranking.height == 1:
        model = t(f"val.model.{best['model']}", lang)
        return common.t_md("val.choice_one", lang, model=model, mae=f"{best['mae']:.3f}")
    runner = ranking.row(1, named=True)
    return common.t_md(
        "val.choice",
        lang,
        model=t(f"val.model.{best['model']}", lang),
        mae=f"{best['mae']:.3f}",
        runner=t(f"val.model.{runner['model']}", lang),
        runner_mae=f"{runner['mae']:.3f}",
        error="—" if best["error_pct"] is None else f"{best['error_pct']:+.1f}",
    )


def _model_tab(clv: StoredPrediction, churn: StoredPrediction | None, lang: str) -> None:
    report = clv.report
    st.subheader(common.t_md("val.model", lang, model=t(f"val.model.{report['model']}", lang)))
    choice = _choice_text(clv, lang)
    if choice:
        st.markdown(choice)
    params = pl.DataFrame(
        {
            t("val.col.parameter", lang): list(report["params"]),
            t("val.col.value", lang): list(report["params"].values()),
        }
    )
    st.dataframe(params, hide_index=True, key="val_params_table")
    if "ranking" in clv.frames:
        ranking = clv.frames["ranking"]
        st.dataframe(
            ranking.rename({c: t(f"val.col.{c}", lang) for c in ranking.columns}),
            hide_index=True,
            key="val_ranking_table",
        )
        st.caption(t("val.holdout_caption", lang))
    if "tracking" in clv.frames:
        st.subheader(t("val.tracking", lang))
        st.altair_chart(
            tracking_chart(clv.frames["tracking"], lang=lang, model=report["model"]),
            width="stretch",
        )
    if "conditional_expectation" in clv.frames:
        st.subheader(t("val.conditional", lang))
        st.altair_chart(
            conditional_expectation_chart(clv.frames["conditional_expectation"], lang=lang),
            width="stretch",
        )
    with st.expander(t("val.report", lang)):
        st.code(report["text"], language=None)
    if churn is not None:
        st.subheader(t("val.churn_model", lang))
        metrics = churn.frames.get("metrics")
        evaluation = churn.report.get("evaluation")
        if metrics is not None and evaluation:
            st.markdown(
                common.t_md(
                    "val.churn_backtest"
                    if evaluation["beats_baselines"]
                    else "val.churn_backtest_not",
                    lang,
                    as_of=evaluation["as_of"],
                    days=evaluation["horizon_days"],
                    customers=f"{evaluation['customers']:,}",
                    churned=f"{evaluation['churned']:,}",
                    best=evaluation["best_baseline"],
                )
            )
            st.dataframe(
                metrics.rename({c: t(f"val.col.{c}", lang) for c in metrics.columns}),
                hide_index=True,
                key="val_churn_metrics",
            )
        with st.expander(t("val.churn_report", lang)):
            st.code(churn.report["text"], language=None)


def _forecast_tab(clv: StoredPrediction, data: CustomerData, lang: str) -> None:
    forecast = clv.frames.get("forecast")
    if forecast is None or forecast.is_empty():
        st.info(t("val.no_forecast", lang))
        return
    st.altair_chart(forecast_chart(forecast, lang=lang), width="stretch")
    if common.real_money(data) and forecast["expected_revenue"].null_count() < forecast.height:
        st.altair_chart(
            forecast_chart(forecast, lang=lang, measure="expected_revenue", currency=data.currency),
            width="stretch",
        )
    st.caption(t("val.forecast_caption", lang))
    chosen = [m for m in clv.report.get("models", []) if m["model"] == clv.report["model"]]
    if chosen and chosen[0]["holdout_actual"]:
        row = chosen[0]
        st.markdown(
            common.t_md(
                "val.backtest",
                lang,
                model=t(f"val.model.{row['model']}", lang),
                length=f"{row['holdout_length']:g}",
                unit=t(f"val.unit.{clv.report['time_unit']}", lang),
                predicted=f"{row['holdout_predicted']:,.0f}",
                actual=f"{row['holdout_actual']:,.0f}",
                error=f"{row['error_pct']:+.1f}",
            )
        )


def _page(lang: str) -> None:
    common.require("page.value", lang)  # whatever the URL: the role decides
    st.title(t("val.title", lang))
    st.caption(t("val.intro", lang))
    inputs = common.analysis_inputs(lang)
    if inputs is None:
        return
    data, as_of = inputs
    left, middle, right = st.columns(3)
    with left:
        horizon = common.translated_choice(
            st.selectbox,
            t("val.horizon", lang),
            HORIZONS,
            key="val_horizon",
            lang=lang,
            default=DEFAULT_HORIZON,
            format_func=lambda n: t("val.weeks", lang, n=n),
            help=t("val.horizon_help", lang),
        )
    with middle:
        model = common.translated_choice(
            st.selectbox,
            t("val.model_choice", lang),
            MODELS,
            key="val_model",
            lang=lang,
            default="auto",
            format_func=lambda m: t(f"val.model.{m}", lang),
            help=t("val.model_help", lang),
        )
    with right:
        days = common.translated_choice(
            st.selectbox,
            t("val.churn_days", lang),
            CHURN_DAYS,
            key="val_churn_days",
            lang=lang,
            default=DEFAULT_CHURN_DAYS,
            format_func=lambda n: t("val.days", lang, n=n),
            help=t("val.churn_days_help", lang),
        )
    clv = _predict("clv", data, lang, as_of=as_of, horizon=horizon, time_unit="week", model=model)
    churn = _predict("churn", data, lang, as_of=as_of, horizon_days=days)
    if clv is None and churn is None:
        return
    _metrics(clv, churn, data, lang)
    names = ["value", "risk", "map", "forecast", "model"]
    labels = [
        t("val.tab.value", lang),
        t("val.tab.risk", lang),
        t("val.tab.map", lang),
        t("val.tab.forecast", lang),
        t("val.tab.model", lang),
    ]
    tabs = dict(zip(names, st.tabs(labels), strict=True))
    if clv is not None:
        with tabs["value"]:
            common.guard(lambda: _value_tab(clv, churn, data, as_of, lang), lang, context="value")
        with tabs["map"]:
            common.guard(lambda: _map_tab(clv, lang), lang, context="value/map")
        with tabs["forecast"]:
            common.guard(lambda: _forecast_tab(clv, data, lang), lang, context="value/forecast")
        with tabs["model"]:
            common.guard(lambda: _model_tab(clv, churn, lang), lang, context="value/model")
    if churn is not None:
        with tabs["risk"]:
            common.guard(lambda: _risk_tab(churn, clv, data, as_of, lang), lang, context="risk")


_page(common.current_lang())
