"""The canonical tables' columns as the YAML contracts state them, without Pandera.

``schemas/<table>.yaml`` describes each table for people (types, required, rules, examples,
中文 labels). This module reads those files (once, cached) and gives the light views the rest of
cimlab needs at run time: column names, polars dtypes, the columns that may not be null, labels.
:mod:`cimlab.contracts.models` holds the Pandera models that validate rows; it is imported only
when validation runs. Tests keep the two in agreement, column for column.

Examples
--------
>>> polars_schema("feedback")["nps"]
Int64
>>> required_columns("interactions")
['source_customer_id', 'channel', 'ts', 'type']
>>> column_labels_zh("orders")["order_ts"]
'下单时间'
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cimlab.errors import MappingError

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "CUSTOMER_TYPES",
    "DERIVED_FLAGS",
    "GENDERS",
    "ORDER_STATUSES",
    "TABLES",
    "check_table",
    "column_labels_zh",
    "column_names",
    "contract_document",
    "non_null_columns",
    "polars_schema",
    "required_columns",
    "schemas_dir",
]

TABLES = ("customers", "orders", "interactions", "feedback")
"""The canonical tables, in the order the workspace creates them."""

ORDER_STATUSES = ("paid", "pending", "refunded", "cancelled")
GENDERS = ("female", "male", "other")
CUSTOMER_TYPES = ("individual", "business")

DERIVED_FLAGS = frozenset({"name_is_masked", "phone_is_masked"})
"""Columns the import always fills (never null, but no file has to provide them)."""


@functools.cache
def _dtypes() -> dict[str, pl.DataType]:
    """``type`` of a contract column -> its polars dtype (schemas/README.md lists the names)."""
    import polars as pl

    return {
        "string": pl.String(),
        "int": pl.Int64(),
        "float": pl.Float64(),
        "bool": pl.Boolean(),
        "date": pl.Date(),
        "datetime_utc": pl.Datetime("us", "UTC"),
    }


def schemas_dir() -> Path:
    """Directory holding the contract YAMLs and ``presets/``.

    An installed wheel carries it as ``cimlab/_schemas``; a source checkout has ``<repo>/schemas``.

    Examples
    --------
    >>> (schemas_dir() / "orders.yaml").is_file()
    True
    """
    package = Path(__file__).resolve().parents[1]  # cimlab/
    bundled = package / "_schemas"
    return bundled if bundled.is_dir() else package.parent / "schemas"


def check_table(table: str) -> str:
    """Return ``table`` when it is a canonical table; raise ``ValueError`` naming them otherwise.

    Examples
    --------
    >>> check_table("orders")
    'orders'
    >>> check_table("order")
    Traceback (most recent call last):
    ...
    ValueError: table='order' is not one of customers, orders, interactions, feedback.
    """
    if table not in TABLES:
        raise ValueError(f"table={table!r} is not one of {', '.join(TABLES)}.")
    return table


@functools.cache
def _contract_document(directory: str, table: str) -> dict[str, Any]:
    import yaml

    path = Path(directory) / f"{table}.yaml"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10× faster
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=loader)
    if not isinstance(document, dict):
        raise MappingError(f"{path}: expected a mapping at the top of the contract file.")
    return document


def _columns(table: str) -> list[dict[str, Any]]:
    """The ``columns`` entries of the contract of ``table`` (cached; do not modify)."""
    return _contract_document(str(schemas_dir()), check_table(table))["columns"]


def contract_document(table: str) -> dict[str, Any]:
    """The human-readable contract ``schemas/<table>.yaml`` as a dict (columns, rules, labels).

    Examples
    --------
    >>> contract_document("feedback")["name_zh"]
    '客户反馈'
    """
    check_table(table)  # rejects unknown tables with a clear message
    return copy.deepcopy(_contract_document(str(schemas_dir()), table))


def column_labels_zh(table: str) -> dict[str, str]:
    """Canonical column → 中文 label, from ``schemas/<table>.yaml``.

    Examples
    --------
    >>> column_labels_zh("orders")["order_ts"]
    '下单时间'
    """
    return {c["name"]: c["label_zh"] for c in _columns(table)}


def column_names(table: str) -> list[str]:
    """The columns of ``table``, in contract order.

    Examples
    --------
    >>> column_names("interactions")
    ['source_customer_id', 'channel', 'ts', 'type', 'note', 'interaction_id']
    """
    return [c["name"] for c in _columns(table)]


def polars_schema(table: str) -> dict[str, pl.DataType]:
    """Column name → polars dtype of a canonical table, in contract order.

    Examples
    --------
    >>> polars_schema("orders")["order_ts"]
    Datetime(time_unit='us', time_zone='UTC')
    """
    dtypes = _dtypes()
    return {c["name"]: dtypes[c["type"]] for c in _columns(table)}


def non_null_columns(table: str) -> list[str]:
    """Columns that are never null in ``table`` (``required: true``), derived flags included.

    Examples
    --------
    >>> non_null_columns("interactions")
    ['source_customer_id', 'channel', 'ts', 'type']
    """
    return [c["name"] for c in _columns(table) if c["required"]]


def required_columns(table: str) -> list[str]:
    """Columns that may not be null in ``table`` (derived flags excluded).

    Examples
    --------
    >>> required_columns("customers")
    ['source_customer_id', 'channel', 'customer_type']
    """
    return [c for c in non_null_columns(table) if c not in DERIVED_FLAGS]
