"""Identity resolution: one ``customer_id`` per person across channels, with the reason why.

A **source record** is one ``(channel, source_customer_id)`` pair, wherever it appears
(``customers``, or the customer reference of ``orders``, ``interactions``, ``feedback``).
:func:`source_records` gathers each record's usable identifiers; :func:`resolve_records` links
records into customers; :func:`resolve` does the same on a workspace and writes
``identity_map`` (and the tables below) in one transaction.

Rules, in the order they are applied
-------------------------------------
1. **Keys.** A record offers at most one phone (E.164, never a platform-masked one), one
   e-mail (lower-cased) and, for channels of a shared id space, its source id. The profile in
   ``customers`` comes first; orders fill what it lacks with the most recent non-null buyer
   details. Masked names and phones are never identifiers.
2. **Shared id spaces** (``IdentitySettings.shared_id_groups``): channels whose ids name the
   same person. The demo's call centre records the caller's online-shop ``customer_id`` when
   there is one (``cimlab/demo.py``), so the default is ``(("online_shop", "call_centre"),)``.
3. **Over-merge guard.** A key is *blocked* (not used) when it matches a placeholder pattern
   (``13800000000``, ``12345678`` runs, ``test@test.com``, ``none@…``, ``noreply@…``,
   ``123@qq.com``, ``a@a.com``), when more than ``max_records_per_channel`` records of one
   channel carry it (default 2), or when more than ``max_records_per_key`` records carry it
   in all (default 12). A person has about one record per channel, so an honest phone sits on
   one record in each channel they use (in the demo up to five: four sales channels and the
   call centre, the Tmall membership sharing the buyer's record); a company switchboard, a
   shop's own number or a placeholder shows up under many ids of one channel. Two per channel
   let a couple share a phone. Blocked keys are listed with their counts, masked and as a
   sha256 of ``"<key_type>:<value>"``, never raw.
4. **Links are transitive**: connected components of the sparse record × key incidence graph
   (``scipy.sparse.csgraph.connected_components``), plus record–record edges from overrides and
   the fuzzy pass.
5. **Fuzzy pass** (``fuzzy=True``): records sharing a city and a birth date, or a city and a
   surname (a name token for Latin names), are compared with rapidfuzz's
   ``token_sort_ratio``. ``score = 0.6·name + 0.15·same city + 0.25·birth`` where birth is 1
   (same date), 0.4 (unknown) or 0 (different; the score is then also halved); a name carried
   by more than ``max_records_per_channel`` records of one channel (several people) counts
   half. Pairs scoring ``>= threshold``
   are linked (rule ``fuzzy_name``); pairs in ``[review_threshold, threshold)`` are proposed in
   ``identity_review`` and never merged until a person accepts them.
6. **Manual overrides win** and are replayed in time order on every run: a merge links all
   records of both customers; a split keeps each part together and apart from the others
   (keys shared across parts stop linking, and a record that would bridge two parts does
   not join either); accepting a proposal is a merge of its two records, rejecting it keeps
   them apart. A later merge lifts an earlier split between the records it joins.
7. **Stable ids**: a component keeps the id most of its records had (ties: the oldest id);
   when two components claim one id, the one with more of its records wins (then the one
   holding the oldest record) and the other gets a new id. Ids are ``C`` + 6 or more digits,
   issued in order of first appearance and never reused (``identity_ids``).

Each record's ``rule`` in ``identity_map`` is its last manual action if any, else the strongest
link it takes part in (shared_id > phone > email > fuzzy_name), else ``singleton``.

Quality on the demo (``tests/test_identity.py`` prints it; deterministic pass): precision 1.0
and recall 0.972 of *all* same-person pairs (people=5,000: 5,537 of 5,697 pairs; people=600:
648 of 664), and recall 1.0 of the pairs joined by a chain of shared identifiers
(:func:`linkable_truth`). The missed pairs carry no identifier to link on: Tmall buyers who are
not brand members and whose every order masks the phone, callers the call centre knows only by
an office landline, and records whose contact row was broken on purpose and quarantined. The fuzzy pass adds no correct link on the demo; its proposals
go to review.

Tables (created with ``Workspace.ensure_tables``): ``identity_map``, ``identity_links`` (one
row per link: a spanning star per key, plus manual and fuzzy links), ``identity_blocked_keys``,
``identity_review``, ``identity_overrides``, ``identity_ids``, ``identity_runs``.

Examples
--------
>>> import polars as pl
>>> records = pl.DataFrame({
...     "channel": ["online_shop", "wechat", "offline_store"],
...     "source_customer_id": ["0001034", "o8fK2", "088800000021"],
...     "phone": ["+8613800138000", "+8613800138000", None],
...     "email": ["li.na@qq.com", None, "li.na@qq.com"],
... })
>>> res = resolve_records(records)
>>> res.map.select("channel", "customer_id", "rule").rows()
[('offline_store', 'C000001', 'email'), ('online_shop', 'C000001', 'phone'), ('wechat', 'C000001', 'phone')]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cimlab.errors import WorkspaceError
from cimlab.ingest.parsing import is_masked_name, is_masked_phone, normalize_email, normalize_phone
from cimlab.privacy import mask_email_expr, mask_phone_expr
from cimlab.workspace import Workspace

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "BLOCKED_SCHEMA",
    "DDL",
    "KEYS_SCHEMA",
    "LINKS_SCHEMA",
    "MAP_SCHEMA",
    "RECORDS_SCHEMA",
    "REVIEW_SCHEMA",
    "IdentitySettings",
    "OverrideResult",
    "Resolution",
    "ResolutionResult",
    "accept",
    "blocked_keys",
    "customer_map",
    "explain",
    "guard_keys",
    "linkable_truth",
    "links_export",
    "merge",
    "merge_customers",
    "pair_quality",
    "record_keys",
    "reject",
    "resolve",
    "resolve_again",
    "resolve_records",
    "review_queue",
    "source_records",
    "split",
    "split_customer",
    "unlinked_records",
]

_UTC = pl.Datetime("us", "UTC")

#: Columns of :func:`source_records`.
RECORDS_SCHEMA: dict[str, pl.DataType] = {
    "channel": pl.String(),
    "source_customer_id": pl.String(),
    "name": pl.String(),
    "phone": pl.String(),
    "email": pl.String(),
    "city": pl.String(),
    "birth_date": pl.Date(),
    "tables": pl.List(pl.String()),
    "first_seen": _UTC,
}
#: Columns of :func:`record_keys`.
KEYS_SCHEMA: dict[str, pl.DataType] = {
    "channel": pl.String(),
    "source_customer_id": pl.String(),
    "key_type": pl.String(),
    "key": pl.String(),
}
#: Columns of :func:`customer_map` (``identity_map`` without ``resolved_at``).
MAP_SCHEMA: dict[str, pl.DataType] = {
    "channel": pl.String(),
    "source_customer_id": pl.String(),
    "customer_id": pl.String(),
    "rule": pl.String(),
    "key_type": pl.String(),
    "score": pl.Float64(),
}
#: Columns of ``Resolution.links`` (``identity_links`` without ``resolved_at``).
LINKS_SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "channel_a": pl.String(),
    "source_customer_id_a": pl.String(),
    "channel_b": pl.String(),
    "source_customer_id_b": pl.String(),
    "rule": pl.String(),
    "key_type": pl.String(),
    "key_masked": pl.String(),
    "score": pl.Float64(),
    "name_score": pl.Float64(),
    "same_birth_date": pl.Boolean(),
    "user_name": pl.String(),
    "decided_at": _UTC,
}
#: Columns of :func:`guard_keys`'s blocked frame and :func:`blocked_keys`.
BLOCKED_SCHEMA: dict[str, pl.DataType] = {
    "key_type": pl.String(),
    "key_hash": pl.String(),
    "key_masked": pl.String(),
    "records": pl.Int64(),
    "channels": pl.Int64(),
    "reason": pl.String(),
}
#: Columns of ``Resolution.review`` (open proposals).
REVIEW_SCHEMA: dict[str, pl.DataType] = {
    "review_id": pl.String(),
    "channel_a": pl.String(),
    "source_customer_id_a": pl.String(),
    "channel_b": pl.String(),
    "source_customer_id_b": pl.String(),
    "score": pl.Float64(),
    "name_score": pl.Float64(),
    "same_city": pl.Boolean(),
    "same_birth_date": pl.Boolean(),
}
_OVERRIDES_SCHEMA: dict[str, pl.DataType] = {
    "override_id": pl.Int64(),
    "action": pl.String(),
    "part": pl.Int64(),
    "channel": pl.String(),
    "source_customer_id": pl.String(),
    "customer_id": pl.String(),
    "created_at": _UTC,
    "user_name": pl.String(),
    "note": pl.String(),
}

#: The identity tables; :func:`resolve` creates them with ``Workspace.ensure_tables``.
DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS identity_map (
        channel VARCHAR NOT NULL, source_customer_id VARCHAR NOT NULL,
        customer_id VARCHAR NOT NULL, rule VARCHAR NOT NULL, key_type VARCHAR, score DOUBLE,
        resolved_at TIMESTAMPTZ NOT NULL, PRIMARY KEY (channel, source_customer_id))""",
    """CREATE TABLE IF NOT EXISTS identity_links (
        customer_id VARCHAR NOT NULL, channel_a VARCHAR NOT NULL,
        source_customer_id_a VARCHAR NOT NULL, channel_b VARCHAR NOT NULL,
        source_customer_id_b VARCHAR NOT NULL, rule VARCHAR NOT NULL, key_type VARCHAR,
        key_masked VARCHAR, score DOUBLE, name_score DOUBLE, same_birth_date BOOLEAN,
        user_name VARCHAR, decided_at TIMESTAMPTZ, resolved_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS identity_blocked_keys (
        key_type VARCHAR NOT NULL, key_hash VARCHAR NOT NULL, key_masked VARCHAR,
        records BIGINT NOT NULL, channels BIGINT NOT NULL, reason VARCHAR NOT NULL,
        resolved_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS identity_review (
        review_id VARCHAR PRIMARY KEY, channel_a VARCHAR NOT NULL,
        source_customer_id_a VARCHAR NOT NULL, channel_b VARCHAR NOT NULL,
        source_customer_id_b VARCHAR NOT NULL, score DOUBLE NOT NULL, name_score DOUBLE,
        same_city BOOLEAN, same_birth_date BOOLEAN,
        status VARCHAR NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
        proposed_at TIMESTAMPTZ NOT NULL, decided_at TIMESTAMPTZ, decided_by VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS identity_overrides (
        override_id BIGINT NOT NULL,
        action VARCHAR NOT NULL CHECK (action IN ('merge', 'split', 'accept', 'reject')),
        part BIGINT NOT NULL, channel VARCHAR NOT NULL, source_customer_id VARCHAR NOT NULL,
        customer_id VARCHAR, created_at TIMESTAMPTZ NOT NULL, user_name VARCHAR, note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS identity_ids (
        customer_id VARCHAR PRIMARY KEY, number BIGINT NOT NULL,
        issued_at TIMESTAMPTZ NOT NULL, retired_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS identity_runs (
        run_id BIGINT NOT NULL, resolved_at TIMESTAMPTZ NOT NULL, fuzzy BOOLEAN NOT NULL,
        settings VARCHAR NOT NULL, summary VARCHAR NOT NULL)""",
)

# Rust regex syntax (no back-references), matched against E.164 numbers and lower-cased e-mails.
_SAME_8 = "|".join(str(d) * 8 for d in range(10))
_SAME_LOCAL = "|".join(f"{c}+" for c in "abcdefghijklmnopqrstuvwxyz0123456789")
_PLACEHOLDER_PHONES: tuple[str, ...] = (
    rf"(?:{_SAME_8})$",  # 13800000000, 13911111111, 00000000
    r"(?:01234567|12345678|23456789|98765432|87654321|76543210)",  # 13812345678
)
_PLACEHOLDER_EMAILS: tuple[str, ...] = (
    r"^(?:test|testing|tester|none|null|nil|na|n/a|no|noreply|no-reply|no_reply|donotreply"
    r"|do-not-reply|do_not_reply|unknown|nobody|noemail|nomail|no-mail|example|sample|fake"
    r"|dummy|abc|asdf|qwerty|xxx+)@",
    rf"^(?:{_SAME_LOCAL})@",  # a@a.com, aaa@..., 111@...
    r"^0?123(?:4(?:5(?:6(?:7(?:8(?:9)?)?)?)?)?)?@",  # 123@qq.com, 123456@163.com
    r"@(?:test|example|invalid|localhost|none|null|noreply|no-reply|nomail|mailinator)(?:\.|$)",
)
_RULE_RANK = {
    "manual_merge": 0,
    "manual_split": 1,
    "shared_id": 2,
    "phone": 3,
    "email": 4,
    "fuzzy_name": 5,
}
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


# --------------------------------------------------------------------------------------------
# Settings and results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentitySettings:
    """What links records; every field is documented in the module docstring.

    Parameters
    ----------
    shared_id_groups
        Groups of channels whose source ids are one id space (the same id = the same person).
    max_records_per_key
        A phone, e-mail or shared id carried by more records than this (all channels together)
        is blocked.
    max_records_per_channel
        A key carried by more records than this within one channel is blocked.
    placeholder_phones, placeholder_emails
        Regular expressions (Rust syntax, no back-references) of values that identify nobody,
        matched against E.164 phones and lower-cased e-mails.
    threshold, review_threshold
        Fuzzy scores ``>= threshold`` link; ``[review_threshold, threshold)`` go to review.
    max_block_size
        Fuzzy blocks (same city and birth date, or same city and surname) larger than this are
        skipped (too common to tell people apart, and quadratic to compare).

    Examples
    --------
    >>> IdentitySettings().shared_id_groups
    (('online_shop', 'call_centre'),)
    >>> IdentitySettings(max_records_per_key=8).max_records_per_key
    8
    """

    shared_id_groups: tuple[tuple[str, ...], ...] = (("online_shop", "call_centre"),)
    max_records_per_key: int = 12
    max_records_per_channel: int = 2
    placeholder_phones: tuple[str, ...] = _PLACEHOLDER_PHONES
    placeholder_emails: tuple[str, ...] = _PLACEHOLDER_EMAILS
    threshold: float = 0.9
    review_threshold: float = 0.8
    max_block_size: int = 200

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (``identity_runs`` keeps it to replay manual actions)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IdentitySettings:
        """Inverse of :meth:`to_dict` (lists become tuples)."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        if "shared_id_groups" in values:
            values["shared_id_groups"] = tuple(tuple(g) for g in values["shared_id_groups"])
        for name in ("placeholder_phones", "placeholder_emails"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)


def _check_settings(settings: IdentitySettings | None) -> IdentitySettings:
    s = IdentitySettings() if settings is None else settings
    if not isinstance(s, IdentitySettings):
        raise TypeError(f"settings must be an IdentitySettings, not {type(s).__name__}.")
    if isinstance(s.max_records_per_key, bool) or not isinstance(s.max_records_per_key, int):
        raise ValueError(f"max_records_per_key={s.max_records_per_key!r} should be an integer.")
    if s.max_records_per_key < 2:
        raise ValueError(f"max_records_per_key={s.max_records_per_key} should be >= 2.")
    limit = s.max_records_per_channel
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"max_records_per_channel={limit!r} should be an integer >= 1.")
    if not 0 < s.review_threshold <= s.threshold <= 1:
        raise ValueError(
            f"review_threshold={s.review_threshold} and threshold={s.threshold} should satisfy "
            "0 < review_threshold <= threshold <= 1."
        )
    if s.max_block_size < 2:
        raise ValueError(f"max_block_size={s.max_block_size} should be >= 2.")
    for group in s.shared_id_groups:
        if isinstance(group, str) or len(group) < 2:
            raise ValueError(
                f"shared_id_groups entry {group!r} should be a tuple of at least two channels."
            )
    return s


@dataclass(frozen=True)
class ResolutionResult:
    """Counts of one resolution run.

    Examples
    --------
    >>> r = ResolutionResult(records=3, customers=2, links_by_rule={"phone": 1})
    >>> r.summary()["links"]
    1
    """

    records: int
    customers: int
    links_by_rule: dict[str, int] = field(default_factory=dict)
    blocked_keys: int = 0
    review_proposals: int = 0
    ids_kept: int = 0
    ids_new: int = 0
    ids_retired: int = 0
    fuzzy: bool = False
    resolved_at: dt.datetime | None = None

    def summary(self) -> dict[str, Any]:
        """JSON-able summary (for ``cimlab customers resolve --json``)."""
        out = asdict(self)
        out["links"] = sum(self.links_by_rule.values())
        out["resolved_at"] = None if self.resolved_at is None else self.resolved_at.isoformat()
        return out


@dataclass(frozen=True)
class Resolution:
    """Everything :func:`resolve_records` computed (frames in memory, nothing written).

    ``map`` has :data:`MAP_SCHEMA`, ``links`` :data:`LINKS_SCHEMA`, ``blocked``
    :data:`BLOCKED_SCHEMA`, ``review`` :data:`REVIEW_SCHEMA`; ``new_ids`` are the ids issued
    (``customer_id``, ``number``) and ``retired_ids`` the previous ids no customer kept.
    """

    map: pl.DataFrame
    links: pl.DataFrame
    blocked: pl.DataFrame
    review: pl.DataFrame
    new_ids: pl.DataFrame
    retired_ids: list[str]
    result: ResolutionResult


@dataclass(frozen=True)
class OverrideResult:
    """What a manual merge, split, accept or reject left: the customers concerned, the run."""

    customer_ids: tuple[str, ...]
    resolution: ResolutionResult


# --------------------------------------------------------------------------------------------
# Source records
# --------------------------------------------------------------------------------------------

_TABLE_COLUMNS: dict[str, dict[str, pl.DataType]] = {
    "customers": {
        "channel": pl.String(),
        "source_customer_id": pl.String(),
        "name": pl.String(),
        "name_is_masked": pl.Boolean(),
        "phone": pl.String(),
        "phone_is_masked": pl.Boolean(),
        "email": pl.String(),
        "birth_date": pl.Date(),
        "city": pl.String(),
        "signup_date": pl.Date(),
        "batch_id": pl.Int64(),
        "source_line": pl.Int64(),
    },
    "orders": {
        "channel": pl.String(),
        "source_customer_id": pl.String(),
        "customer_name": pl.String(),
        "name_is_masked": pl.Boolean(),
        "phone": pl.String(),
        "phone_is_masked": pl.Boolean(),
        "email": pl.String(),
        "city": pl.String(),
        "order_ts": _UTC,
    },
    "interactions": {"channel": pl.String(), "source_customer_id": pl.String(), "ts": _UTC},
    "feedback": {"channel": pl.String(), "source_customer_id": pl.String(), "ts": _UTC},
}


def _conform(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """The columns identity needs, in order; optional ones missing become nulls."""
    wanted = _TABLE_COLUMNS[table]
    for required in ("channel", "source_customer_id"):
        if required not in frame.columns:
            raise ValueError(
                f"the {table} frame has no {required!r} column; give canonical tables "
                "(see cimlab.contracts.models)."
            )
    exprs = []
    for name, dtype in wanted.items():
        if name in frame.columns:
            expr = pl.col(name)
            have = frame.schema[name]
            naive = isinstance(have, pl.Datetime) and have.time_zone is None
            if isinstance(dtype, pl.Datetime) and naive:
                expr = expr.dt.replace_time_zone("UTC")
            exprs.append(expr.cast(dtype))
        elif name in ("name_is_masked", "phone_is_masked"):
            source = "customer_name" if table == "orders" and name == "name_is_masked" else None
            source = source or ("name" if name == "name_is_masked" else "phone")
            if source in frame.columns:
                test = is_masked_name if name == "name_is_masked" else is_masked_phone
                exprs.append(test(pl.col(source)).fill_null(False).alias(name))
            else:
                exprs.append(pl.lit(False).alias(name))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(exprs).filter(pl.col("source_customer_id").is_not_null())


def _usable_phone(phone: str, masked: str) -> pl.Expr:
    """E.164 phone unless masked (the flag, or the shape) or unreadable."""
    normal = normalize_phone(pl.col(phone))
    return (
        pl.when(~pl.col(masked) & normal.str.starts_with("+"))
        .then(normal)
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def _load_tables(run: Callable[[str], pl.DataFrame]) -> dict[str, pl.DataFrame]:
    out = {}
    for table, columns in _TABLE_COLUMNS.items():
        names = ", ".join(f'"{c}"' for c in columns)
        out[table] = run(f"SELECT {names} FROM {table}")
    return out


def source_records(ws_or_tables: Workspace | Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per source record with its usable identifiers (:data:`RECORDS_SCHEMA`).

    Parameters
    ----------
    ws_or_tables
        A workspace, or canonical frames by table name (``customers``, ``orders``,
        ``interactions``, ``feedback``; any may be missing; optional columns may be missing).

    Returns
    -------
    pl.DataFrame
        ``channel, source_customer_id, name, phone, email, city, birth_date, tables,
        first_seen``, sorted by channel and id. ``phone`` is E.164 and null when masked;
        ``name`` is null when masked. Values come from the latest ``customers`` row first,
        then from the most recent order that has them. ``tables`` lists where the record
        appears; ``first_seen`` is its earliest signup, order, interaction or feedback.

    Examples
    --------
    >>> import datetime as dt
    >>> orders = pl.DataFrame({
    ...     "channel": ["tmall"] * 3, "source_customer_id": ["tb1"] * 3,
    ...     "customer_name": ["林**", "林一", "林**"], "phone": ["13800138000", "138****8000", None],
    ...     "order_ts": [dt.datetime(2024, 1, d) for d in (1, 2, 3)]})
    >>> source_records({"orders": orders}).select("name", "phone", "tables").row(0)
    ('林一', '+8613800138000', ['orders'])
    """
    if isinstance(ws_or_tables, Workspace):
        tables = _load_tables(ws_or_tables.query)
    else:
        unknown = sorted(set(ws_or_tables) - set(_TABLE_COLUMNS))
        if unknown:
            raise ValueError(f"unknown tables {unknown}; give some of {', '.join(_TABLE_COLUMNS)}.")
        tables = dict(ws_or_tables)
    return _source_records(tables)


def _source_records(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    keys = ["channel", "source_customer_id"]
    empty = {t: pl.DataFrame(schema=c) for t, c in _TABLE_COLUMNS.items()}
    frames = {t: _conform(tables.get(t, empty[t]), t) for t in _TABLE_COLUMNS}

    c = frames["customers"]
    if c["batch_id"].null_count() < c.height:
        c = c.sort("batch_id", "source_line", nulls_last=False, maintain_order=True)
    prof = c.group_by(keys, maintain_order=True).agg(
        pl.when(~pl.col("name_is_masked")).then(pl.col("name")).drop_nulls().last().alias("c_name"),
        _usable_phone("phone", "phone_is_masked").drop_nulls().last().alias("c_phone"),
        normalize_email(pl.col("email")).drop_nulls().last().alias("c_email"),
        pl.col("city").drop_nulls().last().alias("c_city"),
        pl.col("birth_date").drop_nulls().last(),
    )
    o = frames["orders"].sort("order_ts", nulls_last=False, maintain_order=True)
    buys = o.group_by(keys, maintain_order=True).agg(
        pl.when(~pl.col("name_is_masked"))
        .then(pl.col("customer_name"))
        .drop_nulls()
        .last()
        .alias("o_name"),
        _usable_phone("phone", "phone_is_masked").drop_nulls().last().alias("o_phone"),
        normalize_email(pl.col("email")).drop_nulls().last().alias("o_email"),
        pl.col("city").drop_nulls().last().alias("o_city"),
    )
    seen = pl.concat(
        [
            frames["customers"].select(
                *keys,
                table=pl.lit("customers"),
                ts=pl.col("signup_date").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
            ),
            frames["orders"].select(*keys, table=pl.lit("orders"), ts=pl.col("order_ts")),
            frames["interactions"].select(*keys, table=pl.lit("interactions"), ts=pl.col("ts")),
            frames["feedback"].select(*keys, table=pl.lit("feedback"), ts=pl.col("ts")),
        ]
    )
    where = (
        seen.group_by(*keys, "table", maintain_order=True)
        .agg(pl.col("ts").min())
        .group_by(keys, maintain_order=True)
        .agg(pl.col("table").alias("tables"), pl.col("ts").min().alias("first_seen"))
    )
    out = (
        where.join(prof, on=keys, how="left")
        .join(buys, on=keys, how="left")
        .select(
            *keys,
            name=pl.coalesce("c_name", "o_name").str.strip_chars(),
            phone=pl.coalesce("c_phone", "o_phone"),
            email=pl.coalesce("c_email", "o_email"),
            city=pl.coalesce("c_city", "o_city"),
            birth_date=pl.col("birth_date"),
            tables=pl.col("tables"),
            first_seen=pl.col("first_seen"),
        )
        .with_columns(pl.when(pl.col("name") != "").then(pl.col("name")).alias("name"))
        .sort(keys)
    )
    return out.cast(RECORDS_SCHEMA)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Keys and the over-merge guard
# --------------------------------------------------------------------------------------------


def _keys(rec: pl.DataFrame, s: IdentitySettings) -> pl.DataFrame:
    """(rid, channel, key_type, key) for records carrying ``rid``."""
    parts = [
        rec.select("rid", "channel", key_type=pl.lit("phone"), key=pl.col("phone")),
        rec.select("rid", "channel", key_type=pl.lit("email"), key=pl.col("email")),
    ]
    for g, group in enumerate(s.shared_id_groups):
        parts.append(
            rec.filter(pl.col("channel").is_in(list(group))).select(
                "rid",
                "channel",
                key_type=pl.lit("shared_id"),
                key=pl.lit(f"{g}|") + pl.col("source_customer_id"),
            )
        )
    return pl.concat(parts).filter(pl.col("key").is_not_null())


def record_keys(records: pl.DataFrame, *, settings: IdentitySettings | None = None) -> pl.DataFrame:
    """Every identifier a record offers (:data:`KEYS_SCHEMA`), before the over-merge guard.

    ``key_type`` is ``phone`` (E.164), ``email`` or ``shared_id`` (``"<group>|<source id>"``
    for channels of ``settings.shared_id_groups``). Keys stay in memory: nothing stores them
    raw.

    Examples
    --------
    >>> recs = pl.DataFrame({"channel": ["call_centre"], "source_customer_id": ["0001034"],
    ...                      "phone": [None], "email": ["a.li@qq.com"]})
    >>> record_keys(recs).select("key_type", "key").rows()
    [('email', 'a.li@qq.com'), ('shared_id', '0|0001034')]
    """
    s = _check_settings(settings)
    rec = _prepare(records)
    keys = _keys(rec, s)
    return keys.join(rec.select("rid", "source_customer_id"), on="rid").select(list(KEYS_SCHEMA))


def _placeholder(s: IdentitySettings) -> pl.Expr:
    phone = "|".join(f"(?:{p})" for p in s.placeholder_phones) or "$^"
    email = "|".join(f"(?:{p})" for p in s.placeholder_emails) or "$^"
    return (
        pl.when(pl.col("key_type") == "phone")
        .then(pl.col("key").str.contains(phone))
        .when(pl.col("key_type") == "email")
        .then(pl.col("key").str.contains(email))
        .otherwise(False)
    )


def _mask_key() -> pl.Expr:
    return (
        pl.when(pl.col("key_type") == "phone")
        .then(mask_phone_expr(pl.col("key")))
        .when(pl.col("key_type") == "email")
        .then(mask_email_expr(pl.col("key")))
        .otherwise(pl.col("key").str.replace(r"^[0-9]+\|", ""))
    )


def _hash_keys(frame: pl.DataFrame) -> pl.Series:
    values = (frame["key_type"] + ":" + frame["key"]).to_list()
    return pl.Series(
        "key_hash", [hashlib.sha256(v.encode()).hexdigest() for v in values], dtype=pl.String
    )


def _blocked_frame(counts: pl.DataFrame) -> pl.DataFrame:
    """(key_type, key, records, channels, reason) → :data:`BLOCKED_SCHEMA` without raw keys."""
    if counts.is_empty():
        return pl.DataFrame(schema=BLOCKED_SCHEMA)
    return (
        counts.with_columns(key_hash=_hash_keys(counts), key_masked=_mask_key())
        .select(list(BLOCKED_SCHEMA))
        .cast(BLOCKED_SCHEMA)  # type: ignore[arg-type]
        .sort("reason", "records", "key_type", "key_hash", descending=[False, True, False, False])
    )


def _guard(keys: pl.DataFrame, s: IdentitySettings) -> tuple[pl.DataFrame, pl.DataFrame]:
    counts = (
        keys.group_by("key_type", "key", "channel")
        .agg(in_channel=pl.len())
        .group_by("key_type", "key")
        .agg(
            records=pl.col("in_channel").sum().cast(pl.Int64),
            channels=pl.len().cast(pl.Int64),
            in_channel=pl.col("in_channel").max(),
        )
    )
    flagged = (
        counts.with_columns(
            reason=pl.when(_placeholder(s))
            .then(pl.lit("placeholder"))
            .when(pl.col("records") > s.max_records_per_key)
            .then(pl.lit("too_many_records"))
            .when(pl.col("in_channel") > s.max_records_per_channel)
            .then(pl.lit("too_many_in_channel"))
        )
        .filter(pl.col("reason").is_not_null())
        .drop("in_channel")
    )
    usable = keys.join(flagged.select("key_type", "key"), on=["key_type", "key"], how="anti")
    return usable, flagged


def guard_keys(
    keys: pl.DataFrame, *, settings: IdentitySettings | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split keys into the usable ones and the blocked ones (the over-merge guard).

    Parameters
    ----------
    keys
        :func:`record_keys` output.
    settings
        ``max_records_per_key``, ``max_records_per_channel`` and the placeholder patterns.

    Returns
    -------
    tuple of pl.DataFrame
        The usable keys (same columns as ``keys``), and one row per blocked key
        (:data:`BLOCKED_SCHEMA`: masked, sha256, records, channels, reason ``placeholder``,
        ``too_many_records`` or ``too_many_in_channel``).

    Examples
    --------
    >>> keys = pl.DataFrame({"channel": ["shop", "shop"], "source_customer_id": ["1", "2"],
    ...                      "key_type": ["email", "email"], "key": ["test@test.com", "li@qq.com"]})
    >>> usable, blocked = guard_keys(keys)
    >>> usable["key"].to_list(), blocked.select("key_masked", "reason").row(0)
    (['li@qq.com'], ('t***@test.com', 'placeholder'))
    """
    s = _check_settings(settings)
    usable, flagged = _guard(keys, s)
    return usable, _blocked_frame(flagged)


# --------------------------------------------------------------------------------------------
# Fuzzy pass
# --------------------------------------------------------------------------------------------


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


def _fuzzy_pairs(rec: pl.DataFrame, s: IdentitySettings) -> pl.DataFrame:
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


# --------------------------------------------------------------------------------------------
# Overrides
# --------------------------------------------------------------------------------------------


@dataclass
class _Manual:
    edges: pl.DataFrame  # a, b, rule, key_type, user_name, decided_at
    pins: pl.DataFrame  # rid, split, part
    last: pl.DataFrame  # rid, manual


def _replay(overrides: pl.DataFrame | None, rec: pl.DataFrame) -> _Manual:
    """Replay manual actions in time order into must-link edges, split pins and last actions."""
    edge_schema = {
        "a": pl.UInt32(),
        "b": pl.UInt32(),
        "rule": pl.String(),
        "key_type": pl.String(),
        "user_name": pl.String(),
        "decided_at": _UTC,
    }
    none = _Manual(
        pl.DataFrame(schema=edge_schema),
        pl.DataFrame(schema={"rid": pl.UInt32(), "split": pl.Int64(), "part": pl.Int64()}),
        pl.DataFrame(schema={"rid": pl.UInt32(), "manual": pl.String()}),
    )
    if overrides is None or overrides.is_empty():
        return none
    missing = [c for c in _OVERRIDES_SCHEMA if c not in overrides.columns]
    if missing:
        raise ValueError(f"overrides frame lacks columns {missing}.")
    ov = (
        overrides.cast(_OVERRIDES_SCHEMA)  # type: ignore[arg-type]
        .join(
            rec.select("rid", "channel", "source_customer_id"), on=["channel", "source_customer_id"]
        )
        .sort("created_at", "override_id", "rid")
    )
    if ov.is_empty():
        return none
    edges: dict[tuple[int, int], tuple[str, str | None, str | None, dt.datetime | None]] = {}
    splits: list[dict[int, int]] = []
    last: dict[int, str] = {}
    for event in ov.partition_by("override_id", maintain_order=True):
        action = event["action"][0]
        who, when = event["user_name"][0], event["created_at"][0]
        rids = [int(r) for r in event["rid"].to_list()]
        if action in ("merge", "accept"):
            group = sorted(set(rids))
            for parts in splits:
                labels = {parts[r] for r in group if r in parts}
                if len(labels) > 1:
                    target = min(labels)
                    for r, p in parts.items():
                        if p in labels:
                            parts[r] = target
            key_type = "review" if action == "accept" else None
            for r in group[1:]:
                edges[(group[0], r)] = ("manual_merge", key_type, who, when)
            for r in group:
                last[r] = "manual_merge"
        else:  # split or reject: the parts stay apart
            parts = dict(zip(rids, (int(p) for p in event["part"].to_list()), strict=True))
            for a, b in list(edges):
                if a in parts and b in parts and parts[a] != parts[b]:
                    del edges[(a, b)]
            if action == "split":
                members: dict[int, list[int]] = {}
                for r, p in sorted(parts.items()):
                    members.setdefault(p, []).append(r)
                for group in members.values():
                    for r in group[1:]:
                        edges[(group[0], r)] = ("manual_split", None, who, when)
                for r in parts:
                    last[r] = "manual_split"
            splits.append(parts)
    edge_rows = [(a, b, *info) for (a, b), info in edges.items()]
    pin_rows = [(r, i, p) for i, parts in enumerate(splits) for r, p in parts.items()]
    return _Manual(
        pl.DataFrame(edge_rows, schema=edge_schema, orient="row"),
        pl.DataFrame(pin_rows, schema=none.pins.schema, orient="row"),
        pl.DataFrame(list(last.items()), schema=none.last.schema, orient="row"),
    )


def _conflicting(edges: pl.DataFrame, pins: pl.DataFrame, *, strict: bool) -> pl.Series:
    """Row indices of ``edges`` (a, b) that a split forbids.

    Not strict: both ends are in one split, in different parts. Strict: for some split holding
    either end, the other end is not in the same part.
    """
    if pins.is_empty() or edges.is_empty():
        return pl.Series("i", [], dtype=pl.UInt32)
    e = edges.select("a", "b").with_row_index("i")
    pa = e.join(pins, left_on="a", right_on="rid").select("i", "split", part_a=pl.col("part"))
    pb = e.join(pins, left_on="b", right_on="rid").select("i", "split", part_b=pl.col("part"))
    if strict:
        j = pa.join(pb, on=["i", "split"], how="full", coalesce=True)
    else:
        j = pa.join(pb, on=["i", "split"], how="inner")
    differ = (pl.col("part_a") != pl.col("part_b")).fill_null(True)
    return j.filter(differ)["i"].unique()


# --------------------------------------------------------------------------------------------
# The resolver
# --------------------------------------------------------------------------------------------


def _prepare(records: pl.DataFrame) -> pl.DataFrame:
    """Records with every :data:`RECORDS_SCHEMA` column, sorted, with a ``rid`` row number."""
    for required in ("channel", "source_customer_id"):
        if required not in records.columns:
            raise ValueError(f"records have no {required!r} column; use source_records().")
    fill = [
        pl.lit(None, dtype=d).alias(c)
        for c, d in RECORDS_SCHEMA.items()
        if c not in records.columns
    ]
    rec = (
        records.with_columns(fill)
        .select(list(RECORDS_SCHEMA))
        .cast(RECORDS_SCHEMA)  # type: ignore[arg-type]
        .filter(pl.col("channel").is_not_null() & pl.col("source_customer_id").is_not_null())
        .sort("channel", "source_customer_id")
    )
    dup = rec.select("channel", "source_customer_id").is_duplicated()
    if dup.any():
        first = rec.filter(dup).row(0, named=True)
        raise ValueError(
            f"records hold ({first['channel']}, {first['source_customer_id']}) more than once; "
            "give one row per source record (source_records() does)."
        )
    return rec.with_row_index("rid")


def _components(n: int, m: int, inc: pl.DataFrame, rr: pl.DataFrame) -> np.ndarray:
    """Component label of each record: records are nodes 0..n-1, keys n..n+m-1."""
    # SciPy loads here, not with the module: the CLI and the app's other pages never pay for it
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return np.zeros(0, dtype=np.int64)
    rows = np.concatenate(
        [inc["rid"].to_numpy().astype(np.int64), rr["a"].to_numpy().astype(np.int64)]
    )
    cols = np.concatenate(
        [inc["kid"].to_numpy().astype(np.int64) + n, rr["b"].to_numpy().astype(np.int64)]
    )
    graph = coo_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n + m, n + m)
    ).tocsr()
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels[:n], dtype=np.int64)


def _with_comp(rec: pl.DataFrame, labels: np.ndarray) -> pl.DataFrame:
    return rec.select("rid").with_columns(comp=pl.Series(labels))


def _review_ids(frame: pl.DataFrame) -> pl.Series:
    parts = zip(
        frame["channel_a"].to_list(),
        frame["source_customer_id_a"].to_list(),
        frame["channel_b"].to_list(),
        frame["source_customer_id_b"].to_list(),
        strict=True,
    )
    ids = ["R" + hashlib.sha256("\x1f".join(p).encode()).hexdigest()[:12] for p in parts]
    return pl.Series("review_id", ids, dtype=pl.String)


def _id_string(number: pl.Expr) -> pl.Expr:
    return pl.lit("C") + number.cast(pl.String).str.zfill(6)


def resolve_records(
    records: pl.DataFrame,
    *,
    settings: IdentitySettings | None = None,
    fuzzy: bool = False,
    overrides: pl.DataFrame | None = None,
    previous: pl.DataFrame | None = None,
    last_id: int = 0,
) -> Resolution:
    """Link source records into customers, in memory (the pure core of :func:`resolve`).

    Parameters
    ----------
    records
        :func:`source_records` output (at least ``channel``, ``source_customer_id``; missing
        identifier columns count as null).
    settings
        :class:`IdentitySettings` (defaults when ``None``).
    fuzzy
        Also run the fuzzy name pass (links and review proposals).
    overrides
        Manual actions (the ``identity_overrides`` table) to replay, or ``None``.
    previous
        The earlier map (``channel, source_customer_id, customer_id``) whose ids to keep.
    last_id
        Highest id number ever issued; new ids continue after it.

    Returns
    -------
    Resolution
        Map, links, blocked keys, review proposals, ids issued and retired, and counts.

    Examples
    --------
    >>> recs = pl.DataFrame({"channel": ["a", "b", "c"], "source_customer_id": ["1", "2", "3"],
    ...                      "phone": ["+8613912345670", "+8613912345670", None],
    ...                      "email": [None, "x.y@qq.com", "x.y@qq.com"]})
    >>> res = resolve_records(recs)
    >>> res.result.customers, res.result.links_by_rule
    (1, {'email': 1, 'phone': 1})
    """
    s = _check_settings(settings)
    if isinstance(last_id, bool) or not isinstance(last_id, int) or last_id < 0:
        raise ValueError(f"last_id={last_id!r} should be a whole number >= 0.")
    rec = _prepare(records)
    n = rec.height

    # Keys, guard, incidence (rid, kid).
    keys = _keys(rec, s)
    usable, flagged = _guard(keys, s)
    key_ids = usable.select("key_type", "key").unique(maintain_order=True).with_row_index("kid")
    m = key_ids.height
    inc = usable.join(key_ids, on=["key_type", "key"]).select("rid", "kid")

    # Manual overrides: keys shared across the parts of a split stop linking.
    manual = _replay(overrides, rec)
    if not manual.pins.is_empty():
        demoted = (
            inc.join(manual.pins, on="rid")
            .group_by("split", "kid")
            .agg(pl.col("part").n_unique().alias("parts"))
            .filter(pl.col("parts") > 1)
            .select("kid")
            .unique()
        )
        inc = inc.join(demoted, on="kid", how="anti")
        split_keys = key_ids.join(demoted, on="kid").join(
            keys.group_by("key_type", "key").agg(
                records=pl.len().cast(pl.Int64),
                channels=pl.col("channel").n_unique().cast(pl.Int64),
            ),
            on=["key_type", "key"],
        )
        flagged = pl.concat(
            [
                flagged,
                split_keys.select(
                    "key_type", "key", "records", "channels", reason=pl.lit("manual_split")
                ),
            ]
        )
    rr = manual.edges.with_columns(
        key_masked=pl.lit(None, dtype=pl.String),
        score=pl.lit(None, dtype=pl.Float64),
        name_score=pl.lit(None, dtype=pl.Float64),
        same_birth_date=pl.lit(None, dtype=pl.Boolean),
    )

    # Fuzzy pass: candidates between different components.
    review = pl.DataFrame(schema=REVIEW_SCHEMA)
    proposals = None
    if fuzzy and n:
        comp1 = _with_comp(rec, _components(n, m, inc, rr))
        pairs = _fuzzy_pairs(rec, s)
        pairs = pairs.join(comp1, left_on="a", right_on="rid").join(
            comp1, left_on="b", right_on="rid", suffix="_b"
        )
        pairs = pairs.filter(pl.col("comp") != pl.col("comp_b")).drop("comp", "comp_b")
        bad = _conflicting(pairs, manual.pins, strict=False)
        pairs = pairs.with_row_index("i").filter(~pl.col("i").is_in(bad.implode())).drop("i")
        auto = pairs.filter(pl.col("score") >= s.threshold)
        rr = pl.concat(
            [
                rr,
                auto.select(
                    "a",
                    "b",
                    rule=pl.lit("fuzzy_name"),
                    key_type=pl.lit("name"),
                    user_name=pl.lit(None, dtype=pl.String),
                    decided_at=pl.lit(None, dtype=_UTC),
                    key_masked=pl.lit(None, dtype=pl.String),
                    score=pl.col("score"),
                    name_score=pl.col("name_score"),
                    same_birth_date=pl.col("same_birth_date"),
                ),
            ]
        )
        proposals = pairs.filter(pl.col("score") < s.threshold)

    # Components, then enforce splits on components that still join two parts.
    labels = _components(n, m, inc, rr)
    if not manual.pins.is_empty():
        comp = _with_comp(rec, labels)
        bad_comps = (
            manual.pins.join(comp, on="rid")
            .group_by("split", "comp")
            .agg(pl.col("part").n_unique().alias("parts"))
            .filter(pl.col("parts") > 1)
            .select("comp")
            .unique()
        )
        if not bad_comps.is_empty():
            isolate = (
                manual.pins.join(comp, on="rid").join(bad_comps, on="comp").select("rid").unique()
            )
            inc = inc.join(isolate, on="rid", how="anti")
            touching = rr.with_row_index("i").filter(
                pl.col("a").is_in(isolate["rid"].implode())
                | pl.col("b").is_in(isolate["rid"].implode())
            )
            strict_bad = _conflicting(rr, manual.pins, strict=True)
            drop = touching.filter(pl.col("i").is_in(strict_bad.implode()))["i"]
            rr = rr.with_row_index("i").filter(~pl.col("i").is_in(drop.implode())).drop("i")
            labels = _components(n, m, inc, rr)
    comp = _with_comp(rec, labels)

    # Links: a star per key over the records still attached to it, plus record-record edges.
    key_links = (
        inc.join(key_ids, on="kid")
        .with_columns(hub=pl.col("rid").min().over("kid"))
        .filter(pl.col("rid") != pl.col("hub"))
        .select(
            a=pl.col("hub"),
            b=pl.col("rid"),
            rule=pl.col("key_type"),
            key_type=pl.col("key_type"),
            user_name=pl.lit(None, dtype=pl.String),
            decided_at=pl.lit(None, dtype=_UTC),
            key_masked=_mask_key(),
            score=pl.lit(None, dtype=pl.Float64),
            name_score=pl.lit(None, dtype=pl.Float64),
            same_birth_date=pl.lit(None, dtype=pl.Boolean),
        )
    )
    edges = pl.concat([key_links, rr.select(key_links.columns)])

    # Customer ids.
    ids, new_ids, retired, kept = _assign_ids(rec, comp, previous, last_id)
    rid_cols = rec.select("rid", "channel", "source_customer_id")
    links = (
        edges.join(ids, left_on="a", right_on="rid")
        .join(rid_cols, left_on="a", right_on="rid")
        .join(rid_cols, left_on="b", right_on="rid", suffix="_b")
        .select(
            "customer_id",
            channel_a=pl.col("channel"),
            source_customer_id_a=pl.col("source_customer_id"),
            channel_b=pl.col("channel_b"),
            source_customer_id_b=pl.col("source_customer_id_b"),
            rule=pl.col("rule"),
            key_type=pl.col("key_type"),
            key_masked=pl.col("key_masked"),
            score=pl.col("score"),
            name_score=pl.col("name_score"),
            same_birth_date=pl.col("same_birth_date"),
            user_name=pl.col("user_name"),
            decided_at=pl.col("decided_at"),
        )
        .cast(LINKS_SCHEMA)  # type: ignore[arg-type]
        .sort(
            "customer_id", "channel_a", "source_customer_id_a", "channel_b", "source_customer_id_b"
        )
    )

    # Each record's rule: its last manual action, else its strongest link, else singleton.
    ends = pl.concat(
        [
            edges.select(rid=pl.col("a"), rule="rule", key_type="key_type", score="score"),
            edges.select(rid=pl.col("b"), rule="rule", key_type="key_type", score="score"),
        ]
    )
    best = (
        ends.with_columns(rank=pl.col("rule").replace_strict(_RULE_RANK, return_dtype=pl.Int64))
        .sort("rid", "rank", "score", descending=[False, False, True], nulls_last=True)
        .group_by("rid", maintain_order=True)
        .first()
    )
    manual_key = (
        ends.filter(pl.col("rule").is_in(["manual_merge", "manual_split"]))
        .group_by("rid", "rule")
        .agg(pl.col("key_type").drop_nulls().first().alias("manual_key_type"))
    )
    table = (
        rec.select("rid", "channel", "source_customer_id")
        .join(ids, on="rid")
        .join(best.select("rid", "rule", "key_type", "score"), on="rid", how="left")
        .join(manual.last, on="rid", how="left")
        .join(manual_key, left_on=["rid", "manual"], right_on=["rid", "rule"], how="left")
        .with_columns(
            pl.when(pl.col("manual").is_not_null())
            .then(pl.col("manual_key_type"))
            .otherwise(pl.col("key_type"))
            .alias("key_type"),
            pl.when(pl.col("manual").is_not_null())
            .then(pl.lit(None, dtype=pl.Float64))
            .otherwise(pl.col("score"))
            .alias("score"),
            pl.coalesce("manual", "rule", pl.lit("singleton")).alias("rule"),
        )
        .select(list(MAP_SCHEMA))
        .cast(MAP_SCHEMA)  # type: ignore[arg-type]
    )

    # Review proposals: still in different customers after everything else.
    if proposals is not None and not proposals.is_empty():
        open_ = (
            proposals.join(comp, left_on="a", right_on="rid")
            .join(comp, left_on="b", right_on="rid", suffix="_b")
            .filter(pl.col("comp") != pl.col("comp_b"))
            .join(rid_cols, left_on="a", right_on="rid")
            .join(rid_cols, left_on="b", right_on="rid", suffix="_b")
            .select(
                channel_a=pl.col("channel"),
                source_customer_id_a=pl.col("source_customer_id"),
                channel_b=pl.col("channel_b"),
                source_customer_id_b=pl.col("source_customer_id_b"),
                score=pl.col("score"),
                name_score=pl.col("name_score"),
                same_city=pl.col("same_city"),
                same_birth_date=pl.col("same_birth_date"),
            )
        )
        review = (
            open_.with_columns(_review_ids(open_))
            .select(list(REVIEW_SCHEMA))
            .cast(REVIEW_SCHEMA)  # type: ignore[arg-type]
            .sort("score", "review_id", descending=[True, False])
        )

    blocked = _blocked_frame(flagged)
    by_rule = links.group_by("rule").len().sort("rule")
    result = ResolutionResult(
        records=n,
        customers=int(comp["comp"].n_unique()) if n else 0,
        links_by_rule=dict(zip(by_rule["rule"].to_list(), by_rule["len"].to_list(), strict=True)),
        blocked_keys=blocked.height,
        review_proposals=review.height,
        ids_kept=kept,
        ids_new=new_ids.height,
        ids_retired=len(retired),
        fuzzy=fuzzy,
    )
    return Resolution(table, links, blocked, review, new_ids, retired, result)


def _assign_ids(
    rec: pl.DataFrame, comp: pl.DataFrame, previous: pl.DataFrame | None, last_id: int
) -> tuple[pl.DataFrame, pl.DataFrame, list[str], int]:
    """(rid → customer_id, new ids, retired ids, number of ids kept)."""
    info = (
        rec.select("rid", "channel", "source_customer_id", "first_seen")
        .join(comp, on="rid")
        .with_columns(
            first=pl.col("first_seen").min().over("comp"), min_rid=pl.col("rid").min().over("comp")
        )
    )
    prev_ids: list[str] = []
    winners = pl.DataFrame(schema={"comp": pl.Int64(), "customer_id": pl.String()})
    if previous is not None and not previous.is_empty():
        prev = previous.select(
            pl.col("channel").cast(pl.String),
            pl.col("source_customer_id").cast(pl.String),
            pl.col("customer_id").cast(pl.String),
        )
        bad = prev.filter(~pl.col("customer_id").str.contains(r"^C[0-9]{6,}$"))
        if not bad.is_empty():
            raise ValueError(
                f"previous map holds customer_id {bad['customer_id'][0]!r}; ids are C + 6 digits."
            )
        prev_ids = prev["customer_id"].unique().sort().to_list()
        cand = (
            info.join(prev, on=["channel", "source_customer_id"])
            .group_by("comp", "customer_id")
            .agg(
                cnt=pl.len(),
                first=pl.col("first").first(),
                min_rid=pl.col("min_rid").first(),
            )
            .with_columns(num=pl.col("customer_id").str.slice(1).cast(pl.Int64))
        )
        prefer = (
            cand.sort(["comp", "cnt", "num"], descending=[False, True, False])
            .group_by("comp", maintain_order=True)
            .first()
        )
        winners = (
            prefer.sort(
                ["customer_id", "cnt", "first", "min_rid"],
                descending=[False, True, False, False],
                nulls_last=True,
            )
            .group_by("customer_id", maintain_order=True)
            .first()
            .select(pl.col("comp").cast(pl.Int64), "customer_id")
        )
    comps = (
        info.group_by("comp")
        .agg(pl.col("first").first(), pl.col("min_rid").first())
        .join(winners, on="comp", how="left")
    )
    fresh = (
        comps.filter(pl.col("customer_id").is_null())
        .sort("first", "min_rid", nulls_last=True)
        .with_row_index("k")
        .with_columns(number=pl.col("k").cast(pl.Int64) + last_id + 1)
        .with_columns(customer_id=_id_string(pl.col("number")))
    )
    assigned = pl.concat([winners, fresh.select(pl.col("comp").cast(pl.Int64), "customer_id")])
    ids = (
        comp.with_columns(pl.col("comp").cast(pl.Int64))
        .join(assigned, on="comp")
        .select("rid", "customer_id")
    )
    kept = set(winners["customer_id"].to_list())
    retired = [i for i in prev_ids if i not in kept]
    return ids, fresh.select("customer_id", "number"), retired, len(kept)


# --------------------------------------------------------------------------------------------
# Quality against a ground truth
# --------------------------------------------------------------------------------------------


def _pairs(counts: pl.Expr) -> pl.Expr:
    return (counts.cast(pl.Int64) * (counts.cast(pl.Int64) - 1) // 2).sum()


def pair_quality(predicted: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float | int]:
    """Precision, recall and F1 of same-person record pairs, from cluster sizes only.

    Parameters
    ----------
    predicted
        ``channel, source_customer_id, customer_id`` (e.g. :func:`customer_map`).
    truth
        ``channel, source_customer_id, person_id``; rows repeated per table are fine.

    Returns
    -------
    dict
        ``precision, recall, f1, true_pairs, predicted_pairs, correct_pairs, records`` over the
        records present in both frames. Pairs are counted as ``n·(n-1)/2`` per cell of the
        customer × person contingency table, so no pair is enumerated.

    Examples
    --------
    >>> pred = pl.DataFrame({"channel": ["a", "b", "c"], "source_customer_id": ["1", "2", "3"],
    ...                      "customer_id": ["C1", "C1", "C1"]})
    >>> truth = pred.with_columns(person_id=pl.Series(["P1", "P1", "P2"])).drop("customer_id")
    >>> q = pair_quality(pred, truth)
    >>> q["precision"], q["recall"], q["correct_pairs"]
    (0.3333333333333333, 1.0, 1)
    """
    keys = ["channel", "source_customer_id"]
    t = truth.select(*keys, "person_id").unique()
    clash = t.filter(pl.len().over(keys) > 1)
    if not clash.is_empty():
        row = clash.row(0, named=True)
        raise ValueError(
            f"truth maps ({row['channel']}, {row['source_customer_id']}) to several people."
        )
    j = predicted.select(*keys, "customer_id").unique().join(t, on=keys)
    correct = j.group_by("customer_id", "person_id").len().select(_pairs(pl.col("len"))).item()
    pred_pairs = j.group_by("customer_id").len().select(_pairs(pl.col("len"))).item()
    true_pairs = j.group_by("person_id").len().select(_pairs(pl.col("len"))).item()
    correct, pred_pairs, true_pairs = int(correct or 0), int(pred_pairs or 0), int(true_pairs or 0)
    precision = correct / pred_pairs if pred_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": true_pairs,
        "predicted_pairs": pred_pairs,
        "correct_pairs": correct,
        "records": j.height,
    }


def linkable_truth(
    records: pl.DataFrame, truth: pl.DataFrame, *, settings: IdentitySettings | None = None
) -> pl.DataFrame:
    """Refine a ground truth to what identifiers can show: the ceiling of a deterministic pass.

    Each person's records are split into the groups connected by a chain of shared usable
    identifiers (phone, e-mail, shared id; placeholders are not identifiers, the per-key
    record limit is not applied). Records that share nothing with the person's other records
    (a call-centre id no other channel knows, a Tmall buyer whose every order is masked) end up
    alone. ``person_id`` becomes ``"<person_id>/<group>"``.

    Examples
    --------
    >>> recs = pl.DataFrame({"channel": ["a", "b", "c"], "source_customer_id": ["1", "2", "3"],
    ...                      "email": ["x.y@qq.com", "x.y@qq.com", None]})
    >>> truth = recs.select("channel", "source_customer_id", person_id=pl.lit("P1"))
    >>> linkable_truth(recs, truth)["person_id"].n_unique()
    2
    """
    s = _check_settings(settings)
    rec = _prepare(records)
    keyscol = ["channel", "source_customer_id"]
    t = truth.select(*keyscol, "person_id").unique().join(rec.select("rid", *keyscol), on=keyscol)
    keys = _keys(rec, s).filter(~_placeholder(s))
    # Key nodes are scoped to the person: the same key on two people links nobody here.
    k = keys.join(t.select("rid", "person_id"), on="rid")
    kid = k.select("person_id", "key_type", "key").unique(maintain_order=True).with_row_index("kid")
    inc = k.join(kid, on=["person_id", "key_type", "key"]).select("rid", "kid")
    empty = pl.DataFrame(schema={"a": pl.UInt32(), "b": pl.UInt32()})
    labels = _components(rec.height, kid.height, inc, empty)
    comp = _with_comp(rec, labels)
    return t.join(comp, on="rid").select(
        *keyscol, person_id=pl.col("person_id") + "/" + pl.col("comp").cast(pl.String)
    )


# --------------------------------------------------------------------------------------------
# Workspace: resolve, read, overrides
# --------------------------------------------------------------------------------------------


def _utc(value: dt.datetime, name: str = "at") -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}={value!r} must be a timezone-aware datetime (UTC).")
    return value.astimezone(dt.UTC)


def _first(con: duckdb.DuckDBPyConnection) -> Any:
    """First row of the pending result (``None`` if none), read to the end (DuckDB 2 needs it)."""
    rows = con.fetchall()
    return rows[0] if rows else None


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
    relation = con.sql(sql, params=list(params) or None)
    if relation is None:  # pragma: no cover - every caller passes a SELECT
        raise WorkspaceError(f"query returned no result: {sql[:60]}")
    return relation.pl()


def _insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    extra: str = "",
    params: Sequence[Any] = (),
) -> None:
    if frame.is_empty():
        return
    con.register("_cimlab_identity", frame)
    try:
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"INSERT INTO {table} SELECT {cols}{extra} FROM _cimlab_identity", list(params))
    finally:
        con.unregister("_cimlab_identity")


# Tables of other modules whose rows are keyed on a customer_id chosen by a person (manual tags,
# manual consent): when a merge retires that id, its rows follow the records to their new id.
_MANUAL_FACT_TABLES = ("tag_events", "consent_events")


def successors(
    previous: pl.DataFrame, current: pl.DataFrame, retired: Sequence[str]
) -> pl.DataFrame:
    """Where each retired id went: the new customer holding most of its former records.

    Examples
    --------
    >>> prev = pl.DataFrame({"channel": ["a", "b", "c"], "source_customer_id": ["1", "2", "3"],
    ...                      "customer_id": ["C000001", "C000002", "C000002"]})
    >>> now = prev.with_columns(customer_id=pl.lit("C000001"))
    >>> successors(prev, now, ["C000002"]).rows()
    [('C000002', 'C000001')]
    """
    if not retired or previous.is_empty():
        return pl.DataFrame(schema={"retired_id": pl.String(), "customer_id": pl.String()})
    return (
        previous.filter(pl.col("customer_id").is_in(list(retired)))
        .select("channel", "source_customer_id", retired_id=pl.col("customer_id"))
        .join(current.select("channel", "source_customer_id", "customer_id"),
              on=["channel", "source_customer_id"])
        .group_by("retired_id", "customer_id")
        .agg(pl.len().alias("n"))
        .sort(["retired_id", "n", "customer_id"], descending=[False, True, False])
        .group_by("retired_id", maintain_order=True)
        .first()
        .select("retired_id", "customer_id")
    )  # fmt: skip


def _carry_manual_facts(con: duckdb.DuckDBPyConnection, moves: pl.DataFrame) -> None:
    if moves.is_empty():
        return
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for table in _MANUAL_FACT_TABLES:
        if table in present:
            for retired_id, customer_id in moves.iter_rows():
                con.execute(
                    f"UPDATE {table} SET customer_id = ? WHERE customer_id = ?",
                    [customer_id, retired_id],
                )


def _last_run(con: duckdb.DuckDBPyConnection) -> tuple[bool, IdentitySettings]:
    row = _first(
        con.execute("SELECT fuzzy, settings FROM identity_runs ORDER BY run_id DESC LIMIT 1")
    )
    if row is None:
        raise WorkspaceError(
            "identities were never resolved in this workspace; run `cimlab customers resolve` "
            "(or cimlab.identity.resolve) first"
        )
    return bool(row[0]), IdentitySettings.from_dict(json.loads(row[1]))


def _resolve_in(
    con: duckdb.DuckDBPyConnection, when: dt.datetime, *, fuzzy: bool, settings: IdentitySettings
) -> ResolutionResult:
    """Resolve with ``con`` (inside the caller's transaction) and rewrite the identity tables."""
    records = _source_records(_load_tables(lambda sql: _frame(con, sql)))
    previous = _frame(con, "SELECT channel, source_customer_id, customer_id FROM identity_map")
    overrides = _frame(con, "SELECT * FROM identity_overrides")
    row = _first(con.execute("SELECT coalesce(max(number), 0) FROM identity_ids"))
    last_id = int(row[0]) if row else 0
    res = resolve_records(
        records,
        settings=settings,
        fuzzy=fuzzy,
        overrides=overrides,
        previous=previous,
        last_id=last_id,
    )
    con.execute("DELETE FROM identity_map")
    _insert(con, "identity_map", res.map, ", ?", [when])
    con.execute("DELETE FROM identity_links")
    _insert(con, "identity_links", res.links, ", ?", [when])
    con.execute("DELETE FROM identity_blocked_keys")
    _insert(con, "identity_blocked_keys", res.blocked, ", ?", [when])
    con.execute("DELETE FROM identity_review WHERE status = 'open'")
    decided = set(_frame(con, "SELECT review_id FROM identity_review")["review_id"].to_list())
    fresh = res.review.filter(~pl.col("review_id").is_in(list(decided)))
    _insert(con, "identity_review", fresh, ", 'open', ?, NULL, NULL", [when])
    _insert(con, "identity_ids", res.new_ids, ", ?, NULL", [when])
    if res.retired_ids:
        con.execute(
            "UPDATE identity_ids SET retired_at = ? WHERE customer_id IN "
            "(SELECT unnest(?::VARCHAR[])) AND retired_at IS NULL",
            [when, res.retired_ids],
        )
        _carry_manual_facts(con, successors(previous, res.map, res.retired_ids))
    result = ResolutionResult(
        **{**asdict(res.result), "review_proposals": fresh.height, "resolved_at": when}
    )
    run = _first(con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM identity_runs"))
    con.execute(
        "INSERT INTO identity_runs VALUES (?, ?, ?, ?, ?)",
        [
            int(run[0]) if run else 1,
            when,
            fuzzy,
            json.dumps(settings.to_dict(), ensure_ascii=False),
            json.dumps(result.summary(), ensure_ascii=False),
        ],
    )
    return result


def resolve(
    ws: Workspace,
    *,
    at: dt.datetime,
    fuzzy: bool = False,
    settings: IdentitySettings | None = None,
) -> ResolutionResult:
    """Resolve identities of the workspace and write ``identity_map`` (one transaction).

    Parameters
    ----------
    ws
        The workspace.
    at
        Time of the run (timezone-aware), stored as ``resolved_at``.
    fuzzy
        Also run the fuzzy name pass (see the module docstring).
    settings
        :class:`IdentitySettings`; kept in ``identity_runs`` so manual actions re-resolve
        with the same settings.

    Returns
    -------
    ResolutionResult
        Records, customers, links by rule, blocked keys, open review proposals, ids kept, new
        and retired.

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> resolve(ws, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC)).customers
    0
    """
    when = _utc(at)
    s = _check_settings(settings)
    ws.ensure_tables(DDL)
    with ws.transaction() as con:
        return _resolve_in(con, when, fuzzy=bool(fuzzy), settings=s)


def resolve_again(ws: Workspace, *, at: dt.datetime) -> ResolutionResult:
    """:func:`resolve` with the fuzzy flag and settings of the last run (after new imports).

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> resolve_again(Workspace.open(tempfile.mkdtemp()), at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: identities were never resolved in this workspace; ...
    """
    when = _utc(at)
    ws.ensure_tables(DDL)
    with ws.transaction() as con:
        fuzzy, settings = _last_run(con)
        return _resolve_in(con, when, fuzzy=fuzzy, settings=settings)


def unlinked_records(ws: Workspace) -> int:
    """Source records (``channel, source_customer_id`` in any table) that are in no customer
    yet: imported after the last resolution. Their rows have no ``customer_id``, so analyses
    leave them out until identities are resolved again (0 when never resolved: then nothing is).

    Examples
    --------
    >>> import tempfile
    >>> unlinked_records(Workspace.open(tempfile.mkdtemp()))
    0
    """
    if not _has_tables(ws) or not ws.query("SELECT 1 FROM identity_map LIMIT 1").height:
        return 0
    parts = " UNION ".join(
        f"SELECT channel, source_customer_id FROM {table} WHERE source_customer_id IS NOT NULL"
        for table in _TABLE_COLUMNS
    )
    count = ws.query(
        f"SELECT count(*) AS n FROM ({parts}) AS r "
        "ANTI JOIN identity_map AS m USING (channel, source_customer_id)"
    )
    return int(count.item(0, 0))


def _has_tables(ws: Workspace) -> bool:
    names = ws.query("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'identity_%'")
    have = set(names["table_name"].to_list()) if names.width else set()
    return {"identity_map", "identity_links", "identity_review"} <= have


def customer_map(ws: Workspace) -> pl.DataFrame:
    """``identity_map`` as a frame (:data:`MAP_SCHEMA`); empty when never resolved.

    Examples
    --------
    >>> import tempfile
    >>> customer_map(Workspace.open(tempfile.mkdtemp())).columns[:3]
    ['channel', 'source_customer_id', 'customer_id']
    """
    if not _has_tables(ws):
        return pl.DataFrame(schema=MAP_SCHEMA)
    cols = ", ".join(MAP_SCHEMA)
    frame = ws.query(
        f"SELECT {cols} FROM identity_map ORDER BY customer_id, channel, source_customer_id"
    )
    return frame.cast(MAP_SCHEMA) if frame.width else pl.DataFrame(schema=MAP_SCHEMA)  # type: ignore[arg-type]


def blocked_keys(ws: Workspace) -> pl.DataFrame:
    """Keys the over-merge guard (or a manual split) kept from linking, at the last run.

    Examples
    --------
    >>> import tempfile
    >>> blocked_keys(Workspace.open(tempfile.mkdtemp())).height
    0
    """
    if not _has_tables(ws):
        return pl.DataFrame(schema=BLOCKED_SCHEMA)
    cols = ", ".join(BLOCKED_SCHEMA)
    frame = ws.query(f"SELECT {cols} FROM identity_blocked_keys ORDER BY reason, records DESC")
    return frame.cast(BLOCKED_SCHEMA)  # type: ignore[arg-type]


def _short(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c.str.len_chars() > 12).then(c.str.slice(0, 8) + "…").otherwise(c)


def _describe(links: pl.DataFrame) -> pl.DataFrame:
    """Add ``reason`` and ``reason_zh`` to link rows (labels, masked keys, scores)."""
    a = pl.col("channel_a") + " " + _short("source_customer_id_a")
    b = pl.col("channel_b") + " " + _short("source_customer_id_b")
    key = pl.col("key_masked").fill_null("")
    user = pl.col("user_name").fill_null("?")
    day = pl.col("decided_at").dt.strftime("%Y-%m-%d").fill_null("?")
    pct = (pl.col("name_score").fill_null(0) * 100).round(0).cast(pl.Int64).cast(pl.String) + "%"
    score = pl.col("score").round(2).cast(pl.String).fill_null("")
    birth_en = (
        pl.when(pl.col("same_birth_date"))
        .then(pl.lit(", born the same day"))
        .when(pl.col("same_birth_date").is_null())
        .then(pl.lit(", birth date unknown"))
        .otherwise(pl.lit(", different birth dates"))
    )
    birth_zh = (
        pl.when(pl.col("same_birth_date"))
        .then(pl.lit("、生日相同"))
        .when(pl.col("same_birth_date").is_null())
        .then(pl.lit("、生日未知"))
        .otherwise(pl.lit("、生日不同"))
    )
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
    return _describe(links).select(_EXPLAIN_COLUMNS)


def review_queue(ws: Workspace) -> pl.DataFrame:
    """Open fuzzy proposals, best first, with the current customer of each side.

    Columns: :data:`REVIEW_SCHEMA` plus ``customer_id_a, customer_id_b, proposed_at``.

    Examples
    --------
    >>> import tempfile
    >>> review_queue(Workspace.open(tempfile.mkdtemp())).height
    0
    """
    schema = {
        **REVIEW_SCHEMA,
        "customer_id_a": pl.String(),
        "customer_id_b": pl.String(),
        "proposed_at": _UTC,
    }
    if not _has_tables(ws):
        return pl.DataFrame(schema=schema)
    cols = ", ".join(f"r.{c}" for c in REVIEW_SCHEMA)
    frame = ws.query(
        f"SELECT {cols}, ma.customer_id AS customer_id_a, mb.customer_id AS customer_id_b, "
        "r.proposed_at FROM identity_review r "
        "LEFT JOIN identity_map ma ON ma.channel = r.channel_a "
        "AND ma.source_customer_id = r.source_customer_id_a "
        "LEFT JOIN identity_map mb ON mb.channel = r.channel_b "
        "AND mb.source_customer_id = r.source_customer_id_b "
        "WHERE r.status = 'open' ORDER BY r.score DESC, r.review_id"
    )
    return frame.cast(schema) if frame.width else pl.DataFrame(schema=schema)  # type: ignore[arg-type]


def _records_of(con: duckdb.DuckDBPyConnection, customer_id: str, ws: Workspace) -> pl.DataFrame:
    frame = _frame(
        con,
        "SELECT channel, source_customer_id, customer_id FROM identity_map "
        "WHERE customer_id = ? ORDER BY channel, source_customer_id",
        [customer_id],
    )
    if frame.is_empty():
        raise WorkspaceError(
            f"no customer {customer_id} in workspace {ws.path}; see `cimlab customers search` "
            "for the current ids (a merge or split may have retired it)"
        )
    return frame


def _record_override(
    con: duckdb.DuckDBPyConnection,
    rows: pl.DataFrame,
    *,
    action: str,
    when: dt.datetime,
    user: str | None,
    note: str | None,
) -> None:
    row = _first(con.execute("SELECT coalesce(max(override_id), 0) + 1 FROM identity_overrides"))
    oid = int(row[0]) if row else 1
    frame = rows.select(
        override_id=pl.lit(oid, dtype=pl.Int64),
        action=pl.lit(action),
        part=pl.col("part").cast(pl.Int64),
        channel=pl.col("channel"),
        source_customer_id=pl.col("source_customer_id"),
        customer_id=pl.col("customer_id"),
    )
    _insert(con, "identity_overrides", frame, ", ?, ?, ?", [when, user, note])


def _customer_of(con: duckdb.DuckDBPyConnection, channel: str, source_id: str) -> str:
    row = _first(
        con.execute(
            "SELECT customer_id FROM identity_map WHERE channel = ? AND source_customer_id = ?",
            [channel, source_id],
        )
    )
    if row is None:  # pragma: no cover - the record was in the map a moment ago
        raise WorkspaceError(f"record {channel} {source_id} vanished during the update")
    return str(row[0])


def merge_customers(
    ws: Workspace, customer_a: str, customer_b: str, *, at: dt.datetime, user: str | None
) -> OverrideResult:
    """Merge two customers by hand; the merge is kept and wins over rules on every re-run.

    Every record of both customers is linked (rule ``manual_merge``); the merged customer keeps
    the id most of its records had. Re-resolves with the settings of the last run.

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> merge(ws, "C000001", "C000001", at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC), user="li")
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: cannot merge C000001 with itself; give two different customers
    """
    when = _utc(at)
    if customer_a == customer_b:
        raise WorkspaceError(f"cannot merge {customer_a} with itself; give two different customers")
    ws.ensure_tables(DDL)
    with ws.transaction() as con:
        fuzzy, settings = _last_run(con)
        rows = pl.concat([_records_of(con, customer_a, ws), _records_of(con, customer_b, ws)])
        _record_override(
            con,
            rows.with_columns(part=pl.lit(0)),
            action="merge",
            when=when,
            user=user,
            note=f"{customer_a}+{customer_b}",
        )
        result = _resolve_in(con, when, fuzzy=fuzzy, settings=settings)
        first = rows.row(0, named=True)
        merged = _customer_of(con, first["channel"], first["source_customer_id"])
    return OverrideResult((merged,), result)


def split_customer(
    ws: Workspace,
    customer_id: str,
    records: Sequence[tuple[str, str]] | None = None,
    *,
    at: dt.datetime,
    user: str | None,
) -> OverrideResult:
    """Split a customer by hand; the split is kept and wins over rules on every re-run.

    Parameters
    ----------
    ws
        The workspace.
    customer_id
        The customer to split.
    records
        ``(channel, source_customer_id)`` pairs to split off together; the rest stays. ``None``
        puts every record on its own.
    at, user
        When and who (kept in ``identity_overrides``).

    Returns
    -------
    OverrideResult
        The customer ids of the parts (the staying part first) and the re-run's counts.

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> split(ws, "C000001", at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC), user="li")
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: identities were never resolved in this workspace; run `cimlab customers resolve` (or cimlab.identity.resolve) first
    """
    when = _utc(at)
    ws.ensure_tables(DDL)
    with ws.transaction() as con:
        fuzzy, settings = _last_run(con)
        rows = _records_of(con, customer_id, ws)
        if rows.height < 2:
            raise WorkspaceError(
                f"customer {customer_id} has a single record; there is nothing to split"
            )
        if records is None:
            rows = rows.with_row_index("part").with_columns(pl.col("part").cast(pl.Int64))
        else:
            wanted = {(str(c), str(i)) for c, i in records}
            have = set(
                zip(rows["channel"].to_list(), rows["source_customer_id"].to_list(), strict=True)
            )
            unknown = sorted(wanted - have)
            if unknown:
                raise WorkspaceError(
                    f"records {', '.join(f'{c} {i}' for c, i in unknown[:5])} are not records of "
                    f"customer {customer_id}; see `cimlab customers show {customer_id}`"
                )
            if not wanted:
                raise WorkspaceError("give at least one record to split off, or None for all")
            if wanted == have:
                raise WorkspaceError(
                    f"records lists every record of {customer_id}; leave at least one behind "
                    "(or pass None to put every record on its own)"
                )
            listed = pl.DataFrame(
                sorted(wanted),
                schema={"channel": pl.String, "source_customer_id": pl.String},
                orient="row",
            ).with_columns(part=pl.lit(1, dtype=pl.Int64))
            rows = rows.join(listed, on=["channel", "source_customer_id"], how="left").with_columns(
                pl.col("part").fill_null(0)
            )
        _record_override(con, rows, action="split", when=when, user=user, note=customer_id)
        result = _resolve_in(con, when, fuzzy=fuzzy, settings=settings)
        reps = rows.sort("part").unique("part", keep="first", maintain_order=True)
        ids = tuple(
            _customer_of(con, r["channel"], r["source_customer_id"])
            for r in reps.iter_rows(named=True)
        )
    return OverrideResult(ids, result)


def _decide(
    ws: Workspace, review_id: str, *, accept_it: bool, at: dt.datetime, user: str | None
) -> OverrideResult:
    when = _utc(at)
    ws.ensure_tables(DDL)
    with ws.transaction() as con:
        fuzzy, settings = _last_run(con)
        row = _first(
            con.execute(
                "SELECT channel_a, source_customer_id_a, channel_b, source_customer_id_b, status "
                "FROM identity_review WHERE review_id = ?",
                [review_id],
            )
        )
        if row is None:
            raise WorkspaceError(
                f"no review proposal {review_id}; see `review_queue` for the open ones"
            )
        if row[4] != "open":
            raise WorkspaceError(f"review proposal {review_id} was already {row[4]}")
        pair = pl.DataFrame(
            {
                "channel": [row[0], row[2]],
                "source_customer_id": [row[1], row[3]],
                "part": [0, 0 if accept_it else 1],
            }
        )
        current = _frame(con, "SELECT channel, source_customer_id, customer_id FROM identity_map")
        pair = pair.join(current, on=["channel", "source_customer_id"], how="left")
        action = "accept" if accept_it else "reject"
        _record_override(con, pair, action=action, when=when, user=user, note=review_id)
        con.execute(
            "UPDATE identity_review SET status = ?, decided_at = ?, decided_by = ? "
            "WHERE review_id = ?",
            ["accepted" if accept_it else "rejected", when, user, review_id],
        )
        result = _resolve_in(con, when, fuzzy=fuzzy, settings=settings)
        ids = tuple(
            dict.fromkeys(
                _customer_of(con, str(c), str(i)) for c, i in [(row[0], row[1]), (row[2], row[3])]
            )
        )
    return OverrideResult(ids, result)


def accept(ws: Workspace, review_id: str, *, at: dt.datetime, user: str | None) -> OverrideResult:
    """Accept a review proposal: its two records become one customer (a manual merge).

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> _ = resolve(ws, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    >>> accept(ws, "R0", at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC), user="li")
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: no review proposal R0; see `review_queue` for the open ones
    """
    return _decide(ws, review_id, accept_it=True, at=at, user=user)


def reject(ws: Workspace, review_id: str, *, at: dt.datetime, user: str | None) -> OverrideResult:
    """Reject a review proposal: its two records are kept apart from now on (wins over rules).

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> _ = resolve(ws, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    >>> reject(ws, "R0", at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC), user="li")
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: no review proposal R0; see `review_queue` for the open ones
    """
    return _decide(ws, review_id, accept_it=False, at=at, user=user)


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
        for t in _TABLE_COLUMNS
    )
    where = ws.query(f"SELECT * FROM ({union})")
    if where.width == 0 or where.is_empty():
        return pl.DataFrame(schema=_EXPORT_SCHEMA)
    keys = ["channel", "source_customer_id"]
    cmap = customer_map(ws)
    links = pl.DataFrame(schema=LINKS_SCHEMA)
    if _has_tables(ws):
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
    described = _describe(chosen).select(
        channel=pl.col("channel_a"),
        source_customer_id=pl.col("source_customer_id_a"),
        reason=pl.col("reason"),
        reason_zh=pl.col("reason_zh"),
    )
    singles = _describe(
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
            decided_at=pl.lit(None, dtype=_UTC),
        )
    ).select(
        channel=pl.col("channel_a"),
        source_customer_id=pl.col("source_customer_id_a"),
        single=pl.col("reason"),
        single_zh=pl.col("reason_zh"),
    )
    order = {t: i for i, t in enumerate(_TABLE_COLUMNS)}
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


merge = merge_customers  # the name before cimlab 0.2, kept as an alias


split = split_customer  # the name before cimlab 0.2, kept as an alias
