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
* ``time_zone``: the workspace's business time zone (:mod:`cimlab.settings`), the calendar every
  analysis of this data should count days in: pass ``time_zone=data.time_zone`` on.

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
from cimlab.settings import business_time_zone
from cimlab.workspace import Workspace

__all__ = [
    "CONTACT_COLUMNS",
    "CUSTOMERS_SCHEMA",
    "CustomerData",
    "customer_data",
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


def customer_data(ws: Workspace, *, time_zone: str | None = None) -> CustomerData:
    """Everything an analysis needs from ``ws`` (identities must be resolved).

    ``time_zone`` overrides the workspace's business time zone (:mod:`cimlab.settings`).
    """
    identity_map = require_resolved(ws)
    zone = business_time_zone(ws) if time_zone is None else check_time_zone(time_zone)
    orders = order_facts(ws, identity_map).drop(CONTACT_COLUMNS, strict=False)
    feedback = with_customer(ws.table("feedback"), identity_map)
    interactions = with_customer(ws.table("interactions"), identity_map)
    dated = [
        orders.select("customer_id", pl.col("order_ts").alias("ts")),
        feedback.select("customer_id", "ts"),
        interactions.select("customer_id", "ts"),
    ]
    customers = _first_seen(identity_map, ws.table("customers"), dated, zone)
    return CustomerData(
        customers=customers,
        orders=orders,
        feedback=feedback,
        interactions=interactions,
        time_zone=zone,
        unlinked_records=unlinked_records(ws),
    )
