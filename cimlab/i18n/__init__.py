"""User-interface texts in 中文 and English, and display names of tables, channels and columns.

Every label the app shows goes through :func:`t`, so a page never holds a literal sentence.
Texts are ``str.format`` templates: placeholders (``{file}``) are filled from keyword arguments
and must be the same in both languages (``tests/test_i18n.py`` checks it, and that every key the
app uses exists).

Examples
--------
>>> t("nav.import", "zh"), t("nav.import", "en")
('导入数据', 'Import')
>>> t("imp.file_header", "en", file="orders.csv")
'File: orders.csv'
>>> table_label("orders", "zh"), channel_label("tmall", "en"), column_label("orders", "order_ts", "zh")
('订单', 'Tmall', '下单时间')
"""

from __future__ import annotations

import functools
from typing import Final

from cimlab.errors import CimlabError
from cimlab.i18n import channels as _channel_texts
from cimlab.i18n import satisfaction as _satisfaction_texts
from cimlab.i18n import segments as _segment_texts

__all__ = [
    "CHANNEL_LABELS",
    "LANGS",
    "MESSAGES",
    "channel_label",
    "column_label",
    "lang_label",
    "t",
    "table_label",
]

LANGS: Final = ("zh", "en")
"""Supported languages, the default first."""

_LANG_NAMES = {"zh": "中文", "en": "English"}

MESSAGES: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ shell
    "app.language": {"en": "Language / 语言", "zh": "语言 / Language"},
    "app.workspace": {"en": "Workspace", "zh": "工作区"},
    "app.workspace_help": {
        "en": "Folder of the DuckDB workspace (set with the CIMLAB_WORKSPACE environment variable).",
        "zh": "DuckDB 工作区所在文件夹（可用环境变量 CIMLAB_WORKSPACE 设置）。",
    },
    "nav.import": {"en": "Import", "zh": "导入数据"},
    "nav.overview": {"en": "Overview", "zh": "数据概览"},
    "nav.customers": {"en": "Customers", "zh": "客户"},
    "app.settings": {"en": "Workspace settings", "zh": "工作区设置"},
    "app.time_zone": {"en": "Business time zone", "zh": "业务时区"},
    "app.time_zone_auto": {
        "en": "Automatic: {zone}",
        "zh": "自动：{zone}",
    },
    "app.time_zone_help": {
        "en": "The calendar every analysis counts days, months and quarters in (orders are "
        "stored in UTC). Automatic uses the time zone your imports read times in. Changing it "
        "applies to everyone who uses this workspace.",
        "zh": "所有分析按此时区划分日、月和季度（订单以 UTC 存储）。“自动”使用导入文件时所用的时区。"
        "修改后对使用此工作区的所有人生效。",
    },
    "app.source_priority": {
        "en": "Trusted sources, best first",
        "zh": "可信数据来源（按优先级）",
    },
    "app.source_priority_none": {
        "en": "None: the most recent value wins",
        "zh": "未设置：以最新的值为准",
    },
    "app.source_priority_help": {
        "en": "Channels whose customer data the golden record trusts most, in the order you "
        "pick them: a name, phone or address from the first beats any other, whatever the "
        "dates. Leave empty to let the most recent valid value win.",
        "zh": "黄金记录最信任的渠道，按选择顺序排列：排在前面的渠道的姓名、手机号、地址等优先于其他来源，"
        "不论时间先后。留空则以最新的有效值为准。",
    },
    "app.reveal_on": {
        "en": "Revealing contact data: allowed (logged)",
        "zh": "查看未脱敏联系方式：已允许（会记录）",
    },
    "app.reveal_off": {
        "en": "Contact data: masked",
        "zh": "联系方式：已脱敏",
    },
    "app.reveal_help": {
        "en": "Phones and e-mails are masked everywhere. An admin allows revealing them on the "
        "Customers page by starting the app with the environment variable {env}=1; each reveal "
        "asks for a reason and is logged (who, when, why).",
        "zh": "手机号和邮箱在各处均脱敏显示。管理员以环境变量 {env}=1 启动应用后，可在“客户”页面查看未脱敏数据；"
        "每次查看都需填写原因，并记录查看人、时间和原因。",
    },
    "error.prefix": {"en": "Cannot continue: {message}", "zh": "无法继续：{message}"},
    "error.unexpected": {
        "en": "Something unexpected went wrong. The details are in the server log; "
        "please try again or report the problem.",
        "zh": "发生了意外错误，详细信息已写入服务器日志。请重试或报告此问题。",
    },
    "error.workspace_busy": {
        "en": "The workspace is busy: another import or command is writing to it. "
        "Wait until it has finished and try again. ({message})",
        "zh": "工作区正忙：另一个导入或命令正在写入。请等它完成后重试。（{message}）",
    },
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
    # ------------------------------------------------------------------ customers page
    "cust.title": {"en": "Customers", "zh": "客户"},
    "cust.intro": {
        "en": "One customer per person across channels: resolve identities, look anyone up and "
        "see everything in one place. Contact data is shown masked.",
        "zh": "跨渠道的“一人一客户”：识别客户身份，查找任何客户，在一个页面查看全部信息。联系方式均已脱敏显示。",
    },
    "cust.help_title": {"en": "How this page works", "zh": "使用说明"},
    "cust.help": {
        "en": "- **Resolve identities** links the records of every channel (customer lists and "
        "the buyers on orders, interactions and feedback) into one customer per person, by a "
        "shared phone, e-mail or member id. Run it again after each import: customer ids stay "
        "the same wherever the people did not change. With *fuzzy matching* on, similar names "
        "in the same city are proposed for review and never merged on their own.\n"
        "- **Search** by name, phone (any spelling, or the last 4 digits), e-mail, a channel's "
        "customer id or a unified id such as C000123.\n"
        "- **Privacy**: phones and e-mails are always masked (138\\*\\*\\*\\*8000, "
        "a\\*\\*\\*@x.com). Unmasked contact data can be revealed only when an admin starts "
        "the app with the environment variable {env}; each reveal asks for a reason and is "
        "logged (who, when, why).\n"
        "- Manual merges, splits, tags and consent changes are kept and win over later imports "
        "and re-runs.",
        "zh": "- **识别客户身份**：根据相同的手机号、邮箱或会员编号，把各渠道的记录（客户名单，以及订单、"
        "互动和反馈中的买家）合并为“一人一客户”。每次导入后请重新运行；客户未变化的，客户编号保持不变。"
        "开启*模糊匹配*后，同城且姓名相似的记录会列入待审核建议，不会自动合并。\n"
        "- **搜索**：可按姓名、手机号（任意写法或后 4 位）、邮箱、渠道客户编号或统一客户编号（如 "
        "C000123）查找。\n"
        "- **隐私**：手机号和邮箱始终脱敏显示（138\\*\\*\\*\\*8000、a\\*\\*\\*@x.com）。只有管理员"
        "以环境变量 {env} 启动应用后，才能查看未脱敏的联系方式；每次查看都需填写原因，并记录"
        "查看人、时间和原因。\n"
        "- 人工合并、拆分、标签和营销许可的修改会被保留，优先于之后的导入和重新识别。",
    },
    "cust.no_data": {
        "en": "This workspace has no data yet. Import customer, order, interaction or feedback "
        "files on the Import page first.",
        "zh": "此工作区还没有数据。请先在“导入数据”页面导入客户、订单、互动或反馈文件。",
    },
    "cust.resolve_header": {"en": "Identity resolution", "zh": "客户身份识别"},
    "cust.never_resolved": {
        "en": "Identities have not been resolved yet: press **Resolve identities** to link the "
        "records of all channels into customers. Search and the customer view need it.",
        "zh": "尚未进行客户身份识别：请点击“**识别客户身份**”，把各渠道的记录合并为客户。搜索和客户视图都需要先完成这一步。",
    },
    "cust.m_records": {"en": "Source records", "zh": "来源记录"},
    "cust.m_customers": {"en": "Customers", "zh": "客户数"},
    "cust.m_blocked": {"en": "Blocked keys", "zh": "已屏蔽的标识"},
    "cust.m_blocked_help": {
        "en": "Phones, e-mails or ids not used for linking: placeholders (13800000000, "
        "`test@test.com`) or values shared by too many records (a switchboard, a shop's number).",
        "zh": "不用于关联的手机号、邮箱或编号：占位值（如 13800000000、`test@test.com`），或被过多记录共用的值（如总机、门店电话）。",
    },
    "cust.m_proposals": {"en": "Proposals to review", "zh": "待审核建议"},
    "cust.records_by_rule": {
        "en": "Records by reason: {rules}",
        "zh": "按关联原因统计的记录数：{rules}",
    },
    "cust.resolve_button": {"en": "Resolve identities", "zh": "识别客户身份"},
    "cust.resolve_help": {
        "en": "Links all records again (after new imports too). Manual merges and splits are "
        "kept; existing customer ids stay stable.",
        "zh": "重新关联全部记录（导入新数据后也请运行）。人工合并和拆分会保留，已有客户编号保持不变。",
    },
    "cust.fuzzy": {
        "en": "Fuzzy matching (propose similar names)",
        "zh": "模糊匹配（推荐相似姓名）",
    },
    "cust.fuzzy_help": {
        "en": "Also compares names of records in the same city (and birth date). Strong matches "
        "link; weaker ones go to the review queue.",
        "zh": "同时比较同城（及同生日）记录的姓名。高度相似的会关联，较弱的列入待审核队列。",
    },
    "cust.resolved": {
        "en": "Resolved: {records} records → {customers} customers. Links: {links}. Blocked "
        "keys: {blocked}. Proposals to review: {proposals}. Customer ids kept: {kept}, new: {new}.",
        "zh": "识别完成：{records} 条记录 → {customers} 位客户。关联：{links}。已屏蔽的标识：{blocked}。"
        "待审核建议：{proposals}。保留的客户编号：{kept}，新编号：{new}。",
    },
    "cust.none": {"en": "none", "zh": "无"},
    "cust.yes": {"en": "yes", "zh": "是"},
    "cust.no": {"en": "no", "zh": "否"},
    "cust.review_header": {
        "en": "Review queue ({n} waiting)",
        "zh": "待审核队列（{n} 条建议）",
    },
    "cust.review_empty": {
        "en": "No proposals are waiting. Resolve with fuzzy matching to find similar names.",
        "zh": "没有待审核的建议。开启模糊匹配后重新识别，可找出姓名相似的记录。",
    },
    "cust.review_help": {
        "en": "Pairs of records with similar names that were not merged. Accept to merge their "
        "customers, reject to keep them apart for good.",
        "zh": "姓名相似但未被合并的记录对。采纳即合并两位客户，拒绝则永久保持分开。",
    },
    "cust.review_pick": {"en": "Proposal", "zh": "建议"},
    "cust.review_pick_first": {"en": "Choose a proposal first.", "zh": "请先选择一条建议。"},
    "cust.review_option": {
        "en": "{review}: {a} ↔ {b} (score {score})",
        "zh": "{review}：{a} ↔ {b}（得分 {score}）",
    },
    "cust.review_accept": {"en": "Accept (merge)", "zh": "采纳（合并）"},
    "cust.review_reject": {"en": "Reject (keep apart)", "zh": "拒绝（保持分开）"},
    "cust.review_accepted": {
        "en": "Proposal {review} accepted: now customer {customers}.",
        "zh": "已采纳建议 {review}：合并为客户 {customers}。",
    },
    "cust.review_rejected": {
        "en": "Proposal {review} rejected: the records stay apart ({customers}).",
        "zh": "已拒绝建议 {review}：记录保持分开（{customers}）。",
    },
    "cust.col_review": {"en": "Proposal", "zh": "建议编号"},
    "cust.col_score": {"en": "Score", "zh": "得分"},
    "cust.col_customer_a": {"en": "Customer A", "zh": "客户 A"},
    "cust.col_customer_b": {"en": "Customer B", "zh": "客户 B"},
    "cust.col_name_a": {"en": "Name A", "zh": "姓名 A"},
    "cust.col_name_b": {"en": "Name B", "zh": "姓名 B"},
    "cust.col_record_a": {"en": "Record A", "zh": "记录 A"},
    "cust.col_record_b": {"en": "Record B", "zh": "记录 B"},
    "cust.col_name_score": {"en": "Name similarity (%)", "zh": "姓名相似度（%）"},
    "cust.col_same_city": {"en": "Same city", "zh": "同城"},
    "cust.col_same_birth": {"en": "Same birth date", "zh": "同生日"},
    "cust.search_header": {"en": "Find a customer", "zh": "查找客户"},
    "cust.search": {"en": "Search", "zh": "搜索"},
    "cust.search_placeholder": {
        "en": "Name, phone, e-mail, customer id…",
        "zh": "姓名、手机号、邮箱、客户编号……",
    },
    "cust.search_help": {
        "en": "The input is normalised like an import: +86 138 0013 8000 finds 13800138000; "
        "4 or more digits also find partial numbers.",
        "zh": "输入内容按导入时的规则标准化：+86 138 0013 8000 可找到 13800138000；输入 4 位及以上数字还可匹配部分号码。",
    },
    "cust.search_hint": {
        "en": "Type a name, phone, e-mail or customer id and press Enter.",
        "zh": "请输入姓名、手机号、邮箱或客户编号，然后按回车。",
    },
    "cust.no_results": {"en": "No customer matches “{text}”.", "zh": "没有与“{text}”匹配的客户。"},
    "cust.results": {"en": "{n} customers found{more}.", "zh": "找到 {n} 位客户{more}。"},
    "cust.results_capped": {
        "en": " (the first ones only: refine the search)",
        "zh": "（仅显示前面的结果，请细化搜索条件）",
    },
    "cust.open": {"en": "Open customer", "zh": "打开客户"},
    "cust.open_help": {
        "en": "Choose a result to see its customer 360 view below.",
        "zh": "选择一个结果，在下方查看该客户的 360 视图。",
    },
    "cust.col_customer": {"en": "Customer", "zh": "客户编号"},
    "cust.col_name": {"en": "Name", "zh": "姓名"},
    "cust.col_phone": {"en": "Phone", "zh": "手机号"},
    "cust.col_email": {"en": "E-mail", "zh": "邮箱"},
    "cust.col_channels": {"en": "Channels", "zh": "渠道"},
    "cust.col_matched": {"en": "Matched on", "zh": "匹配项"},
    "cust.view_header": {"en": "Customer {customer} · {name}", "zh": "客户 {customer} · {name}"},
    "cust.no_name": {"en": "(no name)", "zh": "（无姓名）"},
    "cust.m_first": {"en": "First purchase", "zh": "首次购买"},
    "cust.m_last": {"en": "Last purchase", "zh": "最近购买"},
    "cust.m_orders": {"en": "Orders", "zh": "订单数"},
    "cust.m_spend": {"en": "Net spend", "zh": "净消费额"},
    "cust.m_spend_help": {
        "en": "Paid order lines minus refunds (gross {gross}, refunds {refunds}); pending and "
        "cancelled orders do not count.",
        "zh": "已支付订单行减去退款（总额 {gross}，退款 {refunds}）；待支付和已取消的订单不计入。",
    },
    "cust.m_channels": {"en": "Channels bought in", "zh": "购买渠道数"},
    "cust.channels_used": {"en": "Bought in: {channels}", "zh": "购买渠道：{channels}"},
    "cust.tab_profile": {"en": "Profile", "zh": "概况"},
    "cust.tab_orders": {"en": "Orders ({n} lines)", "zh": "订单（{n} 行）"},
    "cust.tab_interactions": {"en": "Interactions ({n})", "zh": "互动记录（{n}）"},
    "cust.tab_feedback": {"en": "Feedback ({n})", "zh": "客户反馈（{n}）"},
    "cust.tab_tags": {"en": "Tags", "zh": "标签"},
    "cust.tab_consent": {"en": "Consent", "zh": "营销许可"},
    "cust.tab_merge": {"en": "Merge / split", "zh": "合并 / 拆分"},
    "cust.golden": {"en": "Golden record", "zh": "客户主档案"},
    "cust.golden_help": {
        "en": "One value per attribute, chosen from the customer's records (the most recent "
        "non-empty value; masked platform values never win). Source: channel/record.",
        "zh": "每个属性取一个值，从该客户的各条记录中选出（最近的非空值；平台脱敏的值不会被选用）。来源：渠道/记录。",
    },
    "cust.col_attribute": {"en": "Attribute", "zh": "属性"},
    "cust.col_value": {"en": "Value", "zh": "值"},
    "cust.col_source": {"en": "Source", "zh": "来源"},
    "cust.identities": {"en": "Identities ({n} records)", "zh": "身份记录（{n} 条）"},
    "cust.col_channel": {"en": "Channel", "zh": "渠道"},
    "cust.col_source_id": {"en": "Channel's customer id", "zh": "渠道客户编号"},
    "cust.col_tables": {"en": "Found in", "zh": "出现于"},
    "cust.col_rule": {"en": "Linked by", "zh": "关联方式"},
    "cust.why": {"en": "Why are these the same person?", "zh": "为什么认定是同一个人？"},
    "cust.col_reason": {"en": "Reason", "zh": "原因"},
    "cust.lineage": {"en": "All source values ({n})", "zh": "全部来源值（{n}）"},
    "cust.lineage_help": {
        "en": "Every value the records hold for each attribute; ✓ marks the one in the golden "
        "record. Phones and e-mails are masked.",
        "zh": "各条记录中每个属性的全部取值；标记为“是”的值被选入客户主档案。手机号和邮箱已脱敏。",
    },
    "cust.col_selected": {"en": "In golden record", "zh": "选入主档案"},
    "cust.col_table": {"en": "Table", "zh": "数据表"},
    "cust.col_imported": {"en": "Imported at ({zone})", "zh": "导入时间（{zone}）"},
    "cust.reveal_header": {"en": "Unmasked contact data", "zh": "未脱敏的联系方式"},
    "cust.reveal_off": {
        "en": "Contact data stays masked. To allow revealing it, an admin starts the app with "
        "the environment variable `CIMLAB_ALLOW_REVEAL=1`; each reveal then asks for a reason "
        "and is logged.",
        "zh": "联系方式保持脱敏。如需允许查看，请管理员以环境变量 `CIMLAB_ALLOW_REVEAL=1` 启动应用；之后每次查看都需填写原因并被记录。",
    },
    "cust.reveal_on": {
        "en": "Revealing is allowed on this server. Give a reason: who, when and why is logged.",
        "zh": "此服务器允许查看未脱敏数据。请填写原因：查看人、时间和原因都会被记录。",
    },
    "cust.reveal_reason": {"en": "Reason for revealing", "zh": "查看原因"},
    "cust.reveal_reason_placeholder": {
        "en": "e.g. customer called about a delivery",
        "zh": "例如：客户来电咨询配送",
    },
    "cust.reveal_button": {"en": "Reveal", "zh": "查看"},
    "cust.reveal_need_reason": {
        "en": "Give a reason first: every reveal is logged with its reason.",
        "zh": "请先填写原因：每次查看都会连同原因一起记录。",
    },
    "cust.reveal_logged": {
        "en": "Revealed and logged (user {user}).",
        "zh": "已显示并记录（用户 {user}）。",
    },
    "cust.reveal_all_phones": {"en": "All phones on record", "zh": "记录中的全部手机号"},
    "cust.reveal_all_emails": {"en": "All e-mails on record", "zh": "记录中的全部邮箱"},
    "cust.col_field": {"en": "Field", "zh": "字段"},
    "cust.no_orders": {"en": "No orders.", "zh": "没有订单。"},
    "cust.orders_caption": {
        "en": "{n} order lines, newest first ({shown} shown); times in {zone}. Phones and "
        "e-mails are masked.",
        "zh": "共 {n} 条订单行，按时间倒序（显示 {shown} 条），时间为 {zone} 时区。手机号和邮箱已脱敏。",
    },
    "cust.no_rows": {"en": "No {table}.", "zh": "没有{table}。"},
    "cust.rows_caption": {
        "en": "{n} rows, newest first ({shown} shown); times in {zone}.",
        "zh": "共 {n} 行，按时间倒序（显示 {shown} 行），时间为 {zone} 时区。",
    },
    "cust.no_tags": {"en": "No tags yet.", "zh": "还没有标签。"},
    "cust.col_tag": {"en": "Tag", "zh": "标签"},
    "cust.col_origin": {"en": "Kind", "zh": "类型"},
    "cust.col_since": {"en": "Since", "zh": "起始时间"},
    "cust.col_user": {"en": "By", "zh": "操作人"},
    "cust.tags_help": {
        "en": "Manual tags are free text; separate several with commas. Rule tags (VIP, lapsed, "
        "multi-channel) and the customer type are set by rules and cannot be edited here.",
        "zh": "手动标签可自由填写，多个标签用逗号分隔。规则标签（VIP、流失、多渠道）和客户类型由规则设定，不能在此修改。",
    },
    "cust.tag_input": {"en": "Tags", "zh": "标签"},
    "cust.tag_placeholder": {"en": "e.g. wholesale lead, 高潜力", "zh": "例如：高潜力、批发意向"},
    "cust.tag_add": {"en": "Add", "zh": "添加"},
    "cust.tag_remove": {"en": "Remove", "zh": "移除"},
    "cust.tag_empty": {"en": "Type one or more tags first.", "zh": "请先输入一个或多个标签。"},
    "cust.tags_added": {"en": "{n} tags added ({tags}).", "zh": "已添加 {n} 个标签（{tags}）。"},
    "cust.tags_removed": {
        "en": "{n} tags removed ({tags}).",
        "zh": "已移除 {n} 个标签（{tags}）。",
    },
    "cust.rules_header": {"en": "Refresh rule tags", "zh": "刷新规则标签"},
    "cust.rules_help": {
        "en": "Recomputes VIP (top 5 % by net spend in the 12 months before the date), lapsed "
        "(no purchase in the year before) and multi-channel for every customer.",
        "zh": "为所有客户重新计算：VIP（该日期前 12 个月净消费额前 5%）、流失（该日期前一年内没有购买）和多渠道。",
    },
    "cust.rules_as_of": {"en": "As of", "zh": "截至日期"},
    "cust.rules_button": {"en": "Refresh rule tags", "zh": "刷新规则标签"},
    "cust.rule_tag_count": {"en": "{tag}: {n}", "zh": "{tag}：{n}"},
    "cust.rules_refreshed": {
        "en": "Rule tags refreshed as of {as_of}. Customers per tag: {counts}.",
        "zh": "规则标签已按 {as_of} 刷新。各标签客户数：{counts}。",
    },
    "cust.col_purpose": {"en": "Purpose", "zh": "用途"},
    "cust.col_state": {"en": "Consent", "zh": "许可状态"},
    "cust.col_decided": {"en": "Decided by", "zh": "依据"},
    "cust.consent_granted": {"en": "granted", "zh": "已同意"},
    "cust.consent_denied": {"en": "not granted", "zh": "未同意"},
    "cust.consent_unknown": {
        "en": "no record (treated as not granted)",
        "zh": "无记录（视为未同意）",
    },
    "cust.consent_rules": {
        "en": "The latest event decides. An opt-out is only reversed by a manual opt-in, never by "
        "a later import; when channels disagree, the opt-out wins.",
        "zh": "以最新事件为准。退订只能由人工重新订阅恢复，之后的导入不会恢复；各渠道不一致时，以退订为准。",
    },
    "cust.consent_history": {"en": "Consent history ({n} events)", "zh": "许可历史（{n} 条事件）"},
    "cust.consent_no_history": {"en": "No consent events.", "zh": "没有许可事件。"},
    "cust.col_when": {"en": "When ({zone})", "zh": "时间（{zone}）"},
    "cust.col_event": {"en": "Event", "zh": "事件"},
    "cust.col_by": {"en": "From", "zh": "来源"},
    "cust.col_note": {"en": "Note", "zh": "备注"},
    "cust.col_applied": {"en": "Applied", "zh": "已生效"},
    "cust.consent_in": {"en": "opt-in", "zh": "同意（订阅）"},
    "cust.consent_out": {"en": "opt-out", "zh": "退订"},
    "cust.consent_change": {"en": "Record a manual change", "zh": "记录人工修改"},
    "cust.consent_new_state": {"en": "New state", "zh": "新状态"},
    "cust.consent_note_placeholder": {
        "en": "e.g. asked by phone not to receive SMS",
        "zh": "例如：客户来电要求不再接收短信",
    },
    "cust.consent_confirm": {
        "en": "I confirm the customer asked for this change",
        "zh": "我确认这是客户本人要求的修改",
    },
    "cust.consent_button": {"en": "Save consent change", "zh": "保存许可修改"},
    "cust.consent_saved_in": {
        "en": "Opt-in for {purpose} recorded.",
        "zh": "已记录{purpose}的同意（订阅）。",
    },
    "cust.consent_saved_out": {
        "en": "Opt-out for {purpose} recorded.",
        "zh": "已记录{purpose}的退订。",
    },
    "cust.confirm_first": {
        "en": "Tick the confirmation first.",
        "zh": "请先勾选确认。",
    },
    "cust.merge_header": {"en": "Merge with another customer", "zh": "与其他客户合并"},
    "cust.merge_help": {
        "en": "All records of both customers become one customer ({customer} or the other id, "
        "whichever most records carry). The merge is kept when identities are resolved again.",
        "zh": "两位客户的全部记录合并为一位客户（保留 {customer} 或另一编号中记录较多的那个）。重新识别时合并结果会保留。",
    },
    "cust.merge_other": {"en": "Other customer id", "zh": "另一位客户的编号"},
    "cust.merge_need_id": {
        "en": "Enter the id of the customer to merge with (e.g. C000123).",
        "zh": "请输入要合并的客户编号（如 C000123）。",
    },
    "cust.merge_confirm": {
        "en": "Yes, {customer} and this customer are the same person",
        "zh": "确认 {customer} 与该客户是同一个人",
    },
    "cust.merge_button": {"en": "Merge customers", "zh": "合并客户"},
    "cust.merged": {
        "en": "{a} and {b} merged into customer {merged}.",
        "zh": "{a} 与 {b} 已合并为客户 {merged}。",
    },
    "cust.split_header": {"en": "Split records off", "zh": "拆分记录"},
    "cust.split_help": {
        "en": "The chosen records become a separate customer; the rest stays. The split is "
        "kept when identities are resolved again.",
        "zh": "所选记录将成为另一位客户，其余记录保留。重新识别时拆分结果会保留。",
    },
    "cust.split_single": {
        "en": "This customer has a single record: there is nothing to split.",
        "zh": "该客户只有一条记录，无需拆分。",
    },
    "cust.split_records": {"en": "Records to split off", "zh": "要拆分出去的记录"},
    "cust.split_placeholder": {"en": "Choose records", "zh": "选择记录"},
    "cust.split_need_records": {
        "en": "Choose the records to split off first.",
        "zh": "请先选择要拆分出去的记录。",
    },
    "cust.split_confirm": {
        "en": "Yes, these records belong to another person",
        "zh": "确认这些记录属于另一个人",
    },
    "cust.split_button": {"en": "Split customer", "zh": "拆分客户"},
    "cust.split_done": {
        "en": "Customer {customer} split: now {parts}.",
        "zh": "客户 {customer} 已拆分为：{parts}。",
    },
    # link reasons, search matches, tag kinds, consent purposes, order statuses
    "cust.rule.singleton": {"en": "single record", "zh": "单条记录"},
    "cust.rule.phone": {"en": "same phone", "zh": "相同手机号"},
    "cust.rule.email": {"en": "same e-mail", "zh": "相同邮箱"},
    "cust.rule.shared_id": {"en": "same customer id", "zh": "相同客户编号"},
    "cust.rule.fuzzy_name": {"en": "similar name", "zh": "姓名相似"},
    "cust.rule.manual_merge": {"en": "merged by hand", "zh": "人工合并"},
    "cust.rule.manual_split": {"en": "split by hand", "zh": "人工拆分"},
    "cust.match.source_id": {"en": "channel id", "zh": "渠道编号"},
    "cust.match.customer_id": {"en": "customer id", "zh": "客户编号"},
    "cust.match.email": {"en": "e-mail", "zh": "邮箱"},
    "cust.match.phone": {"en": "phone", "zh": "手机号"},
    "cust.match.phone_partial": {"en": "part of a phone", "zh": "部分手机号"},
    "cust.match.name": {"en": "name", "zh": "姓名"},
    "cust.origin.manual": {"en": "manual", "zh": "人工"},
    "cust.origin.rule": {"en": "rule tag", "zh": "规则标签"},
    "cust.origin.customer_type": {"en": "customer type", "zh": "客户类型"},
    "cust.origin.import": {"en": "import", "zh": "导入"},
    "cust.tag.vip": {"en": "VIP", "zh": "VIP 客户"},
    "cust.tag.lapsed": {"en": "lapsed", "zh": "流失客户"},
    "cust.tag.multi_channel": {"en": "multi-channel", "zh": "多渠道"},
    "cust.tag.individual": {"en": "individual", "zh": "个人"},
    "cust.tag.business": {"en": "business", "zh": "企业"},
    "cust.customer_type.individual": {"en": "individual", "zh": "个人"},
    "cust.customer_type.business": {"en": "business", "zh": "企业"},
    "cust.gender.female": {"en": "female", "zh": "女"},
    "cust.gender.male": {"en": "male", "zh": "男"},
    "cust.gender.other": {"en": "other", "zh": "其他"},
    "cust.purpose.email": {"en": "E-mail", "zh": "邮件"},
    "cust.purpose.sms": {"en": "SMS", "zh": "短信"},
    "cust.purpose.wechat": {"en": "WeChat", "zh": "微信"},
    "cust.purpose.phone": {"en": "Phone calls", "zh": "电话"},
    "cust.status.paid": {"en": "paid", "zh": "已支付"},
    "cust.status.pending": {"en": "pending", "zh": "待支付"},
    "cust.status.refunded": {"en": "refunded", "zh": "已退款"},
    "cust.status.cancelled": {"en": "cancelled", "zh": "已取消"},
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
    # ------------------------------------------------------------------ charts
    "chart.rows": {"en": "Rows", "zh": "行数"},
    "chart.table": {"en": "Table", "zh": "数据表"},
    "chart.channel": {"en": "Channel", "zh": "渠道"},
    "chart.batch": {"en": "Batch", "zh": "批次"},
    "chart.file": {"en": "File", "zh": "文件"},
    "chart.outcome": {"en": "Outcome", "zh": "结果"},
    "chart.loaded": {"en": "Loaded", "zh": "已导入"},
    "chart.quarantined": {"en": "Quarantined", "zh": "已隔离"},
    # ------------------------------------------------------------------ analytics pages
    "ana.as_of": {"en": "Analysis date", "zh": "分析日期"},
    "ana.as_of_help": {
        "en": "Everything on this page is computed as of the end of this day ({zone}); later "
        "orders and answers are ignored. Defaults to the day of the last order.",
        "zh": "本页所有结果均以该日（{zone} 时区）结束时为准计算，之后的订单和反馈不计入。"
        "默认为最后一笔订单的日期。",
    },
    "ana.unlinked": {
        "en": "{n} customer records were imported after identities were last resolved. Their "
        "orders and answers are not in these figures yet.",
        "zh": "有 {n} 条客户记录是在上次身份识别之后导入的，它们的订单和反馈尚未计入本页结果。",
    },
    "cust.unlinked": {
        "en": "{n} records were imported after the last resolution and belong to no customer "
        "yet: resolve again to link them (analyses leave their rows out until then).",
        "zh": "有 {n} 条记录是在上次识别之后导入的，尚未归属任何客户：请重新识别（在此之前分析结果不包含它们）。",
    },
    "ana.resolve_again": {"en": "Resolve identities again", "zh": "重新识别身份"},
    "ana.resolved_again": {
        "en": "Identities resolved again: {customers:,} customers.",
        "zh": "已重新识别身份：共 {customers:,} 位客户。",
    },
    "ana.not_resolved": {
        "en": "Customers are not unified yet. Open the Customers page and resolve identities "
        "(or run `cimlab customers resolve`); analyses work on unified customers.",
        "zh": "客户尚未合并。请先在“客户”页面执行身份识别（或运行 `cimlab customers resolve`），"
        "分析基于合并后的客户。",
    },
    # ------------------------------------------------------------------ tables
    "table.customers": {"en": "Customers", "zh": "客户"},
    "table.orders": {"en": "Orders", "zh": "订单"},
    "table.interactions": {"en": "Interactions", "zh": "互动记录"},
    "table.feedback": {"en": "Feedback", "zh": "客户反馈"},
}
"""Key → language → text. Keys are ``area.name``; every key has every language of :data:`LANGS`."""


def _merge_page_texts() -> None:
    """Add the analytics pages' texts (:mod:`cimlab.messages`); a key defined twice is a bug."""
    for part in (_segment_texts, _channel_texts, _satisfaction_texts):
        twice = MESSAGES.keys() & part.MESSAGES.keys()
        if twice:
            raise RuntimeError(f"UI text keys defined twice: {', '.join(sorted(twice))}")
        MESSAGES.update(part.MESSAGES)


_merge_page_texts()

CHANNEL_LABELS: dict[str, dict[str, str]] = {
    "online_shop": {"en": "Online shop", "zh": "官网商城"},
    "tmall": {"en": "Tmall", "zh": "天猫"},
    "taobao": {"en": "Taobao", "zh": "淘宝"},
    "jd": {"en": "JD.com", "zh": "京东"},
    "douyin": {"en": "Douyin shop", "zh": "抖音小店"},
    "wechat": {"en": "WeChat", "zh": "微信"},
    "wechat_mini": {"en": "WeChat mini-program", "zh": "微信小程序"},
    "youzan": {"en": "Youzan", "zh": "有赞"},
    "offline_store": {"en": "Offline stores", "zh": "线下门店"},
    "call_centre": {"en": "Call centre", "zh": "呼叫中心"},
    "call_center": {"en": "Call center", "zh": "呼叫中心"},
    "phone": {"en": "Phone", "zh": "电话"},
    "survey": {"en": "Survey", "zh": "问卷调查"},
    "email": {"en": "E-mail", "zh": "电子邮件"},
}
"""Display names of well-known channel tokens; any other token is shown as written."""

_COLUMN_LABELS_EN: dict[str, str] = {
    "source_customer_id": "Customer ID",
    "channel": "Channel",
    "name": "Name",
    "name_is_masked": "Name is masked",
    "email": "E-mail",
    "phone": "Phone",
    "phone_is_masked": "Phone is masked",
    "gender": "Gender",
    "birth_date": "Birth date",
    "city": "City",
    "region": "Region / province",
    "country": "Country",
    "signup_date": "Sign-up date",
    "customer_type": "Customer type",
    "company": "Company",
    "consent_email": "E-mail marketing consent",
    "consent_sms": "SMS marketing consent",
    "consent_wechat": "WeChat marketing consent",
    "consent_phone": "Phone marketing consent",
    "tags": "Tags",
    "order_id": "Order ID",
    "line_number": "Line number",
    "order_ts": "Order time",
    "paid_ts": "Payment time",
    "sku": "SKU",
    "product_name": "Product",
    "category": "Category",
    "quantity": "Quantity",
    "unit_price": "Unit price",
    "amount": "Line amount",
    "currency": "Currency",
    "status": "Status",
    "customer_name": "Customer name",
    "store": "Store / shop",
    "ts": "Time",
    "type": "Type",
    "note": "Note",
    "interaction_id": "Interaction ID",
    "nps": "NPS (0–10)",
    "csat": "CSAT (1–5)",
    "complaint": "Complaint",
    "text": "Text",
    "feedback_id": "Feedback ID",
}


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not one of {', '.join(LANGS)}.")
    return lang


def t(key: str, lang: str = "zh", /, **fmt: object) -> str:
    """The text of ``key`` in ``lang``, with ``{placeholders}`` filled from ``fmt``.

    Parameters
    ----------
    key
        A key of :data:`MESSAGES` such as ``"imp.title"``.
    lang
        ``"zh"`` or ``"en"``.
    **fmt
        Values of the text's placeholders; a missing one is an error, never a silent gap.

    Examples
    --------
    >>> t("imp.imported", "en", batch=3, loaded=10, quarantined=1)
    'Imported as batch 3: 10 rows loaded, 1 rows quarantined.'
    """
    try:
        entry = MESSAGES[key]
    except KeyError:
        raise KeyError(f"Unknown UI text key {key!r}; add it to cimlab.i18n.MESSAGES.") from None
    return entry[_check_lang(lang)].format_map(fmt)


def lang_label(lang: str) -> str:
    """Name of a language in itself (``"中文"``, ``"English"``).

    Examples
    --------
    >>> [lang_label(x) for x in LANGS]
    ['中文', 'English']
    """
    return _LANG_NAMES[_check_lang(lang)]


@functools.cache
def _table_name_zh(table: str) -> str | None:
    from cimlab.ingest.mapping import contract_document

    try:
        name = contract_document(table).get("name_zh")
    except (CimlabError, OSError, ValueError):
        return None
    return name if isinstance(name, str) and name else None


def table_label(table: str, lang: str = "zh") -> str:
    """Display name of a canonical table (中文 from ``schemas/<table>.yaml`` when present).

    Examples
    --------
    >>> table_label("feedback", "en"), table_label("nonsense", "en")
    ('Feedback', 'nonsense')
    """
    _check_lang(lang)
    if lang == "zh" and (name := _table_name_zh(table)):
        return name
    entry = MESSAGES.get(f"table.{table}")
    return entry[lang] if entry else table


def channel_label(channel: str, lang: str = "zh") -> str:
    """Display name of a channel token; unknown tokens are shown as written.

    Examples
    --------
    >>> channel_label("offline_store", "zh"), channel_label("my_shop", "zh")
    ('线下门店', 'my_shop')
    """
    _check_lang(lang)
    entry = CHANNEL_LABELS.get(channel)
    return entry[lang] if entry else channel


@functools.cache
def _column_labels_zh(table: str) -> dict[str, str]:
    from cimlab.ingest.mapping import column_labels_zh

    try:
        return dict(column_labels_zh(table))
    except (CimlabError, OSError, ValueError, KeyError, TypeError):
        return {}


def column_label(table: str, column: str, lang: str = "zh") -> str:
    """Display name of a canonical column (中文 from ``schemas/<table>.yaml`` ``label_zh``).

    Examples
    --------
    >>> column_label("orders", "amount", "en"), column_label("orders", "amount", "zh")
    ('Line amount', '金额')
    """
    _check_lang(lang)
    if lang == "zh":
        label = _column_labels_zh(table).get(column)
        if label:
            return label
    return _COLUMN_LABELS_EN.get(column, column)
