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
        "en": "Choose the channel this file comes from in the Channel box, or map a column that "
        "holds each row's channel (Channel in the column mapping), to see the validation report.",
        "zh": "请在“渠道”框中选择文件所属渠道，或在列映射中为“渠道”选择一列（每行自带渠道），然后即可看到校验报告。",
    },
    "imp.channel_from_column": {
        "en": "Each row's channel comes from the mapped Channel column; the Channel box is "
        "optional and fills the rows whose cell is empty.",
        "zh": "每行的渠道取自列映射中的“渠道”列；“渠道”框可不选，选了则用于填充该列为空的行。",
    },
    "imp.channel_invalid": {
        "en": "“{channel}” is not a valid channel name: use lower-case letters, digits and _, "
        "starting with a letter (for example online_shop).",
        "zh": "“{channel}”不是有效的渠道名称：请使用小写字母、数字和下划线，并以字母开头（如 online_shop）。",
    },
    "imp.mapping": {"en": "Column mapping", "zh": "列映射"},
    "imp.mapping_help": {
        "en": "For each column of the table, pick the file's column that holds it, one value for "
        "every row (a constant), or a value composed of several columns (a template). "
        "* marks required columns.",
        "zh": "为数据表的每一列选择文件中对应的列，或为所有行填同一个值（常量），或由多列拼接而成（模板）。"
        "* 表示必填列。",
    },
    "imp.source_constant": {"en": "(one value for every row…)", "zh": "（所有行同一个值…）"},
    "imp.source_template": {"en": "(composed from columns…)", "zh": "（由多列拼接…）"},
    "imp.constant_value": {"en": "Value for every row", "zh": "所有行的值"},
    "imp.constant_placeholder": {"en": "e.g. BRL or 1", "zh": "如 BRL 或 1"},
    "imp.constant_help": {
        "en": "Read like a cell of the file: a currency code, a quantity, a status…",
        "zh": "按文件中的单元格读取：币种代码、数量、状态等。",
    },
    "imp.template": {"en": "Template", "zh": "模板"},
    "imp.template_help": {
        "en": "Write each column as {{column}} with the text between, e.g. {{user_id}}-{{timestamp}}; "
        "{{{{ and }}}} are literal braces. Columns of this file: {headers}",
        "zh": "用 {{列名}} 表示一列的值，中间写连接文字，如 {{user_id}}-{{timestamp}}；{{{{ 和 }}}} 表示花括号本身。"
        "本文件的列：{headers}",
    },
    "imp.template_invalid": {
        "en": "This template cannot be read: name at least one column in braces, such as "
        "{{user_id}}, and write {{{{ or }}}} for a brace itself.",
        "zh": "无法识别此模板：请至少用花括号写出一列（如 {{user_id}}），花括号本身请写成 {{{{ 或 }}}}。",
    },
    "imp.filters": {"en": "Row filters", "zh": "行筛选"},
    "imp.filters_help": {
        "en": "Import only the rows that pass every rule (compared with the cell as written, "
        "spaces trimmed). The other rows are counted as filtered out, not imported. A row "
        "whose value cannot be read is still quarantined, never filtered.",
        "zh": "只导入满足所有规则的行（与单元格原文比较，忽略首尾空格），其余行计为“已筛除”，不导入。"
        "无法读取的行仍会被隔离，不会被筛除。",
    },
    "imp.filter_column": {"en": "Column", "zh": "列"},
    "imp.filter_op": {"en": "Condition", "zh": "条件"},
    "imp.filter_values": {"en": "Value(s)", "zh": "值"},
    "imp.filter_one": {"en": "e.g. buy", "zh": "如 buy"},
    "imp.filter_list": {
        "en": "values separated by commas, e.g. invoiced, shipped",
        "zh": "多个值用逗号分隔，如 invoiced, shipped",
    },
    "imp.filter_remove": {"en": "Remove", "zh": "删除"},
    "imp.filter_add": {"en": "Add a rule", "zh": "添加规则"},
    "imp.filter_invalid": {
        "en": "The rule on {column} cannot be read: give a value (several values separated by "
        "commas; put a value holding a comma or a quote in double quotes).",
        "zh": "关于“{column}”的规则无法识别：请填写值（多个值用逗号分隔；含逗号或引号的值请用双引号括起）。",
    },
    "imp.filters_incomplete": {
        "en": "Finish or remove the incomplete rules to see the validation report.",
        "zh": "请补全或删除未完成的规则，然后即可看到校验报告。",
    },
    "imp.op_eq": {"en": "is (==)", "zh": "等于 (==)"},
    "imp.op_ne": {"en": "is not (!=)", "zh": "不等于 (!=)"},
    "imp.op_in": {"en": "is one of (in)", "zh": "属于其中之一 (in)"},
    "imp.op_not_in": {"en": "is none of (not in)", "zh": "不属于其中任何一个 (not in)"},
    "imp.op_not_empty": {"en": "is not empty", "zh": "不为空"},
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
    "imp.time_format": {"en": "Format of the times", "zh": "时间格式"},
    "imp.time_format_auto": {
        "en": "Automatic (dates; 10 digits = epoch seconds, 13 = epoch ms)",
        "zh": "自动识别（日期；10 位数字为 Unix 秒，13 位为 Unix 毫秒）",
    },
    "imp.time_format_epoch_s": {"en": "Unix epoch seconds (UTC)", "zh": "Unix 时间戳，秒（UTC）"},
    "imp.time_format_epoch_ms": {
        "en": "Unix epoch milliseconds (UTC)",
        "zh": "Unix 时间戳，毫秒（UTC）",
    },
    "imp.time_format_help": {
        "en": "Choose epoch seconds or milliseconds when every time column holds Unix times of "
        "other lengths; automatic reads dates and takes 10- or 13-digit numbers as epoch times.",
        "zh": "当时间列全部是其他位数的 Unix 时间戳时，请选择秒或毫秒；“自动识别”读取日期，并把 10 位或 13 位数字当作 Unix 时间戳。",
    },
    "imp.amount_placeholder": {
        "en": "The amounts are placeholders",
        "zh": "金额只是占位值",
    },
    "imp.amount_placeholder_help": {
        "en": "Tick it when the file has no real amounts (for example an amount of 1 for every "
        "row): analyses then say so instead of showing revenue.",
        "zh": "文件没有真实金额时勾选（例如每行金额都填 1）：分析结果会注明这一点，而不显示收入。",
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
    "imp.status_map": {"en": "Status map", "zh": "状态映射"},
    "imp.sm_help": {
        "en": "The {n} distinct values of the status column {column} and what each means. "
        "Choose a meaning for each ⚠ value: it is saved in the mapping (status_values) and in "
        "the mapping YAML you download.",
        "zh": "状态列“{column}”中的 {n} 个不同取值及其含义。请为每个标有 ⚠ 的取值选择含义："
        "它会保存在映射（status_values）以及下载的映射 YAML 文件中。",
    },
    "imp.sm_partial": {
        "en": "The {shown} most frequent of {n} distinct values are shown.",
        "zh": "仅显示 {n} 个不同取值中最常见的 {shown} 个。",
    },
    "imp.sm_unmapped": {
        "en": "Statuses without a meaning (their rows would be quarantined): {values}",
        "zh": "以下状态还没有含义（它们所在的行会被隔离）：{values}",
    },
    "imp.sm_value": {"en": "Status in the file", "zh": "文件中的状态"},
    "imp.sm_rows": {"en": "Rows", "zh": "行数"},
    "imp.sm_meaning": {"en": "Meaning", "zh": "含义"},
    "imp.sm_meaning_help": {
        "en": "paid: a sale; pending: not paid yet; refunded: paid, then refunded; cancelled: "
        "never a sale.",
        "zh": "已付款：成交；待付款：尚未付款；已退款：付款后退款；已取消：未成交。",
    },
    "imp.sm_how": {"en": "Meaning from", "zh": "含义来源"},
    "imp.sm_built_in": {"en": "built in", "zh": "内置"},
    "imp.sm_yours": {"en": "your mapping", "zh": "你的映射"},
    "imp.sm_unmapped_flag": {"en": "⚠ unmapped", "zh": "⚠ 未映射"},
    "imp.status_paid": {"en": "paid", "zh": "已付款 (paid)"},
    "imp.status_pending": {"en": "pending", "zh": "待付款 (pending)"},
    "imp.status_refunded": {"en": "refunded", "zh": "已退款 (refunded)"},
    "imp.status_cancelled": {"en": "cancelled", "zh": "已取消 (cancelled)"},
    "imp.status_unknown": {
        "en": "{n} rows are quarantined for a status cimlab does not know: give those statuses a "
        "meaning in the status map.",
        "zh": "有 {n} 行因订单状态无法识别而被隔离：请在状态映射中为这些状态指定含义。",
    },
    "imp.open_status_map": {"en": "Open the status map", "zh": "打开状态映射"},
    "imp.report": {"en": "Validation report", "zh": "校验报告"},
    "imp.rows_read": {"en": "Rows read", "zh": "读取行数"},
    "imp.rows_loadable": {"en": "Rows to load", "zh": "可导入行数"},
    "imp.rows_quarantined": {"en": "Rows quarantined", "zh": "隔离行数"},
    "imp.rows_filtered": {"en": "Rows filtered out", "zh": "筛除行数"},
    "imp.invariant": {
        "en": "Rows read = rows to load + rows quarantined + rows filtered out: "
        "{read} = {loaded} + {quarantined} + {filtered}",
        "zh": "读取行数 = 可导入行数 + 隔离行数 + 筛除行数：{read} = {loaded} + {quarantined} + {filtered}",
    },
    "imp.filtered_by_rule": {
        "en": "Filtered out, by the first rule a row fails: {rules}",
        "zh": "按行未满足的第一条规则统计的筛除行数：{rules}",
    },
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
    "imp.imported_filtered": {
        "en": "{n} rows were filtered out by the row filters and not imported.",
        "zh": "有 {n} 行被行筛选规则筛除，未导入。",
    },
    "imp.save_name": {"en": "Name of this mapping", "zh": "映射名称"},
    "imp.save_name_placeholder": {"en": "e.g. shop tills export", "zh": "如 门店收银导出"},
    "imp.save_button": {"en": "Save this mapping", "zh": "保存此映射"},
    "imp.save_help": {
        "en": "Kept in the workspace: the next file with the same columns is offered it, and "
        "the command line uses it with --mapping NAME.",
        "zh": "保存在工作区中：下次上传列相同的文件时会优先推荐它；命令行可用 --mapping 名称 使用它。",
    },
    "imp.saved": {
        "en": "Mapping saved as “{name}”: it is offered for the next file with these columns.",
        "zh": "映射已保存为“{name}”：下次上传列相同的文件时会推荐它。",
    },
    "imp.save_name_invalid": {
        "en": "Choose another name: 1 to 80 characters, not the name of a preset, not ending in "
        ".yaml; and every column the mapping reads must be in the file.",
        "zh": "请换一个名称：1 至 80 个字符，不能与预设同名，不能以 .yaml 结尾；且映射用到的列都必须在文件中。",
    },
    "imp.download_mapping": {"en": "Download the mapping (YAML)", "zh": "下载映射（YAML）"},
    "imp.download_mapping_help": {
        "en": "The mapping as a file the command line reads: cimlab import FILE --mapping "
        "MAPPING.yaml",
        "zh": "映射文件，可供命令行使用：cimlab import 文件 --mapping 映射.yaml",
    },
    "imp.use_saved": {"en": "Use saved mapping: {name}", "zh": "使用已保存的映射：{name}"},
    "imp.use_saved_partial": {
        "en": "Saved mapping {name} (the file has other columns too)",
        "zh": "已保存的映射 {name}（文件还有其他列）",
    },
    # ------------------------------------------------------------------ file-level errors
    "imp.err_line": {"en": " (line {line})", "zh": "（第 {line} 行）"},
    "imp.err_no_currency": {
        "en": "Cannot continue: the amounts of {file} carry no currency: the file has no "
        "currency column and no amount has a currency symbol (¥, €…). Choose it in “Currency of "
        "the amounts” under Reading options in the column mapping, or map a currency column.",
        "zh": "无法继续：文件 {file} 的金额没有币种：文件中没有币种列，金额也没有 ¥、€ 之类的货币符号。"
        "请在“列映射”的“读取选项”中选择“金额币种”，或在列映射中选择币种列。",
    },
    "imp.err_empty": {
        "en": "Cannot continue: {file}{where} is empty. Export it again with a header row and "
        "data, then upload it again.",
        "zh": "无法继续：文件 {file}{where}是空的。请重新导出（包含表头行和数据）后再上传。",
    },
    "imp.err_binary": {
        "en": "Cannot continue: {file}{where} is not a text table. Save it as CSV (UTF-8) or "
        "XLSX and upload it again.",
        "zh": "无法继续：文件 {file}{where}不是表格文本。请另存为 CSV（UTF-8）或 XLSX 后重新上传。",
    },
    "imp.err_encoding": {
        "en": "Cannot continue: {file}{where} is neither UTF-8 nor GBK/GB18030 text. Save it "
        "again as CSV UTF-8 and upload it again.",
        "zh": "无法继续：文件 {file}{where}既不是 UTF-8 也不是 GBK/GB18030 编码。请另存为 CSV UTF-8 后重新上传。",
    },
    "imp.err_mixed_encoding": {
        "en": "Cannot continue: {file}{where} mixes two encodings. Save it again in one "
        "encoding (CSV UTF-8) and upload it again.",
        "zh": "无法继续：文件 {file}{where}混用了两种编码。请统一另存为 CSV UTF-8 后重新上传。",
    },
    "imp.err_quote": {
        "en": "Cannot continue: in {file}{where} a double quote is never closed. Close it, or "
        'double it ("") inside a quoted value, and upload the file again.',
        "zh": '无法继续：文件 {file}{where}中有未闭合的双引号。请补上引号，或在带引号的值中把引号写成两个（""），然后重新上传。',
    },
    "imp.err_no_header": {
        "en": "Cannot continue: {file}{where} has no header row. Add the column names as the "
        "first row and upload it again.",
        "zh": "无法继续：文件 {file}{where}没有表头行。请在第一行写上列名后重新上传。",
    },
    "imp.err_json": {
        "en": "Cannot continue: {file}{where} is not JSON cimlab can read (an array of flat "
        "records, or one record per line). Fix that place and upload it again.",
        "zh": "无法继续：文件 {file}{where}不是可以读取的 JSON（应为扁平记录组成的数组，或每行一条记录）。请修正后重新上传。",
    },
    "imp.err_xlsx": {
        "en": "Cannot continue: {file}{where} is not a readable XLSX workbook. Open it in Excel, "
        "save it again as XLSX or CSV (UTF-8) and upload it again.",
        "zh": "无法继续：文件 {file}{where}不是可读取的 XLSX 工作簿。请用 Excel 打开，另存为 XLSX 或 CSV（UTF-8）后重新上传。",
    },
    "imp.err_parquet": {
        "en": "Cannot continue: {file}{where} is not a readable Parquet file. Export it again "
        "and upload it again.",
        "zh": "无法继续：文件 {file}{where}不是可读取的 Parquet 文件。请重新导出后再上传。",
    },
    "imp.err_gzip": {
        "en": "Cannot continue: {file}{where} is named .gz but is not a readable gzip file "
        "(damaged or cut short). Compress it again and upload it again.",
        "zh": "无法继续：文件 {file}{where}扩展名为 .gz，但不是可读取的 gzip 文件（已损坏或不完整）。请重新压缩后再上传。",
    },
    "imp.err_read": {
        "en": "Cannot continue: {file}{where} cannot be read: {reason}",
        "zh": "无法继续：无法读取文件 {file}{where}。详细原因（英文）：{reason}",
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
    "hist.rows_filtered": {"en": "Filtered out", "zh": "筛除"},
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
