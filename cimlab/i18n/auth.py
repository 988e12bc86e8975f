"""Texts of sign-in, roles and the audit page.

Keys: ``auth.*`` (sign-in form, session, sign-out, refusals), ``role.*``, ``nav.audit`` and
``audit.*`` (the audit page and its action names).
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ sign-in
    "auth.title": {"en": "Sign in", "zh": "登录"},
    "auth.intro": {
        "en": "This workspace is shared by a team: sign in with the name and password your "
        "administrator gave you.",
        "zh": "此工作区由团队共用：请使用管理员为您设置的用户名和密码登录。",
    },
    "auth.name": {"en": "User name", "zh": "用户名"},
    "auth.password": {"en": "Password", "zh": "密码"},
    "auth.submit": {"en": "Sign in", "zh": "登录"},
    "auth.failed": {
        "en": "Wrong user name or password.",
        "zh": "用户名或密码错误。",
    },
    "auth.locked": {
        "en": "Too many failed sign-ins for this name: try again in {minutes} min.",
        "zh": "此用户名登录失败次数过多：请 {minutes} 分钟后再试。",
    },
    "auth.expired": {
        "en": "Your session has expired: please sign in again.",
        "zh": "会话已过期：请重新登录。",
    },
    "auth.or": {"en": "or", "zh": "或"},
    "auth.oidc_button": {"en": "Sign in with {provider}", "zh": "使用 {provider} 登录"},
    "auth.provider_default": {"en": "your company account", "zh": "公司账号"},
    "auth.oidc_no_access": {
        "en": "You are signed in as {email}, but this e-mail has no access to this workspace. "
        "Ask an administrator to add it (`cimlab users add EMAIL --role ROLE`).",
        "zh": "您已以 {email} 登录，但此邮箱无权访问本工作区。请联系管理员添加"
        "（`cimlab users add EMAIL --role ROLE`）。",
    },
    "auth.signed_in_as": {"en": "Signed in: {name} ({role})", "zh": "已登录：{name}（{role}）"},
    "auth.sign_out": {"en": "Sign out", "zh": "退出登录"},
    "auth.not_allowed": {
        "en": "Not allowed: your role ({role}) may not do this. Ask an administrator if you "
        "need it.",
        "zh": "无权限：您的角色（{role}）不能执行此操作。如有需要请联系管理员。",
    },
    "auth.members_hidden": {
        "en": "Member lists are for marketers and admins: your role sees totals and charts.",
        "zh": "客户名单仅对营销人员和管理员开放：您的角色可查看汇总与图表。",
    },
    "role.viewer": {"en": "viewer", "zh": "查看者"},
    "role.marketer": {"en": "marketer", "zh": "营销人员"},
    "role.admin": {"en": "admin", "zh": "管理员"},
    # ------------------------------------------------------------------ audit page
    "nav.audit": {"en": "Audit", "zh": "审计日志"},
    "audit.title": {"en": "Audit log", "zh": "审计日志"},
    "audit.intro": {
        "en": "Who did what and when: imports, undos, resolutions, exports, reveals of "
        "personal data, sign-ins, setting and user changes. Never personal data itself.",
        "zh": "谁在何时做了什么：导入、撤销、身份识别、导出、查看个人信息、登录、设置与用户变更。"
        "不含个人信息本身。",
    },
    "audit.actions": {"en": "Actions", "zh": "操作类型"},
    "audit.actions_all": {"en": "All actions", "zh": "全部操作"},
    "audit.since": {"en": "From", "zh": "开始日期"},
    "audit.until": {"en": "To", "zh": "结束日期"},
    "audit.empty": {"en": "Nothing recorded in this period.", "zh": "此期间没有记录。"},
    "audit.count": {"en": "{n} events", "zh": "共 {n} 条记录"},
    "audit.col_at": {"en": "When ({zone})", "zh": "时间（{zone}）"},
    "audit.col_user": {"en": "Who", "zh": "操作人"},
    "audit.col_action": {"en": "Action", "zh": "操作"},
    "audit.col_target": {"en": "On", "zh": "对象"},
    "audit.col_n": {"en": "Count", "zh": "数量"},
    "audit.col_detail": {"en": "Detail", "zh": "详情"},
    "audit.unknown_user": {"en": "(not recorded)", "zh": "（未记录）"},
    "audit.action.import": {"en": "Import", "zh": "导入"},
    "audit.action.undo": {"en": "Undo import", "zh": "撤销导入"},
    "audit.action.resolve": {"en": "Identity resolution", "zh": "身份识别"},
    "audit.action.merge": {"en": "Merge customers", "zh": "合并客户"},
    "audit.action.split": {"en": "Split customer", "zh": "拆分客户"},
    "audit.action.accept": {"en": "Review: accepted", "zh": "复核：接受"},
    "audit.action.reject": {"en": "Review: rejected", "zh": "复核：拒绝"},
    "audit.action.export": {"en": "Export", "zh": "导出"},
    "audit.action.reveal": {"en": "Reveal personal data", "zh": "查看个人信息"},
    "audit.action.consent": {"en": "Consent change", "zh": "授权变更"},
    "audit.action.tag": {"en": "Tag change", "zh": "标签变更"},
    "audit.action.sign_in": {"en": "Sign-in", "zh": "登录"},
    "audit.action.sign_in_failed": {"en": "Failed sign-in", "zh": "登录失败"},
    "audit.action.sign_in_locked": {"en": "Sign-in while locked", "zh": "锁定期间尝试登录"},
    "audit.action.sign_out": {"en": "Sign-out", "zh": "退出登录"},
    "audit.action.session_expired": {"en": "Session expired", "zh": "会话过期"},
    "audit.action.setting": {"en": "Setting change", "zh": "设置变更"},
    "audit.action.user_add": {"en": "User added", "zh": "添加用户"},
    "audit.action.user_remove": {"en": "User removed", "zh": "删除用户"},
    "audit.action.user_role": {"en": "Role changed", "zh": "角色变更"},
    "audit.action.user_password": {"en": "Password changed", "zh": "密码变更"},
}
