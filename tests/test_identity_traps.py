"""The identity trap set (cimlab.demo.traps): deterministic, each trap planted as documented, and
the per-trap scorer checked on a hand-made resolution.

The issue's goals (households apart, pinyin names linked) are not asserted here: the table is
measured and reported by ``python -m benchmarks.run identity_traps``.
"""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.contacts import canonical_email_expr
from cimlab.demo.traps import (
    SIMPLIFIED_TO_TRADITIONAL,
    TRAP_PAIRS,
    TRAP_RECORDS,
    TRAP_UNITS,
    TRAPS,
    resolve_traps,
    trap_records,
    trap_scores,
)
from cimlab.identity import record_keys, source_records
from cimlab.ingest.parsing import normalize_phone

KEYS = ["channel", "source_customer_id"]


@pytest.fixture(scope="module")
def trap_set() -> tuple[pl.DataFrame, pl.DataFrame]:
    return trap_records()


@pytest.fixture(scope="module")
def rows(trap_set: tuple[pl.DataFrame, pl.DataFrame]) -> pl.DataFrame:
    """Raw rows with their truth and their source record (``name_r``, ``phone_r``...)."""
    customers, truth = trap_set
    records = source_records({"customers": customers}).select(
        *KEYS, name_r="name", phone_r="phone", email_r="email"
    )
    return customers.join(truth, on=KEYS).join(records, on=KEYS)


def _trap(rows: pl.DataFrame, trap: str) -> pl.DataFrame:
    return rows.filter(pl.col("trap") == trap).sort("group", "person_id", "phone_r")


def test_same_seed_same_frames_other_seed_other_frames() -> None:
    a, b = trap_records(seed=5), trap_records(seed=5)
    assert_frame_equal(a[0], b[0])
    assert_frame_equal(a[1], b[1])
    c = trap_records(seed=6)[0]
    assert c.height == a[0].height
    assert not c.equals(a[0])


def test_each_trap_present_with_expected_counts(
    trap_set: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    customers, truth = trap_set
    assert customers.height == truth.height == sum(TRAP_RECORDS.values()) == 3498
    assert customers.select(KEYS).is_unique().all()
    counts = (
        truth.group_by("trap")
        .agg(
            records=pl.len(),
            units=pl.col("group").n_unique(),
            people=pl.col("person_id").n_unique(),
        )
        .join(
            truth.group_by("trap", "person_id")
            .len()
            .group_by("trap")
            .agg(pairs=(pl.col("len") * (pl.col("len") - 1) // 2).sum()),
            on="trap",
        )
    )
    got = {r["trap"]: r for r in counts.iter_rows(named=True)}
    assert set(got) == set(TRAPS)
    two_people = {"namesake", "homophone", "masked_lookalike"}
    two_people |= {t for t in TRAPS if t.startswith("house")}
    for trap in TRAPS:
        assert got[trap]["records"] == TRAP_RECORDS[trap], trap
        assert got[trap]["units"] == TRAP_UNITS[trap], trap
        assert got[trap]["pairs"] == TRAP_PAIRS[trap], trap
        people = 40 if trap == "common_name_city" else TRAP_UNITS[trap]
        assert got[trap]["people"] == people * (2 if trap in two_people else 1), trap
    # one trap and one group per person
    per_person = truth.group_by("person_id").agg(pl.col("trap", "group").n_unique())
    assert per_person["trap"].max() == 1
    assert per_person["group"].max() == 1


def test_no_two_people_share_a_key_or_birth_date_except_households(
    trap_set: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    customers, truth = trap_set
    keys = record_keys(source_records({"customers": customers})).join(truth, on=KEYS)
    shared = keys.group_by("key_type", "key").agg(
        people=pl.col("person_id").n_unique(), trap=pl.col("trap").unique()
    )
    shared = shared.filter(pl.col("people") > 1)
    assert shared["people"].max() == 2
    traps = shared.explode("trap")["trap"].value_counts().sort("trap")
    assert traps.rows() == [
        ("household_cross_channel", 100),
        ("household_same_channel", 150),
        ("household_shared_email", 60),
    ]
    births = customers.join(truth, on=KEYS).drop_nulls("birth_date")
    per_date = births.group_by("birth_date").agg(pl.col("person_id").n_unique())
    assert per_date["person_id"].max() == 1


def test_households_share_a_key_with_names_and_birth_dates_that_disagree(
    rows: pl.DataFrame,
) -> None:
    for trap, key in (
        ("household_same_channel", "phone_r"),
        ("household_cross_channel", "phone_r"),
        ("household_shared_email", "email_r"),
    ):
        h = _trap(rows, trap)
        homes = (
            h.drop_nulls(key)
            .group_by("group", key)
            .agg(
                people=pl.col("person_id").n_unique(),
                records=pl.len(),
                names=pl.col("name").n_unique(),
                births=pl.col("birth_date").drop_nulls().n_unique(),
                channels=pl.col("channel").n_unique(),
                cities=pl.col("city").n_unique(),
            )
            .filter(pl.col("people") == 2)
        )
        assert homes.height == TRAP_UNITS[trap], trap
        assert (homes["names"] == 2).all() and (homes["births"] == 2).all(), trap
        assert (homes["cities"] == 1).all(), trap
        # the transitive case: the shared key on three records in every sixth household
        assert homes["records"].to_list().count(3) == len(range(0, TRAP_UNITS[trap], 6)), trap
        if trap == "household_same_channel":
            one_channel = homes.filter(pl.col("records") == 2)
            assert (one_channel["channels"] == 1).all()
        if trap == "household_cross_channel":
            assert (homes["channels"] >= 2).all()
    email_homes = _trap(rows, "household_shared_email").filter(
        pl.col("email_r").is_not_null() & (pl.len().over("email_r") >= 2)
    )
    same = email_homes.group_by("group").agg(pl.col("channel").n_unique())
    assert sorted(set(same["channel"].to_list())) == [1, 2]


def test_namesakes_common_names_and_masked_lookalikes(rows: pl.DataFrame) -> None:
    ns = (
        _trap(rows, "namesake")
        .group_by("group")
        .agg(
            names=pl.col("name").n_unique(),
            cities=pl.col("city").n_unique(),
            phones=pl.col("phone_r").n_unique(),
            births=pl.col("birth_date").n_unique(),
            unknown=pl.col("birth_date").null_count(),
        )
    )
    assert (ns["names"] == 1).all() and (ns["cities"] == 1).all() and (ns["phones"] == 2).all()
    assert (ns["births"] == 2).all()  # two different dates, or one date and one unknown
    assert ns["unknown"].sum() == 30

    homophones = (
        _trap(rows, "homophone")
        .group_by("group", maintain_order=True)
        .agg(
            "name",
            cities=pl.col("city").n_unique(),
            phones=pl.col("phone_r").n_unique(),
            births=pl.col("birth_date").n_unique(),
            unknown=pl.col("birth_date").null_count(),
        )
    )
    assert (homophones["cities"] == 1).all() and (homophones["phones"] == 2).all()
    assert (homophones["births"] == 2).all() and homophones["unknown"].sum() == 30
    sound = {"许": "xu", "徐": "xu", "于": "yu", "余": "yu", "嘉": "jia", "佳": "jia"}
    sound |= {"静": "jing", "晶": "jing", "林": "lin", "琳": "lin", "军": "jun", "俊": "jun"}
    sound |= {"浩": "hao", "昊": "hao", "宇": "yu", "雨": "yu", "轩": "xuan", "萱": "xuan"}
    sound |= {"辉": "hui", "慧": "hui", "一": "yi", "怡": "yi", "艳": "yan", "燕": "yan"}
    sound |= {"颖": "ying", "英": "ying", "玥": "yue", "悦": "yue"}
    for a, b in homophones["name"].to_list():
        differ = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        assert len(differ) == 1 and sound[differ[0][0]] == sound[differ[0][1]], (a, b)

    crowd = _trap(rows, "common_name_city")
    assert crowd.select("name", "city").unique().rows() == [("张伟", "上海")]
    assert crowd["phone_r"].n_unique() == 40
    assert crowd["channel"].value_counts()["count"].to_list() == [10] * 4
    assert crowd["birth_date"].null_count() == 20
    assert crowd["birth_date"].drop_nulls().n_unique() == 20

    masked = _trap(rows, "masked_lookalike")
    assert masked["name_r"].null_count() == masked["phone_r"].null_count() == masked.height
    assert masked["email"].null_count() == masked.height
    look = masked.group_by("group").agg(
        phones=pl.col("phone").n_unique(), first=pl.col("name").str.slice(0, 1).n_unique()
    )
    assert (look["phones"] == 1).all() and (look["first"] == 1).all()
    assert masked["phone"].str.contains(r"^1[3-9][0-9]\*{4}[0-9]{4}$").all()


def test_same_person_pairs_carry_their_variant_and_no_shared_key(rows: pl.DataFrame) -> None:
    gm = _trap(rows, "gmail_alias")
    raw = gm.group_by("group").agg(pl.col("email").n_unique())
    canon = gm.group_by("group").agg(
        canonical_email_expr(pl.col("email")).n_unique(), pl.col("phone_r").drop_nulls().len()
    )
    assert (
        (raw["email"] == 2).all() and (canon["email"] == 1).all() and (canon["phone_r"] == 1).all()
    )
    assert gm["email"].str.contains("@gmail.com").sum() == 60
    assert gm["email"].str.contains("@GoogleMail.com").sum() == 60
    assert (
        gm["email"].str.contains(r"\.").all() and gm["email"].str.contains(r"\+shop@").sum() == 60
    )

    for trap in ("hanzi_pinyin", "traditional_simplified", "name_order"):
        t = _trap(rows, trap)
        pairs = t.group_by("group", maintain_order=True).agg(
            "name",
            births=pl.col("birth_date").n_unique(),
            unknown=pl.col("birth_date").null_count(),
            phones=pl.col("phone_r").drop_nulls().len(),
            emails=pl.col("email_r").drop_nulls().len(),
        )
        assert (pairs["births"] == 1).all() and (pairs["unknown"] == 0).all(), trap
        assert (pairs["phones"] == 1).all() and (pairs["emails"] == 1).all(), trap
        for a, b in pairs["name"].to_list():
            assert a != b, trap
            han = [n for n in (a, b) if "\u4e00" <= n[0] <= "\u9fff"]
            if trap == "hanzi_pinyin":
                assert len(han) == 1, (a, b)
            elif trap == "traditional_simplified":
                assert len(han) == 2, (a, b)
                back = {v: k for k, v in SIMPLIFIED_TO_TRADITIONAL.items()}
                assert "".join(back.get(ch, ch) for ch in a) == "".join(
                    back.get(ch, ch) for ch in b
                )
            else:
                assert not han and a.split() == b.split()[::-1], (a, b)
    cities = _trap(rows, "hanzi_pinyin").group_by("group").agg(pl.col("city").n_unique())
    assert cities["city"].to_list().count(2) == 30  # even units: the city in English

    pf = (
        _trap(rows, "phone_formats")
        .group_by("group")
        .agg(
            raw=pl.col("phone").n_unique(),
            e164=normalize_phone(pl.col("phone")).n_unique(),
            full_width=pl.col("phone").str.contains("[０-９]").any(),
            national=pl.col("phone").str.starts_with("0086 ").sum(),
            plus=pl.col("phone").str.starts_with("(+86) ").sum(),
        )
    )
    assert (pf["raw"] == 3).all() and (pf["e164"] == 1).all() and pf["full_width"].all()
    assert (pf["national"] == 1).all() and (pf["plus"] == 1).all()


def test_same_person_records_sharing_a_phone_under_names_that_look_different(
    rows: pl.DataFrame,
) -> None:
    for trap, channel in (
        ("nickname_shared_phone", "wechat"),
        ("masked_name_shared_phone", "tmall"),
        ("script_variant_shared_phone", None),
    ):
        t = _trap(rows, trap).sort("group", "birth_date", nulls_last=True)
        pairs = t.group_by("group", maintain_order=True).agg(
            "name",
            "name_r",
            "channel",
            phones=pl.col("phone_r").n_unique(),
            known=pl.col("birth_date").is_not_null(),
        )
        assert (pairs["phones"] == 1).all() and pairs["phones"].len() == 60, trap
        assert pairs["known"].to_list() == [[True, False]] * 60, trap
        for (real, other), (_, other_r), (c1, c2) in zip(
            pairs["name"], pairs["name_r"], pairs["channel"], strict=True
        ):
            assert real != other, trap
            if channel is not None:
                assert c2 == channel != c1, trap
            else:
                assert c1 == c2, trap
            if trap == "masked_name_shared_phone":
                assert other_r is None and other.startswith(real[0]) and "*" in other
            elif trap == "nickname_shared_phone":
                assert other_r == other
    variants = _trap(rows, "script_variant_shared_phone")["name"].str.contains("^[A-Z]").sum()
    assert variants == 30


def _hand_truth() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "channel": ["shop"] * 9,
            "source_customer_id": ["a1", "a2", "h1", "h2", "h3", "n1", "n2", "b1", "b2"],
            "person_id": ["P1", "P1", "P2", "P3", "P2", "P4", "P5", "P6", "P6"],
            "trap": ["gmail_alias"] * 2
            + ["household_same_channel"] * 3
            + ["namesake"] * 2
            + ["hanzi_pinyin"] * 2,
        }
    )


def _hand_map() -> pl.DataFrame:
    customers = {"a1": "C1", "a2": "C1", "n1": "C1", "h1": "C2", "h2": "C2", "h3": "C2"}
    customers |= {"n2": "C3", "b1": "C4", "b2": "C5"}
    return pl.DataFrame(
        {
            "channel": ["shop"] * 9,
            "source_customer_id": list(customers),
            "customer_id": list(customers.values()),
        }
    )


def test_trap_scores_on_a_hand_made_resolution() -> None:
    # C1 = {a1, a2, n1}: 3 pairs, 1 right (a1-a2); C2 = {h1, h2, h3}: 3 pairs, 1 right (h1-h3);
    # n2, b1, b2 alone. Review: n1-n2 (namesakes), b1-b2 (one person), n2-b1 (two traps).
    review = pl.DataFrame(
        {
            "channel_a": ["shop"] * 3,
            "source_customer_id_a": ["n1", "b1", "n2"],
            "channel_b": ["shop"] * 3,
            "source_customer_id_b": ["n2", "b2", "b1"],
        }
    )
    got = trap_scores(_hand_map(), _hand_truth(), review=review)
    expected = pl.DataFrame(
        {
            "trap": ["household_same_channel", "namesake", "gmail_alias", "hanzi_pinyin", "all"],
            "records": [3, 2, 2, 2, 9],
            "pairs": [1, 0, 1, 1, 3],
            # gmail_alias: C1 pairs touching a1/a2 = C(3,2) - C(1,2) = 3; namesake: C(3,2)-C(2,2)
            "predicted_pairs": [3, 2, 3, 0, 6],
            "false_pairs": [2, 2, 2, 0, 4],
            "precision": [0.3333, 0.0, 0.3333, 1.0, 0.3333],
            "recall": [1.0, None, 1.0, 0.0, 0.6667],
            "to_review": [0.0, None, 0.0, 1.0, 0.3333],
            "review_pairs": [0, 2, 0, 2, 3],
            "households": pl.Series([None] * 5, dtype=pl.Int64),
            "households_found": pl.Series([None] * 5, dtype=pl.Float64),
        }
    )
    assert_frame_equal(got, expected)


def test_households_found_on_a_hand_made_resolution() -> None:
    # h1, h3 (P2) in C2 and h2 (P3) in C6, one household H1: found. The namesakes n1 (C1) and
    # n2 (C3) wrongly share H2, which also covers a1, a2 (C1): one person, no group to find.
    customers = dict(
        zip(_hand_map()["source_customer_id"], _hand_map()["customer_id"], strict=True)
    )
    customers["h2"] = "C6"
    mapping = pl.DataFrame(
        {"channel": ["shop"] * 9, "source_customer_id": list(customers),
         "customer_id": list(customers.values())}
    )  # fmt: skip
    homes = pl.DataFrame(
        {"customer_id": ["C2", "C6", "C1", "C3"], "household_id": ["H1", "H1", "H2", "H2"]}
    )
    truth = _hand_truth().with_columns(group=pl.col("trap") + "/" + pl.lit("000"))
    got = trap_scores(mapping, truth, households=homes)
    assert got.select("trap", "households", "households_found").rows() == [
        ("household_same_channel", 1, 1.0),
        ("namesake", 1, 1.0),
        ("gmail_alias", 1, None),
        ("hanzi_pinyin", 0, None),
        ("all", 2, None),
    ]
    # without planted groups the households are counted, not matched
    assert (
        trap_scores(mapping, _hand_truth(), households=homes)["households_found"].null_count() == 5
    )
    # a household of one of the two people only is not found
    alone = homes.filter(pl.col("customer_id") != "C6")
    assert trap_scores(mapping, truth, households=alone)["households_found"][0] == 0.0


def test_trap_scores_without_review_and_bad_truth() -> None:
    got = trap_scores(_hand_map(), _hand_truth())
    assert got["review_pairs"].to_list() == [0] * 5
    assert got["to_review"].to_list() == [0.0, None, 0.0, 0.0, 0.0]
    two_traps = _hand_truth().with_columns(
        trap=pl.when(pl.col("source_customer_id") == "a2")
        .then(pl.lit("namesake"))
        .otherwise("trap")
    )
    with pytest.raises(ValueError, match="person 'P1' several traps"):
        trap_scores(_hand_map(), two_traps)
    two_people = pl.concat(
        [_hand_truth(), _hand_truth().head(1).with_columns(person_id=pl.lit("P9"))]
    )
    with pytest.raises(ValueError, match=r"\(shop, a1\) several people"):
        trap_scores(_hand_map(), two_people)


def test_the_trap_set_resolves_and_scores_every_trap(
    trap_set: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    customers, truth = trap_set
    resolution = resolve_traps(customers)
    assert resolution.result.fuzzy and resolution.result.records == customers.height
    scores = trap_scores(resolution, truth)
    assert scores["trap"].to_list() == [*TRAPS, "all"]
    assert scores["records"].to_list() == [*(TRAP_RECORDS[t] for t in TRAPS), customers.height]
    assert scores["pairs"].to_list() == [*(TRAP_PAIRS[t] for t in TRAPS), sum(TRAP_PAIRS.values())]
    # the two readings of one resolution agree (Resolution, or its map and review frames)
    homes = getattr(resolution, "households", None)  # once households are linked
    again = trap_scores(resolution.map, truth, review=resolution.review, households=homes)
    assert_frame_equal(scores, again)
    # measured on every tree (not a goal): phone formats and ordinary records link, masked
    # look-alikes and the 张伟 crowd stay apart
    row = {r["trap"]: r for r in scores.iter_rows(named=True)}
    assert row["phone_formats"]["recall"] == 1.0 and row["ordinary"]["recall"] == 1.0
    assert row["masked_lookalike"]["predicted_pairs"] == 0
    assert row["common_name_city"]["predicted_pairs"] == 0
    # the goals: pairwise precision >= 0.995 on every trap and overall, no same-person
    # link lost, every planted household found and none elsewhere, 张伟 / Zhang Wei linked
    for trap, r in row.items():
        assert r["precision"] >= 0.995, (trap, r)
        assert r["recall"] is None or r["recall"] == 1.0, (trap, r)
    for trap in ("household_same_channel", "household_cross_channel", "household_shared_email"):
        assert row[trap]["households_found"] == 1.0, trap
    for trap in ("namesake", "homophone", "common_name_city", "masked_lookalike"):
        assert row[trap]["households_found"] == 0.0, trap
    assert row["all"]["households"] == 310
    for trap in ("hanzi_pinyin", "traditional_simplified", "name_order", "gmail_alias"):
        assert row[trap]["predicted_pairs"] == TRAP_PAIRS[trap], trap
