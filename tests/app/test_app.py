"""The Streamlit app through ``AppTest``: start, language switch, upload → report → import → undo,
bad files, the Overview page, and errors that never show a traceback."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from cimlab.i18n import t
from cimlab.importer import check_bytes, store_report
from cimlab.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 30

# A Tmall-style export, GBK-encoded: one date that does not exist (line 4).
TMALL_CSV = (
    "订单编号,买家会员名,买家实付金额,订单状态,收货人姓名,联系手机,订单创建时间\n"
    "4012345678901234567,小林,￥1,234.50,交易成功,林小红,13800138000,2024-01-05 08:26\n"
    "4012345678901234568,tom_w,99,交易关闭,王**,139****1234,2024-01-06 09:00\n"
    "4012345678901234569,阿秀,15.5,交易成功,张秀,13700137000,2024-02-30 10:00\n"
)


def _tmall_bytes() -> bytes:
    # the amount with a thousands separator is quoted, as exports do
    text = TMALL_CSV.replace("￥1,234.50", '"￥1,234.50"')
    return text.encode("gbk")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ws"
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(path))
    return path


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    return at.run()


def _texts(elements: object) -> list[str]:
    return [str(e.value) for e in elements]  # type: ignore[attr-defined]


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _button(at: AppTest, label: str) -> Button:
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, [b.label for b in at.button]
    return matches[0]


def test_app_starts_in_chinese_and_switches_to_english(workspace: Path) -> None:
    at = _app()
    assert not at.exception
    assert at.title[0].value == "导入文件"
    assert at.file_uploader(key="imp_files").label == t("imp.uploader", "zh")
    assert any("工作区" in c.value for c in at.sidebar.caption)
    assert str(workspace) in " ".join(c.value for c in at.sidebar.caption)

    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Import files"
    assert at.file_uploader(key="imp_files").label == t("imp.uploader", "en")
    assert at.session_state["lang"] == "en"
    # the choice survives a page switch
    at.switch_page("overview_page.py").run()
    assert at.title[0].value == "Overview"


def test_upload_gbk_csv_report_import_history_and_undo(workspace: Path) -> None:
    at = _app()
    at.file_uploader(key="imp_files").set_value(("tmall.csv", _tmall_bytes(), "text/csv")).run()
    assert not at.exception and not at.error, _texts(at.error)

    detected = " ".join(_texts(at.markdown))
    assert (
        "**gbk**" in detected
        and "**csv**" in detected
        and "3 行数据" in detected
        and "逗号 (,)" in detected
    )
    # the preset filled in table, preset and channel
    table = next(s for s in at.selectbox if s.key and (s.key or "").endswith("_table"))
    channel = next(s for s in at.selectbox if s.key and (s.key or "").endswith("_channel"))
    assert (table.value, channel.value) == ("orders", "tmall")

    # preview: phones, names masked; the order id kept exactly
    preview = at.dataframe[0].value
    assert list(preview["联系手机"]) == ["138****8000", "139****1234", "137****7000"]
    assert "13800138000" not in preview.to_csv()
    assert "林小红" not in preview.to_csv()
    assert preview["订单编号"].iloc[0] == "4012345678901234567"

    assert _metrics(at) == {"读取行数": "3", "可导入行数": "2", "隔离行数": "1"}
    problems = at.dataframe[1].value
    assert list(problems["行号"]) == [4]
    assert list(problems["列"]) == ["订单创建时间"]
    assert list(problems["值"]) == ["2024-02-30 10:00"]
    assert at.download_button[0].label == t("imp.download", "zh")

    # the report follows the language
    at.radio(key="lang").set_value("en").run()
    assert _metrics(at) == {"Rows read": "3", "Rows to load": "2", "Rows quarantined": "1"}
    reason = str(at.dataframe[1].value["Problem"][0])
    assert reason and not any("\u4e00" <= ch <= "\u9fff" for ch in reason)
    at.radio(key="lang").set_value("zh").run()

    _button(at, t("imp.import_button", "zh")).click().run()
    assert not at.exception and not at.error, _texts(at.error)
    assert t("imp.imported", "zh", batch=1, loaded=2, quarantined=1) in _texts(at.success)
    assert Workspace.open(workspace).counts().rows() == [("orders", "tmall", 2)]
    history = at.dataframe[-1].value
    assert list(history["批次"]) == [1] and list(history["状态"]) == ["有效"]

    # importing the same file again adds nothing and says so
    _button(at, t("imp.import_button", "zh")).click().run()
    assert t("imp.already", "zh", batch=1) in _texts(at.info)
    assert Workspace.open(workspace).batches().height == 1

    # undo needs the confirmation first
    undo = at.button(key="imp_undo_go")
    assert undo.disabled
    at.checkbox(key="imp_undo_confirm").check().run()
    at.button(key="imp_undo_go").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    assert t("imp.undone", "zh", batch=1) in _texts(at.success)
    assert Workspace.open(workspace).counts().height == 0
    assert list(at.dataframe[-1].value["状态"]) == ["已撤销"]
    assert t("imp.undo_none", "zh") in _texts(at.caption)  # nothing left to undo


def test_mapping_editor_and_channel(workspace: Path) -> None:
    # headers no preset knows: the table and every required column must be chosen by hand
    data = "单据,时间点,钱,备用\nA1,2024-01-05,12.5,Ann.Lee@Example.com\nA2,2024-01-06,x,bo@x.cn\n"
    at = _app()
    at.file_uploader(key="imp_files").set_value(("shop.csv", data.encode(), "text/csv")).run()
    assert not at.exception
    assert t("imp.choose_table", "zh") in _texts(at.info)
    # e-mails are masked in the preview although their column is not mapped
    assert list(at.dataframe[0].value["备用"]) == ["A***@Example.com", "b***@x.cn"]

    next(s for s in at.selectbox if (s.key or "").endswith("_table")).set_value("orders").run()
    warning = " ".join(_texts(at.warning))
    assert "订单编号" in warning and "下单时间" in warning and "金额" in warning
    required = {s.label: s for s in at.selectbox if s.label.endswith(" *")}
    assert set(required) == {"订单编号 *", "下单时间 *", "金额 *"}
    required["订单编号 *"].set_value("单据")
    required["下单时间 *"].set_value("时间点")
    required["金额 *"].set_value("钱").run()
    assert not at.warning
    assert t("imp.choose_channel", "zh") in _texts(at.info)

    # (a typed new channel cannot be driven from AppTest: its selectbox only picks listed options)
    next(s for s in at.selectbox if (s.key or "").endswith("_channel")).set_value(
        "offline_store"
    ).run()
    assert not at.exception
    # no currency anywhere: the file cannot be checked until one is chosen, and the page says so
    assert any("currency" in text for text in _texts(at.error)), _texts(at.error)
    currency = next(
        s for s in at.selectbox if "_opt_" in (s.key or "") and (s.key or "").endswith("_currency")
    )
    currency.set_value("CNY").run()
    assert _metrics(at) == {"读取行数": "2", "可导入行数": "1", "隔离行数": "1"}
    assert list(at.dataframe[1].value["列"]) == ["钱"]


def test_import_all_checked_files(workspace: Path) -> None:
    customers = b"customer_id,email,phone\n001,a@x.com,13800138000\n002,b@x.com,\n"
    at = _app()
    at.file_uploader(key="imp_files").set_value(
        [
            ("tmall.csv", _tmall_bytes(), "text/csv"),
            ("online_shop_customers.csv", customers, "text/csv"),
        ]
    ).run()
    assert not at.exception and not at.error, _texts(at.error)
    # no preset names a channel for the generic file: the file name does
    channels = [s.value for s in at.selectbox if (s.key or "").endswith("_channel")]
    assert channels == ["tmall", "online_shop"]
    _button(at, t("imp.import_all", "zh", n=2)).click().run()
    assert not at.exception and not at.error, _texts(at.error)
    assert [x for x in _texts(at.success) if x.startswith("已导入")] == [
        t("imp.imported", "zh", batch=1, loaded=2, quarantined=1),
        t("imp.imported", "zh", batch=2, loaded=2, quarantined=0),
    ]
    assert Workspace.open(workspace).counts().rows() == [
        ("customers", "online_shop", 2),
        ("orders", "tmall", 2),
    ]
    # the request lasts one run: a rerun imports nothing more
    at.run()
    assert Workspace.open(workspace).batches().height == 2
    assert at.session_state["imp_import_all"] is False


def _workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["导出说明"])
    notes.append(["本文件由会员系统导出"])
    members = book.create_sheet("会员")
    members.append(["会员卡号", "姓名", "手机号", "邮箱"])
    members.append(["080000000001", "林小红", "13800138000", "lin@example.com"])
    members.append(["080000000002", "Tom Wu", "13900139000", "tom@example.com"])
    old = book.create_sheet("旧数据")
    old.sheet_state = "hidden"
    old.append(["会员卡号"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_sheet_choice_lists_hidden_sheets(workspace: Path) -> None:
    at = _app()
    at.file_uploader(key="imp_files").set_value(
        ("members.xlsx", _workbook(), "application/octet-stream")
    ).run()
    assert not at.exception
    sheet = next(s for s in at.selectbox if (s.key or "").endswith("_sheet"))
    assert sheet.value == "说明"
    assert sheet.options == ["说明", "会员", "旧数据（隐藏）"]
    assert "**xlsx**" in " ".join(_texts(at.markdown))

    sheet.set_value("会员").run()
    assert not at.exception and not at.error, _texts(at.error)
    preview = at.dataframe[0].value
    assert list(preview["会员卡号"]) == ["080000000001", "080000000002"]
    assert list(preview["手机号"]) == ["138****8000", "139****9000"]
    assert "lin@example.com" not in preview.to_csv()
    table = next(s for s in at.selectbox if (s.key or "").endswith("_table"))
    assert table.value == "customers"
    next(s for s in at.selectbox if (s.key or "").endswith("_channel")).set_value("wechat").run()
    assert _metrics(at) == {"读取行数": "2", "可导入行数": "2", "隔离行数": "0"}
    assert t("imp.all_valid", "zh") in _texts(at.success)


def test_bad_files_give_an_error_not_an_exception(workspace: Path) -> None:
    junk = bytes(range(256)) * 40
    at = _app()
    at.file_uploader(key="imp_files").set_value(
        [("junk.csv", junk, "text/csv"), ("empty.csv", b"", "text/csv")]
    ).run()
    assert not at.exception
    errors = _texts(at.error)
    assert len(errors) == 2, errors
    assert errors[0].startswith("无法继续：") and "junk.csv" in errors[0]
    assert "empty.csv" in errors[1]
    assert "Traceback" not in " ".join(errors)


def test_overview_shows_counts(workspace: Path) -> None:
    ws = Workspace.open(workspace)
    report = check_bytes(_tmall_bytes(), name="tmall.csv")
    store_report(ws, report, user="test")
    customers = b"customer_id,email\n001,a@x.com\n002,b@x.com\n003,c@x.com\n"
    store_report(
        ws,
        check_bytes(customers, name="c.csv", table="customers", channel="online_shop"),
        user="test",
    )
    at = _app()
    at.switch_page("overview_page.py").run()
    assert not at.exception and not at.error, _texts(at.error)
    assert at.title[0].value == "数据概览"
    assert _metrics(at) == {"客户": "3", "订单": "2", "互动记录": "0", "客户反馈": "0"}
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert [c["encoding"]["y"]["title"] for c in charts] == ["数据表", "行数"]
    last = at.dataframe[-1].value
    assert list(last["批次"]) == [2, 1] and list(last["文件"]) == ["c.csv", "tmall.csv"]

    at.radio(key="lang").set_value("en").run()
    assert _metrics(at)["Orders"] == "2"


def test_overview_empty_state(workspace: Path) -> None:
    at = _app()
    at.switch_page("overview_page.py").run()
    assert not at.exception
    assert any("make app" in text for text in _texts(at.info))
    assert not at.metric


def test_workspace_errors_are_shown_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(not_a_folder))
    at = _app()
    assert not at.exception
    assert len(at.error) == 1 and "file.txt" in at.error[0].value
    assert at.error[0].value.startswith("无法继续：")


def test_unexpected_errors_hide_their_details(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Workspace) -> object:
        raise RuntimeError("secret detail 13800138000")

    monkeypatch.setattr(Workspace, "counts", broken)
    at = _app()
    at.switch_page("overview_page.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("error.unexpected", "zh")]


def test_history_lists_batches_from_elsewhere(workspace: Path) -> None:
    # an import from the CLI or a notebook shows on the next rerun (the data version changes)
    at = _app()
    assert t("imp.history_empty", "zh") in _texts(at.caption)
    store_report(
        Workspace.open(workspace),
        check_bytes(_tmall_bytes(), name="tmall.csv"),
        at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        user="cli",
    )
    at.run()
    assert list(at.dataframe[-1].value["文件"]) == ["tmall.csv"]
