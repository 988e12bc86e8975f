"""``cimlab analyse ...``: analytics of a workspace from the command line.

Every action takes ``--workspace DIR --as-of DATE`` (that day included; nothing later counts)
and ``--out FILE.csv|.parquet|.xlsx`` (written by :mod:`cimlab.export`: spreadsheet formulas
escaped, never inside the workspace, never a partial file); without ``--out`` the first rows
are printed. Days, months and quarters are those of the workspace's business time
zone (``cimlab workspace settings``); ``--time-zone ZONE`` overrides it for one run.

Money: every amount is in one currency, named by the ``currency`` column beside the money
figures (:mod:`cimlab.money`). By default every order line is converted into the workspace's
reporting currency at the rate valid on its day; a currency without a rate on a day it is
needed stops the analysis (exit 2, naming the currencies and days) instead of adding amounts of
two currencies. ``--currency CODE`` analyses only the orders in that currency, unconverted (exit
2 naming the currencies present when no order is in it). When every order line's amount is a
placeholder (mapping option ``amount_is_placeholder``) the money figures are left empty and a
note on stderr says why; when some are, the note says how many.

Actions with more than one result take ``--view``::

    cimlab analyse rfm          [--time-unit day|week|month|calendar_week]  one row per customer
    cimlab analyse segments     [--time-unit ...]       one row per RFM segment, with actions
    cimlab analyse clusters     [--k N] [--criterion silhouette|bic] [--seed N]
                                [--view customers|profiles|k]
    cimlab analyse lifecycle    [--since DATE] [--view customers|counts|transitions]
    cimlab analyse channels     [--start DATE] [--view metrics|acquisition|value|overlap|migration]
    cimlab analyse cohorts      [--period month|quarter|week] [--view table|retention|revenue]
    cimlab analyse satisfaction [--start DATE] [--by overall|channel|month|segment]
                                [--view summary|unhappy]
    cimlab analyse affinity     [--start DATE] [--level order|customer]
                                [--item sku|product_name|category] [--min-support X]
                                [--min-confidence X] [--min-lift X] [--exclude ITEM ...]
                                [--keep-non-products]
    cimlab analyse kpis         [--days N] [--view summary|trend]

Identities must have been resolved (``cimlab customers resolve``): analytics work on unified
customers. Output holds customer ids and figures, never names, phones or e-mails. Every result
with a ``customer_id`` (rfm, clusters customers, lifecycle customers, satisfaction unhappy) also has ``source_ids``, the customer's own ids in the channel data, as
``channel:id`` entries joined by `` | `` (:mod:`cimlab.customers.source_ids`). ``clusters``
prints how clear its structure is on stderr (:attr:`CustomerClusters.structure_note_`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

import polars as pl

from cimlab import export
from cimlab.cli.common import count_argument, date_argument, workspace_data
from cimlab.errors import CimlabError

__all__ = ["ACTIONS", "add_parser", "analyse", "label_money", "run", "segment_table"]

ACTIONS: dict[str, str] = {
    "rfm": "one row per customer: summary, RFM scores, segment",
    "segments": "one row per RFM segment: customers, spend, suggested action",
    "clusters": "behavioural clusters: customers, cluster profiles or the k curve",
    "lifecycle": "lifecycle stage per customer, stage counts by month, or transitions",
    "channels": "per-channel metrics, acquisition, overlap or migration",
    "cohorts": "acquisition cohorts (month, quarter or week): retention and revenue",
    "satisfaction": "NPS, CSAT and complaint rate with confidence intervals",
    "affinity": "products bought together: support, confidence, lift",
    "kpis": "key figures and their change against the previous period",
}
"""Action name → one-line description (the ``--help`` text)."""

_VIEWS: dict[str, tuple[str, ...]] = {
    "clusters": ("customers", "profiles", "k"),
    "lifecycle": ("customers", "counts", "transitions"),
    "channels": ("metrics", "acquisition", "value", "overlap", "migration"),
    "cohorts": ("table", "retention", "revenue"),
    "satisfaction": ("summary", "unhappy"),
    "kpis": ("summary", "trend"),
}


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register the ``analyse`` command group on the top-level subparsers ``sub``."""
    analyse = sub.add_parser(
        "analyse",
        help="customer analytics (RFM, segments, clusters, lifecycle, channels, ...)",
        description="Customer analytics of a workspace, with an explicit --as-of date.",
    )
    actions = analyse.add_subparsers(
        dest="action", required=True, parser_class=parser_class, metavar="ACTION"
    )
    for name, text in ACTIONS.items():
        cmd = actions.add_parser(name, help=text, description=text)
        cmd.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
        cmd.add_argument(
            "--as-of",
            required=True,
            type=date_argument,
            metavar="DATE",
            help="analysis date, YYYY-MM-DD",
        )
        cmd.add_argument(
            "--out", metavar="FILE", help="write .csv, .parquet or .xlsx (not inside the workspace)"
        )
        cmd.add_argument(
            "--time-zone",
            metavar="ZONE",
            help="count days in this IANA zone (default: the workspace setting)",
        )
        cmd.add_argument(
            "--currency",
            metavar="CODE",
            help="analyse only the orders in this currency, unconverted (default: every order, "
            "converted into the reporting currency; that needs a rate for each other currency, "
            "see `cimlab workspace rates`)",
        )
        if name in _VIEWS:
            views = _VIEWS[name]
            cmd.add_argument("--view", choices=views, default=views[0], help="which result")
        if name in {"rfm", "segments", "clusters"}:
            units = ("day", "week", "month") + (("calendar_week",) if name != "clusters" else ())
            cmd.add_argument(
                "--time-unit",
                choices=units,
                default="day",
                help=_TIME_UNIT_HELP if name != "clusters" else "day, week (7 days) or month",
            )
        if name in {"channels", "satisfaction", "affinity"}:
            cmd.add_argument(
                "--start",
                type=date_argument,
                metavar="DATE",
                help="first day of the window (default: all)",
            )
        _add_options(name, cmd)


_TIME_UNIT_HELP = (
    "unit of recency, T and since_last: day; week = 7 days (days / 7, lifetimes "
    "freq='D', freq_multiplier=7); month = 30.4375 days (freq_multiplier=365.25/12); "
    "calendar_week = purchases counted once per Monday-Sunday week, whole weeks between week "
    "starts (lifetimes freq='W')"
)


def _add_options(name: str, cmd: argparse.ArgumentParser) -> None:
    if name == "clusters":
        cmd.add_argument(
            "--k", type=count_argument(2), metavar="N", help="number of clusters (default: chosen)"
        )
        cmd.add_argument("--criterion", choices=("silhouette", "bic"), default="silhouette")
        cmd.add_argument("--seed", type=int, default=0, help="random seed (same seed, same labels)")
    elif name == "lifecycle":
        cmd.add_argument(
            "--since",
            type=date_argument,
            metavar="DATE",
            help="transitions from this date (default: 90 days)",
        )
    elif name == "satisfaction":
        cmd.add_argument(
            "--by", choices=("overall", "channel", "month", "segment"), default="overall"
        )
    elif name == "affinity":
        cmd.add_argument("--level", choices=("order", "customer"), default="order")
        cmd.add_argument("--item", choices=("sku", "product_name", "category"), default="sku")
        cmd.add_argument("--min-support", type=_share, default=0.001, metavar="X")
        cmd.add_argument("--min-confidence", type=_share, default=0.0, metavar="X")
        cmd.add_argument("--min-lift", type=float, default=1.0, metavar="X")
        cmd.add_argument(
            "--exclude",
            action="append",
            default=[],
            metavar="ITEM",
            help="leave this item out (repeatable), e.g. a postage code",
        )
        cmd.add_argument(
            "--keep-non-products",
            action="store_true",
            help="keep the known non-product SKUs (postage, fees, manual adjustments such as "
            "POST, DOT, M); by default they are left out and named on stderr",
        )
    elif name == "cohorts":
        cmd.add_argument("--period", choices=("month", "quarter", "week"), default="month")
    elif name == "kpis":
        cmd.add_argument(
            "--days", type=count_argument(1), default=30, metavar="N", help="period length in days"
        )


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a share between 0 and 1, like 0.01")
    return value


def segment_table(scores: pl.DataFrame) -> pl.DataFrame:
    """The ``analyse segments`` table: :func:`cimlab.analytics.rfm.segment_summary` (the figures,
    language-free) with the labels of the ``--out`` columns added here, at the edge, by
    :mod:`cimlab.i18n`: ``segment, name_zh, customers, share`` (rounded to 4 places),
    ``net_spend, action, action_zh``. Kept under this name for scripts written before 0.2;
    Python code calls ``cl.segment_summary``.
    """
    from cimlab.analytics.rfm import segment_summary
    from cimlab.i18n import segment_action, segment_label

    summary = segment_summary(scores)
    names = summary["segment"].drop_nulls().to_list()

    def label(read: Any, lang: str) -> pl.Expr:
        lookup = {name: read(name, lang) for name in names}
        return pl.col("segment").replace_strict(lookup, default=None, return_dtype=pl.String)

    return summary.select(
        "segment",
        label(segment_label, "zh").alias("name_zh"),
        pl.col("customers").cast(pl.UInt32),
        pl.col("share").round(4),
        "net_spend",
        label(segment_action, "en").alias("action"),
        label(segment_action, "zh").alias("action_zh"),
    )


def _cluster_labels(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """The cluster name codes of ``column`` as the ``--out`` columns: ``column`` in English and
    ``<column>_zh`` (labels of :func:`cimlab.i18n.cluster_label`, added at the edge)."""
    from cimlab.i18n import cluster_label

    codes = frame[column].drop_nulls().unique().to_list()
    labels = [
        pl.col(column)
        .replace_strict({c: cluster_label(c, lang) for c in codes}, return_dtype=pl.String)
        .alias(column if lang == "en" else f"{column}_zh")
        for lang in ("en", "zh")
    ]
    columns = frame.columns
    at = columns.index(column) + 1
    return frame.with_columns(labels).select(*columns[:at], f"{column}_zh", *columns[at:])


# --------------------------------------------------------------------------- one function per action


def _rfm(data: Any, args: argparse.Namespace) -> pl.DataFrame:
    from cimlab.analytics.rfm import rfm

    return rfm(data.orders, as_of=args.as_of, time_unit=args.time_unit, time_zone=data.time_zone)


def _segments(data: Any, args: argparse.Namespace) -> pl.DataFrame:
    return segment_table(_rfm(data, args))


def _clusters(data: Any, args: argparse.Namespace) -> pl.DataFrame:
    from cimlab.analytics.clusters import cluster_customers

    assigned, model = cluster_customers(
        data.orders,
        as_of=args.as_of,
        feedback=data.feedback,
        time_unit=args.time_unit,
        n_clusters=args.k,
        criterion=args.criterion,
        random_state=args.seed,
        time_zone=data.time_zone,
    )
    print(f"cimlab: clusters: {model.structure_note_}", file=sys.stderr)
    views = {
        "customers": lambda: _cluster_labels(assigned, "cluster_name"),
        "profiles": lambda: _cluster_labels(model.profiles_, "name"),
        "k": lambda: model.k_scores_,
    }
    frame: pl.DataFrame = views[args.view]()
    return frame


def _lifecycle(data: Any, args: argparse.Namespace) -> pl.DataFrame:
    from cimlab.analytics import lifecycle
    from cimlab.dates import to_date

    tz = data.time_zone
    if args.view == "customers":
        return lifecycle.lifecycle_stages(
            data.orders, as_of=args.as_of, customers=data.customers, time_zone=tz
        )
    if args.view == "counts":
        first = data.orders["order_ts"].min()
        start = to_date(first, time_zone=tz) if isinstance(first, dt.datetime) else args.as_of
        dates = lifecycle.month_ends(start, args.as_of)
        return lifecycle.stage_counts(
            data.orders, dates=dates, customers=data.customers, time_zone=tz
        )
    since = args.since or args.as_of - dt.timedelta(days=90)
    return lifecycle.stage_transitions(
        data.orders, start=since, end=args.as_of, customers=data.customers, time_zone=tz
    )


def _channels(data: Any, args: argparse.Namespace) -> pl.DataFrame:
    from cimlab.analytics import channels

    orders, as_of, tz = data.orders, args.as_of, data.time_zone
    if args.view == "metrics":
        return channels.channel_metrics(orders, as_of=as_of, start=args.start, time_zone=tz)
    if args.view == "acquisition":
        return channels.acquisition_channels(orders, as_of=as_of, time_zone=tz)
    if args.view == "value":
        return channels.acquisition_summary(orders, as_of=as_of, time_zone=tz)
    if args.view == "overlap":
        return channels.channel_overlap(orders, as_of=as_of, start=args.start, time_zone=tz)
    # migration: the window (or the last 180 days) against the window of the same length before
    start = args.start or as_of - dt.timedelta(days=179)
    days = (as_of - start).days + 1
    before = (start - dt.timedelta(days=days), start - dt.timedelta(days=1))
    return channels.channel_migration(orders, before=before, after=(start, as_of), time_zone=tz)


def _cohorts(data: Any, args: argparse.Namespace) -> pl.DataFrame:
    from cimlab.analytics.cohorts import cohort_matrix, cohort_table

    table = cohort_table(
        data.orders, as_of=args.as_of, period=args.period, time_zone=data.time_zone
    )
    if args.view == "table":
        return table
    value = "retention_rate" if args.view == "retention" else "revenue_per_customer"
    return cohort_matrix(table, value=value)


def _satisfaction(data: Any, args: argparse.Namespace) -> pl.DataFrame:
    from cimlab.analytics.rfm import rfm
    from cimlab.analytics.satisfaction import satisfaction, unhappy_high_value

    scores = rfm(data.orders, as_of=args.as_of, time_zone=data.time_zone)
    if args.view == "unhappy":
        return unhappy_high_value(
            data.feedback,
            scores,
            as_of=args.as_of,
            start=args.start,
            interactions=data.interactions,
            time_zone=data.time_zone,
        )
    return satisfaction(
        data.feedback,
        as_of=args.as_of,
        start=args.start,
        by=None if args.by == "overall" else args.by,
        interactions=data.interactions,
        segments=scores.select("customer_id", "segment"),
        time_zone=data.time_zone,
    )


def _affinity(data: Any, args: argparse.Namespace) -> pl.DataFrame:
    from cimlab.analytics.affinity import ONLINE_RETAIL_NON_PRODUCTS, item_labels, product_pairs

    exclude = list(args.exclude)
    if args.item == "sku" and not args.keep_non_products:
        present = set(data.orders["sku"].drop_nulls().cast(pl.String).unique().to_list())
        found = [c for c in ONLINE_RETAIL_NON_PRODUCTS if c in present and c not in exclude]
        if found:
            print(
                f"cimlab: left out non-product SKUs {', '.join(found)} "
                "(postage, fees, adjustments); --keep-non-products keeps them",
                file=sys.stderr,
            )
        exclude += found
    pairs = product_pairs(
        data.orders,
        as_of=args.as_of,
        start=args.start,
        level=args.level,
        item=args.item,
        min_support=args.min_support,
        min_confidence=args.min_confidence,
        min_lift=args.min_lift,
        exclude=exclude,
        time_zone=data.time_zone,
    )
    if args.item != "sku":
        return pairs
    names = item_labels(data.orders, item="sku")  # the product name each SKU is sold under most
    for side in ("a", "b"):
        pairs = pairs.join(
            names.rename({"item": f"item_{side}", "label": f"name_{side}"}),
            on=f"item_{side}",
            how="left",
            maintain_order="left",
        )
    return pairs


def _kpis(data: Any, args: argparse.Namespace) -> pl.DataFrame:
    from cimlab.analytics.kpis import kpi_trend, kpis

    tz = data.time_zone
    if args.view == "trend":
        return kpi_trend(data.orders, as_of=args.as_of, days=args.days, time_zone=tz)
    return kpis(
        data.orders, as_of=args.as_of, days=args.days, customers=data.customers, time_zone=tz
    )


_RUN: dict[str, Callable[[Any, argparse.Namespace], pl.DataFrame]] = {
    "rfm": _rfm,
    "segments": _segments,
    "clusters": _clusters,
    "lifecycle": _lifecycle,
    "channels": _channels,
    "cohorts": _cohorts,
    "satisfaction": _satisfaction,
    "affinity": _affinity,
    "kpis": _kpis,
}


def analyse(args: argparse.Namespace) -> pl.DataFrame:
    """The result frame of one ``analyse`` action (parsed arguments in, frame out)."""
    ws, data = workspace_data(args)
    try:
        frame = _RUN[args.action](data, args)
    except (
        ValueError
    ) as exc:  # an option the data cannot satisfy (e.g. more clusters than customers)
        raise CimlabError(f"analyse {args.action}: {exc}") from None
    if "customer_id" in frame.columns:  # results join back to the analyst's own ids
        from cimlab.customers.source_ids import with_source_ids

        frame = with_source_ids(frame, ws)
    return label_money(frame, data, args)


def _money_spec(frame: pl.DataFrame, args: argparse.Namespace) -> tuple[list[str], pl.Expr | None]:
    """The money columns of one action's result (and, for long KPI tables, its money rows)."""
    view = getattr(args, "view", None)
    if args.action == "kpis":
        from cimlab.analytics.kpis import MONEY_KPIS

        return ["value", "previous", "change", "change_pct"], pl.col("kpi").is_in(MONEY_KPIS)
    if args.action == "cohorts" and view == "revenue":
        return [c for c in frame.columns if c not in ("cohort", "cohort_size")], None
    if args.action == "satisfaction" and view != "unhappy":
        return [], None
    return list(_MONEY.get(args.action, {}).get(view, ())), None


_MONEY: dict[str, dict[str | None, tuple[str, ...]]] = {
    "rfm": {None: ("total_spend", "monetary_value")},
    "segments": {None: ("net_spend",)},
    "clusters": {
        "customers": ("total_spend", "monetary_value"),
        "profiles": ("total_spend", "monetary_value"),
    },
    "channels": {"metrics": ("revenue", "aov"), "value": ("revenue_per_customer",)},
    "cohorts": {"table": ("revenue", "revenue_per_customer", "cumulative_revenue_per_customer")},
    "satisfaction": {"unhappy": ("value",)},
}
"""Action → view (None: the action has no views) → its money columns; the KPIs and the cohort
revenue matrix are handled in :func:`_money_spec`."""


def label_money(frame: pl.DataFrame, data: Any, args: argparse.Namespace) -> pl.DataFrame:
    """``frame`` with the ``currency`` of its money figures (:func:`cimlab.money.label_money`);
    figures withheld, and a note on stderr, when amounts are placeholders
    (:func:`cimlab.analytics.facts.money_note`)."""
    from cimlab import money
    from cimlab.analytics.facts import money_note

    columns, rows = _money_spec(frame, args)
    columns = [c for c in columns if c in frame.columns]
    if not columns:
        return frame
    note = money_note(data)
    if note:
        print(f"cimlab: note: {note}", file=sys.stderr)
    return money.label_money(
        frame, currency=data.currency, money=columns, rows=rows, withhold=data.money_withheld
    )


def run(args: argparse.Namespace) -> int:
    """Run one ``analyse`` action; returns the exit code (errors raise ``CimlabError``)."""
    if args.out:  # a wrong name or place fails before the analysis runs
        export.check_target(args.out, protect=[args.workspace])
        export.table_format(args.out)
    frame = analyse(args)
    if args.out:
        target = export.write_table(frame, args.out, protect=[args.workspace])
        print(f"{frame.height:,} rows written to {target}")
        return 0
    if frame.is_empty():
        print("no rows (nothing in the workspace up to --as-of matches)")
        return 0
    with pl.Config(tbl_rows=25, tbl_cols=14, tbl_width_chars=180, fmt_str_lengths=40):
        print(frame.head(25))
    if frame.height > 25:
        print(f"... {frame.height:,} rows in all; write them with --out FILE.csv")
    return 0
