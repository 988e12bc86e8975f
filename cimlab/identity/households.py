"""Households: two people behind one phone or e-mail are linked as a household, not merged.

The rule (the package docstring repeats it as rule 4):

* Two records sharing a usable phone or e-mail key (one the over-merge guard lets through)
  are **two people** ("apart") when both carry a usable name (known, not masked, not
  nickname-like) and their name keys differ (:func:`cimlab.identity.names.name_key`: 汉字,
  traditional or simplified, and pinyin in any order are one key), **and** either both birth
  dates are known and differ, or at least one birth date is unknown and the two records are in
  the same channel (two accounts of one channel under two names: a couple on one phone).
  Different names across channels with a birth date missing stay one person (a name written
  differently in another system is likelier than a second person); so do equal names, or
  equal birth dates, or an unknown name on either side.
* A key with two such records is a **household key**. It links only records of one name:
  records are grouped by name key, and a record without a usable name joins the group whose
  birth date it shares when exactly one group has it, else it is not linked through the key
  (it could be either person).
* Two people of a household are never joined through a third record either: when other links
  (another key, a shared id, a fuzzy link) would still put them into one customer, the links
  of that customer are replayed strongest first (manual actions, shared id, phone, e-mail,
  fuzzy name) and a link that would join two records kept apart is not used. A manual merge or
  an accepted proposal joining the two wins: they are one customer, no household.
* The customers holding records of a household key form a household (customers joined by
  several household keys form one); ``household_id`` is ``H`` + 6 or more digits, kept across
  runs like customer ids (a household keeps the id most of its customers had) and never reused.
  Each row of :data:`~cimlab.identity.tables.HOUSEHOLDS_SCHEMA` names a customer, the
  household, the reason (``shared_phone`` / ``shared_email``), the other customer and the key,
  masked.

A key the guard blocks is no household key: three accounts of one channel on one phone exceed
``max_records_per_channel`` (2) and the phone links nobody, as before.

Examples
--------
>>> import datetime as dt
>>> recs = pl.DataFrame({"rid": [0, 1], "channel": ["shop", "shop"],
...                      "name": ["张伟", "李娜"],
...                      "birth_date": [dt.date(1980, 1, 2), dt.date(1982, 3, 4)]},
...                     schema_overrides={"rid": pl.UInt32})
>>> keys = pl.DataFrame({"rid": [0, 1], "channel": ["shop", "shop"], "key_type": ["phone"] * 2,
...                      "key": ["+8613912345670"] * 2}, schema_overrides={"rid": pl.UInt32})
>>> apart_pairs(recs, keys).rows()
[(0, 1, 'phone', '+8613912345670')]
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cimlab.identity.names import name_key_expr
from cimlab.identity.tables import HOUSEHOLDS_SCHEMA

__all__ = [
    "apart_pairs",
    "household_rows",
    "keep_apart",
    "split_household_keys",
]

# Strongest first: the order links are replayed in when two people must be kept apart.
_EDGE_RANK = {
    "manual_merge": 0,
    "manual_split": 0,
    "shared_id": 1,
    "phone": 2,
    "email": 3,
    "fuzzy_name": 4,
}


def apart_pairs(rec: pl.DataFrame, usable: pl.DataFrame) -> pl.DataFrame:
    """``a, b, key_type, key`` (``a < b``): records sharing a phone or e-mail key that are two
    people by the household rule (see the module docstring).

    ``rec`` has ``rid, channel, name, birth_date``; ``usable`` the guarded keys
    (``rid, key_type, key``).
    """
    shared = (
        usable.filter(pl.col("key_type").is_in(["phone", "email"]))
        .select("rid", "key_type", "key")
        .filter(pl.len().over("key_type", "key") > 1)
    )
    people = (  # names keyed only for the records that share a key
        rec.join(shared.select("rid").unique(), on="rid", how="semi")
        .filter(pl.col("name").is_not_null())
        .select("rid", "channel", "birth_date", name_key=name_key_expr(pl.col("name")))
        .filter(pl.col("name_key").is_not_null())
    )
    shared = shared.join(people, on="rid")
    pairs = shared.join(shared, on=["key_type", "key"], suffix="_b").filter(
        pl.col("rid") < pl.col("rid_b")
    )
    births_differ = pl.col("birth_date") != pl.col("birth_date_b")
    apart = (pl.col("name_key") != pl.col("name_key_b")) & (
        births_differ.fill_null(False)
        | (births_differ.is_null() & (pl.col("channel") == pl.col("channel_b")))
    )
    return (
        pairs.filter(apart)
        .select(a=pl.col("rid"), b=pl.col("rid_b"), key_type="key_type", key="key")
        .sort("a", "b", "key_type", "key")
    )


def split_household_keys(
    rec: pl.DataFrame, usable: pl.DataFrame, apart: pl.DataFrame
) -> pl.DataFrame:
    """``usable`` with a ``part`` column: ``""`` for ordinary keys; on a household key the name
    group a record links in (records of one name key, plus nameless records whose birth date
    picks exactly one group), rows of nameless records that pick none being dropped."""
    plain = usable.with_columns(part=pl.lit("", dtype=pl.String))
    if apart.is_empty():
        return plain
    hh = apart.select("key_type", "key").unique()
    on_hh = usable.join(hh, on=["key_type", "key"])
    on_hh = on_hh.join(
        rec.join(on_hh.select("rid").unique(), on="rid", how="semi").select(
            "rid", "birth_date", name_key=name_key_expr(pl.col("name"))
        ),
        on="rid",
    )
    named = on_hh.filter(pl.col("name_key").is_not_null())
    groups_by_birth = (
        named.filter(pl.col("birth_date").is_not_null())
        .group_by("key_type", "key", "birth_date")
        .agg(pl.col("name_key").unique())
        .filter(pl.col("name_key").list.len() == 1)
        .with_columns(pl.col("name_key").list.first())
    )
    nameless = (
        on_hh.filter(pl.col("name_key").is_null())
        .drop("name_key")
        .join(groups_by_birth, on=["key_type", "key", "birth_date"])
    )
    cols = [*usable.columns, "part"]
    return pl.concat(
        [
            plain.join(hh, on=["key_type", "key"], how="anti"),
            named.with_columns(part=pl.col("name_key")).select(cols),
            nameless.with_columns(part=pl.col("name_key")).select(cols),
        ]
    ).sort("rid", "key_type", "key")


def _find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def keep_apart(
    labels: np.ndarray,
    inc: pl.DataFrame,
    key_types: pl.DataFrame,
    rr: pl.DataFrame,
    apart: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(inc, rr)`` without the links that would put two records of ``apart`` into one customer.

    ``labels`` are the components of ``inc`` (``rid, kid``) and ``rr`` (``a, b, rule``);
    ``key_types`` maps ``kid`` to ``key_type``. Only components holding an apart pair are
    replayed: their links strongest first (manual, shared id, phone, e-mail, fuzzy), each key as
    a star from its lowest record, skipping a link that would join two records kept apart.
    """
    if apart.is_empty():
        return inc, rr
    comp = pl.Series(labels)
    pa = apart.select("a", "b").unique()
    clash = pa.filter(comp.gather(pa["a"].cast(pl.Int64)) == comp.gather(pa["b"].cast(pl.Int64)))
    if clash.is_empty():
        return inc, rr
    bad = set(comp.gather(clash["a"].cast(pl.Int64)).to_list())
    rids = pl.DataFrame({"rid": np.flatnonzero(np.isin(labels, list(bad)))}).cast(
        {"rid": inc.schema["rid"]}
    )
    stars = (
        inc.join(rids, on="rid")
        .join(key_types, on="kid")
        .with_columns(hub=pl.col("rid").min().over("kid"))
        .filter(pl.col("rid") != pl.col("hub"))
        .select(
            a=pl.col("hub").cast(pl.Int64),
            b=pl.col("rid").cast(pl.Int64),
            rank=pl.col("key_type").replace_strict(_EDGE_RANK, default=3, return_dtype=pl.Int64),
            kid=pl.col("kid").cast(pl.Int64),
            i=pl.lit(None, dtype=pl.Int64),
        )
    )
    pairs = (
        rr.with_row_index("i")
        .join(rids, left_on="a", right_on="rid", how="semi")
        .select(
            a=pl.col("a").cast(pl.Int64),
            b=pl.col("b").cast(pl.Int64),
            rank=pl.col("rule").replace_strict(_EDGE_RANK, default=4, return_dtype=pl.Int64),
            kid=pl.lit(None, dtype=pl.Int64),
            i=pl.col("i").cast(pl.Int64),
        )
    )
    edges = pl.concat([stars, pairs]).sort("rank", "kid", "a", "b", "i", nulls_last=True)
    members = rids["rid"].cast(pl.Int64).to_list()
    index = {r: k for k, r in enumerate(members)}
    parent = list(range(len(members)))
    enemies: dict[int, set[int]] = {k: set() for k in range(len(members))}
    for a, b in clash.select(pl.col("a", "b").cast(pl.Int64)).iter_rows():
        enemies[index[a]].add(index[b])
        enemies[index[b]].add(index[a])
    drop_inc: list[tuple[int, int]] = []
    drop_rr: list[int] = []
    for a, b, _, kid, i in edges.iter_rows():
        ra, rb = _find(parent, index[a]), _find(parent, index[b])
        if ra == rb:
            continue
        if any(_find(parent, e) == rb for e in enemies[ra]):
            if kid is None:
                drop_rr.append(i)
            else:
                drop_inc.append((b, kid))
            continue
        parent[rb] = ra
        enemies[ra] |= enemies.pop(rb)
    if drop_inc:
        gone = pl.DataFrame(drop_inc, schema={"rid": pl.Int64(), "kid": pl.Int64()}, orient="row")
        inc = inc.join(gone.cast(inc.schema), on=["rid", "kid"], how="anti")  # type: ignore[arg-type]
    if drop_rr:
        rr = rr.with_row_index("i").filter(~pl.col("i").is_in(drop_rr)).drop("i")
    return inc, rr


def household_rows(
    hh_keys: pl.DataFrame,
    ids: pl.DataFrame,
    previous: pl.DataFrame | None = None,
    last_number: int = 0,
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """``(households, new ids, retired ids)`` from the household keys' records.

    ``hh_keys`` has ``rid, key_type, key, key_masked`` for every record carrying a household key;
    ``ids`` maps ``rid`` to ``customer_id``; ``previous`` is the earlier households table
    (``customer_id, household_id``). The households frame has :data:`HOUSEHOLDS_SCHEMA`; new ids
    are ``household_id, number``.

    Examples
    --------
    >>> keys = pl.DataFrame({"rid": [0, 1], "key_type": ["phone", "phone"],
    ...                      "key": ["+8613912345670"] * 2, "key_masked": ["139****5670"] * 2})
    >>> ids = pl.DataFrame({"rid": [0, 1], "customer_id": ["C000001", "C000002"]})
    >>> rows, new, _ = household_rows(keys, ids, last_number=4)
    >>> rows.select("customer_id", "household_id", "reason", "shared_with").rows()
    [('C000001', 'H000005', 'shared_phone', 'C000002'), ('C000002', 'H000005', 'shared_phone', 'C000001')]
    """
    empty = pl.DataFrame(schema=HOUSEHOLDS_SCHEMA)
    new_schema = {"household_id": pl.String(), "number": pl.Int64()}
    prev_ids: list[str] = []
    if previous is not None and not previous.is_empty():
        previous = previous.select(
            pl.col("customer_id").cast(pl.String), pl.col("household_id").cast(pl.String)
        )
        bad = previous.filter(~pl.col("household_id").str.contains(r"^H[0-9]{6,}$"))
        if not bad.is_empty():
            raise ValueError(
                f"previous households hold household_id {bad['household_id'][0]!r}; "
                "ids are H + 6 digits."
            )
        prev_ids = previous["household_id"].unique().sort().to_list()
    on_key = (
        hh_keys.join(ids, on="rid").select("key_type", "key", "key_masked", "customer_id").unique()
    )
    pairs = (
        on_key.join(on_key, on=["key_type", "key"], suffix="_b")
        .filter(pl.col("customer_id") != pl.col("customer_id_b"))
        .group_by("customer_id", "customer_id_b", "key_type")
        .agg(pl.col("key_masked").min())
        .select(
            "customer_id",
            shared_with=pl.col("customer_id_b"),
            reason=pl.lit("shared_") + pl.col("key_type"),
            key_masked="key_masked",
        )
    )
    if pairs.is_empty():
        return empty, pl.DataFrame(schema=new_schema), prev_ids
    groups = _customer_groups(pairs)
    assigned, new, retired = _stable_ids(groups, previous, last_number, prev_ids)
    rows = (
        pairs.join(assigned, on="customer_id")
        .select(list(HOUSEHOLDS_SCHEMA))
        .cast(HOUSEHOLDS_SCHEMA)  # type: ignore[arg-type]
        .sort("household_id", "customer_id", "reason", "shared_with")
    )
    return rows, new, retired


def _number(customer_id: pl.Expr) -> pl.Expr:
    return customer_id.str.slice(1).cast(pl.Int64, strict=False)


def _customer_groups(pairs: pl.DataFrame) -> pl.DataFrame:
    """``customer_id, group`` (connected components of the customer pairs)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    customers = pairs.select("customer_id").unique().sort("customer_id").with_row_index("k")
    edges = pairs.join(customers, on="customer_id").join(
        customers, left_on="shared_with", right_on="customer_id", suffix="_b"
    )
    n = customers.height
    graph = coo_matrix(
        (
            np.ones(edges.height, dtype=np.int8),
            (edges["k"].to_numpy().astype(np.int64), edges["k_b"].to_numpy().astype(np.int64)),
        ),
        shape=(n, n),
    )
    _, labels = connected_components(graph, directed=False)
    return customers.select("customer_id", group=pl.Series(labels.astype(np.int64)))


def _stable_ids(
    groups: pl.DataFrame, previous: pl.DataFrame | None, last_number: int, prev_ids: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Household ids: a group keeps the id most of its customers had (ties: the oldest id);
    two groups claiming one id: the one with more of those customers wins (then the one with the
    oldest customer); the others get new ids after ``last_number``, oldest customer first."""
    info = groups.with_columns(first=_number(pl.col("customer_id")).min().over("group"))
    winners = pl.DataFrame(schema={"group": pl.Int64(), "household_id": pl.String()})
    if previous is not None and not previous.is_empty():
        cand = (
            info.join(previous.select("customer_id", "household_id").unique(), on="customer_id")
            .group_by("group", "household_id")
            .agg(cnt=pl.len(), first=pl.col("first").first())
            .with_columns(num=_number(pl.col("household_id")))
        )
        prefer = (
            cand.sort(["group", "cnt", "num"], descending=[False, True, False])
            .group_by("group", maintain_order=True)
            .first()
        )
        winners = (
            prefer.sort(["household_id", "cnt", "first"], descending=[False, True, False])
            .group_by("household_id", maintain_order=True)
            .first()
            .select(pl.col("group").cast(pl.Int64), "household_id")
        )
    fresh = (
        info.group_by("group")
        .agg(pl.col("first").first())
        .join(winners, on="group", how="anti")
        .sort("first", "group")
        .with_row_index("k")
        .select(
            pl.col("group").cast(pl.Int64),
            number=pl.col("k").cast(pl.Int64) + last_number + 1,
        )
        .with_columns(household_id=pl.lit("H") + pl.col("number").cast(pl.String).str.zfill(6))
    )
    assigned = pl.concat([winners, fresh.select("group", "household_id")])
    ids = info.with_columns(pl.col("group").cast(pl.Int64)).join(assigned, on="group")
    kept = set(winners["household_id"].to_list())
    retired = [h for h in prev_ids if h not in kept]
    return (
        ids.select("customer_id", "household_id"),
        fresh.select("household_id", "number"),
        retired,
    )
