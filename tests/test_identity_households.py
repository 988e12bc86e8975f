"""Households: two people sharing a phone or e-mail are linked as a household, not merged.

Each case of the rule in :mod:`cimlab.identity.households` on hand-made records: names and birth
dates both disagreeing, one of them unknown (within one channel and across channels), unusable
names, a key carried by more records than the couple, chains through a third record, manual
merges, stable household ids, and the workspace table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab import identity as idn
from cimlab.identity.households import apart_pairs, split_household_keys
from cimlab.identity.keys import key_rows, prepare_records
from cimlab.identity.settings import IdentitySettings
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace

AT = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 7, 2, 9, 0, tzinfo=dt.UTC)
PHONE = "+8613912345670"
MASKED_PHONE = "139****5670"
B1980 = dt.date(1980, 1, 2)
B1982 = dt.date(1982, 3, 4)


def recs(*rows: tuple) -> pl.DataFrame:
    """Records from (channel, source id, name, birth_date, phone[, email])."""
    full = [tuple(r) + (None,) * (6 - len(r)) for r in rows]
    return pl.DataFrame(
        full,
        schema={
            "channel": pl.String,
            "source_customer_id": pl.String,
            "name": pl.String,
            "birth_date": pl.Date,
            "phone": pl.String,
            "email": pl.String,
        },
        orient="row",
    )


def groups(res: idn.Resolution) -> set[frozenset[str]]:
    """The customers as sets of 'channel:id'."""
    m = res.map.with_columns(r=pl.col("channel") + ":" + pl.col("source_customer_id"))
    return {frozenset(g["r"].to_list()) for g in m.partition_by("customer_id")}


def cid(res: idn.Resolution, record: str) -> str:
    channel, sid = record.split(":")
    row = res.map.filter((pl.col("channel") == channel) & (pl.col("source_customer_id") == sid))
    return row["customer_id"].item()


def household_of(res: idn.Resolution) -> dict[str, str]:
    return dict(res.households.select("customer_id", "household_id").unique().iter_rows())


# ------------------------------------------------------------------------------ the rule


def test_a_couple_on_one_phone_in_one_channel_is_a_household():
    res = idn.resolve_records(
        recs(("shop", "1", "张伟", B1980, PHONE), ("shop", "2", "李娜", B1982, PHONE))
    )
    assert groups(res) == {frozenset({"shop:1"}), frozenset({"shop:2"})}
    assert res.result.customers == 2 and res.result.households == 1
    assert res.households.rows() == [
        ("C000001", "H000001", "shared_phone", "C000002", MASKED_PHONE),
        ("C000002", "H000001", "shared_phone", "C000001", MASKED_PHONE),
    ]
    assert res.households.schema == pl.Schema(idn.HOUSEHOLDS_SCHEMA)
    assert res.links.is_empty()  # the phone links nobody


def test_names_and_birth_dates_disagreeing_across_channels_is_a_household():
    res = idn.resolve_records(
        recs(("shop", "1", "张伟", B1980, PHONE), ("wechat", "o2", "Li Na", B1982, PHONE))
    )
    assert res.result.customers == 2 and res.result.households == 1


def test_a_shared_email_gives_the_reason_shared_email():
    mail = "family.wang@163.com"
    res = idn.resolve_records(
        recs(("shop", "1", "王芳", B1980, None, mail), ("store", "7", "王磊", B1982, None, mail))
    )
    assert res.result.customers == 2
    assert set(res.households["reason"]) == {"shared_email"}
    assert set(res.households["key_masked"]) == {"f***@163.com"}


@pytest.mark.parametrize(
    ("channel_b", "birth_a", "birth_b", "household"),
    [
        ("shop", B1980, None, True),  # a birth date unknown, one channel: two accounts, two people
        ("shop", None, None, True),
        ("wechat", B1980, None, False),  # across channels: one person written differently
        ("wechat", None, None, False),
    ],
)
def test_names_disagree_and_a_birth_date_is_unknown(channel_b, birth_a, birth_b, household):
    res = idn.resolve_records(
        recs(("shop", "1", "张伟", birth_a, PHONE), (channel_b, "2", "李娜", birth_b, PHONE))
    )
    assert res.result.customers == (2 if household else 1)
    assert res.result.households == (1 if household else 0)


@pytest.mark.parametrize(
    ("name_a", "name_b", "birth_b"),
    [
        ("张伟", "张伟", B1982),  # same name, birth dates differ: a typo is likelier
        ("张伟", "Zhang Wei", B1982),  # one name key (pypinyin), any order
        ("張偉", "Wei ZHANG", B1982),  # traditional characters, family name last
        ("张伟", "李娜", B1980),  # same birth date
        ("张伟", "张*", B1982),  # masked name: unusable
        ("张伟", "微信用户", B1982),  # nickname-like: unusable
        ("张伟", None, B1982),
    ],
)
def test_a_shared_key_still_merges_unless_names_and_birth_dates_disagree(name_a, name_b, birth_b):
    res = idn.resolve_records(
        recs(("shop", "1", name_a, B1980, PHONE), ("shop", "2", name_b, birth_b, PHONE))
    )
    assert res.result.customers == 1 and res.households.is_empty()
    assert set(res.map["rule"]) == {"phone"}


def test_apart_pairs_name_the_key_and_the_records():
    rec = prepare_records(
        recs(
            ("shop", "1", "张伟", B1980, PHONE, "zw@qq.com"),
            ("shop", "2", "李娜", B1982, PHONE, "zw@qq.com"),
            ("wechat", "o1", "Zhang Wei", None, PHONE),
        )
    )
    usable = key_rows(rec, IdentitySettings())
    apart = apart_pairs(rec, usable)
    assert apart.rows() == [(0, 1, "email", "zw@qq.com"), (0, 1, "phone", PHONE)]
    parts = split_household_keys(rec, usable, apart).filter(pl.col("key_type") == "phone")
    assert parts.select("rid", "part").rows() == [(0, "wei zhang"), (1, "li na"), (2, "wei zhang")]


# ------------------------------------------------------------------------------ more records


def test_a_household_key_links_each_name_to_its_own_records():
    res = idn.resolve_records(
        recs(
            ("shop", "1", "张伟", B1980, PHONE),
            ("shop", "2", "李娜", B1982, PHONE),
            ("wechat", "o1", "Wei Zhang", None, PHONE),  # 张伟 in pinyin
            ("store", "s1", None, B1982, PHONE),  # no name; her birth date
            ("tmall", "t1", None, None, PHONE),  # no name, no birth date: either of them
        )
    )
    assert groups(res) == {
        frozenset({"shop:1", "wechat:o1"}),
        frozenset({"shop:2", "store:s1"}),
        frozenset({"tmall:t1"}),
    }
    # the record that could be either of them shares the phone: it belongs to the household
    assert len(set(household_of(res).values())) == 1 and len(household_of(res)) == 3
    t1 = cid(res, "tmall:t1")
    assert set(res.households.filter(pl.col("customer_id") == t1)["shared_with"]) == {
        cid(res, "shop:1"),
        cid(res, "shop:2"),
    }


def test_a_third_record_sharing_the_phone_does_not_join_the_couple():
    # the trap: A1 and B1 share phone P in one channel; A2 carries P in another channel
    # and A's e-mail, A3 has only that e-mail
    res = idn.resolve_records(
        recs(
            ("shop", "A1", "张伟", B1980, PHONE, "zhang.wei@qq.com"),
            ("shop", "B1", "李娜", B1982, PHONE),
            ("wechat", "A2", "张伟", None, PHONE, "zhang.wei@qq.com"),
            ("store", "A3", None, None, None, "zhang.wei@qq.com"),
        )
    )
    assert groups(res) == {
        frozenset({"shop:A1", "wechat:A2", "store:A3"}),
        frozenset({"shop:B1"}),
    }
    assert res.result.households == 1


def test_no_chain_of_other_keys_joins_two_people_of_a_household():
    # X carries both partners' e-mails: each e-mail alone is fine, together they would join them
    res = idn.resolve_records(
        recs(
            ("shop", "A1", "张伟", B1980, PHONE, "zhang.wei@qq.com"),
            ("shop", "B1", "李娜", B1982, PHONE, "li.na@qq.com"),
            ("crm", "X1", None, None, None, "zhang.wei@qq.com"),
            ("store", "X1", None, None, None, "li.na@qq.com"),
            ("crm", "Y", None, None, "+8613755556666"),
            ("store", "X2", None, None, "+8613755556666", "zhang.wei@qq.com"),
        ),
        settings=IdentitySettings(shared_id_groups=(("crm", "store"),)),
    )
    a, b = cid(res, "shop:A1"), cid(res, "shop:B1")
    assert a != b
    # strongest links first: the shared id joins crm:X1 and store:X1, then e-mails in key order;
    # the e-mail that would bridge the two is the one left out
    crm_x1 = cid(res, "crm:X1")
    assert crm_x1 == cid(res, "store:X1") and crm_x1 in (a, b)
    assert cid(res, "store:X2") == cid(res, "crm:Y")
    assert res.result.households == 1


def test_a_fuzzy_link_does_not_join_two_people_of_a_household():
    # wechat:o1 writes 张伟's name but shares 李娜's e-mail (no birth date, another channel: her);
    # the fuzzy pass would link it to 张伟 as well
    rows = recs(
        ("shop", "1", "张伟", B1980, PHONE),
        ("shop", "2", "李娜", B1982, PHONE, "li.na@qq.com"),
        ("wechat", "o1", "张伟", None, None, "li.na@qq.com"),
    ).with_columns(city=pl.lit("上海"))
    settings = IdentitySettings(threshold=0.8, review_threshold=0.5)
    res = idn.resolve_records(rows, fuzzy=True, settings=settings)
    assert groups(res) == {frozenset({"shop:1"}), frozenset({"shop:2", "wechat:o1"})}
    assert "fuzzy_name" not in res.result.links_by_rule  # the e-mail came first


def test_a_manual_merge_wins_over_the_household_rule():
    rows = recs(("shop", "1", "张伟", B1980, PHONE), ("shop", "2", "李娜", B1982, PHONE))
    overrides = pl.DataFrame(
        {
            "override_id": [1, 1],
            "action": ["merge", "merge"],
            "part": [0, 1],
            "channel": ["shop", "shop"],
            "source_customer_id": ["1", "2"],
            "customer_id": ["C000001", "C000002"],
            "created_at": [AT, AT],
            "user_name": ["mei", "mei"],
            "note": [None, None],
        }
    )
    res = idn.resolve_records(rows, overrides=overrides)
    assert res.result.customers == 1 and res.households.is_empty()


# ------------------------------------------------------------------------------ household ids


def test_household_ids_are_kept_across_runs_and_never_reused():
    couple = (("shop", "1", "张伟", B1980, PHONE), ("shop", "2", "李娜", B1982, PHONE))
    other_phone = "+8613755556666"
    other = (("shop", "3", "王芳", B1980, other_phone), ("shop", "4", "王磊", B1982, other_phone))
    first = idn.resolve_records(recs(*couple, *other), last_household=6)
    assert household_of(first) == {
        "C000001": "H000007",
        "C000002": "H000007",
        "C000003": "H000008",
        "C000004": "H000008",
    }
    assert first.new_household_ids.rows() == [("H000007", 7), ("H000008", 8)]
    # the first couple leaves (their records gone), a new one arrives: ids stay, new ones follow
    third = (("store", "5", "赵敏", B1980, "+8613611223344"), ("store", "6", "钱进", B1982, "+8613611223344"))  # fmt: skip
    again = idn.resolve_records(
        recs(*other, *third),
        previous=first.map,
        last_id=4,
        previous_households=first.households,
        last_household=8,
    )
    assert household_of(again) == {
        "C000003": "H000008",
        "C000004": "H000008",
        "C000005": "H000009",
        "C000006": "H000009",
    }
    assert again.retired_household_ids == ["H000007"]


def test_household_id_arguments_are_checked():
    rows = recs(("shop", "1", "张伟", B1980, PHONE), ("shop", "2", "李娜", B1982, PHONE))
    with pytest.raises(ValueError, match="last_household=-1 should be a whole number >= 0"):
        idn.resolve_records(rows, last_household=-1)
    previous = pl.DataFrame({"customer_id": ["C000001"], "household_id": ["X1"]})
    with pytest.raises(ValueError, match="household_id 'X1'; ids are H"):
        idn.resolve_records(rows, previous_households=previous)


def test_customers_joined_by_two_household_keys_form_one_household():
    mail = "home@163.com"
    res = idn.resolve_records(
        recs(
            ("shop", "1", "张伟", B1980, PHONE),
            ("shop", "2", "李娜", B1982, PHONE, mail),
            ("store", "9", "张小明", dt.date(2010, 5, 6), None, mail),
        )
    )
    assert res.result.customers == 3 and res.result.households == 1
    reasons = res.households.group_by("reason").len().sort("reason").rows()
    assert reasons == [("shared_email", 2), ("shared_phone", 2)]


# ------------------------------------------------------------------------------ workspace


COUPLE = """customer_id,full_name,phone,email,city,birth_date
0001,张伟,13912345670,,上海,1980-01-02
0002,李娜,13912345670,,上海,1982-03-04
0003,王芳,13755556666,,北京,1975-05-06
"""


def store(ws: Workspace, text: str) -> None:
    report = check_bytes(
        text.encode(), name="c.csv", table="customers", channel="online_shop", mapping="generic_en"
    )
    assert report.quarantine.is_empty(), report.quarantine
    store_report(ws, report, at=AT, user="test")


def test_households_are_stored_with_the_map_and_read_back(tmp_path: Path):
    ws = Workspace.open(tmp_path / "ws")
    assert idn.customer_households(ws).is_empty()
    store(ws, COUPLE)
    result = idn.resolve(ws, at=AT)
    assert (result.customers, result.households) == (3, 1)
    table = idn.customer_households(ws)
    assert table.rows() == [
        ("C000001", "H000001", "shared_phone", "C000002", MASKED_PHONE),
        ("C000002", "H000001", "shared_phone", "C000001", MASKED_PHONE),
    ]
    assert idn.customer_households(ws, ["C000002", "C000003"]).height == 1
    raw = ws.query("SELECT * FROM identity_households").write_csv()
    assert "13912345670" not in raw and "张伟" not in raw  # masked, no names
    again = idn.resolve(ws, at=LATER)
    assert again.households == 1
    assert_frame_equal(idn.customer_households(ws), table)
    issued = ws.query("SELECT household_id, number, retired_at FROM identity_household_ids")
    assert issued.rows() == [("H000001", 1, None)]


def test_a_merge_by_hand_dissolves_the_household_in_the_workspace(tmp_path: Path):
    ws = Workspace.open(tmp_path / "ws")
    store(ws, COUPLE)
    idn.resolve(ws, at=AT)
    out = idn.merge_customers(ws, "C000001", "C000002", at=LATER, user="mei")
    assert out.resolution.households == 0
    assert idn.customer_households(ws).is_empty()
    retired = ws.query(
        "SELECT household_id FROM identity_household_ids WHERE retired_at IS NOT NULL"
    )
    assert retired["household_id"].to_list() == ["H000001"]


def test_the_360_says_who_shares_a_phone_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from streamlit.testing.v1 import AppTest

    from cimlab.customers.profile import customer_profile
    from tests.app.markdown_checks import shown_text

    ws = Workspace.open(tmp_path / "ws")
    store(ws, COUPLE)
    idn.resolve(ws, at=AT)
    view = customer_profile(ws, "C000002")
    assert view.household.select("shared_with", "reason").rows() == [("C000001", "shared_phone")]
    assert view.household_lines() == [
        f"Household H000001: shares a phone ({MASKED_PHONE}) with C000001"
    ]
    assert customer_profile(ws, "C000003").household_lines("zh") == []

    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("CIMLAB_USER", "tester")
    monkeypatch.delenv("CIMLAB_ALLOW_REVEAL", raising=False)
    app = Path(__file__).resolve().parents[1] / "apps" / "streamlit_app.py"
    at = AppTest.from_file(app, default_timeout=30).run()
    at.switch_page("customers_page.py").run()
    at.text_input(key="cust_query").input("C000002").run()
    assert not at.exception
    shown = [shown_text(str(m.value)) for m in at.markdown]
    assert f"家庭 H000001：与 C000001 共用手机号（{MASKED_PHONE}）" in shown
    assert not any("13912345670" in text for text in shown)


def test_the_cli_counts_households_and_shows_them_masked(tmp_path: Path, capsys):
    from cimlab.cli import main

    ws = Workspace.open(tmp_path / "ws")
    store(ws, COUPLE)
    assert main(["customers", "resolve", "--workspace", str(tmp_path / "ws")]) == 0
    assert "  1 households (one phone or e-mail, two people)" in capsys.readouterr().out
    assert main(["customers", "show", "C000001", "--workspace", str(tmp_path / "ws")]) == 0
    out = capsys.readouterr().out
    assert f"Household H000001: shares a phone ({MASKED_PHONE}) with C000002" in out
    assert "13912345670" not in out
