"""Every download of the app gets its bytes from :mod:`cimlab.export`: formula payloads in the
data never reach a spreadsheet live (CSV parsed back, BOM first).

:func:`test_the_walk_knows_every_download` reads the pages' source: a new
``st.download_button`` that this file does not run fails it. Also: the app's text scrubber is
the library's one scrubber.
"""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from cimlab.privacy import scrub_text
from tests.payloads import PAYLOADS, build_attacked_workspace, live_formula

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 60

# (page file, the source of the button's ``key``) → the test that runs it
DOWNLOADS = {
    ("import_page.py", "f'{key}_download'"): "test_import_page_quarantine_download",
    ("import_page.py", "f'{key}_mapping_yaml'"): "test_import_page_mapping_download",
    ("segments_page.py", "'seg_download'"): "test_segments_page_members_download",
    ("value_page.py", "key"): "test_value_page_downloads",
    ("campaigns_page.py", "'cmp_id_template'"): "test_campaigns_page_downloads",
    ("campaigns_page.py", "'cmp_export_download'"): "test_campaigns_page_downloads",
    ("campaigns_page.py", "'cmp_suppression_template'"): "test_campaigns_page_downloads",
}


def _download_calls() -> set[tuple[str, str]]:
    found = set()
    for page in sorted((ROOT / "apps").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "download_button")
                or (isinstance(node.func, ast.Name) and node.func.id == "download_button")
            ):
                key = next((ast.unparse(k.value) for k in node.keywords if k.arg == "key"), "")
                found.add((page.name, key))
    return found


def test_the_walk_knows_every_download() -> None:
    found = _download_calls()
    unknown = found - set(DOWNLOADS)
    assert not unknown, (
        f"new download button(s) {sorted(unknown)}: give them bytes from cimlab.export "
        f"(table_bytes) and add them to {__file__}"
    )
    assert found == set(DOWNLOADS)
    assert all(name in globals() for name in DOWNLOADS.values())


def _cells(data: Any) -> list[str]:
    assert isinstance(data, bytes)
    assert data.startswith("\ufeff".encode())  # BOM: Excel reads UTF-8
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [c for row in rows for c in row]


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


# A Tmall export whose buyer-chosen nicknames, names and an extra header carry payloads; the
# last row's date does not exist, so it is quarantined as written.
_TMALL_HEADER = (
    "订单编号,买家会员名,买家实付金额,订单状态,收货人姓名,联系手机,订单创建时间,@SUM(A1)\n"
)


def _tmall_payload_csv() -> bytes:
    rows = [
        ["4012345678901234567", PAYLOADS[0], "99", "交易成功", PAYLOADS[1], "13800138000",
         "2024-01-05 08:26", PAYLOADS[2]],
        ["4012345678901234568", PAYLOADS[3], "15", "交易成功", PAYLOADS[4], "13700137000",
         "2024-02-30 10:00", PAYLOADS[5]],
        ["4012345678901234569", PAYLOADS[6], "20", "交易成功", PAYLOADS[7], "13600136000",
         "not a date", PAYLOADS[0]],
    ]  # fmt: skip
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return (_TMALL_HEADER + out.getvalue()).encode("utf-8")


def test_import_page_quarantine_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, downloads: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    upload = ("tmall.csv", _tmall_payload_csv(), "text/csv")
    at.file_uploader(key="imp_files").set_value(upload).run()
    _no_errors(at)
    calls = [d for d in downloads if str(d.get("key", "")).endswith("_download")]
    assert calls, [d.get("key") for d in downloads]
    cells = _cells(calls[-1]["data"])
    assert not [c for c in cells if live_formula(c)], cells
    assert "'@SUM(A1)" in cells  # the header, escaped
    assert "'" + PAYLOADS[3] in cells  # a nickname of a quarantined row, escaped


def test_import_page_mapping_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, downloads: list[dict[str, Any]]
) -> None:
    """The mapping YAML is no spreadsheet: its bytes are the mapping (cimlab's own YAML text),
    read back by ``--mapping FILE.yaml`` exactly, payload headers and all."""
    from cimlab.ingest.mapping import load_mapping_file
    from cimlab.ingest.saved_mappings import mapping_yaml

    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.file_uploader(key="imp_files").set_value(
        ("tmall.csv", _tmall_payload_csv(), "text/csv")
    ).run()
    _no_errors(at)
    (call,) = [d for d in downloads if str(d.get("key", "")).endswith("_mapping_yaml")][-1:]
    assert call["file_name"] == "tmall_mapping.yaml"
    path = tmp_path / "m.yaml"
    path.write_bytes(call["data"])
    mapping = load_mapping_file(path)
    assert mapping_yaml(mapping).encode("utf-8") == call["data"]
    assert mapping.columns["order_id"] == "订单编号" and mapping.channel == "tmall"


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws, _ = build_attacked_workspace(tmp_path_factory.mktemp("attack_app") / "ws")
    return ws


def test_segments_page_members_download(
    attacked: Path, monkeypatch: pytest.MonkeyPatch, downloads: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(attacked))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("segments_page.py").run()
    _no_errors(at)
    calls = [d for d in downloads if d.get("key") == "seg_download"]
    assert calls, [d.get("key") for d in downloads]
    cells = _cells(calls[-1]["data"])
    assert "customer_id" in cells and len(cells) > 10
    assert not [c for c in cells if live_formula(c)], cells


def test_value_page_downloads(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    downloads: list[dict[str, Any]],
) -> None:
    """The Value & risk page's CLV and churn-band lists, on the attacked workspace with 300
    payload-id buyers (enough for the models): ids and figures only, every cell inert."""
    import datetime as dt

    from cimlab.identity import resolve
    from cimlab.ingest.importer import check_bytes, store_report
    from cimlab.workspace import Workspace
    from tests.payloads import buyer_orders

    ws, _ = build_attacked_workspace(tmp_path_factory.mktemp("attack_value") / "ws")
    workspace = Workspace.open(ws)
    store_report(
        workspace, check_bytes(buyer_orders(), name="b.csv", table="orders", channel="shop")
    )
    resolve(workspace, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(ws))
    at = AppTest.from_file(APP, default_timeout=600).run()
    at.switch_page("value_page.py").run()
    _no_errors(at)
    keys = {d.get("key") for d in downloads}
    assert {"val_clv_download", "val_churn_download"} <= keys, keys
    for call in downloads:
        if call.get("key") in ("val_clv_download", "val_churn_download"):
            cells = _cells(call["data"])
            assert "customer_id" in cells and len(cells) > 100
            assert not [c for c in cells if live_formula(c)]
            assert not any(p in cells for p in PAYLOADS)


def test_campaigns_page_downloads(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    downloads: list[dict[str, Any]],
) -> None:
    """The Campaigns page's id-list template and a people's CSV export of the attacked
    workspace whose customers agreed to e-mail and SMS and carry formula payloads as names and
    cities: every cell inert, the payloads written escaped."""
    import datetime as dt

    from cimlab.identity import resolve
    from cimlab.ingest.importer import check_bytes, store_report
    from cimlab.workspace import Workspace
    from tests.payloads import customer_ids

    ws, _ = build_attacked_workspace(tmp_path_factory.mktemp("attack_campaign") / "ws")
    workspace = Workspace.open(ws)
    ids = customer_ids()
    rows = ["customer_id,name,city,email,phone,consent_email,consent_sms,consent_phone"]
    for i in range(len(ids)):
        name = PAYLOADS[i % len(PAYLOADS)].replace('"', '""')
        rows.append(f'"{ids[i]}","{name}","{name}",p{i}@example.com,1380013{i:04d},yes,yes,yes')
    crm = ("\n".join(rows) + "\n").encode()
    store_report(workspace, check_bytes(crm, name="crm.csv", table="customers", channel="crm"))
    resolve(workspace, at=dt.datetime(2026, 7, 2, tzinfo=dt.UTC))
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(ws))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.radio(key="lang").set_value("en").run()
    at.switch_page("campaigns_page.py").run()
    _no_errors(at)
    at.radio(key="cmp_source_en").set_value("build").run()  # the builder has the template
    at.radio(key="cmp_source_en").set_value("ready").run()
    at.selectbox(key="cmp_profile_en").set_value("csv").run()
    at.select_slider(key="cmp_control").set_value(0)
    at.button(key="cmp_export_button").click().run()
    _no_errors(at)
    keys = {d.get("key") for d in downloads}
    assert {"cmp_id_template", "cmp_export_download"} <= keys, keys
    template = [d for d in downloads if d.get("key") == "cmp_id_template"][-1]
    assert _cells(template["data"]) == ["customer_id"]
    listing = [d for d in downloads if d.get("key") == "cmp_suppression_template"][-1]
    assert _cells(listing["data"]) == ["customer_id", "phone", "email"]
    export = [d for d in downloads if d.get("key") == "cmp_export_download"][-1]
    cells = _cells(export["data"])
    assert "p0@example.com" in cells and len(cells) > 10 * len(PAYLOADS)
    assert not [c for c in cells if live_formula(c)], cells
    assert any(c.startswith("'") and c[1:] in PAYLOADS for c in cells)


def test_the_app_scrubber_is_the_one_scrubber(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "apps"))
    import _common

    texts = [
        "call +1 415 555 2671 or (139)12345678",
        "ID 11010519491231002X, mail alice@@example.com",
        "１３９１２３４５６７８ / 010-88886666",
        "duplicate of order 9100000000000000001",
        None,
    ]
    frame = pl.DataFrame({"x": texts}, schema={"x": pl.String})
    out = frame.select(_common.scrub_text(pl.col("x")))["x"].to_list()
    assert out == [None if t is None else scrub_text(t) for t in texts]
    assert out[0] == "call +1 ****2671 or 139****5678"
