"""``cimlab analyse ...``: analytics of a workspace from the command line (issue 4, in progress).

Commands (all take ``--workspace DIR --as-of DATE``)::

    cimlab analyse rfm [--time-unit day|week|month] [--out FILE.csv|.parquet|.xlsx]
    cimlab analyse segments [--time-unit ...] [--out FILE...]

``rfm`` writes one row per customer (``customer_id, frequency, recency, T, monetary_value,
r_score, f_score, m_score, segment`` and more); ``segments`` one row per named segment with its
customers, net spend and suggested action (English and 中文). Identities must have been resolved
(``cimlab customers resolve``): analytics work on unified customers. Without ``--out`` the first
rows are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

import polars as pl

from cimlab.errors import WorkspaceError
from cimlab.export import write_table

__all__ = ["add_parser", "run", "segment_table"]


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Register the ``analyse`` command group on the top-level subparsers ``sub``."""
    analyse = sub.add_parser(
        "analyse",
        help="customer analytics (RFM, segments)",
        description="Customer analytics of a workspace, with an explicit --as-of date.",
    )
    actions = analyse.add_subparsers(
        dest="action", required=True, parser_class=parser_class, metavar="ACTION"
    )
    for name, text in (
        ("rfm", "one row per customer: summary, RFM scores, segment"),
        ("segments", "one row per RFM segment: customers, spend, suggested action"),
    ):
        cmd = actions.add_parser(name, help=text, description=text)
        cmd.add_argument("--workspace", required=True, metavar="DIR", help="workspace folder")
        cmd.add_argument(
            "--as-of", required=True, type=_date, metavar="DATE", help="analysis date, YYYY-MM-DD"
        )
        cmd.add_argument("--time-unit", choices=("day", "week", "month"), default="day")
        cmd.add_argument("--out", metavar="FILE", help="write .csv, .parquet or .xlsx")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-06-30") from None


def _customer_rfm(ws: Any, *, as_of: dt.date, time_unit: str) -> pl.DataFrame:
    from cimlab import rfm
    from cimlab.golden import order_facts
    from cimlab.identity import customer_map

    if customer_map(ws).is_empty():
        raise WorkspaceError(
            f"identities of {ws.path} were never resolved; run `cimlab customers resolve "
            f"--workspace {ws.path}` first (analytics work on unified customers)"
        )
    orders = order_facts(ws)
    return rfm.rfm(orders, as_of=as_of, time_unit=time_unit)  # type: ignore[arg-type]


def segment_table(scores: pl.DataFrame) -> pl.DataFrame:
    """One row per segment present in ``scores``: customers, share, net spend, actions."""
    from cimlab.rfm import SEGMENTS

    total = max(scores.height, 1)
    counts = scores.group_by("segment").agg(
        customers=pl.len(), net_spend=pl.col("total_spend").cast(pl.Float64).sum()
    )
    return (
        counts.join(SEGMENTS.rename({"name": "segment"}), on="segment", how="left")
        .with_columns(share=(pl.col("customers") / total).round(4))
        .select("segment", "name_zh", "customers", "share", "net_spend", "action", "action_zh")
        .sort("customers", descending=True)
    )


def run(args: argparse.Namespace) -> int:
    """Run one ``analyse`` action; returns the exit code (errors raise ``CimlabError``)."""
    from cimlab.workspace import Workspace

    ws = Workspace.open(args.workspace, create=False)
    scores = _customer_rfm(ws, as_of=args.as_of, time_unit=args.time_unit)
    frame = scores if args.action == "rfm" else segment_table(scores)
    if args.out:
        target = write_table(frame, args.out)
        print(f"{frame.height:,} rows written to {target}")
    else:
        with pl.Config(tbl_rows=20, tbl_cols=12, tbl_width_chars=160, fmt_str_lengths=30):
            print(frame.head(20) if args.action == "rfm" else frame)
    return 0
