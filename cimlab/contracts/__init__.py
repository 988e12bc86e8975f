"""The data contracts: the four canonical tables.

Two views of one contract, kept equal by tests:

- :mod:`cimlab.contracts.columns`: column names, polars dtypes, required columns and labels, read
  from ``schemas/<table>.yaml`` (the files people read). Light: no Pandera.
- :mod:`cimlab.contracts.models`: the Pandera ``DataFrameModel``\\s that validate rows. Importing
  Pandera takes about a second, so the models load only when they are first used.

Examples
--------
>>> from cimlab import contracts
>>> contracts.TABLES
('customers', 'orders', 'interactions', 'feedback')
>>> contracts.Orders.__name__  # imports Pandera now
'Orders'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cimlab.contracts.columns import (
    ORDER_STATUSES,
    TABLES,
    column_labels_zh,
    contract_document,
    non_null_columns,
    polars_schema,
    required_columns,
    schemas_dir,
)

if TYPE_CHECKING:
    from cimlab.contracts.models import (
        CONTRACTS,
        Customers,
        Feedback,
        Interactions,
        Orders,
        contract,
    )

_MODELS = ("CONTRACTS", "Customers", "Feedback", "Interactions", "Orders", "contract")

__all__ = [
    "CONTRACTS",
    "ORDER_STATUSES",
    "TABLES",
    "Customers",
    "Feedback",
    "Interactions",
    "Orders",
    "column_labels_zh",
    "contract",
    "contract_document",
    "non_null_columns",
    "polars_schema",
    "required_columns",
    "schemas_dir",
]


def __getattr__(name: str) -> Any:
    if name in _MODELS:
        value = getattr(importlib.import_module("cimlab.contracts.models"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
