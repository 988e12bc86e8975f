"""Customer 360: one customer's identities, golden record, history, tags and consent; search.

- :func:`customer_profile` gathers everything known about one ``customer_id`` into a
  :class:`CustomerProfile` (frames the app and the CLI render as they are).
- :func:`search` finds customers by name, phone, e-mail or source id; the input is normalised
  the way imports are (:func:`cimlab.ingest.parsing.normalize_phone`, :func:`normalize_email`) and the
  results carry masked names and contact data only.
- :func:`reveal_pii` returns unmasked contact data and logs who asked, when and why in the
  ``pii_reveals`` table (never the values). Callers decide who may call it (a role or setting).

Records are tied to customers through the ``identity_map`` table: before identity resolution
has run, every customer is unknown and :func:`search` finds nothing.

Examples
--------
>>> import tempfile
>>> from cimlab.workspace import Workspace
>>> search(Workspace.open(tempfile.mkdtemp()), "13800138000").height
0
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cimlab.contracts.columns import TABLES, polars_schema
from cimlab.customers.consent import (
    consent_state,
    consent_timeline,
    import_consent_events,
    manual_consent_events,
)
from cimlab.customers.golden import (
    ORDER_METRICS_SCHEMA,
    golden_lineage,
    golden_records,
    order_facts,
    order_metrics,
    spend_by_currency,
)
from cimlab.customers.tags import current_tags, tag_history, type_tags
from cimlab.dates import as_utc
from cimlab.errors import WorkspaceError
from cimlab.identity.tables import HOUSEHOLDS_SCHEMA
from cimlab.ingest.parsing import normalize_email, normalize_phone
from cimlab.privacy import mask_email_expr, mask_name_expr, mask_phone_expr, scrub_text
from cimlab.settings import source_priority as saved_source_priority
from cimlab.workspace import Workspace

__all__ = [
    "PII_REVEALS_DDL",
    "REVEALS_SCHEMA",
    "SEARCH_SCHEMA",
    "CustomerProfile",
    "customer_profile",
    "named_review_queue",
    "reveal_log",
    "reveal_pii",
    "search",
    "search_customers",
]

PII_REVEALS_DDL = """CREATE TABLE IF NOT EXISTS pii_reveals (
    reveal_id BIGINT NOT NULL PRIMARY KEY, customer_id VARCHAR NOT NULL,
    user_name VARCHAR NOT NULL, "at" TIMESTAMPTZ NOT NULL, reason VARCHAR NOT NULL,
    fields VARCHAR NOT NULL)"""

#: Columns of :func:`reveal_log`.
REVEALS_SCHEMA: dict[str, pl.DataType] = {
    "reveal_id": pl.Int64(),
    "customer_id": pl.String(),
    "user_name": pl.String(),
    "at": pl.Datetime("us", "UTC"),
    "reason": pl.String(),
    "fields": pl.String(),
}

#: Columns of :func:`search`.
SEARCH_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "display_name": pl.String(),
    "phone_masked": pl.String(),
    "email_masked": pl.String(),
    "channels": pl.List(pl.String()),
    "matched_on": pl.List(pl.String()),
}

# Match kinds, best first.
_KINDS = ("customer_id", "source_id", "email", "phone", "phone_partial", "name")
_PHONE_LIKE = re.compile(r"[0-9０-９+＋\s\-().*＊]+")
_MIN_PARTIAL_DIGITS = 4


@dataclass(frozen=True)
class CustomerProfile:
    """Everything known about one customer (the 360 view).

    Attributes
    ----------
    customer_id
        The unified id.
    golden
        The golden record row as a dict (:data:`cimlab.customers.golden.GOLDEN_SCHEMA`).
    identities
        One row per source record: ``channel, source_customer_id, tables`` (canonical tables
        holding rows of it), ``rule, key_type, score`` (why it belongs to this customer).
    lineage
        Every source value of the golden attributes (:func:`cimlab.customers.golden.golden_lineage`).
    orders
        Order lines (:func:`cimlab.customers.golden.order_facts` columns plus ``imported_at``), newest
        first.
    interactions, feedback
        Rows of those tables, newest first.
    tags
        Current tags (:func:`cimlab.customers.tags.customer_tags`), with the customer type pseudo-tag.
    consent
        Current consent per purpose (:data:`cimlab.customers.consent.CURRENT_SCHEMA`).
    consent_history
        Every consent event with the state after it (:data:`cimlab.customers.consent.TIMELINE_SCHEMA`).
    metrics
        ``first_purchase, last_purchase, orders`` (distinct orders with a paid line),
        ``gross_spend, refunds, net_spend, currency, channels`` (with a paid line),
        ``n_channels`` (see :func:`cimlab.customers.golden.order_metrics`). Money is never
        added across currencies: ``gross_spend``, ``refunds`` and ``net_spend`` are totals in
        ``currency``, the workspace's reporting currency (:mod:`cimlab.money`), each line
        converted at the rate valid on its day; when a line's currency has no rate that day
        they are None and ``missing_rates`` names the currencies lacking one (empty list
        otherwise). ``spend_by_currency`` lists the totals in each original currency
        (``currency, lines, gross_spend, refunds, net_spend``), as the orders carry them.
    household
        The customer's household (:data:`cimlab.identity.HOUSEHOLDS_SCHEMA`: one row per other
        customer sharing a phone or e-mail with them, the reason and the key masked), empty when
        they share none; :meth:`household_lines` says it in words.
    """

    customer_id: str
    golden: dict[str, Any]
    identities: pl.DataFrame
    lineage: pl.DataFrame
    orders: pl.DataFrame
    interactions: pl.DataFrame
    feedback: pl.DataFrame
    tags: pl.DataFrame
    consent: pl.DataFrame
    consent_history: pl.DataFrame
    metrics: dict[str, Any]
    household: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=HOUSEHOLDS_SCHEMA))

    def household_lines(self, lang: str = "en") -> list[str]:
        """One sentence per household link, contact data masked ("shares a phone
        (139****5670) with C000123").

        Examples
        --------
        >>> hh = pl.DataFrame({"customer_id": ["C000001"], "household_id": ["H000001"],
        ...                    "reason": ["shared_phone"], "shared_with": ["C000002"],
        ...                    "key_masked": ["139****5670"]})
        >>> view = CustomerProfile("C000001", {}, *[pl.DataFrame()] * 8, {}, household=hh)
        >>> view.household_lines()
        ['Household H000001: shares a phone (139****5670) with C000002']
        >>> view.household_lines("zh")
        ['家庭 H000001：与 C000002 共用手机号（139****5670）']
        """
        from cimlab.i18n import t

        return [
            t(f"cust.household_{r['reason']}", lang, household=r["household_id"],
              other=r["shared_with"], key=r["key_masked"] or "")
            for r in self.household.iter_rows(named=True)
        ]  # fmt: skip


def _empty_metrics(customer_id: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ORDER_METRICS_SCHEMA)
    row.update(
        customer_id=customer_id, orders=0, gross_spend=0.0, refunds=0.0, net_spend=0.0,
        channels=[], n_channels=0,
    )  # fmt: skip
    return row


def _money_metrics(
    ws: Workspace, orders: pl.DataFrame, customer_id: str, currency: str | None
) -> dict[str, Any]:
    """The metrics of :class:`CustomerProfile`: totals in the reporting currency (converted),
    or None with ``missing_rates``, or in ``currency`` only; ``spend_by_currency`` in the
    original currencies; ``placeholder_lines``."""
    from cimlab.errors import MissingRatesError, UnknownCurrencyError
    from cimlab.money import (
        check_currency,
        in_reporting_currency,
        order_currencies,
        placeholder_batches,
        reporting_currency,
    )
    from cimlab.settings import business_time_zone

    by_currency = spend_by_currency(orders).drop("customer_id").to_dicts()
    placeholders = placeholder_batches(ws)
    missing: list[str] = []
    if currency is not None:  # that currency's lines only, as they are
        code: str | None = check_currency(currency)
        present = order_currencies(ws)["currency"].to_list()
        if code not in present:
            raise UnknownCurrencyError(str(code), present)
        converted = orders.filter(pl.col("currency") == code)
    elif orders.height:
        try:
            converted, code = in_reporting_currency(
                ws,
                orders,
                time_zone=business_time_zone(ws),
                choice=reporting_currency(ws),
                placeholders=placeholders,
            )
        except MissingRatesError as exc:
            converted, code, missing = orders, exc.reporting, list(exc.currencies)
    else:
        converted, code = orders, None
    frame = order_metrics(converted)
    metrics = frame.row(0, named=True) if frame.height else _empty_metrics(customer_id)
    metrics.pop("customer_id", None)
    if code is not None:
        metrics["currency"] = code
    if missing:  # the dates and channels are known; the money total is not
        metrics.update(gross_spend=None, refunds=None, net_spend=None)
    metrics["missing_rates"] = missing
    metrics["spend_by_currency"] = by_currency
    metrics["placeholder_lines"] = (
        int(converted["batch_id"].is_in(placeholders).sum()) if placeholders else 0
    )
    return metrics


def customer_profile(
    ws: Workspace,
    customer_id: str,
    *,
    source_priority: Sequence[str] | None = None,
    currency: str | None = None,
) -> CustomerProfile:
    """The 360 view of ``customer_id`` (see :class:`CustomerProfile`).

    ``currency`` (an ISO code) makes the money metrics those of that currency's lines only,
    unconverted (:class:`~cimlab.errors.UnknownCurrencyError` when no order of the workspace
    is in it); by default they are converted into the reporting currency.

    Raises :class:`~cimlab.errors.WorkspaceError` when the id is not in the identity map.

    Examples
    --------
    >>> import tempfile
    >>> customer_profile(Workspace.open(tempfile.mkdtemp()), "C1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: unknown customer_id C1 ...
    """
    from cimlab.identity.store import customer_households

    imap = ws.customer_records([customer_id])
    if source_priority is None:  # the workspace's saved setting
        source_priority = saved_source_priority(ws)
    ids = [customer_id]
    frames = {
        t: ws.rows_with_import_time(t, columns=list(polars_schema(t)), records=imap) for t in TABLES
    }
    orders = order_facts(frames["orders"], imap).sort(
        "order_ts", "channel", "order_id", "line_number", descending=[True, False, False, False]
    )
    golden = golden_records(
        frames["customers"], imap, orders=frames["orders"], source_priority=source_priority
    )
    lineage = golden_lineage(
        frames["customers"], imap, orders=frames["orders"], source_priority=source_priority
    )
    present = pl.concat(
        [
            f.select("channel", "source_customer_id").unique().with_columns(pl.lit(t).alias("t"))
            for t, f in frames.items()
        ],
        how="vertical",
    )
    identities = imap.join(
        present.group_by("channel", "source_customer_id").agg(
            pl.col("t")
            .sort_by(pl.col("t").replace_strict(dict(zip(TABLES, range(len(TABLES)), strict=True))))
            .alias("tables")
        ),
        on=["channel", "source_customer_id"],
        how="left",
    ).select(
        "channel",
        "source_customer_id",
        pl.col("tables").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        "rule",
        "key_type",
        "score",
    )
    metrics = _money_metrics(ws, orders, customer_id, currency)
    history = consent_timeline(
        pl.concat(
            [
                import_consent_events(frames["customers"], imap),
                manual_consent_events(ws, customer_ids=ids),
            ],
            how="vertical",
        )
    )
    tags = pl.concat(
        [current_tags(tag_history(ws, customer_ids=ids)), type_tags(golden)], how="vertical"
    ).sort("customer_id", "origin", "tag")
    return CustomerProfile(
        customer_id=customer_id,
        golden=golden.row(0, named=True),
        identities=identities.sort("channel", "source_customer_id"),
        lineage=lineage,
        orders=orders,
        interactions=frames["interactions"].sort("ts", descending=True),
        feedback=frames["feedback"].sort("ts", descending=True),
        tags=tags,
        consent=consent_state(history).sort("purpose"),
        consent_history=history,
        metrics=metrics,
        household=customer_households(ws, ids),
    )


# ---------------------------------------------------------------------------- search


def _normalise(expr: pl.Expr) -> str | None:
    value = pl.select(expr.alias("v")).item()
    return value if isinstance(value, str) else None


def _search_sql(text: str, *, personal: bool = True) -> tuple[str, list[Any]]:
    """A UNION of ``(channel, source_customer_id, kind)`` hits over the canonical tables;
    ``personal=False``: source ids only (names, phones, e-mails are encrypted: see
    :func:`_personal_hits`)."""
    parts: list[str] = []
    params: list[Any] = []

    def add(table: str, condition: str, kind: str, *values: Any) -> None:
        parts.append(
            f"SELECT channel, source_customer_id, '{kind}' AS kind FROM {table} "
            f"WHERE source_customer_id IS NOT NULL AND {condition}"
        )
        params.extend(values)

    for table in TABLES:
        add(table, "lower(source_customer_id) = lower(?)", "source_id", text)
    if not personal:
        return " UNION ALL ".join(parts), params
    if "@" in text:
        email = _normalise(normalize_email(pl.lit(text)))
        for table in ("customers", "orders"):
            if email is not None:
                add(table, "email = ?", "email", email)
            else:
                add(table, "contains(lower(email), lower(?))", "email", text)
    digits = re.sub(r"[^0-9]", "", text.translate({0xFF10 + i: str(i) for i in range(10)}))
    if _PHONE_LIKE.fullmatch(text) and len(digits) >= 3:
        phone = _normalise(normalize_phone(pl.lit(text)))
        for table in ("customers", "orders"):
            if phone is not None and phone.startswith("+"):
                add(table, "phone = ?", "phone", phone)
            if len(digits) >= _MIN_PARTIAL_DIGITS:
                add(
                    table,
                    "contains(regexp_replace(phone, '[^0-9]', '', 'g'), ?)",
                    "phone_partial",
                    digits,
                )
    if re.search(r"[^\W\d_]", text):  # a letter (any script): look at names
        add("customers", "contains(lower(name), lower(?))", "name", text)
        add("orders", "contains(lower(customer_name), lower(?))", "name", text)
    return " UNION ALL ".join(parts), params


def _personal_hits(ws: Workspace, text: str) -> pl.DataFrame:
    """``(channel, source_customer_id, kind)`` hits on names, phones and e-mails of an encrypted
    workspace: the same rules as :func:`_search_sql`, on the values decrypted in memory."""
    conditions: list[tuple[str, pl.Expr]] = []
    lowered = text.lower()
    if "@" in text:
        email = _normalise(normalize_email(pl.lit(text)))
        if email is not None:
            conditions.append(("email", pl.col("email") == email))
        else:
            found = pl.col("email").str.to_lowercase().str.contains(lowered, literal=True)
            conditions.append(("email", found))
    digits = re.sub(r"[^0-9]", "", text.translate({0xFF10 + i: str(i) for i in range(10)}))
    if _PHONE_LIKE.fullmatch(text) and len(digits) >= 3:
        phone = _normalise(normalize_phone(pl.lit(text)))
        if phone is not None and phone.startswith("+"):
            conditions.append(("phone", pl.col("phone") == phone))
        if len(digits) >= _MIN_PARTIAL_DIGITS:
            stored = pl.col("phone").str.replace_all("[^0-9]", "")
            conditions.append(("phone_partial", stored.str.contains(digits, literal=True)))
    if re.search(r"[^\W\d_]", text):
        found = pl.col("name").str.to_lowercase().str.contains(lowered, literal=True)
        conditions.append(("name", found))
    schema = {"channel": pl.String(), "source_customer_id": pl.String(), "kind": pl.String()}
    if not conditions:
        return pl.DataFrame(schema=schema)
    rows = _clear_contacts(ws)
    frames = [
        rows.filter(condition.fill_null(False)).select(
            "channel", "source_customer_id", kind=pl.lit(kind)
        )
        for kind, condition in conditions
    ]
    return pl.concat(frames).unique().cast(schema)  # type: ignore[arg-type]


# (database path, its files' times and sizes) -> the decrypted contacts of that state
_CLEAR_CONTACTS: dict[tuple[str, tuple[int, ...]], pl.DataFrame] = {}


def _database_stamp(ws: Workspace) -> tuple[str, tuple[int, ...]]:
    stamp: list[int] = []
    for path in (ws.db_path, ws.db_path.with_name(ws.db_path.name + ".wal")):
        try:
            info = path.stat()
        except OSError:
            stamp += [-1, -1]
        else:
            stamp += [info.st_mtime_ns, info.st_size]
    return str(ws.db_path.resolve()), tuple(stamp)


def _clear_contacts(ws: Workspace) -> pl.DataFrame:
    """``channel, source_customer_id, name, phone, email`` of every customer and order row,
    decrypted once per state of the database (searches in a row reuse them, in memory only)."""
    stamp = _database_stamp(ws)
    known = _CLEAR_CONTACTS.get(stamp)
    if known is not None:
        return known
    frames = []
    for table, name in (("customers", "name"), ("orders", "customer_name")):
        rows = ws.query(
            f'SELECT channel, source_customer_id, "{name}" AS name, phone, email FROM {table} '
            "WHERE source_customer_id IS NOT NULL AND "
            f'("{name}" IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL)'
        )
        frames.append(ws.decrypt(rows.rename({"name": name}), table).rename({name: "name"}))
    contacts = pl.concat(frames)
    if _database_stamp(ws) == stamp:  # nothing wrote meanwhile
        _CLEAR_CONTACTS.clear()  # one state at a time
        _CLEAR_CONTACTS[stamp] = contacts
    return contacts


def search_customers(ws: Workspace, text: str, *, limit: int = 50) -> pl.DataFrame:
    """Customers whose records match ``text`` (:data:`SEARCH_SCHEMA`), best matches first.

    What is tried:

    - **customer id**: the unified ``customer_id`` itself (case-insensitive);
    - **source id**: any table's ``source_customer_id`` equal to ``text`` (case-insensitive);
    - **e-mail** (text with ``@``): the normalised address, exactly; a partial address
      (``alice@``) as a substring;
    - **phone** (digits, spaces, ``+ - ( )``): the number normalised to E.164, exactly; with 4 or
      more digits also any phone whose digits contain them (last 4 digits, partial numbers,
      platform-masked ``138****1234`` found by ``1234``);
    - **name** (text with a letter or a Chinese character): a case-insensitive substring of the
      customer name or the buyer name on orders.

    Results are ranked by their best kind of match (in the order above), then ``customer_id``;
    ``matched_on`` lists the kinds. ``display_name`` is the golden name, masked like phone and
    e-mail (``林**``, ``138****8000``, ``a***@x.com``): results are lists, and full details are
    for the 360 view's audited reveal (:func:`reveal_pii`).

    Examples
    --------
    >>> import tempfile
    >>> search(Workspace.open(tempfile.mkdtemp()), "alice@example.com").columns[:3]
    ['customer_id', 'display_name', 'phone_masked']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit={limit!r} must be a whole number >= 1")
    text = text.strip()
    if not text or not ws.has_table("identity_map"):
        return pl.DataFrame(schema=SEARCH_SCHEMA)
    hits_sql, params = _search_sql(text, personal=not ws.encrypted)
    hits = ws.query(
        f"SELECT m.customer_id, h.kind FROM ({hits_sql}) h JOIN identity_map m "
        "USING (channel, source_customer_id) UNION ALL SELECT DISTINCT customer_id, "
        "'customer_id' AS kind FROM identity_map WHERE upper(customer_id) = upper(?)",
        [*params, text],
    )
    if ws.encrypted:
        personal = _personal_hits(ws, text).join(
            ws.identity_map().select("channel", "source_customer_id", "customer_id"),
            on=["channel", "source_customer_id"],
        )
        hits = pl.concat([hits, personal.select(hits.columns).cast(hits.schema)])
    if hits.height == 0:
        return pl.DataFrame(schema=SEARCH_SCHEMA)
    order = {k: i for i, k in enumerate(_KINDS)}
    ranked = (
        hits.with_columns(pl.col("kind").replace_strict(order, return_dtype=pl.Int64).alias("_r"))
        .sort("_r")
        .group_by("customer_id")
        .agg(
            pl.col("_r").first().alias("_best"),
            pl.col("kind").unique(maintain_order=True).alias("matched_on"),
        )
        .sort("_best", "customer_id")
        .head(limit)
    )
    golden = golden_records(ws, customer_ids=ranked["customer_id"].to_list())
    out = ranked.join(golden, on="customer_id", how="left", maintain_order="left").select(
        "customer_id",
        mask_name_expr(pl.col("name")).alias("display_name"),
        mask_phone_expr(pl.col("phone")).alias("phone_masked"),
        mask_email_expr(pl.col("email")).alias("email_masked"),
        "channels",
        "matched_on",
    )
    return out.cast(pl.Schema(SEARCH_SCHEMA))


# ---------------------------------------------------------------------------- reveal


def reveal_pii(
    ws: Workspace, customer_id: str, *, user: str, at: dt.datetime, reason: str
) -> dict[str, Any]:
    """Unmasked contact data of one customer; logs the reveal in ``pii_reveals`` first.

    The log row holds who (``user``), when (``at``), the customer, the reason (phone numbers,
    e-mail addresses and identity numbers typed into it are masked by
    :func:`cimlab.privacy.scrub_text`) and which fields were shown, never the values. The caller (app, CLI) decides who may reveal (a role or a setting).

    Returns
    -------
    dict
        ``customer_id``, ``name``, ``phone``, ``email`` (golden record) and ``phones``,
        ``emails``: every valid unmasked phone / e-mail known from the customer's records.

    Examples
    --------
    >>> import tempfile
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> reveal_pii(ws, "C1", user="", at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), reason="call")
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: user='' must name who reveals the data (the log needs it)
    """
    if not isinstance(user, str) or not user.strip():
        raise WorkspaceError(f"user={user!r} must name who reveals the data (the log needs it)")
    if not isinstance(reason, str) or not reason.strip():
        raise WorkspaceError("a reason is required to reveal personal data (it is logged)")
    when = as_utc(at, error=WorkspaceError)
    ws.customer_records([customer_id])
    golden = golden_records(ws, customer_ids=[customer_id]).row(0, named=True)
    lineage = golden_lineage(ws, customer_ids=[customer_id]).filter(
        pl.col("valid") & pl.col("attribute").is_in(["phone", "email"])
    )
    normal = {
        "phone": normalize_phone(pl.col("value")),
        "email": normalize_email(pl.col("value")),
    }
    values: dict[str, list[str]] = {}
    for attribute, expr in normal.items():
        part = lineage.filter(pl.col("attribute") == attribute)
        values[attribute] = (
            part.select(expr.alias("v"))["v"].drop_nulls().unique(maintain_order=True).to_list()
        )
    revealed = {
        "customer_id": customer_id,
        "name": golden["name"],
        "phone": golden["phone"],
        "email": golden["email"],
        "phones": values["phone"],
        "emails": values["email"],
    }
    fields = ",".join(f for f, v in revealed.items() if f != "customer_id" and v) or "none"
    with ws.transaction() as con:
        con.execute(PII_REVEALS_DDL)
        reveal_id = int(
            con.execute("SELECT coalesce(max(reveal_id), 0) + 1 FROM pii_reveals").fetchall()[0][0]
        )
        con.execute(
            "INSERT INTO pii_reveals VALUES (?, ?, ?, ?, ?, ?)",
            [reveal_id, customer_id, user.strip(), when, scrub_text(reason.strip()), fields],
        )  # fmt: skip
    return revealed


def reveal_log(ws: Workspace, *, customer_id: str | None = None) -> pl.DataFrame:
    """The ``pii_reveals`` log (:data:`REVEALS_SCHEMA`), oldest first.

    Examples
    --------
    >>> import tempfile
    >>> reveal_log(Workspace.open(tempfile.mkdtemp())).height
    0
    """
    if not ws.has_table("pii_reveals"):
        return pl.DataFrame(schema=REVEALS_SCHEMA)
    columns = ", ".join(f'"{c}"' for c in REVEALS_SCHEMA)
    sql = f"SELECT {columns} FROM pii_reveals"
    params: list[Any] = []
    if customer_id is not None:
        sql += " WHERE customer_id = ?"
        params.append(customer_id)
    frame = ws.query(sql + " ORDER BY reveal_id", params)
    if frame.width == 0:
        return pl.DataFrame(schema=REVEALS_SCHEMA)
    return frame.cast(pl.Schema(REVEALS_SCHEMA))


search = search_customers  # the name before cimlab 0.2, kept as an alias


def named_review_queue(ws: Workspace) -> pl.DataFrame:
    """The open fuzzy proposals of :func:`cimlab.identity.review_queue`, best first, with the
    golden name of each side's customer (``name_a``, ``name_b``; null when unknown).

    The names are raw data (shown masked by callers that need it, as in the app).

    Examples
    --------
    >>> import tempfile
    >>> named_review_queue(Workspace.open(tempfile.mkdtemp())).columns[-2:]
    ['name_a', 'name_b']
    """
    from cimlab.identity import review_queue

    queue = review_queue(ws)
    if queue.is_empty():
        return queue.with_columns(name_a=pl.lit(None, pl.String), name_b=pl.lit(None, pl.String))
    ids = pl.concat([queue["customer_id_a"], queue["customer_id_b"]]).drop_nulls().unique()
    names = golden_records(ws, customer_ids=ids.to_list(), include_orders=True).select(
        "customer_id", "name"
    )
    for side in ("a", "b"):
        queue = queue.join(
            names.rename({"customer_id": f"customer_id_{side}", "name": f"name_{side}"}),
            on=f"customer_id_{side}",
            how="left",
            maintain_order="left",
        )
    return queue
