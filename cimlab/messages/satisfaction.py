"""Texts of the Satisfaction page (NPS, CSAT, complaints) and Products page (bought together)."""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
    "nav.satisfaction": {"en": "Satisfaction", "zh": "客户满意度"},
    "nav.products": {"en": "Products", "zh": "商品关联"},
}
