"""Data contracts: the four canonical tables as Pandera (polars) ``DataFrameModel``\\s.

These classes validate rows (the import runs them). ``schemas/<table>.yaml`` describes the same
columns for people (with examples and 中文 labels), and :mod:`cimlab.contracts.columns` reads the
column types from it without importing Pandera; tests keep the three in agreement.

Identifiers are strings end to end; times are UTC ``Datetime`` after the import applied its
timezone rule; money is a float with a currency beside it; every order line has a status (paid, pending = not yet paid, refunded,
cancelled) so
refunds and cancellations are never summed as revenue by accident.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> frame = pl.DataFrame(
...     {"source_customer_id": ["00123"], "channel": ["tmall"], "ts": [dt.datetime(2024, 1, 5)],
...      "type": ["chat"], "note": [None], "interaction_id": [None]},
...     schema_overrides={"ts": pl.Datetime("us", "UTC"), "note": pl.String,
...                       "interaction_id": pl.String},
... )
>>> Interactions.validate(frame).height
1
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.engines import polars_engine as pe

from cimlab.contracts.columns import (
    CUSTOMER_TYPES,
    GENDERS,
    ORDER_STATUSES,
    TABLES,
    check_table,
    polars_schema,
    required_columns,
)

__all__ = [
    "CONTRACTS",
    "ORDER_STATUSES",
    "TABLES",
    "Customers",
    "Feedback",
    "Interactions",
    "Orders",
    "contract",
    "polars_schema",
    "required_columns",
]

_TOKEN = r"^[a-z][a-z0-9_]*$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# E.164, or a platform-masked number kept as written (138****1234, 132123457749-1234).
_PHONE = r"^(\+[1-9][0-9]{6,14}|[0-9+][0-9*\-]*\*[0-9*\-]*|[0-9]{11,12}-[0-9]{3,4})$"

UtcDatetime = pe.DateTime(time_zone="UTC")  # type: ignore[call-arg]


class _Contract(pa.DataFrameModel):
    class Config:
        strict = True
        coerce = False


class Customers(_Contract):
    """One row per customer record as a channel knows it (before identities are unified)."""

    source_customer_id: str = pa.Field(str_length={"min_value": 1})
    channel: str = pa.Field(str_matches=_TOKEN)
    name: str = pa.Field(nullable=True)
    name_is_masked: bool = pa.Field()
    email: str = pa.Field(nullable=True, str_matches=_EMAIL)
    phone: str = pa.Field(nullable=True, str_matches=_PHONE)
    phone_is_masked: bool = pa.Field()
    gender: str = pa.Field(nullable=True, isin=list(GENDERS))
    birth_date: pl.Date = pa.Field(nullable=True)
    city: str = pa.Field(nullable=True)
    region: str = pa.Field(nullable=True)
    country: str = pa.Field(nullable=True)
    signup_date: pl.Date = pa.Field(nullable=True)
    customer_type: str = pa.Field(isin=list(CUSTOMER_TYPES))
    company: str = pa.Field(nullable=True)
    consent_email: bool = pa.Field(nullable=True)
    consent_sms: bool = pa.Field(nullable=True)
    consent_wechat: bool = pa.Field(nullable=True)
    consent_phone: bool = pa.Field(nullable=True)
    consent_updated_at: UtcDatetime = pa.Field(nullable=True)  # type: ignore[valid-type]
    tags: str = pa.Field(nullable=True)


class Orders(_Contract):
    """One row per order line; ``order_id`` repeats across the lines of one order."""

    order_id: str = pa.Field(str_length={"min_value": 1})
    line_number: int = pa.Field(ge=1)
    source_customer_id: str = pa.Field(nullable=True)
    channel: str = pa.Field(str_matches=_TOKEN)
    order_ts: UtcDatetime = pa.Field()  # type: ignore[valid-type]
    paid_ts: UtcDatetime = pa.Field(nullable=True)  # type: ignore[valid-type]
    sku: str = pa.Field(nullable=True)
    product_name: str = pa.Field(nullable=True)
    category: str = pa.Field(nullable=True)
    quantity: float = pa.Field(nullable=True)
    unit_price: float = pa.Field(nullable=True, ge=0)
    amount: float = pa.Field()
    currency: str = pa.Field(str_matches=r"^[A-Z]{3}$")
    status: str = pa.Field(isin=list(ORDER_STATUSES))
    customer_name: str = pa.Field(nullable=True)
    name_is_masked: bool = pa.Field()
    phone: str = pa.Field(nullable=True, str_matches=_PHONE)
    phone_is_masked: bool = pa.Field()
    email: str = pa.Field(nullable=True, str_matches=_EMAIL)
    region: str = pa.Field(nullable=True)
    city: str = pa.Field(nullable=True)
    country: str = pa.Field(nullable=True)
    store: str = pa.Field(nullable=True)

    @pa.check("quantity", "unit_price", "amount", name="finite")
    def finite(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Money and quantities must be real numbers (no NaN, no infinity)."""
        return data.lazyframe.select(pl.col(data.key).is_finite().fill_null(True))

    @pa.dataframe_check(name="negative_amount_needs_refund_or_cancel")
    def negative_amount_needs_refund_or_cancel(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A negative line amount is only allowed on a refunded or cancelled line."""
        return data.lazyframe.select(
            (pl.col("amount") >= 0) | pl.col("status").is_in(["refunded", "cancelled"])
        )


class Interactions(_Contract):
    """Touch points: visits, calls, e-mails, chats, complaints..."""

    source_customer_id: str = pa.Field(str_length={"min_value": 1})
    channel: str = pa.Field(str_matches=_TOKEN)
    ts: UtcDatetime = pa.Field()  # type: ignore[valid-type]
    type: str = pa.Field(str_matches=_TOKEN)
    note: str = pa.Field(nullable=True)
    interaction_id: str = pa.Field(nullable=True)


class Feedback(_Contract):
    """Survey answers and complaints: NPS 0–10, CSAT 1–5, a complaint flag, free text."""

    source_customer_id: str = pa.Field(str_length={"min_value": 1})
    channel: str = pa.Field(str_matches=_TOKEN)
    ts: UtcDatetime = pa.Field()  # type: ignore[valid-type]
    nps: int = pa.Field(nullable=True, ge=0, le=10)
    csat: int = pa.Field(nullable=True, ge=1, le=5)
    complaint: bool = pa.Field(nullable=True)
    text: str = pa.Field(nullable=True)
    feedback_id: str = pa.Field(nullable=True)

    @pa.dataframe_check(name="has_an_answer")
    def has_an_answer(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A feedback row must carry a score, a complaint flag or some text."""
        return data.lazyframe.select(
            pl.any_horizontal(
                pl.col("nps").is_not_null(),
                pl.col("csat").is_not_null(),
                pl.col("complaint").is_not_null(),
                pl.col("text").is_not_null(),
            )
        )


CONTRACTS: dict[str, type[_Contract]] = {
    "customers": Customers,
    "orders": Orders,
    "interactions": Interactions,
    "feedback": Feedback,
}
"""Table name → its model, in the order of :data:`cimlab.contracts.columns.TABLES`."""


def contract(table: str) -> type[_Contract]:
    """Return the ``DataFrameModel`` of ``table``.

    Examples
    --------
    >>> contract("orders").__name__
    'Orders'
    """
    return CONTRACTS[check_table(table)]
