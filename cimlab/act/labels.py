"""Audiences for people: rule operators, values and ready-made audience names in 中文 or English.

Examples
--------
>>> from cimlab.act.audiences import Rule
>>> rule_text(Rule("segment", "in", ["champions", "at_risk"]), "en")
'RFM segment is one of Champions, At risk'
>>> audience_label("segment:cannot_lose_them", "zh")
'RFM 分群：不能失去的客户'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cimlab.act.attributes import FIELDS
from cimlab.analytics.rfm import SEGMENT_CODES
from cimlab.i18n import segment_label, stage_label, t

if TYPE_CHECKING:
    from cimlab.act.audiences import Audience, Rule

__all__ = ["audience_label", "audience_rules_text", "op_label", "rule_text", "value_label"]

_SEGMENT_NAMES = {code: name for name, code in SEGMENT_CODES.items()}
_NO_VALUE = ("is_null", "not_null", "is_empty", "not_empty")
_OP_KEYS = {"=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


def band_label(band: str, lang: str) -> str:
    """A churn risk band's name (:func:`cimlab.charts.value.band_label`)."""
    from cimlab.charts.value import band_label as label

    return label(band, lang)


def op_label(op: str, lang: str) -> str:
    """An audience rule operator in words (``>=`` → "at least")."""
    return t(f"cmp.op.{_OP_KEYS.get(op, op)}", lang)


def value_label(field: str, value: Any, lang: str) -> str:
    """A field's value for people: segment, stage and churn-band codes in ``lang``."""
    text = str(value)
    if field == "segment":
        return segment_label(_SEGMENT_NAMES.get(text, text), lang)
    if field == "stage":
        return stage_label(text, lang)
    if field == "churn_band":
        return band_label(text, lang)
    if isinstance(value, bool):
        return t("cmp.yes" if value else "cmp.no", lang)
    return text


def audience_label(name: str, lang: str) -> str:
    """An audience name for people: ``segment:champions`` → "RFM segment: Champions"."""
    kind, _, code = name.partition(":")
    if name == "all":
        return t("cmp.ready.all", lang)
    if code and kind == "segment":
        return t("cmp.ready.segment", lang, name=value_label("segment", code, lang))
    if code and kind == "stage":
        return t("cmp.ready.stage", lang, name=stage_label(code, lang))
    if code and kind == "churn":
        return t("cmp.ready.churn", lang, name=band_label(code, lang))
    return name


def rule_text(rule: Rule, lang: str) -> str:
    """One rule for people: the field's label, the operator, the value(s) (plain text)."""
    field = FIELDS.get(rule.field)
    label = field.label(lang) if field else rule.field
    op = op_label(rule.op, lang)
    if rule.op in _NO_VALUE:
        return f"{label} {op}"
    values = rule.value if isinstance(rule.value, list | tuple) else [rule.value]
    shown = ", ".join(value_label(rule.field, v, lang) for v in values)
    return f"{label} {op} {shown}"


def audience_rules_text(audience: Audience, lang: str) -> list[str]:
    """The rules of ``audience``, one line each, then the include/exclude list sizes."""
    lines = [rule_text(rule, lang) for rule in audience.rules] or [t("cmp.every_customer", lang)]
    if audience.include:
        lines.append(t("cmp.include_n", lang, n=len(audience.include)))
    if audience.exclude:
        lines.append(t("cmp.exclude_n", lang, n=len(audience.exclude)))
    return lines
