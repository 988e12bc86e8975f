"""Contact normalisation: the one home of the rules that turn contact data into match keys.

Every rule has a scalar form for one value (``str | None`` in, ``str | None`` out) and, where
columns need it, a vectorised Polars twin (``*_expr``) giving the same answer; the scalar form
runs the twin on one value, so the two cannot drift apart.

- e-mail: :func:`canonical_email` trims, lower-cases (:func:`cimlab.ingest.parsing.normalize_email`)
  and applies :data:`EMAIL_PROVIDER_RULES` (Gmail ignores dots and ``+tags``; googlemail.com is
  gmail.com). Other domains keep their dots and tags.
- phone: :func:`e164` (:func:`cimlab.ingest.parsing.normalize_phone`, strict: masked and virtual
  numbers give None), :func:`cn_mobile_digits` (``+8613800138000`` → ``13800138000``),
  :func:`phone_digits_with_country` (``8613800138000``), :func:`country_from_e164`.
- names: :func:`split_name` → ``(first, last)``: Chinese/Korean names family name first (with
  :data:`COMPOUND_SURNAMES`), Latin names family name last (or ``"Lee, Ann"``); masked → None.
- countries: :func:`country_iso2` reads English and Chinese spellings (:data:`COUNTRY_ALIASES`).
- hashes: :func:`sha256_hex`, :func:`md5_hex` (lower-case hex of the UTF-8 bytes).

Examples
--------
>>> canonical_email(" John.Smith+news@GoogleMail.com ")
'johnsmith@gmail.com'
>>> cn_mobile_digits(e164("138 0013 8000"))
'13800138000'
>>> split_name("欧阳娜娜"), split_name("Lee, Ann")
(('娜娜', '欧阳'), ('Ann', 'Lee'))
>>> country_iso2("中国"), country_from_e164("+85291234567")
('CN', 'HK')
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from cimlab.ingest.parsing import normalize_email, normalize_phone

__all__ = [
    "CALLING_CODES",
    "COMPOUND_SURNAMES",
    "COUNTRY_ALIASES",
    "EMAIL_PROVIDER_RULES",
    "EmailProviderRule",
    "canonical_email",
    "canonical_email_expr",
    "cn_mobile_digits",
    "cn_mobile_digits_expr",
    "country_from_e164",
    "country_from_e164_expr",
    "country_iso2",
    "country_iso2_expr",
    "e164",
    "e164_expr",
    "md5_hex",
    "md5_hex_expr",
    "phone_digits_with_country",
    "phone_digits_with_country_expr",
    "sha256_hex",
    "sha256_hex_expr",
    "split_name",
    "split_name_expr",
]


def _scalar(rule: Callable[[pl.Expr], pl.Expr], value: str | None) -> str | None:
    """Run a column rule on one value (so scalar and vectorised forms never disagree)."""
    out = pl.select(rule(pl.lit(value, dtype=pl.String)).alias("v")).item()
    return None if out is None else str(out)


def _steps(expr: pl.Expr, *steps: dict[str, pl.Expr]) -> pl.Expr:
    """A struct holding ``expr`` as field ``v`` and, step by step, the fields computed from it
    (each sub-result is computed once per row, as in :mod:`cimlab.ingest.parsing`)."""
    state = pl.struct(expr.alias("v"))
    for step in steps:
        state = state.struct.with_fields(**step)
    return state


# --------------------------------------------------------------------------- e-mail


@dataclass(frozen=True)
class EmailProviderRule:
    """How a mail provider reads the local part of its addresses.

    ``domains`` all deliver to the same mailboxes, written as ``canonical_domain``;
    ``ignores_dots``: ``j.smith`` and ``jsmith`` are one mailbox; ``ignores_plus_tag``:
    ``jsmith+news`` is ``jsmith``. ``source`` cites where the provider documents it.
    """

    domains: tuple[str, ...]
    canonical_domain: str
    ignores_dots: bool
    ignores_plus_tag: bool
    source: str


#: Providers whose addresses have several spellings. Only Gmail is listed: its rules are
#: documented by Google (Gmail Help "Dots don't matter in Gmail addresses", the ``+`` alias
#: rule, and the Customer Match / Data Manager API formatting guide: "for gmail.com and
#: googlemail.com remove all dots before the @"). Other providers (Outlook, iCloud, QQ, 163...)
#: keep dots, and their ``+`` handling is not documented as canonical, so their addresses stay
#: as written (trimmed, lower-cased). Identity resolution reuses this table.
EMAIL_PROVIDER_RULES: tuple[EmailProviderRule, ...] = (
    EmailProviderRule(
        domains=("gmail.com", "googlemail.com"),
        canonical_domain="gmail.com",
        ignores_dots=True,
        ignores_plus_tag=True,
        source="Gmail Help: dots don't matter, +alias; Google Data Manager API formatting guide",
    ),
)


def canonical_email_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`canonical_email`: trimmed, lower-cased, provider rules applied.

    Examples
    --------
    >>> s = pl.Series("e", ["A.B+x@gmail.com", "a.b+x@qq.com", "+x@gmail.com", "bad"])
    >>> s.to_frame().select(canonical_email_expr(pl.col("e")))["e"].to_list()
    ['ab@gmail.com', 'a.b+x@qq.com', None, None]
    """
    f = pl.field
    steps: list[dict[str, pl.Expr]] = [
        {"email": normalize_email(f("v"))},  # a plausible address holds exactly one @
        {"parts": f("email").str.splitn("@", 2)},
        {"local": f("parts").struct.field("field_0"), "domain": f("parts").struct.field("field_1")},
    ]
    out = f("email")
    for rule in reversed(EMAIL_PROVIDER_RULES):
        mailbox = f("local")
        if rule.ignores_plus_tag:
            mailbox = mailbox.str.splitn("+", 2).struct.field("field_0")
        if rule.ignores_dots:
            mailbox = mailbox.str.replace_all(".", "", literal=True)
        canonical = pl.when(mailbox != "").then(mailbox + "@" + rule.canonical_domain)
        out = pl.when(f("domain").is_in(list(rule.domains))).then(canonical).otherwise(out)
    result = _steps(expr, *steps, {"out": out}).struct.field("out")
    name = expr.meta.output_name(raise_if_undetermined=False)
    return result.alias(name) if name else result


def canonical_email(s: str | None) -> str | None:
    """The canonical spelling of an e-mail address, or None when it is not a plausible one.

    Trimmed and lower-cased (:func:`cimlab.ingest.parsing.normalize_email`: full-width ``＠``,
    ``mailto:`` handled), then :data:`EMAIL_PROVIDER_RULES`: for gmail.com and googlemail.com
    the dots and a ``+suffix`` of the local part are dropped and the domain is gmail.com.

    Examples
    --------
    >>> canonical_email("J.Smith+shop@googlemail.com"), canonical_email("J.Smith@163.com")
    ('jsmith@gmail.com', 'j.smith@163.com')
    >>> canonical_email("not an address") is None
    True
    """
    return _scalar(canonical_email_expr, s)


# --------------------------------------------------------------------------- phones

_E164 = r"^\+[1-9][0-9]{6,14}$"
_CN_MOBILE_E164 = r"^\+861[3-9][0-9]{9}$"


def e164_expr(expr: pl.Expr, *, default_region: str = "CN") -> pl.Expr:
    """Vectorised :func:`e164`."""
    phone = normalize_phone(expr, default_region=default_region)
    return pl.when(phone.str.contains(_E164)).then(phone)


def e164(s: str | None, default_region: str = "CN") -> str | None:
    """A phone number in E.164 (``+8613800138000``), or None.

    The rules of :func:`cimlab.ingest.parsing.normalize_phone`, strictly: platform-masked
    (``138****1234``) and virtual numbers (``132123457749-1234``) identify nobody and give None.

    Examples
    --------
    >>> e164("0086 138-0013-8000"), e164("020 7946 0958", default_region="GB")
    ('+8613800138000', '+442079460958')
    >>> e164("138****8000") is None
    True
    """
    return _scalar(lambda e: e164_expr(e, default_region=default_region), s)


def cn_mobile_digits_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`cn_mobile_digits` (input already E.164)."""
    value = expr.str.strip_chars()
    return pl.when(value.str.contains(_CN_MOBILE_E164)).then(value.str.slice(3))


def cn_mobile_digits(e164_number: str | None) -> str | None:
    """The bare 11-digit CN mobile of an E.164 number; None for landlines and other countries.

    Examples
    --------
    >>> cn_mobile_digits("+8613800138000"), cn_mobile_digits("+861012345678")
    ('13800138000', None)
    """
    return _scalar(cn_mobile_digits_expr, e164_number)


def phone_digits_with_country_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`phone_digits_with_country` (input already E.164)."""
    value = expr.str.strip_chars()
    return pl.when(value.str.contains(_E164)).then(value.str.slice(1))


def phone_digits_with_country(e164_number: str | None) -> str | None:
    """An E.164 number as digits with the country code and no ``+`` (Meta's phone key).

    Examples
    --------
    >>> phone_digits_with_country("+8613800138000"), phone_digits_with_country("138****8000")
    ('8613800138000', None)
    """
    return _scalar(phone_digits_with_country_expr, e164_number)


#: Country calling code (ITU-T E.164) → ISO 3166-1 alpha-2, for the countries of
#: :data:`COUNTRY_ALIASES`. ``1`` is the North American Numbering Plan, shared by the US,
#: Canada and Caribbean countries: it is read as ``US`` (say so when it matters). ``7`` is
#: Russia, except ``76``/``77`` (Kazakhstan).
CALLING_CODES: dict[str, str] = {
    "86": "CN", "852": "HK", "853": "MO", "886": "TW", "1": "US", "44": "GB", "81": "JP",
    "82": "KR", "65": "SG", "60": "MY", "66": "TH", "84": "VN", "62": "ID", "63": "PH",
    "91": "IN", "61": "AU", "64": "NZ", "49": "DE", "33": "FR", "39": "IT", "34": "ES",
    "31": "NL", "32": "BE", "41": "CH", "43": "AT", "46": "SE", "47": "NO", "45": "DK",
    "358": "FI", "353": "IE", "351": "PT", "48": "PL", "7": "RU", "76": "KZ", "77": "KZ",
    "90": "TR", "971": "AE", "966": "SA", "972": "IL", "55": "BR", "52": "MX", "54": "AR",
    "27": "ZA", "20": "EG", "95": "MM", "855": "KH", "856": "LA",
}  # fmt: skip


def country_from_e164_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`country_from_e164` (longest calling-code prefix first)."""
    digits = phone_digits_with_country_expr(expr)
    by_length: dict[int, dict[str, str]] = {}
    for code, iso in CALLING_CODES.items():
        by_length.setdefault(len(code), {})[code] = iso
    return pl.coalesce(
        digits.str.slice(0, n).replace_strict(codes, default=None, return_dtype=pl.String)
        for n, codes in sorted(by_length.items(), reverse=True)
    )


def country_from_e164(e164_number: str | None) -> str | None:
    """ISO 3166-1 alpha-2 of an E.164 number's calling code (:data:`CALLING_CODES`), or None.

    ``+1`` numbers give ``US`` (the code is shared with Canada and the Caribbean).

    Examples
    --------
    >>> [country_from_e164(p) for p in ["+8613800138000", "+85361234567", "+77011234567"]]
    ['CN', 'MO', 'KZ']
    """
    return _scalar(country_from_e164_expr, e164_number)


# --------------------------------------------------------------------------- countries

#: ISO 3166-1 alpha-2 → spellings (compared case-insensitively, without dots and spaces).
#: Hong Kong, Macau and Taiwan have their own ISO codes (HK, MO, TW).
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "CN": ("China", "PRC", "People's Republic of China", "Mainland China", "中国", "中国大陆", "中华人民共和国", "大陆", "CHN"),
    "HK": ("Hong Kong", "Hongkong", "Hong Kong SAR", "香港", "中国香港", "HKG"),
    "MO": ("Macau", "Macao", "澳门", "中国澳门", "MAC"),
    "TW": ("Taiwan", "台湾", "中国台湾", "TWN"),
    "US": ("USA", "United States", "United States of America", "America", "美国", "U.S."),
    "GB": ("UK", "United Kingdom", "Great Britain", "Britain", "England", "英国", "GBR"),
    "JP": ("Japan", "日本", "JPN"),
    "KR": ("South Korea", "Korea", "Republic of Korea", "韩国", "KOR"),
    "SG": ("Singapore", "新加坡", "SGP"),
    "MY": ("Malaysia", "马来西亚", "MYS"),
    "TH": ("Thailand", "泰国", "THA"),
    "VN": ("Vietnam", "Viet Nam", "越南", "VNM"),
    "ID": ("Indonesia", "印度尼西亚", "印尼", "IDN"),
    "PH": ("Philippines", "菲律宾", "PHL"),
    "IN": ("India", "印度", "IND"),
    "AU": ("Australia", "澳大利亚", "澳洲", "AUS"),
    "NZ": ("New Zealand", "新西兰", "NZL"),
    "CA": ("Canada", "加拿大", "CAN"),
    "DE": ("Germany", "Deutschland", "德国", "DEU"),
    "FR": ("France", "法国", "FRA"),
    "IT": ("Italy", "意大利", "ITA"),
    "ES": ("Spain", "西班牙", "ESP"),
    "NL": ("Netherlands", "Holland", "荷兰", "NLD"),
    "BE": ("Belgium", "比利时", "BEL"),
    "CH": ("Switzerland", "瑞士", "CHE"),
    "AT": ("Austria", "奥地利", "AUT"),
    "SE": ("Sweden", "瑞典", "SWE"),
    "NO": ("Norway", "挪威", "NOR"),
    "DK": ("Denmark", "丹麦", "DNK"),
    "FI": ("Finland", "芬兰", "FIN"),
    "IE": ("Ireland", "爱尔兰", "IRL"),
    "PT": ("Portugal", "葡萄牙", "PRT"),
    "PL": ("Poland", "波兰", "POL"),
    "RU": ("Russia", "Russian Federation", "俄罗斯", "RUS"),
    "KZ": ("Kazakhstan", "哈萨克斯坦", "KAZ"),
    "TR": ("Turkey", "Türkiye", "土耳其", "TUR"),
    "AE": ("United Arab Emirates", "UAE", "阿联酋", "阿拉伯联合酋长国", "ARE"),
    "SA": ("Saudi Arabia", "沙特阿拉伯", "沙特", "SAU"),
    "IL": ("Israel", "以色列", "ISR"),
    "BR": ("Brazil", "巴西", "BRA"),
    "MX": ("Mexico", "墨西哥", "MEX"),
    "AR": ("Argentina", "阿根廷", "ARG"),
    "ZA": ("South Africa", "南非", "ZAF"),
    "EG": ("Egypt", "埃及", "EGY"),
    "MM": ("Myanmar", "Burma", "缅甸", "MMR"),
    "KH": ("Cambodia", "柬埔寨", "KHM"),
    "LA": ("Laos", "老挝", "LAO"),
}  # fmt: skip


def _country_key(expr: pl.Expr) -> pl.Expr:
    """Lower case, a leading "the " dropped, then no spaces, dots, dashes or apostrophes."""
    lowered = expr.str.strip_chars().str.to_lowercase().str.replace(r"^the\s+", "")
    return lowered.str.replace_all(r"[\s.\-_'’]", "")


def _country_key_str(value: str) -> str:
    lowered = re.sub(r"^the\s+", "", value.strip().lower())
    return re.sub(r"[\s.\-_'’]", "", lowered)


_COUNTRY_LOOKUP: dict[str, str] = {iso.lower(): iso for iso in COUNTRY_ALIASES} | {
    _country_key_str(alias): iso for iso, aliases in COUNTRY_ALIASES.items() for alias in aliases
}


def country_iso2_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`country_iso2`."""
    return _country_key(expr).replace_strict(_COUNTRY_LOOKUP, default=None, return_dtype=pl.String)


def country_iso2(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 (upper case) of a country written in English, Chinese or ISO; or None.

    Examples
    --------
    >>> [country_iso2(v) for v in ["cn", "P.R.C.", "香港", "the United Kingdom", "Narnia"]]
    ['CN', 'CN', 'HK', 'GB', None]
    """
    return _scalar(country_iso2_expr, value)


# --------------------------------------------------------------------------- names

#: Chinese two-character (compound) family names; any other Chinese name has a one-character
#: family name. A name starting with one of these is split after its second character.
COMPOUND_SURNAMES: tuple[str, ...] = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "令狐", "钟离", "澹台", "申屠", "闻人", "端木", "西门", "南宫",
    "百里", "呼延", "独孤", "太史", "万俟", "濮阳", "赫连", "司空", "第五", "拓跋", "淳于",
)  # fmt: skip

_CJK_NAME = r"^[\p{Han}\p{Hangul}]+$"


def split_name_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`split_name`: a struct with fields ``first`` and ``last``.

    Examples
    --------
    >>> s = pl.Series("n", ["上官婉儿", "Ann Lee", "J***"])
    >>> s.to_frame().select(split_name_expr(pl.col("n"))).to_series().to_list()
    [{'first': '婉儿', 'last': '上官'}, {'first': 'Ann', 'last': 'Lee'}, {'first': None, 'last': None}]
    """
    f = pl.field
    compact, words, comma = f("compact"), f("words"), f("comma")
    state = _steps(
        expr.cast(pl.String),
        {"name": f("v").str.strip_chars().str.replace_all(r"\s+", " ")},
        {"compact": f("name").str.replace_all(" ", "", literal=True)},
        {
            "usable": (f("name") != "") & ~f("name").str.contains_any(["*", "＊"]),
            "cjk": f("compact").str.contains(_CJK_NAME),
            "has_comma": f("name").str.contains(",", literal=True),
            "single": ~f("name").str.contains_any([",", " "]),
            "family_len": pl.when(f("compact").str.slice(0, 2).is_in(list(COMPOUND_SURNAMES)))
            .then(2)
            .otherwise(1),
            "comma": f("name").str.splitn(",", 2),
            "words": f("name").str.split(" "),
        },
        {
            "first": pl.when(f("cjk"))
            .then(compact.str.slice(f("family_len")))
            .when(f("has_comma"))
            .then(comma.struct.field("field_1").str.strip_chars())
            .when(f("single"))
            .then(f("name"))
            .otherwise(words.list.slice(0, words.list.len() - 1).list.join(" ")),
            "last": pl.when(f("cjk"))
            .then(compact.str.slice(0, f("family_len")))
            .when(f("has_comma"))
            .then(comma.struct.field("field_0").str.strip_chars())
            .when(f("single"))
            .then(pl.lit(None, dtype=pl.String))
            .otherwise(words.list.last()),
        },
        {part: pl.when(f("usable") & (f(part) != "")).then(f(part)) for part in ("first", "last")},
    )
    return state.struct.with_fields(out=pl.struct(f("first"), f("last"))).struct.field("out")


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """``(first, last)``: the given name and the family name.

    - Chinese (and Korean) names, written in Han/Hangul characters: the family name comes
      first, two characters for :data:`COMPOUND_SURNAMES`, otherwise one; the rest is the given
      name (spaces inside are ignored: ``王 小明``).
    - ``"Lee, Ann"``: family name before the comma.
    - Other names: the last word is the family name, the words before it the given name; a
      single word is a given name (last None).
    - Masked names (``林**``, ``J***``) and empty values: ``(None, None)``.

    Examples
    --------
    >>> split_name("王小明"), split_name("司马 光"), split_name("Ann Mary Lee")
    (('小明', '王'), ('光', '司马'), ('Ann Mary', 'Lee'))
    >>> split_name("林**"), split_name("Ann")
    ((None, None), ('Ann', None))
    """
    parts = pl.select(split_name_expr(pl.lit(name, dtype=pl.String)).alias("p")).item()
    return parts["first"], parts["last"]


# --------------------------------------------------------------------------- hashes


def _hash_expr(expr: pl.Expr, function: str) -> pl.Expr:
    """Hex digests of a text column by DuckDB's ``sha256``/``md5`` (vectorised C++; the same
    lower-case hex of the UTF-8 bytes as :mod:`hashlib`, which a test checks)."""

    def hashed(values: pl.Series) -> pl.Series:
        import duckdb

        from cimlab.workspace import quiet_progress

        with duckdb.connect(":memory:") as con:
            quiet_progress(con)
            con.register("cimlab_values", values.to_frame("v"))
            out = con.sql(f"SELECT {function}(v) AS h FROM cimlab_values").pl()["h"]
        return out.cast(pl.String)

    def digest(s: pl.Series) -> pl.Series:
        distinct = s.drop_nulls().unique()
        if 2 * distinct.len() > s.len():  # mostly distinct (e-mails, phones): hash them all
            return hashed(s).alias(s.name)
        # names, countries: hash each distinct value once
        return s.replace_strict(distinct, hashed(distinct), default=None, return_dtype=pl.String)

    return expr.cast(pl.String).map_batches(digest, return_dtype=pl.String)


def sha256_hex_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`sha256_hex` (null stays null)."""
    return _hash_expr(expr, "sha256")


def md5_hex_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`md5_hex` (null stays null)."""
    return _hash_expr(expr, "md5")


def sha256_hex(s: str | None) -> str | None:
    """Lower-case hex SHA-256 of the UTF-8 bytes of ``s`` (None stays None).

    Examples
    --------
    >>> sha256_hex("abc")
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    return None if s is None else hashlib.sha256(s.encode("utf-8")).hexdigest()


def md5_hex(s: str | None) -> str | None:
    """Lower-case hex MD5 of the UTF-8 bytes of ``s`` (None stays None).

    Examples
    --------
    >>> md5_hex("abc")
    '900150983cd24fb0d6963f7d28e17f72'
    """
    return None if s is None else hashlib.md5(s.encode("utf-8")).hexdigest()
