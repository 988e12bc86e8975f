"""Satisfaction page (客户满意度): NPS, CSAT and complaint rate with confidence intervals, their
change against the previous period, by channel, by RFM segment and by month, and the unhappy
high-value customers (ids only, no contact data).

Session keys start with ``sat_``; a widget with translated labels is keyed per language
(``sat_window_zh``) and its choice kept under the plain key (``sat_window``), see
:func:`_common.translated_choice`. Figures come from :func:`cimlab.analytics.satisfaction.satisfaction` and
:func:`cimlab.analytics.satisfaction.unhappy_high_value`, cached on the workspace path, its data version
and the widgets' values. Tables sit in keyed containers (``sat_channel_table``,
``sat_segment_table``: the essentials, every column in an expander below;
``sat_unhappy_table``). Every share reads as a percentage with one decimal ("3.0%", "10.6%"),
every NPS as signed points ("+12.5").
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
from cimlab.analytics.satisfaction import satisfaction_table, unhappy_high_value
from cimlab.charts.satisfaction import (
    complaint_rate_chart,
    group_labels,
    nps_chart,
    nps_mix_chart,
    satisfaction_trend_chart,
)
from cimlab.dates import month_start, previous_window, window_start
from cimlab.i18n import t

WINDOWS = (30, 90, 180, 365, 0)  # days; 0 = all time
DEFAULT_WINDOW = 90
CONFIDENCE = 0.95
TOP_SHARES = (0.05, 0.1, 0.2, 0.3, 0.5)
TREND_MONTHS = 12
MEASURES = ("nps", "csat", "complaint_rate")

# Display formats (sprintf, as st.column_config applies them): every share as a percentage with
# one decimal ("3.0%", "10.6%"), NPS points signed with one decimal ("+12.5", "-3.0").
PERCENT = "%.1f%%"  # applied to shares × 100
POINTS = "%+.1f"
COUNT = "%,d"
SHARES = ("csat", "csat_low", "csat_high", "complaint_rate", "complaint_low", "complaint_high")
NPS_POINTS = ("nps", "nps_low", "nps_high")
#: The columns of the compact table after the group: each measure, then the counts behind it.
ESSENTIALS = (
    "nps",
    "nps_interval",
    "nps_answers",
    "csat",
    "csat_answers",
    "complaint_rate",
    "complaints",
    "complaint_base",
)
#: Compact-table columns with a tooltip (``sat.col_help.<column>``).
HELPED = ("nps", "nps_interval", "csat", "complaint_rate", "complaints", "complaint_base")
MISSING = "—"  # shown in a table cell for a figure without answers


# ----------------------------------------------------------------------------- cached figures


@st.cache_data(show_spinner=False, max_entries=32)
def _segments(path: str, version: str, as_of: dt.date, currency: str | None = None) -> pl.DataFrame:
    # the Segments page's scores of the day (the same name: stored once per version for both)
    stored = common.stored_result(
        path,
        version,
        currency,
        f"rfm_{as_of.isoformat()}_day",
        lambda data: {
            "scores": rfm_table(data.orders, as_of=as_of, time_unit="day", time_zone=data.time_zone)
        },
    )
    assert stored is not None
    return stored["scores"]


@st.cache_data(show_spinner=False, max_entries=64)
def _figures(
    path: str,
    version: str,
    as_of: dt.date,
    start: dt.date | None,
    by: str | None,
    currency: str | None = None,
) -> pl.DataFrame:

    def make(data: CustomerData) -> dict[str, pl.DataFrame]:
        figures = satisfaction_table(
            data.feedback,
            as_of=as_of,
            start=start,
            by=by,  # type: ignore[arg-type]
            interactions=data.interactions,
            segments=_segments(path, version, as_of, currency) if by == "segment" else None,
            confidence=CONFIDENCE,
            time_zone=data.time_zone,
        )
        return {"figures": figures}

    since = "all" if start is None else start.isoformat()
    name = f"satisfaction_{as_of.isoformat()}_{since}_{by or 'all'}_{CONFIDENCE}"
    stored = common.stored_result(path, version, currency, name, make)  # kept for the version
    assert stored is not None
    return stored["figures"]


@st.cache_data(show_spinner=False, max_entries=32)
def _unhappy(
    path: str,
    version: str,
    as_of: dt.date,
    start: dt.date | None,
    top_share: float,
    currency: str | None = None,
) -> pl.DataFrame:

    def make(data: CustomerData) -> dict[str, pl.DataFrame]:
        unhappy = unhappy_high_value(
            data.feedback,
            _segments(path, version, as_of, currency),
            as_of=as_of,
            start=start,
            interactions=data.interactions,
            top_share=top_share,
            time_zone=data.time_zone,
        )
        return {"unhappy": unhappy}

    since = "all" if start is None else start.isoformat()
    name = f"unhappy_{as_of.isoformat()}_{since}_{top_share}"
    stored = common.stored_result(path, version, currency, name, make)  # kept for the version
    assert stored is not None
    return stored["unhappy"]


# ----------------------------------------------------------------------------- display helpers


def _fmt(measure: str, value: Any) -> str:
    """A figure as the tables show it: NPS points signed ("+12.5"), shares as "10.6%"."""
    if value is None:
        return MISSING
    return f"{value:+.1f}" if measure == "nps" else f"{value:.1%}"


def _delta(measure: str, now: Any, before: Any) -> str | None:
    if now is None or before is None:
        return None
    diff = now - before
    return f"{diff:+.1f}" if measure == "nps" else f"{diff * 100:+.1f} pp"


def _metrics(now: dict[str, Any], before: dict[str, Any] | None, lang: str) -> None:
    conf = f"{CONFIDENCE:.0%}"
    helps = {
        "nps": common.t_md(
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
        "csat": common.t_md(
            "sat.help.csat",
            lang,
            conf=conf,
            low=_fmt("csat", now["csat_low"]),
            high=_fmt("csat", now["csat_high"]),
            n=now["csat_answers"],
            mean="–" if now["csat_mean"] is None else f"{now['csat_mean']:.2f}",
        ),
        "complaint_rate": common.t_md(
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
            _fmt(measure, value) if value is not None else t("ana.no_data", lang),
            delta=_delta(measure, value, before[measure]) if before else None,
            delta_color="inverse" if measure == "complaint_rate" else "normal",
            help=helps[measure],
            border=True,
        )


def _signed(column: str) -> pl.Expr:
    """NPS points as text, as the NPS column shows them: "+12.5", "-3.0", "+0.0" (null stays)."""
    points = pl.col(column).round(1) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = points.cast(pl.String)
    return pl.when(points >= 0).then(pl.lit("+") + text).otherwise(text)


def _columns(stats: pl.DataFrame, group: str, *, full: bool) -> list[str]:
    """The group, then :data:`ESSENTIALS` or (``full``) every column of ``stats``."""
    return [group, *(c for c in stats.columns if c != group)] if full else [group, *ESSENTIALS]


def _headers(columns: list[str], group: str, lang: str) -> dict[str, str]:
    conf = f"{CONFIDENCE:.0%}"
    return {
        c: t(f"sat.group.{group}", lang) if c == group else t(f"sat.col.{c}", lang, conf=conf)
        for c in columns
    }


def _answered(stats: pl.DataFrame) -> pl.DataFrame:
    """The groups with at least one observation (an answer or an observed customer): the rows
    the tables and charts show; their figures without observations read "no data"."""
    return stats.filter(
        pl.col("nps_answers") + pl.col("csat_answers") + pl.col("complaint_base") > 0
    )


def _table(stats: pl.DataFrame, group: str, lang: str, *, full: bool = False) -> pl.DataFrame:
    """Figures for display: groups with at least one answer or contact, translated group
    labels and headers; shares × 100 and NPS points rounded to one decimal, mean CSAT to two,
    the NPS interval also as one text column ("-12.0 to +30.5"); a figure without
    observations stays empty (shown as :data:`MISSING`), never 0."""
    interval = pl.concat_str(
        _signed("nps_low"), pl.lit(t("sat.range_sep", lang)), _signed("nps_high")
    )
    stats = _answered(stats)
    shown = stats.with_columns(
        group_labels(stats, group, lang=lang).alias(group),
        interval.alias("nps_interval"),
        pl.col(*NPS_POINTS).round(1),
        pl.col("csat_mean").round(2),
        (pl.col(*SHARES) * 100.0).round(1),
    )
    columns = _columns(stats, group, full=full)
    return shown.select(columns).rename(_headers(columns, group, lang))


def _column_config(columns: list[str], group: str, lang: str, *, tips: bool) -> dict[str, Any]:
    """One format per kind of column (:data:`PERCENT`, :data:`POINTS`, :data:`COUNT`), the
    group pinned (it stays while scrolling), tooltips on :data:`HELPED` columns if ``tips``."""
    conf = f"{CONFIDENCE:.0%}"
    config: dict[str, Any] = {}
    for column, label in _headers(columns, group, lang).items():
        tip = (
            common.t_md(f"sat.col_help.{column}", lang, conf=conf)
            if tips and column in HELPED
            else None
        )
        if column == group:
            config[label] = st.column_config.TextColumn(pinned=True)
        elif column == "nps_interval":
            config[label] = st.column_config.TextColumn(help=tip)
        elif column in SHARES:
            config[label] = st.column_config.NumberColumn(format=PERCENT, help=tip)
        elif column in NPS_POINTS:
            config[label] = st.column_config.NumberColumn(format=POINTS, help=tip)
        elif column == "csat_mean":
            config[label] = st.column_config.NumberColumn(format="%.2f")
        else:
            config[label] = st.column_config.NumberColumn(format=COUNT, help=tip)
    return config


def _show_table(stats: pl.DataFrame, group: str, lang: str, *, key: str) -> None:
    """In a container keyed ``key``: the compact table, and below it an expander with every
    column (its toolbar downloads them as CSV); "—" where a group has no answers."""
    compact = _columns(stats, group, full=False)
    full = _columns(stats, group, full=True)
    with st.container(key=key):
        st.dataframe(
            _table(stats, group, lang),
            hide_index=True,
            column_config=_column_config(compact, group, lang, tips=True),
            placeholder=MISSING,
            height="content",
        )
        with st.expander(common.t_md("sat.all_columns", lang, n=len(full))):
            st.caption(t("sat.all_columns_caption", lang))
            st.dataframe(
                _table(stats, group, lang, full=True),
                hide_index=True,
                column_config=_column_config(full, group, lang, tips=False),
                placeholder=MISSING,
                height="content",
            )


def _value_header(data: CustomerData, lang: str) -> str:
    """The header of the unhappy customers' value (net spend), with its currency."""
    return common.money_label(t("sat.col.value", lang), data, lang)


def _unhappy_table(rows: pl.DataFrame, lang: str, data: CustomerData) -> pl.DataFrame:
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
    headers["value"] = _value_header(data, lang)
    if not common.real_money(data):  # placeholder amounts: no money shown
        shown = shown.drop("value")
    return common.mask_columns(shown, {}).rename(
        {c: h for c, h in headers.items() if c in shown.columns}
    )


# ----------------------------------------------------------------------------- the page


def _page(lang: str) -> None:
    inputs = common.analysis_inputs(lang)
    if inputs is None:
        return
    data, as_of = inputs
    currency = common.chosen_currency()
    path = str(common.workspace_dir())
    version = common.data_version(path)

    days = common.translated_choice(
        st.selectbox,
        t("sat.window", lang),
        WINDOWS,
        key="sat_window",
        lang=lang,
        default=DEFAULT_WINDOW,
        format_func=lambda d: (
            t("sat.window_all", lang) if d == 0 else t("sat.window_days", lang, n=d)
        ),
        help=t("sat.window_help", lang),
    )
    start = window_start(as_of, days)
    prev_start, prev_end = previous_window(as_of, days) if start is not None else (None, None)
    if start is None:
        st.caption(common.t_md("sat.period_all", lang, end=as_of))
    else:
        st.caption(
            common.t_md(
                "sat.period_vs",
                lang,
                start=start,
                end=as_of,
                prev_start=prev_start,
                prev_end=prev_end,
            )
        )

    overall = _figures(path, version, as_of, start, None, currency).row(0, named=True)
    if (
        overall["nps_answers"] == 0
        and overall["csat_answers"] == 0
        and overall["complaint_base"] == 0
    ):
        st.info(t("sat.empty", lang))
        return
    before = None
    if prev_end is not None:
        before = _figures(path, version, prev_end, prev_start, None, currency).row(0, named=True)
    _metrics(overall, before, lang)
    with st.expander(t("sat.rules", lang)):
        st.markdown(t("sat.rules_text", lang))

    st.subheader(t("sat.by_channel", lang))
    by_channel = _answered(_figures(path, version, as_of, start, "channel", currency))
    left, right = st.columns(2)
    left.altair_chart(nps_chart(by_channel, group="channel", lang=lang), width="stretch")
    right.altair_chart(
        complaint_rate_chart(by_channel, group="channel", lang=lang), width="stretch"
    )
    _show_table(by_channel, "channel", lang, key="sat_channel_table")

    st.subheader(t("sat.by_segment", lang))
    st.caption(t("sat.by_segment_caption", lang))
    by_segment = _answered(_figures(path, version, as_of, start, "segment", currency))
    left, right = st.columns(2)
    left.altair_chart(nps_chart(by_segment, group="segment", lang=lang), width="stretch")
    right.altair_chart(nps_mix_chart(by_segment, group="segment", lang=lang), width="stretch")
    _show_table(by_segment, "segment", lang, key="sat_segment_table")

    st.subheader(t("sat.trend", lang))
    st.caption(common.t_md("sat.trend_caption", lang, conf=f"{CONFIDENCE:.0%}"))
    trend_start = None if days == 0 else month_start(as_of, back=TREND_MONTHS - 1)
    monthly = _figures(path, version, as_of, trend_start, "month", currency)
    measure = common.translated_choice(
        st.radio,
        t("sat.measure", lang),
        MEASURES,
        key="sat_measure",
        lang=lang,
        default=MEASURES[0],
        format_func=lambda m: t(f"sat.metric.{m}", lang),
        horizontal=True,
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
    st.caption(common.t_md("sat.unhappy_caption", lang, share=f"{share:.0%}"))
    unhappy = _unhappy(path, version, as_of, start, share, currency)
    if unhappy.is_empty():
        st.info(t("sat.unhappy_none", lang))
    elif not common.can("members.view"):  # viewers: aggregates and charts only
        st.caption(t("auth.members_hidden", lang))
    else:
        st.container(key="sat_unhappy_table").dataframe(
            _unhappy_table(unhappy, lang, data),
            hide_index=True,
            column_config={
                _value_header(data, lang): st.column_config.NumberColumn(format="%,.2f"),
                t("sat.col.last_nps", lang): st.column_config.NumberColumn(format="%d"),
            },
            placeholder=MISSING,
        )
        ids = unhappy["customer_id"].cast(pl.String).to_list()
        common.audience_button(
            Audience(
                f"unhappy_high_value_{as_of.isoformat()}",
                rules=(Rule("customer_id", "in", ids),),
            ),
            lang,
            key="sat_make_audience",
        )
    if common.can("page.customers"):  # a link to a page left out of the navigation fails
        st.page_link(
            "customers_page.py", label=t("sat.customers_link", lang), icon=":material/groups:"
        )


lang = common.current_lang()
common.require("page.satisfaction", lang)  # whatever the URL: the role decides
st.title(t("nav.satisfaction", lang))
_page(lang)
