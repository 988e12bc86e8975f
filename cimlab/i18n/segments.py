"""Texts of the Segments page: RFM grid and segments, clusters, lifecycle; and of the RFM charts.

Also the labels of the codes the analytics return (language lives at the edges): the 中文 names
and actions of the RFM segments (:data:`SEGMENT_ZH`, keyed by the segment's name in
:data:`cimlab.analytics.rfm.SEGMENTS`, whose English columns are the source texts), the 中文
names and rules of the lifecycle stages (:data:`STAGE_ZH`, keyed by stage code; rules are
templates filled with :class:`cimlab.analytics.lifecycle.LifecycleRules`), and the cluster names
in both languages (``clu.*`` keys of :data:`MESSAGES`, read by :func:`cimlab.i18n.cluster_label`).
"""

from __future__ import annotations

__all__ = ["MESSAGES", "SEGMENT_ZH", "STAGE_ZH"]

#: RFM segment (``cimlab.analytics.rfm.SEGMENTS["name"]``) → (中文 name, 中文 suggested action).
SEGMENT_ZH: dict[str, tuple[str, str]] = {
    "Champions": ("冠军客户", "给予奖励：新品抢先购和 VIP 权益；邀请他们评价和推荐。"),
    "Loyal": ("忠诚客户", "推荐更高价值的商品，邀请加入会员积分计划。"),
    "Potential loyalist": ("潜在忠诚客户", "提供会员权益并推荐相关商品，培养复购习惯。"),
    "New": ("新客户", "做好新客引导：欢迎消息、使用指导，给他们再来的理由。"),
    "Promising": ("有潜力客户", "提升认知：试用装或小样，为第二次购买提供小额激励。"),
    "Need attention": ("需要关注", "根据购买记录推送限时优惠，在其流失前重新激活。"),
    "About to sleep": ("即将沉睡", "推荐热门商品和折扣，在其沉寂前重新建立联系。"),
    "At risk": ("有流失风险", "发送个性化的挽回信息、续费提醒和实用内容。"),
    "Cannot lose them": ("不能失去的客户", "一对一沟通并用新品赢回，别让他们流向竞争对手。"),
    "Hibernating": ("沉睡客户", "推荐相关商品并提供专属折扣，重新唤起兴趣。"),
    "Lost": ("已流失客户", "尝试一次唤醒活动；无效则停止投入。"),
}

#: Lifecycle stage code → (中文 name, 中文 rule template with the fields of ``LifecycleRules``).
STAGE_ZH: dict[str, tuple[str, str]] = {
    "prospect": ("潜在客户", "已认识（首次出现不晚于该日）但从未购买。"),
    "new": ("新客户", "只有一个购买日，且不超过 {new_days} 天前。"),
    "repeat": (
        "复购客户",
        "两个及以上购买日，最近一次不超过 {active_days} 天前；不属于忠诚或赢回客户。",
    ),
    "loyal": (
        "忠诚客户",
        "最近 {loyal_window_days} 天内（含当天）至少 {loyal_days} 个购买日，最近一次不超过 {active_days} 天前。",
    ),
    "won_back": (
        "赢回客户",
        "超过 {lapsed_days} 天未购买后，在不超过 {active_days} 天前再次购买。",
    ),
    "at_risk": (
        "有流失风险",
        "最近一次购买在 {active_days_plus_one}–{lapsed_days} 天前，或仅购买过一次且已超过 "
        "{new_days} 天，或只有退款/冲销记录的老客户（最近一条不超过 {lapsed_days} 天）。",
    ),
    "lapsed": ("已流失", "超过 {lapsed_days} 天没有购买。"),
}

MESSAGES: dict[str, dict[str, str]] = {
    "nav.segments": {"en": "Segments", "zh": "客户分群"},
    # ------------------------------------------------------------------ page
    "seg.title": {"en": "Customer segments", "zh": "客户分群"},
    "seg.intro": {
        "en": "Who are our best customers, who is slipping away, and what to do about each group. "
        "Based on paid orders up to the analysis date; refunds are netted.",
        "zh": "谁是最好的客户、谁正在流失，以及对每个群体该做什么。基于分析日期之前的已付款订单，"
        "退款已扣除。",
    },
    "seg.time_unit": {"en": "Time unit", "zh": "时间单位"},
    "seg.time_unit_help": {
        "en": "Unit of recency and customer age (days, weeks or months); scores do not change.",
        "zh": "最近购买间隔和客户年龄的单位（天、周或月）；评分不受影响。",
    },
    "seg.unit.day": {"en": "Days", "zh": "天"},
    "seg.unit.week": {"en": "Weeks", "zh": "周"},
    "seg.unit.month": {"en": "Months", "zh": "月"},
    "seg.tab.rfm": {"en": "RFM segments", "zh": "RFM 分群"},
    "seg.tab.clusters": {"en": "Clusters", "zh": "聚类"},
    "seg.tab.lifecycle": {"en": "Lifecycle", "zh": "生命周期"},
    "seg.no_buyers": {
        "en": "No customer has a paid order up to {as_of}. Choose a later analysis date or "
        "import orders.",
        "zh": "截至 {as_of} 没有客户有已付款订单。请选择更晚的分析日期，或先导入订单。",
    },
    # RFM section
    "seg.customers_scored": {"en": "Customers with a purchase", "zh": "有购买的客户"},
    "seg.revenue_total": {"en": "Net revenue", "zh": "净收入"},
    "seg.segments_present": {"en": "Segments", "zh": "分群数"},
    "seg.grid": {"en": "RFM grid", "zh": "RFM 网格"},
    "seg.grid_help": {
        "en": "R = recency score (5 = bought most recently), FM = mean of the frequency and "
        "monetary scores (5 = buys most often and spends most). Scores are quintiles of the "
        "customers; equal values get equal scores.",
        "zh": "R = 最近购买评分（5 = 最近购买），FM = 频次评分与金额评分的平均（5 = 购买最频繁、"
        "花费最多）。评分按客户五等分，相同数值得分相同。",
    },
    "seg.grid_value": {"en": "Show in the cells", "zh": "格中显示"},
    "seg.value.customers": {"en": "Customers", "zh": "客户数"},
    "seg.value.revenue": {"en": "Net revenue", "zh": "净收入"},
    "seg.table": {"en": "Segments and what to do", "zh": "分群与建议行动"},
    "seg.col.segment": {"en": "Segment", "zh": "分群"},
    "seg.col.rule": {"en": "Rule", "zh": "规则"},
    "seg.col.customers": {"en": "Customers", "zh": "客户数"},
    "seg.col.share": {"en": "Share of customers", "zh": "客户占比"},
    "seg.col.revenue": {"en": "Net revenue", "zh": "净收入"},
    "seg.col.revenue_share": {"en": "Share of revenue", "zh": "收入占比"},
    "seg.col.action": {"en": "Suggested action", "zh": "建议行动"},
    "seg.no_predictions": {
        "en": "Open the Value & risk page to add each segment's mean CLV and churn risk here.",
        "zh": "打开“价值与风险”页面后，这里会显示各分群的平均 CLV 与流失风险。",
    },
    "seg.predictions_caption": {
        "en": "Mean CLV and the share of customers at high churn risk, from the latest "
        "predictions of the Value & risk page for these data.",
        "zh": "平均 CLV 与高流失风险客户占比，来自“价值与风险”页面针对当前数据的最新预测。",
    },
    "seg.col.mean_clv": {"en": "Mean CLV", "zh": "平均 CLV"},
    "seg.col.churn_share": {"en": "High churn risk", "zh": "高流失风险占比"},
    "seg.percent_note": {
        "en": "Shares are in percent (18.1 = 18.1%); the table's toolbar downloads them as "
        "these numbers, without the % sign.",
        "zh": "占比以百分数表示（18.1 即 18.1%）；通过表格工具栏下载的 CSV 中为不带 % 号的数值。",
    },
    "seg.distribution": {
        "en": "Distributions of recency, frequency and spend",
        "zh": "最近购买、频次与消费金额的分布",
    },
    "seg.members": {"en": "Customers of a segment", "zh": "分群中的客户"},
    "seg.pick": {"en": "Segment", "zh": "分群"},
    "seg.members_caption": {
        "en": "{n} customers in {segment}. Suggested action: {action}",
        "zh": "{segment}共 {n} 位客户。建议行动：{action}",
    },
    "seg.members_shown": {
        "en": "The first {shown} of {n} rows are shown; the download has all of them.",
        "zh": "仅显示前 {shown} 行（共 {n} 行）；下载文件包含全部。",
    },
    "seg.download": {
        "en": "Download the analysis data (CSV, no contact details)",
        "zh": "下载分析数据（CSV，不含联系方式）",
    },
    "seg.download_help": {
        "en": "Customer ids with their RFM figures, no contact data. Apply consent and "
        "opt-outs before a campaign: “Make an audience from this” does it on the Campaigns page.",
        "zh": "客户编号及其 RFM 指标，不含联系方式。用于营销活动前请先应用授权与退订规则："
        "“以此创建受众”会在营销活动页面完成这些检查。",
    },
    "seg.col.customer_id": {"en": "Customer id", "zh": "客户编号"},
    "seg.col.r_score": {"en": "R score", "zh": "R 评分"},
    "seg.col.f_score": {"en": "F score", "zh": "F 评分"},
    "seg.col.m_score": {"en": "M score", "zh": "M 评分"},
    "seg.col.purchase_days": {"en": "Purchase days", "zh": "购买天数"},
    "seg.col.since_last": {
        "en": "Since last purchase ({unit})",
        "zh": "距上次购买（{unit}）",
    },
    "seg.col.T": {"en": "Customer age ({unit})", "zh": "客户年龄（{unit}）"},
    "seg.col.total_spend": {"en": "Net spend", "zh": "净消费"},
    "seg.col.monetary_value": {"en": "Mean repeat spend", "zh": "复购平均消费"},
    "seg.col.last_purchase": {"en": "Last purchase", "zh": "最近购买日"},
    # Clusters section
    "seg.clusters_intro": {
        "en": "Customers grouped by behaviour (RFM, channel mix and satisfaction where present), "
        "on scaled and log-transformed features. The number of groups k is chosen by the "
        "criterion below unless you fix it.",
        "zh": "按行为（RFM、渠道构成，以及有数据时的满意度）对客户聚类，特征已取对数并标准化。"
        "除非手动指定，否则组数 k 由下面的准则自动选择。",
    },
    "seg.auto_k": {"en": "Choose k automatically", "zh": "自动选择 k"},
    "seg.k": {"en": "Number of clusters k", "zh": "聚类数 k"},
    "seg.criterion": {"en": "Criterion", "zh": "准则"},
    "seg.criterion.silhouette": {
        "en": "Silhouette (higher is better)",
        "zh": "轮廓系数（越高越好）",
    },
    "seg.criterion.bic": {"en": "BIC (lower is better)", "zh": "BIC（越低越好）"},
    "seg.k_chosen": {"en": "Clusters", "zh": "聚类数"},
    "seg.k_curve": {"en": "Choosing k", "zh": "k 的选择"},
    "seg.structure.strong": {"en": "strong structure", "zh": "结构清晰"},
    "seg.structure.reasonable": {"en": "reasonable structure", "zh": "结构尚可"},
    "seg.structure.weak": {
        "en": "weak structure, could be artificial",
        "zh": "结构较弱，可能是人为划分",
    },
    "seg.structure.none": {"en": "no substantial structure", "zh": "没有明显结构"},
    "seg.structure": {
        "en": "Mean silhouette {silhouette}: {band}.",
        "zh": "平均轮廓系数 {silhouette}：{band}。",
    },
    "seg.stability": {
        "en": "k = {k} scored best in {share} of {n} bootstrap resamples of the customers.",
        "zh": "在 {n} 次客户自助重抽样中，k = {k} 有 {share} 的次数得分最高。",
    },
    "seg.weak_hint": {
        "en": "Read these clusters as a convenient partition of a continuum, not as natural groups.",
        "zh": "这些聚类更像是对连续分布的便利划分，而不是天然存在的客户群。",
    },
    "seg.profiles": {"en": "Cluster profiles", "zh": "聚类画像"},
    "seg.scatter": {"en": "Customers by cluster", "zh": "按聚类显示客户"},
    "seg.scatter_x": {"en": "Horizontal axis", "zh": "横轴"},
    "seg.scatter_y": {"en": "Vertical axis", "zh": "纵轴"},
    "seg.too_few": {
        "en": "Too few customers to cluster ({n}); clustering needs more buyers.",
        "zh": "客户太少（{n} 位），无法聚类；需要更多有购买的客户。",
    },
    "seg.col.cluster": {"en": "Cluster", "zh": "聚类"},
    # cluster names: the codes of cimlab.analytics.clusters (CLUSTER_RULES), read by cluster_label
    "clu.unhappy_regulars": {"en": "Unhappy regulars", "zh": "不满意的常客"},
    "clu.unhappy": {"en": "Unhappy customers", "zh": "不满意的客户"},
    "clu.high_value_loyal": {"en": "High-value loyal", "zh": "高价值忠诚客户"},
    "clu.high_value_at_risk": {"en": "High-value at risk", "zh": "高价值流失风险客户"},
    "clu.big_ticket": {"en": "Big-ticket buyers", "zh": "大额客户"},
    "clu.newcomers": {"en": "Recent newcomers", "zh": "近期新客"},
    "clu.active_regulars": {"en": "Active regulars", "zh": "活跃常客"},
    "clu.fading_regulars": {"en": "Fading regulars", "zh": "渐冷常客"},
    "clu.lapsed_one_timers": {"en": "Lapsed one-timers", "zh": "流失的一次性客户"},
    "clu.bargain": {"en": "Occasional bargain buyers", "zh": "偶尔购买的低价客户"},
    "clu.recent_occasional": {"en": "Recent occasional buyers", "zh": "近期偶购客户"},
    "clu.occasional": {"en": "Occasional buyers", "zh": "偶尔购买的客户"},
    "clu.cluster": {"en": "Cluster {n}", "zh": "第 {n} 群"},
    "clu.occasional.channel": {"en": "{channel}-first", "zh": "{channel}为主客户"},
    "clu.recent_occasional.channel": {
        "en": "Recent {channel}-first buyers",
        "zh": "近期{channel}为主客户",
    },
    "clu.with_channel": {"en": "{name} · {channel}-first", "zh": "{name}（{channel}为主）"},
    "clu.numbered": {"en": "{name} ({n})", "zh": "{name}（{n}）"},
    "seg.col.name": {"en": "Name", "zh": "名称"},
    # Lifecycle section
    "seg.lifecycle_intro": {
        "en": "Where each customer stands in the relationship, by the rules in the table; "
        "counts at month ends and moves between two dates.",
        "zh": "按表中规则确定每位客户所处的关系阶段；显示各月末的人数，以及两个日期之间的阶段变化。",
    },
    "seg.months": {"en": "Months shown", "zh": "显示月数"},
    "seg.stage_counts": {"en": "Customers per stage at month ends", "zh": "各月末各阶段客户数"},
    "seg.current": {"en": "Stages on the analysis date", "zh": "分析日期的阶段分布"},
    "seg.col.stage": {"en": "Stage", "zh": "阶段"},
    "seg.transitions": {"en": "Moves between two dates", "zh": "两个日期之间的阶段变化"},
    "seg.from_date": {"en": "From", "zh": "起始日期"},
    "seg.to_date": {"en": "To", "zh": "结束日期"},
    "seg.bad_dates": {
        "en": "The start date must be before the end date.",
        "zh": "起始日期必须早于结束日期。",
    },
    "seg.col.from_stage": {"en": "From stage", "zh": "原阶段"},
    "seg.col.to_stage": {"en": "To stage", "zh": "新阶段"},
    "seg.col.share_of_from": {"en": "Share of the from stage", "zh": "占原阶段比例"},
    # ------------------------------------------------------------------ charts (cimlab.charts.rfm)
    "seg.chart.r": {"en": "R (recency score)", "zh": "R（最近购买评分）"},
    "seg.chart.fm": {"en": "FM (frequency & monetary score)", "zh": "FM（频次与金额评分）"},
    "seg.chart.segment": {"en": "Segment", "zh": "分群"},
    "seg.chart.customers": {"en": "Customers", "zh": "客户数"},
    "seg.chart.share": {"en": "Share of customers", "zh": "客户占比"},
    "seg.chart.revenue": {"en": "Net revenue", "zh": "净收入"},
    "seg.chart.revenue_share": {"en": "Share of revenue", "zh": "收入占比"},
    "seg.chart.share_of_total": {"en": "Share of total", "zh": "占总体比例"},
    "seg.chart.measure": {"en": "Measure", "zh": "指标"},
    "seg.chart.grid_customers": {"en": "Customers per RFM cell", "zh": "各 RFM 格的客户数"},
    "seg.chart.grid_revenue": {"en": "Net revenue per RFM cell", "zh": "各 RFM 格的净收入"},
    "seg.chart.bar_title": {
        "en": "Share of customers and of revenue per segment",
        "zh": "各分群的客户占比与收入占比",
    },
    "seg.chart.recency": {"en": "{unit} since last purchase", "zh": "距上次购买的{unit}数"},
    "seg.chart.frequency": {"en": "Purchase days", "zh": "购买天数"},
    "seg.chart.monetary": {"en": "Net spend", "zh": "净消费"},
    "seg.chart.capped": {
        "en": "{title} (last bin: {cap} and more)",
        "zh": "{title}（最后一组：{cap} 及以上）",
    },
    "seg.chart.from": {"en": "From", "zh": "从"},
    "seg.chart.to": {"en": "To", "zh": "到"},
    "seg.chart.dist_title": {
        "en": "Recency, frequency and monetary value of customers",
        "zh": "客户的最近购买、频次与消费金额",
    },
}
