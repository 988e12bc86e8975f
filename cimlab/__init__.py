"""cimlab: bring customer data together, clean it, understand it and act on it.

A flat public API for notebooks and scripts; the implementation lives in one module per concept.

Examples
--------
>>> import cimlab as cl
>>> report = cl.check_bytes(b"customer_id,email\\n00123,ANN@EXAMPLE.COM\\n", name="c.csv",
...                         table="customers", channel="online_shop")
>>> report.valid.select("source_customer_id", "email").rows()
[('00123', 'ann@example.com')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cimlab.consent import consent_history, current_consent, set_consent
from cimlab.demo import build_demo_workspace, generate_demo_files, read_manifest
from cimlab.errors import (
    CimlabError,
    DataFileError,
    MappingError,
    ValidationFailed,
    WorkspaceBusy,
    WorkspaceError,
)
from cimlab.golden import golden_records, order_facts
from cimlab.identity import customer_map, explain, merge, resolve, split
from cimlab.importer import (
    ImportReport,
    ImportResult,
    check_bytes,
    check_file,
    check_raw,
    import_file,
    import_files,
    map_columns,
    parse_table,
    quarantine_csv,
    store_report,
    validate_table,
)
from cimlab.mapping import (
    ColumnMapping,
    MappingOptions,
    detect_preset,
    list_presets,
    load_preset,
    resolve_mapping,
    suggest_mapping,
)
from cimlab.privacy import mask_email, mask_name, mask_phone
from cimlab.profile import CustomerProfile, customer_profile, reveal_pii, search
from cimlab.reading import RawTable, read_bytes, read_file
from cimlab.schemas import TABLES, Customers, Feedback, Interactions, Orders
from cimlab.tags import add_tags, customer_tags, refresh_rule_tags, remove_tags
from cimlab.workspace import Workspace

if TYPE_CHECKING:
    from cimlab import charts

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # charts pulls in Altair (~1 s): load it on first use, so the CLI starts quickly
    if name == "charts":
        import importlib

        return importlib.import_module("cimlab.charts")
    raise AttributeError(f"module 'cimlab' has no attribute {name!r}")


__all__ = [
    "TABLES",
    "CimlabError",
    "ColumnMapping",
    "CustomerProfile",
    "Customers",
    "DataFileError",
    "Feedback",
    "ImportReport",
    "ImportResult",
    "Interactions",
    "MappingError",
    "MappingOptions",
    "Orders",
    "RawTable",
    "ValidationFailed",
    "Workspace",
    "WorkspaceBusy",
    "WorkspaceError",
    "add_tags",
    "build_demo_workspace",
    "charts",
    "check_bytes",
    "check_file",
    "check_raw",
    "consent_history",
    "current_consent",
    "customer_map",
    "customer_profile",
    "customer_tags",
    "detect_preset",
    "explain",
    "generate_demo_files",
    "golden_records",
    "import_file",
    "import_files",
    "list_presets",
    "load_preset",
    "map_columns",
    "mask_email",
    "mask_name",
    "mask_phone",
    "merge",
    "order_facts",
    "parse_table",
    "quarantine_csv",
    "read_bytes",
    "read_file",
    "read_manifest",
    "refresh_rule_tags",
    "remove_tags",
    "resolve",
    "resolve_mapping",
    "reveal_pii",
    "search",
    "set_consent",
    "split",
    "store_report",
    "suggest_mapping",
    "validate_table",
]
