"""The identity tables of a workspace: resolve and write them in one transaction, read them.

:func:`resolve` reads the source records, replays the manual overrides, links (keeping the ids
of the previous map) and rewrites ``identity_map``, ``identity_links``,
``identity_blocked_keys``, ``identity_households`` and the open ``identity_review`` rows; ids
issued and retired go to ``identity_ids`` (households: ``identity_household_ids``) and the run
to ``identity_runs``.

Examples
--------
>>> import tempfile
>>> ws = Workspace.open(tempfile.mkdtemp())
>>> customer_map(ws).height, unlinked_records(ws), customer_households(ws).height
(0, 0, 0)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import polars as pl

from cimlab.dates import as_utc
from cimlab.errors import WorkspaceError
from cimlab.identity.link import ResolutionResult, resolve_records
from cimlab.identity.records import load_tables, records_from_tables
from cimlab.identity.settings import IdentitySettings, check_settings
from cimlab.identity.tables import BLOCKED_SCHEMA, DDL, HOUSEHOLDS_SCHEMA
from cimlab.workspace import Workspace, read_identity_map

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "blocked_keys",
    "customer_households",
    "customer_map",
    "fetch_first",
    "has_identity_tables",
    "insert_frame",
    "last_run",
    "query_frame",
    "removed_records",
    "resolve",
    "resolve_again",
    "resolve_in",
    "successors",
    "unlinked_records",
]


def fetch_first(con: duckdb.DuckDBPyConnection) -> Any:
    """First row of the pending result (``None`` if none), read to the end (DuckDB 2 needs it)."""
    rows = con.fetchall()
    return rows[0] if rows else None


def query_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> pl.DataFrame:
    """The result of ``sql`` on ``con`` (inside the caller's transaction) as a frame."""
    relation = con.sql(sql, params=list(params) or None)
    if relation is None:  # pragma: no cover - every caller passes a SELECT
        raise WorkspaceError(f"query returned no result: {sql[:60]}")
    return relation.pl()


def insert_frame(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    extra: str = "",
    params: Sequence[Any] = (),
) -> None:
    """Append ``frame`` to ``table``; ``extra`` adds SQL values after its columns (``", ?"``
    with ``params``), for the columns the frame does not carry (``resolved_at``)."""
    if frame.is_empty():
        return
    con.register("_cimlab_identity", frame)
    try:
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"INSERT INTO {table} SELECT {cols}{extra} FROM _cimlab_identity", list(params))
    finally:
        con.unregister("_cimlab_identity")


# Tables of other modules whose rows are keyed on a customer_id chosen by a person (manual tags,
# manual consent): when a merge retires that id, its rows follow the records to their new id.
_MANUAL_FACT_TABLES = ("tag_events", "consent_events")


def successors(
    previous: pl.DataFrame, current: pl.DataFrame, retired: Sequence[str]
) -> pl.DataFrame:
    """Where each retired id went: the new customer holding most of its former records.

    Examples
    --------
    >>> prev = pl.DataFrame({"channel": ["a", "b", "c"], "source_customer_id": ["1", "2", "3"],
    ...                      "customer_id": ["C000001", "C000002", "C000002"]})
    >>> now = prev.with_columns(customer_id=pl.lit("C000001"))
    >>> successors(prev, now, ["C000002"]).rows()
    [('C000002', 'C000001')]
    """
    if not retired or previous.is_empty():
        return pl.DataFrame(schema={"retired_id": pl.String(), "customer_id": pl.String()})
    return (
        previous.filter(pl.col("customer_id").is_in(list(retired)))
        .select("channel", "source_customer_id", retired_id=pl.col("customer_id"))
        .join(current.select("channel", "source_customer_id", "customer_id"),
              on=["channel", "source_customer_id"])
        .group_by("retired_id", "customer_id")
        .agg(pl.len().alias("n"))
        .sort(["retired_id", "n", "customer_id"], descending=[False, True, False])
        .group_by("retired_id", maintain_order=True)
        .first()
        .select("retired_id", "customer_id")
    )  # fmt: skip


def _carry_manual_facts(con: duckdb.DuckDBPyConnection, moves: pl.DataFrame) -> None:
    if moves.is_empty():
        return
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for table in _MANUAL_FACT_TABLES:
        if table in present:
            for retired_id, customer_id in moves.iter_rows():
                con.execute(
                    f"UPDATE {table} SET customer_id = ? WHERE customer_id = ?",
                    [customer_id, retired_id],
                )


def last_run(con: duckdb.DuckDBPyConnection) -> tuple[bool, IdentitySettings]:
    """``(fuzzy, settings)`` of the last resolution; raises when identities were never resolved."""
    row = fetch_first(
        con.execute("SELECT fuzzy, settings FROM identity_runs ORDER BY run_id DESC LIMIT 1")
    )
    if row is None:
        raise WorkspaceError(
            "identities were never resolved in this workspace; run `cimlab customers resolve` "
            "(or cimlab.identity.resolve) first"
        )
    return bool(row[0]), IdentitySettings.from_dict(json.loads(row[1]))


def resolve_in(
    con: duckdb.DuckDBPyConnection,
    when: dt.datetime,
    *,
    fuzzy: bool,
    settings: IdentitySettings,
    workspace: Workspace | None = None,
) -> ResolutionResult:
    """Resolve with ``con`` (inside the caller's transaction) and rewrite the identity tables.

    ``workspace`` is the one ``con`` belongs to: when it is encrypted, its personal data is
    decrypted in memory and blocked keys are stored as keyed hashes (HMAC), not plain SHA-256.
    """
    decrypt = None if workspace is None else workspace.decrypt
    cipher = None if workspace is None else workspace.cipher
    records = records_from_tables(load_tables(lambda sql: query_frame(con, sql), decrypt=decrypt))
    previous = read_identity_map(con)
    overrides = query_frame(con, "SELECT * FROM identity_overrides")
    row = fetch_first(con.execute("SELECT coalesce(max(number), 0) FROM identity_ids"))
    last_id = int(row[0]) if row else 0
    previous_households = query_frame(
        con, "SELECT DISTINCT customer_id, household_id FROM identity_households"
    )
    row = fetch_first(con.execute("SELECT coalesce(max(number), 0) FROM identity_household_ids"))
    last_household = int(row[0]) if row else 0
    res = resolve_records(
        records,
        settings=settings,
        fuzzy=fuzzy,
        overrides=overrides,
        previous=previous,
        last_id=last_id,
        previous_households=previous_households,
        last_household=last_household,
    )
    con.execute("DELETE FROM identity_map")
    insert_frame(con, "identity_map", res.map, ", ?", [when])
    con.execute("DELETE FROM identity_links")
    insert_frame(con, "identity_links", res.links, ", ?", [when])
    blocked = res.blocked
    if cipher is not None:  # a plain SHA-256 of a phone is reversed by trying every number
        hashed = [cipher.keyed_hash(h, kind="blocked_key") for h in blocked["key_hash"].to_list()]
        blocked = blocked.with_columns(pl.Series("key_hash", hashed, dtype=pl.String))
    con.execute("DELETE FROM identity_blocked_keys")
    insert_frame(con, "identity_blocked_keys", blocked, ", ?", [when])
    con.execute("DELETE FROM identity_review WHERE status = 'open'")
    decided = set(query_frame(con, "SELECT review_id FROM identity_review")["review_id"].to_list())
    fresh = res.review.filter(~pl.col("review_id").is_in(list(decided)))
    insert_frame(con, "identity_review", fresh, ", 'open', ?, NULL, NULL", [when])
    insert_frame(con, "identity_ids", res.new_ids, ", ?, NULL", [when])
    con.execute("DELETE FROM identity_households")
    insert_frame(con, "identity_households", res.households, ", ?", [when])
    insert_frame(con, "identity_household_ids", res.new_household_ids, ", ?, NULL", [when])
    if res.retired_household_ids:
        con.execute(
            "UPDATE identity_household_ids SET retired_at = ? WHERE household_id IN "
            "(SELECT unnest(?::VARCHAR[])) AND retired_at IS NULL",
            [when, res.retired_household_ids],
        )
    if res.retired_ids:
        con.execute(
            "UPDATE identity_ids SET retired_at = ? WHERE customer_id IN "
            "(SELECT unnest(?::VARCHAR[])) AND retired_at IS NULL",
            [when, res.retired_ids],
        )
        _carry_manual_facts(con, successors(previous, res.map, res.retired_ids))
    result = ResolutionResult(
        **{**asdict(res.result), "review_proposals": fresh.height, "resolved_at": when}
    )
    run = fetch_first(con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM identity_runs"))
    con.execute(
        "INSERT INTO identity_runs VALUES (?, ?, ?, ?, ?)",
        [
            int(run[0]) if run else 1,
            when,
            fuzzy,
            json.dumps(settings.to_dict(), ensure_ascii=False),
            json.dumps(result.summary(), ensure_ascii=False),
        ],
    )
    return result


def resolve(
    ws: Workspace,
    *,
    at: dt.datetime,
    fuzzy: bool = False,
    settings: IdentitySettings | None = None,
) -> ResolutionResult:
    """Resolve identities of the workspace and write ``identity_map`` (one transaction).

    Parameters
    ----------
    ws
        The workspace.
    at
        Time of the run (timezone-aware), stored as ``resolved_at``.
    fuzzy
        Also run the fuzzy name pass (see the module docstring).
    settings
        :class:`IdentitySettings`; kept in ``identity_runs`` so manual actions re-resolve
        with the same settings.

    Returns
    -------
    ResolutionResult
        Records, customers, links by rule, blocked keys, open review proposals, ids kept, new
        and retired.

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> resolve(ws, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC)).customers
    0
    """
    when = as_utc(at)
    s = check_settings(settings)
    ws.ensure_tables(DDL)
    with ws.transaction() as con:
        return resolve_in(con, when, fuzzy=bool(fuzzy), settings=s, workspace=ws)


def resolve_again(ws: Workspace, *, at: dt.datetime) -> ResolutionResult:
    """:func:`resolve` with the fuzzy flag and settings of the last run (after new imports).

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> resolve_again(Workspace.open(tempfile.mkdtemp()), at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: identities were never resolved in this workspace; ...
    """
    when = as_utc(at)
    ws.ensure_tables(DDL)
    with ws.transaction() as con:
        fuzzy, settings = last_run(con)
        return resolve_in(con, when, fuzzy=fuzzy, settings=settings, workspace=ws)


def unlinked_records(ws: Workspace) -> int:
    """Source records (``channel, source_customer_id`` in any table) that are in no customer
    yet: imported after the last resolution. Their rows have no ``customer_id``, so analyses
    leave them out until identities are resolved again (0 when never resolved: then nothing is).

    Examples
    --------
    >>> import tempfile
    >>> unlinked_records(Workspace.open(tempfile.mkdtemp()))
    0
    """
    return ws.identity_counts()["unlinked_records"]  # the one rule, read without Arrow


def removed_records(ws: Workspace) -> int:
    """Records of the identity map that no table holds any more: their rows were removed (an
    undone import) since the last resolution. The map's customers still count them, and links
    made through them still stand, until identities are resolved again (0 when never resolved).

    Examples
    --------
    >>> import tempfile
    >>> removed_records(Workspace.open(tempfile.mkdtemp()))
    0
    """
    return ws.identity_counts()["removed_records"]


def has_identity_tables(ws: Workspace) -> bool:
    """Whether identities were resolved in ``ws`` (the map, links and review tables exist)."""
    return {"identity_map", "identity_links", "identity_review"} <= ws.table_names()


def customer_map(ws: Workspace) -> pl.DataFrame:
    """``identity_map`` as a frame (:data:`MAP_SCHEMA`); empty when never resolved.

    The same reader as :meth:`cimlab.workspace.Workspace.identity_map`.

    Examples
    --------
    >>> import tempfile
    >>> customer_map(Workspace.open(tempfile.mkdtemp())).columns[:3]
    ['channel', 'source_customer_id', 'customer_id']
    """
    return ws.identity_map()


def customer_households(ws: Workspace, customer_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Households of the last resolution (:data:`HOUSEHOLDS_SCHEMA`): one row per customer, other
    customer of its household and reason (``shared_phone`` / ``shared_email``), the shared key
    masked; only those of ``customer_ids`` when given. Empty when never resolved.

    Two people sharing a phone or e-mail whose names and birth dates disagree are kept apart and
    linked as a household (:mod:`cimlab.identity.households` states the rule).

    Examples
    --------
    >>> import tempfile
    >>> customer_households(Workspace.open(tempfile.mkdtemp())).columns[:4]
    ['customer_id', 'household_id', 'reason', 'shared_with']
    """
    if "identity_households" not in ws.table_names():
        return pl.DataFrame(schema=HOUSEHOLDS_SCHEMA)
    cols = ", ".join(HOUSEHOLDS_SCHEMA)
    sql = f"SELECT {cols} FROM identity_households"
    params: list[Any] = []
    if customer_ids is not None:
        sql += " WHERE customer_id IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(customer_ids))
    sql += " ORDER BY household_id, customer_id, reason, shared_with"
    return ws.query(sql, params or None).cast(HOUSEHOLDS_SCHEMA)  # type: ignore[arg-type]


def blocked_keys(ws: Workspace) -> pl.DataFrame:
    """Keys the over-merge guard (or a manual split) kept from linking, at the last run.

    Examples
    --------
    >>> import tempfile
    >>> blocked_keys(Workspace.open(tempfile.mkdtemp())).height
    0
    """
    if not has_identity_tables(ws):
        return pl.DataFrame(schema=BLOCKED_SCHEMA)
    cols = ", ".join(BLOCKED_SCHEMA)
    frame = ws.query(f"SELECT {cols} FROM identity_blocked_keys ORDER BY reason, records DESC")
    return frame.cast(BLOCKED_SCHEMA)  # type: ignore[arg-type]
