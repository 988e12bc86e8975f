"""Texts of the Overview page and of its workspace charts (:mod:`cimlab.charts.workspace`).

Keys: ``ov.*``, ``chart.*``.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ overview page
    "ov.title": {"en": "Overview", "zh": "数据概览"},
    "ov.workspace": {"en": "Workspace: {path}", "zh": "工作区：{path}"},
    "ov.empty": {
        "en": "This workspace has no data yet. Import files on the Import page, "
        "or run `make app` to build the demo workspace.",
        "zh": "此工作区还没有数据。请在“导入数据”页面导入文件，或运行 `make app` 生成演示工作区。",
    },
    "ov.counts": {"en": "Rows per table and channel", "zh": "各数据表与渠道的行数"},
    "ov.channels": {"en": "{n} channels", "zh": "{n} 个渠道"},
    "ov.last_imports": {"en": "Last imports", "zh": "最近的导入"},
    "ov.history_chart": {
        "en": "Rows loaded and quarantined per import",
        "zh": "每次导入的导入行数与隔离行数",
    },
    # ------------------------------------------------------------------ charts
    "chart.rows": {"en": "Rows", "zh": "行数"},
    "chart.table": {"en": "Table", "zh": "数据表"},
    "chart.channel": {"en": "Channel", "zh": "渠道"},
    "chart.batch": {"en": "Batch", "zh": "批次"},
    "chart.file": {"en": "File", "zh": "文件"},
    "chart.outcome": {"en": "Outcome", "zh": "结果"},
    "chart.loaded": {"en": "Loaded", "zh": "已导入"},
    "chart.quarantined": {"en": "Quarantined", "zh": "已隔离"},
}
