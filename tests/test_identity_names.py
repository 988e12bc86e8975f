"""Name keys (cimlab.identity.names) and name variants in the fuzzy pass (hand-computed scores).

Fuzzy score = 0.6·name + 0.15·same city + 0.25·birth (1 same, 0.4 unknown, 0 different and
the score halved); a name carried by more than 2 records of one channel counts half (its
spelling for a spelling match, its name key for a key match).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cimlab import identity as idn
from cimlab.identity.explain import describe_links, describe_review
from cimlab.identity.fuzzy import fuzzy_pairs
from cimlab.identity.keys import prepare_records
from cimlab.identity.names import (
    _full_key,
    is_masked_name,
    is_nickname,
    name_key,
    name_key_expr,
    surname_pinyin,
)
from cimlab.identity.settings import IdentitySettings, check_settings
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace

BIRTHDAY = dt.date(1990, 1, 2)
AT = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)


def people(*rows: tuple) -> pl.DataFrame:
    """Records from (channel, source id, name, city, birth_date)."""
    return pl.DataFrame(
        list(rows),
        schema={
            "channel": pl.String,
            "source_customer_id": pl.String,
            "name": pl.String,
            "city": pl.String,
            "birth_date": pl.Date,
        },
        orient="row",
    )


def pairs_of(frame: pl.DataFrame, settings: IdentitySettings | None = None) -> pl.DataFrame:
    return fuzzy_pairs(prepare_records(frame), settings or IdentitySettings())


# ------------------------------------------------------------------------------ name keys


@pytest.mark.parametrize(
    "name",
    [
        "张伟",
        "張偉",
        "Zhang Wei",
        "Wei Zhang",
        "WEI ZHANG",
        "ZhangWei",
        "zhang-wei",
        " Zhang  Wei ",
        "ZHANG, Wei",
        "Ｚｈａｎｇ Ｗｅｉ",
        "张\u3000伟",
    ],
)
def test_one_key_across_scripts_orders_and_spacing(name):
    assert name_key(name) == "wei zhang"


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [("張偉", "张伟"), ("陳", "陈"), ("劉", "刘"), ("黃", "黄"), ("趙", "赵"), ("吳", "吴"),
     ("陸", "陆"), ("鄭", "郑"), ("蕭", "萧"), ("鍾", "钟"), ("謝", "谢"), ("曉", "晓")],
)  # fmt: skip
def test_traditional_characters_read_like_simplified(traditional, simplified):
    # a one-character name is nickname-like, so the characters are tested after a given name
    assert name_key(traditional + "小明") == name_key(simplified + "小明") is not None


def test_family_name_readings_and_compound_surnames():
    assert name_key("曾小明") == "ming xiao zeng"  # not ceng
    assert name_key("单雄信") == name_key("Shan Xiongxin") == "shan xin xiong"  # not dan
    assert name_key("欧阳娜娜") == name_key("Ouyang Nana") == "na na ou yang"
    assert name_key("尉迟恭") == "chi gong yu"
    assert surname_pinyin("曾小明") == "zeng" and surname_pinyin("欧阳娜娜") == "ou"


def test_pinyin_run_ons_split_into_fewest_syllables_without_a_vowel_start():
    assert name_key("Xiaoming Wang") == name_key("王小明") == "ming wang xiao"
    assert name_key("Lina") == name_key("李娜") == "li na"  # li na, not lin a
    assert name_key("Xian") == "xian"  # one syllable; Xi'an is two
    assert name_key("Xi'an") == "an xi"
    assert name_key("Lyu Bu") == name_key("Lü Bu") == name_key("吕布") == "bu lv"
    assert name_key("Müller") == "muller"  # not pinyin: ü loses its dots
    assert name_key("Tom Smith") == "smith tom"


@pytest.mark.parametrize("name", ["张*", "**伟", "*", "王某", "王＊＊", "138****1234"])
def test_masked_names_have_no_key(name):
    assert is_masked_name(name)
    assert name_key(name) is None


@pytest.mark.parametrize(
    "name",
    ["微信用户", "用户8823", "🌸小美🌸", "A", "Z. W.", "Amy王", "张先生", "王女士", "一路向北的风",
     "wechat user", "Guest", "test01", "~~小猪~~", "Dr. Zhang", "Zhang Wei (VIP)"],
)  # fmt: skip
def test_nickname_like_names_have_no_key(name):
    assert is_nickname(name)
    assert name_key(name) is None


@pytest.mark.parametrize("name", ["张伟", "Li Na", "欧阳娜娜", "阿卜杜·热合曼", "Anna Smith"])
def test_real_names_are_not_nicknames(name):
    assert not is_nickname(name) and not is_masked_name(name)
    assert name_key(name)


def test_empty_names_have_no_key_and_are_neither_masked_nor_nicknames():
    for name in (None, "", "   "):
        assert name_key(name) is None
        assert not is_nickname(name) and not is_masked_name(name)


def test_fast_paths_agree_with_the_full_rules():
    names = ["张伟", "張偉", "欧阳娜娜", "单雄信", "王某", "用户", "一二三四五", "欧阳一二三",
             "Zhang Wei", "ZhangWei", "zhang-wei", "Lina", "A", "Guest", "Mr Wang", "Tom",
             "Zhang, Wei"]  # fmt: skip
    assert [name_key(n) for n in names] == [_full_key(n) for n in names]


def test_name_key_expr_matches_name_key():
    names = ["张伟", None, "Wei Zhang", "张*", "张伟", "Xiaoming Wang", "微信用户"]
    got = pl.DataFrame({"name": names}).select(key=name_key_expr(pl.col("name")))["key"]
    assert got.to_list() == [name_key(n) for n in names]
    empty = pl.DataFrame({"name": []}, schema={"name": pl.String})
    assert empty.select(name_key_expr("name")).height == 0
    frame = pl.DataFrame({"g": [1, 1, 2, 2], "name": names[:4]})
    streamed = frame.lazy().with_columns(key=name_key_expr("name")).collect(engine="streaming")
    assert streamed["key"].to_list() == [name_key(n) for n in names[:4]]
    grouped = frame.group_by("g", maintain_order=True).agg(name_key_expr("name"))
    assert grouped["name"].to_list() == [["wei zhang", None], ["wei zhang", None]]


# ------------------------------------------------------------------------------ fuzzy pass


def test_hanzi_and_pinyin_with_same_birthday_and_city_link():
    frame = people(
        ("online_shop", "1", "张伟", "上海", BIRTHDAY),
        ("wechat", "o1", "Zhang Wei", "Shanghai", BIRTHDAY),
    )
    row = pairs_of(frame).row(0, named=True)
    # 0.6·0.9 + 0.15 + 0.25 = 0.94 >= threshold 0.9
    assert (row["name_score"], row["name_match"], row["score"]) == (0.9, "name_pinyin", 0.94)
    assert row["names_masked"] == "张** = Z**"
    res = idn.resolve_records(frame, fuzzy=True)
    assert res.result.customers == 1
    link = res.links.filter(pl.col("rule") == "fuzzy_name").row(0, named=True)
    assert (link["key_type"], link["score"]) == ("name_pinyin", 0.94)


def test_traditional_and_simplified_link_below_the_same_characters():
    frame = people(
        ("online_shop", "1", "張偉", "上海", BIRTHDAY),
        ("wechat", "o1", "张伟", "上海", BIRTHDAY),
        ("tmall", "t1", "张伟", "上海", BIRTHDAY),
    )
    got = {(r["a"], r["b"]): (r["name_match"], r["score"]) for r in pairs_of(frame).to_dicts()}
    # records sort by channel: online_shop 0 (張偉), tmall 1 (张伟), wechat 2 (张伟)
    assert got == {
        (0, 1): ("name_pinyin", 0.94),
        (0, 2): ("name_pinyin", 0.94),
        (1, 2): ("name", 1.0),  # same characters: 0.6 + 0.15 + 0.25
    }


def test_homophones_score_below_the_same_characters():
    frame = people(
        ("online_shop", "1", "章伟", "上海", BIRTHDAY),
        ("wechat", "o1", "张伟", "上海", BIRTHDAY),
        ("tmall", "t1", "张伟", "上海", BIRTHDAY),
    )
    scores = {(r["a"], r["b"]): r["score"] for r in pairs_of(frame).to_dicts()}
    assert scores[(0, 1)] == scores[(0, 2)] == 0.94 < scores[(1, 2)] == 1.0


def test_given_and_family_name_order():
    frame = people(
        ("online_shop", "1", "ZhangWei", "Shanghai", None),
        ("wechat", "o1", "Wei Zhang", "上海", None),
    )
    row = pairs_of(frame).row(0, named=True)
    # the same letters: name 1.0; birth unknown: 0.6 + 0.15 + 0.25·0.4 = 0.85 (review)
    assert (row["name_score"], row["name_match"], row["score"]) == (1.0, "name_order", 0.85)
    res = idn.resolve_records(frame, fuzzy=True)
    assert res.result.customers == 2 and res.review.height == 1


def test_pinyin_surname_blocks_with_the_hanzi_surname():
    # no birth dates: only the city + family-name block (上海|zhang) can bring them together
    frame = people(
        ("online_shop", "1", "张伟", "上海", None),
        ("wechat", "o1", "Wei Zhang", "Shanghai", None),
        ("wechat", "o2", "李娜", "上海", None),
    )
    low = IdentitySettings(review_threshold=0.5)
    got = pairs_of(frame, low).select("a", "b", "score").rows()
    assert got == [(0, 1, 0.79)]  # 0.6·0.9 + 0.15 + 0.25·0.4
    # with the default review threshold (0.8) a pinyin match without a birthday is dropped
    assert pairs_of(frame).is_empty()


def test_name_and_city_alone_never_link():
    frame = people(
        ("online_shop", "1", "王芳", "北京", None),
        ("wechat", "o1", "王芳", "北京", BIRTHDAY),
        ("tmall", "t1", "王芳", "北京", dt.date(1985, 5, 5)),
    )
    scores = {(r["a"], r["b"]): r["score"] for r in pairs_of(frame).to_dicts()}
    # online_shop 0, tmall 1, wechat 2: unknown birth 0.85 (review); different birth (0.75)/2
    assert scores == {(0, 1): 0.85, (0, 2): 0.85}
    res = idn.resolve_records(frame, fuzzy=True)
    assert res.result.customers == 3 and res.review.height == 2


def test_common_names_in_a_channel_count_half():
    shop = [("online_shop", str(i), "张伟", "上海", dt.date(1980 + i, 1, 1)) for i in range(3)]
    frame = people(*shop, ("wechat", "o1", "Zhang Wei", "上海", dt.date(1980, 1, 1)))
    # "wei zhang" is carried by 3 > 2 shop records: 0.6·0.9·0.5 + 0.15 + 0.25 = 0.67 < 0.8
    assert pairs_of(frame).is_empty()
    low = pairs_of(frame, IdentitySettings(review_threshold=0.6))
    assert low.select("a", "b", "name_score", "score").rows() == [(0, 3, 0.45, 0.67)]
    assert idn.resolve_records(frame, fuzzy=True).result.customers == 4


def test_homophones_do_not_make_an_exact_name_common():
    shop = [
        ("online_shop", str(i), n, "武汉", dt.date(1980 + i, 1, 1)) for i, n in enumerate("涛韬滔")
    ]
    frame = people(
        *[(c, i, "李" + n, city, b) for c, i, n, city, b in shop],
        ("wechat", "o1", "李涛", "武汉", dt.date(1980, 1, 1)),
    )
    # "li tao" is carried by 3 shop records, but 李涛 by one: the exact match keeps its weight
    got = pairs_of(frame).select("a", "b", "name_match", "score").rows()
    assert got == [(0, 3, "name", 1.0)]


def test_masked_and_nickname_names_never_score_on_name():
    frame = people(
        ("online_shop", "1", "微信用户", "上海", BIRTHDAY),
        ("wechat", "o1", "微信用户", "上海", BIRTHDAY),
        ("tmall", "t1", "张*", "上海", BIRTHDAY),
        ("jd", "j1", "张*", "上海", BIRTHDAY),
    )
    assert pairs_of(frame).is_empty()
    low = pairs_of(frame, IdentitySettings(review_threshold=0.1))
    assert set(low["name_score"].to_list()) == {0.0}
    assert set(low["score"].to_list()) == {0.4}  # city 0.15 + birth 0.25


def test_reasons_name_the_pinyin_match_in_both_languages_masked():
    frame = people(
        ("online_shop", "1", "张伟", "上海", BIRTHDAY),
        ("wechat", "o1", "Zhang Wei", "Shanghai", BIRTHDAY),
        ("jd", "j1", "ZhangWei Li", "北京", BIRTHDAY),
        ("tmall", "t1", "Li Wei Zhang", "Beijing", BIRTHDAY),
    )
    links = describe_links(idn.resolve_records(frame, fuzzy=True).links)
    reasons = dict(
        zip(links["key_type"], zip(links["reason"], links["reason_zh"], strict=True), strict=True)
    )
    assert reasons["name_pinyin"] == (
        "online_shop 1 and wechat o1 have the same name in pinyin (张** = Z**) in the same "
        "city, born the same day; score 0.94",
        "online_shop 1 与 wechat o1 拼音同名（张** = Z**）且同城、生日相同，得分 0.94",
    )
    assert reasons["name_order"] == (
        "jd j1 and tmall t1 have the same name in another word order (Z** = L**) in the same "
        "city, born the same day; score 1.0",
        "jd j1 与 tmall t1 姓名相同、词序不同（Z** = L**）且同城、生日相同，得分 1.0",
    )
    text = " ".join(links["reason"].to_list() + links["reason_zh"].to_list())
    assert "张伟" not in text and "Zhang Wei" not in text and "Li Wei" not in text


def test_pinyin_name_score_setting():
    frame = people(
        ("online_shop", "1", "张伟", "上海", BIRTHDAY),
        ("wechat", "o1", "Zhang Wei", "Shanghai", BIRTHDAY),
    )
    strict = IdentitySettings(pinyin_name_score=0.5)  # 0.3 + 0.15 + 0.25 = 0.7: dropped
    assert pairs_of(frame, strict).is_empty()
    with pytest.raises(ValueError, match=r"pinyin_name_score=1.5 should be in \[0, 1\]"):
        check_settings(IdentitySettings(pinyin_name_score=1.5))


def test_review_proposals_carry_reasons_in_both_languages():
    frame = people(
        ("online_shop", "1", "ZhangWei", "Shanghai", None),
        ("wechat", "o1", "Wei Zhang", "上海", None),
    )
    review = describe_review(idn.resolve_records(frame, fuzzy=True).review)
    assert review.select("reason", "reason_zh").row(0) == (
        "online_shop 1 and wechat o1 may be one person: similar names (100%) in the same city, "
        "birth date unknown; score 0.85",
        "online_shop 1 与 wechat o1 可能是同一人：姓名相似（100%）且同城、生日未知，得分 0.85",
    )


def test_workspace_links_pinyin_names_and_explains_them(tmp_path):
    ws = Workspace.open(tmp_path / "ws")
    for channel, text in (
        ("online_shop", "customer_id,full_name,city,birth_date\n0001,张伟,上海,1990-01-02\n"
         "0002,王芳,北京,\n"),
        ("wechat", "customer_id,full_name,city,birth_date\no1,Zhang Wei,Shanghai,1990-01-02\n"
         "o2,王芳,北京市,\n"),
    ):  # fmt: skip
        report = check_bytes(
            text.encode(), name=f"{channel}.csv", table="customers", channel=channel,
            mapping="generic_en",
        )  # fmt: skip
        assert report.quarantine.is_empty(), report.quarantine
        store_report(ws, report, at=AT, user="test")
    result = idn.resolve(ws, at=AT, fuzzy=True)
    assert (result.customers, result.review_proposals) == (3, 1)
    cmap = idn.customer_map(ws)
    ids = dict(zip(cmap["source_customer_id"], cmap["customer_id"], strict=True))
    assert ids["0001"] == ids["o1"]
    why = idn.explain(ws, ids["0001"]).row(0, named=True)
    assert why["key_type"] == "name_pinyin" and why["key_masked"] == "张** = Z**"
    assert "拼音同名" in why["reason_zh"] and "same name in pinyin" in why["reason"]
    queue = idn.review_queue(ws)
    assert queue["reason_zh"].to_list() == [
        "online_shop 0002 与 wechat o2 可能是同一人：姓名相似（100%）且同城、生日未知，得分 0.85"
    ]
