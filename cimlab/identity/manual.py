"""Manual actions on a workspace: merge, split, accept or reject a proposal, and the review queue.

Every action is kept in ``identity_overrides`` and wins over rules on every re-run (see
:mod:`cimlab.identity.overrides` for how they replay); the workspace is re-resolved with the
settings of the last run, in the same transaction.

Examples
--------
>>> import tempfile
>>> review_queue(Workspace.open(tempfile.mkdtemp())).height
0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from cimlab.dates import as_utc
from cimlab.errors import WorkspaceError
from cimlab.identity.explain import describe_review
from cimlab.identity.link import ResolutionResult
from cimlab.identity.store import (
    fetch_first,
    has_identity_tables,
    insert_frame,
    last_run,
    resolve_in,
)
from cimlab.identity.tables import DDL, REVIEW_SCHEMA, UTC_TIME
from cimlab.workspace import Workspace, read_identity_map

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "OverrideResult",
    "accept",
    "merge_customers",
    "reject",
    "review_queue",
    "split_customer",
]


@dataclass(frozen=True)
class OverrideResult:
    """What a manual merge, split, accept or reject left: the customers concerned, the run."""

    customer_ids: tuple[str, ...]
    resolution: ResolutionResult


def review_queue(ws: Workspace) -> pl.DataFrame:
    """Open fuzzy proposals, best first, with the current customer of each side.

    Columns: :data:`REVIEW_SCHEMA` plus ``customer_id_a, customer_id_b, proposed_at`` and the
    proposal's ``reason, reason_zh`` (:func:`~cimlab.identity.explain.describe_review`).

    Examples
    --------
    >>> import tempfile
    >>> review_queue(Workspace.open(tempfile.mkdtemp())).height
    0
    """
    schema = {
        **REVIEW_SCHEMA,
        "customer_id_a": pl.String(),
        "customer_id_b": pl.String(),
        "proposed_at": UTC_TIME,
    }
    if not has_identity_tables(ws):
        return describe_review(pl.DataFrame(schema=schema))
    cols = ", ".join(f"r.{c}" for c in REVIEW_SCHEMA)
    frame = ws.query(
        f"SELECT {cols}, ma.customer_id AS customer_id_a, mb.customer_id AS customer_id_b, "
        "r.proposed_at FROM identity_review r "
        "LEFT JOIN identity_map ma ON ma.channel = r.channel_a "
        "AND ma.source_customer_id = r.source_customer_id_a "
        "LEFT JOIN identity_map mb ON mb.channel = r.channel_b "
        "AND mb.source_customer_id = r.source_customer_id_b "
        "WHERE r.status = 'open' ORDER BY r.score DESC, r.review_id"
    )
    return describe_review(frame.cast(schema) if frame.width else pl.DataFrame(schema=schema))  # type: ignore[arg-type]


def _records_of(con: duckdb.DuckDBPyConnection, customer_id: str, ws: Workspace) -> pl.DataFrame:
    frame = read_identity_map(con, customer_ids=[customer_id]).select(
        "channel", "source_customer_id", "customer_id"
    )
    if frame.is_empty():
        raise WorkspaceError(
            f"no customer {customer_id} in workspace {ws.path}; see `cimlab customers search` "
            "for the current ids (a merge or split may have retired it)"
        )
    return frame


def _record_override(
    con: duckdb.DuckDBPyConnection,
    rows: pl.DataFrame,
    *,
    action: str,
    when: dt.datetime,
    user: str | None,
    note: str | None,
) -> None:
    row = fetch_first(
        con.execute("SELECT coalesce(max(override_id), 0) + 1 FROM identity_overrides")
    )
    oid = int(row[0]) if row else 1
    frame = rows.select(
        override_id=pl.lit(oid, dtype=pl.Int64),
        action=pl.lit(action),
        part=pl.col("part").cast(pl.Int64),
        channel=pl.col("channel"),
        source_customer_id=pl.col("source_customer_id"),
        customer_id=pl.col("customer_id"),
    )
    insert_frame(con, "identity_overrides", frame, ", ?, ?, ?", [when, user, note])


def _customer_of(con: duckdb.DuckDBPyConnection, channel: str, source_id: str) -> str:
    row = fetch_first(
        con.execute(
            "SELECT customer_id FROM identity_map WHERE channel = ? AND source_customer_id = ?",
            [channel, source_id],
        )
    )
    if row is None:  # pragma: no cover - the record was in the map a moment ago
        raise WorkspaceError(f"record {channel} {source_id} vanished during the update")
    return str(row[0])


def merge_customers(
    ws: Workspace, customer_a: str, customer_b: str, *, at: dt.datetime, user: str | None
) -> OverrideResult:
    """Merge two customers by hand; the merge is kept and wins over rules on every re-run.

    Every record of both customers is linked (rule ``manual_merge``); the merged customer keeps
    the id most of its records had. Re-resolves with the settings of the last run.

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> merge_customers(ws, "C000001", "C000001", at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC), user="li")
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: cannot merge C000001 with itself; give two different customers
    """
    when = as_utc(at)
    if customer_a == customer_b:
        raise WorkspaceError(f"cannot merge {customer_a} with itself; give two different customers")
    ws.ensure_tables(DDL)
    with ws.transaction() as con:
        fuzzy, settings = last_run(con)
        rows = pl.concat([_records_of(con, customer_a, ws), _records_of(con, customer_b, ws)])
        _record_override(
            con,
            rows.with_columns(part=pl.lit(0)),
            action="merge",
            when=when,
            user=user,
            note=f"{customer_a}+{customer_b}",
        )
        result = resolve_in(con, when, fuzzy=fuzzy, settings=settings, workspace=ws)
        first = rows.row(0, named=True)
        merged = _customer_of(con, first["channel"], first["source_customer_id"])
    return OverrideResult((merged,), result)


def split_customer(
    ws: Workspace,
    customer_id: str,
    records: Sequence[tuple[str, str]] | None = None,
    *,
    at: dt.datetime,
    user: str | None,
) -> OverrideResult:
    """Split a customer by hand; the split is kept and wins over rules on every re-run.

    Parameters
    ----------
    ws
        The workspace.
    customer_id
        The customer to split.
    records
        ``(channel, source_customer_id)`` pairs to split off together; the rest stays. ``None``
        puts every record on its own.
    at, user
        When and who (kept in ``identity_overrides``).

    Returns
    -------
    OverrideResult
        The customer ids of the parts (the staying part first) and the re-run's counts.

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> split_customer(ws, "C000001", at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC), user="li")
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: identities were never resolved in this workspace; run `cimlab customers resolve` (or cimlab.identity.resolve) first
    """
    when = as_utc(at)
    ws.ensure_tables(DDL)
    with ws.transaction() as con:
        fuzzy, settings = last_run(con)
        rows = _records_of(con, customer_id, ws)
        if rows.height < 2:
            raise WorkspaceError(
                f"customer {customer_id} has a single record; there is nothing to split"
            )
        if records is None:
            rows = rows.with_row_index("part").with_columns(pl.col("part").cast(pl.Int64))
        else:
            wanted = {(str(c), str(i)) for c, i in records}
            have = set(
                zip(rows["channel"].to_list(), rows["source_customer_id"].to_list(), strict=True)
            )
            unknown = sorted(wanted - have)
            if unknown:
                raise WorkspaceError(
                    f"records {', '.join(f'{c} {i}' for c, i in unknown[:5])} are not records of "
                    f"customer {customer_id}; see `cimlab customers show {customer_id}`"
                )
            if not wanted:
                raise WorkspaceError("give at least one record to split off, or None for all")
            if wanted == have:
                raise WorkspaceError(
                    f"records lists every record of {customer_id}; leave at least one behind "
                    "(or pass None to put every record on its own)"
                )
            listed = pl.DataFrame(
                sorted(wanted),
                schema={"channel": pl.String, "source_customer_id": pl.String},
                orient="row",
            ).with_columns(part=pl.lit(1, dtype=pl.Int64))
            rows = rows.join(listed, on=["channel", "source_customer_id"], how="left").with_columns(
                pl.col("part").fill_null(0)
            )
        _record_override(con, rows, action="split", when=when, user=user, note=customer_id)
        result = resolve_in(con, when, fuzzy=fuzzy, settings=settings, workspace=ws)
        reps = rows.sort("part").unique("part", keep="first", maintain_order=True)
        ids = tuple(
            _customer_of(con, r["channel"], r["source_customer_id"])
            for r in reps.iter_rows(named=True)
        )
    return OverrideResult(ids, result)


def _decide(
    ws: Workspace, review_id: str, *, accept_it: bool, at: dt.datetime, user: str | None
) -> OverrideResult:
    when = as_utc(at)
    ws.ensure_tables(DDL)
    with ws.transaction() as con:
        fuzzy, settings = last_run(con)
        row = fetch_first(
            con.execute(
                "SELECT channel_a, source_customer_id_a, channel_b, source_customer_id_b, status "
                "FROM identity_review WHERE review_id = ?",
                [review_id],
            )
        )
        if row is None:
            raise WorkspaceError(
                f"no review proposal {review_id}; see `review_queue` for the open ones"
            )
        if row[4] != "open":
            raise WorkspaceError(f"review proposal {review_id} was already {row[4]}")
        pair = pl.DataFrame(
            {
                "channel": [row[0], row[2]],
                "source_customer_id": [row[1], row[3]],
                "part": [0, 0 if accept_it else 1],
            }
        )
        current = read_identity_map(con).select("channel", "source_customer_id", "customer_id")
        pair = pair.join(current, on=["channel", "source_customer_id"], how="left")
        action = "accept" if accept_it else "reject"
        _record_override(con, pair, action=action, when=when, user=user, note=review_id)
        con.execute(
            "UPDATE identity_review SET status = ?, decided_at = ?, decided_by = ? "
            "WHERE review_id = ?",
            ["accepted" if accept_it else "rejected", when, user, review_id],
        )
        result = resolve_in(con, when, fuzzy=fuzzy, settings=settings, workspace=ws)
        ids = tuple(
            dict.fromkeys(
                _customer_of(con, str(c), str(i)) for c, i in [(row[0], row[1]), (row[2], row[3])]
            )
        )
    return OverrideResult(ids, result)


def accept(ws: Workspace, review_id: str, *, at: dt.datetime, user: str | None) -> OverrideResult:
    """Accept a review proposal: its two records become one customer (a manual merge).

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> from cimlab.identity import resolve
    >>> _ = resolve(ws, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    >>> accept(ws, "R0", at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC), user="li")
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: no review proposal R0; see `review_queue` for the open ones
    """
    return _decide(ws, review_id, accept_it=True, at=at, user=user)


def reject(ws: Workspace, review_id: str, *, at: dt.datetime, user: str | None) -> OverrideResult:
    """Reject a review proposal: its two records are kept apart from now on (wins over rules).

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> from cimlab.identity import resolve
    >>> _ = resolve(ws, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    >>> reject(ws, "R0", at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC), user="li")
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: no review proposal R0; see `review_queue` for the open ones
    """
    return _decide(ws, review_id, accept_it=False, at=at, user=user)
