"""Satisfaction page (客户满意度): NPS, CSAT and complaint rate with confidence intervals, their
change against the previous period, by channel, by RFM segment and by month, and the unhappy
high-value customers (ids only, no contact data).

Session keys start with ``sat_``. Figures come from :func:`cimlab.satisfaction.satisfaction`
and :func:`cimlab.satisfaction.unhappy_high_value`, cached on the workspace path, its data
version and the widgets' values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import _common as common
import polars as pl
import streamlit as st

from cimlab.charts.satisfaction import (
    complaint_rate_chart,
    group_labels,
    nps_chart,
    nps_mix_chart,
    satisfaction_trend_chart,
)
from cimlab.i18n import t
from cimlab.rfm import rfm
from cimlab.satisfaction import satisfaction, unhappy_high_value

WINDOWS = (30, 90, 180, 365, 0)  # days; 0 = all time
DEFAULT_WINDOW = 90
CONFIDENCE = 0.95
TOP_SHARES = (0.05, 0.1, 0.2, 0.3, 0.5)
TREND_MONTHS = 12
MEASURES = ("nps", "csat", "complaint_rate")


def window(as_of: dt.date, days: int) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    """Start of the window, and the previous window of the same length (None for all time)."""
    if days == 0:
        return None, None, None
    start = as_of - dt.timedelta(days=days - 1)
    prev_end = start - dt.timedelta(days=1)
    return start, prev_end - dt.timedelta(days=days - 1), prev_end


def first_of_month(day: dt.date, *, back: int) -> dt.date:
    """The first day of the month ``back`` months before the month of ``day``."""
    months = day.year * 12 + day.month - 1 - back
    return dt.date(months // 12, months % 12 + 1, 1)


# ----------------------------------------------------------------------------- cached figures


@st.cache_data(show_spinner=False, max_entries=32)
def _segments(path: str, version: str, as_of: dt.date) -> pl.DataFrame:
    data = common.load_customer_data(path, version)
    assert data is not None
    return rfm(data.orders, as_of=as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def _figures(
    path: str, version: str, as_of: dt.date, start: dt.date | None, by: str | None
) -> pl.DataFrame:
    data = common.load_customer_data(path, version)
    assert data is not None
    return satisfaction(
        data.feedback,
        as_of=as_of,
        start=start,
        by=by,  # type: ignore[arg-type]
        interactions=data.interactions,
        segments=_segments(path, version, as_of) if by == "segment" else None,
        confidence=CONFIDENCE,
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _unhappy(
    path: str, version: str, as_of: dt.date, start: dt.date | None, top_share: float
) -> pl.DataFrame:
    data = common.load_customer_data(path, version)
    assert data is not None
    return unhappy_high_value(
        data.feedback,
        _segments(path, version, as_of),
        as_of=as_of,
        start=start,
        interactions=data.interactions,
        top_share=top_share,
    )


# ----------------------------------------------------------------------------- display helpers


def _fmt(measure: str, value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if measure == "nps" else f"{value:.1%}"


def _delta(measure: str, now: Any, before: Any) -> str | None:
    if now is None or before is None:
        return None
    diff = now - before
    return f"{diff:+.1f}" if measure == "nps" else f"{diff * 100:+.1f} pp"


def _metrics(now: dict[str, Any], before: dict[str, Any] | None, lang: str) -> None:
    conf = f"{CONFIDENCE:.0%}"
    helps = {
        "nps": t(
            "sat.help.nps",
            lang,
            conf=conf,
            low=_fmt("nps", now["nps_low"]),
            high=_fmt("nps", now["nps_high"]),
            n=now["nps_answers"],
            pro=now["promoters"],
            pas=now["passives"],
            det=now["detractors"],
        ),
        "csat": t(
            "sat.help.csat",
            lang,
            conf=conf,
            low=_fmt("csat", now["csat_low"]),
            high=_fmt("csat", now["csat_high"]),
            n=now["csat_answers"],
            mean="–" if now["csat_mean"] is None else f"{now['csat_mean']:.2f}",
        ),
        "complaint_rate": t(
            "sat.help.complaint_rate",
            lang,
            conf=conf,
            low=_fmt("complaint_rate", now["complaint_low"]),
            high=_fmt("complaint_rate", now["complaint_high"]),
            k=now["complaints"],
            n=now["complaint_base"],
        ),
    }
    for column, measure in zip(st.columns(len(MEASURES)), MEASURES, strict=True):
        value = now[measure]
        column.metric(
            t(f"sat.metric.{measure}", lang),
            _fmt(measure, value) if value is not None else t("sat.metric.none", lang),
            delta=_delta(measure, value, before[measure]) if before else None,
            delta_color="inverse" if measure == "complaint_rate" else "normal",
            help=helps[measure],
            border=True,
        )


SHARES = ("csat", "csat_low", "csat_high", "complaint_rate", "complaint_low", "complaint_high")
MISSING = "—"  # shown for a figure without answers


def _table(stats: pl.DataFrame, group: str, lang: str) -> pl.DataFrame:
    """Figures for display: groups with at least one answer or contact, translated group
    labels and headers, rounded numbers (shares to 0.1 %)."""
    answered = pl.col("nps_answers") + pl.col("csat_answers") + pl.col("complaint_base") > 0
    shown = stats.filter(answered).with_columns(
        group_labels(stats, group, lang=lang).alias(group),
        pl.col("nps", "nps_low", "nps_high").round(1),
        pl.col("csat_mean").round(2),
        pl.col("csat", "csat_low", "csat_high").round(3),
        pl.col("complaint_rate", "complaint_low", "complaint_high").round(3),
    )
    names = {c: t(f"sat.col.{c}", lang) for c in shown.columns if c != group}
    names[group] = t(f"sat.group.{group}", lang)
    return shown.rename(names)


def _show_table(stats: pl.DataFrame, group: str, lang: str, *, key: str) -> None:
    """:func:`_table` as a dataframe: shares as percentages, counts with separators, "—"
    where a group has no answers for a measure."""
    table = _table(stats, group, lang)
    formats: dict[str, str] = {
        **dict.fromkeys(SHARES, "percent"),
        **dict.fromkeys(("nps", "nps_low", "nps_high"), "%.1f"),
        "csat_mean": "%.2f",
    }
    config = {}
    for column, dtype in stats.schema.items():
        label = t(f"sat.group.{group}", lang) if column == group else t(f"sat.col.{column}", lang)
        if column in formats:
            config[label] = st.column_config.NumberColumn(format=formats[column])
        elif dtype.is_integer():
            config[label] = st.column_config.NumberColumn(format="%,d")
    st.dataframe(
        table,
        hide_index=True,
        column_config=config,
        placeholder=MISSING,
        height="content",
        key=key,
    )


def _unhappy_table(rows: pl.DataFrame, lang: str) -> pl.DataFrame:
    shown = rows.with_columns(
        pl.col("reason").replace_strict(
            {r: t(f"sat.reason.{r}", lang) for r in ("detractor", "complaint", "both")}
        ),
        pl.col("value").round(2),
        pl.col("last_feedback_ts").dt.strftime("%Y-%m-%d %H:%M"),
    )
    if "segment" in shown.columns:
        shown = shown.with_columns(group_labels(shown, "segment", lang=lang).alias("segment"))
    headers = {c: t(f"sat.col.{c}", lang) for c in shown.columns if c != "complaints"}
    headers["complaints"] = t("sat.col.complaint_count", lang)
    return common.mask_columns(shown, {}).rename(headers)


# ----------------------------------------------------------------------------- the page


def _page(lang: str) -> None:
    inputs = common.analysis_inputs(lang)
    if inputs is None:
        return
    _, as_of = inputs
    path = str(common.workspace_dir())
    version = common.data_version(path)

    days = st.selectbox(
        t("sat.window", lang),
        WINDOWS,
        index=WINDOWS.index(DEFAULT_WINDOW),
        format_func=lambda d: (
            t("sat.window_all", lang) if d == 0 else t("sat.window_days", lang, n=d)
        ),
        help=t("sat.window_help", lang),
        key="sat_window",
    )
    start, prev_start, prev_end = window(as_of, days)
    if start is None:
        st.caption(t("sat.period_all", lang, end=as_of))
    else:
        st.caption(
            t(
                "sat.period_vs",
                lang,
                start=start,
                end=as_of,
                prev_start=prev_start,
                prev_end=prev_end,
            )
        )

    overall = _figures(path, version, as_of, start, None).row(0, named=True)
    if (
        overall["nps_answers"] == 0
        and overall["csat_answers"] == 0
        and overall["complaint_base"] == 0
    ):
        st.info(t("sat.empty", lang))
        return
    before = None
    if prev_end is not None:
        before = _figures(path, version, prev_end, prev_start, None).row(0, named=True)
    _metrics(overall, before, lang)
    with st.expander(t("sat.rules", lang)):
        st.markdown(t("sat.rules_text", lang))

    st.subheader(t("sat.by_channel", lang))
    by_channel = _figures(path, version, as_of, start, "channel")
    left, right = st.columns(2)
    left.altair_chart(nps_chart(by_channel, group="channel", lang=lang), width="stretch")
    right.altair_chart(
        complaint_rate_chart(by_channel, group="channel", lang=lang), width="stretch"
    )
    _show_table(by_channel, "channel", lang, key="sat_channel_table")

    st.subheader(t("sat.by_segment", lang))
    st.caption(t("sat.by_segment_caption", lang))
    by_segment = _figures(path, version, as_of, start, "segment")
    left, right = st.columns(2)
    left.altair_chart(nps_chart(by_segment, group="segment", lang=lang), width="stretch")
    right.altair_chart(nps_mix_chart(by_segment, group="segment", lang=lang), width="stretch")
    _show_table(by_segment, "segment", lang, key="sat_segment_table")

    st.subheader(t("sat.trend", lang))
    st.caption(t("sat.trend_caption", lang, conf=f"{CONFIDENCE:.0%}"))
    trend_start = None if days == 0 else first_of_month(as_of, back=TREND_MONTHS - 1)
    monthly = _figures(path, version, as_of, trend_start, "month")
    measure = st.radio(
        t("sat.measure", lang),
        MEASURES,
        format_func=lambda m: t(f"sat.metric.{m}", lang),
        horizontal=True,
        key="sat_measure",
    )
    trend = satisfaction_trend_chart(monthly, measure=measure, lang=lang)  # type: ignore[arg-type]
    st.altair_chart(trend, width="stretch")

    st.subheader(t("sat.unhappy", lang))
    share = st.select_slider(
        t("sat.top_share", lang),
        TOP_SHARES,
        value=0.2,
        format_func=lambda s: f"{s:.0%}",
        key="sat_top_share",
    )
    st.caption(t("sat.unhappy_caption", lang, share=f"{share:.0%}"))
    unhappy = _unhappy(path, version, as_of, start, share)
    if unhappy.is_empty():
        st.info(t("sat.unhappy_none", lang))
    else:
        st.dataframe(
            _unhappy_table(unhappy, lang),
            hide_index=True,
            column_config={
                t("sat.col.value", lang): st.column_config.NumberColumn(format="%,.2f"),
                t("sat.col.last_nps", lang): st.column_config.NumberColumn(format="%d"),
            },
            placeholder=MISSING,
            key="sat_unhappy_table",
        )
    st.page_link("customers_page.py", label=t("sat.customers_link", lang), icon=":material/groups:")


lang = common.current_lang()
st.title(t("nav.satisfaction", lang))
_page(lang)
