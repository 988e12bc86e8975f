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
    # ------------------------------------------------------------------ backups (cimlab.backups)
    "ov.backup_last": {
        "en": "Last backup {age} ago ({period}, into {folder}).",
        "zh": "上次备份：{age}前（{period}，保存在 {folder}）。",
    },
    "ov.backup_overdue": {
        "en": "Backup overdue: the newest backup in {folder} is {age} old, but the schedule is "
        "{period}. Check the scheduled job (cron or systemd timer) that runs "
        "`cimlab workspace backup --schedule`.",
        "zh": "备份已逾期：{folder} 中最新的备份已有{age}，而备份计划为{period}一次。请检查运行 "
        "`cimlab workspace backup --schedule` 的定时任务（cron 或 systemd 定时器）。",
    },
    "ov.backup_none": {
        "en": "No backup yet in {folder}, although the schedule is {period}. Check the scheduled "
        "job (cron or systemd timer) that runs `cimlab workspace backup --schedule`.",
        "zh": "{folder} 中还没有任何备份，而备份计划为{period}一次。请检查运行 "
        "`cimlab workspace backup --schedule` 的定时任务（cron 或 systemd 定时器）。",
    },
    "ov.backup_unscheduled": {
        "en": "No backup schedule for this workspace: set one with "
        "`cimlab workspace backup --schedule weekly --to DIR`.",
        "zh": "此工作区尚未设置定期备份：可运行 "
        "`cimlab workspace backup --schedule weekly --to DIR` 进行设置。",
    },
    "ov.backup_period.daily": {"en": "daily", "zh": "每天"},
    "ov.backup_period.weekly": {"en": "weekly", "zh": "每周"},
    "ov.backup_age.days": {"en": "{n} days", "zh": "{n} 天"},
    "ov.backup_age.day": {"en": "{n} day", "zh": "{n} 天"},
    "ov.backup_age.hours": {"en": "{n} hours", "zh": "{n} 小时"},
    "ov.backup_age.hour": {"en": "{n} hour", "zh": "{n} 小时"},
    "ov.backup_age.minutes": {"en": "{n} minutes", "zh": "{n} 分钟"},
    "ov.backup_age.minute": {"en": "{n} minute", "zh": "{n} 分钟"},
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
