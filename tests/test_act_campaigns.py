"""Tests for cimlab.act.campaigns and `cimlab audience|export|campaign|suppression` on a demo
workspace: consent never bypassed, no PII in the log or in hashed files, reproducible control
groups, the frequency cap, the JSON contract and exit codes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from cimlab.act.attributes import customer_attributes
from cimlab.act.audiences import Audience, Rule, audience_members, save_audience
from cimlab.act.campaigns import (
    campaign_log,
    campaign_members,
    campaign_uplift,
    export_audience,
    preview_audience,
)
from cimlab.analytics.facts import customer_data
from cimlab.cli import main
from cimlab.customers.golden import golden_records
from cimlab.demo import build_demo_workspace
from cimlab.errors import AudienceError, ExportError
from cimlab.workspace import Workspace

AS_OF = dt.date(2026, 6, 29)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("act_demo")
    build_demo_workspace(root / "ws", root / "files", people=300)
    return root / "ws"


@pytest.fixture
def ws(built: Path, tmp_path: Path) -> Workspace:
    """A fresh copy of the demo workspace for one test (exports write the log)."""
    shutil.copytree(built, tmp_path / "ws")
    return Workspace.open(tmp_path / "ws", create=False)


@pytest.fixture(scope="module")
def contacts(built: Path) -> pl.DataFrame:
    """The golden records with the current SMS consent of every customer."""
    ws = Workspace.open(built, create=False)
    consent = customer_attributes(ws, as_of=AS_OF, fields=["consent_sms", "consent_email"])
    return golden_records(ws).join(consent, on="customer_id")


def test_an_sms_list_never_holds_a_customer_without_sms_consent(
    ws: Workspace, contacts: pl.DataFrame, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "champions.csv"
    out.parent.mkdir()
    result = export_audience(ws, "all", profile="sms", out=out, as_of=AS_OF, seed=1)
    written = pl.read_csv(out, schema_overrides={"手机号码": pl.String})["手机号码"].to_list()
    assert len(written) == result.exported > 0

    def written_form(phone: str) -> str:  # the profile's 手机号码: bare CN mobile, else CC+number
        return phone.removeprefix("+86") if phone.startswith("+861") else phone.removeprefix("+")

    by_number = {
        written_form(p): row
        for p, row in zip(contacts["phone"], contacts.iter_rows(named=True), strict=True)
        if p is not None
    }
    for number in written:
        assert by_number[number]["consent_sms"] is True
    refused = contacts.filter(pl.col("consent_sms").fill_null(False).not_())
    refused_numbers = {written_form(p) for p in refused["phone"].drop_nulls()}
    assert not refused_numbers & set(written)
    assert result.suppressed["no_consent"] >= refused.height - contacts["phone"].null_count()
    assert result.members == contacts.height
    assert result.members == result.exported + result.control + result.suppressed_total


def test_the_audit_log_and_hashed_files_hold_no_personal_data(
    ws: Workspace, contacts: pl.DataFrame, tmp_path: Path
) -> None:
    export_audience(ws, "all", profile="meta", out=tmp_path / "meta.csv", as_of=AS_OF, control=0.1)
    export_audience(ws, "all", profile="csv", out=tmp_path / "people.csv", as_of=AS_OF)
    log = campaign_log(ws)
    assert log.height == 2
    text = json.dumps(log.to_dicts(), default=str) + "".join(
        ws.query("SELECT audience_yaml FROM campaign_exports")["audience_yaml"]
    )
    hashed = (tmp_path / "meta.csv").read_text(encoding="utf-8")
    clear = [v for c in ("phone", "email", "name") for v in contacts[c].drop_nulls().to_list()]
    digits = [p.removeprefix("+") for p in contacts["phone"].drop_nulls()]
    for value in clear + digits:
        assert value not in text
        assert value.lower() not in hashed
    reasons = json.loads(log["suppressed_by_reason"][1])
    assert list(reasons) == [
        "no_consent",
        "suppression_list",
        "no_contact",
        "masked_contact",
        "frequency_cap",
        "excluded",
        "same_household",
    ]
    files = json.loads(log["files"][0])
    assert files[0]["path"] == "people.csv" and len(files[0]["sha256"]) == 64


def test_the_control_group_is_reproducible_and_left_out(built: Path, tmp_path: Path) -> None:
    groups = []
    for copy in ("a", "b"):
        shutil.copytree(built, tmp_path / copy)
        ws = Workspace.open(tmp_path / copy, create=False)
        result = export_audience(
            ws,
            "all",
            profile="csv",
            out=tmp_path / f"{copy}.csv",
            as_of=AS_OF,
            control=0.2,
            seed=42,
        )
        members = campaign_members(ws, result.export_id)
        groups.append(members)
        control = set(members.filter(pl.col("group") == "control")["customer_id"])
        people = pl.read_csv(tmp_path / f"{copy}.csv", infer_schema=False)
        written = set(people["Customer ID"])  # the people CSV names its columns for people
        assert control and not control & written
        assert result.control == len(control)
    assert groups[0].equals(groups[1])


def test_the_frequency_cap_counts_earlier_direct_exports(ws: Workspace, tmp_path: Path) -> None:
    first = export_audience(
        ws, "all", profile="sms", out=tmp_path / "1.csv", as_of=AS_OF, control=0.1, seed=5
    )
    again = export_audience(ws, "all", profile="sms", out=tmp_path / "2.csv", as_of=AS_OF)
    # the contacted and the held-out control both wait out the cap
    assert again.suppressed["frequency_cap"] == first.exported + first.control > first.exported
    assert again.exported == 0
    # an export that left nobody is still logged, and reads back as empty, not as an error
    assert campaign_members(ws, again.export_id).is_empty()
    assert not campaign_uplift(ws, again.export_id).measurable
    with pytest.raises(AudienceError, match="no export 99"):
        campaign_members(ws, 99)
    off = export_audience(ws, "all", profile="sms", out=tmp_path / "3.csv", as_of=AS_OF, cap_days=0)
    assert off.exported == first.exported + first.control
    hashed = export_audience(ws, "all", profile="tencent", out=tmp_path / "t.txt", as_of=AS_OF)
    assert hashed.suppressed["frequency_cap"] == 0  # an ad audience is no contact


def test_exports_never_land_in_the_workspace_and_failures_log_nothing(ws: Workspace) -> None:
    with pytest.raises(ExportError):
        export_audience(ws, "all", profile="csv", out=ws.path / "x.csv", as_of=AS_OF)
    with pytest.raises(ExportError):
        export_audience(ws, "all", profile="csv", out=ws.path / "no" / "x.csv", as_of=AS_OF)
    assert campaign_log(ws).is_empty()
    with pytest.raises(AudienceError, match="unknown profile"):
        export_audience(ws, "all", profile="fax", out="/tmp/x.csv", as_of=AS_OF)


def test_rules_that_need_predictions_say_which_command_makes_them(ws: Workspace) -> None:
    with pytest.raises(AudienceError, match="cimlab predict clv"):
        audience_members(ws, "churn:high", as_of=AS_OF)


def test_preview_and_members_agree(ws: Workspace) -> None:
    data = customer_data(ws)
    saved = save_audience(
        ws,
        Audience("recent", rules=(Rule("days_since_last_purchase", "<=", 90),)),
    )
    found = audience_members(ws, "recent", as_of=AS_OF, data=data)
    preview = preview_audience(
        ws, saved, as_of=AS_OF, data=data, overlap_with=["segment:champions"]
    )
    assert preview.size == found.height > 0
    assert preview.expected_value is None  # no CLV stored
    assert set(preview.reachable) == {"sms", "phone", "email", "wechat"}
    assert all(0 <= share <= 1 for share in preview.reachable.values())
    champions = audience_members(ws, "segment:champions", as_of=AS_OF, data=data)
    assert preview.overlaps["segment:champions"] == found.join(champions, on="customer_id").height


def test_uplift_readout_of_an_export(ws: Workspace, tmp_path: Path) -> None:
    result = export_audience(
        ws, "all", profile="csv", out=tmp_path / "u.csv", as_of=AS_OF, control=0.3, seed=3
    )
    readout = campaign_uplift(ws, result.export_id)
    # exported today, no orders after it yet: not measurable, and it says so
    assert readout.treated.customers + readout.control.customers == result.exported + result.control
    assert readout.days == 0 and readout.to_dict()["measurable"] is False
    assert "no order day of the window has been imported yet" in readout.summary()
    assert "对照组" in readout.summary("zh")
    with pytest.raises(AudienceError, match="before export"):
        campaign_uplift(ws, result.export_id, end=AS_OF)


# ------------------------------------------------------------------------------------------------
# The command line
# ------------------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_export_json_contract(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sms.csv"
    code, stdout, _ = run(
        capsys, "export", "segment:champions", "--workspace", str(ws.path), "--profile", "sms",
        "--out", str(out), "--control", "10%", "--seed", "7", "--json",
    )  # fmt: skip
    assert code == 0
    payload = json.loads(stdout)
    for key in ("members", "exported", "control", "suppressed", "file", "sha256", "files"):
        assert key in payload
    assert payload["file"] == str(out)
    assert payload["members"] == (
        payload["exported"] + payload["control"] + sum(payload["suppressed"].values())
    )
    import hashlib

    assert payload["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    code, stdout, _ = run(capsys, "campaign", "list", "--workspace", str(ws.path), "--json")
    assert code == 0 and json.loads(stdout)["exports"][0]["export_id"] == payload["export_id"]


def test_cli_audiences_and_errors(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = str(ws.path)
    code, stdout, _ = run(
        capsys, "audience", "save", "big", "--workspace", w,
        "--rule", "segment in champions,loyal", "--rule", "purchase_days >= 2", "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(stdout)["version"] == 1
    code, stdout, _ = run(capsys, "audience", "members", "big", "--workspace", w, "--json")
    ids = json.loads(stdout)["customer_ids"]
    assert code == 0 and ids == audience_members(ws, "big", as_of=AS_OF)["customer_id"].to_list()
    code, stdout, _ = run(capsys, "audience", "list", "--workspace", w)
    assert code == 0 and "big" in stdout and "segment:champions" in stdout
    for argv, message in (
        (["export", "nope", "--profile", "sms", "--out", str(tmp_path / "x.csv")], "no audience"),
        (
            ["export", "all", "--profile", "fax", "--out", str(tmp_path / "x.csv")],
            "unknown profile",
        ),
        (["export", "all", "--profile", "csv", "--out", str(ws.path / "x.csv")], "workspace"),
        (["audience", "save", "x", "--rule", "segmnet = lost"], "unknown field"),
        (["audience", "members", "churn:high"], "cimlab predict"),
    ):
        code, _, stderr = run(capsys, *argv, "--workspace", w)
        assert code == 2 and message in stderr, (argv, stderr)
        assert "Traceback" not in stderr


def test_cli_suppression_list_is_applied_and_masked(
    ws: Workspace, contacts: pl.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    consenting = contacts.filter(
        pl.col("consent_sms").fill_null(False) & pl.col("phone").is_not_null()
    )
    number = consenting["phone"][0]
    listed = tmp_path / "dnc.csv"
    listed.write_text(f"phone\n{number}\n", encoding="utf-8")
    code, stdout, _ = run(
        capsys, "suppression", "add", str(listed), "--workspace", str(ws.path), "--json"
    )
    assert code == 0 and json.loads(stdout) == {"read": 1, "added": 1}
    code, stdout, _ = run(capsys, "suppression", "list", "--workspace", str(ws.path))
    assert number not in stdout and number[-4:] in stdout
    code, stdout, _ = run(
        capsys, "export", "all", "--workspace", str(ws.path), "--profile", "sms",
        "--out", str(tmp_path / "s.csv"), "--json",
    )  # fmt: skip
    assert json.loads(stdout)["suppressed"]["suppression_list"] == 1
    assert number.removeprefix("+86") not in (tmp_path / "s.csv").read_text(encoding="utf-8")


def test_cli_campaign_settings(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    w = str(ws.path)
    code, stdout, _ = run(
        capsys, "workspace", "settings", "--workspace", w, "--frequency-cap", "0",
        "--soft-opt-in", "email,sms", "--json",
    )  # fmt: skip
    settings = json.loads(stdout)
    assert code == 0 and settings["frequency_cap_days"] == 0
    assert settings["soft_opt_in"] == ["email", "sms"]
    code, _, stderr = run(capsys, "workspace", "settings", "--workspace", w, "--frequency-cap", "x")
    assert code == 2 and "--frequency-cap" in stderr
    code, stdout, _ = run(
        capsys, "workspace", "settings", "--workspace", w, "--frequency-cap", "default",
        "--soft-opt-in", "none", "--json",
    )  # fmt: skip
    assert json.loads(stdout)["frequency_cap_days"] == 7 and json.loads(stdout)["soft_opt_in"] == []
