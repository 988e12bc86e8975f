"""Texts every page shares: the app shell (language, workspace, settings, navigation,
errors), the canonical table names, and the analysis-date controls of the analytics pages.

Keys: ``app.*``, ``nav.*`` (of the pages without a family of their own), ``error.*``,
``table.*``, ``ana.*``, ``money.*`` (currency notes of every page showing money).
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

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
    # ------------------------------------------------------------------ money settings
    "app.currency": {"en": "Reporting currency", "zh": "报告货币"},
    "app.currency_auto": {
        "en": "Automatic: {code} (most order value)",
        "zh": "自动：{code}（订单金额最多的货币）",
    },
    "app.currency_auto_none": {
        "en": "Automatic (no orders yet)",
        "zh": "自动（尚无订单）",
    },
    "app.currency_help": {
        "en": "Every money figure of every analysis is shown in this currency; orders in "
        "other currencies are converted at the rate valid on their day (the rates below). "
        "Automatic uses the currency of most order value. Type a code to use another one. "
        "Changing it applies to everyone who uses this workspace.",
        "zh": "所有分析中的金额均以此货币显示；其他货币的订单按下单当日有效的汇率（见下方汇率表）折算。"
        "“自动”使用订单金额最多的货币。可输入其他货币代码。修改后对使用此工作区的所有人生效。",
    },
    "app.currency_bad": {
        "en": "“{code}” is not a currency code: use three capital letters (ISO 4217), "
        "e.g. CNY, USD, BRL.",
        "zh": "“{code}”不是货币代码：请使用三个大写字母（ISO 4217），例如 CNY、USD、BRL。",
    },
    "app.rates": {"en": "Exchange rates", "zh": "汇率"},
    "app.rates_help": {
        "en": "One unit of a currency is worth “rate” units of the reporting currency "
        "({reporting}) from “valid from” on, until the next row of that currency. Orders are "
        "converted at the rate valid on their day. Add rows at the bottom of the table, then "
        "save. Saved rates are written in {reporting}: an automatic reporting currency becomes "
        "the setting.",
        "zh": "自“生效日期”起（直到同一货币的下一行），1 单位该货币折合“汇率”单位的报告货币（{reporting}）。"
        "订单按下单当日有效的汇率折算。在表格底部添加行后点击保存。保存的汇率以 {reporting} 计价："
        "若报告货币为“自动”，将固定为 {reporting}。",
    },
    "app.rates_no_reporting": {
        "en": "Rates say what a currency is worth in the reporting currency: import orders or "
        "choose a reporting currency first.",
        "zh": "汇率表示一种货币折合多少报告货币：请先导入订单或选择报告货币。",
    },
    "app.rates_elsewhere": {
        "en": "These rates are written in {stored}, not in the reporting currency {reporting}: "
        "they do not apply while {reporting} is the reporting currency. Replace them with "
        "rates in {reporting}, or set {stored} back as the reporting currency.",
        "zh": "这些汇率以 {stored} 计价，而非报告货币 {reporting}：在 {reporting} 为报告货币期间不适用。"
        "请换成以 {reporting} 计价的汇率，或将报告货币改回 {stored}。",
    },
    "app.rates_reporting": {
        "en": "Row {row}: {currency} is the reporting currency: it needs no rate "
        "(1 {currency} = 1 {currency}); remove the row.",
        "zh": "第 {row} 行：{currency} 是报告货币，无需汇率（1 {currency} = 1 {currency}），请删除该行。",
    },
    "app.rates_col_currency": {"en": "Currency", "zh": "货币"},
    "app.rates_col_rate": {"en": "Rate", "zh": "汇率"},
    "app.rates_col_valid_from": {"en": "Valid from", "zh": "生效日期"},
    "app.rates_save": {"en": "Save rates", "zh": "保存汇率"},
    "app.rates_saved": {"en": "{n} rates saved.", "zh": "已保存 {n} 条汇率。"},
    "app.rates_upload": {"en": "Or load a rates CSV", "zh": "或载入汇率 CSV 文件"},
    "app.rates_upload_help": {
        "en": "A CSV with the header currency,rate,valid_from (one row per currency and day, "
        "dates as YYYY-MM-DD). It replaces the whole table, like `cimlab workspace rates`.",
        "zh": "表头为 currency,rate,valid_from 的 CSV 文件（每种货币每个生效日一行，日期格式 YYYY-MM-DD）。"
        "它会替换整个汇率表，与 `cimlab workspace rates` 命令相同。",
    },
    "app.rates_replace": {
        "en": "Replace the rates with this file",
        "zh": "用此文件替换汇率表",
    },
    "app.rates_uploaded": {
        "en": "{n} rates read from {file} and saved.",
        "zh": "已从 {file} 读取并保存 {n} 条汇率。",
    },
    "app.rates_bad_currency": {
        "en": "Row {row}: “{value}” is not a currency code: use three capital letters "
        "(ISO 4217), e.g. USD.",
        "zh": "第 {row} 行：“{value}”不是货币代码，请使用三个大写字母（ISO 4217），例如 USD。",
    },
    "app.rates_bad_rate": {
        "en": "Row {row}: the rate must be a number above 0 (found {value}).",
        "zh": "第 {row} 行：汇率必须是大于 0 的数字（当前为 {value}）。",
    },
    "app.rates_no_date": {
        "en": "Row {row}: “valid from” is empty: enter the first day the rate applies.",
        "zh": "第 {row} 行：“生效日期”为空，请填写该汇率开始适用的日期。",
    },
    "app.rates_duplicate": {
        "en": "Row {row}: {currency} already has a rate valid from {day} (row {first}); "
        "keep one of them.",
        "zh": "第 {row} 行：{currency} 在 {day} 生效的汇率已存在（第 {first} 行），请只保留一行。",
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
    "error.workspace_key": {
        "en": "This workspace is encrypted and cannot be opened: {message}. Start the app "
        "with the workspace key in CIMLAB_WORKSPACE_KEY (or a key file named by "
        "CIMLAB_WORKSPACE_KEY_FILE, outside the workspace folder).",
        "zh": "该工作区已加密，无法打开：{message}。请在启动应用时通过 CIMLAB_WORKSPACE_KEY "
        "提供工作区密钥（或用 CIMLAB_WORKSPACE_KEY_FILE 指向工作区文件夹之外的密钥文件）。",
    },
    "app.encryption_pending": {
        "en": "A workspace key is set but this workspace is not encrypted yet: names, phones "
        "and e-mails are stored in clear. `cimlab workspace encrypt --workspace DIR` "
        "encrypts it.",
        "zh": "已设置工作区密钥，但该工作区尚未加密：姓名、电话和邮箱仍以明文保存。"
        "运行 `cimlab workspace encrypt --workspace DIR` 即可加密。",
    },
    "error.workspace_busy": {
        "en": "The workspace is busy: another import or command is writing to it. "
        "Wait until it has finished and try again. ({message})",
        "zh": "工作区正忙：另一个导入或命令正在写入。请等它完成后重试。（{message}）",
    },
    # ------------------------------------------------------------------ tables
    "table.customers": {"en": "Customers", "zh": "客户"},
    "table.orders": {"en": "Orders", "zh": "订单"},
    "table.interactions": {"en": "Interactions", "zh": "互动记录"},
    "table.feedback": {"en": "Feedback", "zh": "客户反馈"},
    # ------------------------------------------------------------------ analytics pages
    "ana.as_of": {"en": "Analysis date", "zh": "分析日期"},
    # a figure with no observations (a rate over 0 customers): shown instead of 0 or a blank
    "ana.no_data": {"en": "no data", "zh": "无数据"},
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
    "ana.removed": {
        "en": "{n} customer records were removed by an undone import after identities were last "
        "resolved. Customers left without records are no longer counted, but links made "
        "through the removed records still stand: resolve identities again to bring them up "
        "to date.",
        "zh": "上次身份识别之后，有 {n} 条客户记录随撤销的导入被删除。已没有记录的客户不再计入，"
        "但经由这些记录建立的关联仍然保留：请重新识别身份以更新。",
    },
    "cust.removed": {
        "en": "{n} records of the identity map were removed by an undone import after the last "
        "resolution: the counts above still include them. Resolve again to bring the "
        "customers up to date.",
        "zh": "上次识别之后，身份映射中有 {n} 条记录随撤销的导入被删除：上方的数字仍包含它们。"
        "请重新识别，以更新客户。",
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
    # ------------------------------------------------------------------ money on the pages
    "money.missing": {
        "en": "Orders in {currencies} have no exchange rate into the reporting currency "
        "{reporting} on some of their days, so their amounts cannot be added to the others "
        "without guessing. Two ways on: add the rates (one unit of each currency in "
        "{reporting}, valid from a day on), or analyse only one currency's orders.",
        "zh": "{currencies} 的订单在部分日期没有兑换为报告货币 {reporting} 的汇率，"
        "不猜测就无法与其他订单的金额相加。两种解决办法：补充汇率（每种货币 1 单位折合多少 {reporting}，"
        "自某日起生效），或只分析一种货币的订单。",
    },
    "money.missing_days": {
        "en": "{currency}: orders on {n} days from {first} to {last} have no rate; {rate}.",
        "zh": "{currency}：{first} 至 {last} 之间有 {n} 天的订单没有汇率；{rate}。",
    },
    "money.missing_currency": {
        "en": "{currency}: {rate}.",
        "zh": "{currency}：{rate}。",
    },
    "money.first_rate": {
        "en": "its first rate is valid from {day}",
        "zh": "其最早的汇率自 {day} 起生效",
    },
    "money.no_rate": {"en": "it has no rate at all", "zh": "完全没有汇率"},
    "money.rates_elsewhere": {
        "en": "The stored rates are written in {stored}, not in {reporting}: they apply only "
        "while {stored} is the reporting currency.",
        "zh": "已保存的汇率以 {stored} 计价，而非 {reporting}：只在 {stored} 为报告货币时适用。",
    },
    "money.fix_rates": {"en": "Add exchange rates", "zh": "添加汇率"},
    "money.fix_rates_help": {
        "en": "Opens the workspace settings in the sidebar, where the rates table is edited "
        "or loaded from a CSV file.",
        "zh": "打开侧边栏中的工作区设置，在那里编辑汇率表或从 CSV 文件载入。",
    },
    "money.fix_filter": {
        "en": "Or pick one currency in “Currency” above: only its orders are analysed, "
        "amounts as they are.",
        "zh": "或在上方“货币”中选择一种货币：只分析该货币的订单，金额不折算。",
    },
    "money.filter": {"en": "Currency", "zh": "货币"},
    "money.filter_all": {
        "en": "All orders, in {reporting}",
        "zh": "全部订单（折算为 {reporting}）",
    },
    "money.filter_one": {
        "en": "Only {currency} orders ({lines} lines)",
        "zh": "仅 {currency} 订单（{lines} 行）",
    },
    "money.filter_help": {
        "en": "All orders: every amount converted into the reporting currency at the rate "
        "valid on the order's day. One currency: only the orders in it, amounts as they are "
        "(nothing converted). Applies to every analysis page.",
        "zh": "全部订单：每笔金额按下单当日有效的汇率折算为报告货币。单一货币：只分析该货币的订单，"
        "金额不折算。对所有分析页面生效。",
    },
    "money.in_currency": {
        "en": "Money figures are in {currency}.",
        "zh": "金额单位：{currency}。",
    },
    "money.converted": {
        "en": "Money figures are in {currency}; orders in {others} are converted at the rate "
        "valid on their day.",
        "zh": "金额单位：{currency}；{others} 的订单已按下单当日有效的汇率折算。",
    },
    "money.filtered": {
        "en": "Only orders in {currency}: {lines} of {total} order lines. Every order, "
        "purchase and money figure on this page counts only them; amounts in {currency}, not "
        "converted.",
        "zh": "仅 {currency} 订单：共 {total} 行订单明细中的 {lines} 行。本页所有订单、购买和金额类结果只统计这些订单；"
        "金额单位为 {currency}，未折算。",
    },
    "money.placeholder_all": {
        "en": "No real amounts in these orders: the mapping marked them as placeholders, so "
        "money figures are not shown.",
        "zh": "这些订单没有真实金额：导入映射将金额标记为占位值，因此不显示金额类指标。",
    },
    "money.placeholder_some": {
        "en": "{n} of {total} order lines have placeholder amounts (their mapping marked them "
        "so); money figures count them at that placeholder value.",
        "zh": "{total} 行订单明细中有 {n} 行的金额是占位值（由导入映射标记），金额类指标按占位值计入。",
    },
    "money.not_shown": {"en": "not shown", "zh": "不显示"},
    "money.caption": {"en": "Amounts in {unit}.", "zh": "金额单位：{unit}。"},
    "money.header": {"en": "{label} ({unit})", "zh": "{label}（{unit}）"},
    "money.unit_only": {"en": "{currency} only", "zh": "仅 {currency}"},
    "app.work_resolve": {
        "en": "Resolving identities… (other users can keep working meanwhile)",
        "zh": "正在识别客户身份……（期间其他用户可照常使用）",
    },
    "app.work_import": {
        "en": "Importing {file}… (other users can keep working meanwhile)",
        "zh": "正在导入 {file}……（期间其他用户可照常使用）",
    },
    "app.work_undo": {
        "en": "Undoing import {batch}… (other users can keep working meanwhile)",
        "zh": "正在撤销第 {batch} 批导入……（期间其他用户可照常使用）",
    },
    "app.work_done": {"en": "Done in {seconds} s", "zh": "完成，用时 {seconds} 秒"},
}
