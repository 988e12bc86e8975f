"""Texts of the Satisfaction page (NPS, CSAT, complaints) and Products page (bought together),
and of their charts (:mod:`cimlab.charts.satisfaction`, :mod:`cimlab.charts.affinity`)."""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
    "nav.satisfaction": {"en": "Satisfaction", "zh": "客户满意度"},
    "nav.products": {"en": "Products", "zh": "商品关联"},
    # ------------------------------------------------------------------ shared: the window
    "sat.window": {"en": "Period", "zh": "统计周期"},
    "sat.window_days": {"en": "Last {n} days", "zh": "最近 {n} 天"},
    "sat.window_all": {"en": "All time", "zh": "全部时间"},
    "sat.window_help": {
        "en": "Records dated in the last days up to the analysis date (both days included).",
        "zh": "统计截至分析日期（含当天）的最近若干天的记录。",
    },
    "sat.period": {"en": "{start} to {end}", "zh": "{start} 至 {end}"},
    "sat.period_vs": {
        "en": "{start} to {end}; changes compare with {prev_start} to {prev_end} (same length).",
        "zh": "{start} 至 {end}；变化与等长的上一周期 {prev_start} 至 {prev_end} 比较。",
    },
    "sat.period_all": {"en": "All records up to {end}.", "zh": "截至 {end} 的全部记录。"},
    # ------------------------------------------------------------------ satisfaction page
    "sat.metric.nps": {"en": "NPS", "zh": "净推荐值 NPS"},
    "sat.metric.csat": {"en": "CSAT (share 4–5)", "zh": "满意度 CSAT（4–5 分占比）"},
    "sat.metric.complaint_rate": {"en": "Complaint rate", "zh": "投诉率"},
    "sat.metric.none": {"en": "no answers", "zh": "暂无回答"},
    "sat.help.nps": {
        "en": "{conf} interval {low} to {high}; {n} answers ({pro} promoters, {pas} passives, "
        "{det} detractors).",
        "zh": "{conf} 置信区间 {low} 至 {high}；共 {n} 个回答（推荐者 {pro}，中立者 {pas}，"
        "贬损者 {det}）。",
    },
    "sat.help.csat": {
        "en": "{conf} interval {low} to {high}; {n} answers, mean score {mean} of 5.",
        "zh": "{conf} 置信区间 {low} 至 {high}；共 {n} 个回答，平均 {mean} 分（满分 5）。",
    },
    "sat.help.complaint_rate": {
        "en": "{conf} interval {low} to {high}; {k} of {n} customers in contact complained.",
        "zh": "{conf} 置信区间 {low} 至 {high}；有联系记录的 {n} 位客户中 {k} 位投诉过。",
    },
    "sat.empty": {
        "en": "No feedback or interactions in this period.",
        "zh": "该周期内没有反馈或互动记录。",
    },
    "sat.by_channel": {"en": "By channel", "zh": "按渠道"},
    "sat.by_segment": {"en": "By RFM segment", "zh": "按 RFM 客户分群"},
    "sat.by_segment_caption": {
        "en": "Each customer's RFM segment as of the analysis date; customers who never bought "
        'are under "no segment".',
        "zh": "按客户在分析日期的 RFM 分群统计；从未购买的客户归入“无分群”。",
    },
    "sat.trend": {"en": "Trend by month", "zh": "按月趋势"},
    "sat.trend_caption": {
        "en": "The 12 months up to the analysis date (or all months); the band is the {conf} "
        "confidence interval.",
        "zh": "截至分析日期的 12 个月（或全部月份）；阴影为 {conf} 置信区间。",
    },
    "sat.measure": {"en": "Measure", "zh": "指标"},
    "sat.table": {"en": "Figures", "zh": "明细数据"},
    "sat.unhappy": {"en": "Unhappy high-value customers", "zh": "不满意的高价值客户"},
    "sat.unhappy_caption": {
        "en": "Customers in the top {share} by net spend who are detractors (latest NPS 0–6) "
        "or complained in this period. Look a customer up by ID on the Customers page.",
        "zh": "净消费排名前 {share} 且在本周期内为贬损者（最近一次 NPS 0–6）或有投诉的客户。"
        "可在“客户”页面按客户编号查看详情。",
    },
    "sat.unhappy_none": {
        "en": "No high-value customer was unhappy in this period.",
        "zh": "本周期内没有不满意的高价值客户。",
    },
    "sat.top_share": {"en": "High value = top share by spend", "zh": "高价值 = 消费排名前"},
    "sat.customers_link": {"en": "Open the Customers page", "zh": "打开“客户”页面"},
    "sat.reason.detractor": {"en": "Detractor", "zh": "贬损者"},
    "sat.reason.complaint": {"en": "Complaint", "zh": "投诉"},
    "sat.reason.both": {"en": "Detractor and complaint", "zh": "贬损且投诉"},
    "sat.rules": {"en": "How these figures are counted", "zh": "指标口径说明"},
    "sat.rules_text": {
        "en": "- **NPS** = % promoters (9–10) − % detractors (0–6) among the NPS answers of the "
        "period, from −100 to 100; passives answer 7–8. Every answer counts.\n"
        "- **CSAT** = share of CSAT answers scoring 4 or 5 (of 5).\n"
        "- **Complaint rate** = share of customers with any feedback or interaction in the "
        "period who complained at least once (a feedback complaint or a complaint "
        "interaction).\n"
        "- Intervals: NPS by the normal approximation of its variance, shares by the Wilson "
        "score interval. Small groups have wide intervals: read the counts too.",
        "zh": "- **NPS** = 本周期 NPS 回答中推荐者（9–10 分）占比 − 贬损者（0–6 分）占比，"
        "范围 −100 至 100；7–8 分为中立者。每个回答都计入。\n"
        "- **CSAT** = CSAT 回答中 4 分或 5 分（满分 5）的占比。\n"
        "- **投诉率** = 本周期内有反馈或互动记录的客户中，至少投诉过一次（反馈标记投诉或"
        "投诉类互动）的客户占比。\n"
        "- 置信区间：NPS 用其方差的正态近似，占比用 Wilson 区间。样本小的组区间很宽，"
        "请同时参考回答数。",
    },
    # column headers of the satisfaction tables
    "sat.col.nps_answers": {"en": "NPS answers", "zh": "NPS 回答数"},
    "sat.col.promoters": {"en": "Promoters", "zh": "推荐者"},
    "sat.col.passives": {"en": "Passives", "zh": "中立者"},
    "sat.col.detractors": {"en": "Detractors", "zh": "贬损者"},
    "sat.col.nps": {"en": "NPS", "zh": "净推荐值"},
    "sat.col.nps_interval": {"en": "NPS {conf} interval", "zh": "NPS {conf} 置信区间"},
    "sat.col.nps_low": {"en": "NPS low", "zh": "NPS 下限"},
    "sat.col.nps_high": {"en": "NPS high", "zh": "NPS 上限"},
    "sat.col.csat_answers": {"en": "CSAT answers", "zh": "CSAT 回答数"},
    "sat.col.csat_mean": {"en": "CSAT mean", "zh": "CSAT 平均分"},
    "sat.col.csat": {"en": "CSAT (4–5)", "zh": "CSAT（4–5 分）"},
    "sat.col.csat_low": {"en": "CSAT low", "zh": "CSAT 下限"},
    "sat.col.csat_high": {"en": "CSAT high", "zh": "CSAT 上限"},
    "sat.col.complaints": {"en": "Complained", "zh": "投诉客户数"},
    "sat.col.complaint_base": {"en": "In contact", "zh": "有联系客户数"},
    "sat.col.complaint_rate": {"en": "Complaint rate", "zh": "投诉率"},
    "sat.col.complaint_low": {"en": "Complaint rate low", "zh": "投诉率下限"},
    "sat.col.complaint_high": {"en": "Complaint rate high", "zh": "投诉率上限"},
    "sat.col.customer_id": {"en": "Customer ID", "zh": "客户编号"},
    "sat.col.value": {"en": "Net spend", "zh": "净消费额"},
    "sat.col.segment": {"en": "Segment", "zh": "客户分群"},
    "sat.col.last_nps": {"en": "Latest NPS", "zh": "最近 NPS"},
    "sat.col.complaint_count": {"en": "Complaints", "zh": "投诉次数"},
    "sat.col.last_feedback_ts": {"en": "Latest feedback", "zh": "最近反馈时间"},
    "sat.col.reason": {"en": "Why", "zh": "原因"},
    "sat.range_sep": {"en": " to ", "zh": " 至 "},
    "sat.all_columns": {
        "en": "All {n} columns: counts, mean score and every interval",
        "zh": "全部 {n} 列：计数、平均分和各项置信区间",
    },
    "sat.all_columns_caption": {
        "en": "Shares are in percent (38.5 = 38.5%), NPS in points. The table's toolbar "
        "downloads it as CSV.",
        "zh": "占比以百分数表示（38.5 即 38.5%），NPS 以分值表示。可通过表格工具栏下载为 CSV。",
    },
    # tooltips of the compact tables' headers
    "sat.col_help.nps": {
        "en": "% promoters (9–10) − % detractors (0–6) of the NPS answers, from −100 to +100.",
        "zh": "NPS 回答中推荐者（9–10 分）占比 − 贬损者（0–6 分）占比，范围 −100 至 +100。",
    },
    "sat.col_help.nps_interval": {
        "en": "With {conf} confidence the group's true NPS lies in this range. A wide range "
        "means few answers: compare groups only when their ranges barely overlap.",
        "zh": "有 {conf} 的把握该组真实的 NPS 落在此区间内。区间宽说明回答少："
        "只有区间几乎不重叠时，组间差异才可信。",
    },
    "sat.col_help.csat": {
        "en": "Share of the CSAT answers scoring 4 or 5 (of 5).",
        "zh": "CSAT 回答中 4 分或 5 分（满分 5）的占比。",
    },
    "sat.col_help.complaint_rate": {
        "en": "Share of the customers in contact who complained at least once.",
        "zh": "有联系记录的客户中至少投诉过一次的客户占比。",
    },
    "sat.col_help.complaints": {
        "en": "Customers who complained at least once in the period.",
        "zh": "本周期内至少投诉过一次的客户数。",
    },
    "sat.col_help.complaint_base": {
        "en": "Customers with any feedback or interaction in the period.",
        "zh": "本周期内有任何反馈或互动记录的客户。",
    },
    # groups and chart labels
    "sat.group.channel": {"en": "Channel", "zh": "渠道"},
    "sat.group.segment": {"en": "Segment", "zh": "客户分群"},
    "sat.group.month": {"en": "Month", "zh": "月份"},
    "sat.no_segment": {"en": "No segment", "zh": "无分群"},
    "sat.unknown": {"en": "Unknown", "zh": "未知"},
    "sat.chart.nps": {"en": "NPS", "zh": "净推荐值 NPS"},
    "sat.chart.csat": {"en": "CSAT (share 4–5)", "zh": "CSAT（4–5 分占比）"},
    "sat.chart.complaint_rate": {"en": "Complaint rate", "zh": "投诉率"},
    "sat.chart.low": {"en": "Interval low", "zh": "区间下限"},
    "sat.chart.high": {"en": "Interval high", "zh": "区间上限"},
    "sat.chart.answers": {"en": "Answers", "zh": "回答数"},
    "sat.chart.n.nps": {"en": "NPS answers", "zh": "NPS 回答数"},
    "sat.chart.n.csat": {"en": "CSAT answers", "zh": "CSAT 回答数"},
    "sat.chart.n.complaint_rate": {"en": "Customers in contact", "zh": "有联系客户数"},
    "sat.chart.complainers": {"en": "Customers who complained", "zh": "投诉客户数"},
    "sat.chart.promoters": {"en": "Promoters (9–10)", "zh": "推荐者（9–10）"},
    "sat.chart.passives": {"en": "Passives (7–8)", "zh": "中立者（7–8）"},
    "sat.chart.detractors": {"en": "Detractors (0–6)", "zh": "贬损者（0–6）"},
    "sat.chart.kind": {"en": "Answer", "zh": "回答类型"},
    "sat.chart.share": {"en": "Share of answers", "zh": "回答占比"},
    # ------------------------------------------------------------------ products page
    "prod.caption": {
        "en": "Which items are bought together: pairs with support, confidence and lift.",
        "zh": "哪些商品经常一起购买：商品组合的支持度、置信度和提升度。",
    },
    "prod.item": {"en": "Items", "zh": "商品粒度"},
    "prod.item.sku": {"en": "SKU", "zh": "商品编码 SKU"},
    "prod.item.product_name": {"en": "Product name", "zh": "商品名称"},
    "prod.item.category": {"en": "Category", "zh": "品类"},
    "prod.level": {"en": "Bought together in", "zh": "共同购买的范围"},
    "prod.level.order": {"en": "the same order", "zh": "同一订单"},
    "prod.level.customer": {"en": "the same customer", "zh": "同一客户"},
    "prod.min_support": {"en": "Min. support (%)", "zh": "最小支持度（%）"},
    "prod.min_support_help": {
        "en": "Share of baskets holding both items.",
        "zh": "同时包含两件商品的购物篮占比。",
    },
    "prod.min_confidence": {"en": "Min. confidence (%)", "zh": "最小置信度（%）"},
    "prod.min_confidence_help": {
        "en": "Of the baskets with item A, the share that also hold item B.",
        "zh": "包含商品 A 的购物篮中同时包含商品 B 的占比。",
    },
    "prod.min_lift": {"en": "Min. lift", "zh": "最小提升度"},
    "prod.min_lift_help": {
        "en": "Confidence divided by B's own share of baskets; above 1 = bought together more "
        "often than by chance.",
        "zh": "置信度除以商品 B 本身的购物篮占比；大于 1 表示一起购买的频率高于随机。",
    },
    "prod.min_count": {"en": "Min. baskets with both", "zh": "最少共同购物篮数"},
    "prod.exclude": {"en": "Leave out", "zh": "排除的商品"},
    "prod.exclude_help": {
        "en": "Items that are not products (postage, fees, discounts) pair with everything. They "
        "are removed before baskets are counted; a basket left empty no longer counts. Known "
        "non-product codes (e.g. POST, DOT, M in UCI Online Retail) are preselected.",
        "zh": "非商品项目（运费、手续费、折扣）会与所有商品配对。它们会在统计购物篮之前被移除；"
        "移除后为空的购物篮不再计入。已知的非商品编码（如 UCI Online Retail 中的 POST、DOT、M）"
        "已预先选中。",
    },
    "prod.max_items": {
        "en": "Ignore baskets with more items than",
        "zh": "忽略商品数超过此值的购物篮",
    },
    "prod.max_items_help": {
        "en": "0 keeps every basket. Very large baskets (wholesale buyers) pair everything "
        "with everything; leaving them out shows what ordinary shoppers combine.",
        "zh": "0 表示保留全部购物篮。超大购物篮（批发客户）会让所有商品两两配对；"
        "忽略它们可以看到普通顾客的搭配习惯。",
    },
    "prod.summary": {
        "en": "{baskets} baskets with {items} distinct items; {rules} rules pass the thresholds.",
        "zh": "共 {baskets} 个购物篮、{items} 种商品；{rules} 条规则满足阈值。",
    },
    "prod.empty": {
        "en": "No pair passes the thresholds. Lower the minimum support, count or lift, or "
        "choose a longer period.",
        "zh": "没有满足阈值的商品组合。请降低最小支持度、共同购物篮数或提升度，或选择更长的周期。",
    },
    "prod.no_orders": {
        "en": "No paid order lines in this period.",
        "zh": "该周期内没有已付款的订单行。",
    },
    "prod.top_pairs": {"en": "Strongest pairs", "zh": "关联最强的商品组合"},
    "prod.scatter": {"en": "Support and confidence of each rule", "zh": "各规则的支持度与置信度"},
    "prod.table": {"en": "Rules", "zh": "关联规则"},
    "prod.table_caption": {
        "en": "Rule A → B: of the baskets with A, the share with B is the confidence. "
        "Showing {shown} of {rules}.",
        "zh": "规则 A → B：包含 A 的购物篮中同时包含 B 的占比即置信度。显示 {rules} 条中的 {shown} 条。",
    },
    "prod.also_bought": {"en": "Customers who bought … also bought", "zh": "买了……的顾客还买了"},
    "prod.pick_item": {"en": "Item", "zh": "商品"},
    "prod.also_none": {
        "en": "No rule starts from this item at these thresholds.",
        "zh": "在当前阈值下，没有以该商品开头的规则。",
    },
    "prod.rules": {"en": "How these figures are counted", "zh": "指标口径说明"},
    "prod.rules_text": {
        "en": "- A **basket** is one order (or everything one customer bought in the period); "
        "only paid lines count, each item once per basket.\n"
        "- **Support** of A + B = baskets with both ÷ all baskets.\n"
        "- **Confidence** of A → B = baskets with both ÷ baskets with A.\n"
        "- **Lift** = confidence ÷ share of baskets with B; 1 means no relation.",
        "zh": "- **购物篮**：一个订单（或一位客户在周期内购买的全部商品）；只计已付款的订单行，"
        "同一购物篮中的同一商品只计一次。\n"
        "- **支持度**（A + B）= 同时包含两者的购物篮数 ÷ 全部购物篮数。\n"
        "- **置信度**（A → B）= 同时包含两者的购物篮数 ÷ 包含 A 的购物篮数。\n"
        "- **提升度** = 置信度 ÷ 包含 B 的购物篮占比；等于 1 表示没有关联。",
    },
    "prod.col.item_a": {"en": "A", "zh": "商品 A"},
    "prod.col.item_b": {"en": "B", "zh": "商品 B"},
    "prod.col.name_a": {"en": "A (name)", "zh": "A（名称）"},
    "prod.col.name_b": {"en": "B (name)", "zh": "B（名称）"},
    "prod.col.baskets_both": {"en": "Baskets with both", "zh": "共同购物篮数"},
    "prod.col.support": {"en": "Support", "zh": "支持度"},
    "prod.col.confidence": {"en": "Confidence A → B", "zh": "置信度 A → B"},
    "prod.col.lift": {"en": "Lift", "zh": "提升度"},
    "prod.col.support_a": {"en": "Support of A", "zh": "A 的支持度"},
    "prod.col.support_b": {"en": "Support of B", "zh": "B 的支持度"},
    "prod.chart.lift": {"en": "Lift", "zh": "提升度"},
    "prod.chart.pair": {"en": "Pair", "zh": "商品组合"},
    "prod.chart.rule": {"en": "Rule", "zh": "规则"},
    "prod.chart.support": {"en": "Support", "zh": "支持度"},
    "prod.chart.confidence": {"en": "Confidence", "zh": "置信度"},
    "prod.chart.baskets": {"en": "Baskets with both", "zh": "共同购物篮数"},
    "prod.chart.conf_ab": {"en": "Confidence A → B", "zh": "置信度 A → B"},
    "prod.chart.conf_ba": {"en": "Confidence B → A", "zh": "置信度 B → A"},
}
