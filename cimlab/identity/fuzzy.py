"""The fuzzy pass: records sharing a city and a birth date, or a city and a surname, compared
by name.

Blocks: same city and birth date, or same city and family name, where a 汉字 name offers its
family name in characters and in pinyin (张伟: 张 and ``zhang``) and a Latin name each word or
pinyin syllable of its :func:`~cimlab.identity.names.name_key` ("Zhang Wei": ``zhang``, ``wei``),
so 张伟 and "Zhang Wei" meet.

The name score of two names is the larger of their spelling similarity (rapidfuzz
``token_sort_ratio``, 1.0 for the same characters) and their key match: two Latin names with
one name key (the same letters in another order or spacing: "ZhangWei" / "Wei Zhang") score
1.0, any other pair with one name key (汉字 ↔ pinyin, traditional ↔ simplified, homophones
章伟 / 张伟) scores ``pinyin_name_score`` (0.9), below the same characters. A name without a key
(empty, masked, nickname-like) scores 0. The match is recorded as ``name_match``: ``name``
(spelling), ``name_order`` or ``name_pinyin``.

``score = 0.6·name + 0.15·same city + 0.25·birth`` where birth is 1 (same date), 0.4 (unknown)
or 0 (different; the score is then also halved); a name carried by more than
``max_records_per_channel`` records of one channel (several people: many 张伟) counts half,
counting its spelling for a spelling match and its name key for a key match (张伟, 張偉 and
Zhang Wei together). So
with the default thresholds (link 0.9, review 0.8) name and city alone never link (at most
0.85: review), 张伟 / Zhang Wei with the same birthday and city link (0.94) and a common name
with the same birthday and city does not (0.7).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> from cimlab.identity.keys import prepare_records
>>> recs = prepare_records(pl.DataFrame({
...     "channel": ["shop", "store"], "source_customer_id": ["1", "9"],
...     "name": ["王小明", "王小明"], "city": ["Beijing", "北京市"]}))
>>> fuzzy_pairs(recs, IdentitySettings()).select("a", "b", "same_city", "score").row(0)
(0, 1, True, 0.85)
>>> recs = prepare_records(pl.DataFrame({
...     "channel": ["shop", "wechat"], "source_customer_id": ["1", "o1"],
...     "name": ["张伟", "Zhang Wei"], "city": ["上海", "Shanghai"],
...     "birth_date": [dt.date(1990, 1, 2)] * 2}))
>>> fuzzy_pairs(recs, IdentitySettings()).select("name_score", "name_match", "score").row(0)
(0.9, 'name_pinyin', 0.94)
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cimlab.identity.names import name_key_expr, surname_pinyin_expr
from cimlab.identity.settings import IdentitySettings
from cimlab.privacy import mask_name_expr

__all__ = ["CITY_ALIASES", "fuzzy_pairs"]


_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯")  # fmt: skip
#: Pinyin/English spellings of Chinese cities → the Chinese name, for the fuzzy pass's city test.
CITY_ALIASES: dict[str, str] = {
    "beijing": "北京", "peking": "北京", "shanghai": "上海", "guangzhou": "广州",
    "canton": "广州", "shenzhen": "深圳", "hangzhou": "杭州", "nanjing": "南京",
    "suzhou": "苏州", "chengdu": "成都", "chongqing": "重庆", "wuhan": "武汉", "xian": "西安",
    "tianjin": "天津", "changsha": "长沙", "xiamen": "厦门", "qingdao": "青岛",
    "zhengzhou": "郑州", "shenyang": "沈阳", "kunming": "昆明", "dalian": "大连",
    "ningbo": "宁波", "jinan": "济南", "hefei": "合肥", "fuzhou": "福州", "harbin": "哈尔滨",
    "changchun": "长春", "shijiazhuang": "石家庄", "taiyuan": "太原", "nanning": "南宁",
    "guiyang": "贵阳", "nanchang": "南昌", "dongguan": "东莞", "foshan": "佛山", "wuxi": "无锡",
    "hongkong": "香港", "macau": "澳门", "macao": "澳门", "urumqi": "乌鲁木齐", "lanzhou": "兰州",
    "haikou": "海口", "sanya": "三亚", "hohhot": "呼和浩特", "lhasa": "拉萨",
}  # fmt: skip


def _city_expr(col: str) -> pl.Expr:
    c = (
        pl.col(col)
        .str.strip_chars()
        .str.to_lowercase()
        .str.replace(r"(?:市|\s+city|\s+shi)$", "")
        .str.replace_all(r"[\s'’\-]", "")
    )
    return pl.when(c != "").then(c.replace(CITY_ALIASES))


def _block_tokens() -> pl.Expr:
    """A 汉字 name's family name; a Latin name's key words (of two letters or more)."""
    name = pl.col("name").str.strip_chars()
    compound = name.str.slice(0, 2).is_in(list(_COMPOUND_SURNAMES))
    cjk = pl.when(compound).then(name.str.slice(0, 2)).otherwise(name.str.slice(0, 1))
    latin = (
        pl.col("name_key")
        .str.split(" ")
        .list.eval(pl.element().filter(pl.element().str.len_chars() >= 2))
    )
    return (
        pl.when(pl.col("name_key").is_null())
        .then(pl.lit(None, dtype=pl.List(pl.String)))
        .when(pl.col("latin"))
        .then(latin)
        .otherwise(pl.concat_list(cjk))
    )


def _self_pairs(blocks: pl.DataFrame, max_block_size: int) -> pl.DataFrame:
    blocks = blocks.unique().filter(pl.len().over("block").is_between(2, max_block_size))
    return (
        blocks.join(blocks, on="block", suffix="_b")
        .filter(pl.col("rid") < pl.col("rid_b"))
        .select(a=pl.col("rid"), b=pl.col("rid_b"))
    )


def _cross_script_pairs(base: pl.DataFrame, max_block_size: int) -> pl.DataFrame:
    """汉字 × Latin pairs of one city whose 汉字 family name in pinyin is a Latin key word."""
    keyed = base.filter(pl.col("city_n").is_not_null() & pl.col("name_key").is_not_null())
    han = keyed.filter(~pl.col("latin")).select(
        "rid", block=pl.col("city_n") + "|" + surname_pinyin_expr(pl.col("name"))
    )
    latin = (
        keyed.filter(pl.col("latin"))
        .select("rid", "city_n", token=pl.col("tokens"))
        .explode("token")
        .filter(pl.col("token").is_not_null())
        .select("rid", block=pl.col("city_n") + "|" + pl.col("token"))
    )
    if han.is_empty() or latin.is_empty():
        return pl.DataFrame(schema={"a": pl.UInt32(), "b": pl.UInt32()})
    sizes = pl.concat([han, latin.unique()]).group_by("block").len()
    small = sizes.filter(pl.col("len").is_between(2, max_block_size)).select("block")
    han = han.join(small, on="block", how="semi")
    return han.join(latin.unique(), on="block", suffix="_b").select(
        a=pl.min_horizontal("rid", "rid_b"), b=pl.max_horizontal("rid", "rid_b")
    )


def fuzzy_pairs(rec: pl.DataFrame, s: IdentitySettings) -> pl.DataFrame:
    """Candidate pairs (``a < b``) scoring at least ``review_threshold``.

    Columns: ``a, b, name_score, name_match, same_city, same_birth_date, score, names_masked``
    (the two names masked, ``张** = Z**``).
    """
    from rapidfuzz import fuzz, process, utils

    base = rec.select(
        "rid",
        "channel",
        "name",
        "birth_date",
        city_n=_city_expr("city"),
        name_n=pl.col("name").str.to_lowercase().str.replace_all(r"\s+", " "),
        name_key=name_key_expr(pl.col("name")),
        latin=pl.col("name").str.contains(r"\p{Han}").not_(),
        masked=mask_name_expr(pl.col("name")),
    ).with_columns(
        name_count=pl.len().over("name_n", "channel").max().over("name_n"),
        key_count=pl.len().over("name_key", "channel").max().over("name_key"),
        tokens=_block_tokens(),
    )
    by_birth = base.filter(pl.col("city_n").is_not_null() & pl.col("birth_date").is_not_null())
    by_birth = by_birth.select(
        "rid", block=pl.lit("b|") + pl.col("city_n") + "|" + pl.col("birth_date").cast(pl.String)
    )
    by_name = (
        base.filter(pl.col("city_n").is_not_null() & pl.col("name").is_not_null())
        .select("rid", "city_n", token=pl.col("tokens"))
        .explode("token")
        .filter(pl.col("token").is_not_null())
        .select("rid", block=pl.lit("s|") + pl.col("city_n") + "|" + pl.col("token"))
    )
    pairs = (
        pl.concat(
            [
                _self_pairs(pl.concat([by_birth, by_name]), s.max_block_size),
                _cross_script_pairs(base, s.max_block_size),
            ]
        )
        .unique()
        .sort("a", "b")
    )
    attrs = base.select(
        "rid",
        "name_n",
        "name_key",
        "latin",
        "masked",
        "name_count",
        "key_count",
        "city_n",
        "birth_date",
    )
    pairs = pairs.join(attrs, left_on="a", right_on="rid").join(
        attrs, left_on="b", right_on="rid", suffix="_b"
    )
    if pairs.is_empty():
        return pl.DataFrame(
            schema={
                "a": pl.UInt32(),
                "b": pl.UInt32(),
                "name_score": pl.Float64(),
                "name_match": pl.String(),
                "same_city": pl.Boolean(),
                "same_birth_date": pl.Boolean(),
                "score": pl.Float64(),
                "names_masked": pl.String(),
            }
        )
    ratio = process.cpdist(
        pairs["name_n"].fill_null("").to_list(),
        pairs["name_n_b"].fill_null("").to_list(),
        scorer=fuzz.token_sort_ratio,
        processor=utils.default_process,
        workers=-1,
    )
    spelling = pl.Series(np.asarray(ratio, dtype=np.float64) / 100.0)
    same_key = (pl.col("name_key") == pl.col("name_key_b")).fill_null(False)
    key_score = (
        pl.when(same_key & pl.col("latin") & pl.col("latin_b"))
        .then(1.0)
        .when(same_key)
        .then(s.pinyin_name_score)
        .otherwise(0.0)
    )
    usable = pl.col("name_key").is_not_null() & pl.col("name_key_b").is_not_null()
    best = pl.max_horizontal(spelling, key_score)
    name = pl.when(usable).then(best).otherwise(0.0)
    # how common the name is: its spelling for a spelling match, its key for a key match
    count = (
        pl.when(spelling >= key_score)
        .then(pl.max_horizontal("name_count", "name_count_b"))
        .otherwise(pl.max_horizontal("key_count", "key_count_b"))
    )
    name = pl.when(count > s.max_records_per_channel).then(name * 0.5).otherwise(name)
    match = (
        pl.when(spelling >= key_score)
        .then(pl.lit("name"))
        .when(pl.col("latin") & pl.col("latin_b"))
        .then(pl.lit("name_order"))
        .otherwise(pl.lit("name_pinyin"))
    )
    same_birth = pl.col("birth_date") == pl.col("birth_date_b")
    birth = pl.when(same_birth.is_null()).then(0.4).when(same_birth).then(1.0).otherwise(0.0)
    same_city = (pl.col("city_n") == pl.col("city_n_b")).fill_null(False)
    raw = 0.6 * pl.col("name_score") + 0.15 * same_city.cast(pl.Float64) + 0.25 * birth
    return (
        pairs.with_columns(
            name_score=name.round(4),
            name_match=match,
            same_city=same_city,
            same_birth_date=same_birth,
            names_masked=pl.col("masked") + " = " + pl.col("masked_b"),
        )
        .with_columns(
            score=pl.when(pl.col("same_birth_date").not_()).then(raw * 0.5).otherwise(raw).round(4)
        )
        .filter(pl.col("score") >= s.review_threshold)
        .select(
            "a",
            "b",
            "name_score",
            "name_match",
            "same_city",
            "same_birth_date",
            "score",
            "names_masked",
        )
    )
