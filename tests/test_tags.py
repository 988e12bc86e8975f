"""Manual tags with history, rule tags (VIP, lapsed, multi-channel) and the customer type."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab import identity
from cimlab.customers.golden import order_facts
from cimlab.customers.tags import (
    LAPSED,
    METRICS_SCHEMA,
    MULTI_CHANNEL,
    TAG_EVENTS_SCHEMA,
    VIP,
    TagRule,
    add_tags,
    customer_metrics,
    customer_tags,
    refresh_rule_tags,
    remove_tags,
    tag_history,
    top_share,
)
from cimlab.errors import WorkspaceError
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace


def at(m: int, d: int = 1, y: int = 2024) -> dt.datetime:
    return dt.datetime(y, m, d, tzinfo=dt.UTC)


def load(ws: Workspace, text: str, *, table: str, channel: str, when: dt.datetime, name: str):
    headers = text.split("\n", 1)[0].split(",")
    columns = {("source_customer_id" if h == "customer_id" else h): h for h in headers}
    report = check_bytes(
        text.encode(), name=name, table=table, channel=channel,
        mapping={"table": table, "columns": columns},
    )  # fmt: skip
    assert report.quarantine.is_empty()
    return store_report(ws, report, at=when, user="test").batch.batch_id


def link(ws: Workspace, groups: dict[str, list[tuple[str, str]]]) -> None:
    """Fill ``identity_map`` by hand (the identity module's tables, our own links)."""
    ws.ensure_tables(identity.DDL)
    rows = [(ch, sid, cid, at(1)) for cid, recs in groups.items() for ch, sid in recs]
    with ws.transaction() as con:
        con.execute("DELETE FROM identity_map")
        con.executemany("INSERT INTO identity_map VALUES (?, ?, ?, 'test', NULL, NULL, ?)", rows)


CUSTOMERS = "customer_id,name,customer_type\n1,Ann,business\n2,Bo,\n3,Cy,\n"
SHOP_ORDERS = """order_id,line_number,customer_id,order_ts,amount,currency,status
A1,1,1,2024-01-10 12:00,1000,CNY,paid
A2,1,2,2022-03-01 12:00,50,CNY,paid
A3,1,3,2024-02-01 12:00,80,CNY,refunded
"""
TMALL_ORDERS = """order_id,line_number,customer_id,order_ts,amount,currency,status
T1,1,t1,2024-03-01 12:00,10,CNY,paid
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.open(tmp_path / "ws")
    load(ws, CUSTOMERS, table="customers", channel="shop", when=at(1), name="c.csv")
    load(ws, SHOP_ORDERS, table="orders", channel="shop", when=at(4), name="o.csv")
    load(ws, TMALL_ORDERS, table="orders", channel="tmall", when=at(4), name="t.csv")
    link(ws, {"C1": [("shop", "1"), ("tmall", "t1")], "C2": [("shop", "2")], "C3": [("shop", "3")]})
    return ws


def manual(ws: Workspace) -> list[tuple[Any, ...]]:
    tags = customer_tags(ws, include_type=False).filter(pl.col("origin") == "manual")
    return tags.select("customer_id", "tag", "since", "user_name").rows()


# ---------------------------------------------------------------------------- manual tags


def test_add_and_remove_for_one_customer_or_a_list_keeps_history(ws: Workspace) -> None:
    assert add_tags(ws, ["C1", "C2"], ["高潜力", "wholesale"], at=at(5), user="li") == 4
    assert add_tags(ws, "C1", " wholesale ", at=at(6), user="li") == 0  # already there
    assert manual(ws) == [
        ("C1", "wholesale", at(5), "li"),
        ("C1", "高潜力", at(5), "li"),
        ("C2", "wholesale", at(5), "li"),
        ("C2", "高潜力", at(5), "li"),
    ]
    assert remove_tags(ws, "C1", ["wholesale", "never-had"], at=at(7), user="wu") == 1
    assert remove_tags(ws, "C1", "wholesale", at=at(8), user="wu") == 0
    assert add_tags(ws, "C1", "wholesale", at=at(9), user="li", note="back") == 1
    assert manual(ws)[:2] == [("C1", "wholesale", at(9), "li"), ("C1", "高潜力", at(5), "li")]
    history = tag_history(ws, customer_ids=["C1"])
    assert history.schema == pl.Schema(TAG_EVENTS_SCHEMA)
    assert history.filter(pl.col("tag") == "wholesale").select(
        "action", "at", "user_name", "note"
    ).rows() == [
        ("add", at(5), "li", None),
        ("remove", at(7), "wu", None),
        ("add", at(9), "li", "back"),
    ]
    assert tag_history(ws).height == 6


def test_manual_tags_refuse_bad_input_and_write_nothing(ws: Workspace) -> None:
    cases: list[tuple[Any, Any, Any, str]] = [
        ("C1", "VIP", at(5), "rule tag or a customer type"),
        ("C1", "Business", at(5), "rule tag or a customer type"),
        ("C1", ["ok", ""], at(5), "non-empty"),
        ("C1", "x" * 65, at(5), "longer than 64"),
        (["C1", "C9"], "ok", at(5), "unknown customer_id C9"),
        ([], "ok", at(5), "one or more customer ids"),
        ("C1", "ok", dt.datetime(2024, 5, 1), "timezone-aware"),
    ]
    for ids, tags, when, message in cases:
        with pytest.raises(WorkspaceError, match=message):
            add_tags(ws, ids, tags, at=when, user="li")
    assert tag_history(ws).height == 0


# ---------------------------------------------------------------------------- rules on frames


def test_top_share_is_exact_and_keeps_ties() -> None:
    def top(values: list[float], share: float = 0.05) -> list[float]:
        frame = pl.DataFrame({"x": values})
        return sorted(frame.filter(top_share("x", share))["x"].to_list())

    assert top([float(v) for v in range(1, 41)]) == [39.0, 40.0]  # ceil(0.05 * 40) = 2
    assert top([float(v) for v in range(1, 22)]) == [20.0, 21.0]  # ceil(1.05) = 2
    assert top([float(v) for v in range(1, 61)]) == [58.0, 59.0, 60.0]  # 0.05 * 60 is not 3.0000001
    assert top([10.0, 10.0] + [1.0] * 18) == [10.0, 10.0]  # k = 1, but a tie at the top
    assert top([5.0, 0.0, -3.0, 0.0]) == [5.0]  # only positive spenders count
    assert top([0.0, 0.0]) == []
    with pytest.raises(ValueError, match="share"):
        top_share("x", 0.0)


def test_vip_on_a_tiny_metrics_frame() -> None:
    metrics = pl.DataFrame(
        {
            "customer_id": [f"C{i:02d}" for i in range(1, 22)],
            "net_spend_12m": [float(i) for i in range(1, 22)],
        }
    )
    assert VIP.members(metrics).to_list() == ["C20", "C21"]
    assert VIP.members(metrics.head(20)).to_list() == ["C20"]


def test_customer_metrics_window_boundaries() -> None:
    as_of = at(6, 30)
    t = at(7, 1)  # a date as_of means the end of that day
    rows = [
        ("C1", "shop", "A", t - dt.timedelta(days=366), 100.0, "paid"),  # exactly a year before
        ("C1", "shop", "B", t - dt.timedelta(days=366, seconds=1), 7.0, "paid"),  # just before
        ("C1", "tmall", "C", t, 999.0, "paid"),  # at as_of: not seen yet
        ("C1", "shop", "D", t - dt.timedelta(days=10), 30.0, "refunded"),
        ("C2", "shop", "E", t - dt.timedelta(days=365), 5.0, "paid"),
        ("C2", "tmall", "F", t - dt.timedelta(days=364), 5.0, "paid"),
    ]
    facts = pl.DataFrame(
        rows, schema=["customer_id", "channel", "order_id", "order_ts", "amount", "status"],
        orient="row",
    ).with_columns(pl.lit("CNY").alias("currency"))  # fmt: skip
    customers = pl.DataFrame(
        {"customer_id": ["C1", "C2", "C3"], "customer_type": ["business", None, None]}
    )
    metrics = customer_metrics(facts, customers, as_of=dt.date(2024, 6, 30))
    expected = pl.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "customer_type": ["business", None, None],
            "orders": [2, 2, 0],
            "net_spend": [107.0, 10.0, 0.0],
            "first_purchase": [
                t - dt.timedelta(days=366, seconds=1),
                t - dt.timedelta(days=365),
                None,
            ],
            "last_purchase": [t - dt.timedelta(days=366), t - dt.timedelta(days=364), None],
            "days_since_last_purchase": [366, 364, None],
            "orders_12m": [1, 2, 0],
            "net_spend_12m": [100.0, 10.0, 0.0],
            "channels": [["shop"], ["shop", "tmall"], []],
            "n_channels": [1, 2, 0],
        },
        schema=METRICS_SCHEMA,
    )
    assert_frame_equal(metrics, expected)
    assert as_of.tzinfo is not None
    assert LAPSED.members(metrics).to_list() == ["C1"]  # C3 never bought: not lapsed
    assert MULTI_CHANNEL.members(metrics).to_list() == ["C2"]
    with pytest.raises(ValueError, match="timezone-aware"):
        customer_metrics(facts, customers, as_of=dt.datetime(2024, 6, 30))


def test_tag_rule_checks() -> None:
    with pytest.raises(ValueError, match="lower-case"):
        TagRule("Big Spender", "x", "x", pl.col("net_spend") > 1)
    with pytest.raises(ValueError, match="reserved"):
        TagRule("business", "x", "x", pl.col("net_spend") > 1)
    short = TagRule("short", "x", "x", lambda m: pl.Series([True]))
    with pytest.raises(ValueError, match="boolean Series of 2 values"):
        short.members(pl.DataFrame({"customer_id": ["C1", "C2"]}))
    numbers = TagRule("numbers", "x", "x", pl.col("n_channels") + 1)
    with pytest.raises(ValueError, match="not booleans"):
        numbers.members(pl.DataFrame({"customer_id": ["C1"], "n_channels": [1]}))


# ---------------------------------------------------------------------------- workspace rules


def rule_tags(ws: Workspace) -> list[tuple[str, str]]:
    tags = customer_tags(ws).filter(pl.col("origin") == "rule")
    return tags.select("customer_id", "tag").rows()


def test_refresh_rule_tags_replaces_previous_rule_tags(ws: Workspace) -> None:
    add_tags(ws, "C2", "wholesale", at=at(5), user="li")
    summary = refresh_rule_tags(ws, as_of=dt.date(2024, 6, 30), at=at(7), user="cron")
    assert summary.rows() == [("vip", 1, 1, 0), ("lapsed", 1, 1, 0), ("multi_channel", 1, 1, 0)]
    assert rule_tags(ws) == [("C1", "multi_channel"), ("C1", "vip"), ("C2", "lapsed")]
    again = refresh_rule_tags(ws, as_of=dt.date(2024, 6, 30), at=at(8))
    assert again["added"].to_list() == [0, 0, 0] and again["removed"].to_list() == [0, 0, 0]
    # Two years on nobody bought: no VIP any more, everyone who bought has lapsed.
    later = refresh_rule_tags(ws, as_of=dt.date(2026, 6, 30), at=at(7, y=2026))
    assert later.rows() == [("vip", 0, 0, 1), ("lapsed", 2, 1, 0), ("multi_channel", 1, 0, 0)]
    assert rule_tags(ws) == [("C1", "lapsed"), ("C1", "multi_channel"), ("C2", "lapsed")]
    vip_history = tag_history(ws).filter(pl.col("tag") == "vip")
    assert vip_history.select("customer_id", "action", "origin", "user_name", "note").rows() == [
        ("C1", "add", "rule", "cron", "as_of 2024-07-01T00:00:00+00:00"),
        ("C1", "remove", "rule", None, "as_of 2026-07-01T00:00:00+00:00"),
    ]
    assert manual(ws) == [("C2", "wholesale", at(5), "li")]  # manual tags untouched
    with pytest.raises(WorkspaceError, match="rule tag"):
        add_tags(ws, "C3", "Lapsed", at=at(9), user="li")


def test_custom_rule_leaves_other_rules_alone(ws: Workspace) -> None:
    refresh_rule_tags(ws, as_of=dt.date(2024, 6, 30), at=at(7))
    big = TagRule("big", "Net spend over 500", "净消费超过500", lambda m: m["net_spend"] > 500)
    summary = refresh_rule_tags(ws, as_of=dt.date(2024, 6, 30), at=at(8), rules=[big])
    assert summary.rows() == [("big", 1, 1, 0)]
    assert rule_tags(ws) == [
        ("C1", "big"),
        ("C1", "multi_channel"),
        ("C1", "vip"),
        ("C2", "lapsed"),
    ]
    with pytest.raises(WorkspaceError, match="rule tag"):
        add_tags(ws, "C2", "big", at=at(9), user="li")  # a stored rule name is reserved too
    with pytest.raises(ValueError, match="unique"):
        refresh_rule_tags(ws, as_of=dt.date(2024, 6, 30), at=at(8), rules=[big, big])
    add_tags(ws, "C2", "Wholesale", at=at(9), user="li")
    wholesale = TagRule("wholesale", "x", "x", pl.col("n_channels") > 0)
    with pytest.raises(WorkspaceError, match="name of a manual tag"):
        refresh_rule_tags(ws, as_of=dt.date(2024, 6, 30), at=at(10), rules=[wholesale])


def test_customer_type_is_a_pseudo_tag(ws: Workspace) -> None:
    add_tags(ws, "C1", "wholesale", at=at(5), user="li")
    tags = customer_tags(ws)
    assert tags.select("customer_id", "tag", "origin").rows() == [
        ("C1", "business", "customer_type"),
        ("C1", "wholesale", "manual"),
        ("C2", "individual", "customer_type"),
        ("C3", "individual", "customer_type"),
    ]
    assert customer_tags(ws, customer_ids=["C2"])["tag"].to_list() == ["individual"]


def test_metrics_from_the_workspace_count_each_order_once(ws: Workspace) -> None:
    facts = order_facts(ws)
    metrics = customer_metrics(
        facts, pl.DataFrame({"customer_id": ["C1", "C2", "C3"]}), as_of=at(6)
    )
    assert metrics.select("customer_id", "orders", "net_spend", "n_channels").rows() == [
        ("C1", 2, 1010.0, 2),
        ("C2", 1, 50.0, 1),
        ("C3", 0, 0.0, 0),  # only a refunded order
    ]
