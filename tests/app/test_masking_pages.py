"""Personal data on the app's pages: names, phones and e-mails are masked in every list the app
shows (search results, review queue, 360 view, previews, households...), as in the import preview;
the CLI keeps masking; and uploads leave nothing behind (Streamlit's buffer, our memoised reads,
temporary export folders).

The walk collects the demo's clear values from the workspace itself and looks for each in every
rendered dataframe and text of every page."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.testing.v1 import AppTest

from cimlab import identity
from cimlab.cli import main
from cimlab.privacy import mask_name
from cimlab.workspace import Workspace
from tests.app.markdown_checks import shown_text

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
PAGES = sorted(p.name for p in (ROOT / "apps").glob("*_page.py"))
TIMEOUT = 300
NOT_PERSONAL = ("product_name", "category", "store", "city", "region", "country", "company")


@pytest.fixture(scope="module")
def mask_ws(demo_ws: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo workspace, resolved with the fuzzy pass (a review queue to show)."""
    from cimlab.customers.golden import golden_records
    from cimlab.ingest.importer import check_bytes, store_report

    target = tmp_path_factory.mktemp("masking") / "ws"
    shutil.copytree(demo_ws, target, ignore=shutil.ignore_patterns(".cimlab.lock"))
    ws = Workspace.open(target)
    # a new member with the name and city of a known customer, no phone or e-mail: proposed
    known = golden_records(ws).filter(
        pl.col("name").str.len_chars().gt(1)
        & ~pl.col("name").str.contains("*", literal=True)
        & pl.col("city").is_not_null()
    )
    golden = known.sort("customer_id").row(0, named=True)
    member = f"customer_id,name,city\nYZ0001,{golden['name']},{golden['city']}\n".encode()
    check = check_bytes(member, name="youzan.csv", table="customers", channel="youzan")
    store_report(ws, check, user="test")
    identity.resolve(ws, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC), fuzzy=True)
    return target


@pytest.fixture
def app_ws(mask_ws: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(mask_ws))
    monkeypatch.setenv("CIMLAB_USER", "tester")
    monkeypatch.delenv("CIMLAB_ALLOW_REVEAL", raising=False)
    return mask_ws


def clear_values(ws: Workspace) -> dict[str, set[str]]:
    """The demo's names, phones (the digits a person types) and e-mails, as stored, unmasked.

    Names of one character, or equal to a value of a column that holds no personal data (a
    city, a product), could be found on a page for another reason and are left out."""
    customers = ws.query(
        "SELECT name, phone, email FROM customers WHERE NOT name_is_masked OR name IS NULL"
    )
    orders = ws.query(
        "SELECT customer_name AS name, phone, email FROM orders WHERE NOT name_is_masked"
    )
    people = pl.concat([customers, orders], how="vertical")
    other = set()
    for column in NOT_PERSONAL:
        for table in ("customers", "orders"):
            if column in ws.table(table).columns:
                other |= set(ws.query(f"SELECT DISTINCT {column} FROM {table}")[column].to_list())
    names = {n for n in people["name"].drop_nulls().to_list() if len(n) > 1 and "*" not in n}
    phones = {
        re.sub(r"^\+86", "", p) for p in people["phone"].drop_nulls().to_list() if "*" not in p
    }
    emails = set(people["email"].drop_nulls().to_list())
    return {"name": names - other, "phone": phones, "email": emails}


def rendered(at: AppTest) -> str:
    """Everything the page shows: text elements, metrics, options, dataframes (as CSV)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "success", "info",
                 "warning", "error", "text", "code", "expander", "tabs"):  # fmt: skip
        for element in getattr(at, kind):
            value = getattr(element, "value", None) or getattr(element, "label", "")
            parts.append(shown_text(str(value)))
    for metric in at.metric:
        parts.append(f"{shown_text(metric.label)} {shown_text(str(metric.value))}")
    for box in [*at.selectbox, *at.multiselect, *at.radio]:
        parts.extend(str(o) for o in box.options)
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for table in at.table:
        parts.append(table.value.to_csv())
    return "\n".join(parts)


def leaks(text: str, values: dict[str, set[str]]) -> dict[str, list[str]]:
    digits = re.sub(r"[\s\-]", "", text)
    found = {
        "name": sorted(v for v in values["name"] if v in text),
        "phone": sorted(v for v in values["phone"] if v in digits),
        "email": sorted(v for v in values["email"] if v in text or v.lower() in text.lower()),
    }
    return {k: v[:5] for k, v in found.items() if v}


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _open(page: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    at.run().switch_page(page).run()
    _ok(at)
    return at


def _named_customer(ws: Workspace) -> tuple[str, str]:
    """A customer with a clear name of 2+ characters in the golden record, and that name."""
    from cimlab.customers.golden import golden_records

    golden = golden_records(ws).filter(
        pl.col("name").str.len_chars().gt(1) & ~pl.col("name").str.contains("*", literal=True)
    )
    row = golden.sort("customer_id").row(0, named=True)
    return row["customer_id"], row["name"]


def test_no_clear_name_phone_or_email_on_any_page(app_ws: Path) -> None:
    ws = Workspace.open(app_ws, create=False)
    values = clear_values(ws)
    assert len(values["name"]) > 100 and len(values["phone"]) > 100 and values["email"]
    assert identity.review_queue(ws).height > 0  # the queue shows both sides' names
    seen: dict[str, str] = {}
    for page in PAGES:
        at = _open(page)
        seen[page] = rendered(at)
        if page == "customers_page.py":
            customer_id, name = _named_customer(ws)
            # a name search lists customers (masked), then the 360 view of one of them
            at.text_input(key="cust_query").input(name).run()
            _ok(at)
            assert at.selectbox(key="cust_pick").value == customer_id
            seen["customers: search and 360"] = text = rendered(at)
            assert mask_name(name) in text  # the masked form is shown instead
            assert t_review(at)  # the review queue was drawn, with its names
            at.radio(key="lang").set_value("en").run()
            _ok(at)
            seen["customers: 360 in English"] = rendered(at)
        if page == "campaigns_page.py":
            at.selectbox(key="cmp_ready_zh").set_value("segment:champions").run()
            _ok(at)
            seen["campaigns: preview"] = rendered(at)
    found = {page: hits for page, text in seen.items() if (hits := leaks(text, values))}
    assert not found, found
    # the walk did see customer data, masked: a masked phone and a masked name on the 360 view
    assert re.search(r"1[3-9][0-9]\*{4}[0-9]{4}", seen["customers: search and 360"])


def t_review(at: AppTest) -> bool:
    return any("name" in str(c).lower() or "姓名" in str(c) for d in at.dataframe
               for c in d.value.columns)  # fmt: skip


def test_the_import_preview_of_a_demo_export_is_masked(
    app_ws: Path, demo_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = demo_ws.parent / "files"
    ws = Workspace.open(app_ws, create=False)
    values = clear_values(ws)
    at = _open("import_page.py")
    for path in sorted(files.glob("*customers*.csv"))[:2]:
        at.file_uploader(key="imp_files").set_value([(path.name, path.read_bytes(), "text/csv")])
        at.run()
        _ok(at)
        assert not leaks(rendered(at), values), path.name


def test_the_cli_search_and_show_keep_masking(
    app_ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace.open(app_ws, create=False)
    values = clear_values(ws)
    customer_id, name = _named_customer(ws)
    assert main(["customers", "search", name, "--workspace", str(app_ws), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found.pop("query") == name  # what was typed is echoed; what is stored is masked
    out = json.dumps(found, ensure_ascii=False)
    assert customer_id in out and not leaks(out, values), leaks(out, values)
    assert found["results"][0]["display_name"] == mask_name(name)
    assert main(["customers", "search", name, "--workspace", str(app_ws)]) == 0
    assert not leaks(capsys.readouterr().out, values)
    for extra in ([], ["--json"]):
        assert main(["customers", "show", customer_id, "--workspace", str(app_ws), *extra]) == 0
        out = capsys.readouterr().out
        assert mask_name(name) in out and not leaks(out, values), leaks(out, values)


# ----------------------------------------------------------------------------- uploads


def _session_objects(value: Any, depth: int = 0) -> list[Any]:
    """Every object reachable from a session value through dicts, lists, sets and tuples."""
    found = [value]
    if depth < 6 and isinstance(value, dict):
        for item in [*value.keys(), *value.values()]:
            found += _session_objects(item, depth + 1)
    elif depth < 6 and isinstance(value, list | tuple | set | frozenset):
        for item in value:
            found += _session_objects(item, depth + 1)
    return found


def test_an_import_leaves_no_upload_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cimlab.ingest.importer import ImportReport
    from cimlab.ingest.reading import RawTable

    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # our temp files would land here
    removed: list[str] = []
    original = MemoryUploadedFileManager.remove_file

    def spy(self: MemoryUploadedFileManager, session_id: str, file_id: str) -> None:
        removed.append(file_id)
        original(self, session_id, file_id)

    monkeypatch.setattr(MemoryUploadedFileManager, "remove_file", spy)
    text = "customer_id,name,phone,email,sms_opt_in\n001,林小明,13800138000,lin@x.com,yes\n"
    at = _open("import_page.py", "en")
    at.file_uploader(key="imp_files").set_value(("shop_customers.csv", text.encode(), "text/csv"))
    at.run()
    _ok(at)
    file_id = at.file_uploader(key="imp_files").value[0].file_id
    held = [o for v in at.session_state.values() for o in _session_objects(v)]
    assert any(isinstance(o, RawTable | ImportReport) for o in held)  # read, checked: held
    channel = next(s for s in at.selectbox if (s.key or "").endswith("_channel"))
    channel.set_value("online_shop").run()
    next(b for b in at.button if (b.key or "").endswith("_import")).click().run()
    _ok(at)
    assert Workspace.open(tmp_path / "ws").counts()["rows"].to_list() == [1]
    assert any("1" in shown_text(s.value) for s in at.success)  # the outcome is still said
    # Streamlit's copy of the bytes is gone, the uploader is a fresh (empty) one
    assert file_id in removed
    assert [(u.key, u.value) for u in at.file_uploader] == [("imp_files_1", [])]
    # and the session holds nothing read from the file: no bytes, no table, no report
    held = [o for v in at.session_state.values() for o in _session_objects(v)]
    assert not [o for o in held if isinstance(o, bytes | io.BytesIO | RawTable | ImportReport)]
    assert not [o for o in held if isinstance(o, str) and "13800138000" in o]
    assert not list(scratch.iterdir())  # no temporary file of ours remains


def test_undo_and_leaving_the_page_release_uploads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cimlab.ingest.reading import RawTable

    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    removed: list[str] = []
    original = MemoryUploadedFileManager.remove_file

    def spy(self: MemoryUploadedFileManager, session_id: str, file_id: str) -> None:
        removed.append(file_id)
        original(self, session_id, file_id)

    monkeypatch.setattr(MemoryUploadedFileManager, "remove_file", spy)
    from cimlab.ingest.importer import check_bytes, store_report

    text = "customer_id,name,phone\n001,林小明,13800138000\n"
    store_report(
        Workspace.open(tmp_path / "ws"),
        check_bytes(text.encode(), name="a.csv", table="customers", channel="shop"),
    )
    at = _open("import_page.py", "en")

    def upload(name: str) -> str:
        uploader = at.file_uploader[0]
        uploader.set_value((name, text.encode(), "text/csv")).run()
        _ok(at)
        held = [o for v in at.session_state.values() for o in _session_objects(v)]
        assert [o for o in held if isinstance(o, RawTable)]
        return at.file_uploader[0].value[0].file_id

    def nothing_held() -> bool:
        held = [o for v in at.session_state.values() for o in _session_objects(v)]
        return not [o for o in held if isinstance(o, RawTable | io.BytesIO)]

    first = upload("b.csv")  # waiting to be imported when an import is undone
    at.checkbox(key="imp_undo_confirm").check().run()
    at.button(key="imp_undo_go").click().run()
    _ok(at)
    assert Workspace.open(tmp_path / "ws").counts()["rows"].sum() == 0
    assert first in removed and nothing_held()
    assert [(u.key, u.value) for u in at.file_uploader] == [("imp_files_1", [])]

    second = upload("c.csv")
    at.switch_page("overview_page.py").run()  # leaving the page
    _ok(at)
    assert second in removed and nothing_held()


def test_the_campaign_export_folder_is_gone_once_the_download_is_built(
    app_ws: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, downloads: list[dict[str, Any]]
) -> None:
    import cimlab.act.campaigns as campaigns

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    written: list[Path] = []
    original = campaigns.export_audience

    def spy(*args: Any, **kwargs: Any) -> Any:
        written.append(Path(kwargs["out"]))
        result = original(*args, **kwargs)
        assert Path(kwargs["out"]).is_file()  # the file is there while the download is built
        return result

    monkeypatch.setattr(campaigns, "export_audience", spy)
    at = _open("campaigns_page.py", "en")
    at.selectbox(key="cmp_ready_en").set_value("segment:champions").run()
    at.button(key="cmp_export_button").click().run()
    _ok(at)
    [call] = [d for d in downloads if d.get("key") == "cmp_export_download"][-1:]
    assert call["data"]
    assert written and written[0].parent.parent == scratch  # a folder in the temp dir...
    assert not written[0].parent.exists() and not list(scratch.iterdir())  # ...gone now
