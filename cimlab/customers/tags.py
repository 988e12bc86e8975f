"""Customer tags: manual tags, rule-based tags that refresh on demand, and the customer type.

Every change is an event in the ``tag_events`` table (``event_id, customer_id, tag, action
('add'/'remove'), origin ('manual'/'rule'), at, user_name, note``), so the history is kept: a
customer carries a tag when the latest event of that customer × tag × origin is an ``add``.
Events that would change nothing (adding a tag already there, removing one that is not) are not
written.

- **Manual tags** (:func:`add_tags`, :func:`remove_tags`) are free text (``高潜力``,
  ``wholesale lead``), for one customer or a whole list.
- **Rule tags** are named after their :class:`TagRule` and recomputed by
  :func:`refresh_rule_tags` from a per-customer metrics frame (:func:`customer_metrics`) at an
  explicit ``as_of``: customers who newly match get an ``add``, those who no longer match a
  ``remove``. Built-ins (:data:`DEFAULT_RULES`): ``vip`` (top 5 % by net spend in the 12 months
  before ``as_of``), ``lapsed`` (bought before, but not in the 365 days before ``as_of``),
  ``multi_channel`` (bought in at least 2 channels).
- **Customer type** is not stored: :func:`customer_tags` adds it from the golden record as a
  pseudo-tag row, ``tag`` = ``individual`` or ``business`` with ``origin = 'customer_type'``.

Rule names and the two type names are reserved: a manual tag cannot use them (compared without
case), so a tag name always has one meaning.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> metrics = pl.DataFrame({"customer_id": ["C1", "C2"], "n_channels": [2, 1]})
>>> MULTI_CHANNEL.members(metrics).to_list()
['C1']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from cimlab.customers.golden import golden_records, order_facts, order_metrics
from cimlab.dates import as_utc
from cimlab.errors import WorkspaceError
from cimlab.workspace import Workspace

__all__ = [
    "DEFAULT_RULES",
    "LAPSED",
    "METRICS_SCHEMA",
    "MULTI_CHANNEL",
    "TAGS_SCHEMA",
    "TAG_DDL",
    "TAG_EVENTS_SCHEMA",
    "TYPE_TAGS",
    "VIP",
    "TagRule",
    "add_tags",
    "as_of_datetime",
    "current_tags",
    "customer_metrics",
    "customer_tags",
    "refresh_rule_tags",
    "remove_tags",
    "tag_history",
    "top_share",
    "type_tags",
]

TAG_DDL = """CREATE TABLE IF NOT EXISTS tag_events (
    event_id BIGINT NOT NULL PRIMARY KEY, customer_id VARCHAR NOT NULL, tag VARCHAR NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN ('add', 'remove')),
    origin VARCHAR NOT NULL CHECK (origin IN ('manual', 'rule')),
    "at" TIMESTAMPTZ NOT NULL, user_name VARCHAR, note VARCHAR)"""

#: Columns of :func:`tag_history` (the ``tag_events`` table).
TAG_EVENTS_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.Int64(),
    "customer_id": pl.String(),
    "tag": pl.String(),
    "action": pl.String(),
    "origin": pl.String(),
    "at": pl.Datetime("us", "UTC"),
    "user_name": pl.String(),
    "note": pl.String(),
}

_COLUMNS = ", ".join(f'"{c}"' for c in TAG_EVENTS_SCHEMA)

#: Columns of :func:`customer_tags`: one row per customer and current tag.
TAGS_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "tag": pl.String(),
    "origin": pl.String(),
    "since": pl.Datetime("us", "UTC"),
    "user_name": pl.String(),
}

#: Columns of :func:`customer_metrics`, the frame rules are evaluated on.
METRICS_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "customer_type": pl.String(),
    "orders": pl.UInt32(),
    "net_spend": pl.Float64(),
    "first_purchase": pl.Datetime("us", "UTC"),
    "last_purchase": pl.Datetime("us", "UTC"),
    "days_since_last_purchase": pl.Int64(),
    "orders_12m": pl.UInt32(),
    "net_spend_12m": pl.Float64(),
    "channels": pl.List(pl.String()),
    "n_channels": pl.UInt32(),
}

#: Pseudo-tags :func:`customer_tags` adds from the golden record's ``customer_type``.
TYPE_TAGS: tuple[str, ...] = ("individual", "business")

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_MAX_TAG = 64


@dataclass(frozen=True)
class TagRule:
    """A rule tag: who carries tag ``name`` given the per-customer metrics frame.

    Parameters
    ----------
    name
        Tag name, lower-case letters, digits and ``_`` (``vip``).
    description, description_zh
        What the rule means, in English and Chinese, for the app.
    rule
        A boolean Polars expression over :data:`METRICS_SCHEMA` columns, or a function taking
        that frame and returning a boolean Series (one value per row).

    Examples
    --------
    >>> big = TagRule("big", "Net spend over 1000", "消费超过1000", pl.col("net_spend") > 1000)
    >>> big.members(pl.DataFrame({"customer_id": ["C1", "C2"], "net_spend": [5.0, 2e3]})).to_list()
    ['C2']
    """

    name: str
    description: str
    description_zh: str
    rule: pl.Expr | Callable[[pl.DataFrame], pl.Series]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ValueError(
                f"TagRule name={self.name!r} must be lower-case letters, digits and _ "
                "(starting with a letter), e.g. 'vip'"
            )
        if self.name in TYPE_TAGS:
            raise ValueError(f"TagRule name={self.name!r} is reserved for the customer type")

    def members(self, metrics: pl.DataFrame) -> pl.Series:
        """``customer_id``\\s of the rows of ``metrics`` the rule selects (sorted)."""
        if isinstance(self.rule, pl.Expr):
            mask = metrics.select(self.rule.fill_null(False)).to_series()
        else:
            mask = self.rule(metrics)
            if not isinstance(mask, pl.Series) or mask.len() != metrics.height:
                raise ValueError(
                    f"rule {self.name!r} must return a boolean Series of {metrics.height} values"
                )
            mask = mask.fill_null(False)
        if mask.dtype != pl.Boolean:
            raise ValueError(f"rule {self.name!r} gives {mask.dtype}, not booleans")
        return metrics.filter(mask)["customer_id"].sort()


def top_share(column: str, share: float) -> pl.Expr:
    """True for the top ``share`` of rows with a positive ``column`` (ties at the edge included).

    With ``n`` positive values, the rows ranked ``1 .. ceil(share * n)`` from the top are
    selected (rank ``min``, so equal values share a rank). No row is selected when none is
    positive.

    Examples
    --------
    >>> frame = pl.DataFrame({"x": [float(v) for v in range(1, 41)] + [0.0]})
    >>> frame.filter(top_share("x", 0.05))["x"].to_list()
    [39.0, 40.0]
    """
    if not 0 < share <= 1:
        raise ValueError(f"share={share!r} must be in (0, 1]")
    fraction = Fraction(share).limit_denominator(1_000_000)
    value = pl.col(column)
    positive = value > 0
    n = positive.sum().cast(pl.Int64)
    k = (n * fraction.numerator + fraction.denominator - 1) // fraction.denominator
    return positive & (value.rank("min", descending=True).cast(pl.Int64) <= k)


VIP = TagRule(
    "vip",
    "Top 5% of customers by net spend in the 12 months before the reference date",
    "参考日期前12个月净消费额排名前5%的客户",
    top_share("net_spend_12m", 0.05),
)
LAPSED = TagRule(
    "lapsed",
    "Bought before, but not in the 365 days before the reference date",
    "曾经购买，但参考日期前365天内没有购买",
    pl.col("days_since_last_purchase") >= 365,
)
MULTI_CHANNEL = TagRule(
    "multi_channel",
    "Bought in at least 2 channels",
    "在至少2个渠道购买过",
    pl.col("n_channels") >= 2,
)
#: Rules :func:`refresh_rule_tags` uses by default.
DEFAULT_RULES: tuple[TagRule, ...] = (VIP, LAPSED, MULTI_CHANNEL)


def as_of_datetime(as_of: dt.datetime | dt.date) -> dt.datetime:
    """The reference instant: an aware datetime in UTC; a date means the end of that day (UTC).

    Examples
    --------
    >>> as_of_datetime(dt.date(2024, 6, 30)).isoformat()
    '2024-07-01T00:00:00+00:00'
    """
    if isinstance(as_of, dt.datetime):
        return as_utc(as_of, name="as_of")
    if isinstance(as_of, dt.date):
        return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    raise ValueError(f"as_of={as_of!r} must be a date or a timezone-aware datetime")


def _year_before(t: dt.datetime) -> dt.datetime:
    try:
        return t.replace(year=t.year - 1)
    except ValueError:  # 29 February
        return t.replace(year=t.year - 1, day=28)


def customer_metrics(
    facts: pl.DataFrame, customers: pl.DataFrame, *, as_of: dt.datetime | dt.date
) -> pl.DataFrame:
    """Per-customer metrics for rule tags (:data:`METRICS_SCHEMA`), from orders before ``as_of``.

    Parameters
    ----------
    facts
        :func:`cimlab.customers.golden.order_facts` output; lines at or after ``as_of`` are ignored.
    customers
        One row per customer: ``customer_id`` and optionally ``customer_type`` (the golden
        record); every customer gets a row, with 0 orders and spend when it never bought.
    as_of
        Reference instant (a date means the end of that day, UTC). The 12-month window is
        ``[as_of - 1 year, as_of)``; ``days_since_last_purchase`` counts whole days from the
        last purchase to the ``as_of`` instant (Jan 10 00:00 to the end of Jan 31 is 22).

    Examples
    --------
    >>> t = dt.datetime(2024, 1, 10, tzinfo=dt.UTC)
    >>> facts = pl.DataFrame({"customer_id": ["C1"], "channel": ["shop"], "order_id": ["A"],
    ...     "order_ts": [t], "amount": [9.0], "currency": ["CNY"], "status": ["paid"]})
    >>> m = customer_metrics(facts, pl.DataFrame({"customer_id": ["C1", "C2"]}),
    ...                      as_of=dt.date(2024, 1, 31))
    >>> m.select("customer_id", "net_spend_12m", "days_since_last_purchase").rows()
    [('C1', 9.0, 22), ('C2', 0.0, None)]
    """
    end = as_of_datetime(as_of)
    start = _year_before(end)
    all_time = order_metrics(facts, end=end)
    recent = order_metrics(facts, start=start, end=end).select(
        "customer_id",
        pl.col("orders").alias("orders_12m"),
        pl.col("net_spend").alias("net_spend_12m"),
    )
    base = customers.select(
        pl.col("customer_id").cast(pl.String),
        (
            pl.col("customer_type").cast(pl.String)
            if "customer_type" in customers.columns
            else pl.lit(None, pl.String).alias("customer_type")
        ),
    ).unique("customer_id", keep="first", maintain_order=True)
    out = base.join(all_time, on="customer_id", how="left").join(
        recent, on="customer_id", how="left"
    )
    end_lit = pl.lit(end).cast(pl.Datetime("us", "UTC"))
    out = out.with_columns(
        pl.col("orders", "orders_12m").fill_null(0),
        pl.col("net_spend", "net_spend_12m").fill_null(0.0),
        pl.col("channels").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        pl.col("n_channels").fill_null(0),
        (end_lit - pl.col("last_purchase")).dt.total_days().alias("days_since_last_purchase"),
    ).sort("customer_id")
    return out.select(list(METRICS_SCHEMA)).cast(pl.Schema(METRICS_SCHEMA))


# ---------------------------------------------------------------------------- workspace


def _events(ws: Workspace, customer_ids: Sequence[str] | None = None) -> pl.DataFrame:
    if not ws.has_table("tag_events"):
        return pl.DataFrame(schema=TAG_EVENTS_SCHEMA)
    sql = f"SELECT {_COLUMNS} FROM tag_events"
    params: list[object] = []
    if customer_ids is not None:
        sql += " WHERE list_contains(?, customer_id)"
        params.append(list(customer_ids))
    frame = ws.query(sql + " ORDER BY event_id", params)
    if frame.width == 0:
        return pl.DataFrame(schema=TAG_EVENTS_SCHEMA)
    return frame.cast(pl.Schema(TAG_EVENTS_SCHEMA))


def _current(events: pl.DataFrame) -> pl.DataFrame:
    """Latest event per customer × tag × origin, kept when it is an ``add``."""
    return (
        events.sort("at", "event_id")
        .group_by(["customer_id", "tag", "origin"], maintain_order=True)
        .last()
        .filter(pl.col("action") == "add")
    )


def tag_history(ws: Workspace, *, customer_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Every tag event (:data:`TAG_EVENTS_SCHEMA`), oldest first.

    Examples
    --------
    >>> import tempfile
    >>> tag_history(Workspace.open(tempfile.mkdtemp())).height
    0
    """
    return _events(ws, customer_ids).sort("at", "event_id")


def current_tags(events: pl.DataFrame) -> pl.DataFrame:
    """Tags carried now, from tag events (:data:`TAGS_SCHEMA`, without type pseudo-tags).

    A tag is carried when the latest event of its customer × tag × origin is an ``add``;
    ``since`` is that event's time.

    Examples
    --------
    >>> t = [dt.datetime(2024, m, 1, tzinfo=dt.UTC) for m in (1, 2, 3)]
    >>> events = pl.DataFrame({"event_id": [1, 2, 3], "customer_id": ["C1"] * 3,
    ...     "tag": ["a", "a", "b"], "action": ["add", "remove", "add"],
    ...     "origin": ["manual"] * 3, "at": t, "user_name": ["li"] * 3})
    >>> current_tags(events)["tag"].to_list()
    ['b']
    """
    current = _current(events).select(
        "customer_id", "tag", "origin", pl.col("at").alias("since"), "user_name"
    )
    return current.cast(pl.Schema(TAGS_SCHEMA)).sort("customer_id", "origin", "tag")


def type_tags(golden: pl.DataFrame) -> pl.DataFrame:
    """One pseudo-tag row per customer from its golden ``customer_type`` (:data:`TAGS_SCHEMA`).

    Examples
    --------
    >>> type_tags(pl.DataFrame({"customer_id": ["C1"], "customer_type": ["business"]})).row(0)
    ('C1', 'business', 'customer_type', None, None)
    """
    return golden.select(
        pl.col("customer_id").cast(pl.String),
        pl.col("customer_type").cast(pl.String).alias("tag"),
        pl.lit("customer_type").alias("origin"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("since"),
        pl.lit(None, pl.String).alias("user_name"),
    )


def customer_tags(
    ws: Workspace,
    *,
    customer_ids: Sequence[str] | None = None,
    include_type: bool = True,
) -> pl.DataFrame:
    """Current tags, one row per customer and tag (:data:`TAGS_SCHEMA`).

    ``origin`` is ``manual``, ``rule`` or ``customer_type``; with ``include_type`` every
    customer of the identity map gets one pseudo-tag row ``individual`` or ``business`` from
    its golden record (``since`` and ``user_name`` null). ``since`` is when the tag was added.

    Examples
    --------
    >>> import tempfile
    >>> customer_tags(Workspace.open(tempfile.mkdtemp())).columns
    ['customer_id', 'tag', 'origin', 'since', 'user_name']
    """
    parts = [current_tags(_events(ws, customer_ids))]
    if include_type:
        golden = golden_records(ws, customer_ids=customer_ids, include_orders=False)
        parts.append(type_tags(golden))
    out = pl.concat(parts, how="vertical")
    return out.sort("customer_id", "origin", "tag")


def _tag_names(tags: str | Sequence[str]) -> list[str]:
    items = [tags] if isinstance(tags, str) else list(tags)
    names = [t.strip() for t in items if isinstance(t, str)]
    if not items or len(names) != len(items) or not all(names):
        raise WorkspaceError(f"tags={tags!r} must be one or more non-empty names")
    long = [t for t in names if len(t) > _MAX_TAG]
    if long:
        raise WorkspaceError(f"tag {long[0][:20]!r}... is longer than {_MAX_TAG} characters")
    return list(dict.fromkeys(names))


def _customer_list(customer_ids: str | Sequence[str]) -> list[str]:
    items = [customer_ids] if isinstance(customer_ids, str) else list(customer_ids)
    ids = [c.strip() for c in items if isinstance(c, str)]
    if not items or len(ids) != len(items) or not all(ids):
        raise WorkspaceError(f"customer_ids={customer_ids!r} must be one or more customer ids")
    return list(dict.fromkeys(ids))


def _reserved(ws: Workspace) -> set[str]:
    names = {r.name for r in DEFAULT_RULES} | set(TYPE_TAGS)
    if ws.has_table("tag_events"):
        stored = ws.query("SELECT DISTINCT tag FROM tag_events WHERE origin = 'rule'")
        if stored.width:
            names |= set(stored["tag"].to_list())
    return {n.casefold() for n in names}


def _write_changes(
    ws: Workspace,
    plan: Callable[[pl.DataFrame], pl.DataFrame],
    *,
    at: dt.datetime,
    user: str | None,
    note: str | None,
) -> pl.DataFrame:
    """Store the events ``plan(current tags)`` asks for that change something; return them.

    ``plan`` gets the current tags (``customer_id, tag, origin``, read inside the transaction)
    and returns wanted events ``customer_id, tag, action, origin``.
    """
    when = as_utc(at, error=WorkspaceError)
    with ws.transaction() as con:
        con.execute(TAG_DDL)
        stored = con.sql(f"SELECT {_COLUMNS} FROM tag_events").pl()
        stored = (
            pl.DataFrame(schema=TAG_EVENTS_SCHEMA)
            if stored.width == 0
            else stored.cast(pl.Schema(TAG_EVENTS_SCHEMA))
        )
        current = _current(stored).select("customer_id", "tag", "origin")
        key = ["customer_id", "tag", "origin"]
        changes = (
            plan(current)
            .join(current.with_columns(pl.lit(True).alias("_has")), on=key, how="left")
            .filter(pl.col("_has").fill_null(False) != (pl.col("action") == "add"))
        )
        start = stored.select(pl.col("event_id").max().fill_null(0)).item() + 1
        rows = (
            changes.select(*key, "action")
            .with_row_index("event_id", offset=int(start))
            .with_columns(
                pl.col("event_id").cast(pl.Int64),
                pl.lit(when).cast(pl.Datetime("us", "UTC")).alias("at"),
                pl.lit(user, pl.String).alias("user_name"),
                pl.lit(note, pl.String).alias("note"),
            )
            .select(list(TAG_EVENTS_SCHEMA))
            .cast(pl.Schema(TAG_EVENTS_SCHEMA))
        )
        if rows.height:
            con.register("_cimlab_tags", rows)
            try:
                con.execute(f"INSERT INTO tag_events SELECT {_COLUMNS} FROM _cimlab_tags")
            finally:
                con.unregister("_cimlab_tags")
    return rows


def _manual(
    ws: Workspace,
    customer_ids: str | Sequence[str],
    tags: str | Sequence[str],
    action: str,
    *,
    at: dt.datetime,
    user: str | None,
    note: str | None,
) -> int:
    ids = _customer_list(customer_ids)
    names = _tag_names(tags)
    reserved = _reserved(ws)
    clash = [t for t in names if t.casefold() in reserved]
    if clash:
        raise WorkspaceError(
            f"tag {clash[0]!r} is a rule tag or a customer type; it is set by "
            "refresh_rule_tags / the golden record. Choose another name for a manual tag"
        )
    ws.customer_records(ids)
    wanted = (
        pl.DataFrame({"customer_id": ids}, schema={"customer_id": pl.String})
        .join(pl.DataFrame({"tag": names}, schema={"tag": pl.String}), how="cross")
        .with_columns(pl.lit(action).alias("action"), pl.lit("manual").alias("origin"))
    )
    return _write_changes(ws, lambda _: wanted, at=at, user=user, note=note).height


def add_tags(
    ws: Workspace,
    customer_ids: str | Sequence[str],
    tags: str | Sequence[str],
    *,
    at: dt.datetime,
    user: str | None,
    note: str | None = None,
) -> int:
    """Add manual tags to one customer or a list; returns the number of tags actually added.

    Examples
    --------
    >>> import tempfile
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> add_tags(ws, "C1", "vip", at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), user="ann")
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: tag 'vip' is a rule tag or a customer type; it is set by refresh_rule_tags / the golden record. Choose another name for a manual tag
    """
    return _manual(ws, customer_ids, tags, "add", at=at, user=user, note=note)


def remove_tags(
    ws: Workspace,
    customer_ids: str | Sequence[str],
    tags: str | Sequence[str],
    *,
    at: dt.datetime,
    user: str | None,
    note: str | None = None,
) -> int:
    """Remove manual tags from one customer or a list; returns the number actually removed.

    Examples
    --------
    >>> import tempfile
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> remove_tags(ws, ["C1"], ["  "], at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), user=None)
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: tags=['  '] must be one or more non-empty names
    """
    return _manual(ws, customer_ids, tags, "remove", at=at, user=user, note=note)


def _facts_in_one_currency(ws: Workspace) -> pl.DataFrame:
    """:func:`order_facts` of ``ws`` in its reporting currency (:mod:`cimlab.money`): spend
    rules compare customers' spend, so amounts of two currencies are never added;
    :class:`~cimlab.errors.MissingRatesError` when a currency lacks a rate."""
    from cimlab.money import in_reporting_currency, placeholder_batches
    from cimlab.settings import business_time_zone

    facts, _ = in_reporting_currency(
        ws, order_facts(ws), time_zone=business_time_zone(ws), placeholders=placeholder_batches(ws)
    )
    return facts


def refresh_rule_tags(
    ws: Workspace,
    *,
    as_of: dt.datetime | dt.date,
    at: dt.datetime,
    rules: Sequence[TagRule] = DEFAULT_RULES,
    user: str | None = None,
) -> pl.DataFrame:
    """Recompute rule tags for every customer of the identity map and store the changes.

    Customers that newly match a rule get an ``add`` event, those that no longer match a
    ``remove`` (previous tags of these rules are replaced; other rules are left alone). One
    transaction. Spend is compared in the reporting currency (orders in other currencies
    converted at the rate of their day; a missing rate raises
    :class:`~cimlab.errors.MissingRatesError`, nothing is written).

    Returns
    -------
    pl.DataFrame
        One row per rule: ``tag``, ``members`` (after the refresh), ``added``, ``removed``.

    Examples
    --------
    >>> import tempfile
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> refresh_rule_tags(ws, as_of=dt.date(2024, 6, 30),
    ...                   at=dt.datetime(2024, 7, 1, tzinfo=dt.UTC))["members"].to_list()
    [0, 0, 0]
    """
    rules = list(rules)
    if not all(isinstance(r, TagRule) for r in rules):
        raise TypeError("rules must be TagRule objects")
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise ValueError(f"rule names must be unique, got {names}")
    if ws.has_table("tag_events"):
        used = ws.query("SELECT DISTINCT tag FROM tag_events WHERE origin = 'manual'")
        manual_names = {t.casefold() for t in used["tag"].to_list()} if used.width else set()
        clash = [n for n in names if n.casefold() in manual_names]
        if clash:
            raise WorkspaceError(
                f"rule {clash[0]!r} has the name of a manual tag in use; rename the rule so a "
                "tag name has one meaning"
            )
    golden = golden_records(ws, include_orders=False)
    metrics = customer_metrics(_facts_in_one_currency(ws), golden, as_of=as_of)
    members = (
        pl.concat(
            [
                pl.DataFrame(
                    {"customer_id": r.members(metrics), "tag": r.name},
                    schema={"customer_id": pl.String, "tag": pl.String},
                )
                for r in rules
            ],
            how="vertical",
        )
        if rules
        else pl.DataFrame(schema={"customer_id": pl.String, "tag": pl.String})
    )

    def plan(current: pl.DataFrame) -> pl.DataFrame:
        stored = current.filter((pl.col("origin") == "rule") & pl.col("tag").is_in(names))
        added = members.join(stored, on=["customer_id", "tag"], how="anti")
        removed = stored.select("customer_id", "tag").join(
            members, on=["customer_id", "tag"], how="anti"
        )
        return pl.concat(
            [
                added.with_columns(pl.lit("add").alias("action")),
                removed.with_columns(pl.lit("remove").alias("action")),
            ],
            how="vertical",
        ).with_columns(pl.lit("rule").alias("origin"))

    note = f"as_of {as_of_datetime(as_of).isoformat()}"
    written = _write_changes(ws, plan, at=at, user=user, note=note)
    summary = pl.DataFrame({"tag": names}, schema={"tag": pl.String})
    counts = [
        members.group_by("tag").agg(pl.len().alias("members")),
        written.group_by("tag").agg(
            (pl.col("action") == "add").sum().alias("added"),
            (pl.col("action") == "remove").sum().alias("removed"),
        ),
    ]
    for c in counts:
        summary = summary.join(c, on="tag", how="left", maintain_order="left")
    return summary.with_columns(pl.exclude("tag").fill_null(0).cast(pl.Int64))
