"""Charts of the workspace itself: rows per table and channel, import history.

Examples
--------
>>> import polars as pl
>>> counts = pl.DataFrame({"table": ["orders", "orders"], "channel": ["tmall", "jd"],
...                        "rows": [120, 30]})
>>> spec = counts_chart(counts, lang="en").to_dict()
>>> spec["mark"]["type"], spec["encoding"]["x"]["title"]
('bar', 'Rows')
"""

from __future__ import annotations

import altair as alt
import polars as pl

from cimlab.charts._util import COUNT_AXIS, bottom_legend, labels, require
from cimlab.i18n import channel_label, t, table_label

__all__ = ["counts_chart", "import_history_chart"]


def counts_chart(counts: pl.DataFrame, *, lang: str = "zh") -> alt.Chart:
    """Horizontal bars of rows per table, stacked by channel.

    Parameters
    ----------
    counts
        One row per table and channel: ``table``, ``channel``, ``rows``
        (as :meth:`cimlab.workspace.Workspace.counts` returns).
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> counts = pl.DataFrame({"table": ["orders"], "channel": ["tmall"], "rows": [5]})
    >>> chart = counts_chart(counts, lang="zh")
    >>> [r["table_label"] for r in chart.to_dict()["datasets"].popitem()[1]]
    ['订单']
    """
    require(counts, ["table", "channel", "rows"], "counts_chart")
    data = counts.select(
        labels(counts, "table", lambda v: table_label(v, lang)).alias("table_label"),
        labels(counts, "channel", lambda v: channel_label(v, lang)).alias("channel_label"),
        pl.col("rows").cast(pl.Int64),
    )
    order = data.group_by("table_label", maintain_order=True).agg(pl.col("rows").sum())
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("rows:Q", title=t("chart.rows", lang), stack="zero", axis=COUNT_AXIS),
            y=alt.Y(
                "table_label:N", title=t("chart.table", lang), sort=order["table_label"].to_list()
            ),
            color=alt.Color(
                "channel_label:N", title=t("chart.channel", lang), legend=bottom_legend(columns=3)
            ),
            tooltip=[
                alt.Tooltip("table_label:N", title=t("chart.table", lang)),
                alt.Tooltip("channel_label:N", title=t("chart.channel", lang)),
                alt.Tooltip("rows:Q", title=t("chart.rows", lang), format=","),
            ],
        )
    )


def import_history_chart(batches: pl.DataFrame, *, lang: str = "zh") -> alt.Chart:
    """Stacked bars per import batch: rows loaded and rows quarantined.

    Parameters
    ----------
    batches
        One row per batch with ``batch_id``, ``rows_loaded``, ``rows_quarantined`` and
        optionally ``file_name`` (as :meth:`cimlab.workspace.Workspace.batches` returns).
    lang
        Language of the labels.

    Examples
    --------
    >>> import polars as pl
    >>> batches = pl.DataFrame({"batch_id": [2, 1], "rows_loaded": [8, 3],
    ...                         "rows_quarantined": [2, 0], "file_name": ["b.csv", "a.csv"]})
    >>> rows = import_history_chart(batches, lang="en").to_dict()["datasets"].popitem()[1]
    >>> [(r["batch_id"], r["outcome"], r["rows"]) for r in rows]
    [(1, 'Loaded', 3), (1, 'Quarantined', 0), (2, 'Loaded', 8), (2, 'Quarantined', 2)]
    """
    require(batches, ["batch_id", "rows_loaded", "rows_quarantined"], "import_history_chart")
    loaded, quarantined = t("chart.loaded", lang), t("chart.quarantined", lang)
    file_name = pl.col("file_name") if "file_name" in batches.columns else pl.lit(None, pl.String)
    data = (
        batches.select(
            pl.col("batch_id").cast(pl.Int64),
            file_name.cast(pl.String).alias("file_name"),
            pl.col("rows_loaded").cast(pl.Int64).alias(loaded),
            pl.col("rows_quarantined").cast(pl.Int64).alias(quarantined),
        )
        .unpivot(
            on=[loaded, quarantined],
            index=["batch_id", "file_name"],
            variable_name="outcome",
            value_name="rows",
        )
        .sort("batch_id", "outcome")
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "batch_id:O",
                title=t("chart.batch", lang),
                sort="ascending",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("rows:Q", title=t("chart.rows", lang), stack="zero", axis=COUNT_AXIS),
            color=alt.Color(
                "outcome:N",
                title=t("chart.outcome", lang),
                scale=alt.Scale(domain=[loaded, quarantined], range=["#2e7d32", "#ef6c00"]),
                legend=bottom_legend(),
            ),
            tooltip=[
                alt.Tooltip("batch_id:O", title=t("chart.batch", lang)),
                alt.Tooltip("file_name:N", title=t("chart.file", lang)),
                alt.Tooltip("outcome:N", title=t("chart.outcome", lang)),
                alt.Tooltip("rows:Q", title=t("chart.rows", lang), format=","),
            ],
        )
        .properties(width=alt.Step(36), height=260)
    )
