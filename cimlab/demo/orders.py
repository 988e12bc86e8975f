"""Order lines of one channel: the product catalogue, when each member buys, and what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cimlab.demo.vocabulary import (
    BUNDLE_P,
    BUNDLES,
    CANCELLED,
    CATEGORIES,
    PAID,
    PENDING,
    REFUNDED,
    TITLE_TAILS,
    WINDOW_DAYS,
)


@dataclass
class OrderLines:
    """Order lines of one channel, sorted by order time (line-level arrays, order-level index)."""

    order: np.ndarray  # order number (0..n_orders-1, in time order) of each line
    line: np.ndarray  # 1-based line number within the order
    member: np.ndarray  # index into the channel's member list
    seconds: np.ndarray  # seconds since the window start
    status: np.ndarray  # PAID, REFUNDED, CANCELLED, PENDING
    sku: np.ndarray
    qty: np.ndarray
    n_orders: int


class Catalogue:
    def __init__(self) -> None:
        self.sku: list[str] = []
        self.name_zh: list[str] = []
        self.name_en: list[str] = []
        self.category_zh: list[str] = []
        self.category_en: list[str] = []
        self.title: list[str] = []
        prices: list[float] = []
        sizes: list[int] = []
        for ci, (code, cat_zh, cat_en, _, products, variants) in enumerate(CATEGORIES):
            sizes.append(len(products) * len(variants))
            for bi, (base_zh, base_en, list_price) in enumerate(products):
                for vi, (var_zh, var_en, mult) in enumerate(variants):
                    price = list_price * mult
                    if mult != 1.0:  # shop prices end in 9 (99, 199) or .9 (59.9)
                        price = round(price) - 0.1 if price < 100 else round(price / 10) * 10 - 1
                    self.sku.append(f"{code}{bi + 1:02d}{vi + 1}")
                    self.name_zh.append(f"{base_zh}（{var_zh}）")
                    self.name_en.append(f"{base_en} ({var_en})")
                    self.category_zh.append(cat_zh)
                    self.category_en.append(cat_en)
                    tail = TITLE_TAILS[(ci + bi + vi) % len(TITLE_TAILS)]
                    self.title.append(f"【官方旗舰店】{base_zh} {var_zh} {tail}")
                    prices.append(min(price, 2999.0))
        self.price = np.array(prices)
        self.size = np.array(sizes)  # SKUs per category
        self.offset = np.cumsum(self.size) - self.size  # index of each category's first SKU
        index = {sku: k for k, sku in enumerate(self.sku)}
        self.bundles = np.array([[index[a], index[b]] for a, b, _ in BUNDLES])
        weights = np.array([w for _, _, w in BUNDLES])
        self.bundle_w = weights / weights.sum()


def hour_weights(kind: str) -> np.ndarray:
    if kind == "store":
        w = np.array([0] * 10 + [4, 6, 7, 6, 6, 7, 8, 9, 9, 8, 6, 3] + [0, 0], dtype=float)
    else:
        w = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 3, 4, 5, 5, 6, 5, 5, 5, 5, 5, 6, 7, 9,
                      10, 8, 4], dtype=float)  # fmt: skip
    return w / w.sum()


def make_orders(
    rng: np.random.Generator,
    *,
    plan: OrderPlan,
    fav: np.ndarray,
    business: np.ndarray,
    orders_per_year: float,
    at_least_one: bool,
    line_p: Sequence[float],
    hours: str,
    pending: bool,
    catalogue: Catalogue,
) -> OrderLines:
    m = len(plan.lo)
    late = plan.late_lo >= 0
    span = (plan.hi - plan.lo) + np.where(late, WINDOW_DAYS - plan.late_lo, 0)
    rate = rng.gamma(0.9, 1 / 0.9, m) * orders_per_year * plan.mult * span / 365
    n_orders = np.clip(rng.poisson(rate), plan.min_orders, plan.max_orders)
    if at_least_one:
        n_orders = np.maximum(n_orders, 1)
    member = np.repeat(np.arange(m), n_orders)
    total = len(member)
    # won back: the first half of the orders (at least one) before the gap, the rest after it
    rank = np.arange(total) - np.repeat(np.cumsum(n_orders) - n_orders, n_orders)
    after_gap = late[member] & (rank >= np.maximum(1, (n_orders[member] + 1) // 2))
    lo = np.where(after_gap, plan.late_lo[member], plan.lo[member])
    hi = np.where(after_gap, WINDOW_DAYS, plan.hi[member])
    day = lo + np.floor(rng.random(total) * (hi - lo)).astype(np.int64)
    hour = rng.choice(24, total, p=hour_weights(hours))
    secs = hour * 3600 + rng.integers(0, 3600, total)
    u = rng.random(total)
    status = np.full(total, PAID)
    status[u < 0.05] = REFUNDED
    status[(u >= 0.05) & (u < 0.08)] = CANCELLED
    if pending:  # placed in the last days (only by people still buying)
        is_pending = (u >= 0.08) & (u < 0.09) & (hi == WINDOW_DAYS)
        status[is_pending] = PENDING
        recent = WINDOW_DAYS - 1 - rng.integers(0, 3, total)
        day = np.where(is_pending, np.maximum(recent, lo), day)
    seconds = day * 86400 + secs
    by_time = np.lexsort((member, seconds))
    member, seconds, status = member[by_time], seconds[by_time], status[by_time]

    n_lines = rng.choice(len(line_p), total, p=np.asarray(line_p)) + 1
    order = np.repeat(np.arange(total), n_lines)
    first = np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    line = np.arange(len(order)) - first + 1
    lm = member[order]
    n = len(order)
    random_cat = rng.choice(len(CATEGORIES), n)
    category = np.where(rng.random(n) < 0.55, fav[lm], random_cat)
    sku = catalogue.offset[category] + np.floor(rng.random(n) * catalogue.size[category]).astype(
        np.int64
    )
    # planted bundles: lines 1 and 2 of some orders of two or more lines
    bundled = np.flatnonzero((n_lines >= 2) & (rng.random(total) < BUNDLE_P))
    which = rng.choice(len(catalogue.bundles), len(bundled), p=catalogue.bundle_w)
    head = (np.cumsum(n_lines) - n_lines)[bundled]
    sku[head] = catalogue.bundles[which, 0]
    sku[head + 1] = catalogue.bundles[which, 1]
    qty = rng.choice(6, n, p=[0.75, 0.17, 0.05, 0.01, 0.01, 0.01]) + 1
    qty = np.where(business[lm], qty + rng.integers(2, 20, n), qty)
    return OrderLines(
        order=order,
        line=line,
        member=lm,
        seconds=seconds[order],
        status=status[order],
        sku=sku,
        qty=qty,
        n_orders=total,
    )


@dataclass
class OrderPlan:
    """Per channel member: when they buy and how much (days from the window start)."""

    lo: np.ndarray  # first possible order day
    hi: np.ndarray  # end (exclusive) of the buying spell (before the gap for won-back people)
    late_lo: np.ndarray  # won back: first day of the second spell (to the window end), else -1
    mult: np.ndarray  # order-rate multiplier
    min_orders: np.ndarray
    max_orders: np.ndarray
