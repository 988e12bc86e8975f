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
    ExportError,
    MappingError,
    ValidationFailed,
    WorkspaceBusy,
    WorkspaceError,
)
from cimlab.export import table_bytes, write_table
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
    validate_file,
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
from cimlab.privacy import mask_email, mask_name, mask_phone, scrub_text
from cimlab.profile import CustomerProfile, customer_profile, reveal_pii, search
from cimlab.reading import RawTable, ReadLimits, iter_file_chunks, read_bytes, read_file
from cimlab.schemas import TABLES, Customers, Feedback, Interactions, Orders
from cimlab.settings import business_time_zone, set_time_zone, time_zone_choice
from cimlab.tags import add_tags, customer_tags, refresh_rule_tags, remove_tags
from cimlab.workspace import IntegrityReport, Workspace, check_database

if TYPE_CHECKING:
    from cimlab import charts
    from cimlab.affinity import ONLINE_RETAIL_NON_PRODUCTS, also_bought, item_labels, product_pairs
    from cimlab.channels import (
        acquisition_channels,
        acquisition_summary,
        channel_metrics,
        channel_migration,
        channel_overlap,
    )
    from cimlab.clusters import CustomerClusters, cluster_customers, customer_features
    from cimlab.cohorts import cohort_matrix, cohort_table
    from cimlab.facts import CustomerData, customer_data
    from cimlab.kpis import kpi_trend
    from cimlab.lifecycle import (
        STAGES,
        LifecycleRules,
        lifecycle_stages,
        month_ends,
        stage_counts,
        stage_transitions,
    )
    from cimlab.rfm import SEGMENTS, customer_summary, rfm_scores, rfm_segments
    from cimlab.satisfaction import unhappy_high_value

__version__ = "0.1.0"

# Analytics pull in scikit-learn, SciPy and Altair (seconds): they load on first use, so the CLI
# starts quickly. Name -> module; `rfm`, `kpis` and `satisfaction` stay modules (cl.rfm.rfm,
# cl.kpis.kpis, cl.satisfaction.satisfaction) because a function of the same name would hide them.
_LAZY: dict[str, str] = {
    "CustomerData": "cimlab.facts",
    "customer_data": "cimlab.facts",
    "SEGMENTS": "cimlab.rfm",
    "customer_summary": "cimlab.rfm",
    "rfm_scores": "cimlab.rfm",
    "rfm_segments": "cimlab.rfm",
    "CustomerClusters": "cimlab.clusters",
    "cluster_customers": "cimlab.clusters",
    "customer_features": "cimlab.clusters",
    "STAGES": "cimlab.lifecycle",
    "LifecycleRules": "cimlab.lifecycle",
    "lifecycle_stages": "cimlab.lifecycle",
    "stage_counts": "cimlab.lifecycle",
    "stage_transitions": "cimlab.lifecycle",
    "month_ends": "cimlab.lifecycle",
    "channel_metrics": "cimlab.channels",
    "acquisition_channels": "cimlab.channels",
    "acquisition_summary": "cimlab.channels",
    "channel_overlap": "cimlab.channels",
    "channel_migration": "cimlab.channels",
    "cohort_table": "cimlab.cohorts",
    "cohort_matrix": "cimlab.cohorts",
    "kpi_trend": "cimlab.kpis",
    "unhappy_high_value": "cimlab.satisfaction",
    "product_pairs": "cimlab.affinity",
    "ONLINE_RETAIL_NON_PRODUCTS": "cimlab.affinity",
    "also_bought": "cimlab.affinity",
    "item_labels": "cimlab.affinity",
}
_SUBMODULES = ("charts", "rfm", "kpis", "satisfaction")


def __getattr__(name: str) -> Any:
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f"cimlab.{name}")
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cimlab' has no attribute {name!r}")


__all__ = [
    "ONLINE_RETAIL_NON_PRODUCTS",
    "SEGMENTS",
    "STAGES",
    "TABLES",
    "CimlabError",
    "ColumnMapping",
    "CustomerClusters",
    "CustomerData",
    "CustomerProfile",
    "Customers",
    "DataFileError",
    "ExportError",
    "Feedback",
    "ImportReport",
    "ImportResult",
    "IntegrityReport",
    "Interactions",
    "LifecycleRules",
    "MappingError",
    "MappingOptions",
    "Orders",
    "RawTable",
    "ReadLimits",
    "ValidationFailed",
    "Workspace",
    "WorkspaceBusy",
    "WorkspaceError",
    "acquisition_channels",
    "acquisition_summary",
    "add_tags",
    "also_bought",
    "build_demo_workspace",
    "business_time_zone",
    "channel_metrics",
    "channel_migration",
    "channel_overlap",
    "charts",
    "check_bytes",
    "check_database",
    "check_file",
    "check_raw",
    "cluster_customers",
    "cohort_matrix",
    "cohort_table",
    "consent_history",
    "current_consent",
    "customer_data",
    "customer_features",
    "customer_map",
    "customer_profile",
    "customer_summary",
    "customer_tags",
    "detect_preset",
    "explain",
    "generate_demo_files",
    "golden_records",
    "import_file",
    "import_files",
    "item_labels",
    "iter_file_chunks",
    "kpi_trend",
    "kpis",
    "lifecycle_stages",
    "list_presets",
    "load_preset",
    "map_columns",
    "mask_email",
    "mask_name",
    "mask_phone",
    "merge",
    "month_ends",
    "order_facts",
    "parse_table",
    "product_pairs",
    "quarantine_csv",
    "read_bytes",
    "read_file",
    "read_manifest",
    "refresh_rule_tags",
    "remove_tags",
    "resolve",
    "resolve_mapping",
    "reveal_pii",
    "rfm",
    "rfm_scores",
    "rfm_segments",
    "satisfaction",
    "scrub_text",
    "search",
    "set_consent",
    "set_time_zone",
    "split",
    "stage_counts",
    "stage_transitions",
    "store_report",
    "suggest_mapping",
    "table_bytes",
    "time_zone_choice",
    "unhappy_high_value",
    "validate_file",
    "validate_table",
    "write_table",
]
