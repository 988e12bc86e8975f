"""Contact normalisation (cimlab.contacts): hand-written vectors, scalar and vectorised forms.

Hash literals were computed once in a shell with ``hashlib`` (never with the code under test).
"""

from __future__ import annotations

import random

import polars as pl
import pytest

from cimlab.contacts import (
    CALLING_CODES,
    COMPOUND_SURNAMES,
    COUNTRY_ALIASES,
    EMAIL_PROVIDER_RULES,
    canonical_email,
    canonical_email_expr,
    cn_mobile_digits,
    cn_mobile_digits_expr,
    country_from_e164,
    country_from_e164_expr,
    country_iso2,
    country_iso2_expr,
    e164,
    e164_expr,
    md5_hex,
    md5_hex_expr,
    phone_digits_with_country,
    phone_digits_with_country_expr,
    sha256_hex,
    sha256_hex_expr,
    split_name,
    split_name_expr,
)


def column(expr_rule, values: list[str | None]) -> list[str | None]:
    frame = pl.DataFrame({"x": values}, schema={"x": pl.String})
    return frame.select(expr_rule(pl.col("x")).alias("y"))["y"].to_list()


# --------------------------------------------------------------------------- e-mail

EMAILS = [
    (" John.Smith+news@GoogleMail.com ", "johnsmith@gmail.com"),
    ("j.s.m.i.t.h@gmail.com", "jsmith@gmail.com"),
    ("jsmith+a+b@gmail.com", "jsmith@gmail.com"),
    ("J.Smith+news@163.com", "j.smith+news@163.com"),  # other domains keep dots and tags
    ("Ann.Lee@outlook.com", "ann.lee@outlook.com"),
    ("mailto:bob@QQ.com", "bob@qq.com"),
    ("张三＠qq．com", "张三@qq.com"),
    ("+news@gmail.com", None),  # nothing left of the mailbox
    ("...@gmail.com", None),
    ("a@b", None),
    ("not an address", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("raw", "expected"), EMAILS)
def test_canonical_email(raw, expected):
    assert canonical_email(raw) == expected


def test_canonical_email_expr_agrees_and_keeps_name():
    raws = [raw for raw, _ in EMAILS]
    assert column(canonical_email_expr, raws) == [e for _, e in EMAILS]
    out = pl.DataFrame({"email": ["A.B@gmail.com"]}).select(canonical_email_expr(pl.col("email")))
    assert out.columns == ["email"]


def test_email_provider_rules_gmail_only_documented():
    (gmail,) = EMAIL_PROVIDER_RULES
    assert gmail.domains == ("gmail.com", "googlemail.com")
    assert gmail.canonical_domain == "gmail.com"
    assert gmail.ignores_dots and gmail.ignores_plus_tag
    assert gmail.source


# --------------------------------------------------------------------------- phones

PHONES = [
    ("13800138000", "+8613800138000", "13800138000", "8613800138000", "CN"),
    ("+86 138-0013-8000", "+8613800138000", "13800138000", "8613800138000", "CN"),
    ("0086 13912345678", "+8613912345678", "13912345678", "8613912345678", "CN"),
    ("010-12345678", "+861012345678", None, "861012345678", "CN"),  # landline: no mobile
    ("+852 9123 4567", "+85291234567", None, "85291234567", "HK"),
    ("+853 6123 4567", "+85361234567", None, "85361234567", "MO"),
    ("+886 912 345 678", "+886912345678", None, "886912345678", "TW"),
    ("+44 20 7946 0958", "+442079460958", None, "442079460958", "GB"),
    ("+1 415 555 0100", "+14155550100", None, "14155550100", "US"),
    ("+7 701 123 4567", "+77011234567", None, "77011234567", "KZ"),
    ("+7 495 123 4567", "+74951234567", None, "74951234567", "RU"),
    ("138****1234", None, None, None, None),  # masked: identifies nobody
    ("132123457749-1234", None, None, None, None),  # virtual number
    ("12345", None, None, None, None),
    (None, None, None, None, None),
]


@pytest.mark.parametrize(("raw", "full", "cn", "digits", "country"), PHONES)
def test_phone_rules(raw, full, cn, digits, country):
    assert e164(raw) == full
    assert cn_mobile_digits(full) == cn
    assert phone_digits_with_country(full) == digits
    assert country_from_e164(full) == country


def test_phone_exprs_agree_with_scalars():
    raws = [p[0] for p in PHONES]
    fulls = [p[1] for p in PHONES]
    assert column(e164_expr, raws) == fulls
    assert column(cn_mobile_digits_expr, fulls) == [p[2] for p in PHONES]
    assert column(phone_digits_with_country_expr, fulls) == [p[3] for p in PHONES]
    assert column(country_from_e164_expr, fulls) == [p[4] for p in PHONES]


def test_phone_rules_on_raw_values_do_not_guess():
    # cn_mobile_digits and phone_digits_with_country take E.164 only
    assert cn_mobile_digits("13800138000") is None
    assert cn_mobile_digits("+86138****8000") is None
    assert phone_digits_with_country("8613800138000") is None
    assert e164("020 7946 0958", default_region="GB") == "+442079460958"


def test_calling_codes_cover_the_documented_places():
    wanted = {"86": "CN", "852": "HK", "853": "MO", "886": "TW", "1": "US", "44": "GB"}
    assert wanted.items() <= CALLING_CODES.items()
    assert set(CALLING_CODES.values()) <= set(COUNTRY_ALIASES)


# --------------------------------------------------------------------------- countries

COUNTRIES = [
    ("CN", "CN"), ("cn", "CN"), ("China", "CN"), ("中国", "CN"), ("PRC", "CN"), ("P.R.C.", "CN"),
    ("中华人民共和国", "CN"), ("Hong Kong", "HK"), ("香港", "HK"), ("Taiwan", "TW"), ("台湾", "TW"),
    ("Macau", "MO"), ("Macao", "MO"), ("澳门", "MO"), ("US", "US"), ("USA", "US"), ("U.S.A.", "US"),
    ("United States", "US"), ("美国", "US"), ("UK", "GB"), ("GB", "GB"), ("United Kingdom", "GB"),
    ("the United Kingdom", "GB"), ("英国", "GB"), ("日本", "JP"), ("South Korea", "KR"),
    ("新加坡", "SG"), ("Deutschland", "DE"), ("德国", "DE"), ("  france ", "FR"), ("加拿大", "CA"),
    ("澳大利亚", "AU"), ("Thailand", "TH"), ("泰国", "TH"), ("The Netherlands", "NL"),
    ("Narnia", None), ("", None), (None, None),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "expected"), COUNTRIES)
def test_country_iso2(raw, expected):
    assert country_iso2(raw) == expected


def test_country_iso2_expr_agrees_and_knows_enough_countries():
    assert column(country_iso2_expr, [r for r, _ in COUNTRIES]) == [e for _, e in COUNTRIES]
    assert len(COUNTRY_ALIASES) >= 30
    # every country has an English and a Chinese spelling
    for iso, aliases in COUNTRY_ALIASES.items():
        assert any(a.isascii() for a in aliases), iso
        assert any(not a.isascii() for a in aliases), iso


# --------------------------------------------------------------------------- names

NAMES = [
    ("王小明", ("小明", "王")),
    ("李雷", ("雷", "李")),
    ("欧阳娜娜", ("娜娜", "欧阳")),
    ("司马光", ("光", "司马")),
    ("诸葛亮", ("亮", "诸葛")),
    ("上官婉儿", ("婉儿", "上官")),
    ("令狐冲", ("冲", "令狐")),
    (" 王 小明 ", ("小明", "王")),
    ("王", (None, "王")),
    ("Ann Lee", ("Ann", "Lee")),
    ("Ann Mary  Lee", ("Ann Mary", "Lee")),
    ("Lee, Ann", ("Ann", "Lee")),
    ("van der Berg, Jan", ("Jan", "van der Berg")),
    ("Ann", ("Ann", None)),
    ("林**", (None, None)),
    ("J***", (None, None)),
    ("张＊", (None, None)),
    ("   ", (None, None)),
    (None, (None, None)),
]


@pytest.mark.parametrize(("raw", "expected"), NAMES)
def test_split_name(raw, expected):
    assert split_name(raw) == expected


def test_split_name_expr_agrees():
    out = column(split_name_expr, [r for r, _ in NAMES])
    assert [(d["first"], d["last"]) for d in out] == [e for _, e in NAMES]


def test_compound_surnames_table():
    for surname in ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
                    "宇文", "司徒", "夏侯", "轩辕", "令狐", "钟离", "澹台", "申屠"):  # fmt: skip
        assert surname in COMPOUND_SURNAMES
        assert split_name(surname + "文") == ("文", surname)
    assert len(set(COMPOUND_SURNAMES)) == len(COMPOUND_SURNAMES)


# --------------------------------------------------------------------------- hashes


def test_hash_vectors():
    assert sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72"
    assert md5_hex("13800138000") == "7945bd83237335e5376ff44d62e4f0ae"
    assert sha256_hex("欧阳") == "1340558609b818387d21eb2f9a0045bd589bc00fe8fe2a82780bd644b51c6445"
    assert sha256_hex(None) is None and md5_hex(None) is None


@pytest.mark.parametrize(
    "values",
    [
        ["abc", None, "欧阳", "13800138000"],  # mostly distinct: every value hashed
        ["abc", "abc", "abc", None, "欧阳", "欧阳", "abc"],  # repeats: each distinct value once
        [],
    ],
)
def test_hash_exprs_agree_with_hashlib(values):
    assert column(sha256_hex_expr, values) == [sha256_hex(v) for v in values]
    assert column(md5_hex_expr, values) == [md5_hex(v) for v in values]


def test_random_values_scalar_and_vectorised_agree():
    rng = random.Random(13)
    pieces = ["A.b", "+tag", "@", "gmail.com", "googlemail.com", "qq.com", " ", "王", "欧阳",
              "Lee", ",", "*", "138", "0013", "8000", "+86", "-", "中国", "uk", "."]  # fmt: skip
    values = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(300)]
    assert column(canonical_email_expr, values) == [canonical_email(v) for v in values]
    assert column(e164_expr, values) == [e164(v) for v in values]
    assert column(country_iso2_expr, values) == [country_iso2(v) for v in values]
    names = column(split_name_expr, values)
    assert [(d["first"], d["last"]) for d in names] == [split_name(v) for v in values]
