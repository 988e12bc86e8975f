"""User-interface texts in 中文 and English, and display names of tables, channels and columns.

Every label the app shows goes through :func:`t`, so a page never holds a literal sentence.
Texts are ``str.format`` templates: placeholders (``{file}``) are filled from keyword arguments
and must be the same in both languages (``tests/test_i18n.py`` checks it, and that every key the
app uses exists).

The texts live in one module per page family, each with its own ``MESSAGES``:
:mod:`~cimlab.i18n.common` (shell, tables, analysis date), :mod:`~cimlab.i18n.imports`,
:mod:`~cimlab.i18n.overview`, :mod:`~cimlab.i18n.customers`, :mod:`~cimlab.i18n.segments`,
:mod:`~cimlab.i18n.channels`, :mod:`~cimlab.i18n.satisfaction`, :mod:`~cimlab.i18n.value`,
:mod:`~cimlab.i18n.campaigns` and :mod:`~cimlab.i18n.auth` (sign-in, roles, audit). :data:`MESSAGES` here merges
them; a key defined in two of them stops the import.

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
from collections.abc import Iterable
from typing import Any, Final

from cimlab.errors import CimlabError
from cimlab.i18n import auth as _auth_texts
from cimlab.i18n import campaigns as _campaign_texts
from cimlab.i18n import channels as _channel_texts
from cimlab.i18n import common as _common
from cimlab.i18n import customers as _customers
from cimlab.i18n import imports as _imports
from cimlab.i18n import overview as _overview
from cimlab.i18n import satisfaction as _satisfaction_texts
from cimlab.i18n import segments as _segment_texts
from cimlab.i18n import value as _value_texts

__all__ = [
    "CHANNEL_LABELS",
    "LANGS",
    "MESSAGES",
    "channel_label",
    "cluster_label",
    "column_label",
    "lang_label",
    "segment_action",
    "segment_label",
    "stage_label",
    "stage_rule",
    "t",
    "table_label",
]

LANGS: Final = ("zh", "en")
"""Supported languages, the default first."""

_LANG_NAMES = {"zh": "中文", "en": "English"}

# Every page family's texts, merged into one table (a key defined twice is a bug).
_PAGES: Final = (
    _common,
    _imports,
    _overview,
    _customers,
    _segment_texts,
    _channel_texts,
    _satisfaction_texts,
    _value_texts,
    _campaign_texts,
    _auth_texts,
)


def _merge(pages: Iterable[Any]) -> dict[str, dict[str, str]]:
    """The ``MESSAGES`` of every page module in one dict; a key in two modules raises."""
    merged: dict[str, dict[str, str]] = {}
    for page in pages:
        twice = merged.keys() & page.MESSAGES.keys()
        if twice:
            raise RuntimeError(f"UI text keys defined twice: {', '.join(sorted(twice))}")
        merged.update(page.MESSAGES)
    return merged


MESSAGES: dict[str, dict[str, str]] = _merge(_PAGES)
"""Key → language → text. Keys are ``area.name``; every key has every language of :data:`LANGS`."""


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
    "consent_updated_at": "Consent date (source)",
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
    from cimlab.contracts.columns import contract_document

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
    from cimlab.contracts.columns import column_labels_zh

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


# ----------------------------------------------------------------------------- codes of analytics
# The analytics return codes (an RFM segment, a lifecycle stage, a cluster name); these read them.


def segment_label(segment: str, lang: str = "zh") -> str:
    """Display name of an RFM segment (``cimlab.analytics.rfm.SEGMENTS["name"]``); unknown
    names are shown as written.

    Examples
    --------
    >>> segment_label("Champions", "zh"), segment_label("Champions", "en")
    ('冠军客户', 'Champions')
    """
    _check_lang(lang)
    entry = _segment_texts.SEGMENT_ZH.get(segment)
    return entry[0] if lang == "zh" and entry else segment


@functools.cache
def _segment_actions() -> dict[str, str]:
    from cimlab.analytics.rfm import SEGMENTS

    return dict(SEGMENTS.select("name", "action").iter_rows())


def segment_action(segment: str, lang: str = "zh") -> str:
    """The suggested action of an RFM segment (English from ``SEGMENTS["action"]``); ``""``
    for an unknown segment.

    Examples
    --------
    >>> segment_action("Lost", "zh")
    '尝试一次唤醒活动；无效则停止投入。'
    >>> segment_action("Lost", "en")
    'Try one reawakening campaign; if it fails, stop spending on them.'
    """
    _check_lang(lang)
    if lang == "zh":
        entry = _segment_texts.SEGMENT_ZH.get(segment)
        return entry[1] if entry else ""
    return _segment_actions().get(segment, "")


def _stage_table(rules: object | None) -> dict[str, tuple[str, str]]:
    """Stage code → (English name, English rule) of ``lifecycle.stage_table(rules)``."""
    from cimlab.analytics.lifecycle import STAGES, stage_table

    table = STAGES if rules is None else stage_table(rules)  # type: ignore[arg-type]
    return {row[0]: (row[1], row[2]) for row in table.select("stage", "name", "rule").iter_rows()}


def stage_label(stage: str, lang: str = "zh") -> str:
    """Display name of a lifecycle stage code (``"won_back"``); unknown codes as written.

    Examples
    --------
    >>> stage_label("won_back", "zh"), stage_label("won_back", "en")
    ('赢回客户', 'Won back')
    """
    _check_lang(lang)
    if lang == "zh":
        entry = _segment_texts.STAGE_ZH.get(stage)
        return entry[0] if entry else stage
    return _stage_table(None).get(stage, (stage, ""))[0]


def stage_rule(stage: str, lang: str = "zh", rules: object | None = None) -> str:
    """The rule of a lifecycle stage written out for ``rules`` (a
    :class:`cimlab.analytics.lifecycle.LifecycleRules`; the defaults when None); ``""`` for an
    unknown stage.

    Examples
    --------
    >>> from cimlab.analytics.lifecycle import LifecycleRules
    >>> stage_rule("lapsed", "zh", LifecycleRules(lapsed_days=400))
    '超过 400 天没有购买。'
    >>> stage_rule("lapsed", "en")
    'No purchase for more than 365 days.'
    """
    _check_lang(lang)
    if lang == "en":
        return _stage_table(rules).get(stage, ("", ""))[1]
    entry = _segment_texts.STAGE_ZH.get(stage)
    if entry is None:
        return ""
    if rules is None:
        from cimlab.analytics.lifecycle import DEFAULT_RULES as rules
    fields = {
        name: getattr(rules, name)
        for name in ("new_days", "active_days", "lapsed_days", "loyal_days", "loyal_window_days")
    }
    return entry[1].format(active_days_plus_one=fields["active_days"] + 1, **fields)


def cluster_label(code: str, lang: str = "zh") -> str:
    """Display name of a cluster name code of :mod:`cimlab.analytics.clusters`
    (``<rule>[:<channel>][#<n>]``); a code of another form is shown as written.

    Examples
    --------
    >>> cluster_label("high_value_loyal", "zh"), cluster_label("occasional:tmall", "en")
    ('高价值忠诚客户', 'Tmall-first')
    >>> cluster_label("active_regulars:jd#2", "en"), cluster_label("cluster_3", "zh")
    ('Active regulars · JD.com-first (2)', '第 3 群')
    """
    _check_lang(lang)
    base, _, number = code.partition("#")
    rule, _, channel = base.partition(":")
    if rule.startswith("cluster_") and rule.removeprefix("cluster_").isdigit():
        label = t("clu.cluster", lang, n=int(rule.removeprefix("cluster_")))
    elif f"clu.{rule}" in MESSAGES and rule != "cluster":
        if channel and f"clu.{rule}.channel" in MESSAGES:
            label = t(f"clu.{rule}.channel", lang, channel=channel_label(channel, lang))
        elif channel:
            label = t(
                "clu.with_channel",
                lang,
                name=t(f"clu.{rule}", lang),
                channel=channel_label(channel, lang),
            )
        else:
            label = t(f"clu.{rule}", lang)
    else:
        return code
    return t("clu.numbered", lang, name=label, n=number) if number else label
