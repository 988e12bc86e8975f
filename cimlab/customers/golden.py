"""The golden record: one profile row per unified customer, and order facts without double counts.

A customer (``customer_id`` of the ``identity_map`` table) gathers source records
``(channel, source_customer_id)``. Their values compete attribute by attribute under these
**survivorship rules**, applied in this order:

1. **Validity.** Null and blank values never compete. ``email`` competes only when
   :func:`cimlab.ingest.parsing.normalize_email` accepts it and it is not masked (``a***@x.com``),
   ``phone`` only when it is unmasked and
   :func:`cimlab.ingest.parsing.normalize_phone` turns it into E.164 (platform-masked numbers such as
   ``138****1234`` and virtual numbers never win, even when nothing else is known).
2. **Masked values lose.** A masked ``name`` (``林**``) is taken only when no source record has an
   unmasked one.
3. **Source priority** (optional setting ``source_priority``, a list of channels, best first):
   a value from a listed channel beats any value from a channel listed later or not at all,
   whatever the dates. Read from a workspace, the workspace's saved setting applies unless the
   call gives one (:func:`cimlab.settings.set_source_priority`).
4. **Registered data beats order data.** Values of the ``customers`` table beat the buyer
   name/phone/e-mail/address typed on ``orders``; order values fill only what no customer
   record says (each distinct set of buyer details of a record counts once, dated by its
   latest order line).
5. **Recency.** The most recent value wins: latest batch ``imported_at``, then latest
   ``signup_date`` (orders: order date), then the later batch and the later source line.

Two attributes have their own rule: ``signup_date`` is the **earliest** known signup date (a
customer is a customer since they first signed up), and ``customer_type`` is ``business`` when
any customer record says so, otherwise ``individual`` (the import writes ``individual`` when a
file does not say, so ``individual`` carries no information). Consent is not part of the golden
record (see :mod:`cimlab.customers.consent`).

Each attribute ``a`` comes with ``a_source`` = ``"channel/source_customer_id"`` of the record it
came from; :func:`golden_lineage` lists every source value with the one that was selected.

Orders: the workspace refuses an order line whose ``(channel, order_id, line_number)`` is
already stored, so the same order exported in two files is stored once; :func:`order_facts`
attaches ``customer_id`` (and drops such repeats in frames that did not come from a workspace)
and :func:`order_metrics` counts orders and spend per customer.

Examples
--------
>>> import polars as pl
>>> imap = pl.DataFrame({"channel": ["shop", "tmall"], "source_customer_id": ["1", "t1"],
...                      "customer_id": ["C1", "C1"]})
>>> customers = pl.DataFrame({"channel": ["shop", "tmall"], "source_customer_id": ["1", "t1"],
...                           "name": ["Ann Lee", "林**"], "name_is_masked": [False, True],
...                           "batch_id": [1, 2]})
>>> golden_records(customers, imap).select("customer_id", "name", "name_source").row(0)
('C1', 'Ann Lee', 'shop/1')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from cimlab.contracts.columns import polars_schema
from cimlab.dates import as_utc
from cimlab.ingest.parsing import is_masked_phone, normalize_email, normalize_phone
from cimlab.lines import money_sum, net_amount, refund_amount
from cimlab.settings import source_priority as saved_source_priority
from cimlab.workspace import IDENTITY_MAP_SCHEMA as WORKSPACE_IDENTITY_MAP_SCHEMA
from cimlab.workspace import Workspace

__all__ = [
    "ATTRIBUTES",
    "GOLDEN_SCHEMA",
    "IDENTITY_MAP_SCHEMA",
    "LINEAGE_SCHEMA",
    "ORDER_METRICS_SCHEMA",
    "SPEND_BY_CURRENCY_SCHEMA",
    "check_customers",
    "existing_tables",
    "golden_lineage",
    "golden_records",
    "net_amount",
    "order_facts",
    "order_metrics",
    "read_identity_map",
    "refund_amount",
    "rows_with_import_time",
    "spend_by_currency",
    "table_exists",
]

#: Columns of :func:`read_identity_map` (:data:`cimlab.workspace.IDENTITY_MAP_SCHEMA`).
IDENTITY_MAP_SCHEMA: dict[str, pl.DataType] = dict(WORKSPACE_IDENTITY_MAP_SCHEMA)

#: Attributes of the golden record, in output order.
ATTRIBUTES: tuple[str, ...] = (
    "name",
    "email",
    "phone",
    "gender",
    "birth_date",
    "city",
    "region",
    "country",
    "signup_date",
    "customer_type",
    "company",
)

_CUSTOMER_SCHEMA = polars_schema("customers")
_ATTR_DTYPES: dict[str, pl.DataType] = {a: _CUSTOMER_SCHEMA[a] for a in ATTRIBUTES}

#: Columns of :func:`golden_records`: ``customer_id``, each attribute followed by its
#: ``*_source``, ``name_is_masked``, ``n_records`` and ``channels``.
GOLDEN_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    **{
        col: dtype
        for a in ATTRIBUTES
        for col, dtype in ((a, _ATTR_DTYPES[a]), (f"{a}_source", pl.String()))
    },
    "name_is_masked": pl.Boolean(),
    "n_records": pl.UInt32(),
    "channels": pl.List(pl.String()),
}

#: Columns of :func:`golden_lineage`: one row per non-null source value.
LINEAGE_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "attribute": pl.String(),
    "value": pl.String(),
    "channel": pl.String(),
    "source_customer_id": pl.String(),
    "table": pl.String(),
    "batch_id": pl.Int64(),
    "source_line": pl.Int64(),
    "imported_at": pl.Datetime("us", "UTC"),
    "masked": pl.Boolean(),
    "valid": pl.Boolean(),
    "selected": pl.Boolean(),
}

#: Columns of :func:`order_metrics`.
ORDER_METRICS_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "first_purchase": pl.Datetime("us", "UTC"),
    "last_purchase": pl.Datetime("us", "UTC"),
    "orders": pl.UInt32(),
    "gross_spend": pl.Float64(),
    "refunds": pl.Float64(),
    "net_spend": pl.Float64(),
    "currency": pl.String(),
    "channels": pl.List(pl.String()),
    "n_channels": pl.UInt32(),
}

_ORDER_KEY = ["channel", "order_id", "line_number"]
_RECORD_KEY = ["channel", "source_customer_id"]
# Order columns that describe the buyer, renamed to golden attributes.
_ORDER_CONTACT = {
    "customer_name": "name",
    "email": "email",
    "phone": "phone",
    "city": "city",
    "region": "region",
    "country": "country",
}


# ---------------------------------------------------------------------------- workspace reads
# The generic table reads live on the workspace (one identity-map reader for every module);
# these names are kept as aliases.

existing_tables = Workspace.table_names
table_exists = Workspace.has_table
read_identity_map = Workspace.identity_map
check_customers = Workspace.customer_records
rows_with_import_time = Workspace.rows_with_import_time


# ---------------------------------------------------------------------------- golden record


def _map_keys(identity_map: pl.DataFrame) -> pl.DataFrame:
    """``channel, source_customer_id, customer_id`` as strings, one row per source record."""
    columns = [*_RECORD_KEY, "customer_id"]
    missing = [c for c in columns if c not in identity_map.columns]
    if missing:
        raise ValueError(f"the identity_map frame has no column {', '.join(missing)}")
    return identity_map.select(pl.col(c).cast(pl.String) for c in columns).unique(
        _RECORD_KEY, keep="first", maintain_order=True
    )


def _source_rank(source_priority: Sequence[str] | None) -> pl.Expr:
    if source_priority is None:
        return pl.lit(0, dtype=pl.Int64)
    if isinstance(source_priority, str):
        raise TypeError(
            f"source_priority={source_priority!r} must be a list of channels, best first"
        )
    ranks = {channel: i for i, channel in enumerate(dict.fromkeys(source_priority))}
    return pl.col("channel").replace_strict(ranks, default=len(ranks), return_dtype=pl.Int64)


def _candidates(
    customers: pl.DataFrame,
    identity_map: pl.DataFrame,
    orders: pl.DataFrame | None,
    source_priority: Sequence[str] | None,
) -> pl.DataFrame:
    """Every source row that may give values, with customer_id, validity and rank, best first."""
    missing = [c for c in _RECORD_KEY if c not in customers.columns]
    if missing:
        raise ValueError(f"the customers frame has no column {', '.join(missing)}")
    imap = _map_keys(identity_map)

    def prepare(frame: pl.DataFrame, table: str, rename: dict[str, str]) -> pl.DataFrame:
        frame = frame.rename({k: v for k, v in rename.items() if k in frame.columns})
        date = "order_ts" if table == "orders" else "signup_date"
        recency = pl.col(date) if date in frame.columns else pl.lit(None)
        if table == "orders":
            recency = recency.cast(pl.Datetime("us", "UTC")).dt.date()
        columns = [
            pl.col(c).cast(_ATTR_DTYPES[c])
            if c in frame.columns
            else pl.lit(None).cast(_ATTR_DTYPES[c]).alias(c)
            for c in ATTRIBUTES
        ]
        if table == "orders":  # orders say nothing about type, company, gender, birth or signup
            columns = [
                c if a in _ORDER_CONTACT.values() else pl.lit(None).cast(_ATTR_DTYPES[a]).alias(a)
                for a, c in zip(ATTRIBUTES, columns, strict=True)
            ]

        def opt(name: str, dtype: pl.DataType, default: Any = None) -> pl.Expr:
            if name in frame.columns:
                return pl.col(name).cast(dtype)
            return pl.lit(default, dtype=dtype).alias(name)

        return frame.select(
            pl.col("channel").cast(pl.String),
            pl.col("source_customer_id").cast(pl.String),
            pl.lit(table).alias("table"),
            opt("batch_id", pl.Int64()),
            opt("source_line", pl.Int64()),
            opt("imported_at", pl.Datetime("us", "UTC")),
            recency.cast(pl.Date).alias("_recency"),
            opt("name_is_masked", pl.Boolean(), False).fill_null(False),
            opt("phone_is_masked", pl.Boolean(), False).fill_null(False),
            *columns,
        )

    parts = [prepare(customers, "customers", {})]
    if orders is not None:
        contact = [
            c for c in (*_ORDER_CONTACT, "name_is_masked", "phone_is_masked") if c in orders.columns
        ]
        recency = [
            c for c in ("imported_at", "order_ts", "batch_id", "source_line") if c in orders.columns
        ]
        values = [c for c in contact if c in _ORDER_CONTACT]
        # One candidate per record and distinct contact details, dated by its latest line.
        order_rows = (
            orders.filter(
                pl.col("source_customer_id").is_not_null()
                & pl.any_horizontal(pl.col(c).is_not_null() for c in values)
            )
            .group_by([*_RECORD_KEY, *contact])
            .agg(pl.col(c).max() for c in recency)
            if values
            else orders.head(0).select(*_RECORD_KEY, *recency)
        )
        parts.append(prepare(order_rows, "orders", {"customer_name": "name"}))
    rows = pl.concat(parts, how="vertical")
    rows = rows.join(imap, on=_RECORD_KEY, how="inner")

    blank = {
        a: pl.col(a).str.strip_chars().str.len_chars() == 0
        for a in ATTRIBUTES
        if _ATTR_DTYPES[a] == pl.String
    }
    email = normalize_email(pl.col("email"))
    phone = normalize_phone(pl.col("phone"))
    valid_phone = (
        ~pl.col("phone_is_masked") & ~is_masked_phone(pl.col("phone")) & phone.str.starts_with("+")
    )
    rows = rows.with_columns(
        *(
            pl.when(cond).then(None).otherwise(pl.col(a)).alias(a)
            for a, cond in blank.items()
            if a not in ("email", "phone")
        ),
        pl.when(~_masked_email()).then(email).alias("_email_norm"),
        pl.when(valid_phone).then(phone).alias("_phone_norm"),
        _source_rank(source_priority).alias("_prio"),
        (pl.col("table") == "orders").cast(pl.Int8).alias("_table_rank"),
        pl.format("{}/{}", "channel", "source_customer_id").alias("_src"),
    )
    rows = rows.sort(
        [
            "customer_id",
            "_prio",
            "_table_rank",
            "imported_at",
            "_recency",
            "batch_id",
            "source_line",
        ],
        descending=[False, False, False, True, True, True, True],
        nulls_last=True,
        maintain_order=True,
    )
    return rows.with_row_index("_cand")


def _masked_email() -> pl.Expr:
    """An e-mail a platform masked (``a***@x.com``): never a contact address."""
    return pl.col("email").str.contains("*", literal=True).fill_null(False)


def _pick_expressions() -> list[pl.Expr]:
    """Per customer, the index of the candidate row each attribute is taken from."""
    cand = pl.col("_cand")
    picks = []
    for a in ATTRIBUTES:
        if a == "name":
            unmasked = cand.filter(pl.col("name").is_not_null() & ~pl.col("name_is_masked")).first()
            masked = cand.filter(pl.col("name").is_not_null() & pl.col("name_is_masked")).first()
            pick = pl.coalesce(unmasked, masked)
        elif a == "email":
            pick = cand.filter(pl.col("_email_norm").is_not_null()).first()
        elif a == "phone":
            pick = cand.filter(pl.col("_phone_norm").is_not_null()).first()
        elif a == "signup_date":
            known = pl.col("signup_date").is_not_null()
            pick = cand.filter(known).sort_by(pl.col("signup_date").filter(known)).first()
        elif a == "customer_type":
            business = cand.filter(pl.col("customer_type") == "business").first()
            pick = pl.coalesce(business, cand.filter(pl.col("customer_type").is_not_null()).first())
        else:
            pick = cand.filter(pl.col(a).is_not_null()).first()
        picks.append(pick.alias(f"_pick_{a}"))
    return picks


def _picks(candidates: pl.DataFrame) -> pl.DataFrame:
    return candidates.group_by("customer_id", maintain_order=True).agg(*_pick_expressions())


def _customers_and_map(
    source: Workspace | pl.DataFrame,
    identity_map: pl.DataFrame | None,
    orders: pl.DataFrame | None,
    customer_ids: Sequence[str] | None,
    include_orders: bool,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame | None]:
    if isinstance(source, Workspace):
        if identity_map is None:
            imap = read_identity_map(source, customer_ids=customer_ids)
        elif customer_ids is not None:
            imap = identity_map.filter(pl.col("customer_id").is_in(list(customer_ids)))
        else:
            imap = identity_map
        records = None if customer_ids is None else imap
        customers = rows_with_import_time(
            source, "customers", columns=list(_CUSTOMER_SCHEMA), records=records
        )
        if orders is None and include_orders:
            columns = [
                *_RECORD_KEY,
                "order_ts",
                *_ORDER_CONTACT,
                "name_is_masked",
                "phone_is_masked",
            ]
            orders = rows_with_import_time(
                source, "orders", columns=list(dict.fromkeys(columns)), records=records
            )
    elif isinstance(source, pl.DataFrame):
        if identity_map is None:
            raise TypeError("golden_records(customers, identity_map): pass the identity map frame")
        imap, customers = identity_map, source
    else:
        raise TypeError(
            f"expected a Workspace or a customers DataFrame, not {type(source).__name__}"
        )
    if customer_ids is not None:
        imap = imap.filter(pl.col("customer_id").is_in(list(customer_ids)))
    return customers, imap, orders


def golden_records(
    source: Workspace | pl.DataFrame,
    identity_map: pl.DataFrame | None = None,
    *,
    orders: pl.DataFrame | None = None,
    source_priority: Sequence[str] | None = None,
    customer_ids: Sequence[str] | None = None,
    include_orders: bool = True,
) -> pl.DataFrame:
    """One row per ``customer_id`` of the identity map, with survivorship (see module docs).

    Parameters
    ----------
    source
        A :class:`~cimlab.workspace.Workspace` (customers, orders, batch times and the
        ``identity_map`` table are read from it), or a customers frame: the columns of the
        ``customers`` table that it has (at least ``channel``, ``source_customer_id``), plus
        optionally ``batch_id``, ``source_line`` and ``imported_at`` for recency.
    identity_map
        ``channel, source_customer_id, customer_id`` (more columns are ignored); required with a
        frame, read from the workspace when omitted.
    orders
        Order lines whose buyer name, phone, e-mail and address fill what no customer record
        says. Read from the workspace unless ``include_orders=False``.
    source_priority
        Channels, best first; a listed channel beats later and unlisted ones, before recency.
    customer_ids
        Only these customers (the 360 view of one customer).
    include_orders
        With a workspace, use order contact data (default) or not.

    Returns
    -------
    pl.DataFrame
        :data:`GOLDEN_SCHEMA`; a customer with no usable value for an attribute has null there
        (and a null ``*_source``). Customers are those of the identity map; records that are not
        in the map are left out.

    Examples
    --------
    >>> import datetime as dt
    >>> imap = pl.DataFrame({"channel": ["shop", "store"], "source_customer_id": ["1", "9"],
    ...                      "customer_id": ["C1", "C1"]})
    >>> rows = pl.DataFrame({"channel": ["shop", "store"], "source_customer_id": ["1", "9"],
    ...                      "city": ["Beijing", "Shanghai"], "batch_id": [1, 2],
    ...                      "imported_at": [dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    ...                                      dt.datetime(2024, 2, 1, tzinfo=dt.UTC)]})
    >>> golden_records(rows, imap).select("city", "city_source").row(0)
    ('Shanghai', 'store/9')
    >>> golden_records(rows, imap, source_priority=["shop"]).select("city", "city_source").row(0)
    ('Beijing', 'shop/1')
    """
    customers, imap, orders = _customers_and_map(
        source, identity_map, orders, customer_ids, include_orders
    )
    if source_priority is None and isinstance(source, Workspace):
        source_priority = saved_source_priority(source)
    candidates = _candidates(customers, imap, orders, source_priority)
    picks = _picks(candidates)
    members = (
        imap.group_by("customer_id")
        .agg(
            pl.len().alias("n_records"),
            pl.col("channel").unique().sort().alias("channels"),
        )
        .sort("customer_id")
    )
    out = members.join(picks, on="customer_id", how="left", maintain_order="left")
    values: list[pl.Series] = []
    for a in ATTRIBUTES:
        idx = out[f"_pick_{a}"]
        column = {"email": "_email_norm", "phone": "_phone_norm"}.get(a, a)
        values.append(candidates[column].gather(idx).alias(a).cast(_ATTR_DTYPES[a]))
        values.append(candidates["_src"].gather(idx).alias(f"{a}_source"))
    masked = (
        candidates["name_is_masked"]
        .gather(out["_pick_name"])
        .fill_null(False)
        .alias("name_is_masked")
    )
    out = out.with_columns(*values, masked)
    out = out.with_columns(
        pl.col("customer_type").fill_null("individual"),
    )
    return out.select(list(GOLDEN_SCHEMA)).cast(pl.Schema(GOLDEN_SCHEMA))


def golden_lineage(
    source: Workspace | pl.DataFrame,
    identity_map: pl.DataFrame | None = None,
    *,
    orders: pl.DataFrame | None = None,
    source_priority: Sequence[str] | None = None,
    customer_ids: Sequence[str] | None = None,
    include_orders: bool = True,
) -> pl.DataFrame:
    """Every non-null source value of every golden attribute, and which one was selected.

    Same parameters as :func:`golden_records`. Rows are ordered customer, attribute (in
    :data:`ATTRIBUTES` order): the selected value first, then the other valid unmasked values
    in survivorship order, then masked and invalid ones. ``value`` is text (dates ISO);
    ``masked`` marks masked names, phones and e-mails; ``valid`` is whether the value may be
    selected at all (masked phones and e-mails, malformed ones, may not).

    Examples
    --------
    >>> imap = pl.DataFrame({"channel": ["shop", "tmall"], "source_customer_id": ["1", "t1"],
    ...                      "customer_id": ["C1", "C1"]})
    >>> rows = pl.DataFrame({"channel": ["shop", "tmall"], "source_customer_id": ["1", "t1"],
    ...                      "phone": ["+8613800138000", "138****1234"],
    ...                      "phone_is_masked": [False, True]})
    >>> golden_lineage(rows, imap).select("value", "valid", "selected").rows()
    [('+8613800138000', True, True), ('138****1234', False, False)]
    """
    customers, imap, orders = _customers_and_map(
        source, identity_map, orders, customer_ids, include_orders
    )
    if source_priority is None and isinstance(source, Workspace):
        source_priority = saved_source_priority(source)
    candidates = _candidates(customers, imap, orders, source_priority)
    picks = (
        _picks(candidates)
        .unpivot(index="customer_id", variable_name="attribute", value_name="_chosen")
        .with_columns(pl.col("attribute").str.strip_prefix("_pick_"))
    )
    base = [
        "customer_id",
        "channel",
        "source_customer_id",
        "table",
        "batch_id",
        "source_line",
        "imported_at",
        "_cand",
    ]
    parts = []
    for i, a in enumerate(ATTRIBUTES):
        masked = pl.lit(False)
        valid = pl.lit(True)
        if a == "name":
            masked = pl.col("name_is_masked")
        elif a == "phone":
            masked = pl.col("phone_is_masked") | is_masked_phone(pl.col("phone"))
            valid = pl.col("_phone_norm").is_not_null()
        elif a == "email":
            masked = _masked_email()
            valid = pl.col("_email_norm").is_not_null()
        parts.append(
            candidates.filter(pl.col(a).is_not_null()).select(
                *base,
                pl.lit(a).alias("attribute"),
                pl.lit(i).alias("_attr_pos"),
                pl.col(a).cast(pl.String).alias("value"),
                masked.alias("masked"),
                valid.alias("valid"),
            )
        )
    long = pl.concat(parts, how="vertical")
    long = long.join(picks, on=["customer_id", "attribute"], how="left")
    long = long.with_columns(
        (pl.col("_cand") == pl.col("_chosen")).fill_null(False).alias("selected"),
    ).sort(
        ["customer_id", "_attr_pos", "selected", "valid", "masked", "_cand"],
        descending=[False, False, True, True, False, False],
        maintain_order=True,
    )
    return long.select(list(LINEAGE_SCHEMA)).cast(pl.Schema(LINEAGE_SCHEMA))


# ---------------------------------------------------------------------------- orders
# net_amount and refund_amount are the rules of cimlab.lines (imported above, names kept).


def order_facts(
    source: Workspace | pl.DataFrame, identity_map: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Order lines with ``customer_id`` (first column), ``net_amount`` and ``refund_amount``.

    Parameters
    ----------
    source
        A workspace (its ``orders`` table, active batches, without the buyer's name, phone and
        e-mail: null, never read nor decrypted) or an orders frame.
    identity_map
        ``channel, source_customer_id, customer_id``; read from the workspace when omitted (an
        orders frame without a map raises).

    Returns
    -------
    pl.DataFrame
        Every order line once: a repeated ``(channel, order_id, line_number)`` keeps its first
        occurrence (lowest ``batch_id``/``source_line`` when present), the rule the workspace
        applies at import. Lines whose buyer is not in the map (or has no
        ``source_customer_id``) have a null ``customer_id``.

    Examples
    --------
    >>> imap = pl.DataFrame({"channel": ["shop"], "source_customer_id": ["1"], "customer_id": ["C1"]})
    >>> lines = pl.DataFrame({"order_id": ["A", "A"], "line_number": [1, 1], "channel": ["shop"] * 2,
    ...                       "source_customer_id": ["1", "1"], "amount": [5.0, 5.0],
    ...                       "status": ["paid", "paid"]})
    >>> order_facts(lines, imap).select("customer_id", "order_id", "net_amount").rows()
    [('C1', 'A', 5.0)]
    """
    if isinstance(source, Workspace):
        orders = source.table("orders", personal=False)  # analyses never need the contacts
        imap = read_identity_map(source) if identity_map is None else identity_map
    elif isinstance(source, pl.DataFrame):
        if identity_map is None:
            raise TypeError("order_facts(orders, identity_map): pass the identity map frame")
        orders, imap = source, identity_map
    else:
        raise TypeError(f"expected a Workspace or an orders DataFrame, not {type(source).__name__}")
    missing = [
        c
        for c in (*_ORDER_KEY, "source_customer_id", "amount", "status")
        if c not in orders.columns
    ]
    if missing:
        raise ValueError(f"the orders frame has no column {', '.join(missing)}")
    lines = orders.lazy()
    if not isinstance(
        source, Workspace
    ):  # a workspace holds each line once (import refuses repeats)
        order = [c for c in ("batch_id", "source_line") if c in orders.columns]
        if order:
            lines = lines.sort(order, nulls_last=True, maintain_order=True)
        lines = lines.unique(_ORDER_KEY, keep="first", maintain_order=True)
    facts = lines.join(_map_keys(imap).lazy(), on=_RECORD_KEY, how="left", maintain_order="left")
    return facts.select(
        "customer_id", pl.exclude("customer_id"), net_amount(), refund_amount()
    ).collect()


#: Columns of :func:`spend_by_currency`.
SPEND_BY_CURRENCY_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "currency": pl.String(),
    "lines": pl.UInt32(),
    "gross_spend": pl.Float64(),
    "refunds": pl.Float64(),
    "net_spend": pl.Float64(),
}


def spend_by_currency(facts: pl.DataFrame) -> pl.DataFrame:
    """Per customer and currency: ``lines``, ``gross_spend``, ``refunds``, ``net_spend`` in that
    currency (exact sums; the rules of :func:`order_metrics`), by customer then currency.

    Examples
    --------
    >>> facts = pl.DataFrame({"customer_id": ["C1"] * 3, "amount": [10.0, 5.0, 8.0],
    ...     "currency": ["CNY", "CNY", "BRL"], "status": ["paid", "refunded", "paid"]})
    >>> spend_by_currency(facts).select("currency", "gross_spend", "net_spend").rows()
    [('BRL', 8.0, 8.0), ('CNY', 15.0, 10.0)]
    """
    frame = facts.filter(pl.col("customer_id").is_not_null())
    if "net_amount" not in frame.columns:
        frame = frame.with_columns(net_amount())
    if "refund_amount" not in frame.columns:
        frame = frame.with_columns(refund_amount())
    out = (
        frame.group_by("customer_id", "currency")
        .agg(
            pl.len().alias("lines"),
            money_sum(pl.col("net_amount") + pl.col("refund_amount")).alias("gross_spend"),
            money_sum("refund_amount").alias("refunds"),
            money_sum("net_amount").alias("net_spend"),
        )
        .sort("customer_id", "currency")
    )
    return out.select(list(SPEND_BY_CURRENCY_SCHEMA)).cast(pl.Schema(SPEND_BY_CURRENCY_SCHEMA))


def order_metrics(
    facts: pl.DataFrame,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> pl.DataFrame:
    """Per customer: first/last purchase, orders, gross spend, refunds, net spend, channels.

    Parameters
    ----------
    facts
        :func:`order_facts` output (lines without ``customer_id`` are skipped).
    start, end
        Only lines with ``start <= order_ts < end`` (timezone-aware; either may be omitted).

    Returns
    -------
    pl.DataFrame
        :data:`ORDER_METRICS_SCHEMA`, one row per customer with at least one line in the window.
        A *purchase* is a ``paid`` line: ``first_purchase``/``last_purchase`` are its earliest
        and latest ``order_ts``, ``orders`` counts distinct ``(channel, order_id)`` among paid
        lines and ``channels`` the channels with a paid line. ``net_spend = gross_spend -
        refunds`` (the rules of :mod:`cimlab.lines`; sums are exact). Money is only added
        within one currency: a customer whose lines carry two currencies has null
        ``gross_spend``, ``refunds``, ``net_spend`` and ``currency`` (convert the lines into one
        currency first, :func:`cimlab.money.convert_orders`; :func:`spend_by_currency` gives
        the totals per currency).

    Examples
    --------
    >>> import datetime as dt
    >>> t = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    >>> facts = pl.DataFrame({"customer_id": ["C1"] * 3, "channel": ["shop", "shop", "tmall"],
    ...     "order_id": ["A", "A", "B"], "order_ts": [t, t, t], "amount": [10.0, 5.0, 7.0],
    ...     "currency": ["CNY"] * 3, "status": ["paid", "paid", "refunded"]})
    >>> order_metrics(facts).select("orders", "gross_spend", "refunds", "net_spend").row(0)
    (1, 22.0, 7.0, 15.0)
    """
    frame = facts.filter(pl.col("customer_id").is_not_null())
    ts = pl.col("order_ts")
    if start is not None:
        frame = frame.filter(ts >= as_utc(start, name="start"))
    if end is not None:
        frame = frame.filter(ts < as_utc(end, name="end"))
    if "net_amount" not in frame.columns:
        frame = frame.with_columns(net_amount())
    if "refund_amount" not in frame.columns:
        frame = frame.with_columns(refund_amount())
    paid = pl.col("status") == "paid"
    currency = pl.col("currency") if "currency" in frame.columns else pl.lit(None, pl.String)
    one = currency.n_unique() <= 1  # never add two currencies

    def total(amount: pl.Expr) -> pl.Expr:
        return pl.when(one).then(money_sum(amount))

    out = frame.group_by("customer_id").agg(
        ts.filter(paid).min().alias("first_purchase"),
        ts.filter(paid).max().alias("last_purchase"),
        pl.struct("channel", "order_id").filter(paid).n_unique().alias("orders"),
        total(pl.col("net_amount") + pl.col("refund_amount")).alias("gross_spend"),
        total(pl.col("refund_amount")).alias("refunds"),
        total(pl.col("net_amount")).alias("net_spend"),
        pl.when(one).then(currency.first()).alias("currency"),
        pl.col("channel").filter(paid).unique().sort().alias("channels"),
    )
    out = out.with_columns(pl.col("channels").list.len().alias("n_channels")).sort("customer_id")
    return out.select(list(ORDER_METRICS_SCHEMA)).cast(pl.Schema(ORDER_METRICS_SCHEMA))
