"""Chart builders shared by the app and notebooks: Polars frame in, ``alt.Chart`` out.

Builders are pure: they never call Streamlit and never read a workspace. Labels follow the
``lang`` argument (``"zh"`` or ``"en"``, see :mod:`cimlab.i18n`). One module per subject;
everything is importable from here.

Examples
--------
>>> import polars as pl
>>> counts = pl.DataFrame({"table": ["orders", "orders"], "channel": ["tmall", "jd"],
...                        "rows": [120, 30]})
>>> spec = counts_chart(counts, lang="en").to_dict()
>>> spec["mark"]["type"], spec["encoding"]["x"]["title"]
('bar', 'Rows')
"""

from __future__ import annotations

from cimlab.charts.affinity import pairs_scatter_chart, top_pairs_chart
from cimlab.charts.campaigns import reach_chart
from cimlab.charts.channels import acquisition_chart, channel_chart, migration_chart, overlap_chart
from cimlab.charts.clusters import cluster_k_chart, cluster_profile_chart, cluster_scatter_chart
from cimlab.charts.cohorts import cohort_chart
from cimlab.charts.kpis import kpi_trend_chart
from cimlab.charts.lifecycle import STAGE_COLORS, stage_counts_chart, transition_chart
from cimlab.charts.rfm import (
    SEGMENT_COLORS,
    rfm_distribution_chart,
    rfm_grid_chart,
    segment_bar_chart,
)
from cimlab.charts.satisfaction import (
    complaint_rate_chart,
    nps_chart,
    nps_mix_chart,
    satisfaction_trend_chart,
)
from cimlab.charts.workspace import counts_chart, import_history_chart

__all__ = [
    "SEGMENT_COLORS",
    "STAGE_COLORS",
    "acquisition_chart",
    "channel_chart",
    "cluster_k_chart",
    "cluster_profile_chart",
    "cluster_scatter_chart",
    "cohort_chart",
    "complaint_rate_chart",
    "counts_chart",
    "import_history_chart",
    "kpi_trend_chart",
    "migration_chart",
    "nps_chart",
    "nps_mix_chart",
    "overlap_chart",
    "pairs_scatter_chart",
    "reach_chart",
    "rfm_distribution_chart",
    "rfm_grid_chart",
    "satisfaction_trend_chart",
    "segment_bar_chart",
    "stage_counts_chart",
    "top_pairs_chart",
    "transition_chart",
]
