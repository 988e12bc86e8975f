"""The Streamlit app through ``AppTest``: start, language switch, upload → report → import → undo,
bad files, the Overview page, errors that never show a traceback, and the Customers page
(resolve, search, the 360 view with masked contact data, tags, consent, merge/split, review,
reveal only with ``CIMLAB_ALLOW_REVEAL=1``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from cimlab import consent, identity, profile, tags
from cimlab.demo import build_demo_workspace
from cimlab.i18n import channel_label, t
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.privacy import mask_name
from cimlab.workspace import Workspace
from tests.app.markdown_checks import shown_text

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
    """The text Markdown elements show (values put in them are escaped)."""
    return [shown_text(str(e.value)) for e in elements]  # type: ignore[attr-defined]


def _metrics(at: AppTest) -> dict[str, str]:
    return {shown_text(m.label): shown_text(m.value) for m in at.metric}


def _problems_table(at: AppTest, lang: str = "zh") -> Any:
    """The validation report's list of problems (the table with the Problem column)."""
    column = t("imp.col_reason", lang)
    return next(d.value for d in at.dataframe if column in d.value.columns)


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
    problems = _problems_table(at)
    assert list(problems["行号"]) == [4]
    assert list(problems["列"]) == ["订单创建时间"]
    assert list(problems["值"]) == ["2024-02-30 10:00"]
    assert at.download_button[0].label == t("imp.download", "zh")

    # the report follows the language
    at.radio(key="lang").set_value("en").run()
    assert _metrics(at) == {"Rows read": "3", "Rows to load": "2", "Rows quarantined": "1"}
    reason = str(_problems_table(at, "en")["Problem"][0])
    assert reason and not any("\u4e00" <= ch <= "\u9fff" for ch in reason)
    at.radio(key="lang").set_value("zh").run()

    _button(at, t("imp.import_button", "zh")).click().run()
    assert not at.exception and not at.error, _texts(at.error)
    assert t("imp.imported", "zh", batch=1, loaded=2, quarantined=1) in _texts(at.success)
    assert Workspace.open(workspace).counts().rows() == [("orders", "tmall", 2)]
    history = at.dataframe[-1].value
    assert list(history["批次"]) == [1] and list(history["状态"]) == ["有效"]

    # the imported file left the uploader (a fresh one); uploading it again adds nothing
    assert [u.key for u in at.file_uploader] == ["imp_files_1"]
    at.file_uploader[0].set_value(("tmall.csv", _tmall_bytes(), "text/csv")).run()
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
    # no currency anywhere: the file cannot be checked until one is chosen, and the page says
    # so in the user's language, pointing to the box (no command-line advice)
    assert _texts(at.error) == [t("imp.err_no_currency", "zh", file="shop.csv")]
    assert "--currency" not in " ".join(_texts(at.error))
    currency = next(
        s for s in at.selectbox if "_opt_" in (s.key or "") and (s.key or "").endswith("_currency")
    )
    currency.set_value("CNY").run()
    assert _metrics(at) == {"读取行数": "2", "可导入行数": "1", "隔离行数": "1"}
    assert list(_problems_table(at)["列"]) == ["钱"]


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
    errors = _texts(at.error)
    assert len(errors) == 1 and "file.txt" in errors[0]
    assert errors[0].startswith("无法继续：")


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


# ----------------------------------------------------------------------------- Customers page
# One demo workspace (300 people) for the module; the first test resolves it through the page.

_MOBILE = re.compile(r"(?<![0-9])(?:\+?86)?1[3-9][0-9]{9}(?![0-9])")


@dataclasses.dataclass(frozen=True)
class _Demo:
    ws: Path
    files: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> _Demo:
    root = tmp_path_factory.mktemp("customers_demo")
    # not resolved: the first test resolves identities through the page
    build_demo_workspace(root / "ws", root / "files", people=300, resolve_identities=False)
    return _Demo(ws=root / "ws", files=root / "files")


@pytest.fixture
def demo_app(demo: _Demo, monkeypatch: pytest.MonkeyPatch) -> _Demo:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(demo.ws))
    monkeypatch.setenv("CIMLAB_USER", "tester")
    monkeypatch.delenv("CIMLAB_ALLOW_REVEAL", raising=False)
    return demo


@pytest.fixture
def resolved(demo_app: _Demo) -> _Demo:
    ws = Workspace.open(demo_app.ws)
    if identity.customer_map(ws).is_empty():  # when this test runs without the first one
        identity.resolve(ws, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    return demo_app


def _customers_app() -> AppTest:
    at = _app()
    at.switch_page("customers_page.py").run()
    assert not at.exception
    return at


@functools.cache
def _person(demo: _Demo) -> dict[str, str]:
    """A demo person whose phone is on 3+ of their customer records, all one customer, who
    bought in 2+ channels: name, phone (E.164), email and the expected customer id."""
    ws = Workspace.open(demo.ws)
    people = pl.read_csv(demo.files / "_truth" / "people.csv", infer_schema=False)
    truth = pl.read_csv(demo.files / "_truth" / "identities.csv", infer_schema=False)
    rows = ws.query("SELECT channel, source_customer_id, phone FROM customers")
    records = (
        truth.filter(pl.col("table") == "customers")
        .join(rows, on=["channel", "source_customer_id"])
        .join(people.select("person_id", "name", "email", true_phone="phone"), on="person_id")
        .filter(pl.col("phone") == pl.col("true_phone"))
        .join(identity.customer_map(ws), on=["channel", "source_customer_id"])
    )
    candidates = (
        records.group_by("person_id", "name", "email", "phone")
        .agg(pl.len().alias("n"), pl.col("customer_id").unique().alias("ids"))
        .filter((pl.col("n") >= 3) & (pl.col("ids").list.len() == 1))
        .sort("person_id")
    )
    for row in candidates.iter_rows(named=True):
        customer_id = row["ids"][0]
        if profile.customer_profile(ws, customer_id).metrics["n_channels"] >= 2:
            return {
                "name": row["name"],
                "phone": row["phone"],
                "email": row["email"] or "",
                "customer_id": customer_id,
            }
    raise AssertionError("the demo has no multi-channel person with a phone on 3 records")


def _rendered(at: AppTest) -> tuple[str, list[Any]]:
    """All text the page shows (titles, markdown, captions, alerts, metrics, options) and the
    dataframes it renders."""
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "success", "info", "warning",
                 "error", "text"):  # fmt: skip
        parts.extend(shown_text(str(e.value)) for e in getattr(at, kind))
    parts.extend(f"{label} {value}" for label, value in _metrics(at).items())
    for box in [*at.selectbox, *at.multiselect]:
        parts.extend(str(o) for o in box.options)
    return "\n".join(parts), [d.value for d in at.dataframe]


def _open(at: AppTest, customer_id: str) -> AppTest:
    at.text_input(key="cust_query").input(customer_id).run()
    assert at.selectbox(key="cust_pick").value == customer_id
    return at


def test_customers_page_resolves_searches_and_opens_the_360(demo_app: _Demo) -> None:
    at = _customers_app()
    assert at.title[0].value == "客户"
    assert t("cust.never_resolved", "zh") in _texts(at.info)
    assert not [b for b in at.text_input if b.key == "cust_query"]  # nothing to search yet

    at.button(key="cust_resolve").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    ws = Workspace.open(demo_app.ws)
    cmap = identity.customer_map(ws)
    records, customers = cmap.height, cmap["customer_id"].n_unique()
    assert 100 < customers < records  # records were linked, and not into one blob
    done = _texts(at.success)
    assert len(done) == 1 and done[0].startswith(
        f"识别完成：{records:,} 条记录 → {customers:,} 位客户。关联：相同手机号 "
    ), done
    metrics = _metrics(at)
    assert (metrics["来源记录"], metrics["客户数"]) == (f"{records:,}", f"{customers:,}")
    assert metrics["已屏蔽的标识"] == f"{identity.blocked_keys(ws).height:,}"
    assert metrics["待审核建议"] == "0"  # no fuzzy pass, no proposals

    # search by phone, typed the way a person says it: the library normalises it
    person = _person(demo_app)
    local = person["phone"].removeprefix("+86")
    masked = f"{local[:3]}****{local[-4:]}"
    at.text_input(key="cust_query").input(f"+86 {local[:3]} {local[3:7]} {local[7:]}").run()
    assert not at.exception and not at.error, _texts(at.error)
    assert at.selectbox(key="cust_pick").value == person["customer_id"]
    results = next(d.value for d in at.dataframe if "匹配项" in d.value.columns)
    first = results.iloc[0]
    assert (first["客户编号"], first["手机号"]) == (person["customer_id"], masked)
    assert "手机号" in first["匹配项"]

    # the 360 view
    view = profile.customer_profile(ws, person["customer_id"])
    assert any(person["customer_id"] in s.value for s in at.subheader)
    metrics = _metrics(at)
    assert metrics["订单数"] == f"{view.metrics['orders']:,}"
    assert metrics["首次购买"] == view.metrics["first_purchase"].strftime("%Y-%m-%d")
    assert metrics["购买渠道数"] == str(view.metrics["n_channels"])
    text, dataframes = _rendered(at)
    golden = next(d for d in dataframes if list(d.columns) == ["属性", "值", "来源"])
    assert dict(zip(golden["属性"], golden["值"], strict=True))["手机号"] == masked
    identities = next(d for d in dataframes if "出现于" in d.columns)
    assert len(identities) == view.identities.height >= 3
    why = next(d for d in dataframes if list(d.columns) == ["关联方式", "原因"])
    assert list(why["原因"]) == identity.explain(ws, person["customer_id"])["reason_zh"].to_list()
    assert masked in " ".join(why["原因"])
    # order times are shown in the business time zone (the demo's imports: Asia/Shanghai)
    orders = next(d for d in dataframes if "订单编号" in d.columns)
    newest = view.orders.sort("order_ts", descending=True)["order_ts"][0]
    local_time = newest.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert orders.iloc[0, 0] == f"{local_time:%Y-%m-%d %H:%M}"
    assert "时间为 Asia/Shanghai 时区" in text

    # no raw mobile number or e-mail anywhere on the page
    assert local not in text and not _MOBILE.search(text), _MOBILE.findall(text)
    for frame in dataframes:
        csv = frame.to_csv()
        assert local not in csv
        if person["email"]:
            assert person["email"] not in csv
        contact = [c for c in frame.columns if c in ("手机号", "邮箱", "值", "原因")]
        assert not _MOBILE.search(frame[contact].to_csv()) if contact else True

    # by name, and by the unified id
    at.text_input(key="cust_query").input(person["name"]).run()
    options = at.selectbox(key="cust_pick").options  # labels: id · masked name · masked phone
    assert any(
        o.startswith(f"{person['customer_id']} · {mask_name(person['name'])}") for o in options
    )
    assert len(person["name"]) < 2 or not [o for o in options if person["name"] in o]
    _open(at, person["customer_id"].lower().replace("c", "C", 1))

    # English: the explanations follow the language
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    why = next(d.value for d in at.dataframe if list(d.value.columns) == ["Linked by", "Reason"])
    assert list(why["Reason"]) == identity.explain(ws, person["customer_id"])["reason"].to_list()
    assert at.title[0].value == "Customers"


def test_customers_page_tags_and_consent(resolved: _Demo) -> None:
    ws = Workspace.open(resolved.ws)
    person = _person(resolved)
    cid = person["customer_id"]
    at = _open(_customers_app(), cid)

    at.text_input(key="cust_tag_text").input("高潜力，wholesale lead")
    at.button(key="cust_tag_add").click().run()
    assert not at.exception
    assert t("cust.tags_added", "zh", n=2, tags="高潜力, wholesale lead") in _texts(at.success)
    assert at.text_input(key="cust_tag_text").value == ""  # cleared for the next one
    events = tags.tag_history(ws, customer_ids=[cid])
    assert set(events["tag"]) == {"高潜力", "wholesale lead"}
    assert set(events["user_name"]) == {"tester"} and set(events["origin"]) == {"manual"}

    # a rule tag's name is refused with a message, nothing is written
    at.text_input(key="cust_tag_text").input("VIP")
    at.button(key="cust_tag_add").click().run()
    assert not at.exception
    assert any("rule tag" in e for e in _texts(at.error)), _texts(at.error)
    assert tags.tag_history(ws, customer_ids=[cid]).height == 2

    # rule tags refresh on demand and are marked as such
    at.date_input(key="cust_rule_as_of").set_value(dt.date(2026, 7, 1))
    at.button(key="cust_rules_go").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    table = next(d.value for d in at.dataframe if list(d.value.columns)[:2] == ["标签", "类型"])
    kinds = dict(zip(table["标签"], table["类型"], strict=True))
    assert kinds["多渠道"] == "规则标签" and kinds["高潜力"] == "人工"
    assert kinds["wholesale lead"] == "人工" and kinds["个人"] == "客户类型"

    at.text_input(key="cust_tag_text").input("wholesale lead")
    at.button(key="cust_tag_remove").click().run()
    assert t("cust.tags_removed", "zh", n=1, tags="wholesale lead") in _texts(at.success)
    current = tags.customer_tags(ws, customer_ids=[cid], include_type=False)
    # the manual tags left, plus the rule tags this person earns (multi-channel; VIP when they
    # are among the top 5 % by spend)
    left = set(current["tag"]) - {"vip", "lapsed"}
    assert left == {"高潜力", "multi_channel"}

    # consent: the change needs the confirmation, then shows in the state and the history
    at.selectbox(key="cust_consent_purpose").set_value("sms")
    at.radio(key="cust_consent_granted").set_value("out")
    at.text_input(key="cust_consent_note").input("来电要求不再接收短信")
    assert at.button(key="cust_consent_go").disabled
    at.checkbox(key="cust_consent_confirm").check().run()
    at.button(key="cust_consent_go").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    assert t("cust.consent_saved_out", "zh", purpose="短信") in _texts(at.success)
    assert at.checkbox(key="cust_consent_confirm").value is False
    state = next(d.value for d in at.dataframe if "许可状态" in d.value.columns)
    sms = state[state["用途"] == "短信"].iloc[0]
    assert (sms["许可状态"], sms["依据"]) == ("未同意", "人工")
    manual = consent.consent_history(ws, cid).filter(origin="manual")
    assert manual.select("purpose", "granted", "user_name", "note").rows() == [
        ("sms", False, "tester", "来电要求不再接收短信")
    ]
    current_sms = consent.current_consent(ws, customer_ids=[cid]).filter(purpose="sms")
    assert current_sms["granted"].to_list() == [False]


def test_customers_page_reveal_needs_the_setting(
    resolved: _Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.open(resolved.ws)
    person = _person(resolved)
    cid, local = person["customer_id"], person["phone"].removeprefix("+86")
    before = profile.reveal_log(ws).height

    at = _open(_customers_app(), cid)
    assert not [b for b in at.button if b.key == "cust_reveal_go"]
    assert shown_text(t("cust.reveal_off", "zh")) in _texts(at.caption)
    assert t("app.reveal_off", "zh") in _texts(at.sidebar.caption)

    monkeypatch.setenv("CIMLAB_ALLOW_REVEAL", "1")
    at = _open(_customers_app(), cid)
    assert t("app.reveal_on", "zh") in _texts(at.sidebar.caption)
    at.button(key="cust_reveal_go").click().run()  # no reason: refused, nothing logged
    assert t("cust.reveal_need_reason", "zh") in _texts(at.error)
    assert profile.reveal_log(ws).height == before
    text, frames = _rendered(at)
    assert local not in text + "".join(f.to_csv() for f in frames)

    at.text_input(key="cust_reveal_reason").input("客户来电 13900001111 核对配送")
    at.button(key="cust_reveal_go").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    assert t("cust.reveal_logged", "zh", user="tester") in _texts(at.success)
    shown = next(d.value for d in at.dataframe if list(d.value.columns) == ["字段", "值"])
    values = dict(zip(shown["字段"], shown["值"], strict=True))
    assert values["手机号"] == person["phone"] and values["姓名"] == person["name"]
    log = profile.reveal_log(ws, customer_id=cid).tail(1)
    assert log.select("user_name", "reason").row(0) == ("tester", "客户来电 139****1111 核对配送")
    assert "phone" in log["fields"][0]
    # another customer's view never carries the revealed values
    other = identity.customer_map(ws).filter(pl.col("customer_id") != cid)["customer_id"][0]
    _open(at, other)
    assert not any(list(d.value.columns) == ["字段", "值"] for d in at.dataframe)


def test_customers_page_merge_split_and_review(resolved: _Demo) -> None:
    ws = Workspace.open(resolved.ws)
    cmap = identity.customer_map(ws)
    sizes = cmap.group_by("customer_id").len().sort("customer_id")
    a, b = sizes.filter(pl.col("len") == 1)["customer_id"].head(2).to_list()
    record_b = cmap.filter(customer_id=b).select("channel", "source_customer_id").row(0)

    at = _open(_customers_app(), a)
    assert at.button(key="cust_merge_go").disabled  # until confirmed
    at.text_input(key="cust_merge_other").input(b.lower())
    at.checkbox(key="cust_merge_confirm").check().run()
    at.button(key="cust_merge_go").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    merged = identity.customer_map(ws).filter(pl.col("customer_id").is_in([a, b]))
    assert merged.height == 2 and merged["customer_id"].n_unique() == 1
    kept = merged["customer_id"][0]
    assert t("cust.merged", "zh", a=a, b=b, merged=kept) in _texts(at.success)
    assert at.selectbox(key="cust_pick").value == kept  # the merged customer is open
    assert set(merged["rule"]) == {"manual_merge"}

    # split b's record off again
    split_box = at.multiselect(key="cust_split_records")
    split_box.set_value([f"{record_b[0]}:{record_b[1]}"])
    at.checkbox(key="cust_split_confirm").check().run()
    at.button(key="cust_split_go").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    after = identity.customer_map(ws)
    part = after.filter(channel=record_b[0], source_customer_id=record_b[1])["customer_id"][0]
    assert part != kept and after.filter(customer_id=kept).height == 1
    assert any(part in s for s in _texts(at.success))

    # fuzzy proposals wait in the review queue until a person decides: a new Youzan member
    # with the name and city of a known customer but no phone or e-mail is only proposed
    person = _person(resolved)
    golden = profile.customer_profile(ws, person["customer_id"]).golden
    member = f"customer_id,name,city\nYZ0001,{golden['name']},{golden['city']}\n".encode()
    store_report(
        ws,
        check_bytes(member, name="youzan.csv", table="customers", channel="youzan"),
        user="test",
    )
    at.checkbox(key="cust_fuzzy").check()
    at.button(key="cust_resolve").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    queue = identity.review_queue(ws)
    assert _metrics(at)["待审核建议"] == str(queue.height)
    proposal = queue.filter(channel_b="youzan", source_customer_id_b="YZ0001").row(0, named=True)
    assert proposal["customer_id_a"] == person["customer_id"]
    assert any(proposal["review_id"] in o for o in at.selectbox(key="cust_review_pick").options)
    at.selectbox(key="cust_review_pick").set_value(proposal["review_id"])
    at.button(key="cust_review_accept").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    joined = identity.customer_map(ws).filter(channel="youzan", source_customer_id="YZ0001")
    assert joined["customer_id"].to_list() == [person["customer_id"]]
    assert proposal["review_id"] not in identity.review_queue(ws)["review_id"].to_list()
    assert t(
        "cust.review_accepted", "zh", review=proposal["review_id"], customers=person["customer_id"]
    ) in _texts(at.success)


def test_customers_page_without_data(workspace: Path) -> None:
    at = _customers_app()
    assert t("cust.no_data", "zh") in _texts(at.info)
    assert not at.button and not at.error


# ---------------------------------------------------------------------------- business time zone


def _zone_box(at: AppTest) -> Any:
    boxes = [s for s in at.sidebar.selectbox if s.label == t("app.time_zone", "zh")]
    assert len(boxes) == 1, [s.label for s in at.sidebar.selectbox]
    return boxes[0]


def test_sidebar_sets_the_business_time_zone_and_pages_follow_it(workspace: Path) -> None:
    ws = Workspace.open(workspace)
    # 07:30 on 1 January in Shanghai (the import default) is 23:30 UTC on 31 December
    orders = "order_id,customer_id,order_date,amount,currency,status\nA1,c1,2024-01-01 07:30,10,CNY,paid\n"
    store_report(ws, check_bytes(orders.encode(), name="o.csv", table="orders", channel="shop"))
    identity.resolve(ws, at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC))
    at = _app()
    at.switch_page("overview_page.py").run()
    assert not at.exception
    box = _zone_box(at)
    assert box.value == "" and box.format_func(box.value) == "自动：Asia/Shanghai"
    assert at.date_input[0].value == dt.date(2024, 1, 1)
    assert "Asia/Shanghai" in shown_text(at.date_input[0].help or "")

    _zone_box(at).select("UTC").run()
    assert not at.exception
    assert _zone_box(at).value == "UTC"
    from cimlab.settings import business_time_zone, time_zone_choice

    assert time_zone_choice(ws).source == "setting" and business_time_zone(ws) == "UTC"
    # a new session (the analysis date is remembered per session) starts on the UTC day
    fresh = _app()
    fresh.switch_page("overview_page.py").run()
    assert fresh.date_input[0].value == dt.date(2023, 12, 31)

    _zone_box(fresh).select("").run()
    assert not fresh.exception
    assert time_zone_choice(ws).source == "imports"


def test_analytics_pages_warn_about_records_imported_since_resolution(workspace: Path) -> None:
    ws = Workspace.open(workspace)
    header = "order_id,customer_id,order_date,amount,currency,status\n"
    first = header + "A1,c1,2026-01-10 10:00,100,CNY,paid\n"
    store_report(ws, check_bytes(first.encode(), name="a.csv", table="orders", channel="shop"))
    identity.resolve(ws, at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    later = header + "B1,c2,2026-02-10 10:00,50,CNY,paid\nB2,c3,2026-02-11 10:00,70,CNY,paid\n"
    store_report(ws, check_bytes(later.encode(), name="b.csv", table="orders", channel="shop"))

    at = _app()
    at.switch_page("customers_page.py").run()
    assert t("cust.unlinked", "zh", n="2") in _texts(at.warning)
    at.switch_page("overview_page.py").run()
    assert not at.exception
    assert _texts(at.warning) == [t("ana.unlinked", "zh", n="2")]
    assert _metrics(at)[t("kpi.customers", "zh")] == "1"  # the new buyers are not counted yet

    at.button(key="ana_resolve_again").click().run()
    assert not at.exception and not at.error, _texts(at.error)
    assert not at.warning
    assert _texts(at.success) == [t("ana.resolved_again", "zh", customers=3)]
    assert _metrics(at)[t("kpi.customers", "zh")] == "3"
    assert identity.unlinked_records(ws) == 0


def test_sidebar_saves_the_trusted_sources_in_the_order_picked(workspace: Path) -> None:
    from cimlab.settings import source_priority

    ws = Workspace.open(workspace)
    for channel in ("online_shop", "offline_store"):
        rows = f"customer_id,name\n{channel[:2]}1,Ann\n".encode()
        store_report(
            ws, check_bytes(rows, name=f"{channel}.csv", table="customers", channel=channel)
        )
    at = _app()
    [box] = [m for m in at.sidebar.multiselect if m.label == t("app.source_priority", "zh")]
    assert box.value == [] and box.options == [
        channel_label(c, "zh") for c in ("offline_store", "online_shop")
    ]
    box.select("online_shop").run()
    [box] = [m for m in at.sidebar.multiselect if m.label == t("app.source_priority", "zh")]
    box.select("offline_store").run()
    assert not at.exception
    assert source_priority(ws) == ("online_shop", "offline_store")
    [box] = [m for m in at.sidebar.multiselect if m.label == t("app.source_priority", "zh")]
    box.unselect("online_shop").unselect("offline_store").run()
    assert source_priority(ws) is None
