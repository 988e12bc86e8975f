"""The audit log: who did what to a workspace, and when, from the records that already exist.

Most actions are recorded where they happen: imports and undos in ``batches``, resolution runs
in ``identity_runs``, manual merges/splits/review decisions in ``identity_overrides``, exports in
``campaign_exports``, reveals of personal data in ``pii_reveals``, manual consent and tag
changes in ``consent_events`` and ``tag_events``. :func:`audit_log` reads them all into one
frame. The ``audit_events`` table (:func:`record_event`) holds only what nothing else records:
sign-ins (ok, failed, locked), sign-outs, setting changes, user changes, and who undid a batch
or ran a resolution (``batches`` and ``identity_runs`` keep when, not who).

No row holds personal data: targets are batch numbers, customer ids, audience names, setting
names; reasons typed for reveals are left out, and detail texts pass
:func:`cimlab.privacy.scrub_text`.

Examples
--------
>>> import tempfile, datetime as dt
>>> from cimlab.workspace import Workspace
>>> ws = Workspace.open(tempfile.mkdtemp())
>>> record_event(ws, "setting", user="ann", at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
...              target="time_zone", detail="Asia/Shanghai")
>>> audit_log(ws).select("user_name", "action", "target", "detail").rows()
[('ann', 'setting', 'time_zone', 'Asia/Shanghai')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

import polars as pl

from cimlab.dates import as_utc
from cimlab.errors import WorkspaceError

if TYPE_CHECKING:
    from cimlab.workspace import Workspace

__all__ = [
    "ACTIONS",
    "AUDIT_DDL",
    "AUDIT_SCHEMA",
    "EVENT_ACTIONS",
    "acting_user",
    "audit_log",
    "record_event",
]

AUDIT_DDL: Final = """CREATE TABLE IF NOT EXISTS audit_events (
    event_id BIGINT NOT NULL PRIMARY KEY, "at" TIMESTAMPTZ NOT NULL, user_name VARCHAR,
    action VARCHAR NOT NULL, target VARCHAR, n BIGINT, detail VARCHAR)"""

_ACCESS_ACTIONS: Final = (
    "sign_in",
    "sign_in_failed",
    "sign_in_locked",
    "sign_out",
    "session_expired",
    "setting",
    "user_add",
    "user_remove",
    "user_role",
    "user_password",
)
# sign-ins, settings and users: nothing but audit_events records them

EVENT_ACTIONS: Final = frozenset({"undo", "resolve", *_ACCESS_ACTIONS})
"""Actions :func:`record_event` stores in ``audit_events`` (nothing else records them; for an
undo or a resolution, who made it)."""

ACTIONS: Final = (
    "import",
    "undo",
    "resolve",
    "merge",
    "split",
    "accept",
    "reject",
    "export",
    "reveal",
    "consent",
    "tag",
    *_ACCESS_ACTIONS,
)
"""Every action :func:`audit_log` can list, in the order the app offers them as filters."""

AUDIT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "at": pl.Datetime("us", "UTC"),
    "user_name": pl.String(),
    "action": pl.String(),
    "target": pl.String(),
    "n": pl.Int64(),
    "detail": pl.String(),
    "source": pl.String(),
}
"""Columns of :func:`audit_log`: when, who (``None`` when the record does not say), what
(:data:`ACTIONS`), on what, how many rows/customers/members, a short detail, and the table the
row was read from."""


def acting_user() -> str | None:
    """Who acts where no one signed in (the CLI, a script, the app without users), for the audit
    fields: ``$CIMLAB_USER``, else the operating-system account (``None`` when neither is known)."""
    import os

    configured = os.environ.get("CIMLAB_USER", "").strip()
    if configured:
        return configured
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def record_event(
    ws: Workspace,
    action: str,
    *,
    user: str | None,
    at: dt.datetime,
    target: str | None = None,
    n: int | None = None,
    detail: str | None = None,
) -> None:
    """Append one row to ``audit_events`` (only :data:`EVENT_ACTIONS`; the rest has a home).

    ``detail`` is scrubbed of phone numbers, e-mail addresses and identity numbers. Never pass
    a password, hash or key: nothing here needs one.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> record_event(Workspace.open(tempfile.mkdtemp()), "import", user="a",
    ...              at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: action='import' is recorded by its own table; audit_events takes one of resolve, ...
    """
    if action not in EVENT_ACTIONS:
        raise WorkspaceError(
            f"action={action!r} is recorded by its own table; audit_events takes one of "
            f"{', '.join(sorted(EVENT_ACTIONS))}"
        )
    from cimlab.privacy import scrub_text

    when = as_utc(at, name="at", error=WorkspaceError)
    with ws.transaction() as con:
        con.execute(AUDIT_DDL)
        row = con.execute("SELECT coalesce(max(event_id), 0) + 1 FROM audit_events").fetchone()
        con.execute(
            "INSERT INTO audit_events VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                int(row[0]) if row else 1,
                when,
                user,
                action,
                target,
                n,
                None if detail is None else scrub_text(detail),
            ],
        )


def _events(ws: Workspace) -> pl.DataFrame:
    """``audit_events`` rows; undo/resolve rows are actors joined to their own tables."""
    if not ws.has_table("audit_events"):
        return pl.DataFrame(schema={k: v for k, v in AUDIT_SCHEMA.items() if k != "source"})
    return ws.query(
        'SELECT "at", user_name, action, target, n, detail FROM audit_events ORDER BY event_id'
    )


# each source: its table and the SQL that turns its rows into audit rows
_SOURCES: Final = {
    "batches": """
        SELECT imported_at AS "at", user_name, 'import' AS action,
               'batch ' || batch_id || ' (' || table_name || ', ' || channel || ')' AS target,
               rows_loaded AS n, NULL AS detail
        FROM batches""",
    "identity_runs": """
        SELECT resolved_at AS "at", NULL AS user_name, 'resolve' AS action,
               'run ' || run_id AS target,
               TRY_CAST(json_extract(summary, '$.customers') AS BIGINT) AS n,
               CASE WHEN fuzzy THEN 'fuzzy' ELSE NULL END AS detail
        FROM identity_runs""",
    "identity_overrides": """
        SELECT min(created_at) AS "at", any_value(user_name) AS user_name, any_value(action) AS action,
               any_value(note) AS target, count(*) AS n, NULL AS detail
        FROM identity_overrides GROUP BY override_id""",
    "campaign_exports": """
        SELECT exported_at AS "at", user_name, 'export' AS action,
               audience || ' v' || audience_version || ' → ' || profile AS target,
               exported AS n, NULL AS detail
        FROM campaign_exports""",
    "pii_reveals": """
        SELECT "at", user_name, 'reveal' AS action, customer_id AS target,
               NULL AS n, fields AS detail
        FROM pii_reveals""",
    "consent_events": """
        SELECT "at", any_value(user_name) AS user_name, 'consent' AS action,
               string_agg(DISTINCT purpose, ',' ORDER BY purpose) AS target, count(*) AS n,
               NULL AS detail
        FROM consent_events GROUP BY "at", user_name""",
    "tag_events": """
        SELECT "at", any_value(user_name) AS user_name, 'tag' AS action,
               string_agg(DISTINCT action || ' ' || tag, ', ') AS target,
               count(DISTINCT customer_id) AS n, NULL AS detail
        FROM tag_events WHERE origin = 'manual' GROUP BY "at", user_name""",
}


def audit_log(
    ws: Workspace,
    *,
    since: dt.datetime | dt.date | None = None,
    until: dt.datetime | dt.date | None = None,
    actions: Iterable[str] | None = None,
) -> pl.DataFrame:
    """Every audited action of the workspace (:data:`AUDIT_SCHEMA`), newest first.

    ``since``/``until`` bound the time (a date means its whole day, UTC); ``actions`` keeps
    only those of :data:`ACTIONS`. An undo or resolution made in the app names who made it
    (its ``audit_events`` row); one made elsewhere shows ``user_name`` ``None``.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> audit_log(Workspace.open(tempfile.mkdtemp())).columns
    ['at', 'user_name', 'action', 'target', 'n', 'detail', 'source']
    >>> audit_log(Workspace.open(tempfile.mkdtemp()), actions=["nap"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: unknown audit action(s) ['nap']; use some of import, undo, ...
    """
    wanted = None if actions is None else list(actions)
    if wanted is not None:
        unknown = [a for a in wanted if a not in ACTIONS]
        if unknown:
            raise WorkspaceError(
                f"unknown audit action(s) {unknown!r}; use some of {', '.join(ACTIONS[:2])}, ..."
            )
    with ws.reading():  # one connection for every table read
        return _audit_log(ws, since=since, until=until, wanted=wanted)


def _audit_log(
    ws: Workspace,
    *,
    since: dt.datetime | dt.date | None,
    until: dt.datetime | dt.date | None,
    wanted: list[str] | None,
) -> pl.DataFrame:
    schema = {k: v for k, v in AUDIT_SCHEMA.items() if k != "source"}
    parts: list[pl.DataFrame] = []
    for table, sql in _SOURCES.items():
        if ws.has_table(table):
            frame = ws.query(sql).cast(schema)  # type: ignore[arg-type]
            parts.append(frame.with_columns(pl.lit(table).alias("source")))
    events = _events(ws).cast(schema)  # type: ignore[arg-type]
    actors = events.filter(pl.col("action").is_in(["undo", "resolve"]))
    if ws.has_table("batches"):  # an undo: when from batches, who and rows from audit_events
        undone = ws.query(
            "SELECT undone_at AS \"at\", 'batch ' || batch_id || ' (' || table_name || ', ' "
            "|| channel || ')' AS target, batch_id FROM batches WHERE status = 'undone'"
        )
        who = actors.filter(pl.col("action") == "undo").select(
            pl.col("target").alias("batch_key"), "user_name", "n"
        )
        undone = undone.with_columns(pl.col("batch_id").cast(pl.String).alias("batch_key"))
        parts.append(
            undone.join(who.unique("batch_key", keep="last"), on="batch_key", how="left")
            .select(
                "at",
                "user_name",
                pl.lit("undo").alias("action"),
                "target",
                "n",
                pl.lit(None, pl.String).alias("detail"),
            )
            .cast(schema)  # type: ignore[arg-type]
            .with_columns(pl.lit("batches").alias("source"))
        )
    runs = next((p for p in parts if p["source"].first() == "identity_runs"), None)
    if runs is not None:  # who ran each resolution: the audit row at the same instant
        who = actors.filter(pl.col("action") == "resolve").select("at", "user_name")
        filled = runs.drop("user_name").join(who.unique("at", keep="last"), on="at", how="left")
        parts = [filled.select(list(AUDIT_SCHEMA)) if p is runs else p for p in parts]
    parts.append(
        events.filter(~pl.col("action").is_in(["undo", "resolve"])).with_columns(
            pl.lit("audit_events").alias("source")
        )
    )
    log = pl.concat([p.select(list(AUDIT_SCHEMA)) for p in parts], how="vertical")
    if since is not None:
        log = log.filter(pl.col("at") >= _bound(since, end=False))
    if until is not None:
        log = log.filter(pl.col("at") < _bound(until, end=True))
    if wanted is not None:
        log = log.filter(pl.col("action").is_in(wanted))
    return log.sort("at", descending=True, nulls_last=True, maintain_order=True)


def _bound(value: dt.datetime | dt.date, *, end: bool) -> dt.datetime:
    """A filter bound in UTC: a date is its first instant (``end``: the next day's)."""
    if isinstance(value, dt.datetime):
        return as_utc(value, name="since/until", error=WorkspaceError)
    day = value + dt.timedelta(days=1) if end else value
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
