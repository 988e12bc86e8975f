"""Tests for cimlab.act.snapshot: a snapshot equals what it stores, is never read for other
data (every change that matters makes a new version), and lets a second export skip reading
the analysis data."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.act import snapshot as snap
from cimlab.act.attributes import FIELDS, customer_attributes
from cimlab.act.campaigns import all_contacts, contact_rows, export_audience
from cimlab.act.suppression import add_to_suppression_list
from cimlab.analytics.facts import customer_data
from cimlab.cli import main
from cimlab.customers.consent import set_consent
from cimlab.customers.tags import add_tags
from cimlab.demo import build_demo_workspace
from cimlab.settings import set_time_zone
from cimlab.workspace import Workspace

AS_OF = dt.date(2026, 6, 29)
AT = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
#: every field but the stored predictions (none are stored here) and the clusters (slow)
FIELDS_HERE = [name for name, f in FIELDS.items() if f.group not in {"value", "cluster"}]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("snapshot_demo")
    build_demo_workspace(root / "ws", root / "files", people=200)
    return root / "ws"


@pytest.fixture
def ws(built: Path, tmp_path: Path) -> Workspace:
    shutil.copytree(built, tmp_path / "ws")
    return Workspace.open(tmp_path / "ws", create=False)


def test_the_snapshot_holds_what_computing_from_the_data_gives(ws: Workspace) -> None:
    data = customer_data(ws)
    computed = customer_attributes(ws, as_of=AS_OF, fields=FIELDS_HERE, data=data)
    first = customer_attributes(ws, as_of=AS_OF, fields=FIELDS_HERE)  # computes and stores
    stored = customer_attributes(ws, as_of=AS_OF, fields=FIELDS_HERE)  # reads
    assert_frame_equal(first, computed)
    assert_frame_equal(stored, computed)
    folder = Path(ws.path) / snap.SNAPSHOTS_DIR / snap.workspace_version(ws)
    assert (folder / "consent.parquet").exists()
    assert len(list(folder.rglob("rfm.parquet"))) == 1
    # another day is another set of day groups; the workspace groups are shared
    customer_attributes(ws, as_of=AS_OF - dt.timedelta(days=30), fields=["segment", "tags"])
    assert len(list(folder.rglob("rfm.parquet"))) == 2
    assert len(list(folder.rglob("tags.parquet"))) == 1


def test_contacts_from_the_snapshot_equal_the_computed_ones(ws: Workspace) -> None:
    ids = customer_data(ws).customers.select("customer_id").head(50)
    rows = contact_rows(ws, ids)
    expected = ids.join(all_contacts(ws), on="customer_id", how="left")
    assert_frame_equal(rows, expected)
    assert rows.height == 50 and rows["masked_phone"].null_count() == 0


def test_every_change_that_matters_makes_a_new_version(ws: Workspace, tmp_path: Path) -> None:
    versions = [snap.workspace_version(ws)]

    def changed() -> bool:
        versions.append(snap.workspace_version(ws))
        return versions[-1] != versions[-2]

    some = customer_data(ws).customers["customer_id"].head(3).to_list()
    # reading, exporting, saving lists: same data, same version
    customer_attributes(ws, as_of=AS_OF, fields=["segment"])
    (tmp_path / "out").mkdir()
    export_audience(ws, "all", profile="meta", out=tmp_path / "out" / "a.csv", as_of=AS_OF)
    entries = pl.DataFrame({"kind": ["customer_id"], "value": [some[0]]})
    add_to_suppression_list(ws, entries)
    assert not changed()
    set_consent(ws, some, "sms", granted=False, at=AT, user="t")
    assert changed()
    add_tags(ws, some, "vip_snapshot", at=AT, user="t")
    assert changed()
    set_time_zone(ws, "Europe/Berlin")
    assert changed()
    batch = int(ws.batches()["batch_id"].max())
    ws.undo(batch, at=AT)
    assert changed()


def test_an_opt_out_after_a_first_export_reaches_the_next_one(
    ws: Workspace, tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    first = export_audience(ws, "all", profile="meta", out=tmp_path / "out" / "1.csv", as_of=AS_OF)
    consenting = customer_attributes(ws, as_of=AS_OF, fields=["consent_sms", "consent_email"])
    yes = consenting.filter(pl.col("consent_sms") & pl.col("consent_email"))
    leaving = yes["customer_id"].head(5).to_list()
    assert len(leaving) == 5
    set_consent(ws, leaving, ["sms", "email"], granted=False, at=AT, user="t")
    after = customer_attributes(ws, as_of=AS_OF, fields=["consent_sms", "consent_email"])
    gone = after.filter(pl.col("customer_id").is_in(leaving))
    assert not gone["consent_sms"].any() and not gone["consent_email"].any()
    second = export_audience(ws, "all", profile="meta", out=tmp_path / "out" / "2.csv", as_of=AS_OF)
    assert second.suppressed["no_consent"] == first.suppressed["no_consent"] + 5


def test_a_damaged_file_is_computed_again_and_old_versions_go(ws: Workspace) -> None:
    expected = customer_attributes(ws, as_of=AS_OF, fields=["segment"])
    folder = Path(ws.path) / snap.SNAPSHOTS_DIR / snap.workspace_version(ws)
    damaged = list(folder.rglob("*rfm.parquet"))  # the group and its aligned copy
    assert len(damaged) == 2
    for path in damaged:
        path.write_bytes(b"not parquet")
    assert_frame_equal(customer_attributes(ws, as_of=AS_OF, fields=["segment"]), expected)
    some = customer_data(ws).customers["customer_id"].head(1).to_list()
    for i in range(snap.KEEP + 2):  # new versions, each with a snapshot
        add_tags(ws, some, f"t{i}", at=AT, user="t")
        customer_attributes(ws, as_of=AS_OF, fields=["tags"])
    kept = [p for p in (Path(ws.path) / snap.SNAPSHOTS_DIR).iterdir() if p.is_dir()]
    assert len(kept) == snap.KEEP
    assert snap.workspace_version(ws) in {p.name for p in kept}


def test_a_second_cli_export_does_not_read_the_analysis_data(
    ws: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["audience", "refresh", "--workspace", str(ws.path), "--json"]) == 0
    refreshed = json.loads(capsys.readouterr().out)
    assert refreshed["version"] == snap.workspace_version(ws)
    assert refreshed["as_of"] == "2026-06-29" and refreshed["customers"] > 100
    argv = ["export", "segment:champions", "--workspace", str(ws.path), "--profile", "meta"]
    assert main([*argv, "--out", str(tmp_path / "a.csv"), "--json"]) == 0
    first = capsys.readouterr().out

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the analysis data was read again")

    monkeypatch.setattr("cimlab.analytics.facts.customer_data", refuse)
    assert main(["audience", "members", "stage:loyal", "--workspace", str(ws.path)]) == 0
    capsys.readouterr()
    assert main([*argv, "--out", str(tmp_path / "b.csv"), "--json"]) == 0
    second = capsys.readouterr().out
    assert '"as_of": "2026-06-29"' in first and '"as_of": "2026-06-29"' in second
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_a_folder_that_cannot_be_written_keeps_nothing_and_works(ws: Workspace) -> None:
    (Path(ws.path) / snap.SNAPSHOTS_DIR).write_text("not a folder")
    got = customer_attributes(ws, as_of=AS_OF, fields=["segment", "consent_sms"])
    expected = customer_attributes(
        ws, as_of=AS_OF, fields=["segment", "consent_sms"], data=customer_data(ws)
    )
    assert_frame_equal(got, expected)
    assert (Path(ws.path) / snap.SNAPSHOTS_DIR).read_text() == "not a folder"


def test_member_rows_side_by_side_equal_the_joined_ones(ws: Workspace) -> None:
    from cimlab.act.campaigns import _member_rows

    fields = ["segment", "city", "consent_sms", "purchase_days"]  # city: also a contact column
    attributes = customer_attributes(ws, as_of=AS_OF, fields=fields)
    chosen = attributes.select("customer_id").filter(pl.int_range(pl.len()) % 3 == 0)
    fast = _member_rows(ws, attributes, chosen, None)
    joined = _member_rows(ws, attributes, chosen, customer_data(ws))
    assert fast.height == chosen.height > 10 and "city_right" in fast.columns
    assert_frame_equal(fast, joined.sort("customer_id"))
