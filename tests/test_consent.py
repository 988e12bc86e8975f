"""Consent events and the rules that turn them into a current state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab import identity
from cimlab.customers.consent import (
    CURRENT_SCHEMA,
    EVENT_SCHEMA,
    TIMELINE_SCHEMA,
    consent_events,
    consent_history,
    consent_state,
    consent_timeline,
    current_consent,
    import_consent_events,
    set_consent,
)
from cimlab.errors import WorkspaceError
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.workspace import Workspace


def at(m: int, d: int = 1, y: int = 2024) -> dt.datetime:
    return dt.datetime(y, m, d, tzinfo=dt.UTC)


def ev(
    month: int,
    origin: str,
    granted: bool,
    record: str | None = None,
    *,
    purpose: str = "email",
    customer: str = "C1",
) -> dict[str, Any]:
    """One hand-made event; ``record`` is ``channel/source_id`` for imports."""
    channel, source = record.split("/") if record else (None, None)
    return {
        "customer_id": customer, "purpose": purpose, "granted": granted, "at": at(month),
        "origin": origin, "channel": channel, "source_customer_id": source,
    }  # fmt: skip


def events(*rows: dict[str, Any]) -> pl.DataFrame:
    schema = {c: EVENT_SCHEMA[c] for c in rows[0]}
    return pl.DataFrame(list(rows), schema=schema)


def state(frame: pl.DataFrame) -> list[tuple[Any, ...]]:
    out = consent_state(frame)
    return out.select("customer_id", "purpose", "granted", "since", "origin", "dated_by").rows()


# ---------------------------------------------------------------------------- rules, by hand


def test_manual_opt_out_is_only_reversed_by_a_manual_opt_in() -> None:
    seq = [
        ev(1, "import", True, "shop/1"),
        ev(2, "manual", False),
        ev(3, "import", True, "shop/1"),  # the shop still exports "yes": ignored
        ev(4, "import", True, "store/2"),  # another channel says "yes": ignored too
    ]
    timeline = consent_timeline(events(*seq))
    assert timeline.schema == pl.Schema(TIMELINE_SCHEMA)
    assert timeline.select("state_after", "decided_by", "applied").rows() == [
        (True, "import", True),
        (False, "manual", True),
        (False, "manual", False),
        (False, "manual", False),
    ]
    assert state(events(*seq)) == [("C1", "email", False, at(2), "manual", "manual")]
    seq += [ev(5, "manual", True)]
    assert state(events(*seq)) == [("C1", "email", True, at(5), "manual", "manual")]
    seq += [ev(6, "import", False, "shop/1")]  # an opt-out from a channel after it wins
    assert state(events(*seq)) == [("C1", "email", False, at(6), "import", "import")]


def test_an_opt_out_from_one_source_is_not_reversed_by_another() -> None:
    seq = [ev(1, "import", False, "shop/1"), ev(2, "import", True, "store/2")]
    assert consent_timeline(events(*seq))["applied"].to_list() == [True, False]
    assert state(events(*seq)) == [("C1", "email", False, at(1), "import", "import")]
    seq += [ev(3, "import", True, "shop/1")]  # the shop record itself re-subscribes
    assert state(events(*seq)) == [("C1", "email", True, at(3), "import", "import")]
    seq += [ev(4, "import", False, "store/2")]
    assert state(events(*seq)) == [("C1", "email", False, at(4), "import", "import")]


def test_since_is_the_start_of_the_current_run() -> None:
    seq = [ev(1, "import", True, "shop/1"), ev(2, "import", True, "shop/1")]
    assert state(events(*seq)) == [("C1", "email", True, at(1), "import", "import")]
    seq += [ev(3, "manual", True)]  # same state, now decided by a person
    # decided by a person now, but true since the import of January (dated by it)
    assert state(events(*seq)) == [("C1", "email", True, at(1), "manual", "import")]
    seq += [ev(4, "import", False, "shop/1")]
    assert state(events(*seq)) == [("C1", "email", False, at(4), "import", "import")]


def test_a_manual_change_at_the_same_instant_as_an_import_comes_second() -> None:
    seq = [ev(1, "manual", False), ev(1, "import", True, "shop/1")]
    timeline = consent_timeline(events(*seq))
    assert timeline["origin"].to_list() == ["import", "manual"]
    assert state(events(*seq)) == [("C1", "email", False, at(1), "manual", "manual")]


def test_purposes_and_customers_are_independent() -> None:
    seq = [
        ev(1, "manual", False, purpose="sms"),
        ev(2, "import", True, "shop/1", purpose="email"),
        ev(3, "import", True, "shop/1", purpose="sms"),
        ev(1, "import", True, "shop/2", purpose="sms", customer="C2"),
    ]
    assert state(events(*seq)) == [
        ("C1", "email", True, at(2), "import", "import"),
        ("C1", "sms", False, at(1), "manual", "manual"),
        ("C2", "sms", True, at(1), "import", "import"),
    ]
    with pytest.raises(ValueError, match="origin='robot'"):
        consent_timeline(events(ev(1, "robot", True)))
    assert consent_state(events(*seq).head(0)).schema == pl.Schema(CURRENT_SCHEMA)


def test_import_events_skip_nulls_and_carry_their_batch() -> None:
    rows = pl.DataFrame(
        {
            "channel": ["shop", "shop", "store"],
            "source_customer_id": ["1", "2", "9"],
            "consent_email": [True, None, False],
            "consent_sms": [None, None, True],
            "imported_at": [at(1), at(1), at(2)],
            "batch_id": [1, 1, 2],
            "source_line": [2, 3, 2],
        },
        schema_overrides={"consent_email": pl.Boolean, "consent_sms": pl.Boolean},
    )
    imap = pl.DataFrame(
        {"channel": ["shop", "shop"], "source_customer_id": ["1", "2"], "customer_id": ["C1", "C2"]}
    )
    got = import_consent_events(rows, imap).sort("purpose")
    expected = pl.DataFrame(
        [("C1", "email", True, at(1), "import", "shop", "1", 1, 2, None, None, None, "import")],
        schema=EVENT_SCHEMA,
        orient="row",
    )
    assert_frame_equal(got, expected)  # store/9 is not resolved; nulls give no event


# ---------------------------------------------------------------------------- workspace


def load(ws: Workspace, text: str, *, when: dt.datetime, name: str, channel: str = "shop"):
    headers = text.split("\n", 1)[0].split(",")
    columns = {("source_customer_id" if h == "customer_id" else h): h for h in headers}
    report = check_bytes(
        text.encode(), name=name, table="customers", channel=channel,
        mapping={"table": "customers", "columns": columns},
    )  # fmt: skip
    assert report.quarantine.is_empty()
    return store_report(ws, report, at=when, user="test").batch.batch_id


def link(ws: Workspace, groups: dict[str, list[tuple[str, str]]]) -> None:
    """Fill ``identity_map`` by hand (the identity module's tables, our own links)."""
    ws.ensure_tables(identity.DDL)
    rows = [(ch, sid, cid, at(1)) for cid, recs in groups.items() for ch, sid in recs]
    with ws.transaction() as con:
        con.execute("DELETE FROM identity_map")
        con.executemany("INSERT INTO identity_map VALUES (?, ?, ?, 'test', NULL, NULL, ?)", rows)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "ws")


def test_null_import_keeps_the_opt_out_and_undo_removes_a_batch(ws: Workspace) -> None:
    load(ws, "customer_id,consent_email,consent_sms\n1,no,yes\n", when=at(1), name="a.csv")
    load(ws, "customer_id,name,consent_email,consent_sms\n1,Ann,,\n", when=at(3), name="b.csv")
    link(ws, {"C1": [("shop", "1")]})
    assert current_consent(ws).rows() == [
        ("C1", "email", False, at(1), "import", "import"),
        ("C1", "sms", True, at(1), "import", "import"),
    ]
    assert consent_history(ws, "C1")["batch_id"].to_list() == [1, 1]  # batch 2 said nothing
    third = load(ws, "customer_id,consent_email\n1,yes\n", when=at(5), name="c.csv")
    assert current_consent(ws).row(0) == ("C1", "email", True, at(5), "import", "import")
    ws.undo(third, at=at(6))
    assert current_consent(ws).row(0) == ("C1", "email", False, at(1), "import", "import")
    assert third not in consent_events(ws)["batch_id"].to_list()


def test_manual_events_are_stored_and_win(ws: Workspace) -> None:
    load(
        ws,
        "customer_id,consent_email,consent_wechat\n1,yes,yes\n2,yes,\n",
        when=at(1),
        name="a.csv",
    )
    link(ws, {"C1": [("shop", "1")], "C2": [("shop", "2")]})
    n = set_consent(ws, ["C1", "C2"], ["email", "sms"], granted=False, at=at(2), user="li",
                    note="asked by phone")  # fmt: skip
    assert n == 4
    load(ws, "customer_id,consent_email\n1,yes\n", when=at(3), name="b.csv")
    history = consent_history(ws, "C1").filter(pl.col("purpose") == "email")
    assert history.select("origin", "granted", "state_after", "applied", "user_name").rows() == [
        ("import", True, True, True, None),
        ("manual", False, False, True, "li"),
        ("import", True, False, False, None),
    ]
    assert history["note"].to_list() == [None, "asked by phone", None]
    assert current_consent(ws, customer_ids=["C1"]).rows() == [
        ("C1", "email", False, at(2), "manual", "manual"),
        ("C1", "sms", False, at(2), "manual", "manual"),
        ("C1", "wechat", True, at(1), "import", "import"),
    ]
    set_consent(ws, "C1", "email", granted=True, at=at(4), user="li")
    assert current_consent(ws, customer_ids=["C1"]).row(0) == (
        "C1",
        "email",
        True,
        at(4),
        "manual",
        "manual",
    )
    assert consent_events(ws).filter(pl.col("origin") == "manual")["event_id"].to_list() == [
        1, 2, 3, 4, 5,
    ]  # fmt: skip


def test_set_consent_refuses_bad_input_and_writes_nothing(ws: Workspace) -> None:
    load(ws, "customer_id,consent_email\n1,yes\n", when=at(1), name="a.csv")
    link(ws, {"C1": [("shop", "1")]})
    bad: list[dict[str, Any]] = [
        {"customer_ids": "C1", "purposes": "fax", "granted": False, "at": at(2)},
        {"customer_ids": ["C1", "C9"], "purposes": "sms", "granted": False, "at": at(2)},
        {"customer_ids": "C1", "purposes": "sms", "granted": False, "at": dt.datetime(2024, 2, 1)},
        {"customer_ids": "C1", "purposes": "sms", "granted": "no", "at": at(2)},
        {"customer_ids": [], "purposes": "sms", "granted": False, "at": at(2)},
    ]
    messages = ["not one of email, sms, wechat, phone", "unknown customer_id C9",
                "timezone-aware", "must be True", "one or more"]  # fmt: skip
    for kwargs, message in zip(bad, messages, strict=True):
        with pytest.raises(WorkspaceError, match=message):
            set_consent(ws, kwargs.pop("customer_ids"), kwargs.pop("purposes"), user="li", **kwargs)
    assert consent_events(ws)["origin"].to_list() == ["import"]


def test_records_merged_into_one_customer_combine_their_events(ws: Workspace) -> None:
    load(ws, "customer_id,consent_sms\n1,no\n", when=at(1), name="a.csv")
    load(ws, "customer_id,consent_sms\nw1,yes\n", when=at(2), name="w.csv", channel="wechat")
    link(ws, {"C1": [("shop", "1")], "C2": [("wechat", "w1")]})
    assert current_consent(ws)["granted"].to_list() == [False, True]
    link(ws, {"C1": [("shop", "1"), ("wechat", "w1")]})
    assert current_consent(ws).rows() == [("C1", "sms", False, at(1), "import", "import")]
