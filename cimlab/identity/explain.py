"""Why records are one customer: one sentence per link, in English and Chinese.

Phones and e-mails appear masked only; long source ids are shortened.

Examples
--------
>>> import polars as pl
>>> links = pl.DataFrame([{**dict.fromkeys(LINKS_SCHEMA), "channel_a": "shop",
...     "source_customer_id_a": "1", "channel_b": "wechat", "source_customer_id_b": "o1",
...     "rule": "email", "key_masked": "l***@qq.com"}], schema=LINKS_SCHEMA)
>>> describe_links(links)["reason"].item()
'shop 1 and wechat o1 share e-mail l***@qq.com'
"""

from __future__ import annotations

import polars as pl

from cimlab.errors import WorkspaceError
from cimlab.identity.records import TABLE_COLUMNS
from cimlab.identity.store import customer_map, has_identity_tables
from cimlab.identity.tables import LINKS_SCHEMA, UTC_TIME
from cimlab.workspace import Workspace

__all__ = ["describe_links", "describe_review", "explain", "links_export"]


def _short(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c.str.len_chars() > 12).then(c.str.slice(0, 8) + "…").otherwise(c)


def _birth(lang: str) -> pl.Expr:
    same, unknown, other = (
        (", born the same day", ", birth date unknown", ", different birth dates")
        if lang == "en"
        else ("、生日相同", "、生日未知", "、生日不同")
    )
    return (
        pl.when(pl.col("same_birth_date"))
        .then(pl.lit(same))
        .when(pl.col("same_birth_date").is_null())
        .then(pl.lit(unknown))
        .otherwise(pl.lit(other))
    )


def describe_review(review: pl.DataFrame) -> pl.DataFrame:
    """Add ``reason`` and ``reason_zh`` to review proposals (the parts of their fuzzy score).

    Examples
    --------
    >>> from cimlab.identity.tables import REVIEW_SCHEMA
    >>> review = pl.DataFrame([{"review_id": "R1", "channel_a": "shop",
    ...     "source_customer_id_a": "2", "channel_b": "store", "source_customer_id_b": "08",
    ...     "score": 0.85, "name_score": 1.0, "same_city": True, "same_birth_date": None}],
    ...     schema=REVIEW_SCHEMA)
    >>> describe_review(review).select("reason", "reason_zh").row(0)
    ('shop 2 and store 08 may be one person: similar names (100%) in the same city, birth date unknown; score 0.85', 'shop 2 与 store 08 可能是同一人：姓名相似（100%）且同城、生日未知，得分 0.85')
    """
    a = pl.col("channel_a") + " " + _short("source_customer_id_a")
    b = pl.col("channel_b") + " " + _short("source_customer_id_b")
    pct = (pl.col("name_score").fill_null(0) * 100).round(0).cast(pl.Int64).cast(pl.String) + "%"
    score = pl.col("score").round(2).cast(pl.String).fill_null("")
    city_en = pl.when(pl.col("same_city")).then(pl.lit(" in the same city")).otherwise(pl.lit(""))
    city_zh = pl.when(pl.col("same_city")).then(pl.lit("且同城")).otherwise(pl.lit(""))
    return review.with_columns(
        reason=a
        + " and "
        + b
        + " may be one person: similar names ("
        + pct
        + ")"
        + city_en
        + _birth("en")
        + "; score "
        + score,
        reason_zh=a
        + " 与 "
        + b
        + " 可能是同一人：姓名相似（"
        + pct
        + "）"
        + city_zh
        + _birth("zh")
        + "，得分 "
        + score,
    )


def describe_links(links: pl.DataFrame) -> pl.DataFrame:
    """Add ``reason`` and ``reason_zh`` to link rows (labels, masked keys, scores)."""
    a = pl.col("channel_a") + " " + _short("source_customer_id_a")
    b = pl.col("channel_b") + " " + _short("source_customer_id_b")
    key = pl.col("key_masked").fill_null("")
    user = pl.col("user_name").fill_null("?")
    day = pl.col("decided_at").dt.strftime("%Y-%m-%d").fill_null("?")
    pct = (pl.col("name_score").fill_null(0) * 100).round(0).cast(pl.Int64).cast(pl.String) + "%"
    score = pl.col("score").round(2).cast(pl.String).fill_null("")
    birth_en, birth_zh = _birth("en"), _birth("zh")
    review_en = (
        pl.when(pl.col("key_type") == "review")
        .then(pl.lit(", accepting a review proposal"))
        .otherwise(pl.lit(""))
    )
    review_zh = (
        pl.when(pl.col("key_type") == "review")
        .then(pl.lit("（采纳了待审核建议）"))
        .otherwise(pl.lit(""))
    )
    rule = pl.col("rule")
    alone = pl.col("channel_b").is_null()
    en = (
        pl.when(alone & (rule == "manual_split"))
        .then(a + " was split off by hand; it is the only record of this customer")
        .when(alone)
        .then(
            a
            + " is the only record of this customer: it shares no usable phone, e-mail or id with another record"
        )
        .when(rule == "phone")
        .then(a + " and " + b + " share phone " + key)
        .when(rule == "email")
        .then(a + " and " + b + " share e-mail " + key)
        .when(rule == "shared_id")
        .then(
            a
            + " and "
            + b
            + " carry the same customer id "
            + key
            + " (their channels share one id space)"
        )
        .when((rule == "fuzzy_name") & (pl.col("key_type") == "name_pinyin"))
        .then(
            a
            + " and "
            + b
            + " have the same name in pinyin ("
            + key
            + ") in the same city"
            + birth_en
            + "; score "
            + score
        )
        .when((rule == "fuzzy_name") & (pl.col("key_type") == "name_order"))
        .then(
            a
            + " and "
            + b
            + " have the same name in another word order ("
            + key
            + ") in the same city"
            + birth_en
            + "; score "
            + score
        )
        .when(rule == "fuzzy_name")
        .then(
            a
            + " and "
            + b
            + " have similar names ("
            + pct
            + ") in the same city"
            + birth_en
            + "; score "
            + score
        )
        .when(rule == "manual_merge")
        .then(a + " and " + b + " were merged by hand by " + user + " on " + day + review_en)
        .when(rule == "manual_split")
        .then(
            a + " and " + b + " were kept together when " + user + " split the customer on " + day
        )
        .otherwise(a + " and " + b + " are linked (" + rule + ")")
    )
    zh = (
        pl.when(alone & (rule == "manual_split"))
        .then(a + " 已被人工拆分出来，是该客户唯一的记录")
        .when(alone)
        .then(a + " 是该客户唯一的记录：没有与其他记录共用的有效手机号、邮箱或编号")
        .when(rule == "phone")
        .then(a + " 与 " + b + " 手机号相同（" + key + "）")
        .when(rule == "email")
        .then(a + " 与 " + b + " 邮箱相同（" + key + "）")
        .when(rule == "shared_id")
        .then(a + " 与 " + b + " 客户编号相同（" + key + "，这两个渠道共用编号）")
        .when((rule == "fuzzy_name") & (pl.col("key_type") == "name_pinyin"))
        .then(a + " 与 " + b + " 拼音同名（" + key + "）且同城" + birth_zh + "，得分 " + score)
        .when((rule == "fuzzy_name") & (pl.col("key_type") == "name_order"))
        .then(
            a
            + " 与 "
            + b
            + " 姓名相同、词序不同（"
            + key
            + "）且同城"
            + birth_zh
            + "，得分 "
            + score
        )
        .when(rule == "fuzzy_name")
        .then(a + " 与 " + b + " 姓名相似（" + pct + "）且同城" + birth_zh + "，得分 " + score)
        .when(rule == "manual_merge")
        .then(a + " 与 " + b + " 由 " + user + " 于 " + day + " 人工合并" + review_zh)
        .when(rule == "manual_split")
        .then(user + " 于 " + day + " 人工拆分客户时，" + a + " 与 " + b + " 保留在一起")
        .otherwise(a + " 与 " + b + " 已关联（" + rule + "）")
    )
    return links.with_columns(reason=en, reason_zh=zh)


_EXPLAIN_COLUMNS = [
    "customer_id",
    "channel_a",
    "source_customer_id_a",
    "channel_b",
    "source_customer_id_b",
    "rule",
    "key_type",
    "key_masked",
    "score",
    "reason",
    "reason_zh",
]


def explain(ws: Workspace, customer_id: str) -> pl.DataFrame:
    """Why the records of ``customer_id`` are one person, one row per link, in EN and 中文.

    Columns: ``customer_id, channel_a, source_customer_id_a, channel_b,
    source_customer_id_b, rule, key_type, key_masked, score, reason, reason_zh``. A customer
    of one record gets one row (rule ``singleton`` or its manual action) with ``channel_b``
    null. Phones and e-mails appear masked only.

    Examples
    --------
    >>> import tempfile
    >>> explain(Workspace.open(tempfile.mkdtemp()), "C000001")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: no customer C000001 in workspace ...
    """
    members = customer_map(ws).filter(pl.col("customer_id") == customer_id)
    if members.is_empty():
        raise WorkspaceError(
            f"no customer {customer_id} in workspace {ws.path}; run `cimlab customers resolve` "
            "or look the id up with `cimlab customers search`"
        )
    cols = ", ".join(LINKS_SCHEMA)
    links = ws.query(
        f"SELECT {cols} FROM identity_links WHERE customer_id = ? "
        "ORDER BY channel_a, source_customer_id_a, channel_b, source_customer_id_b",
        [customer_id],
    ).cast(LINKS_SCHEMA)  # type: ignore[arg-type]
    if links.is_empty():
        row = members.row(0, named=True)
        links = pl.DataFrame(
            [
                {
                    **dict.fromkeys(LINKS_SCHEMA),
                    "customer_id": customer_id,
                    "channel_a": row["channel"],
                    "source_customer_id_a": row["source_customer_id"],
                    "rule": row["rule"],
                }
            ],
            schema=LINKS_SCHEMA,
        )
    return describe_links(links).select(_EXPLAIN_COLUMNS)


_EXPORT_SCHEMA: dict[str, pl.DataType] = {
    "channel": pl.String(),
    "table": pl.String(),
    "source_customer_id": pl.String(),
    "customer_id": pl.String(),
    "rule": pl.String(),
    "key_type": pl.String(),
    "score": pl.Float64(),
    "reason": pl.String(),
    "reason_zh": pl.String(),
}


def links_export(ws: Workspace) -> pl.DataFrame:
    """One row per source record per table it appears in, with its customer and link reason.

    Columns: ``channel, table, source_customer_id, customer_id, rule, key_type, score, reason,
    reason_zh``. Records imported after the last resolution have a null ``customer_id`` and
    rule ``unresolved``. Phones and e-mails in reasons are masked. ``cimlab customers links``
    writes this frame.

    Examples
    --------
    >>> import tempfile
    >>> links_export(Workspace.open(tempfile.mkdtemp())).columns[:4]
    ['channel', 'table', 'source_customer_id', 'customer_id']
    """
    union = " UNION ".join(
        f"SELECT DISTINCT channel, '{t}' AS \"table\", source_customer_id FROM {t} "
        "WHERE source_customer_id IS NOT NULL"
        for t in TABLE_COLUMNS
    )
    where = ws.query(f"SELECT * FROM ({union})")
    if where.width == 0 or where.is_empty():
        return pl.DataFrame(schema=_EXPORT_SCHEMA)
    keys = ["channel", "source_customer_id"]
    cmap = customer_map(ws)
    links = pl.DataFrame(schema=LINKS_SCHEMA)
    if has_identity_tables(ws):
        cols = ", ".join(LINKS_SCHEMA)
        links = ws.query(f"SELECT {cols} FROM identity_links").cast(LINKS_SCHEMA)  # type: ignore[arg-type]
    # One link per record: the first one of the record's own rule, seen from the record's side.
    sides = pl.concat(
        [
            links,
            links.select(
                "customer_id",
                channel_a="channel_b",
                source_customer_id_a="source_customer_id_b",
                channel_b="channel_a",
                source_customer_id_b="source_customer_id_a",
                **{c: pl.col(c) for c in list(LINKS_SCHEMA)[5:]},
            ),
        ]
    ).sort("channel_a", "source_customer_id_a", "channel_b", "source_customer_id_b")
    chosen = (
        cmap.select(*keys, own=pl.col("rule"))
        .join(
            sides.rename({"channel_a": "channel", "source_customer_id_a": "source_customer_id"}),
            on=keys,
        )
        .sort(pl.col("rule") != pl.col("own"), maintain_order=True)
        .unique(keys, keep="first", maintain_order=True)
        .rename({"channel": "channel_a", "source_customer_id": "source_customer_id_a"})
    )
    described = describe_links(chosen).select(
        channel=pl.col("channel_a"),
        source_customer_id=pl.col("source_customer_id_a"),
        reason=pl.col("reason"),
        reason_zh=pl.col("reason_zh"),
    )
    singles = describe_links(
        cmap.select(
            "customer_id",
            channel_a=pl.col("channel"),
            source_customer_id_a=pl.col("source_customer_id"),
            channel_b=pl.lit(None, dtype=pl.String),
            source_customer_id_b=pl.lit(None, dtype=pl.String),
            rule=pl.lit("singleton"),
            key_type=pl.lit(None, dtype=pl.String),
            key_masked=pl.lit(None, dtype=pl.String),
            score=pl.lit(None, dtype=pl.Float64),
            name_score=pl.lit(None, dtype=pl.Float64),
            same_birth_date=pl.lit(None, dtype=pl.Boolean),
            user_name=pl.lit(None, dtype=pl.String),
            decided_at=pl.lit(None, dtype=UTC_TIME),
        )
    ).select(
        channel=pl.col("channel_a"),
        source_customer_id=pl.col("source_customer_id_a"),
        single=pl.col("reason"),
        single_zh=pl.col("reason_zh"),
    )
    order = {t: i for i, t in enumerate(TABLE_COLUMNS)}
    out = (
        where.cast({"channel": pl.String, "table": pl.String, "source_customer_id": pl.String})
        .join(cmap, on=keys, how="left")
        .join(described, on=keys, how="left")
        .join(singles, on=keys, how="left")
        .with_columns(
            rule=pl.col("rule").fill_null("unresolved"),
            reason=pl.when(pl.col("customer_id").is_null())
            .then(pl.lit("not resolved yet: run `cimlab customers resolve`"))
            .otherwise(pl.coalesce("reason", "single")),
            reason_zh=pl.when(pl.col("customer_id").is_null())
            .then(pl.lit("尚未识别：请运行 `cimlab customers resolve`"))
            .otherwise(pl.coalesce("reason_zh", "single_zh")),
            _t=pl.col("table").replace_strict(order, return_dtype=pl.Int64),
        )
        .sort("channel", "source_customer_id", "_t")
        .select(list(_EXPORT_SCHEMA))
    )
    return out.cast(_EXPORT_SCHEMA)  # type: ignore[arg-type]
