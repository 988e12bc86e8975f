"""The identity trap set: a small synthetic ``customers`` table with identity traps planted and
labelled, and per-trap pair precision and recall of a resolution against it.

:func:`trap_records` makes 3,498 customer rows of four sales channels in well under a
second (one seeded ``numpy`` stream, no clock: the same seed gives the same frames). Every
person belongs to exactly one trap; ``truth`` says who is who (``person_id``), which trap the
person was planted for (``trap``) and the planted unit (``group``: a household, a pair, the
crowd of namesakes). Names (in 汉字 and in pinyin syllables), phones, e-mails and birth dates
are unique per person unless a trap shares them (WeChat nicknames may repeat), so traps do not
disturb each other; birth dates in particular never coincide between two people.

Each trap, its planted units and its same-person record pairs (:data:`TRAP_UNITS`,
:data:`TRAP_RECORDS`, :data:`TRAP_PAIRS`):

- ``ordinary`` (500 people, 1,250 pairs): one person in 1–4 channels (125 people each), every
  record with their mobile (written three ways), half the people with an e-mail on 70 % of
  their records, a birth date on 60 %. Measures recall on plain same-person links.
- ``household_same_channel`` (150 households, 100 pairs): two people, one mobile, one channel;
  different names and birth dates (both known), same city. In every third household each
  person also has a record in another channel joined to their first by their own e-mail; in
  every sixth the first member's second record carries the shared mobile too (three records
  on it, two of them one person: the transitive trap).
- ``household_cross_channel`` (100 households, 68 pairs): the same with the two people in two
  channels.
- ``household_shared_email`` (60 households, 40 pairs): two people, one e-mail, each their own
  mobile (one channel for even units, two for odd ones); every third household adds a second
  record per person joined by their own mobile (every sixth: the first member's carries the
  shared e-mail too).
- ``namesake`` (60 pairs of people, 0 pairs): same name and city, own mobiles, different birth
  dates (even units) or one unknown (odd units).
- ``homophone`` (60 pairs of people, 0 pairs): names of other characters read alike
  (章伟 / 张伟 style: 许 / 徐, 佳 / 嘉, 静 / 晶 ...; the same toneless pinyin), same city, own
  mobiles, different birth dates (even units) or one unknown (odd units).
- ``common_name_city`` (1 crowd, 0 pairs): 40 people called 张伟 in 上海, 10 per channel, own
  mobiles, half without a birth date.
- ``masked_lookalike`` (60 pairs of people, 0 pairs): two records carrying only the same masked
  phone (``139****1234``), a masked name (``王*``; ``王*`` / ``王**`` for odd units) and the city.
- ``gmail_alias`` (60 people, 60 pairs): ``given.family7+shop@gmail.com`` with mobile and name,
  and ``GivenFamily7@GoogleMail.com`` with nothing else but the city.
- ``hanzi_pinyin`` (60 people, 60 pairs): 张晓明 with a mobile and ``Zhang Xiaoming`` with
  their own e-mail (city in English for even units), same birth date and city.
- ``traditional_simplified`` (60 people, 60 pairs): 韩峰宇 (mobile) and 韓峰宇 (own e-mail),
  same birth date and city; :data:`SIMPLIFIED_TO_TRADITIONAL` writes the traditional form.
- ``name_order`` (60 people, 60 pairs): ``Zhao Hua`` (mobile) and ``Hua Zhao`` (own e-mail),
  same birth date and city.
- ``phone_formats`` (60 people, 180 pairs): three channels, the mobile written
  ``0086 139 1234 5678``, ``(+86) 139-1234-5678`` and in full-width digits; same name, no
  birth date.

Three more guard the recall of real same-person links sharing a phone, where the names only
*look* different (a household rule must not split them):

- ``nickname_shared_phone`` (60 people, 60 pairs): a real name with mobile and birth date, and
  a WeChat record with a nickname (``小鱼儿🐟``, ``快乐的柠檬``) and the same mobile, no birth date.
- ``masked_name_shared_phone`` (60 people, 60 pairs): a real name with mobile and birth date,
  and a Tmall record with the name masked (``林**``) and the same mobile, no birth date.
- ``script_variant_shared_phone`` (60 people, 60 pairs): two accounts in one channel with the
  same mobile: 张晓明 with a birth date, and ``Zhang Xiaoming`` (even units) or the traditional
  form (odd units) without one.

*pairs* counts the same-person record pairs (:data:`TRAP_PAIRS`); the different-person traps
have none and are measured by precision only. No record is a call-centre record, so no
``shared_id`` key links anything.

:func:`resolve_traps` resolves the rows as the workspace would (:func:`~cimlab.identity.source_records`
then :func:`~cimlab.identity.resolve_records` with the fuzzy pass on) and :func:`trap_scores`
scores a resolution per trap; :func:`trap_report` does all three.

Examples
--------
>>> customers, truth = trap_records()
>>> customers.height, truth["trap"].n_unique()
(3498, 16)
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cimlab.demo.formatting import masked_name
from cimlab.demo.vocabulary import (
    CITIES,
    GIVEN_FEMALE,
    GIVEN_MALE,
    NICK_HEAD,
    NICK_TAIL,
    PHONE_PREFIXES,
    SURNAMES,
    WECHAT_NICKNAMES,
)
from cimlab.identity.settings import PLACEHOLDER_PHONES

if TYPE_CHECKING:
    from cimlab.identity.link import Resolution
    from cimlab.identity.settings import IdentitySettings

__all__ = [
    "SIMPLIFIED_TO_TRADITIONAL",
    "TRAPS",
    "TRAP_PAIRS",
    "TRAP_RECORDS",
    "TRAP_UNITS",
    "resolve_traps",
    "trap_records",
    "trap_report",
    "trap_scores",
]

#: The traps, in report order.
TRAPS: tuple[str, ...] = (
    "ordinary",
    "household_same_channel",
    "household_cross_channel",
    "household_shared_email",
    "namesake",
    "homophone",
    "common_name_city",
    "masked_lookalike",
    "gmail_alias",
    "hanzi_pinyin",
    "traditional_simplified",
    "name_order",
    "phone_formats",
    "nickname_shared_phone",
    "masked_name_shared_phone",
    "script_variant_shared_phone",
)
#: Planted units per trap (people, households, pairs; one crowd of namesakes).
TRAP_UNITS: dict[str, int] = {
    "ordinary": 500,
    "household_same_channel": 150,
    "household_cross_channel": 100,
    "household_shared_email": 60,
    "namesake": 60,
    "homophone": 60,
    "common_name_city": 1,
    "masked_lookalike": 60,
    "gmail_alias": 60,
    "hanzi_pinyin": 60,
    "traditional_simplified": 60,
    "name_order": 60,
    "phone_formats": 60,
    "nickname_shared_phone": 60,
    "masked_name_shared_phone": 60,
    "script_variant_shared_phone": 60,
}
#: Records per trap.
TRAP_RECORDS: dict[str, int] = {
    "ordinary": 1250,
    "household_same_channel": 400,
    "household_cross_channel": 268,
    "household_shared_email": 160,
    "namesake": 120,
    "homophone": 120,
    "common_name_city": 40,
    "masked_lookalike": 120,
    "gmail_alias": 120,
    "hanzi_pinyin": 120,
    "traditional_simplified": 120,
    "name_order": 120,
    "phone_formats": 180,
    "nickname_shared_phone": 120,
    "masked_name_shared_phone": 120,
    "script_variant_shared_phone": 120,
}
#: Same-person record pairs per trap.
TRAP_PAIRS: dict[str, int] = {
    "ordinary": 1250,
    "household_same_channel": 100,
    "household_cross_channel": 68,
    "household_shared_email": 40,
    "namesake": 0,
    "homophone": 0,
    "common_name_city": 0,
    "masked_lookalike": 0,
    "gmail_alias": 60,
    "hanzi_pinyin": 60,
    "traditional_simplified": 60,
    "name_order": 60,
    "phone_formats": 180,
    "nickname_shared_phone": 60,
    "masked_name_shared_phone": 60,
    "script_variant_shared_phone": 60,
}
#: Traditional forms of the simplified characters of the demo's names that have one (the
#: standard Taiwan forms; 艷 is also common for 艳). Characters missing here are written the
#: same in both scripts (王, 周, 林, 明 ...).
SIMPLIFIED_TO_TRADITIONAL: dict[str, str] = {
    "张": "張", "陈": "陳", "刘": "劉", "黄": "黃", "赵": "趙", "吴": "吳", "杨": "楊",
    "孙": "孫", "马": "馬", "郑": "鄭", "罗": "羅", "谢": "謝", "许": "許", "韩": "韓",
    "冯": "馮", "邓": "鄧", "萧": "蕭", "蒋": "蔣", "叶": "葉", "苏": "蘇", "吕": "呂",
    "欧": "歐", "伟": "偉", "军": "軍", "杰": "傑", "涛": "濤", "鹏": "鵬", "辉": "輝",
    "刚": "剛", "国": "國", "华": "華", "东": "東", "泽": "澤", "凯": "凱", "强": "強",
    "轩": "軒", "丽": "麗", "艳": "豔", "颖": "穎", "梦": "夢", "瑶": "瑤", "诗": "詩",
    "兰": "蘭", "红": "紅", "晓": "曉", "静": "靜",
}  # fmt: skip

_SALES = ("online_shop", "tmall", "wechat", "offline_store")
_ID_PREFIX = {"online_shop": "", "tmall": "tb", "wechat": "o", "offline_store": "08"}
_DOMAINS = ("qq.com", "163.com", "126.com", "outlook.com", "sina.com", "foxmail.com")
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# a generated mobile must not look like a placeholder the over-merge guard blocks
_PLACEHOLDER = re.compile("|".join(f"(?:{p})" for p in PLACEHOLDER_PHONES))
_COMMON_NAME = ("张伟", "wei zhang")


def _sounds(pairs: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, ...]]:
    """Character → the other characters of the vocabulary read alike (toneless pinyin)."""
    by_sound: dict[str, list[str]] = {}
    for char, sound in dict(pairs).items():
        by_sound.setdefault(sound, []).append(char)
    return {c: tuple(o for o in chars if o != c) for chars in by_sound.values() for c in chars}


_SURNAME_SOUNDS = _sounds(tuple((s, py) for s, py, _ in SURNAMES if len(s) == 1))
_GIVEN_SOUNDS = _sounds(GIVEN_MALE + GIVEN_FEMALE)


class _Names:
    """Unique Chinese names (no two people share the characters or the pinyin syllables)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.weights = np.array([w for _, _, w in SURNAMES]) / sum(w for _, _, w in SURNAMES)
        self.seen_hanzi: set[str] = {_COMMON_NAME[0]}
        self.seen_pinyin: set[str] = {_COMMON_NAME[1]}

    def draw(self, *, traditional: bool = False) -> tuple[str, str, str]:
        """``(hanzi, family pinyin, given pinyin)``, e.g. ``("张晓明", "Zhang", "Xiaoming")``."""
        while True:
            if traditional:
                pool = [i for i, s in enumerate(SURNAMES) if s[0][0] in SIMPLIFIED_TO_TRADITIONAL]
                p = self.weights[pool] / self.weights[pool].sum()
                sur, sur_py, _ = SURNAMES[pool[int(self.rng.choice(len(pool), p=p))]]
            else:
                sur, sur_py, _ = SURNAMES[int(self.rng.choice(len(SURNAMES), p=self.weights))]
            given_pool = GIVEN_MALE if self.rng.random() < 0.5 else GIVEN_FEMALE
            size = 1 if self.rng.random() < 0.4 else 2
            given = [given_pool[int(i)] for i in self.rng.choice(len(given_pool), size)]
            hanzi = sur + "".join(g for g, _ in given)
            syllables = " ".join(sorted([sur_py, *(py for _, py in given)]))
            if hanzi in self.seen_hanzi or syllables in self.seen_pinyin:
                continue
            self.seen_hanzi.add(hanzi)
            self.seen_pinyin.add(syllables)
            given_py = "".join(py for _, py in given)
            return hanzi, sur_py.capitalize(), given_py.capitalize()

    def homophone(self, name: str) -> str | None:
        """Another unused name of ``name``'s sound (one character swapped), or None."""
        sur = 2 if name[:2] in {s for s, _, _ in SURNAMES} else 1
        options = [
            name[:i] + other + name[i + 1 :]
            for i, char in enumerate(name)
            for other in (_SURNAME_SOUNDS if i < sur else _GIVEN_SOUNDS).get(char, ())
            if not (sur == 2 and i < 2)
        ]
        options = [o for o in options if o not in self.seen_hanzi]
        if not options:
            return None
        chosen = options[int(self.rng.integers(len(options)))]
        self.seen_hanzi.add(chosen)
        return chosen


class _Builder:
    """Collects rows; issues people, ids, mobiles, e-mails, birth dates and cities."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.names = _Names(self.rng)
        self.rows: list[dict[str, Any]] = []
        self.truth: list[dict[str, Any]] = []
        self.people = 0
        self.ids = dict.fromkeys(_SALES, 0)
        self.phones: set[str] = set()
        self.emails = 0
        days = (dt.date(2004, 12, 31) - dt.date(1960, 1, 1)).days
        self.birth_days = iter(self.rng.permutation(days).tolist())
        city_weights = np.array([c[4] for c in CITIES], dtype=float)
        self.city_p = city_weights / city_weights.sum()

    def person(self) -> str:
        self.people += 1
        return f"P{self.people:05d}"

    def mobile(self) -> str:
        while True:
            prefix = PHONE_PREFIXES[int(self.rng.integers(len(PHONE_PREFIXES)))]
            number = prefix + f"{int(self.rng.integers(100_000_000)):08d}"
            if number not in self.phones and not _PLACEHOLDER.search("+86" + number):
                self.phones.add(number)
                return number

    def email(self, family: str, given: str) -> str:
        self.emails += 1
        domain = _DOMAINS[int(self.rng.integers(len(_DOMAINS)))]
        return f"{given.lower()}.{family.lower()}{self.emails}@{domain}"

    def birth_date(self) -> dt.date:
        return dt.date(1960, 1, 1) + dt.timedelta(days=next(self.birth_days))

    def city(self) -> tuple[str, str]:
        c = CITIES[int(self.rng.choice(len(CITIES), p=self.city_p))]
        return c[1], c[3]

    def channels(self, k: int) -> list[str]:
        return [_SALES[int(i)] for i in self.rng.permutation(len(_SALES))[:k]]

    def add(self, trap: str, group: int, person: str, channel: str, **values: Any) -> None:
        self.ids[channel] += 1
        sid = f"{_ID_PREFIX[channel]}{self.ids[channel]:07d}"
        row = {"channel": channel, "source_customer_id": sid, "name": None, "phone": None}
        row |= {"email": None, "birth_date": None, "city": None} | values
        self.rows.append(row)
        self.truth.append(
            {
                "channel": channel,
                "source_customer_id": sid,
                "person_id": person,
                "trap": trap,
                "group": f"{trap}/{group:03d}",
            }
        )


def _ordinary(b: _Builder) -> None:
    for i in range(TRAP_UNITS["ordinary"]):
        person, (name, fam, giv), phone = b.person(), b.names.draw(), b.mobile()
        email = b.email(fam, giv) if b.rng.random() < 0.5 else None
        birth, (city, _) = b.birth_date(), b.city()
        for channel in b.channels(1 + i % 4):
            style = int(b.rng.integers(3))
            written = (phone, f"{phone[:3]} {phone[3:7]} {phone[7:]}", "+86" + phone)[style]
            b.add(
                "ordinary",
                i,
                person,
                channel,
                name=name,
                phone=written,
                email=email if email and b.rng.random() < 0.7 else None,
                birth_date=birth if b.rng.random() < 0.6 else None,
                city=city,
            )


def _households(b: _Builder, trap: str) -> None:
    """Two people of one home sharing a mobile (or, for ``household_shared_email``, an e-mail)."""
    by_email = trap == "household_shared_email"
    for i in range(TRAP_UNITS[trap]):
        city, _ = b.city()
        shared_phone, shared_email = b.mobile(), f"home{b.rng.integers(10**6):06d}.{i}@163.com"
        one_channel = trap == "household_same_channel" or (by_email and i % 2 == 0)
        first, other = b.channels(2)
        for member in range(2):
            person, (name, fam, giv), birth = b.person(), b.names.draw(), b.birth_date()
            own_phone, own_email = b.mobile(), b.email(fam, giv)
            channel = first if one_channel or member == 0 else other
            b.add(
                trap,
                i,
                person,
                channel,
                name=name,
                phone=own_phone if by_email else shared_phone,
                email=shared_email if by_email else own_email,
                birth_date=birth,
                city=city,
            )
            if i % 3 == 0:  # a second record of the same person, joined by their own key
                second = next(c for c in b.channels(4) if c not in (first, other))
                # every sixth household: the first member's second record also carries the
                # shared key, which then sits on three records (the transitive trap)
                both = i % 6 == 0 and member == 0
                b.add(
                    trap,
                    i,
                    person,
                    second,
                    name=name,
                    phone=own_phone if by_email else (shared_phone if both else None),
                    email=(shared_email if both else None) if by_email else own_email,
                    birth_date=birth,
                    city=city,
                )


def _different_people(b: _Builder) -> None:
    for i in range(TRAP_UNITS["namesake"]):
        (name, _, _), (city, _) = b.names.draw(), b.city()
        for member, channel in enumerate(b.channels(2)):
            birth = None if i % 2 == 1 and member == 1 else b.birth_date()
            b.add(
                "namesake",
                i,
                b.person(),
                channel,
                name=name,
                phone=b.mobile(),
                city=city,
                birth_date=birth,
            )
    for i in range(TRAP_UNITS["homophone"]):
        other = None
        while other is None:
            name = b.names.draw()[0]
            other = b.names.homophone(name)
        city = b.city()[0]
        for member, (channel, written) in enumerate(zip(b.channels(2), (name, other), strict=True)):
            birth = None if i % 2 == 1 and member == 1 else b.birth_date()
            b.add(
                "homophone",
                i,
                b.person(),
                channel,
                name=written,
                phone=b.mobile(),
                city=city,
                birth_date=birth,
            )
    for k in range(40):
        birth = b.birth_date() if k % 2 == 0 else None
        b.add(
            "common_name_city",
            0,
            b.person(),
            _SALES[k % 4],
            name="张伟",
            phone=b.mobile(),
            birth_date=birth,
            city="上海",
        )
    for i in range(TRAP_UNITS["masked_lookalike"]):
        (name, _, _), (city, _), phone = b.names.draw(), b.city(), b.mobile()
        masked_phone = phone[:3] + "****" + phone[-4:]
        for member, channel in enumerate(b.channels(2)):
            masked_name = name[0] + ("*" if member == 0 or i % 2 == 0 else "**")
            b.add(
                "masked_lookalike",
                i,
                b.person(),
                channel,
                name=masked_name,
                phone=masked_phone,
                city=city,
            )


def _same_person_pairs(b: _Builder) -> None:
    for i in range(TRAP_UNITS["gmail_alias"]):
        person, (name, fam, giv), (city, _) = b.person(), b.names.draw(), b.city()
        c1, c2 = b.channels(2)
        b.emails += 1
        dotted = f"{giv.lower()}.{fam.lower()}{b.emails}+shop@gmail.com"
        plain = f"{giv}{fam}{b.emails}@GoogleMail.com"
        b.add("gmail_alias", i, person, c1, name=name, phone=b.mobile(), email=dotted, city=city)
        b.add("gmail_alias", i, person, c2, email=plain, city=city)
    for trap in ("hanzi_pinyin", "traditional_simplified", "name_order"):
        for i in range(TRAP_UNITS[trap]):
            person, birth, (city, city_en) = b.person(), b.birth_date(), b.city()
            name, fam, giv = b.names.draw(traditional=trap == "traditional_simplified")
            first, second, city2 = name, name, city
            if trap == "hanzi_pinyin":
                second, city2 = f"{fam} {giv}", city_en if i % 2 == 0 else city
            elif trap == "traditional_simplified":
                second = "".join(SIMPLIFIED_TO_TRADITIONAL.get(ch, ch) for ch in name)
            else:
                first, second = f"{fam} {giv}", f"{giv} {fam}"
            c1, c2 = b.channels(2)
            b.add(trap, i, person, c1, name=first, phone=b.mobile(), birth_date=birth, city=city)
            b.add(
                trap,
                i,
                person,
                c2,
                name=second,
                email=b.email(fam, giv),
                birth_date=birth,
                city=city2,
            )
    for i in range(TRAP_UNITS["phone_formats"]):
        person, (name, _, _), (city, _), phone = b.person(), b.names.draw(), b.city(), b.mobile()
        spaced = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
        written = [
            f"0086 {spaced}",
            f"(+86) {phone[:3]}-{phone[3:7]}-{phone[7:]}",
            phone.translate(_FULL_WIDTH),
        ]
        for k, channel in enumerate(b.channels(3)):
            b.add(
                "phone_formats",
                i,
                person,
                channel,
                name=name,
                phone=written[(i + k) % 3],
                city=city,
            )


def _shared_phone_same_person(b: _Builder) -> None:
    nicknames = [*WECHAT_NICKNAMES, *(h + t for h in NICK_HEAD for t in NICK_TAIL)]
    for trap in (
        "nickname_shared_phone",
        "masked_name_shared_phone",
        "script_variant_shared_phone",
    ):
        for i in range(TRAP_UNITS[trap]):
            person, birth, (city, _) = b.person(), b.birth_date(), b.city()
            name, fam, giv = b.names.draw(traditional=trap == "script_variant_shared_phone")
            phone = b.mobile()
            if trap == "nickname_shared_phone":
                c1 = next(c for c in b.channels(4) if c != "wechat")
                c2, second = "wechat", nicknames[int(b.rng.integers(len(nicknames)))]
            elif trap == "masked_name_shared_phone":
                c1 = next(c for c in b.channels(4) if c != "tmall")
                c2, second = "tmall", masked_name(name)
            else:
                c1 = c2 = b.channels(1)[0]
                traditional = "".join(SIMPLIFIED_TO_TRADITIONAL.get(ch, ch) for ch in name)
                second = f"{fam} {giv}" if i % 2 == 0 else traditional
            b.add(trap, i, person, c1, name=name, phone=phone, birth_date=birth, city=city)
            b.add(trap, i, person, c2, name=second, phone=phone, city=city)


def trap_records(*, seed: int = 14) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The trap set: ``(customers, truth)``.

    Parameters
    ----------
    seed
        Seed of the one random stream; the same seed gives the same frames.

    Returns
    -------
    tuple of pl.DataFrame
        ``customers`` in the canonical table's shape (``channel, source_customer_id, name,
        phone, email, birth_date, city``; phones and e-mails as a channel writes them, masked
        ones included), for :func:`~cimlab.identity.source_records`; ``truth`` with
        ``channel, source_customer_id, person_id, trap, group``.

    Examples
    --------
    >>> customers, truth = trap_records()
    >>> truth.filter(pl.col("group") == "hanzi_pinyin/000").join(
    ...     customers, on=["channel", "source_customer_id"])["name"].to_list()
    ['孙玥芳', 'Sun Yuefang']
    """
    b = _Builder(seed)
    _ordinary(b)
    for trap in ("household_same_channel", "household_cross_channel", "household_shared_email"):
        _households(b, trap)
    _different_people(b)
    _same_person_pairs(b)
    _shared_phone_same_person(b)
    customers = pl.DataFrame(
        b.rows,
        schema={
            "channel": pl.String(),
            "source_customer_id": pl.String(),
            "name": pl.String(),
            "phone": pl.String(),
            "email": pl.String(),
            "birth_date": pl.Date(),
            "city": pl.String(),
        },
    )
    truth = pl.DataFrame(
        b.truth,
        schema={
            "channel": pl.String(),
            "source_customer_id": pl.String(),
            "person_id": pl.String(),
            "trap": pl.String(),
            "group": pl.String(),
        },
    )
    return customers, truth


def resolve_traps(
    customers: pl.DataFrame, *, settings: IdentitySettings | None = None
) -> Resolution:
    """Resolve the trap set as a workspace would: source records, then the fuzzy pass on.

    Examples
    --------
    >>> customers, truth = trap_records()
    >>> alias = customers.join(truth.filter(pl.col("group") == "gmail_alias/000"),
    ...                        on=["channel", "source_customer_id"], how="semi")
    >>> alias["email"].to_list()
    ['yihua.zhou851+shop@gmail.com', 'YihuaZhou851@GoogleMail.com']
    >>> resolve_traps(alias).map["customer_id"].n_unique()
    1
    """
    from cimlab.identity.link import resolve_records
    from cimlab.identity.records import source_records

    records = source_records({"customers": customers})
    return resolve_records(records, settings=settings, fuzzy=True)


def _pairs(n: pl.Expr) -> pl.Expr:
    return n.cast(pl.Int64) * (n.cast(pl.Int64) - 1) // 2


def _scores_by_trap(joined: pl.DataFrame, review: pl.DataFrame) -> pl.DataFrame:
    customer = joined.group_by("customer_id").agg(n=pl.len())
    predicted = (
        joined.group_by("customer_id", "trap")
        .agg(n_t=pl.len())
        .join(customer, on="customer_id")
        # pairs of one customer with at least one record of the trap
        .group_by("trap")
        .agg(predicted_pairs=(_pairs(pl.col("n")) - _pairs(pl.col("n") - pl.col("n_t"))).sum())
    )
    correct = (
        joined.group_by("customer_id", "person_id", "trap")
        .len()
        .group_by("trap")
        .agg(correct_pairs=_pairs(pl.col("len")).sum())
    )
    true = (
        joined.group_by("person_id", "trap")
        .len()
        .group_by("trap")
        .agg(records=pl.col("len").sum(), pairs=_pairs(pl.col("len")).sum())
    )
    touching = pl.concat(
        [
            review.select("pair", "same_person", trap="trap_a"),
            review.select("pair", "same_person", trap="trap_b"),
        ]
    ).unique()
    reviewed = touching.group_by("trap").agg(
        review_pairs=pl.len(), reviewed_true=pl.col("same_person").sum().cast(pl.Int64)
    )
    return (
        true.join(predicted, on="trap", how="left")
        .join(correct, on="trap", how="left")
        .join(reviewed, on="trap", how="left")
        .with_columns(pl.col(pl.Int64, pl.UInt32).fill_null(0))
    )


def trap_scores(
    resolution: Resolution | pl.DataFrame,
    truth: pl.DataFrame,
    *,
    review: pl.DataFrame | None = None,
    households: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Pair precision and recall per trap, how many same-person pairs wait in review, and the
    households found.

    Parameters
    ----------
    resolution
        A :class:`~cimlab.identity.Resolution` (its ``map`` and ``review``), or a map frame
        ``channel, source_customer_id, customer_id``.
    truth
        ``channel, source_customer_id, person_id, trap`` (:func:`trap_records`); a person
        belongs to one trap.
    review
        Review proposals (``channel_a, source_customer_id_a, channel_b,
        source_customer_id_b``) when ``resolution`` is a frame; ignored otherwise.
    households
        ``customer_id, household_id`` when ``resolution`` is a frame (a resolution's own
        ``households`` are used when it has them); ignored otherwise.

    Returns
    -------
    pl.DataFrame
        One row per trap (in :data:`TRAPS` order, then unknown traps sorted) and ``all``:
        ``trap, records, pairs`` (same-person pairs), ``predicted_pairs`` (pairs put in one
        customer with at least one record of the trap; a record of another trap in the same
        customer makes a false pair for both traps), ``false_pairs``, ``precision``
        (1.0 when nothing was merged), ``recall`` (null without same-person pairs),
        ``to_review`` (share of the same-person pairs proposed for review, null without
        same-person pairs), ``review_pairs`` (proposals touching the trap, right or
        wrong), ``households`` (household ids among the customers of the trap's records) and
        ``households_found`` (share of the trap's planted groups of two or more people, the
        ``group`` column of ``truth``, whose people all sit in one household: 1.0 is right
        for the household traps, 0.0 for namesakes and look-alikes). Both are null without
        household information, ``households_found`` also for traps of one-person groups and
        for ``all``.

    Examples
    --------
    >>> pred = pl.DataFrame({"channel": ["a", "b", "c", "d"],
    ...                      "source_customer_id": ["1", "2", "3", "4"],
    ...                      "customer_id": ["C1", "C1", "C1", "C2"]})
    >>> truth = pred.select("channel", "source_customer_id",
    ...                     person_id=pl.Series(["P1", "P1", "P2", "P3"]),
    ...                     trap=pl.Series(["gmail_alias"] * 2 + ["namesake"] * 2))
    >>> trap_scores(pred, truth).select("trap", "pairs", "false_pairs", "precision",
    ...                                 "recall").rows()
    [('namesake', 0, 2, 0.0, None), ('gmail_alias', 1, 2, 0.3333, 1.0), ('all', 1, 2, 0.3333, 1.0)]
    """
    keys = ["channel", "source_customer_id"]
    if isinstance(resolution, pl.DataFrame):
        mapping, proposals, homes = resolution, review, households
    else:
        mapping, proposals = resolution.map, resolution.review
        homes = getattr(resolution, "households", None)  # resolutions that link households
    t = truth.select(*keys, "person_id", "trap").unique()
    clash = t.filter(pl.len().over(keys) > 1)
    if clash.is_empty():
        clash = t.filter(pl.col("trap").n_unique().over("person_id") > 1)
    if not clash.is_empty():
        row = clash.row(0, named=True)
        raise ValueError(
            f"truth gives ({row['channel']}, {row['source_customer_id']}) several people or "
            f"person {row['person_id']!r} several traps; give one person and one trap per record."
        )
    joined = mapping.select(*keys, "customer_id").unique().join(t, on=keys)

    side = t.select(channel="channel", sid="source_customer_id", person="person_id", trap="trap")
    if proposals is None or proposals.is_empty():
        rv = pl.DataFrame(
            schema={
                "pair": pl.UInt32(),
                "same_person": pl.Boolean(),
                "trap_a": pl.String(),
                "trap_b": pl.String(),
            }
        )
    else:
        rv = (
            proposals.select(
                "channel_a", "source_customer_id_a", "channel_b", "source_customer_id_b"
            )
            .with_row_index("pair")
            .join(side, left_on=["channel_a", "source_customer_id_a"], right_on=["channel", "sid"])
            .join(
                side,
                left_on=["channel_b", "source_customer_id_b"],
                right_on=["channel", "sid"],
                suffix="_b",
            )
            .select(
                "pair",
                same_person=pl.col("person") == pl.col("person_b"),
                trap_a="trap",
                trap_b="trap_b",
            )
        )
    every = pl.lit("all")
    scores = pl.concat(
        [
            _scores_by_trap(joined, rv),
            _scores_by_trap(
                joined.with_columns(trap=every), rv.with_columns(trap_a=every, trap_b=every)
            ),
        ]
    )
    scores = scores.join(
        _household_scores(joined, truth, homes), on="trap", how="left", maintain_order="left"
    )
    order = {name: i for i, name in enumerate(TRAPS)} | {"all": len(TRAPS) + 1}
    return (
        scores.with_columns(
            false_pairs=pl.col("predicted_pairs") - pl.col("correct_pairs"),
            precision=pl.when(pl.col("predicted_pairs") > 0)
            .then(pl.col("correct_pairs") / pl.col("predicted_pairs"))
            .otherwise(1.0)
            .round(4),
            recall=pl.when(pl.col("pairs") > 0)
            .then(pl.col("correct_pairs") / pl.col("pairs"))
            .round(4),
            to_review=pl.when(pl.col("pairs") > 0)
            .then(pl.col("reviewed_true") / pl.col("pairs"))
            .round(4),
            rank=pl.col("trap").replace_strict(order, default=len(TRAPS), return_dtype=pl.Int64),
        )
        .sort("rank", "trap")
        .select(
            "trap",
            pl.col("records").cast(pl.Int64),
            pl.col("pairs").cast(pl.Int64),
            pl.col("predicted_pairs").cast(pl.Int64),
            pl.col("false_pairs").cast(pl.Int64),
            "precision",
            "recall",
            "to_review",
            pl.col("review_pairs").cast(pl.Int64),
            pl.col("households").cast(pl.Int64),
            pl.col("households_found").round(4),
        )
    )


def _household_scores(
    joined: pl.DataFrame, truth: pl.DataFrame, homes: pl.DataFrame | None
) -> pl.DataFrame:
    """``trap, households, households_found`` (see :func:`trap_scores`), ``all`` included."""
    if homes is None:
        return pl.DataFrame(
            schema={"trap": pl.String(), "households": pl.Int64(), "households_found": pl.Float64()}
        )
    by_customer = homes.select("customer_id", "household_id").unique()
    placed = joined.join(by_customer, on="customer_id")
    counted = pl.concat(
        [
            joined.select("trap")
            .unique()
            .join(
                placed.group_by("trap").agg(households=pl.col("household_id").n_unique()),
                on="trap",
                how="left",
            ),
            pl.DataFrame({"trap": ["all"], "households": [placed["household_id"].n_unique()]}),
        ],
        how="vertical_relaxed",
    ).with_columns(pl.col("households").fill_null(0).cast(pl.Int64))
    if "group" not in truth.columns:
        return counted.with_columns(households_found=pl.lit(None, dtype=pl.Float64))
    group = truth.select("channel", "source_customer_id", "group").unique()
    placed = placed.join(group, on=["channel", "source_customer_id"])
    planted = (
        joined.join(group, on=["channel", "source_customer_id"])
        .group_by("trap", "group")
        .agg(people=pl.col("person_id").n_unique())
        .filter(pl.col("people") >= 2)
    )
    found = (
        placed.group_by("trap", "group", "household_id")
        .agg(people=pl.col("person_id").n_unique())
        .join(planted, on=["trap", "group", "people"])
        .select("trap", "group")
        .unique()
        .group_by("trap")
        .len("found")
    )
    share = (
        planted.group_by("trap")
        .len("planted")
        .join(found, on="trap", how="left")
        .select("trap", households_found=pl.col("found").fill_null(0) / pl.col("planted"))
    )
    return counted.join(share, on="trap", how="left")


def trap_report(*, seed: int = 14, settings: IdentitySettings | None = None) -> pl.DataFrame:
    """:func:`trap_scores` of :func:`resolve_traps` on :func:`trap_records` (``seed``).

    Examples
    --------
    >>> report = trap_report()
    >>> report.columns[:6]
    ['trap', 'records', 'pairs', 'predicted_pairs', 'false_pairs', 'precision']
    >>> report.filter(pl.col("trap") == "phone_formats").select("pairs", "recall").row(0)
    (180, 1.0)
    >>> report.filter(pl.col("trap") == "all")["records"].item()
    3498
    """
    customers, truth = trap_records(seed=seed)
    return trap_scores(resolve_traps(customers, settings=settings), truth)
