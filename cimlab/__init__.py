"""cimlab: bring customer data together, clean it, understand it and act on it.

The curated public API for notebooks and scripts. :data:`_API` is its one table (module → public
names): it drives the lazy loader, ``__all__`` and, through a test, the typed imports below.
Nothing is imported until it is used, so ``import cimlab`` and the CLI start fast.

Examples
--------
>>> import cimlab as cl
>>> report = cl.check_bytes(b"customer_id,email\\n00123,ANN@EXAMPLE.COM\\n", name="c.csv",
...                         table="customers", channel="online_shop")
>>> report.valid.select("source_customer_id", "email").rows()
[('00123', 'ann@example.com')]
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

# importing it puts the scrubber on the `cimlab` logger: no log record shows raw contact data
from cimlab.privacy import install_log_scrubber as _install_log_scrubber

__version__ = "0.2.0"

# module -> the public names it gives `cimlab`. A name that is not an attribute of its module is
# a submodule (cl.rfm is the module cimlab.analytics.rfm, cl.charts the package cimlab.charts).
_API: dict[str, tuple[str, ...]] = {
    "cimlab": ("charts",),
    "cimlab.errors": (
        "CimlabError",
        "DataFileError",
        "ExportError",
        "MappingError",
        "NotEnoughDataError",
        "ValidationFailed",
        "WorkspaceBusy",
        "WorkspaceError",
    ),
    "cimlab.workspace": ("IntegrityReport", "Workspace", "check_database"),
    "cimlab.settings": ("business_time_zone", "set_time_zone", "time_zone_choice"),
    "cimlab.backups": (
        "BackupRecord",
        "BackupSchedule",
        "RestoreDrill",
        "backup_due",
        "backup_schedule",
        "backup_status",
        "backup_to",
        "last_backup",
        "list_backups",
        "set_backup_schedule",
        "verify_restore",
    ),
    "cimlab.encryption": (
        "PERSONAL_COLUMNS",
        "ColumnCipher",
        "Conversion",
        "WorkspaceKeyError",
        "encrypt_workspace",
        "generate_key",
        "load_key",
        "rekey_workspace",
    ),
    "cimlab.auth": ("PERMISSIONS", "add_user", "allowed", "list_users", "remove_user", "set_role"),
    "cimlab.audit": ("audit_log",),
    "cimlab.money": (
        "MissingRatesError",
        "convert_orders",
        "rates",
        "reporting_currency",
        "set_rates",
        "set_reporting_currency",
    ),
    "cimlab.privacy": ("mask_email", "mask_name", "mask_phone", "scrub_text"),
    "cimlab.export": ("table_bytes", "write_table"),
    "cimlab.contracts": ("TABLES", "Customers", "Feedback", "Interactions", "Orders"),
    "cimlab.ingest.reading": (
        "RawTable",
        "ReadLimits",
        "iter_file_chunks",
        "read_bytes",
        "read_file",
    ),
    "cimlab.ingest.mapping": (
        "ColumnMapping",
        "MappingOptions",
        "RowFilter",
        "detect_preset",
        "list_presets",
        "load_preset",
        "resolve_mapping",
        "suggest_mapping",
    ),
    "cimlab.ingest.saved_mappings": (
        "SavedMapping",
        "delete_mapping",
        "matching_mappings",
        "save_mapping",
        "saved_mappings",
    ),
    "cimlab.ingest.importer": (
        "ImportReport",
        "ImportResult",
        "check_bytes",
        "check_file",
        "check_raw",
        "import_file",
        "import_files",
        "map_columns",
        "parse_table",
        "quarantine_csv",
        "store_report",
        "validate_file",
        "validate_table",
    ),
    "cimlab.identity": (
        "customer_map",
        "explain",
        "merge_customers",
        "resolve",
        "split_customer",
    ),
    "cimlab.customers.golden": ("golden_records", "order_facts"),
    "cimlab.customers.profile": (
        "CustomerProfile",
        "customer_profile",
        "named_review_queue",
        "reveal_pii",
        "search_customers",
    ),
    "cimlab.customers.tags": ("add_tags", "customer_tags", "refresh_rule_tags", "remove_tags"),
    "cimlab.customers.consent": ("consent_history", "current_consent", "set_consent"),
    "cimlab.customers.source_ids": ("with_source_ids",),
    "cimlab.analytics": ("rfm", "kpis", "satisfaction"),
    "cimlab.analytics.facts": ("CustomerData", "customer_data"),
    "cimlab.analytics.rfm": (
        "SEGMENTS",
        "customer_summary",
        "rfm_scores",
        "rfm_segments",
        "rfm_table",
        "segment_summary",
    ),
    "cimlab.analytics.clusters": ("CustomerClusters", "cluster_customers", "customer_features"),
    "cimlab.analytics.lifecycle": (
        "STAGES",
        "LifecycleRules",
        "lifecycle_stages",
        "month_ends",
        "recent_month_ends",
        "stage_counts",
        "stage_transitions",
    ),
    "cimlab.analytics.channels": (
        "acquisition_channels",
        "acquisition_summary",
        "channel_metrics",
        "channel_migration",
        "channel_overlap",
        "migration_periods",
    ),
    "cimlab.analytics.cohorts": ("cohort_matrix", "cohort_table"),
    "cimlab.analytics.kpis": ("kpi_table", "kpi_trend", "trend_periods"),
    "cimlab.analytics.satisfaction": ("satisfaction_table", "unhappy_high_value"),
    "cimlab.predict.holdout": (
        "CalibrationHoldout",
        "HoldoutEvaluation",
        "ModelChoice",
        "ModelComparison",
        "calibration_holdout",
        "choose_model",
        "compare_models",
        "evaluate_holdout",
    ),
    "cimlab.predict.store": (
        "StoredPrediction",
        "data_fingerprint",
        "latest_prediction",
        "load_prediction",
        "save_prediction",
    ),
    "cimlab.predict.runs": ("workspace_churn", "workspace_clv"),
    "cimlab.predict.maps": ("frequency_recency_map",),
    "cimlab.predict.segments": ("segment_value",),
    "cimlab.analytics.affinity": (
        "ONLINE_RETAIL_NON_PRODUCTS",
        "also_bought",
        "item_labels",
        "product_pairs",
        "with_item_names",
    ),
    "cimlab.demo": ("build_demo_workspace", "generate_demo_files", "read_manifest"),
    "cimlab.predict.purchases": ("BetaGeoModel", "ModifiedBetaGeoModel", "ParetoNBDModel"),
    "cimlab.predict.spend": ("GammaGammaModel",),
    "cimlab.predict.churn": (
        "RISK_BANDS",
        "ChurnEvaluation",
        "ChurnModel",
        "ChurnPrediction",
        "churn_features",
        "churn_labels",
        "evaluate_churn",
        "predict_churn",
        "training_window",
    ),
    "cimlab.predict.gaps": ("purchase_gaps",),
    "cimlab.predict.regularity": ("RegularBetaGeoModel",),
    "cimlab.predict.clv": ("PURCHASE_MODELS", "ValuePrediction", "predict_clv"),
    "cimlab.predict.forecast": ("ForecastBacktest", "backtest_forecast", "forecast_purchases"),
    "cimlab.act.audiences": (
        "Audience",
        "Rule",
        "audience_members",
        "audience_versions",
        "list_audiences",
        "load_audience",
        "ready_audiences",
        "save_audience",
    ),
    "cimlab.act.attributes": ("customer_attributes",),
    "cimlab.act.snapshot": ("Snapshot", "open_snapshot", "workspace_version"),
    "cimlab.act.suppression": (
        "add_to_suppression_list",
        "set_soft_opt_in",
        "suppress",
        "suppression_list",
    ),
    "cimlab.act.campaigns": (
        "AudiencePreview",
        "ExportResult",
        "campaign_log",
        "campaign_members",
        "campaign_uplift",
        "export_audience",
        "preview_audience",
        "set_frequency_cap",
    ),
    "cimlab.act.uplift": ("UpliftReadout", "assign_control", "uplift_readout"),
    "cimlab.act.care": ("care_attributes", "care_dates"),
    "cimlab.act.holidays": ("upcoming_holidays",),
    "cimlab.contacts": ("canonical_email", "split_name"),
}

# Names from before 0.2 that keep working (not in __all__): old name -> current name.
_ALIASES: dict[str, str] = {
    "merge": "merge_customers",
    "split": "split_customer",
    "search": "search_customers",
}

# Modules that moved into packages in 0.2: `import cimlab.rfm` still finds cimlab.analytics.rfm.
_MOVED: dict[str, str] = {
    "cimlab.reading": "cimlab.ingest.reading",
    "cimlab.mapping": "cimlab.ingest.mapping",
    "cimlab.parsing": "cimlab.ingest.parsing",
    "cimlab.importer": "cimlab.ingest.importer",
    "cimlab.schemas": "cimlab.contracts.models",
    "cimlab.golden": "cimlab.customers.golden",
    "cimlab.profile": "cimlab.customers.profile",
    "cimlab.tags": "cimlab.customers.tags",
    "cimlab.consent": "cimlab.customers.consent",
    "cimlab.facts": "cimlab.analytics.facts",
    "cimlab.rfm": "cimlab.analytics.rfm",
    "cimlab.lifecycle": "cimlab.analytics.lifecycle",
    "cimlab.channels": "cimlab.analytics.channels",
    "cimlab.cohorts": "cimlab.analytics.cohorts",
    "cimlab.kpis": "cimlab.analytics.kpis",
    "cimlab.satisfaction": "cimlab.analytics.satisfaction",
    "cimlab.affinity": "cimlab.analytics.affinity",
    "cimlab.clusters": "cimlab.analytics.clusters",
    "cimlab.cli_analyse": "cimlab.cli.analyse",
    "cimlab.cli_customers": "cimlab.cli.customers",
}

_HOME = {name: module for module, names in _API.items() for name in names}
__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name in _ALIASES:
        return __getattr__(_ALIASES[name])
    if name not in _HOME:
        raise AttributeError(f"module 'cimlab' has no attribute {name!r}")
    module = importlib.import_module(_HOME[name])
    if module.__name__ != __name__ and hasattr(module, name):
        value = getattr(module, name)
    else:  # a submodule
        value = importlib.import_module(f"{_HOME[name]}.{name}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds a module under its pre-0.2 name and hands back the module at its new home."""

    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        # the import system returns whatever sys.modules holds under the old name afterwards
        sys.modules[module.__name__] = importlib.import_module(_MOVED[module.__name__])


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModules())


if TYPE_CHECKING:  # the same names, for type checkers (tests/test_api.py keeps them equal to _API)
    from cimlab import charts
    from cimlab.act.attributes import customer_attributes
    from cimlab.act.audiences import (
        Audience,
        Rule,
        audience_members,
        audience_versions,
        list_audiences,
        load_audience,
        ready_audiences,
        save_audience,
    )
    from cimlab.act.campaigns import (
        AudiencePreview,
        ExportResult,
        campaign_log,
        campaign_members,
        campaign_uplift,
        export_audience,
        preview_audience,
        set_frequency_cap,
    )
    from cimlab.act.care import care_attributes, care_dates
    from cimlab.act.holidays import upcoming_holidays
    from cimlab.act.snapshot import Snapshot, open_snapshot, workspace_version
    from cimlab.act.suppression import (
        add_to_suppression_list,
        set_soft_opt_in,
        suppress,
        suppression_list,
    )
    from cimlab.act.uplift import UpliftReadout, assign_control, uplift_readout
    from cimlab.analytics import kpis, rfm, satisfaction
    from cimlab.analytics.affinity import (
        ONLINE_RETAIL_NON_PRODUCTS,
        also_bought,
        item_labels,
        product_pairs,
        with_item_names,
    )
    from cimlab.analytics.channels import (
        acquisition_channels,
        acquisition_summary,
        channel_metrics,
        channel_migration,
        channel_overlap,
        migration_periods,
    )
    from cimlab.analytics.clusters import CustomerClusters, cluster_customers, customer_features
    from cimlab.analytics.cohorts import cohort_matrix, cohort_table
    from cimlab.analytics.facts import CustomerData, customer_data
    from cimlab.analytics.kpis import kpi_table, kpi_trend, trend_periods
    from cimlab.analytics.lifecycle import (
        STAGES,
        LifecycleRules,
        lifecycle_stages,
        month_ends,
        recent_month_ends,
        stage_counts,
        stage_transitions,
    )
    from cimlab.analytics.rfm import (
        SEGMENTS,
        customer_summary,
        rfm_scores,
        rfm_segments,
        rfm_table,
        segment_summary,
    )
    from cimlab.analytics.satisfaction import satisfaction_table, unhappy_high_value
    from cimlab.audit import audit_log
    from cimlab.auth import PERMISSIONS, add_user, allowed, list_users, remove_user, set_role
    from cimlab.backups import (
        BackupRecord,
        BackupSchedule,
        RestoreDrill,
        backup_due,
        backup_schedule,
        backup_status,
        backup_to,
        last_backup,
        list_backups,
        set_backup_schedule,
        verify_restore,
    )
    from cimlab.contacts import canonical_email, split_name
    from cimlab.contracts import TABLES, Customers, Feedback, Interactions, Orders
    from cimlab.customers.consent import consent_history, current_consent, set_consent
    from cimlab.customers.golden import golden_records, order_facts
    from cimlab.customers.profile import (
        CustomerProfile,
        customer_profile,
        named_review_queue,
        reveal_pii,
        search_customers,
    )
    from cimlab.customers.profile import search_customers as search
    from cimlab.customers.source_ids import with_source_ids
    from cimlab.customers.tags import add_tags, customer_tags, refresh_rule_tags, remove_tags
    from cimlab.demo import build_demo_workspace, generate_demo_files, read_manifest
    from cimlab.encryption import (
        PERSONAL_COLUMNS,
        ColumnCipher,
        Conversion,
        WorkspaceKeyError,
        encrypt_workspace,
        generate_key,
        load_key,
        rekey_workspace,
    )
    from cimlab.errors import (
        CimlabError,
        DataFileError,
        ExportError,
        MappingError,
        NotEnoughDataError,
        ValidationFailed,
        WorkspaceBusy,
        WorkspaceError,
    )
    from cimlab.export import table_bytes, write_table
    from cimlab.identity import customer_map, explain, merge_customers, resolve, split_customer
    from cimlab.identity import merge_customers as merge
    from cimlab.identity import split_customer as split
    from cimlab.ingest.importer import (
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
    from cimlab.ingest.mapping import (
        ColumnMapping,
        MappingOptions,
        RowFilter,
        detect_preset,
        list_presets,
        load_preset,
        resolve_mapping,
        suggest_mapping,
    )
    from cimlab.ingest.reading import (
        RawTable,
        ReadLimits,
        iter_file_chunks,
        read_bytes,
        read_file,
    )
    from cimlab.ingest.saved_mappings import (
        SavedMapping,
        delete_mapping,
        matching_mappings,
        save_mapping,
        saved_mappings,
    )
    from cimlab.money import (
        MissingRatesError,
        convert_orders,
        rates,
        reporting_currency,
        set_rates,
        set_reporting_currency,
    )
    from cimlab.predict.churn import (
        RISK_BANDS,
        ChurnEvaluation,
        ChurnModel,
        ChurnPrediction,
        churn_features,
        churn_labels,
        evaluate_churn,
        predict_churn,
        training_window,
    )
    from cimlab.predict.clv import PURCHASE_MODELS, ValuePrediction, predict_clv
    from cimlab.predict.forecast import ForecastBacktest, backtest_forecast, forecast_purchases
    from cimlab.predict.gaps import purchase_gaps
    from cimlab.predict.holdout import (
        CalibrationHoldout,
        HoldoutEvaluation,
        ModelChoice,
        ModelComparison,
        calibration_holdout,
        choose_model,
        compare_models,
        evaluate_holdout,
    )
    from cimlab.predict.maps import frequency_recency_map
    from cimlab.predict.purchases import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel
    from cimlab.predict.regularity import RegularBetaGeoModel
    from cimlab.predict.runs import workspace_churn, workspace_clv
    from cimlab.predict.segments import segment_value
    from cimlab.predict.spend import GammaGammaModel
    from cimlab.predict.store import (
        StoredPrediction,
        data_fingerprint,
        latest_prediction,
        load_prediction,
        save_prediction,
    )
    from cimlab.privacy import mask_email, mask_name, mask_phone, scrub_text
    from cimlab.settings import business_time_zone, set_time_zone, time_zone_choice
    from cimlab.workspace import IntegrityReport, Workspace, check_database
