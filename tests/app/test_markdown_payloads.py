"""Values that are Markdown show as text on every page (AppTest).

Files, headers, sheets, customer names, products, tags, notes, feedback, search text and the
workspace folder carry Markdown payloads: an image that would load from evil.example, a
``javascript:`` link, raw HTML, a ``:red[...]`` directive, a heading, ``$...$`` maths. Every
page is opened and every Markdown source it sends to the browser (text, labels, tooltips,
metrics, tabs, radio options; :func:`markdown_checks.markdown_sources`) is checked: nothing in it
would render as markup (:func:`markdown_checks.markup_leaks`), and the payloads read as written
where the page shows them (:func:`markdown_checks.shown_text`). Places that show text as is
(selectbox options, dataframes) carry the values unescaped.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from cimlab.i18n import t
from cimlab.privacy import mask_name
from tests.app.markdown_checks import (
    DIRECTIVE,
    FILE,
    HEADING,
    HTML,
    IMAGE_NAME,
    LINK,
    MATHS,
    PAYLOADS,
    build_payload_workspace,
    markdown_sources,
    markup_leaks,
    shown_text,
)

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 60


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT).run()


def _shown(at: AppTest) -> list[str]:
    """The text of every Markdown source of the page, after checking that none of them would
    render markup."""
    assert not at.exception, [e.value for e in at.exception]
    sources = markdown_sources(at)
    leaks = [(place, source, markup_leaks(source)) for place, source in sources]
    assert [leak for leak in leaks if leak[2]] == []
    return [shown_text(source) for _, source in sources]


def _raw(at: AppTest) -> str:
    """Selectbox and multiselect options, and dataframe cells and headers: shown as is."""
    parts = [str(o) for box in [*at.selectbox, *at.multiselect] for o in box.options]
    for frame in at.dataframe:
        parts.extend(map(str, frame.value.columns))
        parts.append(frame.value.to_csv())
    return "\n".join(parts)


# ----------------------------------------------------------------------------- Import page


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ws"
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(path))
    return path


def _workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None
    first.title = HEADING
    first.append(["customer_id", "name"])
    first.append(["001", "Ann"])
    maths = book.create_sheet(MATHS)
    maths.append(["customer_id"])
    hidden = book.create_sheet("<img src=x onerror=alert(1)>")  # Excel forbids / : [ ] in names
    hidden.sheet_state = "hidden"
    hidden.append(["x"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_page_shows_file_names_headers_and_sheets_as_text(workspace: Path) -> None:
    header = ",".join(["customer_id", "name", *PAYLOADS])
    data = f"{header}\n001,Ann,a,b,c,d,e\n002,Bo,a,b,c,d,e\n".encode()
    junk = "![j](https://evil.example/j.png) junk.csv"
    at = _app()
    at.file_uploader(key="imp_files").set_value(
        [
            (FILE, data, "text/csv"),
            (junk, bytes(range(256)) * 40, "text/csv"),
            (f"{HEADING} members.xlsx", _workbook(), "application/octet-stream"),
        ]
    ).run()
    shown = _shown(at)
    for name in (FILE, junk, f"{HEADING} members.xlsx"):
        assert t("imp.file_header", "zh", file=name) in shown, shown
    # the junk file's error quotes its name (cimlab keeps what follows the last "/"), as text
    assert t("imp.err_binary", "zh", file="j.png) junk.csv", where="") in shown, shown
    # hidden sheet names in a caption; every sheet name as is in the sheet choice
    assert t("imp.sheets_hidden_note", "zh", names="<img src=x onerror=alert(1)>") in shown
    sheets = next(s for s in at.selectbox if (s.key or "").endswith("_sheet"))
    assert sheets.options == [HEADING, MATHS, "<img src=x onerror=alert(1)>（隐藏）"]

    # the payload headers: unmapped, listed as text
    # (the first file's widgets come first)
    next(s for s in at.selectbox if (s.key or "").endswith("_channel")).set_value("online_shop")
    at.run()
    shown = _shown(at)
    assert t("imp.unmapped", "zh", columns=", ".join(PAYLOADS)) in shown, shown
    next(b for b in at.button if (b.key or "").endswith("_import")).click().run()
    shown = _shown(at)
    assert any(text.startswith("已导入，批次 1") for text in shown)
    # history and undo: the file name (cimlab keeps what follows the last "/") as is, no
    # backslashes, where text is shown as is
    stored = FILE.rsplit("/", 1)[-1]
    raw = _raw(at)
    assert stored in raw and "\\)" not in raw
    undo = at.selectbox(key="imp_undo_batch")
    assert undo.options == [t("imp.undo_option", "zh", batch=1, file=stored, rows=2)]


# ----------------------------------------------------------------------------- every page


@pytest.fixture(scope="module")
def payload_ws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """:func:`markdown_checks.build_payload_workspace`, once for the module."""
    return build_payload_workspace(tmp_path_factory.mktemp("payloads"))


@pytest.fixture
def payload_app(payload_ws: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> str:
    path, customer_id = payload_ws
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(path))
    monkeypatch.setenv("CIMLAB_USER", LINK)
    monkeypatch.delenv("CIMLAB_ALLOW_REVEAL", raising=False)
    return customer_id


PAGES = (
    "import_page.py",
    "overview_page.py",
    "segments_page.py",
    "channels_page.py",
    "satisfaction_page.py",
    "products_page.py",
    "campaigns_page.py",
)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_shows_payload_data_as_text(payload_app: str, page: str, lang: str) -> None:
    at = _app()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    at.switch_page(page).run()
    shown = _shown(at)
    assert not [e for e in shown if e.startswith(t("error.prefix", lang, message=""))], shown
    if page == "import_page.py":
        assert FILE.rsplit("/", 1)[-1] in _raw(at)  # the history, as is
    if page == "products_page.py":  # product names: in the choice of items, as is
        at.radio(key=f"prod_item_{lang}").set_value("product_name").run()
        _shown(at)
        assert {LINK, HTML} <= set(at.selectbox(key="prod_also_item").options)


def test_sidebar_and_overview_show_the_workspace_folder_as_text(
    payload_app: str, payload_ws: tuple[Path, str]
) -> None:
    path = str(payload_ws[0])
    assert path.endswith("![w](https:/evil.example/w.png) ws")
    at = _app()
    at.switch_page("overview_page.py").run()
    shown = _shown(at)
    assert t("ov.workspace", "zh", path=path) in shown, shown
    assert f"{t('app.workspace', 'zh')}: {path}" in shown, shown


def _customer(at: AppTest, query: str) -> AppTest:
    at.switch_page("customers_page.py").run()
    at.text_input(key="cust_query").input(query).run()
    return at


def test_customers_page_shows_names_tags_and_notes_as_text(payload_app: str) -> None:
    customer_id = payload_app
    at = _customer(_app(), customer_id)
    shown = _shown(at)
    # the name is masked (its first character and two stars), and that is data too
    name = mask_name(IMAGE_NAME)
    header = t("cust.view_header", "zh", customer=customer_id, name=name)
    assert header in shown, shown
    raw = _raw(at)  # search results, golden record, orders, feedback, notes, tags: as is
    for value in (IMAGE_NAME, LINK, HTML, DIRECTIVE, HEADING):  # (a note holds IMAGE_NAME)
        assert value in raw, value
    assert any(
        o.startswith(f"{customer_id} · {name}") for o in at.selectbox(key="cust_pick").options
    )

    # tags typed in the page: echoed as text
    at.text_input(key="cust_tag_text").input(f"{MATHS}，{LINK}")
    at.button(key="cust_tag_add").click().run()
    shown = _shown(at)
    assert t("cust.tags_added", "zh", n=2, tags=f"{MATHS}, {LINK}") in shown, shown

    # search text echoed back when nothing matches
    nobody = "![q](https://evil.example/q.png) nobody"
    at.text_input(key="cust_query").input(nobody).run()
    shown = _shown(at)
    assert t("cust.no_results", "zh", text=nobody) in shown, shown

    # English: the same, in the other language's texts
    at = _customer(_app(), customer_id)
    at.radio(key="lang").set_value("en").run()
    assert t("cust.view_header", "en", customer=customer_id, name=name) in _shown(at)


def test_a_markdown_name_would_be_caught(payload_app: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page check fails where a value is not escaped (here: md_text switched off)."""
    import sys

    at = _customer(_app(), payload_app)
    _shown(at)
    common: Any = sys.modules["_common"]
    monkeypatch.setattr(common, "md_text", lambda value: common.Markdown(str(value)))
    at.text_input(key="cust_tag_text").input(IMAGE_NAME)  # echoed in the outcome
    at.button(key="cust_tag_add").click().run()
    with pytest.raises(AssertionError, match="image"):
        _shown(at)
