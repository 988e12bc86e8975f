"""The Import page's mapping editor through ``AppTest``, clicked through as a user would: the
status map (every distinct status, unmapped ones flagged, edited, saved into the mapping YAML,
the rows then load), the link from an unknown-status quarantine row to it, row filters,
constants and composed columns, a mapped channel column, saved mappings offered for the next
file of the same layout (and the downloaded YAML working with the CLI), the quarantine CSV in
中文, file-level errors in the user's language, and customer counts after an undo."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from cimlab import identity
from cimlab.cli import main
from cimlab.i18n import t
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.ingest.mapping import load_mapping_file
from cimlab.ingest.saved_mappings import saved_mappings
from cimlab.workspace import Workspace
from tests.app.markdown_checks import shown_text

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 60
TEMPLATE = "\x00template"  # the mapping editor's choices besides the file's headers
CONSTANT = "\x00constant"

# a marketplace's order lines (olist-like): statuses cimlab knows (shipped, canceled) and not
MARKETPLACE = (
    "order_id,customer_id,order_purchase_timestamp,price,order_status\n"
    "o1,c1,2018-01-05 10:00,10,invoiced\n"
    "o2,c2,2018-01-06 11:00,20,shipped\n"
    "o3,c3,2018-01-07 12:00,30,canceled\n"
    "o4,c4,2018-01-08 13:00,40,approved\n"
    "o5,c5,2018-01-09 14:00,50,invoiced\n"
)
# a behaviour log: Unix epoch seconds, orders are the rows with behavior_type = buy, no amounts;
# the last buy has a broken time (quarantined, never filtered)
BEHAVIOUR = (
    "user_id,item_id,category_id,behavior_type,timestamp\n"
    "1,101,7,pv,1511544070\n"
    "1,101,7,buy,1511544080\n"
    "2,102,8,cart,1511544090\n"
    "2,103,8,buy,1511600000\n"
    "3,104,9,fav,1511600001\n"
    "3,104,9,buy,x\n"
)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ws"
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(path))
    return path


def _app(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    return at


def _upload(at: AppTest, *files: tuple[str, str]) -> AppTest:
    at.file_uploader(key="imp_files").set_value(
        [(name, text.encode("utf-8"), "text/csv") for name, text in files]
    ).run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, _texts(at.error)


def _texts(elements: Any) -> list[str]:
    return [shown_text(str(e.value)) for e in elements]


def _metrics(at: AppTest) -> dict[str, str]:
    return {shown_text(m.label): shown_text(m.value) for m in at.metric}


def _by_key(widgets: Any, suffix: str) -> Any:
    found = [w for w in widgets if (w.key or "").endswith(suffix)]
    assert len(found) == 1, (suffix, [w.key for w in widgets])
    return found[0]


def _status_editor(at: AppTest) -> Any:
    return next(d for d in at.dataframe if "_status_" in (d.key or ""))


def _last(downloads: list[dict[str, Any]], suffix: str) -> bytes:
    calls = [d for d in downloads if str(d.get("key", "")).endswith(suffix)]
    assert calls, [d.get("key") for d in downloads]
    data = calls[-1]["data"]
    assert isinstance(data, bytes)
    return data


# ----------------------------------------------------------------------------- status map


def test_status_map_flags_edits_saves_and_the_rows_load(
    workspace: Path, downloads: list[dict[str, Any]], tmp_path: Path
) -> None:
    at = _upload(_app("en"), ("olist_orders.csv", MARKETPLACE))
    _by_key(at.selectbox, "_table").set_value("orders").run()
    _by_key(at.selectbox, "_order_ts_source").set_value("order_purchase_timestamp")
    _by_key(at.selectbox, "_unit_price_source").set_value(None)
    _by_key(at.selectbox, "_amount_source").set_value("price")
    _by_key(at.selectbox, "_channel").set_value("online_shop")
    at.run()
    _by_key(at.selectbox, "_opt_orders_generic_en_currency").set_value("BRL").run()
    _ok(at)
    # every distinct status of the file, the most frequent first, unmapped ones flagged
    shown = _status_editor(at).value
    assert list(shown["value"]) == ["invoiced", "approved", "canceled", "shipped"]
    assert list(shown["rows"]) == [2, 1, 1, 1]
    assert list(shown["how"]) == ["⚠ unmapped", "⚠ unmapped", "built in", "built in"]
    assert list(shown["meaning"])[2:] == ["cancelled", "paid"]
    warning = t("imp.sm_unmapped", "en", values="invoiced, approved")
    assert warning in _texts(at.warning)
    # their rows are quarantined, and the report points to the status map
    assert _metrics(at) == {"Rows read": "5", "Rows to load": "2", "Rows quarantined": "3"}
    assert t("imp.status_unknown", "en", n=3) in _texts(at.warning)
    reasons = set(next(d for d in at.dataframe if "Problem" in d.value.columns).value["Problem"])
    assert any("status map (Import page)" in r for r in reasons), reasons

    # the link opens the status map (closed by the user first)
    expander = next(e for e in at.expander if e.label == t("imp.status_map", "en"))
    open_key = next(k for k in at.session_state if str(k).endswith("_status_open"))
    at.session_state[open_key] = False
    at.run()
    expander = next(e for e in at.expander if e.label == t("imp.status_map", "en"))
    assert expander.proto.expanded is False
    _by_key(at.button, "_to_status_map").click().run()
    expander = next(e for e in at.expander if e.label == t("imp.status_map", "en"))
    assert expander.proto.expanded is True

    # give the unmapped statuses a meaning in the editor
    editor = _status_editor(at)
    at.session_state[editor.key] = {
        "edited_rows": {0: {"meaning": "paid"}, 1: {"meaning": "pending"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    _ok(at)
    shown = _status_editor(at).value
    assert list(shown["how"]) == ["your mapping", "your mapping", "built in", "built in"]
    assert not [w for w in _texts(at.warning) if "Statuses without a meaning" in w]
    assert _metrics(at) == {"Rows read": "5", "Rows to load": "5", "Rows quarantined": "0"}

    # the downloaded mapping carries the status words, and the CLI imports with it
    text = _last(downloads, "_mapping_yaml").decode("utf-8")
    words = yaml.safe_load(text)["options"]["status_values"]  # the preset's words and these
    assert (words["invoiced"], words["approved"]) == ("paid", "pending")
    mapping_file = tmp_path / "olist.yaml"
    mapping_file.write_text(text, encoding="utf-8")
    assert load_mapping_file(mapping_file).options.status_values["approved"] == "pending"
    data_file = tmp_path / "olist_orders.csv"
    data_file.write_text(MARKETPLACE, encoding="utf-8")
    cli_ws = tmp_path / "cli_ws"
    assert (
        main(["import", str(data_file), "--workspace", str(cli_ws), "--mapping", str(mapping_file)])
        == 0
    )
    assert Workspace.open(cli_ws).table("orders").sort("order_id")["status"].to_list() == [
        "paid",
        "paid",
        "cancelled",
        "pending",
        "paid",
    ]

    # and the app imports every row with these meanings
    _by_key(at.button, "_import").click().run()
    _ok(at)
    assert Workspace.open(workspace).table("orders").height == 5


def test_status_map_in_chinese_knows_platform_words(workspace: Path) -> None:
    tmall = (
        "订单编号,买家会员名,买家实付金额,订单状态,订单创建时间\n"
        "4012345678901234567,a,10,交易成功,2024-01-05 08:26\n"
        "4012345678901234568,b,20,交易关闭,2024-01-06 08:26\n"
        "4012345678901234569,c,30,待审核,2024-01-07 08:26\n"
    )
    at = _upload(_app(), ("tmall.csv", tmall))
    shown = _status_editor(at).value
    assert dict(zip(shown["value"], shown["how"], strict=True)) == {
        "交易成功": "内置",
        "交易关闭": "内置",
        "待审核": "⚠ 未映射",
    }
    assert t("imp.sm_unmapped", "zh", values="待审核") in _texts(at.warning)
    reasons = next(d for d in at.dataframe if "问题" in d.value.columns).value["问题"]
    assert any("导入页的状态映射" in r for r in reasons)


# ----------------------------------------------------------------------------- filters etc.


def test_row_filters_constants_templates_and_placeholder_amounts(
    workspace: Path, downloads: list[dict[str, Any]]
) -> None:
    at = _upload(_app("en"), ("userbehavior.csv", BEHAVIOUR))
    _by_key(at.selectbox, "_table").set_value("orders").run()
    _by_key(at.selectbox, "_order_id_source").set_value(TEMPLATE).run()
    _by_key(at.text_input, "_order_id_template").input("{user_id}-{timestamp}")
    _by_key(at.selectbox, "_source_customer_id_source").set_value("user_id")
    _by_key(at.selectbox, "_order_ts_source").set_value("timestamp")
    _by_key(at.selectbox, "_sku_source").set_value("item_id")
    _by_key(at.selectbox, "_amount_source").set_value(CONSTANT)
    _by_key(at.selectbox, "_currency_source").set_value(CONSTANT).run()
    _by_key(at.text_input, "_amount_constant").input("1")
    _by_key(at.text_input, "_currency_constant").input("CNY")
    _by_key(at.checkbox, "_amount_placeholder").check()
    _by_key(at.selectbox, "_channel").set_value("online_shop")
    at.run()
    _ok(at)
    # without a filter every behaviour is an order; the broken time is quarantined
    assert _metrics(at) == {"Rows read": "6", "Rows to load": "5", "Rows quarantined": "1"}

    # a rule: add it, pick the column, keep the default == and type the value
    _by_key(at.button, "_rule_add").click().run()
    assert t("imp.filters_incomplete", "en") in _texts(at.info)
    assert not at.metric  # no report for a half-written rule
    _by_key(at.selectbox, "_rule0_column").set_value("behavior_type")
    _by_key(at.text_input, "_rule0_values").input("buy")
    at.run()
    _ok(at)
    assert _metrics(at) == {
        "Rows read": "6",
        "Rows to load": "2",
        "Rows quarantined": "1",  # a buy with a broken time: quarantined, not filtered
        "Rows filtered out": "3",
    }
    captions = _texts(at.caption)
    assert t("imp.invariant", "en", read="6", loaded="2", quarantined="1", filtered="3") in captions
    assert t("imp.filtered_by_rule", "en", rules="behavior_type == buy: 3") in captions

    # the rule as a list: in [buy, cart]
    _by_key(at.selectbox, "_rule0_op").set_value("in")
    _by_key(at.text_input, "_rule0_values").input("buy, cart")
    at.run()
    assert _metrics(at)["Rows filtered out"] == "2"
    # a second rule, then removed again
    _by_key(at.button, "_rule_add").click().run()
    _by_key(at.selectbox, "_rule1_column").set_value("item_id")
    _by_key(at.selectbox, "_rule1_op").set_value("!=").run()
    _by_key(at.text_input, "_rule1_values").input("102").run()
    assert _metrics(at)["Rows filtered out"] == "3"
    _by_key(at.button, "_rule1_remove").click().run()
    assert not [w for w in at.selectbox if (w.key or "").endswith("_rule1_column")]
    assert _metrics(at)["Rows filtered out"] == "2"

    # the YAML says it all
    mapping = yaml.safe_load(_last(downloads, "_mapping_yaml"))
    assert mapping["filters"] == ["behavior_type in [buy, cart]"]
    assert mapping["constants"] == {"amount": "1", "currency": "CNY"}
    assert mapping["derived"] == {"order_id": "{user_id}-{timestamp}"}
    assert mapping["options"]["amount_is_placeholder"] is True
    assert mapping["channel"] == "online_shop"
    assert mapping["options"]["time_format"] is None  # automatic: 10 digits are epoch seconds
    _by_key(at.selectbox, "_time_format").set_value("epoch_s").run()
    assert yaml.safe_load(_last(downloads, "_mapping_yaml"))["options"]["time_format"] == "epoch_s"
    assert _metrics(at)["Rows to load"] == "3"

    _by_key(at.button, "_import").click().run()
    _ok(at)
    assert t("imp.imported_filtered", "en", n=2) in _texts(at.info)
    orders = Workspace.open(workspace).table("orders").sort("order_id")
    assert orders["order_id"].to_list() == ["1-1511544080", "2-1511544090", "2-1511600000"]
    assert orders["order_ts"][0] == dt.datetime(2017, 11, 24, 17, 21, 20, tzinfo=dt.UTC)
    history = at.dataframe[-1].value
    assert list(history[t("hist.rows_filtered", "en")]) == [2]


def test_a_bad_template_says_so_and_waits(workspace: Path) -> None:
    at = _upload(_app("en"), ("userbehavior.csv", BEHAVIOUR))
    _by_key(at.selectbox, "_table").set_value("orders").run()
    _by_key(at.selectbox, "_order_id_source").set_value(TEMPLATE).run()
    _by_key(at.text_input, "_order_id_template").input("{user_id").run()
    _ok(at)
    assert t("imp.template_invalid", "en") in _texts(at.warning)
    assert not at.metric


def test_a_mapped_channel_column_makes_the_channel_box_optional(workspace: Path) -> None:
    two = (
        "order_id,order_date,amount,currency,source\n"
        "A1,2024-01-05,10,CNY,tmall\nA2,2024-01-06,20,CNY,jd\nA3,2024-01-07,30,CNY,\n"
    )
    at = _upload(_app(), ("export.csv", two))
    # neither a channel nor a channel column: the message names both ways
    assert _texts(at.info) == [t("imp.choose_channel", "zh")]
    assert "渠道”框" in t("imp.choose_channel", "zh") and "列映射" in t("imp.choose_channel", "zh")
    _by_key(at.selectbox, "_channel_source").set_value("source").run()
    _ok(at)
    assert t("imp.channel_from_column", "zh") in _texts(at.caption)
    assert _metrics(at) == {"读取行数": "3", "可导入行数": "2", "隔离行数": "1"}  # A3: no channel
    _by_key(at.selectbox, "_channel").set_value("online_shop").run()  # fills the empty cell
    assert _metrics(at) == {"读取行数": "3", "可导入行数": "3", "隔离行数": "0"}
    _by_key(at.button, "_import").click().run()
    _ok(at)
    assert Workspace.open(workspace).counts().rows() == [
        ("orders", "jd", 1),
        ("orders", "online_shop", 1),
        ("orders", "tmall", 1),
    ]


# ----------------------------------------------------------------------------- saved mappings

TILLS = "单据,时间点,钱,状态\nD1,2024-01-05 10:00,12.5,已出库\nD2,2024-01-06 11:00,8,作废\n"
TILLS_LATER = "单据,时间点,钱,状态\nD3,2024-02-05 10:00,30,已出库\n"


def _map_tills(at: AppTest) -> None:
    _by_key(at.selectbox, "_table").set_value("orders").run()
    required = {s.label: s for s in at.selectbox if s.label.endswith(" *")}
    required["订单编号 *"].set_value("单据")
    required["下单时间 *"].set_value("时间点")
    required["金额 *"].set_value("钱")
    _by_key(at.selectbox, "_status_source").set_value("状态")
    _by_key(at.selectbox, "_channel").set_value("offline_store").run()
    next(
        s for s in at.selectbox if "_opt_" in (s.key or "") and s.key.endswith("_currency")
    ).set_value("CNY").run()
    editor = _status_editor(at)
    assert list(editor.value["value"]) == ["作废", "已出库"]
    at.session_state[editor.key] = {
        "edited_rows": {0: {"meaning": "cancelled"}, 1: {"meaning": "paid"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    _ok(at)


def test_a_saved_mapping_is_offered_first_for_the_same_layout(
    workspace: Path, downloads: list[dict[str, Any]], tmp_path: Path
) -> None:
    at = _upload(_app(), ("tills_jan.csv", TILLS))
    _map_tills(at)
    assert _metrics(at) == {"读取行数": "2", "可导入行数": "2", "隔离行数": "0"}
    _by_key(at.text_input, "_save_name").input("门店收银")
    _by_key(at.button, "_save").click().run()
    _ok(at)
    assert t("imp.saved", "zh", name="门店收银") in _texts(at.success)
    # this file keeps the user's choices (the saved mapping is now offered too)
    assert _by_key(at.selectbox, "_preset_orders").options[0] == t(
        "imp.use_saved", "zh", name="门店收银"
    )
    assert _metrics(at) == {"读取行数": "2", "可导入行数": "2", "隔离行数": "0"}
    (saved,) = saved_mappings(Workspace.open(workspace))
    assert saved.name == "门店收银" and saved.headers == ("单据", "时间点", "钱", "状态")
    words = saved.mapping.options.status_values  # the preset's words and the file's own
    assert words["已出库"] == "paid" and words["作废"] == "cancelled"
    assert saved.mapping.channel == "offline_store"

    # the next file of the same layout: the saved mapping is the first choice, and chosen
    fresh = _upload(_app(), ("tills_feb.csv", TILLS_LATER))
    choice = _by_key(fresh.selectbox, "_preset_orders")
    assert choice.options[0] == t("imp.use_saved", "zh", name="门店收银")
    assert choice.value == "saved:门店收银"
    assert _by_key(fresh.selectbox, "_channel").value == "offline_store"
    assert _metrics(fresh) == {"读取行数": "1", "可导入行数": "1", "隔离行数": "0"}
    # a name the CLI would read as a preset is refused, in the user's language
    _by_key(fresh.text_input, "_save_name").input("jd_orders")
    _by_key(fresh.button, "_save").click().run()
    assert t("imp.save_name_invalid", "zh") in _texts(fresh.warning)
    assert [s.name for s in saved_mappings(Workspace.open(workspace))] == ["门店收银"]

    _by_key(fresh.button, "_import").click().run()
    _ok(fresh)
    assert Workspace.open(workspace).table("orders")["status"].to_list() == ["paid"]

    # the command line finds the saved mapping by its name
    feb = tmp_path / "tills_mar.csv"
    feb.write_text(TILLS_LATER.replace("D3", "D4"), encoding="utf-8")
    args = ["import", str(feb), "--workspace", str(workspace), "--mapping", "门店收银"]
    assert main(args) == 0
    assert Workspace.open(workspace).table("orders").height == 2


def test_a_file_with_more_columns_is_offered_the_mapping_second(workspace: Path) -> None:
    at = _upload(_app(), ("tills_jan.csv", TILLS))
    _map_tills(at)
    _by_key(at.text_input, "_save_name").input("tills")
    _by_key(at.button, "_save").click().run()
    wider = "单据,时间点,钱,状态,备注\nD9,2024-03-05 10:00,5,已出库,x\n"
    fresh = _upload(_app(), ("tills_wide.csv", wider))
    _by_key(fresh.selectbox, "_table").set_value("orders").run()
    choice = _by_key(fresh.selectbox, "_preset_orders")
    assert choice.options[0] == t("imp.use_saved_partial", "zh", name="tills")
    assert choice.value != "saved:tills"  # offered, not chosen for another layout
    choice.set_value("saved:tills").run()
    _ok(fresh)
    assert _metrics(fresh) == {"读取行数": "1", "可导入行数": "1", "隔离行数": "0"}


# ----------------------------------------------------------------------------- languages


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_quarantine_csv_is_in_the_users_language(
    workspace: Path, downloads: list[dict[str, Any]]
) -> None:
    bad = "order_id,order_date,amount,currency\nA1,2024-01-05,10,CNY\nA2,2024-02-30,5,CNY\n"
    at = _upload(_app(), ("online_shop_orders.csv", bad))
    rows = _csv_rows(_last(downloads, "_download"))
    assert rows[0][:2] == ["行号", "问题"]
    assert rows[1][0] == "3" and rows[1][1].startswith("order_date：无法识别的日期")
    at.radio(key="lang").set_value("en").run()
    rows = _csv_rows(_last(downloads, "_download"))
    assert rows[0][:2] == ["line", "problems"]
    assert rows[1][1].startswith("order_date: not a date")


def test_file_errors_are_in_the_users_language(workspace: Path) -> None:
    at = _app()
    at.file_uploader(key="imp_files").set_value(
        [("empty.csv", b"", "text/csv"), ("q.csv", b'a,b\n"x,1\n', "text/csv")]
    ).run()
    assert not at.exception
    errors = _texts(at.error)
    assert errors[0] == t("imp.err_empty", "zh", file="empty.csv", where="")
    assert errors[1].startswith("无法继续：文件 q.csv（第 2 行）中有未闭合的双引号"), errors
    assert not any(ch.isascii() and ch.isalpha() for ch in errors[0].replace("empty.csv", ""))
    at.radio(key="lang").set_value("en").run()
    assert _texts(at.error)[0] == t("imp.err_empty", "en", file="empty.csv", where="")


# ----------------------------------------------------------------------------- undo


def test_after_an_undo_customer_counts_follow_and_ask_to_resolve_again(workspace: Path) -> None:
    ws = Workspace.open(workspace)
    header = "order_id,customer_id,order_date,amount,currency,status\n"
    first = header + "A1,c1,2026-01-10 10:00,100,CNY,paid\nA2,c2,2026-01-12 10:00,20,CNY,paid\n"
    later = header + "B1,c3,2026-02-10 10:00,50,CNY,paid\nB2,c4,2026-02-11 10:00,70,CNY,paid\n"
    for name, text in (("a.csv", first), ("b.csv", later)):
        store_report(ws, check_bytes(text.encode(), name=name, table="orders", channel="shop"))
    identity.resolve(ws, at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))

    at = _app()
    at.switch_page("overview_page.py").run()
    assert _metrics(at)[t("kpi.customers", "zh")] == "4"
    # undo the second import from the Import page
    at.switch_page("import_page.py").run()
    at.selectbox(key="imp_undo_batch").set_value(2)
    at.checkbox(key="imp_undo_confirm").check().run()
    at.button(key="imp_undo_go").click().run()
    _ok(at)

    at.switch_page("customers_page.py").run()
    _ok(at)
    assert t("cust.removed", "zh", n="2") in _texts(at.warning)
    at.switch_page("overview_page.py").run()
    _ok(at)
    assert t("ana.removed", "zh", n="2") in _texts(at.warning)
    assert _metrics(at)[t("kpi.customers", "zh")] == "2"  # removed buyers are not counted
    at.button(key="ana_resolve_again").click().run()
    _ok(at)
    assert not at.warning
    assert _texts(at.success) == [t("ana.resolved_again", "zh", customers=2)]
    assert identity.removed_records(ws) == 0
    at.switch_page("customers_page.py").run()
    assert t("cust.removed", "zh", n="2") not in _texts(at.warning)


def _markdown(at: AppTest) -> str:
    return "\n".join(shown_text(m.value).replace("**", "") for m in at.markdown)


def test_a_first_visit_says_what_this_is_and_what_to_do_next(
    demo: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the demo workspace: says the demo data is loaded and offers Segments
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(demo))
    at = _app("en")
    _ok(at)
    text = _markdown(at)
    assert "Welcome to cimlab." in text and "The demo data is loaded" in text
    assert "channels of a made-up shop" in text
    at.button(key="imp_welcome_close").click().run()
    _ok(at)
    assert "Welcome to cimlab." not in _markdown(at)
    # an empty workspace: says so, and how to start
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(workspace))
    at = _app("zh")
    _ok(at)
    text = _markdown(at)
    assert "欢迎使用 cimlab。" in text and "此工作区还是空的" in text
