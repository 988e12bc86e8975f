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

from cimlab.charts.workspace import counts_chart, import_history_chart

__all__ = ["counts_chart", "import_history_chart"]
