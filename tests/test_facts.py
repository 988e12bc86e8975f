"""The analytics inputs of a workspace: tables keyed by the unified customer id."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab import identity
from cimlab.analytics.facts import CUSTOMERS_SCHEMA, customer_data, require_resolved, with_customer
from cimlab.errors import MissingRatesError, WorkspaceError
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace

WHEN = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)


def _load(ws: Workspace, text: str, *, table: str, channel: str, name: str) -> None:
    headers = text.split("\n", 1)[0].split(",")
    columns = {("source_customer_id" if h == "customer_id" else h): h for h in headers}
    report = check_bytes(
        text.encode(),
        name=name,
        table=table,
        channel=channel,
        mapping={"table": table, "columns": columns},
    )
    store_report(ws, report, at=WHEN, user="test")


def _link(ws: Workspace, groups: dict[str, list[tuple[str, str]]]) -> None:
    ws.ensure_tables(identity.DDL)
    rows = [(ch, sid, cid, WHEN) for cid, recs in groups.items() for ch, sid in recs]
    with ws.transaction() as con:
        con.executemany("INSERT INTO identity_map VALUES (?, ?, ?, 'test', NULL, NULL, ?)", rows)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.open(tmp_path / "ws")
    _load(
        ws,
        "customer_id,name,signup_date\nS1,Ann,2024-03-01\nS2,Bo,\nS3,Cy,\n",
        table="customers",
        channel="online_shop",
        name="shop_customers.csv",
    )
    _load(
        ws,
        "order_id,customer_id,order_ts,amount,currency,status\n"
        "A,T1,2024-05-02 10:00,30,CNY,paid\n"
        "B,T1,2024-01-10 10:00,12,CNY,refunded\n"
        "C,T9,2024-06-01 10:00,5,CNY,paid\n",
        table="orders",
        channel="tmall",
        name="tmall_orders.csv",
    )
    _load(
        ws,
        "customer_id,ts,nps\nS2,2024-07-01 08:00,9\nX,2024-07-02 08:00,3\n",
        table="feedback",
        channel="online_shop",
        name="survey.csv",
    )
    return ws


def test_unresolved_workspace_is_refused_with_advice(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="cimlab customers resolve --workspace"):
        require_resolved(ws)
    with pytest.raises(WorkspaceError, match="never resolved"):
        customer_data(ws)


def test_customer_data_keys_every_table_and_dates_first_seen(ws: Workspace) -> None:
    # C1 = shop S1 + tmall T1; C2 = shop S2; C3 = shop S3 (no dated record at all)
    _link(
        ws,
        {
            "C1": [("online_shop", "S1"), ("tmall", "T1")],
            "C2": [("online_shop", "S2")],
            "C3": [("online_shop", "S3")],
        },
    )
    data = customer_data(ws)
    utc = dt.UTC
    expected = pl.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            # C1: the refund line of 2024-01-10 is earlier than the sign-up (2024-03-01);
            # times without a zone are China time (UTC+8), stored in UTC
            "first_seen": [
                dt.datetime(2024, 1, 10, 2, tzinfo=utc),
                dt.datetime(2024, 7, 1, 0, tzinfo=utc),
                None,
            ],
            "channels": [["online_shop", "tmall"], ["online_shop"], ["online_shop"]],
        },
        schema=CUSTOMERS_SCHEMA,
    )
    assert_frame_equal(data.customers, expected)
    # orders: every line once, customer id first, the unknown buyer T9 kept with a null id
    assert data.orders.columns[0] == "customer_id"
    assert sorted(data.orders.select("order_id", "customer_id").rows(), key=str) == [
        ("A", "C1"),
        ("B", "C1"),
        ("C", None),
    ]
    assert {"net_amount", "refund_amount"} <= set(data.orders.columns)
    assert data.feedback.select("customer_id", "nps").rows() == [("C2", 9), (None, 3)]
    assert data.interactions.is_empty()
    assert data.interactions.columns[0] == "customer_id"


def test_with_customer_ignores_duplicate_map_rows_and_casts_ids() -> None:
    imap = pl.DataFrame(
        {"channel": ["jd", "jd"], "source_customer_id": ["7", "7"], "customer_id": ["C1", "C2"]}
    )
    rows = pl.DataFrame({"channel": ["jd"], "source_customer_id": ["7"], "x": [1]})
    assert with_customer(rows, imap).rows() == [("C1", "jd", "7", 1)]


def test_analysis_orders_carry_no_contact_details(tmp_path):
    import datetime as dt

    from cimlab.analytics.facts import CONTACT_COLUMNS, customer_data
    from cimlab.identity import resolve
    from cimlab.ingest.importer import check_bytes, store_report
    from cimlab.workspace import Workspace

    ws = Workspace.open(tmp_path / "ws")
    rows = (
        "order_id,customer_id,buyer,mobile,mail,order_date,amount,currency,status\n"
        "A1,c1,Ann Li,13800138000,ann@x.com,2026-01-10 10:00,100,CNY,paid\n"
    )
    report = check_bytes(rows.encode(), name="o.csv", table="orders", channel="shop")
    assert {"customer_name", "phone", "email"} <= set(report.valid.columns)
    store_report(ws, report)
    resolve(ws, at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    orders = customer_data(ws).orders
    assert not set(CONTACT_COLUMNS) & set(orders.columns)
    assert "13800138000" not in str(orders.rows()) and "ann@x.com" not in str(orders.rows())
    assert orders["net_amount"].to_list() == [100.0]


def test_customer_data_says_the_currency_of_its_money(ws: Workspace) -> None:
    """One currency: amounts as stored, with the currency and the line counts of the money
    rules (cimlab.money; the two-currency cases are in tests/test_money.py)."""
    _link(ws, {"C1": [("online_shop", "S1"), ("tmall", "T1")], "C2": [("online_shop", "S2")]})
    _load(
        ws,
        "order_id,customer_id,order_ts,amount,currency,status\nU1,S2,2023-12-01 10:00,7,USD,paid\n",
        table="orders",
        channel="online_shop",
        name="usd.csv",
    )
    with pytest.raises(MissingRatesError, match="no exchange rate into CNY for USD"):
        customer_data(ws)  # CNY 47 paid against USD 7: CNY reports
    data = customer_data(ws, currency="CNY")
    assert (data.currency, data.order_lines, data.placeholder_lines) == ("CNY", 3, 0)
    assert data.orders.select("amount", "original_amount", "original_currency").rows() == [
        (30.0, 30.0, "CNY"), (12.0, 12.0, "CNY"), (5.0, 5.0, "CNY"),
    ]  # fmt: skip
    # the USD order is not analysed, but C2 was known from its day all the same
    first_seen = dict(data.customers.select("customer_id", "first_seen").iter_rows())
    assert first_seen["C2"] == dt.datetime(2023, 12, 1, 2, tzinfo=dt.UTC)
    usd = customer_data(ws, currency="USD")
    assert (usd.currency, usd.order_lines) == ("USD", 1)
    assert not usd.money_withheld
