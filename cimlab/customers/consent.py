"""Marketing consent per purpose (email, sms, wechat, phone) as dated events.

Two kinds of events:

- **import** events are read, never stored: each non-null ``consent_*`` value of a row of the
  ``customers`` table is one event of its source record ``(channel, source_customer_id)``, dated
  by the row's ``consent_updated_at`` when the file gave one (``dated_by = 'source'``), else by
  its batch's ``imported_at`` (``dated_by = 'import'``); a source date later than the import
  cannot be right and gives way to the import time. A null value means the file said nothing:
  no event. They are
  mapped to ``customer_id`` through the identity map at read time, so undoing a batch (its rows
  are deleted) removes its events and a re-resolution moves them with their record.
- **manual** events are stored in the ``consent_events`` table (``customer_id, purpose,
  granted, at, user_name, note``) by :func:`set_consent` (``dated_by = 'manual'``).

**Rules** (privacy first). Events of one customer and purpose are taken in time order (an import
and a manual change at the same instant: the manual change comes second). The state after each
event is:

1. The latest **manual** event is the baseline; import events older than it no longer count.
2. A manual **opt-out** can only be reversed by a later **manual opt-in**: an import that says
   "yes" after it is ignored (``applied = False``), whatever its date.
3. Each source record speaks through its latest import event after the baseline. When two source
   records of the customer disagree, the **opt-out wins**: a "yes" exported by one channel does
   not reverse a "no" recorded by another. A record's own later "yes" does reverse its own
   earlier "no" (the customer re-subscribed there).
4. An import "no" after a manual opt-in makes the state "no" (the customer opted out in a
   channel since).
5. A file that lacks the flag (null) changes nothing: an opt-out is never reversed by it.

The order is the order of the decisions, not of the imports: a file imported later whose source
date is older than an opt-out imported earlier does not reverse that opt-out.

The current state is the state after the latest event; ``since`` is when that state began (the
first event of the last run of equal states), ``dated_by`` where that date comes from (the
source file, the import time or a manual change) and ``origin`` says whether a manual or an
import event decides it. A customer/purpose with no event has no row: treat it as **not granted**.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> t = [dt.datetime(2024, m, 1, tzinfo=dt.UTC) for m in (1, 2, 3)]
>>> events = pl.DataFrame({
...     "customer_id": ["C1"] * 3, "purpose": ["sms"] * 3, "granted": [True, False, True],
...     "at": t, "origin": ["import", "manual", "import"],
...     "channel": ["shop", None, "shop"], "source_customer_id": ["1", None, "1"]})
>>> granted, since, origin = consent_state(events).select("granted", "since", "origin").row(0)
>>> granted, since.date().isoformat(), origin
(False, '2024-02-01', 'manual')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from cimlab.dates import as_utc
from cimlab.errors import WorkspaceError
from cimlab.frames import require_columns
from cimlab.workspace import Workspace

__all__ = [
    "CONSENT_DDL",
    "CURRENT_SCHEMA",
    "DATED_BY",
    "EVENT_SCHEMA",
    "PURPOSES",
    "TIMELINE_SCHEMA",
    "consent_events",
    "consent_history",
    "consent_state",
    "consent_timeline",
    "current_consent",
    "import_consent_events",
    "manual_consent_events",
    "set_consent",
]

#: Consent purposes; the ``customers`` table carries them as ``consent_<purpose>``.
PURPOSES: tuple[str, ...] = ("email", "sms", "wechat", "phone")

CONSENT_DDL = """CREATE TABLE IF NOT EXISTS consent_events (
    event_id BIGINT NOT NULL PRIMARY KEY, customer_id VARCHAR NOT NULL,
    purpose VARCHAR NOT NULL CHECK (purpose IN ('email', 'sms', 'wechat', 'phone')),
    granted BOOLEAN NOT NULL, "at" TIMESTAMPTZ NOT NULL, user_name VARCHAR, note VARCHAR)"""

#: Columns of :func:`consent_events` (import events have ``channel``, ``source_customer_id``,
#: ``batch_id``, ``source_line``; manual ones ``event_id``, ``user_name``, ``note``).
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "purpose": pl.String(),
    "granted": pl.Boolean(),
    "at": pl.Datetime("us", "UTC"),
    "origin": pl.String(),
    "channel": pl.String(),
    "source_customer_id": pl.String(),
    "batch_id": pl.Int64(),
    "source_line": pl.Int64(),
    "event_id": pl.Int64(),
    "user_name": pl.String(),
    "note": pl.String(),
    "dated_by": pl.String(),
}

#: Where an event's ``at`` comes from: the source file's consent date, the import time, a manual
#: change.
DATED_BY: tuple[str, ...] = ("source", "import", "manual")

#: :data:`EVENT_SCHEMA` plus the state after each event.
TIMELINE_SCHEMA: dict[str, pl.DataType] = {
    **EVENT_SCHEMA,
    "state_after": pl.Boolean(),
    "decided_by": pl.String(),
    "applied": pl.Boolean(),
}

#: Columns of :func:`current_consent`.
CURRENT_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "purpose": pl.String(),
    "granted": pl.Boolean(),
    "since": pl.Datetime("us", "UTC"),
    "origin": pl.String(),
    "dated_by": pl.String(),
}

_GROUP = ["customer_id", "purpose"]


def import_consent_events(customers: pl.DataFrame, identity_map: pl.DataFrame) -> pl.DataFrame:
    """Import-derived events of a customers frame (:data:`EVENT_SCHEMA`).

    ``customers`` needs ``channel``, ``source_customer_id``, ``imported_at`` and the
    ``consent_*`` columns it has (``batch_id``/``source_line`` order events of one batch). Null
    flags give no event; records not in ``identity_map`` are left out. With
    ``consent_updated_at`` (the file's consent date), an event is dated by it when it is known
    and not after the import (``dated_by = 'source'``), else by ``imported_at``.

    Examples
    --------
    >>> import datetime as dt
    >>> rows = pl.DataFrame({"channel": ["shop"], "source_customer_id": ["1"],
    ...     "consent_email": [True], "consent_sms": [None],
    ...     "imported_at": [dt.datetime(2024, 1, 1, tzinfo=dt.UTC)]},
    ...     schema_overrides={"consent_sms": pl.Boolean})
    >>> imap = pl.DataFrame({"channel": ["shop"], "source_customer_id": ["1"], "customer_id": ["C1"]})
    >>> import_consent_events(rows, imap).select("customer_id", "purpose", "granted").rows()
    [('C1', 'email', True)]
    """
    flags = [f"consent_{p}" for p in PURPOSES if f"consent_{p}" in customers.columns]
    if "imported_at" not in customers.columns:
        raise ValueError("the customers frame needs imported_at (the batch's import time)")
    if "consent_updated_at" not in customers.columns:
        customers = customers.with_columns(
            pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("consent_updated_at")
        )
    index = ["channel", "source_customer_id", "imported_at", "consent_updated_at"]
    index += [c for c in ("batch_id", "source_line") if c in customers.columns]
    if not flags:
        return pl.DataFrame(schema=EVENT_SCHEMA)
    long = (
        customers.select(*index, *(pl.col(f).cast(pl.Boolean) for f in flags))
        .unpivot(on=flags, index=index, variable_name="purpose", value_name="granted")
        .filter(pl.col("granted").is_not_null())
        .with_columns(pl.col("purpose").str.strip_prefix("consent_"))
    )
    imap = identity_map.select(
        pl.col(c).cast(pl.String) for c in ("channel", "source_customer_id", "customer_id")
    ).unique(["channel", "source_customer_id"], keep="first")
    long = long.join(imap, on=["channel", "source_customer_id"], how="inner")
    source = pl.col("consent_updated_at").cast(pl.Datetime("us", "UTC"))
    imported = pl.col("imported_at").cast(pl.Datetime("us", "UTC"))
    dated = source.is_not_null() & (source <= imported)
    out = long.with_columns(
        pl.when(dated).then(source).otherwise(imported).alias("at"),
        pl.when(dated).then(pl.lit("source")).otherwise(pl.lit("import")).alias("dated_by"),
        pl.lit("import").alias("origin"),
        *(pl.lit(None).alias(c) for c in ("event_id", "user_name", "note")),
    )
    for c in ("batch_id", "source_line"):
        if c not in out.columns:
            out = out.with_columns(pl.lit(None).alias(c))
    return out.select(list(EVENT_SCHEMA)).cast(pl.Schema(EVENT_SCHEMA))


def consent_timeline(events: pl.DataFrame) -> pl.DataFrame:
    """Events in order with the consent state after each (rules in the module docs).

    Parameters
    ----------
    events
        At least ``customer_id, purpose, granted, at, origin`` (``'import'``/``'manual'``);
        import events need ``channel, source_customer_id``. Missing optional columns of
        :data:`EVENT_SCHEMA` are added as nulls.

    Returns
    -------
    pl.DataFrame
        :data:`TIMELINE_SCHEMA`, sorted by customer, purpose and time: ``state_after`` is the
        consent after the event, ``decided_by`` whether a ``manual`` or an ``import`` event
        decides that state, ``applied`` whether the state after the event is what the event
        says (an import "yes" after a manual opt-out is not applied).

    Examples
    --------
    >>> import datetime as dt
    >>> t = [dt.datetime(2024, m, 1, tzinfo=dt.UTC) for m in (1, 2)]
    >>> events = pl.DataFrame({"customer_id": ["C1", "C1"], "purpose": ["email"] * 2,
    ...     "granted": [False, True], "at": t, "origin": ["manual", "import"],
    ...     "channel": [None, "shop"], "source_customer_id": [None, "1"]})
    >>> consent_timeline(events).select("granted", "state_after", "applied").rows()
    [(False, False, True), (True, False, False)]
    """
    return _timeline(_conform_events(events)).select(list(TIMELINE_SCHEMA))


def _conform_events(events: pl.DataFrame) -> pl.DataFrame:
    require_columns(
        events, ["customer_id", "purpose", "granted", "at", "origin"], what="events frame"
    )
    bad = events.filter(~pl.col("origin").is_in(["import", "manual"]))
    if bad.height:
        raise ValueError(
            f"origin={bad['origin'][0]!r} is not 'import' or 'manual' ({bad.height} events)"
        )
    frame = events.with_columns(
        *(pl.lit(None).alias(c) for c in EVENT_SCHEMA if c not in events.columns)
    ).with_columns(  # hand-made events without it: dated when they happened
        pl.col("dated_by").fill_null(
            pl.when(pl.col("origin") == "manual").then(pl.lit("manual")).otherwise(pl.lit("import"))
        )
    )
    return frame.select(list(EVENT_SCHEMA)).cast(pl.Schema(EVENT_SCHEMA))


def _within(value: pl.Expr, start: pl.Expr) -> pl.Expr:
    """Cumulative sum of ``value`` restarting where ``start`` is true (rows in order)."""
    total = value.cum_sum()
    return total - pl.when(start).then(total - value).forward_fill()


def _timeline(frame: pl.DataFrame) -> pl.DataFrame:
    """The rules over events of :data:`EVENT_SCHEMA`; sorted, with ``_new`` (group start).

    Rows are sorted once by customer, purpose and time; every per-group quantity is then a
    running value that restarts at group (or segment) starts, so no window function and no
    Python loop is needed.
    """
    frame = frame.with_columns((pl.col("origin") == "manual").cast(pl.Int8).alias("_manual")).sort(
        [*_GROUP, "at", "_manual", "batch_id", "source_line", "event_id"],
        nulls_last=True,
        maintain_order=True,
    )
    manual = pl.col("_manual") == 1
    granted = pl.col("granted")
    new = (
        pl.col("customer_id").ne_missing(pl.col("customer_id").shift(1))
        | pl.col("purpose").ne_missing(pl.col("purpose").shift(1))
    ).alias("_new")
    frame = frame.with_columns(new, pl.int_range(pl.len(), dtype=pl.Int64).alias("_pos"))
    # A segment starts at each group start and at each manual event: imports before the latest
    # manual event no longer count. The baseline is the latest manual value (2 = none yet).
    start = pl.col("_new") | manual
    baseline = (
        pl.when(manual).then(granted.cast(pl.Int8)).when(pl.col("_new")).then(pl.lit(2, pl.Int8))
    )
    frame = frame.with_columns(
        start.cast(pl.Int64).cum_sum().alias("_seg"),
        baseline.forward_fill().alias("_base"),
    )
    # The previous event of the same source record within the segment.
    record = ["_seg", "channel", "source_customer_id"]
    same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(1)) for c in record)
    previous = (
        frame.filter(~manual)
        .select(*record, "_pos", "granted")
        .sort([*record, "_pos"])
        .select("_pos", pl.when(same).then(granted.shift(1)).alias("_prev"))
    )
    frame = frame.join(previous, on="_pos", how="left", maintain_order="left")
    is_import = pl.col("_manual") == 0
    prev = pl.col("_prev")
    d_no = (is_import & ~granted).cast(pl.Int64) - (is_import & prev.eq_missing(False)).cast(
        pl.Int64
    )
    d_yes = (is_import & granted).cast(pl.Int64) - (is_import & prev.eq_missing(True)).cast(
        pl.Int64
    )
    frame = frame.with_columns(
        _within(d_no, start).alias("_n_no"), _within(d_yes, start).alias("_n_yes")
    )
    base = pl.col("_base")
    opted_out, opted_in = base == 0, base == 1
    any_no, any_yes = pl.col("_n_no") > 0, pl.col("_n_yes") > 0
    frame = frame.with_columns(
        pl.when(opted_out | any_no)
        .then(False)
        .when(opted_in | any_yes)
        .then(True)
        .alias("state_after"),
        pl.when(opted_out)
        .then(pl.lit("manual"))
        .when(any_no)
        .then(pl.lit("import"))
        .when(opted_in)
        .then(pl.lit("manual"))
        .otherwise(pl.lit("import"))
        .alias("decided_by"),
    )
    return frame.with_columns(pl.col("state_after").eq_missing(granted).alias("applied"))


def consent_state(events: pl.DataFrame) -> pl.DataFrame:
    """Current consent per customer and purpose from events (:data:`CURRENT_SCHEMA`).

    ``granted`` is the state after the latest event, ``since`` the time of the first event of
    the last run of equal states and ``dated_by`` where that time comes from (``source``,
    ``import`` or ``manual``: see :data:`DATED_BY`), ``origin`` what decides it (``manual`` or
    ``import``).

    Examples
    --------
    >>> import datetime as dt
    >>> t = [dt.datetime(2024, m, 1, tzinfo=dt.UTC) for m in (1, 2)]
    >>> events = pl.DataFrame({"customer_id": ["C1", "C1"], "purpose": ["email"] * 2,
    ...     "granted": [True, True], "at": t, "origin": ["import", "import"],
    ...     "channel": ["shop", "shop"], "source_customer_id": ["1", "1"]})
    >>> consent_state(events).select("granted", "since").row(0)[1].month
    1
    """
    timeline = _timeline(_conform_events(events))
    state = pl.col("state_after")
    changed = pl.col("_new") | state.ne_missing(state.shift(1))
    last = pl.col("_new").shift(-1).fill_null(True)
    current = timeline.with_columns(
        pl.when(changed).then(pl.col("at")).forward_fill().alias("since"),
        pl.when(changed).then(pl.col("dated_by")).forward_fill().alias("_since_dated_by"),
    )
    current = current.filter(last).select(
        "customer_id",
        "purpose",
        pl.col("state_after").alias("granted"),
        "since",
        pl.col("decided_by").alias("origin"),
        pl.col("_since_dated_by").alias("dated_by"),
    )
    return current.cast(pl.Schema(CURRENT_SCHEMA))


# ---------------------------------------------------------------------------- workspace


def manual_consent_events(
    ws: Workspace, *, customer_ids: Sequence[str] | None = None
) -> pl.DataFrame:
    """The stored manual events (``consent_events`` table) as :data:`EVENT_SCHEMA`.

    Examples
    --------
    >>> import tempfile
    >>> manual_consent_events(Workspace.open(tempfile.mkdtemp())).height
    0
    """
    schema = {
        "event_id": pl.Int64(),
        "customer_id": pl.String(),
        "purpose": pl.String(),
        "granted": pl.Boolean(),
        "at": pl.Datetime("us", "UTC"),
        "user_name": pl.String(),
        "note": pl.String(),
    }
    if not ws.has_table("consent_events"):
        frame = pl.DataFrame(schema=schema)
    else:
        sql = f"SELECT {', '.join(_quote(c) for c in schema)} FROM consent_events"
        params: list[object] = []
        if customer_ids is not None:
            sql += " WHERE list_contains(?, customer_id)"
            params.append(list(customer_ids))
        frame = ws.query(sql, params)
        frame = pl.DataFrame(schema=schema) if frame.width == 0 else frame.cast(pl.Schema(schema))
    out = frame.with_columns(
        pl.lit("manual").alias("origin"),
        pl.lit("manual").alias("dated_by"),
        *(
            pl.lit(None).alias(c)
            for c in ("channel", "source_customer_id", "batch_id", "source_line")
        ),
    )
    return out.select(list(EVENT_SCHEMA)).cast(pl.Schema(EVENT_SCHEMA))


def consent_events(ws: Workspace, *, customer_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """All consent events of the workspace (imports of active batches + manual), unordered.

    Examples
    --------
    >>> import tempfile
    >>> consent_events(Workspace.open(tempfile.mkdtemp())).height
    0
    """
    columns = [
        "channel",
        "source_customer_id",
        *(f"consent_{p}" for p in PURPOSES),
        "consent_updated_at",
    ]
    imap = ws.identity_map(customer_ids=customer_ids)
    records = None if customer_ids is None else imap
    customers = ws.rows_with_import_time("customers", columns=columns, records=records)
    imported = import_consent_events(customers, imap)
    manual = manual_consent_events(ws, customer_ids=customer_ids)
    return pl.concat([imported, manual], how="vertical")


def consent_history(ws: Workspace, customer_id: str) -> pl.DataFrame:
    """Every consent event of one customer with the state after it (:data:`TIMELINE_SCHEMA`).

    Examples
    --------
    >>> import tempfile
    >>> consent_history(Workspace.open(tempfile.mkdtemp()), "C1").columns[-3:]
    ['state_after', 'decided_by', 'applied']
    """
    return consent_timeline(consent_events(ws, customer_ids=[customer_id]))


def current_consent(ws: Workspace, *, customer_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Current consent of every customer and purpose that has an event (:data:`CURRENT_SCHEMA`).

    A customer/purpose without a row has no known consent: treat it as not granted.

    Examples
    --------
    >>> import tempfile
    >>> current_consent(Workspace.open(tempfile.mkdtemp())).columns
    ['customer_id', 'purpose', 'granted', 'since', 'origin', 'dated_by']
    """
    return consent_state(consent_events(ws, customer_ids=customer_ids)).sort(_GROUP)


def set_consent(
    ws: Workspace,
    customer_ids: str | Sequence[str],
    purposes: str | Sequence[str],
    *,
    granted: bool,
    at: dt.datetime,
    user: str | None,
    note: str | None = None,
) -> int:
    """Record a manual opt-in (``granted=True``) or opt-out for customers and purposes.

    One event per customer and purpose, in one transaction. Returns the number of events.
    Customers must be in the identity map (run identity resolution first).

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> set_consent(ws, "C1", "sms", granted=False, at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    ...             user="ann")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: unknown customer_id C1 ...
    """
    ids = _as_list(customer_ids, "customer_ids")
    wanted = _as_list(purposes, "purposes")
    unknown_purposes = [p for p in wanted if p not in PURPOSES]
    if unknown_purposes:
        raise WorkspaceError(f"purpose {unknown_purposes[0]!r} is not one of {', '.join(PURPOSES)}")
    if not isinstance(granted, bool):
        raise WorkspaceError(f"granted={granted!r} must be True (opt-in) or False (opt-out)")
    when = as_utc(at, error=WorkspaceError)
    ws.customer_records(ids)
    rows = pl.DataFrame({"customer_id": ids}, schema={"customer_id": pl.String}).join(
        pl.DataFrame({"purpose": list(dict.fromkeys(wanted))}), how="cross"
    )
    rows = rows.with_columns(
        pl.lit(granted).alias("granted"),
        pl.lit(when).cast(pl.Datetime("us", "UTC")).alias("at"),
        pl.lit(user, dtype=pl.String).alias("user_name"),
        pl.lit(note, dtype=pl.String).alias("note"),
    )
    with ws.transaction() as con:
        con.execute(CONSENT_DDL)
        start = int(
            con.execute("SELECT coalesce(max(event_id), 0) + 1 FROM consent_events").fetchall()[0][
                0
            ]
        )
        rows = rows.with_row_index("event_id", offset=start).with_columns(
            pl.col("event_id").cast(pl.Int64)
        )
        con.register("_cimlab_consent", rows)
        try:
            con.execute(
                'INSERT INTO consent_events SELECT event_id, customer_id, purpose, granted, "at", '
                "user_name, note FROM _cimlab_consent"
            )
        finally:
            con.unregister("_cimlab_consent")
    return rows.height


# ---------------------------------------------------------------------------- helpers


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_list(values: str | Sequence[str], name: str) -> list[str]:
    items = [values] if isinstance(values, str) else list(values)
    cleaned = [v.strip() for v in items if isinstance(v, str) and v.strip()]
    if len(cleaned) != len(items) or not cleaned:
        raise WorkspaceError(f"{name}={values!r} must be one or more non-empty strings")
    return list(dict.fromkeys(cleaned))
