"""Texts of the Channels & cohorts page and the Overview KPIs."""

from __future__ import annotations

__all__ = ["MESSAGES"]

MESSAGES: dict[str, dict[str, str]] = {
    "nav.channels": {"en": "Channels & cohorts", "zh": "渠道与同期群"},
}
