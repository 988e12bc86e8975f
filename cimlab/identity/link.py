"""Linking: source records → customers, in memory (the pure core of identity resolution).

Links are transitive: connected components of the sparse record × key incidence graph, plus
record–record edges from overrides and the fuzzy pass. Ids are stable across runs (see the
package docstring).

Examples
--------
>>> import polars as pl
>>> recs = pl.DataFrame({"channel": ["a", "b"], "source_customer_id": ["1", "2"],
...                      "email": ["x.y@qq.com", "x.y@qq.com"]})
>>> resolve_records(recs).map["customer_id"].to_list()
['C000001', 'C000001']
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import polars as pl

from cimlab.identity.fuzzy import fuzzy_pairs
from cimlab.identity.guard import apply_guard, blocked_frame, mask_key
from cimlab.identity.households import (
    apart_pairs,
    household_rows,
    keep_apart,
    split_household_keys,
)
from cimlab.identity.keys import key_rows, prepare_records
from cimlab.identity.overrides import conflicting, replay
from cimlab.identity.settings import IdentitySettings, check_settings
from cimlab.identity.tables import (
    HOUSEHOLDS_SCHEMA,
    LINKS_SCHEMA,
    MAP_SCHEMA,
    REVIEW_SCHEMA,
    UTC_TIME,
)

__all__ = [
    "Resolution",
    "ResolutionResult",
    "components",
    "resolve_records",
    "with_component",
]


_RULE_RANK = {
    "manual_merge": 0,
    "manual_split": 1,
    "shared_id": 2,
    "phone": 3,
    "email": 4,
    "fuzzy_name": 5,
}


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
    households: int = 0
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
    (``customer_id``, ``number``) and ``retired_ids`` the previous ids no customer kept;
    ``households`` has :data:`HOUSEHOLDS_SCHEMA` (:mod:`cimlab.identity.households`), with the
    household ids issued (``household_id``, ``number``) and retired beside it.
    """

    map: pl.DataFrame
    links: pl.DataFrame
    blocked: pl.DataFrame
    review: pl.DataFrame
    new_ids: pl.DataFrame
    retired_ids: list[str]
    result: ResolutionResult
    households: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=HOUSEHOLDS_SCHEMA))
    new_household_ids: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"household_id": pl.String(), "number": pl.Int64()}
        )
    )
    retired_household_ids: list[str] = field(default_factory=list)


def components(n: int, m: int, inc: pl.DataFrame, rr: pl.DataFrame) -> np.ndarray:
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


def with_component(rec: pl.DataFrame, labels: np.ndarray) -> pl.DataFrame:
    """``rid, comp``: each record's component label."""
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
    previous_households: pl.DataFrame | None = None,
    last_household: int = 0,
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
    previous_households, last_household
        The earlier households (``customer_id, household_id``) whose ids to keep, and the
        highest household number ever issued.

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
    s = check_settings(settings)
    for label, number in (("last_id", last_id), ("last_household", last_household)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise ValueError(f"{label}={number!r} should be a whole number >= 0.")
    rec = prepare_records(records)
    n = rec.height

    # Keys, guard; households: a key shared by two people links each name apart; incidence.
    keys = key_rows(rec, s)
    usable, flagged = apply_guard(keys, s)
    manual = replay(overrides, rec)
    apart = _not_merged_by_hand(apart_pairs(rec, usable), manual.edges, n)
    hh_rows = usable.join(apart.select("key_type", "key").unique(), on=["key_type", "key"])
    usable = split_household_keys(rec, usable, apart)
    key_cols = ["key_type", "key", "part"]
    key_ids = usable.select(key_cols).unique(maintain_order=True).with_row_index("kid")
    m = key_ids.height
    inc = usable.join(key_ids, on=key_cols).select("rid", "kid")

    # Manual overrides: keys shared across the parts of a split stop linking.
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
        comp1 = with_component(rec, components(n, m, inc, rr))
        pairs = fuzzy_pairs(rec, s)
        pairs = pairs.join(comp1, left_on="a", right_on="rid").join(
            comp1, left_on="b", right_on="rid", suffix="_b"
        )
        pairs = pairs.filter(pl.col("comp") != pl.col("comp_b")).drop("comp", "comp_b")
        bad = conflicting(pairs, manual.pins, strict=False)
        pairs = pairs.with_row_index("i").filter(~pl.col("i").is_in(bad.implode())).drop("i")
        auto = pairs.filter(pl.col("score") >= s.threshold)
        rr = pl.concat(
            [
                rr,
                auto.select(
                    "a",
                    "b",
                    rule=pl.lit("fuzzy_name"),
                    key_type=pl.col("name_match"),  # name, name_order or name_pinyin
                    user_name=pl.lit(None, dtype=pl.String),
                    decided_at=pl.lit(None, dtype=UTC_TIME),
                    key_masked=pl.col("names_masked"),
                    score=pl.col("score"),
                    name_score=pl.col("name_score"),
                    same_birth_date=pl.col("same_birth_date"),
                ),
            ]
        )
        proposals = pairs.filter(pl.col("score") < s.threshold)

    # Components, then enforce splits on components that still join two parts.
    labels = components(n, m, inc, rr)
    if not manual.pins.is_empty():
        comp = with_component(rec, labels)
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
            strict_bad = conflicting(rr, manual.pins, strict=True)
            drop = touching.filter(pl.col("i").is_in(strict_bad.implode()))["i"]
            rr = rr.with_row_index("i").filter(~pl.col("i").is_in(drop.implode())).drop("i")
            labels = components(n, m, inc, rr)
    # Households: no chain of other links may join two people kept apart.
    if not apart.is_empty():
        kept_inc, kept_rr = keep_apart(labels, inc, key_ids.select("kid", "key_type"), rr, apart)
        if kept_inc.height != inc.height or kept_rr.height != rr.height:
            inc, rr = kept_inc, kept_rr
            labels = components(n, m, inc, rr)
    comp = with_component(rec, labels)

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
            decided_at=pl.lit(None, dtype=UTC_TIME),
            key_masked=mask_key(),
            score=pl.lit(None, dtype=pl.Float64),
            name_score=pl.lit(None, dtype=pl.Float64),
            same_birth_date=pl.lit(None, dtype=pl.Boolean),
        )
    )
    edges = pl.concat([key_links, rr.select(key_links.columns)])

    # Customer ids, household ids.
    ids, new_ids, retired, kept = _assign_ids(rec, comp, previous, last_id)
    households, new_households, retired_households = household_rows(
        hh_rows.with_columns(key_masked=mask_key()).select("rid", "key_type", "key", "key_masked"),
        ids,
        previous_households,
        last_household,
    )
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

    blocked = blocked_frame(flagged)
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
        households=int(households["household_id"].n_unique()),
        fuzzy=fuzzy,
    )
    return Resolution(
        table,
        links,
        blocked,
        review,
        new_ids,
        retired,
        result,
        households,
        new_households,
        retired_households,
    )


def _not_merged_by_hand(apart: pl.DataFrame, manual: pl.DataFrame, n: int) -> pl.DataFrame:
    """``apart`` without the pairs a manual merge (or an accepted proposal) joins."""
    merges = manual.filter(pl.col("rule") == "manual_merge")
    if apart.is_empty() or merges.is_empty():
        return apart
    none = pl.DataFrame(schema={"rid": pl.UInt32(), "kid": pl.UInt32()})
    label = pl.Series(components(n, 0, none, merges))
    same = label.gather(apart["a"].cast(pl.Int64)) == label.gather(apart["b"].cast(pl.Int64))
    return apart.filter(~same)


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
