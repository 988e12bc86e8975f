"""Tests for cimlab.act.audiences: rules by hand, YAML, versions, ready-made audiences, id lists."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from cimlab.act.attributes import FIELDS, groups_of
from cimlab.act.audiences import (
    Audience,
    Rule,
    audience_versions,
    id_list_csv,
    list_audiences,
    load_audience,
    members,
    read_id_list,
    ready_audience,
    ready_audiences,
    save_audience,
)
from cimlab.analytics.rfm import SEGMENT_CODES
from cimlab.errors import AudienceError
from cimlab.workspace import Workspace

PEOPLE = pl.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e"],
        "segment": ["champions", "lost", None, "champions", "at_risk"],
        "clv": [900.0, 10.0, None, 300.0, 500.0],
        "last_purchase_date": [
            dt.date(2026, 6, 1),
            dt.date(2025, 1, 1),
            None,
            dt.date(2026, 3, 1),
            dt.date(2026, 1, 15),
        ],
        "consent_sms": [True, False, None, True, None],
        "tags": [["vip"], [], ["vip", "b2b"], ["b2b"], []],
        "products_bought": [["A", "B"], ["A"], [], ["B"], ["A", "C"]],
        "region": ["上海", "北京", None, "上海", "广东"],
    }
)


def ids(audience: Audience) -> list[str]:
    return members(PEOPLE, audience)["customer_id"].to_list()


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (Rule("segment", "=", "champions"), ["a", "d"]),
        (Rule("segment", "!=", "champions"), ["b", "e"]),  # unknown (c) never matches !=
        (Rule("segment", "in", ["lost", "at_risk"]), ["b", "e"]),
        (Rule("segment", "not_in", ["lost"]), ["a", "d", "e"]),
        (Rule("segment", "is_null"), ["c"]),
        (Rule("clv", ">=", 500), ["a", "e"]),
        (Rule("clv", "<", "300"), ["b"]),  # numbers given as text are read as numbers
        (Rule("clv", "between", [300, 500]), ["d", "e"]),  # both ends included
        (Rule("last_purchase_date", ">", "2026-01-15"), ["a", "d"]),
        (Rule("last_purchase_date", "between", ["2026-01-15", "2026-03-01"]), ["d", "e"]),
        (Rule("consent_sms", "=", True), ["a", "d"]),
        (Rule("consent_sms", "=", "false"), ["b"]),
        (Rule("consent_sms", "is_null"), ["c", "e"]),
        (Rule("tags", "contains", "vip"), ["a", "c"]),
        (Rule("tags", "contains", ["vip", "b2b"]), ["a", "c", "d"]),  # any of them
        (Rule("tags", "contains_all", ["vip", "b2b"]), ["c"]),
        (Rule("tags", "not_contains", "vip"), ["b", "d", "e"]),
        (Rule("tags", "is_empty"), ["b", "e"]),
        (Rule("region", "=", "上海"), ["a", "d"]),
    ],
)
def test_each_operator_by_hand(rule: Rule, expected: list[str]) -> None:
    assert ids(Audience("t", rules=(rule,))) == expected


def test_bought_x_never_y_and_match_any() -> None:
    bought_a_not_b = Audience(
        "cross-sell",
        rules=(
            Rule("products_bought", "contains", "A"),
            Rule("products_bought", "not_contains", "B"),
        ),
    )
    assert ids(bought_a_not_b) == ["b", "e"]
    either = Audience(
        "either", match="any", rules=(Rule("segment", "=", "lost"), Rule("clv", ">", 800))
    )
    assert ids(either) == ["a", "b"]


def test_include_and_exclude_lists() -> None:
    vip = Audience("vip", rules=(Rule("tags", "contains", "vip"),), include=("e",), exclude=("a",))
    assert ids(vip) == ["c", "e"]  # e included despite the rules; a excluded despite them
    both = Audience("x", rules=(), include=("b",), exclude=("b",))
    assert "b" not in ids(both)  # exclude wins


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (Rule("segmnet", "=", "x"), "unknown field 'segmnet'"),
        (Rule("clv", "contains", "x"), "number field 'clv' takes"),
        (Rule("clv", ">", "lots"), "'lots' is not a number"),
        (Rule("clv", "between", [5]), "between takes [low, high]"),
        (Rule("clv", "between", [9, 1]), "is above high"),
        (Rule("last_purchase_date", ">", "01/02/2026"), "write YYYY-MM-DD"),
        (Rule("consent_sms", "=", "maybe"), "is not true or false"),
        (Rule("tags", "contains", []), "at least one value"),
    ],
)
def test_bad_rules_say_what_is_wrong(rule: Rule, message: str) -> None:
    with pytest.raises(AudienceError, match=message.replace("[", r"\[").replace("]", r"\]")):
        rule.checked()


def test_missing_attribute_columns_are_named() -> None:
    with pytest.raises(AudienceError, match="reads stage"):
        members(PEOPLE, Audience("s", rules=(Rule("stage", "=", "new"),)))


def test_yaml_round_trip_and_errors() -> None:
    text = """
name: 沉睡的高价值客户
title: Sleeping high-value customers
match: all
rules:
  - {field: segment, op: in, value: [cannot_lose_them, at_risk]}
  - {field: last_purchase_date, op: between, value: [2026-01-01, 2026-03-31]}
  - {field: products_bought, op: not_contains, value: SKU-200}
include: ["00123"]
"""
    audience = Audience.from_yaml(text)
    assert audience.name == "沉睡的高价值客户"
    assert audience.rules[1].value == [dt.date(2026, 1, 1), dt.date(2026, 3, 31)]
    assert audience.include == ("00123",)  # an id with leading zeros stays text
    again = Audience.from_yaml(audience.to_yaml())
    assert again == audience
    with pytest.raises(AudienceError, match="unknown audience keys: rulez"):
        Audience.from_yaml("name: x\nrulez: []\n")
    with pytest.raises(AudienceError, match="rule 1: write it as"):
        Audience.from_yaml("name: x\nrules: [segment = lost]\n")
    with pytest.raises(AudienceError, match="does not parse"):
        Audience.from_yaml("name: [unclosed\n")


def test_ready_made_audiences() -> None:
    names = [a.name for a in ready_audiences()]
    assert names[0] == "all"
    assert {f"segment:{code}" for code in SEGMENT_CODES.values()} <= set(names)
    assert {"stage:new", "stage:lapsed", "churn:high", "churn:medium", "churn:low"} <= set(names)
    assert ids(ready_audience("all")) == ["a", "b", "c", "d", "e"]
    assert ids(ready_audience("segment:champions")) == ["a", "d"]
    assert ready_audience("segment:nope") is None
    assert SEGMENT_CODES["Cannot lose them"] == "cannot_lose_them"


def test_saved_versions_and_names(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    first = save_audience(ws, Audience("vip", rules=(Rule("tags", "contains", "vip"),)), user="ann")
    assert (first.version, first.saved_by) == (1, "ann")
    same = save_audience(ws, Audience("vip", rules=(Rule("tags", "contains", "vip"),)))
    assert same.version == 1  # nothing changed: no new version
    second = save_audience(ws, Audience("vip", rules=(Rule("tags", "contains", ["vip", "b2b"]),)))
    assert second.version == 2
    assert load_audience(ws, "vip").rules[0].value == ["vip", "b2b"]
    assert load_audience(ws, "vip", version=1).rules[0].value == ["vip"]
    assert [a.version for a in audience_versions(ws, "vip")] == [1, 2]
    listing = list_audiences(ws)
    saved = listing.filter(pl.col("kind") == "saved")
    assert saved.select("name", "version").rows() == [("vip", 2)]
    assert listing.filter(pl.col("kind") == "ready").height == len(ready_audiences())
    assert load_audience(ws, "segment:lost").rules == (Rule("segment", "=", "lost"),)
    with pytest.raises(AudienceError, match="ready-made"):
        save_audience(ws, ready_audience("segment:lost"))  # type: ignore[arg-type]
    with pytest.raises(AudienceError, match="':' is kept"):
        save_audience(ws, Audience("my:list"))
    with pytest.raises(AudienceError, match="no audience 'nope'"):
        load_audience(ws, "nope")
    with pytest.raises(AudienceError, match="no version 7"):
        load_audience(ws, "vip", version=7)


def test_id_lists_keep_ids_as_text(tmp_path: Path) -> None:
    template = id_list_csv()
    assert template.decode("utf-8-sig") == "customer_id\n"
    path = tmp_path / "ids.csv"
    path.write_bytes(id_list_csv(["00123", "C9"]))
    assert read_id_list(path) == ("00123", "C9")
    assert read_id_list(b"Customer_ID,note\n 007 ,x\n007,dup\n") == ("007",)
    with pytest.raises(AudienceError, match="no 'customer_id' column"):
        read_id_list(b"phone\n13800138000\n")


def test_fields_know_their_groups() -> None:
    assert groups_of(["segment", "clv", "tags", "customer_id"]) == {"rfm", "value", "tags"}
    assert FIELDS["segment"].values == tuple(SEGMENT_CODES.values())
    assert FIELDS["stage"].values[0] == "prospect"
    with pytest.raises(AudienceError, match="unknown field"):
        groups_of(["nope"])


def test_care_and_holiday_audiences(tmp_path: Path) -> None:
    from cimlab.act.holidays import set_shop_holidays, shop_holidays

    care = ready_audience("care:birthday")
    assert care is not None and care.rules == (Rule("days_to_birthday", "between", [0, 6]),)
    people = pl.DataFrame({"customer_id": ["a", "b", "c"], "days_to_birthday": [0, 6, 7]})
    assert members(people, care)["customer_id"].to_list() == ["a", "b"]  # today .. 6 days on
    spring = ready_audience("holiday:spring_festival")
    assert spring is not None and spring.rules == ()  # every customer; suppression decides
    ws = Workspace.open(tmp_path / "ws")
    with pytest.raises(AudienceError, match="no audience 'holiday:store_day'"):
        load_audience(ws, "holiday:store_day")
    set_shop_holidays(ws, {"store_day": [dt.date(2026, 7, 8)]})
    assert shop_holidays(ws) == {"store_day": [dt.date(2026, 7, 8)]}
    assert load_audience(ws, "holiday:store_day").rules == ()
    with pytest.raises(AudienceError, match="ready-made"):
        save_audience(ws, Audience("holiday:mine"))
    with pytest.raises(ValueError, match="lower-case letters"):
        set_shop_holidays(ws, {"Store Day": [dt.date(2026, 7, 8)]})
    assert set_shop_holidays(ws, None) == {}
