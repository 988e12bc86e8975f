"""cimlab.audit: one log read from the records each action keeps, plus audit_events for what
nothing else records; who acted reaches every row; no personal data in it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from cimlab import consent, identity, profile, tags
from cimlab.audit import ACTIONS, AUDIT_SCHEMA, EVENT_ACTIONS, audit_log, record_event
from cimlab.cli import main
from cimlab.demo import build_demo_workspace
from cimlab.errors import WorkspaceError
from cimlab.workspace import Workspace

T0 = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture(scope="module")
def acted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    """A small demo workspace in which 'ann' resolved, undid a batch, merged, tagged, set a
    consent and revealed a customer, and settings and users changed."""
    root = tmp_path_factory.mktemp("audit")
    build_demo_workspace(root / "ws", root / "files", people=120, resolve_identities=False)
    ws = Workspace.open(root / "ws")
    identity.resolve(ws, at=at(1))
    record_event(ws, "resolve", user="ann", at=at(1), n=1)  # as the app records who resolved
    batch = int(ws.batches().filter(pl.col("table_name") == "feedback")["batch_id"][0])
    removed = ws.undo(batch, at=at(2))
    record_event(ws, "undo", user="ann", at=at(2), target=str(batch), n=removed)
    ids = identity.customer_map(ws)["customer_id"].unique().sort().to_list()
    identity.merge_customers(ws, ids[0], ids[1], at=at(3), user="ann")
    tags.add_tags(ws, [ids[2], ids[3]], ["spring_gift"], at=at(4), user="ann")
    consent.set_consent(ws, ids[2], "sms", granted=False, at=at(5), user="ann", note="called in")
    profile.reveal_pii(ws, ids[2], user="ann", at=at(6), reason="delivery 13900001111")
    record_event(ws, "setting", user="ann", at=at(7), target="time_zone", detail="Asia/Shanghai")
    record_event(ws, "sign_in_failed", user=None, at=at(8), target="k:0123")
    return ws, root / "files"


def test_every_action_reads_from_its_home(acted: tuple[Workspace, Path]) -> None:
    ws, _ = acted
    log = audit_log(ws)
    assert log.schema == pl.Schema(AUDIT_SCHEMA)
    homes = dict(log.select("action", "source").unique().iter_rows())
    assert homes["import"] == "batches" and homes["undo"] == "batches"
    assert homes["resolve"] == "identity_runs" and homes["merge"] == "identity_overrides"
    assert homes["tag"] == "tag_events" and homes["consent"] == "consent_events"
    assert homes["reveal"] == "pii_reveals" and homes["setting"] == "audit_events"
    assert set(log["action"]) <= set(ACTIONS)
    assert log["at"].is_sorted(descending=True)


def test_who_did_it_reaches_every_row(acted: tuple[Workspace, Path]) -> None:
    ws, _ = acted
    log = audit_log(ws, since=at(0))
    by_action = {a: rows for a, rows in log.group_by("action", maintain_order=True)}
    for action in ("undo", "merge", "tag", "consent", "reveal", "setting"):
        frame = by_action[(action,)]
        assert frame["user_name"].to_list() == ["ann"] * frame.height, action
    first_run = log.filter((pl.col("action") == "resolve") & (pl.col("at") == at(1)))
    assert first_run["user_name"].to_list() == ["ann"]
    undo = by_action[("undo",)].row(0, named=True)
    assert undo["n"] > 0 and undo["target"].startswith("batch ")
    tagged = by_action[("tag",)].row(0, named=True)
    assert tagged["n"] == 2 and tagged["target"] == "add spring_gift"
    imports = audit_log(ws, actions=["import"])
    assert set(imports["user_name"]) == {"demo"} and imports["n"].min() > 0


def test_filters_by_action_and_date(acted: tuple[Workspace, Path]) -> None:
    ws, _ = acted
    assert audit_log(ws, actions=["setting"])["target"].to_list() == ["time_zone"]
    window = audit_log(ws, since=at(3), until=at(6))
    assert window["at"].min() >= at(3) and window["at"].max() < at(6)
    assert audit_log(ws, until=T0.date() - dt.timedelta(days=400)).is_empty()
    with pytest.raises(WorkspaceError, match="unknown audit action"):
        audit_log(ws, actions=["nap"])


def test_no_personal_data_in_the_log(acted: tuple[Workspace, Path]) -> None:
    ws, files = acted
    people = pl.read_csv(files / "_truth" / "people.csv", infer_schema=False)
    text = audit_log(ws).write_csv()
    for column in ("name", "phone", "email"):
        for value in people[column].drop_nulls().to_list()[:200]:
            local = value.removeprefix("+86")
            assert value not in text and (len(local) < 7 or local not in text), column
    assert "13900001111" not in text  # the reveal's reason is not in the log at all
    assert "called in" not in text


def test_record_event_takes_only_what_has_no_home(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    with pytest.raises(WorkspaceError, match="recorded by its own table"):
        record_event(ws, "export", user="a", at=T0)
    record_event(ws, "setting", user="a", at=T0, detail="call 13800138000")
    assert audit_log(ws)["detail"].to_list() == ["call 138****8000"]
    assert {"sign_in", "setting", "user_add", "undo", "resolve"} <= EVENT_ACTIONS


def test_cli_audit(acted: tuple[Workspace, Path], capsys: pytest.CaptureFixture[str]) -> None:
    ws, _ = acted
    folder = str(ws.path)
    assert main(["audit", "--workspace", folder, "--json", "--action", "undo"]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert [e["user_name"] for e in events] == ["ann"]
    assert main(["audit", "--workspace", folder, "--since", "2099-01-01"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["audit", "--workspace", folder, "--action", "nap"]) == 2
    assert "unknown audit action" in capsys.readouterr().err


def test_cli_resolve_and_undo_name_who_ran_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ws"
    build_demo_workspace(folder, tmp_path / "files", people=100, resolve_identities=False)
    monkeypatch.setenv("CIMLAB_USER", "ops-bot")
    assert main(["customers", "resolve", "--workspace", str(folder)]) == 0
    batch = int(Workspace.open(folder, create=False).batches()["batch_id"].max())
    assert main(["workspace", "undo", str(batch), "--workspace", str(folder)]) == 0
    capsys.readouterr()
    log = audit_log(Workspace.open(folder, create=False), actions=["resolve", "undo"])
    assert sorted(log["action"].to_list()) == ["resolve", "undo"]
    assert log["user_name"].to_list() == ["ops-bot", "ops-bot"]
