"""The fuzzy pass: records sharing a city and a birth date, or a city and a surname, compared
by name (rapidfuzz ``token_sort_ratio``).

``score = 0.6·name + 0.15·same city + 0.25·birth`` where birth is 1 (same date), 0.4 (unknown)
or 0 (different; the score is then also halved); a name carried by more than
``max_records_per_channel`` records of one channel counts half.

Examples
--------
>>> import polars as pl
>>> from cimlab.identity.keys import prepare_records
>>> recs = prepare_records(pl.DataFrame({
...     "channel": ["shop", "store"], "source_customer_id": ["1", "9"],
...     "name": ["王小明", "王小明"], "city": ["Beijing", "北京市"]}))
>>> fuzzy_pairs(recs, IdentitySettings()).select("a", "b", "same_city", "score").row(0)
(0, 1, True, 0.85)
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cimlab.identity.settings import IdentitySettings

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


def _surname_tokens() -> pl.Expr:
    name = pl.col("name").str.strip_chars()
    han = name.str.contains(r"^\p{Han}")
    compound = name.str.slice(0, 2).is_in(list(_COMPOUND_SURNAMES))
    cjk = pl.when(compound).then(name.str.slice(0, 2)).otherwise(name.str.slice(0, 1))
    latin = name.str.to_lowercase().str.extract_all(r"[a-z]{2,}")
    return pl.when(han).then(pl.concat_list(cjk)).otherwise(latin)


def fuzzy_pairs(rec: pl.DataFrame, s: IdentitySettings) -> pl.DataFrame:
    """Candidate pairs (a < b) scoring at least ``review_threshold``."""
    from rapidfuzz import fuzz, process, utils

    base = rec.select(
        "rid",
        "channel",
        "name",
        "birth_date",
        city_n=_city_expr("city"),
        name_n=pl.col("name").str.to_lowercase().str.replace_all(r"\s+", " "),
    ).with_columns(
        name_count=pl.len().over("name_n", "channel").max().over("name_n"),
        tokens=_surname_tokens(),
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
    blocks = pl.concat([by_birth, by_name]).unique()
    blocks = blocks.filter(pl.len().over("block").is_between(2, s.max_block_size))
    pairs = (
        blocks.join(blocks, on="block", suffix="_b")
        .filter(pl.col("rid") < pl.col("rid_b"))
        .select(a=pl.col("rid"), b=pl.col("rid_b"))
        .unique()
        .sort("a", "b")
    )
    attrs = base.select("rid", "name_n", "name_count", "city_n", "birth_date")
    pairs = pairs.join(attrs, left_on="a", right_on="rid").join(
        attrs, left_on="b", right_on="rid", suffix="_b"
    )
    if pairs.is_empty():
        return pl.DataFrame(
            schema={
                "a": pl.UInt32(),
                "b": pl.UInt32(),
                "name_score": pl.Float64(),
                "same_city": pl.Boolean(),
                "same_birth_date": pl.Boolean(),
                "score": pl.Float64(),
            }
        )
    ratio = process.cpdist(
        pairs["name_n"].fill_null("").to_list(),
        pairs["name_n_b"].fill_null("").to_list(),
        scorer=fuzz.token_sort_ratio,
        processor=utils.default_process,
        workers=-1,
    )
    common = pl.max_horizontal("name_count", "name_count_b") > s.max_records_per_channel
    name = (
        pl.when(pl.col("name_n").is_null() | pl.col("name_n_b").is_null())
        .then(0.0)
        .otherwise(pl.Series(np.asarray(ratio, dtype=np.float64) / 100.0))
    )
    name = pl.when(common).then(name * 0.5).otherwise(name)
    same_birth = pl.col("birth_date") == pl.col("birth_date_b")
    birth = pl.when(same_birth.is_null()).then(0.4).when(same_birth).then(1.0).otherwise(0.0)
    same_city = (pl.col("city_n") == pl.col("city_n_b")).fill_null(False)
    raw = 0.6 * pl.col("name_score") + 0.15 * same_city.cast(pl.Float64) + 0.25 * birth
    return (
        pairs.with_columns(
            name_score=name.round(4), same_city=same_city, same_birth_date=same_birth
        )
        .with_columns(
            score=pl.when(pl.col("same_birth_date").not_()).then(raw * 0.5).otherwise(raw).round(4)
        )
        .filter(pl.col("score") >= s.review_threshold)
        .select("a", "b", "name_score", "same_city", "same_birth_date", "score")
    )
