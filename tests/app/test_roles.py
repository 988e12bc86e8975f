"""Sign-in and roles through AppTest: off without users; the sign-in form, its refusals and
expiry; each role signed in tries what it must not do (pages left out of the navigation, page
bodies run anyway, action handlers of a session whose role changed); the acting user reaches
the import, undo and resolution records and the audit page (admins only).

One Chromium test (marked ``browser``; the server and browser helpers of ``test_browser.py``)
signs in as a viewer and opens the direct URLs of the pages a viewer may not open.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from cimlab import auth
from cimlab.audit import audit_log
from cimlab.auth import Session, add_user, remove_user, set_role
from cimlab.demo import build_demo_workspace
from cimlab.i18n import t
from cimlab.workspace import Workspace
from tests.app.markdown_checks import shown_text

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "apps"
APP = APPS / "streamlit_app.py"
TIMEOUT = 120
PASSWORDS = {"boss": "boss-password-1", "mo": "marketer-pass-1", "vi": "viewer-pass-1"}
FORBIDDEN = {
    "viewer": ["import_page.py", "customers_page.py", "campaigns_page.py", "audit_page.py"],
    "marketer": ["import_page.py", "audit_page.py"],
}
TMALL_CSV = (
    "订单编号,买家会员名,买家实付金额,订单状态,收货人姓名,联系手机,订单创建时间\n"
    "4012345678901234567,小林,99,交易成功,林小红,13800138000,2024-01-05 08:26\n"
    "4012345678901234568,tom_w,15.5,交易成功,王**,139****1234,2024-01-06 09:00\n"
).encode("gbk")


@pytest.fixture(scope="module", autouse=True)
def fast_argon2() -> Iterator[None]:
    """Argon2id with small costs (the production ones take about a second per hash here)."""
    from argon2 import PasswordHasher

    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    dummy = fast.hash("dummy-password-for-tests")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "_hasher", lambda: fast)
        patch.setattr(auth, "_dummy_hash", lambda: dummy)
        yield


@pytest.fixture(scope="module")
def team_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A resolved 120-person demo workspace with an admin, a marketer and a viewer."""
    root = tmp_path_factory.mktemp("roles")
    build_demo_workspace(root / "ws", root / "files", people=120)
    ws = Workspace.open(root / "ws")
    add_user(ws, "boss", role="admin", password=PASSWORDS["boss"])
    add_user(ws, "mo", role="marketer", password=PASSWORDS["mo"])
    add_user(ws, "vi", role="viewer", password=PASSWORDS["vi"])
    return root / "ws"


@pytest.fixture
def team(team_ws: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(team_ws))
    monkeypatch.delenv("CIMLAB_ALLOW_REVEAL", raising=False)
    monkeypatch.delenv(auth.IDLE_ENV, raising=False)
    return team_ws


def _texts(elements: object) -> list[str]:
    return [shown_text(str(e.value)) for e in elements]  # type: ignore[attr-defined]


def _sign_in(name: str, password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert [x.value for x in at.title] == [t("auth.title", "zh")]
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    next(b for b in at.button if b.label == t("auth.submit", "zh")).click().run()
    assert not at.exception
    return at


def _as(role_user: str, page: str, team_ws: Path) -> AppTest:
    """Run page ``page`` by itself (no router, no navigation) in a session signed in as
    ``role_user``: what a URL reaching the page body would do."""
    now = dt.datetime.now(dt.UTC)
    role = Workspace.open(team_ws).query("SELECT role FROM auth_users WHERE name = ?", [role_user])[
        "role"
    ][0]
    at = AppTest.from_file(APPS / page, default_timeout=TIMEOUT)
    at.session_state["auth_session"] = Session(role_user, role, signed_in_at=now, last_seen=now)
    return at.run()


def test_no_users_no_sign_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert t("auth.title", "zh") not in [x.value for x in at.title]
    assert not [b for b in at.button if b.key == "auth_sign_out"]
    at.switch_page(str(APPS / "audit_page.py")).run()  # everything allowed, audit included
    assert [x.value for x in at.title] == [t("audit.title", "zh")]


def test_wrong_passwords_and_unknown_names_get_one_answer(
    team: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    typed = ("not-her-password", "not-a-password")
    for name, password in zip(("vi", "nobody"), typed, strict=True):
        at = _sign_in(name, password)
        assert _texts(at.error) == [t("auth.failed", "zh")]
        assert [x.value for x in at.title] == [t("auth.title", "zh")]
        assert at.session_state["auth_password"] == ""  # the form let go of it
    failed = audit_log(Workspace.open(team), actions=["sign_in_failed"])
    assert failed.height >= 2 and "nobody" not in failed.write_csv()
    at = _sign_in("vi", PASSWORDS["vi"])
    assert [x.value for x in at.title] == [t("ov.title", "zh")]
    for secret in (*typed, PASSWORDS["vi"]):
        assert secret not in caplog.text


def test_viewer_sees_aggregates_only(team: Path) -> None:
    at = _sign_in("vi", PASSWORDS["vi"])
    assert [x.value for x in at.title] == [t("ov.title", "zh")]  # Import is not for viewers
    assert t("auth.signed_in_as", "zh", name="vi", role="查看者") in _texts(at.sidebar.caption)
    assert t("app.settings", "zh") not in [e.label for e in at.sidebar.expander]
    for page in FORBIDDEN["viewer"]:  # not in the navigation: no route to them
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(str(APPS / page))
    at.switch_page(str(APPS / "segments_page.py")).run()
    assert not at.exception
    assert t("auth.members_hidden", "zh") in _texts(at.caption)
    keys = {b.key for b in at.button} | {b.key for b in at.get("download_button")}
    assert not keys & {"seg_download", "seg_make_audience"}
    # the page bodies refuse too, whatever routes to them
    for page in FORBIDDEN["viewer"]:
        body = _as("vi", page, team)
        assert not body.exception, page
        assert _texts(body.error) == [t("auth.not_allowed", "zh", role="查看者")], page
        assert not body.dataframe and not body.title, page


def test_marketer_has_audiences_but_no_import_resolve_or_settings(team: Path) -> None:
    at = _sign_in("mo", PASSWORDS["mo"])
    assert [x.value for x in at.title] == [t("ov.title", "zh")]
    assert t("app.settings", "zh") not in [e.label for e in at.sidebar.expander]
    for page in FORBIDDEN["marketer"]:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(str(APPS / page))
    at.switch_page(str(APPS / "customers_page.py")).run()
    assert not at.exception and [x.value for x in at.title] == [t("cust.title", "zh")]
    assert at.button(key="cust_resolve").disabled
    assert not [e for e in at.expander if "复核" in e.label]  # no review queue
    customer = Workspace.open(team).query("SELECT min(customer_id) AS c FROM identity_map")["c"][0]
    at.text_input(key="cust_query").input(customer).run()
    assert at.selectbox(key="cust_pick").value == customer  # the 360 view opens, masked
    keys = {b.key for b in at.button}
    assert "cust_tag_add" in keys  # marketers tag customers
    assert not keys & {"cust_reveal_go", "cust_consent_go", "cust_merge_go", "cust_split_go"}
    assert t("auth.not_allowed", "zh", role="营销人员") in _texts(at.info)  # the merge tab
    for page in FORBIDDEN["marketer"]:
        body = _as("mo", page, team)
        assert _texts(body.error) == [t("auth.not_allowed", "zh", role="营销人员")], page


def test_an_action_handler_checks_the_role_again(team: Path) -> None:
    ws = Workspace.open(team)
    add_user(ws, "deputy", role="admin", password="deputy-password")
    try:
        at = _sign_in("deputy", "deputy-password")
        at.switch_page(str(APPS / "customers_page.py")).run()
        resolve = at.button(key="cust_resolve")
        assert not resolve.disabled
        runs = ws.query("SELECT count(*) AS n FROM identity_runs")["n"][0]
        set_role(ws, "deputy", "marketer")  # demoted while the page is open
        resolve.click().run()
        assert t("auth.not_allowed", "zh", role="营销人员") in _texts(at.error)
        assert ws.query("SELECT count(*) AS n FROM identity_runs")["n"][0] == runs
        remove_user(ws, "deputy")  # removed: the next click shows the sign-in form
        at.run()
        assert [x.value for x in at.title] == [t("auth.title", "zh")]
    finally:
        if auth.get_user(ws, "deputy") is not None:
            remove_user(ws, "deputy")


def test_sessions_expire_and_sign_out(team: Path) -> None:
    at = _sign_in("vi", PASSWORDS["vi"])
    session = at.session_state["auth_session"]
    session.last_seen -= dt.timedelta(minutes=31)
    at.run()
    assert [x.value for x in at.title] == [t("auth.title", "zh")]
    assert t("auth.expired", "zh") in _texts(at.info)

    at = _sign_in("vi", PASSWORDS["vi"])
    session = at.session_state["auth_session"]
    session.signed_in_at -= dt.timedelta(hours=12, minutes=1)  # active, but 12 hours old
    at.run()
    assert [x.value for x in at.title] == [t("auth.title", "zh")]

    at = _sign_in("vi", PASSWORDS["vi"])
    at.button(key="auth_sign_out").click().run()
    assert [x.value for x in at.title] == [t("auth.title", "zh")]
    actions = audit_log(Workspace.open(team), actions=["session_expired", "sign_out"])
    assert set(actions["user_name"]) == {"vi"} and actions.height >= 3


def test_admin_imports_undoes_and_reads_the_audit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.setenv("CIMLAB_USER", "os-account")  # must not be what the records say
    ws = Workspace.open(tmp_path / "ws")
    add_user(ws, "boss", role="admin", password=PASSWORDS["boss"])
    at = _sign_in("boss", PASSWORDS["boss"])
    assert [x.value for x in at.title] == [t("imp.title", "zh")]
    at.file_uploader(key="imp_files").set_value(("tmall.csv", TMALL_CSV, "text/csv")).run()
    next(b for b in at.button if b.label == t("imp.import_button", "zh")).click().run()
    assert not at.exception and not at.error, _texts(at.error)
    assert ws.batches()["user_name"].to_list() == ["boss"]
    at.checkbox(key="imp_undo_confirm").check().run()
    at.button(key="imp_undo_go").click().run()
    assert not at.error, _texts(at.error)
    undo = audit_log(ws, actions=["undo"]).row(0, named=True)
    assert (undo["user_name"], undo["n"]) == ("boss", 2)

    at.switch_page(str(APPS / "audit_page.py")).run()
    assert not at.exception and [x.value for x in at.title] == [t("audit.title", "zh")]
    shown = at.dataframe[0].value
    actions = set(shown[t("audit.col_action", "zh")])
    assert {"登录", "导入", "撤销导入", "添加用户"} <= actions
    assert set(shown[t("audit.col_user", "zh")]) >= {"boss"}
    at.multiselect(key="audit_actions").set_value(["undo"]).run()
    only = at.dataframe[0].value
    assert list(only[t("audit.col_action", "zh")]) == ["撤销导入"]
    at.radio(key="lang").set_value("en").run()
    assert [x.value for x in at.title] == [t("audit.title", "en")]
    assert list(at.dataframe[0].value[t("audit.col_action", "en")]) == ["Undo import"]
    text = pl.from_pandas(at.dataframe[0].value).write_csv()
    assert "13800138000" not in text and "林小红" not in text


@pytest.mark.browser
def test_viewer_direct_urls_in_chromium(team: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.app.test_browser import (
        CHROMIUM,
        CHROMIUM_ARGS,
        STEP_TIMEOUT,
        WAIT,
        _require_chromium,
        _serve,
    )

    _require_chromium()
    expect.set_options(timeout=WAIT)
    with _serve(tmp_path, team) as url, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_TIMEOUT
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1200}, locale="zh-CN")
            page.set_default_timeout(STEP_TIMEOUT)
            # a typed URL is a new session: the form first; the URL survives the sign-in
            # (an admin lands on it), and the role decides whether the page opens
            visits = [
                ("boss", "admin", "customers", "客户", None),
                ("vi", "viewer", "customers", "数据概览", "客户"),
                ("vi", "viewer", "audit", "数据概览", "审计日志"),
            ]
            for user, role, path, shown, hidden in visits:
                page.goto(f"{url}/{path}")
                expect(page.get_by_role("heading", name="登录")).to_be_visible()
                page.get_by_label("用户名").fill(user)
                page.get_by_label("密码", exact=True).fill(PASSWORDS[user])
                page.get_by_role("button", name="登录").click()
                label = t("role." + role, "zh")
                expect(page.get_by_text(f"已登录：{user}（{label}）")).to_be_visible()
                expect(page.get_by_role("heading", name=shown, exact=True)).to_be_visible()
                if hidden:
                    expect(page.get_by_role("heading", name=hidden, exact=True)).to_have_count(0)
            nav = page.get_by_test_id("stSidebarNav")
            expect(nav.get_by_role("link", name="客户分群", exact=True)).to_be_visible()
            for name in ("客户", "导入数据", "营销活动", "审计日志"):
                expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(0)
            expect(nav.get_by_role("link", name="数据概览", exact=True)).to_be_visible()
            expect(page.get_by_test_id("stException")).to_have_count(0)
        finally:
            browser.close()
