"""A channel export as header + rows, and the rows broken on purpose (one problem per row)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cimlab.demo.manifest import BadRow


@dataclass
class Table:
    header: list[str]
    rows: list[list[Any]]
    first_line: int  # physical line of the first data row
    bad: list[BadRow] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


def _pick(rng: np.random.Generator, table: Table, ok: Callable[[list[Any]], bool]) -> int:
    """A random unused row satisfying ``ok`` (deterministic for a given generator state)."""
    for _ in range(10_000):
        i = int(rng.integers(0, len(table.rows)))
        if i not in table.used and ok(table.rows[i]):
            table.used.add(i)
            return i
    raise ValueError("No row left to break; generate more people (people >= 100).")


def break_row(
    rng: np.random.Generator,
    table: Table,
    kind: str,
    column: str | None,
    make: Callable[[Any], Any],
    *,
    ok: Callable[[list[Any]], bool] = lambda row: True,
) -> None:
    """Break one row: set ``column`` to ``make(old)``, or change the field count."""
    i = _pick(rng, table, ok)
    row = table.rows[i]
    if kind == "too_few_fields":
        table.rows[i] = row[: len(row) - 2]
        value = None
    elif kind == "too_many_fields":
        table.rows[i] = [*row, "see note"]
        value = None
    else:
        assert column is not None
        j = table.header.index(column)
        row[j] = make(row[j])
        value = None if row[j] is None else str(row[j])
    table.bad.append(BadRow(line=table.first_line + i, column=column, kind=kind, value=value))


def column_value(table: Table, column: str) -> Callable[[list[Any]], Any]:
    j = table.header.index(column)
    return lambda row: row[j]


def break_all(rng: np.random.Generator, t: dict[str, Table]) -> None:
    """Break a handful of rows of each kind, spread across the files (one problem per row)."""
    oc, wm, sm = t["online_shop_customers"], t["wechat_members"], t["store_members"]
    oo, tm, wo, ss = (
        t["online_shop_orders"],
        t["tmall_orders"],
        t["wechat_orders"],
        t["store_sales"],
    )
    ci, fb, cc = t["call_centre_interactions"], t["feedback_survey"], t["call_centre_contacts"]
    ws_, ss_ = t["wechat_survey"], t["store_survey"]

    def blank(_: Any) -> str:
        return ""

    # impossible dates: keep the year and the time of day of the value they replace
    break_row(rng, oo, "impossible_date", "order_date", lambda v: f"{v[:4]}-02-30{v[10:]}")
    break_row(
        rng,
        tm,
        "impossible_date",
        "买家下单时间",
        lambda v: f"{v.split('/')[0]}/2/30 {v.split(' ')[1]}",
    )
    break_row(
        rng,
        ss,
        "impossible_date",
        "下单时间",
        lambda v: f"{v.split('年')[0]}年2月30日 {v.split(' ')[1]}",
    )
    break_row(rng, wm, "impossible_date", "生日", lambda v: "1991年2月29日")
    break_row(rng, ci, "impossible_date", "timestamp", lambda v: f"{v[:4]}-04-31{v[10:]}")
    # unreadable amounts
    break_row(rng, oo, "unreadable_amount", "line_total", lambda v: "12,34,5")
    break_row(rng, tm, "unreadable_amount", "买家实付金额", lambda v: "abc")
    break_row(rng, wo, "unreadable_amount", "amount", lambda v: "abc")
    break_row(rng, ss, "unreadable_amount", "金额", lambda v: "12,34,5")
    # N/A in a required amount
    break_row(rng, oo, "missing_amount", "line_total", lambda v: "N/A")
    break_row(rng, tm, "missing_amount", "买家实付金额", lambda v: "N/A")
    break_row(rng, ss, "missing_amount", "金额", lambda v: "N/A")
    # negative amount on a paid line
    paid_oo, paid_wo, paid_ss = (
        column_value(oo, "status"),
        column_value(wo, "status"),
        column_value(ss, "订单状态"),
    )
    break_row(
        rng,
        oo,
        "negative_amount",
        "line_total",
        lambda v: f"-{v}",
        ok=lambda r: paid_oo(r) == "paid",
    )
    break_row(rng, wo, "negative_amount", "amount", lambda v: -v, ok=lambda r: paid_wo(r) == "paid")
    break_row(
        rng, ss, "negative_amount", "金额", lambda v: f"-{v}", ok=lambda r: paid_ss(r) == "已完成"
    )
    # unknown status text
    break_row(rng, oo, "unknown_status", "status", lambda v: "on hold")
    break_row(rng, tm, "unknown_status", "订单状态", lambda v: "交易异常")
    break_row(rng, wo, "unknown_status", "status", lambda v: "processing")
    break_row(rng, ss, "unknown_status", "订单状态", lambda v: "已挂起")
    # garbage phones
    break_row(rng, oc, "garbage_phone", "phone", lambda v: "12345")
    break_row(rng, tm, "garbage_phone", "联系手机", lambda v: "12345")
    break_row(rng, wm, "garbage_phone", "手机号", lambda v: "1380013800")
    break_row(rng, sm, "garbage_phone", "手机", lambda v: "12345")
    mobile_cc = column_value(cc, "phone")
    break_row(
        rng, cc, "garbage_phone", "phone", lambda v: v[:-1], ok=lambda r: mobile_cc(r).isdigit()
    )
    # malformed e-mails
    break_row(rng, oc, "malformed_email", "email", lambda v: "bob@@x")
    break_row(rng, oc, "malformed_email", "email", lambda v: "wang.wei@qq")
    break_row(rng, wm, "malformed_email", "邮箱", lambda v: "lina@@163.com")
    # survey scores out of range
    for _ in range(2):
        break_row(rng, fb, "nps_out_of_range", "nps", lambda v: 11)
        break_row(rng, fb, "csat_out_of_range", "csat", lambda v: 0)
    answered = column_value(ws_, "推荐值")
    break_row(
        rng, ws_, "nps_out_of_range", "推荐值", lambda v: "11", ok=lambda r: answered(r) != ""
    )
    break_row(rng, ss_, "csat_out_of_range", "满意度评分", lambda v: "0")
    # field counts (CSV only)
    for table in (oc, tm, sm, ci):
        break_row(rng, table, "too_few_fields", None, blank)
    for table in (oo, ss, sm, ci):
        break_row(rng, table, "too_many_fields", None, blank)
    # empty required ids
    break_row(rng, oc, "empty_id", "customer_id", blank)
    break_row(rng, oo, "empty_id", "order_id", blank)
    break_row(rng, tm, "empty_id", "订单编号", blank)
    break_row(rng, sm, "empty_id", "会员卡号", blank)
    break_row(rng, fb, "empty_id", "customer_id", blank)
