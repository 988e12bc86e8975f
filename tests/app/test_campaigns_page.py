"""The Campaigns page through ``AppTest`` on a copy of the demo workspace (300 people): pick a
segment, preview it, export an SMS list with a 10 % control group (the download holds no number of
a customer who did not agree to SMS, and the audit log gains the export); the segment page's
"make an audience from this" lands here with the draft; the rule builder saves a version; the
page reads in both languages without an error."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from cimlab.act.attributes import customer_attributes
from cimlab.act.audiences import audience_members, list_audiences
from cimlab.act.campaigns import campaign_log, campaign_members
from cimlab.act.suppression import soft_opt_in
from cimlab.analytics.facts import customer_data
from cimlab.customers.golden import golden_records
from cimlab.dates import to_date
from cimlab.i18n import t
from cimlab.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 300
SEGMENT = "champions"


@pytest.fixture(scope="module")
def campaign_ws(demo_ws: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo workspace: exports and saved audiences are stored in it."""
    target = tmp_path_factory.mktemp("campaigns") / "ws"
    shutil.copytree(demo_ws, target, ignore=shutil.ignore_patterns(".cimlab.lock"))
    return target


@pytest.fixture
def app_ws(campaign_ws: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(campaign_ws))
    monkeypatch.setenv("CIMLAB_USER", "tester")
    return campaign_ws


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _open(lang: str, page: str = "campaigns_page.py") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = lang  # the router's language switch starts on it
    at.run().switch_page(page).run()
    _no_errors(at)
    return at


def _as_of(ws: Path) -> dt.date:
    data = customer_data(Workspace.open(ws, create=False))
    return to_date(data.orders["order_ts"].max(), time_zone=data.time_zone)  # type: ignore[arg-type]


def _metric(at: AppTest, label: str) -> str:
    [value] = [m.value for m in at.metric if m.label == label]
    return value


def _mobile(e164: str) -> str:
    return e164.removeprefix("+86")


def test_pick_a_segment_preview_and_export_sms(
    app_ws: Path, downloads: list[dict[str, Any]]
) -> None:
    lang = "en"
    at = _open(lang)
    assert [tab.label for tab in at.tabs][:4] == [
        t(f"cmp.tab.{name}", lang) for name in ("preview", "export", "care", "history")
    ]
    at.selectbox(key="cmp_ready_en").set_value(f"segment:{SEGMENT}").run()
    _no_errors(at)
    ws = Workspace.open(app_ws, create=False)
    as_of = _as_of(app_ws)
    expected = audience_members(ws, f"segment:{SEGMENT}", as_of=as_of)
    assert expected.height > 20
    assert _metric(at, t("cmp.size", lang)) == f"{expected.height:,}"

    # export: SMS (the default profile), 10 % control, a fixed seed
    assert at.selectbox(key="cmp_profile_en").value == "sms"
    at.select_slider(key="cmp_control").set_value(10)
    at.number_input(key="cmp_seed").set_value(7)
    at.button(key="cmp_export_button").click().run()
    _no_errors(at)
    [call] = [d for d in downloads if d.get("key") == "cmp_export_download"][-1:]
    data: bytes = call["data"]
    assert not data.startswith("\ufeff".encode())  # a platform upload: UTF-8 without BOM
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == "手机号码"
    numbers = set(lines[1:])
    assert numbers and all(n.isdigit() for n in numbers)

    # nobody who refused SMS (or never said yes, without a soft opt-in) is in the file
    consent = customer_attributes(ws, as_of=as_of, fields=["consent_sms"]).join(
        expected, on="customer_id"
    )
    soft = "sms" in soft_opt_in(ws)
    refused = consent.filter(
        (pl.col("consent_sms") == False) | (pl.col("consent_sms").is_null() & (not soft))  # noqa: E712
    )
    assert refused.height > 0  # the demo has customers who said no
    golden = golden_records(ws, customer_ids=refused["customer_id"].to_list())
    phones = [p for p in golden["phone"].drop_nulls().to_list() if p.startswith("+86")]
    assert phones
    assert not numbers & {_mobile(p) for p in phones}
    assert not any(_mobile(p).encode() in data for p in phones)

    # the audit row, the groups, and the page's report
    log = campaign_log(ws)
    row = log.row(0, named=True)
    assert (row["audience"], row["profile"], row["user_name"]) == (
        f"segment:{SEGMENT}",
        "sms",
        "tester",
    )
    assert row["seed"] == 7 and row["control_share"] == pytest.approx(0.1)
    assert row["members"] == expected.height and row["exported"] == len(numbers)
    groups = campaign_members(ws, row["export_id"])
    assert groups.filter(pl.col("group") == "control").height == row["control"] > 0
    assert _metric(at, t("cmp.kpi.exported", lang)) == f"{row['exported']:,}"
    assert _metric(at, t("cmp.kpi.control", lang)) == f"{row['control']:,}"
    report = at.get_by_key("cmp_suppression_table").dataframe[0].value  # type: ignore[union-attr]
    assert int(report[t("cmp.col.customers", lang)].sum()) == row["suppressed"]
    assert row["members"] == row["suppressed"] + row["control"] + row["exported"]
    # the file was written outside the workspace and is gone
    assert not list(app_ws.rglob("*_sms_*.csv"))
    # past exports: the log lists it (no personal data on screen)
    log_table = at.get_by_key("cmp_log_table").dataframe[0].value  # type: ignore[union-attr]
    assert log_table[t("cmp.log.export_id", lang)].tolist()[0] == row["export_id"]
    assert not any(_mobile(p) in str(log_table.to_dict()) for p in phones)


def test_the_segment_page_button_opens_the_draft(app_ws: Path) -> None:
    at = _open("en", "segments_page.py")
    assert at.title[0].value == t("seg.title", "en")
    chosen = at.selectbox(key="seg_pick_en").value
    at.button(key="seg_make_audience").click().run()
    _no_errors(at)
    assert [title.value for title in at.title] == [t("cmp.title", "en")]
    assert at.radio(key="cmp_source_en").value == "draft"
    draft = at.session_state["cmp_draft"]
    from cimlab.analytics.rfm import SEGMENT_CODES

    code = SEGMENT_CODES[chosen]
    assert draft.name == f"segment:{code}"
    assert [(r.field, r.op, r.value) for r in draft.rules] == [("segment", "=", code)]
    ws = Workspace.open(app_ws, create=False)
    size = audience_members(ws, draft, as_of=_as_of(app_ws)).height
    assert _metric(at, t("cmp.size", "en")) == f"{size:,}"


def test_the_builder_saves_a_version(app_ws: Path) -> None:
    at = _open("en")
    at.radio(key="cmp_source_en").set_value("build").run()
    at.button(key="cmp_rule_add").click().run()
    # a new rule: segment is one of … (nothing chosen yet: the page says what is missing)
    assert at.warning
    [values] = [m for m in at.multiselect if m.key and m.key.endswith("_value_segment_in_en")]
    [name] = [x for x in at.text_input if x.key and x.key.startswith("cmp_name_")]
    values.set_value(["champions", "loyal"])
    name.set_value("vip_test").run()  # both in one run: a complete audience, ready to save
    _no_errors(at)
    at.button(key="cmp_save").click().run()
    _no_errors(at)
    assert at.success[0].value == t("cmp.saved_as", "en", name="vip\\_test", version=1)
    saved = list_audiences(Workspace.open(app_ws, create=False), ready=False)
    assert saved["name"].to_list() == ["vip_test"] and saved["version"].to_list() == [1]
    assert saved["rules"][0] == 'segment in ["champions", "loyal"]'
    assert at.radio(key="cmp_source_en").value == "saved"


def test_the_page_in_chinese_and_the_care_reminders(app_ws: Path) -> None:
    lang = "zh"  # the other tests read the page in English
    at = _open(lang)
    assert at.title[0].value == t("cmp.title", lang)
    at.number_input(key="cmp_care_days").set_value(60).run()
    _no_errors(at)
    # the holidays of the next 60 days are listed; the care button makes a draft audience
    holidays = at.get_by_key("cmp_holiday_table").dataframe[0].value  # type: ignore[union-attr]
    assert len(holidays) >= 1
    at.button(key="cmp_care_make").click().run()
    _no_errors(at)
    draft = at.session_state["cmp_draft"]
    assert [(r.field, r.op, r.value) for r in draft.rules] == [
        ("days_to_birthday", "between", [0, 59])
    ]
    assert at.radio(key=f"cmp_source_{lang}").value == "draft"


# page, the button's key -> what the draft's first rule reads
BUTTONS = {
    ("segments_page.py", "seg_stage_audience"): ("stage", "="),
    ("segments_page.py", "seg_cluster_audience"): ("customer_id", "in"),
    ("satisfaction_page.py", "sat_make_audience"): ("customer_id", "in"),
    ("products_page.py", "prod_pair_audience"): ("products_bought", "contains"),
}


@pytest.mark.parametrize(("page", "key"), list(BUTTONS))
def test_analytic_views_make_a_draft_audience(app_ws: Path, page: str, key: str) -> None:
    at = _open("en", page)
    at.button(key=key).click().run()
    _no_errors(at)
    assert at.title[0].value == t("cmp.title", "en")
    draft = at.session_state["cmp_draft"]
    field, op = BUTTONS[(page, key)]
    assert (draft.rules[0].field, draft.rules[0].op) == (field, op)
    if key == "prod_pair_audience":  # bought X, never Y
        assert [r.op for r in draft.rules] == ["contains", "not_contains"]
    ws = Workspace.open(app_ws, create=False)
    size = audience_members(ws, draft, as_of=_as_of(app_ws)).height
    assert size > 0
    if op == "in":  # an include list of the view's customers: every id is a customer
        assert size == len(draft.rules[0].value)
    assert _metric(at, t("cmp.size", "en")) == f"{size:,}"


def test_policy_tab_sets_the_rules_and_lists_the_suppression_list_masked(app_ws: Path) -> None:
    from cimlab.act.campaigns import frequency_cap, set_frequency_cap
    from cimlab.act.suppression import (
        add_to_suppression_list,
        clear_suppression_list,
        read_contact_list,
        set_soft_opt_in,
    )

    ws = Workspace.open(app_ws, create=False)
    entries = read_contact_list(b"phone,email\n13800138000,ann@example.com\n")
    add_to_suppression_list(ws, entries, reason="asked by phone")
    try:
        lang = "en"
        at = _open(lang)
        at.multiselect(key="cmp_soft").set_value(["email"])
        at.number_input(key="cmp_cap").set_value(14)
        [save] = [b for b in at.button if b.label == t("cmp.policy_save", lang)]
        save.click().run()
        _no_errors(at)
        assert soft_opt_in(ws) == ("email",) and frequency_cap(ws) == 14
        shown = " ".join(str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())
        assert "13800138000" not in shown and "ann@example.com" not in shown
        assert "138****8000" in shown and "asked by phone" in shown
    finally:
        set_soft_opt_in(ws, [])
        set_frequency_cap(ws, None)
        clear_suppression_list(ws)
