"""Every page of the app fits a 390 × 844 phone screen, in headless Chromium.

One server on one resolved demo workspace, one browser: the test opens the sidebar through its
toggle (the navigation must stay reachable: the page links show), switches to English, then
visits every page of the sidebar's navigation by its link (Import, Overview, Customers with a
customer's 360 view, Segments, Channels, Satisfaction, Products, Value & risk, Campaigns, and
any page added later, such as Audit), opens every tab and expander, and measures:

* the page does not scroll sideways: ``document.documentElement.scrollWidth``, Streamlit's main
  section and its main block container are no wider than the screen;
* no element sticks out of the screen unless it sits in a box that scrolls or clips by itself
  (a dataframe, a code block): else the test names the widest one by a CSS path and its width;
* no chart is cut off: each chart's drawing is no wider than its frame, inside the screen.

The widest pages (Segments, Channels) are measured in 中文 too. Screenshots:
/tmp/cimlab_phone_<page>.png (English; the Customers page shows the 360 view) and
/tmp/cimlab_phone_<page>_zh.png.

Needs Debian's ``chromium`` (see :mod:`tests.app.test_browser`, whose server is reused).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from cimlab.i18n import t
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
#: url path -> screenshot name, for the pages every workspace has (more may be in the sidebar)
PAGES = {
    "": "import",
    "overview": "overview",
    "customers": "customers",
    "segments": "segments",
    "channels": "channels",
    "satisfaction": "satisfaction",
    "products": "products",
    "value": "value",
    "campaigns": "campaigns",
}
CHARTED = {"overview", "segments", "channels", "satisfaction", "products", "value", "campaigns"}
ZH_PAGES = ("segments", "channels")  # the widest ones, measured in 中文 as well
FIT_TIMEOUT = 180_000  # milliseconds: the Value page fits its models on its first visit
SCREENSHOT = "/tmp/cimlab_phone_{name}.png"

#: What sticks out of the screen. An element counts when its nearest ancestor that scrolls or
#: clips (``overflow-x`` other than visible) is the page itself (a box holding Streamlit's main
#: block container, the body or the document): inside a dataframe or a code block that scrolls
#: by itself it does not, and that box is measured as an element of its own.
MEASURE = r"""
() => {
  const screen = window.innerWidth;
  const block = document.querySelector('[data-testid=stMainBlockContainer]');
  const main = document.querySelector('[data-testid=stMain]');
  const pageLevel = (box) => box.contains(block) || box === document.body
    || box === document.documentElement;
  const onPage = (el) => {
    for (let box = el.parentElement; box; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== 'visible') return pageLevel(box);
    }
    return true;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 5; e = e.parentElement) {
      const id = e.getAttribute('data-testid');
      const key = [...e.classList].find((c) => c.startsWith('st-key-'));
      parts.unshift(e.tagName.toLowerCase() + (id ? `[data-testid=${id}]` : '')
        + (key ? '.' + key : ''));
      if (id && id !== 'stVegaLiteChart' && parts.length > 1) break;
    }
    return parts.join(' > ');
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > screen + 1 && onPage(el)) {  // past the left edge nothing can scroll
      out.push({selector: path(el), width: Math.round(r.width), right: Math.round(r.right)});
    }
  }
  out.sort((a, b) => b.width - a.width);
  const charts = [];
  for (const chart of document.querySelectorAll('[data-testid=stVegaLiteChart]')) {
    const frame = chart.getBoundingClientRect();
    const drawing = chart.querySelector('svg.marks, canvas');
    if (!drawing || frame.width === 0) continue;
    const d = drawing.getBoundingClientRect();
    if (d.width > frame.width + 1 || d.right > screen + 1) {
      charts.push({selector: path(chart), width: Math.round(d.width),
                   frame: Math.round(frame.width), right: Math.round(d.right)});
    }
  }
  return {
    screen, document: document.documentElement.scrollWidth,
    main: main ? main.scrollWidth : 0, block: block ? block.scrollWidth : 0,
    outside: out.slice(0, 3), cut: charts,
  };
}
"""
SETTLED = """
() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'
  && !document.querySelector('[data-testid=stStatusWidget], [data-testid=stSpinner]')
  && [...document.querySelectorAll('[data-testid=stVegaLiteChart]')].every(
       (c) => c.getBoundingClientRect().width === 0 || c.querySelector('svg.marks, canvas'))
"""


@pytest.fixture(scope="module")
def phone_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The app on a resolved 200-person demo workspace; yields its URL and one customer id."""
    _require_chromium()
    from cimlab.demo import build_demo_workspace
    from cimlab.workspace import Workspace

    root = tmp_path_factory.mktemp("phone")
    build_demo_workspace(root / "ws", root / "files", people=200)
    customer = str(Workspace.open(root / "ws", create=False).identity_map()["customer_id"].min())
    with _serve(root, root / "ws") as url:
        yield url, customer


def _sidebar_open(page: Any) -> bool:
    box = page.get_by_test_id("stSidebar").bounding_box()
    return box is not None and box["x"] + box["width"] > 0


def _open_sidebar(page: Any) -> None:
    if not _sidebar_open(page):
        page.get_by_test_id("stExpandSidebarButton").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().left >= 0"
    )


def _close_sidebar(page: Any) -> None:
    if _sidebar_open(page):
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stSidebar]').getBoundingClientRect().right <= 0"
    )


def _settle(page: Any, *, charts: bool) -> None:
    from playwright.sync_api import expect

    page.wait_for_function(SETTLED, timeout=FIT_TIMEOUT)
    if charts:
        expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=FIT_TIMEOUT)
        page.wait_for_function(SETTLED, timeout=FIT_TIMEOUT)
    page.wait_for_timeout(300)  # Vega resizes a chart to its container after the first draw


def _links(page: Any) -> dict[str, str]:
    """url path -> the link's text, for every page link of the (open) sidebar."""
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    found = {}
    for i in range(links.count()):
        link = links.nth(i)
        path = urllib.parse.urlsplit(link.get_attribute("href") or "").path.strip("/")
        found[path] = link.inner_text().split("\n")[-1].strip()
    return found


def _measure(page: Any, where: str) -> list[str]:
    """What is wrong with the page as it is now, as sentences naming ``where``."""
    m = page.evaluate(MEASURE)
    problems = []
    wide = max(m["document"], m["main"], m["block"])
    if wide > m["screen"] or m["outside"]:
        widest = m["outside"][0] if m["outside"] else None
        culprit = (
            f"widest element {widest['selector']} is {widest['width']} px wide "
            f"(right edge at {widest['right']} px)"
            if widest
            else "no single element found"
        )
        problems.append(
            f"{where}: scrolls sideways on a {m['screen']} px screen (page {m['document']} px, "
            f"main {m['main']} px, block {m['block']} px); {culprit}"
        )
    for chart in m["cut"]:
        problems.append(
            f"{where}: chart {chart['selector']} is cut off: drawn {chart['width']} px wide "
            f"in a {chart['frame']} px frame, right edge at {chart['right']} px on a "
            f"{m['screen']} px screen"
        )
    return problems


def _screenshot(page: Any, name: str) -> None:
    """The whole page at the phone's width (Streamlit scrolls its main section, not the
    document, so the window is made as tall as the page for the picture)."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": PHONE["width"], "height": min(max(height, 844), 16_000)})
    page.wait_for_timeout(300)
    page.screenshot(path=SCREENSHOT.format(name=name))
    page.set_viewport_size(PHONE)


OPEN_EXPANDERS = """
() => {
  const closed = [...document.querySelectorAll('[data-testid=stMain] details:not([open]) > summary')]
    .filter((summary) => summary.getBoundingClientRect().width > 0);
  closed.forEach((summary) => summary.click());
  return closed.length;
}
"""


def _shown(page: Any, where: str) -> list[str]:
    """Open the expanders in sight, then measure."""
    if page.evaluate(OPEN_EXPANDERS):
        page.wait_for_timeout(300)
        _settle(page, charts=False)
    return _measure(page, where)


def _every_view(page: Any, where: str) -> list[str]:
    """Measure the page with each of its tabs shown and its expanders open."""
    from playwright.sync_api import expect

    problems = _shown(page, where)
    tabs = page.get_by_test_id("stMain").get_by_role("tab")
    for i in range(1, tabs.count()):
        label = tabs.nth(i).inner_text().strip()
        # by the keyboard: a tab scrolled out of the narrow tab bar may sit under a toolbar
        tabs.nth(i - 1).press("ArrowRight")
        expect(tabs.nth(i)).to_have_attribute("aria-selected", "true")
        page.wait_for_timeout(300)
        problems += _shown(page, f"{where}, tab {label!r}")
    if tabs.count() > 1:
        tabs.last.press("Home")
        expect(tabs.first).to_have_attribute("aria-selected", "true")
    return problems


def _visit(page: Any, path: str, label: str, url: str) -> None:
    _open_sidebar(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True).click()
    page.wait_for_url(f"{url}/{path}")
    _close_sidebar(page)
    _settle(page, charts=path in CHARTED)


def _open_360(page: Any, customer: str, lang: str) -> None:
    from playwright.sync_api import expect

    search = page.get_by_role("textbox", name=t("cust.search", lang), exact=True)
    search.fill(customer)
    search.press("Enter")
    heading = page.get_by_test_id("stHeading").filter(has_text=customer)
    expect(heading).to_be_visible(timeout=WAIT)
    _settle(page, charts=False)


def test_every_page_fits_a_phone_screen(phone_server: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, customer = phone_server
    expect.set_options(timeout=WAIT)
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_TIMEOUT
        )
        try:
            context = browser.new_context(
                viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN"
            )
            page = context.new_page()
            page.set_default_timeout(STEP_TIMEOUT)
            page.goto(url)
            _settle(page, charts=False)

            # the navigation is reachable: closed on a phone, its toggle shows every page link
            assert not _sidebar_open(page), "the sidebar covers the page on a phone at first"
            _open_sidebar(page)
            links = _links(page)
            assert set(PAGES) <= set(links), f"page links in the sidebar: {links}"
            nav = page.get_by_test_id("stSidebarNav")
            for label in links.values():
                expect(nav.get_by_role("link", name=label, exact=True)).to_be_in_viewport()
            page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
            expect(
                nav.get_by_role("link", name=t("nav.overview", "en"), exact=True)
            ).to_be_visible()
            _settle(page, charts=False)
            links = _links(page)  # now in English

            for path, label in links.items():
                name = PAGES.get(path, path)
                _visit(page, path, label, url)
                expect(page.get_by_test_id("stException")).to_have_count(0)
                if path == "customers":
                    problems += _measure(page, name)
                    _open_360(page, customer, "en")
                    name = "customers (360 view)"
                problems += _every_view(page, name)
                _screenshot(page, PAGES.get(path, path))

            _open_sidebar(page)
            page.get_by_test_id("stSidebar").get_by_text("中文", exact=True).click()
            expect(
                nav.get_by_role("link", name=t("nav.overview", "zh"), exact=True)
            ).to_be_visible()
            _settle(page, charts=False)
            links = _links(page)
            for path in ZH_PAGES:
                _visit(page, path, links[path], url)
                problems += _every_view(page, f"{path} (中文)")
                _screenshot(page, f"{path}_zh")
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
