"""Texts of the Value & risk page (价值与风险): CLV, churn risk, P(alive) map, forecast, models."""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
    "nav.value": {"en": "Value & risk", "zh": "价值与风险"},
    "val.title": {"en": "Value & risk", "zh": "价值与风险"},
    "val.intro": {
        "en": "Who is worth most, who is slipping away and when they will buy again: customer "
        "lifetime value (CLV) from buy-till-you-die models, churn risk from a model trained only "
        "on the past, both validated out of time. Results are stored with the workspace.",
        "zh": "谁最有价值、谁正在流失、何时会再次购买：基于“购买直至流失”（BTYD）模型的客户终身价值"
        "（CLV），以及仅用历史数据训练的流失风险模型，二者都经过时间外验证。结果随工作区保存。",
    },
    # ------------------------------------------------------------------ settings
    "val.horizon": {"en": "Horizon", "zh": "预测期"},
    "val.weeks": {"en": "{n} weeks", "zh": "{n} 周"},
    "val.horizon_help": {
        "en": "How far ahead CLV, expected purchases and the forecast look.",
        "zh": "CLV、预期购买次数和预测所覆盖的未来时长。",
    },
    "val.model_choice": {"en": "Purchase model", "zh": "购买模型"},
    "val.model.auto": {"en": "Automatic (best on holdout)", "zh": "自动（验证期误差最小）"},
    "val.model.bgnbd": {"en": "BG/NBD", "zh": "BG/NBD 模型"},
    "val.model.pareto": {"en": "Pareto/NBD", "zh": "Pareto/NBD 模型"},
    "val.model.mbgnbd": {"en": "MBG/NBD", "zh": "MBG/NBD 模型"},
    "val.model.mbgcnbd": {"en": "MBG/CNBD-k (regular buyers)", "zh": "MBG/CNBD-k（规律购买）"},
    "val.model_help": {
        "en": "Automatic fits every model on the earlier part of the history, compares them on "
        "the later part (the holdout) and keeps the one with the lowest error per customer.",
        "zh": "自动：用较早的历史拟合每个模型，在较晚的一段（验证期）上比较，保留每位客户平均误差最小的模型。",
    },
    "val.churn_days": {"en": "Churn window", "zh": "流失判定期"},
    "val.days": {"en": "{n} days", "zh": "{n} 天"},
    "val.churn_days_help": {
        "en": "A customer counts as churned when they make no purchase in this many days.",
        "zh": "客户在这么多天内没有购买即视为流失。",
    },
    "val.fitting_clv": {"en": "Fitting the CLV models", "zh": "正在拟合 CLV 模型"},
    "val.fitting_churn": {"en": "Fitting the churn model", "zh": "正在拟合流失模型"},
    "val.not_enough_clv": {
        "en": "CLV cannot be predicted reliably from these data: {reason}",
        "zh": "这些数据不足以可靠地预测 CLV：{reason}",
    },
    "val.not_enough_churn": {
        "en": "Churn risk cannot be predicted reliably from these data: {reason}",
        "zh": "这些数据不足以可靠地预测流失风险：{reason}",
    },
    # ------------------------------------------------------------------ key figures
    "val.kpi.customers": {"en": "Customers scored", "zh": "已评分客户"},
    "val.kpi.expected_purchases": {
        "en": "Expected purchases, next {horizon} weeks",
        "zh": "未来 {horizon} 周预期购买次数",
    },
    "val.kpi.total_clv": {"en": "Total CLV", "zh": "CLV 合计"},
    "val.kpi.high_risk": {
        "en": "High churn risk ({days} days)",
        "zh": "高流失风险（{days} 天）",
    },
    "val.kpi.value_at_risk": {
        "en": "Their CLV adds up to {value}.",
        "zh": "这些客户的 CLV 合计 {value}。",
    },
    # ------------------------------------------------------------------ tabs
    "val.tab.value": {"en": "Customer value", "zh": "客户价值"},
    "val.tab.risk": {"en": "Churn risk", "zh": "流失风险"},
    "val.tab.map": {"en": "P(alive) map", "zh": "存活概率图"},
    "val.tab.forecast": {"en": "Forecast", "zh": "预测"},
    "val.tab.model": {"en": "Models", "zh": "模型"},
    # ------------------------------------------------------------------ value tab
    "val.distribution": {"en": "CLV distribution", "zh": "CLV 分布"},
    "val.clv_caption": {
        "en": "CLV = expected spend over the next {horizon} weeks, discounted at {rate} % a "
        "year; the interval covers {interval} % of the parameter uncertainty. Values above the "
        "99th percentile are in the last bar.",
        "zh": "CLV = 未来 {horizon} 周的预期消费，按年 {rate}% 折现；区间覆盖参数不确定性的 "
        "{interval}%。高于第 99 百分位的值归入最后一根柱。",
    },
    "val.no_money": {
        "en": "Order amounts are placeholders in this workspace, so CLV is not shown; "
        "expected purchases and P(alive) are real.",
        "zh": "本工作区的订单金额为占位值，因此不显示 CLV；预期购买次数和存活概率是真实的。",
    },
    "val.top": {"en": "Top {n} customers by value", "zh": "价值最高的 {n} 位客户"},
    "val.methods": {
        "en": "How the interval and next purchase date are computed",
        "zh": "区间与下次购买日期的计算方法",
    },
    "val.interval_method": {
        "en": "**Interval ({interval} %)**: the model parameters are drawn from their estimated "
        "uncertainty (a normal distribution on the log-parameters with the inverse Hessian of the "
        "likelihood as covariance), for the purchase and the spend model, and each customer's CLV "
        "is computed at every draw; the interval is the central range of those values. It shows "
        "how sure the fit is, not how one customer's own purchases may vary.",
        "zh": "**区间（{interval}%）**：按模型参数的估计不确定性抽样（对数参数服从以似然函数 Hessian "
        "逆矩阵为协方差的正态分布），购买模型与消费模型分别抽样，在每次抽样下计算每位客户的 CLV，"
        "区间为这些值的中间范围。它反映拟合的确定程度，而不是单个客户自身购买的波动。",
    },
    "val.next_purchase_method": {
        "en": "**Next purchase (expected)**: the first day on which the probability of at least "
        "one purchase since the analysis date reaches 50 %; empty when that does not happen "
        "within the horizon.",
        "zh": "**预计下次购买**：自分析日期起至少购买一次的概率达到 50% 的第一天；若在预测期内达不到则为空。",
    },
    "val.discount_method": {
        "en": "**Discounting**: each expected purchase is discounted at {rate} % a year from the "
        "moment it is expected.",
        "zh": "**折现**：每次预期购买按其预期发生时刻、以每年 {rate}% 折现。",
    },
    "val.by_segment": {"en": "By RFM segment", "zh": "按 RFM 分群"},
    "val.by_segment_caption": {
        "en": "Mean and total CLV of each segment's customers, and the share of them at high "
        "churn risk.",
        "zh": "各分群客户的平均与合计 CLV，以及其中高流失风险客户的占比。",
    },
    "val.download": {
        "en": "Download {rows} rows of analysis data (CSV, no contact details)",
        "zh": "下载 {rows} 行分析数据（CSV，不含联系方式）",
    },
    "val.download_help": {
        "en": "Customer ids and figures only, no contact data; spreadsheet formulas escaped.",
        "zh": "仅含客户编号和指标，不含联系方式；已转义电子表格公式。",
    },
    # ------------------------------------------------------------------ risk tab
    "val.band": {"en": "Risk band", "zh": "风险等级"},
    "val.members_more": {
        "en": "The {shown} most at risk are shown of {n}; the download has them all.",
        "zh": "共 {n} 位，显示风险最高的 {shown} 位；下载文件包含全部。",
    },
    "val.bands_rule": {
        "en": "High risk: churn probability ≥ {high} %; medium: ≥ {medium} %; low: below.",
        "zh": "高风险：流失概率 ≥ {high}%；中风险：≥ {medium}%；低风险：低于 {medium}%。",
    },
    "val.window": {
        "en": "The model learned from the customers as they were on {cutoff} and whether they "
        "bought in the {days} days after ({end}); it scores no purchase in the next {horizon} "
        "days. Nothing after the analysis date is read.",
        "zh": "模型以客户在 {cutoff} 的状态及其之后 {days} 天（至 {end}）是否购买为训练样本；评分含义为未来 "
        "{horizon} 天内不购买。分析日期之后的数据一律不读取。",
    },
    "val.window_short": {
        "en": "The history is too short for a full {horizon}-day window: the model learned from "
        "the customers as they were on {cutoff} and whether they bought in the {days} days "
        "after ({end}), a shortened window; it scores no purchase in the next {horizon} days. "
        "Nothing after the analysis date is read.",
        "zh": "历史数据不足一个完整的 {horizon} 天窗口：模型以客户在 {cutoff} 的状态及其之后 {days} 天"
        "（至 {end}，缩短的窗口）是否购买为训练样本；评分含义为未来 {horizon} 天内不购买。"
        "分析日期之后的数据一律不读取。",
    },
    # ------------------------------------------------------------------ map tab
    "val.map_empty": {"en": "No customer history to map yet.", "zh": "尚无可绘制的客户历史。"},
    "val.map_caption": {
        "en": "Probability that a customer first seen {T} {unit} ago is still active, by "
        "number of repeat purchases and the age at the last one. Computed on the grid, whatever "
        "the number of customers.",
        "zh": "首次出现在 {T} {unit}之前的客户仍然活跃的概率，按复购次数与最近一次购买时的客龄划分。"
        "按网格计算，与客户数量无关。",
    },
    "val.unit.day": {"en": "days", "zh": "天"},
    "val.unit.week": {"en": "weeks", "zh": "周"},
    "val.unit.month": {"en": "months", "zh": "月"},
    # ------------------------------------------------------------------ forecast tab
    "val.no_forecast": {"en": "No forecast stored for this run.", "zh": "本次运行没有保存预测。"},
    "val.forecast_caption": {
        "en": "Expected repeat purchases and revenue of today's customers per week (the sum of "
        "the per-customer models); new customers are not included.",
        "zh": "现有客户每周的预期复购次数与收入（各客户模型之和），不含新客户。",
    },
    "val.backtest": {
        "en": "Backtest: fitted on the history before the last {length} {unit}, {model} "
        "predicted {predicted} repeat purchases of those customers in them; {actual} happened "
        "({error} %). The tracking chart is under Models.",
        "zh": "回测：用最后 {length} {unit}之前的历史拟合，{model} 预测这些客户在此期间复购 {predicted} "
        "次，实际 {actual} 次（{error}%）。跟踪图见“模型”标签页。",
    },
    # ------------------------------------------------------------------ model tab
    "val.model": {"en": "Purchase model: {model}", "zh": "购买模型：{model}"},
    "val.tracking": {
        "en": "Holdout tracking: cumulative repeat purchases, actual vs predicted",
        "zh": "验证期跟踪：累计复购次数，实际与预测",
    },
    "val.conditional": {
        "en": "Mean holdout purchases by calibration purchases",
        "zh": "按校准期购买次数分组的验证期平均购买次数",
    },
    "val.choice": {
        "en": "Chosen: {model}, the lowest holdout error per customer (MAE {mae}; next best "
        "{runner}, {runner_mae}). Its total holdout purchases are {error} % off the actual.",
        "zh": "选用 {model}：验证期每位客户的平均绝对误差最小（MAE {mae}；次优 {runner}，{runner_mae}）。"
        "其验证期总购买次数与实际相差 {error}%。",
    },
    "val.choice_one": {
        "en": "Chosen: {model}, the only model that could be fitted (holdout MAE {mae}).",
        "zh": "选用 {model}：唯一能够拟合的模型（验证期 MAE {mae}）。",
    },
    "val.holdout_caption": {
        "en": "Every model is fitted on the history before the holdout and scored on the "
        "holdout; MAE and RMSE are per customer, the error is that of the total purchases.",
        "zh": "每个模型都用验证期之前的历史拟合，并在验证期上评分；MAE 与 RMSE 按每位客户计算，误差为总购买次数的误差。",
    },
    "val.churn_backtest": {
        "en": "Backtest inside the history: scored as of {as_of} with the data up to then, "
        "against what happened in the next {days} days ({churned} of {customers} customers did "
        "not buy). The model beats the best baseline ({best}).",
        "zh": "历史内回测：只用 {as_of} 之前的数据评分，再与之后 {days} 天的实际情况比较（{customers} "
        "位客户中 {churned} 位未购买）。模型优于最佳基准（{best}）。",
    },
    "val.churn_backtest_not": {
        "en": "Backtest inside the history: scored as of {as_of} with the data up to then, "
        "against what happened in the next {days} days ({churned} of {customers} customers did "
        "not buy). The model does **not** beat the best baseline ({best}) here: rank by that "
        "baseline's score, or wait for more history.",
        "zh": "历史内回测：只用 {as_of} 之前的数据评分，再与之后 {days} 天的实际情况比较（{customers} "
        "位客户中 {churned} 位未购买）。此处模型**未能**优于最佳基准（{best}）：可改按该基准排序，"
        "或等待更多历史数据。",
    },
    "val.report": {"en": "Full model report (English)", "zh": "完整模型报告（英文）"},
    "val.churn_model": {"en": "Churn model", "zh": "流失模型"},
    "val.churn_report": {"en": "Full churn report (English)", "zh": "完整流失报告（英文）"},
    # ------------------------------------------------------------------ columns
    "val.col.customer_id": {"en": "Customer", "zh": "客户编号"},
    "val.col.clv": {"en": "CLV", "zh": "终身价值 CLV"},
    "val.col.clv_low": {"en": "CLV low", "zh": "CLV 下限"},
    "val.col.clv_high": {"en": "CLV high", "zh": "CLV 上限"},
    "val.col.expected_purchases": {"en": "Expected purchases", "zh": "预期购买次数"},
    "val.col.p_alive": {"en": "P(alive)", "zh": "存活概率"},
    "val.col.p_no_purchase": {"en": "P(no purchase)", "zh": "不购买概率"},
    "val.col.expected_spend": {"en": "Expected spend per purchase", "zh": "预期单次消费"},
    "val.col.next_purchase_date": {"en": "Next purchase (expected)", "zh": "预计下次购买"},
    "val.col.frequency": {"en": "Repeat purchases", "zh": "复购次数"},
    "val.col.recency": {"en": "Recency", "zh": "最近购买客龄"},
    "val.col.T": {"en": "Age", "zh": "客龄"},
    "val.col.monetary_value": {"en": "Mean purchase value", "zh": "平均购买金额"},
    "val.col.segment": {"en": "Segment", "zh": "分群"},
    "val.col.customers": {"en": "Customers", "zh": "客户数"},
    "val.col.mean_clv": {"en": "Mean CLV", "zh": "平均 CLV"},
    "val.col.total_clv": {"en": "Total CLV", "zh": "CLV 合计"},
    "val.col.churn_share": {"en": "High churn risk", "zh": "高流失风险占比"},
    "val.col.risk_band": {"en": "Risk band", "zh": "风险等级"},
    "val.col.share": {"en": "Share", "zh": "占比"},
    "val.col.value_at_risk": {"en": "Their CLV", "zh": "客户 CLV 合计"},
    "val.col.churn_probability": {"en": "Churn probability", "zh": "流失概率"},
    "val.col.reasons": {"en": "Why", "zh": "原因"},
    "val.col.parameter": {"en": "Parameter", "zh": "参数"},
    "val.col.value": {"en": "Value", "zh": "值"},
    "val.col.model": {"en": "Model", "zh": "模型"},
    "val.col.mae": {"en": "Holdout MAE", "zh": "验证期 MAE"},
    "val.col.rmse": {"en": "Holdout RMSE", "zh": "验证期 RMSE"},
    "val.col.error_pct": {"en": "Total error %", "zh": "总量误差 %"},
    "val.col.correlation": {"en": "Correlation", "zh": "相关系数"},
    "val.col.scorer": {"en": "Scorer", "zh": "评分方法"},
    "val.col.roc_auc": {"en": "ROC AUC", "zh": "ROC 曲线下面积"},
    "val.col.pr_auc": {"en": "PR AUC", "zh": "PR 曲线下面积"},
    "val.col.brier": {"en": "Brier score", "zh": "Brier 分数"},
    "val.col.top_decile_lift": {"en": "Top-decile lift", "zh": "前 10% 提升度"},
}
