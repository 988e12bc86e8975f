"""Audit page (admins): who did what and when, read by :func:`cimlab.audit.audit_log` from the
records each action already keeps (imports, undos, resolutions, merges, exports, reveals,
consent and tag changes) and from ``audit_events`` (sign-ins, setting and user changes).

Filters: actions (multiselect, session key ``audit_actions``) and a date range
(``audit_since``, ``audit_until``, days in the business time zone). Rows hold no personal data.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import _common as common
import polars as pl
import streamlit as st

from cimlab.audit import ACTIONS, audit_log
from cimlab.i18n import t

_COLUMNS = {
    "at": "audit.col_at",
    "user_name": "audit.col_user",
    "action": "audit.col_action",
    "target": "audit.col_target",
    "n": "audit.col_n",
    "detail": "audit.col_detail",
}


@st.cache_data(show_spinner=False, max_entries=16)
def _log(path: str, version: str) -> pl.DataFrame:
    del version
    return audit_log(common.get_workspace(path))


def audit_rows(log: pl.DataFrame, lang: str, *, zone: str) -> pl.DataFrame:
    """The audit log for display: times in ``zone``, actions translated, translated headers."""
    names = {a: t(f"audit.action.{a}", lang) for a in ACTIONS}
    frame = log.select(
        pl.col("at").dt.convert_time_zone(zone).dt.strftime("%Y-%m-%d %H:%M:%S"),
        pl.col("user_name").fill_null(t("audit.unknown_user", lang)),
        pl.col("action").replace_strict(names, default=pl.col("action"), return_dtype=pl.String),
        "target",
        "n",
        "detail",
    )
    return frame.rename({c: t(k, lang, zone=zone) for c, k in _COLUMNS.items()})


def _page(lang: str) -> None:
    common.require("page.audit", lang)
    st.title(t("audit.title", lang))
    st.caption(t("audit.intro", lang))
    path = str(common.workspace_dir())
    zone = common.business_zone()
    today = dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()
    picked = st.multiselect(
        t("audit.actions", lang),
        list(ACTIONS),
        format_func=lambda a: t(f"audit.action.{a}", lang),
        key="audit_actions",
        placeholder=t("audit.actions_all", lang),
    )
    left, right = st.columns(2)
    since = left.date_input(
        t("audit.since", lang), value=today - dt.timedelta(days=30), key="audit_since"
    )
    until = right.date_input(t("audit.until", lang), value=today, key="audit_until")
    log = _log(path, common.data_version(path))
    tz = zoneinfo.ZoneInfo(zone)
    if isinstance(since, dt.date):  # a cleared date input: no bound
        start = dt.datetime.combine(since, dt.time(), tzinfo=tz).astimezone(dt.UTC)
        log = log.filter(pl.col("at") >= start)
    if isinstance(until, dt.date):
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        log = log.filter(pl.col("at") < end.astimezone(dt.UTC))
    if picked:
        log = log.filter(pl.col("action").is_in(picked))
    if log.is_empty():
        st.info(t("audit.empty", lang))
        return
    st.caption(common.t_md("audit.count", lang, n=f"{log.height:,}"))
    st.dataframe(audit_rows(log, lang, zone=zone), hide_index=True, width="stretch")


_page(common.current_lang())
