"""Texts of the Customers page: identity resolution, search, the customer 360, tags,
consent and review.

Keys: ``cust.*``.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
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
        "keys: {blocked}. Proposals to review: {proposals}. Customer ids kept: {kept}, new: {new}. "
        "Households (people sharing a phone or e-mail, kept apart): {households}.",
        "zh": "识别完成：{records} 条记录 → {customers} 位客户。关联：{links}。已屏蔽的标识：{blocked}。"
        "待审核建议：{proposals}。保留的客户编号：{kept}，新编号：{new}。"
        "家庭（共用手机号或邮箱、未合并的不同的人）：{households}。",
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
    "cust.m_spend_no_rate": {"en": "no rate", "zh": "缺少汇率"},
    "cust.m_spend_missing": {
        "en": "Some lines in {currencies} have no exchange rate into {reporting} on their day, "
        "so no total in {reporting} is given (nothing is guessed). The totals per currency are "
        "below the cards; add the rates in the workspace settings.",
        "zh": "部分 {currencies} 订单行在其日期没有兑换为 {reporting} 的汇率，因此不给出 {reporting} 合计"
        "（不做猜测）。各货币的合计见卡片下方；请在工作区设置中补充汇率。",
    },
    "cust.spend_by_currency": {
        "en": "Net spend as paid, per currency: {totals}.",
        "zh": "按原币种的净消费额：{totals}。",
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
    "cust.household": {"en": "Household", "zh": "家庭"},
    "cust.household_help": {
        "en": "Two people sharing a phone or e-mail whose names and birth dates differ are two "
        "customers of one household, not merged. Contact data is masked.",
        "zh": "共用手机号或邮箱、但姓名和生日都不同的两个人是同一家庭的两位客户，不合并。联系方式已脱敏。",
    },
    "cust.household_shared_phone": {
        "en": "Household {household}: shares a phone ({key}) with {other}",
        "zh": "家庭 {household}：与 {other} 共用手机号（{key}）",
    },
    "cust.household_shared_email": {
        "en": "Household {household}: shares an e-mail ({key}) with {other}",
        "zh": "家庭 {household}：与 {other} 共用邮箱（{key}）",
    },
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
    "cust.consent_given": {"en": "given", "zh": "同意"},
    "cust.consent_refused": {"en": "refused", "zh": "拒绝"},
    "cust.consent_dated_source": {
        "en": "{state} {date} (source file)",
        "zh": "{date} {state}（来源文件所记日期）",
    },
    "cust.consent_dated_import": {
        "en": "{state}, date not in the file (imported {date})",
        "zh": "{state}，文件未写日期（导入于 {date}）",
    },
    "cust.consent_dated_manual": {
        "en": "{state} {date} (recorded by hand)",
        "zh": "{date} {state}（人工记录）",
    },
    "cust.col_dated": {"en": "Date from", "zh": "日期来源"},
    "cust.dated.source": {"en": "source file", "zh": "来源文件"},
    "cust.dated.import": {
        "en": "import time (the file gave no date)",
        "zh": "导入时间（文件未写日期）",
    },
    "cust.dated.manual": {"en": "recorded by hand", "zh": "人工记录"},
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
}
