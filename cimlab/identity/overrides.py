"""Manual overrides replayed: merges, splits, accepted and rejected proposals, in time order.

A merge links all records of both customers; a split keeps each part together and apart from
the others; accepting a proposal is a merge of its two records, rejecting it keeps them apart.
A later merge lifts an earlier split between the records it joins. The workspace actions that
record overrides are in :mod:`cimlab.identity.manual`.

Examples
--------
>>> import polars as pl
>>> recs = pl.DataFrame({"rid": [0, 1], "channel": ["a", "b"],
...                      "source_customer_id": ["1", "2"]}).cast({"rid": pl.UInt32})
>>> replay(None, recs).edges.height
0
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from cimlab.identity.tables import OVERRIDES_SCHEMA, UTC_TIME

__all__ = ["ManualActions", "conflicting", "replay"]


@dataclass
class ManualActions:
    """The replayed overrides: must-link edges, split pins and each record's last action."""

    edges: pl.DataFrame  # a, b, rule, key_type, user_name, decided_at
    pins: pl.DataFrame  # rid, split, part
    last: pl.DataFrame  # rid, manual


def replay(overrides: pl.DataFrame | None, rec: pl.DataFrame) -> ManualActions:
    """Replay manual actions in time order into must-link edges, split pins and last actions."""
    edge_schema = {
        "a": pl.UInt32(),
        "b": pl.UInt32(),
        "rule": pl.String(),
        "key_type": pl.String(),
        "user_name": pl.String(),
        "decided_at": UTC_TIME,
    }
    none = ManualActions(
        pl.DataFrame(schema=edge_schema),
        pl.DataFrame(schema={"rid": pl.UInt32(), "split": pl.Int64(), "part": pl.Int64()}),
        pl.DataFrame(schema={"rid": pl.UInt32(), "manual": pl.String()}),
    )
    if overrides is None or overrides.is_empty():
        return none
    missing = [c for c in OVERRIDES_SCHEMA if c not in overrides.columns]
    if missing:
        raise ValueError(f"overrides frame lacks columns {missing}.")
    ov = (
        overrides.cast(OVERRIDES_SCHEMA)  # type: ignore[arg-type]
        .join(
            rec.select("rid", "channel", "source_customer_id"), on=["channel", "source_customer_id"]
        )
        .sort("created_at", "override_id", "rid")
    )
    if ov.is_empty():
        return none
    edges: dict[tuple[int, int], tuple[str, str | None, str | None, dt.datetime | None]] = {}
    splits: list[dict[int, int]] = []
    last: dict[int, str] = {}
    for event in ov.partition_by("override_id", maintain_order=True):
        action = event["action"][0]
        who, when = event["user_name"][0], event["created_at"][0]
        rids = [int(r) for r in event["rid"].to_list()]
        if action in ("merge", "accept"):
            group = sorted(set(rids))
            for parts in splits:
                labels = {parts[r] for r in group if r in parts}
                if len(labels) > 1:
                    target = min(labels)
                    for r, p in parts.items():
                        if p in labels:
                            parts[r] = target
            key_type = "review" if action == "accept" else None
            for r in group[1:]:
                edges[(group[0], r)] = ("manual_merge", key_type, who, when)
            for r in group:
                last[r] = "manual_merge"
        else:  # split or reject: the parts stay apart
            parts = dict(zip(rids, (int(p) for p in event["part"].to_list()), strict=True))
            for a, b in list(edges):
                if a in parts and b in parts and parts[a] != parts[b]:
                    del edges[(a, b)]
            if action == "split":
                members: dict[int, list[int]] = {}
                for r, p in sorted(parts.items()):
                    members.setdefault(p, []).append(r)
                for group in members.values():
                    for r in group[1:]:
                        edges[(group[0], r)] = ("manual_split", None, who, when)
                for r in parts:
                    last[r] = "manual_split"
            splits.append(parts)
    edge_rows = [(a, b, *info) for (a, b), info in edges.items()]
    pin_rows = [(r, i, p) for i, parts in enumerate(splits) for r, p in parts.items()]
    return ManualActions(
        pl.DataFrame(edge_rows, schema=edge_schema, orient="row"),
        pl.DataFrame(pin_rows, schema=none.pins.schema, orient="row"),
        pl.DataFrame(list(last.items()), schema=none.last.schema, orient="row"),
    )


def conflicting(edges: pl.DataFrame, pins: pl.DataFrame, *, strict: bool) -> pl.Series:
    """Row indices of ``edges`` (a, b) that a split forbids.

    Not strict: both ends are in one split, in different parts. Strict: for some split holding
    either end, the other end is not in the same part.
    """
    if pins.is_empty() or edges.is_empty():
        return pl.Series("i", [], dtype=pl.UInt32)
    e = edges.select("a", "b").with_row_index("i")
    pa = e.join(pins, left_on="a", right_on="rid").select("i", "split", part_a=pl.col("part"))
    pb = e.join(pins, left_on="b", right_on="rid").select("i", "split", part_b=pl.col("part"))
    if strict:
        j = pa.join(pb, on=["i", "split"], how="full", coalesce=True)
    else:
        j = pa.join(pb, on=["i", "split"], how="inner")
    differ = (pl.col("part_a") != pl.col("part_b")).fill_null(True)
    return j.filter(differ)["i"].unique()
