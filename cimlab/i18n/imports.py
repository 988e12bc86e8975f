"""Texts of the Import page: upload, preview, column mapping, checks, the import history
and undo.

Keys: ``imp.*``, ``hist.*`` and ``status.*`` (history columns and batch
statuses), ``delim.*`` (delimiters).
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ import page
    "imp.title": {"en": "Import files", "zh": "导入文件"},
    "imp.intro": {
        "en": "Upload channel exports, check how they are read and mapped, then import them. "
        "Nothing is written until you press Import.",
        "zh": "上传各渠道导出的文件，检查读取和列映射结果后再导入。点击“导入”之前不会写入任何数据。",
    },
    "imp.uploader": {
        "en": "Files to import (CSV, TSV, TXT, XLSX, JSON, NDJSON, Parquet, .gz)",
        "zh": "要导入的文件（CSV、TSV、TXT、XLSX、JSON、NDJSON、Parquet、.gz）",
    },
    "imp.no_files": {
        "en": "Upload one or more files to see how they are read and what would be imported.",
        "zh": "请上传一个或多个文件，查看读取结果和将要导入的内容。",
    },
    "imp.file_header": {"en": "File: {file}", "zh": "文件：{file}"},
    "imp.detected": {
        "en": "Format **{format}** · encoding **{encoding}** · delimiter **{delimiter}** · "
        "{rows} data rows",
        "zh": "格式：**{format}** · 编码：**{encoding}** · 分隔符：**{delimiter}** · {rows} 行数据",
    },
    "imp.not_applicable": {"en": "—", "zh": "—"},
    "imp.sheet": {"en": "Worksheet", "zh": "工作表"},
    "imp.sheet_hidden": {"en": "{name} (hidden)", "zh": "{name}（隐藏）"},
    "imp.sheets_hidden_note": {
        "en": "Hidden worksheets in this workbook: {names}",
        "zh": "此工作簿中的隐藏工作表：{names}",
    },
    "imp.preview": {
        "en": "Preview: first {n} rows (phone numbers, e-mails and names masked)",
        "zh": "预览：前 {n} 行（手机号、邮箱和姓名已脱敏）",
    },
    "imp.table": {"en": "Table", "zh": "数据表"},
    "imp.table_help": {
        "en": "Which canonical table the file's rows go to.",
        "zh": "文件中的行要导入到哪一张标准数据表。",
    },
    "imp.choose_table": {
        "en": "Choose the table this file belongs to.",
        "zh": "请选择此文件对应的数据表。",
    },
    "imp.preset": {"en": "Column preset", "zh": "列映射预设"},
    "imp.preset_help": {
        "en": "A known export layout (header spellings, time zone, status words). "
        "Detected from the headers; change it if the guess is wrong.",
        "zh": "已知的导出格式（表头写法、时区、状态文字），根据表头自动识别；识别有误时可更改。",
    },
    "imp.preset_none": {"en": "(no preset)", "zh": "（不使用预设）"},
    "imp.channel": {"en": "Channel", "zh": "渠道"},
    "imp.channel_help": {
        "en": "Where the file comes from. Pick one or type a new name: lower-case letters, "
        "digits and _ (for example tmall, online_shop).",
        "zh": "文件来自哪个渠道。可从列表选择或输入新名称：小写字母、数字和下划线（如 tmall、online_shop）。",
    },
    "imp.choose_channel": {
        "en": "Choose the channel this file comes from to see the validation report.",
        "zh": "请选择文件所属渠道，然后即可看到校验报告。",
    },
    "imp.channel_invalid": {
        "en": "“{channel}” is not a valid channel name: use lower-case letters, digits and _, "
        "starting with a letter (for example online_shop).",
        "zh": "“{channel}”不是有效的渠道名称：请使用小写字母、数字和下划线，并以字母开头（如 online_shop）。",
    },
    "imp.mapping": {"en": "Column mapping", "zh": "列映射"},
    "imp.mapping_help": {
        "en": "For each column of the table, pick the file's column that holds it. "
        "* marks required columns.",
        "zh": "为数据表的每一列选择文件中对应的列。* 表示必填列。",
    },
    "imp.options": {"en": "Reading options", "zh": "读取选项"},
    "imp.currency": {"en": "Currency of the amounts", "zh": "金额币种"},
    "imp.currency_help": {
        "en": "Used when the file has no currency column: an ISO code such as CNY, USD, GBP.",
        "zh": "文件中没有币种列时使用：CNY、USD、GBP 等三位代码。",
    },
    "imp.timezone": {"en": "Time zone of the times", "zh": "时间所在时区"},
    "imp.timezone_help": {
        "en": "Times without a zone are read in this zone and stored in UTC.",
        "zh": "未注明时区的时间按此时区读取，并以 UTC 保存。",
    },
    "imp.day_first": {
        "en": "Dates are day first (05/01/2024 = 5 January)",
        "zh": "日期为日在前（05/01/2024 = 1月5日）",
    },
    "imp.choose": {"en": "Choose…", "zh": "请选择…"},
    "imp.choose_or_type": {"en": "Choose or type…", "zh": "选择或输入…"},
    "imp.import_all": {
        "en": "Import all {n} checked files",
        "zh": "导入全部 {n} 个已校验的文件",
    },
    "imp.import_all_help": {
        "en": "Each file is imported in its own transaction, in the order shown; files "
        "already imported add nothing.",
        "zh": "每个文件按显示顺序各自作为一个事务导入；已经导入过的文件不会重复添加。",
    },
    "imp.none": {"en": "(none)", "zh": "（无）"},
    "imp.required_mark": {"en": "{label} *", "zh": "{label} *"},
    "imp.required_missing": {
        "en": "Required columns without a source column: {columns}. Pick them in the column mapping.",
        "zh": "以下必填列还没有对应的文件列：{columns}。请在列映射中选择。",
    },
    "imp.unmapped": {
        "en": "Columns of the file that will not be imported: {columns}",
        "zh": "文件中不会导入的列：{columns}",
    },
    "imp.report": {"en": "Validation report", "zh": "校验报告"},
    "imp.rows_read": {"en": "Rows read", "zh": "读取行数"},
    "imp.rows_loadable": {"en": "Rows to load", "zh": "可导入行数"},
    "imp.rows_quarantined": {"en": "Rows quarantined", "zh": "隔离行数"},
    "imp.all_valid": {
        "en": "Every row passed the checks.",
        "zh": "所有行都通过了校验。",
    },
    "imp.problems": {
        "en": "Problems found ({shown} of {total} shown). Quarantined rows are not imported; "
        "fix them and import the corrected rows later.",
        "zh": "发现的问题（显示 {total} 条中的 {shown} 条）。被隔离的行不会导入，可修正后再次导入。",
    },
    "imp.col_line": {"en": "Line", "zh": "行号"},
    "imp.col_column": {"en": "Column", "zh": "列"},
    "imp.col_value": {"en": "Value", "zh": "值"},
    "imp.col_reason": {"en": "Problem", "zh": "问题"},
    "imp.download": {
        "en": "Download quarantined rows (CSV)",
        "zh": "下载被隔离的行（CSV）",
    },
    "imp.notes": {"en": "Notes from reading the file: {notes}", "zh": "读取文件时的提示：{notes}"},
    "imp.import_button": {"en": "Import into the workspace", "zh": "导入到工作区"},
    "imp.imported": {
        "en": "Imported as batch {batch}: {loaded} rows loaded, {quarantined} rows quarantined.",
        "zh": "已导入，批次 {batch}：导入 {loaded} 行，隔离 {quarantined} 行。",
    },
    "imp.duplicates": {
        "en": "{n} rows were already in the workspace and were not added again.",
        "zh": "{n} 行已在工作区中，未重复添加。",
    },
    "imp.already": {
        "en": "This file was already imported (batch {batch}); nothing was added.",
        "zh": "此文件已经导入过（批次 {batch}），没有添加任何数据。",
    },
    "imp.history": {"en": "Import history", "zh": "导入历史"},
    "imp.history_empty": {"en": "No imports yet.", "zh": "还没有导入记录。"},
    "imp.undo": {"en": "Undo an import", "zh": "撤销导入"},
    "imp.undo_select": {"en": "Batch to undo", "zh": "要撤销的批次"},
    "imp.undo_option": {
        "en": "{batch} · {file} · {rows} rows",
        "zh": "{batch} · {file} · {rows} 行",
    },
    "imp.undo_confirm": {
        "en": "Yes, remove the rows this batch added",
        "zh": "确认删除此批次导入的所有行",
    },
    "imp.undo_button": {"en": "Undo batch", "zh": "撤销批次"},
    "imp.undone": {
        "en": "Batch {batch} was undone: its rows were removed.",
        "zh": "批次 {batch} 已撤销，其导入的行已删除。",
    },
    "imp.undo_none": {
        "en": "There is no import that can be undone.",
        "zh": "没有可以撤销的导入。",
    },
    # ------------------------------------------------------------------ history columns
    "hist.batch_id": {"en": "Batch", "zh": "批次"},
    "hist.table": {"en": "Table", "zh": "数据表"},
    "hist.channel": {"en": "Channel", "zh": "渠道"},
    "hist.file": {"en": "File", "zh": "文件"},
    "hist.rows_read": {"en": "Read", "zh": "读取"},
    "hist.rows_loaded": {"en": "Loaded", "zh": "导入"},
    "hist.rows_quarantined": {"en": "Quarantined", "zh": "隔离"},
    "hist.rows_duplicate": {"en": "Duplicates", "zh": "重复"},
    "hist.imported_at": {"en": "Imported at ({zone})", "zh": "导入时间（{zone}）"},
    "hist.status": {"en": "Status", "zh": "状态"},
    "status.active": {"en": "active", "zh": "有效"},
    "status.undone": {"en": "undone", "zh": "已撤销"},
    # ------------------------------------------------------------------ delimiters
    "delim.comma": {"en": "comma (,)", "zh": "逗号 (,)"},
    "delim.tab": {"en": "tab", "zh": "制表符"},
    "delim.semicolon": {"en": "semicolon (;)", "zh": "分号 (;)"},
    "delim.pipe": {"en": "pipe (|)", "zh": "竖线 (|)"},
}
