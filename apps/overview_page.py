"""Overview page: rows per table and channel, and the last imports."""

from __future__ import annotations

import _common as common
import polars as pl
import streamlit as st

from cimlab.charts import counts_chart, import_history_chart
from cimlab.i18n import channel_label, t, table_label
from cimlab.schemas import TABLES

LAST_IMPORTS = 10
HISTORY_BARS = 30

lang = common.current_lang()
st.title(t("ov.title", lang))
ws_path = str(common.workspace_dir())
st.caption(t("ov.workspace", lang, path=ws_path))

common.get_workspace(ws_path)  # creates an empty workspace on first start
version = common.data_version(ws_path)
counts = common.load_counts(ws_path, version)
batches = common.load_batches(ws_path, version)

if counts.is_empty() or counts["rows"].sum() == 0:
    st.info(t("ov.empty", lang))
else:
    totals = counts.group_by("table").agg(
        pl.col("rows").sum(), pl.col("channel").n_unique().alias("channels")
    )
    by_table = {row["table"]: row for row in totals.iter_rows(named=True)}
    for column, table in zip(st.columns(len(TABLES)), TABLES, strict=True):
        row = by_table.get(table, {"rows": 0, "channels": 0})
        column.metric(
            table_label(table, lang),
            f"{row['rows']:,}",
            help=t("ov.channels", lang, n=row["channels"]),
            border=True,
        )

    st.subheader(t("ov.counts", lang))
    st.altair_chart(counts_chart(counts, lang=lang), width="stretch")
    pivot = (
        counts.with_columns(
            pl.col("table").replace_strict({x: table_label(x, lang) for x in TABLES}),
            pl.col("channel").replace_strict(
                {c: channel_label(c, lang) for c in counts["channel"].unique().to_list()}
            ),
        )
        .pivot(on="table", index="channel", values="rows")
        .fill_null(0)
        .rename({"channel": t("chart.channel", lang)})
    )
    st.dataframe(pivot, hide_index=True)

if not batches.is_empty():
    st.subheader(t("ov.last_imports", lang))
    st.dataframe(common.history_frame(batches.head(LAST_IMPORTS), lang), hide_index=True)
    active = batches.filter(pl.col("status") == "active").head(HISTORY_BARS)
    if not active.is_empty():
        st.subheader(t("ov.history_chart", lang))
        st.altair_chart(import_history_chart(active, lang=lang), width="content")
