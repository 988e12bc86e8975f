"""Customer 360 profile, search and logged PII reveal."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from cimlab import identity
from cimlab.customers.consent import set_consent
from cimlab.customers.profile import (
    REVEALS_SCHEMA,
    SEARCH_SCHEMA,
    CustomerProfile,
    customer_profile,
    reveal_log,
    reveal_pii,
    search,
)
from cimlab.customers.tags import add_tags
from cimlab.demo import build_demo_workspace
from cimlab.errors import WorkspaceError
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace


def at(m: int, d: int = 1, h: int = 0) -> dt.datetime:
    return dt.datetime(2024, m, d, h, tzinfo=dt.UTC)


def load(ws: Workspace, text: str, *, table: str, channel: str, when: dt.datetime, name: str):
    headers = text.split("\n", 1)[0].split(",")
    columns = {("source_customer_id" if h == "customer_id" else h): h for h in headers}
    report = check_bytes(
        text.encode(), name=name, table=table, channel=channel,
        mapping={"table": table, "columns": columns},
    )  # fmt: skip
    assert report.quarantine.is_empty(), report.quarantine
    return store_report(ws, report, at=when, user="test").batch.batch_id


def link(ws: Workspace, groups: dict[str, list[tuple[str, str]]]) -> None:
    """Fill ``identity_map`` by hand (the identity module's tables, our own links)."""
    ws.ensure_tables(identity.DDL)
    rows = [(ch, sid, cid, at(1)) for cid, recs in groups.items() for ch, sid in recs]
    with ws.transaction() as con:
        con.execute("DELETE FROM identity_map")
        con.executemany("INSERT INTO identity_map VALUES (?, ?, ?, 'test', NULL, NULL, ?)", rows)


SHOP_CUSTOMERS = """customer_id,name,email,phone,consent_email
001,Ann Lee,ANN@Example.com,138 0013 8000,yes
002,Bo Wang,bo@x.cn,13900139000,
"""
STORE_CUSTOMERS = """customer_id,name,phone,city
s9,李安,+86 138-0013-8000,上海
ann,Zed,,
"""
SHOP_ORDERS = """order_id,line_number,customer_id,order_ts,amount,currency,status
O1,1,001,2024-01-05 10:00,100,CNY,paid
O1,2,001,2024-01-05 10:00,50,CNY,paid
O2,1,001,2024-02-01 10:00,30,CNY,refunded
O3,1,001,2024-03-01 10:00,20,CNY,pending
O5,1,001,2024-03-05 10:00,60,CNY,paid
O5,2,001,2024-03-05 10:00,25,CNY,refunded
O6,1,001,2024-03-09 10:00,99,CNY,cancelled
B1,1,002,2024-03-09 10:00,5,CNY,paid
"""
TMALL_ORDERS = """order_id,line_number,customer_id,order_ts,amount,currency,status,customer_name,phone
T1,1,tb_ann,2024-04-01 10:00,40,CNY,paid,林**,138****8000
"""
VISITS = "customer_id,ts,type,note\n001,2024-02-02 09:00,visit,asked about sizes\n"
SURVEY = "customer_id,ts,nps,text\n001,2024-02-03 09:00,9,great\n"
GROUPS = {
    "C1": [("shop", "001"), ("store", "s9"), ("tmall", "tb_ann")],
    "C2": [("shop", "002")],
    "C3": [("store", "ann")],
}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The small workspace, built once; tests that write get their own copy (``ws``)."""
    ws = Workspace.open(tmp_path_factory.mktemp("base") / "ws")
    load(ws, SHOP_CUSTOMERS, table="customers", channel="shop", when=at(1), name="c.csv")
    load(ws, STORE_CUSTOMERS, table="customers", channel="store", when=at(2), name="s.csv")
    load(ws, SHOP_ORDERS, table="orders", channel="shop", when=at(5), name="o.csv")
    load(ws, TMALL_ORDERS, table="orders", channel="tmall", when=at(5), name="t.csv")
    load(ws, VISITS, table="interactions", channel="shop", when=at(5), name="v.csv")
    load(ws, SURVEY, table="feedback", channel="shop", when=at(5), name="f.csv")
    link(ws, GROUPS)
    return ws


@pytest.fixture
def ws(base: Workspace, tmp_path: Path) -> Workspace:
    shutil.copytree(base.path, tmp_path / "ws")
    return Workspace.open(tmp_path / "ws", create=False)


# ---------------------------------------------------------------------------- profile


def test_profile_gathers_everything_with_hand_summed_metrics(ws: Workspace) -> None:
    add_tags(ws, "C1", "wholesale", at=at(6), user="li")
    set_consent(ws, "C1", "sms", granted=False, at=at(6), user="li")
    profile = customer_profile(ws, "C1")
    assert isinstance(profile, CustomerProfile)
    assert profile.metrics == {
        "first_purchase": at(1, 5, 2),  # 10:00 Shanghai time
        "last_purchase": at(4, 1, 2),
        "orders": 3,  # O1, O5, T1: O2 refunded, O3 pending, O6 cancelled
        "gross_spend": 100 + 50 + 30 + 60 + 25 + 40.0,
        "refunds": 30 + 25.0,
        "net_spend": 100 + 50 + 60 + 40.0,
        "currency": "CNY",
        "channels": ["shop", "tmall"],
        "n_channels": 2,
        "missing_rates": [],
        "spend_by_currency": [
            {
                "currency": "CNY",
                "lines": 8,
                "gross_spend": 305.0,
                "refunds": 55.0,
                "net_spend": 250.0,
            },
        ],
        "placeholder_lines": 0,
    }
    assert profile.identities.select("channel", "source_customer_id", "tables", "rule").rows() == [
        ("shop", "001", ["customers", "orders", "interactions", "feedback"], "test"),
        ("store", "s9", ["customers"], "test"),
        ("tmall", "tb_ann", ["orders"], "test"),
    ]
    golden = profile.golden
    assert (golden["name"], golden["name_source"]) == ("李安", "store/s9")
    assert (golden["email"], golden["phone"], golden["city"]) == (
        "ann@example.com",
        "+8613800138000",
        "上海",
    )
    assert profile.orders["order_id"].to_list() == ["T1", "O6", "O5", "O5", "O3", "O2", "O1", "O1"]
    assert profile.orders["customer_id"].unique().to_list() == ["C1"]
    assert profile.interactions.select("type", "note").rows() == [("visit", "asked about sizes")]
    assert profile.feedback.select("nps", "text").rows() == [(9, "great")]
    assert profile.tags.select("tag", "origin").rows() == [
        ("individual", "customer_type"),
        ("wholesale", "manual"),
    ]
    assert profile.consent.select("purpose", "granted", "origin").rows() == [
        ("email", True, "import"),
        ("sms", False, "manual"),
    ]
    assert profile.consent_history.height == 2
    lineage_names = profile.lineage.filter(pl.col("attribute") == "name")
    assert lineage_names.select("value", "table", "selected").rows() == [
        ("李安", "customers", True),
        ("Ann Lee", "customers", False),
        ("林**", "orders", False),
    ]


USD_ORDERS = """order_id,line_number,customer_id,order_ts,amount,currency,status
U1,1,001,2024-04-01 04:00,10,USD,paid
U2,1,001,2024-04-01 15:30,4,USD,refunded
"""


def test_360_keeps_original_amounts_and_converts_the_total(ws: Workspace) -> None:
    from cimlab import money
    from cimlab.errors import UnknownCurrencyError
    from cimlab.settings import set_time_zone

    load(ws, USD_ORDERS, table="orders", channel="usshop", when=at(5), name="u.csv")
    link(ws, {**GROUPS, "C1": [*GROUPS["C1"], ("usshop", "001")]})
    profile = customer_profile(ws, "C1")
    # no USD rate: no total in CNY (never 250 yuan + 10 dollars), each currency's own total
    m = profile.metrics
    assert (m["gross_spend"], m["refunds"], m["net_spend"]) == (None, None, None)
    assert (m["currency"], m["missing_rates"], m["orders"]) == ("CNY", ["USD"], 4)
    assert [(p["currency"], p["net_spend"]) for p in m["spend_by_currency"]] == [
        ("CNY", 250.0), ("USD", 10.0),
    ]  # fmt: skip
    # the order list keeps every line in its own currency
    usd = profile.orders.filter(pl.col("currency") == "USD")
    assert usd.select("order_id", "amount").rows() == [("U2", 4.0), ("U1", 10.0)]

    # a rate from 1 April: U1 and U2 are on 1 April in the business time zone (Shanghai)
    rates = pl.DataFrame({"currency": ["USD"], "rate": [7.2], "valid_from": [dt.date(2024, 4, 1)]})
    money.set_rates(ws, rates)
    m = customer_profile(ws, "C1").metrics
    # 250 + 10 × 7.2 = 322 net; gross 305 + (10 + 4) × 7.2 = 405.8; refunds 55 + 28.8
    assert (m["net_spend"], m["gross_spend"], m["refunds"], m["currency"]) == (
        322.0, 405.8, 83.8, "CNY",
    )  # fmt: skip
    assert m["missing_rates"] == []
    # counted in UTC days, U1 (31 March 20:00 UTC) comes before the rate
    set_time_zone(ws, "UTC")
    assert customer_profile(ws, "C1").metrics["missing_rates"] == ["USD"]
    set_time_zone(ws, None)
    # a rate only from 2 April: U1 and U2 (1 April) have none
    money.set_rates(ws, rates.with_columns(pl.lit(dt.date(2024, 4, 2)).alias("valid_from")))
    assert customer_profile(ws, "C1").metrics["missing_rates"] == ["USD"]
    # one currency's totals, unconverted
    usd_only = customer_profile(ws, "C1", currency="USD").metrics
    assert (usd_only["net_spend"], usd_only["currency"], usd_only["orders"]) == (10.0, "USD", 1)
    with pytest.raises(UnknownCurrencyError, match="no order is in EUR"):
        customer_profile(ws, "C1", currency="EUR")


def test_profile_of_a_customer_without_orders_and_of_an_unknown_id(base: Workspace) -> None:
    profile = customer_profile(base, "C3")
    assert profile.metrics["orders"] == 0 and profile.metrics["net_spend"] == 0.0
    assert profile.metrics["channels"] == [] and profile.orders.height == 0
    with pytest.raises(WorkspaceError, match="unknown customer_id C404"):
        customer_profile(base, "C404")


# ---------------------------------------------------------------------------- search


def found(ws: Workspace, text: str, **kw: int) -> list[tuple[str, list[str]]]:
    result = search(ws, text, **kw)
    assert result.schema == pl.Schema(SEARCH_SCHEMA)
    return list(zip(result["customer_id"].to_list(), result["matched_on"].to_list(), strict=True))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lee", [("C1", ["name"])]),  # substring, any case
        ("李", [("C1", ["name"])]),
        ("138 0013 8000", [("C1", ["phone", "phone_partial"])]),  # normalised like imports
        ("+86 138-0013-8000", [("C1", ["phone", "phone_partial"])]),
        ("8000", [("C1", ["phone_partial"])]),  # last 4 (also the masked tmall phone)
        ("0139", [("C2", ["phone_partial"])]),
        (" ANN@example.COM ", [("C1", ["email"])]),
        ("bo@", [("C2", ["email"])]),  # a partial address
        ("001", [("C1", ["source_id"])]),
        ("c2", [("C2", ["customer_id"])]),  # the unified id itself
        ("TB_ANN", [("C1", ["source_id"])]),
        ("ann", [("C3", ["source_id"]), ("C1", ["name"])]),  # better kinds first
        ("nobody", []),
        ("   ", []),
    ],
)
def test_search_by_each_kind_of_input(base: Workspace, text: str, expected: list) -> None:
    assert found(base, text) == expected


def test_search_results_are_masked_and_limited(base: Workspace) -> None:
    result = search(base, "n")  # in the names "Ann Lee" and "Bo Wang"
    assert result.rows() == [
        ("C1", "李**", "138****8000", "a***@example.com", ["shop", "store", "tmall"], ["name"]),
        ("C2", "B**", "139****9000", "b***@x.cn", ["shop"], ["name"]),
    ]
    text = str(result.rows())
    assert "13800138000" not in text and "ann@example.com" not in text
    assert "李安" not in text and "Bo Wang" not in text
    assert search(base, "n", limit=1)["customer_id"].to_list() == ["C1"]
    with pytest.raises(ValueError, match="limit"):
        search(base, "n", limit=0)
    with pytest.raises(TypeError, match="string"):
        search(base, 13800138000)  # type: ignore[arg-type]


def test_search_before_resolution_finds_nobody(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    load(ws, SHOP_CUSTOMERS, table="customers", channel="shop", when=at(1), name="c.csv")
    assert search(ws, "Ann").height == 0


# ---------------------------------------------------------------------------- reveal


def test_reveal_returns_contacts_and_logs_without_values(ws: Workspace) -> None:
    revealed = reveal_pii(ws, "C1", user="li", at=at(7), reason="customer called from 13800138000")
    assert revealed == {
        "customer_id": "C1",
        "name": "李安",
        "phone": "+8613800138000",
        "email": "ann@example.com",
        "phones": ["+8613800138000"],
        "emails": ["ann@example.com"],
    }
    log = reveal_log(ws)
    assert log.schema == pl.Schema(REVEALS_SCHEMA)
    assert log.rows() == [
        (1, "C1", "li", at(7), "customer called from 138****8000", "name,phone,email,phones,emails")
    ]
    stored = str(ws.query("SELECT * FROM pii_reveals").rows())
    for secret in ("13800138000", "ann@example.com", "李安"):
        assert secret not in stored
    reveal_pii(ws, "C2", user="wu", at=at(8), reason="delivery problem")
    assert reveal_log(ws, customer_id="C2")["user_name"].to_list() == ["wu"]


@pytest.mark.parametrize(
    ("customer", "user", "when", "reason", "message"),
    [
        ("C1", " ", at(7), "why", "must name who reveals"),
        ("C1", "li", at(7), "  ", "a reason is required"),
        ("C1", "li", dt.datetime(2024, 7, 1), "why", "timezone-aware"),
        ("C404", "li", at(7), "why", "unknown customer_id C404"),
    ],
)
def test_reveal_refuses_without_who_why_when(
    ws: Workspace, customer: str, user: str, when: dt.datetime, reason: str, message: str
) -> None:
    with pytest.raises(WorkspaceError, match=message):
        reveal_pii(ws, customer, user=user, at=when, reason=reason)
    assert reveal_log(ws).height == 0


# ---------------------------------------------------------------------------- demo data


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, pl.DataFrame]:
    root = tmp_path_factory.mktemp("demo")
    build_demo_workspace(root / "ws", root / "files", people=300)
    ws = Workspace.open(root / "ws")
    truth = pl.read_csv(root / "files" / "_truth" / "identities.csv", infer_schema=False)
    truth = truth.select(
        "channel", "source_customer_id", pl.col("person_id").alias("customer_id")
    ).unique(["channel", "source_customer_id"])
    groups: dict[str, list[tuple[str, str]]] = {}
    for ch, sid, cid in truth.rows():
        groups.setdefault(cid, []).append((ch, sid))
    link(ws, groups)
    return ws, truth


def test_demo_profiles_match_direct_sums(demo: tuple[Workspace, pl.DataFrame]) -> None:
    ws, truth = demo
    lines = ws.table("orders").join(truth, on=["channel", "source_customer_id"])
    paid = pl.col("status") == "paid"
    expected = (
        lines.group_by("customer_id")
        .agg(
            pl.struct("channel", "order_id").filter(paid).n_unique().alias("orders"),
            pl.col("amount").filter(paid).sum().alias("paid"),
            pl.col("channel").filter(paid).unique().sort().alias("channels"),
        )
        .sort("paid", descending=True)
    )
    for row in expected.head(3).vstack(expected.tail(2)).iter_rows(named=True):
        profile = customer_profile(ws, row["customer_id"])
        assert profile.metrics["orders"] == row["orders"]
        assert profile.metrics["net_spend"] == pytest.approx(
            row["paid"]
        )  # demo refunds keep +amount
        assert profile.metrics["channels"] == row["channels"]
        phone = profile.golden["phone"]
        if phone is not None:
            assert search(ws, phone[-11:])["customer_id"][0] == row["customer_id"]
