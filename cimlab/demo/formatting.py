"""How channels write values: money, phones, masked names, dates, ids."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np


def money_text(x: float) -> str:
    return f"{x:.2f}"


def short_money_text(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def yen_text(x: float) -> str:
    return f"￥{x:,.2f}"


def phone_styles(phone: str, style: int) -> str:
    if style == 0:
        return phone
    if style == 1:
        return f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
    if style == 2:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


def masked_name(name: str) -> str:
    return name[0] + "*" * max(len(name) - 1, 2) if len(name) <= 4 else name[0] + "***"


def at_seconds(start: datetime, seconds: int) -> datetime:
    return start + timedelta(seconds=seconds)


def zh_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def unique_ids(rng: np.random.Generator, m: int, *, low: int, gap: int) -> list[int]:
    """Increasing unique integers with random gaps (ids issued over time)."""
    return (low + np.cumsum(rng.integers(1, gap, m))).tolist()
