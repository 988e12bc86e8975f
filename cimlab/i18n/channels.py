"""Texts of the Channels & cohorts page, its charts and the Overview KPIs.

Keys: ``ch.*`` channels (``ch.col.*`` column and measure names, shared by tables and charts),
``coh.*`` cohorts, ``kpi.*`` the KPIs (``kpi.<name>`` for each name of
:data:`cimlab.analytics.kpis.KPI_NAMES`).
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
    "nav.channels": {"en": "Channels & cohorts", "zh": "渠道与同期群"},
    # ------------------------------------------------------------------ page
    "ch.title": {"en": "Channels & cohorts", "zh": "渠道与同期群"},
    "ch.intro": {
        "en": "Which channels bring revenue and customers, which bring customers that stay, "
        "how customers mix and move between channels, and how each month's new customers "
        "keep buying. Purchases are paid order lines; revenue is net of refunds; days are "
        "those of the business time zone (sidebar).",
        "zh": "哪些渠道带来收入和客户、哪些渠道带来的客户更能留存、客户如何跨渠道购买与迁移，"
        "以及每月新客的后续复购情况。购买指已付款的订单行；收入为扣除退款后的净额；日期按业务时区（侧边栏）计算。",
    },
    "ch.window": {"en": "Period", "zh": "统计区间"},
    "ch.window_help": {
        "en": "The days up to the analysis date that the channel figures cover.",
        "zh": "渠道指标覆盖分析日期之前的多少天。",
    },
    "ch.window_days": {"en": "Last {n} days", "zh": "最近 {n} 天"},
    "ch.window_all": {"en": "All history", "zh": "全部历史"},
    "ch.window_range": {"en": "From {start} to {end}", "zh": "{start} 至 {end}"},
    "ch.no_orders": {
        "en": "No paid orders up to the analysis date: nothing to show yet.",
        "zh": "分析日期之前没有已付款订单，暂无可显示的内容。",
    },
    "ch.metrics_header": {"en": "Channels", "zh": "各渠道表现"},
    "ch.measure": {"en": "Show", "zh": "显示指标"},
    "ch.metrics_caption": {
        "en": "Customers buy in one or more channels, so channel customers add up to more than "
        "the {n} distinct buyers of the period. New customers: first purchase ever in the "
        "period, counted in the channel of that purchase.",
        "zh": "一位客户可能在多个渠道购买，因此各渠道客户数之和大于本期 {n} 位不重复的购买客户。"
        "新客户：在本期首次购买的客户，计入其首次购买的渠道。",
    },
    "ch.acq_header": {
        "en": "Acquisition channel: which channel brings customers that stay",
        "zh": "获客渠道：哪个渠道带来的客户更能留存",
    },
    "ch.horizon": {"en": "Horizon after the first purchase", "zh": "首购后的观察期"},
    "ch.horizon_days": {"en": "{n} days", "zh": "{n} 天"},
    "ch.acq_measure": {"en": "Compare", "zh": "比较指标"},
    "ch.acq_caption": {
        "en": "Acquisition channel = channel of the first paid order. Repeat rate and revenue "
        "per customer count purchases in any channel within {n} days of the first purchase, "
        "for the {observed} customers whose {n} days are fully observed by the analysis date.",
        "zh": "获客渠道 = 首次付款订单的渠道。复购率和人均收入统计首购后 {n} 天内在任何渠道的购买，"
        "只包括在分析日期前已完整观察满 {n} 天的 {observed} 位客户。",
    },
    "ch.overlap_header": {"en": "Multi-channel customers", "zh": "多渠道客户"},
    "ch.overlap_caption": {
        "en": "Each buyer of the period counts once, under the combination of channels they "
        "bought in. {multi} of {total} buyers ({share}) bought in two channels or more.",
        "zh": "本期每位购买客户只计一次，归入其购买过的渠道组合。{total} 位客户中有 {multi} 位"
        "（{share}）在两个或以上渠道购买。",
    },
    "ch.migration_header": {"en": "Channel migration", "zh": "渠道迁移"},
    "ch.before": {"en": "Earlier period", "zh": "前一时期"},
    "ch.after": {"en": "Later period", "zh": "后一时期"},
    "ch.period_help": {
        "en": "First and last day, both included.",
        "zh": "起止日期（均包含在内）。",
    },
    "ch.migration_caption": {
        "en": "Main channel = the channel with the most net revenue of the customer in the "
        "period. “{none}” = no purchase in that period (new or returning customers on the left, "
        "customers who did not buy again at the bottom).",
        "zh": "主渠道 = 该客户在该时期净收入最多的渠道。“{none}”表示该时期没有购买"
        "（左侧为新客或回流客户，底部为未再购买的客户）。",
    },
    "ch.migration_bad": {
        "en": "Choose two periods, each with a first and a last day, the earlier ending before "
        "the later starts.",
        "zh": "请选择两个时期，各有起止日期，且前一时期须在后一时期开始前结束。",
    },
    "ch.migration_stayed": {
        "en": "{stayed} of {both} customers who bought in both periods kept their main "
        "channel ({share}).",
        "zh": "两个时期都有购买的 {both} 位客户中，{stayed} 位保持了原来的主渠道（{share}）。",
    },
    "ch.none": {"en": "(none)", "zh": "（无）"},
    # ------------------------------------------------------------------ columns and measures
    "ch.col.channel": {"en": "Channel", "zh": "渠道"},
    "ch.col.acquisition_channel": {"en": "Acquisition channel", "zh": "获客渠道"},
    "ch.col.customers": {"en": "Customers", "zh": "客户数"},
    "ch.col.new_customers": {"en": "New customers", "zh": "新客户数"},
    "ch.col.orders": {"en": "Orders", "zh": "订单数"},
    "ch.col.revenue": {"en": "Revenue (net)", "zh": "净收入"},
    "ch.col.revenue_share": {"en": "Share of revenue", "zh": "收入占比"},
    "ch.col.aov": {"en": "Average order value", "zh": "客单价"},
    "ch.col.share": {"en": "Share of customers", "zh": "客户占比"},
    "ch.col.observed_customers": {"en": "Customers observed", "zh": "已观察满的客户数"},
    "ch.col.repeat_customers": {"en": "Repeat buyers", "zh": "复购客户数"},
    "ch.col.repeat_rate": {"en": "Repeat rate", "zh": "复购率"},
    "ch.col.revenue_per_customer": {"en": "Revenue per customer", "zh": "人均收入"},
    "ch.col.channels": {"en": "Channels", "zh": "渠道组合"},
    "ch.col.n_channels": {"en": "Number of channels", "zh": "渠道数"},
    "ch.col.from_channel": {"en": "Main channel before", "zh": "之前的主渠道"},
    "ch.col.to_channel": {"en": "Main channel after", "zh": "之后的主渠道"},
    "ch.col.migration_share": {"en": "Share of the row", "zh": "占该行比例"},
    "ch.percent_note": {
        "en": "Shares and rates are in percent (18.1 = 18.1%); the table's toolbar downloads "
        "them as these numbers, without the % sign.",
        "zh": "占比和比率以百分数表示（18.1 即 18.1%）；通过表格工具栏下载的 CSV 中为不带 % 号的"
        "数值。",
    },
    # ------------------------------------------------------------------ cohorts
    "coh.header": {"en": "Acquisition cohorts", "zh": "获客同期群"},
    "coh.period": {"en": "Cohort by", "zh": "同期群周期"},
    "coh.period.month": {"en": "Month", "zh": "月"},
    "coh.period.quarter": {"en": "Quarter", "zh": "季度"},
    "coh.period.week": {"en": "Week", "zh": "周"},
    # the period inside the caption's sentence
    "coh.period_name.month": {"en": "month", "zh": "月"},
    "coh.period_name.quarter": {"en": "quarter", "zh": "季度"},
    "coh.period_name.week": {"en": "week", "zh": "周"},
    "coh.value": {"en": "Show", "zh": "显示"},
    "coh.retention": {"en": "Retention", "zh": "留存"},
    "coh.revenue": {"en": "Revenue", "zh": "收入"},
    "coh.mode": {"en": "As", "zh": "显示方式"},
    "coh.rates": {"en": "Rates / per customer", "zh": "比率 / 人均"},
    "coh.counts": {"en": "Counts / totals", "zh": "人数 / 总额"},
    "coh.cumulative": {"en": "Cumulative", "zh": "累计"},
    "coh.max_periods": {"en": "Periods shown after the first", "zh": "显示首购后的周期数"},
    "coh.caption": {
        "en": "Cohort = the {period} of the first paid purchase, in the {zone} calendar. Column "
        "0 is that {period}; a customer is retained in column n when they buy in the n-th "
        "{period} after it. The last column of each cohort may be the current, unfinished "
        "{period}.",
        "zh": "同期群 = 首次付款购买所在的{period}（按 {zone} 时区）。第 0 列即首购当{period}；"
        "客户在其后第 n 个{period}有购买，即在第 n 列计为留存。每个同期群的最后一列可能是尚未结束的当{period}。",
    },
    "coh.col.cohort": {"en": "Cohort", "zh": "同期群"},
    "coh.col.cohort_size": {"en": "Customers", "zh": "客户数"},
    "coh.col.period_month": {"en": "M{n}", "zh": "第 {n} 月"},
    "coh.col.period_quarter": {"en": "Q+{n}", "zh": "第 {n} 季"},
    "coh.col.period_week": {"en": "W{n}", "zh": "第 {n} 周"},
    "coh.col.period_index": {"en": "Months since first purchase", "zh": "首购后月数"},
    "coh.col.week_index": {"en": "Weeks since first purchase", "zh": "首购后周数"},
    "coh.col.quarter_index": {"en": "Quarters since first purchase", "zh": "首购后季度数"},
    "coh.col.active_customers": {"en": "Active customers", "zh": "活跃客户数"},
    "coh.col.retention_rate": {"en": "Retention rate", "zh": "留存率"},
    "coh.col.revenue": {"en": "Revenue (net)", "zh": "净收入"},
    "coh.col.revenue_per_customer": {"en": "Revenue per customer", "zh": "人均收入"},
    "coh.col.cumulative_revenue_per_customer": {
        "en": "Cumulative revenue per customer",
        "zh": "累计人均收入",
    },
    # ------------------------------------------------------------------ KPIs (Overview)
    "kpi.header": {"en": "Key figures", "zh": "核心指标"},
    "kpi.period": {"en": "Period", "zh": "统计周期"},
    "kpi.period_days": {"en": "Last {n} days", "zh": "最近 {n} 天"},
    "kpi.caption": {
        "en": "{start} to {end}, compared with the {n} days before. Purchases are paid "
        "order lines; revenue is net of refunds.",
        "zh": "{start} 至 {end}，与之前 {n} 天相比。购买指已付款的订单行；收入为扣除退款后的净额。",
    },
    "kpi.trend_of": {"en": "Trend of", "zh": "趋势指标"},
    "kpi.period_end": {"en": "Period ending", "zh": "周期截止日"},
    "kpi.delta_pp": {"en": "{value} pp", "zh": "{value} 个百分点"},
    "kpi.help": {
        "en": "{definition} Previous period: {previous}.",
        "zh": "{definition} 上一周期：{previous}。",
    },
    "kpi.customers": {"en": "Customers", "zh": "客户总数"},
    "kpi.active_customers": {"en": "Active customers", "zh": "活跃客户"},
    "kpi.new_customers": {"en": "New customers", "zh": "新客户"},
    "kpi.revenue": {"en": "Revenue (net)", "zh": "净收入"},
    "kpi.orders": {"en": "Orders", "zh": "订单数"},
    "kpi.average_order_value": {"en": "Average order value", "zh": "客单价"},
    "kpi.repeat_purchase_rate": {"en": "Repeat-purchase rate", "zh": "复购率"},
    "kpi.def.customers": {
        "en": "Customers known by the end of the period (buyers and other known customers).",
        "zh": "截至本周期末已知的客户（购买客户及其他已登记客户）。",
    },
    "kpi.def.active_customers": {
        "en": "Customers with at least one paid order in the period.",
        "zh": "本周期内至少有一笔已付款订单的客户。",
    },
    "kpi.def.new_customers": {
        "en": "Customers whose first purchase ever falls in the period.",
        "zh": "首次购买发生在本周期内的客户。",
    },
    "kpi.def.revenue": {
        "en": "Paid order lines minus refunds, dated in the period.",
        "zh": "本周期内已付款订单行金额减去退款。",
    },
    "kpi.def.orders": {
        "en": "Orders with at least one paid line in the period.",
        "zh": "本周期内至少有一行已付款的订单。",
    },
    "kpi.def.average_order_value": {
        "en": "Net revenue divided by orders.",
        "zh": "净收入除以订单数。",
    },
    "kpi.def.repeat_purchase_rate": {
        "en": "Share of active customers who bought on a day after their first purchase day "
        "(returning customers, and new customers who came back within the period).",
        "zh": "活跃客户中，在首购日之后的某天再次购买的比例（包括回头客，以及本周期内再次购买的新客户）。",
    },
}
