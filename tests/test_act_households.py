"""One message per home: households from identity resolution in audiences and exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from cimlab import identity as idn
from cimlab.act.attributes import customer_attributes
from cimlab.act.audiences import Audience, Rule, members
from cimlab.act.campaigns import campaign_members, export_audience
from cimlab.act.suppression import suppress
from cimlab.cli import main
from cimlab.errors import AudienceError
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace

AT = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
AS_OF = dt.date(2026, 6, 30)
# 0001 and 0002: a couple on one mobile (names and birth dates differ): two customers, one home
CUSTOMERS = """customer_id,full_name,phone,city,birth_date,sms consent
0001,张伟,13912345670,上海,1980-01-02,yes
0002,李娜,13912345670,上海,1982-03-04,yes
0003,王芳,13755556666,北京,1975-05-06,yes
"""
ORDERS = """order id,customer id,order date,amount,currency,status
A1,0001,2026-05-01,100,CNY,paid
A2,0002,2026-05-02,80,CNY,paid
A3,0002,2026-06-02,90,CNY,paid
A4,0003,2026-06-03,50,CNY,paid
"""


def _store(ws: Workspace, text: str, table: str) -> None:
    report = check_bytes(
        text.encode(), name=f"{table}.csv", table=table, channel="online_shop", mapping="generic_en"
    )
    assert report.quarantine.is_empty(), report.quarantine
    store_report(ws, report, at=AT, user="test")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.open(tmp_path / "ws")
    _store(ws, CUSTOMERS, "customers")
    _store(ws, ORDERS, "orders")
    result = idn.resolve(ws, at=AT)
    assert (result.customers, result.households) == (3, 1)
    return ws


def test_households_are_fields_audiences_read(ws: Workspace) -> None:
    got = customer_attributes(ws, as_of=AS_OF, fields=["household_id", "household_size"])
    by_size = dict(zip(got["customer_id"], got["household_size"], strict=True))
    homes = got.filter(pl.col("household_id").is_not_null())
    assert homes.height == 2 and homes["household_id"].n_unique() == 1
    assert sorted(by_size.values()) == [1, 2, 2]
    shared = Audience("homes", rules=(Rule("household_size", ">=", 2),))
    assert members(got, shared).height == 2


def test_one_message_per_home_keeps_the_most_frequent_buyer(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    every = export_audience(ws, "all", profile="sms", out=out / "a.csv", as_of=AS_OF, seed=1)
    assert every.exported == 3 and every.suppressed["same_household"] == 0
    one = export_audience(
        ws,
        "all",
        profile="sms",
        out=out / "b.csv",
        as_of=AS_OF,
        seed=1,
        cap_days=0,
        one_per_household=True,
    )
    assert one.exported == 2 and one.suppressed["same_household"] == 1
    written = pl.read_csv(out / "b.csv", schema_overrides={"手机号码": pl.String})
    assert sorted(written["手机号码"].to_list()) == ["13755556666", "13912345670"]
    # the member kept is 李娜's customer (two purchase days against one)
    fields = ["household_id", "purchase_days"]
    got = customer_attributes(ws, as_of=AS_OF, fields=fields)
    home = got.filter(pl.col("household_id").is_not_null()).sort("purchase_days")
    (once, twice) = home["customer_id"].to_list()
    sent = set(campaign_members(ws, one.export_id)["customer_id"].to_list())
    assert twice in sent and once not in sent


def test_the_household_step_comes_after_the_others() -> None:
    people = pl.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "phone": ["+8613900000001", "+8613900000001", "+8613900000002"],
            "consent_sms": [False, True, True],
            "purchase_days": [9, 1, 1],
            "household_id": ["H1", "H1", None],
        }
    )
    out = suppress(people, identifiers={"phone": ("sms",)}, one_per_household=True)
    # a refused SMS: b, the only one of the home left, gets the message
    assert out.kept["customer_id"].to_list() == ["b", "c"]
    assert out.counts["no_consent"] == 1 and out.counts["same_household"] == 0
    with pytest.raises(AudienceError, match="household_id"):
        suppress(
            people.drop("household_id"), identifiers={"phone": ("sms",)}, one_per_household=True
        )


def test_cli_export_one_per_household(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "all", "--workspace", str(ws.path), "--profile", "sms", "--json"]
    assert main([*argv, "--out", str(tmp_path / "x.csv"), "--one-per-household"]) == 0
    assert '"same_household": 1' in capsys.readouterr().out


def test_too_few_customers_to_cluster_is_an_audience_error(ws: Workspace) -> None:
    with pytest.raises(AudienceError, match="no clusters for this audience: clustering needs"):
        customer_attributes(ws, as_of=AS_OF, fields=["cluster_name"])
