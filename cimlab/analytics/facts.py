"""The inputs of every analysis: a workspace's tables keyed by the unified ``customer_id``.

Analytics functions (:mod:`cimlab.analytics.rfm`, :mod:`cimlab.analytics.lifecycle`, :mod:`cimlab.analytics.channels`, ...)
take plain Polars frames, so they run on any frame that meets the contract. This module builds
those frames from a workspace once identities are resolved (``cimlab customers resolve``):

* ``orders``: :func:`cimlab.customers.golden.order_facts` (order lines with ``customer_id``,
  ``net_amount``, ``refund_amount``) without the buyer's contact details (name, phone, e-mail:
  :data:`CONTACT_COLUMNS`): analyses never need them, so they are not carried around (or
  cached by the app) with the figures; the customer 360 reads them where they are shown;
* ``feedback`` and ``interactions``: the table's rows with ``customer_id`` in front;
* ``customers``: one row per unified customer, ``customer_id`` and ``first_seen`` (the earliest
  date the business knew them: sign-up, first order, interaction or feedback; null when no
  record carries a date; a sign-up date is a day in the business time zone) and ``channels``
  (every channel with a record of them);
* ``unlinked_records``: source records imported since identities were last resolved; their
  rows have no ``customer_id`` yet, so analyses leave them out (resolve again to include them);
* ``removed_records``: records of the identity map whose rows were all removed (an undone
  import) since identities were last resolved; ``customers`` leaves them out (a customer left
  with no record is no customer), but links made through them stand until identities are
  resolved again;
* ``time_zone``: the workspace's business time zone (:mod:`cimlab.settings`), the calendar every
  analysis of this data should count days in: pass ``time_zone=data.time_zone`` on;
* ``currency``: the currency of every amount of ``orders`` (:mod:`cimlab.money`). By default
  every line is converted into the workspace's reporting currency at the rate valid on its day
  in the business time zone (``amount``, ``net_amount``, ``refund_amount`` converted,
  ``currency`` = the reporting currency, ``original_amount`` and ``original_currency`` as
  stored); a currency present without a rate on a day it is needed raises
  :class:`~cimlab.errors.MissingRatesError`, nothing is guessed. ``currency="BRL"`` keeps only
  the BRL lines, unconverted (:class:`~cimlab.errors.UnknownCurrencyError` when no line is in
  BRL). A workspace whose orders are all in the reporting currency joins nothing;
* ``placeholder_lines`` and ``order_lines``: how many of the lines of ``orders`` have a
  placeholder amount (imported with the mapping option ``amount_is_placeholder``: an orders
  file without amounts that declared ``amount: 1``), out of how many.

Placeholder amounts
-------------------
A placeholder amount is no money. Placeholder lines need no exchange rate (they keep their
amount, so that a file without amounts never asks for a rate) and still count as orders,
purchases and customers. What analyses show (:func:`money_note`, used by the CLI; the app says
the same in its language):

* every line a placeholder (``placeholder_lines == order_lines > 0``): money figures are
  **withheld** (null; :func:`cimlab.money.label_money`), with a note saying why. Scores and
  segments that rank amounts (the RFM M score) then rank placeholder amounts: with ``amount:
  1`` that is the number of lines bought;
* some lines placeholders: the figures are shown, with a note stating how many of the lines'
  amounts are placeholders (they are included as their placeholder value);
* none: no note.

Rows whose buyer is not in the identity map keep a null ``customer_id``.

Examples
--------
>>> import tempfile
>>> from cimlab.workspace import Workspace
>>> require_resolved(Workspace.open(tempfile.mkdtemp()))
Traceback (most recent call last):
...
cimlab.errors.WorkspaceError: identities of ... were never resolved; ...
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from cimlab.customers.golden import order_facts
from cimlab.dates import check_time_zone
from cimlab.errors import WorkspaceError
from cimlab.identity import unlinked_records
from cimlab.money import (
    in_reporting_currency,
    only_currency,
    placeholder_batches,
    reporting_currency,
)
from cimlab.settings import business_time_zone
from cimlab.workspace import Workspace

__all__ = [
    "CONTACT_COLUMNS",
    "CUSTOMERS_SCHEMA",
    "CustomerData",
    "customer_data",
    "money_note",
    "placeholder_batches",
    "require_resolved",
    "with_customer",
]

#: Buyer contact columns of ``orders`` left out of :attr:`CustomerData.orders`.
CONTACT_COLUMNS = ("customer_name", "name_is_masked", "phone", "phone_is_masked", "email")

CUSTOMERS_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "first_seen": pl.Datetime("us", "UTC"),
    "channels": pl.List(pl.String()),
}
"""Columns of :attr:`CustomerData.customers`."""

_KEY = ["channel", "source_customer_id"]


@dataclass(frozen=True)
class CustomerData:
    """A workspace's tables for analysis (see the module docstring)."""

    customers: pl.DataFrame
    orders: pl.DataFrame
    feedback: pl.DataFrame
    interactions: pl.DataFrame
    time_zone: str = "UTC"
    unlinked_records: int = 0
    removed_records: int = 0
    currency: str | None = None
    placeholder_lines: int = 0
    order_lines: int = 0

    @property
    def money_withheld(self) -> bool:
        """Whether every order line's amount is a placeholder (money figures are withheld)."""
        return self.order_lines > 0 and self.placeholder_lines >= self.order_lines


def require_resolved(ws: Workspace) -> pl.DataFrame:
    """The identity map of ``ws``; raises :class:`WorkspaceError` with advice when it is empty."""
    identity_map = ws.identity_map()
    if identity_map.is_empty():
        raise WorkspaceError(
            f"identities of {ws.path} were never resolved; run `cimlab customers resolve "
            f"--workspace {ws.path}` first (analytics work on unified customers)"
        )
    return identity_map


def with_customer(rows: pl.DataFrame, identity_map: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (with ``channel, source_customer_id``) with ``customer_id`` as first column.

    Examples
    --------
    >>> imap = pl.DataFrame({"channel": ["wechat"], "source_customer_id": ["o1"],
    ...                      "customer_id": ["C7"]})
    >>> rows = pl.DataFrame({"channel": ["wechat", "wechat"], "source_customer_id": ["o1", "o2"],
    ...                      "nps": [9, 3]})
    >>> with_customer(rows, imap).rows()
    [('C7', 'wechat', 'o1', 9), (None, 'wechat', 'o2', 3)]
    """
    keys = identity_map.select(
        *(pl.col(c).cast(pl.String) for c in _KEY), pl.col("customer_id").cast(pl.String)
    ).unique(_KEY, keep="first", maintain_order=True)
    joined = rows.join(keys, on=_KEY, how="left", maintain_order="left")
    return joined.select("customer_id", pl.exclude("customer_id"))


def _live_records(identity_map: pl.DataFrame, tables: list[pl.DataFrame]) -> pl.DataFrame:
    """The records of ``identity_map`` that some row of ``tables`` still carries (an undone
    import removes rows, not the map's records)."""
    keys = pl.concat([t.select(pl.col(c).cast(pl.String) for c in _KEY) for t in tables]).unique()
    return identity_map.join(keys, on=_KEY, how="semi", maintain_order="left")


def _first_seen(
    identity_map: pl.DataFrame,
    customers: pl.DataFrame,
    dated: list[pl.DataFrame],
    time_zone: str,
) -> pl.DataFrame:
    # a sign-up date is a calendar day of the business: its midnight there, in UTC
    signup = (
        pl.col("signup_date")
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone(time_zone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    signups = with_customer(customers, identity_map).select("customer_id", signup.alias("ts"))
    events = pl.concat([signups, *dated], how="vertical_relaxed").filter(
        pl.col("customer_id").is_not_null()
    )
    first = events.group_by("customer_id").agg(pl.col("ts").min().alias("first_seen"))
    channels = identity_map.group_by("customer_id").agg(
        pl.col("channel").unique().sort().alias("channels")
    )
    return (
        channels.join(first, on="customer_id", how="left")
        .select(list(CUSTOMERS_SCHEMA))
        .cast(CUSTOMERS_SCHEMA)  # type: ignore[arg-type]
        .sort("customer_id")
    )


def money_note(data: CustomerData) -> str | None:
    """What to say about the money of ``data`` when amounts are placeholders (the rule of the
    module docstring); None when every amount is real.

    Examples
    --------
    >>> empty = pl.DataFrame()
    >>> data = CustomerData(empty, empty, empty, empty, currency="CNY",
    ...                     placeholder_lines=3, order_lines=10)
    >>> money_note(data)
    'the amounts of 3 of 10 order lines are placeholders (mapping option amount_is_placeholder), included as their placeholder value: money figures are not the true revenue'
    """
    if data.placeholder_lines <= 0:
        return None
    if data.money_withheld:
        return (
            f"every order line's amount is a placeholder (mapping option amount_is_placeholder; "
            f"{data.order_lines:,} lines): money figures are withheld; counts of orders, "
            "purchases and customers are real"
        )
    return (
        f"the amounts of {data.placeholder_lines:,} of {data.order_lines:,} order lines are "
        "placeholders (mapping option amount_is_placeholder), included as their placeholder "
        "value: money figures are not the true revenue"
    )


def customer_data(
    ws: Workspace, *, time_zone: str | None = None, currency: str | None = None
) -> CustomerData:
    """Everything an analysis needs from ``ws`` (identities must be resolved).

    ``time_zone`` overrides the workspace's business time zone (:mod:`cimlab.settings`).
    ``currency=None`` converts every order line into the reporting currency (raises
    :class:`~cimlab.errors.MissingRatesError` when a rate is missing on a day it is needed);
    ``currency="BRL"`` keeps only the BRL lines, unconverted (module docstring).
    """
    identity_map = require_resolved(ws)
    zone = business_time_zone(ws) if time_zone is None else check_time_zone(time_zone)
    stored = order_facts(ws, identity_map).drop(CONTACT_COLUMNS, strict=False)
    with ws.reading():  # the money settings in one open of the database
        placeholders = placeholder_batches(ws)
        if currency is not None:  # one currency's lines, as they are
            orders = only_currency(stored, currency)
            money_currency: str | None = str(orders["currency"][0])
        else:
            orders, money_currency = in_reporting_currency(
                ws,
                stored,
                time_zone=zone,
                choice=reporting_currency(ws, orders=stored),
                placeholders=placeholders,
            )
    placeholder_lines = int(orders["batch_id"].is_in(placeholders).sum()) if placeholders else 0
    feedback = with_customer(ws.table("feedback"), identity_map)
    interactions = with_customer(ws.table("interactions"), identity_map)
    dated = [  # every order, whatever its currency: the customer was known from its day
        stored.select("customer_id", pl.col("order_ts").alias("ts")),
        feedback.select("customer_id", "ts"),
        interactions.select("customer_id", "ts"),
    ]
    customer_rows = ws.table("customers", personal=False)  # no names, phones: nothing decrypted
    live = _live_records(identity_map, [customer_rows, stored, feedback, interactions])
    customers = _first_seen(live, customer_rows, dated, zone)
    return CustomerData(
        customers=customers,
        orders=orders,
        feedback=feedback,
        interactions=interactions,
        time_zone=zone,
        unlinked_records=unlinked_records(ws),
        removed_records=identity_map.height - live.height,
        currency=money_currency,
        placeholder_lines=placeholder_lines,
        order_lines=orders.height,
    )
