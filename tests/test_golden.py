"""Golden record survivorship, lineage, and order facts without double counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab import identity
from cimlab.contracts.models import polars_schema
from cimlab.customers.golden import (
    ATTRIBUTES,
    GOLDEN_SCHEMA,
    LINEAGE_SCHEMA,
    golden_lineage,
    golden_records,
    net_amount,
    order_facts,
    order_metrics,
    read_identity_map,
    refund_amount,
    spend_by_currency,
)
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace


def at(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, tzinfo=dt.UTC)


# ---------------------------------------------------------------------------- helpers


def customers(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """A customers frame with every contract column (defaults for the ones a row omits)."""
    schema = {
        **polars_schema("customers"),
        "batch_id": pl.Int64(),
        "source_line": pl.Int64(),
        "imported_at": pl.Datetime("us", "UTC"),
    }
    defaults = {"name_is_masked": False, "phone_is_masked": False, "customer_type": "individual"}
    full = [{c: r.get(c, defaults.get(c)) for c in schema} for r in rows]
    return pl.DataFrame(full, schema=schema)


def imap(groups: dict[str, list[tuple[str, str]]]) -> pl.DataFrame:
    rows = [(ch, sid, cid) for cid, recs in groups.items() for ch, sid in recs]
    return pl.DataFrame(
        rows,
        schema={c: pl.String for c in ("channel", "source_customer_id", "customer_id")},
        orient="row",
    )


def load(ws: Workspace, text: str, *, table: str, channel: str, when: dt.datetime, name: str):
    """Import CSV text through the real pipeline (header ``customer_id`` = the source id)."""
    headers = text.split("\n", 1)[0].split(",")
    columns = {("source_customer_id" if h == "customer_id" else h): h for h in headers}
    report = check_bytes(
        text.encode(),
        name=name,
        table=table,
        channel=channel,
        mapping={"table": table, "columns": columns},
    )
    return store_report(ws, report, at=when, user="test")


def link(ws: Workspace, groups: dict[str, list[tuple[str, str]]]) -> None:
    """Fill ``identity_map`` by hand (the identity module's tables, our own links)."""
    ws.ensure_tables(identity.DDL)
    rows = [(ch, sid, cid, at(2025, 1, 1)) for cid, recs in groups.items() for ch, sid in recs]
    with ws.transaction() as con:
        con.execute("DELETE FROM identity_map")
        con.executemany("INSERT INTO identity_map VALUES (?, ?, ?, 'test', NULL, NULL, ?)", rows)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


# ---------------------------------------------------------------------------- survivorship

ANN = [
    {
        "channel": "shop", "source_customer_id": "1", "name": "Ann Lee",
        "email": "ann@old.com", "phone": "+8613800138000", "city": "Beijing",
        "gender": "female", "signup_date": dt.date(2020, 5, 1),
        "batch_id": 1, "source_line": 2, "imported_at": at(2024, 1, 1),
    },
    {
        "channel": "store", "source_customer_id": "9", "name": "Ann Li",
        "phone": "+8613900139000", "signup_date": dt.date(2021, 1, 1),
        "customer_type": "business", "company": "Acme",
        "batch_id": 2, "source_line": 2, "imported_at": at(2024, 2, 1),
    },
    {
        "channel": "tmall", "source_customer_id": "t1", "name": "林**", "name_is_masked": True,
        "phone": "138****1234", "phone_is_masked": True, "city": "Shanghai",
        "batch_id": 3, "source_line": 2, "imported_at": at(2024, 3, 1),
    },
]  # fmt: skip
ANN_MAP = {"C1": [("shop", "1"), ("store", "9"), ("tmall", "t1")]}


def pick(frame: pl.DataFrame, *attributes: str) -> dict[str, Any]:
    row = frame.row(0, named=True)
    return {a: (row[a], row[f"{a}_source"]) for a in attributes}


def test_most_recent_valid_value_wins_per_attribute() -> None:
    golden = golden_records(customers(ANN), imap(ANN_MAP))
    assert golden.schema == pl.Schema(GOLDEN_SCHEMA)
    assert pick(golden, *ATTRIBUTES) == {
        "name": ("Ann Li", "store/9"),  # the newer tmall name is masked
        "email": ("ann@old.com", "shop/1"),  # only one has an e-mail
        "phone": ("+8613900139000", "store/9"),  # the masked tmall phone never wins
        "gender": ("female", "shop/1"),
        "birth_date": (None, None),
        "city": ("Shanghai", "tmall/t1"),  # newest non-null city
        "region": (None, None),
        "country": (None, None),
        "signup_date": (dt.date(2020, 5, 1), "shop/1"),  # the earliest signup
        "customer_type": ("business", "store/9"),  # business when any record says so
        "company": ("Acme", "store/9"),
    }
    row = golden.row(0, named=True)
    assert (row["name_is_masked"], row["n_records"], row["channels"]) == (
        False,
        3,
        ["shop", "store", "tmall"],
    )


def test_source_priority_wins_over_recency() -> None:
    golden = golden_records(customers(ANN), imap(ANN_MAP), source_priority=["shop"])
    assert pick(golden, "name", "phone", "city", "customer_type", "company") == {
        "name": ("Ann Lee", "shop/1"),
        "phone": ("+8613800138000", "shop/1"),
        "city": ("Beijing", "shop/1"),
        "customer_type": ("business", "store/9"),  # type keeps its own rule
        "company": ("Acme", "store/9"),  # unlisted channels still fill gaps
    }


def test_priority_never_lets_a_masked_value_win() -> None:
    golden = golden_records(customers(ANN), imap(ANN_MAP), source_priority=["tmall", "store"])
    assert pick(golden, "name", "phone", "city") == {
        "name": ("Ann Li", "store/9"),
        "phone": ("+8613900139000", "store/9"),
        "city": ("Shanghai", "tmall/t1"),
    }


def test_priority_order_among_listed_channels() -> None:
    golden = golden_records(customers(ANN), imap(ANN_MAP), source_priority=["store", "shop"])
    assert pick(golden, "name", "city") == {
        "name": ("Ann Li", "store/9"),
        "city": ("Beijing", "shop/1"),  # store has no city; shop is listed before tmall
    }
    with pytest.raises(TypeError, match="list of channels"):
        golden_records(customers(ANN), imap(ANN_MAP), source_priority="shop")  # type: ignore[arg-type]


def test_only_masked_values_known() -> None:
    rows = customers(
        [
            {"channel": "tmall", "source_customer_id": "t2", "name": "王**", "name_is_masked": True,
             "phone": "138****5678", "phone_is_masked": True, "batch_id": 1},
            {"channel": "tmall", "source_customer_id": "t3", "name": "  ",
             "phone": "132123457749-1234", "phone_is_masked": True, "batch_id": 1},
        ]
    )  # fmt: skip
    golden = golden_records(rows, imap({"C2": [("tmall", "t2")], "C3": [("tmall", "t3")]}))
    assert golden.select(
        "customer_id", "name", "name_is_masked", "phone", "phone_source"
    ).rows() == [
        ("C2", "王**", True, None, None),
        ("C3", None, False, None, None),  # a blank name and a virtual number are no values
    ]


def test_invalid_email_and_phone_never_win() -> None:
    rows = customers(
        [
            {"channel": "shop", "source_customer_id": "1", "email": "ann@example.com",
             "phone": "+8613800138000", "batch_id": 1, "imported_at": at(2024, 1, 1)},
            {"channel": "store", "source_customer_id": "2", "email": "not-an-email",
             "phone": "12345", "batch_id": 2, "imported_at": at(2024, 6, 1)},
            {"channel": "tmall", "source_customer_id": "3", "email": "a***@example.com",
             "batch_id": 3, "imported_at": at(2024, 7, 1)},
        ]
    )  # fmt: skip
    mapping = imap({"C1": [("shop", "1"), ("store", "2"), ("tmall", "3")]})
    golden = golden_records(rows, mapping)
    assert pick(golden, "email", "phone") == {
        "email": ("ann@example.com", "shop/1"),
        "phone": ("+8613800138000", "shop/1"),
    }
    emails = golden_lineage(rows, mapping).filter(pl.col("attribute") == "email")
    assert emails.select("value", "masked", "valid", "selected").rows() == [
        ("ann@example.com", False, True, True),
        ("not-an-email", False, False, False),
        ("a***@example.com", True, False, False),
    ]


def test_ties_break_on_signup_date_then_source_line() -> None:
    same = {"batch_id": 1, "imported_at": at(2024, 1, 1)}
    rows = customers(
        [
            {"channel": "shop", "source_customer_id": "a", "city": "A", "signup_date": dt.date(2023, 1, 1), "source_line": 9, **same},
            {"channel": "shop", "source_customer_id": "b", "city": "B", "signup_date": dt.date(2023, 6, 1), "source_line": 2, **same},
            {"channel": "shop", "source_customer_id": "c", "region": "R1", "source_line": 3, **same},
            {"channel": "shop", "source_customer_id": "d", "region": "R2", "source_line": 4, **same},
        ]
    )  # fmt: skip
    golden = golden_records(rows, imap({"C1": [("shop", s) for s in "abcd"]}))
    assert pick(golden, "city", "region") == {"city": ("B", "shop/b"), "region": ("R2", "shop/d")}


def _orders(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {**polars_schema("orders"), "batch_id": pl.Int64(), "source_line": pl.Int64()}
    defaults = {
        "line_number": 1, "currency": "CNY", "status": "paid", "amount": 10.0,
        "name_is_masked": False, "phone_is_masked": False,
    }  # fmt: skip
    return pl.DataFrame(
        [{c: r.get(c, defaults.get(c)) for c in schema} for r in rows], schema=schema
    )


def test_orders_fill_gaps_but_never_beat_customer_records() -> None:
    rows = customers(
        [{"channel": "shop", "source_customer_id": "4", "name": "Bo", "city": "Wuhan",
          "batch_id": 1, "imported_at": at(2024, 1, 1)}]
    )  # fmt: skip
    orders = _orders(
        [
            {"order_id": "A", "channel": "shop", "source_customer_id": "4", "order_ts": at(2024, 5, 1),
             "customer_name": "Bob Zhang", "phone": "+8613700137000", "city": "Hangzhou", "batch_id": 2},
            {"order_id": "T1", "channel": "tmall", "source_customer_id": "t9", "order_ts": at(2024, 5, 1),
             "customer_name": "张**", "name_is_masked": True, "phone": "137****0000",
             "phone_is_masked": True, "batch_id": 3},
            {"order_id": "T0", "channel": "tmall", "source_customer_id": "t9", "order_ts": at(2023, 1, 1),
             "customer_name": "Zhang San", "batch_id": 3},
        ]
    )  # fmt: skip
    mapping = imap({"C4": [("shop", "4")], "C9": [("tmall", "t9")]})
    golden = golden_records(rows, mapping, orders=orders)
    assert golden.select(
        "customer_id", "name", "name_source", "phone", "phone_source", "city", "customer_type"
    ).rows() == [
        ("C4", "Bo", "shop/4", "+8613700137000", "shop/4", "Wuhan", "individual"),
        ("C9", "Zhang San", "tmall/t9", None, None, None, "individual"),
    ]


def test_customers_without_records_and_records_without_customer() -> None:
    rows = customers(
        [
            {"channel": "shop", "source_customer_id": "1", "name": "Ann", "batch_id": 1},
            {"channel": "shop", "source_customer_id": "999", "name": "Nobody", "batch_id": 1},
        ]
    )
    golden = golden_records(rows, imap({"C1": [("shop", "1")], "C5": [("wechat", "w5")]}))
    assert golden.select("customer_id", "name", "customer_type", "n_records").rows() == [
        ("C1", "Ann", "individual", 1),
        ("C5", None, "individual", 1),  # known only from orders elsewhere: a row all the same
    ]
    empty = golden_records(rows.head(0), imap({}).head(0))
    assert empty.height == 0 and empty.schema == pl.Schema(GOLDEN_SCHEMA)


def test_lineage_keeps_every_source_value_and_marks_the_selected_one() -> None:
    frame, mapping = customers(ANN), imap(ANN_MAP)
    lineage = golden_lineage(frame, mapping)
    assert lineage.schema == pl.Schema(LINEAGE_SCHEMA)
    names = lineage.filter(pl.col("attribute") == "name")
    assert names.select("value", "channel", "masked", "valid", "selected").rows() == [
        ("Ann Li", "store", False, True, True),
        ("Ann Lee", "shop", False, True, False),
        ("林**", "tmall", True, True, False),
    ]
    phones = lineage.filter(pl.col("attribute") == "phone")
    assert phones.select("value", "masked", "valid", "selected").rows() == [
        ("+8613900139000", False, True, True),
        ("+8613800138000", False, True, False),
        ("138****1234", True, False, False),
    ]
    # every golden value is exactly one selected lineage row, with the same source
    golden = golden_records(frame, mapping)
    selected = lineage.filter("selected").select(
        "attribute", "value", pl.format("{}/{}", "channel", "source_customer_id").alias("src")
    )
    expected = pl.DataFrame(
        [
            (a, None if golden[a][0] is None else str(golden[a][0]), golden[f"{a}_source"][0])
            for a in ATTRIBUTES
            if golden[a][0] is not None
        ],
        schema=["attribute", "value", "src"],
        orient="row",
    )
    assert_frame_equal(selected, expected, check_row_order=False)


# ---------------------------------------------------------------------------- workspace


def test_workspace_golden_follows_imports_and_undo(ws: Workspace) -> None:
    load(ws, "customer_id,name,city\n001,Ann,Beijing\n", table="customers", channel="shop",
         when=at(2024, 1, 1), name="a.csv")  # fmt: skip
    second = load(ws, "customer_id,name,city\n001,,Shanghai\n", table="customers",
                  channel="shop", when=at(2024, 3, 1), name="b.csv")  # fmt: skip
    assert golden_records(ws).height == 0  # nobody resolved yet
    link(ws, {"C1": [("shop", "001")]})
    assert read_identity_map(ws).height == 1
    assert pick(golden_records(ws), "name", "city") == {
        "name": ("Ann", "shop/001"),
        "city": ("Shanghai", "shop/001"),
    }
    ws.undo(second.batch.batch_id, at=at(2024, 4, 1))
    assert golden_records(ws)["city"].to_list() == ["Beijing"]
    assert golden_records(ws, customer_ids=["C404"]).height == 0


def test_workspace_golden_with_real_resolution(ws: Workspace) -> None:
    load(ws, "customer_id,name,phone\n001,Ann Lee,13800138000\n", table="customers",
         channel="shop", when=at(2024, 1, 1), name="shop.csv")  # fmt: skip
    load(ws, "customer_id,name,phone,city\nw1,Annie,+86 138 0013 8000,Hangzhou\n",
         table="customers", channel="wechat", when=at(2024, 2, 1), name="wx.csv")  # fmt: skip
    identity.resolve(ws, at=at(2024, 3, 1))
    golden = golden_records(ws)
    assert golden.height == 1
    assert pick(golden, "name", "phone", "city") == {
        "name": ("Annie", "wechat/w1"),
        "phone": ("+8613800138000", "wechat/w1"),
        "city": ("Hangzhou", "wechat/w1"),
    }
    assert golden_records(ws, source_priority=["shop"])["name"].to_list() == ["Ann Lee"]


# ---------------------------------------------------------------------------- orders

ORDERS_A = """order_id,line_number,customer_id,order_ts,amount,currency,status
O1,1,1,2024-01-05 10:00,100,CNY,paid
O1,2,1,2024-01-05 10:00,50,CNY,paid
O2,1,1,2024-02-01 10:00,30,CNY,refunded
O3,1,1,2024-03-01 10:00,20,CNY,pending
"""
# Another export overlapping the first: O1's two lines again, plus a new order.
ORDERS_B = """order_id,line_number,customer_id,order_ts,amount,currency,status
O1,1,1,2024-01-05 10:00,100,CNY,paid
O1,2,1,2024-01-05 10:00,50,CNY,paid
O4,1,1,2024-04-01 10:00,70,CNY,paid
"""
TMALL = """order_id,line_number,customer_id,order_ts,amount,currency,status
T1,1,t1,2024-05-01 10:00,40,CNY,paid
"""


def test_same_order_lines_from_two_files_count_once(ws: Workspace) -> None:
    a = load(ws, ORDERS_A, table="orders", channel="shop", when=at(2024, 6, 1), name="a.csv")
    b = load(ws, ORDERS_B, table="orders", channel="shop", when=at(2024, 6, 2), name="b.csv")
    load(ws, TMALL, table="orders", channel="tmall", when=at(2024, 6, 3), name="t.csv")
    assert (b.batch.rows_loaded, b.batch.rows_duplicate) == (1, 2)
    link(ws, {"C1": [("shop", "1"), ("tmall", "t1")]})
    facts = order_facts(ws)
    assert facts.columns[0] == "customer_id"
    assert facts.height == 6
    assert facts.select(pl.struct("channel", "order_id", "line_number").is_unique().all()).item()
    metrics = order_metrics(facts)
    expected = pl.DataFrame(
        {
            "customer_id": ["C1"],
            "first_purchase": [at(2024, 1, 5) - dt.timedelta(hours=8) + dt.timedelta(hours=10)],
            "last_purchase": [at(2024, 5, 1) + dt.timedelta(hours=2)],
            "orders": [3],  # O1, O4, T1 (O2 was refunded, O3 is pending)
            "gross_spend": [100 + 50 + 30 + 70 + 40.0],
            "refunds": [30.0],
            "net_spend": [100 + 50 + 70 + 40.0],
            "currency": ["CNY"],
            "channels": [["shop", "tmall"]],
            "n_channels": [2],
        },
        schema=metrics.schema,
    )
    assert_frame_equal(metrics, expected)

    # The same two exports put side by side without a workspace give the same answer.
    def valid(text: str, channel: str) -> pl.DataFrame:
        headers = text.split("\n", 1)[0].split(",")
        cols = {("source_customer_id" if h == "customer_id" else h): h for h in headers}
        report = check_bytes(text.encode(), name="x.csv", table="orders", channel=channel,
                             mapping={"table": "orders", "columns": cols})  # fmt: skip
        return report.valid

    stacked = pl.concat([valid(ORDERS_A, "shop"), valid(ORDERS_B, "shop"), valid(TMALL, "tmall")])
    assert stacked.height == 8
    frame_metrics = order_metrics(order_facts(stacked, read_identity_map(ws)))
    assert_frame_equal(frame_metrics, expected)
    ws.undo(a.batch.batch_id, at=at(2024, 7, 1))
    after = order_metrics(order_facts(ws))
    assert after.select("orders", "net_spend").row(0) == (2, 110.0)  # O4 and T1 remain


def test_order_lines_of_unknown_buyers_keep_a_null_customer() -> None:
    lines = _orders(
        [
            {"order_id": "A", "channel": "shop", "source_customer_id": "1", "order_ts": at(2024, 1, 1)},
            {"order_id": "B", "channel": "shop", "source_customer_id": None, "order_ts": at(2024, 1, 1)},
            {"order_id": "C", "channel": "shop", "source_customer_id": "2", "order_ts": at(2024, 1, 1)},
        ]
    )  # fmt: skip
    facts = order_facts(lines, imap({"C1": [("shop", "1")]}))
    assert facts.select("order_id", "customer_id").rows() == [("A", "C1"), ("B", None), ("C", None)]
    assert order_metrics(facts)["customer_id"].to_list() == ["C1"]
    with pytest.raises(TypeError, match="identity map"):
        order_facts(lines)
    with pytest.raises(ValueError, match="no column status"):
        order_facts(lines.drop("status"), imap({}))


def test_net_amount_refunds_and_credit_notes() -> None:
    lines = pl.DataFrame(
        {
            "amount": [100.0, 40.0, -25.0, -10.0, 80.0, 10.0, 0.0],
            "status": ["paid", "refunded", "refunded", "cancelled", "cancelled", "pending", "paid"],
        }
    )
    out = lines.select(net_amount(), refund_amount())
    assert out["net_amount"].to_list() == [100.0, 0.0, -25.0, -10.0, 0.0, 0.0, 0.0]
    assert out["refund_amount"].to_list() == [0.0, 40.0, 25.0, 10.0, 0.0, 0.0, 0.0]


def test_order_metrics_window_and_currencies() -> None:
    lines = _orders(
        [
            {"order_id": "A", "channel": "shop", "source_customer_id": "1", "order_ts": at(2023, 12, 31), "amount": 5.0},
            {"order_id": "B", "channel": "shop", "source_customer_id": "1", "order_ts": at(2024, 1, 1), "amount": 7.0},
            {"order_id": "C", "channel": "shop", "source_customer_id": "1", "order_ts": at(2024, 2, 1), "amount": 9.0, "currency": "USD"},
        ]
    )  # fmt: skip
    facts = order_facts(lines, imap({"C1": [("shop", "1")]}))
    window = order_metrics(facts, start=at(2024, 1, 1), end=at(2024, 2, 1))
    assert window.select("orders", "net_spend", "currency").row(0) == (1, 7.0, "CNY")
    # two currencies are never added: no total, and the totals of each currency apart
    assert order_metrics(facts).select(
        "orders", "gross_spend", "refunds", "net_spend", "currency"
    ).row(0) == (3, None, None, None, None)
    assert spend_by_currency(facts).select("currency", "lines", "net_spend").rows() == [
        ("CNY", 2, 12.0),
        ("USD", 1, 9.0),
    ]
    with pytest.raises(ValueError, match="timezone-aware"):
        order_metrics(facts, end=dt.datetime(2024, 1, 1))
