"""Texts of the Campaigns page (营销活动): audiences, preview, care reminders, export with the
suppression report, past exports and their uplift; and the "make an audience from this" button
of the analytic pages."""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
    "nav.campaigns": {"en": "Campaigns", "zh": "营销活动"},
    "cmp.title": {"en": "Campaigns", "zh": "营销活动"},
    "cmp.intro": {
        "en": "Pick or build an audience, see how many customers it reaches, and export a list for "
        "the tool that sends the campaign. Customers without consent for the channel, on the "
        "suppression list, without a usable contact or contacted too recently are always left "
        "out, and every export is logged (without personal data).",
        "zh": "选择或创建受众，查看可触达的客户数，并为发送活动的工具导出名单。未同意该渠道营销、"
        "在屏蔽名单中、没有可用联系方式或近期已联系过的客户始终会被排除，每次导出都会记录在审计日志中"
        "（不含个人信息）。",
    },
    "cmp.make_audience": {"en": "Make an audience from this", "zh": "以此创建受众"},
    "cmp.make_audience_help": {
        "en": "Opens the Campaigns page with these customers as a draft audience: preview, refine, "
        "save and export it there (consent is always checked at export).",
        "zh": "打开营销活动页面，并以这些客户作为受众草稿：可在那里预览、调整、保存和导出"
        "（导出时始终检查营销同意）。",
    },
    "cmp.pick_stage": {"en": "Lifecycle stage", "zh": "生命周期阶段"},
    "cmp.pick_cluster": {"en": "Cluster", "zh": "聚类"},
    "cmp.pick_pair": {"en": "Bought … never …", "zh": "买过……从未买过……"},
    "cmp.pair_label": {"en": "bought {a}, never {b}", "zh": "买过 {a}，从未买过 {b}"},
    # ------------------------------------------------------------------ the audience
    "cmp.audience": {"en": "Audience", "zh": "受众"},
    "cmp.source": {"en": "Audience from", "zh": "受众来源"},
    "cmp.source.ready": {"en": "Ready-made", "zh": "预置受众"},
    "cmp.source.saved": {"en": "Saved", "zh": "已保存"},
    "cmp.source.build": {"en": "Build with rules", "zh": "按规则创建"},
    "cmp.source.draft": {"en": "Draft", "zh": "草稿"},
    "cmp.ready": {"en": "Ready-made audience", "zh": "预置受众"},
    "cmp.ready.all": {"en": "Every customer", "zh": "全部客户"},
    "cmp.ready.segment": {"en": "RFM segment: {name}", "zh": "RFM 分群：{name}"},
    "cmp.ready.stage": {"en": "Lifecycle stage: {name}", "zh": "生命周期阶段：{name}"},
    "cmp.ready.churn": {"en": "Churn risk: {name}", "zh": "流失风险：{name}"},
    "cmp.saved": {"en": "Saved audience", "zh": "已保存的受众"},
    "cmp.no_saved": {
        "en": "No audience saved yet: build one with rules and save it.",
        "zh": "尚未保存任何受众：请按规则创建并保存。",
    },
    "cmp.saved_version": {
        "en": "Version {version}, saved {at} by {by}.",
        "zh": "第 {version} 版，{by} 于 {at} 保存。",
    },
    "cmp.saved_as": {
        "en": "Saved as “{name}”, version {version}.",
        "zh": "已保存为“{name}”，第 {version} 版。",
    },
    "cmp.no_draft": {
        "en": "No draft: use “Make an audience from this” on an analysis page.",
        "zh": "没有草稿：请在分析页面上点击“以此创建受众”。",
    },
    "cmp.draft_caption": {"en": "Draft: {name} (not saved).", "zh": "草稿：{name}（未保存）。"},
    "cmp.edit_draft": {"en": "Edit in the rule builder", "zh": "在规则编辑器中修改"},
    "cmp.every_customer": {"en": "every customer", "zh": "全部客户"},
    "cmp.include_n": {
        "en": "always in: {n} customers of the include list",
        "zh": "始终包含：包含名单中的 {n} 位客户",
    },
    "cmp.exclude_n": {
        "en": "always out: {n} customers of the exclude list",
        "zh": "始终排除：排除名单中的 {n} 位客户",
    },
    "cmp.match_all_short": {"en": "and", "zh": "且"},
    "cmp.match_any_short": {"en": "or", "zh": "或"},
    "cmp.rule_field": {"en": "Field", "zh": "字段"},
    "cmp.rule_op": {"en": "Condition", "zh": "条件"},
    "cmp.rule_value": {"en": "Value", "zh": "取值"},
    "cmp.rule_low": {"en": "From", "zh": "从"},
    "cmp.rule_high": {"en": "To (included)", "zh": "到（含）"},
    "cmp.rule_list_help": {
        "en": "Several values separated by commas.",
        "zh": "多个取值请用逗号分隔。",
    },
    "cmp.rule_remove": {"en": "Remove", "zh": "删除"},
    "cmp.rule_add": {"en": "Add a rule", "zh": "添加规则"},
    "cmp.match": {"en": "Customers who match", "zh": "匹配方式"},
    "cmp.match_all": {"en": "all rules", "zh": "满足全部规则"},
    "cmp.match_any": {"en": "any rule", "zh": "满足任一规则"},
    "cmp.lists": {"en": "Include and exclude lists (CSV)", "zh": "包含与排除名单（CSV）"},
    "cmp.include_upload": {"en": "Include list: always in", "zh": "包含名单：始终包含"},
    "cmp.exclude_upload": {"en": "Exclude list: always out", "zh": "排除名单：始终排除"},
    "cmp.id_list_help": {
        "en": "A CSV with a customer_id column, one customer id per line (download the template).",
        "zh": "含 customer_id 列的 CSV，每行一个客户编号（可下载模板）。",
    },
    "cmp.template": {"en": "Download the list template (CSV)", "zh": "下载名单模板（CSV）"},
    "cmp.name": {"en": "Audience name", "zh": "受众名称"},
    "cmp.name_placeholder": {"en": "e.g. sleeping_vips", "zh": "例如：沉睡的高价值客户"},
    "cmp.name_needed": {
        "en": "Give the audience a name before saving it.",
        "zh": "保存前请为受众命名。",
    },
    "cmp.save": {"en": "Save the audience", "zh": "保存受众"},
    "cmp.yes": {"en": "yes", "zh": "是"},
    "cmp.no": {"en": "no", "zh": "否"},
    "cmp.op.eq": {"en": "is", "zh": "等于"},
    "cmp.op.ne": {"en": "is not", "zh": "不等于"},
    "cmp.op.lt": {"en": "below", "zh": "小于"},
    "cmp.op.le": {"en": "at most", "zh": "不大于"},
    "cmp.op.gt": {"en": "above", "zh": "大于"},
    "cmp.op.ge": {"en": "at least", "zh": "不小于"},
    "cmp.op.between": {"en": "between", "zh": "介于"},
    "cmp.op.in": {"en": "is one of", "zh": "属于"},
    "cmp.op.not_in": {"en": "is none of", "zh": "不属于"},
    "cmp.op.is_null": {"en": "is unknown", "zh": "为空"},
    "cmp.op.not_null": {"en": "is known", "zh": "不为空"},
    "cmp.op.contains": {"en": "contains any of", "zh": "包含任一"},
    "cmp.op.contains_all": {"en": "contains all of", "zh": "包含全部"},
    "cmp.op.not_contains": {"en": "contains none of", "zh": "不包含"},
    "cmp.op.is_empty": {"en": "is empty", "zh": "为空列表"},
    "cmp.op.not_empty": {"en": "is not empty", "zh": "不为空列表"},
    "cmp.pick_first": {
        "en": "Pick or build an audience above first.",
        "zh": "请先在上方选择或创建受众。",
    },
    # ------------------------------------------------------------------ tabs
    "cmp.tab.preview": {"en": "Preview", "zh": "预览"},
    "cmp.tab.export": {"en": "Export", "zh": "导出"},
    "cmp.tab.care": {"en": "Care reminders", "zh": "客户关怀"},
    "cmp.tab.history": {"en": "Past exports", "zh": "导出记录"},
    # ------------------------------------------------------------------ preview
    "cmp.overlap_with": {"en": "Overlap with", "zh": "与以下受众的重叠"},
    "cmp.size": {"en": "Customers in the audience", "zh": "受众客户数"},
    "cmp.share_of_customers": {"en": "Share of all customers", "zh": "占全部客户比例"},
    "cmp.expected_value": {"en": "Expected value (sum of CLV)", "zh": "预期价值（CLV 合计）"},
    "cmp.run_value_first": {
        "en": "No CLV prediction of these data yet: open the Value & risk page first to see the "
        "audience's expected value.",
        "zh": "尚无针对当前数据的 CLV 预测：请先打开“价值与风险”页面，才能看到受众的预期价值。",
    },
    "cmp.reach": {"en": "Reachable per channel", "zh": "各渠道可触达比例"},
    "cmp.reach_axis": {"en": "Share reachable", "zh": "可触达比例"},
    "cmp.reach_channel": {"en": "Channel", "zh": "渠道"},
    "cmp.reach_caption": {
        "en": "Members with consent for the channel and a usable contact (before the frequency "
        "cap and the suppression list).",
        "zh": "已同意该渠道营销且有可用联系方式的成员（未计频次限制与屏蔽名单）。",
    },
    "cmp.col.audience": {"en": "Audience", "zh": "受众"},
    "cmp.col.in_common": {"en": "Customers in common", "zh": "共同客户数"},
    "cmp.channel.all": {"en": "Every channel the customer agreed to", "zh": "客户同意的所有渠道"},
    "cmp.channel.sms": {"en": "SMS", "zh": "短信"},
    "cmp.channel.phone": {"en": "Phone call", "zh": "电话"},
    "cmp.channel.email": {"en": "E-mail", "zh": "电子邮件"},
    "cmp.channel.wechat": {"en": "WeChat", "zh": "微信"},
    # ------------------------------------------------------------------ care
    "cmp.care_intro": {
        "en": "Birthdays and anniversaries coming up become an audience like any other, so "
        "consent and the other suppressions apply when you export it.",
        "zh": "即将到来的生日和周年纪念会成为与其他受众一样的受众，导出时同样检查营销同意并执行其他排除规则。",
    },
    "cmp.care_days": {"en": "In the next … days", "zh": "未来天数"},
    "cmp.care_occasion": {"en": "Occasion", "zh": "关怀场景"},
    "cmp.occasion.birthday": {"en": "Birthday", "zh": "生日"},
    "cmp.occasion.membership_anniversary": {"en": "Membership anniversary", "zh": "入会周年"},
    "cmp.occasion.first_purchase_anniversary": {
        "en": "First-purchase anniversary",
        "zh": "首购周年",
    },
    "cmp.care_make": {"en": "Make the reminder audience", "zh": "生成关怀受众"},
    "cmp.holidays": {"en": "Upcoming holidays", "zh": "即将到来的节日"},
    "cmp.no_holidays": {
        "en": "No holiday in the next {days} days.",
        "zh": "未来 {days} 天内没有节日。",
    },
    "cmp.col.holiday": {"en": "Holiday", "zh": "节日"},
    "cmp.col.date": {"en": "Date", "zh": "日期"},
    "cmp.col.days_until": {"en": "Days until", "zh": "距今天数"},
    "cmp.holiday_pick": {"en": "Greeting for", "zh": "问候节日"},
    "cmp.greeting_caption": {
        "en": "The greeting list is the audience picked above ({audience}).",
        "zh": "问候名单即上方选择的受众（{audience}）。",
    },
    "cmp.greeting_make": {"en": "Make the greeting audience", "zh": "生成节日问候受众"},
    # ------------------------------------------------------------------ export
    "cmp.profile": {"en": "Export for", "zh": "导出格式"},
    "cmp.channel": {"en": "Contact channel", "zh": "联系渠道"},
    "cmp.channel_help": {
        "en": "Which contacts the file carries: each needs the customer's consent for it.",
        "zh": "文件包含哪类联系方式：每一类都需要客户对该渠道的营销同意。",
    },
    "cmp.columns_lang": {"en": "Column names in", "zh": "列名语言"},
    "cmp.lang.zh": {"en": "Chinese", "zh": "中文"},
    "cmp.lang.en": {"en": "English", "zh": "英文"},
    "cmp.control": {"en": "Control group", "zh": "对照组比例"},
    "cmp.control_help": {
        "en": "A random share of the customers left after suppression is kept out of the file "
        "(stratified by RFM segment) to measure the campaign's uplift later.",
        "zh": "在排除后剩余的客户中随机留出一部分（按 RFM 分群分层）不放入文件，用于之后衡量活动提升效果。",
    },
    "cmp.seed": {"en": "Random seed", "zh": "随机种子"},
    "cmp.one_per_household": {"en": "One message per home", "zh": "每个家庭只发一条"},
    "cmp.one_per_household_help": {
        "en": "Customers linked as one household (two people sharing a phone or e-mail) get one "
        "message: the one with the most purchase days. The others are counted as suppressed, "
        "reason 'another customer of the household gets it'.",
        "zh": "识别为同一家庭的客户（共用手机号或邮箱的两个人）只发一条：购买天数最多的那位收到，"
        "其余计入屏蔽，原因为“同一家庭已有其他成员收到”。",
    },
    "cmp.seed_help": {
        "en": "The same audience, data and seed give the same control group.",
        "zh": "相同的受众、数据和种子会得到相同的对照组。",
    },
    "cmp.exclusion_upload": {
        "en": "This campaign's exclusion list (optional)",
        "zh": "本次活动的排除名单（可选）",
    },
    "cmp.exclusion_help": {
        "en": "A CSV of customer ids, phones or e-mails to leave out of this export only.",
        "zh": "仅在本次导出中排除的客户编号、手机号或邮箱的 CSV。",
    },
    "cmp.exclusion_n": {
        "en": "{n} entries will be left out of this export.",
        "zh": "本次导出将排除 {n} 条。",
    },
    "cmp.export": {"en": "Export the list", "zh": "导出名单"},
    "cmp.exporting": {"en": "Exporting…", "zh": "正在导出……"},
    "cmp.exported": {
        "en": "Exported {n} customers for {profile} (export #{id}).",
        "zh": "已为{profile}导出 {n} 位客户（导出编号 #{id}）。",
    },
    "cmp.exported_none": {
        "en": "Nobody was left to contact for {profile} (export #{id}, logged): every member was "
        "suppressed or held out; the report below says why.",
        "zh": "{profile}没有可联系的客户（导出编号 #{id}，已记录）：所有成员均被排除或留作对照组，"
        "原因见下方报告。",
    },
    "cmp.tab.policy": {"en": "Suppression list & rules", "zh": "屏蔽名单与规则"},
    "cmp.policy_intro": {
        "en": "The rules every export obeys. Consent is always checked; these settings decide "
        "what a missing answer means and how often a customer may be contacted.",
        "zh": "每次导出都遵守的规则。营销同意始终检查；以下设置决定未表态如何处理以及联系频次。",
    },
    "cmp.soft_opt_in": {
        "en": "Soft opt-in: channels where an existing customer who never answered counts as "
        "agreeing",
        "zh": "软性同意：老客户未表态时视为同意的渠道",
    },
    "cmp.soft_opt_in_help": {
        "en": "Only for customers who have bought; an explicit no is always no. Leave empty "
        "to count every missing answer as no (the default).",
        "zh": "仅适用于已购买的客户；明确拒绝始终为拒绝。留空则所有未表态均视为不同意（默认）。",
    },
    "cmp.cap_days": {"en": "Frequency cap (days)", "zh": "频次限制（天）"},
    "cmp.cap_days_help": {
        "en": "Customers of a direct-contact export in the last N days (contacted, or held out "
        "as its control group) are left out of the next one. 0 turns the cap off.",
        "zh": "最近 N 天内直接联系类导出的客户（已联系或留作对照组）不会进入下一次导出。0 表示不限制。",
    },
    "cmp.policy_save": {"en": "Save the rules", "zh": "保存规则"},
    "cmp.policy_saved": {"en": "Saved.", "zh": "已保存。"},
    "cmp.suppression_list": {"en": "Global suppression list", "zh": "全局屏蔽名单"},
    "cmp.suppression_count": {
        "en": "{n} entries: never in any export.",
        "zh": "共 {n} 条：不会出现在任何导出中。",
    },
    "cmp.col.entry": {"en": "Entry", "zh": "条目"},
    "cmp.col.added_at": {"en": "Added", "zh": "添加时间"},
    "cmp.suppression_template": {
        "en": "Download the template (customer_id, phone, email)",
        "zh": "下载模板（customer_id、phone、email）",
    },
    "cmp.suppression_upload": {
        "en": "Add customer ids, phones or e-mails from a file",
        "zh": "从文件添加客户编号、手机号或邮箱",
    },
    "cmp.suppression_reason": {"en": "Reason (optional)", "zh": "原因（可选）"},
    "cmp.suppression_add": {"en": "Add to the list", "zh": "加入名单"},
    "cmp.suppression_added": {
        "en": "{read} entries read, {added} new on the list.",
        "zh": "读取 {read} 条，新增 {added} 条。",
    },
    "cmp.kpi.members": {"en": "Audience members", "zh": "受众成员"},
    "cmp.kpi.suppressed": {"en": "Suppressed", "zh": "已排除"},
    "cmp.kpi.control": {"en": "Control group", "zh": "对照组"},
    "cmp.kpi.exported": {"en": "In the file", "zh": "写入文件"},
    "cmp.suppression_report": {"en": "Suppression report", "zh": "排除报告"},
    "cmp.col.reason": {"en": "Reason", "zh": "原因"},
    "cmp.col.customers": {"en": "Customers", "zh": "客户数"},
    "cmp.consent_note": {
        "en": "Consent is always checked: a customer who did not agree to the channel is never "
        "exported.",
        "zh": "始终检查营销同意：未同意该渠道的客户绝不会被导出。",
    },
    "cmp.file_hash": {
        "en": "File {file}: {rows} rows, SHA-256 {sha256}",
        "zh": "文件 {file}：{rows} 行，SHA-256 {sha256}",
    },
    "cmp.download": {"en": "Download the campaign file", "zh": "下载活动文件"},
    "cmp.download_help": {
        "en": "The file was written to a temporary folder and deleted; this download is the only "
        "copy. Keep it only as long as the campaign needs it.",
        "zh": "文件写入临时文件夹后已删除，此下载是唯一副本。请仅在活动需要期间保留。",
    },
    # ------------------------------------------------------------------ past exports
    "cmp.no_exports": {"en": "No export yet.", "zh": "尚无导出记录。"},
    "cmp.log_caption": {
        "en": "The audit log: who exported which audience (and rule version) with which profile, "
        "and the counts; never a phone, e-mail or name.",
        "zh": "审计日志：谁用哪种格式导出了哪个受众（及规则版本）以及各项计数；不含手机号、邮箱或姓名。",
    },
    "cmp.log.export_id": {"en": "Export", "zh": "导出编号"},
    "cmp.log.exported_at": {"en": "Exported at", "zh": "导出时间"},
    "cmp.log.user_name": {"en": "By", "zh": "操作人"},
    "cmp.log.audience": {"en": "Audience", "zh": "受众"},
    "cmp.log.audience_version": {"en": "Rule version", "zh": "规则版本"},
    "cmp.log.profile": {"en": "Profile", "zh": "导出格式"},
    "cmp.log.channel": {"en": "Channel", "zh": "渠道"},
    "cmp.log.as_of": {"en": "As of", "zh": "分析日期"},
    "cmp.log.members": {"en": "Members", "zh": "成员"},
    "cmp.log.suppressed": {"en": "Suppressed", "zh": "已排除"},
    "cmp.log.control": {"en": "Control", "zh": "对照组"},
    "cmp.log.exported": {"en": "Exported", "zh": "已导出"},
    "cmp.log_suppressed": {"en": "Suppressed: {reasons}", "zh": "已排除：{reasons}"},
    "cmp.uplift_pick": {"en": "Export to read", "zh": "查看的导出"},
    "cmp.uplift": {"en": "Uplift: treated against control", "zh": "提升效果：触达组对比对照组"},
    "cmp.uplift_not_yet": {
        "en": "No orders after this export have been imported yet: import the orders of the "
        "campaign period, then read the uplift here.",
        "zh": "尚未导入该次导出之后的订单：请导入活动期间的订单后再查看提升效果。",
    },
    "cmp.metric.customers": {"en": "Customers", "zh": "客户数"},
    "cmp.metric.converted": {"en": "Converted", "zh": "转化客户数"},
    "cmp.metric.conversion_rate": {"en": "Conversion rate", "zh": "转化率"},
    "cmp.metric.revenue": {"en": "Revenue (net)", "zh": "净收入"},
    "cmp.metric.revenue_per_customer": {"en": "Revenue per customer", "zh": "人均收入"},
    "cmp.uplift.metric": {"en": "Measure", "zh": "指标"},
    "cmp.uplift.treated": {"en": "Treated", "zh": "触达组"},
    "cmp.uplift.control": {"en": "Control", "zh": "对照组"},
    "cmp.uplift.uplift": {"en": "Uplift", "zh": "提升"},
    "cmp.uplift.uplift_low": {"en": "95 % CI low", "zh": "95% 置信区间下限"},
    "cmp.uplift.uplift_high": {"en": "95 % CI high", "zh": "95% 置信区间上限"},
    "cmp.uplift.relative_uplift": {"en": "Relative uplift", "zh": "相对提升"},
}
