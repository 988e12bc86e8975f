"""Saved column mappings: stored in the workspace, matched to a file's layout, reused by the CLI
(``import --mapping NAME``), listed and exported (``workspace mappings``) as YAML that
``--mapping FILE.yaml`` reads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from cimlab.cli import main
from cimlab.errors import MappingError
from cimlab.ingest.importer import check_bytes
from cimlab.ingest.mapping import ColumnMapping, MappingOptions, load_mapping_file
from cimlab.ingest.saved_mappings import (
    SavedMapping,
    delete_mapping,
    layout_key,
    mapping_from_yaml,
    mapping_yaml,
    match_mappings,
    matching_mappings,
    save_mapping,
    saved_mapping,
    saved_mappings,
)
from cimlab.workspace import Workspace

AT = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
HEADERS = ["单据号", "时间", "实收", "状态", "会员"]
SHOP = ColumnMapping(
    "orders",
    {
        "order_id": "单据号",
        "source_customer_id": "会员",
        "order_ts": "时间",
        "amount": "实收",
        "status": "状态",
    },
    options=MappingOptions(currency="CNY", status_values={"已出库": "paid", "作废": "cancelled"}),
)
FILE = (
    "单据号,时间,实收,状态,会员\n"
    "D1,2026-01-05 10:00,120,已出库,m1\n"
    "D2,2026-01-06 11:00,80,作废,m2\n"
    "D3,2026-01-07 12:00,45,已出库,m1\n"
)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


def test_save_list_get_and_replace(ws: Workspace) -> None:
    assert saved_mappings(ws) == []
    saved = save_mapping(ws, " shop tills ", SHOP, HEADERS, at=AT)
    assert saved == SavedMapping("shop tills", "orders", tuple(HEADERS), SHOP, AT)
    assert saved_mappings(ws) == [saved]
    assert saved_mapping(ws, "shop tills").mapping == SHOP  # options, status words kept

    other = dataclasses.replace(SHOP, options=MappingOptions(currency="HKD"))
    later = AT + dt.timedelta(days=1)
    save_mapping(ws, "shop tills", other, HEADERS, at=later)
    (only,) = saved_mappings(ws)  # same name: replaced, not added
    assert only.mapping.options.currency == "HKD" and only.saved_at == later


def test_delete_and_unknown_names(ws: Workspace) -> None:
    save_mapping(ws, "a", SHOP, HEADERS, at=AT)
    save_mapping(ws, "b", SHOP, HEADERS, at=AT)
    delete_mapping(ws, "a")
    assert [s.name for s in saved_mappings(ws)] == ["b"]
    with pytest.raises(MappingError, match=r"No saved mapping 'a'.*saved mappings: 'b'"):
        delete_mapping(ws, "a")
    with pytest.raises(MappingError, match="No saved mapping 'zz'"):
        saved_mapping(ws, "zz")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "needs a name"),
        ("   ", "needs a name"),
        ("x" * 81, "at most 80 characters"),
        ("a\nb", "control characters"),
        ("shop.yaml", "ends like a file name"),
        ("taobao_orders", "name of a mapping preset"),
    ],
)
def test_names_that_are_refused(ws: Workspace, name: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        save_mapping(ws, name, SHOP, HEADERS, at=AT)
    assert saved_mappings(ws) == []


def test_a_mapping_must_read_headers_of_its_file(ws: Workspace) -> None:
    with pytest.raises(MappingError, match='"会员", which is not a header'):
        save_mapping(ws, "shop", SHOP, ["单据号", "时间", "实收", "状态"], at=AT)


def test_layout_ignores_spelling_order_and_repeats() -> None:
    assert layout_key(["Order ID", "AMOUNT ", "order_id"]) == layout_key(["amount", "orderid"])
    assert layout_key(["a", "b"]) != layout_key(["a", "b", "c"])


def test_matching_same_layout_first_then_files_it_fits(ws: Workspace) -> None:
    save_mapping(ws, "exact", SHOP, HEADERS, at=AT)
    wider = [*HEADERS, "备注", "门店"]
    save_mapping(ws, "wider", SHOP, wider, at=AT + dt.timedelta(hours=1))
    narrow = ColumnMapping("orders", {"order_id": "单据号", "order_ts": "时间", "amount": "实收"})
    save_mapping(ws, "narrow", narrow, ["单据号", "时间", "实收"], at=AT)
    save_mapping(ws, "elsewhere", narrow, ["单据号", "时间", "实收", "门店编码"], at=AT)

    found = matching_mappings(ws, HEADERS)
    assert [(m.saved.name, m.exact) for m in found] == [
        ("exact", True),
        ("wider", False),  # shares 5 of 7 headers
        ("narrow", False),  # shares 3 of 5
        ("elsewhere", False),  # shares 3 of 6
    ]
    assert found[1].shared == pytest.approx(5 / 7)
    # a file without a header the mapping reads is not offered it
    assert [m.saved.name for m in matching_mappings(ws, ["单据号", "时间"])] == []
    best = matching_mappings(ws, ["单据号", "时间", "实收"])[0]
    assert (best.saved.name, best.exact) == ("narrow", True)


def test_a_match_is_spelt_as_the_new_file() -> None:
    mapping = ColumnMapping(
        "orders",
        {"order_id": "Order ID", "order_ts": "Order Date", "amount": "Total"},
        options=MappingOptions(currency="GBP", line_number_from="Line No"),
    )
    saved = SavedMapping(
        "uk", "orders", ("Order ID", "Order Date", "Total", "Line No"), mapping, AT
    )
    (match,) = match_mappings([saved], ["order_id", "ORDER DATE", "total", "line_no"])
    assert match.exact
    assert match.mapping.columns == {
        "order_id": "order_id",
        "order_ts": "ORDER DATE",
        "amount": "total",
    }
    assert match.mapping.options.line_number_from == "line_no"
    assert match.mapping.source_columns() == ["order_id", "ORDER DATE", "total", "line_no"]
    report = check_bytes(
        b"order_id,ORDER DATE,total,line_no\nA1,2026-01-05,10,1\n",
        name="uk.csv",
        channel="shop",
        mapping=match.mapping,
    )
    assert (report.rows_read, report.rows_loaded) == (1, 1)


def test_filters_constants_and_templates_are_saved_and_spelt_as_the_new_file(
    ws: Workspace,
) -> None:
    log = ColumnMapping(
        "orders",
        {"source_customer_id": "User ID", "order_ts": "Time Stamp"},
        filters=["Behavior Type == buy", "Item ID not empty"],
        constants={"amount": "1", "currency": "CNY"},
        derived={"order_id": "{User ID}-{Time Stamp}", "sku": "{{{Item ID}}}"},
        options=MappingOptions(amount_is_placeholder=True, time_format="epoch_s"),
    )
    headers = ["User ID", "Item ID", "Behavior Type", "Time Stamp"]
    save_mapping(ws, "behaviour log", log, headers, at=AT)
    assert saved_mapping(ws, "behaviour log").mapping == log
    (match,) = matching_mappings(ws, ["user_id", "item_id", "behavior_type", "timestamp"])
    assert match.exact
    assert [str(r) for r in match.mapping.filters] == ["behavior_type == buy", "item_id not empty"]
    assert match.mapping.derived == {"order_id": "{user_id}-{timestamp}", "sku": "{{{item_id}}}"}
    assert match.mapping.constants == {"amount": "1", "currency": "CNY"}
    # a file lacking a column the rules read does not fit
    assert matching_mappings(ws, ["user_id", "behavior_type", "timestamp", "x"]) == []


def test_yaml_round_trip_keeps_chinese_and_options() -> None:
    text = mapping_yaml(SHOP)
    assert "order_id: 单据号" in text and "已出库: paid" in text
    assert mapping_from_yaml(text) == SHOP
    with pytest.raises(MappingError, match="the saved mapping: not valid YAML"):
        mapping_from_yaml("table: [orders")


def test_saved_mappings_survive_reopening_and_backup(ws: Workspace, tmp_path: Path) -> None:
    save_mapping(ws, "shop", SHOP, HEADERS, at=AT)
    assert saved_mappings(Workspace.open(ws.path, create=False))[0].mapping == SHOP
    ws.backup(tmp_path / "b.duckdb")
    restored = Workspace.restore(tmp_path / "b.duckdb", tmp_path / "ws2")
    assert saved_mapping(restored, "shop").saved_at == AT


# --------------------------------------------------------------------------- command line


@pytest.fixture
def shop_file(tmp_path: Path) -> Path:
    path = tmp_path / "tills.csv"
    path.write_text(FILE, encoding="utf-8")
    return path


def _json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out)


def test_cli_import_uses_a_saved_mapping_by_name(
    ws: Workspace, shop_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_mapping(ws, "shop tills", SHOP, HEADERS, at=AT)
    args = ["import", str(shop_file), "--workspace", str(ws.path), "--channel", "store"]
    assert main([*args, "--mapping", "shop tills", "--json"]) == 0
    out = _json(capsys)
    assert (out["rows_read"], out["rows_loaded"], out["rows_quarantined"]) == (3, 3, 0)
    statuses = ws.table("orders").sort("order_id")["status"].to_list()
    assert statuses == ["paid", "cancelled", "paid"]  # its status words came along


def test_cli_import_unknown_name_says_where_names_come_from(
    ws: Workspace, shop_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["import", str(shop_file), "--workspace", str(ws.path), "--channel", "store"]
    assert main([*args, "--mapping", "no such"]) == 2
    err = capsys.readouterr().err
    assert "neither a known preset" in err and "cimlab workspace mappings" in err
    assert ws.batches().is_empty()


def test_cli_lists_and_exports_and_the_export_imports(
    ws: Workspace, shop_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["workspace", "mappings", "--workspace", str(ws.path)]
    assert main(base) == 0
    assert "no saved mappings" in capsys.readouterr().out
    save_mapping(ws, "shop tills", SHOP, HEADERS, at=AT)
    assert main(base) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "table", "columns", "headers", "saved"]
    assert lines[1].startswith("shop tills  orders") and "2026-03-01 09:00 UTC" in lines[1]
    assert main([*base, "--json"]) == 0
    listed = _json(capsys)["mappings"]
    assert [m["name"] for m in listed] == ["shop tills"]
    assert listed[0]["mapping"]["options"]["status_values"] == {
        "已出库": "paid",
        "作废": "cancelled",
    }

    out = tmp_path / "exported.yaml"
    assert main([*base, "--export", "shop tills", "--out", str(out)]) == 0
    assert "written to" in capsys.readouterr().out
    assert load_mapping_file(out) == SHOP
    fresh = tmp_path / "fresh"
    args = ["import", str(shop_file), "--workspace", str(fresh), "--channel", "store"]
    assert main([*args, "--mapping", str(out), "--json"]) == 0
    assert _json(capsys)["rows_loaded"] == 3


def test_cli_export_refusals(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_mapping(ws, "shop", SHOP, HEADERS, at=AT)
    base = ["workspace", "mappings", "--workspace", str(ws.path)]
    assert main([*base, "--export", "shop"]) == 2
    assert "together" in capsys.readouterr().err
    assert main([*base, "--export", "shop", "--out", str(tmp_path / "m.txt")]) == 2
    assert ".yaml" in capsys.readouterr().err
    assert main([*base, "--export", "shop", "--out", str(ws.path / "m.yaml")]) == 2
    assert not (ws.path / "m.yaml").exists()  # never inside the workspace folder
    capsys.readouterr()
    assert main([*base, "--export", "nope", "--out", str(tmp_path / "m.yaml")]) == 2
    assert "No saved mapping 'nope'" in capsys.readouterr().err
