"""Every UI text exists in both languages, with the same placeholders, and every key used exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from cimlab.contracts.columns import TABLES, polars_schema
from cimlab.i18n import (
    CHANNEL_LABELS,
    LANGS,
    MESSAGES,
    channel_label,
    column_label,
    lang_label,
    t,
    table_label,
)

ROOT = Path(__file__).resolve().parents[1]
APPS = ROOT / "apps"
# t("key", ...) and t('key', ...); keys are area.name
_T_CALL = re.compile(r"""\bt\(\s*["']([A-Za-z0-9_.]+)["']""")
# _label("cust.rule", value, lang): a family of keys "cust.rule.<value>"
_LABEL_CALL = re.compile(r"""\b_label\(\s*f?["']([A-Za-z0-9_.]+)["']""")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_has_every_language_and_non_empty_texts(key: str) -> None:
    entry = MESSAGES[key]
    assert set(entry) == set(LANGS), f"{key}: languages {sorted(entry)}"
    for lang in LANGS:
        assert entry[lang].strip(), f"{key}[{lang}] is empty"


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_placeholders_agree_between_languages(key: str) -> None:
    entry = MESSAGES[key]
    assert _placeholders(entry["en"]) == _placeholders(entry["zh"]), key


def test_chinese_texts_are_chinese() -> None:
    # a copied English sentence in the zh slot would pass the other tests
    han = re.compile(r"[\u4e00-\u9fff]")
    untranslated = [
        k
        for k, v in MESSAGES.items()
        if v["zh"] == v["en"] and len(_placeholders(v["en"])) < 1 and han.search(v["en"]) is None
    ]
    # language-neutral texts (a dash, "cimlab" names) are the only allowed exceptions
    assert untranslated == ["imp.not_applicable"], untranslated


def test_t_formats_and_rejects_unknown_keys_and_languages() -> None:
    assert t("imp.imported", "zh", batch=4, loaded=9, quarantined=1) == (
        "已导入，批次 4：导入 9 行，隔离 1 行。"
    )
    assert t("nav.overview", "en") == "Overview"
    with pytest.raises(KeyError, match=r"no\.such\.key"):
        t("no.such.key", "en")
    with pytest.raises(ValueError, match="fr"):
        t("nav.import", "fr")
    with pytest.raises(KeyError, match="batch"):
        t("imp.already", "en")  # a missing placeholder is an error, never a silent gap


def test_display_names() -> None:
    assert [lang_label(x) for x in LANGS] == ["中文", "English"]
    assert [table_label(x, "zh") for x in TABLES] == ["客户", "订单", "互动记录", "客户反馈"]
    assert [table_label(x, "en") for x in TABLES] == [
        "Customers",
        "Orders",
        "Interactions",
        "Feedback",
    ]
    assert channel_label("tmall", "zh") == "天猫"
    assert channel_label("new_channel", "en") == "new_channel"
    assert all(set(v) == set(LANGS) and all(v.values()) for v in CHANNEL_LABELS.values())
    assert column_label("orders", "order_id", "zh") == "订单编号"
    assert column_label("orders", "order_id", "en") == "Order ID"


@pytest.mark.parametrize("table", TABLES)
def test_every_canonical_column_has_labels(table: str) -> None:
    for column in polars_schema(table):
        assert column_label(table, column, "en") != column, (
            f"{table}.{column} lacks an English label"
        )
        zh = column_label(table, column, "zh")
        assert re.search(r"[\u4e00-\u9fff]", zh), f"{table}.{column} lacks a 中文 label: {zh!r}"


def _keys_used_in(path: Path) -> set[str]:
    return set(_T_CALL.findall(path.read_text(encoding="utf-8")))


def test_key_scanner_finds_keys() -> None:
    sample = ROOT / "tests" / "test_i18n.py"
    # this file calls t("imp.imported", ...) and t('nav.overview', ...) above
    assert {"imp.imported", "nav.overview", "no.such.key"} <= _keys_used_in(sample)


def test_every_key_the_apps_use_exists() -> None:
    files = sorted(APPS.glob("*.py"))
    assert files, f"no app files under {APPS}"
    used = {key: path.name for path in files for key in _keys_used_in(path)}
    assert len(used) > 20, "the scanner found almost no keys: is the regex still right?"
    missing = sorted(f"{key} (in {name})" for key, name in used.items() if key not in MESSAGES)
    assert not missing, f"keys used by the app but missing from cimlab.i18n.MESSAGES: {missing}"


def test_value_labels_cover_what_the_library_returns() -> None:
    # The Customers page translates values it gets from cimlab (``_label("cust.rule", ...)``);
    # an uncovered value would show in English in the 中文 page.
    import polars as pl

    from cimlab.contracts.columns import ORDER_STATUSES
    from cimlab.customers.consent import PURPOSES
    from cimlab.customers.tags import DEFAULT_RULES, TYPE_TAGS
    from cimlab.identity import resolve_records

    records = pl.DataFrame(
        {
            "channel": ["online_shop", "wechat", "offline_store", "call_centre", "tmall"],
            "source_customer_id": ["0001", "o8fK2", "0888", "0001", "tb_lin"],
            "phone": ["+8613800138000", "+8613800138000", None, None, None],
            "email": ["li.na@qq.com", None, "li.na@qq.com", None, None],
        }
    )
    rules = set(resolve_records(records).map["rule"].to_list())
    assert rules == {"phone", "email", "shared_id", "singleton"}
    families = {
        "cust.rule": rules | {"fuzzy_name", "manual_merge", "manual_split"},
        "cust.purpose": set(PURPOSES),
        "cust.status": set(ORDER_STATUSES),
        "cust.tag": {r.name for r in DEFAULT_RULES} | set(TYPE_TAGS),
        "cust.customer_type": set(TYPE_TAGS),
        "cust.origin": {"manual", "rule", "customer_type", "import"},
        "cust.match": {"source_id", "email", "phone", "phone_partial", "name", "customer_id"},
    }
    missing = sorted(f"{p}.{v}" for p, values in families.items() for v in values
                     if f"{p}.{v}" not in MESSAGES)  # fmt: skip
    assert not missing, missing
    # and every family the apps look values up in has labels
    used = {p for path in APPS.glob("*.py") for p in _LABEL_CALL.findall(path.read_text("utf-8"))}
    assert used >= {"cust.rule", "cust.purpose", "cust.status", "cust.tag", "cust.origin"}, used
    assert not [p for p in used if not any(k.startswith(p + ".") for k in MESSAGES)]


def test_a_key_defined_in_two_page_modules_is_an_error() -> None:
    from types import SimpleNamespace

    from cimlab import i18n

    first = SimpleNamespace(MESSAGES={"x.same": {"en": "a", "zh": "甲"}})
    second = SimpleNamespace(MESSAGES={"x.same": {"en": "b", "zh": "乙"}, "x.other": {}})
    with pytest.raises(RuntimeError, match=r"defined twice: x\.same"):
        i18n._merge([first, second])
    assert i18n._merge([first]) == first.MESSAGES


def test_every_page_module_is_merged_and_keys_are_disjoint() -> None:
    import importlib
    import pkgutil

    from cimlab import i18n

    pages = [
        importlib.import_module(f"cimlab.i18n.{m.name}")
        for m in pkgutil.iter_modules(i18n.__path__)
    ]
    assert {p.__name__ for p in pages} == {p.__name__ for p in i18n._PAGES}
    assert sum(len(p.MESSAGES) for p in pages) == len(MESSAGES)
