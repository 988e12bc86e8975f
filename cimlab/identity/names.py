"""Person names compared across scripts and orders: the name key of the fuzzy pass.

:func:`name_key` turns a name into a key that does not depend on its script or word order:

- 汉字 (simplified or traditional: pypinyin reads both) become toneless pinyin syllables, one per
  character, with the family-name reading of the first character (or compound surname) where it
  differs from the everyday one (曾 zeng, 单 shan, 区 ou, 仇 qiu, 解 xie, 朴 piao, ...);
- Latin names are NFKC-normalised, lower-cased, accents dropped (``ü`` is written ``v`` as
  pypinyin writes it; ``lyu``/``nyu`` become ``lv``/``nv``), split at spaces, hyphens,
  apostrophes, commas and dots;
  a word that is a run of pinyin syllables ("ZhangWei", "Xiaoming") is split into the fewest
  syllables, none but the first starting with a, e or o (pinyin writes an apostrophe there:
  "Lina" → li na, "Xian" stays one syllable, "Xi'an" is two; on a tie the longer first
  syllable); other words stay whole;
- the syllables/words are sorted and joined by one space.

So 张伟, 張偉, "Zhang Wei", "Wei ZHANG" and "ZhangWei" all give ``"wei zhang"``. The key is
``None`` for an empty, masked (:func:`is_masked_name`) or nickname-like (:func:`is_nickname`)
name. Homophones share a key (章伟 is also ``"wei zhang"``), so the fuzzy pass scores a match
of keys below a match of the same characters.

Examples
--------
>>> [name_key(n) for n in ["张伟", "張偉", "Zhang Wei", "Wei ZHANG", "ZhangWei", "曾小明"]]
['wei zhang', 'wei zhang', 'wei zhang', 'wei zhang', 'wei zhang', 'ming xiao zeng']
>>> [name_key(n) for n in ["张*", "**伟", "微信用户", "A", "🌸小美🌸", None]]
[None, None, None, None, None, None]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

import polars as pl

__all__ = [
    "is_masked_name",
    "is_nickname",
    "name_key",
    "name_key_expr",
    "surname_pinyin",
    "surname_pinyin_expr",
]


# Characters read differently as a family name (first character of a 汉字 name only).
_SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "區": "ou", "区": "ou", "仇": "qiu", "解": "xie", "朴": "piao", "查": "zha",
    "盖": "ge", "蓋": "ge", "乐": "yue", "樂": "yue", "曾": "zeng", "覃": "qin", "缪": "miao",
    "繆": "miao", "翟": "zhai", "员": "yun", "員": "yun", "种": "chong", "召": "shao",
    "祭": "zhai", "句": "gou", "黑": "he", "隗": "wei", "长": "chang", "長": "chang",
}  # fmt: skip
# Compound family names whose reading differs from their characters' everyday readings.
_COMPOUND_READINGS: dict[str, tuple[str, str]] = {
    "尉迟": ("yu", "chi"), "尉遲": ("yu", "chi"), "万俟": ("mo", "qi"), "萬俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"), "長孫": ("zhang", "sun"), "单于": ("chan", "yu"),
    "單于": ("chan", "yu"), "澹台": ("tan", "tai"), "澹臺": ("tan", "tai"),
}  # fmt: skip
_COMPOUND_SURNAMES = (
    "欧阳", "歐陽", "司马", "司馬", "上官", "诸葛", "諸葛", "东方", "東方", "皇甫", "公孙",
    "公孫", "慕容", "令狐", "司徒", "夏侯", *_COMPOUND_READINGS,
)  # fmt: skip
# Words that stand in for a name (WeChat defaults, honorifics, test values).
_PLACEHOLDERS_HAN = (
    "微信用户", "用户", "匿名", "游客", "遊客", "未知", "无名", "無名", "顾客", "顧客", "客户",
    "客戶", "会员", "會員", "先生", "女士", "小姐", "测试", "測試", "亲", "親",
)  # fmt: skip
_PLACEHOLDERS_LATIN = frozenset((
    "unknown", "anonymous", "anon", "guest", "user", "customer", "member", "test", "none",
    "null", "wechat", "weixin", "mr", "mrs", "ms", "miss", "sir", "madam", "dr", "prof",
))  # fmt: skip
_MASK = re.compile(r"[*×●○?]|某")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_SEPARATORS = " ·•・.,-'’"
_LATIN_WORD = re.compile(r"[a-z]+")
# The longest 汉字 name not written with a middle dot (5 with a compound surname).
_MAX_HAN_CHARS = 4


def _normalise(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).split())


def is_masked_name(name: str | None) -> bool:
    """True for a name a platform masked (``张*``, ``**伟``, ``*``, ``王某``): it holds a mask
    character (``*``, ``＊``, ``×``, ``●``, ``○``, ``?``) or the placeholder 某.

    Examples
    --------
    >>> [is_masked_name(n) for n in ["张*", "**伟", "*", "王某", "张伟", None]]
    [True, True, True, True, False, False]
    """
    return name is not None and _MASK.search(unicodedata.normalize("NFKC", name)) is not None


def is_nickname(name: str | None) -> bool:
    """True for a nickname-like name that identifies nobody (WeChat-style display names).

    That is a name holding a digit, an emoji or any symbol other than a space, ``·``, ``.``,
    ``,``, ``-`` or an apostrophe; mixing 汉字 and Latin letters; a single 汉字 or only single Latin
    letters ("A", "Z. W."); more than 4 汉字 without a middle dot (5 with a compound surname);
    or a stand-in word (微信用户, 用户, 匿名, 游客, 未知, 客户, 会员, 先生, 女士, 小姐, 测试, 亲,
    "unknown", "guest", "user", "test", "Mr"...). Empty and masked names are not nicknames.

    Examples
    --------
    >>> [is_nickname(n) for n in ["微信用户", "🌸小美🌸", "13800138000", "A", "Amy王", "张先生"]]
    [True, True, True, True, True, True]
    >>> [is_nickname(n) for n in ["张伟", "Zhang Wei", "欧阳娜娜", "阿卜杜·热合曼", "", None]]
    [False, False, False, False, False, False]
    """
    if name is None:
        return False
    text = _normalise(name)
    if not text or is_masked_name(text):
        return False
    has_han = _HAN_RE.search(text) is not None
    latin = _LATIN_WORD.findall(_fold_latin(text))
    for ch in text:
        if ch in _SEPARATORS or _HAN_RE.match(ch):
            continue
        if not unicodedata.category(ch).startswith("L"):
            return True  # digits, emoji, symbols, punctuation
    if has_han and latin:
        return True
    if has_han:
        han = "".join(_HAN_RE.findall(text))
        if len(han) < 2 or any(p in han for p in _PLACEHOLDERS_HAN):
            return True
        limit = _MAX_HAN_CHARS + han.startswith(_COMPOUND_SURNAMES)
        return "·" not in text and "•" not in text and "・" not in text and len(han) > limit
    if latin:
        return all(len(w) == 1 for w in latin) or any(w in _PLACEHOLDERS_LATIN for w in latin)
    return False


def _fold_latin(text: str, *, u_as_v: bool = False) -> str:
    """Lower-case and accents dropped (``ü`` → ``v`` with ``u_as_v``, else ``u``)."""
    text = text.lower()
    if u_as_v:
        text = re.sub("[üǖǘǚǜ]", "v", text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (with a vowel: no m, n, ng, hm, hng)."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    readings = {r for v in pinyin_dict.values() for r in v.split(",")}
    found = {to_normal(r) for r in readings}
    return frozenset(s for s in found if s.isascii() and re.search("[aeiouv]", s))


@cache
def _reading(ch: str) -> str:
    """The everyday toneless reading of one 汉字 (pypinyin's first reading), else the character."""
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    readings = pinyin_dict.get(ord(ch))
    return to_normal(readings.split(",")[0]) if readings else ch


@cache
def _split_pinyin(word: str) -> tuple[str, ...] | None:
    """``word`` cut into the fewest pinyin syllables (ties: longer first syllable), else None.

    As in pinyin spelling, a syllable starting with a, e or o never follows another one without
    an apostrophe, so "lina" is li na (not lin a) and "xian" stays one syllable.
    """
    syllables = _syllables()
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[n] = []
    for i in range(n - 1, -1, -1):
        for j in range(min(n, i + 6), i, -1):  # longest syllable first: "zhuang" has 6 letters
            rest = best[j]
            if rest is not None and rest and rest[0][0] in "aeo":
                continue
            if rest is not None and word[i:j] in syllables:
                cand = [word[i:j], *rest]
                current = best[i]
                if current is None or len(cand) < len(current):
                    best[i] = cand
    return tuple(best[0]) if best[0] else None


def _han_syllables(han: str) -> list[str]:
    head = han[:2]
    if head in _COMPOUND_READINGS:
        return [*_COMPOUND_READINGS[head], *(_reading(c) for c in han[2:])]
    first = _SURNAME_READINGS.get(han[0]) or _reading(han[0])
    return [first, *(_reading(c) for c in han[1:])]


_PLAIN_HAN = re.compile(r"[\u4e00-\u9fff]{2,5}")
_PLAIN_LATIN = re.compile(r"[A-Za-z]+(?:[ \-][A-Za-z]+)*")
_PLACEHOLDER_HAN_RE = re.compile("|".join(_PLACEHOLDERS_HAN))


def _latin_part(word: str) -> tuple[str, ...]:
    word = {"lyu": "lv", "nyu": "nv"}.get(word, word)
    return _split_pinyin(word) or (word,)


def name_key(name: str | None) -> str | None:
    """The script- and order-independent key of a person's name (see the module docstring).

    Examples
    --------
    >>> name_key("Xiao-Ming  Wáng"), name_key("王小明"), name_key("Lyu Bu"), name_key("呂布")
    ('ming wang xiao', 'ming wang xiao', 'bu lv', 'bu lv')
    >>> name_key("Anna Smith"), name_key("尉迟恭")
    ('an na smith', 'chi gong yu')
    """
    if name is None:
        return None
    plain = name.strip()
    # Fast paths (most names): plain 汉字, or plain ASCII words; the same rules as below.
    if _PLAIN_HAN.fullmatch(plain):
        if _PLACEHOLDER_HAN_RE.search(plain) or "某" in plain:
            return None
        if len(plain) > _MAX_HAN_CHARS + plain.startswith(_COMPOUND_SURNAMES):
            return None
        return " ".join(sorted(_han_syllables(plain)))
    if _PLAIN_LATIN.fullmatch(plain):
        words = plain.lower().replace("-", " ").split()
        if all(len(w) == 1 for w in words) or any(w in _PLACEHOLDERS_LATIN for w in words):
            return None
        return " ".join(sorted(p for w in words for p in _latin_part(w)))
    return _full_key(name)


def _full_key(name: str) -> str | None:
    """:func:`name_key` without its fast paths."""
    text = _normalise(name)
    if not text or is_masked_name(text) or is_nickname(text):
        return None
    han = "".join(_HAN_RE.findall(text))
    if han:
        parts = _han_syllables(han)
    else:
        parts = []
        for raw in re.split(r"[\s·•・.,\-'’]+", text):
            if not raw:
                continue
            word = _fold_latin(raw, u_as_v=True)
            word = {"lyu": "lv", "nyu": "nv"}.get(word, word)
            split = _split_pinyin(word) if _LATIN_WORD.fullmatch(word) else None
            parts.extend(split or (_fold_latin(raw),))
    return " ".join(sorted(parts)) or None


def surname_pinyin(name: str | None) -> str | None:
    """The toneless pinyin of the first syllable of a 汉字 name's family name (its blocking
    token in the fuzzy pass), else None.

    Examples
    --------
    >>> surname_pinyin("张伟"), surname_pinyin("曾小明"), surname_pinyin("欧阳娜娜"), surname_pinyin("Li Na")
    ('zhang', 'zeng', 'ou', None)
    """
    han = "".join(_HAN_RE.findall(_normalise(name))) if name else ""
    return _han_syllables(han)[0] if han else None


def _per_distinct(expr: pl.Expr | str, fn: Callable[[str], str | None]) -> pl.Expr:
    """``fn`` over a string column, called once per distinct non-null value."""
    col = pl.col(expr) if isinstance(expr, str) else expr

    def run(values: pl.Series) -> pl.Series:
        distinct = values.drop_nulls().unique()
        mapped = pl.Series([fn(v) for v in distinct.to_list()], dtype=pl.String)
        return values.replace_strict(distinct, mapped, default=None, return_dtype=pl.String)

    return col.cast(pl.String).map_batches(run, return_dtype=pl.String, is_elementwise=True)


def surname_pinyin_expr(expr: pl.Expr | str) -> pl.Expr:
    """:func:`surname_pinyin` as a Polars expression, computed once per distinct name."""
    return _per_distinct(expr, surname_pinyin)


def name_key_expr(expr: pl.Expr | str) -> pl.Expr:
    """:func:`name_key` as a Polars expression, computed once per distinct name.

    Examples
    --------
    >>> df = pl.DataFrame({"name": ["张伟", "Wei Zhang", "张*", None, "张伟"]})
    >>> df.select(key=name_key_expr("name"))["key"].to_list()
    ['wei zhang', 'wei zhang', None, None, 'wei zhang']
    """
    return _per_distinct(expr, name_key)
