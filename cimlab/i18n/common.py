"""Texts every page shares: the app shell (language, workspace, settings, navigation,
errors), the canonical table names, and the analysis-date controls of the analytics pages.

Keys: ``app.*``, ``nav.*`` (of the pages without a family of their own), ``error.*``,
``table.*``, ``ana.*``.
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
}
