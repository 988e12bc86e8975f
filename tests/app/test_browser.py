"""End to end in headless Chromium: upload a GBK CSV, see the report, import, open the Overview;
on a resolved demo workspace, open every analytics page (Overview KPIs,
Segments, Channels & cohorts, Satisfaction, Products), see its charts and one figure equal to
the one the test computes from the workspace's rows with plain Polars; upload a file named
like a Markdown image and open pages whose data is Markdown (nothing loads from another host, the
names read as written); and render Markdown payloads escaped by ``md_text`` in every kind of
Markdown place (``markdown_places_app.py``). The journeys (resolve, search and the 360 view,
segment → audience → export, undo) are in :mod:`tests.app.test_journeys`.

Needs Debian's ``chromium`` at ``/usr/bin/chromium`` (Playwright drives it through
``executable_path``; no browser download). Skips with a reason where it is missing, and fails
instead when ``CI=true``. Screenshots are written to /tmp/cimlab_import.png,
/tmp/cimlab_overview.png, /tmp/cimlab_<page>.png and /tmp/cimlab_markdown.png.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path("/tmp/cimlab_import.png")
OVERVIEW_SCREENSHOT = Path("/tmp/cimlab_overview.png")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT = 45.0  # seconds for the server to answer its health check
STEP_TIMEOUT = 30_000  # milliseconds for one page step
WAIT = 30_000  # milliseconds to wait for a page element (expect's default of 5 s is too short under load)

pytestmark = pytest.mark.browser

GBK_CSV = (
    "订单编号,买家会员名,买家实付金额,订单状态,收货人姓名,联系手机,订单创建时间\n"
    '4012345678901234567,小林,"￥1,234.50",交易成功,林小红,13800138000,2024-01-05 08:26\n'
    "4012345678901234568,tom_w,99,交易关闭,王**,139****1234,2024-01-06 09:00\n"
    "4012345678901234569,阿秀,15.5,交易成功,张秀,13700137000,2024-02-30 10:00\n"
).encode("gbk")


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true requires the browser test to run")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"streamlit did not answer within {START_TIMEOUT}s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # the server runs in its own process group
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def _serve(tmp_path: Path, workspace: Path, app: Path = APP) -> Iterator[str]:
    """A Streamlit server of ``app`` (default: the app) on ``workspace``; yields its URL."""
    port = _free_port()
    log = tmp_path / "streamlit.log"
    env = {**os.environ, "CIMLAB_WORKSPACE": str(workspace)}
    env.pop("CIMLAB_ALLOW_REVEAL", None)
    command = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        _stop(proc)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    _require_chromium()
    with _serve(tmp_path, tmp_path / "ws") as url:
        yield url


def test_upload_gbk_csv_and_see_the_report(server: str) -> None:
    from playwright.sync_api import FilePayload, expect, sync_playwright

    expect.set_options(timeout=WAIT)  # a loaded 2-core CI machine renders slower than 5 s

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_TIMEOUT
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000}, locale="zh-CN")
            page.set_default_timeout(STEP_TIMEOUT)
            page.goto(server)
            expect(page.get_by_role("heading", name="导入文件")).to_be_visible()

            upload = FilePayload(name="tmall_orders.csv", mimeType="text/csv", buffer=GBK_CSV)
            page.locator("input[type=file]").set_input_files(files=[upload])
            expect(page.get_by_text("gbk", exact=True)).to_be_visible()
            metrics = page.get_by_test_id("stMetric")
            expect(metrics).to_have_count(3)
            expect(metrics.nth(0)).to_contain_text("读取行数")
            expect(metrics.nth(0).get_by_test_id("stMetricValue")).to_have_text("3")
            expect(metrics.nth(1).get_by_test_id("stMetricValue")).to_have_text("2")
            expect(metrics.nth(2).get_by_test_id("stMetricValue")).to_have_text("1")
            expect(page.get_by_role("button", name="下载被隔离的行（CSV）")).to_be_visible()
            # the raw phone number is nowhere on the page (the grids draw on canvas, so check
            # the page text and the accessible grid cells)
            assert "13800138000" not in page.content()
            page.screenshot(path=str(SCREENSHOT), full_page=True)

            page.get_by_role("button", name="导入到工作区").click()
            expect(page.get_by_text("已导入，批次 1：导入 2 行，隔离 1 行。")).to_be_visible()

            page.get_by_role("link", name="数据概览").click()
            expect(page.get_by_role("heading", name="数据概览")).to_be_visible()
            overview = page.get_by_test_id("stMetric")
            expect(overview).to_have_count(4)
            expect(overview.nth(1)).to_contain_text("订单")
            expect(overview.nth(1).get_by_test_id("stMetricValue")).to_have_text("2")
            expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(2)
            page.screenshot(path=str(OVERVIEW_SCREENSHOT), full_page=True)

            # the language switch relabels the page
            page.get_by_text("English", exact=True).click()
            expect(page.get_by_role("heading", name="Overview")).to_be_visible()
            expect(page.get_by_test_id("stException")).to_have_count(0)
        finally:
            browser.close()


@pytest.fixture
def resolved_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The app on a small demo workspace whose identities are resolved; yields its URL and the
    workspace folder."""
    _require_chromium()
    from cimlab.demo import build_demo_workspace

    build_demo_workspace(tmp_path / "ws", tmp_path / "files", people=200)
    with _serve(tmp_path, tmp_path / "ws") as url:
        yield url, tmp_path / "ws"


# url path -> (title in 中文, title in English)
ANALYTICS_PAGES = {
    "overview": ("数据概览", "Overview"),
    "segments": ("客户分群", "Customer segments"),
    "channels": ("渠道与同期群", "Channels & cohorts"),
    "satisfaction": ("客户满意度", "Satisfaction"),
    "products": ("商品关联", "Products"),
}


def _expected_figures(workspace: Path) -> dict[str, tuple[str | None, str]]:
    """One figure per analytics page, computed here from the workspace's stored rows with plain
    Polars (none of cimlab's analytics): url path -> (metric label or None for a text, the
    figure as the page writes it in 中文). Days are those of the business time zone, and the
    analysis date the pages open on is the day of the last order.

    * overview, KPI "订单数" (30 days): distinct (channel, order_id) with a paid line of an
      identified customer in the 30 days ending on the analysis date;
    * segments, "有购买的客户": identified customers with a purchase day up to the analysis date
      (a day whose paid amounts add up to more than 0; the demo has no credit notes);
    * channels, the overlap caption: buyers (paid lines, identified) of the last 365 days, and
      those who bought in two channels or more;
    * satisfaction, "净推荐值 NPS" (90 days): 100 × (answers 9–10 − answers 0–6) / answers;
    * products, the summary: orders with a paid line with a SKU in the last 365 days (the
      known non-product codes left out, as the page does by default) and their distinct SKUs.
    """
    import datetime as dt

    import polars as pl

    from cimlab.analytics.affinity import ONLINE_RETAIL_NON_PRODUCTS
    from cimlab.settings import business_time_zone
    from cimlab.workspace import Workspace

    ws = Workspace.open(workspace, create=False)
    zone = business_time_zone(ws)
    keys = ["channel", "source_customer_id"]
    people = ws.identity_map().select(*keys, "customer_id").unique(keys)
    day = pl.col("order_ts").dt.convert_time_zone(zone).dt.date().alias("day")
    lines = ws.table("orders").join(people, on=keys, how="left").with_columns(day)
    as_of: dt.date = lines["day"].max()  # type: ignore[assignment]

    def last(days: int) -> pl.Expr:
        return pl.col("day").is_between(as_of - dt.timedelta(days=days - 1), as_of)

    paid = lines.filter(pl.col("status") == "paid", pl.col("day") <= as_of)
    known = paid.filter(pl.col("customer_id").is_not_null())
    orders_30 = known.filter(last(30)).select("channel", "order_id").unique().height
    buyers = (
        known.group_by("customer_id", "day")
        .agg(pl.col("amount").sum())
        .filter(pl.col("amount") > 0)["customer_id"]
        .n_unique()
    )
    channels = known.filter(last(365)).group_by("customer_id").agg(pl.col("channel").n_unique())
    multi = channels.filter(pl.col("channel") >= 2).height
    feedback = ws.table("feedback").with_columns(
        pl.col("ts").dt.convert_time_zone(zone).dt.date().alias("day")
    )
    nps = feedback.filter(last(90), pl.col("nps").is_not_null())["nps"]
    score = 100 * ((nps >= 9).sum() - (nps <= 6).sum()) / nps.len()
    bought = paid.filter(
        last(365),
        pl.col("sku").is_not_null(),
        ~pl.col("sku").is_in(list(ONLINE_RETAIL_NON_PRODUCTS)),
    )
    baskets = bought.select("channel", "order_id").unique().height
    return {
        "overview": ("订单数", f"{orders_30:,}"),
        "segments": ("有购买的客户", f"{buyers:,}"),
        "channels": (None, f"{channels.height:,} 位客户中有 {multi:,} 位"),
        "satisfaction": ("净推荐值 NPS", f"{score:+.1f}"),
        "products": (None, f"共 {baskets:,} 个购物篮、{bought['sku'].n_unique():,} 种商品"),
    }


def test_analytics_pages_open_with_charts(resolved_server: tuple[str, Path]) -> None:
    """Every analytics page opens with a chart and no error, and shows one figure equal to the
    one computed independently from the workspace (:func:`_expected_figures`)."""
    from playwright.sync_api import expect, sync_playwright

    url, workspace = resolved_server
    figures = _expected_figures(workspace)
    assert set(figures) == set(ANALYTICS_PAGES)
    expect.set_options(timeout=WAIT)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_TIMEOUT
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2400}, locale="zh-CN")
            page.set_default_timeout(STEP_TIMEOUT)
            for path, (title_zh, _) in ANALYTICS_PAGES.items():
                page.goto(f"{url}/{path}")
                expect(page.get_by_role("heading", name=title_zh, exact=True)).to_be_visible()
                expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
                label, figure = figures[path]
                if label is None:
                    expect(page.get_by_text(figure, exact=False).first).to_be_visible()
                else:
                    metric = page.get_by_test_id("stMetric").filter(
                        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
                    )
                    expect(metric.get_by_test_id("stMetricValue")).to_have_text(figure)
                expect(page.get_by_test_id("stException")).to_have_count(0)
                expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
                page.screenshot(path=f"/tmp/cimlab_{path}.png", full_page=True)
            # the language switch relabels the page it is on
            page.get_by_text("English", exact=True).click()
            title_en = ANALYTICS_PAGES["products"][1]
            expect(page.get_by_role("heading", name=title_en, exact=True)).to_be_visible()
            expect(page.get_by_test_id("stException")).to_have_count(0)
        finally:
            browser.close()


# ----------------------------------------------------------------------------- Markdown payloads

PLACES_APP = ROOT / "tests" / "app" / "markdown_places_app.py"
MARKDOWN_SCREENSHOT = Path("/tmp/cimlab_markdown.png")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
MARKDOWN_PLACES = 11  # Markdown containers per case of markdown_places_app.py
# what a Markdown value must never become inside a Markdown container
MARKUP = (
    "[class*=st-key-case_] [data-testid=stMarkdownContainer] :is(img, a, h1, h2, h4, h5, h6, "
    "ul, ol, blockquote, "
    "table, code, hr, .katex, [role=img], [class*=stMarkdownColored], [class*=stMarkdownBadge])"
)


def _outside(urls: list[str]) -> list[str]:
    """The requests that would leave the machine (anything but the app's own server)."""
    out = []
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in LOCAL_HOSTS:
            out.append(url)
    return out


def _as_written(text: str) -> re.Pattern[str]:
    """``text`` exactly, allowing the invisible word joiners ``md_text`` puts into bare links."""
    return re.compile("^" + "\u2060?".join(map(re.escape, text)) + "$")


def _no_markup_from_data(page: Any) -> None:
    from playwright.sync_api import expect

    evil = "img[src*='evil.example'], a[href*='evil.example'], a[href^='javascript:']"
    expect(page.locator(evil)).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


@pytest.fixture
def payload_server(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """The app on a resolved workspace whose values (and folder) are Markdown; yields its URL,
    the folder and the unified id of the customer whose name is a Markdown image."""
    _require_chromium()
    from tests.app.markdown_checks import build_payload_workspace

    workspace, customer_id = build_payload_workspace(tmp_path / "data")
    with _serve(tmp_path, workspace) as url:
        yield url, workspace, customer_id


def test_markdown_file_names_and_data_load_nothing(
    payload_server: tuple[str, Path, str],
) -> None:
    from playwright.sync_api import FilePayload, expect, sync_playwright

    from cimlab.privacy import mask_name
    from tests.app.markdown_checks import FILE, IMAGE_NAME

    expect.set_options(timeout=WAIT)
    url, workspace, customer_id = payload_server
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_TIMEOUT
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000}, locale="zh-CN")
            page.set_default_timeout(STEP_TIMEOUT)
            page.on("request", lambda request: requests.append(request.url))
            page.goto(url)
            expect(page.get_by_role("heading", name="导入文件")).to_be_visible()
            # the workspace folder, whose path is a Markdown image too, as written
            expect(page.get_by_test_id("stSidebar")).to_contain_text(str(workspace))

            upload = FilePayload(
                name=FILE, mimeType="text/csv", buffer=b"customer_id,name\n001,Ann\n"
            )
            page.locator("input[type=file]").set_input_files(files=[upload])
            heading = page.get_by_test_id("stHeading").filter(has_text="orders.csv")
            expect(heading).to_be_visible()
            _no_markup_from_data(page)  # no image, no link: the name is text
            expect(heading.get_by_text(_as_written(f"文件：{FILE}"))).to_be_visible()
            expect(page.get_by_text("选择文件所属渠道", exact=False)).to_be_visible()
            page.screenshot(path=str(MARKDOWN_SCREENSHOT), full_page=True)

            # the 360 view of the customer named like an image: name, tags, notes, products
            page.goto(url + "/customers")
            search = page.get_by_role("textbox", name="搜索", exact=True)
            search.fill(customer_id)
            search.press("Enter")
            heading = page.get_by_test_id("stHeading").filter(has_text=f"客户 {customer_id}")
            expect(heading).to_be_visible()
            expect(page.get_by_role("tab", name="营销许可")).to_be_visible()
            _no_markup_from_data(page)
            name = f"客户 {customer_id} · {mask_name(IMAGE_NAME)}"  # masked, and as written
            expect(heading.get_by_text(_as_written(name))).to_be_visible()

            for path, title in (("overview", "数据概览"), ("products", "商品关联")):
                page.goto(f"{url}/{path}")
                expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
                expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
                _no_markup_from_data(page)
        finally:
            browser.close()
    assert any(urllib.parse.urlsplit(u).hostname in LOCAL_HOSTS for u in requests), requests
    assert _outside(requests) == []


@pytest.fixture
def places_server(tmp_path: Path) -> Iterator[str]:
    """``markdown_places_app.py`` served; yields its URL."""
    _require_chromium()
    with _serve(tmp_path, tmp_path / "ws", app=PLACES_APP) as url:
        yield url


def _words(text: str) -> str:
    return " ".join(text.replace("\u2060", "").split())  # md_text's word joiners are invisible


def test_md_text_renders_as_written_in_every_markdown_place(places_server: str) -> None:
    """Streamlit's own renderer: each payload, escaped, reads as written in text, captions,
    headings, alerts, metrics, radio options, buttons, labels, expanders and tabs, and never
    becomes an image, link, heading, list, code, maths, colour or icon."""
    from playwright.sync_api import expect, sync_playwright

    from tests.app.markdown_checks import MARKDOWN_PAYLOADS

    expect.set_options(timeout=WAIT)
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_TIMEOUT
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000}, locale="en-US")
            page.set_default_timeout(STEP_TIMEOUT)
            page.on("request", lambda request: requests.append(request.url))
            page.goto(places_server)
            expect(page.get_by_role("heading", name="Markdown places")).to_be_visible()
            last = page.locator(f".st-key-case_{len(MARKDOWN_PAYLOADS) - 1}")
            expect(last.get_by_test_id("stText")).to_be_visible()
            expect(page.locator(MARKUP)).to_have_count(0)
            for i, value in enumerate(MARKDOWN_PAYLOADS):
                case = page.locator(f".st-key-case_{i}")
                places = case.get_by_test_id("stMarkdownContainer")
                expect(places).to_have_count(MARKDOWN_PLACES)
                texts = places.all_inner_texts()
                assert {_words(text) for text in texts} == {_words(value)}, (value, texts)
                # st.text shows the value itself
                assert _words(case.get_by_test_id("stText").inner_text()) == _words(value)
            _no_markup_from_data(page)
        finally:
            browser.close()
    assert _outside(requests) == []
