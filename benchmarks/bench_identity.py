"""Benchmark: the deterministic identity pass on 1,000,000 source customer records.

Synthetic and vectorised (numpy + polars, a few seconds to generate): 30 % of the records belong
to people seen in 2–4 channels, the rest to one-channel people. Like real exports, 15 % of the
records have no phone, 10 % of the phones are platform-masked, half the records have an e-mail,
the call centre knows the online-shop id only (else its own ``CC…`` id, no contact details), and
there is noise the over-merge guard must catch: 1,000 records with the placeholder phone
``13800000000``, 500 with ``test@test.com``, three switchboard numbers shared by 40 people each,
and 5,000 two-person households sharing one phone (the guard lets those through: they are
counted against precision).

Times :func:`cimlab.identity.source_records` + :func:`cimlab.identity.resolve_records` on the
frames in memory and reports pair precision/recall against the generator's truth, over all
same-person pairs and over the pairs a shared identifier can link
(:func:`cimlab.identity.linkable_truth`). Run through ``python -m benchmarks.run identity``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROWS = 1_000_000
CHANNELS = ("online_shop", "tmall", "wechat", "offline_store", "call_centre")
_PREFIX = ("", "tb", "o", "08", "CC")


def generate_records(rows: int = ROWS, *, seed: int = 3) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A canonical ``customers``-like frame of ``rows`` records and its truth (person_id)."""
    rng = np.random.default_rng(seed)
    multi_people = int(rows * 0.30 / 2.5)
    k = rng.choice([2, 3, 4], multi_people, p=[0.6, 0.3, 0.1])
    singles = rows - int(k.sum())
    people = singles + multi_people
    per_person = np.concatenate([np.ones(singles, dtype=np.int64), k])
    person = np.repeat(np.arange(people), per_person)
    slot = np.arange(rows) - np.repeat(np.cumsum(per_person) - per_person, per_person)
    # distinct channels per person: a random permutation of the five, first k of them
    order = np.argsort(rng.random((people, len(CHANNELS))), axis=1)
    channel = order[person, slot]
    # the call centre records the online-shop id when the person has one
    has_online = np.zeros(people, dtype=bool)
    has_online[person[channel == 0]] = True
    online_row = np.full(people, -1, dtype=np.int64)
    online_row[person[channel == 0]] = np.flatnonzero(channel == 0)
    frame = pl.DataFrame(
        {
            "person": person,
            "row": np.arange(rows),
            "channel_i": channel,
            "phone_on": rng.random(rows) < 0.85,
            "masked": rng.random(rows) < 0.10,
            "email_on": rng.random(rows) < 0.50,
            "online_row": online_row[person],
        }
    )
    number = (pl.col("person").cast(pl.Int64) * 104_729 + 7_654_321) % 1_000_000_000
    phone = pl.lit("+8613") + number.cast(pl.String).str.zfill(9)
    prefix = pl.col("channel_i").replace_strict(dict(enumerate(_PREFIX)), return_dtype=pl.String)
    own_id = prefix + pl.col("row").cast(pl.String).str.zfill(9)
    call = pl.col("channel_i") == 4
    sid = (
        pl.when(call & (pl.col("online_row") >= 0))
        .then(pl.col("online_row").cast(pl.String).str.zfill(9))
        .otherwise(own_id)
    )
    frame = frame.with_columns(
        channel=pl.col("channel_i").replace_strict(
            dict(enumerate(CHANNELS)), return_dtype=pl.String
        ),
        source_customer_id=sid,
        phone=pl.when(call | ~pl.col("phone_on"))
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("masked"))
        .then(pl.lit("138****") + number.cast(pl.String).str.slice(-4))
        .otherwise(phone),
        phone_is_masked=~call & pl.col("phone_on") & pl.col("masked"),
        email=pl.when(~call & pl.col("email_on")).then(
            pl.lit("user") + pl.col("person").cast(pl.String) + "@mail.cn"
        ),
    )
    # noise on one-channel people (rows < singles): placeholders, switchboards, households
    noise = rng.permutation(singles)
    placeholder_phone = noise[:1000]
    placeholder_email = noise[1000:1500]
    switchboard = noise[1500:1620]
    household = noise[1620:11620].reshape(-1, 2)
    share_with = np.arange(rows)
    share_with[household[:, 1]] = household[:, 0]
    forced = pl.Series("forced", [None] * rows, dtype=pl.String)
    forced = forced.scatter(placeholder_phone, "+8613800000000")
    for i, chunk in enumerate(np.array_split(switchboard, 3)):
        forced = forced.scatter(chunk, f"+86105555000{i}")
    frame = frame.with_columns(
        phone=pl.when(forced.is_not_null())
        .then(forced)
        .otherwise(pl.col("phone").gather(pl.Series(share_with))),
        phone_is_masked=pl.col("phone_is_masked").gather(pl.Series(share_with)),
    )
    is_test = np.zeros(rows, dtype=bool)
    is_test[placeholder_email] = True
    frame = frame.with_columns(
        email=pl.when(pl.Series(is_test)).then(pl.lit("test@test.com")).otherwise(pl.col("email"))
    )
    customers = frame.select(
        "channel",
        "source_customer_id",
        name=pl.lit(None, dtype=pl.String),
        name_is_masked=pl.lit(False),
        phone="phone",
        phone_is_masked="phone_is_masked",
        email="email",
    )
    truth = frame.select(
        "channel", "source_customer_id", person_id=pl.col("person").cast(pl.String)
    )
    return customers, truth


def demo_quality(people: int = 5000) -> dict[str, float]:
    """Precision and recall of same-person pairs on the demo workspace against its ground truth."""
    import datetime as dt
    import tempfile

    from cimlab.demo import build_demo_workspace
    from cimlab.identity import customer_map, pair_quality, resolve
    from cimlab.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        build_demo_workspace(Path(tmp) / "ws", Path(tmp) / "files", people=people)
        ws = Workspace.open(Path(tmp) / "ws", create=False)
        resolve(ws, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
        truth = pl.read_csv(Path(tmp) / "files" / "_truth" / "identities.csv", infer_schema=False)
        quality = pair_quality(customer_map(ws), truth)
    return {
        "demo_precision": round(quality["precision"], 4),
        "demo_recall": round(quality["recall"], 4),
    }


def run() -> dict[str, object]:
    from cimlab.identity import linkable_truth, pair_quality, resolve_records, source_records

    t0 = time.perf_counter()
    customers, truth = generate_records()
    generated = time.perf_counter() - t0
    t0 = time.perf_counter()
    records = source_records({"customers": customers})
    resolution = resolve_records(records)
    seconds = time.perf_counter() - t0
    assert resolution.result.records == ROWS, resolution.result
    overall = pair_quality(resolution.map, truth)
    linkable = pair_quality(resolution.map, linkable_truth(records, truth))
    demo = demo_quality()
    return {
        **demo,
        "show": ("demo_precision", "demo_recall", "precision", "recall_linkable_pairs"),
        "benchmark": "identity: deterministic pass on 1,000,000 source records (30% cross-channel)",
        "rows": ROWS,
        "seconds": round(seconds, 2),
        "rows_per_s": int(ROWS / seconds),
        "target": "<= 30 s, <= 4 GB peak",
        "generate_seconds": round(generated, 2),
        "customers": resolution.result.customers,
        "links_by_rule": resolution.result.links_by_rule,
        "blocked_keys": resolution.result.blocked_keys,
        "precision": round(overall["precision"], 4),
        "false_pairs": overall["predicted_pairs"] - overall["correct_pairs"],
        "household_pairs": 5_000,
        "recall_all_pairs": round(overall["recall"], 4),
        "recall_linkable_pairs": round(linkable["recall"], 4),
    }


if __name__ == "__main__":  # run alone: python -m benchmarks.bench_identity
    print(run(), file=sys.stderr)
