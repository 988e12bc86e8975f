"""The marketer's and the admin's journeys end to end in headless Chromium, at desktop and phone
sizes, in 中文 and English: sign in, import a file whose columns need mapping, resolve identities,
search a customer by phone and open the 360 view (masked), segment → audience → SMS export (the file
and its audit row), undo the import; and two browser sessions at once share no state.

Every label is taken from the app's own text tables (:func:`cimlab.i18n.t`), so a journey in
English and one in 中文 click the same controls. At phone size (390 × 844) the navigation is
reached through the sidebar's toggle and every page of the journey is checked for sideways
scrolling. Screenshots: /tmp/cimlab_journey_<size>_<lang>.png.

Needs Debian's ``chromium`` (see :mod:`tests.app.test_browser`, whose server fixture is reused).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cimlab.i18n import column_label, t
from tests.app.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    STEP_TIMEOUT,
    WAIT,
    _require_chromium,
    _serve,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 1000}
#: A shop export whose amount and member columns the suggestion cannot name: the user maps them.
SHOP_CSV = (
    "单号,会员,实收,下单日期,状态\n"
    "J-1,m001,88.50,2024-03-01 10:00,已付款\n"
    "J-2,m002,12,2024-03-02 11:00,已付款\n"
    "J-3,m001,40,2024-03-05 18:30,已付款\n"
).encode()
PASSWORD = "journey-password-1"  # a test user's password in a throwaway workspace


@pytest.fixture
def journey_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The app on a small unresolved demo workspace with an admin user; yields URL and folder."""
    _require_chromium()
    from cimlab.demo import build_demo_workspace

    build_demo_workspace(tmp_path / "ws", tmp_path / "files", people=200, resolve_identities=False)
    _add_users(tmp_path / "ws")
    with _serve(tmp_path, tmp_path / "ws") as url:
        yield url, tmp_path / "ws"


def _add_users(workspace: Path) -> None:
    from cimlab.auth import add_user
    from cimlab.workspace import Workspace

    ws = Workspace.open(workspace, create=False)
    add_user(ws, "ana", role="admin", password=PASSWORD)
    add_user(ws, "vic", role="viewer", password=PASSWORD)


def _demo_phone(workspace: Path) -> str:
    """The phone (E.164) of the first demo person whose customer record carries it."""
    from cimlab.workspace import Workspace

    truth = workspace.parent / "files" / "_truth" / "people.csv"
    with truth.open(encoding="utf-8") as handle:
        phones = [row["phone"] for row in csv.DictReader(handle)]
    stored = Workspace.open(workspace, create=False).table("customers")["phone"]
    known = set(stored.drop_nulls().to_list())
    return next(p for p in phones if p in known)


def _sign_in(page: Any, name: str, lang: str, landing: str = "imp.title") -> None:
    """Fill the sign-in form; the first page the role may open (title key ``landing``) shows."""
    from playwright.sync_api import expect

    page.get_by_role("textbox", name=t("auth.name", lang), exact=True).fill(name)
    page.get_by_label(t("auth.password", lang), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("auth.submit", lang), exact=True).click()
    expect(page.get_by_role("heading", name=t(landing, lang), exact=True)).to_be_visible()


def _choose_language(page: Any, lang: str) -> None:
    if lang == "en":
        _open_sidebar(page)
        page.get_by_text("English", exact=True).click()


def _open_sidebar(page: Any) -> None:
    """On a phone the sidebar starts collapsed behind its toggle: open it."""
    toggle = page.get_by_test_id("stExpandSidebarButton")
    if toggle.is_visible():
        toggle.click()


def _go(page: Any, nav_key: str, title_key: str, lang: str, *, phone: bool) -> None:
    """Open a page by its sidebar link and check it fits the screen on a phone."""
    from playwright.sync_api import expect

    _open_sidebar(page)
    page.get_by_role("link", name=t(nav_key, lang), exact=True).click()
    expect(page.get_by_role("heading", name=t(title_key, lang), exact=True)).to_be_visible()
    if phone:
        page.mouse.click(PHONE["width"] - 5, PHONE["height"] // 2)  # close the overlay sidebar
    _fits(page, phone=phone, where=nav_key)


def _fits(page: Any, *, phone: bool, where: str) -> None:
    if not phone:
        return
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{where}: the page is {width} px wide on a {inner} px screen"


def _choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` of a select box: type to filter the list, then take the one left."""
    box = page.get_by_role("combobox", name=label, exact=True)
    if box.input_value() == option:
        return
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()


def _no_errors(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def _journey(url: str, workspace: Path, *, phone: bool, lang: str) -> None:
    from playwright.sync_api import FilePayload, expect, sync_playwright

    from cimlab.workspace import Workspace

    expect.set_options(timeout=WAIT)
    size = "phone" if phone else "desktop"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_TIMEOUT
        )
        try:
            context = browser.new_context(
                viewport=PHONE if phone else DESKTOP,
                is_mobile=phone,
                has_touch=phone,
                locale="zh-CN",
                accept_downloads=True,
            )
            page = context.new_page()
            page.set_default_timeout(STEP_TIMEOUT)
            page.goto(url)
            _sign_in(page, "ana", "zh")
            _choose_language(page, lang)
            expect(
                page.get_by_role("heading", name=t("imp.title", lang), exact=True)
            ).to_be_visible()

            # import a file whose amount and customer columns are mapped by hand
            upload = FilePayload(name="shop.csv", mimeType="text/csv", buffer=SHOP_CSV)
            page.locator("input[type=file]").set_input_files(files=[upload])
            _choose(
                page,
                t("imp.required_mark", lang, label=column_label("orders", "amount", lang)),
                "实收",
            )
            _choose(page, column_label("orders", "source_customer_id", lang), "会员")
            channel = page.get_by_role("combobox", name=t("imp.channel", lang), exact=True).first
            channel.click()
            channel.fill("online_shop")
            page.keyboard.press("Enter")
            page.get_by_role("button", name=t("imp.import_button", lang), exact=True).click()
            done = re.escape(t("imp.imported", lang, batch="§", loaded=3, quarantined=0))
            expect(page.get_by_text(re.compile(done.replace("§", r"\d+")))).to_be_visible()
            _fits(page, phone=phone, where="import")
            batch = Workspace.open(workspace, create=False).batches()["batch_id"].max()

            # resolve identities on the Customers page
            _go(page, "nav.customers", "cust.title", lang, phone=phone)
            page.get_by_role("button", name=t("cust.resolve_button", lang), exact=True).click()
            resolved = t("cust.resolved", lang, records="§", customers="§", links="§", blocked="§",
                         proposals="§", kept="§", new="§", households="§")  # fmt: skip
            head = re.escape(resolved.split("§")[0])
            expect(page.get_by_text(re.compile("^" + head))).to_be_visible()

            # search a customer by phone (typed with spaces) and open the 360 view, masked
            local = _demo_phone(workspace).removeprefix("+86")
            search = page.get_by_role("textbox", name=t("cust.search", lang), exact=True)
            search.fill(f"{local[:3]} {local[3:7]} {local[7:]}")
            search.press("Enter")
            opened = page.get_by_role("combobox", name=t("cust.open", lang), exact=True)
            expect(opened).to_have_value(re.compile(re.escape(f" · {local[:3]}****{local[-4:]}")))
            tab = t("cust.tab_consent", lang)
            expect(page.get_by_role("tab", name=re.compile("^" + re.escape(tab)))).to_be_visible()
            assert local not in page.content()
            _fits(page, phone=phone, where="customer 360")

            # a segment becomes an audience, exported as an SMS list
            _go(page, "nav.segments", "seg.title", lang, phone=phone)
            page.get_by_role("button", name=t("cmp.make_audience", lang), exact=True).first.click()
            expect(
                page.get_by_role("heading", name=t("cmp.title", lang), exact=True)
            ).to_be_visible()
            _fits(page, phone=phone, where="campaigns")
            page.get_by_role("tab", name=t("cmp.tab.export", lang), exact=True).click()
            page.get_by_role("button", name=t("cmp.export", lang), exact=True).click()
            with page.expect_download() as download:
                page.get_by_role("button", name=t("cmp.download", lang), exact=True).click()
            lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
            assert lines[0] == "手机号码" and len(lines) > 1
            assert all(re.fullmatch(r"1[0-9]{10}", number) for number in lines[1:])
            _no_errors(page)

            # undo the import
            _go(page, "nav.import", "imp.title", lang, phone=phone)
            undo = t("imp.undo_option", lang, batch=batch, file="shop.csv", rows=3)
            _choose(page, t("imp.undo_select", lang), undo)
            page.get_by_text(t("imp.undo_confirm", lang), exact=True).click()
            page.get_by_role("button", name=t("imp.undo_button", lang), exact=True).click()
            expect(page.get_by_text(t("imp.undone", lang, batch=batch), exact=True)).to_be_visible()
            _no_errors(page)
            _fits(page, phone=phone, where="undo")
            page.screenshot(path=f"/tmp/cimlab_journey_{size}_{lang}.png", full_page=True)
        finally:
            browser.close()
    from cimlab.act.campaigns import campaign_log

    ws = Workspace.open(workspace, create=False)
    status = ws.batches().filter(ws.batches()["batch_id"] == batch)["status"].to_list()
    assert status == ["undone"]
    log = campaign_log(ws)  # the export's audit row: the profile, the held-out share, who
    assert log["profile"].to_list() == ["sms"] and log["exported"][0] == len(lines) - 1
    assert log["control_share"][0] == 0.1 and log["user_name"][0] == "ana"


@pytest.mark.parametrize(
    ("phone", "lang"), [(False, "en"), (True, "zh")], ids=["desktop-en", "phone-zh"]
)
def test_journey(journey_server: tuple[str, Path], phone: bool, lang: str) -> None:
    url, workspace = journey_server
    _journey(url, workspace, phone=phone, lang=lang)


def _nav_titles(page: Any) -> set[str]:
    """The page titles of the sidebar's navigation (a link's text starts with its icon's name)."""
    links = page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()
    return {text.splitlines()[-1].strip() for text in links}


def test_two_sessions_share_no_state(journey_server: tuple[str, Path]) -> None:
    """An admin and a viewer at once: signing in, the language, the pages and signing out of one
    session never reach the other."""
    from playwright.sync_api import expect, sync_playwright

    url, _ = journey_server
    expect.set_options(timeout=WAIT)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_TIMEOUT
        )
        try:
            admin = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
            viewer = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
            for page in (admin, viewer):
                page.set_default_timeout(STEP_TIMEOUT)
                page.goto(url)
            _sign_in(admin, "ana", "zh")
            # the admin's sign-in signs nobody else in
            viewer.reload()
            submit = viewer.get_by_role("button", name=t("auth.submit", "zh"), exact=True)
            expect(submit).to_be_visible()
            _sign_in(viewer, "vic", "zh", landing="ov.title")

            _choose_language(admin, "en")
            _go(admin, "nav.customers", "cust.title", "en", phone=False)
            _go(viewer, "nav.segments", "seg.title", "zh", phone=False)  # still 中文
            # the viewer's navigation has no member lists and no import, the admin's has
            names = _nav_titles(viewer)
            assert t("nav.customers", "zh") not in names and t("nav.import", "zh") not in names
            assert t("nav.segments", "zh") in names
            assert {t("nav.customers", "en"), t("nav.audit", "en")} <= _nav_titles(admin)

            # signing the admin out leaves the viewer signed in
            admin.get_by_role("button", name=t("auth.sign_out", "en"), exact=True).click()
            expect(
                admin.get_by_role("button", name=t("auth.submit", "en"), exact=True)
            ).to_be_visible()
            _go(viewer, "nav.overview", "ov.title", "zh", phone=False)
            _no_errors(viewer)
        finally:
            browser.close()
