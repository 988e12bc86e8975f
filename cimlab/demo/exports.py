"""The channel exports of the fictional retailer, one table per file, built from one
random stream (:class:`ChannelExports`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from cimlab.demo.formatting import (
    at_seconds,
    masked_name,
    money_text,
    phone_styles,
    short_money_text,
    unique_ids,
    yen_text,
    zh_date,
)
from cimlab.demo.manifest import SALES_CHANNELS, BadRow
from cimlab.demo.orders import Catalogue, OrderLines, OrderPlan, hour_weights, make_orders
from cimlab.demo.people import People
from cimlab.demo.tables import Table
from cimlab.demo.vocabulary import (
    AREA_CODES,
    BEHAVIOUR_RATE,
    CANCELLED,
    CITIES,
    COMMENTS,
    DELAY,
    LAPSED,
    LOYAL,
    NEW,
    NICK_HEAD,
    NICK_TAIL,
    NOTES,
    ONE_TIME,
    OPENID_ALPHABET,
    ORDERS_PER_YEAR,
    PAID,
    REFUNDED,
    STATUS_EN,
    STATUS_STORE,
    STORES,
    TMALL_SHIPPING,
    WECHAT_NICKNAMES,
    WINDOW_DAYS,
    WON_BACK,
)


@dataclass
class Output:
    """One demo file: its manifest entry and its bytes."""

    path: str
    table: str
    channel: str
    mapping: str
    encoding: str | None
    format: str
    data: bytes
    rows: int
    bad: list[BadRow]
    delimiter: str | None = None
    sheet: str | None = None


class ChannelExports:
    """The people, their orders and contacts, and one method per channel file returning its
    :class:`~cimlab.demo.tables.Table`; ``truth`` collects who is who as the files are made.

    The methods draw from one random stream, so :func:`~cimlab.demo.generate_demo_files` calls
    them in a fixed order.
    """

    def __init__(self, rng: np.random.Generator, people: int, as_of: date) -> None:
        self.rng = rng
        self.as_of = as_of
        self.start = datetime(as_of.year, as_of.month, as_of.day) - timedelta(days=WINDOW_DAYS)
        self.p = People(rng, people, as_of)
        self.cat = Catalogue()
        self.truth: list[tuple[str, str, str, str]] = []  # person_id, channel, table, source id
        self.members: dict[str, np.ndarray] = {}
        self.source_id: dict[str, list[str]] = {}
        self.start_day: dict[str, np.ndarray] = {}
        self.signup: dict[str, np.ndarray] = {}  # days from the window start (may be < 0)
        self.tmall_orders_of = np.zeros(0, dtype=np.int64)  # orders per Tmall buyer
        self.tmall_nicks: set[str] = set()
        self.online_id_of: dict[int, str] = {}
        self.cc_id: dict[int, str] = {}
        # (person, call-centre id, seconds) of every interaction and survey answer
        self.service: list[tuple[int, str, int]] = []
        self.office_phone: dict[int, str] = {}  # person -> office line the call centre has
        self.home_store = np.zeros(0, dtype=np.int64)
        self.orders: dict[str, OrderLines] = {}
        # (person, day) of every complaint the call centre logged, sorted
        self.complaints = np.zeros(0, dtype=np.int64)
        self.late_order: dict[str, np.ndarray] = {}  # per channel: order delivered late

    # -- members ------------------------------------------------------------------------------

    def _members(self, channel: str, *, signup_low: int) -> tuple[np.ndarray, np.ndarray]:
        """People of a sales channel sorted by signup day (days from the window start)."""
        p = self.p
        who = np.flatnonzero(p.uses[:, SALES_CHANNELS.index(channel)])
        signup = self.rng.integers(signup_low, WINDOW_DAYS - 20, len(who))
        # behaviour shapes the signup: new people joined lately, the others before they bought
        kind, u = p.kind[who], self.rng.random(len(who))
        latest = np.select(
            [kind == LAPSED, kind == WON_BACK, kind == LOYAL],
            [p.lapse_day[who] - 45, p.early_end[who] - 30, np.full(len(who), 400)],
            WINDOW_DAYS,
        )
        early = signup_low + np.floor(u * (latest - signup_low)).astype(np.int64)
        signup = np.where(signup > latest, early, signup)
        signup = np.where(kind == NEW, p.new_start[who], signup)
        by_signup = np.lexsort((who, signup))
        who, signup = who[by_signup], signup[by_signup]
        self.members[channel] = who
        self.signup[channel] = signup
        self.start_day[channel] = np.maximum(signup, 0)
        return who, signup

    def _record(self, channel: str, table: str, persons: Sequence[int], ids: Sequence[str]) -> None:
        for i, sid in zip(persons, ids, strict=True):
            self.truth.append((self.p.ids[i], channel, table, sid))

    def online_customers(self) -> Table:
        rng, p = self.rng, self.p
        who, signup = self._members("online_shop", signup_low=-540)
        m = len(who)
        ids = [f"{x:07d}" for x in unique_ids(rng, m, low=1000, gap=60)]
        self.source_id["online_shop"] = ids
        self.online_id_of = {int(i): sid for i, sid in zip(who, ids, strict=True)}
        name_style = rng.choice(3, m, p=[0.6, 0.25, 0.15])
        phone_style = rng.integers(0, 3, m)  # a mobile is required to register: always there
        shout_email = rng.random(m) < 0.08
        gender_blank = rng.random(m) < 0.08
        birth_blank = rng.random(m) < 0.3
        english_city = rng.random(m) < 0.7
        country_cn = rng.random(m) < 0.2
        opt_out_email = rng.random(m) < 0.1
        tags = rng.integers(0, 6, m)
        tag_text = ("", "", "vip", "newsletter", "vip;newsletter", "student")
        rows: list[list[Any]] = []
        for k in range(m):
            i = int(who[k])
            if p.english[i] or name_style[k] == 0:
                name = p.name[i]
            elif name_style[k] == 1:
                name = f"{p.given_latin[i]} {p.surname_latin[i]}"
            else:
                name = f"{p.surname_latin[i].upper()} {p.given_latin[i]}"
            email = p.email[i]
            if email and shout_email[k]:
                local, domain = email.split("@")
                email = f"{local.capitalize()}@{domain.upper()}"
            city = CITIES[p.city[i]]
            rows.append(
                [
                    ids[k],
                    name,
                    email or "",
                    phone_styles(p.phone[i], int(phone_style[k])),
                    "" if gender_blank[k] else ("female" if p.female[i] else "male"),
                    "" if birth_blank[k] else p.birth[i].isoformat(),
                    city[3] if english_city[k] else city[1],
                    city[2] if english_city[k] else city[0],
                    "CN" if country_cn[k] else "China",
                    (self.start + timedelta(days=int(signup[k]))).date().isoformat(),
                    "business" if p.business[i] else "individual",
                    p.company[i] or "",
                    "true" if (email and p.consent_email[i] and not opt_out_email[k]) else "false",
                    "true" if p.consent_sms[i] else "false",
                    tag_text[tags[k]],
                ]
            )
        self._record("online_shop", "customers", who.tolist(), ids)
        header = [
            "customer_id",
            "full_name",
            "email",
            "phone",
            "gender",
            "birth_date",
            "city",
            "province",
            "country",
            "signup_date",
            "customer_type",
            "company",
            "email_opt_in",
            "sms_opt_in",
            "tags",
        ]
        return Table(header, rows, first_line=2)

    def wechat_members(self) -> Table:
        rng, p = self.rng, self.p
        who, signup = self._members("wechat", signup_low=-365)
        m = len(who)
        chars = rng.integers(0, len(OPENID_ALPHABET), (m, 27))
        ids = ["o" + "".join(OPENID_ALPHABET[c] for c in row) for row in chars.tolist()]
        self.source_id["wechat"] = ids
        nickname = rng.random(m) < 0.4
        nick = rng.integers(0, len(WECHAT_NICKNAMES), m)
        unknown_gender = rng.random(m) < 0.15
        birth_style = rng.choice(3, m, p=[0.4, 0.35, 0.25])  # 年月日, ISO, blank
        secs = rng.integers(8 * 3600, 23 * 3600, m)
        tag_a = rng.integers(0, 8, m)
        email_present = rng.random(m) < 0.35
        sms_out = rng.random(m) < 0.1
        labels = ("高价值", "母婴", "新客", "活动参与", "沉睡", "", "", "")
        rows: list[list[Any]] = []
        for k in range(m):
            i = int(who[k])
            city = CITIES[p.city[i]]
            birth = p.birth[i]
            rows.append(
                [
                    ids[k],
                    WECHAT_NICKNAMES[nick[k]] if nickname[k] else p.name[i],
                    p.phone[i],
                    "未知" if unknown_gender[k] else ("女" if p.female[i] else "男"),
                    (zh_date(birth), birth.isoformat(), "")[birth_style[k]],
                    self.start + timedelta(days=int(signup[k]), seconds=int(secs[k])),
                    city[0] if city[5] else city[0] + "省",
                    city[1] + "市",
                    labels[tag_a[k]],
                    (p.email[i] or "") if email_present[k] else "",
                    "否" if (sms_out[k] or not p.consent_sms[i]) else "是",
                    "是" if p.consent_wechat[i] else "否",
                ]
            )
        self._record("wechat", "customers", who.tolist(), ids)
        header = [
            "客户ID", "客户姓名", "手机号", "性别", "生日", "成为客户时间", "省份", "城市", "标签",
            "邮箱", "是否接收短信", "是否接收微信消息",
        ]  # fmt: skip
        return Table(header, rows, first_line=2)

    def store_members(self) -> Table:
        rng, p = self.rng, self.p
        who, signup = self._members("offline_store", signup_low=-700)
        m = len(who)
        ids = [f"08{x:010d}" for x in unique_ids(rng, m, low=8_800_000_000, gap=40)]
        self.source_id["offline_store"] = ids
        phone_style = rng.choice([0, 3], m)
        gender_blank = rng.random(m) < 0.1
        birth_blank = rng.random(m) < 0.35
        secs = rng.integers(10 * 3600, 22 * 3600, m)
        email_out = rng.random(m) < 0.1
        other_store = rng.integers(0, len(STORES), m)
        stray = rng.random(m) < 0.1
        self.home_store = np.empty(m, dtype=np.int64)
        rows: list[list[Any]] = []
        for k in range(m):
            i = int(who[k])
            city = CITIES[p.city[i]]
            local = [s for s, st in enumerate(STORES) if st[2] == city[1]]
            store = (
                local[int(other_store[k]) % len(local)]
                if local and not stray[k]
                else int(other_store[k])
            )
            self.home_store[k] = store
            when = self.start + timedelta(days=int(signup[k]), seconds=int(secs[k]))
            b = p.birth[i]
            rows.append(
                [
                    ids[k],
                    p.name[i],
                    phone_styles(p.phone[i], int(phone_style[k])),
                    "" if gender_blank[k] else ("女" if p.female[i] else "男"),
                    "" if birth_blank[k] else f"{b.year}/{b.month}/{b.day}",
                    city[1],
                    city[0],
                    when.strftime("%Y-%m-%d %H:%M"),
                    STORES[store][1],
                    "是" if (p.email[i] and p.consent_email[i] and not email_out[k]) else "否",
                    "是" if p.consent_sms[i] else "否",
                ]
            )
        self._record("offline_store", "customers", who.tolist(), ids)
        header = [
            "会员卡号",
            "姓名",
            "手机",
            "性别",
            "生日",
            "城市",
            "省份",
            "注册时间",
            "门店",
            "邮件营销",
            "短信营销",
        ]
        return Table(header, rows, first_line=2)

    # -- orders -------------------------------------------------------------------------------

    def _plan(self, channel: str) -> OrderPlan:
        p, who = self.p, self.members[channel]
        kind = p.kind[who]
        lo = self.start_day[channel]
        hi = np.select(
            [kind == LAPSED, kind == WON_BACK], [p.lapse_day[who], p.early_end[who]], WINDOW_DAYS
        )
        hi = np.maximum(hi, lo + 1)
        late_lo = np.where(kind == WON_BACK, p.late_start[who], -1)
        primary = p.primary[who] == SALES_CHANNELS.index(channel)
        # one-time buyers buy once, in their first channel; new and won-back people are only
        # new or won back with an order (two: one on each side of the gap) there
        min_orders = np.where(primary & (kind == NEW), 1, 0)
        min_orders = np.where(primary & (kind == WON_BACK), 2, min_orders)
        max_orders = np.where(kind == ONE_TIME, np.where(primary, 1, 0), 10_000)
        min_orders = np.where(primary & (kind == ONE_TIME), 1, min_orders)
        mult = BEHAVIOUR_RATE[kind]
        return OrderPlan(lo, hi, late_lo, mult, min_orders, max_orders)

    def _orders(self, channel: str, **kw: Any) -> OrderLines:
        who = self.members[channel]
        o = make_orders(
            self.rng,
            plan=self._plan(channel),
            fav=self.p.fav_category[who],
            business=self.p.business[who],
            catalogue=self.cat,
            orders_per_year=ORDERS_PER_YEAR[channel],
            **kw,
        )
        self.orders[channel] = o
        return o

    def _order_truth(self, channel: str, o: OrderLines) -> None:
        who, ids = self.members[channel], self.source_id[channel]
        seen = np.unique(o.member)
        self._record(channel, "orders", who[seen].tolist(), [ids[k] for k in seen.tolist()])

    def online_orders(self) -> Table:
        o = self._orders("online_shop", at_least_one=False,
                         line_p=[0.5, 0.28, 0.14, 0.08], hours="web", pending=True)  # fmt: skip
        self._order_truth("online_shop", o)
        ids = self.source_id["online_shop"]
        order_no = [f"{x}" for x in unique_ids(self.rng, o.n_orders, low=20_000_000, gap=9)]
        self.online_order_no = order_no
        price = self.cat.price[o.sku]
        rows = [
            [
                order_no[oi],
                ln,
                ids[mb],
                at_seconds(self.start, s).strftime("%Y-%m-%d %H:%M:%S"),
                self.cat.sku[sk],
                self.cat.name_en[sk],
                self.cat.category_en[sk],
                q,
                money_text(pr),
                money_text(pr * q),
                "CNY",
                STATUS_EN[st],
            ]
            for oi, ln, mb, s, sk, q, pr, st in zip(
                o.order.tolist(), o.line.tolist(), o.member.tolist(), o.seconds.tolist(),
                o.sku.tolist(), o.qty.tolist(), price.tolist(), o.status.tolist(), strict=True,
            )
        ]  # fmt: skip
        header = [
            "order_id",
            "line",
            "customer_id",
            "order_date",
            "sku",
            "product",
            "category",
            "quantity",
            "unit_price",
            "line_total",
            "currency",
            "status",
        ]
        return Table(header, rows, first_line=2)

    def _tmall_nicknames(self, persons: np.ndarray) -> list[str]:
        """Tmall buyer nicknames of ``persons``, unique across every call."""
        rng, p, m = self.rng, self.p, len(persons)
        heads = rng.integers(0, len(NICK_HEAD), m)
        tails = rng.integers(0, len(NICK_TAIL), m)
        style = rng.choice(3, m, p=[0.4, 0.35, 0.25])
        num = rng.integers(10**8, 10**10, m)
        small = rng.integers(1, 1000, m)
        ids: list[str] = []
        for k in range(m):
            i = int(persons[k])
            nick = (
                f"tb{num[k]}",
                f"{NICK_HEAD[heads[k]]}{NICK_TAIL[tails[k]]}{small[k]}",
                f"{p.given_latin[i].lower()}_{p.surname_latin[i].lower()}{small[k]}",
            )[style[k]]
            base, bump = nick, 1
            while nick in self.tmall_nicks:
                bump += 1
                nick = f"{base}_{bump}"
            self.tmall_nicks.add(nick)
            ids.append(nick)
        return ids

    def tmall_orders(self) -> Table:
        rng, p = self.rng, self.p
        who, _ = self._members("tmall", signup_low=-200)
        ids = self._tmall_nicknames(who)
        self.source_id["tmall"] = ids
        o = self._orders("tmall", at_least_one=True, line_p=[1.0],
                         hours="web", pending=False)  # fmt: skip
        self._order_truth("tmall", o)
        self.tmall_orders_of = np.bincount(o.member, minlength=len(who))
        n = o.n_orders
        long_id = rng.random(n) < 0.8
        order_ids: list[str] = []
        seen: set[int] = set()
        for x19, x18, is19 in zip(
            rng.integers(10**18, 4 * 10**18, n).tolist(),
            rng.integers(10**17, 10**18, n).tolist(),
            long_id.tolist(),
            strict=True,
        ):
            x = x19 if is19 else x18
            while x in seen:
                x += 1
            seen.add(x)
            order_ids.append(str(x))
        masked = rng.random(n) < 0.5
        yen = rng.random(n) < 0.5
        pay_delay = rng.integers(5, 900, n)
        ship = rng.integers(0, len(TMALL_SHIPPING), n)
        price = self.cat.price[o.sku]
        rows: list[list[Any]] = []
        recent = (WINDOW_DAYS - 10) * 86400
        for k in range(n):
            mb, st, secs = int(o.member[k]), int(o.status[k]), int(o.seconds[k])
            i = int(who[mb])
            total = float(price[k]) * int(o.qty[k])
            placed = at_seconds(self.start, secs)
            paid = placed + timedelta(seconds=int(pay_delay[k]))
            if st == PAID:
                status = TMALL_SHIPPING[ship[k]] if secs >= recent else "交易成功"
            else:
                status = "交易关闭"
            if st == CANCELLED:
                total = 0.0
            amount = yen_text(total) if yen[k] else short_money_text(total)
            city = CITIES[p.city[i]]
            phone = p.phone[i]
            rows.append(
                [
                    order_ids[k],
                    ids[mb],
                    amount,
                    status,
                    masked_name(p.name[i]) if masked[k] else p.name[i],
                    f"{phone[:3]}****{phone[7:]}" if masked[k] else phone,
                    f"{placed.year}/{placed.month}/{placed.day} {placed:%H:%M}",
                    "" if st == CANCELLED else f"{paid.year}/{paid.month}/{paid.day} {paid:%H:%M}",
                    self.cat.title[int(o.sku[k])],
                    int(o.qty[k]),
                    self.cat.sku[int(o.sku[k])],
                    city[0] if city[5] else city[0] + "省",
                    city[1] + "市",
                ]
            )
        rows.reverse()  # the seller centre lists the newest order first
        header = [
            "订单编号", "买家会员名", "买家实付金额", "订单状态", "收货人姓名", "联系手机", "买家下单时间",
            "买家付款时间", "宝贝标题", "宝贝总数量", "商家编码", "省", "市",
        ]  # fmt: skip
        return Table(header, rows, first_line=2)

    def tmall_members(self) -> Table:
        """The brand's Tmall member list (会员通): most buyers, and a few who never bought.

        Members agree to share their phone with the brand when they join, so 手机号 is the full
        number; 会员昵称 is the buyer nickname of the order report. 会员等级 follows the number
        of orders (never bought or one: 普通会员; 2-3: 银卡; 4-7: 金卡; 8 or more: 钻石).
        """
        rng, p = self.rng, self.p
        who, ids = self.members["tmall"], self.source_id["tmall"]
        joined = np.flatnonzero(rng.random(len(who)) < 0.85)
        others = np.flatnonzero(~p.uses[:, SALES_CHANNELS.index("tmall")])
        n_extra = max(1, round(0.04 * len(joined)))
        extra = np.sort(rng.permutation(others)[:n_extra])
        persons = np.concatenate([who[joined], extra])
        nicks = [ids[k] for k in joined.tolist()] + self._tmall_nicknames(extra)
        orders = np.concatenate([self.tmall_orders_of[joined], np.zeros(len(extra), np.int64)])
        signup = np.concatenate(
            [self.signup["tmall"][joined], rng.integers(-200, WINDOW_DAYS - 20, len(extra))]
        )
        n = len(persons)
        day = np.minimum(signup + rng.integers(0, 30, n), WINDOW_DAYS - 1)
        secs = day * 86400 + rng.integers(8 * 3600, 23 * 3600, n)
        unknown_gender = rng.random(n) < 0.2
        with_birthday = rng.random(n) < 0.45
        level = np.searchsorted(np.array([2, 4, 8]), orders, side="right")
        levels = ("普通会员", "银卡会员", "金卡会员", "钻石会员")
        rows: list[list[Any]] = []
        for k in sorted(range(n), key=lambda k: (int(secs[k]), nicks[k])):
            i = int(persons[k])
            city = CITIES[p.city[i]]
            rows.append(
                [
                    nicks[k],
                    p.phone[i],
                    at_seconds(self.start, int(secs[k])).strftime("%Y-%m-%d %H:%M:%S"),
                    levels[int(level[k])],
                    "未知" if unknown_gender[k] else ("女" if p.female[i] else "男"),
                    p.birth[i].isoformat() if with_birthday[k] else "",
                    city[0] if city[5] else city[0] + "省",
                    city[1] + "市",
                ]
            )
        self._record("tmall", "customers", persons.tolist(), nicks)
        header = ["会员昵称", "手机号", "入会时间", "会员等级", "性别", "生日", "省份", "城市"]
        return Table(header, rows, first_line=2)

    def wechat_orders(self) -> Table:
        o = self._orders("wechat", at_least_one=False,
                         line_p=[0.6, 0.25, 0.1, 0.05], hours="web", pending=True)  # fmt: skip
        self._order_truth("wechat", o)
        ids = self.source_id["wechat"]
        price = self.cat.price[o.sku]
        rows: list[list[Any]] = []
        for k in range(len(o.order)):
            placed = at_seconds(self.start, int(o.seconds[k]))
            q = int(o.qty[k])
            rows.append(
                [
                    f"E{placed:%Y%m%d%H%M%S}{int(o.order[k]):06d}",
                    int(o.line[k]),
                    ids[int(o.member[k])],
                    placed.strftime("%Y-%m-%d %H:%M:%S"),
                    self.cat.sku[int(o.sku[k])],
                    self.cat.name_zh[int(o.sku[k])],
                    q,
                    round(float(price[k]) * q, 2),
                    "CNY",
                    STATUS_EN[int(o.status[k])],
                ]
            )
        header = ["order_id", "line", "member_id", "paid_at", "sku", "product", "quantity",
                  "amount", "currency", "status"]  # fmt: skip
        return Table(header, rows, first_line=1)

    def store_sales(self) -> Table:
        o = self._orders("offline_store", at_least_one=False,
                         line_p=[0.45, 0.3, 0.15, 0.1], hours="store", pending=False)  # fmt: skip
        self._order_truth("offline_store", o)
        ids = self.source_id["offline_store"]
        n = o.n_orders
        elsewhere = self.rng.random(n) < 0.15
        other = self.rng.integers(0, len(STORES), n)
        self.store_of_order = store_of_order = np.where(
            elsewhere, other, self.home_store[o.member[np.searchsorted(o.order, np.arange(n))]]
        )
        price = self.cat.price[o.sku]
        rows: list[list[Any]] = []
        for k in range(len(o.order)):
            oi = int(o.order[k])
            placed = at_seconds(self.start, int(o.seconds[k]))
            store = STORES[int(store_of_order[oi])]
            q, sk = int(o.qty[k]), int(o.sku[k])
            rows.append(
                [
                    f"{store[0]}-{placed:%Y%m%d}-{oi + 1:06d}",
                    int(o.line[k]),
                    ids[int(o.member[k])],
                    f"{placed.year}年{placed.month}月{placed.day}日 {placed:%H:%M}",
                    store[1],
                    self.cat.sku[sk],
                    self.cat.name_zh[sk],
                    self.cat.category_zh[sk],
                    q,
                    money_text(float(price[k])),
                    money_text(float(price[k]) * q),
                    "CNY",
                    STATUS_STORE[int(o.status[k])],
                ]
            )
        header = ["订单号", "行号", "会员卡号", "下单时间", "门店", "商品编码", "商品名称", "品类",
                  "数量", "单价", "金额", "币种", "订单状态"]  # fmt: skip
        return Table(header, rows, first_line=2)

    # -- service ------------------------------------------------------------------------------

    def _service_ids(self, persons: np.ndarray, seconds: np.ndarray, table: str) -> list[str]:
        """The call centre's customer_id: the online-shop id, else a call-centre id."""
        out: list[str] = []
        for i, s in zip(persons.tolist(), seconds.tolist(), strict=True):
            out.append(self.online_id_of.get(i) or self.cc_id[i])
            self.service.append((i, out[-1], s))
        self._record("call_centre", table, persons.tolist(), out)
        return out

    def _order_facts(self, channel: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per order of ``channel`` (in time order): person, member index, seconds, status."""
        o = self.orders[channel]
        first = np.searchsorted(o.order, np.arange(o.n_orders))
        member = o.member[first]
        return self.members[channel][member], member, o.seconds[first], o.status[first]

    def interactions(self) -> Table:
        """Call-centre log: everyday contacts, plus complaints that follow a bad experience.

        A refunded or cancelled order leads to a complaint with probability 0.3 within a week;
        during the courier backlog (``DELAY``) about a third of the online orders arrive late,
        and a quarter of those lead to a complaint (快递太慢).
        """
        rng, n = self.rng, self.p.n
        cc = unique_ids(rng, n, low=10_000_000, gap=20)
        self.cc_id = {i: f"CC{cc[i]:08d}" for i in range(n)}
        callers = np.flatnonzero(rng.random(n) < 0.25)
        count = rng.choice(5, len(callers), p=[0.4, 0.25, 0.15, 0.12, 0.08]) + 1
        person = np.repeat(callers, count)
        total = len(person)
        seconds = (
            rng.integers(0, WINDOW_DAYS, total) * 86400
            + rng.choice(24, total, p=hour_weights("store")) * 3600
            + rng.integers(0, 3600, total)
        )
        types = ("call", "email", "chat", "complaint", "visit")
        kind = rng.choice(5, total, p=[0.37, 0.21, 0.26, 0.03, 0.13])
        note = rng.integers(0, 1000, total)
        persons, secs, kinds, notes_at = [person], [seconds], [kind], [note]
        for channel in SALES_CHANNELS:
            who, _, placed, status = self._order_facts(channel)
            day = placed // 86400
            m = len(day)
            late = np.zeros(m, dtype=bool)
            if channel != "offline_store":
                late = (day >= DELAY[0]) & (day < DELAY[1]) & (rng.random(m) < 0.35)
            self.late_order[channel] = late
            bad = (status == REFUNDED) | (status == CANCELLED)
            u = rng.random(m)
            complain = np.flatnonzero((bad & (u < 0.2)) | (late & (u < 0.2)))
            when = day[complain] + rng.integers(1, 8, len(complain))
            at = (
                when * 86400
                + rng.choice(24, len(complain), p=hour_weights("store")) * 3600
                + rng.integers(0, 3600, len(complain))
            )
            # 快递太慢 for a late parcel; else damaged, wrong item, refund late, not as described
            why = np.where(
                late[complain], 1, np.array([0, 2, 3, 5])[rng.integers(0, 4, len(complain))]
            )
            keep = when < WINDOW_DAYS
            persons.append(who[complain][keep])
            secs.append(at[keep])
            kinds.append(np.full(int(keep.sum()), 3))
            notes_at.append(why[keep])
        person, seconds = np.concatenate(persons), np.concatenate(secs)
        kind, note = np.concatenate(kinds), np.concatenate(notes_at)
        total = len(person)
        by_time = np.lexsort((person, seconds))
        person, seconds, kind, note = (
            person[by_time],
            seconds[by_time],
            kind[by_time],
            note[by_time],
        )
        blank_note = rng.random(total) < 0.1
        complaint = kind == 3
        self.complaints = np.sort(person[complaint] * 4096 + seconds[complaint] // 86400)
        self.contacts = (person, seconds, complaint)
        ids = self._service_ids(person, seconds, "interactions")
        rows: list[list[Any]] = []
        for k in range(total):
            t = types[kind[k]]
            notes = NOTES[t]
            rows.append(
                [
                    f"INT{k + 1:07d}",
                    ids[k],
                    at_seconds(self.start, int(seconds[k])).strftime("%Y-%m-%dT%H:%M:%S"),
                    t,
                    "" if blank_note[k] else notes[note[k] % len(notes)],
                ]
            )
        return Table(["interaction_id", "customer_id", "timestamp", "type", "note"], rows, 2)

    # -- feedback -----------------------------------------------------------------------------

    def _answers(
        self,
        person: np.ndarray,
        day: np.ndarray,
        *,
        offset: float,
        bad_order: np.ndarray | None = None,
        late: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """NPS (-1 = not answered), CSAT, complaint flag and group of each answer.

        A latent satisfaction: the person's mood (loyal buyers like the brand, one-time and
        lapsed buyers less), how much they bought, the experience the survey is about (a
        refunded order, a late parcel, a complaint in the 60 days before), the survey's
        channel and a slow improvement over the two years. NPS, CSAT and the complaint flag
        all follow from it, so they agree.
        """
        rng, p, m = self.rng, self.p, len(person)
        zero = np.zeros(m, dtype=bool)
        bad_order = zero if bad_order is None else bad_order
        late = zero if late is None else late
        key = person * 4096 + day
        recent = np.searchsorted(self.complaints, key, side="right") - np.searchsorted(
            self.complaints, key - 60, side="left"
        )
        h = (
            p.mood[person]
            + 0.25 * np.log1p(self.paid_orders[person])
            - 1.8 * bad_order
            - 1.2 * late
            - 1.2 * (recent > 0)
            + 0.5 * day / WINDOW_DAYS
            + offset
            + rng.normal(0.0, 0.7, m)
        )
        nps = np.clip(np.rint(6.9 + 1.5 * h), 0, 10).astype(np.int64)
        csat = np.clip(np.rint(1.2 + 0.4 * nps + rng.normal(0, 0.45, m)), 1, 5).astype(np.int64)
        group = np.where(nps >= 9, 0, np.where(nps >= 7, 1, 2))
        p_complaint = np.select([nps <= 4, nps <= 6, nps <= 8], [0.35, 0.12, 0.02], 0.0)
        p_complaint = p_complaint + 0.15 * ((bad_order | late | (recent > 0)) & (nps <= 6))
        complaint = rng.random(m) < p_complaint
        nps = np.where(rng.random(m) < 0.05, -1, nps)
        return nps, csat, complaint, group

    def _post_purchase(
        self, channel: str, *, rate: float, delay: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Survey answers after orders of ``channel``: order number, person, member, seconds,
        whether the order was refunded and whether it arrived late, in time order."""
        rng = self.rng
        person, member, placed, status = self._order_facts(channel)
        m = len(person)
        asked = (status == PAID) | (status == REFUNDED)
        answered = np.flatnonzero(asked & (rng.random(m) < rate))
        day = placed[answered] // 86400 + rng.integers(delay[0], delay[1] + 1, len(answered))
        secs = day * 86400 + rng.integers(8 * 3600, 23 * 3600, len(answered))
        keep = day < WINDOW_DAYS
        answered, secs = answered[keep], secs[keep]
        by_time = np.lexsort((answered, secs))
        answered, secs = answered[by_time], secs[by_time]
        return (
            answered,
            person[answered],
            member[answered],
            secs,
            status[answered] == REFUNDED,
            self.late_order[channel][answered],
        )

    def _comments(self, group: np.ndarray, complaint: np.ndarray) -> list[str | None]:
        rng, m = self.rng, len(group)
        pick = rng.integers(0, 1000, m)
        none = rng.random(m) < 0.3
        names = ("promoter", "passive", "detractor")
        return [
            None
            if none[k] and not complaint[k]
            else COMMENTS[names[group[k]]][pick[k] % len(COMMENTS[names[group[k]]])]
            for k in range(m)
        ]

    def feedback(self) -> Table:
        """The call centre's satisfaction survey: sent after a contact (half of the complaints
        and a third of the other contacts answer within two days)."""
        rng = self.rng
        paid = []
        for channel in SALES_CHANNELS:
            who, _, _, status = self._order_facts(channel)
            paid.append(who[status == PAID])
        self.paid_orders = np.bincount(np.concatenate(paid), minlength=self.p.n)
        person, seconds, complaint_contact = self.contacts
        m = len(person)
        answered = np.flatnonzero(rng.random(m) < np.where(complaint_contact, 0.5, 0.33))
        day = seconds[answered] // 86400 + rng.integers(0, 3, len(answered))
        keep = day < WINDOW_DAYS
        person, day = person[answered][keep], day[keep]
        seconds = day * 86400 + rng.integers(8 * 3600, 23 * 3600, len(day))
        by_time = np.lexsort((person, seconds))
        person, seconds = person[by_time], seconds[by_time]
        nps, csat, complaint, group = self._answers(person, seconds // 86400, offset=-0.1)
        comments = self._comments(group, complaint)
        ids = self._service_ids(person, seconds, "feedback")
        rows: list[list[Any]] = [
            [
                f"FB{k + 1:06d}",
                ids[k],
                at_seconds(self.start, int(seconds[k])).strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                None if nps[k] < 0 else int(nps[k]),
                int(csat[k]),
                bool(complaint[k]),
                comments[k],
            ]
            for k in range(len(person))
        ]
        header = [
            "feedback_id",
            "customer_id",
            "submitted_at",
            "nps",
            "csat",
            "complaint",
            "comment",
        ]
        return Table(header, rows, first_line=2)

    def online_survey(self) -> Table:
        """Post-purchase survey of the online shop (e-mail link, 2-10 days after the order)."""
        order, person, member, secs, refunded, late = self._post_purchase(
            "online_shop", rate=0.12, delay=(2, 10)
        )
        nps, csat, complaint, group = self._answers(
            person, secs // 86400, offset=0.0, bad_order=refunded, late=late
        )
        comments = self._comments(group, complaint)
        ids = self.source_id["online_shop"]
        rows: list[list[Any]] = [
            [
                f"R{k + 1:07d}",
                ids[member[k]],
                self.online_order_no[order[k]],
                at_seconds(self.start, int(secs[k])).strftime("%Y-%m-%d %H:%M:%S"),
                "" if nps[k] < 0 else str(nps[k]),
                str(csat[k]),
                "true" if complaint[k] else "false",
                comments[k] or "",
            ]
            for k in range(len(order))
        ]
        self._record("online_shop", "feedback", person.tolist(), [r[1] for r in rows])
        header = ["response_id", "customer_id", "order_id", "submitted_at", "nps", "csat",
                  "complaint", "comment"]  # fmt: skip
        return Table(header, rows, first_line=2)

    def wechat_survey(self) -> Table:
        """The mini-program's 评价 card, pushed after delivery (1-5 days after the order)."""
        order, person, member, secs, refunded, late = self._post_purchase(
            "wechat", rate=0.10, delay=(1, 5)
        )
        nps, csat, complaint, group = self._answers(
            person, secs // 86400, offset=0.15, bad_order=refunded, late=late
        )
        comments = self._comments(group, complaint)
        ids = self.source_id["wechat"]
        rows: list[list[Any]] = [
            [
                f"WJ{k + 1:07d}",
                ids[member[k]],
                at_seconds(self.start, int(secs[k])).strftime("%Y-%m-%d %H:%M:%S"),
                "" if nps[k] < 0 else str(nps[k]),
                str(csat[k]),
                "是" if complaint[k] else "否",
                comments[k] or "",
            ]
            for k in range(len(order))
        ]
        self._record("wechat", "feedback", person.tolist(), [r[1] for r in rows])
        header = ["问卷编号", "会员ID", "提交时间", "推荐值", "满意度", "是否投诉", "留言"]
        return Table(header, rows, first_line=2)

    def store_survey(self) -> Table:
        """The in-store survey (a QR code on the receipt, answered the same or the next day)."""
        order, person, member, secs, refunded, late = self._post_purchase(
            "offline_store", rate=0.07, delay=(0, 1)
        )
        nps, csat, complaint, group = self._answers(
            person, secs // 86400, offset=0.35, bad_order=refunded, late=late
        )
        comments = self._comments(group, complaint)
        ids = self.source_id["offline_store"]
        rows: list[list[Any]] = []
        for k in range(len(order)):
            when = at_seconds(self.start, int(secs[k]))
            rows.append(
                [
                    f"SV{k + 1:06d}",
                    ids[member[k]],
                    STORES[int(self.store_of_order[order[k]])][1],
                    f"{when.year}/{when.month}/{when.day} {when:%H:%M}",
                    "" if nps[k] < 0 else str(nps[k]),
                    str(csat[k]),
                    "是" if complaint[k] else "否",
                    comments[k] or "",
                ]
            )
        self._record("offline_store", "feedback", person.tolist(), [r[1] for r in rows])
        header = ["反馈编号", "会员卡号", "门店", "评价时间", "推荐意愿", "满意度评分", "投诉",
                  "评价内容"]  # fmt: skip
        return Table(header, rows, first_line=2)

    def call_centre_contacts(self) -> Table:
        """The call centre's contact list: one row per id it used, with the caller's phone.

        The phone is the number the caller rang from: their own mobile, now and then an office
        line (a landline of their city that nobody else uses).
        """
        rng, p = self.rng, self.p
        first: dict[str, tuple[int, int]] = {}  # call-centre id -> (first contact, person)
        for i, sid, secs in self.service:
            if sid not in first or secs < first[sid][0]:
                first[sid] = (secs, i)
        ids = sorted(first, key=lambda sid: (first[sid][0], sid))
        m = len(ids)
        office = rng.random(m) < 0.04
        local = rng.integers(2 * 10**7, 9 * 10**7, m)
        plus86 = rng.random(m) < 0.2
        used: set[str] = set()
        rows: list[list[Any]] = []
        persons: list[int] = []
        for k, sid in enumerate(ids):
            secs, i = first[sid]
            persons.append(i)
            if office[k]:
                area, number = AREA_CODES[CITIES[p.city[i]][1]], int(local[k])
                while f"{area}{number}" in used:  # nobody else's line
                    number += 1
                used.add(f"{area}{number}")
                phone = f"{area}-{number}"
                self.office_phone[i] = phone
            else:
                phone = phone_styles(p.phone[i], 1 if plus86[k] else 0)
            rows.append([sid, p.name[i], phone, at_seconds(self.start, secs).date().isoformat()])
        self._record("call_centre", "customers", persons, ids)
        return Table(["customer_id", "full_name", "phone", "created_at"], rows, first_line=2)
